//! A monitor dropped mid-stream (as a crash would) and restarted from the same SQLite file
//! loses no alert and repeats none; tailed files resume at the committed offset and are
//! followed across rotation and truncation.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use common::{MarkerDetector, Webhook, seen_in_checkpoint, send_window, wait_until};
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown, Store};

fn start(state: &Path, logs: &Path, hook: &str, beats_port: u16) -> RunningMonitor {
    let text = format!(
        r#"
        state = "{}"
        [pipeline]
        commit_ms = 20
        [[inputs]]
        type = "tail"
        name = "files"
        path = "{}"
        suffix = ".log"
        poll_ms = 10
        [[inputs]]
        type = "lumberjack"
        name = "beats"
        listen = "127.0.0.1:{beats_port}"
        [[sinks]]
        type = "webhook"
        name = "hook"
        url = "{hook}"
        granularity = "event"
        "#,
        state.display(),
        logs.display()
    );
    let config = MonitorConfig::from_toml(&text, "test").unwrap();
    Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap()
}

/// Appends `count` JSON lines starting at `first`; every 10th alerts.
fn append(path: &Path, first: usize, count: usize) -> Vec<String> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut alerts = Vec::new();
    let mut text = String::new();
    for n in first..first + count {
        let marker = if n % 10 == 0 {
            format!("alert-line-{n}")
        } else {
            format!("quiet-{n}")
        };
        if n % 10 == 0 {
            alerts.push(marker.clone());
        }
        text.push_str(&format!(
            "{{\"host\":\"lab-pc\",\"marker\":\"{marker}\",\"n\":{n}}}\n"
        ));
    }
    file.write_all(text.as_bytes()).unwrap();
    alerts
}

fn checkpoint_seen(state: &Path) -> u64 {
    Store::open(state)
        .unwrap()
        .checkpoint()
        .unwrap()
        .map_or(0, |c| seen_in_checkpoint(&c))
}

#[test]
fn crash_and_restart_loses_and_repeats_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (state, logs) = (dir.path().join("state.db"), dir.path().join("logs"));
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("app.log");
    let hook = Webhook::start();
    let mut expected = append(&log, 0, 500);

    let monitor = start(&state, &logs, &hook.url(), 0);
    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len() == 50),
        "first part: {}",
        hook.keys().len()
    );
    // Mid-stream: a burst of lines is being read (some committed, some not) and a Beats
    // window is in flight when the monitor dies.
    let first_part = std::fs::metadata(&log).unwrap().len();
    expected.extend(append(&log, 500, 20_000));
    let moved = || {
        Store::open(&state)
            .unwrap()
            .offsets()
            .unwrap()
            .first()
            .is_some_and(|o| o.position > first_part)
    };
    assert!(wait_until(Duration::from_secs(20), moved));
    let mut beats = TcpStream::connect(monitor.addresses().input("beats").unwrap()).unwrap();
    let window: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"marker":"alert-beats-{i}"}}"#))
        .collect();
    expected.extend((0..20).map(|i| format!("alert-beats-{i}")));
    send_window(&mut beats, 1, &window, true);
    monitor.abort();
    let committed = Store::open(&state).unwrap().offsets().unwrap();
    assert_eq!(committed.len(), 1);
    assert_eq!(committed[0].input, format!("files:{}", log.display()));
    eprintln!(
        "crash committed offset {} of {} bytes",
        committed[0].position,
        std::fs::metadata(&log).unwrap().len()
    );

    // More lines while it is down, then restart on the same state. The Beats listener takes a
    // fresh port: the aborted one may still hold the old port for a moment (EADDRINUSE seen in
    // CI), and the client below reconnects to wherever the monitor now listens.
    expected.extend(append(&log, 20_500, 500));
    let monitor = start(&state, &logs, &hook.url(), 0);
    // The client resends its window when it was not acknowledged; resending one that was is
    // harmless too: the keys are already stored.
    let mut beats = TcpStream::connect(monitor.addresses().input("beats").unwrap()).unwrap();
    send_window(&mut beats, 1, &window, true);
    assert!(
        wait_until(Duration::from_secs(30), || hook.keys().len()
            >= expected.len()),
        "{} of {}",
        hook.keys().len(),
        expected.len()
    );
    std::thread::sleep(Duration::from_millis(300));
    monitor.stop().unwrap();

    let mut got = hook.keys();
    let total = got.len();
    got.sort();
    got.dedup();
    assert_eq!(total, got.len(), "an alert was delivered twice");
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want);

    // The checkpoint and the offset moved together: every line was seen exactly once
    // (21,000 lines, plus the Beats window once or twice: it was committed before the crash
    // and resent after it, as a client that missed the ACK would).
    let seen = checkpoint_seen(&state);
    assert!(
        seen == 21_020 || seen == 21_040,
        "detector saw {seen} events"
    );
    let offsets = Store::open(&state).unwrap().offsets().unwrap();
    assert_eq!(offsets[0].position, std::fs::metadata(&log).unwrap().len());
}

#[test]
fn tail_follows_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let (state, logs) = (dir.path().join("state.db"), dir.path().join("logs"));
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("app.log");
    let hook = Webhook::start();
    let mut expected = append(&log, 0, 100);
    let monitor = start(&state, &logs, &hook.url(), 0);
    assert!(wait_until(Duration::from_secs(20), || hook.keys().len() == 10));

    // Rotation: the old file gets its last lines, is renamed away, and a new file appears.
    expected.extend(append(&log, 100, 20));
    std::fs::rename(&log, logs.join("app.log.1")).unwrap();
    expected.extend(append(&log, 120, 30));
    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len() == 15),
        "after rotation: {:?}",
        hook.keys()
    );

    // Truncation in place: the file starts again from 0.
    std::fs::write(&log, "").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    expected.extend(append(&log, 150, 10));
    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len() == 16),
        "after truncation: {:?}",
        hook.keys()
    );
    std::thread::sleep(Duration::from_millis(200));
    monitor.stop().unwrap();
    assert_eq!(hook.keys(), expected);
    assert_eq!(checkpoint_seen(&state), 160);
}
