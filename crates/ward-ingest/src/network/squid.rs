//! Squid access logs: the native format (`epoch elapsed client code/status bytes method URL
//! user hierarchy/peer type`) and the common / combined formats (`logformat common|combined`).

use super::proxy;
use super::record::{self, RecordBuilder};
use super::{LineParser, Record};
use ward_event::Timestamp;

/// True when the line is a native Squid access-log line.
pub(crate) fn looks_native(line: &str) -> bool {
    let w: Vec<&str> = line.split_ascii_whitespace().take(7).collect();
    w.len() == 7
        && Timestamp::parse(w.first().copied().unwrap_or("")).is_ok()
        && w.get(3).is_some_and(|c| {
            c.contains('/') && c.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        })
}

/// True when the line is in common/combined log format.
pub(crate) fn looks_common(line: &str) -> bool {
    let Some(open) = line.find(" [") else {
        return false;
    };
    line.get(open..).is_some_and(|r| r.contains("] \"")) && common_time(line).is_some()
}

/// Reads a native access log; lines in common/combined format are read too (Squid writes
/// both, by `logformat`).
struct Native;

/// Reads a common/combined access log.
struct Common;

/// A parser for a native access log (the registry's reader).
pub(crate) fn native_parser() -> Box<dyn LineParser> {
    Box::new(Native)
}

/// A parser for a common/combined access log (the registry's reader).
pub(crate) fn common_parser() -> Box<dyn LineParser> {
    Box::new(Common)
}

impl LineParser for Native {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        if line.starts_with('#') {
            return Ok(None);
        }
        let time = if looks_native(line) {
            parse_native(line, rec)?
        } else {
            parse_common(line, rec)?
        };
        Ok(Some(Record::at(time)))
    }
}

impl LineParser for Common {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        if line.starts_with('#') {
            return Ok(None);
        }
        Ok(Some(Record::at(parse_common(line, rec)?)))
    }
}

/// Parses a native line; returns its time.
pub(crate) fn parse_native(line: &str, rec: &mut RecordBuilder) -> Result<Timestamp, String> {
    let w: Vec<&str> = line.split_ascii_whitespace().collect();
    let at = |i: usize| w.get(i).copied().unwrap_or("");
    if w.len() < 7 {
        return Err(format!(
            "squid line has {} fields, expected at least 7",
            w.len()
        ));
    }
    let time = Timestamp::parse(at(0)).map_err(|e| e.to_string())?;
    rec.text(record::SRC_IP, at(2));
    let (code, status) = at(3).split_once('/').unwrap_or((at(3), ""));
    rec.text("squid_result", code);
    rec.int("sc-status", status);
    rec.int("sc-bytes", at(4));
    rec.int(record::BYTES_IN, at(4));
    if let Ok(ms) = at(1).parse::<f64>() {
        rec.value(record::DURATION, ward_event::Value::Float(ms / 1000.0));
    }
    proxy::add_request(rec, at(5), at(6), "");
    rec.text("cs-username", at(7));
    let (hier, peer) = at(8).split_once('/').unwrap_or((at(8), ""));
    rec.text("squid_hierarchy", hier);
    if peer.parse::<std::net::IpAddr>().is_ok() {
        rec.text(record::DST_IP, peer);
    }
    rec.text("content_type", at(9));
    add_common_port(rec);
    Ok(time)
}

/// Parses a common/combined line; returns its time.
pub(crate) fn parse_common(line: &str, rec: &mut RecordBuilder) -> Result<Timestamp, String> {
    let time = common_time(line).ok_or("no [dd/Mon/yyyy:HH:MM:SS zone] time")?;
    let mut head = line.split_ascii_whitespace();
    rec.text(record::SRC_IP, head.next().unwrap_or(""));
    let _ident = head.next();
    rec.text("cs-username", head.next().unwrap_or(""));
    let quoted: Vec<&str> = line.split('"').collect();
    let request = quoted.get(1).copied().ok_or("no quoted request")?;
    let mut req = request.split_ascii_whitespace();
    let (method, url) = (req.next().unwrap_or(""), req.next().unwrap_or(""));
    rec.text("cs-version", req.next().unwrap_or(""));
    proxy::add_request(rec, method, url, "");
    let mut after = quoted
        .get(2)
        .copied()
        .unwrap_or("")
        .split_ascii_whitespace();
    rec.int("sc-status", after.next().unwrap_or(""));
    let bytes = after.next().unwrap_or("");
    rec.int("sc-bytes", bytes);
    rec.int(record::BYTES_IN, bytes);
    rec.text("cs-referrer", quoted.get(3).copied().unwrap_or(""));
    rec.text("c-useragent", quoted.get(5).copied().unwrap_or(""));
    if let Some(tail) = quoted.get(6) {
        let (code, hier) = tail.trim().split_once(':').unwrap_or((tail.trim(), ""));
        rec.text("squid_result", code);
        rec.text("squid_hierarchy", hier);
    }
    add_common_port(rec);
    Ok(time)
}

fn add_common_port(rec: &mut RecordBuilder) {
    if let Some(p) = rec.fields.get("dst_port_url").cloned() {
        rec.value(record::DST_PORT, p);
    }
}

fn common_time(line: &str) -> Option<Timestamp> {
    let start = line.find(" [")? + 2;
    let end = start + line.get(start..)?.find(']')?;
    let raw = line.get(start..end)?;
    let ts = jiff::Timestamp::strptime("%d/%b/%Y:%H:%M:%S %z", raw).ok()?;
    Some(Timestamp::from_jiff(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_connect_and_get() {
        let mut rec = RecordBuilder::new();
        let line = "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/209.73.177.115 -";
        assert!(looks_native(line));
        let t = parse_native(line, &mut rec).unwrap();
        assert_eq!(t.to_rfc3339(), "2006-09-08T04:21:52.049Z");
        let f = &rec.fields;
        assert_eq!(f.get_str("cs-host"), Some("login.yahoo.com"));
        assert_eq!(f.get("dst_port").and_then(|v| v.as_i64()), Some(443));
        assert_eq!(f.get_str("dst_ip"), Some("209.73.177.115"));
        assert_eq!(f.get("sc-status").and_then(|v| v.as_i64()), Some(200));
        assert_eq!(f.get_str("cs-username"), Some("badeyek"));
    }

    #[test]
    fn combined_line() {
        let line = r#"10.0.0.5 - alice [10/Oct/2000:13:55:36 -0700] "GET http://x.example/a.exe?q=1 HTTP/1.1" 200 2326 "-" "curl/8" TCP_MISS:HIER_DIRECT"#;
        assert!(looks_common(line));
        let mut rec = RecordBuilder::new();
        let t = parse_common(line, &mut rec).unwrap();
        assert_eq!(t.to_rfc3339(), "2000-10-10T20:55:36Z");
        let f = &rec.fields;
        assert_eq!(f.get_str("c-uri-extension"), Some("exe"));
        assert_eq!(f.get_str("c-uri-query"), Some("q=1"));
        assert_eq!(f.get_str("c-useragent"), Some("curl/8"));
        assert_eq!(f.get_str("squid_result"), Some("TCP_MISS"));
    }
}
