//! Opening an input: compression and archive layers (`.gz`, `.zip`, recognised by content),
//! then sniffing and dispatching to a reader.

use std::io::{BufRead, BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;
use ward_event::Event;

use crate::sniff::{HEAD_LEN, Sniffed};
use crate::{FileReport, PositionUnit, ReadOptions};

/// Archives inside archives are opened this deep, no deeper (a guard against archive bombs).
const MAX_DEPTH: usize = 3;

const GZIP_MAGIC: &[u8] = b"\x1f\x8b";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";

/// Reads `input` named `name`, appending one report per input read (several for an archive).
pub(crate) fn read_layers(
    name: &str,
    input: Box<dyn Read + '_>,
    depth: usize,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
    reports: &mut Vec<FileReport>,
) {
    let mut input = input;
    let mut head = Vec::with_capacity(HEAD_LEN);
    if let Err(e) = (&mut input).take(HEAD_LEN as u64).read_to_end(&mut head) {
        reports.push(failed(
            name,
            head.len() as u64,
            PositionUnit::Offset,
            format!("read failed: {e}"),
        ));
        return;
    }
    let whole = Cursor::new(head).chain(input);
    let head = whole.get_ref().0.get_ref().as_slice();
    if head.starts_with(GZIP_MAGIC)
        || head.starts_with(ZIP_MAGIC)
        || head.starts_with(EMPTY_ZIP_MAGIC)
    {
        if depth >= MAX_DEPTH {
            reports.push(failed(
                name,
                0,
                PositionUnit::File,
                "archive nested too deep; not opened".into(),
            ));
        } else if head.starts_with(GZIP_MAGIC) {
            read_layers(
                name,
                Box::new(MultiGzDecoder::new(whole)),
                depth + 1,
                options,
                on_event,
                reports,
            );
        } else {
            read_zip(name, whole, depth, options, on_event, reports);
        }
        return;
    }
    match Sniffed::sniff(head) {
        Some(format) => {
            let mut report = FileReport::new(name, format.name);
            let mut reader = BufReader::with_capacity(1 << 16, whole);
            format.read(
                &mut reader as &mut dyn BufRead,
                options,
                &mut report,
                on_event,
            );
            reports.push(report);
        }
        // Not a log Ward knows (a README, a picture): skipped and listed, not a damaged record.
        None => reports.push(FileReport::new(name, UNRECOGNISED)),
    }
}

/// Reads every member of a zip archive as its own input, `archive.zip!member`.
fn read_zip(
    name: &str,
    mut input: impl Read,
    depth: usize,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
    reports: &mut Vec<FileReport>,
) {
    let mut bytes = Vec::new();
    if let Err(e) = input.read_to_end(&mut bytes) {
        reports.push(failed(
            name,
            bytes.len() as u64,
            PositionUnit::Offset,
            format!("read failed: {e}"),
        ));
        return;
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => {
            reports.push(failed(
                name,
                0,
                PositionUnit::File,
                format!("not a readable zip archive: {e}"),
            ));
            return;
        }
    };
    for index in 0..archive.len() {
        match archive.by_index(index) {
            Ok(member) if member.is_dir() => {}
            Ok(member) => {
                let member_name = format!("{name}!{}", member.name());
                read_layers(
                    &member_name,
                    Box::new(member),
                    depth + 1,
                    options,
                    on_event,
                    reports,
                );
            }
            Err(e) => {
                let member_name = format!("{name}!#{index}");
                reports.push(failed(
                    &member_name,
                    0,
                    PositionUnit::File,
                    format!("zip member unreadable: {e}"),
                ));
            }
        }
    }
}

/// Format name of an input whose content is no known log format.
pub const UNRECOGNISED: &str = "unrecognised";

/// A report for an input that produced nothing but one error.
pub(crate) fn failed(name: &str, position: u64, unit: PositionUnit, message: String) -> FileReport {
    let mut report = FileReport::new(name, "unknown");
    report.bad(position, unit, message);
    report
}
