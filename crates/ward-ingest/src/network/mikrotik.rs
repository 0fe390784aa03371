//! MikroTik RouterOS logs sent by syslog: `topics message`, where topics are RouterOS's comma
//! list (`firewall,info`, `system,error,critical`). Firewall lines (`prefix chain: in:X
//! out:Y, connection-state:…, src-mac …, proto TCP (SYN), a:p->b:p, len n`) get the common
//! network names; login failures (`login failure for user U from IP via SERVICE`) get `src_ip`,
//! `user` and `action=failure`; other topics keep their text as `message`.

use super::Message;
use super::record::{self, RecordBuilder};

/// RouterOS log topics a syslog line may start with.
const TOPICS: [&str; 16] = [
    "firewall",
    "system",
    "info",
    "error",
    "warning",
    "critical",
    "account",
    "dhcp",
    "interface",
    "wireless",
    "ppp",
    "script",
    "ipsec",
    "ovpn",
    "l2tp",
    "dns",
];

fn topics(msg: &str) -> Option<(&str, &str)> {
    let (topics, rest) = msg.split_once(' ')?;
    let known = topics.contains(',') && topics.split(',').all(|t| TOPICS.contains(&t));
    known.then_some((topics, rest))
}

/// True when the message starts with RouterOS topics.
pub(crate) fn looks_like(msg: &str) -> bool {
    topics(msg).is_some_and(|(t, rest)| {
        !t.starts_with("firewall") || (rest.contains("in:") && rest.contains("->"))
    })
}

/// `1.2.3.4:80` or `[2001:db8::1]:80`.
fn endpoint(text: &str) -> (&str, &str) {
    if let Some(v6) = text.strip_prefix('[') {
        return v6
            .split_once("]:")
            .unwrap_or((v6.trim_end_matches(']'), ""));
    }
    text.rsplit_once(':').unwrap_or((text, ""))
}

/// Fills `rec` from one RouterOS message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let (topics, rest) = topics(msg).ok_or("no RouterOS topics")?;
    rec.text("topics", topics);
    rec.text("message", rest);
    if topics.starts_with("firewall") {
        firewall(rest, rec)?;
    } else if let Some(tail) = rest.strip_prefix("login failure for user ") {
        let (user, tail) = tail
            .split_once(" from ")
            .ok_or("login failure without address")?;
        let (ip, via) = tail.split_once(" via ").unwrap_or((tail, ""));
        rec.text("user", user);
        rec.text(record::SRC_IP, ip);
        rec.text("service", via);
        rec.text(record::ACTION, "failure");
    }
    Ok(Message::default())
}

fn firewall(rest: &str, rec: &mut RecordBuilder) -> Result<(), String> {
    let (head, body) = rest.split_once(": ").ok_or("firewall line without chain")?;
    // `drop-in input` (a log prefix, then the chain) or just `input`.
    let (prefix, chain) = head.rsplit_once(' ').unwrap_or(("", head));
    rec.text("prefix", prefix);
    rec.text("chain", chain);
    // The prefix is the administrator's; RouterOS names no verdict, so it is the hint.
    let verdict =
        if prefix.contains("drop") || prefix.contains("reject") || prefix.contains("block") {
            "block"
        } else {
            "log"
        };
    rec.text(record::ACTION, verdict);
    for part in body.split(", ") {
        if let Some(v) = part.strip_prefix("in:") {
            let (inside, outside) = v.split_once(" out:").unwrap_or((v, ""));
            rec.text("in_interface", inside);
            rec.text("out_interface", outside);
        } else if let Some(v) = part.strip_prefix("connection-state:") {
            let (state, mac) = v.split_once(" src-mac ").unwrap_or((v, ""));
            rec.text("connection_state", state);
            rec.text("src_mac", mac);
        } else if let Some(v) = part.strip_prefix("src-mac ") {
            rec.text("src_mac", v);
        } else if let Some(v) = part.strip_prefix("proto ") {
            let (proto, flags) = v.split_once(' ').unwrap_or((v, ""));
            rec.text(record::PROTOCOL, &record::protocol_name(proto));
            rec.text("tcp_flags", flags.trim_matches(['(', ')']));
        } else if let Some(v) = part.strip_prefix("len ") {
            rec.int("len", v);
        } else if let Some((src, dst)) = part.split_once("->") {
            let ((sa, sp), (da, dp)) = (endpoint(src), endpoint(dst));
            rec.text(record::SRC_IP, sa);
            rec.int(record::SRC_PORT, sp);
            rec.text(record::DST_IP, da);
            rec.int(record::DST_PORT, dp);
        }
    }
    if rec.get_str(record::SRC_IP).is_none() {
        return Err("firewall line without src->dst".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firewall_v4_and_v6() {
        let msg = "firewall,info drop-tcp input: in:ether1-WAN out:(unknown 0), connection-state:new src-mac 00:17:10:88:bc:02, proto TCP (SYN), 36.97.161.219:59388->81.82.202.145:23, len 40";
        assert!(looks_like(msg));
        let mut rec = RecordBuilder::new();
        parse(msg, &mut rec).unwrap();
        assert_eq!(rec.get_str("src_ip"), Some("36.97.161.219"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(23)
        );
        assert_eq!(rec.get_str("action"), Some("block"));
        assert_eq!(rec.get_str("protocol"), Some("tcp"));
        assert_eq!(rec.get_str("chain"), Some("input"));
        let v6 = "firewall,info forward: in:WAN out:LAN, connection-state:new, proto UDP, [2001:db8:1234::1]:17850->[2001:db8:1234::2]:51413, len 112";
        let mut rec = RecordBuilder::new();
        parse(v6, &mut rec).unwrap();
        assert_eq!(rec.get_str("dst_ip"), Some("2001:db8:1234::2"));
        assert_eq!(rec.get_str("action"), Some("log"));
    }

    #[test]
    fn login_failure() {
        let msg = "system,error,critical login failure for user admin from 10.10.0.35 via winbox";
        let mut rec = RecordBuilder::new();
        parse(msg, &mut rec).unwrap();
        assert_eq!(rec.get_str("src_ip"), Some("10.10.0.35"));
        assert_eq!(rec.get_str("user"), Some("admin"));
        assert_eq!(rec.get_str("service"), Some("winbox"));
        assert!(parse("firewall,info input: nothing", &mut RecordBuilder::new()).is_err());
    }
}
