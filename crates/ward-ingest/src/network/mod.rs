//! Network log readers (firewall, proxy, Zeek). The Windows readers' sniffer calls [`sniff`]
//! on the first bytes of every input it does not recognise itself, then [`read`].
//!
//! Every event carries the common names in [`names`] (`src_ip`, `dst_ip`, `dst_port`,
//! `protocol`, `action`, `bytes_out`, `bytes_in`, `duration`, `dst_host`) besides the format's
//! own fields: Sigma's proxy names for proxies and Zeek HTTP, its DNS names for Zeek DNS,
//! Zeek's own names (dotted `id.orig_h`) for Zeek.
//!
//! ```
//! use ward_ingest::{FileReport, network};
//! let log = b"Sep 30 10:09:23 fw kernel: [1.2] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP SPT=5 DPT=445\n";
//! let format = network::sniff(log).unwrap();
//! let mut report = FileReport::new("fw.log", format.name());
//! let mut events = Vec::new();
//! network::read(format, &mut &log[..], &mut report, &mut |e| events.push(e));
//! assert_eq!(events[0].fields.get_str("dst_ip"), Some("10.0.0.1"));
//! assert_eq!(events[0].host.short(), "FW");
//! ```

mod asa;
mod filterlog;
mod firewall;
mod fortigate;
mod netfilter;
mod proxy;
mod record;
mod squid;
mod syslog;
mod winfw;
mod zeek;
mod zeek_json;

use std::io::{BufRead, Read};
use std::sync::Arc;
use ward_event::{Event, LogSource, Timestamp};

use crate::{FileReport, PositionUnit};
use firewall::Firewall;
use record::RecordBuilder;

/// The common field names every network reader sets where the log has the data.
pub mod names {
    pub use super::record::{
        ACTION, BYTES_IN, BYTES_OUT, DST_HOST, DST_IP, DST_PORT, DURATION, PROTOCOL, SRC_IP,
        SRC_PORT,
    };
}

/// Lines longer than this are counted bad and skipped (a hostile file cannot exhaust memory).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A network log format this module can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFormat {
    /// Linux netfilter (iptables/nftables/UFW) kernel lines, with or without a syslog header.
    Iptables,
    /// pfSense / OPNsense `filterlog` CSV in syslog.
    PfFilterlog,
    /// Cisco ASA `%ASA-` syslog messages.
    CiscoAsa,
    /// FortiGate `key=value` logs.
    Fortigate,
    /// Windows Firewall `pfirewall.log` (W3C).
    WindowsFirewall,
    /// Squid native `access.log`.
    Squid,
    /// Squid (or any proxy) in common / combined log format.
    SquidCommon,
    /// Zeek TSV logs.
    ZeekTsv,
    /// Zeek JSON logs (one object per line).
    ZeekJson,
}

impl NetworkFormat {
    /// Format name for [`FileReport::format`].
    pub fn name(self) -> &'static str {
        match self {
            NetworkFormat::Iptables => "iptables",
            NetworkFormat::PfFilterlog => "pf-filterlog",
            NetworkFormat::CiscoAsa => "cisco-asa",
            NetworkFormat::Fortigate => "fortigate",
            NetworkFormat::WindowsFirewall => "windows-firewall",
            NetworkFormat::Squid => "squid",
            NetworkFormat::SquidCommon => "squid-common",
            NetworkFormat::ZeekTsv => "zeek-tsv",
            NetworkFormat::ZeekJson => "zeek-json",
        }
    }

    fn firewall(self) -> Option<Firewall> {
        match self {
            NetworkFormat::Iptables => Some(Firewall::Netfilter),
            NetworkFormat::PfFilterlog => Some(Firewall::Filterlog),
            NetworkFormat::CiscoAsa => Some(Firewall::Asa),
            NetworkFormat::Fortigate => Some(Firewall::Fortigate),
            _ => None,
        }
    }
}

fn now() -> Timestamp {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Timestamp::from_nanos(nanos)
}

/// Recognises a network log from the first bytes of its (decompressed) content.
pub fn sniff(head: &[u8]) -> Option<NetworkFormat> {
    let text = String::from_utf8_lossy(head.get(..head.len().min(64 * 1024)).unwrap_or(head));
    let text = text.trim_start_matches('\u{feff}');
    if winfw::looks_like(text) {
        return Some(NetworkFormat::WindowsFirewall);
    }
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    if lines
        .clone()
        .any(|l| l.starts_with("#separator") || l.starts_with("#fields"))
    {
        return Some(NetworkFormat::ZeekTsv);
    }
    let now = now();
    for line in lines.filter(|l| !l.starts_with('#')).take(20) {
        if let Some(format) = sniff_line(line, now) {
            return Some(format);
        }
    }
    None
}

