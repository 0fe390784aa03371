//! The HTML sections filled from data other stages add: network findings, readiness, how folded
//! evidence prints, and the verdicts: the outbreak is the worm's, suspicious spread needs a look.

mod common;

use common::{at, evidence, outbreak, outbreak_with_network};
use scraper::{ElementRef, Html, Selector};
use ward_analytics::Case;
use ward_analytics::case::{
    AccountEntry, Cluster, ClusterHost, Edge, Verdict, VerdictScore, VerdictSignal,
};
use ward_analytics::spread::reason_line;

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
    // A host analytic among them stays with the host findings.
    let host = texts(&doc, "#findings details.finding > summary");
    assert_eq!(host.len(), 2, "{host:?}");
    assert!(
        host.iter().any(|s| s.contains("recon-burst from PACS-01")),
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

/// `side +weight: reason` signals and the reasons lines analytics write for them.
fn weighed(
    verdict: Verdict,
    why: &str,
    signals: &[(&str, u32, &str)],
) -> (Vec<String>, Vec<VerdictSignal>) {
    let signals: Vec<VerdictSignal> = signals
        .iter()
        .map(|(side, weight, reason)| VerdictSignal {
            side: (*side).into(),
            weight: *weight,
            reason: (*reason).into(),
        })
        .collect();
    let reasons = std::iter::once(format!("{verdict}: {why}"))
        .chain(signals.iter().map(reason_line))
        .collect();
    (reasons, signals)
}

/// The sample outbreak (worm C1) plus C2, a suspicious push from IT-ADM-02 to a clinical lab
/// analyser and a workstation, which exposed one more account.
fn worm_and_suspicious() -> Case {
    let mut case = outbreak();
    let (reasons, signals) = weighed(
        Verdict::Worm,
        "worm 5 ≥ 3 and above administration 1, with behaviour (relay, follow-up or C2)",
        &[
            (
                "worm",
                3,
                "multi-hop: WS-07 reached from FS-01, then reached MRI-01, CT-02",
            ),
            ("worm", 2, "follow-up on 4 hosts: recon bursts (4)"),
            (
                "worm",
                0,
                "C2-like web requests — 1 of 5 hosts, too few to weigh",
            ),
            ("admin", 1, "all hops in one time window"),
        ],
    );
    let worm = &mut case.spread.clusters[0];
    (worm.reasons, worm.signals) = (reasons, signals);
    worm.reasons
        .push("network-evidenced: LAB-03 reached over SMB from WS-07".into());
    let (reasons, signals) = weighed(
        Verdict::Suspicious,
        "no relay, follow-up or C2, and administration 2 is not both ≥ 3 and above worm 1",
        &[
            ("worm", 1, "2 of 2 hops outside working hours"),
            (
                "admin",
                1,
                "named service or admin account: CLINIC\\adm-lee",
            ),
            ("admin", 1, "all hops in one time window"),
        ],
    );
    let reached = |host: &str, role: &str, clinical: bool, hm: &str| ClusterHost {
        host: host.into(),
        infected_at: Some(at(hm)),
        role: Some(role.into()),
        clinical,
        evidence_count: 2,
        ..Default::default()
    };
    let hop = |to: &str, hm: &str| Edge {
        from: "IT-ADM-02".into(),
        to: to.into(),
        time: Some(at(hm)),
        account: Some("CLINIC\\adm-lee".into()),
        channel: Default::default(),
        source_resolved: None,
        evidence: Vec::new(),
    };
    case.spread.clusters.push(Cluster {
        id: "C2".into(),
        artefact: "service:RemoteHelper".into(),
        verdict: Verdict::Suspicious,
        reasons,
        score: VerdictScore { worm: 1, admin: 2 },
        signals,
        patient_zero: Some("IT-ADM-02".into()),
        hosts: vec![
            reached("LAB-05", "lab-analyzer", true, "22:40"),
            reached("IT-ADM-02", "admin-workstation", false, "22:30"),
            reached("WS-11", "workstation", false, "22:35"),
        ],
        edges: vec![hop("WS-11", "22:35"), hop("LAB-05", "22:40")],
        failed_attempts: Vec::new(),
    });
    case.accounts.reset_if_confirmed = vec![AccountEntry {
        account: "LAB-05\\labtech".into(),
        hosts: vec!["LAB-05".into()],
        logon_types: vec!["2".into()],
        evidence: vec![evidence("22:41", "LAB-05", "4624", "logon type 2", 77)],
    }];
    case
}

#[test]
fn the_headline_counts_the_worm_and_says_suspicious_spread_apart() {
    let doc = Html::parse_document(&page(&worm_and_suspicious()));
    let figures = text(&select(&doc, "#verdict dl")[0]);
    assert!(figures.contains("Patient zeroFS-01"), "{figures}");
    assert!(
        figures.contains("Devices affected5 (2 clinical)"),
        "{figures}"
    );
    assert!(figures.contains("Accounts to reset1"), "{figures}");
    let affected = texts(&doc, "#verdict .devices-line span.host");
    assert_eq!(affected, ["MRI-01", "CT-02", "FS-01", "WS-07", "PACS-01"]);
    assert_eq!(
        texts(&doc, "#verdict .look-line"),
        [
            "Needs a look, not counted above: 1 suspicious cluster reached 3 other devices; 1 account \
             to reset if confirmed. See Needs a look."
        ]
    );
    // The outbreak's sections hold the worm alone.
    let devices = texts(&doc, "#devices tbody tr td:first-child");
    assert_eq!(devices.len(), 5, "{devices:?}");
    assert_eq!(
        texts(&doc, "#spread > article.cluster h3"),
        ["C1 · service:WmiApSrvEx worm"]
    );
    assert_eq!(
        texts(&doc, "#accounts-reset td.account"),
        ["CLINIC\\svc-backup"]
    );
    let todo = texts(&doc, "#todo li");
    let isolate = todo
        .iter()
        .find(|s| s.starts_with("Isolate"))
        .expect("isolate step");
    assert!(
        !isolate.contains("WS-11") && !isolate.contains("IT-ADM-02"),
        "{isolate}"
    );
    assert!(
        todo.iter()
            .any(|s| s.starts_with("Ask who ran the spread under Needs a look")),
        "{todo:?}"
    );
    let nav = texts(&doc, "nav a");
    let at = |s: &str| nav.iter().position(|n| n == s).expect(s);
    assert!(at("What to do now") < at("Needs a look") && at("Needs a look") < at("Findings"));
}

#[test]
fn needs_a_look_lists_the_suspicious_cluster_its_devices_and_accounts_if_confirmed() {
    let doc = Html::parse_document(&page(&worm_and_suspicious()));
    let look = "#needs-a-look";
    assert_eq!(
        texts(&doc, &format!("{look} article.cluster h3")),
        ["C2 · service:RemoteHelper suspicious"]
    );
    let guidance = texts(&doc, &format!("{look} p.guidance"))[0].clone();
    assert!(
        guidance.contains("They are not counted in the outbreak above."),
        "{guidance}"
    );
    assert!(
        guidance.contains("Ask who ran these; if nobody did, treat them as the outbreak"),
        "{guidance}"
    );
    // Clinical first, with its role; patient zero marked.
    let rows: Vec<Vec<String>> = select(&doc, &format!("{look} table.devices > tbody > tr"))
        .iter()
        .map(|r| {
            r.select(&Selector::parse("td").expect("sel"))
                .map(|td| text(&td))
                .collect()
        })
        .collect();
    let firsts: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        firsts,
        [
            ("LAB-05", "lab-analyzer", "clinical"),
            ("IT-ADM-02 first host", "admin-workstation", ""),
            ("WS-11", "workstation", ""),
        ]
    );
    assert_eq!(
        texts(&doc, "#accounts-reset-if-confirmed td.account"),
        ["LAB-05\\labtech"]
    );
    // Nowhere else: not among the accounts to reset now, nor in the outbreak's sections.
    for css in [
        "#accounts",
        "#devices",
        "#spread > article",
        "#verdict .devices-line",
    ] {
        let shown: String = texts(&doc, css).concat();
        assert!(
            !shown.contains("LAB-05") && !shown.contains("WS-11"),
            "{css}: {shown}"
        );
    }
}

