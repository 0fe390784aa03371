//! Network state stays bounded: a long run of one-off connections (every workstation reaching
//! a different web server each time) must not grow the beacon pairs and scan windows with the
//! number of flows, and a real beacon hidden in them must still be found.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use ward_analytics::network::{FactOrigin, Flow, NetFact, NetworkAnalyzer, NetworkConfig};
use ward_event::Timestamp;

const START: i64 = 1_770_000_000;
/// Flows per second of the generated traffic.
const RATE: i64 = 10;
/// The beacon's period, seconds.
const PERIOD: i64 = 300;
const BEACON_SRC: Ipv4Addr = Ipv4Addr::new(10, 9, 9, 99);
const BEACON_DST: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);

fn flow(time_ms: i64, src: Ipv4Addr, dst: Ipv4Addr, bytes: u64, position: u64) -> NetFact {
    NetFact::Connection(Flow {
        time: Timestamp::from_nanos((START * 1000 + time_ms) * 1_000_000),
        src: IpAddr::V4(src),
        dst: Some(IpAddr::V4(dst)),
        dst_name: None,
        dport: Some(443),
        proto: Arc::from("tcp"),
        bytes: Some(bytes),
        duration: Some(0.4),
        failed: false,
        origin: FactOrigin {
            file: Arc::from("synthetic/conn.log"),
            position,
            kind: Arc::from("zeek/conn"),
        },
    })
}

/// Flow `i`: one of 2,000 workstations to a web server it has never reached before (the
/// destination walks 198.18.0.0/15), every `PERIOD` seconds also the beacon.
fn traffic(i: i64) -> Vec<NetFact> {
    let ms = i * 1000 / RATE;
    let ws = i % 2000;
    let src = Ipv4Addr::new(10, 1, (ws / 200) as u8, (ws % 200 + 1) as u8);
    let d = (i % 131_072) as u32;
    let dst = Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)) + d);
    let mut out = vec![flow(ms, src, dst, 2_000 + (i % 7_000) as u64, i as u64)];
    if ms % (PERIOD * 1000) == 0 {
        out.push(flow(ms + 1, BEACON_SRC, BEACON_DST, 612, i as u64));
    }
    out
}

/// An analyzer that starts forgetting beacon pairs past 50,000.
fn capped_analyzer() -> NetworkAnalyzer {
    NetworkAnalyzer::new(NetworkConfig {
        beacon_max_pairs: 50_000,
        ..NetworkConfig::default()
    })
}

/// The early peak stays under `limit` and the late peak within a tenth of it.
fn assert_flat(early: usize, late: usize, limit: usize) {
    assert!(early < limit, "peak state early on: {early}");
    assert!(
        late <= early + early / 10,
        "state grew: peak {early} early, {late} late"
    );
}

/// The largest state seen at the sample points of `range`.
fn peak(analyzer: &mut NetworkAnalyzer, range: std::ops::Range<i64>) -> usize {
    let mut peak = 0;
    for i in range {
        for f in traffic(i) {
            analyzer.feed(&f);
        }
        if i % 5_000 == 0 {
            peak = peak.max(analyzer.state_size());
        }
    }
    peak
}

#[test]
fn one_off_flows_keep_state_bounded_and_the_beacon_is_kept() {
    let mut analyzer = capped_analyzer();
    // 300,000 flows per stage, about 8.3 hours each; the beacon beats 100 times per stage.
    let early = peak(&mut analyzer, 0..300_000);
    let _ = peak(&mut analyzer, 300_000..600_000);
    let late = peak(&mut analyzer, 600_000..900_000);
    // Without eviction this is one pair, one destination and one vertical window per flow
    // (2.7 million entries by the end). With it, a sweep every 65,536 flows halves the cold
    // pairs once over the cap, so pairs and destinations settle near 130,000 each and the scan
    // windows below one sweep interval's worth: about 330,000 entries at the high point.
    assert_flat(early, late, 400_000);

    let findings = analyzer.finish();
    let beacon = findings
        .iter()
        .find(|f| f.analytic == "beacon")
        .expect("the beacon survives eviction of one-off pairs");
    assert_eq!(beacon.host, BEACON_SRC.to_string());
    let destination = beacon.details.get("destination").and_then(|v| v.as_str());
    assert!(
        destination.is_some_and(|d| d.contains("203.0.113.7")),
        "{destination:?}"
    );
    // Nothing else in the traffic is a beacon or a scan.
    let others: Vec<_> = findings
        .iter()
        .filter(|f| f.host != BEACON_SRC.to_string())
        .map(|f| (&f.analytic, &f.host))
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

/// A small xorshift generator: the same "random" traffic on every run.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[test]
fn repeated_random_pairs_keep_state_bounded_and_the_beacon_is_kept() {
    let mut analyzer = capped_analyzer();
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    // 2,000 workstations reach 150 internal servers at random moments: 300,000 pairs, each
    // seen five times on average by the end, so most get past the beats a beacon needs.
    // Only their irregular timing tells them from a beacon.
    let mut ms = 0i64;
    let mut next_beat = 0i64;
    let mut peaks = Vec::new();
    let mut peak = 0;
    for i in 0..1_500_000u64 {
        ms += rng.next(200) as i64;
        let ws = rng.next(2000) as u32;
        let server = rng.next(150) as u32;
        let src = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 1, 0, 1)) + ws);
        let dst = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 2, 0, 1)) + server);
        analyzer.feed(&flow(ms, src, dst, 500 + rng.next(40_000), i));
        if ms >= next_beat {
            analyzer.feed(&flow(ms + 1, BEACON_SRC, BEACON_DST, 612, i));
            next_beat += PERIOD * 1000;
        }
        if i % 5_000 == 0 {
            peak = peak.max(analyzer.state_size());
        }
        if i % 500_000 == 499_999 {
            peaks.push(std::mem::take(&mut peak));
        }
    }
    // Without eviction this ends near 300,000 pairs. With it, a pair is forgotten before it
    // gathers four beats (it beats about once per 300,000 flows), so the pairs stay near the
    // 50,000 cap plus what one sweep interval adds.
    assert_flat(peaks[0], peaks[2], 200_000);
    let findings = analyzer.finish();
    let beacons: Vec<_> = findings
        .iter()
        .filter(|f| f.analytic == "beacon")
        .map(|f| f.host.clone())
        .collect();
    assert_eq!(beacons, vec![BEACON_SRC.to_string()], "{findings:?}");
}
