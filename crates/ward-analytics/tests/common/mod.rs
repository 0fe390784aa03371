//! Shared by the integration tests: read logs with ward-ingest, run the analytics over them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, Outcome, facts};
use ward_event::Event;

/// The shared test corpora, or `None` (with a message) when absent.
pub fn shared_data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

/// The demo outbreak committed with the project.
pub fn demo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak"))
}

/// Every event of `paths` (files or folders), in time order as the CLI sorts them.
pub fn read_events(paths: &[PathBuf]) -> Vec<Event> {
    let files = ward_ingest::discover(paths).expect("inputs exist");
    let mut events = Vec::new();
    // The assets file lives beside the demo logs; it is not a log.
    for f in files
        .into_iter()
        .filter(|f| f.extension().is_none_or(|e| e != "csv"))
    {
        let reports = ward_ingest::read_path(&f, &mut |e| events.push(e));
        // Licence files and the like are not logs; every log must read cleanly.
        for r in reports.into_iter().filter(|r| r.format != "unknown") {
            assert_eq!(r.bad_records, 0, "{}: {:?}", r.path, r.errors);
        }
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    events
}

/// Runs the host analytics (network facts included) over events with default thresholds.
pub fn analyze(events: &[Event], assets: Assets) -> Outcome {
    let mut analyzer = Analyzer::new(AnalyticsConfig::default(), assets);
    for e in events {
        if let Some(fact) = facts::extract(e) {
            analyzer.feed(&fact);
        }
        if let Some(fact) = ward_analytics::network::extract(e) {
            analyzer.feed_network(&fact);
        }
    }
    analyzer.finish()
}

/// Reads and analyses `paths` under `root`.
pub fn analyze_paths(root: &Path, paths: &[&str]) -> Outcome {
    let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
    analyze(&read_events(&paths), Assets::default())
}
