//! `ward metrics`: how many events of each EventID, host, channel, provider or hour the inputs
//! hold, with the first and last time and each one's share — what a responder looks at first to
//! see what a folder of logs covers (Hayabusa's `eid-metrics` and `computer-metrics`).

use anyhow::{Result, bail};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use ward_event::{Event, Timestamp};

use crate::cli::{MetricsArgs, MetricsBy};
use crate::exit;

/// The count, first and last time of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub events: u64,
    pub first: Timestamp,
    pub last: Timestamp,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.events += other.events;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }
}

/// Counts per key, the inputs' events in total, and their bad records.
#[derive(Debug, Default)]
pub struct Metrics {
    pub by_key: BTreeMap<String, Tally>,
    pub events: u64,
    pub bad_records: u64,
}

/// The key an event is counted under. Events without an EventID (network logs) count under
/// their source (`zeek/conn`), so every event is somewhere and the shares add up.
pub fn key(event: &Event, by: MetricsBy) -> String {
    let source = || event.source.label();
    match by {
        MetricsBy::EventId => event
            .source
            .event_id
            .map_or_else(source, |id| id.to_string()),
        MetricsBy::Host if event.host.is_empty() => "-".to_string(),
        MetricsBy::Host => event.host.short().to_string(),
        MetricsBy::Channel => source(),
        MetricsBy::Provider => event
            .source
            .provider
            .as_deref()
            .map_or_else(source, str::to_string),
        MetricsBy::Hour => {
            let t = event.time.to_rfc3339();
            // `2024-03-01T10:…` → `2024-03-01T10:00Z`.
            t.get(..13).map_or(t.clone(), |h| format!("{h}:00Z"))
        }
    }
}

/// Counts the events of `inputs` by `by`, reading files in parallel.
pub fn count(inputs: &[PathBuf], by: MetricsBy) -> Metrics {
    inputs
        .par_iter()
        .map(|path| {
            let mut m = Metrics::default();
            for report in ward_ingest::read_path(path, &mut |event: Event| {
                let t = Tally {
                    events: 1,
                    first: event.time,
                    last: event.time,
                };
                match m.by_key.get_mut(key(&event, by).as_str()) {
                    Some(tally) => tally.add(t),
                    None => {
                        m.by_key.insert(key(&event, by), t);
                    }
                }
            }) {
                m.events += report.events;
                m.bad_records += report.bad_records;
            }
            m
        })
        .reduce(Metrics::default, |mut a, b| {
            for (k, t) in b.by_key {
                match a.by_key.get_mut(&k) {
                    Some(tally) => tally.add(t),
                    None => {
                        a.by_key.insert(k, t);
                    }
                }
            }
            a.events += b.events;
            a.bad_records += b.bad_records;
            a
        })
}

/// Runs `ward metrics`.
pub fn run(args: MetricsArgs) -> Result<u8> {
    let inputs = ward_ingest::discover(&args.paths)?;
    if inputs.is_empty() {
        bail!(
            "no input files under {}",
            crate::hunt::display_paths(&args.paths)
        );
    }
    let metrics = count(&inputs, args.by);
    let total: u64 = metrics.by_key.values().map(|t| t.events).sum();
    let mut rows: Vec<(&String, &Tally)> = metrics.by_key.iter().collect();
    // Hours read best in time order; everything else most frequent first.
    if args.by != MetricsBy::Hour {
        rows.sort_by(|a, b| b.1.events.cmp(&a.1.events).then(a.0.cmp(b.0)));
    }
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        for (key, t) in rows {
            let row = serde_json::json!({
                "key": key, "events": t.events, "share": share(t.events),
                "first": t.first, "last": t.last,
            });
            writeln!(out, "{row}")?;
        }
    } else {
        let by = format!("{:?}", args.by).to_lowercase();
        writeln!(
            out,
            "{by:<40} {:>10} {:>7}  {:<25} {:<25}",
            "events", "share", "first", "last"
        )?;
        for (key, t) in rows {
            writeln!(
                out,
                "{:<40} {:>10} {:>6.2}%  {:<25} {:<25}",
                crate::text::escape_control(key),
                t.events,
                share(t.events),
                t.first.to_string(),
                t.last.to_string()
            )?;
        }
        writeln!(
            out,
            "{} events, {} keys, {} bad records",
            total,
            metrics.by_key.len(),
            metrics.bad_records
        )?;
    }
    out.flush()?;
    Ok(exit::OK)
}
