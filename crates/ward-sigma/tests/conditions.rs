//! Condition grammar, filter documents, multi-document files and Windows log-source mapping.

use ward_event::{Event, FieldList, LogSource, Timestamp, Value};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

fn set(yaml: &str) -> RuleSet {
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("t.yml", yaml);
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    set
}

fn fields(pairs: &[(&str, &str)]) -> FieldList {
    let mut f = FieldList::default();
    for (k, v) in pairs {
        f.push(*k, Value::from(*v));
    }
    f
}

/// Titles of the rules matching a `test`-product event.
fn titles(set: &RuleSet, pairs: &[(&str, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    set.matches_fields(
        &LogSource::other("test", None, None),
        &fields(pairs),
        &mut |r| out.push(set.rule(r).title.clone()),
    );
    out
}

fn cond(condition: &str) -> RuleSet {
    set(&format!(
        "title: c\nlogsource: {{product: test}}\ndetection:\n    selection_a: {{A: '1'}}\n    selection_b: {{B: '1'}}\n    filter_c: {{C: '1'}}\n    _private: {{D: '1'}}\n    condition: {condition}\n"
    ))
}

fn on(set: &RuleSet, set_fields: &str) -> bool {
    let pairs: Vec<(&str, &str)> = set_fields
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|k| (k, "1"))
        .collect();
    !titles(set, &pairs).is_empty()
}

#[test]
fn boolean_operators_and_precedence() {
    let c = cond("selection_a and not filter_c");
    assert!(on(&c, "A"));
    assert!(!on(&c, "A,C"));
    // `and` binds tighter than `or`.
    let p = cond("selection_a or selection_b and filter_c");
    assert!(on(&p, "A"));
    assert!(!on(&p, "B"));
    let q = cond("(selection_a or selection_b) and filter_c");
    assert!(!on(&q, "A"));
    assert!(on(&q, "B,C"));
}

#[test]
fn quantified_selectors() {
    let one = cond("1 of selection_*");
    assert!(on(&one, "B"));
    assert!(!on(&one, "C"));
    let all = cond("all of selection_*");
    assert!(!on(&all, "A"));
    assert!(on(&all, "A,B"));
    let any_of = cond("any of selection_* and not 1 of filter_*");
    assert!(on(&any_of, "A"));
    assert!(!on(&any_of, "A,C"));
    let two = cond("2 of them");
    assert!(!on(&two, "A"));
    assert!(on(&two, "A,C"));
    // `them` leaves out names starting with an underscore.
    let them = cond("all of them");
    assert!(on(&them, "A,B,C"));
    let named = cond("1 of _private");
    assert!(on(&named, "D"));
}

#[test]
fn filter_documents_suppress_matches_of_the_rules_they_name() {
    let yaml = "title: base\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {product: test}\ndetection:\n    sel: {A: x}\n    condition: sel\n---\ntitle: quiet\nlogsource: {product: test}\nfilter:\n    rules: [11111111-1111-1111-1111-111111111111]\n    selection: {Host: backup01}\n    condition: not selection\n";
    let s = set(yaml);
    assert_eq!(titles(&s, &[("A", "x"), ("Host", "ws01")]), ["base"]);
    assert!(titles(&s, &[("A", "x"), ("Host", "BACKUP01")]).is_empty());
}

#[test]
fn multi_document_global_action() {
    let yaml = "action: global\ntitle: shared\nlogsource: {product: test}\ndetection:\n    condition: sel\n---\ndetection:\n    sel: {A: one}\n---\ndetection:\n    sel: {A: two}\n";
    let s = set(yaml);
    assert_eq!(s.len(), 2);
    assert_eq!(titles(&s, &[("A", "two")]), ["shared"]);
}

fn windows_event(channel: &str, event_id: u32, pairs: &[(&str, &str)]) -> Event {
    let mut f = fields(pairs);
    f.push("EventID", Value::Int(i64::from(event_id)));
    Event::new(
        Timestamp::UNKNOWN,
        "ws1",
        LogSource::windows(channel, "p", event_id),
        f,
    )
}

#[test]
fn process_creation_reads_sysmon_1_and_security_4688_with_renames() {
    let s = set(
        "title: whoami\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel: {Image|endswith: '\\whoami.exe'}\n    condition: sel\n",
    );
    let hits = |e: &Event| {
        let mut n = 0;
        s.matches(e, &mut |_| n += 1);
        n
    };
    let sysmon = windows_event(
        "Microsoft-Windows-Sysmon/Operational",
        1,
        &[("Image", "C:\\Windows\\System32\\whoami.exe")],
    );
    let security = windows_event(
        "Security",
        4688,
        &[("NewProcessName", "C:\\Windows\\System32\\whoami.exe")],
    );
    let wrong_id = windows_event(
        "Security",
        4689,
        &[("NewProcessName", "C:\\Windows\\System32\\whoami.exe")],
    );
    let wrong_channel = windows_event(
        "System",
        1,
        &[("Image", "C:\\Windows\\System32\\whoami.exe")],
    );
    assert_eq!(
        (
            hits(&sysmon),
            hits(&security),
            hits(&wrong_id),
            hits(&wrong_channel)
        ),
        (1, 1, 0, 0)
    );
}

#[test]
fn channel_names_match_in_any_case_and_rules_pin_event_ids() {
    let s = set(
        "title: logon\nlogsource: {product: windows, service: security}\ndetection:\n    sel: {EventID: 4624, LogonType: 3}\n    condition: sel\n",
    );
    let mut n = 0;
    s.matches(
        &windows_event("security", 4624, &[("LogonType", "3")]),
        &mut |_| n += 1,
    );
    s.matches(
        &windows_event("Security", 4625, &[("LogonType", "3")]),
        &mut |_| n += 1,
    );
    assert_eq!(n, 1);
}

#[test]
fn registry_categories_use_the_sysmon_event_type() {
    let s = set(
        "title: del\nlogsource: {product: windows, category: registry_delete}\ndetection:\n    sel: {TargetObject|endswith: '\\Run\\x'}\n    condition: sel\n",
    );
    let mut n = 0;
    for t in ["DeleteValue", "DeleteKey", "CreateKey"] {
        let e = windows_event(
            "Microsoft-Windows-Sysmon/Operational",
            12,
            &[("EventType", t), ("TargetObject", "HKLM\\Run\\x")],
        );
        s.matches(&e, &mut |_| n += 1);
    }
    assert_eq!(n, 2);
}

#[test]
fn unmapped_windows_logsource_is_reported() {
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("t.yml", "title: t\nlogsource: {product: windows, service: no-such-log}\ndetection:\n    sel: {A: x}\n    condition: sel\n");
    let (s, report) = b.build();
    assert_eq!(s.len(), 0);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].reason.as_str(), "unmapped-logsource");
}

