//! Winlogbeat documents: version 7/8 nest the event under `winlog` (ECS), version 6 keeps it at
//! the top level. Only System fields Winlogbeat keeps as numbers or identifiers are mapped;
//! its level, task, opcode and keywords are display names, not the EVTX values, and are left out.
//! Time is `@timestamp` (the event's creation time, UTC).

use std::borrow::Cow;

use ward_event::Value;

use super::flat::Flat;
use crate::windows::{Sys, WinRecord};

/// Dotted paths of System fields, Winlogbeat 7/8 first, then 6.
const SYSTEM_PATHS: &[(&str, Sys)] = &[
    ("winlog.event_id", Sys::EventId),
    ("winlog.channel", Sys::Channel),
    ("winlog.provider_name", Sys::Provider),
    ("winlog.computer_name", Sys::Computer),
    ("winlog.record_id", Sys::RecordId),
    ("winlog.version", Sys::Version),
    ("winlog.process.pid", Sys::ProcessId),
    ("winlog.process.thread.id", Sys::ThreadId),
    ("winlog.user.identifier", Sys::UserId),
    ("event_id", Sys::EventId),
    ("log_name", Sys::Channel),
    ("source_name", Sys::Provider),
    ("computer_name", Sys::Computer),
    ("record_number", Sys::RecordId),
    ("version", Sys::Version),
    ("process_id", Sys::ProcessId),
    ("thread_id", Sys::ThreadId),
    ("user.identifier", Sys::UserId),
    // Last resort for the computer: the Beat's host, normally the same machine.
    ("host.name", Sys::Computer),
];

const EVENT_DATA: [&str; 2] = ["winlog.event_data.", "event_data."];
const USER_DATA: [&str; 2] = ["winlog.user_data.", "user_data."];

/// True when the record looks like a Winlogbeat document (6, 7 or 8).
pub(crate) fn matches(flat: &Flat<'_>) -> bool {
    flat.iter().any(|(p, _)| {
        p.starts_with("winlog.")
            || p == "log_name"
            || EVENT_DATA.iter().any(|pre| p.starts_with(pre))
    })
}

/// Sorts the pairs into System fields, time and event data.
pub(crate) fn to_record(flat: Flat<'_>) -> WinRecord<'_> {
    let mut record = WinRecord::default();
    // Collected apart so the System slots are filled in table order (7/8 before 6 before host).
    let mut system: Vec<(usize, Sys, Value)> = Vec::new();
    for (path, value) in flat {
        if let Some((i, (_, slot))) = SYSTEM_PATHS
            .iter()
            .enumerate()
            .find(|(_, (p, _))| *p == path)
        {
            system.push((i, *slot, value));
        } else if path == "@timestamp" {
            record.system.time = Some(value);
        } else if let Some(name) = strip(&path, &EVENT_DATA) {
            record.data.push((name, value));
        } else if let Some(rest) = strip(&path, &USER_DATA) {
            let leaf = match rest {
                Cow::Borrowed(r) => Cow::Borrowed(r.rsplit('.').next().unwrap_or(r)),
                Cow::Owned(r) => Cow::Owned(r.rsplit('.').next().unwrap_or(&r).to_owned()),
            };
            record.data.push((leaf, value));
        }
    }
    system.sort_by_key(|(i, _, _)| *i);
    for (_, slot, value) in system {
        record.system.set(slot, value);
    }
    record
}

fn strip<'de>(path: &Cow<'de, str>, prefixes: &[&str]) -> Option<Cow<'de, str>> {
    prefixes.iter().find_map(|pre| match path {
        Cow::Borrowed(p) => p.strip_prefix(pre).map(Cow::Borrowed),
        Cow::Owned(p) => p.strip_prefix(pre).map(|rest| Cow::Owned(rest.to_owned())),
    })
}
