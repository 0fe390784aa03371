//! Network log readers (firewall, proxy, Zeek). Each format is a file here and a row of the
//! format registry (`crate::sniff::FORMATS`); [`sniff`] recognises a network log from its first
//! bytes and [`read`] reads it line by line.
//!
//! Every event carries the common names in [`names`] (`src_ip`, `dst_ip`, `dst_port`,
//! `protocol`, `action`, `bytes_out`, `bytes_in`, `duration`, `dst_host`) besides the format's
//! own fields: Sigma's proxy names for proxies and Zeek HTTP, its DNS names for Zeek DNS,
//! Zeek's own names (dotted `id.orig_h`) for Zeek.
//!
//! ```
//! use ward_ingest::{FileReport, ReadOptions, network};
//! let log = b"Sep 30 10:09:23 fw kernel: [1.2] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP SPT=5 DPT=445\n";
//! let format = network::sniff(log).unwrap();
//! let mut report = FileReport::new("fw.log", format.name());
//! let mut events = Vec::new();
//! let options = ReadOptions { syslog_year: Some(2024), ..ReadOptions::default() };
//! network::read_with(format, &mut &log[..], &options, &mut report, &mut |e| events.push(e));
//! assert_eq!(events[0].fields.get_str("dst_ip"), Some("10.0.0.1"));
//! assert_eq!(events[0].host.short(), "FW");
//! assert_eq!(events[0].time.to_rfc3339(), "2024-09-30T10:09:23Z");
//! ```

pub(crate) mod adguard;
pub(crate) mod asa;
pub(crate) mod bind;
pub(crate) mod cef;
pub(crate) mod filterlog;
pub(crate) mod firepower;
pub(crate) mod fortigate;
pub(crate) mod leef;
mod lines;
pub(crate) mod mikrotik;
pub(crate) mod netfilter;
pub(crate) mod panos;
mod proxy;
mod record;
pub(crate) mod sophos;
pub(crate) mod squid;
pub(crate) mod suricata_eve;
pub(crate) mod suricata_fast;
pub(crate) mod syslog;
mod syslog_year;
pub(crate) mod windns;
pub(crate) mod winfw;
pub(crate) mod zeek;
mod zeek_json;

use std::fmt;
use std::io::BufRead;

use ward_event::{Event, LogSource, Timestamp};

use crate::sniff::{self, Sniffed};
use crate::{FileReport, ReadOptions};

pub(crate) use lines::{read_lines, recognises};
pub(crate) use record::RecordBuilder;

/// The common field names every network reader sets where the log has the data.
pub mod names {
    pub use super::record::{
        ACTION, BYTES_IN, BYTES_OUT, DST_HOST, DST_IP, DST_PORT, DURATION, PROTOCOL, SRC_IP,
        SRC_PORT,
    };
}

/// Lines longer than this are counted bad and skipped (a hostile file cannot exhaust memory).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A network log format recognised by [`sniff`].
#[derive(Clone, Copy)]
pub struct NetworkFormat(Sniffed);

impl NetworkFormat {
    /// Format name for [`FileReport::format`] (`iptables`, `zeek-tsv`, …).
    pub fn name(self) -> &'static str {
        self.0.name
    }
}

impl fmt::Debug for NetworkFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for NetworkFormat {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for NetworkFormat {}

/// Recognises a network log from the first bytes of its (decompressed) content.
pub fn sniff(head: &[u8]) -> Option<NetworkFormat> {
    sniff::sniff_text(head).map(NetworkFormat)
}

/// Reads a whole network log with default [`ReadOptions`] (no file, so syslog times without a
/// year take it from the log's own dated lines, else 1970; see [`ReadOptions::syslog_year`]).
pub fn read(
    format: NetworkFormat,
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    read_with(format, input, &ReadOptions::default(), report, on_event);
}

/// Reads a whole network log, handing each event to `on_event` and counting bad lines in
/// `report`. Increments `report.events` for each event handed over.
pub fn read_with(
    format: NetworkFormat,
    input: &mut dyn BufRead,
    options: &ReadOptions,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    format.0.read(input, options, report, on_event);
}

/// A line reader of the registry (`sniff::Read::Lines`), one per input: it keeps the headers
/// seen so far.
pub(crate) trait LineParser {
    /// One line into `rec`: a record, or `None` for a header or comment.
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String>;
}

/// What a line parser says of its record besides the fields.
pub(crate) struct Record {
    /// When it happened.
    pub time: Timestamp,
    /// A finer log source than the format's row (Zeek's log name), when the record has one.
    pub source: Option<LogSource>,
}

impl Record {
    /// A record at `time` with the format's own log source.
    pub(crate) fn at(time: Timestamp) -> Self {
        Record { time, source: None }
    }
}

/// What a syslog message parser (`sniff::Read::Messages`) says of its message besides the
/// fields: the device and time the message itself names, when it names them.
#[derive(Default)]
pub(crate) struct Message<'a> {
    /// The device that wrote it (the event's host), empty to keep the syslog header's host.
    pub device: &'a str,
    /// Its own time, preferred to the syslog header's.
    pub time: Option<Timestamp>,
}
