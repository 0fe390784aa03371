//! The versioned JSON report: the [`Case`] as analytics built it, plus the [`Overview`] every
//! other sink shows, so programs read the same verdict people do. Documented in
//! `docs/report-schema.md`; `docs/report.schema.json` is its JSON Schema.

use crate::incidents::{Incident, incidents_of};
use crate::overview::Overview;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use ward_analytics::Case;
use ward_event::{Level, Timestamp};

#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    case: &'a Case,
    overview: Overview,
    incidents: Vec<Incident>,
    detection_groups: Vec<DetectionGroup>,
}

/// The detections of one rule on one host: the timeline (`detections`) summarised.
#[derive(Serialize)]
struct DetectionGroup {
    rule_id: String,
    title: String,
    level: Level,
    host: String,
    count: u64,
    first: Timestamp,
    last: Timestamp,
}

/// One group per (rule, host), most severe first, then by count; the counts add up to the
/// detections.
fn detection_groups(case: &Case) -> Vec<DetectionGroup> {
    let mut groups: BTreeMap<(String, String), DetectionGroup> = BTreeMap::new();
    for d in case.detections.iter() {
        let g = groups
            .entry((d.rule_id.clone(), d.host.clone()))
            .or_insert_with(|| DetectionGroup {
                rule_id: d.rule_id.clone(),
                title: d.title.clone(),
                level: d.level,
                host: d.host.clone(),
                count: 0,
                first: d.time,
                last: d.time,
            });
        g.count += 1;
        g.level = g.level.max(d.level);
        g.first = g.first.min(d.time);
        g.last = g.last.max(d.time);
    }
    let mut out: Vec<DetectionGroup> = groups.into_values().collect();
    out.sort_by(|a, b| {
        (b.level, b.count, &a.rule_id, &a.host).cmp(&(a.level, a.count, &b.rule_id, &b.host))
    });
    out
}

/// Writes the JSON report (schema version [`ward_analytics::case::SCHEMA_VERSION`]), pretty-printed.
pub fn write_json(case: &Case, out: &mut dyn Write) -> io::Result<()> {
    let report = Report {
        case,
        overview: Overview::of(case),
        incidents: incidents_of(case),
        detection_groups: detection_groups(case),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
