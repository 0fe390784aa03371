//! Suricata (and Snort) `fast.log` alerts: `MM/DD/YYYY-HH:MM:SS.micros  [**] [gid:sid:rev]
//! signature [**] [Classification: …] [Priority: n] {PROTO} src:port -> dst:port`. The time has
//! no zone and is taken as UTC. Fields are named as in EVE (`alert.signature`,
//! `alert.signature_id`, `alert.category`, `alert.severity`) beside the common network names.

use ward_event::{LogSource, Timestamp};

use super::record::{self, RecordBuilder};
use super::{LineParser, Record};

/// True when the line is a fast.log alert.
pub(crate) fn looks_like(line: &str) -> bool {
    line.contains(" [**] [")
        && line.contains("] {")
        && line.contains(" -> ")
        && time(line).is_some()
}

/// A parser for one fast.log (the registry's reader).
pub(crate) fn parser() -> Box<dyn LineParser> {
    Box::new(Fast)
}

struct Fast;

fn time(line: &str) -> Option<Timestamp> {
    let stamp = line.split_whitespace().next()?;
    let (date, clock) = stamp.split_once('-')?;
    let mut d = date.split('/');
    let (month, day, year) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some()
        || [month, day, year]
            .iter()
            .any(|p| !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Timestamp::parse(&format!("{year}-{month}-{day}T{clock}Z")).ok()
}

/// `addr:port` or a bare address; IPv6 addresses are split at their last `:` only when the rest
/// is still an address.
fn endpoint(text: &str) -> (&str, Option<&str>) {
    match text.rsplit_once(':') {
        Some((addr, port))
            if port.bytes().all(|b| b.is_ascii_digit())
                && !port.is_empty()
                && addr.parse::<std::net::IpAddr>().is_ok() =>
        {
            (addr, Some(port))
        }
        _ => (text, None),
    }
}

impl LineParser for Fast {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        let time = time(line).ok_or("fast.log line without its MM/DD/YYYY-HH:MM:SS time")?;
        let (_, rest) = line.split_once("[**] [").ok_or("no [**] marker")?;
        let (ids, rest) = rest.split_once("] ").ok_or("no [gid:sid:rev]")?;
        let mut ids = ids.split(':');
        let (gid, sid, rev) = (ids.next(), ids.next(), ids.next());
        let (signature, rest) = rest.split_once(" [**]").ok_or("no closing [**]")?;
        rec.int("alert.gid", gid.unwrap_or(""));
        rec.int("alert.signature_id", sid.ok_or("no signature id")?);
        rec.int("alert.rev", rev.unwrap_or(""));
        rec.text("alert.signature", signature);
        if let Some((_, c)) = rest.split_once("[Classification: ") {
            rec.text("alert.category", c.split_once(']').map_or(c, |(c, _)| c));
        }
        if let Some((_, p)) = rest.split_once("[Priority: ") {
            rec.int("alert.severity", p.split_once(']').map_or(p, |(p, _)| p));
        }
        let (_, flow) = rest.rsplit_once('{').ok_or("no {PROTO}")?;
        let (proto, addrs) = flow.split_once('}').ok_or("no {PROTO}")?;
        let (src, dst) = addrs.split_once(" -> ").ok_or("no src -> dst")?;
        let ((sa, sp), (da, dp)) = (endpoint(src.trim()), endpoint(dst.trim()));
        rec.text(record::SRC_IP, sa);
        rec.int(record::SRC_PORT, sp.unwrap_or(""));
        rec.text(record::DST_IP, da);
        rec.int(record::DST_PORT, dp.unwrap_or(""));
        rec.text("proto", proto);
        rec.text(record::PROTOCOL, &record::protocol_name(proto));
        Ok(Some(Record {
            time,
            source: Some(LogSource::other("suricata", Some("alert"), None)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_line() {
        let line = "07/11/2022-10:29:32.251216  [**] [1:2008578:4] ET SCAN Sipvicious Scan [**] [Classification: Attempted Information Leak] [Priority: 2] {UDP} 89.248.163.216:5116 -> 172.31.18.55:5060";
        assert!(looks_like(line));
        let mut rec = RecordBuilder::new();
        let r = Fast.line(line, &mut rec).unwrap().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2022-07-11T10:29:32.251216Z");
        assert_eq!(
            rec.get_str("alert.signature"),
            Some("ET SCAN Sipvicious Scan")
        );
        assert_eq!(rec.get_str("src_ip"), Some("89.248.163.216"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(5060)
        );
        assert_eq!(rec.get_str("protocol"), Some("udp"));
        assert_eq!(
            rec.get_str("alert.category"),
            Some("Attempted Information Leak")
        );
    }

    #[test]
    fn ipv6_and_portless() {
        let line = "01/02/2024-00:00:00.0  [**] [1:1:1] X [**] [Priority: 3] {IPV6-ICMP} 2001:db8::1 -> 2001:db8::2";
        let mut rec = RecordBuilder::new();
        Fast.line(line, &mut rec).unwrap().unwrap();
        assert_eq!(rec.get_str("src_ip"), Some("2001:db8::1"));
        assert!(rec.fields.get("dst_port").is_none());
        assert!(
            Fast.line("01/02/2024-00:00:00.0 [**] [", &mut RecordBuilder::new())
                .is_err()
        );
    }
}
