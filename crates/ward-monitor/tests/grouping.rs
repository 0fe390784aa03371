//! Alert grouping at the sinks: `group` sinks send one opening and a few digests per group whose
//! counts add up to every alert, `event` sinks every alert, `incident` sinks only incidents; high
//! alerts go out at once, lower ones after `group_wait`; groups survive restarts and a crash
//! around a delivery resends that notification once, with the same key.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{MarkerDetector, Webhook, wait_until};
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown, Store};

const LIMIT: Duration = Duration::from_secs(20);
const TOKEN: &str = "a-test-token-of-some-length";

fn start(state: &Path, sinks: &str) -> RunningMonitor {
    let text = format!(
        "state = \"{}\"\n[pipeline]\ncommit_ms = 20\n\
         [[inputs]]\ntype = \"syslog_tcp\"\nname = \"tcp\"\nlisten = \"127.0.0.1:0\"\n{sinks}",
        state.display()
    );
    let config = MonitorConfig::from_toml(&text, "test").unwrap();
    Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap()
}

/// A webhook sink grouping by rule and host (the default is by host alone: these tests tell
/// groups of one host apart by rule).
fn webhook_sink(name: &str, url: &str, delivery: &str) -> String {
    format!(
        "[[sinks]]\ntype = \"webhook\"\nname = \"{name}\"\nurl = \"{url}\"\n\
         group_by = [\"rule_id\", \"host\"]\n{delivery}\n"
    )
}

/// One alert to raise: (marker, host, rule, level).
type Raise<'a> = (&'a str, &'a str, &'a str, &'a str);

fn raise(monitor: &RunningMonitor, alerts: &[Raise]) {
    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    let mut text = String::new();
    for (marker, host, rule, level) in alerts {
        text.push_str(&format!(
            "<13>1 2024-03-01T10:00:00Z {host} nxlog - - - {{\"marker\":\"{marker}\",\"rule\":\"{rule}\",\"level\":\"{level}\"}}\n"
        ));
    }
    tcp.write_all(text.as_bytes()).unwrap();
}

/// The sum of `group.new` per group key over the group notifications received.
fn folded(hook: &Webhook) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for body in hook.bodies.lock().unwrap().iter() {
        if let Some(key) = body["group"]["key"].as_str() {
            *out.entry(key.to_string()).or_default() += body["group"]["new"].as_u64().unwrap();
        }
    }
    out
}

fn kinds(hook: &Webhook) -> Vec<String> {
    let bodies = hook.bodies.lock().unwrap();
    bodies
        .iter()
        .map(|b| b["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn group_counts_add_up_event_sinks_get_every_alert_incident_sinks_only_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let (grouped, events, incidents) = (Webhook::start(), Webhook::start(), Webhook::start());
    let timers = "group_wait = \"100ms\"\ngroup_interval = \"300ms\"";
    let sinks = [
        webhook_sink("soc", &grouped.url(), timers),
        webhook_sink("all", &events.url(), "granularity = \"event\""),
        webhook_sink("ir", &incidents.url(), "granularity = \"incident\""),
        format!("[dashboard]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"),
    ]
    .concat();
    let monitor = start(&dir.path().join("state.db"), &sinks);

    let mut alerts: Vec<(String, &str, &str, &str)> = Vec::new();
    for i in 0..10 {
        alerts.push((format!("alert-lo-{i}"), "mri-1", "ward.beacon", "low"));
    }
    for i in 0..8 {
        alerts.push((format!("alert-md-{i}"), "mri-1", "ward.scan", "medium"));
    }
    for i in 0..7 {
        alerts.push((format!("alert-hi-{i}"), "pacs-2", "ward.beacon", "high"));
    }
    alerts.push(("alert-inc-1".into(), "pacs-2", "ward.incident", "critical"));
    alerts.push(("alert-out-1".into(), "pacs-2", "ward.outbreak", "critical"));
    alerts.push(("alert-inc-2".into(), "pacs-2", "ward.incident", "critical"));
    let raised: Vec<Raise> = alerts
        .iter()
        .map(|(m, h, r, l)| (m.as_str(), *h, *r, *l))
        .collect();
    raise(&monitor, &raised);

    let want: BTreeMap<String, u64> = [
        ("ward.beacon|MRI-1".to_string(), 10),
        ("ward.scan|MRI-1".to_string(), 8),
        ("ward.beacon|PACS-2".to_string(), 7),
    ]
    .into();
    assert!(
        wait_until(LIMIT, || folded(&grouped) == want
            && grouped.keys().len() >= 5
            && events.keys().len() == 28
            && incidents.keys().len() == 2),
        "grouped {:?} ({:?}), events {}, incidents {:?}",
        folded(&grouped),
        grouped.keys(),
        events.keys().len(),
        incidents.keys()
    );
    std::thread::sleep(Duration::from_millis(400));
    // The dashboard lists the groups, and from a group its alerts.
    let base = format!("http://{}", monitor.addresses().dashboard.unwrap());
    let api = |path: &str| -> serde_json::Value {
        let mut response = ureq::get(&format!("{base}{path}"))
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .call()
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    };
    let listed = api("/api/groups?sink=soc");
    let listed: BTreeMap<String, u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, want);
    let members = api("/api/groups/alerts?sink=soc&key=ward.beacon%7CMRI-1&limit=1000");
    assert_eq!(members.as_array().unwrap().len(), 10);
    assert_eq!(members[0]["key"], "alert-lo-0");
    monitor.stop().unwrap();

    // event: every alert once, in order, as today (plus `kind`).
    let want_keys: Vec<&str> = alerts.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(events.keys(), want_keys);
    assert!(kinds(&events).iter().all(|k| k == "alert"));
    // incident: only the incident alerts, as they are.
    assert_eq!(incidents.keys(), ["alert-inc-1", "alert-inc-2"]);
    assert_eq!(kinds(&incidents), ["incident", "incident"]);
    // group: the counts add up to the 25 grouped alerts; incidents and the outbreak pass whole.
    assert_eq!(folded(&grouped), want);
    let keys = grouped.keys();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys.len(),
        "a notification came twice: {keys:?}"
    );
    for whole in ["alert-inc-1", "alert-out-1", "alert-inc-2"] {
        assert!(keys.iter().any(|k| k == whole), "{whole} missing: {keys:?}");
    }
    let bodies = grouped.bodies.lock().unwrap().clone();
    for (group, count) in &want {
        let notes: Vec<_> = bodies
            .iter()
            .filter(|b| b["group"]["key"] == group.as_str())
            .collect();
        // One opening, then at most a few digests (commits split the burst).
        assert_eq!(notes[0]["kind"], "group", "{group}");
        assert!(notes[1..].iter().all(|b| b["kind"] == "digest"), "{group}");
        assert!(notes.len() <= 4, "{group}: {} notifications", notes.len());
        let last = notes.last().unwrap();
        assert_eq!(last["group"]["count"], *count, "{group}");
        for (n, note) in notes.iter().enumerate() {
            assert_eq!(note["key"], format!("group:soc:{group}:{n}"));
            assert_eq!(note["group"]["n"], n);
        }
    }
    // Every alert stays reachable from its group.
    let store = Store::open(&dir.path().join("state.db")).unwrap();
    for (group, count) in &want {
        let members = store.group_alerts("soc", group, 0, 100).unwrap();
        assert_eq!(members.len() as u64, *count, "{group}");
    }
}

