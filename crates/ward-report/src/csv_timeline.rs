//! The CSV timeline, in the shape Timesketch imports: `datetime`, `timestamp_desc` and `message`
//! first, then Ward's columns. Values are written as logged (CSV quoting keeps commas, quotes and
//! newlines intact); nothing is rewritten, so the timeline stays evidence.

use std::io::{self, Write};
use ward_analytics::Case;
use ward_analytics::case::{Detection, Finding};

/// The header row; `docs/report-schema.md` ("CSV timeline") says what each column holds.
pub const COLUMNS: [&str; 13] = [
    "datetime",
    "timestamp",
    "timestamp_desc",
    "message",
    "kind",
    "host",
    "rule_id",
    "level",
    "source",
    "event_id",
    "record_id",
    "file",
    "position",
];

/// Writes one row per detection and one per finding (at its first evidence), in time order.
pub fn write_csv_timeline(case: &Case, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let mut detections = case.detections.iter().peekable();
    let mut findings = case.findings.iter().peekable();
    // Both lists are already in time order; merge them rather than sort a copy.
    loop {
        let take_detection = match (detections.peek(), findings.peek()) {
            (Some(d), Some(f)) => d.time <= f.first_seen,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let row = if take_detection {
            detections.next().map(|d| detection_row(&d))
        } else {
            findings.next().map(finding_row)
        };
        if let Some(row) = row {
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn detection_row(d: &Detection) -> [String; 13] {
    [
        d.time.to_string(),
        micros(d.time),
        "Event Time".to_string(),
        format!("{} [{}] on {}", d.title, d.level, d.host),
        d.kind.clone(),
        d.host.clone(),
        d.rule_id.clone(),
        d.level.to_string(),
        d.source.clone(),
        d.event_id.map_or(String::new(), |e| e.to_string()),
        d.record_id.map_or(String::new(), |r| r.to_string()),
        d.file.clone(),
        d.position.to_string(),
    ]
}

fn finding_row(f: &Finding) -> [String; 13] {
    let first = f.evidence.first();
    [
        f.first_seen.to_string(),
        micros(f.first_seen),
        "First Seen".to_string(),
        format!("{} [{}] on {}: {}", f.title, f.level, f.host, f.summary),
        "finding".to_string(),
        f.host.clone(),
        f.analytic.to_string(),
        f.level.to_string(),
        "ward/analytics".to_string(),
        String::new(),
        first
            .and_then(|e| e.record_id)
            .map_or(String::new(), |r| r.to_string()),
        first.map_or(String::new(), |e| e.file.clone()),
        first.map_or(String::new(), |e| e.position.to_string()),
    ]
}

/// Microseconds since the epoch, Timesketch's `timestamp` column.
fn micros(t: ward_event::Timestamp) -> String {
    t.as_nanos().div_euclid(1000).to_string()
}
