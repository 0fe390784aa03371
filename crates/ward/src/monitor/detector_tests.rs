//! The live detector's tests: alerts and their keys, levels, checkpoints, and the demo
//! outbreak raised live as the hunt finds it.

use super::*;
use std::io::Cursor;
use ward_event::{FieldList, LogSource, Timestamp, Value};

/// The demo's Kwampirs service install on FS-01, as evtx_dump writes it.
const SERVICE_INSTALL: &str = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":7045,"Level":4,"TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T09:10:42.109000Z"}},"EventRecordID":13221,"Channel":"System","Computer":"fs-01.clinic.local"},"EventData":{"ServiceName":"WmiApSrvEx","ImagePath":"C:\\Windows\\System32\\wmiaprvse.exe ControlTrace -Embedding -k","ServiceType":"user mode service","StartType":"auto start","AccountName":"LocalSystem"}}}"##;

fn read(name: &str, line: &str) -> Event {
    let mut events = Vec::new();
    ward_ingest::read_reader(name, Box::new(Cursor::new(line.to_string())), &mut |e| {
        events.push(e)
    });
    assert_eq!(events.len(), 1, "one event from {line}");
    events.remove(0)
}

fn detector() -> (LiveDetector, Arc<CaseBoard>) {
    let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
    let board = Arc::new(CaseBoard::new(10));
    let detector = LiveDetector::new(
        Arc::new(rules),
        Level::Low,
        Assets::default(),
        Arc::clone(&board),
    );
    (detector, board)
}

#[test]
fn kwampirs_service_install_raises_an_alert_with_its_evidence() {
    let (mut detector, board) = detector();
    let alerts = detector.on_event(&read("fs-01/System.jsonl", SERVICE_INSTALL));
    let service = alerts
        .iter()
        .find(|a| a.rule_id == "7e628801-e0ee-4388-a3d7-0db9bf23ba06")
        .expect("the Kwampirs service rule fires");
    assert_eq!(service.title, "Kwampirs Service Installed (System)");
    assert_eq!(service.host, "FS-01");
    assert_eq!(
        service.key,
        "7e628801-e0ee-4388-a3d7-0db9bf23ba06|FS-01|System|13221"
    );
    assert_eq!(service.evidence["file"], "fs-01/System.jsonl");
    assert_eq!(service.evidence["position"], 1);
    assert_eq!(service.evidence["fields"]["ServiceName"], "WmiApSrvEx");
    assert_eq!(board.len(), alerts.len());
    let saved = detector.checkpoint();
    assert!(saved.starts_with(CHECKPOINT_MAGIC));
    let (mut again, _) = super::tests::detector();
    again.try_restore(&saved).expect("own checkpoint restores");
    // Maps serialise in hash order, so the sizes agree, not the bytes; what a restored
    // state raises is checked by `a_checkpoint_midway_loses_and_repeats_nothing`.
    assert_eq!(again.checkpoint().len(), saved.len());
}

/// The demo's FS-01 Sysmon log: its fifth line is a recon shell that two rules flag, one
/// high and one critical.
const FS01_SYSMON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../demo/outbreak/FS-01/Sysmon.jsonl"
));

#[test]
fn below_min_level_nothing_is_raised() {
    let recon = FS01_SYSMON.lines().nth(4).expect("fifth line");
    let (mut everything, _) = detector();
    let all = everything.on_event(&read("s", recon));
    let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
    let board = Arc::new(CaseBoard::new(10));
    let mut critical =
        LiveDetector::new(Arc::new(rules), Level::Critical, Assets::default(), board);
    let only = critical.on_event(&read("s", recon));
    let levels = |a: &[Alert]| {
        let mut l: Vec<_> = a.iter().map(|a| a.level).collect();
        l.sort();
        l
    };
    assert_eq!(levels(&all), [Level::High, Level::Critical]);
    assert_eq!(levels(&only), [Level::Critical]);
    assert_eq!(
        only[0].key,
        "80171b4d-2084-4b9a-8d31-318464f6f31c|FS-01|Microsoft-Windows-Sysmon/Operational|52069"
    );
}

