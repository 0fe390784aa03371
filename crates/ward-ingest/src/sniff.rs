//! The format registry: every format Ward reads is one row of [`FORMATS`] — its name, how it
//! is recognised, how it is read and the Sigma log source of its events. Sniffing, reading and
//! the log-source mapping all go through the row; there is no fallback reader, so content no
//! row recognises is reported as unrecognised, never read as another format.
//!
//! Adding a reader is one file (its sniffer and parser, declared with `mod` beside the others)
//! and one row here; `docs/architecture.md` lists the places.

use std::io::BufRead;

use ward_event::{Event, LogSource};

use crate::network::{self, LineParser, Message, RecordBuilder, syslog};
use crate::{FileReport, ReadOptions, evtx, winjson};

/// How many leading bytes the sniffers get to see.
pub(crate) const HEAD_LEN: usize = 16 * 1024;

/// How many leading bytes the text sniffers look at, at most.
const TEXT_HEAD_LEN: usize = 64 * 1024;

/// How many non-comment lines of the head the line sniffers are shown.
const SNIFF_LINES: usize = 20;

/// One format of the registry.
pub(crate) struct Format {
    /// The registry's name for the format (also [`FileReport::format`] unless `sniff` refines it).
    pub name: &'static str,
    /// How the format is recognised.
    pub sniff: Sniff,
    /// How an input in this format is read.
    pub read: Read,
    /// The Sigma log source of its events.
    pub source: Source,
}

