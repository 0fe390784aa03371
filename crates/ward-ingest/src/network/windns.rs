//! Windows DNS Server debug log (`dns.log`, "Log packets for debugging"): `6/5/2013 10:00:32 AM
//! 0E70 PACKET 00000000033397A0 UDP Rcv 10.17.1.97 e8cb   Q [0001   D   NOERROR] A
//! (7)example(3)com(0)`. The time is the server's local time (taken as UTC), month first as the
//! en-US locale writes it. A query received from a client or a response sent to one names the
//! client as `src_ip`; the server's own queries to forwarders name them as `dst_ip`. The
//! header and notes of the log (lines not starting with a date) are skipped.

use ward_event::{LogSource, Timestamp};

use super::record::{self, RecordBuilder};
use super::{LineParser, Record};

/// True when the head names the log (its creation line) or a line is a packet line.
pub(crate) fn looks_like(line: &str) -> bool {
    line.starts_with("DNS Server log file creation at")
        || (line.contains(" PACKET ")
            && (line.contains(" Rcv ") || line.contains(" Snd "))
            && line.trim_end().ends_with("(0)"))
}

/// A parser for one debug log (the registry's reader).
pub(crate) fn parser() -> Box<dyn LineParser> {
    Box::new(DebugLog)
}

struct DebugLog;

/// `(7)example(3)com(0)` → `example.com`.
fn wire_name(text: &str) -> String {
    let mut out = String::new();
    for part in text.split(['(', ')']).filter(|p| !p.is_empty()) {
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// `6/5/2013 10:00:32 AM` (the AM/PM part optional).
fn time(date: &str, clock: &str, half: Option<&str>) -> Option<Timestamp> {
    let mut d = date.split('/');
    let (m, day, y) = (
        d.next()?.parse::<u8>().ok()?,
        d.next()?.parse::<u8>().ok()?,
        d.next()?,
    );
    let mut c = clock.split(':');
    let (mut h, min, sec) = (c.next()?.parse::<u8>().ok()?, c.next()?, c.next()?);
    match half {
        Some("PM") if h < 12 => h += 12,
        Some("AM") if h == 12 => h = 0,
        _ => {}
    }
    Timestamp::parse(&format!("{y}-{m:02}-{day:02}T{h:02}:{min}:{sec}Z")).ok()
}

impl LineParser for DebugLog {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        if !line.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(None);
        }
        let (head, tail) = line.split_once(" PACKET ").ok_or("not a PACKET line")?;
        let mut h = head.split_whitespace();
        let (date, clock) = (h.next().unwrap_or(""), h.next().unwrap_or(""));
        let half = h.next().filter(|t| *t == "AM" || *t == "PM");
        let time = time(date, clock, half).ok_or("bad debug-log time")?;
        let (before, flags_after) = tail.split_once('[').ok_or("no [flags]")?;
        let (flags, after) = flags_after.split_once(']').ok_or("no [flags]")?;
        let b: Vec<&str> = before.split_whitespace().collect();
        let [_packet, proto, dir, remote, xid, rest @ ..] = b.as_slice() else {
            return Err("short packet line".into());
        };
        let response = rest.first() == Some(&"R");
        let opcode = rest.last().copied().unwrap_or("");
        let mut a = after.split_whitespace();
        let (qtype, name) = (a.next().unwrap_or(""), a.next().unwrap_or(""));
        if name.is_empty() {
            return Err("packet line without a question".into());
        }
        rec.text(record::PROTOCOL, &proto.to_ascii_lowercase());
        rec.text("direction", dir);
        rec.text("xid", xid);
        rec.text("opcode", opcode);
        rec.text("response", if response { "R" } else { "Q" });
        rec.text("flags", flags.split_whitespace().next().unwrap_or(""));
        if let Some(rcode) = flags.split_whitespace().last() {
            rec.text("rcode", rcode);
        }
        rec.text("record_type", qtype);
        rec.text("query", &wire_name(name));
        let from_client = (*dir == "Rcv") != response;
        rec.text(
            if from_client {
                record::SRC_IP
            } else {
                record::DST_IP
            },
            remote,
        );
        Ok(Some(Record {
            time,
            source: Some(LogSource::other(
                "windows",
                Some("dns-server-debug"),
                Some("dns"),
            )),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-made from Microsoft's description of the DNS debug log (no public sample here).
    #[test]
    fn query_and_response_lines() {
        let q = "6/5/2013 10:00:32 PM 0E70 PACKET  00000000033397A0 UDP Rcv 10.17.1.97      e8cb   Q [0001   D   NOERROR] TXT    (52)paaaai2ks5fwq3tj(6)tunnel(7)example(3)com(0)";
        assert!(looks_like(q));
        let mut rec = RecordBuilder::new();
        let r = DebugLog.line(q, &mut rec).unwrap().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2013-06-05T22:00:32Z");
        assert_eq!(
            rec.get_str("query"),
            Some("paaaai2ks5fwq3tj.tunnel.example.com")
        );
        assert_eq!(rec.get_str("record_type"), Some("TXT"));
        assert_eq!(rec.get_str("src_ip"), Some("10.17.1.97"));
        let r = "6/5/2013 12:00:33 AM 0E70 PACKET  00000000033397A0 UDP Snd 10.17.1.97      e8cb R Q [8381   DR NXDOMAIN] A      (5)xjw3k(3)com(0)";
        let mut rec = RecordBuilder::new();
        let got = DebugLog.line(r, &mut rec).unwrap().unwrap();
        assert_eq!(got.time.to_rfc3339(), "2013-06-05T00:00:33Z");
        assert_eq!(rec.get_str("src_ip"), Some("10.17.1.97"));
        assert_eq!(rec.get_str("rcode"), Some("NXDOMAIN"));
        assert!(
            DebugLog
                .line("Message logging key:", &mut RecordBuilder::new())
                .unwrap()
                .is_none()
        );
        assert!(
            DebugLog
                .line(
                    "6/5/2013 10:00:32 AM 0E70 PACKET x",
                    &mut RecordBuilder::new()
                )
                .is_err()
        );
    }
}
