//! Firewall messages carried in syslog lines (netfilter, pfSense filterlog, Cisco ASA,
//! FortiGate). A file sniffed as one of them may mix in the others; each line is tried with
//! the sniffed format first.

use super::record::{self, RecordBuilder};
use super::{asa, filterlog, fortigate, netfilter, syslog};
use ward_event::{LogSource, Timestamp};

/// Which firewall wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Firewall {
    Netfilter,
    Filterlog,
    Asa,
    Fortigate,
}

const ALL: [Firewall; 4] = [
    Firewall::Fortigate,
    Firewall::Asa,
    Firewall::Filterlog,
    Firewall::Netfilter,
];

impl Firewall {
    /// Recognises the firewall from one syslog line.
    pub(crate) fn detect(line: &str, now: Timestamp) -> Option<Firewall> {
        let s = syslog::split(line, now);
        ALL.into_iter().find(|f| f.matches(s.app, s.msg))
    }

    fn matches(self, app: &str, msg: &str) -> bool {
        match self {
            Firewall::Netfilter => netfilter::looks_like(msg),
            Firewall::Filterlog => filterlog::looks_like(app, msg),
            Firewall::Asa => asa::looks_like(msg),
            Firewall::Fortigate => fortigate::looks_like(msg),
        }
    }

    /// The Sigma log source for this firewall's events.
    pub(crate) fn source(self) -> LogSource {
        let (product, service) = match self {
            Firewall::Netfilter => ("netfilter", None),
            Firewall::Filterlog => ("pfsense", Some("filterlog")),
            Firewall::Asa => ("cisco", Some("asa")),
            Firewall::Fortigate => ("fortinet", Some("fortigate")),
        };
        LogSource::other(product, service, Some("firewall"))
    }
}

/// A parsed firewall line: which firewall, when, which host, and the fields.
pub(crate) struct FirewallRecord {
    pub firewall: Firewall,
    pub time: Timestamp,
    pub host: String,
    pub rec: RecordBuilder,
}

/// Parses one line, trying `preferred` first.
pub(crate) fn parse_line(
    line: &str,
    now: Timestamp,
    preferred: Firewall,
) -> Result<FirewallRecord, String> {
    let s = syslog::split(line, now);
    let firewall = std::iter::once(preferred)
        .chain(ALL)
        .find(|f| f.matches(s.app, s.msg))
        .ok_or("not a recognised firewall message")?;
    let mut rec = RecordBuilder::new();
    let mut time = s.time;
    let mut host = s.host.to_string();
    match firewall {
        Firewall::Netfilter => netfilter::parse(s.msg, &mut rec)?,
        Firewall::Filterlog => filterlog::parse(s.msg, &mut rec)?,
        Firewall::Asa => asa::parse(s.msg, &mut rec)?,
        Firewall::Fortigate => {
            let (dev, t) = fortigate::parse(s.msg, &mut rec)?;
            time = t.or(time);
            if !dev.is_empty() {
                host = dev.to_string();
            }
        }
    }
    if !s.host.is_empty() {
        rec.text("log_host", s.host);
    }
    if rec.get_str(record::ACTION).is_none() {
        rec.text(record::ACTION, "log");
    }
    Ok(FirewallRecord {
        firewall,
        time: time.unwrap_or(Timestamp::UNKNOWN),
        host,
        rec,
    })
}
