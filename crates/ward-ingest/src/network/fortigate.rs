//! FortiGate `key=value` logs (traffic, UTM, event). Every key is kept under its own name;
//! addresses, ports, bytes and the verdict also get the common network names.

use super::Message;
use super::record::{self, RecordBuilder};
use ward_event::Timestamp;

/// True when the message starts like a FortiGate log (`date=` … `logid=`).
pub(crate) fn looks_like(msg: &str) -> bool {
    msg.starts_with("date=") && msg.contains("logid=") && msg.contains("type=")
}

/// Splits `k=v k="quoted v"` pairs; quotes may hold spaces.
pub(crate) fn pairs(msg: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = msg.trim_start();
    while let Some(eq) = rest.find('=') {
        let key = rest.get(..eq).unwrap_or("").trim();
        let after = rest.get(eq + 1..).unwrap_or("");
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => match q.find('"') {
                Some(end) => (q.get(..end).unwrap_or(""), q.get(end + 1..).unwrap_or("")),
                None => (q, ""),
            },
            None => after.split_once(' ').unwrap_or((after, "")),
        };
        if !key.is_empty() && !key.contains(' ') {
            out.push((key, value));
        }
        rest = next.trim_start();
    }
    out
}

/// Fills `rec`; returns the device name (event host) and the log's time.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let start = msg.find("date=").ok_or("no date= key")?;
    let kv = pairs(msg.get(start..).unwrap_or(""));
    let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    if get("logid").is_none() {
        return Err("FortiGate line without logid".into());
    }
    for (k, v) in &kv {
        let common = match *k {
            "srcip" => Some(record::SRC_IP),
            "dstip" => Some(record::DST_IP),
            "srcport" => Some(record::SRC_PORT),
            "dstport" => Some(record::DST_PORT),
            "sentbyte" => Some(record::BYTES_OUT),
            "rcvdbyte" => Some(record::BYTES_IN),
            _ => None,
        };
        if let Some(name) = common {
            rec.int(name, v);
        }
        rec.text(k, v);
    }
    if let Some(p) = get("proto") {
        rec.text(record::PROTOCOL, &record::protocol_name(p));
    }
    if let Some(d) = get("duration") {
        rec.float(record::DURATION, d);
    }
    if let Some(a) = get("action") {
        rec.fields.set(
            record::ACTION,
            ward_event::Value::from(record::normalise_action(a)),
        );
        rec.text("fortinet_action", a);
    }
    if let Some(h) = get("hostname") {
        rec.text(record::DST_HOST, h);
    }
    Ok(Message {
        device: get("devname").unwrap_or(""),
        time: log_time(get("date"), get("time"), get("tz")),
    })
}

/// `date` and `time` are device-local; `tz="-0700"` gives the offset when present.
fn log_time(date: Option<&str>, time: Option<&str>, tz: Option<&str>) -> Option<Timestamp> {
    let (date, time) = (date?, time?);
    let tz = tz.unwrap_or("+0000");
    let offset = if tz.len() == 5 {
        format!("{}:{}", tz.get(..3)?, tz.get(3..)?)
    } else {
        "+00:00".into()
    };
    Timestamp::parse(&format!("{date}T{time}{offset}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_line() {
        let line = r#"date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" devname="FGT-1" srcip=10.1.100.11 srcport=58012 dstip=81.2.69.142 dstport=80 proto=6 action="close" duration=116 sentbyte=1188 rcvdbyte=1224 app="HTTP.BROWSER_Firefox""#;
        let mut rec = RecordBuilder::new();
        let message = parse(line, &mut rec).unwrap();
        assert_eq!(message.device, "FGT-1");
        assert_eq!(message.time.unwrap().to_rfc3339(), "2019-05-10T11:37:47Z");
        let f = &rec.fields;
        assert_eq!(f.get_str("dst_ip"), Some("81.2.69.142"));
        assert_eq!(f.get("bytes_out").and_then(|v| v.as_i64()), Some(1188));
        assert_eq!(f.get_str("protocol"), Some("tcp"));
        assert_eq!(f.get_str("action"), Some("close"));
        assert_eq!(f.get_str("app"), Some("HTTP.BROWSER_Firefox"));
    }

    #[test]
    fn timezone_applies() {
        let t = log_time(Some("2024-10-14"), Some("13:46:40"), Some("-0700")).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-10-14T20:46:40Z");
    }
}
