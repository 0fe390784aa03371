//! The IDS, edge-firewall and DNS-server samples of crowdsec-hub's test suite: every line of
//! each is read (format sniffed from content, events counted, no bad line), and what the
//! events say is checked against the samples' own `parser.assert` where it names a value.

mod common;

use std::io::Write as _;

use ward_event::Event;

/// `crowdsec-hub/tests/<dir>/<file>`, the format it is sniffed as, and its event count (every
/// non-empty line).
const SAMPLES: [(&str, &str, u64); 13] = [
    (
        "suricata-eve-detect/suricata-eve-detect.log",
        "suricata-eve",
        4,
    ),
    (
        "suricata-logs-evelog/suricata-logs-evelog.log",
        "suricata-eve",
        8,
    ),
    (
        "suricata-logs-fastlog/suricata-logs-fastlog.log",
        "suricata-fast",
        4,
    ),
    ("palo-alto-threat/palo-alto-threat.log", "pan-os", 2),
    ("mikrotik-bf/mikrotik-bf.log", "mikrotik", 8),
    ("mikrotik-logs/mikrotik-logs.log", "mikrotik", 7),
    (
        "mikrotik-scan-multi_ports/mikrotik-scan-multi_ports.log",
        "mikrotik",
        19,
    ),
    ("cef-logs/cef-logs.log", "cef", 4),
    ("unifi-cef/cef-logs.log", "cef", 3),
    ("bind9-logs/bind9-logs.log", "bind", 13),
    ("bind9-refused/bind9-refused.log", "bind", 23),
    ("bind9-syslog/bind9-syslog.log", "bind", 12),
    ("adguardhome-logs/adguardhome-logs.log", "adguard", 4),
];

fn read(relative: &str) -> Option<(Vec<Event>, ward_ingest::FileReport)> {
    let path = ward_testdata::shared(&format!("crowdsec-hub/tests/{relative}"))?;
    let (events, mut reports) = common::read_all(&path);
    assert_eq!(reports.len(), 1, "{relative}");
    Some((events, reports.remove(0)))
}

#[test]
fn every_sample_is_read_whole() {
    for (relative, format, count) in SAMPLES {
        let Some((events, report)) = read(relative) else {
            return;
        };
        assert_eq!(
            (report.format, report.events, report.bad_records),
            (format, count, 0),
            "{relative}: {:?}",
            report.errors
        );
        assert_eq!(events.len() as u64, count);
    }
}

#[test]
fn gzipped_sample_reads_the_same() {
    let Some(path) =
        ward_testdata::shared("crowdsec-hub/tests/suricata-logs-fastlog/suricata-logs-fastlog.log")
    else {
        return;
    };
    let plain = std::fs::read(&path).expect("sample readable");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("gzip");
    let (events, reports) = common::read_bytes("fast.log.gz", &gz.finish().expect("gzip"));
    assert_eq!(reports.first().map(|r| r.format), Some("suricata-fast"));
    assert_eq!(events.len(), 4);
}

#[test]
fn suricata_alerts_keep_signature_severity_and_addresses() {
    let Some((events, _)) = read("suricata-eve-detect/suricata-eve-detect.log") else {
        return;
    };
    let alert = events.first().expect("an alert");
    assert_eq!(alert.source.label(), "suricata/alert");
    assert_eq!(alert.fields.get_str("src_ip"), Some("1.2.3.4"));
    assert_eq!(alert.fields.get_str("dst_ip"), Some("1.2.3.5"));
    assert_eq!(
        alert.fields.get_str("alert.signature"),
        Some("ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2")
    );
    assert_eq!(
        alert.fields.get("alert.severity").and_then(|v| v.as_i64()),
        Some(1)
    );
    assert_eq!(
        alert.fields.get_str("alert.metadata.cve"),
        Some("CVE_2021_41773")
    );
    assert_eq!(alert.time.to_rfc3339(), "2022-07-12T06:22:33.415742Z");
}

#[test]
fn firewall_events_carry_the_common_names() {
    let Some((pan, _)) = read("palo-alto-threat/palo-alto-threat.log") else {
        return;
    };
    // parser.assert: the second line's source is 1.2.3.6, application web-browsing, to France.
    let second = pan.get(1).expect("two lines");
    assert_eq!(second.fields.get_str("src_ip"), Some("1.2.3.6"));
    assert_eq!(second.fields.get_str("app"), Some("web-browsing"));
    assert_eq!(second.fields.get_str("dstloc"), Some("France"));
    assert_eq!(second.fields.get_str("rule"), Some("Test Rule Name"));
    assert_eq!(second.source.category.as_deref(), Some("firewall"));
    let Some((mikrotik, _)) = read("mikrotik-scan-multi_ports/mikrotik-scan-multi_ports.log")
    else {
        return;
    };
    assert!(
        mikrotik
            .iter()
            .all(|e| e.fields.get_str("src_ip") == Some("36.97.161.219"))
    );
    assert_eq!(
        mikrotik
            .first()
            .and_then(|e| e.fields.get("dst_port"))
            .and_then(|v| v.as_i64()),
        Some(23)
    );
    let Some((bind, _)) = read("bind9-refused/bind9-refused.log") else {
        return;
    };
    assert_eq!(
        bind.first().map(|e| e.time.to_rfc3339()).as_deref(),
        Some("2022-10-19T05:34:02.425Z")
    );
    assert!(
        bind.iter()
            .all(|e| e.source.category.as_deref() == Some("dns"))
    );
    assert!(
        bind.iter()
            .all(|e| e.fields.get_str("action") == Some("block"))
    );
}
