//! Linux netfilter (iptables, nftables, UFW) kernel log messages:
//! `[uptime] PREFIX IN=eth0 OUT= MAC=.. SRC=a DST=b LEN=.. PROTO=TCP SPT=1 DPT=2 SYN ...`.

use super::Message;
use super::record::{self, RecordBuilder};

/// True when the message is a netfilter line: an optional `[uptime]` stamp and prefix, then
/// `IN=`, with `SRC=` and `DST=` keys.
pub(crate) fn looks_like(msg: &str) -> bool {
    let Some(start) = msg.find("IN=") else {
        return false;
    };
    let prefix = msg.get(..start).unwrap_or("");
    // A log prefix is short and never quoted; this keeps log lines quoted inside other text out.
    prefix.len() <= 64 && !prefix.contains('"') && msg.contains(" SRC=") && msg.contains(" DST=")
}

/// Fills `rec` from a netfilter message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let start = msg.find("IN=").ok_or("no IN= key")?;
    let prefix = log_prefix(msg.get(..start).unwrap_or(""));
    let mut flags = Vec::new();
    let (mut src, mut dst) = (None, None);
    let mut seen_len = false;
    for token in msg.get(start..).unwrap_or("").split_ascii_whitespace() {
        let Some((key, value)) = token.split_once('=') else {
            flags.push(token);
            continue;
        };
        let name = match key {
            "SRC" => {
                src = Some(value);
                record::SRC_IP
            }
            "DST" => {
                dst = Some(value);
                record::DST_IP
            }
            "SPT" => record::SRC_PORT,
            "DPT" => record::DST_PORT,
            "PROTO" => {
                rec.text(record::PROTOCOL, &record::protocol_name(value));
                continue;
            }
            "IN" => "in_interface",
            "OUT" => "out_interface",
            "MAC" => "mac",
            "TTL" => "ttl",
            "ID" => "ip_id",
            // The IP header's length comes first; a second LEN is the UDP length.
            "LEN" if !seen_len => {
                seen_len = true;
                "length"
            }
            _ => continue,
        };
        if matches!(name, record::SRC_PORT | record::DST_PORT | "ttl" | "length") {
            rec.int(name, value);
        } else {
            rec.text(name, value);
        }
    }
    if src.is_none() || dst.is_none() {
        return Err("netfilter line without SRC= and DST=".into());
    }
    let tcp_flags: Vec<&str> = flags
        .into_iter()
        .filter(|f| TCP_FLAGS.contains(f))
        .collect();
    if !tcp_flags.is_empty() {
        rec.text("tcp_flags", &tcp_flags.join(" "));
    }
    rec.text(record::ACTION, &action_from_prefix(prefix));
    rec.text("log_prefix", prefix);
    Ok(Message::default())
}

const TCP_FLAGS: [&str; 8] = ["SYN", "ACK", "FIN", "RST", "PSH", "URG", "CWR", "ECE"];

/// The operator's `--log-prefix`, without the kernel's `[uptime]` stamp.
fn log_prefix(head: &str) -> &str {
    let head = head.trim();
    match head.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((stamp, rest))
            if stamp
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.') =>
        {
            rest.trim()
        }
        _ => head,
    }
}

/// Prefixes say what the rule did (`IPTABLES-DROP:`, `[UFW BLOCK]`); without one, `log`.
fn action_from_prefix(prefix: &str) -> String {
    let upper = prefix.to_ascii_uppercase();
    if ["DROP", "BLOCK", "REJECT", "DENY"]
        .iter()
        .any(|w| upper.contains(w))
    {
        "block".into()
    } else if ["ACCEPT", "ALLOW", "PASS"]
        .iter()
        .any(|w| upper.contains(w))
    {
        "allow".into()
    } else if upper.contains("AUDIT") {
        "audit".into()
    } else {
        "log".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ufw_block_line() {
        let msg = "[UFW BLOCK] IN=lo OUT= MAC=00:00 SRC=127.0.0.2 DST=127.0.0.53 LEN=104 TOS=0x00 TTL=64 ID=16820 DF PROTO=TCP SPT=50616 DPT=53 LEN=84 SYN";
        let mut rec = RecordBuilder::new();
        parse(msg, &mut rec).unwrap();
        let f = &rec.fields;
        assert_eq!(f.get_str("src_ip"), Some("127.0.0.2"));
        assert_eq!(f.get("dst_port").and_then(|v| v.as_i64()), Some(53));
        assert_eq!(f.get("length").and_then(|v| v.as_i64()), Some(104));
        assert_eq!(f.get_str("protocol"), Some("tcp"));
        assert_eq!(f.get_str("action"), Some("block"));
        assert_eq!(f.get_str("log_prefix"), Some("[UFW BLOCK]"));
        assert_eq!(f.get_str("tcp_flags"), Some("SYN"));
        assert!(f.get("out_interface").is_none());
    }

    #[test]
    fn uptime_stamp_is_not_a_prefix() {
        assert_eq!(
            log_prefix("[  203.842973] IPTABLES-DROP: "),
            "IPTABLES-DROP:"
        );
        assert_eq!(log_prefix("[50028442.088484] "), "");
        let mut rec = RecordBuilder::new();
        assert!(parse("IN=eth0 OUT= SRC=1.1.1.1", &mut rec).is_err());
    }
}
