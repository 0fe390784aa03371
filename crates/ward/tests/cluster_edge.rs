//! `ward monitor` as an edge (`[forward]`): a tailed file forwarded to a 1-node JetStream
//! started by the test, with the site's own restricted user and its password in a file. The
//! records land in the raw stream under the site's subjects with `ward ship`'s `Nats-Msg-Id`;
//! while the server is down the tail offset does not advance; once it is back everything
//! arrives, nothing twice.
//!
//! Needs nats-server (scripts/install-test-deps.sh); skips with a message when absent, and
//! fails under `WARD_REQUIRE_DATA=1`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use ward_cluster::local::{LocalCluster, UserSpec, find_server};
use ward_cluster::subjects::RAW_STREAM;
use ward_cluster::{Layout, SiteId};

const WARD: &str = env!("CARGO_BIN_EXE_ward");

fn server_present() -> bool {
    if find_server().is_some() {
        return true;
    }
    let message = "nats-server not found: run scripts/install-test-deps.sh";
    if std::env::var_os("WARD_REQUIRE_DATA").is_some_and(|v| v == "1") {
        panic!("{message} (WARD_REQUIRE_DATA=1)");
    }
    eprintln!("SKIPPED: {message}");
    false
}

/// Appends JSON lines `first..first + count`; returns the file's length.
fn append(path: &Path, first: usize, count: usize) -> u64 {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for n in first..first + count {
        text.push_str(&format!(
            "{{\"host\":\"lab-pc\",\"message\":\"record-{n}\",\"n\":{n}}}\n"
        ));
    }
    file.write_all(text.as_bytes()).unwrap();
    file.sync_all().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// The committed tail position of the monitor's file input.
fn committed(state: &Path) -> u64 {
    if !state.exists() {
        return 0;
    }
    ward_monitor::Store::open(state)
        .and_then(|s| s.offsets())
        .map(|o| o.iter().map(|o| o.position).max().unwrap_or(0))
        .unwrap_or(0)
}

/// Every message of the raw stream: (subject, Msg-Id, the event's message text).
async fn raw(js: &jetstream::Context) -> Vec<(String, String, String)> {
    let stream = js.get_stream(RAW_STREAM).await.unwrap();
    let last = stream.get_info().await.unwrap().state.last_sequence;
    let mut out = Vec::new();
    for seq in 1..=last {
        let Ok(m) = stream.get_raw_message(seq).await else {
            continue;
        };
        let id = m
            .headers
            .get("Nats-Msg-Id")
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        let event = ward_cluster::wire::decode(&m.payload).unwrap();
        out.push((m.subject.to_string(), id, format!("{:?}", event.fields)));
    }
    out
}

fn wait_until(what: &str, log: &Path, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("timed out waiting for {what}; the monitor said:\n{log}");
}

struct Monitor(Child);

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_forwarding_monitor_commits_its_tail_only_after_jetstream_stored_the_records() {
    if !server_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let site = SiteId::new("stmary", "radiology").unwrap();
    let operator = UserSpec::all("operator", "op-secret");
    let edge = UserSpec::site(&site, "edge-secret");
    let mut cluster =
        LocalCluster::start(dir.path(), 1, &[operator.clone(), edge.clone()]).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let js = runtime.block_on(async {
        let client = ward_cluster::connect(&cluster.urls(), Some(&operator.credentials))
            .await
            .unwrap();
        let js = jetstream::new(client);
        let layout = Layout {
            replicas: 1,
            ..Layout::default()
        };
        ward_cluster::setup::ensure(&js, &layout).await.unwrap();
        js
    });

    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("app.log");
    let state = dir.path().join("state.db");
    let password = dir.path().join("nats-password");
    std::fs::write(&password, "edge-secret").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = dir.path().join("monitor.toml");
    std::fs::write(
        &config,
        format!(
            r#"state = "{}"
[pipeline]
commit_ms = 50
[[inputs]]
type = "tail"
name = "files"
path = "{}"
suffix = ".log"
poll_ms = 20
[[inputs]]
type = "syslog_tcp"
name = "syslog"
listen = "127.0.0.1:0"
[forward]
nats = "{}"
tenant = "stmary"
site = "radiology"
user = "{}"
password_file = "{}"
forward_only = true
"#,
            state.display(),
            logs.display(),
            cluster.urls(),
            edge.credentials.user,
            password.display()
        ),
    )
    .unwrap();

    let first = append(&log, 0, 20);
    let stderr = std::fs::File::create(dir.path().join("monitor.log")).unwrap();
    let _monitor = Monitor(
        Command::new(WARD)
            .args(["monitor", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    );
    let monitor_log = dir.path().join("monitor.log");
    wait_until(
        "the first records to be stored and committed",
        &monitor_log,
        Duration::from_secs(15),
        || runtime.block_on(raw(&js)).len() == 20 && committed(&state) == first,
    );
    // Syslog has no replayable origin: five messages alike but for their text, in the same
    // second, each get an id of their own (none dropped as a duplicate).
    let mut address = None;
    wait_until(
        "the syslog listener",
        &monitor_log,
        Duration::from_secs(10),
        || {
            let text = std::fs::read_to_string(&monitor_log).unwrap_or_default();
            address = text
                .lines()
                .find_map(|l| l.strip_prefix("ward monitor: input syslog listening on "))
                .map(str::to_string);
            address.is_some()
        },
    );
    let mut syslog = std::net::TcpStream::connect(address.unwrap()).unwrap();
    for n in 0..5 {
        writeln!(syslog, "<13>Dec  7 10:00:00 lab-pc app: syslog-{n}").unwrap();
    }
    syslog.flush().unwrap();
    wait_until(
        "the syslog messages",
        &monitor_log,
        Duration::from_secs(15),
        || runtime.block_on(raw(&js)).len() == 25,
    );
    let stored = runtime.block_on(raw(&js));
    assert_eq!(
        stored
            .iter()
            .filter(|(_, id, _)| id.contains("|live-"))
            .count(),
        5
    );
    for (subject, id, _) in &stored {
        let mut tokens = subject.split('.');
        assert_eq!(tokens.next(), Some("ward"), "{subject}");
        assert_eq!(tokens.next(), Some("part"), "{subject}");
        tokens.next();
        assert_eq!(
            tokens.collect::<Vec<_>>()[..2],
            ["stmary", "radiology"],
            "{subject}"
        );
        assert!(id.starts_with("stmary.radiology|"), "{id}");
        assert!(id.contains("app.log") || id.contains("|live-"), "{id}");
    }

    // The server goes away: new records are read but neither stored nor committed.
    cluster.kill_node(0);
    let second = append(&log, 20, 10);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        committed(&state),
        first,
        "{}",
        std::fs::read_to_string(&monitor_log).unwrap()
    );

    // It comes back: everything arrives, once.
    cluster.start_node(0).unwrap();
    cluster.wait_port(0).unwrap();
    wait_until(
        "the records written while down",
        &monitor_log,
        Duration::from_secs(20),
        || committed(&state) == second,
    );
    let stored = runtime.block_on(raw(&js));
    let messages: Vec<&str> = stored.iter().map(|(_, _, m)| m.as_str()).collect();
    let distinct: BTreeSet<&str> = messages.iter().copied().collect();
    assert_eq!(messages.len(), 35, "{messages:?}");
    assert_eq!(distinct.len(), 35, "{messages:?}");
    for n in 0..30 {
        assert!(
            messages.iter().any(|m| m.contains(&format!("record-{n}"))),
            "record-{n} missing: {messages:?}"
        );
    }
}
