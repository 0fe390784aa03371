//! What a sink delivers: one alert, a group's opening or digest, or an incident, all as the
//! alert JSON (`seq`, `key`, `time`, `host`, `rule_id`, `title`, `level`, `evidence`) plus a
//! `kind` and, for groups, a `group` object.

use ward_event::Level;

use crate::alert::StoredAlert;
use crate::grouping::Kind;
use crate::store::OutboxEntry;

/// One delivery.
#[derive(Debug, Clone)]
pub(crate) struct Notification {
    /// The de-duplication key receivers see (`X-Ward-Alert-Key`).
    pub key: String,
    /// The alert's seq (for a group: its representative alert's).
    pub seq: i64,
    /// RFC 3339 event time.
    pub time: String,
    pub host: String,
    pub rule_id: String,
    pub title: String,
    pub level: Level,
    /// The JSON every sink sends.
    pub body: serde_json::Value,
}

impl Notification {
    /// An alert delivered as it is (`event` granularity).
    pub(crate) fn of_alert(stored: &StoredAlert) -> Self {
        let mut body = stored.to_json();
        body["kind"] = Kind::Alert.as_str().into();
        Self::of_body(stored.alert.key.clone(), body)
    }

    /// A notification from a sink's outbox.
    pub(crate) fn of_entry(entry: OutboxEntry) -> Self {
        Self::of_body(entry.key, entry.body)
    }

    fn of_body(key: String, body: serde_json::Value) -> Self {
        let text = |field: &str| body[field].as_str().unwrap_or_default().to_string();
        Notification {
            seq: body["seq"].as_i64().unwrap_or_default(),
            time: text("time"),
            host: text("host"),
            rule_id: text("rule_id"),
            title: text("title"),
            level: body["level"]
                .as_str()
                .and_then(|l| l.parse().ok())
                .unwrap_or_default(),
            key,
            body,
        }
    }
}
