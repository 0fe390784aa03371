//! The HTML sections filled from data other stages add: network findings, readiness, and how
//! folded evidence prints.

mod common;

use common::{outbreak, outbreak_with_network};
use scraper::{ElementRef, Html, Selector};
use ward_analytics::Case;

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

fn texts(doc: &Html, css: &str) -> Vec<String> {
    select(doc, css).iter().map(text).collect()
}

#[test]
fn network_findings_are_grouped_by_known_analytic_in_table_order() {
    let doc = Html::parse_document(&page(&outbreak_with_network()));
    assert_eq!(
        texts(&doc, "#network h3"),
        [
            "Beacons (1) beacon",
            "Horizontal scans (1) scan-horizontal",
            "Vertical scans (1) scan-vertical",
            "SMB fan-out (1) smb-fan-out",
            "HTTP to IP literals (1) http-ip-literal",
        ]
    );
    assert_eq!(select(&doc, "#network details.finding").len(), 5);
    // `scan` is no network analytic's name: it stays with the host findings.
    let host = texts(&doc, "#findings details.finding > summary");
    assert_eq!(host.len(), 2, "{host:?}");
    assert!(
        host.iter().any(|s| s.contains("scan from PACS-01")),
        "{host:?}"
    );
    let nav = texts(&doc, "nav a");
    assert!(nav.contains(&"Network".to_string()), "{nav:?}");
}

#[test]
fn network_findings_show_their_key_figures_on_the_summary_line() {
    let doc = Html::parse_document(&page(&outbreak_with_network()));
    let lines = texts(&doc, "#network summary .figures-line");
    assert_eq!(
        lines,
        [
            "interval (s) 300score 0.91connections 28destination 203.0.113.9:443",
            "destinations 254port 445failed 240",
            "ports 1000destination 10.0.0.5failed 990",
            "peers 12failed peers 3",
            "requests 4destination 198.51.100.7",
        ]
    );
    // Figures not in the table (coverage) are still listed inside the finding.
    let beacon = text(&select(&doc, "#network details.finding")[0]);
    assert!(beacon.contains("coverage0.97"), "{beacon}");
    // Host findings get no figures line.
    assert!(select(&doc, "#findings .figures-line").is_empty());
}

#[test]
fn readiness_lists_failures_first_with_badges_evidence_and_what_to_do() {
    let doc = Html::parse_document(&page(&outbreak()));
    let score = text(&select(&doc, "#readiness p.score")[0]);
    assert_eq!(
        score,
        "Readiness score: 40 / 100 · 1 failed, 1 unknown, 1 passed"
    );
    let rows = select(&doc, "#readiness table.readiness > tbody > tr");
    let classes: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.value().attr("class"))
        .collect();
    assert_eq!(classes, ["rd-fail", "rd-unknown", "rd-pass"]);
    assert_eq!(
        texts(&doc, "#readiness tbody span.status"),
        ["fail", "unknown", "pass"]
    );
    let cells = |row: &ElementRef<'_>| -> Vec<String> {
        row.select(&Selector::parse(":scope > td").expect("sel"))
            .map(|td| text(&td))
            .collect()
    };
    let fail = cells(&rows[0]);
    assert_eq!(fail[1], "Strong, unreused passwordspassword-quality · high");
    assert_eq!(
        fail[2],
        "3 accounts share one passwordevidence (1)CLINIC\\svc-backup, CLINIC\\alice, CLINIC\\bob share one NT hash"
    );
    assert_eq!(fail[3], "Give every account its own long passphrase");
    assert_eq!(
        cells(&rows[1])[3],
        "If it fails: Keep real-time protection on"
    );
    assert_eq!(cells(&rows[2])[3], "-");
    // Evidence is folded, one list item per line; a check without evidence has no fold.
    assert_eq!(select(&doc, "#readiness details.evidence").len(), 2);
    assert_eq!(
        texts(&doc, "#readiness details.evidence > summary"),
        ["evidence (1)", "evidence (1)"]
    );
}

#[test]
fn no_readiness_section_without_readiness_data() {
    let mut case = outbreak();
    case.readiness = None;
    let html = page(&case);
    let doc = Html::parse_document(&html);
    assert!(select(&doc, "#readiness").is_empty());
    assert!(!texts(&doc, "nav a").contains(&"Readiness".to_string()));
    // Nor does the generic section for unknown fields pick it up.
    assert!(!html.contains("<h2>readiness</h2>"));
}

#[test]
fn folded_evidence_prints_open_or_the_page_says_how_to_get_it() {
    let html = page(&outbreak());
    let doc = Html::parse_document(&html);
    let css = text(&select(&doc, "style")[0]);
    assert!(
        css.contains(
            "@media print { details::details-content { content-visibility: visible; display: block; } }"
        ),
        "the print rule stands alone so browsers without ::details-content keep the others"
    );
    assert!(css.contains(".print-note { display: none; }"));
    let note = texts(&doc, "header p.print-note");
    assert_eq!(note.len(), 1);
    assert!(note[0].contains("JSON report"), "{note:?}");
}
