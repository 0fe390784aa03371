//! `ward monitor` as a real process on loopback. The demo outbreak goes in over TCP syslog, UDP
//! syslog and Lumberjack (or a tailed file); the alerts that come out at a webhook receiver must
//! be exactly the Kwampirs-pack detections `ward hunt` finds in the same logs, each once. A
//! SIGKILL mid-stream loses nothing; the dashboard serves nothing without a login.

#[path = "monitor_e2e/browser.rs"]
mod browser;
#[path = "monitor_e2e/feeds.rs"]
mod feeds;
#[path = "monitor_e2e/process.rs"]
mod process;

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use feeds::{Identity, identity};
use process::{TOKEN, Ward, bearer, http};

/// True for an alert of a Sigma rule (not of an analytic, whose rule id is `ward.<analytic>`).
fn is_rule_alert(alert: &serde_json::Value) -> bool {
    !alert["rule_id"].as_str().unwrap_or("").starts_with("ward.")
}

/// Every alert once: distinct keys, and the rule alerts' identities are exactly `expected`.
fn assert_exactly_once(alerts: &[serde_json::Value], expected: &BTreeSet<Identity>) {
    let keys: BTreeSet<&str> = alerts.iter().filter_map(|a| a["key"].as_str()).collect();
    assert_eq!(keys.len(), alerts.len(), "an alert was delivered twice");
    let got: BTreeSet<Identity> = alerts
        .iter()
        .filter(|a| is_rule_alert(a))
        .map(identity)
        .collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, unexpected {extra:?}"
    );
}

