//! ArcSight CEF over syslog or bare: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|
//! key=value …` (the `CEF:` marker may be missing or followed by a space, as UniFi writes it).
//! Header columns become `cef.*` fields; extension keys are kept under their own names and the
//! CEF dictionary's network keys also get the common names ([`COMMON_NAMES`], shared with
//! LEEF). Palo Alto, Fortinet, Check Point, Sophos and UniFi all emit this form.

use super::Message;
use super::record::{self, RecordBuilder};
use ward_event::{Timestamp, Value};

/// CEF/LEEF extension keys that carry a common network name.
pub(crate) const COMMON_NAMES: [(&str, &str); 16] = [
    ("src", record::SRC_IP),
    ("dst", record::DST_IP),
    ("spt", record::SRC_PORT),
    ("dpt", record::DST_PORT),
    ("srcPort", record::SRC_PORT),
    ("dstPort", record::DST_PORT),
    ("proto", record::PROTOCOL),
    ("out", record::BYTES_OUT),
    ("in", record::BYTES_IN),
    ("srcBytes", record::BYTES_OUT),
    ("dstBytes", record::BYTES_IN),
    ("dhost", record::DST_HOST),
    ("act", record::ACTION),
    ("action", record::ACTION),
    ("suser", "user"),
    ("usrName", "user"),
];

/// The CEF header after the optional `CEF:` marker, with its seven pipes.
fn header(msg: &str) -> Option<&str> {
    let body = match msg.find("CEF:") {
        Some(i) => msg.get(i + 4..)?.trim_start(),
        None => msg,
    };
    let version = body.split('|').next()?;
    let pipes = body.bytes().filter(|&b| b == b'|').count();
    (!version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) && pipes >= 7)
        .then_some(body)
}

/// True when the message is a CEF record.
pub(crate) fn looks_like(app: &str, msg: &str) -> bool {
    (app == "CEF" || msg.contains("CEF:") || msg.starts_with("0|") || msg.starts_with("1|"))
        && header(msg).is_some()
}

/// Splits the header at unescaped pipes, at most `n` parts.
fn pipes(body: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if out.len() + 1 < n => {
                if let Some(next) = chars.next() {
                    cur.push(next);
                }
            }
            '|' if out.len() + 1 < n => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// `key=value key2=value with spaces`: a key is a word before `=`; a value runs to the next key.
pub(crate) fn extension(text: &str) -> Vec<(String, String)> {
    let bytes = text.as_bytes();
    // Starts of `key=`: a word at the text's start or after a space, then an unescaped `=`.
    let mut starts = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if i == 0 || bytes.get(i - 1) == Some(&b' ') {
            let mut j = i;
            while bytes.get(j).is_some_and(|b| {
                b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.' || *b == b'-'
            }) {
                j += 1;
            }
            if j > i && bytes.get(j) == Some(&b'=') {
                starts.push((i, j));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    for (n, &(k, eq)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(text.len(), |&(next, _)| next);
        let key = text.get(k..eq).unwrap_or("");
        let value = text.get(eq + 1..end).unwrap_or("").trim_end();
        out.push((key.to_string(), unescape(value)));
    }
    out
}

fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Adds extension pairs under their own names and the common ones; returns the event time.
pub(crate) fn add_pairs(pairs: &[(String, String)], rec: &mut RecordBuilder) -> Option<Timestamp> {
    let mut time = None;
    for (k, v) in pairs {
        rec.text(k, v);
        if let Some((_, name)) = COMMON_NAMES.iter().find(|(key, _)| key == k) {
            match *name {
                record::PROTOCOL => rec.text(name, &record::protocol_name(v)),
                record::ACTION => rec
                    .fields
                    .set(*name, Value::from(record::normalise_action(v))),
                record::SRC_PORT | record::DST_PORT | record::BYTES_IN | record::BYTES_OUT => {
                    rec.int(name, v)
                }
                _ => rec.text(name, v),
            }
        }
        if matches!(k.as_str(), "rt" | "start" | "devTime" | "UNIFIutcTime") && time.is_none() {
            time = cef_time(v);
        }
    }
    time
}

/// `rt`: epoch milliseconds, RFC 3339, or `MMM dd yyyy HH:mm:ss[.SSS]` (UTC assumed).
pub(crate) fn cef_time(v: &str) -> Option<Timestamp> {
    if let Ok(ms) = v.parse::<i64>() {
        return Timestamp::parse(&format!("{}.{:03}", ms / 1000, ms % 1000)).ok();
    }
    if let Ok(t) = Timestamp::parse(v) {
        return Some(t);
    }
    let mut p = v.split_whitespace();
    let (mon, day, year, clock) = (p.next()?, p.next()?, p.next()?, p.next()?);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| *x == mon)? + 1;
    Timestamp::parse(&format!(
        "{year}-{m:02}-{:02}T{clock}Z",
        day.parse::<u8>().ok()?
    ))
    .ok()
}

/// Fills `rec` from one CEF record.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let body = header(msg).ok_or("not a CEF header (CEF:n|…| with seven pipes)")?;
    let cols = pipes(body, 8);
    let [
        version,
        vendor,
        product,
        dev_version,
        signature,
        name,
        severity,
        ext,
    ] = cols.as_slice()
    else {
        return Err("CEF header with fewer than eight columns".into());
    };
    rec.text("cef.version", version);
    rec.text("cef.device_vendor", vendor);
    rec.text("cef.device_product", product);
    rec.text("cef.device_version", dev_version);
    rec.text("cef.signature_id", signature);
    rec.text("cef.name", name);
    rec.text("cef.severity", severity);
    let time = add_pairs(&extension(ext), rec);
    if rec.get_str(record::ACTION).is_none() && name.contains("Blocked") {
        rec.text(record::ACTION, "block");
    }
    Ok(Message { device: "", time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unifi_threat() {
        let msg = "0|Ubiquiti|UniFi Network|9.4.19|201|Threat Detected and Blocked|7|proto=TCP src=10.0.0.100 spt=52331 dst=192.168.0.233 dpt=443 UNIFIhost=Express 7 UNIFIutcTime=2025-09-04T08:32:58.445Z msg=a \\= b";
        assert!(looks_like("", msg));
        let mut rec = RecordBuilder::new();
        let m = parse(msg, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2025-09-04T08:32:58.445Z");
        assert_eq!(rec.get_str("dst_ip"), Some("192.168.0.233"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(443)
        );
        assert_eq!(rec.get_str("UNIFIhost"), Some("Express 7"));
        assert_eq!(rec.get_str("msg"), Some("a = b"));
        assert_eq!(rec.get_str("action"), Some("block"));
        assert_eq!(rec.get_str("cef.name"), Some("Threat Detected and Blocked"));
    }

    #[test]
    fn marker_and_times() {
        assert!(looks_like("", "CEF: 0|a|b|c|d|e|1|"));
        assert!(!looks_like("", "CEF:0|a|b"));
        assert!(!looks_like("", "0|only|three"));
        assert_eq!(
            cef_time("1700000000123").unwrap().to_rfc3339(),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            cef_time("Nov 14 2023 22:13:20").unwrap().to_rfc3339(),
            "2023-11-14T22:13:20Z"
        );
    }
}
