//! `ward monitor` reloads its rules on SIGHUP: a rule of the newly installed set fires on the
//! events after the reload, and every alert is delivered once (none lost, none repeated).

use std::io::{BufRead, BufReader, Cursor, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;

const RULE_A: &str = "5a2b9c7e-0000-4000-8000-0000000000aa";
const RULE_B: &str = "5a2b9c7e-0000-4000-8000-0000000000bb";

fn rule(id: &str, image: &str) -> String {
    format!(
        "title: Ward reload test {image}\nid: {id}\nstatus: test\nlevel: high\nlogsource:\n  \
         product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4688\n    \
         NewProcessName|endswith: '\\{image}'\n  condition: selection\n"
    )
}

fn package(rules: &[(&str, String)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in rules {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn install(home: &Path, zip: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args([
            "rules",
            "update",
            "--insecure",
            "--profile",
            "all",
            "--from",
        ])
        .arg(zip)
        .env("WARD_RULES_HOME", home)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 4688 process-creation event of `image` on `host`, as evtx_dump writes it (one line).
fn event(host: &str, image: &str, record: u32) -> String {
    let event = serde_json::json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": 4688,
            "TimeCreated": {"#attributes": {"SystemTime": format!("2026-03-02T10:00:0{}Z", record % 10)}},
            "EventRecordID": record,
            "Channel": "Security",
            "Computer": host,
        },
        "EventData": {"NewProcessName": format!("C:\\Windows\\Temp\\{image}"), "SubjectUserName": "nurse"},
    }});
    format!("{event}\n")
}

/// The rule alerts of RULE_A and RULE_B in the JSONL sink's file, as (rule, host, key).
fn alerts(path: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|a| a["rule_id"] == RULE_A || a["rule_id"] == RULE_B)
        .map(|a| {
            (
                a["rule_id"].as_str().unwrap_or("").to_string(),
                a["host"].as_str().unwrap_or("").to_string(),
                a["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Monitor(Child);

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn sighup_reloads_the_rules_without_losing_or_repeating_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("rules");
    let r1 = dir.path().join("r1.zip");
    let r2 = dir.path().join("r2.zip");
    std::fs::write(&r1, package(&[("rules/a.yml", rule(RULE_A, "alpha.exe"))])).unwrap();
    std::fs::write(
        &r2,
        package(&[
            ("rules/a.yml", rule(RULE_A, "alpha.exe")),
            ("rules/b.yml", rule(RULE_B, "beta.exe")),
        ]),
    )
    .unwrap();
    install(&home, &r1);

    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let sink = dir.path().join("alerts.jsonl");
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "state = {:?}\n\n[pipeline]\ncommit_ms = 100\n\n[[inputs]]\ntype = \"tail\"\n\
             name = \"file\"\npath = {:?}\npoll_ms = 20\n\n[[sinks]]\ntype = \"jsonl\"\n\
             name = \"file\"\npath = {:?}\ngranularity = \"event\"\n",
            dir.path().join("state.db").display().to_string(),
            events.display().to_string(),
            sink.display().to_string()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["monitor", "--config"])
        .arg(&config)
        .env("WARD_RULES_HOME", &home)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("ward monitor starts");
    let stderr = child.stderr.take().unwrap();
    let monitor = Monitor(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let mut wait_line = |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no `{want}` from the monitor: {seen:?}"));
            seen.push(line.clone());
            if line.contains(want) {
                return;
            }
        }
    };
    wait_line("ward monitor: running");

    let append = |lines: &[String]| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&events)
            .unwrap();
        for l in lines {
            f.write_all(l.as_bytes()).unwrap();
        }
    };
    // Before the reload: only rule A exists, so beta.exe goes unnoticed.
    append(&[
        event("WS-A1", "alpha.exe", 1),
        event("WS-B1", "beta.exe", 2),
    ]);
    wait_for("rule A's first alert", Duration::from_secs(20), || {
        !alerts(&sink).is_empty()
    });

    install(&home, &r2);
    signal(&monitor.0, "-HUP");
    wait_line("ward monitor: rules reloaded");

    append(&[
        event("WS-A2", "alpha.exe", 3),
        event("WS-B2", "beta.exe", 4),
    ]);
    wait_for(
        "the alerts after the reload",
        Duration::from_secs(20),
        || alerts(&sink).len() >= 3,
    );
    // Time for a repeat to show up, were there one.
    std::thread::sleep(Duration::from_millis(600));
    signal(&monitor.0, "-TERM");
    wait_line("ward monitor: stopped");

    let mut got = alerts(&sink);
    let keys: std::collections::BTreeSet<&String> = got.iter().map(|a| &a.2).collect();
    assert_eq!(
        keys.len(),
        got.len(),
        "an alert was delivered twice: {got:?}"
    );
    got.sort();
    let got: Vec<(String, String)> = got.into_iter().map(|(r, h, _)| (r, h)).collect();
    assert_eq!(
        got,
        vec![
            (RULE_A.to_string(), "WS-A1".to_string()),
            (RULE_A.to_string(), "WS-A2".to_string()),
            (RULE_B.to_string(), "WS-B2".to_string()),
        ]
    );
}
