//! `iocs.stix.json`: the outbreak's indicators as a STIX 2.1 bundle for Health-ISAC or a
//! national CERT — Ward as the producing identity, one indicator per value (with its pattern),
//! a sighting per indicator (count, first and last seen), the malware (and the intrusion set
//! when Ward's pack named Kwampirs), the relationships between them, and a TLP marking.
//!
//! Values come from attacker-controlled logs: each is checked for its kind
//! ([`crate::ids::shared_value`]) and quoted per the STIX patterning grammar; JSON escaping is
//! serde's. Host and account names are never shared, only how many devices saw a value.

use crate::ids::{
    SharedValue, case_timestamp, seen_between, seen_on, shareable, shared_value, stix_uuid_for,
    tlp_level,
};
use crate::kit::{IndicatorKind, Kit};
use crate::{KitFile, KitOptions};
use serde::Serialize;

/// The file this writer makes.
pub const STIX_FILE: &str = "iocs.stix.json";

/// The TLP 1.0 marking definitions STIX 2.1 predefines (section 7.2.1.4): level, id.
/// TLP 2.0's CLEAR is TLP 1.0's WHITE; AMBER+STRICT has no TLP 1.0 marking (see [`tlp_marking`]).
const TLP_MARKINGS: &[(&str, &str)] = &[
    (
        "white",
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        "green",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        "amber",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        "red",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

/// When STIX 2.1 defined the TLP markings; they carry this `created` time.
const TLP_CREATED: &str = "2017-01-20T00:00:00.000Z";

/// One STIX object: the common properties, then those of its type.
#[derive(Serialize)]
struct Object {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by_ref: Option<String>,
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    modified: Option<String>,
    #[serde(flatten)]
    body: Body,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    object_marking_refs: Vec<String>,
}

/// The properties of each object type the bundle uses.
#[derive(Serialize)]
#[serde(untagged)]
enum Body {
    Marking {
        name: String,
        definition_type: &'static str,
        definition: TlpDefinition,
    },
    Identity {
        name: &'static str,
        description: String,
        identity_class: &'static str,
    },
    Note {
        #[serde(rename = "abstract")]
        summary: String,
        content: String,
        object_refs: Vec<String>,
    },
    Malware {
        name: String,
        description: String,
        malware_types: Vec<&'static str>,
        is_family: bool,
    },
    IntrusionSet {
        name: String,
        description: String,
    },
    Indicator {
        name: String,
        description: String,
        indicator_types: Vec<&'static str>,
        pattern: String,
        pattern_type: &'static str,
        valid_from: String,
    },
    Relationship {
        relationship_type: &'static str,
        source_ref: String,
        target_ref: String,
    },
    Sighting {
        #[serde(skip_serializing_if = "Option::is_none")]
        first_seen: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        last_seen: Option<String>,
        count: u64,
        sighting_of_ref: String,
        where_sighted_refs: Vec<String>,
    },
}

#[derive(Serialize)]
struct TlpDefinition {
    tlp: &'static str,
}

#[derive(Serialize)]
struct Bundle {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    objects: Vec<Object>,
}

/// The TLP 1.0 level and marking id for a `--tlp` level, and a note when the bundle's marking
/// is not exactly the level asked (AMBER+STRICT is marked AMBER).
pub fn tlp_marking(level: &str) -> (&'static str, &'static str, Option<String>) {
    let (tlp1, note) = match level {
        "clear" => ("white", None),
        "amber+strict" => (
            "amber",
            Some(
                "TLP:AMBER+STRICT: share with the recipient's organisation only, not its \
                 clients. STIX 2.1 predefines TLP 1.0 markings only, so this bundle carries \
                 TLP:AMBER; this note restricts it further."
                    .to_string(),
            ),
        ),
        "green" => ("green", None),
        "red" => ("red", None),
        _ => ("amber", None),
    };
    let id = TLP_MARKINGS
        .iter()
        .find(|(l, _)| *l == tlp1)
        .map_or(TLP_MARKINGS[2].1, |(_, id)| id);
    (tlp1, id, note)
}

/// A string literal of the STIX patterning grammar: `'…'` with `\` and `'` escaped.
pub fn pattern_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX pattern matching a checked value.
pub fn pattern(value: &SharedValue) -> String {
    let (path, v) = match value {
        SharedValue::Ipv4(v) => ("ipv4-addr:value".to_string(), v),
        SharedValue::Ipv6(v) => ("ipv6-addr:value".to_string(), v),
        SharedValue::Domain(v) => ("domain-name:value".to_string(), v),
        SharedValue::Url(v) => ("url:value".to_string(), v),
        SharedValue::Hash(algo, v) => (format!("file:hashes.'{}'", stix_hash_name(algo)), v),
        SharedValue::ServiceName(v) => (
            "process:extensions.'windows-service-ext'.service_name".to_string(),
            v,
        ),
        SharedValue::FileName(v) => ("file:name".to_string(), v),
    };
    format!("[{path} = {}]", pattern_literal(v))
}

fn stix_hash_name(algo: &str) -> &'static str {
    match algo {
        "sha1" => "SHA-1",
        "md5" => "MD5",
        _ => "SHA-256",
    }
}

/// Writes `iocs.stix.json`.
pub fn write_stix(kit: &Kit, options: &KitOptions) -> Vec<KitFile> {
    let mut refused = Vec::new();
    let (created, why) = case_timestamp(&kit.case_time, &kit.indicators);
    refused.extend(why.map(|w| format!("{STIX_FILE}: {w}")));
    let (level, why) = tlp_level(&options.tlp);
    refused.extend(why.map(|w| format!("{STIX_FILE}: {w}")));
    let (tlp1, marking_id, tlp_note) = tlp_marking(level);

    let id = |kind: &str, key: &[&str]| {
        let mut parts = vec![created.as_str(), kind];
        parts.extend_from_slice(key);
        format!("{kind}--{}", stix_uuid_for(&parts))
    };
    let identity_id = id("identity", &["Ward"]);
    let object = |kind: &'static str, id: String, body: Body| Object {
        kind,
        spec_version: "2.1",
        id,
        created_by_ref: Some(identity_id.clone()),
        created: created.clone(),
        modified: Some(created.clone()),
        body,
        object_marking_refs: vec![marking_id.to_string()],
    };

    let mut objects = vec![
        Object {
            kind: "marking-definition",
            spec_version: "2.1",
            id: marking_id.to_string(),
            created_by_ref: None,
            created: TLP_CREATED.into(),
            modified: None,
            body: Body::Marking {
                name: format!("TLP:{}", tlp1.to_ascii_uppercase()),
                definition_type: "tlp",
                definition: TlpDefinition { tlp: tlp1 },
            },
            object_marking_refs: Vec::new(),
        },
        Object {
            created_by_ref: None,
            ..object(
                "identity",
                identity_id.clone(),
                Body::Identity {
                    name: "Ward",
                    description: format!(
                        "Ward, from the case of {created}: a worm's spread found in hospital logs."
                    ),
                    identity_class: "system",
                },
            )
        },
    ];

    let (malware_name, malware_types, malware_description) = malware_of(kit);
    let malware_id = id("malware", &[&malware_name]);
    objects.push(object(
        "malware",
        malware_id.clone(),
        Body::Malware {
            name: malware_name.clone(),
            description: malware_description,
            malware_types,
            is_family: true,
        },
    ));
    if let Some(known) = &kit.malware {
        let set_id = id("intrusion-set", &[&known.intrusion_set]);
        objects.push(object(
            "intrusion-set",
            set_id.clone(),
            Body::IntrusionSet {
                name: known.intrusion_set.clone(),
                description: format!(
                    "The intrusion set known to use {}, named by Ward's detection pack.",
                    known.name
                ),
            },
        ));
        objects.push(relationship(&object, &id, &set_id, "uses", &malware_id));
    }

    let (shared, refused_values) = shareable(kit, STIX_FILE);
    refused.extend(refused_values);
    let mut indicator_ids = Vec::new();
    for (value, i) in &shared {
        let pattern = pattern(value);
        let indicator_id = id("indicator", &[&pattern]);
        let (first_seen, last_seen) = seen_between(i);
        objects.push(object(
            "indicator",
            indicator_id.clone(),
            Body::Indicator {
                name: indicator_name(value, &malware_name),
                description: seen_on(i),
                indicator_types: vec!["malicious-activity"],
                pattern: pattern.clone(),
                pattern_type: "stix",
                valid_from: first_seen.clone().unwrap_or_else(|| created.clone()),
            },
        ));
        objects.push(relationship(
            &object,
            &id,
            &indicator_id,
            "indicates",
            &malware_id,
        ));
        objects.push(object(
            "sighting",
            id("sighting", &[&pattern]),
            Body::Sighting {
                first_seen,
                last_seen,
                count: i.sightings.clamp(1, 999_999_999),
                sighting_of_ref: indicator_id.clone(),
                where_sighted_refs: vec![identity_id.clone()],
            },
        ));
        indicator_ids.push(indicator_id);
    }

    if let Some(content) = tlp_note {
        let mut refs = vec![identity_id.clone(), malware_id.clone()];
        refs.extend(indicator_ids);
        objects.push(object(
            "note",
            id("note", &["tlp"]),
            Body::Note {
                summary: "TLP:AMBER+STRICT".into(),
                content,
                object_refs: refs,
            },
        ));
    }

    let bundle = Bundle {
        kind: "bundle",
        id: id("bundle", &[]),
        objects,
    };
    let mut text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    text.push('\n');
    vec![KitFile {
        path: STIX_FILE.into(),
        text,
        refused,
        private: false,
    }]
}

