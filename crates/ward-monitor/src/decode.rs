//! Turning a received payload (a JSON object, or a text line) into [`Event`]s.
//!
//! The binary may inject a richer [`Decoder`] (e.g. one over `ward_ingest`'s readers); the
//! built-in [`JsonLineDecoder`] flattens a JSON object into dotted field names and keeps any
//! other text as a `Message` field, so every payload becomes an event.

use std::sync::Arc;

use ward_event::{Event, FieldList, LogSource, Origin, Timestamp, Value};

/// Header facts the transport knows (syslog header, Beats metadata), used when the payload
/// itself does not say.
#[derive(Debug, Clone, Default)]
pub struct Envelope<'a> {
    /// Input name and position, for the event's origin.
    pub origin: Option<(&'a Arc<str>, u64)>,
    /// Host from the transport header.
    pub host: Option<&'a str>,
    /// Time from the transport header.
    pub time: Option<Timestamp>,
}

/// Payload → events. Errors are one line naming what was wrong.
pub trait Decoder: Send + Sync {
    /// Decodes one message into zero or more events appended to `out`.
    fn decode(
        &self,
        payload: &[u8],
        envelope: &Envelope<'_>,
        out: &mut Vec<Event>,
    ) -> Result<(), String>;
}

/// The built-in decoder: JSON objects (NXLog, Winlogbeat, evtx_dump lines) and plain text.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonLineDecoder;

/// Field names tried, in order, for the event time.
const TIME_FIELDS: &[&str] = &[
    "@timestamp",
    "TimeCreated",
    "EventTime",
    "timestamp",
    "time",
    "ts",
];
/// Field names tried, in order, for the host.
const HOST_FIELDS: &[&str] = &[
    "host.name",
    "winlog.computer_name",
    "Computer",
    "Hostname",
    "hostname",
    "host",
];
/// Field names tried, in order, for the Windows EventID.
const EVENT_ID_FIELDS: &[&str] = &["winlog.event_id", "event.code", "EventID"];
/// Field names tried, in order, for the Windows channel.
const CHANNEL_FIELDS: &[&str] = &["winlog.channel", "Channel"];

impl Decoder for JsonLineDecoder {
    fn decode(
        &self,
        payload: &[u8],
        envelope: &Envelope<'_>,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let text =
            std::str::from_utf8(payload).map_err(|e| format!("payload is not UTF-8: {e}"))?;
        let text = text.trim_end_matches(['\r', '\n', '\0']);
        if text.trim().is_empty() {
            return Ok(());
        }
        let mut fields = FieldList::default();
        if text.trim_start().starts_with('{') {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
            flatten("", &json, &mut fields);
        } else {
            fields.push("Message", Value::from(text));
        }
        out.push(finish(fields, envelope));
        Ok(())
    }
}

/// Builds the event from flat fields, taking time, host and source from well-known names.
pub(crate) fn finish(fields: FieldList, envelope: &Envelope<'_>) -> Event {
    let time = first_str(&fields, TIME_FIELDS)
        .and_then(|t| Timestamp::parse(t).ok())
        .or(envelope.time)
        .unwrap_or(Timestamp::UNKNOWN);
    let host = first_str(&fields, HOST_FIELDS)
        .or(envelope.host)
        .unwrap_or("")
        .to_string();
    let event_id = EVENT_ID_FIELDS
        .iter()
        .find_map(|n| fields.get(n))
        .and_then(|v| match v {
            Value::Str(s) => s.parse::<u32>().ok(),
            other => other.as_i64().and_then(|n| u32::try_from(n).ok()),
        });
    let source = match (first_str(&fields, CHANNEL_FIELDS), event_id) {
        (Some(channel), Some(id)) => {
            let provider = first_str(&fields, &["winlog.provider_name", "Provider", "SourceName"])
                .unwrap_or("");
            LogSource::windows(channel, provider, id)
        }
        _ => LogSource::other("syslog", None, None),
    };
    let mut event = Event::new(time, &host, source, fields);
    if let Some((file, position)) = envelope.origin {
        event.origin = Origin {
            file: Arc::clone(file),
            position,
        };
    }
    event
}

fn first_str<'a>(fields: &'a FieldList, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| fields.get_str(n))
        .filter(|s| !s.is_empty())
}

/// Nested objects become dotted names (`winlog.event_data.TargetUserName`); arrays keep
/// their JSON text so nothing is lost.
fn flatten(prefix: &str, value: &serde_json::Value, fields: &mut FieldList) {
    use serde_json::Value as J;
    match value {
        J::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, fields);
            }
        }
        J::Null => fields.push(prefix, Value::Null),
        J::Bool(b) => fields.push(prefix, Value::Bool(*b)),
        J::Number(n) => {
            let v = n
                .as_i64()
                .map(Value::Int)
                .or_else(|| n.as_u64().map(Value::UInt))
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)));
            fields.push(prefix, v);
        }
        J::String(s) => fields.push(prefix, Value::from(s.as_str())),
        J::Array(_) => fields.push(prefix, Value::from(value.to_string().as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::Fields;

    #[test]
    fn winlogbeat_object_becomes_windows_event() {
        let line = br#"{"@timestamp":"2024-03-01T10:00:00Z","host":{"name":"mri-1.clinic.local"},"winlog":{"channel":"System","provider_name":"Service Control Manager","event_id":7045,"event_data":{"ServiceName":"WmiApSrvEx"}}}"#;
        let mut out = Vec::new();
        JsonLineDecoder
            .decode(line, &Envelope::default(), &mut out)
            .unwrap();
        assert_eq!(out.len(), 1);
        let e = &out[0];
        assert_eq!(e.host.short(), "MRI-1");
        assert_eq!(e.source.event_id, Some(7045));
        assert_eq!(
            e.get("winlog.event_data.ServiceName")
                .and_then(|v| v.as_str()),
            Some("WmiApSrvEx")
        );
        assert_eq!(e.time, Timestamp::parse("2024-03-01T10:00:00Z").unwrap());
    }

    #[test]
    fn text_uses_envelope_host_and_time() {
        let t = Timestamp::parse("2024-01-02T03:04:05Z").unwrap();
        let env = Envelope {
            origin: None,
            host: Some("fw01"),
            time: Some(t),
        };
        let mut out = Vec::new();
        JsonLineDecoder
            .decode(b"DROP IN=eth0 SRC=10.0.0.5\n", &env, &mut out)
            .unwrap();
        assert_eq!(
            out[0].get("Message").and_then(|v| v.as_str()),
            Some("DROP IN=eth0 SRC=10.0.0.5")
        );
        assert_eq!(out[0].host.short(), "FW01");
        assert_eq!(out[0].time, t);
    }

    #[test]
    fn broken_json_is_an_error() {
        let mut out = Vec::new();
        let err = JsonLineDecoder
            .decode(b"{\"a\":", &Envelope::default(), &mut out)
            .unwrap_err();
        assert!(err.starts_with("bad JSON"), "{err}");
        assert!(out.is_empty());
    }
}
