//! What the tests feed `ward monitor` (the demo outbreak over syslog, Lumberjack and a tailed
//! file), what they expect out (the detections `ward hunt` finds in the same logs) and the
//! webhook receiver that catches the alerts.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::process::{TOKEN, repo, ward_bin};

/// What names one detection across `ward hunt` and the monitor: rule, host, record id.
pub type Identity = (String, String, u64);

/// The identity of a delivered alert (its evidence carries the record id).
pub fn identity(alert: &serde_json::Value) -> Identity {
    (
        alert["rule_id"].as_str().expect("rule_id").to_string(),
        alert["host"].as_str().expect("host").to_string(),
        // Analytics findings point at many events, not one record.
        alert["evidence"]["record_id"].as_u64().unwrap_or(0),
    )
}

/// Every line of the demo's `<channel>.jsonl` logs, host by host (evtx_dump JSON).
pub fn demo_lines(channel: &str) -> Vec<String> {
    let mut hosts: Vec<PathBuf> = std::fs::read_dir(repo().join("demo/outbreak"))
        .expect("demo folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    hosts.sort();
    let mut lines = Vec::new();
    for host in hosts {
        if let Ok(text) = std::fs::read_to_string(host.join(format!("{channel}.jsonl"))) {
            lines.extend(text.lines().map(str::to_string));
        }
    }
    lines
}

/// The ids of Ward's own rules (`rules/`), read from the YAML files.
fn pack_rule_ids() -> BTreeSet<String> {
    fn walk(dir: &Path, ids: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("rules folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, ids);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                ids.extend(
                    text.lines()
                        .filter_map(|l| l.strip_prefix("id:"))
                        .map(|id| id.trim().trim_matches(['"', '\'']).to_string()),
                );
            }
        }
    }
    let mut ids = BTreeSet::new();
    walk(&repo().join("rules"), &mut ids);
    ids
}

/// The single-event detections of Ward's rule pack that `ward hunt` finds in the demo
/// outbreak's logs of `channels`: what the monitor must alert on, each once.
pub fn expected_from_hunt(channels: &[&str]) -> BTreeSet<Identity> {
    let out = Command::new(ward_bin())
        .args(["hunt", "-q", "-f", "jsonl", "--min-level", "low"])
        .arg(repo().join("demo/outbreak"))
        .output()
        .expect("ward hunt runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pack = pack_rule_ids();
    let mut expected = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let d: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let channel_file = d["file"].as_str().unwrap_or("");
        if d["type"] == "detection"
            && d["kind"] == "rule"
            && pack.contains(d["rule_id"].as_str().unwrap_or(""))
            && channels
                .iter()
                .any(|c| channel_file.ends_with(&format!("/{c}.jsonl")))
        {
            expected.insert((
                d["rule_id"].as_str().expect("rule_id").to_string(),
                d["host"].as_str().expect("host").to_string(),
                d["record_id"].as_u64().expect("record id"),
            ));
        }
    }
    expected
}

/// An evtx_dump line as Winlogbeat 8 would ship the same event.
pub fn as_winlogbeat(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).expect("demo JSON");
    let sys = &v["Event"]["System"];
    let event_id = sys["EventID"]
        .as_u64()
        .or_else(|| sys["EventID"]["#text"].as_u64())
        .expect("EventID");
    let computer = sys["Computer"].as_str().expect("Computer");
    serde_json::json!({
        "@timestamp": sys["TimeCreated"]["#attributes"]["SystemTime"],
        "agent": {"type": "winlogbeat", "version": "8.15.0"},
        "host": {"name": computer},
        "event": {"code": event_id.to_string(), "provider": sys["Provider"]["#attributes"]["Name"]},
        "winlog": {
            "channel": sys["Channel"],
            "event_id": event_id,
            "provider_name": sys["Provider"]["#attributes"]["Name"],
            "computer_name": computer,
            "record_id": sys["EventRecordID"],
            "event_data": v["Event"]["EventData"],
        },
    })
    .to_string()
}

