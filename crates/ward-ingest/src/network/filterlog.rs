//! pfSense / OPNsense `filterlog` CSV messages (IPv4 and IPv6, TCP/UDP/other).

use super::Message;
use super::record::{self, RecordBuilder};

/// True when the syslog tag or the message shape says filterlog.
pub(crate) fn looks_like(app: &str, msg: &str) -> bool {
    let starts_with_rule = msg.bytes().next().is_some_and(|b| b.is_ascii_digit());
    starts_with_rule
        && (app == "filterlog" || (msg.matches(',').count() >= 15 && msg.contains(",match,")))
}

/// Fills `rec` from a filterlog CSV message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let f: Vec<&str> = msg.trim().split(',').collect();
    let at = |i: usize| f.get(i).copied().unwrap_or("");
    if f.len() < 17 {
        return Err(format!(
            "filterlog message has {} fields, expected at least 17",
            f.len()
        ));
    }
    rec.text("rule_number", at(0));
    rec.text("tracker", at(3));
    rec.text("interface", at(4));
    rec.text("reason", at(5));
    rec.text(record::ACTION, &record::normalise_action(at(6)));
    rec.text("direction", at(7));
    // The IP header's fields differ by version; `base` is where the addresses start.
    let (proto_name, proto_num, base) = match at(8) {
        "4" => (at(16), at(15), 18),
        "6" => (at(12), at(13), 15),
        v => return Err(format!("filterlog IP version `{v}` is neither 4 nor 6")),
    };
    let name = if proto_name.is_empty() {
        proto_num
    } else {
        proto_name
    };
    rec.text(record::PROTOCOL, &record::protocol_name(name));
    rec.int("length", at(base - 1));
    let (src, dst) = (at(base), at(base + 1));
    if src.parse::<std::net::IpAddr>().is_err() || dst.parse::<std::net::IpAddr>().is_err() {
        return Err(format!(
            "filterlog addresses `{src}`, `{dst}` are not IP addresses"
        ));
    }
    rec.text(record::SRC_IP, src);
    rec.text(record::DST_IP, dst);
    let proto = name.to_ascii_lowercase();
    if proto == "tcp" || proto == "udp" || proto_num == "6" || proto_num == "17" {
        rec.int(record::SRC_PORT, at(base + 2));
        rec.int(record::DST_PORT, at(base + 3));
        if proto == "tcp" || proto_num == "6" {
            rec.text("tcp_flags", at(base + 5));
        }
    }
    Ok(Message::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_and_ipv6_lines() {
        let mut rec = RecordBuilder::new();
        parse("53,,,1000102631,em0,match,block,in,4,0x0,,64,892,0,none,6,tcp,44,10.0.2.2,10.0.2.15,59576,2222,0,S,17536001,,65535,,mss", &mut rec).unwrap();
        let f = &rec.fields;
        assert_eq!(f.get_str("src_ip"), Some("10.0.2.2"));
        assert_eq!(f.get("dst_port").and_then(|v| v.as_i64()), Some(2222));
        assert_eq!(f.get_str("action"), Some("block"));
        assert_eq!(f.get_str("tcp_flags"), Some("S"));

        let mut rec = RecordBuilder::new();
        parse("621,,,1644355515,vtnet0.10,match,block,in,6,0x00,0x07c63,64,TCP,6,44,fdfd:ace:ace:10:d8:cdbf:f6f8:6d69,fdfd:ace:ace:5::6,65382,443,0,S,1927530165,,0,,mss", &mut rec).unwrap();
        assert_eq!(rec.fields.get_str("dst_ip"), Some("fdfd:ace:ace:5::6"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(443)
        );
        assert!(parse("1,2,3", &mut RecordBuilder::new()).is_err());
    }
}
