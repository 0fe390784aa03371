//! The HTML report: its sections, the spread graph, and hostile log values.

mod common;

use common::{at, outbreak};
use scraper::{ElementRef, Html, Selector};
use std::collections::BTreeSet;
use ward_analytics::Case;
use ward_analytics::case::{Cluster, ClusterHost, Edge, Verdict};

fn page(case: &Case) -> String {
    let mut out = Vec::new();
    ward_report::write_html(case, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel).collect()
}

fn text(e: &ElementRef<'_>) -> String {
    e.text().collect()
}

#[test]
fn the_page_leads_with_the_verdict_and_key_figures() {
    let doc = Html::parse_document(&page(&outbreak()));
    assert_eq!(
        text(&select(&doc, "#verdict h2")[0]),
        "Outbreak: a worm spread between devices"
    );
    let figures = text(&select(&doc, "#verdict dl")[0]);
    assert!(figures.contains("Patient zeroFS-01"), "{figures}");
    assert!(figures.contains("Devices affected5 (2 clinical)"));
    assert!(figures.contains("Accounts to reset1"));
    assert!(figures.contains("First evidence2024-03-01T08:05:00Z"));
    assert!(figures.contains("Last evidence2024-03-01T11:50:00Z"));
    let csp = select(&doc, "meta[http-equiv=Content-Security-Policy]");
    assert!(
        csp[0]
            .value()
            .attr("content")
            .is_some_and(|c| c.starts_with("default-src 'none';"))
    );
    assert!(select(&doc, "script").is_empty());
}

#[test]
fn the_spread_graph_marks_clinical_devices_and_explains_each_hop() {
    let doc = Html::parse_document(&page(&outbreak()));
    assert_eq!(select(&doc, "svg.spread g.node").len(), 5);
    let clinical: BTreeSet<String> = select(&doc, "svg.spread g.node.clinical text")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        clinical,
        BTreeSet::from(["✚ CT-02".to_string(), "✚ MRI-01".to_string()])
    );
    assert_eq!(
        text(&select(&doc, "svg.spread g.node.pz text")[0]),
        "★ FS-01"
    );
    let hops: Vec<String> = select(&doc, "svg.spread path.hop title")
        .iter()
        .map(text)
        .collect();
    assert_eq!(hops.len(), 4);
    assert!(hops.contains(&"CT-02 → PACS-01 at 2024-03-01T11:30:00Z as CLINIC\\jdoe".to_string()));
    // Layered by hop: FS-01 in column 0, WS-07 in 1, MRI-01 and CT-02 in 2, PACS-01 in 3.
    let x_of = |host: &str| {
        select(&doc, "svg.spread g.node")
            .into_iter()
            .find(|g| text(g).contains(host))
            .and_then(|g| g.select(&Selector::parse("rect").expect("sel")).next())
            .and_then(|r| r.value().attr("x").and_then(|x| x.parse::<i64>().ok()))
            .expect("node position")
    };
    assert!(x_of("FS-01") < x_of("WS-07"));
    assert!(x_of("WS-07") < x_of("MRI-01"));
    assert_eq!(x_of("MRI-01"), x_of("CT-02"));
    assert!(x_of("CT-02") < x_of("PACS-01"));
}

#[test]
fn accounts_devices_advice_and_findings_are_filled_from_the_case() {
    let doc = Html::parse_document(&page(&outbreak()));
    let reset = select(&doc, "#accounts-reset > tbody > tr");
    assert_eq!(reset.len(), 1);
    assert!(text(&reset[0]).starts_with("CLINIC\\svc-backupWS-07, MRI-01, CT-023, hop1 events"));
    let devices: Vec<String> = select(&doc, "#devices tbody tr td:first-child")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        devices,
        ["MRI-01", "CT-02", "FS-01 patient zero", "WS-07", "PACS-01"]
    );
    let todo: Vec<String> = select(&doc, "#todo li").iter().map(text).collect();
    assert!(
        todo.iter()
            .any(|s| s.starts_with("Isolate") && s.ends_with("FS-01, WS-07, PACS-01")),
        "{todo:?}"
    );
    assert!(
        todo.iter()
            .any(|s| s.starts_with("Clinical devices") && s.ends_with("MRI-01, CT-02"))
    );
    assert!(
        todo.iter()
            .any(|s| s.contains("clean computer") && s.ends_with("CLINIC\\svc-backup"))
    );
    assert!(
        todo.iter()
            .any(|s| s.contains("non-admin") && s.ends_with("CLINIC\\svc-backup, CLINIC\\jdoe"))
    );
    assert_eq!(select(&doc, "#findings details.finding").len(), 1);
    assert_eq!(select(&doc, "#network details.finding").len(), 1);
    assert_eq!(text(&select(&doc, "#network h3")[0]), "Beacons (1) beacon");
    let rules: Vec<String> = select(&doc, "#detections details.rule > summary")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        rules,
        [
            "critical Kwampirs service installed · 5 hits on 5 hosts",
            "medium Network share discovery · 1 hits on 1 hosts"
        ]
    );
    let inputs = text(&select(&doc, "#inputs tr.damaged")[0]);
    assert!(inputs.contains("record 57: bad chunk checksum"));
}