#[test]
fn syslog_and_beats_inputs_alert_on_every_kwampirs_detection_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (webhook, rx) = feeds::webhook_receiver();
    let expected = feeds::expected_from_hunt(&["System", "Security", "Sysmon"]);
    assert!(
        expected.len() >= 150,
        "the demo has ~180 ({})",
        expected.len()
    );
    let inputs = feeds::listener("syslog_tcp", "nxlog-tcp")
        + &feeds::listener("syslog_udp", "nxlog-udp")
        + &feeds::listener("lumberjack", "winlogbeat");
    let ward = Ward::start(&feeds::write_config(dir.path(), webhook, &inputs));

    let started = Instant::now();
    feeds::send_tcp_syslog(ward.inputs["nxlog-tcp"], &feeds::demo_lines("System"));
    feeds::send_udp_syslog(ward.inputs["nxlog-udp"], &feeds::demo_lines("Security"));
    let beats: Vec<String> = feeds::demo_lines("Sysmon")
        .iter()
        .map(|l| feeds::as_winlogbeat(l))
        .collect();
    feeds::send_lumberjack(ward.inputs["winlogbeat"], &beats, 16);

    let alerts = feeds::collect(&rx, &expected, Duration::from_secs(30));
    eprintln!(
        "{} alerts from {} expected in {:?}",
        alerts.len(),
        expected.len(),
        started.elapsed()
    );
    assert_exactly_once(&alerts, &expected);
    // The library delivers in commit order: the sink sees sequence numbers only go up.
    let seqs: Vec<i64> = alerts.iter().filter_map(|a| a["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let sample = alerts
        .iter()
        .find(|a| a["rule_id"] == "7e628801-e0ee-4388-a3d7-0db9bf23ba06")
        .expect("a Kwampirs service install");
    assert_eq!(sample["evidence"]["fields"]["ServiceName"], "WmiApSrvEx");
    assert_eq!(sample["evidence"]["file"], "stream", "syslog has no file");
    assert_eq!(ward.metric("events_processed"), 212, "every demo line once");

    // SIGTERM is a graceful stop: exit code 0 after the final commit.
    let (status, stderr) = ward.terminate(Duration::from_secs(15));
    assert!(status.success(), "{status:?}: {stderr:?}");
    assert_eq!(
        stderr.last().map(String::as_str),
        Some("ward monitor: stopped")
    );
}

/// The committed offset of the tailed `file`, read from the state file of a stopped monitor.
fn committed_offset(state: &std::path::Path, file: &std::path::Path) -> u64 {
    let store = ward_monitor::Store::open(state).expect("open state");
    let offsets = store.offsets().expect("offsets");
    let name = file.display().to_string();
    offsets
        .iter()
        .find(|o| o.input.ends_with(&name))
        .map_or(0, |o| o.position)
}

/// How long after the append the monitor is killed: the appended lines are read by then (poll
/// 20 ms) but their commit (every 100 ms) is usually still due, so the restart must re-read
/// them. Wherever the kill lands, the assertions hold.
const KILL_AFTER_MS: u64 = 60;

#[test]
fn a_monitor_killed_mid_stream_resumes_its_file_at_the_committed_offset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (webhook, rx) = feeds::webhook_receiver();
    let expected = feeds::expected_from_hunt(&["System", "Security", "Sysmon"]);
    let mut lines = feeds::demo_lines("Sysmon");
    lines.extend(feeds::demo_lines("System"));
    lines.extend(feeds::demo_lines("Security"));
    let text = lines.join("\n") + "\n";
    let cut = text.len() / 3;
    let cut = text[..cut].rfind('\n').expect("a line end") + 1;
    let log = dir.path().join("live.jsonl");
    std::fs::write(&log, &text[..cut]).expect("write the first third");
    let inputs = format!(
        "[[inputs]]\ntype = \"tail\"\nname = \"file\"\npath = {:?}\npoll_ms = 20\n\n",
        log.display().to_string()
    );
    let config = feeds::write_config(dir.path(), webhook, &inputs);

    let ward = Ward::start(&config);
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a first alert before the kill");
    // The rest arrives and the monitor is killed while it reads, detects and delivers it.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open log");
    f.write_all(&text.as_bytes()[cut..]).expect("append");
    drop(f);
    std::thread::sleep(Duration::from_millis(KILL_AFTER_MS));
    ward.kill();

    let state = dir.path().join("state.db");
    let offset = committed_offset(&state, &log) as usize;
    assert!(offset > 0 && offset <= text.len(), "offset {offset}");
    assert_eq!(&text[offset - 1..offset], "\n", "offsets fall on line ends");
    let left = text[offset..].lines().count() as u64;
    eprintln!(
        "killed at committed offset {offset} of {} bytes: {left} of {} lines left",
        text.len(),
        lines.len()
    );

    let ward = Ward::start(&config);
    let mut rest = expected.clone();
    rest.remove(&identity(&first));
    let mut alerts = vec![first];
    alerts.extend(feeds::collect(&rx, &rest, Duration::from_secs(30)));
    let got: BTreeSet<Identity> = alerts
        .iter()
        .filter(|a| is_rule_alert(a))
        .map(identity)
        .collect();
    assert_eq!(got, expected, "no alert lost across the kill");
    let keys: BTreeSet<&str> = alerts.iter().filter_map(|a| a["key"].as_str()).collect();
    let repeats = alerts.len() - keys.len();
    eprintln!("{} deliveries, {repeats} repeated", alerts.len());
    assert!(
        repeats <= 1,
        "at most one resend per sink per kill: {repeats}"
    );
    // Resumed at the offset: the restarted monitor reads exactly the lines after it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ward.metric("events_processed") < left && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ward.metric("events_processed"), left);
}

