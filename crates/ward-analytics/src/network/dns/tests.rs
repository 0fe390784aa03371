//! Tests of the DNS analytics' parts: names, likeness, local names, the population cap and
//! the table bounds.
use super::*;
use crate::network::fact::FactOrigin;
use ward_event::{Event, Value};

#[test]
fn parents_and_likeness() {
    assert_eq!(parent_domain("a.b.example.com"), "example.com");
    assert_eq!(parent_domain("www.nhs.co.uk"), "nhs.co.uk");
    assert_eq!(parent_domain("localhost"), "localhost");
    assert!(
        dga_likeness("xjw3kqzpvl9t") > 0.6,
        "{}",
        dga_likeness("xjw3kqzpvl9t")
    );
    assert!(
        dga_likeness("microsoft") < 0.5,
        "{}",
        dga_likeness("microsoft")
    );
    assert!(
        dga_likeness("cloudfront") < 0.5,
        "{}",
        dga_likeness("cloudfront")
    );
    assert!(entropy("aaaa") < 0.01);
}

#[test]
fn sysmon_22_is_a_query_of_its_host() {
    let mut f = ward_event::FieldList::default();
    f.push("QueryName", Value::from("Beacon.Example.org."));
    f.push("QueryStatus", Value::from("9003"));
    let source = ward_event::LogSource::windows(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        22,
    );
    let e = Event::new(
        Timestamp::from_nanos(0),
        "WARD-PC1.hospital.local",
        source,
        f,
    );
    let q = extract_dns(&e).expect("a query");
    assert_eq!(&*q.name, "beacon.example.org");
    assert_eq!(&*q.client, "WARD-PC1");
    assert!(q.nxdomain);
}

fn query(client: &str, name: &str, secs: i64) -> DnsQuery {
    DnsQuery {
        time: Timestamp::from_nanos(secs * 1_000_000_000),
        client: client.into(),
        name: name.into(),
        qtype: "A".into(),
        nxdomain: false,
        origin: FactOrigin::default(),
    }
}

#[test]
fn local_names_are_not_scored() {
    for name in [
        "wpad",
        "printer.local",
        "8.0.168.192.in-addr.arpa",
        "pc1.stmary.lan",
    ] {
        assert!(is_local_name(name), "{name}");
    }
    assert!(!is_local_name("update.clinic-sync.org"));
    let mut dns = DnsAnalyzer::new(DnsConfig::default());
    for beat in 0..24 {
        dns.feed(&query("10.0.0.5", "10-0-0-5.local", beat * 1800));
    }
    assert_eq!(dns.state_size(), 0, "a local name leaves no state");
    assert!(dns.finish().is_empty());
}

/// A perfectly regular half-hourly look-up from the only client of a small capture is a
/// lead, not a `medium`: with one client, rarity cannot be judged.
#[test]
fn few_clients_keep_findings_low() {
    let beacon = |clients: usize| {
        let mut dns = DnsAnalyzer::new(DnsConfig::default());
        for c in 0..clients {
            dns.feed(&query(&format!("10.0.0.{c}"), "www.example.com", 0));
        }
        for beat in 0..48 {
            dns.feed(&query(
                "10.0.0.200",
                "telemetry.vendor-sync.net",
                beat * 1800,
            ));
        }
        dns.finish()
            .into_iter()
            .find(|f| f.analytic == crate::Analytic::DnsBeacon)
            .expect("the beacon is found")
    };
    let small = beacon(8);
    assert_eq!(small.level, Level::Low, "{small:?}");
    assert!(small.details.contains_key("level_capped"));
    let large = beacon(40);
    assert!(large.level >= Level::Medium, "{large:?}");
    assert!(!large.details.contains_key("level_capped"));
}

#[test]
fn tables_stop_growing_at_max_keys() {
    let config = DnsConfig {
        max_keys: 100,
        ..DnsConfig::default()
    };
    let mut dns = DnsAnalyzer::new(config);
    for i in 0..10_000 {
        dns.feed(&query("10.0.0.1", &format!("n{i}.tunnel-example.net"), i));
    }
    assert!(dns.untracked() > 9_000, "{}", dns.untracked());
    assert!(dns.state_size() < 500, "{}", dns.state_size());
}