fn syslog_event(text: &str, origin: &str, position: u64) -> Event {
    let mut fields = FieldList::default();
    fields.push("Message", Value::from(text));
    let time = Timestamp::parse("2026-03-02T10:00:00Z").expect("time");
    let mut event = Event::new(time, "fw01", LogSource::other("syslog", None, None), fields);
    event.origin.file = Arc::from(origin);
    event.origin.position = position;
    event
}

#[test]
fn key_ignores_the_origin_but_not_the_content() {
    let first = syslog_event("DROP SRC=10.0.0.5", "udp", 1);
    let resent = syslog_event("DROP SRC=10.0.0.5", "tcp", 7);
    let other = syslog_event("DROP SRC=10.0.0.6", "udp", 1);
    assert_eq!(alert_key("r", &first), alert_key("r", &resent));
    assert_ne!(alert_key("r", &first), alert_key("r", &other));
    assert_ne!(alert_key("r", &first), alert_key("q", &first));
    assert!(alert_key("r", &first).starts_with("r|FW01|"));
}

#[test]
fn key_prefers_the_record_id() {
    let a = read("a.jsonl", SERVICE_INSTALL);
    let mut b = read("b.jsonl", SERVICE_INSTALL);
    b.origin.position = 99;
    assert_eq!(alert_key("r", &a), alert_key("r", &b));
    b.record_id = Some(13222);
    assert_ne!(alert_key("r", &a), alert_key("r", &b));
}

/// Every event of the demo outbreak (host and network logs), in time order, as live
/// streams would deliver them.
fn demo_events() -> Vec<Event> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak"));
    let mut events = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("demo folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.file_name().is_some_and(|n| n != "assets.csv") {
                ward_ingest::read_path(&path, &mut |e| events.push(e));
            }
        }
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    events
}

fn demo_assets() -> Assets {
    let csv = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo/outbreak/assets.csv"
    ));
    Assets::from_csv_reader(csv.as_bytes()).expect("demo assets")
}

/// A detector that evaluates its analytics only when forced or just restored, so what it
/// raises does not depend on how fast the test runs.
fn live(assets: Assets) -> LiveDetector {
    let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
    let mut d = LiveDetector::new(
        Arc::new(rules),
        Level::Low,
        assets,
        Arc::new(CaseBoard::new(10)),
    );
    let day = Duration::from_secs(86_400);
    (d.host_every, d.network_every) = (day, day);
    (d.host_due, d.network_due) = (Instant::now() + day, Instant::now() + day);
    d
}

/// Alert keys by analytic, with a final evaluation once the stream ends.
fn run_live(detector: &mut LiveDetector, events: &[Event], alerts: &mut Vec<Alert>) {
    for e in events {
        alerts.extend(detector.on_event(e));
    }
}

