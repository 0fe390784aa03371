//! The same records read from EVTX and from evtx_dump-style JSON give the same events.

mod common;

use std::path::Path;

use ward_event::{Event, Value};

/// The JSON files were made by an older evtx_dump than the `evtx` 0.15.1 Ward reads EVTX with.
/// Three rendering differences follow, all in the data, none in Ward:
/// GUIDs (`{0197231e-…}` now, `0197231E-…` then), `SystemTime` (100 ns digits now, microseconds
/// then) and trailing spaces of a value (kept now, trimmed then).
#[derive(Debug, Default)]
struct ToolDifferences {
    guid_spelling: usize,
    time_precision: usize,
    trailing_space: usize,
}

fn same_value(a: &Value, b: &Value, seen: &mut ToolDifferences) -> bool {
    if a == b {
        return true;
    }
    let (Value::Str(x), Value::Str(y)) = (a, b) else {
        return false;
    };
    let unbraced = x.trim_start_matches('{').trim_end_matches('}');
    if x.starts_with('{') && unbraced.len() == 36 && unbraced.eq_ignore_ascii_case(y) {
        seen.guid_spelling += 1;
        return true;
    }
    if x.trim_end() == y.trim_end() {
        seen.trailing_space += 1;
        return true;
    }
    false
}

/// Differences between two events of the same record, beyond the known tool differences.
fn differences(file: &Path, x: &Event, y: &Event, seen: &mut ToolDifferences) -> Vec<String> {
    let mut out = Vec::new();
    let micros = |e: &Event| e.time.as_nanos().div_euclid(1000);
    if x.time != y.time {
        if micros(x) == micros(y) {
            seen.time_precision += 1;
        } else {
            out.push(format!("time {} vs {}", x.time, y.time));
        }
    }
    if (&x.host, &x.source, x.record_id) != (&y.host, &y.source, y.record_id) {
        out.push(format!(
            "{:?}/{:?} vs {:?}/{:?}",
            x.host, x.source, y.host, y.source
        ));
    }
    let (fx, fy): (Vec<_>, Vec<_>) = (x.fields.iter().collect(), y.fields.iter().collect());
    if fx.len() != fy.len() {
        out.push(format!(
            "{} fields vs {}: {fx:?} vs {fy:?}",
            fx.len(),
            fy.len()
        ));
        return out;
    }
    for ((kx, vx), (ky, vy)) in fx.into_iter().zip(fy) {
        if kx != ky || !(same_value(vx, vy, seen) || is_data_edit(file, kx, vx, vy)) {
            out.push(format!("{kx}={vx:?} vs {ky}={vy:?}"));
        }
    }
    out
}

/// Values that differ in the files themselves (checked against the UTF-16 text in the EVTX):
/// file stem, field, EVTX value, JSON value.
const DATA_EDITS: &[(&str, &str, &str, &str)] = &[(
    "ad691d92-15f2-4181-9aa4-723c74f9ddc3",
    "ParentCommandLine",
    "C:\\Windows\\Explorer.EXE",
    "C:\\Windows\\Explorer.exe",
)];

fn is_data_edit(file: &Path, field: &str, a: &Value, b: &Value) -> bool {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    DATA_EDITS.iter().any(|&(s, f, x, y)| {
        s == stem && f == field && a.as_str() == Some(x) && b.as_str() == Some(y)
    })
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|e| e.record_id);
    events
}

#[test]
fn evtx_and_json_of_every_regression_case_agree() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let root = data.join("sigma/regression_data");
    let evtx_files = common::files_with_ext(&root, ".evtx");
    assert_eq!(evtx_files.len(), 202, "regression cases");
    let mut compared_events = 0;
    let mut mismatches = Vec::new();
    let mut seen = ToolDifferences::default();
    for evtx in &evtx_files {
        let json = evtx.with_extension("json");
        assert!(
            Path::new(&json).exists(),
            "{} has no JSON twin",
            evtx.display()
        );
        let (from_evtx, evtx_reports) = common::read_all(evtx);
        let (from_json, json_reports) = common::read_all(&json);
        assert_eq!(evtx_reports[0].format, "evtx");
        assert_eq!(json_reports[0].format, "evtx-json", "{}", json.display());
        assert_eq!(
            evtx_reports[0].bad_records, 0,
            "{:?}",
            evtx_reports[0].errors
        );
        assert_eq!(
            json_reports[0].bad_records, 0,
            "{:?}",
            json_reports[0].errors
        );
        let (a, b) = (sorted(from_evtx), sorted(from_json));
        if a.len() != b.len() {
            mismatches.push(format!(
                "{}: {} events from EVTX, {} from JSON",
                evtx.display(),
                a.len(),
                b.len()
            ));
            continue;
        }
        for (x, y) in a.iter().zip(&b) {
            compared_events += 1;
            let diff = differences(evtx, x, y, &mut seen);
            if !diff.is_empty() {
                mismatches.push(format!(
                    "{} record {:?}: {}",
                    evtx.display(),
                    x.record_id,
                    diff.join("; ")
                ));
            }
        }
    }
    eprintln!("{compared_events} events compared; known tool differences: {seen:?}");
    for m in &mismatches {
        eprintln!("{m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatching cases",
        mismatches.len()
    );
    // Figures from the first run (2026 data snapshot); they pin the comparison to the data.
    assert_eq!(compared_events, 238);
    assert_eq!(
        (seen.guid_spelling, seen.time_precision, seen.trailing_space),
        (538, 220, 91)
    );
}
