//! Turning rule hits into case detections, and writing the chosen output format safely.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use ward_analytics::Case;
use ward_analytics::case::Detection;
use ward_event::Event;
use ward_sigma::{CorrelationHit, RuleIdx, RuleSet};

use crate::cli::Format;

/// A detection for rule `idx` matching `event`, carrying the event's fields.
pub fn rule_detection(rules: &RuleSet, idx: RuleIdx, event: &Event) -> Detection {
    let rule = rules.rule(idx);
    Detection {
        time: event.time,
        host: event.host.short().to_string(),
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        level: rule.level,
        kind: "rule".to_string(),
        source: event.source.label(),
        event_id: event.source.event_id,
        record_id: event.record_id,
        file: event.origin.file.to_string(),
        position: event.origin.position,
        tags: rule.tags.clone(),
        fields: event.fields.clone(),
    }
}

/// A detection for a correlation rule that fired.
pub fn correlation_detection(rules: &RuleSet, hit: &CorrelationHit) -> Detection {
    let rule = rules.rule(hit.rule);
    Detection {
        time: hit.time,
        host: hit.host.clone().unwrap_or_default(),
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        level: rule.level,
        kind: "correlation".to_string(),
        source: "correlation".to_string(),
        event_id: None,
        record_id: None,
        file: String::new(),
        position: 0,
        tags: rule.tags.clone(),
        fields: hit.fields(),
    }
}

/// Writes `case` in `format` to `path`, or to standard output when `path` is `None`.
/// Everything is flushed and every write error reported, so a full disk is not a silent loss.
pub fn write_case(case: &Case, format: Format, path: Option<&Path>, color: bool) -> Result<()> {
    match path {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_format(case, format, &mut w, false).with_context(|| format!("writing {}", path.display()))?;
            let file = w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {}", path.display()))?;
            file.sync_all().with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            write_format(case, format, &mut w, color).context("writing to standard output")?;
            w.flush().context("writing to standard output")
        }
    }
}

fn write_format(case: &Case, format: Format, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
    match format {
        Format::Table => ward_report::write_summary(case, w, ward_report::Style { color, ..Default::default() }),
        Format::Jsonl => ward_report::write_jsonl(case, w),
        Format::Json => ward_report::write_json(case, w),
        Format::Csv => ward_report::write_csv_timeline(case, w),
    }
}

/// Writes the HTML report to `path`.
pub fn write_html(case: &Case, path: &Path) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    ward_report::write_html(case, &mut w).with_context(|| format!("writing {}", path.display()))?;
    let file = w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("writing {}", path.display()))
}
