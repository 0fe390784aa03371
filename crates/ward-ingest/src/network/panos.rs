//! Palo Alto Networks PAN-OS logs in their syslog CSV form (`TRAFFIC` and `THREAT`; other
//! types are kept with their common columns). Columns are named after the PAN-OS syslog field
//! list (Admin Guide, "Syslog Field Descriptions"): the shared prefix up to `action`, then the
//! type's own columns. The LEEF and CEF forms PAN-OS can send are read by the generic LEEF and
//! CEF readers.

use super::Message;
use super::record::{self, RecordBuilder};
use ward_event::{Timestamp, Value};

/// The columns every TRAFFIC and THREAT line begins with, in order.
const COMMON: [&str; 31] = [
    "future_use1",
    "receive_time",
    "serial",
    "type",
    "subtype",
    "future_use2",
    "generated_time",
    "src",
    "dst",
    "natsrc",
    "natdst",
    "rule",
    "srcuser",
    "dstuser",
    "app",
    "vsys",
    "from",
    "to",
    "inbound_if",
    "outbound_if",
    "logset",
    "future_use3",
    "sessionid",
    "repeatcnt",
    "sport",
    "dport",
    "natsport",
    "natdport",
    "flags",
    "proto",
    "action",
];

/// TRAFFIC columns after `action`.
const TRAFFIC: [&str; 11] = [
    "bytes",
    "bytes_sent",
    "bytes_received",
    "packets",
    "start",
    "elapsed",
    "category",
    "future_use4",
    "seqno",
    "actionflags",
    "srcloc",
];

/// THREAT columns after `action`.
const THREAT: [&str; 9] = [
    "misc",
    "threatid",
    "category",
    "severity",
    "direction",
    "seqno",
    "actionflags",
    "srcloc",
    "dstloc",
];

/// Splits one CSV record; quoted fields may hold commas and `""`.
pub(crate) fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// True when the message is a PAN-OS CSV log: a number, a `YYYY/MM/DD` time, the serial and a
/// log type in the fourth column.
pub(crate) fn looks_like(msg: &str) -> bool {
    let mut cols = msg.splitn(5, ',');
    let (Some(first), Some(time), Some(_serial), Some(kind)) =
        (cols.next(), cols.next(), cols.next(), cols.next())
    else {
        return false;
    };
    !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_digit())
        && time.get(4..5) == Some("/")
        && matches!(
            kind,
            "TRAFFIC"
                | "THREAT"
                | "SYSTEM"
                | "CONFIG"
                | "HIP-MATCH"
                | "GLOBALPROTECT"
                | "USERID"
                | "AUTHENTICATION"
                | "DECRYPTION"
                | "TUNNEL"
                | "SCTP"
        )
}

/// `2023/07/06 08:11:40` (firewall-local; taken as UTC).
fn pan_time(text: &str) -> Option<Timestamp> {
    Timestamp::parse(&text.replacen('/', "-", 2)).ok()
}

/// Fills `rec` from one PAN-OS CSV message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let cols = split_csv(msg);
    let kind = cols.get(3).map(String::as_str).unwrap_or("");
    if cols.len() < 8 {
        return Err(format!("PAN-OS {kind} line with {} columns", cols.len()));
    }
    let own: &[&str] = match kind {
        "TRAFFIC" => &TRAFFIC,
        "THREAT" => &THREAT,
        _ => &[],
    };
    let names = if own.is_empty() {
        &COMMON[..7]
    } else {
        &COMMON[..]
    };
    for (name, value) in names.iter().chain(own).zip(&cols) {
        rec.text(name, value);
    }
    if kind == "TRAFFIC" || kind == "THREAT" {
        if cols.len() < COMMON.len() {
            return Err(format!("PAN-OS {kind} line with {} columns", cols.len()));
        }
        let col = |name: &str| {
            let i = names.iter().chain(own).position(|n| *n == name);
            i.and_then(|i| cols.get(i)).cloned().unwrap_or_default()
        };
        let (src, dst, sport, dport) = (col("src"), col("dst"), col("sport"), col("dport"));
        rec.text(record::SRC_IP, &src);
        rec.text(record::DST_IP, &dst);
        rec.int(record::SRC_PORT, &sport);
        rec.int(record::DST_PORT, &dport);
        rec.text(record::PROTOCOL, &record::protocol_name(&col("proto")));
        rec.fields.set(
            record::ACTION,
            Value::from(record::normalise_action(&col("action"))),
        );
        rec.int(record::BYTES_OUT, &col("bytes_sent"));
        rec.int(record::BYTES_IN, &col("bytes_received"));
        rec.float(record::DURATION, &col("elapsed"));
        if kind == "THREAT" {
            // `misc` is the URL or file name; for URL logs it names the destination host.
            let misc = col("misc");
            if col("subtype") == "url"
                && let Some(host) = misc.split('/').next().filter(|h| !h.is_empty())
            {
                rec.text(record::DST_HOST, host);
            }
        }
    }
    let time = cols.get(6).or(cols.get(1)).and_then(|t| pan_time(t));
    Ok(Message { device: "", time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_line() {
        let msg = "1,2024/01/10 10:00:00,001801000001,TRAFFIC,end,2561,2024/01/10 10:00:00,10.1.1.5,8.8.8.8,203.0.113.1,8.8.8.8,allow-dns,,,dns,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd,2024/01/10 10:00:00,123,1,50000,53,40000,53,0x19,udp,allow,180,80,100,2,2024/01/10 09:59:59,0,any,0,555,0x0,10.0.0.0-10.255.255.255,United States";
        assert!(looks_like(msg));
        let mut rec = RecordBuilder::new();
        let m = parse(msg, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2024-01-10T10:00:00Z");
        assert_eq!(rec.get_str("dst_ip"), Some("8.8.8.8"));
        assert_eq!(rec.get_str("action"), Some("allow"));
        assert_eq!(
            rec.fields.get("bytes_out").and_then(|v| v.as_i64()),
            Some(80)
        );
        assert_eq!(rec.get_str("rule"), Some("allow-dns"));
    }

    #[test]
    fn quotes_and_short_lines() {
        assert_eq!(split_csv(r#"a,"b,c","d""e""#), ["a", "b,c", "d\"e"]);
        assert!(
            parse(
                "1,2024/01/10 10:00:00,0,TRAFFIC,end",
                &mut RecordBuilder::new()
            )
            .is_err()
        );
        assert!(!looks_like("1,2,3,4"));
    }
}
