//! `misp-event.json` from a small kit with hostile values: the values the STIX bundle shares,
//! typed and categorised for MISP, the TLP as a tag, refused values with why, and PyMISP loads it.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use ward_respond::misp::write_misp;
use ward_respond::stix::write_stix;
use ward_respond::{Indicator, IndicatorKind, Kit, KitOptions, kit::KnownMalware};

fn indicator(kind: IndicatorKind, value: &str) -> Indicator {
    Indicator {
        kind,
        value: value.into(),
        hash_type: (kind == IndicatorKind::Hash).then(|| "md5".into()),
        hosts: BTreeSet::from(["FS-01".to_string()]),
        sightings: 1,
        first_seen: Some("2026-03-02T09:10:01.149Z".into()),
        last_seen: Some("2026-03-02T09:10:01.149Z".into()),
        sources: BTreeSet::from(["intel-match".to_string()]),
    }
}

fn kit() -> Kit {
    use IndicatorKind::*;
    Kit {
        case_time: "2026-12-07T09:05:23.726Z".into(),
        indicators: vec![
            indicator(Ip, "198.51.100.23"),
            indicator(Ip, "198.51.100.23\"}, {\"value\": \"x"),
            indicator(Domain, "c2.example.org"),
            indicator(Url, "http://c2.example.org/index.php?q=\"'"),
            indicator(Url, "c2.example.org/index.php?q=\"'"),
            indicator(Hash, "D41D8CD98F00B204E9800998ECF8427E"),
            indicator(ServiceName, "Wmi\"Ap\\Srv"),
            indicator(FileName, "wmiаprvse.exe"),
            indicator(FileName, "line\nbreak.exe"),
        ],
        malware: Some(KnownMalware {
            name: "Kwampirs".into(),
            intrusion_set: "Orangeworm".into(),
        }),
        ..Kit::default()
    }
}

fn event(kit: &Kit, tlp: &str) -> (Value, Vec<String>, String) {
    let files = write_misp(kit, &KitOptions { tlp: tlp.into() });
    assert_eq!(files[0].path, "misp-event.json");
    let text = files[0].text.clone();
    (
        serde_json::from_str(&text).expect("JSON"),
        files[0].refused.clone(),
        text,
    )
}

#[test]
fn attributes_are_typed_and_hostile_values_stay_values() {
    let (e, refused, _) = event(&kit(), "amber");
    let got: Vec<(String, String, String, bool)> = e["Event"]["Attribute"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap_or("").to_string(),
                a["category"].as_str().unwrap_or("").to_string(),
                a["value"].as_str().unwrap_or("").to_string(),
                a["to_ids"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let want = |t: &str, c: &str, v: &str, ids: bool| (t.into(), c.into(), v.into(), ids);
    assert_eq!(
        got,
        vec![
            want("ip-dst", "Network activity", "198.51.100.23", true),
            want("domain", "Network activity", "c2.example.org", true),
            // `c2.example.org/…` is the same URL once its scheme is written: one attribute.
            want(
                "url",
                "Network activity",
                "http://c2.example.org/index.php?q=\"'",
                true
            ),
            want(
                "md5",
                "Artifacts dropped",
                "d41d8cd98f00b204e9800998ecf8427e",
                true
            ),
            want(
                "windows-service-name",
                "Artifacts dropped",
                "Wmi\"Ap\\Srv",
                false
            ),
            want("filename", "Artifacts dropped", "wmiаprvse.exe", false),
        ]
    );
    let url = &e["Event"]["Attribute"][2];
    assert_eq!(
        url["comment"],
        "Seen on 1 affected device in 2 findings of Ward (intel-match)."
    );
    assert_eq!(url["first_seen"], "2026-03-02T09:10:01.149Z");
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert!(refused[0].starts_with("misp-event.json: IP address"));
    assert!(refused[1].contains("control character"));
}

#[test]
fn the_event_carries_the_tlp_and_the_family() {
    let (e, _, _) = event(&kit(), "amber+strict");
    let tags: Vec<&str> = e["Event"]["Tag"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        tags,
        [
            "tlp:amber+strict",
            "misp-galaxy:malpedia=\"Kwampirs\"",
            "misp-galaxy:threat-actor=\"Orangeworm\""
        ]
    );
    assert_eq!(e["Event"]["distribution"], "1");
    assert_eq!(e["Event"]["date"], "2026-12-07");
    assert_eq!(event(&kit(), "red").0["Event"]["distribution"], "0");
    assert_eq!(
        event(&kit(), "bogus").0["Event"]["Tag"][0]["name"],
        "tlp:red"
    );
    assert_eq!(
        event(&kit(), "amber").2,
        event(&kit(), "amber").2,
        "same bytes"
    );
}

#[test]
fn misp_and_stix_share_the_same_values() {
    let options = KitOptions::default();
    let stix = &write_stix(&kit(), &options)[0];
    let misp = &write_misp(&kit(), &options)[0];
    let b: Value = serde_json::from_str(&stix.text).expect("JSON");
    let indicators = b["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "indicator")
        .count();
    let e: Value = serde_json::from_str(&misp.text).expect("JSON");
    assert_eq!(
        e["Event"]["Attribute"].as_array().map(Vec::len),
        Some(indicators)
    );
    let strip = |r: &String| r.split_once(": ").map(|(_, rest)| rest.to_string());
    let a: Vec<_> = stix.refused.iter().map(strip).collect();
    let b: Vec<_> = misp.refused.iter().map(strip).collect();
    assert_eq!(a, b);
}

#[test]
fn pymisp_loads_the_event() {
    const SCRIPT: &str = "import sys, json
try:
    from pymisp import MISPEvent
except ImportError as e:
    print(e); sys.exit(77)
e = MISPEvent()
e.load_file(sys.argv[1])
print(json.dumps({'info': e.info, 'tags': [t.name for t in e.tags],
    'attributes': [[a.type, a.category, a.value] for a in e.attributes],
    'first_seen': [a.first_seen.isoformat() for a in e.attributes if a.get('first_seen')]}))
";
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("misp-event.json");
    let (e, _, text) = event(&kit(), "amber");
    std::fs::write(&path, text).expect("write");
    let out = match Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(err) => {
            eprintln!(
                "skipped the PyMISP check: no python3 ({err}); run scripts/install-test-deps.sh"
            );
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(77) {
        eprintln!("skipped the PyMISP check: {stdout}; run scripts/install-test-deps.sh");
        return;
    }
    assert!(
        out.status.success(),
        "pymisp: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded: Value = serde_json::from_str(stdout.trim()).expect("pymisp's JSON");
    let ours: Vec<Value> = e["Event"]["Attribute"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| serde_json::json!([a["type"], a["category"], a["value"]]))
        .collect();
    assert_eq!(loaded["attributes"], Value::Array(ours));
    assert_eq!(loaded["info"], e["Event"]["info"]);
    assert_eq!(loaded["tags"][0], "tlp:amber");
    assert_eq!(loaded["first_seen"][0], "2026-03-02T09:10:01.149000+00:00");
}
