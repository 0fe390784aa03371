//! One Windows event, whatever it was read from: the parts every shape fills in (System
//! fields and event data) and the single place that turns them into an [`Event`], so the same
//! record gives the same event from EVTX, evtx_dump JSON, Winlogbeat, NXLog or PowerShell JSON.
//!
//! Field naming (the contract rules and analytics rely on): event data fields are flattened to
//! the top level under their `Name` (`CommandLine`, `ServiceName`), unnamed `<Data>` values
//! repeat the name `Data`, and UserData leaves are named by their element. The System part adds
//! at most these fields, in this order: [`SYSTEM_FIELDS`]. The time lives in `Event::time`, not
//! in a field. System numbers are integers whatever the source spelled (`"4688"` → 4688) and
//! `Keywords` is always hex text (`0x8020000000000000`); event data values keep the source's type.

use std::borrow::Cow;
use std::sync::Arc;

use ward_event::{Event, FieldList, HostName, LogSource, Origin, Timestamp, Value};

use crate::intern::Interner;

/// The System fields an event may carry, in output order.
pub const SYSTEM_FIELDS: [&str; 13] = [
    "EventID",
    "Channel",
    "Provider_Name",
    "Computer",
    "EventRecordID",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "Version",
    "ProcessID",
    "ThreadID",
    "UserID",
];

/// Index into [`SYSTEM_FIELDS`] / [`System::slots`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sys {
    EventId = 0,
    Channel,
    Provider,
    Computer,
    RecordId,
    Level,
    Task,
    Opcode,
    Keywords,
    Version,
    ProcessId,
    ThreadId,
    UserId,
}

impl Sys {
    /// System fields that are numbers in the EVTX schema.
    fn is_numeric(self) -> bool {
        matches!(
            self,
            Sys::EventId
                | Sys::RecordId
                | Sys::Level
                | Sys::Task
                | Sys::Opcode
                | Sys::Version
                | Sys::ProcessId
                | Sys::ThreadId
        )
    }
}

/// The System part of a record, as read.
#[derive(Debug, Default)]
pub(crate) struct System {
    /// One slot per [`SYSTEM_FIELDS`] entry.
    pub slots: [Option<Value>; 13],
    /// `TimeCreated/@SystemTime` or the shape's equivalent, as text.
    pub time: Option<Value>,
    /// The time when the shape had to compute it (it then wins over `time`).
    pub exact_time: Option<Timestamp>,
}

impl System {
    /// Fills a slot (the first value wins, as in XML where each System element occurs once).
    pub fn set(&mut self, which: Sys, value: Value) {
        let slot = &mut self.slots[which as usize];
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    fn text(&self, which: Sys) -> Option<&str> {
        self.slots[which as usize].as_ref().and_then(Value::as_str)
    }
}

/// Everything one shape read from one record, with names still borrowed from the input.
#[derive(Debug, Default)]
pub(crate) struct WinRecord<'a> {
    /// The System part.
    pub system: System,
    /// Event data and user data fields, in document order.
    pub data: Vec<(Cow<'a, str>, Value)>,
}

/// Turns records of one input into events, sharing names through one interner.
#[derive(Debug, Default)]
pub(crate) struct EventBuilder {
    names: Interner,
}

impl EventBuilder {
    /// Builds the event for `record`; `fallback_time` is used when the record names no time
    /// (the EVTX record header's own timestamp).
    pub fn build(
        &mut self,
        mut record: WinRecord<'_>,
        file: &Arc<str>,
        position: u64,
        fallback_time: Option<Timestamp>,
    ) -> Event {
        normalise_system(&mut record.system);
        let sys = &record.system;
        let time = sys
            .exact_time
            .or_else(|| sys.time.as_ref().and_then(parse_time))
            .or(fallback_time)
            .unwrap_or(Timestamp::UNKNOWN);
        let event_id = sys.slots[Sys::EventId as usize]
            .as_ref()
            .and_then(Value::as_i64)
            .and_then(|id| u32::try_from(id).ok());
        let record_id = sys.slots[Sys::RecordId as usize]
            .as_ref()
            .and_then(Value::as_i64)
            .and_then(|id| u64::try_from(id).ok());
        let source = self.source(sys, event_id);
        let host = HostName::new(sys.text(Sys::Computer).unwrap_or(""));

        let mut fields = FieldList::with_capacity(SYSTEM_FIELDS.len() + record.data.len());
        for (name, slot) in SYSTEM_FIELDS.iter().zip(record.system.slots) {
            if let Some(value) = slot {
                fields.push(self.names.get(name), value);
            }
        }
        for (name, value) in record.data {
            fields.push(self.names.get(&name), value);
        }
        Event {
            time,
            host,
            source,
            record_id,
            origin: Origin {
                file: Arc::clone(file),
                position,
            },
            fields,
        }
    }

    fn source(&mut self, sys: &System, event_id: Option<u32>) -> LogSource {
        LogSource {
            product: self.names.get("windows"),
            channel: sys.text(Sys::Channel).map(|c| self.names.get(c)),
            provider: sys.text(Sys::Provider).map(|p| self.names.get(p)),
            event_id,
            ..LogSource::default()
        }
    }
}

/// A time written as text (or, by some exporters, epoch seconds).
fn parse_time(t: &Value) -> Option<Timestamp> {
    match t {
        Value::Str(s) => Timestamp::parse(s).ok(),
        other => Timestamp::parse(&other.to_string()).ok(),
    }
}

/// Gives every shape the same System spelling: integers for numeric fields, hex keywords,
/// canonical channel case.
fn normalise_system(sys: &mut System) {
    for (i, slot) in sys.slots.iter_mut().enumerate() {
        let Some(value) = slot.take() else { continue };
        let which = SYS_ORDER[i];
        *slot = Some(match (which, value) {
            (Sys::Keywords, Value::Int(k)) => Value::from(format!("0x{:x}", k as u64)),
            (Sys::Keywords, Value::UInt(k)) => Value::from(format!("0x{k:x}")),
            (Sys::Channel, Value::Str(c)) => {
                Value::from(crate::channels::canonical(&c).unwrap_or(&c))
            }
            (w, Value::Str(s)) if w.is_numeric() => match s.trim().parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::Str(s),
            },
            (Sys::Computer | Sys::Provider | Sys::UserId | Sys::Channel, other) => {
                Value::from(other.to_string())
            }
            (_, other) => other,
        });
    }
}

const SYS_ORDER: [Sys; 13] = [
    Sys::EventId,
    Sys::Channel,
    Sys::Provider,
    Sys::Computer,
    Sys::RecordId,
    Sys::Level,
    Sys::Task,
    Sys::Opcode,
    Sys::Keywords,
    Sys::Version,
    Sys::ProcessId,
    Sys::ThreadId,
    Sys::UserId,
];
