//! NXLog's flattened Windows events (`im_msvistalog`, as in the Security-Datasets archives):
//! System fields and event data side by side at the top level, plus NXLog's own metadata.
//!
//! Time: NXLog writes `EventTime` in the collector's local time without a zone. When the record
//! also has `EventReceivedTime` (same local clock) and `@timestamp` (UTC, added at receipt), their
//! difference, rounded to 15 minutes, is the collector's UTC offset and corrects `EventTime`.
//! Otherwise Sysmon's `UtcTime`, then `@timestamp`, then `EventTime` read as UTC.

use ward_event::Timestamp;
#[cfg(test)]
use ward_event::Value;

use super::flat::Flat;
use crate::windows::{Sys, WinRecord};

/// NXLog keys that carry System fields.
const SYSTEM_KEYS: &[(&str, Sys)] = &[
    ("EventID", Sys::EventId),
    ("Channel", Sys::Channel),
    ("SourceName", Sys::Provider),
    ("Hostname", Sys::Computer),
    ("RecordNumber", Sys::RecordId),
    ("Task", Sys::Task),
    ("OpcodeValue", Sys::Opcode),
    ("Keywords", Sys::Keywords),
    ("Version", Sys::Version),
    ("ExecutionProcessID", Sys::ProcessId),
    ("ThreadID", Sys::ThreadId),
    ("UserID", Sys::UserId),
];

/// NXLog's own metadata, not part of the Windows event.
const METADATA_KEYS: &[&str] = &[
    "SeverityValue",
    "Severity",
    "EventType",
    "ProviderGuid",
    "AccountType",
    "AccountName",
    "Domain",
    "EventTime",
    "EventReceivedTime",
    "@timestamp",
    "@version",
    "SourceModuleType",
    "SourceModuleName",
    "port",
    "host",
    "tags",
    "Category",
    "Opcode",
    "Message",
    "ActivityID",
    "RelatedActivityID",
    "ERROR_EVT_UNRESOLVED",
];

/// Where the Security-Datasets pipeline moved NXLog's `EventType` when the event data had its
/// own (Sysmon's `SetValue`, `CreateKey`, …); `EventType` is then event data, not metadata.
const MOVED_EVENT_TYPE: &str = "EventTypeOrignal";

/// True when the record looks like NXLog's flat shape.
pub(crate) fn matches(flat: &Flat<'_>) -> bool {
    let has = |k: &str| flat.iter().any(|(p, _)| p == k);
    has("EventID")
        && (has("SourceModuleType") || has("Hostname") || has("SourceName") || has("Channel"))
}

/// Sorts the pairs into System fields, time and event data.
pub(crate) fn to_record(flat: Flat<'_>) -> WinRecord<'_> {
    let mut record = WinRecord::default();
    record.system.exact_time = event_time(&flat);
    let event_type_is_data = flat.iter().any(|(k, _)| k == MOVED_EVENT_TYPE);
    for (key, value) in flat {
        if let Some((_, slot)) = SYSTEM_KEYS.iter().find(|(k, _)| *k == key) {
            record.system.set(*slot, value);
        } else if key == MOVED_EVENT_TYPE
            || (METADATA_KEYS.contains(&&*key) && !(event_type_is_data && key == "EventType"))
        {
            continue;
        } else {
            record.data.push((key, value));
        }
    }
    record
}

fn event_time(flat: &Flat<'_>) -> Option<Timestamp> {
    let get = |k: &str| {
        flat.iter()
            .find(|(p, _)| p == k)
            .and_then(|(_, v)| v.as_str())
            .and_then(|s| Timestamp::parse(s).ok())
    };
    let local = get("EventTime");
    if let (Some(local), Some(received), Some(utc)) =
        (local, get("EventReceivedTime"), get("@timestamp"))
    {
        const QUARTER_HOUR: i64 = 15 * 60;
        let offset = (utc.as_secs() - received.as_secs() + QUARTER_HOUR / 2)
            .div_euclid(QUARTER_HOUR)
            * QUARTER_HOUR;
        return Some(local.add_secs(offset));
    }
    get("UtcTime").or_else(|| get("@timestamp")).or(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn event_time_is_corrected_by_the_collector_offset() {
        let flat: Flat<'_> = vec![
            (
                Cow::Borrowed("EventTime"),
                Value::from("2020-09-20 12:16:06"),
            ),
            (
                Cow::Borrowed("EventReceivedTime"),
                Value::from("2020-09-20 12:16:09"),
            ),
            (
                Cow::Borrowed("@timestamp"),
                Value::from("2020-09-20T16:16:09.362Z"),
            ),
        ];
        assert_eq!(
            event_time(&flat).map(|t| t.to_rfc3339()).as_deref(),
            Some("2020-09-20T16:16:06Z")
        );
    }
}
