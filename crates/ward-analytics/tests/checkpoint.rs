//! Checkpoints and snapshots on the demo outbreak: an analyzer stopped midway and restored from
//! its checkpoint ends exactly as one that ran straight through, and a snapshot neither differs
//! from a finish nor disturbs the run.

mod common;

use std::fs::File;
use ward_analytics::case::Finding;
use ward_analytics::network::{self, NetFact, NetworkAnalyzer, NetworkConfig};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, CheckpointError, Outcome, facts};
use ward_event::Event;

fn demo() -> (Vec<Event>, Assets) {
    let dir = common::demo_dir();
    let assets = Assets::from_csv_reader(File::open(dir.join("assets.csv")).expect("assets.csv"))
        .expect("valid assets");
    (common::read_events(&[dir]), assets)
}

fn host_analyzer(assets: &Assets) -> Analyzer {
    Analyzer::new(AnalyticsConfig::default(), assets.clone())
}

/// Feeds events to the host analytics as the CLI does: host facts and network facts.
fn feed(analyzer: &mut Analyzer, events: &[Event]) {
    for e in events {
        if let Some(fact) = facts::extract(e) {
            analyzer.feed(&fact);
        }
        if let Some(fact) = network::extract(e) {
            analyzer.feed_network(&fact);
        }
    }
}

fn net_facts(events: &[Event]) -> Vec<NetFact> {
    events.iter().filter_map(network::extract).collect()
}

/// Everything an outcome says, as the JSON report would, plus the names of every address.
fn report(out: &Outcome, events: &[Event]) -> serde_json::Value {
    let mut ips: Vec<String> = net_facts(events)
        .iter()
        .filter_map(NetFact::flow)
        .flat_map(|f| [Some(f.src), f.dst])
        .flatten()
        .map(|ip| ip.to_string())
        .collect();
    ips.sort();
    ips.dedup();
    let names: Vec<(&String, Option<&str>)> = ips
        .iter()
        .map(|ip| (ip, out.addresses.host_of(ip)))
        .collect();
    serde_json::json!({
        "findings": out.findings,
        "spread": out.spread,
        "accounts": out.accounts,
        "addresses": names,
    })
}

fn json(findings: &[Finding]) -> serde_json::Value {
    serde_json::to_value(findings).expect("findings serialise")
}

#[test]
fn host_analytics_restored_midway_end_as_a_straight_run() {
    let (events, assets) = demo();
    let mut straight = host_analyzer(&assets);
    feed(&mut straight, &events);
    let expected = report(&straight.finish(), &events);
    assert!(!expected["findings"].as_array().expect("list").is_empty());

    let (first, rest) = events.split_at(events.len() / 2);
    let mut before = host_analyzer(&assets);
    feed(&mut before, first);
    let bytes = before.checkpoint();
    drop(before);
    let mut after = Analyzer::restore(AnalyticsConfig::default(), assets, &bytes)
        .expect("restores its own checkpoint");
    feed(&mut after, rest);
    assert_eq!(report(&after.finish(), &events), expected);
}

/// A monitor checkpoints after every commit: restoring after each event changes nothing.
#[test]
fn host_analytics_restored_after_every_event_end_as_a_straight_run() {
    let (events, assets) = demo();
    let mut straight = host_analyzer(&assets);
    feed(&mut straight, &events);
    let expected = report(&straight.finish(), &events);

    let mut analyzer = host_analyzer(&assets);
    for e in events.chunks(1) {
        feed(&mut analyzer, e);
        let bytes = analyzer.checkpoint();
        analyzer = Analyzer::restore(AnalyticsConfig::default(), assets.clone(), &bytes)
            .expect("restores its own checkpoint");
    }
    assert_eq!(report(&analyzer.finish(), &events), expected);
}

#[test]
fn network_analytics_restored_midway_end_as_a_straight_run() {
    let (events, _) = demo();
    let facts = net_facts(&events);
    let mut straight = NetworkAnalyzer::new(NetworkConfig::default());
    facts.iter().for_each(|f| straight.feed(f));
    let expected = json(&straight.finish());
    assert!(!expected.as_array().expect("list").is_empty());

    let (first, rest) = facts.split_at(facts.len() / 2);
    let mut before = NetworkAnalyzer::new(NetworkConfig::default());
    first.iter().for_each(|f| before.feed(f));
    let bytes = before.checkpoint();
    let mut after = NetworkAnalyzer::restore(NetworkConfig::default(), &bytes).expect("restores");
    rest.iter().for_each(|f| after.feed(f));
    assert_eq!(json(&after.finish()), expected);
}

