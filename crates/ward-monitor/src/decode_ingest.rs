//! A [`Decoder`] over `ward_ingest`'s readers, so live payloads get the same parsing as
//! `ward hunt` (Winlogbeat/ECS, NXLog, evtx_dump JSON, firewall and proxy lines), falling back
//! to [`JsonLineDecoder`] for payloads no reader recognises.

use std::io::Cursor;
use std::sync::Arc;

use ward_event::{Event, HostName, Origin, Timestamp};

use crate::decode::{Decoder, Envelope, JsonLineDecoder};

/// Decodes each payload with `ward_ingest::read_reader`, which sniffs its format.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestDecoder;

impl Decoder for IngestDecoder {
    fn decode(
        &self,
        payload: &[u8],
        envelope: &Envelope<'_>,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let name = envelope
            .origin
            .map_or_else(|| "stream".to_string(), |(file, _)| file.to_string());
        let before = out.len();
        let reports =
            ward_ingest::read_reader(&name, Box::new(Cursor::new(payload)), &mut |e| out.push(e));
        if out.len() == before {
            // A payload in a format a reader knows but could not read is an error; anything no
            // reader knows ("unknown"/"unrecognised" in the report) is kept as a text event.
            let known = |f: &str| f != "unknown" && f != "unrecognised";
            let broken = reports
                .iter()
                .find(|r| known(r.format) && r.bad_records > 0);
            return match broken {
                Some(report) => Err(report.errors.first().map_or_else(
                    || format!("{}: unreadable {} record", report.path, report.format),
                    ToString::to_string,
                )),
                None => JsonLineDecoder.decode(payload, envelope, out),
            };
        }
        for event in out.iter_mut().skip(before) {
            fill_from_envelope(event, envelope);
        }
        Ok(())
    }
}

/// The transport knows the sender and the position; the payload may not.
fn fill_from_envelope(event: &mut Event, envelope: &Envelope<'_>) {
    if event.host.is_empty()
        && let Some(host) = envelope.host
    {
        event.host = HostName::new(host);
    }
    if event.time == Timestamp::UNKNOWN
        && let Some(time) = envelope.time
    {
        event.time = time;
    }
    if let Some((file, position)) = envelope.origin {
        event.origin = Origin {
            file: Arc::clone(file),
            position,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::Fields;

    #[test]
    fn winlogbeat_payload_is_read_by_the_ingest_reader() {
        let line = br#"{"@timestamp":"2024-03-01T10:00:00Z","host":{"name":"mri-console-1"},"winlog":{"channel":"System","event_id":7045,"provider_name":"Service Control Manager","computer_name":"MRI-CONSOLE-1.clinic.local","record_id":4242,"event_data":{"ServiceName":"WmiApSrvEx"}}}"#;
        let input: Arc<str> = Arc::from("beats");
        let env = Envelope {
            origin: Some((&input, 7)),
            host: None,
            time: None,
        };
        let mut out = Vec::new();
        IngestDecoder.decode(line, &env, &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].source.event_id, Some(7045));
        assert_eq!(out[0].host.short(), "MRI-CONSOLE-1");
        assert_eq!(
            out[0].get("ServiceName").and_then(|v| v.as_str()),
            Some("WmiApSrvEx")
        );
        assert_eq!(out[0].origin.position, 7);
    }

    #[test]
    fn unrecognised_text_falls_back_to_a_message_event() {
        let env = Envelope {
            origin: None,
            host: Some("fw01"),
            time: None,
        };
        let mut out = Vec::new();
        IngestDecoder
            .decode(b"hello from a device ward does not know", &env, &mut out)
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].get("Message").and_then(|v| v.as_str()),
            Some("hello from a device ward does not know")
        );
        assert_eq!(out[0].host.short(), "FW01");
    }
}
