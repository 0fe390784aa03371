//! Value modifiers and value forms, one rule per edge case, over hand-made events.

use ward_event::{FieldList, LogSource, Value};
use ward_sigma::{Mapping, ProblemKind, RuleSet, RuleSetBuilder};

/// A rule set holding one rule with `detection` (YAML, indented 4) over product `test`.
fn rule(detection: &str) -> RuleSet {
    let yaml =
        format!("title: t\nlogsource: {{product: test}}\ndetection:\n{detection}\nlevel: high\n");
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("t.yml", &yaml);
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(set.len(), 1);
    set
}

/// The problem kinds loading `detection` produces.
fn problems(detection: &str) -> Vec<ProblemKind> {
    let yaml = format!("title: t\nlogsource: {{product: test}}\ndetection:\n{detection}\n");
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml("t.yml", &yaml);
    b.build().1.problems.iter().map(|p| p.reason).collect()
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

#[test]
fn plain_values_match_whole_and_ignore_case() {
    let r = rule("    sel:\n        Image: 'C:\\Windows\\System32\\cmd.exe'\n    condition: sel");
    assert!(hit(&r, &[("Image", s("c:\\windows\\system32\\CMD.EXE"))]));
    assert!(!hit(
        &r,
        &[("Image", s("c:\\windows\\system32\\cmd.exe.bak"))]
    ));
    assert!(!hit(&r, &[("Other", s("c:\\windows\\system32\\cmd.exe"))]));
}

#[test]
fn contains_startswith_endswith_and_cased() {
    let r = rule(
        "    sel:\n        A|contains: 'mimi'\n        B|startswith: 'pre'\n        C|endswith: '.EXE'\n    condition: sel",
    );
    assert!(hit(
        &r,
        &[
            ("A", s("xxMIMIkatz")),
            ("B", s("PREfix")),
            ("C", s("a.exe"))
        ]
    ));
    assert!(!hit(
        &r,
        &[("A", s("xxMIMIkatz")), ("B", s("xpre")), ("C", s("a.exe"))]
    ));
    let cased = rule("    sel:\n        A|contains|cased: 'Mimi'\n    condition: sel");
    assert!(hit(&cased, &[("A", s("xMimikatz"))]));
    assert!(!hit(&cased, &[("A", s("xmimikatz"))]));
}

#[test]
fn wildcards_and_escapes() {
    let r = rule("    sel:\n        A: 'a*b?c'\n    condition: sel");
    assert!(hit(&r, &[("A", s("A--B-C"))]));
    assert!(!hit(&r, &[("A", s("a--bc"))]));
    // `\*` is a literal star, `\\` a literal backslash.
    let lit = rule("    sel:\n        A: 'x\\*y'\n        B: 'C:\\\\dir\\\\*'\n    condition: sel");
    assert!(hit(&lit, &[("A", s("x*y")), ("B", s("C:\\dir\\anything"))]));
    assert!(!hit(
        &lit,
        &[("A", s("xzy")), ("B", s("C:\\dir\\anything"))]
    ));
}

#[test]
fn lists_are_or_maps_are_and_and_all_makes_lists_and() {
    let or = rule("    sel:\n        A:\n            - one\n            - two\n    condition: sel");
    assert!(hit(&or, &[("A", s("two"))]));
    let all = rule(
        "    sel:\n        A|contains|all:\n            - one\n            - two\n    condition: sel",
    );
    assert!(hit(&all, &[("A", s("two and one"))]));
    assert!(!hit(&all, &[("A", s("two only"))]));
    let list_of_maps = rule("    sel:\n        - A: x\n        - B: y\n    condition: sel");
    assert!(hit(&list_of_maps, &[("B", s("y"))]));
    assert!(!hit(&list_of_maps, &[("B", s("x"))]));
}

#[test]
fn numbers_match_numbers_and_text() {
    let r = rule("    sel:\n        EventID: 4688\n    condition: sel");
    assert!(hit(&r, &[("EventID", Value::Int(4688))]));
    assert!(hit(&r, &[("EventID", s("4688"))]));
    assert!(!hit(&r, &[("EventID", Value::Int(4689))]));
    let quoted = rule("    sel:\n        EventID: '4688'\n    condition: sel");
    assert!(hit(&quoted, &[("EventID", Value::Int(4688))]));
}

#[test]
fn null_and_empty_values() {
    let r = rule("    sel:\n        A: null\n    condition: sel");
    assert!(hit(&r, &[("B", s("x"))]));
    assert!(hit(&r, &[("A", Value::Null)]));
    assert!(!hit(&r, &[("A", s("x"))]));
    let empty = rule("    sel:\n        A: ''\n    condition: sel");
    assert!(hit(&empty, &[("A", s(""))]));
    assert!(!hit(&empty, &[("A", s("x"))]));
}

#[test]
fn windash_covers_slash_and_dashes() {
    let r = rule("    sel:\n        CommandLine|windash|contains: ' -enc '\n    condition: sel");
    for cmd in [
        "powershell -enc AAA",
        "powershell /enc AAA",
        "powershell \u{2013}enc AAA",
        "powershell \u{2015}enc AAA",
    ] {
        assert!(hit(&r, &[("CommandLine", s(cmd))]), "{cmd}");
    }
    assert!(!hit(&r, &[("CommandLine", s("powershell xenc AAA"))]));
}

#[test]
fn base64_and_base64offset_find_encoded_text_at_any_alignment() {
    use base64::Engine as _;
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    let r =
        rule("    sel:\n        CommandLine|base64offset|contains: 'http://'\n    condition: sel");
    for prefix in ["", "I", "IE", "IEX "] {
        let cmd = format!("powershell -e {}", b64(&format!("{prefix}http://evil/x")));
        assert!(hit(&r, &[("CommandLine", s(&cmd))]), "{prefix}");
    }
    assert!(!hit(&r, &[("CommandLine", s(&b64("ftp://evil")))]));
    let plain = rule("    sel:\n        A|base64: 'abc'\n    condition: sel");
    assert!(hit(&plain, &[("A", s("YWJj"))]));
}

#[test]
fn utf16_then_base64_matches_powershell_encoded_commands() {
    use base64::Engine as _;
    let wide: Vec<u8> = "IEX (New-Object Net.WebClient)"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let cmd = format!(
        "powershell -enc {}",
        base64::engine::general_purpose::STANDARD.encode(wide)
    );
    let r = rule(
        "    sel:\n        CommandLine|wide|base64offset|contains: 'New-Object'\n    condition: sel",
    );
    assert!(hit(&r, &[("CommandLine", s(&cmd))]));
    let le = rule(
        "    sel:\n        CommandLine|utf16le|base64offset|contains: 'WebClient'\n    condition: sel",
    );
    assert!(hit(&le, &[("CommandLine", s(&cmd))]));
    let absent = rule(
        "    sel:\n        CommandLine|wide|base64offset|contains: 'DownloadString'\n    condition: sel",
    );
    assert!(!hit(&absent, &[("CommandLine", s(&cmd))]));
    // Base64 is compared as written: a case-folded copy of the command must not match.
    assert!(!hit(&r, &[("CommandLine", s(&cmd.to_lowercase()))]));
}

#[test]
fn regex_with_flags() {
    let r = rule("    sel:\n        A|re: '^ab+c$'\n    condition: sel");
    assert!(hit(&r, &[("A", s("abbbc"))]));
    assert!(
        !hit(&r, &[("A", s("ABBC"))]),
        "re is case-sensitive without i"
    );
    let i = rule("    sel:\n        A|re|i: '^ab+c$'\n    condition: sel");
    assert!(hit(&i, &[("A", s("ABBC"))]));
    let m = rule("    sel:\n        A|re|m: '^second$'\n    condition: sel");
    assert!(hit(&m, &[("A", s("first\nsecond"))]));
    let dotall = rule("    sel:\n        A|re|s: 'a.b'\n    condition: sel");
    assert!(hit(&dotall, &[("A", s("a\nb"))]));
    assert_eq!(
        problems("    sel:\n        A|re: '(?<=x)y'\n    condition: sel"),
        [ProblemKind::UnsupportedRegex]
    );
}

#[test]
fn cidr_v4_and_v6() {
    let r = rule(
        "    sel:\n        ip|cidr:\n            - 10.0.0.0/8\n            - 'fd00::/8'\n    condition: sel",
    );
    assert!(hit(&r, &[("ip", s("10.1.2.3"))]));
    assert!(hit(&r, &[("ip", s("fd12::1"))]));
    assert!(!hit(&r, &[("ip", s("11.0.0.1"))]));
    assert!(!hit(&r, &[("ip", s("fe80::1"))]));
    assert!(!hit(&r, &[("ip", s("not an ip"))]));
    assert_eq!(
        problems("    sel:\n        ip|cidr: 10.0.0.0/33\n    condition: sel"),
        [ProblemKind::BadValue]
    );
}

#[test]
fn exists_and_fieldref() {
    let ex = rule("    sel:\n        A|exists: true\n        B|exists: false\n    condition: sel");
    assert!(hit(&ex, &[("A", s(""))]));
    assert!(!hit(&ex, &[("A", s("x")), ("B", s("y"))]));
    let fr = rule("    sel:\n        TargetUserName|fieldref: SubjectUserName\n    condition: sel");
    assert!(hit(
        &fr,
        &[("TargetUserName", s("Bob")), ("SubjectUserName", s("bob"))]
    ));
    assert!(!hit(
        &fr,
        &[
            ("TargetUserName", s("bob")),
            ("SubjectUserName", s("alice"))
        ]
    ));
    assert!(!hit(&fr, &[("TargetUserName", s("bob"))]));
    let frc =
        rule("    sel:\n        Image|fieldref|endswith: OriginalFileName\n    condition: sel");
    assert!(hit(
        &frc,
        &[
            ("Image", s("C:\\x\\cmd.exe")),
            ("OriginalFileName", s("Cmd.Exe"))
        ]
    ));
}

#[test]
fn numeric_comparisons() {
    let r = rule("    sel:\n        n|gt: 10\n        m|lte: 5\n    condition: sel");
    assert!(hit(&r, &[("n", Value::Int(11)), ("m", s("5"))]));
    assert!(!hit(&r, &[("n", Value::Int(10)), ("m", Value::Int(5))]));
    assert!(!hit(&r, &[("n", s("abc")), ("m", Value::Int(1))]));
    let f = rule("    sel:\n        n|gte: 1.5\n        m|lt: 2\n    condition: sel");
    assert!(hit(
        &f,
        &[("n", Value::Float(1.5)), ("m", Value::Float(1.9))]
    ));
}

#[test]
fn keywords_search_every_field() {
    let r =
        rule("    keywords:\n        - 'mimikatz'\n        - 'sekurlsa'\n    condition: keywords");
    assert!(hit(&r, &[("A", s("x")), ("B", s("run MIMIKATZ.exe"))]));
    assert!(!hit(&r, &[("A", s("x")), ("B", s("nothing"))]));
    let all = rule(
        "    keywords:\n        '|all':\n            - 'a1'\n            - 'b2'\n    condition: keywords",
    );
    assert!(hit(&all, &[("A", s("a1")), ("B", s("b2"))]));
    assert!(!hit(&all, &[("A", s("a1"))]));
}

#[test]
fn expand_uses_configured_placeholders_and_flags_unknown_ones() {
    assert_eq!(
        problems("    sel:\n        User|expand: '%admins%'\n    condition: sel"),
        [ProblemKind::UnknownPlaceholder]
    );
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.set_placeholder("admins", vec!["alice".into(), "bob*".into()]);
    b.add_yaml("t.yml", "title: t\nlogsource: {product: test}\ndetection:\n    sel:\n        User|expand: 'CORP\\%admins%'\n    condition: sel\n");
    let (set, report) = b.build();
    assert!(report.problems.is_empty());
    assert!(hit(&set, &[("User", s("corp\\alice"))]));
    assert!(hit(&set, &[("User", s("CORP\\bobby"))]));
    assert!(!hit(&set, &[("User", s("corp\\carol"))]));
}

#[test]
fn unknown_modifiers_and_bad_conditions_are_problems() {
    assert_eq!(
        problems("    sel:\n        A|bogus: x\n    condition: sel"),
        [ProblemKind::ParseError]
    );
    assert_eq!(
        problems("    sel:\n        A: x\n    condition: nosuch"),
        [ProblemKind::BadCondition]
    );
    assert_eq!(
        problems("    sel:\n        A|exists: maybe\n    condition: sel"),
        [ProblemKind::BadValue]
    );
    assert_eq!(
        problems("    sel:\n        A|gt: abc\n    condition: sel"),
        [ProblemKind::BadValue]
    );
}
