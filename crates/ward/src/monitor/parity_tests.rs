//! The monitor and the hunt on the same events: both go through `ward_detect`'s step, so they
//! must give the same detections and the same findings, threat-intelligence matches included.

use super::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use ward_audit::{AuditConfig, Auditor};

fn demo(path: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo")).join(path)
}

fn demo_assets() -> Assets {
    let file = std::fs::File::open(demo("outbreak/assets.csv")).expect("demo assets");
    Assets::from_csv_reader(file).expect("demo assets")
}

fn demo_intel() -> Intel {
    let mut intel = Intel::default();
    intel
        .load(&demo("intel/kwampirs.txt"))
        .expect("demo indicators");
    intel
}

/// A detection as both sides report it: the rule and the event (or, for a correlation, the
/// time it completed).
type DetectionKey = (String, String, u64, i64);

#[test]
fn the_monitor_finds_what_the_hunt_finds_on_the_demo_intel_included() {
    let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
    let mut inputs = ward_ingest::discover(&[demo("outbreak")]).expect("demo inputs");
    inputs.retain(|p| p.file_name().is_some_and(|n| n != "assets.csv"));

    // The hunt, over the files.
    let options = crate::pipeline::RunOptions {
        limits: ward_ingest::Limits::default(),
        from: None,
        to: None,
        min_level: Level::Informational,
        assets: demo_assets(),
        intel: demo_intel(),
        spill_chunk: crate::pipeline::SPILL_CHUNK,
        syslog_year: None,
        tuning: None,
    };
    let mut auditor = Auditor::new(AuditConfig::default());
    let case = crate::pipeline::run(&inputs, &rules, &options, &mut auditor, &|_| {})
        .expect("the hunt runs");
    let hunt_detections: BTreeSet<DetectionKey> = case
        .detections
        .iter()
        .map(|d| {
            (
                d.rule_id.clone(),
                d.file.clone(),
                d.position,
                d.time.as_nanos(),
            )
        })
        .collect();
    let hunt_findings: BTreeSet<(String, String)> = case
        .findings
        .iter()
        .map(|f| (f.analytic.to_string(), f.host.clone()))
        .collect();

    // The monitor, over the same events as live streams deliver them, evaluated once at the end.
    let mut events = Vec::new();
    for path in &inputs {
        ward_ingest::read_path(path, &mut |e| events.push(e));
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let board = Arc::new(CaseBoard::new(10));
    let mut live = LiveDetector::new(Arc::new(rules), Level::Informational, demo_assets(), board)
        .with_intel(demo_intel());
    let day = Duration::from_secs(86_400);
    (live.host_every, live.network_every) = (day, day);
    (live.host_due, live.network_due) = (Instant::now() + day, Instant::now() + day);
    let mut alerts = Vec::new();
    for e in &events {
        alerts.extend(live.on_event(e));
    }
    let detection_alerts = alerts.len();
    alerts.extend(live.evaluate(true));

    let live_detections: BTreeSet<DetectionKey> = alerts[..detection_alerts]
        .iter()
        .filter(|a| a.evidence["kind"] == "rule" || a.evidence["kind"] == "correlation")
        .map(|a| {
            let file = a.evidence["file"].as_str().unwrap_or_default().to_string();
            let position = a.evidence["position"].as_u64().unwrap_or_default();
            (a.rule_id.clone(), file, position, a.time.as_nanos())
        })
        .collect();
    // Analytics findings are raised at the final evaluation; intel matches as they come, named
    // after the devices known by then — what the monitor holds at the end is the hunt's naming.
    let raised = |a: &&Alert| {
        a.evidence["analytic"]
            .as_str()
            .is_some_and(|analytic| a.rule_id == format!("ward.{analytic}"))
    };
    let finding = |analytic: &str, host: &str| (analytic.to_string(), host.to_string());
    let mut live_findings: BTreeSet<(String, String)> = alerts[detection_alerts..]
        .iter()
        .filter(raised)
        .filter(|a| a.rule_id != "ward.intel-match")
        .map(|a| finding(a.evidence["analytic"].as_str().unwrap_or_default(), &a.host))
        .collect();
    live_findings.extend(
        live.intel_hits
            .latest()
            .iter()
            .map(|f| finding(f.analytic.as_str(), &f.host)),
    );
    // Each intel alert names a device of the hunt's findings, or an address not yet named.
    for a in alerts.iter().filter(raised) {
        let named = hunt_findings.contains(&finding("intel-match", &a.host));
        if a.rule_id == "ward.intel-match" {
            assert!(
                named || a.host.parse::<std::net::IpAddr>().is_ok(),
                "{}",
                a.host
            );
        }
    }

    assert!(hunt_detections.len() > 10, "{hunt_detections:?}");
    assert_eq!(live_detections, hunt_detections);
    let intel: Vec<_> = hunt_findings
        .iter()
        .filter(|(analytic, _)| analytic == "intel-match")
        .collect();
    assert!(!intel.is_empty(), "the demo's C2 is in the indicators");
    assert_eq!(live_findings, hunt_findings);
}
