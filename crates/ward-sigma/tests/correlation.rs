//! Correlation rules: hand-made edge cases, then real attack logs.

use std::path::{Path, PathBuf};

use ward_event::{Event, FieldList, LogSource, Timestamp, Value};
use ward_sigma::{
    CorrelationEvent, CorrelationHit, Correlator, Mapping, RuleKind, RuleSet, RuleSetBuilder,
};

fn build(yaml: &str) -> RuleSet {
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("c.yml", yaml);
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    set
}

/// Matches `events` in order and runs the correlations, as the CLI's two phases do.
fn correlate(set: &RuleSet, events: &[Event]) -> Vec<CorrelationHit> {
    let mut inputs: Vec<CorrelationEvent> = Vec::new();
    for e in events {
        set.matches(e, &mut |r| inputs.extend(set.correlation_input(r, e)));
    }
    inputs.sort_by_key(|c| c.time);
    set.correlate(&inputs)
}

fn ev(secs: i64, pairs: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    for (k, v) in pairs {
        f.push(*k, Value::from(*v));
    }
    Event::new(
        Timestamp::from_nanos(secs * 1_000_000_000),
        "h1",
        LogSource::other("test", None, None),
        f,
    )
}

const BASE: &str = "title: failed logon\nname: failed_logon\nlogsource: {product: test}\ndetection:\n    sel: {Action: fail}\n    condition: sel\n---\ntitle: success\nname: success_logon\nlogsource: {product: test}\ndetection:\n    sel: {Action: ok}\n    condition: sel\n";

#[test]
fn event_count_groups_and_windows() {
    let set = build(&format!(
        "{BASE}---\ntitle: brute force\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    group-by: [User]\n    timespan: 10s\n    condition: {{gte: 3}}\n"
    ));
    let fail = |t, u| ev(t, &[("Action", "fail"), ("User", u)]);
    // bob fails 3 times within 10 s; alice 3 times but spread over 30 s.
    let events = [
        fail(0, "bob"),
        fail(1, "alice"),
        fail(4, "bob"),
        fail(9, "bob"),
        fail(15, "alice"),
        fail(30, "alice"),
    ];
    let hits = correlate(&set, &events);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        [("User".to_string(), Some("bob".to_string()))]
    );
    assert_eq!(hits[0].value, 3.0);
    assert_eq!((hits[0].first.as_secs(), hits[0].last.as_secs()), (0, 9));
    assert_eq!(set.rule(hits[0].rule).kind, RuleKind::Correlation);
    // The base rule only feeds the correlation (generate: false).
    let base = set.find("failed_logon").unwrap();
    assert!(!set.rule(base).standalone);
}

#[test]
fn value_count_counts_distinct_values() {
    let set = build(&format!(
        "{BASE}---\ntitle: spray\ncorrelation:\n    type: value_count\n    rules: [failed_logon]\n    group-by: [Source]\n    timespan: 1m\n    condition: {{gte: 3, field: User}}\n"
    ));
    let fail = |t, u| {
        ev(
            t,
            &[("Action", "fail"), ("User", u), ("Source", "10.0.0.9")],
        )
    };
    let hits = correlate(
        &set,
        &[fail(0, "a"), fail(1, "a"), fail(2, "b"), fail(3, "b")],
    );
    assert!(hits.is_empty());
    let hits = correlate(
        &set,
        &[fail(0, "a"), fail(1, "a"), fail(2, "b"), fail(3, "c")],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].value, 3.0);
}

#[test]
fn temporal_and_temporal_ordered() {
    let corr = |kind: &str, rules: &str| {
        build(&format!(
            "{BASE}---\ntitle: fail then ok\ncorrelation:\n    type: {kind}\n    rules: [{rules}]\n    group-by: [User]\n    timespan: 1m\n"
        ))
    };
    let ok_then_fail = [
        ev(0, &[("Action", "ok"), ("User", "u")]),
        ev(5, &[("Action", "fail"), ("User", "u")]),
    ];
    assert_eq!(
        correlate(
            &corr("temporal", "failed_logon, success_logon"),
            &ok_then_fail
        )
        .len(),
        1
    );
    assert_eq!(
        correlate(
            &corr("temporal_ordered", "failed_logon, success_logon"),
            &ok_then_fail
        )
        .len(),
        0
    );
    assert_eq!(
        correlate(
            &corr("temporal_ordered", "success_logon, failed_logon"),
            &ok_then_fail
        )
        .len(),
        1
    );
    let far = [
        ev(0, &[("Action", "fail"), ("User", "u")]),
        ev(120, &[("Action", "ok"), ("User", "u")]),
    ];
    assert_eq!(
        correlate(&corr("temporal", "failed_logon, success_logon"), &far).len(),
        0
    );
}

