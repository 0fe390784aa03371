//! `misp-event.json`: the indicators of `iocs.stix.json` as one MISP event (the JSON MISP's
//! "Add event from JSON" and PyMISP's `MISPEvent.load_file` read), with the TLP as a tag and,
//! when Ward's pack named it, the malware and threat actor as galaxy tags.
//!
//! The same checks as the STIX bundle ([`crate::ids::shared_value`]) decide what is shared, so
//! both files hold the same values; serde does the JSON escaping.

use crate::ids::{
    SharedValue, case_timestamp, epoch_seconds, seen_between, seen_on, shareable, tlp_level,
    uuid_for,
};
use crate::kit::Kit;
use crate::{KitFile, KitOptions};
use serde::Serialize;

/// The file this writer makes.
pub const MISP_FILE: &str = "misp-event.json";

/// MISP distribution per TLP level: red stays in the organisation (0), amber and amber+strict
/// in this community (1), green in connected communities (2), clear everywhere (3).
const DISTRIBUTION: &[(&str, &str)] = &[
    ("red", "0"),
    ("amber+strict", "1"),
    ("amber", "1"),
    ("green", "2"),
    ("clear", "3"),
];

/// MISP's attribute distribution "inherit the event's".
const INHERIT: &str = "5";

#[derive(Serialize)]
struct Document {
    #[serde(rename = "Event")]
    event: Event,
}

#[derive(Serialize)]
struct Event {
    uuid: String,
    info: String,
    date: String,
    timestamp: String,
    published: bool,
    /// 1 high, 2 medium, 3 low, 4 undefined.
    threat_level_id: &'static str,
    /// 0 initial, 1 ongoing, 2 completed.
    analysis: &'static str,
    distribution: &'static str,
    #[serde(rename = "Tag")]
    tags: Vec<Tag>,
    #[serde(rename = "Attribute")]
    attributes: Vec<Attribute>,
}

#[derive(Serialize)]
struct Tag {
    name: String,
}

#[derive(Serialize)]
struct Attribute {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    category: &'static str,
    to_ids: bool,
    value: String,
    comment: String,
    distribution: &'static str,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen: Option<String>,
}

/// MISP type, category and whether IDS should alert on it. Names are not IDS signatures: a
/// random implant name could be anyone's file.
fn misp_type(value: &SharedValue) -> (&'static str, &'static str, bool) {
    match value {
        SharedValue::Ipv4(_) | SharedValue::Ipv6(_) => ("ip-dst", "Network activity", true),
        SharedValue::Domain(_) => ("domain", "Network activity", true),
        SharedValue::Url(_) => ("url", "Network activity", true),
        SharedValue::Hash("sha1", _) => ("sha1", "Artifacts dropped", true),
        SharedValue::Hash("md5", _) => ("md5", "Artifacts dropped", true),
        SharedValue::Hash(_, _) => ("sha256", "Artifacts dropped", true),
        SharedValue::ServiceName(_) => ("windows-service-name", "Artifacts dropped", false),
        SharedValue::FileName(_) => ("filename", "Artifacts dropped", false),
    }
}

/// Writes `misp-event.json`.
pub fn write_misp(kit: &Kit, options: &KitOptions) -> Vec<KitFile> {
    let mut refused = Vec::new();
    let (created, why) = case_timestamp(&kit.case_time, &kit.indicators);
    refused.extend(why.map(|w| format!("{MISP_FILE}: {w}")));
    let (level, why) = tlp_level(&options.tlp);
    refused.extend(why.map(|w| format!("{MISP_FILE}: {w}")));
    let epoch = epoch_seconds(&created).unwrap_or(0).to_string();

    let mut tags = vec![Tag {
        name: format!("tlp:{level}"),
    }];
    if let Some(known) = &kit.malware {
        tags.push(Tag {
            name: format!("misp-galaxy:malpedia=\"{}\"", known.name),
        });
        tags.push(Tag {
            name: format!("misp-galaxy:threat-actor=\"{}\"", known.intrusion_set),
        });
    }

    let (shared, refused_values) = shareable(kit, MISP_FILE);
    refused.extend(refused_values);
    let mut attributes = Vec::new();
    for (value, i) in &shared {
        let (kind, category, to_ids) = misp_type(value);
        let (first_seen, last_seen) = seen_between(i);
        attributes.push(Attribute {
            uuid: uuid_for(&[&created, "misp-attribute", kind, value.value()]).to_string(),
            kind,
            category,
            to_ids,
            value: value.value().to_string(),
            comment: seen_on(i),
            distribution: INHERIT,
            timestamp: epoch.clone(),
            first_seen,
            last_seen,
        });
    }

    let family = kit.malware.as_ref().map_or("worm", |m| m.name.as_str());
    let event = Event {
        uuid: uuid_for(&[&created, "misp-event"]).to_string(),
        info: format!(
            "Ward: {family} outbreak on {} device{}, {} indicator{} (case of {created})",
            kit.devices.len(),
            if kit.devices.len() == 1 { "" } else { "s" },
            attributes.len(),
            if attributes.len() == 1 { "" } else { "s" },
        ),
        date: created.get(..10).unwrap_or("1970-01-01").to_string(),
        timestamp: epoch,
        published: false,
        threat_level_id: "1",
        analysis: "1",
        distribution: DISTRIBUTION
            .iter()
            .find(|(l, _)| *l == level)
            .map_or("0", |(_, d)| d),
        tags,
        attributes,
    };
    let mut text = serde_json::to_string_pretty(&Document { event }).unwrap_or_default();
    text.push('\n');
    vec![KitFile {
        path: MISP_FILE.into(),
        text,
        refused,
        private: false,
    }]
}