/// Sends `lines` over TCP syslog (RFC 3164 header, newline framing).
pub fn send_tcp_syslog(addr: SocketAddr, lines: &[String]) {
    let mut tcp = TcpStream::connect(addr).expect("connect syslog tcp");
    for line in lines {
        writeln!(tcp, "<134>Mar  2 10:00:00 collector nxlog: {line}").expect("send tcp");
    }
    tcp.flush().expect("flush");
}

/// Sends `lines` as UDP syslog datagrams (RFC 5424 header), paced so loopback keeps up.
pub fn send_udp_syslog(addr: SocketAddr, lines: &[String]) {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp socket");
    for line in lines {
        let msg = format!("<134>1 2026-03-02T10:00:00Z collector nxlog - - - {line}");
        udp.send_to(msg.as_bytes(), addr).expect("send udp");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends `bodies` as Lumberjack v2 JSON frames, `per_window` at a time, waiting for each
/// window's ACK as Beats does (ACKs of an earlier sequence mean "still working").
pub fn send_lumberjack(addr: SocketAddr, bodies: &[String], per_window: usize) {
    let mut stream = TcpStream::connect(addr).expect("connect lumberjack");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    for window in bodies.chunks(per_window) {
        let mut out = vec![b'2', b'W'];
        out.extend_from_slice(&(window.len() as u32).to_be_bytes());
        for (i, body) in window.iter().enumerate() {
            out.extend_from_slice(b"2J");
            out.extend_from_slice(&(i as u32 + 1).to_be_bytes());
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(body.as_bytes());
        }
        stream.write_all(&out).expect("send window");
        let last = window.len() as u32;
        loop {
            let mut ack = [0u8; 6];
            stream.read_exact(&mut ack).expect("ACK within 20 s");
            assert_eq!(&ack[..2], b"2A", "an ACK frame");
            if u32::from_be_bytes([ack[2], ack[3], ack[4], ack[5]]) == last {
                break;
            }
        }
    }
}

/// A minimal HTTP server on loopback: every POSTed body (an alert as JSON) goes down the channel.
pub fn webhook_receiver() -> (SocketAddr, mpsc::Receiver<serde_json::Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook receiver");
    let addr = listener.local_addr().expect("address");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || serve_webhook(stream, &tx));
        }
    });
    (addr, rx)
}

fn serve_webhook(stream: TcpStream, tx: &mpsc::Sender<serde_json::Value>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if let Ok(v) = serde_json::from_slice(&body) {
            let _ = tx.send(v);
        }
        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        if reader.get_mut().write_all(reply).is_err() {
            return;
        }
    }
}

/// Receives alerts until every identity in `expected` has arrived (at most `within`), then
/// for a short grace period that would catch repeats.
pub fn collect(
    rx: &mpsc::Receiver<serde_json::Value>,
    expected: &BTreeSet<Identity>,
    within: Duration,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    let mut seen = BTreeSet::new();
    while !expected.is_subset(&seen) {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(v) => {
                seen.insert(identity(&v));
                got.push(v);
            }
            Err(_) => break,
        }
    }
    while let Ok(v) = rx.recv_timeout(Duration::from_millis(700)) {
        got.push(v);
    }
    got
}

/// Writes a monitor config into `dir`: the given `[[inputs]]` tables, a webhook sink to
/// `webhook` and a token-protected dashboard, all on loopback with ports chosen by the OS.
pub fn write_config(dir: &Path, webhook: SocketAddr, inputs: &str) -> PathBuf {
    let text = format!(
        "state = {state:?}\n\n[pipeline]\ncommit_ms = 100\n\n{inputs}\n\
         [[sinks]]\ntype = \"webhook\"\nname = \"receiver\"\nurl = \"http://{webhook}/ward\"\ngranularity = \"event\"\n\n\
         [dashboard]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n",
        state = dir.join("state.db").display().to_string(),
    );
    let path = dir.join("ward.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// An `[[inputs]]` table listening on a loopback port the OS picks.
pub fn listener(kind: &str, name: &str) -> String {
    format!("[[inputs]]\ntype = \"{kind}\"\nname = \"{name}\"\nlisten = \"127.0.0.1:0\"\n\n")
}