/// How a format is recognised from the first bytes of the (decompressed) input. Rows are tried
/// kind by kind — bytes, then head, then line by line — and in table order within a kind.
pub(crate) enum Sniff {
    /// The raw head; gives the format name to report (a reader may know several shapes).
    Bytes(fn(&[u8]) -> Option<&'static str>),
    /// The head as text: headers that name the format.
    Head(fn(&str) -> bool),
    /// One line; the first of the head's first 20 non-comment lines that a row recognises
    /// decides.
    Line(fn(&str) -> bool),
    /// The message of a syslog line (tag or app name, message after the header), tried with
    /// the line sniffers.
    Message(fn(&str, &str) -> bool),
}

/// How an input is read.
pub(crate) enum Read {
    /// The reader takes the whole input (binary or multi-line records) and sets each event's
    /// log source itself.
    Whole(fn(&mut dyn BufRead, &mut FileReport, &mut dyn FnMut(Event))),
    /// One record per line; a fresh parser per input keeps the headers seen.
    Lines(fn() -> Box<dyn LineParser>),
    /// One syslog message per line, after its header. A line this row does not recognise is
    /// tried with the other `Messages` rows (firewall logs mix them), else it is unrecognised.
    Messages(for<'a> fn(&'a str, &mut RecordBuilder) -> Result<Message<'a>, String>),
}

/// A Sigma log source (`product`, `service`, `category`).
pub(crate) struct Source {
    pub product: &'static str,
    pub service: Option<&'static str>,
    pub category: Option<&'static str>,
}

impl Source {
    /// As the event model's [`LogSource`].
    pub(crate) fn log_source(&self) -> LogSource {
        LogSource::other(self.product, self.service, self.category)
    }
}

const fn source(
    product: &'static str,
    service: Option<&'static str>,
    category: Option<&'static str>,
) -> Source {
    Source {
        product,
        service,
        category,
    }
}

/// Every format Ward reads. The order is the order of precedence within a sniffer kind.
pub(crate) const FORMATS: &[Format] = &[
    Format {
        name: "evtx",
        sniff: Sniff::Bytes(|head| evtx::sniff(head).then_some("evtx")),
        read: Read::Whole(evtx::read),
        // Service and category come from each record's channel (`channels.rs`).
        source: source("windows", None, None),
    },
    Format {
        name: "windows-json",
        sniff: Sniff::Bytes(|head| winjson::sniff(head).then(|| winjson::shape_hint(head))),
        read: Read::Whole(winjson::read),
        // Service and category come from each record's channel (`channels.rs`).
        source: source("windows", None, None),
    },
    Format {
        name: "windows-firewall",
        sniff: Sniff::Head(network::winfw::looks_like),
        read: Read::Lines(network::winfw::parser),
        source: source("windows-firewall", None, Some("firewall")),
    },
    Format {
        name: "zeek-tsv",
        sniff: Sniff::Head(network::zeek::looks_like_tsv),
        read: Read::Lines(network::zeek::tsv_parser),
        // Service (the Zeek log name) and category per record (`zeek::source`).
        source: source("zeek", None, None),
    },
    Format {
        name: "zeek-json",
        sniff: Sniff::Line(network::zeek::looks_like_json),
        read: Read::Lines(network::zeek::json_parser),
        // Service (the Zeek log name) and category per record (`zeek::source`).
        source: source("zeek", None, None),
    },
    Format {
        name: "squid",
        sniff: Sniff::Line(network::squid::looks_native),
        read: Read::Lines(network::squid::native_parser),
        source: source("squid", None, Some("proxy")),
    },
    Format {
        name: "fortigate",
        sniff: Sniff::Message(|_, msg| network::fortigate::looks_like(msg)),
        read: Read::Messages(network::fortigate::parse),
        source: source("fortinet", Some("fortigate"), Some("firewall")),
    },
    // Before the ASA row, which reads every other `%FTD-` message: this one claims only the
    // 43000x connection events (none in the shared corpora were read before).
    Format {
        name: "cisco-firepower",
        sniff: Sniff::Message(|_, msg| network::firepower::looks_like(msg)),
        read: Read::Messages(network::firepower::parse),
        source: source("cisco", Some("firepower"), Some("firewall")),
    },
    Format {
        name: "cisco-asa",
        sniff: Sniff::Message(|_, msg| network::asa::looks_like(msg)),
        read: Read::Messages(network::asa::parse),
        source: source("cisco", Some("asa"), Some("firewall")),
    },
    Format {
        name: "pf-filterlog",
        sniff: Sniff::Message(network::filterlog::looks_like),
        read: Read::Messages(network::filterlog::parse),
        source: source("pfsense", Some("filterlog"), Some("firewall")),
    },
    Format {
        name: "iptables",
        sniff: Sniff::Message(|_, msg| network::netfilter::looks_like(msg)),
        read: Read::Messages(network::netfilter::parse),
        source: source("netfilter", None, Some("firewall")),
    },
    Format {
        name: "squid-common",
        sniff: Sniff::Line(network::squid::looks_common),
        read: Read::Lines(network::squid::common_parser),
        source: source("squid", None, Some("proxy")),
    },
    // Rows added after the first eleven: they come last so a line an older row reads is
    // still read by it.
    Format {
        name: "suricata-eve",
        sniff: Sniff::Line(network::suricata_eve::looks_like),
        read: Read::Lines(network::suricata_eve::parser),
        // Service (the EVE event type) and category per record (`suricata_eve::source`).
        source: source("suricata", None, None),
    },
    Format {
        name: "suricata-fast",
        sniff: Sniff::Line(network::suricata_fast::looks_like),
        read: Read::Lines(network::suricata_fast::parser),
        source: source("suricata", Some("alert"), None),
    },
    Format {
        name: "windows-dns-debug",
        sniff: Sniff::Line(network::windns::looks_like),
        read: Read::Lines(network::windns::parser),
        source: source("windows", Some("dns-server-debug"), Some("dns")),
    },
    Format {
        name: "adguard-querylog",
        sniff: Sniff::Line(network::adguard::looks_like_querylog),
        read: Read::Lines(network::adguard::querylog_parser),
        source: source("adguard", Some("querylog"), Some("dns")),
    },
    Format {
        name: "pan-os",
        sniff: Sniff::Message(|_, msg| network::panos::looks_like(msg)),
        read: Read::Messages(network::panos::parse),
        source: source("paloalto", Some("pan-os"), Some("firewall")),
    },
    Format {
        name: "mikrotik",
        sniff: Sniff::Message(|_, msg| network::mikrotik::looks_like(msg)),
        read: Read::Messages(network::mikrotik::parse),
        source: source("mikrotik", Some("routeros"), Some("firewall")),
    },
    Format {
        name: "cef",
        sniff: Sniff::Message(network::cef::looks_like),
        read: Read::Messages(network::cef::parse),
        source: source("cef", None, Some("firewall")),
    },
    Format {
        name: "sophos",
        sniff: Sniff::Message(|_, msg| network::sophos::looks_like(msg)),
        read: Read::Messages(network::sophos::parse),
        source: source("sophos", Some("sfos"), Some("firewall")),
    },
    Format {
        name: "leef",
        sniff: Sniff::Message(|_, msg| network::leef::looks_like(msg)),
        read: Read::Messages(network::leef::parse),
        source: source("leef", None, Some("firewall")),
    },
    Format {
        name: "bind",
        sniff: Sniff::Message(|_, msg| network::bind::looks_like(msg)),
        read: Read::Messages(network::bind::parse),
        source: source("bind", Some("named"), Some("dns")),
    },
    Format {
        name: "adguard",
        sniff: Sniff::Message(|_, msg| network::adguard::looks_like_app(msg)),
        read: Read::Messages(network::adguard::parse_app),
        source: source("adguard", Some("application"), Some("webserver")),
    },
];

/// A recognised input: its row and the format name to report.
#[derive(Clone, Copy)]
pub(crate) struct Sniffed {
    pub format: &'static Format,
    pub name: &'static str,
}

impl Sniffed {
    /// The row named `name`, whatever the input looks like.
    pub(crate) fn named(name: &str) -> Option<Sniffed> {
        let format = FORMATS.iter().find(|format| format.name == name)?;
        Some(Sniffed {
            format,
            name: format.name,
        })
    }

