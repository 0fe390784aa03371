//! Threat intel from the demo's hand-made plain list and STIX 2.1 bundle (`demo/intel/`), matched against the demo
//! outbreak (Sysmon hashes and connections, the proxy's C2 requests) and RITA's proxy logs.

mod common;

use std::path::PathBuf;
use ward_analytics::directory::AddressBook;
use ward_analytics::intel::{Intel, IntelHits, intel_match_event, intel_match_net};
use ward_analytics::network;
use ward_analytics::{Assets, Outcome};
use ward_event::Event;

/// A file of the demo's intel (`demo/intel/`).
fn demo_intel(name: &str) -> PathBuf {
    common::demo_dir().join("../intel").join(name)
}

/// Every hit folded and named, as (host, indicator, count) sorted.
fn hits(intel: &Intel, events: &[Event], book: &AddressBook) -> Vec<(String, String, u64)> {
    let mut folded = IntelHits::new(5);
    for e in events {
        if let Some(f) = intel_match_event(intel, e) {
            folded.push(f);
        }
        if let Some(f) = network::extract(e).and_then(|n| intel_match_net(intel, &n)) {
            folded.push(f);
        }
    }
    let found = folded.finish(book);
    let mut out: Vec<(String, String, u64)> = found
        .into_iter()
        .map(|f| {
            let indicator = f.details["indicator"].as_str().unwrap_or("").to_string();
            let count = f.details["count"].as_u64().unwrap_or(0);
            (f.host, indicator, count)
        })
        .collect();
    out.sort();
    out
}

fn owned(rows: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    rows.iter()
        .map(|(h, i, n)| (h.to_string(), i.to_string(), *n))
        .collect()
}

/// The demo's events and its analysis (for the address book that names network hits).
fn demo() -> (Vec<Event>, Outcome) {
    let dir = common::demo_dir();
    let file = std::fs::File::open(dir.join("assets.csv")).expect("assets.csv");
    let assets = Assets::from_csv_reader(file).expect("valid assets");
    let events = common::read_events(&[dir]);
    let out = common::analyze(&events, assets);
    (events, out)
}

#[test]
fn plain_list_detects_kinds_and_skips_junk() {
    let mut intel = Intel::default();
    let added = intel.load(&demo_intel("kwampirs.txt")).expect("list loads");
    assert_eq!(added, 5);
    assert_eq!(intel.skipped().len(), 1);
    assert!(intel.skipped()[0].source.ends_with("kwampirs.txt:7"));
    assert_eq!(
        intel.skipped()[0].reason,
        "`not-an-indicator!` is no IP, network, domain, URL or hash"
    );
    let range = intel
        .match_ip(&"185.141.27.200".parse().unwrap())
        .expect("in the /24");
    assert_eq!(range.name.as_deref(), Some("Kwampirs C2 range"));
    assert!(intel.match_ip(&"185.141.28.1".parse().unwrap()).is_none());
    assert!(intel.match_domain("fe2.update.microsoft.com").is_some());
    assert!(intel.match_domain("microsoft.com").is_none());
    // Defanged, any scheme, any query.
    let url = intel
        .match_url("http://91.219.236.174/groupmgr/index.php?q=abc")
        .expect("url");
    assert_eq!(url.value, "91.219.236.174/groupmgr/index.php");
    assert!(intel.match_url("http://91.219.236.174/other").is_none());
}

#[test]
fn plain_list_matches_the_demo_outbreak() {
    let mut intel = Intel::default();
    intel.load(&demo_intel("kwampirs.txt")).expect("list loads");
    let (events, out) = demo();
    // Each infected host's C2 (six daily requests through the proxy, plus one Sysmon connection
    // on hosts with Sysmon), the implant's hash where Sysmon saw it start, and the benign
    // Windows Update domain on every host that uses the proxy.
    assert_eq!(
        hits(&intel, &events, &out.addresses),
        owned(&[
            ("ADMIN-PC-01", "update.microsoft.com", 6),
            ("CT-SCANNER-01", "198.51.100.23", 6),
            ("CT-SCANNER-01", "update.microsoft.com", 6),
            ("FS-01", "185.141.27.0/24", 1),
            ("FS-01", "91.219.236.174/groupmgr/index.php", 6),
            ("FS-01", "update.microsoft.com", 6),
            ("KIOSK-CONSENT-01", "185.141.27.0/24", 6),
            ("KIOSK-CONSENT-01", "update.microsoft.com", 6),
            ("MRI-CONSOLE-01", "185.141.27.0/24", 6),
            ("MRI-CONSOLE-01", "update.microsoft.com", 6),
            ("WS-LAB-07", "update.microsoft.com", 6),
            ("WS-NURSE-03", "198.51.100.23", 7),
            ("WS-NURSE-03", "update.microsoft.com", 6),
            (
                "WS-RECEPTION-01",
                "0b1ab892d0e414d968edc8519ae0a30dfef64997126e79e2e6ca41d621adbc4e",
                1
            ),
            ("WS-RECEPTION-01", "185.141.27.0/24", 6),
            ("WS-RECEPTION-01", "198.51.100.23", 1),
            ("WS-RECEPTION-01", "update.microsoft.com", 6),
            ("XRAY-PC-02", "91.219.236.174/groupmgr/index.php", 6),
            ("XRAY-PC-02", "update.microsoft.com", 6),
        ])
    );
}

