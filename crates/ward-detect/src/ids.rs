//! IDS alerts (Suricata EVE `alert` records and `fast.log` lines) are detections in their own
//! right: the sensor already decided, so they keep their own identity — rule id
//! `suricata:<gid>:<sid>:<rev>`, the signature as title, Suricata's severity as level (1 high,
//! 2 medium, 3 low, anything else informational) and the ATT&CK technique ids of the rule's
//! metadata as `attack.tXXXX` tags — beside whatever Sigma rules also match the event.

use ward_analytics::case::Detection;
use ward_event::{Event, Fields, Level, Value};

/// The detection an IDS alert event stands for; `None` for every other event.
pub fn ids_alert(event: &Event) -> Option<Detection> {
    if &*event.source.product != "suricata" || event.source.service.as_deref() != Some("alert") {
        return None;
    }
    let signature = event
        .get("alert.signature")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    let number = |name: &str| event.get(name).and_then(Value::as_i64);
    let rule_id = format!(
        "suricata:{}:{}:{}",
        number("alert.gid").unwrap_or(1),
        number("alert.signature_id").unwrap_or(0),
        number("alert.rev").unwrap_or(0)
    );
    let level = match number("alert.severity") {
        Some(1) => Level::High,
        Some(2) => Level::Medium,
        Some(3) => Level::Low,
        _ => Level::Informational,
    };
    let mut tags = Vec::new();
    let mut tag = |v: &Value| {
        if let Some(t) = v.as_str().map(str::trim).filter(|t| is_technique(t)) {
            let t = format!("attack.{}", t.to_ascii_lowercase());
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    };
    event.get_all("alert.metadata.mitre_technique_id", &mut tag);
    Some(Detection {
        time: event.time,
        host: event.host.short().to_string(),
        rule_id,
        title: signature.to_string(),
        level,
        kind: "ids".to_string(),
        source: event.source.label(),
        event_id: None,
        record_id: event.record_id,
        file: event.origin.file.to_string(),
        position: event.origin.position,
        tags,
        fields: event.fields.clone(),
    })
}

/// `T1210` or `T1021.002`.
fn is_technique(t: &str) -> bool {
    let Some(rest) = t.strip_prefix(['T', 't']) else {
        return false;
    };
    let (main, sub) = rest.split_once('.').unwrap_or((rest, "000"));
    main.len() == 4 && sub.len() == 3 && main.bytes().chain(sub.bytes()).all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::{FieldList, LogSource, Timestamp};

    fn alert(fields: &[(&str, Value)]) -> Event {
        let mut f = FieldList::default();
        for (name, value) in fields {
            f.push(*name, value.clone());
        }
        Event::new(
            Timestamp::from_nanos(0),
            "sensor-1",
            LogSource::other("suricata", Some("alert"), None),
            f,
        )
    }

    #[test]
    fn an_alert_keeps_its_identity_level_and_techniques() {
        let e = alert(&[
            (
                "alert.signature",
                Value::from("ET EXPLOIT Possible ETERNALBLUE"),
            ),
            ("alert.signature_id", Value::Int(2024218)),
            ("alert.rev", Value::Int(3)),
            ("alert.severity", Value::Int(1)),
            ("alert.metadata.mitre_technique_id", Value::from("T1210")),
            (
                "alert.metadata.mitre_technique_id",
                Value::from("T1021.002"),
            ),
            ("alert.metadata.mitre_technique_id", Value::from("<script>")),
        ]);
        let d = ids_alert(&e).expect("a detection");
        assert_eq!(d.rule_id, "suricata:1:2024218:3");
        assert_eq!(d.title, "ET EXPLOIT Possible ETERNALBLUE");
        assert_eq!(d.level, Level::High);
        assert_eq!(d.kind, "ids");
        assert_eq!(d.tags, ["attack.t1210", "attack.t1021.002"]);
    }

    #[test]
    fn other_events_and_unsigned_alerts_are_not_detections() {
        assert!(ids_alert(&alert(&[("alert.severity", Value::Int(1))])).is_none());
        let mut flow = alert(&[("alert.signature", Value::from("x"))]);
        flow.source = LogSource::other("suricata", Some("flow"), None);
        assert!(ids_alert(&flow).is_none());
        let low = alert(&[
            ("alert.signature", Value::from("ET INFO")),
            ("alert.severity", Value::Int(3)),
        ]);
        assert_eq!(ids_alert(&low).map(|d| d.level), Some(Level::Low));
    }
}
