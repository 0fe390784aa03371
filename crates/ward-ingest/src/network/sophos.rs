//! Sophos Firewall (XG, SFOS) syslog: `device="SFW" date=… time=… log_type="Firewall"
//! log_component="Firewall Rule" status="Allow" src_ip=… dst_ip=… protocol="TCP" …` (and the
//! SFOS 19.5+ form with `timestamp=`). Field names follow Sophos's "Log file details" guide;
//! every key is kept, and `src_ip`, `dst_ip`, the ports, `protocol`, `action` (from `status`)
//! and the byte counts get the common network names. Web-filter records name the URL
//! (`url`, `domain`) with Sigma's proxy names.

use super::fortigate::pairs;
use super::record::{self, RecordBuilder};
use super::{Message, proxy};
use ward_event::{Timestamp, Value};

/// True when the message is a Sophos Firewall log.
pub(crate) fn looks_like(msg: &str) -> bool {
    (msg.starts_with("device=") || msg.starts_with("device_name=") || msg.contains(" device_name="))
        && msg.contains("log_type=")
        && msg.contains("log_component=")
}

/// Fills `rec` from one Sophos message.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let kv = pairs(msg);
    let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    if get("log_type").is_none() {
        return Err("Sophos line without log_type".into());
    }
    for (k, v) in &kv {
        match *k {
            "src_port" | "dst_port" | "sent_bytes" | "recv_bytes" | "duration" => rec.int(k, v),
            "protocol" => rec.text(k, &record::protocol_name(v)),
            _ => rec.text(k, v),
        }
    }
    if let Some(b) = get("sent_bytes") {
        rec.int(record::BYTES_OUT, b);
    }
    if let Some(b) = get("recv_bytes") {
        rec.int(record::BYTES_IN, b);
    }
    if let Some(d) = get("duration") {
        rec.fields
            .set(record::DURATION, Value::Float(d.parse().unwrap_or(0.0)));
    }
    if let Some(status) = get("status").or(get("log_subtype")) {
        rec.fields.set(
            record::ACTION,
            Value::from(record::normalise_action(status)),
        );
    }
    if let Some(url) = get("url").filter(|u| !u.is_empty()) {
        let method = get("http_method").unwrap_or("GET");
        proxy::add_request(rec, method, url, get("domain").unwrap_or(""));
    }
    let time = match (get("timestamp"), get("date"), get("time")) {
        (Some(ts), _, _) => Timestamp::parse(ts).ok(),
        (None, Some(d), Some(t)) => Timestamp::parse(&format!("{d}T{t}Z")).ok(),
        _ => None,
    };
    Ok(Message {
        device: get("device_name").unwrap_or(""),
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-made from Sophos's published log field list (no public sample in ../shared/data).
    #[test]
    fn firewall_and_web_records() {
        let fw = r#"device="SFW" date=2024-02-01 time=10:15:00 timezone="GMT" device_name="XG230" device_id=C23000ABCDEF log_id=010101600001 log_type="Firewall" log_component="Firewall Rule" log_subtype="Denied" status="Deny" priority=Information duration=0 fw_rule_id=7 in_interface="Port1" out_interface="Port2" src_ip=10.40.1.23 dst_ip=10.40.2.9 protocol="TCP" src_port=50123 dst_port=445 sent_bytes=0 recv_bytes=0"#;
        assert!(looks_like(fw));
        let mut rec = RecordBuilder::new();
        let m = parse(fw, &mut rec).unwrap();
        assert_eq!(m.device, "XG230");
        assert_eq!(m.time.unwrap().to_rfc3339(), "2024-02-01T10:15:00Z");
        assert_eq!(rec.get_str("dst_ip"), Some("10.40.2.9"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(445)
        );
        assert_eq!(rec.get_str("action"), Some("block"));
        assert_eq!(rec.get_str("protocol"), Some("tcp"));
        let web = r#"device_name="XGS2100" timestamp="2024-02-01T10:16:00+0000" log_id=050901616001 log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" status="Allow" src_ip=10.40.1.23 dst_ip=203.0.113.5 url="http://update.example.org/a.php?id=1" domain="update.example.org" http_method="GET" src_port=50200 dst_port=80"#;
        let mut rec = RecordBuilder::new();
        parse(web, &mut rec).unwrap();
        assert_eq!(rec.get_str("cs-host"), Some("update.example.org"));
        assert_eq!(rec.get_str("c-uri-query"), Some("id=1"));
        assert!(parse("device=\"SFW\" nothing", &mut RecordBuilder::new()).is_err());
    }
}
