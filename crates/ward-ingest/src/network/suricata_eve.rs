//! Suricata EVE JSON (`eve.json`), one object per line: `alert`, `flow`, `netflow`, `dns`,
//! `http`, `tls`, `smb`, `fileinfo`, `dhcp` and the rest. Every key is kept under its dotted
//! name (`alert.signature`, `dns.rrname`); the common network names and Sigma's category names
//! are added per event type: `dns` → Sigma `dns` (`query`, `record_type`, `answer`), `http` →
//! `proxy` (`cs-host`, `c-uri`, `c-useragent`, …), `tls` → `dst_host` from the SNI. Alerts keep
//! their own identity (`suricata/alert`, no Sigma category) with their signature, severity and
//! ATT&CK metadata (`alert.metadata.mitre_technique_id`) as Suricata wrote them.

use ward_event::{LogSource, Timestamp};

use super::record::{self, RecordBuilder};
use super::{LineParser, Record, proxy, zeek_json};

/// True when the line is an EVE object (`event_type` and `timestamp` keys, no Zeek keys).
pub(crate) fn looks_like(line: &str) -> bool {
    line.starts_with('{') && line.contains("\"event_type\"") && line.contains("\"timestamp\"")
}

/// A parser for one EVE log (the registry's reader).
pub(crate) fn parser() -> Box<dyn LineParser> {
    Box::new(Eve)
}

struct Eve;

impl LineParser for Eve {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        zeek_json::fill(line, rec)?;
        let time = rec
            .get_str("timestamp")
            .ok_or("EVE record without timestamp")?;
        let time = parse_time(time).ok_or_else(|| format!("bad EVE timestamp {time:?}"))?;
        let event_type = rec.get_str("event_type").unwrap_or("unknown").to_string();
        add_common(&event_type, rec);
        Ok(Some(Record {
            time,
            source: Some(source(&event_type)),
        }))
    }
}

/// Suricata writes `2022-07-12T06:22:33.415742+0000` (offset without a colon).
pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(t) = Timestamp::parse(text) {
        return Some(t);
    }
    let (head, offset) = text.split_at_checked(text.len().checked_sub(5)?)?;
    let (sign, digits) = offset.split_at_checked(1)?;
    if !matches!(sign, "+" | "-") || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = digits.split_at_checked(2)?;
    Timestamp::parse(&format!("{head}{sign}{h}:{m}")).ok()
}

/// The log source of an event type: `suricata/<event_type>` plus Sigma's category.
fn source(event_type: &str) -> LogSource {
    let category = match event_type {
        "dns" => Some("dns"),
        "http" => Some("proxy"),
        _ => None,
    };
    LogSource::other("suricata", Some(event_type), category)
}

fn copy(rec: &mut RecordBuilder, from: &str, to: &str) {
    if rec.fields.get(to).is_none()
        && let Some(v) = rec.fields.get(from).cloned()
    {
        rec.value(to, v);
    }
}

fn add_common(event_type: &str, rec: &mut RecordBuilder) {
    copy(rec, "dest_ip", record::DST_IP);
    copy(rec, "dest_port", record::DST_PORT);
    if let Some(p) = rec.get_str("proto").map(record::protocol_name) {
        rec.text(record::PROTOCOL, &p);
    }
    copy(rec, "flow.bytes_toserver", record::BYTES_OUT);
    copy(rec, "flow.bytes_toclient", record::BYTES_IN);
    copy(rec, "netflow.bytes", "bytes");
    copy(rec, "flow.age", record::DURATION);
    match event_type {
        "alert" => {
            if let Some(a) = rec.get_str("alert.action").map(record::normalise_action) {
                rec.text(record::ACTION, &a);
            }
        }
        "dns" => {
            // EVE v2 writes one query or answer per record; v3 (Suricata 8) lists `queries`.
            copy(rec, "dns.rrname", "query");
            copy(rec, "dns.queries.rrname", "query");
            if rec.get_str("query").is_none()
                && let Some(q) = first_json_str(rec.get_str("dns.queries"), "rrname")
            {
                rec.text("query", &q);
            }
            copy(rec, "dns.rrtype", "record_type");
            if rec.get_str("record_type").is_none()
                && let Some(t) = first_json_str(rec.get_str("dns.queries"), "rrtype")
            {
                rec.text("record_type", &t);
            }
            copy(rec, "dns.rcode", "rcode");
            let answers: Vec<String> = rec
                .fields
                .iter()
                .filter(|(name, _)| name.starts_with("dns.grouped."))
                .filter_map(|(_, v)| v.as_str().map(str::to_string))
                .collect();
            if !answers.is_empty() {
                rec.text("answer", &answers.join(","));
            }
        }
        "http" => {
            let text = |rec: &RecordBuilder, n: &str| rec.get_str(n).unwrap_or("").to_string();
            let (method, url, host) = (
                text(rec, "http.http_method"),
                text(rec, "http.url"),
                text(rec, "http.hostname"),
            );
            proxy::add_request(rec, &method, &url, &host);
            copy(rec, "http.http_user_agent", "c-useragent");
            copy(rec, "http.status", "sc-status");
            copy(rec, "http.http_refer", "cs-referrer");
            copy(rec, "http.length", "sc-bytes");
        }
        "tls" => copy(rec, "tls.sni", record::DST_HOST),
        _ => {}
    }
}

