//! The crowdsec-hub scenarios whose `scenario.assert` expects a port scan from the readers
//! added for Suricata, Palo Alto, MikroTik, CEF and BIND: the scanner they name is found by the
//! network analytics. (Only `mikrotik-scan-multi_ports` is a scan; the other scenarios of these
//! sources expect brute force or IDS alerts, which are not network analytics.)

use ward_analytics::network::{NetFact, NetworkAnalyzer, NetworkConfig, extract};
use ward_ingest::{FileReport, network};

#[test]
fn mikrotik_multi_port_scanner_is_found() {
    let Some(path) = ward_testdata::shared(
        "crowdsec-hub/tests/mikrotik-scan-multi_ports/mikrotik-scan-multi_ports.log",
    ) else {
        return;
    };
    let bytes = std::fs::read(&path).expect("sample readable");
    let format = network::sniff(&bytes).expect("sniffed");
    assert_eq!(format.name(), "mikrotik");
    let mut report = FileReport::new(path.display().to_string(), format.name());
    let mut facts: Vec<NetFact> = Vec::new();
    network::read(format, &mut &bytes[..], &mut report, &mut |e| {
        facts.extend(extract(&e))
    });
    assert_eq!(facts.len(), 19);
    let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default());
    for f in &facts {
        analyzer.feed(f);
    }
    let findings = analyzer.finish();
    let scan = findings
        .iter()
        .find(|f| f.analytic == "scan-vertical" && f.host == "36.97.161.219")
        .unwrap_or_else(|| panic!("scanner not found in {findings:#?}"));
    // 17 distinct ports, every one of the 19 probes dropped by the router (`drop-tcp`).
    let figure = |k: &str| scan.details.get(k).and_then(|v| v.as_u64());
    assert_eq!((figure("targets"), figure("failed")), (Some(17), Some(19)));
}
