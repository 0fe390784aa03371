//! Ward's outputs. Every sink renders a [`ward_analytics::Case`]; none knows how findings were made.
//!
//! | sink | for |
//! |---|---|
//! | [`write_summary`] | people at a terminal |
//! | [`write_jsonl`] | SIEMs and `jq`: one detection or finding per line |
//! | [`write_csv_timeline`] | Timesketch (and spreadsheets) |
//! | [`write_json`] | programs: the versioned report (`docs/report-schema.md`) |
//! | [`write_html`] | people: one self-contained, offline, printable page |
//!
//! Sinks propagate I/O errors and never flush; the caller owns the writer.
//!
//! ```
//! use ward_analytics::Case;
//! use ward_event::Timestamp;
//!
//! let case = Case::new("0.1.0", Timestamp::parse("2024-03-01T12:00:00Z").unwrap());
//! let mut out = Vec::new();
//! ward_report::write_summary(&case, &mut out, ward_report::Style::plain()).unwrap();
//! assert!(String::from_utf8(out).unwrap().contains("Nothing found"));
//! ```

mod csv_timeline;
mod html;
mod incidents;
mod json;
mod jsonl;
mod network;
mod overview;
mod readiness;
mod summary;
mod text;

pub use csv_timeline::write_csv_timeline;
pub use html::write_html;
pub use incidents::{Incident, incidents_of};
pub use json::write_json;
pub use jsonl::write_jsonl;
pub use overview::{AffectedDevice, NeedsALook, Overview, Verdict};
pub use summary::write_summary;

/// How the terminal summary looks. The caller decides colour (`NO_COLOR`, not a TTY, `--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Table width in columns; `None` lets tables take the width they need.
    pub width: Option<u16>,
}

impl Style {
    /// No colour, natural width: for files, pipes and tests.
    pub fn plain() -> Self {
        Style {
            color: false,
            width: None,
        }
    }
}