fn sniff_line(line: &str, now: Timestamp) -> Option<NetworkFormat> {
    if line.starts_with('{') {
        let zeek_keys = ["\"id.orig_h\"", "\"id_orig_h\"", "\"uid\"", "\"_path\""];
        return zeek_keys
            .iter()
            .any(|k| line.contains(k))
            .then_some(NetworkFormat::ZeekJson);
    }
    if line.contains('\t')
        && ["uid", "ts", "id.orig_h"]
            .iter()
            .any(|k| line.split('\t').any(|c| c == *k))
    {
        return Some(NetworkFormat::ZeekTsv);
    }
    if squid::looks_native(line) {
        return Some(NetworkFormat::Squid);
    }
    if let Some(fw) = Firewall::detect(line, now) {
        return Some(match fw {
            Firewall::Netfilter => NetworkFormat::Iptables,
            Firewall::Filterlog => NetworkFormat::PfFilterlog,
            Firewall::Asa => NetworkFormat::CiscoAsa,
            Firewall::Fortigate => NetworkFormat::Fortigate,
        });
    }
    squid::looks_common(line).then_some(NetworkFormat::SquidCommon)
}

/// Per-file reading state: headers seen so far.
enum LineReader {
    Firewall(Firewall, Timestamp),
    WindowsFirewall(winfw::W3cState),
    Squid { common: bool },
    ZeekTsv(zeek::ZeekTsv),
    ZeekJson,
}

impl LineReader {
    fn new(format: NetworkFormat) -> Self {
        if let Some(fw) = format.firewall() {
            return LineReader::Firewall(fw, now());
        }
        match format {
            NetworkFormat::WindowsFirewall => {
                LineReader::WindowsFirewall(winfw::W3cState::default())
            }
            NetworkFormat::SquidCommon => LineReader::Squid { common: true },
            NetworkFormat::ZeekTsv => LineReader::ZeekTsv(zeek::ZeekTsv::default()),
            NetworkFormat::ZeekJson => LineReader::ZeekJson,
            _ => LineReader::Squid { common: false },
        }
    }

    /// One line to an event; `Ok(None)` for headers and comments.
    fn line(&mut self, line: &str, no: u64, file: &Arc<str>) -> Result<Option<Event>, String> {
        let mut rec = RecordBuilder::new();
        let (time, host, source) = match self {
            LineReader::Firewall(preferred, now) => {
                let r = firewall::parse_line(line, *now, *preferred)?;
                return Ok(Some(r.rec.finish(
                    r.time,
                    &r.host,
                    &r.firewall.source(),
                    file,
                    no,
                )));
            }
            LineReader::WindowsFirewall(state) => match state.line(line, &mut rec)? {
                Some(t) => (
                    t,
                    "",
                    LogSource::other("windows-firewall", None, Some("firewall")),
                ),
                None => return Ok(None),
            },
            LineReader::Squid { common } => {
                if line.starts_with('#') {
                    return Ok(None);
                }
                let native = !*common && squid::looks_native(line);
                let t = if native {
                    squid::parse_native(line, &mut rec)?
                } else {
                    squid::parse_common(line, &mut rec)?
                };
                (t, "", LogSource::other("squid", None, Some("proxy")))
            }
            LineReader::ZeekTsv(state) => match state.line(line, &mut rec)? {
                Some(t) => {
                    let path = if state.path().is_empty() {
                        zeek::infer_path(&rec)
                    } else {
                        state.path()
                    };
                    let path = path.to_string();
                    zeek::add_common(&path, &mut rec);
                    (t, "", zeek::source(&path))
                }
                None => return Ok(None),
            },
            LineReader::ZeekJson => {
                if line.starts_with('#') {
                    return Ok(None);
                }
                let t = zeek::json_line(line, &mut rec)?;
                let path = rec
                    .get_str("_path")
                    .map(str::to_string)
                    .unwrap_or_else(|| zeek::infer_path(&rec).to_string());
                zeek::add_common(&path, &mut rec);
                (t, "", zeek::source(&path))
            }
        };
        let host = rec.get_str("_system_name").unwrap_or(host).to_string();
        Ok(Some(rec.finish(time, &host, &source, file, no)))
    }
}

/// Reads a whole network log, handing each event to `on_event` and counting bad lines in
/// `report`. Increments `report.events` for each event handed over.
pub fn read(
    format: NetworkFormat,
    input: &mut dyn BufRead,
    report: &mut FileReport,
    on_event: &mut dyn FnMut(Event),
) {
    let file: Arc<str> = report.path.as_str().into();
    let mut reader = LineReader::new(format);
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
        match reader.line(line, no, &file) {
            Ok(Some(event)) => {
                report.events += 1;
                on_event(event);
            }
            Ok(None) => {}
            Err(msg) => report.bad(no, PositionUnit::Line, msg),
        }
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
