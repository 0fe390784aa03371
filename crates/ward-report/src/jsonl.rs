//! JSON Lines: one detection per line, then one finding per line, each tagged with `"type"`.
//! The shape of each line is documented in `docs/report-schema.md` ("JSON Lines").

use rayon::prelude::*;
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

/// Detections serialised together: large enough to share out between threads, small enough
/// that a case read from disk is never all in memory.
const BATCH: usize = 4096;

/// Writes every detection (`"type":"detection"`), then every finding (`"type":"finding"`),
/// one JSON object per line, in the case's order. Batches of lines are serialised on the
/// thread pool and written in order: on a large case the JSON encoding is most of the output
/// time.
pub fn write_jsonl(case: &Case, out: &mut dyn Write) -> io::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    for d in case.detections.iter() {
        batch.push(d);
        if batch.len() == BATCH {
            write_batch(out, "detection", &batch)?;
            batch.clear();
        }
    }
    write_batch(out, "detection", &batch)?;
    for chunk in case.findings.chunks(BATCH) {
        write_batch(out, "finding", chunk)?;
    }
    Ok(())
}

fn write_batch<T: Serialize + Sync>(
    out: &mut dyn Write,
    kind: &'static str,
    items: &[T],
) -> io::Result<()> {
    let encoded: Vec<Vec<u8>> = items
        .par_chunks(256)
        .map(|chunk| {
            let mut buf = Vec::with_capacity(chunk.len() * 512);
            for item in chunk {
                serde_json::to_writer(&mut buf, &Line { r#type: kind, item })?;
                buf.push(b'\n');
            }
            Ok(buf)
        })
        .collect::<Result<_, serde_json::Error>>()
        .map_err(io::Error::other)?;
    encoded.iter().try_for_each(|buf| out.write_all(buf))
}
