//! Scans in real captures: Stratosphere's port-scan datasets and CrowdSec's firewall tests.

use std::path::PathBuf;
use ward_analytics::case::Finding;
use ward_analytics::network::{NetFact, NetworkAnalyzer, NetworkConfig, extract};
use ward_ingest::{FileReport, network};

fn data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

/// Reads the logs, sorts their facts by time and runs the network analytics.
fn analyse(paths: &[PathBuf]) -> Vec<Finding> {
    let mut facts: Vec<NetFact> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).expect("corpus file");
        let format = network::sniff(&bytes).expect("network log");
        let mut report = FileReport::new(path.display().to_string(), format.name());
        network::read(format, &mut &bytes[..], &mut report, &mut |e| {
            facts.extend(extract(&e))
        });
    }
    facts.sort_by_key(|f| f.time());
    let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default());
    for f in &facts {
        analyzer.feed(f);
    }
    analyzer.finish()
}

fn named<'a>(findings: &'a [Finding], analytic: &str, host: &str) -> Option<&'a Finding> {
    findings
        .iter()
        .find(|f| f.analytic == analytic && f.host == host)
}

#[test]
fn slips_horizontal_scan_on_port_80() {
    let Some(root) = data() else { return };
    let found = analyse(&[root.join("slips/dataset/port-scans/horizontal/conn.log")]);
    let scan = named(&found, "scan-horizontal", "10.0.2.112").expect("horizontal scan found");
    assert_eq!(scan.details.get("port").and_then(|v| v.as_u64()), Some(80));
    assert!(
        scan.details
            .get("targets")
            .and_then(|v| v.as_u64())
            .is_some_and(|n| n >= 20),
        "{:?}",
        scan.details
    );
    assert!(!scan.evidence.is_empty());
    assert!(
        scan.evidence
            .iter()
            .all(|e| e.file.ends_with("conn.log") && e.position > 8)
    );
}

#[test]
fn slips_vertical_scan_of_one_host() {
    let Some(root) = data() else { return };
    let found = analyse(&[root.join("slips/dataset/port-scans/vertical/conn.log")]);
    let scan = named(&found, "scan-vertical", "192.168.1.9").expect("vertical scan found");
    assert_eq!(
        scan.details.get("destination").and_then(|v| v.as_str()),
        Some("45.33.32.156")
    );
    let ports = scan
        .details
        .get("targets")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    assert!(ports >= 40, "{ports} ports");
    assert!(
        scan.details
            .get("failed")
            .and_then(|v| v.as_u64())
            .unwrap_or(0)
            > 0
    );
}

#[test]
fn crowdsec_iptables_and_pf_scanners() {
    let Some(root) = data() else { return };
    let hub = root.join("crowdsec-hub/tests");
    let ipt = analyse(&[hub.join("iptables-scan-multi-port/iptables-scan-multi-port.log")]);
    for source in ["62.34.17.168", "127.0.0.2"] {
        assert!(
            named(&ipt, "scan-vertical", source).is_some(),
            "{source} not found in {ipt:#?}"
        );
    }
    let pf = analyse(&[hub.join("pf-scan-multi-port/pf-scan-multi-port.log")]);
    let scan = named(&pf, "scan-vertical", "10.0.2.2").expect("pf scanner found");
    assert_eq!(
        scan.details.get("targets").and_then(|v| v.as_u64()),
        Some(16)
    );
    assert_eq!(
        scan.details.get("failed").and_then(|v| v.as_u64()),
        Some(16)
    );
}
