//! Turning rule hits into case detections, and writing the chosen output format safely.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use ward_analytics::Case;
use ward_analytics::case::Detection;
use ward_event::{Event, FieldList, Value};
use ward_sigma::{CorrelationHit, RuleIdx, RuleMeta, RuleSet};

use crate::cli::Format;

/// A detection for rule `idx` matching `event`, carrying the event's fields.
pub fn rule_detection(rules: &RuleSet, idx: RuleIdx, event: &Event) -> Detection {
    let rule = rules.rule(idx);
    Detection {
        time: event.time,
        host: event.host.short().to_string(),
        rule_id: rule_id(rule),
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

/// The id a rule is known by in output: its `id`, else its `name`, else its title.
fn rule_id(rule: &RuleMeta) -> String {
    rule.id
        .clone()
        .or_else(|| rule.name.clone())
        .unwrap_or_else(|| rule.title.clone())
}

/// A detection for a correlation rule that fired. `inputs` are the correlation events the hit's
/// indices refer to; the host is theirs when they all come from one host.
pub fn correlation_detection(rules: &RuleSet, hit: &CorrelationHit) -> Detection {
    let rule = rules.rule(hit.rule);
    let host = hit.host.clone().unwrap_or_default();
    let mut fields = FieldList::default();
    for (name, value) in &hit.group {
        fields.push(
            name.as_str(),
            value.as_deref().map_or(Value::Null, Value::from),
        );
    }
    fields.push("correlation_value", Value::Float(hit.value));
    fields.push("correlation_events", Value::UInt(hit.events.len() as u64));
    fields.push("first_seen", Value::from(hit.first.to_rfc3339()));
    Detection {
        time: hit.last,
        host,
        rule_id: rule_id(rule),
        title: rule.title.clone(),
        level: rule.level,
        kind: "correlation".to_string(),
        source: "correlation".to_string(),
        event_id: None,
        record_id: None,
        file: String::new(),
        position: 0,
        tags: rule.tags.clone(),
        fields,
    }
}

/// Writes `case` in `format` to `path`, or to standard output when `path` is `None`.
/// Everything is flushed and every write error reported, so a full disk is not a silent loss.
pub fn write_case(
    case: &Case,
    format: Format,
    path: Option<&Path>,
    color: bool,
    width: Option<u16>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_format(case, format, &mut w, false, None)
                .with_context(|| format!("writing {}", path.display()))?;
            let file = w
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("writing {}", path.display()))?;
            sync(&file).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            write_format(case, format, &mut w, color, width)
                .context("writing to standard output")?;
            w.flush().context("writing to standard output")
        }
    }
}

fn write_format(
    case: &Case,
    format: Format,
    w: &mut dyn Write,
    color: bool,
    width: Option<u16>,
) -> std::io::Result<()> {
    match format {
        Format::Table => ward_report::write_summary(case, w, ward_report::Style { color, width }),
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
    let file = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing {}", path.display()))?;
    sync(&file).with_context(|| format!("writing {}", path.display()))
}

/// Makes a regular file durable; devices and pipes (`-o /dev/null`) need no sync.
fn sync(file: &File) -> std::io::Result<()> {
    if file.metadata()?.is_file() {
        file.sync_all()
    } else {
        Ok(())
    }
}