#[test]
fn aliases_join_differently_named_fields() {
    let set = build(&format!(
        "{BASE}---\ntitle: same account\ncorrelation:\n    type: temporal\n    rules: [failed_logon, success_logon]\n    group-by: [account]\n    timespan: 1m\n    aliases:\n        account:\n            failed_logon: TargetUserName\n            success_logon: SubjectUserName\n"
    ));
    let events = [
        ev(0, &[("Action", "fail"), ("TargetUserName", "carol")]),
        ev(1, &[("Action", "ok"), ("SubjectUserName", "dave")]),
        ev(2, &[("Action", "ok"), ("SubjectUserName", "carol")]),
    ];
    let hits = correlate(&set, &events);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        [("account".to_string(), Some("carol".to_string()))]
    );
}

#[test]
fn value_sum_avg_and_chained_correlations() {
    let yaml = "title: upload\nname: upload\nlogsource: {product: test}\ndetection:\n    sel: {Action: put}\n    condition: sel\n---\ntitle: big upload\nname: big_upload\ncorrelation:\n    type: value_sum\n    rules: [upload]\n    group-by: [Host]\n    timespan: 1m\n    condition: {gt: 1000, field: Bytes}\n---\ntitle: repeated big uploads\ncorrelation:\n    type: event_count\n    rules: [big_upload]\n    group-by: [Host]\n    timespan: 1h\n    condition: {gte: 2}\n";
    let set = build(yaml);
    let put = |t, b| ev(t, &[("Action", "put"), ("Host", "h"), ("Bytes", b)]);
    let hits = correlate(
        &set,
        &[
            put(0, "600"),
            put(10, "600"),
            put(100, "900"),
            put(110, "200"),
            put(120, "5"),
        ],
    );
    let titles: Vec<&str> = hits
        .iter()
        .map(|h| set.rule(h.rule).title.as_str())
        .collect();
    assert_eq!(titles, ["big upload", "big upload", "repeated big uploads"]);
    assert_eq!(hits[0].value, 1200.0);
    assert_eq!(hits[1].value, 1100.0);
    // A correlation used by another one reports on its own only with `generate: true`.
    let inner = set.find("big_upload").unwrap();
    assert!(!set.rule(inner).standalone);
    assert!(
        set.rules()
            .filter(|(_, m)| m.standalone)
            .all(|(_, m)| m.title == "repeated big uploads")
    );
    let avg = build(
        "title: u\nname: u\nlogsource: {product: test}\ndetection:\n    sel: {Action: put}\n    condition: sel\n---\ntitle: avg\ncorrelation:\n    type: value_avg\n    rules: [u]\n    timespan: 1m\n    condition: {gte: 500, field: Bytes}\n",
    );
    let hits = correlate(&avg, &[put(0, "100"), put(1, "1100")]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].value, 600.0);
}

#[test]
fn unknown_reference_is_a_problem() {
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("c.yml", "title: x\ncorrelation:\n    type: event_count\n    rules: [nope]\n    timespan: 1m\n    condition: {gte: 2}\n");
    let (_, report) = b.build();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].reason.as_str(), "unknown-reference");
}

fn data(rel: &str) -> Option<PathBuf> {
    ward_testdata::shared(rel)
}

fn read(path: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    ward_ingest::read_path(path, &mut |e| events.push(e));
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    events
}

#[test]
fn password_spray_over_deepbluecli_events() {
    let Some(path) = data("deepbluecli/evtx/password-spray.evtx") else {
        return;
    };
    let set = build(
        "title: explicit credentials\nname: explicit_creds\nlogsource: {product: windows, service: security}\ndetection:\n    sel: {EventID: 4648}\n    condition: sel\n---\ntitle: password spray\ncorrelation:\n    type: value_count\n    rules: [explicit_creds]\n    group-by: [IpAddress]\n    timespan: 10m\n    condition: {gte: 41, field: TargetUserName}\n---\ntitle: logon burst\ncorrelation:\n    type: event_count\n    rules: [explicit_creds]\n    group-by: [IpAddress]\n    timespan: 10m\n    condition: {gte: 100}\n",
    );
    let events = read(&path);
    assert_eq!(events.len(), 295);
    let hits = correlate(&set, &events);
    let spray: Vec<_> = hits
        .iter()
        .filter(|h| set.rule(h.rule).title == "password spray")
        .collect();
    let burst: Vec<_> = hits
        .iter()
        .filter(|h| set.rule(h.rule).title == "logon burst")
        .collect();
    // 294 explicit-credential logons from one address within five minutes: seven rounds over
    // the same 41 accounts (one of them tried twice per round), so seven full sprays.
    assert_eq!(spray.len(), 7);
    assert_eq!(
        spray[0].group,
        [("IpAddress".to_string(), Some("172.16.144.128".to_string()))]
    );
    assert!(spray.iter().all(|h| h.value == 41.0));
    // The account tried twice per round lands after the first round completes, then inside
    // each later window: 41 + 6 × 42 = 293 of the 294 attempts.
    let sizes: Vec<usize> = spray.iter().map(|h| h.events.len()).collect();
    assert_eq!(sizes, [41, 42, 42, 42, 42, 42, 42]);
    assert_eq!(
        burst.len(),
        2,
        "294 events fire twice at 100 (the window restarts after each hit)"
    );
    assert_eq!(burst[0].events.len(), 100);
}

