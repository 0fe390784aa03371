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
use std::io::{BufRead, Read};
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

/// Bytes read ahead of the parse point; an object larger than this makes the window grow.
const WINDOW: usize = 4 << 20;

/// The largest JSON object read as one record (Windows events are kilobytes). A larger one is
/// a bad record, skipped to the next line starting with `{`: without the cap one endless
/// object would be held in memory, and parsed again at each growth of the window.
pub(crate) const MAX_RECORD: usize = 64 << 20;

/// Reads an input of JSON Windows events through a sliding window, so memory does not grow
/// with the file.
pub(crate) fn read(
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    read_windowed(input, report, on_event, WINDOW, MAX_RECORD);
}

fn read_windowed(
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
    window: usize,
    max_record: usize,
) {
    let mut win = Window {
        input,
        buf: Vec::new(),
        eof: false,
        dropped: 0,
        lines_before: 0,
        lines: LineCounter::default(),
        window: window.max(1),
    };
    win.fill(report);
    while !win.eof && win.buf.len() < (1 << 16) {
        win.fill(report);
    }
    let bom = win.buf.len() - strip_bom(&win.buf).len();
    let powershell = memchr::memmem::find(&win.buf[..win.buf.len().min(1 << 16)], b"\"@").is_some();
    let file: Arc<str> = Arc::from(report.path.as_str());
    let mut builder = EventBuilder::default();
    let mut pos = bom;
    // Set while skipping to the next line that starts with `{` after a bad record.
    let mut resyncing = false;
    loop {
        pos = win.slide(pos);
        if !win.eof && win.buf.len() - pos < win.window {
            win.fill(report);
        }
        if resyncing {
            match resync(&win.buf, pos) {
                Some(at) => {
                    pos = at;
                    resyncing = false;
                }
                None if win.eof => break,
                None => {
                    pos = last_newline(&win.buf, pos);
                    win.fill(report);
                    continue;
                }
            }
        }
        // Skip separators to the next `{`; text that is not JSON is reported and skipped by line.
        let rest = &win.buf[pos..];
        let Some(skip) = rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']'))
        else {
            if win.eof {
                break;
            }
            pos = win.buf.len();
            win.fill(report);
            continue;
        };
        let start = pos + skip;
        if win.buf[start] != b'{' {
            let line = win.line_of(start);
            report.bad(
                line,
                PositionUnit::Line,
                "not a JSON object; skipped to the next line starting with `{`",
            );
            pos = start;
            resyncing = true;
            continue;
        }
        let line = win.line_of(start);
        let mut stream =
            serde_json::Deserializer::from_slice(&win.buf[start..]).into_iter::<JsonRecord>();
        match stream.next() {
            Some(Ok(record)) => {
                pos = start + stream.byte_offset();
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
                on_event(builder.build(record, &file, line, None));
            }
            // The object runs past the window: read more and parse it again.
            Some(Err(e)) if e.is_eof() && !win.eof && win.buf.len() - start <= max_record => {
                pos = start;
                win.grow(report);
            }
            Some(Err(e)) if e.is_eof() && !win.eof => {
                report.bad(
                    line,
                    PositionUnit::Line,
                    format!(
                        "JSON object larger than {max_record} bytes; skipped to the next line starting with `{{`"
                    ),
                );
                pos = start + 1;
                resyncing = true;
            }
            Some(Err(e)) => {
                let at = line + e.line().saturating_sub(1) as u64;
                report.bad(
                    at,
                    PositionUnit::Line,
                    format!("bad JSON object starting at line {line}: {e}"),
                );
                pos = start + 1;
                resyncing = true;
            }
            None if win.eof => break,
            None => {
                pos = start;
                win.fill(report);
            }
        }
    }
}

/// The buffered part of the input: `buf` starts `lines_before` lines into the file.
struct Window<'a> {
    input: &'a mut dyn BufRead,
    buf: Vec<u8>,
    eof: bool,
    /// Bytes of the input before `buf[0]`.
    dropped: u64,
    lines_before: u64,
    lines: LineCounter,
    window: usize,
}

