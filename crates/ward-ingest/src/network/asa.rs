//! Cisco ASA messages: connections built and torn down (302013–302016), ACL denies and hits
//! (106023, 106100), NAT (305011); other `%ASA-` messages keep their id, text and any
//! `from A to B` addresses.

use super::Message;
use super::record::{self, RecordBuilder};

/// True when the message is an ASA (or FTD) syslog message.
pub(crate) fn looks_like(msg: &str) -> bool {
    msg.starts_with("%ASA-") || msg.starts_with("%FTD-")
}

/// Fills `rec` from an ASA message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let start = msg
        .find("%ASA-")
        .or_else(|| msg.find("%FTD-"))
        .ok_or("no %ASA- tag")?;
    let tagged = msg.get(start + 5..).unwrap_or("");
    let (tag, text) = tagged
        .split_once(": ")
        .or_else(|| tagged.split_once(' '))
        .ok_or("ASA tag without text")?;
    let id = tag.rsplit('-').next().unwrap_or("").trim_end_matches(':');
    if id.len() != 6 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("ASA tag `%ASA-{tag}` has no six-digit message id"));
    }
    rec.text("asa_message_id", id);
    rec.text("message", text);
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    match id {
        "302013" | "302015" => built(&words, rec),
        "302014" | "302016" => teardown(&words, rec),
        "106023" => acl_deny(&words, rec),
        "106100" => acl_hit(&words, rec),
        "305011" => translation(&words, rec),
        _ => generic(&words, rec),
    }
    Ok(Message::default())
}

/// An `iface:ip/port` or `iface/ip(port)` endpoint, trailing `(user)` ignored.
fn endpoint(word: &str) -> Option<(&str, &str, Option<&str>)> {
    let (iface, rest) = match word.split_once(':') {
        Some((iface, rest)) if !iface.contains('/') => (iface, rest),
        _ => ("", word),
    };
    let rest = rest.trim_end_matches(',');
    if let Some((ip, port)) = rest
        .split_once('/')
        .filter(|(ip, _)| ip.parse::<std::net::IpAddr>().is_ok())
    {
        let port = port.split('(').next().filter(|p| !p.is_empty());
        return Some((iface, ip, port));
    }
    // 106100 spelling: `inside/10.1.2.16(2241)`.
    let (iface, addr) = word.split_once('/')?;
    let (ip, port) = addr.split_once('(').unwrap_or((addr, ""));
    ip.parse::<std::net::IpAddr>().ok()?;
    Some((
        iface,
        ip,
        Some(port.trim_end_matches(')')).filter(|p| !p.is_empty()),
    ))
}

fn after<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    let i = words.iter().position(|w| *w == key)?;
    words.get(i + 1).copied()
}

fn put(rec: &mut RecordBuilder, src: Option<&str>, dst: Option<&str>) {
    if let Some((iface, ip, port)) = src.and_then(endpoint) {
        rec.text(record::SRC_IP, ip);
        rec.int(record::SRC_PORT, port.unwrap_or(""));
        rec.text("src_interface", iface);
    }
    if let Some((iface, ip, port)) = dst.and_then(endpoint) {
        rec.text(record::DST_IP, ip);
        rec.int(record::DST_PORT, port.unwrap_or(""));
        rec.text("dst_interface", iface);
    }
}

/// `Built {inbound|outbound} TCP connection N for A to B`: outbound connections name the
/// responder first, so the initiator is `B`.
fn built(words: &[&str], rec: &mut RecordBuilder) {
    let outbound = words.get(1) == Some(&"outbound");
    rec.text(
        record::PROTOCOL,
        &words.get(2).unwrap_or(&"").to_ascii_lowercase(),
    );
    rec.text(record::ACTION, "allow");
    rec.text("direction", words.get(1).copied().unwrap_or(""));
    rec.text("connection_id", words.get(4).copied().unwrap_or(""));
    let (first, second) = (after(words, "for"), after(words, "to"));
    if outbound {
        put(rec, second, first)
    } else {
        put(rec, first, second)
    }
}

/// `Teardown TCP connection N for A to B duration H:MM:SS bytes N`. The message has no
/// direction; the side on the lower (service) port is taken as the responder.
fn teardown(words: &[&str], rec: &mut RecordBuilder) {
    rec.text(
        record::PROTOCOL,
        &words.get(1).unwrap_or(&"").to_ascii_lowercase(),
    );
    rec.text(record::ACTION, "allow");
    rec.text("connection_id", words.get(3).copied().unwrap_or(""));
    let (a, b) = (after(words, "for"), after(words, "to"));
    let port = |w: Option<&str>| {
        w.and_then(endpoint)
            .and_then(|e| e.2)
            .and_then(|p| p.parse::<u32>().ok())
    };
    match (port(a), port(b)) {
        (Some(pa), Some(pb)) if pa < pb => put(rec, b, a),
        _ => put(rec, a, b),
    }
    if let Some(secs) = after(words, "duration").and_then(hms_secs) {
        rec.value(record::DURATION, ward_event::Value::Float(secs as f64));
    }
    rec.int("bytes", after(words, "bytes").unwrap_or(""));
    if let Some(i) = words.iter().position(|w| *w == "bytes") {
        let reason: Vec<&str> = words.iter().skip(i + 2).copied().collect();
        rec.text("reason", &reason.join(" "));
    }
}

