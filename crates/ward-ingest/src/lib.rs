//! Ward's log readers. Each input is sniffed from its content (never its extension), opened
//! through `.gz`/`.zip` layers, and read into [`ward_event::Event`]s handed to a callback; bad
//! records are counted and described with file and position, never fatal.
//!
//! ```no_run
//! use std::path::PathBuf;
//!
//! let inputs = ward_ingest::discover(&[PathBuf::from("logs/")]).unwrap();
//! for path in &inputs {
//!     let mut events = 0;
//!     for report in ward_ingest::read_path(path, &mut |_event| events += 1) {
//!         for error in &report.errors {
//!             eprintln!("{error}");
//!         }
//!     }
//!     println!("{}: {events} events", path.display());
//! }
//! ```
//!
//! Windows events from every source (EVTX, evtx_dump / Winlogbeat / NXLog / PowerShell JSON)
//! get the same field names; see [`SYSTEM_FIELDS`] for the System part.

mod channels;
mod error;
mod evtx;
mod intern;
mod open;
mod report;
mod sniff;
mod windows;
mod winjson;

pub mod network;

pub use error::IngestError;
pub use open::UNRECOGNISED;
pub use report::{FileReport, MAX_ERRORS_KEPT, PositionUnit, RecordError};
pub use windows::SYSTEM_FIELDS;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ward_event::Event;

/// Expands paths: files as given, directories recursed (sorted, deterministic), skipping nothing by
/// extension. A missing path is an error naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(IngestError::Missing { path: path.clone() });
        }
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|source| IngestError::Walk {
                path: source
                    .path()
                    .map_or_else(|| path.clone(), Path::to_path_buf),
                source,
            })?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

/// Reads one input path: sniffs content, unwraps .gz (any gzip magic) and .zip (each member is read
/// and reported as "archive.zip!member"), dispatches to the right reader. Returns one FileReport per
/// input read (several for a zip). Never panics; an unreadable/unknown file gives a FileReport with
/// format "unknown" and a PositionUnit::File error.
pub fn read_path(path: &Path, on_event: &mut dyn FnMut(Event)) -> Vec<FileReport> {
    let name = path.display().to_string();
    match File::open(path) {
        Ok(file) => read_reader(&name, Box::new(file), on_event),
        Err(e) => vec![open::failed(
            &name,
            0,
            PositionUnit::File,
            format!("cannot open: {e}"),
        )],
    }
}

/// Same from an in-memory/stream source with a display name (used by tests and later by `monitor`).
pub fn read_reader(
    name: &str,
    input: Box<dyn Read + '_>,
    on_event: &mut dyn FnMut(Event),
) -> Vec<FileReport> {
    let mut reports = Vec::new();
    open::read_layers(name, input, 0, on_event, &mut reports);
    reports
}
