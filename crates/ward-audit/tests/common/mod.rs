//! Helpers shared by the audit tests: hand-made events and file paths.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use ward_audit::{AuditConfig, Auditor, Readiness, ReadinessCheck};
use ward_event::{Event, FieldList, LogSource, Origin, Timestamp, Value};

/// The audit's "now" in every test.
pub fn as_of() -> Timestamp {
    Timestamp::parse("2026-11-28T00:00:00Z").unwrap()
}

/// An auditor judging as of [`as_of`].
pub fn auditor() -> Auditor {
    Auditor::new(AuditConfig::as_of(as_of()))
}

/// A hand-made test file.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(name)
}

/// The shared corpora, or `None` (with a message) when absent.
pub fn shared() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

/// A Windows event with the given fields (strings; numbers as text, like JSON exports).
pub fn win(
    time: &str,
    host: &str,
    channel: &str,
    provider: &str,
    id: u32,
    rid: u64,
    fields: &[(&str, &str)],
) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(i64::from(id)));
    f.push("Channel", Value::from(channel));
    for (k, v) in fields {
        f.push(*k, Value::from(*v));
    }
    let mut e = Event::new(
        Timestamp::parse(time).unwrap(),
        host,
        LogSource::windows(channel, provider, id),
        f,
    );
    e.record_id = Some(rid);
    e.origin = Origin {
        file: Arc::from("test.evtx"),
        position: rid,
    };
    e
}

/// A Security event.
pub fn sec(time: &str, host: &str, id: u32, rid: u64, fields: &[(&str, &str)]) -> Event {
    win(
        time,
        host,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        id,
        rid,
        fields,
    )
}

/// A proxy request by an authenticated user.
pub fn proxy(time: &str, user: &str, site: &str) -> Event {
    let mut f = FieldList::default();
    f.push("cs-username", Value::from(user));
    f.push("cs-host", Value::from(site));
    Event::new(
        Timestamp::parse(time).unwrap(),
        "",
        LogSource::other("proxy", None, Some("proxy")),
        f,
    )
}

/// The check with this id.
pub fn check<'a>(r: &'a Readiness, id: &str) -> &'a ReadinessCheck {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// True when some evidence line contains every one of `parts`.
pub fn has_line(c: &ReadinessCheck, parts: &[&str]) -> bool {
    c.evidence
        .iter()
        .any(|l| parts.iter().all(|p| l.contains(p)))
}