#[test]
fn the_demo_outbreak_raises_the_hunts_analytics_findings_live() {
    let events = demo_events();
    assert!(events.len() > 500, "{} demo events", events.len());
    let mut detector = live(demo_assets());
    let mut alerts = Vec::new();
    run_live(&mut detector, &events, &mut alerts);
    alerts.extend(detector.evaluate(true));

    // The hunt over the same events, in one batch.
    let mut host = Analyzer::new(Default::default(), demo_assets());
    let mut network = NetworkAnalyzer::new(NetworkConfig::default());
    for e in &events {
        if let Some(f) = ward_analytics::facts::extract(e) {
            host.feed(&f);
        }
        if let Some(f) = ward_analytics::network::extract(e) {
            host.feed_network(&f);
            network.feed(&f);
        }
    }
    let outcome = host.finish();
    let hops: std::collections::BTreeSet<String> = outcome
        .findings
        .iter()
        .filter(|f| f.analytic == "remote-execution" && f.level == Level::Critical)
        .map(|f| f.title.clone())
        .collect();
    assert!(hops.len() >= 5, "the demo's worm hops: {hops:?}");
    let live_hops: std::collections::BTreeSet<String> = alerts
        .iter()
        .filter(|a| a.rule_id == "ward.remote-execution" && a.level == Level::Critical)
        .map(|a| a.title.clone())
        .collect();
    assert_eq!(
        live_hops, hops,
        "every worm hop is raised live, as critical"
    );
    // One incident, opened once, counting the worm's devices and accounts as the hunt does;
    // the demo's PsExec administration opens none.
    use super::super::spread_alerts::INCIDENT;
    use ward_analytics::case::Verdict;
    let worm: std::collections::BTreeSet<&str> = outcome
        .spread
        .clusters
        .iter()
        .filter(|c| c.verdict == Verdict::Worm)
        .flat_map(|c| c.hosts.iter().map(|h| h.host.as_str()))
        .collect();
    let incidents: Vec<&Alert> = alerts.iter().filter(|a| a.rule_id == INCIDENT).collect();
    assert_eq!(incidents.len(), 1, "evaluated once, at the end");
    assert!(incidents[0].key.ends_with(":1"), "{}", incidents[0].key);
    assert_eq!(incidents[0].level, Level::Critical);
    let devices = incidents[0].evidence["incident"]["devices"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(devices, worm.len());
    assert_eq!(
        incidents[0].evidence["incident"]["accounts_to_reset"]
            .as_array()
            .map_or(0, Vec::len),
        outcome.accounts.reset.len()
    );
    assert!(
        outcome
            .spread
            .clusters
            .iter()
            .any(|c| c.verdict == Verdict::LikelyAdmin),
        "the demo has administration to leave out"
    );
    let admin_hops = alerts
        .iter()
        .filter(|a| a.evidence["details"]["verdict"] == "likely-admin")
        .count();
    assert_eq!(
        admin_hops, 0,
        "administration is informational, below --min-level low"
    );
    let beacons = alerts.iter().filter(|a| a.rule_id == "ward.beacon").count();
    assert_eq!(
        beacons,
        network
            .finish()
            .iter()
            .filter(|f| f.analytic == "beacon")
            .count()
    );
    assert!(beacons > 0);
    // Each alert once: keys are distinct.
    let keys: std::collections::BTreeSet<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys.len(), alerts.len(), "no alert raised twice");
}

#[test]
fn a_checkpoint_midway_loses_and_repeats_nothing() {
    let events = demo_events();
    let mut straight = live(demo_assets());
    let mut expected = Vec::new();
    run_live(&mut straight, &events, &mut expected);
    expected.extend(straight.evaluate(true));

    let half = events.len() / 2;
    let mut first = live(demo_assets());
    let mut got = Vec::new();
    run_live(&mut first, &events[..half], &mut got);
    let saved = first.checkpoint();
    drop(first);
    let mut second = live(demo_assets());
    second.restore(&saved);
    run_live(&mut second, &events[half..], &mut got);
    got.extend(second.evaluate(true));

    // Findings are re-evaluated on a timer, so live alerts may be raised at other moments;
    // what must hold is the set of keys the store keeps (it drops repeated keys).
    let keys = |a: &[Alert]| -> std::collections::BTreeSet<String> {
        a.iter().map(|a| a.key.clone()).collect()
    };
    let (want, have) = (keys(&expected), keys(&got));
    assert_eq!(
        want.difference(&have).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "alerts lost across the restart"
    );
    let extra: Vec<_> = have.difference(&want).collect();
    assert!(
        extra.is_empty(),
        "alerts that a straight run does not raise: {extra:?}"
    );
    assert!(
        want.iter()
            .any(|k| k.starts_with("analytic:remote-execution")),
        "the demo's hops are among them"
    );
    println!("checkpoint: {} bytes for {half} events", saved.len());
}

#[test]
fn a_damaged_checkpoint_starts_afresh() {
    let mut detector = live(Assets::default());
    for bad in [
        &b"WLD1"[..],
        b"garbage",
        b"WLD1\xff\xff\xff\xff\xff\xff\xff\xff",
    ] {
        assert!(detector.try_restore(bad).is_err(), "{bad:?}");
        detector.restore(bad);
    }
    let saved = detector.checkpoint();
    assert!(detector.try_restore(&saved[..saved.len() - 1]).is_err());
}