#[test]
fn the_dashboard_shows_alerts_and_the_case_only_after_login() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (webhook, rx) = feeds::webhook_receiver();
    let expected = feeds::expected_from_hunt(&["System"]);
    let inputs = feeds::listener("syslog_tcp", "nxlog-tcp");
    let ward = Ward::start(&feeds::write_config(dir.path(), webhook, &inputs));
    feeds::send_tcp_syslog(ward.inputs["nxlog-tcp"], &feeds::demo_lines("System"));
    let alerts = feeds::collect(&rx, &expected, Duration::from_secs(20));
    assert_exactly_once(&alerts, &expected);
    let dash = ward.dashboard;

    // Without a login: pages send the browser to /login, the API and metrics answer 401.
    for page in ["/", "/case"] {
        let reply = http(dash, "GET", page, &[], "");
        assert_eq!(reply.status, 303, "{page}: {}", reply.body);
        assert_eq!(reply.header("location"), Some("/login"));
    }
    for api in ["/api/alerts", "/metrics"] {
        assert_eq!(http(dash, "GET", api, &[], "").status, 401, "{api}");
    }
    // The login form is posted as a browser does: from the page, with its CSRF cookie and field.
    let post_login = |password: &str| {
        let page = http(dash, "GET", "/login", &[], "");
        assert_eq!(page.status, 200, "{}", page.body);
        let cookie = page.header("set-cookie").expect("the form's CSRF cookie");
        let cookie = format!("cookie: {}", cookie.split(';').next().expect("name=value"));
        let csrf = page
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the form's CSRF field");
        http(
            dash,
            "POST",
            "/login",
            &[&cookie],
            &format!("password={password}&csrf={csrf}"),
        )
    };
    let forged = http(dash, "POST", "/login", &[], &format!("password={TOKEN}"));
    assert_eq!(
        forged.status, 403,
        "a login without the form's CSRF token is refused"
    );
    let wrong = post_login("not-the-token");
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .header("set-cookie")
            .is_none_or(|c| !c.contains("ward_session=")),
        "no session for a wrong password"
    );

    // Logging in with the token opens a strict, HttpOnly session.
    let login = post_login(TOKEN);
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = login.header("set-cookie").expect("a session cookie");
    assert!(
        cookie.contains("httponly") && cookie.contains("samesite=strict"),
        "{cookie}"
    );
    let session = format!("cookie: {}", cookie.split(';').next().expect("name=value"));
    let page = http(dash, "GET", "/", &[&session], "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Kwampirs Service Installed (System)"));
    assert!(page.body.contains("MRI-CONSOLE-01"));
    let case = http(dash, "GET", "/case", &[&session], "");
    assert_eq!(case.status, 200);
    assert!(case.body.contains("Kwampirs Service Installed (System)"));
    let api = http(dash, "GET", "/api/alerts?limit=1000", &[&bearer()], "");
    assert_eq!(api.status, 200);
    let listed: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
    let listed = listed
        .as_array()
        .or_else(|| listed["alerts"].as_array())
        .expect("an alert list");
    let rule_alerts = listed.iter().filter(|a| is_rule_alert(a)).count();
    assert_eq!(rule_alerts, expected.len());

    browser_check(dash, dir.path());
}

/// The same pages in a real browser: the login form without credentials, the case report
/// with them, and no script or style refused by the dashboard's Content-Security-Policy.
fn browser_check(dash: std::net::SocketAddr, dir: &std::path::Path) {
    let Some((login, _)) = browser::dump_dom(&format!("http://{dash}/"), &dir.join("chromium"))
    else {
        eprintln!("skipping the browser check: {} absent", browser::CHROMIUM);
        return;
    };
    assert!(login.contains("name=\"password\""), "{login}");
    let proxy = browser::bearer_proxy(dash);
    for page in ["/", "/case"] {
        let (dom, log) = browser::dump_dom(&format!("http://{proxy}{page}"), &dir.join("chromium"))
            .expect("chromium ran before");
        assert!(
            dom.contains("Kwampirs Service Installed (System)"),
            "{page}: {dom}"
        );
        assert!(!log.contains("Content Security Policy"), "{page}: {log}");
    }
}

/// The demo's host logs, every channel of every host, merged in time order: what live shippers
/// would deliver over the outbreak's morning.
fn demo_lines_in_time_order() -> Vec<String> {
    let mut lines: Vec<(jiff::Timestamp, String)> = ["Security", "System", "Sysmon"]
        .iter()
        .flat_map(|c| feeds::demo_lines(c))
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(&line).expect("demo JSON");
            let time = v["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"]
                .as_str()
                .expect("SystemTime")
                .parse()
                .expect("RFC 3339 time");
            (time, line)
        })
        .collect();
    lines.sort_by_key(|(t, _)| *t);
    lines.into_iter().map(|(_, l)| l).collect()
}

