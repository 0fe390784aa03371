//! The checklist: this case's devices (clinical first), accounts by kind, patient zero, C2
//! count, failed checks and what needs a look; hostile names stay text in Markdown (code
//! spans) and HTML (escaped).

use serde_json::{Value, json};
use std::ops::Range;
use ward_respond::{CaseReport, Kit, KitOptions, checklist};

const SCRIPT: &str = "<script>alert(1)</script>";
const LINK: &str = "[x](http://evil.example)";
const TICKS: &str = "a`b``c";
const HEADING: &str = "# Owned\n- [x] done";

fn case(device: &str, account: &str) -> Value {
    let acc = |name: String, host: &str, t: &str| json!({"account": name, "hosts": [host], "logon_types": [t], "evidence": []});
    json!({
        "schema_version": "1.1",
        "generated_at": "2026-05-09T12:00:00Z",
        "overview": {
            "patient_zero": ["WS-RECEP-03"],
            "affected_devices": [
                {"host": "WS-RECEP-03", "role": "workstation", "infected_at": "2026-05-05T10:47:12Z", "clusters": ["C2"], "patient_zero": true},
                {"host": device, "role": "kiosk", "clinical": true, "infected_at": "2026-05-07T09:07:02Z", "clusters": ["C2"]},
                {"host": "DC-01", "role": "domain-controller", "infected_at": "2026-05-06T00:00:00Z", "clusters": ["C2"]}
            ],
            "needs_a_look": {"clusters": ["C5"], "devices": [{"host": "WS-LAB-01", "clusters": ["C5"]}]}
        },
        "accounts": {
            "reset": [
                acc(format!("STMARY\\{account}"), "WS-RECEP-03", "2"),
                acc("STMARY\\svc_pacs".into(), "PACS-01", "5"),
                acc("KIOSK-02\\kiosk".into(), "KIOSK-02", "2")
            ],
            "reset_if_confirmed": [acc("STMARY\\p.jones".into(), "WS-LAB-01", "2")]
        },
        "findings": [{"analytic": "beacon", "level": "medium", "host": "WS-RECEP-03",
                      "details": {"destination": "185.82.200.57"}}],
        "readiness": {"checks": [
            {"id": "x", "title": "<img src=x onerror=alert(1)> audit", "status": "fail",
             "remediation": "Enable `Audit File Share` then <b>reboot</b>"},
            {"id": "y", "title": "passing", "status": "pass", "remediation": "n/a"}
        ]}
    })
}

fn files(case: Value) -> (String, String) {
    let case: CaseReport = serde_json::from_value(case).expect("a case");
    let files = checklist::write(&Kit::from_case(&case), &KitOptions::default());
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["checklist.md", "checklist.html"]);
    (files[0].text.clone(), files[1].text.clone())
}

/// CommonMark code spans of one line: a run of n backticks up to the next run of exactly n.
fn code_spans(line: &str) -> Vec<Range<usize>> {
    let b = line.as_bytes();
    let run = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let (mut spans, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let close = loop {
            match b[j.min(b.len())..].iter().position(|&c| c == b'`') {
                None => break None,
                Some(k) => {
                    let m = run(j + k);
                    if m == n {
                        break Some(j + k + m);
                    }
                    j += k + m;
                }
            }
        };
        match close {
            Some(end) => {
                spans.push(i..end);
                i = end;
            }
            None => i += n,
        }
    }
    spans
}

fn only_in_code_spans(md: &str, fragment: &str) -> bool {
    md.lines().all(|line| {
        let spans = code_spans(line);
        line.match_indices(fragment)
            .all(|(at, f)| spans.iter().any(|s| s.start <= at && at + f.len() <= s.end))
    })
}

#[test]
fn the_checklist_is_filled_with_the_case() {
    let (md, html) = files(case("KIOSK-02", "n.kelly"));
    let order = [
        "`KIOSK-02` (kiosk, clinical)",
        "`WS-RECEP-03` (workstation, patient zero)",
        "`DC-01` (domain-controller)",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|o| md.find(o).unwrap_or_else(|| panic!("{o} in\n{md}")))
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "clinical first, then by infection time"
    );
    for expected in [
        "3 devices to isolate (1 clinical), 3 accounts to reset (1 people, 1 service, 1 local), 1 C2",
        "Patient zero: `WS-RECEP-03`.",
        "People, who choose a new password at next logon (1): `STMARY\\n.kelly`",
        "Service accounts: their services stop until updated (1): `STMARY\\svc_pacs`",
        "Local accounts, reset once their device is clean (1): `KIOSK-02\\kiosk`",
        "in `blocklist/`",
        "reset the krbtgt account now",
        "Devices: `WS-LAB-01`",
        "Accounts to reset if confirmed (1): `STMARY\\p.jones`",
        "Enable `Audit File Share` then \\<b\\>reboot\\</b\\>",
        "TLP:AMBER",
    ] {
        assert!(md.contains(expected), "{expected:?} not in\n{md}");
    }
    assert!(!md.contains("passing"), "only failed checks");
    assert!(html.contains("<code>STMARY\\n.kelly</code>"));
    assert!(html.contains("Enable <code>Audit File Share</code> then &lt;b&gt;reboot&lt;/b&gt;"));
}

#[test]
fn hostile_names_stay_text_in_markdown() {
    for (device, account) in [(SCRIPT, TICKS), (HEADING, LINK)] {
        let (md, _) = files(case(device, account));
        for f in [SCRIPT, LINK, TICKS, "# Owned", "[x] done"] {
            assert!(
                only_in_code_spans(&md, f),
                "{f:?} outside a code span in\n{md}"
            );
        }
        if account == TICKS {
            assert!(md.contains("```STMARY\\a`b``c```"), "{md}");
        }
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headings,
            [
                "# Containment checklist",
                "## First hour",
                "## First day",
                "## First week"
            ]
        );
        // The failed check's title is escaped text, not an image.
        assert!(md.contains("\\<img src=x onerror=alert(1)\\> audit"));
    }
}

#[test]
fn hostile_names_stay_text_in_html() {
    let (_, html) = files(case(SCRIPT, LINK));
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"));
    assert!(html.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
    assert!(html.contains("<code>STMARY\\[x](http://evil.example)</code>"));
    // Self-contained: only these elements, so no script, link, image or outside resource.
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li",
        "label", "input", "code",
    ];
    for tag in html.split('<').skip(1) {
        let name = tag
            .trim_start_matches('/')
            .split([' ', '>'])
            .next()
            .unwrap_or("");
        assert!(allowed.contains(&name), "<{name} in the page");
    }
    assert!(!html.contains("url(") && !html.contains("@import"));
    let (_, html) = files(case(HEADING, TICKS));
    assert!(html.contains("<code># Owned - [x] done</code>"));
}