#[test]
fn a_high_alert_goes_out_at_once_and_a_low_one_after_group_wait() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Webhook::start();
    let wait = Duration::from_millis(2000);
    let monitor = start(
        &dir.path().join("state.db"),
        &webhook_sink("soc", &hook.url(), "group_wait = \"2s\""),
    );
    let sent = Instant::now();
    raise(
        &monitor,
        &[
            ("alert-low", "mri-1", "ward.beacon", "low"),
            ("alert-high", "pacs-2", "ward.beacon", "high"),
        ],
    );
    let arrived = |host: &str| {
        hook.bodies
            .lock()
            .unwrap()
            .iter()
            .any(|b| b["host"] == host)
    };
    assert!(wait_until(LIMIT, || arrived("PACS-2")));
    let high_after = sent.elapsed();
    assert!(!arrived("MRI-1"), "the low group did not wait");
    assert!(wait_until(LIMIT, || arrived("MRI-1")));
    let low_after = sent.elapsed();
    monitor.stop().unwrap();
    assert!(high_after < wait, "high took {high_after:?}");
    assert!(low_after >= wait, "low came after {low_after:?}");
    assert_eq!(kinds(&hook), ["group", "group"]);
}

#[test]
fn a_crash_and_restart_keep_groups_and_their_timers() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let hook = Webhook::start();
    let sinks = webhook_sink(
        "soc",
        &hook.url(),
        "group_wait = \"300ms\"\ngroup_interval = \"300ms\"",
    );
    let monitor = start(&state, &sinks);
    let lab = |n: usize| format!("alert-lab-{n}");
    let markers: Vec<String> = (0..3).map(lab).collect();
    let raised: Vec<Raise> = markers
        .iter()
        .map(|m| (m.as_str(), "lab-1", "ward.scan", "high"))
        .collect();
    raise(&monitor, &raised);
    assert!(wait_until(LIMIT, || folded(&hook).get("ward.scan|LAB-1") == Some(&3)));
    // A low alert of another group is committed, its group_wait still running, at the stop.
    raise(&monitor, &[("alert-quiet", "mri-1", "ward.beacon", "low")]);
    let pending = || {
        Store::open(&state)
            .unwrap()
            .groups(Some("soc"), 10)
            .unwrap()
            .iter()
            .any(|g| g.key == "ward.beacon|MRI-1" && g.pending == 1)
    };
    assert!(wait_until(LIMIT, pending));
    monitor.abort(); // as a crash: the group's state is what was committed

    let monitor = start(&state, &sinks);
    let more: Vec<String> = (3..5).map(lab).collect();
    let raised: Vec<Raise> = more
        .iter()
        .map(|m| (m.as_str(), "lab-1", "ward.scan", "high"))
        .collect();
    raise(&monitor, &raised);
    assert!(wait_until(LIMIT, || folded(&hook).get("ward.scan|LAB-1")
        == Some(&5)
        && folded(&hook).contains_key("ward.beacon|MRI-1")));
    std::thread::sleep(Duration::from_millis(400));
    monitor.stop().unwrap();

    let bodies = hook.bodies.lock().unwrap().clone();
    let lab: Vec<_> = bodies
        .iter()
        .filter(|b| b["group"]["key"] == "ward.scan|LAB-1")
        .collect();
    // Opened once before the restart; after it, the same group goes on with a digest.
    assert_eq!(lab[0]["kind"], "group");
    assert!(lab[1..].iter().all(|b| b["kind"] == "digest"), "{lab:?}");
    assert_eq!(lab.last().unwrap()["group"]["count"], 5);
    let quiet: Vec<_> = bodies
        .iter()
        .filter(|b| b["group"]["key"] == "ward.beacon|MRI-1")
        .collect();
    assert_eq!(
        quiet.len(),
        1,
        "the pending group was sent once after the restart"
    );
    assert_eq!(quiet[0]["kind"], "group");
}