#[test]
fn stix_bundle_reads_simple_patterns_and_names_the_rest() {
    let mut intel = Intel::default();
    let added = intel
        .load(&demo_intel("kwampirs.stix.json"))
        .expect("bundle loads");
    assert_eq!(added, 4);
    let skipped: Vec<(&str, &str)> = intel
        .skipped()
        .iter()
        .map(|s| (s.source.rsplit(':').next().unwrap_or(""), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "indicator--proc",
                "object path `process:name` is not supported"
            ),
            (
                "indicator--and",
                "uses `AND`: only OR'ed equality comparisons are read"
            ),
            ("indicator--sigma", "pattern type `sigma` is not STIX"),
        ]
    );
    let c2 = intel
        .match_ip(&"198.51.100.23".parse().unwrap())
        .expect("c2");
    assert_eq!(c2.name.as_deref(), Some("Kwampirs C2"));
    assert_eq!(
        c2.description.as_deref(),
        Some("Orangeworm's Kwampirs command and control")
    );
    let (events, out) = demo();
    assert_eq!(
        hits(&intel, &events, &out.addresses),
        owned(&[
            ("CT-SCANNER-01", "198.51.100.23", 6),
            ("FS-01", "185.141.27.90", 1),
            ("FS-01", "91.219.236.174/groupmgr/index.php", 6),
            ("KIOSK-CONSENT-01", "185.141.27.90", 6),
            ("MRI-CONSOLE-01", "185.141.27.90", 6),
            ("WS-NURSE-03", "198.51.100.23", 7),
            (
                "WS-RECEPTION-01",
                "0b1ab892d0e414d968edc8519ae0a30dfef64997126e79e2e6ca41d621adbc4e",
                1
            ),
            ("WS-RECEPTION-01", "185.141.27.90", 6),
            ("WS-RECEPTION-01", "198.51.100.23", 1),
            ("XRAY-PC-02", "91.219.236.174/groupmgr/index.php", 6),
        ])
    );
    // The finding carries the STIX indicator's name and description.
    let ct = events
        .iter()
        .filter_map(|e| network::extract(e).and_then(|n| intel_match_net(&intel, &n)))
        .find(|f| f.host == "10.20.5.40")
        .expect("the CT console's C2");
    assert_eq!(ct.analytic, "intel-match");
    assert_eq!(ct.title, "Threat intel: 10.20.5.40 matched ip Kwampirs C2");
    assert_eq!(ct.details["name"], "Kwampirs C2");
    assert_eq!(
        ct.details["description"],
        "Orangeworm's Kwampirs command and control"
    );
    let source = ct.details["indicator_source"].as_str().unwrap_or("");
    assert!(
        source.ends_with("kwampirs.stix.json:indicator--c2"),
        "{source}"
    );
    assert_eq!(ct.details["field"], "host");
}

#[test]
fn bad_stix_names_the_file_and_position() {
    let mut intel = Intel::default();
    let err = intel
        .load_text("{\"type\": \"bundle\",\n \"objects\": [", "feed.json")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "intel file feed.json: EOF while parsing a list at line 2 column 13"
    );
    let err = intel
        .load_text("{\"type\": \"report\"}", "report.json")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "intel file report.json: JSON but not a STIX bundle (no \"type\": \"bundle\")"
    );
}

#[test]
fn domain_indicator_matches_rita_proxy_traffic() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let mut intel = Intel::default();
    let bundle = r#"{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--gsb",
        "name": "test domains",
        "pattern": "[domain-name:value = 'honestimnotevil.com'] OR [domain-name:value = 'googleapis.com']"}]}"#;
    assert_eq!(intel.load_text(bundle, "gsb.json").expect("loads"), 2);
    let events = common::read_events(&[data.join("rita/test_data/proxy")]);
    // Each proxied CONNECT shows in http.log and, by its SNI, in ssl.log (397 each); the DNS
    // log has three look-ups of googleapis.com subdomains.
    assert_eq!(
        hits(&intel, &events, &AddressBook::default()),
        owned(&[
            ("10.136.0.18", "honestimnotevil.com", 794),
            ("192.168.0.15", "googleapis.com", 3),
        ])
    );
}
