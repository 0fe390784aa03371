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
//!
//! Every format is one row of the format registry (`sniff.rs`, `FORMATS`): how it is
//! recognised, how it is read and the Sigma log source of its events. What a log leaves out is
//! given by [`ReadOptions`] ([`read_path_with`]), not guessed from the clock: the year of RFC
//! 3164 syslog times comes from the option, the log's own dated times or the file's mtime.

mod channels;
mod error;
mod evtx;
mod intern;
mod limits;
mod open;
mod report;
mod sniff;
mod windows;
mod winjson;

pub mod network;

pub use error::IngestError;
pub use limits::Limits;
pub use open::UNRECOGNISED;
pub use report::{FileReport, MAX_ERRORS_KEPT, PositionUnit, RecordError};
pub use windows::SYSTEM_FIELDS;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ward_event::{Event, Timestamp};

/// How inputs are read. Nothing in reading looks at the clock: what a log does not say (the
/// year of an RFC 3164 syslog time) comes from here or from the input itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The year of syslog times written without one (RFC 3164), as `ward hunt --year` gives it.
    /// When `None`, the year comes from the input's own dated times, else from
    /// [`ReadOptions::written`], else it is 1970 (the year of `Timestamp::UNKNOWN`).
    pub syslog_year: Option<i16>,
    /// When the input was last written: undated syslog times are placed in the latest year that
    /// puts them no later than a day after it. [`read_path_with`] fills it from the file's mtime.
    pub written: Option<Timestamp>,
    /// Caps against archive bombs (inflated size and ratio, zip members and size).
    pub limits: Limits,
}

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

/// Reads one input path with default [`ReadOptions`] (see [`read_path_with`]).
pub fn read_path(path: &Path, on_event: &mut dyn FnMut(Event)) -> Vec<FileReport> {
    read_path_with(path, &ReadOptions::default(), on_event)
}

/// Reads one input path: sniffs content, unwraps .gz (any gzip magic) and .zip (each member is read
/// and reported as "archive.zip!member"), dispatches to the right reader. Returns one FileReport per
/// input read (several for a zip). Never panics; an unreadable file gives a FileReport with format
/// "unknown" and a PositionUnit::File error, a file in no known format one with format
/// [`UNRECOGNISED`]. Unless `options` says when the input was written, the file's mtime does.
pub fn read_path_with(
    path: &Path,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
) -> Vec<FileReport> {
    let name = path.display().to_string();
    match File::open(path) {
        Ok(file) => {
            let mut options = *options;
            if options.written.is_none() {
                options.written = modified(&file);
            }
            read_reader_with(&name, Box::new(file), &options, on_event)
        }
        Err(e) => vec![open::failed(
            &name,
            0,
            PositionUnit::File,
            format!("cannot open: {e}"),
        )],
    }
}

/// Reads a live stream (what `ward monitor` receives) named `name`: its syslog times without a
/// year are placed relative to now, the time of reading — the one place reading takes the clock.
/// A recorded stream is read the same on any date with [`read_reader_with`].
pub fn read_reader(
    name: &str,
    input: Box<dyn Read + '_>,
    on_event: &mut dyn FnMut(Event),
) -> Vec<FileReport> {
    let received = ReadOptions {
        written: Some(Timestamp::from_jiff(jiff::Timestamp::now())),
        ..ReadOptions::default()
    };
    read_reader_with(name, input, &received, on_event)
}

/// Reads an in-memory or stream source with a display name, as [`read_path_with`] reads a file.
pub fn read_reader_with(
    name: &str,
    input: Box<dyn Read + '_>,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let budget = limits::Budget::default();
    open::read_layers(name, input, 0, &budget, options, on_event, &mut reports);
    reports
}

/// Reads `input` as the registry's format `format` (`"iptables"`, `"evtx"`, …), skipping the
/// sniffer and the compression layers: how the fuzz targets reach one reader directly. `None`
/// when no row has that name ([`format_names`] lists them).
pub fn read_as(
    format: &str,
    name: &str,
    input: &mut dyn std::io::BufRead,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
) -> Option<FileReport> {
    let sniffed = sniff::Sniffed::named(format)?;
    let mut report = FileReport::new(name, sniffed.name);
    sniffed.read(input, options, &mut report, on_event);
    Some(report)
}

/// The names of every format of the registry, in its order of precedence.
pub fn format_names() -> impl Iterator<Item = &'static str> {
    sniff::FORMATS.iter().map(|format| format.name)
}

/// The file's mtime, when the file system keeps one.
fn modified(file: &File) -> Option<Timestamp> {
    let mtime = file.metadata().and_then(|m| m.modified()).ok()?;
    jiff::Timestamp::try_from(mtime)
        .ok()
        .map(Timestamp::from_jiff)
}
