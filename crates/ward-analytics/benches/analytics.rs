//! Analytics throughput over the demo outbreak: turning events into facts, the host
//! [`Analyzer`] over those facts, and the [`NetworkAnalyzer`] over the Zeek `conn.log`.
//!
//! `cargo bench -p ward-analytics --bench analytics`. Events and facts are prepared once, in
//! time order as the hunt feeds them; each iteration builds a fresh analyzer and finishes it.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ward_analytics::network::{self, NetworkAnalyzer, NetworkConfig};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, facts};
use ward_event::Event;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak");

fn events(path: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    for input in ward_ingest::discover(&[path.to_path_buf()]).expect("demo/outbreak exists") {
        ward_ingest::read_path(&input, &mut |e| events.push(e));
    }
    events
}

fn host(c: &mut Criterion) {
    let events = events(Path::new(DEMO));
    let assets_csv = std::fs::File::open(Path::new(DEMO).join("assets.csv")).expect("assets.csv");
    let assets = Assets::from_csv_reader(assets_csv).expect("assets.csv is valid");
    let mut facts: Vec<_> = events.iter().filter_map(facts::extract).collect();
    facts.sort_by_key(|f| f.time());

    let mut group = c.benchmark_group("host");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("extract_facts/demo_outbreak", |b| {
        b.iter(|| black_box(&events).iter().filter_map(facts::extract).count())
    });
    group.throughput(Throughput::Elements(facts.len() as u64));
    group.bench_function("analyzer/demo_outbreak", |b| {
        b.iter(|| {
            let mut analyzer = Analyzer::new(AnalyticsConfig::default(), assets.clone());
            for fact in black_box(&facts) {
                analyzer.feed(fact);
            }
            analyzer.finish()
        })
    });
    group.finish();
}

fn net(c: &mut Criterion) {
    let events = events(&Path::new(DEMO).join("network/conn.log"));
    let mut facts: Vec<_> = events.iter().filter_map(network::extract).collect();
    facts.sort_by_key(|f| f.time());

    let mut group = c.benchmark_group("network");
    group.throughput(Throughput::Elements(facts.len() as u64));
    group.bench_function("analyzer/demo_conn_log", |b| {
        b.iter(|| {
            let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default());
            for fact in black_box(&facts) {
                analyzer.feed(fact);
            }
            analyzer.finish()
        })
    });
    group.finish();
}

criterion_group!(benches, host, net);
criterion_main!(benches);
