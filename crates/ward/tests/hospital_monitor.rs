//! `ward monitor` on a live outbreak in a busy hospital (`bench/hospital.py`): the Windows logs
//! of every host arrive as one time-ordered stream (as a collector forwards them) and the
//! network logs are tailed beside them. Three sinks see the same alerts: `event` gets every
//! alert, `group` (the default) one page per device and then digests, `incident` the incident
//! opening and its changes. The pages a person gets stay few per infected device, every
//! infected device is named at `high` or above, and the grouped counts add up to the events.

mod common;
#[allow(dead_code)] // the monitor end-to-end tests' process helpers; this test uses a few
#[path = "monitor_e2e/process.rs"]
mod process;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// Merges the hosts' Windows logs (one folder per host) into one file in event-time order.
fn merge_windows_logs(hospital: &Path, out: &Path) -> usize {
    let mut lines: Vec<(String, String)> = Vec::new();
    for host in std::fs::read_dir(hospital)
        .expect("hospital folder")
        .flatten()
    {
        let path = host.path();
        if !path.is_dir() || path.ends_with("network") {
            continue;
        }
        for file in std::fs::read_dir(&path).expect("host folder").flatten() {
            let text = std::fs::read_to_string(file.path()).expect("host log");
            for line in text.lines() {
                let event: Value = serde_json::from_str(line).expect("generator writes JSON");
                let time = event["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"]
                    .as_str()
                    .expect("event time")
                    .to_string();
                lines.push((time, format!("{line}\n")));
            }
        }
    }
    lines.sort();
    let text: String = lines.iter().map(|(_, l)| l.as_str()).collect();
    std::fs::write(out, text).expect("write the merged stream");
    lines.len()
}

fn sink(name: &str, dir: &Path, granularity: &str) -> String {
    format!(
        "[[sinks]]\ntype = \"jsonl\"\nname = \"{name}\"\npath = {:?}\ngranularity = \"{granularity}\"\n\
         group_wait = \"1s\"\n\n",
        dir.join(format!("{name}.jsonl")).display().to_string()
    )
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a sink line is JSON"))
        .collect()
}

fn at_least(alert: &Value, level: &str) -> bool {
    const ORDER: [&str; 5] = ["informational", "low", "medium", "high", "critical"];
    let rank = |l: &str| ORDER.iter().position(|x| *x == l).unwrap_or(0);
    rank(alert["level"].as_str().unwrap_or_default()) >= rank(level)
}

/// Waits until `count` has not changed for `quiet`, or `limit` passed.
fn settle(count: impl Fn() -> u64, quiet: Duration, limit: Duration) -> u64 {
    let deadline = Instant::now() + limit;
    let (mut last, mut since) = (count(), Instant::now());
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        let now = count();
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= quiet {
            break;
        }
    }
    last
}

