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
    /// Counts one more sighting; true when it is the new earliest (ties go to the smaller
    /// `file:position`, so the result does not depend on the order files were read in).
    pub fn add(&mut self, event: &Event) -> bool {
        let earliest = self.count == 0
            || event.time < self.first
            || (event.time == self.first && origin(event) < self.first_origin);
        if earliest {
            self.first = event.time;
            self.first_origin = origin(event);
        }
        if self.count == 0 || event.time > self.last {
            self.last = event.time;
        }
        self.count += 1;
        earliest
    }

    /// Adds the sightings of `other`, as if its events had been fed here; true when `other`
    /// holds the new earliest.
    pub fn merge(&mut self, other: &Seen) -> bool {
        if other.count == 0 {
            return false;
        }
        let earliest = self.count == 0
            || other.first < self.first
            || (other.first == self.first && other.first_origin < self.first_origin);
        if earliest {
            self.first = other.first;
            self.first_origin.clone_from(&other.first_origin);
        }
        if self.count == 0 || other.last > self.last {
            self.last = other.last;
        }
        self.count += other.count;
        earliest
    }
}

/// Keeps the later of two times per key.
pub(crate) fn merge_latest<K: Ord>(
    into: &mut std::collections::BTreeMap<K, Timestamp>,
    from: std::collections::BTreeMap<K, Timestamp>,
) {
    for (key, time) in from {
        let slot = into.entry(key).or_insert(time);
        *slot = (*slot).max(time);
    }
}

/// Keeps one spelling per account whatever the reading order: the fullest (`CLINIC\\jo` over
/// `jo`), then the smallest.
pub(crate) fn remember_name(
    display: &mut std::collections::BTreeMap<String, String>,
    key: &str,
    name: &str,
) {
    match display.get_mut(key) {
        Some(kept) => {
            if (name.len(), std::cmp::Reverse(name))
                > (kept.len(), std::cmp::Reverse(kept.as_str()))
            {
                *kept = name.to_string();
            }
        }
        None => {
            display.insert(key.to_string(), name.to_string());
        }
    }
}
