//! The versioned JSON report: the [`Case`] as analytics built it, plus the [`Overview`] every
//! other sink shows, so programs read the same verdict people do. Documented in
//! `docs/report-schema.md`; `docs/report.schema.json` is its JSON Schema.

use crate::incidents::{Incident, incidents_of};
use crate::overview::Overview;
use serde::Serialize;
use std::io::{self, Write};
use ward_analytics::Case;

#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    case: &'a Case,
    overview: Overview,
    incidents: Vec<Incident>,
}

/// Writes the JSON report (schema version [`ward_analytics::case::SCHEMA_VERSION`]), pretty-printed.
pub fn write_json(case: &Case, out: &mut dyn Write) -> io::Result<()> {
    let report = Report {
        case,
        overview: Overview::of(case),
        incidents: incidents_of(case),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