/// `key` of the first object in a JSON array kept as text (EVE v3 `dns.queries`).
fn first_json_str(array: Option<&str>, key: &str) -> Option<String> {
    let items: Vec<serde_json::Value> = serde_json::from_str(&format!("[{}]", array?)).ok()?;
    items
        .iter()
        .find_map(|i| i.get(key).and_then(serde_json::Value::as_str))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::Value;

    fn field<'a>(rec: &'a RecordBuilder, name: &str) -> Option<&'a Value> {
        rec.fields.get(name)
    }

    #[test]
    fn alert_keeps_signature_and_attack_metadata() {
        let line = r#"{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1,"event_type":"alert","src_ip":"10.0.0.5","src_port":33270,"dest_ip":"10.0.0.9","dest_port":445,"proto":"TCP","alert":{"action":"blocked","signature_id":2024218,"signature":"ET EXPLOIT Possible ETERNALBLUE","severity":1,"metadata":{"mitre_technique_id":["T1210"],"mitre_tactic_name":["Lateral_Movement"]}}}"#;
        let mut rec = RecordBuilder::new();
        let r = Eve.line(line, &mut rec).unwrap().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2022-07-12T06:22:33.415742Z");
        assert_eq!(r.source.unwrap().label(), "suricata/alert");
        assert_eq!(rec.get_str("dst_ip"), Some("10.0.0.9"));
        assert_eq!(rec.get_str("protocol"), Some("tcp"));
        assert_eq!(rec.get_str("action"), Some("block"));
        assert_eq!(field(&rec, "alert.severity"), Some(&Value::Int(1)));
        assert_eq!(
            rec.get_str("alert.metadata.mitre_technique_id"),
            Some("T1210")
        );
    }

    #[test]
    fn dns_v2_and_v3_give_sigma_names() {
        let v2 = r#"{"timestamp":"2024-01-01T00:00:00.000000+0100","event_type":"dns","src_ip":"10.0.0.5","src_port":5353,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","rrname":"a.example.org","rrtype":"A","rcode":"NOERROR","grouped":{"A":["1.2.3.4"]}}}"#;
        let mut rec = RecordBuilder::new();
        let r = Eve.line(v2, &mut rec).unwrap().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2023-12-31T23:00:00Z");
        assert_eq!(r.source.unwrap().category.as_deref(), Some("dns"));
        assert_eq!(rec.get_str("query"), Some("a.example.org"));
        assert_eq!(rec.get_str("record_type"), Some("A"));
        assert_eq!(rec.get_str("answer"), Some("1.2.3.4"));
        let v3 = r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.53","proto":"UDP","dns":{"version":3,"type":"request","queries":[{"rrname":"b.example.org","rrtype":"TXT"}]}}"#;
        let mut rec = RecordBuilder::new();
        Eve.line(v3, &mut rec).unwrap().unwrap();
        assert_eq!(rec.get_str("query"), Some("b.example.org"));
        assert_eq!(rec.get_str("record_type"), Some("TXT"));
    }

    #[test]
    fn hostile_lines_are_errors() {
        for bad in [
            "{",
            "{\"event_type\":\"dns\"}",
            "{\"timestamp\":\"never\"}",
            "[]",
        ] {
            assert!(Eve.line(bad, &mut RecordBuilder::new()).is_err(), "{bad}");
        }
    }
}
