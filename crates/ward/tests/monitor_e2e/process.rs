//! `ward monitor` as a child process: start it on a config, learn its ports from stderr, stop
//! it with SIGTERM or SIGKILL, and talk HTTP to its dashboard.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The dashboard token every test config carries.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `ward` binary cargo built for these tests.
pub fn ward_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ward")
}

/// A running `ward monitor`; killed and reaped on drop, whatever happened.
pub struct Ward {
    child: Child,
    stderr: mpsc::Receiver<String>,
    pub inputs: BTreeMap<String, SocketAddr>,
    pub dashboard: SocketAddr,
}

impl Drop for Ward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Ward {
    /// Starts `ward monitor --config <config>` and waits (at most 20 s) until it reports its
    /// listeners and says it is running.
    pub fn start(config: &Path) -> Ward {
        Ward::start_with(config, &[])
    }

    /// [`Ward::start`] with more command-line arguments.
    pub fn start_with(config: &Path, args: &[&str]) -> Ward {
        let mut child = Command::new(ward_bin())
            .args(["monitor", "--config"])
            .arg(config)
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("ward starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut ward = Ward {
            child,
            stderr: rx,
            inputs: BTreeMap::new(),
            dashboard: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let line = ward
                .stderr
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("ward reports its listeners within 20 s");
            if let Some(rest) = line.strip_prefix("ward monitor: input ") {
                let (name, addr) = rest.split_once(" listening on ").expect("listener line");
                ward.inputs
                    .insert(name.to_string(), addr.parse().expect("socket address"));
            } else if let Some(rest) = line.strip_prefix("ward monitor: dashboard on http://") {
                ward.dashboard = rest.trim_end_matches('/').parse().expect("dashboard");
            } else if line == "ward monitor: running" {
                return ward;
            }
        }
    }

    /// SIGKILL: the process gets no chance to flush or commit anything.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (at most `within`) for the exit; returns its status and the stderr
    /// lines written meanwhile.
    pub fn terminate(mut self, within: Duration) -> (ExitStatus, Vec<String>) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("the kill command runs");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "ward did not stop within {within:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let lines = self.stderr.try_iter().collect();
        (status, lines)
    }

    /// A Prometheus counter from `/metrics` (bearer token), 0 when absent.
    pub fn metric(&self, name: &str) -> u64 {
        let reply = http(self.dashboard, "GET", "/metrics", &[&bearer()], "");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
            .body
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// The `Authorization` header for the test token.
pub fn bearer() -> String {
    format!("authorization: Bearer {TOKEN}")
}

/// An HTTP reply: status, lower-cased header lines and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<String>,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find_map(|h| h.strip_prefix(name)?.strip_prefix(':').map(str::trim))
    }
}

/// One HTTP/1.1 request on a fresh connection (`connection: close`).
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect dashboard");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    if !body.is_empty() {
        head.push_str("content-type: application/x-www-form-urlencoded\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    s.write_all(head.as_bytes()).expect("send request");
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: lines.map(str::to_ascii_lowercase).collect(),
        body: body.to_string(),
    }
}
