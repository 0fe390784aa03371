//! What the audit adds to a hunt: reads every event under the given paths into memory, then
//! times `Auditor::feed_event` over them. `cargo run --release -p ward-audit --example audit_cost -- ../shared/data`

use std::path::PathBuf;
use std::time::Instant;
use ward_audit::{AuditConfig, Auditor};

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let files = match ward_ingest::discover(&paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut events = Vec::new();
    let started = Instant::now();
    for f in &files {
        ward_ingest::read_path(f, &mut |e| events.push(e));
    }
    let read = started.elapsed();
    let mut auditor = Auditor::new(AuditConfig::default());
    let started = Instant::now();
    for e in &events {
        auditor.feed_event(e);
    }
    let fed = started.elapsed();
    let started = Instant::now();
    let readiness = auditor.finish();
    let finished = started.elapsed();
    let per_event = fed.as_nanos() as f64 / events.len().max(1) as f64;
    println!(
        "{} files, {} events: read {read:.2?}, fed {fed:.2?} ({per_event:.0} ns/event), finish {finished:.2?}, score {}",
        files.len(),
        events.len(),
        readiness.score
    );
}
