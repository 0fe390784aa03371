//! The JSON report validates against docs/report.schema.json, and the schema documents every
//! field the report has (checked by validating against a strict copy of it).

mod common;

use serde_json::Value;

const SCHEMA: &str = include_str!("../../../docs/report.schema.json");

/// The schema with `additionalProperties: false` on every object that lists its properties, so
/// an undocumented field fails the test (the published schema lets newer minors add fields).
fn strict(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

fn validate(schema: Value, report: &Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:ward:report", schema)
        .map_err(|e| e.to_string())?;
    let id = compiler
        .compile("urn:ward:report", &mut schemas)
        .map_err(|e| format!("{e:#}"))?;
    schemas.validate(report, id).map_err(|e| format!("{e:#}"))
}

fn report(case: &ward_analytics::Case) -> Value {
    let mut out = Vec::new();
    ward_report::write_json(case, &mut out).expect("write");
    serde_json::from_slice(&out).expect("JSON")
}

#[test]
fn the_sample_report_validates_against_the_strict_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    validate(strict(schema), &report(&common::outbreak())).expect("valid report");
}

#[test]
fn an_empty_report_validates_too() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let case = ward_analytics::Case::new("0.1.0", common::at("12:00"));
    validate(strict(schema), &report(&case)).expect("valid report");
}

#[test]
fn the_schema_rejects_a_wrong_report() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let mut bad = report(&common::outbreak());
    bad["overview"]["verdict"] = Value::from("maybe");
    assert!(validate(schema.clone(), &bad).is_err());
    let mut bad = report(&common::outbreak());
    bad["detections"][0]["level"] = Value::from("severe");
    assert!(validate(schema.clone(), &bad).is_err());
    let mut bad = report(&common::outbreak());
    bad["schema_version"] = Value::from("2.0");
    assert!(validate(schema, &bad).is_err());
}

#[test]
fn a_report_with_readiness_and_network_findings_validates() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let good = report(&common::outbreak_with_network());
    let checks = good["readiness"]["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3);
    assert_eq!(good["readiness"]["score"], 40);
    assert_eq!(
        checks[0]["evidence"][0],
        "CLINIC\\svc-backup, CLINIC\\alice, CLINIC\\bob share one NT hash"
    );
    assert_eq!(good["findings"].as_array().map(Vec::len), Some(7));
    validate(strict(schema.clone()), &good).expect("valid report");

    let mut bad = good.clone();
    bad["readiness"]["checks"][1]["status"] = Value::from("maybe");
    assert!(validate(schema.clone(), &bad).is_err(), "unknown status");
    let mut bad = good.clone();
    bad["readiness"]["score"] = Value::from(101);
    assert!(validate(schema.clone(), &bad).is_err(), "score over 100");
    let mut bad = good.clone();
    bad["readiness"]["checks"][0]["severity"] = Value::from("urgent");
    assert!(
        validate(schema.clone(), &bad).is_err(),
        "severity not a level"
    );
    let mut bad = good;
    if let Some(check) = bad["readiness"]["checks"][2].as_object_mut() {
        check.remove("remediation");
    }
    assert!(validate(schema, &bad).is_err(), "remediation is required");
}

#[test]
fn the_summaries_add_up_to_the_timeline() {
    let good = report(&common::outbreak());
    let detections = good["detections"].as_array().expect("detections").len() as u64;
    let groups = good["detection_groups"]
        .as_array()
        .expect("detection groups");
    let counted: u64 = groups
        .iter()
        .map(|g| g["count"].as_u64().expect("count"))
        .sum();
    assert!(detections > 0);
    assert_eq!(counted, detections, "per (rule, host) counts add up");
    let pairs: std::collections::BTreeSet<(String, String)> = good["detections"]
        .as_array()
        .expect("detections")
        .iter()
        .map(|d| (d["rule_id"].to_string(), d["host"].to_string()))
        .collect();
    assert_eq!(pairs.len(), groups.len(), "one group per (rule, host)");
    let incidents = good["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 1, "the sample's worm is one incident");
    assert_eq!(incidents[0]["verdict"], "worm");
}
