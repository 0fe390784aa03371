//! BIND 9 (`named`) client logs, bare or under a syslog header: query logging (`client @0x…
//! 10.0.0.5#5353 (a.example): query: a.example IN A +E(0)K (10.0.0.53)`) and the security
//! lines (`query (cache) 'a.example/ANY/IN' denied`, `zone transfer '…/AXFR/IN' denied`). The
//! `dd-Mon-yyyy HH:MM:SS.mmm` time, when present, is the server's (taken as UTC). Events are
//! Sigma `dns` with `query`, `record_type`, `src_ip`; refusals have `action=block`.

use super::Message;
use super::record::{self, RecordBuilder};
use ward_event::Timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `19-Oct-2022 05:34:02.425 ` at the start of `msg`: the time and the rest.
fn own_time(msg: &str) -> (Option<Timestamp>, &str) {
    let mut parts = msg.splitn(3, ' ');
    let (Some(date), Some(clock), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return (None, msg);
    };
    let mut d = date.split('-');
    let (Some(day), Some(mon), Some(year)) = (d.next(), d.next(), d.next()) else {
        return (None, msg);
    };
    let Some(m) = MONTHS.iter().position(|x| *x == mon) else {
        return (None, msg);
    };
    match Timestamp::parse(&format!("{year}-{:02}-{day:0>2}T{clock}Z", m + 1)) {
        Ok(t) => (Some(t), rest),
        Err(_) => (None, msg),
    }
}

/// The part from `client ` on, after optional `category: severity: ` words.
fn client_part(msg: &str) -> Option<&str> {
    let (_, rest) = own_time(msg);
    let i = rest.find("client ")?;
    let before = rest.get(..i)?;
    before
        .split_whitespace()
        .all(|w| w.ends_with(':'))
        .then(|| rest.get(i + "client ".len()..))
        .flatten()
}

/// True when the message is a BIND client line (`client [@0x…] addr#port (name): …`).
pub(crate) fn looks_like(msg: &str) -> bool {
    client_part(msg).is_some_and(|c| c.contains('#') && c.contains("): "))
}

/// Fills `rec` from one BIND client line.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let (time, rest) = own_time(msg);
    let client = client_part(msg).ok_or("no `client` in a BIND line")?;
    let before = rest
        .get(..rest.len() - client.len() - "client ".len())
        .unwrap_or("");
    let words: Vec<&str> = before
        .split_whitespace()
        .map(|w| w.trim_end_matches(':'))
        .collect();
    if let Some(category) = words.first() {
        rec.text("category", category);
    }
    if let Some(severity) = words.get(1) {
        rec.text("severity", severity);
    }
    let client = client
        .split_once(' ')
        .filter(|(t, _)| t.starts_with("@0x"))
        .map_or(client, |(_, r)| r);
    let (addr, tail) = client
        .split_once(' ')
        .ok_or("BIND client without address")?;
    let (ip, port) = addr
        .rsplit_once('#')
        .ok_or("BIND client address without #port")?;
    rec.text(record::SRC_IP, ip);
    rec.int(record::SRC_PORT, port);
    let (_, what) = tail
        .split_once("): ")
        .ok_or("BIND client line without (name):")?;
    rec.text("message", what);
    if let Some(q) = what.strip_prefix("query: ") {
        // `name class type flags (server)`
        let mut p = q.split_whitespace();
        rec.text("query", p.next().unwrap_or(""));
        rec.text("query_class", p.next().unwrap_or(""));
        rec.text("record_type", p.next().unwrap_or(""));
        rec.text("flags", p.next().unwrap_or(""));
        if let Some(server) = p.next() {
            rec.text(record::DST_IP, server.trim_matches(['(', ')']));
        }
        rec.text(record::ACTION, "allow");
    } else if let Some((_, quoted)) = what.split_once('\'')
        && let Some((target, verdict)) = quoted.split_once('\'')
    {
        let mut t = target.split('/');
        rec.text("query", t.next().unwrap_or(""));
        let second = t.next().unwrap_or("");
        match t.next() {
            Some(class) => {
                rec.text("record_type", second);
                rec.text("query_class", class);
            }
            None => rec.text("query_class", second),
        }
        let op = what.split(" '").next().unwrap_or("");
        rec.text("operation", op);
        if verdict.trim_start().starts_with("denied") || what.contains("(NOTAUTH)") {
            rec.text(record::ACTION, "block");
        }
    }
    Ok(Message { device: "", time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_and_query_lines() {
        let line = "03-Nov-2022 13:34:52.235 security: error: client @0x7fb04c007328 ::1#62449 (example.com): zone transfer 'example.com/AXFR/IN' denied";
        assert!(looks_like(line));
        let mut rec = RecordBuilder::new();
        let m = parse(line, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2022-11-03T13:34:52.235Z");
        assert_eq!(rec.get_str("src_ip"), Some("::1"));
        assert_eq!(rec.get_str("record_type"), Some("AXFR"));
        assert_eq!(rec.get_str("category"), Some("security"));
        assert_eq!(rec.get_str("action"), Some("block"));
        let q =
            "client @0x7f1 10.0.0.5#5353 (a.example): query: a.example IN TXT +E(0)K (10.0.0.53)";
        let mut rec = RecordBuilder::new();
        let m = parse(q, &mut rec).unwrap();
        assert!(m.time.is_none());
        assert_eq!(rec.get_str("query"), Some("a.example"));
        assert_eq!(rec.get_str("record_type"), Some("TXT"));
        assert_eq!(rec.get_str("dst_ip"), Some("10.0.0.53"));
        assert!(!looks_like("the client 1.2.3.4#5 (x): y"));
    }
}
