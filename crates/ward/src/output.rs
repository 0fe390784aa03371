//! Writing the case in the chosen output format safely.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use ward_analytics::Case;

use crate::cli::Format;

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