fn hms_secs(s: &str) -> Option<u64> {
    let mut total = 0u64;
    for part in s.split(':') {
        total = total.checked_mul(60)?.checked_add(part.parse().ok()?)?;
    }
    Some(total)
}

/// `Deny tcp src IF:A/P dst IF:B/P by access-group "X"`.
fn acl_deny(words: &[&str], rec: &mut RecordBuilder) {
    rec.text(
        record::PROTOCOL,
        &words.get(1).unwrap_or(&"").to_ascii_lowercase(),
    );
    rec.text(record::ACTION, "block");
    put(rec, after(words, "src"), after(words, "dst"));
    rec.text(
        "acl",
        after(words, "access-group").unwrap_or("").trim_matches('"'),
    );
}

/// `access-list NAME {permitted|denied|est-allowed} tcp IF/A(P) -> IF/B(P) hit-cnt N`.
fn acl_hit(words: &[&str], rec: &mut RecordBuilder) {
    rec.text("acl", words.get(1).copied().unwrap_or(""));
    rec.text(
        record::ACTION,
        &record::normalise_action(words.get(2).copied().unwrap_or("")),
    );
    rec.text(
        record::PROTOCOL,
        &words.get(3).unwrap_or(&"").to_ascii_lowercase(),
    );
    put(rec, words.get(4).copied(), after(words, "->"));
}

/// `Built dynamic TCP translation from IF:A/P to IF:NAT/P`: the source and its mapped address.
fn translation(words: &[&str], rec: &mut RecordBuilder) {
    rec.text(
        record::PROTOCOL,
        &words.get(2).unwrap_or(&"").to_ascii_lowercase(),
    );
    rec.text(record::ACTION, "nat");
    put(rec, after(words, "from"), None);
    if let Some((_, ip, port)) = after(words, "to").and_then(endpoint) {
        rec.text("nat_ip", ip);
        rec.int("nat_port", port.unwrap_or(""));
    }
}

fn generic(words: &[&str], rec: &mut RecordBuilder) {
    let first = words.first().copied().unwrap_or("");
    if first.starts_with("Deny") || first.starts_with("Denied") || first == "Access" {
        rec.text(record::ACTION, "block");
    }
    put(rec, after(words, "from"), after(words, "to"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(msg: &str) -> ward_event::FieldList {
        let mut rec = RecordBuilder::new();
        parse(msg, &mut rec).unwrap();
        rec.fields
    }

    #[test]
    fn outbound_built_names_the_initiator_second() {
        let f = fields(
            "%ASA-6-302013: Built outbound TCP connection 89743274 for outside:192.168.2.43/443 (192.168.2.43/443) to outside:10.123.3.42/4952 (10.123.3.42/12834)",
        );
        assert_eq!(f.get_str("src_ip"), Some("10.123.3.42"));
        assert_eq!(f.get_str("dst_ip"), Some("192.168.2.43"));
        assert_eq!(f.get("dst_port").and_then(|v| v.as_i64()), Some(443));
    }

    #[test]
    fn teardown_has_duration_and_bytes() {
        let f = fields(
            "%ASA-6-302016: Teardown UDP connection 89743275 for outside:192.168.2.222/53 to inside:10.123.1.35/52925 duration 1:23:45 bytes 140",
        );
        assert_eq!(f.get_str("src_ip"), Some("10.123.1.35"));
        assert_eq!(f.get("dst_port").and_then(|v| v.as_i64()), Some(53));
        assert_eq!(f.get("duration").and_then(|v| v.as_f64()), Some(5025.0));
        assert_eq!(f.get("bytes").and_then(|v| v.as_i64()), Some(140));
    }

    #[test]
    fn acl_messages() {
        let f = fields(
            "%ASA-4-106023: Deny tcp src dmz:10.1.2.30/63016 dst outside:192.168.0.8/53 by access-group \"acl_dmz\" [0xe3aab522, 0x0]",
        );
        assert_eq!(
            (f.get_str("action"), f.get_str("acl")),
            (Some("block"), Some("acl_dmz"))
        );
        assert_eq!(f.get_str("dst_ip"), Some("192.168.0.8"));
        let f = fields(
            "%ASA-session-5-106100: access-list acl_in permitted tcp inside/10.1.2.16(2241) -> outside/192.168.0.89(2000) hit-cnt 1 first hit",
        );
        assert_eq!(f.get_str("asa_message_id"), Some("106100"));
        assert_eq!(f.get("src_port").and_then(|v| v.as_i64()), Some(2241));
        assert_eq!(f.get_str("dst_ip"), Some("192.168.0.89"));
        assert_eq!(f.get_str("action"), Some("allow"));
        let f = fields(
            "%ASA-6-305011: Built dynamic TCP translation from outside:10.123.3.42/4952 to outside:192.168.2.130/12834",
        );
        assert_eq!(
            (f.get_str("src_ip"), f.get_str("nat_ip")),
            (Some("10.123.3.42"), Some("192.168.2.130"))
        );
        assert!(parse("%ASA-x: nothing", &mut RecordBuilder::new()).is_err());
    }
}
