//! Suricata alerts are detections of their own: every alert of crowdsec-hub's Suricata EVE and
//! fast.log samples becomes one `ids` detection named by its signature, with Suricata's
//! severity as level, beside the other EVE records, which stay events.

use assert_cmd::Command;

fn ids_detections(path: &std::path::Path) -> Vec<serde_json::Value> {
    let home = tempfile::tempdir().expect("a temporary folder");
    let out = Command::cargo_bin("ward")
        .expect("the ward binary is built")
        .env("WARD_RULES_HOME", home.path())
        .args(["hunt", "--quiet", "--no-default-rules", "--format", "jsonl"])
        .arg(path)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|o| o["type"] == "detection" && o["kind"] == "ids")
        .collect()
}

#[test]
fn suricata_alerts_are_detections() {
    let Some(data) = ward_testdata::shared_data() else {
        return;
    };
    let tests = data.join("crowdsec-hub/tests");
    for sample in [
        "suricata-eve-detect",
        "suricata-logs-evelog",
        "suricata-logs-fastlog",
    ] {
        let log = tests.join(sample).join(format!("{sample}.log"));
        let text = std::fs::read_to_string(&log).expect("the sample reads");
        let alerts = text
            .lines()
            .filter(|l| l.contains("\"event_type\":\"alert\"") || l.contains(" [**] ["))
            .count();
        assert!(alerts > 0, "{sample} has alerts");
        let found = ids_detections(&log);
        assert_eq!(found.len(), alerts, "{sample}: {found:#?}");
        for d in &found {
            let id = d["rule_id"].as_str().unwrap_or_default();
            assert!(id.starts_with("suricata:1:"), "{d}");
            assert!(!d["title"].as_str().unwrap_or_default().is_empty(), "{d}");
            assert!(
                ["high", "medium", "low", "informational"]
                    .contains(&d["level"].as_str().unwrap_or_default()),
                "{d}"
            );
        }
    }
    // fast.log's Apache path traversal (priority 1) is high, its checksum noise (3) is low.
    let fast = ids_detections(&tests.join("suricata-logs-fastlog/suricata-logs-fastlog.log"));
    let level_of = |sid: &str| {
        fast.iter()
            .find(|d| d["rule_id"].as_str().is_some_and(|id| id.contains(sid)))
            .map(|d| d["level"].clone())
    };
    assert_eq!(level_of(":2034125:"), Some("high".into()));
    assert_eq!(level_of(":2200074:"), Some("low".into()));
}
