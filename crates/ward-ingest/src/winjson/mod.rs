//! Windows events exported as JSON, in four shapes: evtx_dump (`Event.System`, `#attributes`),
//! PowerShell XML-to-JSON (`Event.System`, `@Name`), Winlogbeat 6/7/8 and NXLog's flat records.
//! Objects may be one per line, pretty-printed one after another, or inside a top-level array.
//! Each object is recognised on its own; a bad one is reported with its line and reading resumes
//! at the next line that starts with `{`.

mod event_xml;
mod flat;
mod nxlog;
mod values;
mod winlogbeat;

pub(crate) use event_xml::EventSeed;
pub(crate) use values::{Text, number};

use std::fmt;
use std::io::BufRead;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use ward_event::Event;

use crate::windows::{EventBuilder, WinRecord};
use crate::{FileReport, PositionUnit};
use flat::{Flat, FlatSeed};

/// Keys that mark a JSON document as a Windows event in any of the shapes.
const MARKERS: [&[u8]; 6] = [
    b"\"EventID\"",
    b"\"EventRecordID\"",
    b"\"winlog\"",
    b"\"event_data\"",
    b"\"event_id\"",
    b"\"System\"",
];

/// True when `head` (the first bytes of an input) looks like Windows events as JSON.
pub(crate) fn sniff(head: &[u8]) -> bool {
    let body = strip_bom(head).trim_ascii_start();
    matches!(body.first(), Some(b'{' | b'['))
        && MARKERS
            .iter()
            .any(|m| memchr::memmem::find(body, m).is_some())
}

fn strip_bom(buf: &[u8]) -> &[u8] {
    buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf)
}

/// Reads a whole input of JSON Windows events.
pub(crate) fn read(
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    let buf = crate::report::read_whole(input, report);
    let bom = buf.len() - strip_bom(&buf).len();
    let powershell = memchr::memmem::find(&buf[..buf.len().min(1 << 16)], b"\"@").is_some();
    let file: Arc<str> = Arc::from(report.path.as_str());
    let mut reader = JsonReader {
        buf: &buf,
        pos: bom,
        lines: LineCounter::default(),
        builder: EventBuilder::default(),
    };
    while let Some(start) = reader.next_object_start(report) {
        let line = reader.lines.line_of(&buf, start);
        let mut stream =
            serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<JsonRecord>();
        match stream.next() {
            Some(Ok(record)) => {
                reader.pos = start + stream.byte_offset();
                let Some((shape, record)) = record.into_windows(powershell) else {
                    report.bad(
                        line,
                        PositionUnit::Line,
                        "JSON object is not a Windows event (no Event.System, winlog, or EventID)",
                    );
                    continue;
                };
                if report.events == 0 {
                    report.format = shape;
                }
                report.events += 1;
                on_event(reader.builder.build(record, &file, line, None));
            }
            Some(Err(e)) => {
                let at = line + e.line().saturating_sub(1) as u64;
                report.bad(
                    at,
                    PositionUnit::Line,
                    format!("bad JSON object starting at line {line}: {e}"),
                );
                reader.pos = resync(&buf, start + 1);
            }
            None => break,
        }
    }
}

struct JsonReader<'a> {
    buf: &'a [u8],
    pos: usize,
    lines: LineCounter,
    builder: EventBuilder,
}

impl JsonReader<'_> {
    /// Skips separators to the next `{`; text that is not JSON is reported and skipped by line.
    fn next_object_start(&mut self, report: &mut FileReport) -> Option<usize> {
        loop {
            let rest = self.buf.get(self.pos..)?;
            let skip = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']'))?;
            let start = self.pos + skip;
            if self.buf.get(start) == Some(&b'{') {
                return Some(start);
            }
            let line = self.lines.line_of(self.buf, start);
            report.bad(
                line,
                PositionUnit::Line,
                "not a JSON object; skipped to the next line starting with `{`",
            );
            self.pos = resync(self.buf, start);
        }
    }
}

/// The start of the next line (after `from`) that begins with `{`, or the end of input.
fn resync(buf: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(nl) = buf.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) {
        at += nl + 1;
        if buf.get(at) == Some(&b'{') {
            return at;
        }
    }
    buf.len()
}

/// Turns byte offsets into 1-based line numbers, counting forward from the last query.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    fn line_of(&mut self, buf: &[u8], offset: usize) -> u64 {
        if offset < self.offset {
            *self = LineCounter::default();
        }
        let span = buf.get(self.offset..offset).unwrap_or_default();
        self.line += memchr::memchr_iter(b'\n', span).count() as u64;
        self.offset = offset;
        self.line + 1
    }
}

/// One JSON object: the `Event` element when present, everything else flattened.
struct JsonRecord<'de> {
    event: Option<WinRecord<'de>>,
    flat: Flat<'de>,
}

impl<'de> JsonRecord<'de> {
    /// The record's shape name and parts, or `None` when no Windows shape fits.
    fn into_windows(self, powershell: bool) -> Option<(&'static str, WinRecord<'de>)> {
        if let Some(event) = self.event {
            return Some((
                if powershell {
                    "powershell-json"
                } else {
                    "evtx-json"
                },
                event,
            ));
        }
        if winlogbeat::matches(&self.flat) {
            return Some(("winlogbeat-json", winlogbeat::to_record(self.flat)));
        }
        if nxlog::matches(&self.flat) {
            return Some(("nxlog-json", nxlog::to_record(self.flat)));
        }
        None
    }
}

impl<'de> Deserialize<'de> for JsonRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = JsonRecord<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRecord<'de>, A::Error> {
        let mut record = JsonRecord {
            event: None,
            flat: Flat::new(),
        };
        while let Some(Text(key)) = map.next_key::<Text>()? {
            if key == "Event" {
                let event = record.event.get_or_insert_with(WinRecord::default);
                map.next_value_seed(EventSeed(event))?;
            } else {
                map.next_value_seed(FlatSeed {
                    path: key,
                    out: &mut record.flat,
                })?;
            }
        }
        Ok(record)
    }
}

/// The likely shape of a Windows JSON input from its first bytes (refined per record).
pub(crate) fn shape_hint(head: &[u8]) -> &'static str {
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"\"System\"") {
        if has(b"\"@") {
            "powershell-json"
        } else {
            "evtx-json"
        }
    } else if has(b"\"winlog\"") || has(b"\"event_data\"") {
        "winlogbeat-json"
    } else {
        "nxlog-json"
    }
}
