//! Beacons: RITA's proxy capture and a generated daily beacon hidden in daily update traffic;
//! plus generated SMB fan-out and C2 fallback.

use std::path::PathBuf;
use std::sync::Arc;
use ward_analytics::case::Finding;
use ward_analytics::network::{FactOrigin, Flow, NetFact, NetworkAnalyzer, NetworkConfig, extract};
use ward_event::Timestamp;
use ward_ingest::{FileReport, network};

fn data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

fn run(mut facts: Vec<NetFact>) -> Vec<Finding> {
    facts.sort_by_key(|f| f.time());
    let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default());
    for f in &facts {
        analyzer.feed(f);
    }
    analyzer.finish()
}

fn beacons(findings: &[Finding]) -> Vec<(String, String, f64)> {
    findings
        .iter()
        .filter(|f| f.analytic == "beacon")
        .map(|f| {
            let dest = f
                .details
                .get("destination")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            (
                f.host.clone(),
                dest,
                f.details
                    .get("score")
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0),
            )
        })
        .collect()
}

/// The RITA proxy capture holds one beacon: 10.136.0.18 reaches www.honestimnotevil.com
/// through the proxy at 10.136.0.16:3128 every 200–300 s (397 CONNECTs over 28 h).
#[test]
fn rita_proxy_beacon_ranks_first() {
    let Some(root) = data() else { return };
    let dir = root.join("rita/test_data/proxy");
    let mut facts = Vec::new();
    for name in ["conn.log", "http.log", "ssl.log", "dns.log"] {
        let bytes = std::fs::read(dir.join(name)).expect("rita log");
        let format = network::sniff(&bytes).expect("zeek");
        let mut report = FileReport::new(name, format.name());
        network::read(format, &mut &bytes[..], &mut report, &mut |e| {
            facts.extend(extract(&e))
        });
    }
    let found = run(facts);
    let ranked = beacons(&found);
    let top = ranked.first().expect("a beacon");
    assert_eq!(
        (top.0.as_str(), top.1.as_str()),
        ("10.136.0.18", "www.honestimnotevil.com"),
        "{ranked:?}"
    );
    // ±20 % uniform jitter: a medium score, still first.
    assert!(top.2 >= 0.55, "{ranked:?}");
    let f = found
        .iter()
        .find(|f| f.analytic == "beacon")
        .expect("beacon finding");
    let period = f
        .details
        .get("interval_secs")
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    assert!((200.0..=300.0).contains(&period), "period {period}");
    assert!(
        !ranked.iter().any(|(_, d, _)| d == "www.google.com"),
        "{ranked:?}"
    );
}

fn flow(t: i64, src: &str, dst: &str, dport: u16, bytes: u64, failed: bool) -> NetFact {
    NetFact::Connection(Flow {
        time: Timestamp::from_nanos(t * 1_000_000_000),
        src: src.parse().expect("ip"),
        dst: Some(dst.parse().expect("ip")),
        dst_name: None,
        dport: Some(dport),
        proto: "tcp".into(),
        bytes: Some(bytes),
        duration: Some(1.0),
        failed,
        origin: FactOrigin {
            file: Arc::from("generated"),
            position: t as u64,
            kind: "test".into(),
        },
    })
}

/// A small deterministic generator (xorshift) so the test needs no dependency.
struct Jitter(u64);
impl Jitter {
    fn next(&mut self, span: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % (2 * span as u64 + 1)) as i64 - span
    }
}

#[test]
fn daily_beacon_outranks_daily_updates() {
    const DAY: i64 = 86_400;
    let start = 1_700_000_000;
    let mut rng = Jitter(0x9e37_79b9_7f4a_7c15);
    let mut facts = Vec::new();
    // 40 hosts fetch updates daily around 09:00 (±2 h, as machines boot), plus a few web visits.
    for h in 0..40 {
        let host = format!("10.1.0.{}", h + 10);
        for day in 0..10 {
            let t = start + day * DAY + 9 * 3600 + rng.next(7200);
            facts.push(flow(
                t,
                &host,
                "93.184.216.34",
                443,
                50_000 + (rng.next(20_000) + 20_000) as u64,
                false,
            ));
            for _ in 0..3 {
                let t = start + day * DAY + 8 * 3600 + rng.next(4 * 3600) + 4 * 3600;
                facts.push(flow(t, &host, "151.101.1.69", 443, 10_000, false));
            }
        }
    }
    // The implant: daily at 03:00 ±20 min for 10 days, day 6 missed, steady small size.
    for day in (0..10).filter(|d| *d != 6) {
        let t = start + day * DAY + 3 * 3600 + rng.next(1200);
        facts.push(flow(
            t,
            "10.1.0.23",
            "185.100.87.202",
            443,
            2_048 + (rng.next(64) + 64) as u64,
            false,
        ));
    }
    let ranked = beacons(&run(facts));
    let top = ranked.first().expect("beacons");
    assert_eq!(
        (top.0.as_str(), top.1.as_str()),
        ("10.1.0.23", "185.100.87.202"),
        "{ranked:?}"
    );
    assert!(top.2 >= 0.7, "{ranked:?}");
    let updates = ranked
        .iter()
        .filter(|(_, d, _)| d == "93.184.216.34")
        .map(|r| r.2)
        .fold(0.0, f64::max);
    assert!(updates < top.2, "{ranked:?}");
}

#[test]
fn workstation_fan_out_over_smb_and_c2_fallback() {
    let mut facts = Vec::new();
    let t0 = 1_700_000_000;
    // Every workstation uses the file server; one starts reaching ten other workstations.
    for h in 0..12 {
        facts.push(flow(
            t0 + h,
            &format!("10.2.0.{}", 100 + h),
            "10.2.0.5",
            445,
            4_000,
            false,
        ));
    }
    for peer in 0..10 {
        facts.push(flow(
            t0 + 600 + peer,
            "10.2.0.100",
            &format!("10.2.0.{}", 150 + peer),
            445,
            300,
            peer % 2 == 0,
        ));
    }
    // A host walks a C2 list: six external addresses on 443, all failing, within a minute.
    for i in 0..6 {
        facts.push(flow(
            t0 + 900 + i * 10,
            "10.2.0.111",
            &format!("203.0.113.{}", 10 + i),
            443,
            0,
            true,
        ));
    }
    let found = run(facts);
    let fan = found
        .iter()
        .find(|f| f.analytic == "smb-fan-out")
        .expect("fan-out");
    assert_eq!(fan.host, "10.2.0.100");
    assert_eq!(fan.details.get("failed").and_then(|v| v.as_u64()), Some(5));
    assert_eq!(
        found.iter().filter(|f| f.analytic == "smb-fan-out").count(),
        1,
        "{found:#?}"
    );
    let c2 = found
        .iter()
        .find(|f| f.analytic == "c2-fallback")
        .expect("c2 fallback");
    assert_eq!(c2.host, "10.2.0.111");
    assert_eq!(
        c2.details
            .get("failed_destinations")
            .and_then(|v| v.as_u64()),
        Some(6)
    );
}