impl Window<'_> {
    /// Reads up to one window more. A read error is recorded at the offset reached and ends
    /// the input (what was read is kept).
    fn fill(&mut self, report: &mut FileReport) {
        if self.eof {
            return;
        }
        match (&mut *self.input)
            .take(self.window as u64)
            .read_to_end(&mut self.buf)
        {
            Ok(0) => self.eof = true,
            Ok(_) => {}
            Err(e) => {
                report.bad(
                    self.dropped + self.buf.len() as u64,
                    PositionUnit::Offset,
                    format!("read failed: {e}"),
                );
                self.eof = true;
            }
        }
    }

    /// Reads until the buffer holds at least one more window than now, or the input ends.
    fn grow(&mut self, report: &mut FileReport) {
        let target = self.buf.len() + self.window;
        while !self.eof && self.buf.len() < target {
            self.fill(report);
        }
    }

    /// Drops what lies before `pos` once it is most of the buffer; returns `pos` in the new
    /// buffer.
    fn slide(&mut self, pos: usize) -> usize {
        if pos < self.window || pos < self.buf.len() / 2 {
            return pos;
        }
        self.line_of(pos);
        self.lines_before += self.lines.line;
        self.lines = LineCounter::default();
        self.buf.drain(..pos);
        self.dropped += pos as u64;
        0
    }

    /// The 1-based line of `offset` in the file.
    fn line_of(&mut self, offset: usize) -> u64 {
        self.lines_before + self.lines.line_of(&self.buf, offset)
    }
}

/// The start of the next line (after `from`) that begins with `{`, or `None` when the buffer
/// holds no such line.
fn resync(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(nl) = buf.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) {
        at += nl + 1;
        if buf.get(at) == Some(&b'{') {
            return Some(at);
        }
    }
    None
}

/// Where to go on looking for a line start once more is read: the last newline at or after
/// `from` (its next line is still to be checked), else the end (mid-line).
fn last_newline(buf: &[u8], from: usize) -> usize {
    match buf
        .get(from..)
        .and_then(|rest| memchr::memrchr(b'\n', rest))
    {
        Some(nl) => from + nl,
        None => buf.len(),
    }
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

#[cfg(test)]
mod window_tests {
    use super::*;
    use std::io::Cursor;

    /// Events and errors of `text` read with a window of `window` bytes.
    fn read_with(text: &[u8], window: usize) -> (String, Vec<String>, u64) {
        read_capped(text, window, usize::MAX)
    }

    /// The same, with records capped at `max_record` bytes.
    fn read_capped(text: &[u8], window: usize, max_record: usize) -> (String, Vec<String>, u64) {
        let mut report = FileReport::new("t.json", "winjson");
        let mut events = Vec::new();
        let mut input = Cursor::new(text);
        let mut on_event = |e| events.push(e);
        read_windowed(&mut input, &mut report, &mut on_event, window, max_record);
        let errors = report
            .errors
            .iter()
            .map(|e| format!("{}:{}", e.position, e.message))
            .collect();
        (format!("{events:?}"), errors, report.events)
    }

    #[test]
    fn any_window_gives_the_same_events_and_error_lines() {
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak");
        let mut text = Vec::new();
        for host in ["FS-01", "WS-RECEPTION-01"] {
            let dir = std::path::Path::new(demo).join(host);
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .expect("demo host folder")
                .map(|e| e.expect("entry").path())
                .collect();
            files.sort();
            for f in files {
                text.extend(std::fs::read(f).expect("demo file"));
            }
        }
        let first_line = text.split(|b| *b == b'\n').next().expect("a line").to_vec();
        let pretty: serde_json::Value = serde_json::from_slice(&first_line).expect("JSON");
        let pretty = serde_json::to_string_pretty(&pretty).expect("pretty");
        // Damage of every kind the reader recovers from, between good records.
        text.extend(b"this line is not JSON\n");
        text.extend(pretty.as_bytes());
        text.extend(b"\n{\"Event\": {\"System\": oops}}\n");
        text.extend(b"{\"no\": \"windows\"}\n");
        text.extend(&first_line);
        text.extend(b"\n");
        text.extend(&first_line[..first_line.len() / 2]);
        let whole = read_with(&text, 1 << 30);
        assert!(whole.2 > 20, "{} events", whole.2);
        assert_eq!(whole.1.len(), 4, "{:?}", whole.1);
        for window in [1, 7, 100, 1000, 5000] {
            let windowed = read_with(&text, window);
            assert_eq!(windowed.2, whole.2, "events with a {window}-byte window");
            assert_eq!(windowed.1, whole.1, "errors with a {window}-byte window");
            assert!(
                windowed.0 == whole.0,
                "event content differs with a {window}-byte window"
            );
        }
    }

    #[test]
    fn an_endless_object_is_one_bad_record_and_the_next_line_is_read() {
        let good = br#"{"EventID":4688,"Channel":"Security","Hostname":"pc1","SourceName":"Microsoft-Windows-Security-Auditing"}"#;
        let mut text = b"{\"EventID\": \"".to_vec();
        text.extend(std::iter::repeat_n(b'A', 100_000));
        text.extend(b"\"}\n");
        text.extend(good);
        text.extend(b"\n");
        let (_, errors, events) = read_capped(&text, 1000, 16_384);
        assert_eq!(events, 1);
        assert_eq!(
            errors,
            ["1:JSON object larger than 16384 bytes; skipped to the next line starting with `{`"]
        );
    }
}
