//! `iocs.stix.json` from a small kit with hostile values: every value that reaches a pattern is
//! quoted per the STIX patterning grammar, values invalid for their kind are refused with why,
//! the same kit gives the same bytes, and the OASIS validator accepts the bundle.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use ward_respond::stix::write_stix;
use ward_respond::{Indicator, IndicatorKind, Kit, KitOptions, kit::KnownMalware};

fn indicator(kind: IndicatorKind, value: &str) -> Indicator {
    Indicator {
        kind,
        value: value.into(),
        hash_type: (kind == IndicatorKind::Hash).then(|| "sha256".into()),
        hosts: BTreeSet::from(["WS-RECEPTION-01".to_string(), "FS-01".to_string()]),
        sightings: 3,
        first_seen: Some("2026-03-02T08:39:50.014Z".into()),
        last_seen: Some("2026-03-02T10:03:29.85Z".into()),
        sources: BTreeSet::from(["beacon".to_string()]),
    }
}

/// A kit whose names came from hostile logs.
fn hostile_kit() -> Kit {
    use IndicatorKind::*;
    Kit {
        case_time: "2026-12-07T09:05:23.726491158Z".into(),
        indicators: vec![
            indicator(Ip, "185.141.27.90"),
            indicator(Ip, "2001:DB8::BAD"),
            indicator(Ip, "1.2.3.4'] OR [ipv4-addr:value = '0.0.0.0"),
            indicator(Domain, "c2.example.org"),
            indicator(Domain, "evil'.example.org"),
            indicator(Domain, "раураl.com"),
            indicator(Url, "91.219.236.174/groupmgr/index.php?q=it's"),
            indicator(Url, "http://evil.example.org/a\\b"),
            indicator(Url, "http://evil.example.org/\nHost: x"),
            indicator(Hash, &"0B1AB892D0E414D9".repeat(4)),
            indicator(Hash, "0b1ab892"),
            indicator(ServiceName, "Wmi'Ap\\Srv']"),
            indicator(ServiceName, "WmiApSrvEx\n[file:name = 'x']"),
            indicator(FileName, "wmiаprvse.exe"),
            indicator(FileName, "a'; Remove-Item -Recurse C:\\ #.exe"),
        ],
        malware: Some(KnownMalware {
            name: "Kwampirs".into(),
            intrusion_set: "Orangeworm".into(),
        }),
        ..Kit::default()
    }
}

fn bundle(kit: &Kit, tlp: &str) -> (String, Vec<String>) {
    let files = write_stix(kit, &KitOptions { tlp: tlp.into() });
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "iocs.stix.json");
    (files[0].text.clone(), files[0].refused.clone())
}

fn objects<'a>(b: &'a Value, kind: &str) -> Vec<&'a Value> {
    b["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == kind)
        .collect()
}

fn patterns(b: &Value) -> BTreeSet<String> {
    objects(b, "indicator")
        .iter()
        .map(|o| o["pattern"].as_str().expect("pattern").to_string())
        .collect()
}

