//! What reading one file produced besides events: counts and the errors, each with a position.

use std::fmt;

/// At most this many errors are kept per file; `bad_records` still counts all of them.
pub const MAX_ERRORS_KEPT: usize = 100;

/// How a reader counts positions in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionUnit {
    /// EVTX record number (or chunk number for chunk-level damage).
    Record,
    /// 1-based line number.
    Line,
    /// Byte offset from the start of the (decompressed) input.
    Offset,
    /// The file as a whole (it could not be opened or recognised).
    File,
}

impl PositionUnit {
    /// Lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            PositionUnit::Record => "record",
            PositionUnit::Line => "line",
            PositionUnit::Offset => "offset",
            PositionUnit::File => "file",
        }
    }
}

/// One record (or a whole file) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The input, as `FileReport::path`.
    pub file: String,
    /// Where in it.
    pub position: u64,
    /// What `position` counts.
    pub unit: PositionUnit,
    /// What went wrong, one line.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            PositionUnit::File => write!(f, "{}: {}", self.file, self.message),
            unit => write!(
                f,
                "{}: {} {}: {}",
                self.file,
                unit.as_str(),
                self.position,
                self.message
            ),
        }
    }
}

/// The outcome of reading one input (an archive member counts as its own input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Path as given; archive members as `archive.zip!member`.
    pub path: String,
    /// Format name as sniffed: `evtx`, `evtx-json`, `winlogbeat-json`, `nxlog-json`,
    /// `powershell-json`, `zeek-tsv`, … or `unknown`.
    pub format: &'static str,
    /// Events handed to the callback.
    pub events: u64,
    /// Records that could not be read.
    pub bad_records: u64,
    /// The first [`MAX_ERRORS_KEPT`] errors.
    pub errors: Vec<RecordError>,
}

impl FileReport {
    /// An empty report for `path`.
    pub fn new(path: impl Into<String>, format: &'static str) -> Self {
        FileReport {
            path: path.into(),
            format,
            events: 0,
            bad_records: 0,
            errors: Vec::new(),
        }
    }

    /// Counts a bad record and keeps its description while there is room.
    pub fn bad(&mut self, position: u64, unit: PositionUnit, message: impl Into<String>) {
        self.bad_records += 1;
        if self.errors.len() < MAX_ERRORS_KEPT {
            self.errors.push(RecordError {
                file: self.path.clone(),
                position,
                unit,
                message: message.into(),
            });
        }
    }
}

/// Reads the rest of `input` into memory for readers that need the whole file. A read error is
/// recorded at the offset reached, and what was read is kept (a truncated `.gz` still yields its
/// intact part).
pub(crate) fn read_whole(input: &mut dyn std::io::BufRead, report: &mut FileReport) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Err(e) = input.read_to_end(&mut buf) {
        report.bad(
            buf.len() as u64,
            PositionUnit::Offset,
            format!("read failed: {e}"),
        );
    }
    buf
}
