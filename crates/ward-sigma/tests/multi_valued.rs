//! Fields with several values (unnamed `Data`, repeated elements, JSON arrays): a test of the
//! field holds when any value passes it; `|all` asks each listed value to match some value.

use ward_event::{FieldList, LogSource, Value};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

/// A rule set holding one rule with `detection` (YAML, indented 4) over product `test`.
fn rule(detection: &str) -> RuleSet {
    let yaml = format!("title: t\nlogsource: {{product: test}}\ndetection:\n{detection}\n");
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("t.yml", &yaml);
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    set
}

fn hit(set: &RuleSet, fields: &[(&str, Value)]) -> bool {
    let mut list = FieldList::default();
    for (k, v) in fields {
        list.push(*k, v.clone());
    }
    let mut n = 0;
    set.matches_fields(&LogSource::other("test", None, None), &list, &mut |_| {
        n += 1
    });
    n == 1
}

fn s(v: &str) -> Value {
    Value::from(v)
}

/// The three unnamed `Data` values of a PowerShell classic 400 event, shortened.
fn engine_started(details: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("EventID", Value::Int(400)),
        ("Data", s("Available")),
        ("Data", s("None")),
        ("Data", s(details)),
    ]
}

#[test]
fn contains_finds_the_value_in_any_position() {
    let set = rule("    sel:\n        Data|contains: Get-NetTCPConnection\n    condition: sel");
    let details = "HostApplication=powershell.exe Get-NetTCPConnection -State Listen";
    assert!(hit(&set, &engine_started(details)));
    assert!(!hit(
        &set,
        &engine_started("HostApplication=powershell.exe")
    ));
}

#[test]
fn all_asks_each_listed_value_to_match_some_value() {
    let set = rule(
        "    sel:\n        Data|contains|all: [Available, HostName=ConsoleHost]\n    condition: sel",
    );
    // "Available" is in the first value, "HostName=ConsoleHost" in the third.
    assert!(hit(&set, &engine_started("HostName=ConsoleHost")));
    assert!(!hit(&set, &engine_started("HostName=ServerRemoteHost")));
}

#[test]
fn negations_hold_when_no_value_matches() {
    let not = rule(
        "    sel:\n        EventID: 400\n    filter:\n        Data: None\n    condition: sel and not filter",
    );
    assert!(!hit(&not, &engine_started("x")), "the second value is None");
    let neq = rule("    sel:\n        Data|neq: None\n    condition: sel");
    assert!(!hit(&neq, &engine_started("x")));
    assert!(hit(
        &neq,
        &[("Data", s("Available")), ("Data", s("Stopped"))]
    ));
    assert!(!hit(&neq, &[("Other", s("x"))]), "neq needs the field");
}

#[test]
fn null_and_exists_see_every_value() {
    let null = rule("    sel:\n        Data: null\n    condition: sel");
    assert!(hit(&null, &[("Data", s("a")), ("Data", Value::Null)]));
    assert!(hit(&null, &[("Other", s("a"))]));
    assert!(!hit(&null, &[("Data", s("a")), ("Data", s("b"))]));
    let exists = rule("    sel:\n        Data|exists: true\n    condition: sel");
    assert!(hit(&exists, &engine_started("x")));
    assert!(!hit(&exists, &[("Other", s("a"))]));
}

#[test]
fn numbers_regex_cidr_and_case_see_every_value() {
    let gt = rule("    sel:\n        Port|gt: 1024\n    condition: sel");
    assert!(hit(
        &gt,
        &[("Port", Value::Int(80)), ("Port", Value::Int(4444))]
    ));
    assert!(!hit(&gt, &[("Port", Value::Int(80)), ("Port", s("443"))]));
    let int = rule("    sel:\n        Port: 4444\n    condition: sel");
    assert!(hit(&int, &[("Port", Value::Int(80)), ("Port", s("4444"))]));
    let re = rule("    sel:\n        Data|re: 'HostId=[a-f0-9-]{36}'\n    condition: sel");
    let id = "HostId=32afa6ab-c13e-4c81-91ed-8488f7e303ea";
    assert!(hit(&re, &engine_started(id)));
    let cidr = rule("    sel:\n        Ip|cidr: 10.0.0.0/8\n    condition: sel");
    assert!(hit(&cidr, &[("Ip", s("192.0.2.1")), ("Ip", s("10.1.2.3"))]));
    assert!(!hit(&cidr, &[("Ip", s("192.0.2.1")), ("Ip", s("::1"))]));
    let cased = rule("    sel:\n        Data|contains|cased: ConsoleHost\n    condition: sel");
    assert!(hit(&cased, &engine_started("HostName=ConsoleHost")));
    assert!(!hit(&cased, &engine_started("HostName=consolehost")));
}

#[test]
fn keywords_and_field_references_see_every_value() {
    let kw = rule("    keywords:\n        - 'DownloadString('\n    condition: keywords");
    assert!(hit(
        &kw,
        &engine_started("(New-Object Net.WebClient).DownloadString('x')")
    ));
    let fieldref = rule("    sel:\n        Parent|fieldref: Child\n    condition: sel");
    assert!(hit(
        &fieldref,
        &[
            ("Parent", s("a")),
            ("Parent", s("b")),
            ("Child", s("c")),
            ("Child", s("B")),
        ]
    ));
    assert!(!hit(&fieldref, &[("Parent", s("a")), ("Child", s("c"))]));
}

#[test]
fn single_values_match_as_before() {
    let set = rule("    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel");
    assert!(hit(&set, &[("Image", s(r"C:\Windows\System32\CMD.EXE"))]));
    assert!(!hit(&set, &[("Image", s(r"C:\Windows\explorer.exe"))]));
}