#[test]
fn snapshot_midway_is_a_finish_and_leaves_the_run_alone() {
    let (events, assets) = demo();
    let (first, rest) = events.split_at(events.len() / 2);
    let mut straight = host_analyzer(&assets);
    feed(&mut straight, &events);
    let expected = report(&straight.finish(), &events);

    let mut analyzer = host_analyzer(&assets);
    feed(&mut analyzer, first);
    let snapshot = report(&analyzer.snapshot(), &events);
    assert_eq!(snapshot, report(&analyzer.clone().finish(), &events));
    assert_ne!(snapshot, expected, "half the outbreak is not all of it");
    feed(&mut analyzer, rest);
    assert_eq!(report(&analyzer.finish(), &events), expected);

    let facts = net_facts(&events);
    let (first, rest) = facts.split_at(facts.len() / 2);
    let mut network = NetworkAnalyzer::new(NetworkConfig::default());
    first.iter().for_each(|f| network.feed(f));
    let snapshot = json(&network.snapshot());
    assert_eq!(snapshot, json(&network.clone().finish()));
    rest.iter().for_each(|f| network.feed(f));
    let mut straight = NetworkAnalyzer::new(NetworkConfig::default());
    facts.iter().for_each(|f| straight.feed(f));
    assert_eq!(json(&network.finish()), json(&straight.finish()));
}

#[test]
fn damaged_or_foreign_checkpoints_are_refused() {
    let (events, assets) = demo();
    let mut host = host_analyzer(&assets);
    feed(&mut host, &events);
    let bytes = host.checkpoint();
    let restore = |b: &[u8]| Analyzer::restore(AnalyticsConfig::default(), assets.clone(), b);

    // Truncations from empty to one byte short: a spread of lengths, and every one near the end.
    let lengths = (0..bytes.len())
        .step_by(97)
        .chain(bytes.len() - 64..bytes.len());
    for len in lengths {
        assert!(restore(&bytes[..len]).is_err(), "truncated to {len} bytes");
    }
    // Pseudo-random bytes, with and without a valid header.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..2000 {
        let len = (next() % 4096) as usize;
        let mut garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 1 {
            let header = &bytes[..6];
            garbage.splice(..len.min(6), header.iter().copied());
        }
        let _ = restore(&garbage);
        let _ = NetworkAnalyzer::restore(NetworkConfig::default(), &garbage);
    }
    // A flipped byte in the body either fails or restores something; it never panics.
    for i in (6..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0xff;
        let _ = restore(&damaged);
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        restore(&trailing),
        Err(CheckpointError::Damaged(_))
    ));
    let mut newer = bytes.clone();
    newer[4] = newer[4].wrapping_add(1);
    assert!(matches!(
        restore(&newer),
        Err(CheckpointError::Version { .. })
    ));
    assert!(matches!(
        restore(b"{\"not\": \"a checkpoint\"}"),
        Err(CheckpointError::NotACheckpoint)
    ));
    let network = NetworkAnalyzer::new(NetworkConfig::default()).checkpoint();
    assert!(matches!(
        restore(&network),
        Err(CheckpointError::WrongAnalyzer { .. })
    ));
}

#[test]
fn checkpoints_of_the_whole_demo_are_small() {
    let (events, assets) = demo();
    let mut host = host_analyzer(&assets);
    feed(&mut host, &events);
    let mut network = NetworkAnalyzer::new(NetworkConfig::default());
    net_facts(&events).iter().for_each(|f| network.feed(f));
    let (host_bytes, network_bytes) = (host.checkpoint().len(), network.checkpoint().len());
    eprintln!(
        "checkpoint after the demo's {} events: host {host_bytes} bytes, network {network_bytes} bytes",
        events.len()
    );
    // Measured 31 141 and 61 411 bytes, mostly evidence lines; twice that is the bound.
    assert!(host_bytes < 64_000, "host checkpoint {host_bytes} bytes");
    assert!(
        network_bytes < 124_000,
        "network checkpoint {network_bytes} bytes"
    );
}
