//! The vocabulary every Ward stage shares: an [`Event`] read from a log, its [`Timestamp`],
//! its [`LogSource`], the normalised [`HostName`] it came from, and the [`Fields`] trait through
//! which rules and analytics look fields up by name without building a JSON tree.
//!
//! ```
//! use ward_event::{Event, FieldList, Fields, LogSource, Timestamp, Value};
//!
//! let mut fields = FieldList::default();
//! fields.push("EventID", Value::Int(7045));
//! fields.push("ServiceName", Value::from("WmiApSrvEx"));
//! let event = Event::new(
//!     Timestamp::parse("2024-03-01T10:00:00Z").unwrap(),
//!     "mri-console-1.clinic.local",
//!     LogSource::windows("System", "Service Control Manager", 7045),
//!     fields,
//! );
//! assert_eq!(event.host.short(), "MRI-CONSOLE-1");
//! assert_eq!(event.get("ServiceName").and_then(|v| v.as_str()), Some("WmiApSrvEx"));
//! ```

mod fields;
mod host;
mod level;
pub mod net;
mod source;
mod time;

pub use fields::{FieldList, Fields, Value};
pub use host::HostName;
pub use level::Level;
pub use source::LogSource;
pub use time::{Timestamp, TimestampError};

use std::sync::Arc;

/// Where in its input an event was read: which file and which record, line or byte offset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// Input path as given (inside an archive: `archive.zip!member.json`).
    pub file: Arc<str>,
    /// Record number, line number or byte offset, as the reader counts them.
    pub position: u64,
}

/// One log record, normalised: when, where, from which log, and its fields.
#[derive(Debug, Clone)]
pub struct Event {
    /// When the event happened, UTC.
    pub time: Timestamp,
    /// The host that logged it (or, for network logs, the sensor or empty).
    pub host: HostName,
    /// Which log the event came from.
    pub source: LogSource,
    /// The log's own record number (`EventRecordID` for Windows), when it has one.
    pub record_id: Option<u64>,
    /// File and position the event was read from.
    pub origin: Origin,
    /// The event's fields, flat, by name.
    pub fields: FieldList,
}

impl Event {
    /// An event with no record id and an empty origin.
    pub fn new(time: Timestamp, host: &str, source: LogSource, fields: FieldList) -> Self {
        Event {
            time,
            host: HostName::new(host),
            source,
            record_id: None,
            origin: Origin::default(),
            fields,
        }
    }

    /// The ordering key that makes output independent of thread count.
    pub fn sort_key(&self) -> (Timestamp, &str, u64, &Origin) {
        (
            self.time,
            self.host.short(),
            self.record_id.unwrap_or(0),
            &self.origin,
        )
    }
}

impl Fields for Event {
    fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, &Value)) {
        self.fields.for_each_field(f)
    }

    fn get_all(&self, name: &str, f: &mut dyn FnMut(&Value)) {
        self.fields.get_all(name, f)
    }
}