#[test]
fn hostile_values_are_quoted_in_patterns() {
    let (text, _) = bundle(&hostile_kit(), "amber");
    let b: Value = serde_json::from_str(&text).expect("JSON");
    let expected: BTreeSet<String> = [
        "[ipv4-addr:value = '185.141.27.90']",
        "[ipv6-addr:value = '2001:db8::bad']",
        "[domain-name:value = 'c2.example.org']",
        r"[url:value = 'http://91.219.236.174/groupmgr/index.php?q=it\'s']",
        r"[url:value = 'http://evil.example.org/a\\b']",
        "[file:hashes.'SHA-256' = '0b1ab892d0e414d90b1ab892d0e414d90b1ab892d0e414d90b1ab892d0e414d9']",
        r"[process:extensions.'windows-service-ext'.service_name = 'Wmi\'Ap\\Srv\']']",
        "[file:name = 'wmiаprvse.exe']",
        r"[file:name = 'a\'; Remove-Item -Recurse C:\\ #.exe']",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(patterns(&b), expected);
    // No raw newline reaches the file: JSON escapes what it carries, and names with one are refused.
    assert!(!text.contains("Host: x"));
}

#[test]
fn invalid_values_are_refused_with_why() {
    let (_, refused) = bundle(&hostile_kit(), "amber");
    let has = |fragment: &str, why: &str| {
        assert!(
            refused.iter().any(|r| r.starts_with("iocs.stix.json: ")
                && r.contains(fragment)
                && r.contains(why)),
            "no refusal of {fragment:?} ({why}) in {refused:#?}"
        )
    };
    has("IP address \"1.2.3.4']", "not an IP address");
    has("domain \"evil'.example.org\"", "not 1–63 letters");
    has("domain \"раураl.com\"", "punycode");
    has(
        "URL \"http://evil.example.org/\\nHost: x\"",
        "printable ASCII",
    );
    has("hash \"0b1ab892\"", "64 hex digits");
    has(
        "service name \"WmiApSrvEx\\n[file:name",
        "control character",
    );
    assert_eq!(refused.len(), 6, "{refused:#?}");
}

#[test]
fn the_same_kit_gives_the_same_bytes() {
    assert_eq!(
        bundle(&hostile_kit(), "amber").0,
        bundle(&hostile_kit(), "amber").0
    );
    let (a, _) = bundle(&hostile_kit(), "amber");
    let (r, _) = bundle(&hostile_kit(), "red");
    assert_ne!(a, r);
}

#[test]
fn objects_relate_and_sightings_count() {
    let (text, _) = bundle(&hostile_kit(), "amber");
    let b: Value = serde_json::from_str(&text).expect("JSON");
    let malware = objects(&b, "malware");
    assert_eq!(malware.len(), 1);
    assert_eq!(malware[0]["name"], "Kwampirs");
    assert_eq!(malware[0]["is_family"], true);
    assert_eq!(objects(&b, "intrusion-set")[0]["name"], "Orangeworm");
    let identity = &objects(&b, "identity")[0]["id"];
    let rels = objects(&b, "relationship");
    let indicates = rels
        .iter()
        .filter(|r| r["relationship_type"] == "indicates" && r["target_ref"] == malware[0]["id"])
        .count();
    assert_eq!(indicates, 9);
    assert!(rels.iter().any(|r| r["relationship_type"] == "uses"
        && r["source_ref"] == objects(&b, "intrusion-set")[0]["id"]));
    let sightings = objects(&b, "sighting");
    assert_eq!(sightings.len(), 9);
    for s in sightings {
        assert_eq!(s["count"], 3);
        assert_eq!(s["first_seen"], "2026-03-02T08:39:50.014Z");
        assert_eq!(s["last_seen"], "2026-03-02T10:03:29.850Z");
        assert_eq!(s["where_sighted_refs"][0], *identity);
    }
    // The hospital's device names are not shared, only how many saw a value.
    assert!(!text.contains("WS-RECEPTION-01"));
    assert!(text.contains("Seen on 2 affected devices"));
}

#[test]
fn tlp_marks_every_object() {
    let cases = [
        (
            "clear",
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            false,
        ),
        (
            "green",
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            false,
        ),
        (
            "amber",
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            false,
        ),
        (
            "amber+strict",
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            true,
        ),
        (
            "red",
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            false,
        ),
    ];
    for (tlp, marking, note) in cases {
        let (text, _) = bundle(&hostile_kit(), tlp);
        let b: Value = serde_json::from_str(&text).expect("JSON");
        for o in b["objects"].as_array().expect("objects") {
            if o["type"] == "marking-definition" {
                assert_eq!(o["id"], marking, "{tlp}");
            } else {
                assert_eq!(o["object_marking_refs"][0], marking, "{tlp}: {}", o["type"]);
            }
        }
        let notes = objects(&b, "note");
        assert_eq!(notes.len(), usize::from(note), "{tlp}");
        if note {
            assert_eq!(notes[0]["abstract"], "TLP:AMBER+STRICT");
        }
    }
}

#[test]
fn without_a_known_family_the_worm_is_named_after_its_service() {
    let mut kit = hostile_kit();
    kit.malware = None;
    let (text, _) = bundle(&kit, "amber");
    let b: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        objects(&b, "malware")[0]["name"],
        "Worm installing the service Wmi'Ap\\Srv']"
    );
    assert!(objects(&b, "intrusion-set").is_empty());
}

/// Runs the OASIS `stix2-validator` on `path`: `None` (with why on stderr) when python3 or the
/// module is missing, else whether it is valid and the validator's report.
fn oasis_validate(path: &std::path::Path) -> Option<(bool, String)> {
    const SCRIPT: &str = "import sys
try:
    from stix2validator import validate_file, print_results, ValidationOptions
except ImportError as e:
    print(e); sys.exit(77)
r = validate_file(sys.argv[1], ValidationOptions())
print_results(r)
sys.exit(0 if r.is_valid else 1)
";
    let out = match Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!(
                "skipped the OASIS STIX validation: no python3 ({e}); run scripts/install-test-deps.sh"
            );
            return None;
        }
    };
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() == Some(77) {
        eprintln!("skipped the OASIS STIX validation: {report}; run scripts/install-test-deps.sh");
        return None;
    }
    Some((out.status.success(), report))
}

#[test]
fn the_oasis_validator_accepts_the_hostile_bundle() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for tlp in ["amber", "amber+strict", "clear"] {
        let path = dir.path().join(format!("{tlp}.json"));
        std::fs::write(&path, bundle(&hostile_kit(), tlp).0).expect("write");
        if let Some((valid, report)) = oasis_validate(&path) {
            eprintln!("stix2-validator ({tlp}):\n{report}");
            assert!(valid, "{tlp}: {report}");
        }
    }
}
