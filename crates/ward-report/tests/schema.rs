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