#[test]
fn a_live_outbreak_pages_a_few_times_per_device_and_every_alert_is_counted() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let Some(hospital) = common::hospital(dir.path(), 14, 7, "service") else {
        return;
    };
    let truth = common::read_json(&hospital.join("truth.json"));
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    };
    let infected = set(&truth["infected"]);
    let with_logs: BTreeSet<String> = infected
        .difference(&set(&truth["no_host_logs"]))
        .cloned()
        .collect();
    assert!(infected.len() >= 5, "the generator infects a dozen devices");

    let stream = dir.path().join("windows.jsonl");
    let windows = merge_windows_logs(&hospital, &stream);
    let out = dir.path().join("sinks");
    std::fs::create_dir(&out).expect("sink folder");
    let config = dir.path().join("ward.toml");
    let text = format!(
        "state = {state:?}\n\n\
         [[inputs]]\ntype = \"tail\"\nname = \"windows\"\npath = {stream:?}\npoll_ms = 100\n\n\
         [[inputs]]\ntype = \"tail\"\nname = \"network\"\npath = {network:?}\npoll_ms = 100\n\n\
         {sinks}[dashboard]\nlisten = \"127.0.0.1:0\"\ntoken = \"{token}\"\n",
        state = dir.path().join("state.db").display().to_string(),
        stream = stream.display().to_string(),
        network = hospital.join("network").display().to_string(),
        sinks = [
            sink("event", &out, "event"),
            sink("group", &out, "group"),
            sink("incident", &out, "incident"),
        ]
        .concat(),
        token = process::TOKEN,
    );
    std::fs::write(&config, text).expect("write the config");
    let assets = hospital.join("assets.csv");
    let ward =
        process::Ward::start_with(&config, &["--assets", assets.to_str().expect("UTF-8 path")]);
    let processed = settle(
        || ward.metric("events_processed"),
        Duration::from_secs(10),
        Duration::from_secs(600),
    );
    assert!(
        processed as usize > windows,
        "every Windows event and the network logs were read: {processed} of {windows}+"
    );
    // The network analytics re-evaluate every 30 s; then the sinks settle.
    std::thread::sleep(Duration::from_secs(32));
    let lines = |name: &str| read_lines(&out.join(format!("{name}.jsonl"))).len() as u64;
    settle(
        || lines("event") + lines("group") + lines("incident"),
        Duration::from_secs(4),
        Duration::from_secs(60),
    );
    // The group sink's groups, with the alerts still waiting for their next digest.
    let reply = process::http(
        ward.dashboard,
        "GET",
        "/api/groups?sink=group&limit=1000",
        &[&process::bearer()],
        "",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let open_groups: Value = serde_json::from_str(&reply.body).expect("groups JSON");
    let in_groups: u64 = open_groups
        .as_array()
        .expect("group list")
        .iter()
        .map(|g| g["count"].as_u64().expect("group count"))
        .sum();
    let (status, _) = ward.terminate(Duration::from_secs(30));
    assert!(status.success(), "ward monitor stops cleanly on SIGTERM");

    let events = read_lines(&out.join("event.jsonl"));
    let groups = read_lines(&out.join("group.jsonl"));
    let incidents = read_lines(&out.join("incident.jsonl"));
    let pages: Vec<&Value> = groups.iter().filter(|a| at_least(a, "medium")).collect();
    eprintln!(
        "{} alerts; group sink {} notifications ({} at medium+) for {} infected devices; \
         incident sink {}",
        events.len(),
        groups.len(),
        pages.len(),
        infected.len(),
        incidents.len()
    );

    // The default sink: at most 10 pages at medium or above per infected device, and every
    // infected device with logs named in one at high or above.
    assert!(
        pages.len() <= 10 * infected.len(),
        "{} pages for {} infected devices",
        pages.len(),
        infected.len()
    );
    let named_high: BTreeSet<String> = groups
        .iter()
        .filter(|a| at_least(a, "high"))
        .filter_map(|a| a["host"].as_str().map(String::from))
        .collect();
    let unnamed: Vec<&String> = with_logs.difference(&named_high).collect();
    assert!(
        unnamed.is_empty(),
        "infected, never paged at high: {unnamed:?}"
    );

    // Nothing lost: the group sink's groups count every alert the event sink got (those sent
    // in its notifications, and those waiting for the next digest); incidents pass whole.
    let whole = groups
        .iter()
        .filter(|a| !matches!(a["kind"].as_str(), Some("group" | "digest")))
        .count() as u64;
    assert_eq!(
        in_groups + whole,
        events.len() as u64,
        "grouped counts add up"
    );
    let sent: u64 = groups
        .iter()
        .filter_map(|a| a["group"]["new"].as_u64())
        .sum();
    assert!(sent <= in_groups, "{sent} sent of {in_groups} grouped");

    // The incident sink: the opening, then one update at most per device reached later.
    assert!(
        incidents.iter().all(|a| a["rule_id"] == "ward.incident"),
        "incident sinks get incidents only"
    );
    assert!(!incidents.is_empty(), "the worm opens an incident");
    assert!(incidents.len() <= 1 + infected.len(), "{incidents:#?}");
    let worm: Vec<&Value> = incidents
        .iter()
        .filter(|a| a["evidence"]["incident"]["verdict"] == "worm")
        .collect();
    assert_eq!(worm[0]["evidence"]["change"]["kind"], "opened");
    let id = &worm[0]["evidence"]["incident"]["id"];
    assert!(
        worm.iter().all(|a| &a["evidence"]["incident"]["id"] == id),
        "the worm is one incident throughout"
    );
    let last = worm.last().expect("worm incident");
    let devices: BTreeSet<String> = last["evidence"]["incident"]["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["host"].as_str().map(String::from))
        .collect();
    let missed: Vec<&String> = with_logs.difference(&devices).collect();
    assert!(missed.is_empty(), "the incident misses {missed:?}");
}