#[test]
fn each_cluster_shows_its_score_and_the_signals_for_each_side() {
    let doc = Html::parse_document(&page(&worm_and_suspicious()));
    let card = "#spread > article.cluster.worm";
    assert_eq!(
        texts(&doc, &format!("{card} p.score")),
        [
            "Score: worm 5 / admin 1. Worm 5 ≥ 3 and above administration 1, with behaviour (relay, \
             follow-up or C2)."
        ]
    );
    assert_eq!(
        texts(&doc, &format!("{card} .side h4")),
        ["For a worm (5)", "For administration (1)"]
    );
    assert_eq!(
        texts(&doc, &format!("{card} .side.worm li")),
        [
            "+3 multi-hop: WS-07 reached from FS-01, then reached MRI-01, CT-02",
            "+2 follow-up on 4 hosts: recon bursts (4)",
            "– C2-like web requests — 1 of 5 hosts, too few to weigh (considered, not weighed)",
        ]
    );
    assert_eq!(
        texts(&doc, &format!("{card} .side.admin li")),
        ["+1 all hops in one time window"]
    );
    // Reasons that are no signal (network evidence) are still shown, once.
    assert_eq!(
        texts(&doc, &format!("{card} ul.reasons li")),
        ["network-evidenced: LAB-03 reached over SMB from WS-07"]
    );
    assert_eq!(
        texts(&doc, "#needs-a-look article.cluster p.score strong"),
        ["Score: worm 1 / admin 2."]
    );
}

