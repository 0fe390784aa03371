//! JSON Lines: one detection per line, then one finding per line, each tagged with `"type"`.
//! The shape of each line is documented in `docs/report-schema.md` ("JSON Lines").

use serde::Serialize;
use std::io::{self, Write};
use ward_analytics::Case;

/// One line: the item's own fields plus a `type` tag saying which kind of item it is.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    r#type: &'static str,
    #[serde(flatten)]
    item: &'a T,
}

/// Writes every detection (`"type":"detection"`), then every finding (`"type":"finding"`),
/// one JSON object per line, in the case's order.
pub fn write_jsonl(case: &Case, out: &mut dyn Write) -> io::Result<()> {
    for d in case.detections.iter() {
        line(out, "detection", &*d)?;
    }
    for f in &case.findings {
        line(out, "finding", f)?;
    }
    Ok(())
}

fn line<T: Serialize>(out: &mut dyn Write, kind: &'static str, item: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Line { r#type: kind, item })?;
    out.write_all(b"\n")
}
