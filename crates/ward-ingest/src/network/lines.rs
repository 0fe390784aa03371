//! Reading a line-based log through its registry row: lines are cut (long ones skipped),
//! parsed by the row's reader, and turned into events with the row's log source.

use std::io::{BufRead, Read as _};
use std::sync::Arc;

use ward_event::{Event, LogSource, Timestamp};

use super::record::{self, RecordBuilder};
use super::syslog;
use super::syslog_year::SyslogYear;
use super::{LineParser, MAX_LINE_BYTES};
use crate::sniff::{FORMATS, Format, Read, Sniff};
use crate::{FileReport, PositionUnit, ReadOptions};

/// Reads a whole input in `format`, one record per line, handing each event to `on_event`
/// and counting bad lines in `report`.
pub(crate) fn read_lines(
    format: &'static Format,
    input: &mut dyn BufRead,
    options: &ReadOptions,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    let mut reader = match format.read {
        Read::Whole(read) => return read(input, report, on_event),
        Read::Lines(parser) => LineReader::Lines(parser()),
        // The head (what the buffer holds) may date the syslog times that carry no year.
        Read::Messages(_) => {
            LineReader::Messages(SyslogYear::new(options, input.fill_buf().unwrap_or(&[])))
        }
    };
    let file: Arc<str> = report.path.as_str().into();
    let source = format.source.log_source();
    let mut buf = Vec::new();
    let mut no = 0u64;
    loop {
        buf.clear();
        let got = match (&mut *input)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                report.bad(no + 1, PositionUnit::Line, format!("read error: {e}"));
                break;
            }
        };
        no += 1;
        if got >= MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            report.bad(
                no,
                PositionUnit::Line,
                format!("line longer than {MAX_LINE_BYTES} bytes skipped"),
            );
            if skip_rest_of_line(input).is_err() {
                break;
            }
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        let line = Line {
            text: line,
            no,
            file: &file,
        };
        match reader.line(format, &source, &line) {
            Ok(Some(event)) => {
                report.events += 1;
                on_event(event);
            }
            Ok(None) => {}
            Err(msg) => report.bad(no, PositionUnit::Line, msg),
        }
    }
}

/// One line and where it is.
struct Line<'a> {
    text: &'a str,
    no: u64,
    file: &'a Arc<str>,
}

/// Per-input reading state.
enum LineReader {
    /// The row's own parser, with the headers it has seen.
    Lines(Box<dyn LineParser>),
    /// Syslog-carried messages; the year rule for times without one.
    Messages(SyslogYear),
}

impl LineReader {
    /// One line to an event; `Ok(None)` for headers and comments.
    fn line(
        &mut self,
        format: &'static Format,
        source: &LogSource,
        line: &Line<'_>,
    ) -> Result<Option<Event>, String> {
        let mut rec = RecordBuilder::new();
        match self {
            LineReader::Lines(parser) => {
                let Some(record) = parser.line(line.text, &mut rec)? else {
                    return Ok(None);
                };
                let host = rec.get_str("_system_name").unwrap_or("").to_string();
                let source = record.source.as_ref().unwrap_or(source);
                Ok(Some(rec.finish(
                    record.time,
                    &host,
                    source,
                    line.file,
                    line.no,
                )))
            }
            LineReader::Messages(year) => {
                let header = syslog::split(line.text);
                // The file's own format first; firewall logs mix in other firewalls' messages.
                let (row, parse): (&'static Format, _) = std::iter::once(format)
                    .chain(FORMATS)
                    .find_map(|f| match f.read {
                        Read::Messages(parse) if recognises(f, line.text, &header) => {
                            Some((f, parse))
                        }
                        _ => None,
                    })
                    .ok_or_else(|| {
                        format!(
                            "unrecognised: no firewall format reads this message (file read as {})",
                            format.name
                        )
                    })?;
                let message = parse(header.msg, &mut rec)?;
                let header_time = year.resolve(header.time);
                let time = message.time.or(header_time).unwrap_or(Timestamp::UNKNOWN);
                let host = if message.device.is_empty() {
                    header.host
                } else {
                    message.device
                }
                .to_string();
                if !header.host.is_empty() {
                    rec.text("log_host", header.host);
                }
                if rec.get_str(record::ACTION).is_none() {
                    rec.text(record::ACTION, "log");
                }
                let mixed_in;
                let source = if std::ptr::eq(row, format) {
                    source
                } else {
                    mixed_in = row.source.log_source();
                    &mixed_in
                };
                Ok(Some(rec.finish(time, &host, source, line.file, line.no)))
            }
        }
    }
}

/// True when `format`'s sniffer recognises `line` (split into its syslog `header`).
pub(crate) fn recognises(format: &Format, line: &str, header: &syslog::Syslog<'_>) -> bool {
    match format.sniff {
        Sniff::Line(sniff) => sniff(line),
        Sniff::Message(sniff) => sniff(header.app, header.msg),
        Sniff::Bytes(_) | Sniff::Head(_) => false,
    }
}

fn skip_rest_of_line(input: &mut dyn BufRead) -> std::io::Result<()> {
    loop {
        let (done, used) = {
            let chunk = input.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'\n', chunk) {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            }
        };
        input.consume(used);
        if done {
            return Ok(());
        }
    }
}
