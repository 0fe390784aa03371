//! Syslog (TCP and UDP) and Lumberjack on loopback feed a detector whose alerts reach a webhook
//! receiver and a JSONL file, in order and each once.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use common::{MarkerDetector, Webhook, send_window, wait_until};
use ward_monitor::{Monitor, MonitorConfig, Shutdown, Store};

fn config(state: &std::path::Path, hook: &str, jsonl: &std::path::Path) -> MonitorConfig {
    let text = format!(
        r#"
        state = "{}"
        [pipeline]
        commit_ms = 50
        [[inputs]]
        type = "syslog_udp"
        name = "udp"
        listen = "127.0.0.1:0"
        [[inputs]]
        type = "syslog_tcp"
        name = "tcp"
        listen = "127.0.0.1:0"
        [[inputs]]
        type = "lumberjack"
        name = "beats"
        listen = "127.0.0.1:0"
        [[sinks]]
        type = "webhook"
        name = "hook"
        url = "{hook}"
        granularity = "event"
        [[sinks]]
        type = "jsonl"
        name = "file"
        path = "{}"
        granularity = "event"
        "#,
        state.display(),
        jsonl.display()
    );
    MonitorConfig::from_toml(&text, "test").unwrap()
}

fn syslog_json(host: &str, marker: &str) -> String {
    format!(
        r#"<13>1 2024-03-01T10:00:00Z {host} nxlog - - - {{"marker":"{marker}","EventID":4624}}"#
    )
}

#[test]
fn syslog_and_lumberjack_alerts_reach_the_webhook_in_order_once() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Webhook::start();
    let jsonl = dir.path().join("alerts.jsonl");
    let monitor = Monitor::new(
        config(&dir.path().join("state.db"), &hook.url(), &jsonl),
        Box::new(MarkerDetector::default()),
    )
    .start(Shutdown::new())
    .unwrap();
    let addrs = monitor.addresses().clone();

    // TCP: 100 messages, alternating octet-counted and newline framing, every 10th alerts.
    let mut tcp = TcpStream::connect(addrs.input("tcp").unwrap()).unwrap();
    let mut expected = Vec::new();
    for i in 0..100 {
        let marker = if i % 10 == 0 {
            format!("alert-tcp-{i}")
        } else {
            format!("quiet-{i}")
        };
        if i % 10 == 0 {
            expected.push(marker.clone());
        }
        let line = syslog_json("ward-pc-1", &marker);
        let framed = if i % 2 == 0 {
            format!("{} {line}", line.len())
        } else {
            format!("{line}\n")
        };
        tcp.write_all(framed.as_bytes()).unwrap();
    }
    drop(tcp);
    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len()
            == expected.len()),
        "tcp alerts: {:?}",
        hook.keys()
    );

    // UDP: 20 datagrams, RFC 3164 header this time, every 5th alerts.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..20 {
        let marker = if i % 5 == 0 {
            format!("alert-udp-{i}")
        } else {
            format!("quiet-{i}")
        };
        if i % 5 == 0 {
            expected.push(marker.clone());
        }
        let msg = format!(r#"<34>Mar  1 10:00:00 ward-pc-2 app: {{"marker":"{marker}"}}"#);
        udp.send_to(msg.as_bytes(), addrs.input("udp").unwrap())
            .unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len()
            == expected.len()),
        "udp alerts: {:?}",
        hook.keys()
    );

    // Lumberjack: two windows, the second compressed; each ACK names the window's last seq.
    let mut beats = TcpStream::connect(addrs.input("beats").unwrap()).unwrap();
    for (window, compress) in [(0u32, false), (1, true)] {
        let bodies: Vec<String> = (0..50)
            .map(|i| {
                let n = window * 50 + i;
                let marker = if n % 25 == 0 { format!("alert-beats-{n}") } else { format!("quiet-{n}") };
                if n % 25 == 0 {
                    expected.push(marker.clone());
                }
                format!(r#"{{"@timestamp":"2024-03-01T10:00:00Z","host":{{"name":"ward-pc-3"}},"marker":"{marker}"}}"#)
            })
            .collect();
        assert_eq!(
            send_window(&mut beats, window * 50 + 1, &bodies, compress),
            window * 50 + 50
        );
    }
    // A repeated key (same marker again) is de-duplicated.
    send_window(
        &mut beats,
        101,
        &[r#"{"marker":"alert-beats-0"}"#.to_string()],
        false,
    );

    assert!(
        wait_until(Duration::from_secs(20), || hook.keys().len()
            >= expected.len()),
        "all alerts: {:?}",
        hook.keys()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(hook.keys(), expected, "every alert once, in order");
    let seqs = hook.seqs();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "delivered in sequence order: {seqs:?}"
    );

    let metrics = monitor.metrics();
    monitor.stop().unwrap();
    let (events_in, parsed, processed, alerts_out) = metrics.totals();
    assert_eq!(
        (events_in, parsed, processed, alerts_out),
        (221, 221, 221, expected.len() as u64)
    );
    let text = metrics.render();
    assert!(
        text.contains("events_dropped{reason=\"queue_full\"} 0"),
        "{text}"
    );
    assert!(text.contains("alerts_duplicate 1"), "{text}");

    let lines = std::fs::read_to_string(&jsonl).unwrap();
    let keys: Vec<String> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(keys, expected);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["host"], "WARD-PC-1");
    assert_eq!(first["time"], "2024-03-01T10:00:00Z");
    assert_eq!(first["level"], "high");

    let store = Store::open(&dir.path().join("state.db")).unwrap();
    assert_eq!(store.sink_cursor("hook").unwrap(), expected.len() as i64);
}