#[test]
fn suspicious_spread_alone_is_not_presented_as_affected_devices() {
    let mut case = worm_and_suspicious();
    case.spread.clusters.remove(0);
    case.accounts.reset.clear();
    case.accounts.review.clear();
    let doc = Html::parse_document(&page(&case));
    assert!(text(&select(&doc, "#verdict h2")[0]).starts_with("No worm found"));
    let figures = text(&select(&doc, "#verdict dl")[0]);
    for absent in ["Patient zero", "Devices affected", "Accounts to review"] {
        assert!(!figures.contains(absent), "{figures}");
    }
    assert!(figures.contains("Needs a look1 cluster"), "{figures}");
    assert!(
        figures.contains("Devices reached3 (1 clinical)"),
        "{figures}"
    );
    assert!(
        figures.contains("Accounts to reset if confirmed1"),
        "{figures}"
    );
    assert!(select(&doc, "#devices").is_empty());
    // With no worm, the suspicious spread's incident and then its detail lead the page; no
    // empty spread section follows.
    assert_eq!(
        texts(&doc, "nav a")[..3],
        ["Incidents", "Needs a look", "Timeline"]
    );
    let sections: Vec<&str> = select(&doc, "main > section")
        .iter()
        .filter_map(|s| s.value().attr("id"))
        .collect();
    assert_eq!(
        sections[..4],
        ["verdict", "incidents", "needs-a-look", "timeline"]
    );
    let incident = texts(&doc, "#incidents article h3").concat();
    assert!(
        incident.contains("suspicious spread (needs a look)"),
        "{incident}"
    );
    // Administration's clusters, when there are some, still get the spread section, folded.
    let mut with_admin = case.clone();
    with_admin.spread.clusters[0].verdict = Verdict::LikelyAdmin;
    with_admin
        .spread
        .clusters
        .push(case.spread.clusters[0].clone());
    let doc_admin = Html::parse_document(&page(&with_admin));
    assert_eq!(
        texts(&doc_admin, "#spread > p")[..2],
        [
            "No worm spread found.",
            "Spread that is neither clearly a worm nor clearly administration is listed apart, under \
             Needs a look."
        ]
    );
    assert_eq!(
        select(&doc_admin, "#spread details article.cluster.likely-admin").len(),
        1
    );
    assert_eq!(select(&doc, "#needs-a-look article.cluster").len(), 1);
    let todo = texts(&doc, "#todo li");
    assert!(
        todo[0].starts_with("Ask your IT team and vendors who installed these"),
        "{todo:?}"
    );
    assert!(
        todo[1].starts_with("If nobody did") && todo[1].ends_with("LAB-05, IT-ADM-02, WS-11"),
        "{todo:?}"
    );
    assert!(todo[2].ends_with("LAB-05\\labtech"), "{todo:?}");
}

#[test]
fn hostile_text_in_signals_and_suspicious_clusters_is_shown_as_text() {
    const PAYLOAD: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>\u{202E}";
    let mut case = worm_and_suspicious();
    for c in &mut case.spread.clusters {
        c.artefact = format!("service:{PAYLOAD}");
        for s in &mut c.signals {
            s.reason = PAYLOAD.into();
            s.side = format!("{}{PAYLOAD}", s.side);
        }
        c.reasons.push(PAYLOAD.into());
        c.reasons[0] = format!("{}: {PAYLOAD}", c.verdict);
        c.hosts[0].role = Some(PAYLOAD.into());
    }
    case.accounts.reset_if_confirmed[0].account = PAYLOAD.into();
    let html = page(&case);
    let doc = Html::parse_document(&html);
    assert!(select(&doc, "script, img").is_empty());
    assert!(!html.contains('\u{202E}'));
    let shown: String = texts(&doc, "#needs-a-look").concat();
    assert!(shown.contains("<script>alert(1)</script>\"><img src=x onerror=alert(1)>\\u{202E}"));
    assert!(texts(&doc, "#accounts-reset-if-confirmed td.account")[0].starts_with("<script>"));
    for e in select(&doc, "*") {
        for (k, _) in e.value().attrs() {
            assert!(!k.starts_with("on"), "event handler attribute {k}");
        }
    }
}