#[test]
fn the_timeline_counts_detections_per_hour_by_level() {
    let doc = Html::parse_document(&page(&outbreak()));
    let bars: Vec<String> = select(&doc, "svg.timeline rect title")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        bars,
        [
            "2024-03-01 08:00 UTC: 1 critical",
            "2024-03-01 09:00 UTC: 1 medium",
            "2024-03-01 09:00 UTC: 1 critical",
            "2024-03-01 10:00 UTC: 2 critical",
            "2024-03-01 11:00 UTC: 1 critical",
        ]
    );
    let axis: Vec<String> = select(&doc, "svg.timeline text[text-anchor=end]")
        .iter()
        .map(text)
        .collect();
    assert_eq!(axis, ["0", "1", "2"]);
}

#[test]
fn a_run_with_nothing_found_says_so_plainly() {
    let doc = Html::parse_document(&page(&Case::new("0.1.0", at("12:00"))));
    assert!(text(&select(&doc, "#verdict h2")[0]).starts_with("Nothing found"));
    assert!(select(&doc, "svg.spread").is_empty());
    assert!(select(&doc, "#accounts").is_empty());
    assert_eq!(
        text(&select(&doc, "#timeline p")[0]),
        "No detections to chart."
    );
    assert_eq!(
        text(&select(&doc, "#detections p")[0]),
        "No Sigma rule matched."
    );
    assert!(text(&select(&doc, "#inputs")[0]).contains("No input file was read."));
}

/// A worm that fanned out to 130 hosts: 1 → 10 → 120 (12 each).
fn big_outbreak() -> Case {
    let mut case = outbreak();
    let mut hosts = vec![ClusterHost {
        host: "PZ".into(),
        infected_at: Some(at("08:00")),
        ..Default::default()
    }];
    let mut edges = Vec::new();
    for i in 0..10 {
        let mid = format!("MID-{i:02}");
        hosts.push(ClusterHost {
            host: mid.clone(),
            infected_at: Some(at("09:00")),
            ..Default::default()
        });
        edges.push(Edge {
            from: "PZ".into(),
            to: mid.clone(),
            time: Some(at("09:00")),
            ..Default::default()
        });
        for j in 0..12 {
            let leaf = format!("LEAF-{i:02}-{j:02}");
            let clinical = j % 4 == 0;
            hosts.push(ClusterHost {
                host: leaf.clone(),
                clinical,
                infected_at: Some(at("10:00")),
                ..Default::default()
            });
            edges.push(Edge {
                from: mid.clone(),
                to: leaf,
                time: Some(at("10:00")),
                ..Default::default()
            });
        }
    }
    case.spread.clusters = vec![Cluster {
        id: "C1".into(),
        artefact: "service:X".into(),
        verdict: Verdict::Worm,
        patient_zero: Some("PZ".into()),
        hosts,
        edges,
        ..Default::default()
    }];
    case
}

#[test]
fn a_large_spread_graph_keeps_every_host_apart_and_inside_the_picture() {
    let doc = Html::parse_document(&page(&big_outbreak()));
    let svg = select(&doc, "svg.spread")[0];
    let w: i64 = svg
        .value()
        .attr("width")
        .and_then(|v| v.parse().ok())
        .expect("width");
    let h: i64 = svg
        .value()
        .attr("height")
        .and_then(|v| v.parse().ok())
        .expect("height");
    let rects: Vec<(i64, i64, i64, i64)> = select(&doc, "svg.spread g.node rect")
        .iter()
        .map(|r| {
            let a = |n: &str| {
                r.value()
                    .attr(n)
                    .and_then(|v| v.parse::<i64>().ok())
                    .expect("number")
            };
            (a("x"), a("y"), a("width"), a("height"))
        })
        .collect();
    assert_eq!(rects.len(), 131);
    assert_eq!(select(&doc, "svg.spread g.node.clinical").len(), 30);
    for (i, a) in rects.iter().enumerate() {
        assert!(
            a.0 >= 0 && a.1 >= 0 && a.0 + a.2 <= w && a.1 + a.3 <= h,
            "node {i} inside"
        );
        for b in &rects[i + 1..] {
            let apart =
                a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
            assert!(apart, "nodes {a:?} and {b:?} overlap");
        }
    }
    // 120 leaves wrap into columns of at most 24: the picture stays under a screen and a half tall.
    assert!(h <= 24 * 34 + 32, "height {h}");
}
