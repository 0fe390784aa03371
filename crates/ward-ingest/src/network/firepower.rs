//! Cisco Firepower Threat Defense connection events over syslog (`%FTD-n-430001` … `430005`:
//! intrusion, connection start and end, file and malware events): `Key: value, Key: value`
//! pairs as Cisco's "FTD syslog messages" guide lists them (`SrcIP`, `DstIP`, `SrcPort`,
//! `DstPort`, `Protocol`, `AccessControlRuleAction`, `InitiatorBytes`, `ResponderBytes`,
//! `DNSQuery`, `URL`, …). Every key is kept; the network ones also get the common names, DNS
//! and URL fields Sigma's `query` and proxy names. Other `%FTD-` messages are the ASA reader's.

use super::record::{self, RecordBuilder};
use super::{Message, proxy};
use ward_event::{Timestamp, Value};

/// True when the message is an FTD connection-event message.
pub(crate) fn looks_like(msg: &str) -> bool {
    msg.strip_prefix("%FTD-")
        .and_then(|m| m.get(2..8))
        .is_some_and(|id| id.starts_with("43000"))
}

/// Splits `Key: value, Key: value`; a piece without `: ` continues the previous value.
fn pairs(body: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for piece in body.split(", ") {
        match piece.split_once(": ") {
            Some((k, v)) if !k.contains(' ') || k == "Prefilter Policy" => {
                out.push((k.trim(), v.trim().to_string()));
            }
            _ => {
                if let Some((_, v)) = out.last_mut() {
                    v.push_str(", ");
                    v.push_str(piece);
                }
            }
        }
    }
    out
}

/// Fills `rec` from one connection event.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let (id, body) = msg.split_once(": ").ok_or("FTD message without body")?;
    rec.text("message_id", id.rsplit('-').next().unwrap_or(""));
    let kv = pairs(body);
    if kv.is_empty() {
        return Err("FTD connection event without Key: value pairs".into());
    }
    let mut time = None;
    for (k, v) in &kv {
        rec.text(k, v);
        let common = match *k {
            "SrcIP" => Some(record::SRC_IP),
            "DstIP" => Some(record::DST_IP),
            "DNSQuery" => Some("query"),
            "UserAgent" => Some("c-useragent"),
            "HTTPReferer" => Some("cs-referrer"),
            _ => None,
        };
        if let Some(name) = common {
            rec.text(name, v);
        }
        match *k {
            "SrcPort" => rec.int(record::SRC_PORT, v),
            "DstPort" => rec.int(record::DST_PORT, v),
            "InitiatorBytes" => rec.int(record::BYTES_OUT, v),
            "ResponderBytes" => rec.int(record::BYTES_IN, v),
            "ConnectionDuration" => rec.float(record::DURATION, v),
            "Protocol" => rec.text(record::PROTOCOL, &record::protocol_name(v)),
            "AccessControlRuleAction" => rec
                .fields
                .set(record::ACTION, Value::from(record::normalise_action(v))),
            "URL" => proxy::add_request(rec, "GET", v, ""),
            "FirstPacketSecond" | "ConnectionTime" => time = time.or(Timestamp::parse(v).ok()),
            _ => {}
        }
    }
    Ok(Message { device: "", time })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-made from Cisco's FTD syslog field list (no public sample in ../shared/data).
    #[test]
    fn connection_end_event() {
        let msg = "%FTD-6-430003: EventPriority: Low, DeviceUUID: 0ad25c0a-1c2b-11ea-9bd9-d1b7a3a1b2c3, InstanceID: 1, FirstPacketSecond: 2024-02-01T10:20:00Z, ConnectionID: 43, AccessControlRuleAction: Block, SrcIP: 10.50.1.7, DstIP: 198.51.100.20, SrcPort: 54523, DstPort: 53, Protocol: udp, IngressInterface: inside, EgressInterface: outside, ACPolicy: Default, AccessControlRuleName: Block-DNS, Prefilter Policy: Default, User: No Authentication Required, ApplicationProtocol: DNS, ConnectionDuration: 0, InitiatorPackets: 1, ResponderPackets: 0, InitiatorBytes: 70, ResponderBytes: 0, DNSQuery: x1.exfil-relay.net, DNSRecordType: a host address";
        assert!(looks_like(msg));
        assert!(!looks_like("%FTD-6-302013: Built inbound TCP connection"));
        let mut rec = RecordBuilder::new();
        let m = parse(msg, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2024-02-01T10:20:00Z");
        assert_eq!(rec.get_str("src_ip"), Some("10.50.1.7"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(53)
        );
        assert_eq!(rec.get_str("action"), Some("block"));
        assert_eq!(rec.get_str("query"), Some("x1.exfil-relay.net"));
        assert_eq!(rec.get_str("message_id"), Some("430003"));
        assert_eq!(rec.get_str("User"), Some("No Authentication Required"));
    }
}
