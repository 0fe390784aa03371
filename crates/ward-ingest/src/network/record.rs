//! Building network events: the common field names every network reader sets, so the
//! analytics and Sigma rules find the same name whatever the log format.

use std::sync::Arc;
use ward_event::{Event, FieldList, HostName, LogSource, Origin, Timestamp, Value};

/// Source address (Sigma firewall/proxy name; also set on Zeek records).
pub const SRC_IP: &str = "src_ip";
/// Source port.
pub const SRC_PORT: &str = "src_port";
/// Destination address.
pub const DST_IP: &str = "dst_ip";
/// Destination port.
pub const DST_PORT: &str = "dst_port";
/// Transport protocol, lower case (`tcp`, `udp`, `icmp`).
pub const PROTOCOL: &str = "protocol";
/// Normalised verdict: `allow`, `block` or the log's own word.
pub const ACTION: &str = "action";
/// Bytes sent by the originator.
pub const BYTES_OUT: &str = "bytes_out";
/// Bytes sent by the responder.
pub const BYTES_IN: &str = "bytes_in";
/// Connection duration in seconds.
pub const DURATION: &str = "duration";
/// Name of the destination when the log knows it (HTTP host, TLS SNI, CONNECT target).
pub const DST_HOST: &str = "dst_host";

/// Accumulates one event's fields; readers fill it and hand it to [`RecordBuilder::finish`].
pub(crate) struct RecordBuilder {
    pub fields: FieldList,
}

impl RecordBuilder {
    pub fn new() -> Self {
        RecordBuilder {
            fields: FieldList::with_capacity(24),
        }
    }

    /// Adds a text field unless it is empty or `-` (logs' way of saying "none").
    pub fn text(&mut self, name: &str, value: &str) {
        let v = value.trim();
        if !v.is_empty() && v != "-" {
            self.fields.push(name, Value::from(v));
        }
    }

    /// Adds an integer field when `value` parses as one, else as text.
    pub fn int(&mut self, name: &str, value: &str) {
        let v = value.trim();
        match v.parse::<i64>() {
            Ok(i) => self.fields.push(name, Value::Int(i)),
            Err(_) => self.text(name, v),
        }
    }

    /// Adds a float field when `value` parses as one, else as text.
    pub fn float(&mut self, name: &str, value: &str) {
        let v = value.trim();
        match v.parse::<f64>() {
            Ok(f) if f.is_finite() => self.fields.push(name, Value::Float(f)),
            _ => self.text(name, v),
        }
    }

    /// Adds a value as is.
    pub fn value(&mut self, name: &str, value: Value) {
        self.fields.push(name, value);
    }

    /// The first text value of `name`, if set.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.fields.get_str(name)
    }

    /// Finishes the event.
    pub fn finish(
        self,
        time: Timestamp,
        host: &str,
        source: &LogSource,
        file: &Arc<str>,
        line: u64,
    ) -> Event {
        Event {
            time,
            host: HostName::new(host),
            source: source.clone(),
            record_id: None,
            origin: Origin {
                file: file.clone(),
                position: line,
            },
            fields: self.fields,
        }
    }
}

/// Maps a firewall's verdict word to `allow` / `block`, keeping unknown words as they are.
pub(crate) fn normalise_action(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let word = lower.as_str();
    const BLOCK: [&str; 8] = [
        "block", "drop", "deny", "denied", "reject", "blocked", "dropped", "rejected",
    ];
    const ALLOW: [&str; 8] = [
        "pass",
        "allow",
        "accept",
        "permitted",
        "permit",
        "allowed",
        "accepted",
        "est-allowed",
    ];
    if BLOCK.iter().any(|w| word == *w || word.contains(w)) {
        "block".into()
    } else if ALLOW.contains(&word) {
        "allow".into()
    } else {
        lower
    }
}

/// Lower-cases an IANA protocol name or maps a protocol number to its name.
pub(crate) fn protocol_name(raw: &str) -> String {
    match raw.trim() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "ipv6-icmp".into(),
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_normalise() {
        assert_eq!(normalise_action("DROP"), "block");
        assert_eq!(normalise_action("denied"), "block");
        assert_eq!(normalise_action("pass"), "allow");
        assert_eq!(normalise_action("close"), "close");
        assert_eq!(protocol_name("6"), "tcp");
        assert_eq!(protocol_name("TCP"), "tcp");
    }
}