/// The analytics run live, keep their state across a SIGKILL (the checkpoint committed with
/// the file offset) and raise each worm hop that `ward hunt` finds in the same log, once.
#[test]
fn live_analytics_raise_every_worm_hop_once_across_a_kill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (webhook, rx) = feeds::webhook_receiver();
    let lines = demo_lines_in_time_order();
    let text = lines.join("\n") + "\n";
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("logs folder");
    let log = logs.join("live.jsonl");
    let assets = process::repo().join("demo/outbreak/assets.csv");
    let assets = assets.to_str().expect("UTF-8 path");

    // What the hunt says of the whole log: the worm's hops, critical.
    std::fs::write(&log, &text).expect("write the whole log");
    let hunt = std::process::Command::new(process::ward_bin())
        .args(["hunt", "-q", "-f", "jsonl", "--assets", assets])
        .arg(&logs)
        .output()
        .expect("ward hunt runs");
    let hops: BTreeSet<String> = String::from_utf8_lossy(&hunt.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|f| f["analytic"] == "remote-execution" && f["level"] == "critical")
        .map(|f| f["title"].as_str().expect("title").to_string())
        .collect();
    assert!(hops.len() >= 5, "the demo worm's hops: {hops:?}");
    let expected: BTreeSet<Identity> = String::from_utf8_lossy(&hunt.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|f| f["analytic"] == "remote-execution" && f["level"] == "critical")
        .map(|f| {
            let host = f["host"].as_str().expect("host").to_string();
            ("ward.remote-execution".to_string(), host, 0)
        })
        .collect();

    // The monitor reads the first half, commits, is killed, and reads the rest after a restart.
    let cut = text[..text.len() / 2].rfind('\n').expect("a line end") + 1;
    std::fs::write(&log, &text[..cut]).expect("write the first half");
    let first_half = text[..cut].lines().count() as u64;
    let inputs = format!(
        "[[inputs]]\ntype = \"tail\"\nname = \"file\"\npath = {:?}\npoll_ms = 20\n\n",
        log.display().to_string()
    );
    let config = feeds::write_config(dir.path(), webhook, &inputs);
    let ward = Ward::start_with(&config, &["--assets", assets]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while ward.metric("events_processed") < first_half && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(ward.metric("events_processed"), first_half);
    std::thread::sleep(Duration::from_millis(400)); // a commit (every 100 ms) has passed
    ward.kill();

    let ward = Ward::start_with(&config, &["--assets", assets]);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open log");
    f.write_all(&text.as_bytes()[cut..]).expect("append");
    drop(f);
    let alerts = feeds::collect(&rx, &expected, Duration::from_secs(30));
    drop(ward);

    let live_hops: BTreeSet<String> = alerts
        .iter()
        .filter(|a| a["rule_id"] == "ward.remote-execution" && a["level"] == "critical")
        .map(|a| a["title"].as_str().expect("title").to_string())
        .collect();
    assert_eq!(live_hops, hops, "every worm hop raised live");
    let keys: Vec<&str> = alerts.iter().filter_map(|a| a["key"].as_str()).collect();
    let distinct: BTreeSet<&str> = keys.iter().copied().collect();
    assert!(
        keys.len() - distinct.len() <= 1,
        "at most one resend per kill: {} deliveries, {} distinct",
        keys.len(),
        distinct.len()
    );
    let critical_hops = alerts
        .iter()
        .filter(|a| a["rule_id"] == "ward.remote-execution" && a["level"] == "critical")
        .count();
    assert!(
        critical_hops <= hops.len() + 1,
        "each hop once: {critical_hops} alerts for {} hops",
        hops.len()
    );
}
