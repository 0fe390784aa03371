//! Readers in parallel each feed an `AuditObserver`, merged at the end: the readiness must be
//! the one a single auditor fed every event gives, however the events were split.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use ward_event::Event;

/// The demo outbreak's events, file by file (the assets file is configuration, not a log).
fn demo_files() -> Vec<Vec<Event>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak"));
    let mut files: Vec<PathBuf> = ward_ingest::discover(&[root.to_path_buf()]).expect("demo");
    files.retain(|p| p.file_name().is_some_and(|n| n != "assets.csv"));
    files.sort();
    files
        .iter()
        .map(|f| {
            let mut events = Vec::new();
            ward_ingest::read_path(f, &mut |e| events.push(e));
            events
        })
        .collect()
}

fn readiness_json(r: ward_audit::Readiness) -> String {
    serde_json::to_string_pretty(&r).expect("JSON")
}

#[test]
fn observers_merged_give_the_readiness_of_one_auditor() {
    let files = demo_files();
    let mut one = auditor();
    files.iter().flatten().for_each(|e| one.feed_event(e));
    assert!(one.inputs().windows_events > 100, "{:?}", one.inputs());
    let inputs = one.inputs().clone();
    let expected = readiness_json(one.finish());

    // One observer per file, merged in file order (what `ward hunt` does).
    let mut merged = auditor();
    for events in &files {
        let mut observer = merged.observer();
        events.iter().for_each(|e| observer.observe(e));
        merged.merge(observer);
    }
    assert_eq!(merged.inputs(), &inputs);
    assert_eq!(readiness_json(merged.finish()), expected);

    // Every file's events dealt alternately to two observers: the same host, channel and
    // record-id runs land on both sides.
    let mut dealt = auditor();
    let (mut odd, mut even) = (dealt.observer(), dealt.observer());
    for (i, e) in files.iter().flatten().enumerate() {
        if i.is_multiple_of(2) {
            &mut even
        } else {
            &mut odd
        }
        .observe(e);
    }
    dealt.merge(even);
    dealt.merge(odd);
    assert_eq!(dealt.inputs(), &inputs);
    assert_eq!(readiness_json(dealt.finish()), expected);
}

/// The same over the shared EVTX corpora: many hosts and channels, logs cleared, Defender and
/// update events, record-id gaps.
#[test]
fn observers_merged_give_the_readiness_of_one_auditor_on_real_logs() {
    let Some(root) = shared() else { return };
    let dirs = ["evtx-attack-samples", "evtx-crate/samples", "deepbluecli"];
    let mut files: Vec<PathBuf> =
        ward_ingest::discover(&dirs.map(|d| root.join(d))).expect("shared EVTX corpora");
    files.sort();
    let mut one = auditor();
    let mut merged = auditor();
    let (mut odd, mut even) = (merged.observer(), merged.observer());
    let mut n = 0usize;
    for f in &files {
        ward_ingest::read_path(f, &mut |e| {
            one.feed_event(&e);
            if n.is_multiple_of(2) {
                &mut even
            } else {
                &mut odd
            }
            .observe(&e);
            n += 1;
        });
    }
    assert!(n > 10_000, "{n} events");
    merged.merge(odd);
    merged.merge(even);
    assert_eq!(merged.inputs(), one.inputs());
    assert_eq!(
        readiness_json(merged.finish()),
        readiness_json(one.finish())
    );
}
