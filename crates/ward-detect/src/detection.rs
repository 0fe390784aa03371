//! Rule hits as case detections: the shape every output and the monitor's alerts share.

use ward_analytics::case::Detection;
use ward_event::{Event, FieldList, Value};
use ward_sigma::{CorrelationHit, RuleIdx, RuleMeta, RuleSet};

/// A detection for rule `idx` matching `event`, carrying the event's fields.
pub fn rule_detection(rules: &RuleSet, idx: RuleIdx, event: &Event) -> Detection {
    let rule = rules.rule(idx);
    Detection {
        time: event.time,
        host: event.host.short().to_string(),
        rule_id: rule_id(rule),
        title: rule.title.clone(),
        level: rule.level,
        kind: "rule".to_string(),
        source: event.source.label(),
        event_id: event.source.event_id,
        record_id: event.record_id,
        file: event.origin.file.to_string(),
        position: event.origin.position,
        tags: rule.tags.clone(),
        fields: event.fields.clone(),
    }
}

/// The id a rule is known by in output: its `id`, else its `name`, else its title.
fn rule_id(rule: &RuleMeta) -> String {
    rule.id
        .clone()
        .or_else(|| rule.name.clone())
        .unwrap_or_else(|| rule.title.clone())
}

/// A detection for a correlation rule that fired. The host is the hit's when all its events
/// come from one host.
pub fn correlation_detection(rules: &RuleSet, hit: &CorrelationHit) -> Detection {
    let rule = rules.rule(hit.rule);
    let host = hit.host.clone().unwrap_or_default();
    let mut fields = FieldList::default();
    for (name, value) in &hit.group {
        fields.push(
            name.as_str(),
            value.as_deref().map_or(Value::Null, Value::from),
        );
    }
    fields.push("correlation_value", Value::Float(hit.value));
    fields.push("correlation_events", Value::UInt(hit.events.len() as u64));
    fields.push("first_seen", Value::from(hit.first.to_rfc3339()));
    Detection {
        time: hit.last,
        host,
        rule_id: rule_id(rule),
        title: rule.title.clone(),
        level: rule.level,
        kind: "correlation".to_string(),
        source: "correlation".to_string(),
        event_id: None,
        record_id: None,
        file: String::new(),
        position: 0,
        tags: rule.tags.clone(),
        fields,
    }
}

/// Rule hits on network logs carry no host of their own: names them after the source address,
/// through the address book when it knows the device (the hunt and the monitor alike).
pub fn name_network_detection(d: &mut Detection, book: &ward_analytics::directory::AddressBook) {
    const SOURCE_FIELDS: [&str; 4] = ["src_ip", "id.orig_h", "SourceIp", "c-ip"];
    if !d.host.is_empty() {
        return;
    }
    let ip = SOURCE_FIELDS
        .iter()
        .find_map(|name| d.fields.get_str(name))
        .map(str::to_string);
    if let Some(ip) = ip {
        d.host = book.host_of(&ip).map_or(ip.clone(), str::to_string);
    }
}
