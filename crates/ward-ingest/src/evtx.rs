//! Windows event log files (`.evtx`), through the `evtx` crate. Each record is rendered to JSON
//! (no separate attribute objects, no indentation: the crate's fastest structured output) and
//! parsed straight into the flat field list by the same visitors as evtx_dump JSON, so both give
//! the same event. Damaged chunks and records are reported and skipped; reading goes on.

use std::io::BufRead;
use std::sync::Arc;

use evtx::{EvtxParser, ParserSettings};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use ward_event::{Event, Timestamp};

use crate::windows::{EventBuilder, Sys, WinRecord};
use crate::winjson::{EventSeed, Text, number};
use crate::{FileReport, PositionUnit};

/// The EVTX file signature.
pub(crate) const MAGIC: &[u8] = b"ElfFile\0";

/// True when `head` starts an EVTX file.
pub(crate) fn sniff(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Reads a whole EVTX file (it needs random access, so the input is read into memory).
pub(crate) fn read(
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    let buf = crate::report::read_whole(input, report);
    let settings = ParserSettings::new()
        .num_threads(1)
        .separate_json_attributes(false)
        .indent(false)
        .validate_checksums(false);
    let mut parser = match EvtxParser::from_buffer(buf) {
        Ok(parser) => parser.with_configuration(settings),
        Err(e) => {
            report.bad(
                0,
                PositionUnit::File,
                format!("not a readable EVTX file: {}", chain(&e)),
            );
            return;
        }
    };
    let file: Arc<str> = Arc::from(report.path.as_str());
    let mut builder = EventBuilder::default();
    for record in parser.records_json_bytes() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                report.bad(error_position(&e), PositionUnit::Record, chain(&e));
                continue;
            }
        };
        let id = record.event_record_id;
        let mut parts = WinRecord::default();
        let mut de = serde_json::Deserializer::from_slice(&record.data);
        if let Err(e) = RootSeed(&mut parts).deserialize(&mut de) {
            report.bad(
                id,
                PositionUnit::Record,
                format!("rendered record is not valid JSON: {e}"),
            );
            continue;
        }
        // A damaged record may have lost its System part; the record header still knows its id.
        parts.system.set(Sys::RecordId, number(id));
        let fallback = Timestamp::from_jiff(record.timestamp);
        report.events += 1;
        on_event(builder.build(parts, &file, id, Some(fallback)));
    }
}

/// Where an `evtx` error happened: the record id, else the chunk number, else 0.
fn error_position(e: &evtx::err::EvtxError) -> u64 {
    use evtx::err::EvtxError as E;
    match e {
        E::FailedToParseRecord { record_id, .. } => *record_id,
        E::FailedToParseChunk { chunk_id, .. } => *chunk_id,
        E::FailedToReadRecordAt { chunk, offset, .. } => chunk.unwrap_or(*offset),
        _ => 0,
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The rendered record: `{"Event": {…}}`.
struct RootSeed<'a, 'de>(&'a mut WinRecord<'de>);

impl<'de> DeserializeSeed<'de> for RootSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with an Event key")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Text(key)) = map.next_key::<Text>()? {
            if key == "Event" {
                map.next_value_seed(EventSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
