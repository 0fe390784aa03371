//! Log values are hostile. A case whose every text field holds markup, quotes, `javascript:`
//! links, `</style>`, bidi overrides and NULs renders to a page with exactly the elements and
//! attributes the template makes, and the values still show, as text.

mod common;

use scraper::{Html, node::Node};
use std::collections::BTreeMap;
use ward_analytics::Case;
use ward_event::{FieldList, Value};

const PAYLOADS: [&str; 7] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "</style><style>body{display:none}</style>",
    "'><svg onload=alert(1)>",
    "invoice\u{202E}fdp.exe",
    "nul\0byte\u{1b}[2J",
];

/// The sample outbreak with `text(i)` in every string a log or analytic could fill.
fn case_with(text: impl Fn(usize) -> String) -> Case {
    let mut c = common::outbreak_with_network();
    let mut n = 0;
    let mut next = || {
        n += 1;
        text(n)
    };
    c.ward_version = next();
    for f in &mut c.inputs.files {
        f.path = next();
        f.format = next();
        for e in &mut f.errors {
            e.message = next();
            e.unit = next();
        }
    }
    c.rules.skipped_by_reason = [(next(), 2)].into_iter().collect();
    let mut detections: Vec<_> = c.detections.iter().map(|d| d.into_owned()).collect();
    for d in &mut detections {
        (d.host, d.rule_id, d.title, d.source, d.file) = (next(), next(), next(), next(), next());
        d.tags = vec![next()];
        let mut fields = FieldList::default();
        fields.push(next(), Value::from(next()));
        d.fields = fields;
    }
    c.detections = detections.into();
    for f in &mut c.findings {
        (f.title, f.host, f.summary) = (next(), next(), next());
        // A hostile key, and hostile values under the keys the network section lifts out.
        f.details = [
            (next(), serde_json::Value::String(next())),
            ("destination".into(), serde_json::Value::String(next())),
            ("interval_secs".into(), serde_json::Value::String(next())),
        ]
        .into_iter()
        .collect();
        for e in &mut f.evidence {
            (e.host, e.file, e.kind, e.summary) = (next(), next(), next(), next());
        }
    }
    for cl in &mut c.spread.clusters {
        (cl.id, cl.artefact) = (next(), next());
        cl.reasons = vec![next()];
        let names: Vec<(String, String)> =
            cl.hosts.iter().map(|h| (h.host.clone(), next())).collect();
        let rename = |s: &mut String| {
            if let Some((_, new)) = names.iter().find(|(old, _)| old == s) {
                *s = new.clone();
            }
        };
        for h in &mut cl.hosts {
            rename(&mut h.host);
            h.role = Some(next());
            h.ips = vec![next()];
        }
        for e in &mut cl.edges {
            rename(&mut e.from);
            rename(&mut e.to);
            e.account = Some(next());
        }
        if let Some(pz) = &mut cl.patient_zero {
            rename(pz);
        }
        for f in &mut cl.failed_attempts {
            (f.from, f.to) = (next(), next());
        }
    }
    if let Some(r) = &mut c.readiness {
        for check in &mut r.checks {
            (check.id, check.title, check.summary, check.remediation) =
                (next(), next(), next(), next());
            // The status is typed (pass, fail, unknown): no log text reaches it.
            check.evidence = vec![next()];
        }
    }
    for a in c.accounts.reset.iter_mut().chain(&mut c.accounts.review) {
        a.account = next();
        a.hosts = vec![next()];
        for e in &mut a.evidence {
            e.summary = next();
        }
    }
    c
}

/// Every element with its attribute names, counted.
fn shape(html: &str) -> BTreeMap<String, usize> {
    let doc = Html::parse_document(html);
    let mut shape = BTreeMap::new();
    for node in doc.tree.nodes() {
        if let Node::Element(e) = node.value() {
            let mut attrs: Vec<&str> = e.attrs().map(|(k, _)| k).collect();
            attrs.sort_unstable();
            *shape
                .entry(format!("{}[{}]", e.name(), attrs.join(",")))
                .or_insert(0) += 1;
        }
    }
    shape
}

fn render(case: &Case) -> String {
    let mut out = Vec::new();
    ward_report::write_html(case, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn hostile_values_create_no_element_or_attribute() {
    let hostile = render(&case_with(|i| {
        format!("{}{i}", PAYLOADS[i % PAYLOADS.len()])
    }));
    let benign = render(&case_with(|i| format!("value{i}")));
    assert_eq!(shape(&hostile), shape(&benign));

    let doc = Html::parse_document(&hostile);
    for node in doc.tree.nodes() {
        if let Node::Element(e) = node.value() {
            assert!(
                !["script", "img", "iframe", "object", "embed", "link"].contains(&e.name()),
                "{}",
                e.name()
            );
            if e.name() == "a" {
                assert!(
                    e.attr("href").is_some_and(|h| h.starts_with('#')),
                    "only in-page links"
                );
            }
            for (k, v) in e.attrs() {
                assert!(!k.starts_with("on"), "event handler attribute {k}");
                assert!(!v.to_ascii_lowercase().contains("javascript:"), "{k}={v}");
            }
        }
    }
    let styles = doc
        .select(&scraper::Selector::parse("style").expect("sel"))
        .count();
    assert_eq!(styles, 1);
    // The values are still there for the analyst, as text, with the controls made visible.
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("<script>alert(1)</script>"));
    assert!(text.contains("\"><img src=x onerror=alert(1)>"));
    assert!(text.contains("invoice\\u{202E}fdp.exe"));
    assert!(text.contains("nul\\0byte\\x1B[2J"));
    assert!(!hostile.contains('\u{202E}') && !hostile.contains('\0'));
    // The readiness and network sections rendered those values too, as text.
    for section in ["#readiness", "#network"] {
        let sel = scraper::Selector::parse(section).expect("sel");
        let shown: String = doc.select(&sel).flat_map(|e| e.text()).collect();
        assert!(shown.contains("<script>alert(1)</script>"), "{section}");
        assert!(shown.contains("invoice\\u{202E}fdp.exe"), "{section}");
    }
    let figures = scraper::Selector::parse("#network .figures-line").expect("sel");
    // Every network finding but the SMB fan-out, whose figures are neither of those keys.
    assert_eq!(doc.select(&figures).count(), 4);
}
