//! Opening an input: compression and archive layers (`.gz`, `.zip`, recognised by content),
//! then sniffing and dispatching to a reader.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;
use ward_event::Event;

use crate::limits::{Budget, Capped, Counting, Stop};
use crate::sniff::{HEAD_LEN, Sniffed};
use crate::{FileReport, PositionUnit, ReadOptions};

/// Archives inside archives are opened this deep, no deeper (a guard against archive bombs).
const MAX_DEPTH: usize = 3;

const GZIP_MAGIC: &[u8] = b"\x1f\x8b";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";

/// Reads `input` named `name`, appending one report per input read (several for an archive).
/// `budget` counts what the compressed layers of the top-level input have inflated.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_layers(
    name: &str,
    input: Box<dyn Read + '_>,
    depth: usize,
    budget: &Budget,
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
            let compressed = Rc::new(Cell::new(0));
            let stop = Stop::default();
            let inflating = Capped {
                inner: MultiGzDecoder::new(Counting {
                    inner: whole,
                    count: Rc::clone(&compressed),
                }),
                compressed,
                inflated: 0,
                limits: options.limits,
                budget,
                kind: "gzip",
                stop: Rc::clone(&stop),
            };
            let before = reports.len();
            read_layers(
                name,
                Box::new(inflating),
                depth + 1,
                budget,
                options,
                on_event,
                reports,
            );
            cut_short(name, &stop, before, reports);
        } else {
            read_zip(name, whole, depth, budget, options, on_event, reports);
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

/// Says in the report of a layer cut short at a cap (its last report, or a new one) why.
fn cut_short(name: &str, stop: &Stop, before: usize, reports: &mut Vec<FileReport>) {
    let Some(why) = stop.borrow_mut().take() else {
        return;
    };
    match reports.get_mut(before..).and_then(|added| added.last_mut()) {
        Some(report) => report.bad(0, PositionUnit::File, why),
        None => reports.push(failed(name, 0, PositionUnit::File, why)),
    }
}

/// Reads every member of a zip archive as its own input, `archive.zip!member`.
fn read_zip(
    name: &str,
    input: impl Read,
    depth: usize,
    budget: &Budget,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event),
    reports: &mut Vec<FileReport>,
) {
    let limits = options.limits;
    let mut bytes = Vec::new();
    let read = input.take(limits.max_zip_bytes + 1).read_to_end(&mut bytes);
    if bytes.len() as u64 > limits.max_zip_bytes {
        reports.push(failed(
            name,
            0,
            PositionUnit::File,
            format!(
                "zip archive larger than {} bytes (limit max_zip_bytes); not opened",
                limits.max_zip_bytes
            ),
        ));
        return;
    }
    if let Err(e) = read {
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
    if archive.len() > limits.max_zip_members {
        reports.push(failed(
            name,
            0,
            PositionUnit::File,
            format!(
                "zip archive holds {} members; the first {} are read (limit max_zip_members)",
                archive.len(),
                limits.max_zip_members
            ),
        ));
    }
    for index in 0..archive.len().min(limits.max_zip_members) {
        match archive.by_index(index) {
            Ok(member) if member.is_dir() => {}
            Ok(member) => {
                let member_name = format!("{name}!{}", member.name());
                let stop = Stop::default();
                let inflating = Capped {
                    compressed: Rc::new(Cell::new(member.compressed_size())),
                    inner: member,
                    inflated: 0,
                    limits,
                    budget,
                    kind: "zip member",
                    stop: Rc::clone(&stop),
                };
                let before = reports.len();
                read_layers(
                    &member_name,
                    Box::new(inflating),
                    depth + 1,
                    budget,
                    options,
                    on_event,
                    reports,
                );
                cut_short(&member_name, &stop, before, reports);
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