/// `source uses|indicates target`.
fn relationship(
    object: &impl Fn(&'static str, String, Body) -> Object,
    id: &impl Fn(&str, &[&str]) -> String,
    source: &str,
    kind: &'static str,
    target: &str,
) -> Object {
    object(
        "relationship",
        id("relationship", &[source, kind, target]),
        Body::Relationship {
            relationship_type: kind,
            source_ref: source.to_string(),
            target_ref: target.to_string(),
        },
    )
}

/// The malware's name, types and description: the family Ward's pack named, or a worm named
/// after the service it installs.
fn malware_of(kit: &Kit) -> (String, Vec<&'static str>, String) {
    if let Some(known) = &kit.malware {
        return (
            known.name.clone(),
            vec!["backdoor", "worm"],
            format!(
                "{}: a backdoor that spreads between Windows hosts over admin shares and \
                 remote services, seen in this case.",
                known.name
            ),
        );
    }
    let service = kit
        .indicators_of(IndicatorKind::ServiceName)
        .find_map(|i| shared_value(i).ok());
    let name = match service {
        Some(s) => format!("Worm installing the service {}", s.value()),
        None => "Unidentified worm".to_string(),
    };
    (
        name,
        vec!["worm"],
        "A worm Ward saw spread between devices (remote service installs) in this case; no \
         known family matched."
            .into(),
    )
}

fn indicator_name(value: &SharedValue, malware: &str) -> String {
    let what = match value {
        SharedValue::Ipv4(_) | SharedValue::Ipv6(_) => "C2 address".to_string(),
        SharedValue::Domain(_) => "C2 domain".to_string(),
        SharedValue::Url(_) => "C2 URL".to_string(),
        SharedValue::Hash(algo, _) => format!("implant {}", stix_hash_name(algo)),
        SharedValue::ServiceName(_) => "service".to_string(),
        SharedValue::FileName(_) => "implant file".to_string(),
    };
    format!("{malware} {what} {}", value.value())
}