#[test]
fn network_categories_reach_zeek_with_renamed_fields() {
    let s = set(
        "title: dns\nlogsource: {category: dns}\ndetection:\n    sel: {query|endswith: '.evil.example'}\n    condition: sel\n",
    );
    let mut n = 0;
    let q = fields(&[("query", "c2.evil.example")]);
    s.matches_fields(
        &LogSource::other("zeek", Some("dns"), None),
        &q,
        &mut |_| n += 1,
    );
    s.matches_fields(&LogSource::other("", None, Some("dns")), &q, &mut |_| {
        n += 1
    });
    s.matches_fields(
        &LogSource::other("zeek", Some("http"), None),
        &q,
        &mut |_| n += 1,
    );
    assert_eq!(n, 2);
}

#[test]
fn sources_lacking_a_needed_field_are_not_tried() {
    let s = set(
        "title: renamed tool\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel: {OriginalFileName: psexec.c}\n    condition: sel\n",
    );
    let mut n = 0;
    let sysmon = windows_event(
        "Microsoft-Windows-Sysmon/Operational",
        1,
        &[("OriginalFileName", "psexec.c")],
    );
    let security = windows_event("Security", 4688, &[("OriginalFileName", "psexec.c")]);
    s.matches(&sysmon, &mut |_| n += 1);
    s.matches(&security, &mut |_| n += 10);
    assert_eq!(n, 1);

    let mut mapping = Mapping::default();
    mapping
        .add_yaml("m.yml", "logsources:\n  - category: proxy\n    select:\n      - {category: proxy, absent: [c-useragent]}\n")
        .unwrap();
    let mut b = RuleSetBuilder::new(mapping);
    b.add_yaml("t.yml", "title: ua\nlogsource: {category: proxy}\ndetection:\n    sel: {c-useragent: curl}\n    condition: sel\n");
    let (_, report) = b.build();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].reason.as_str(), "unmapped-field");
    assert!(
        report.problems[0].detail.contains("c-useragent"),
        "{}",
        report.problems[0].detail
    );
}
