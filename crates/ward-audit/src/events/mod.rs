//! Facts the checks need, taken from events as they stream past: compact keyed state only,
//! with a cheap early return for events no check cares about.

mod admins;
mod coverage;
mod health;

pub(crate) use admins::{AdminUse, Use};
pub(crate) use coverage::{Coverage, HostCoverage, RecordIdTrack};
pub(crate) use health::{HostHealth, Tally};

use ward_event::{Event, Fields, Timestamp};

/// The first non-empty text among `names` (field names differ between log shapes).
pub(crate) fn text<'a>(event: &'a Event, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .filter_map(|n| event.get(n).and_then(|v| v.as_str()))
        .map(str::trim)
        .find(|s| !s.is_empty() && *s != "-")
}

/// Where an event was read, for an evidence line: `file:position`.
pub(crate) fn origin(event: &Event) -> String {
    format!("{}:{}", event.origin.file, event.origin.position)
}

/// First and last time something was seen, and how often.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Seen {
    /// Times seen.
    pub count: u64,
    /// Earliest time.
    pub first: Timestamp,
    /// Latest time.
    pub last: Timestamp,
    /// Where the earliest was read.
    pub first_origin: String,
}

impl Seen {
    /// Counts one more sighting.
    pub fn add(&mut self, event: &Event) {
        if self.count == 0 || event.time < self.first {
            self.first = event.time;
            self.first_origin = origin(event);
        }
        if self.count == 0 || event.time > self.last {
            self.last = event.time;
        }
        self.count += 1;
    }
}