#[test]
fn psexec_admin_share_then_service_then_process_in_order() {
    let Some(path) = data(
        "evtx-to-mitre/TA0008-Lateral Movement/T1021.002-SMB Windows Admin Shares/ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx",
    ) else {
        return;
    };
    let rules = "title: exe written to admin share\nname: share_exe\nlogsource: {product: windows, service: security}\ndetection:\n    sel:\n        EventID: 5145\n        ShareName|endswith: '\\ADMIN$'\n        RelativeTargetName|endswith: '.exe'\n    condition: sel\n---\ntitle: service installed\nname: service_install\nlogsource: {product: windows, service: security}\ndetection:\n    sel: {EventID: 4697}\n    condition: sel\n---\ntitle: service process\nname: service_process\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel: {ParentImage|endswith: '\\services.exe'}\n    condition: sel\n";
    let chain = |order: &str| {
        build(&format!(
            "{rules}---\ntitle: remote service execution\ncorrelation:\n    type: temporal_ordered\n    rules: [{order}]\n    group-by: [Computer]\n    timespan: 1m\n"
        ))
    };
    let events = read(&path);
    let set = chain("share_exe, service_install, service_process");
    let hits = correlate(&set, &events);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        [(
            "Computer".to_string(),
            Some("srvdefender01.offsec.lan".to_string())
        )]
    );
    assert_eq!(hits[0].first.to_rfc3339(), "2021-04-21T09:40:32.3433557Z");
    assert_eq!(hits[0].last.to_rfc3339(), "2021-04-21T09:40:32.366277Z");
    // The same three steps in the wrong order never happen.
    assert!(
        correlate(
            &chain("service_process, service_install, share_exe"),
            &events
        )
        .is_empty()
    );
}

/// The live monitor feeds detections one at a time and checkpoints between them: a state
/// saved and restored midway (through JSON, as the monitor stores it) gives the batch's hits.
#[test]
fn streaming_with_a_checkpoint_midway_equals_the_batch() {
    let Some(path) = data("deepbluecli/evtx/password-spray.evtx") else {
        return;
    };
    let set = build(
        "title: explicit credentials\nname: explicit_creds\nlogsource: {product: windows, service: security}\ndetection:\n    sel: {EventID: 4648}\n    condition: sel\n---\ntitle: password spray\nname: spray\ncorrelation:\n    type: value_count\n    rules: [explicit_creds]\n    group-by: [IpAddress]\n    timespan: 10m\n    condition: {gte: 41, field: TargetUserName}\n---\ntitle: repeated spray\ncorrelation:\n    type: event_count\n    rules: [spray]\n    group-by: [IpAddress]\n    timespan: 1h\n    condition: {gte: 3}\n",
    );
    let events = read(&path);
    let mut inputs: Vec<CorrelationEvent> = Vec::new();
    for e in &events {
        set.matches(e, &mut |r| inputs.extend(set.correlation_input(r, e)));
    }
    inputs.sort_by_key(|c| c.time);
    let batch = set.correlate(&inputs);
    assert_eq!(
        batch.len(),
        7 + 2,
        "seven sprays, and two rounds of three sprays"
    );

    let half = inputs.len() / 2;
    let mut live = Correlator::new(&set);
    let mut hits = Vec::new();
    for (i, e) in inputs[..half].iter().enumerate() {
        live.feed(&set, i, e, &mut hits);
    }
    let saved = serde_json::to_string(&live).expect("state serialises");
    let mut restored: Correlator = serde_json::from_str(&saved).expect("state restores");
    for (i, e) in inputs.iter().enumerate().skip(half) {
        restored.feed(&set, i, e, &mut hits);
    }
    hits.sort_by(|a, b| a.last.cmp(&b.last).then(a.rule.cmp(&b.rule)));
    assert_eq!(hits, batch);
    assert!(
        hits.iter()
            .filter(|h| set.rule(h.rule).title == "password spray")
            .all(|h| h.host.as_deref() == Some("DESKTOP-JR78RLP")),
        "{:?}",
        hits.iter().map(|h| &h.host).collect::<Vec<_>>()
    );
}

/// Groups that left their window are dropped, so a long stream of one-off keys keeps a bounded
/// state.
#[test]
fn expired_groups_are_pruned() {
    let set = build(&format!(
        "{BASE}---\ntitle: brute force\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    group-by: [User]\n    timespan: 10s\n    condition: {{gte: 3}}\n"
    ));
    let mut live = Correlator::new(&set);
    let mut hits = Vec::new();
    let mut user = String::new();
    for i in 0..100_000 {
        user.clear();
        user.push_str(&format!("user{i}"));
        let e = ev(i, &[("Action", "fail"), ("User", &user)]);
        set.matches(&e, &mut |r| {
            if let Some(c) = set.correlation_input(r, &e) {
                live.feed(&set, i as usize, &c, &mut hits);
            }
        });
    }
    assert!(hits.is_empty());
    assert!(
        live.open_windows() <= 4096 + 11,
        "{} windows open",
        live.open_windows()
    );
}
