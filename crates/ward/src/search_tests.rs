//! Tests of `ward search`'s matching and filters.
use super::*;
use ward_event::{FieldList, LogSource};

fn sysmon_1(image: &str) -> Event {
    let mut fields = FieldList::default();
    fields.push("EventID", Value::Int(1));
    fields.push("Image", Value::from(image));
    Event::new(
        Timestamp::parse("2024-03-01T10:00:00Z").expect("a time"),
        "xray-ws-02.clinic.local",
        LogSource::windows("Microsoft-Windows-Sysmon/Operational", "Sysmon", 1),
        fields,
    )
}

#[test]
fn where_terms_become_selections_and_the_condition_is_kept() {
    let yaml = where_rule_yaml(
        r"Image|endswith: '\wmiapsrvex.exe' and not (EventID: 3 or User: 'it''s')",
        "{product: windows}",
    )
    .expect("it parses");
    assert!(
        yaml.contains("condition: t1 and not ( t2 or t3 )"),
        "{yaml}"
    );
    assert!(
        yaml.contains(r#""Image|endswith": "\\wmiapsrvex.exe""#),
        "{yaml}"
    );
    assert!(yaml.contains(r#""User": "it's""#), "{yaml}");
    let query = Query::new(
        &[],
        &[],
        Some(r"Image|endswith: '\wmiapsrvex.exe' and EventID: 1"),
        false,
    )
    .expect("it compiles");
    assert!(query.matches(&sysmon_1(r"C:\Windows\System32\WmiApSrvEx.exe")));
    assert!(!query.matches(&sysmon_1(r"C:\Windows\System32\svchost.exe")));
}

#[test]
fn bad_conditions_and_huge_regexes_are_errors_not_panics() {
    for expr in ["", "Image", "Image: 'open", "(: x)", "and or not"] {
        assert!(Query::new(&[], &[], Some(expr), false).is_err(), "{expr}");
    }
    let huge = "(a{1000}){1000}".to_string();
    assert!(Query::new(&[], &[huge], None, false).is_err());
}

#[test]
fn narrowing_by_host_event_id_and_time() {
    let q = Query::new(&["wmiapsrvex".to_string()], &[], None, false)
        .expect("a keyword")
        .narrowed(None, None, Some("XRAY-WS-02"), None, &[1]);
    let event = sysmon_1(r"C:\x\WMIAPSRVEX.EXE");
    assert!(q.matches(&event));
    let other_host = Query::new(&["wmiapsrvex".to_string()], &[], None, false)
        .expect("a keyword")
        .narrowed(None, None, Some("MRI-01"), None, &[]);
    assert!(!other_host.matches(&event));
    let later = Query::new(&["wmiapsrvex".to_string()], &[], None, false)
        .expect("a keyword")
        .narrowed(Timestamp::parse("2024-03-02").ok(), None, None, None, &[]);
    assert!(!later.matches(&event));
}