type Keys = Arc<Mutex<Vec<String>>>;

/// A webhook that records every POST's key and fails them (503) until told to accept.
struct FlakyWebhook {
    url: String,
    attempts: Keys,
    accepted: Keys,
    accept: Arc<AtomicBool>,
    _runtime: tokio::runtime::Runtime,
}

impl FlakyWebhook {
    fn start(accept: bool) -> FlakyWebhook {
        use axum::http::StatusCode;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (attempts, accepted) = (Keys::default(), Keys::default());
        let accept = Arc::new(AtomicBool::new(accept));
        let (a, ok, flag) = (
            Arc::clone(&attempts),
            Arc::clone(&accepted),
            Arc::clone(&accept),
        );
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap| {
                let (a, ok, flag) = (Arc::clone(&a), Arc::clone(&ok), Arc::clone(&flag));
                async move {
                    let key = headers["x-ward-alert-key"].to_str().unwrap().to_string();
                    a.lock().unwrap().push(key.clone());
                    if !flag.load(Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    ok.lock().unwrap().push(key);
                    StatusCode::OK
                }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        FlakyWebhook {
            url,
            attempts,
            accepted,
            accept,
            _runtime: runtime,
        }
    }
}

fn outbox_keys(state: &Path) -> Vec<String> {
    let store = Store::open(state).unwrap();
    let entries = store.outbox_after("soc", 0, 100).unwrap();
    entries.into_iter().map(|e| e.key).collect()
}

#[test]
fn a_kill_around_a_delivery_resends_that_notification_once_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let opening = "group:soc:ward.scan|LAB-1:0";

    // 1. Killed while the committed opening cannot be delivered: it waits in the outbox.
    let hook = FlakyWebhook::start(false);
    let sinks = webhook_sink("soc", &hook.url, "group_wait = \"50ms\"");
    let monitor = start(&state, &sinks);
    raise(&monitor, &[("alert-lab-0", "lab-1", "ward.scan", "high")]);
    assert!(wait_until(LIMIT, || !hook
        .attempts
        .lock()
        .unwrap()
        .is_empty()));
    monitor.abort();
    assert_eq!(outbox_keys(&state), [opening]);
    hook.accept.store(true, Ordering::SeqCst);
    let monitor = start(&state, &sinks);
    assert!(wait_until(LIMIT, || hook.accepted.lock().unwrap().len() == 1));
    std::thread::sleep(Duration::from_millis(300));
    monitor.abort();
    assert_eq!(*hook.accepted.lock().unwrap(), [opening]);
    assert!(hook.attempts.lock().unwrap().iter().all(|k| k == opening));
    assert_eq!(outbox_keys(&state), [opening], "made once, across the kill");

    // 2. Killed after the receiver took it but before the outbox cursor moved (the state a
    // SIGKILL between the POST and the cursor update leaves): resent once, same key.
    let conn = rusqlite::Connection::open(&state).unwrap();
    conn.execute("UPDATE outbox_cursors SET id = 0 WHERE sink = 'soc'", [])
        .unwrap();
    drop(conn);
    let monitor = start(&state, &sinks);
    assert!(wait_until(LIMIT, || hook.accepted.lock().unwrap().len() == 2));
    std::thread::sleep(Duration::from_millis(300));
    monitor.stop().unwrap();
    assert_eq!(*hook.accepted.lock().unwrap(), [opening, opening]);
    assert_eq!(outbox_keys(&state), [opening]);
}
