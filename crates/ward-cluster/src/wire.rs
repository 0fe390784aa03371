//! An event on the wire: the reader's normalised [`Event`] (time, host, log source, record id,
//! origin, fields) in postcard, so a worker sees exactly what `ward hunt` sees for the same
//! record, file and position included.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ward_event::{Event, FieldList, HostName, LogSource, Origin, Timestamp, Value};

use crate::ClusterError;

/// Version byte in front of every encoded event.
const WIRE_VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct WireEvent<'a> {
    time: i64,
    #[serde(borrow)]
    host: &'a str,
    product: &'a str,
    service: Option<&'a str>,
    category: Option<&'a str>,
    channel: Option<&'a str>,
    provider: Option<&'a str>,
    event_id: Option<u32>,
    record_id: Option<u64>,
    file: &'a str,
    position: u64,
    fields: Vec<(&'a str, WireValue<'a>)>,
}

#[derive(Serialize, Deserialize)]
enum WireValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

/// Encodes an event for the raw stream.
pub fn encode(event: &Event) -> Vec<u8> {
    let source = &event.source;
    let wire = WireEvent {
        time: event.time.as_nanos(),
        // The FQDN when known: `HostName::new` derives the same short name from it.
        host: event.host.fqdn().unwrap_or(event.host.short()),
        product: &source.product,
        service: source.service.as_deref(),
        category: source.category.as_deref(),
        channel: source.channel.as_deref(),
        provider: source.provider.as_deref(),
        event_id: source.event_id,
        record_id: event.record_id,
        file: &event.origin.file,
        position: event.origin.position,
        fields: event
            .fields
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::Null => WireValue::Null,
                    Value::Bool(b) => WireValue::Bool(*b),
                    Value::Int(i) => WireValue::Int(*i),
                    Value::UInt(u) => WireValue::UInt(*u),
                    Value::Float(f) => WireValue::Float(*f),
                    Value::Str(s) => WireValue::Str(s),
                };
                (name, value)
            })
            .collect(),
    };
    let mut out = vec![WIRE_VERSION];
    // Serialising plain structs and strings into a Vec cannot fail.
    out.extend(postcard::to_stdvec(&wire).unwrap_or_default());
    out
}

/// Decodes an event from the raw stream; a payload of another version or a damaged one is an
/// error (the worker counts and skips it).
pub fn decode(payload: &[u8]) -> Result<Event, ClusterError> {
    let Some((&WIRE_VERSION, body)) = payload.split_first() else {
        return Err(ClusterError::Wire("unknown event encoding version".into()));
    };
    let wire: WireEvent = postcard::from_bytes(body)
        .map_err(|e| ClusterError::Wire(format!("damaged event: {e}")))?;
    let arc = |s: Option<&str>| s.map(Arc::<str>::from);
    let mut fields = FieldList::with_capacity(wire.fields.len());
    for (name, value) in wire.fields {
        let value = match value {
            WireValue::Null => Value::Null,
            WireValue::Bool(b) => Value::Bool(b),
            WireValue::Int(i) => Value::Int(i),
            WireValue::UInt(u) => Value::UInt(u),
            WireValue::Float(f) => Value::Float(f),
            WireValue::Str(s) => Value::Str(s.into()),
        };
        fields.push(name, value);
    }
    Ok(Event {
        time: Timestamp::from_nanos(wire.time),
        host: HostName::new(wire.host),
        source: LogSource {
            product: wire.product.into(),
            service: arc(wire.service),
            category: arc(wire.category),
            channel: arc(wire.channel),
            provider: arc(wire.provider),
            event_id: wire.event_id,
        },
        record_id: wire.record_id,
        origin: Origin {
            file: wire.file.into(),
            position: wire.position,
        },
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_comes_back_as_it_went() {
        let mut fields = FieldList::default();
        fields.push(
            "CommandLine",
            Value::Str("net use \\\\FS-01\\ADMIN$".into()),
        );
        fields.push("EventID", Value::Int(4688));
        fields.push("Big", Value::UInt(u64::MAX));
        fields.push("Ratio", Value::Float(0.5));
        fields.push("Flag", Value::Bool(true));
        fields.push("Empty", Value::Null);
        let mut event = Event::new(
            Timestamp::from_nanos(1_700_000_000_123),
            "ws-lab-07.hospital.local",
            LogSource::windows("Security", "Microsoft-Windows-Security-Auditing", 4688),
            fields,
        );
        event.record_id = Some(42);
        event.origin = Origin {
            file: "demo/outbreak/WS-LAB-07/Security.evtx".into(),
            position: 7,
        };
        let back = decode(&encode(&event)).unwrap();
        assert_eq!(back.time, event.time);
        assert_eq!(back.host, event.host);
        assert_eq!(back.source, event.source);
        assert_eq!(back.record_id, event.record_id);
        assert_eq!(back.origin, event.origin);
        assert_eq!(back.fields, event.fields);
    }

    #[test]
    fn damaged_payloads_are_errors_not_panics() {
        let good = encode(&Event::new(
            Timestamp::from_nanos(1),
            "h",
            LogSource::other("zeek", Some("conn"), None),
            FieldList::default(),
        ));
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 1, 2]).is_err());
        for cut in 1..good.len() {
            let _ = decode(&good[..cut]);
        }
        let mut flipped = good.clone();
        for i in 1..flipped.len() {
            flipped[i] ^= 0xff;
            let _ = decode(&flipped);
            flipped[i] ^= 0xff;
        }
    }
}