    /// Recognises `head`; `None` when no row does.
    pub(crate) fn sniff(head: &[u8]) -> Option<Sniffed> {
        let bytes = FORMATS.iter().find_map(|format| match format.sniff {
            Sniff::Bytes(sniff) => sniff(head).map(|name| Sniffed { format, name }),
            _ => None,
        });
        bytes.or_else(|| sniff_text(head))
    }

    /// Reads the whole input into events.
    pub(crate) fn read(
        &self,
        input: &mut dyn BufRead,
        options: &ReadOptions,
        report: &mut FileReport,
        on_event: &mut dyn FnMut(Event),
    ) {
        match self.format.read {
            Read::Whole(read) => read(input, report, on_event),
            Read::Lines(_) | Read::Messages(_) => {
                network::read_lines(self.format, input, options, report, on_event)
            }
        }
    }
}

/// Recognises a text log (the rows sniffed from the head as text or line by line); at most
/// [`TEXT_HEAD_LEN`] bytes of `head` are looked at (callers may pass a whole file).
pub(crate) fn sniff_text(head: &[u8]) -> Option<Sniffed> {
    let text = String::from_utf8_lossy(head.get(..TEXT_HEAD_LEN).unwrap_or(head));
    let text = text.trim_start_matches('\u{feff}');
    let found = |format: &'static Format| Sniffed {
        format,
        name: format.name,
    };
    if let Some(format) = FORMATS
        .iter()
        .find(|f| matches!(f.sniff, Sniff::Head(sniff) if sniff(text)))
    {
        return Some(found(format));
    }
    let lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    for line in lines.take(SNIFF_LINES) {
        let header = syslog::split(line);
        if let Some(format) = FORMATS
            .iter()
            .find(|f| network::recognises(f, line, &header))
        {
            return Some(found(format));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_its_own_name() {
        let mut names: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len());
    }

    #[test]
    fn a_line_no_row_knows_is_unrecognised_not_squid() {
        assert!(Sniffed::sniff(b"hello\nworld 1 2 3\n").is_none());
        let fw = b"Sep 30 10:09:23 fw kernel: [1.2] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1\n\
                   1157689312.049 5006 10.1.2.3 TCP_MISS/200 19763 CONNECT a.example:443 - DIRECT/1.2.3.4 -\n";
        let sniffed = Sniffed::sniff(fw).expect("iptables");
        assert_eq!(sniffed.name, "iptables");
        let mut report = FileReport::new("fw.log", sniffed.name);
        let mut events = 0;
        sniffed.read(
            &mut &fw[..],
            &ReadOptions::default(),
            &mut report,
            &mut |_| events += 1,
        );
        assert_eq!((events, report.bad_records), (1, 1));
        assert_eq!(
            report.errors.first().map(ToString::to_string).as_deref(),
            Some(
                "fw.log: line 2: unrecognised: no firewall format reads this message (file read as iptables)"
            )
        );
    }
}
