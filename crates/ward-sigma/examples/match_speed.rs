//! Measures matching speed: loads SigmaHQ's rules, reads event logs into memory, then times
//! `RuleSet::matches` alone.
//!
//! `cargo run --release -p ward-sigma --example match_speed -- <rules dir>... -- <log path>...`

use std::path::PathBuf;
use std::time::Instant;

use ward_sigma::{Mapping, RuleSetBuilder};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let (rule_dirs, logs) = args.split_at(split);
    let t = Instant::now();
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    for d in rule_dirs {
        if let Err(e) = b.add_path(&PathBuf::from(d)) {
            eprintln!("{e}");
        }
    }
    let (set, report) = b.build();
    println!(
        "loaded {} rules ({} problems) in {:.2?}",
        report.loaded,
        report.problems.len(),
        t.elapsed()
    );
    let mut events = Vec::new();
    for log in logs.iter().skip(1) {
        for input in ward_ingest::discover(&[PathBuf::from(log)]).unwrap_or_default() {
            ward_ingest::read_path(&input, &mut |e| events.push(e));
        }
    }
    println!("read {} events", events.len());
    for round in 0..3 {
        let t = Instant::now();
        let mut hits = 0usize;
        for e in &events {
            set.matches(e, &mut |_| hits += 1);
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "round {round}: {hits} hits, {:.0} events/s ({:.2} µs/event)",
            events.len() as f64 / secs,
            secs * 1e6 / events.len() as f64
        );
    }
}
