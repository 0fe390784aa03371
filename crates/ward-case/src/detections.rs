//! The detections of a case. An ordinary hunt keeps them in memory; a hunt over millions of
//! events keeps them in a file ([`crate::spill::Store`]) so memory does not grow with the
//! number of rule hits. Readers go through [`Detections::iter`] either way.

use crate::case::Detection;
use crate::spill::{Spillable, Stored};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;
use ward_event::{FieldList, Level, Timestamp, Value};

/// Sigma rule hits of a case, in case order.
pub type Detections = Stored<Detection>;

/// The case order of detections: time, host, record, file, position, rule.
pub fn detection_order(a: &Detection, b: &Detection) -> Ordering {
    (
        a.time,
        &a.host,
        a.record_id,
        &a.file,
        a.position,
        &a.rule_id,
    )
        .cmp(&(
            b.time,
            &b.host,
            b.record_id,
            &b.file,
            b.position,
            &b.rule_id,
        ))
}

/// A detection as written to disk (postcard): the same fields, values tagged by type.
#[derive(Serialize, Deserialize)]
struct Record<'a> {
    time: Timestamp,
    #[serde(borrow)]
    host: Cow<'a, str>,
    #[serde(borrow)]
    rule_id: Cow<'a, str>,
    #[serde(borrow)]
    title: Cow<'a, str>,
    level: Level,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    event_id: Option<u32>,
    record_id: Option<u64>,
    #[serde(borrow)]
    file: Cow<'a, str>,
    position: u64,
    tags: Vec<Cow<'a, str>>,
    fields: Vec<(Cow<'a, str>, RecordValue<'a>)>,
}

#[derive(Serialize, Deserialize)]
enum RecordValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(#[serde(borrow)] Cow<'a, str>),
}

impl Spillable for Detection {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), String> {
        let record = Record {
            time: self.time,
            host: Cow::Borrowed(&self.host),
            rule_id: Cow::Borrowed(&self.rule_id),
            title: Cow::Borrowed(&self.title),
            level: self.level,
            kind: Cow::Borrowed(&self.kind),
            source: Cow::Borrowed(&self.source),
            event_id: self.event_id,
            record_id: self.record_id,
            file: Cow::Borrowed(&self.file),
            position: self.position,
            tags: self
                .tags
                .iter()
                .map(|t| Cow::Borrowed(t.as_str()))
                .collect(),
            fields: self
                .fields
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        Value::Null => RecordValue::Null,
                        Value::Bool(b) => RecordValue::Bool(*b),
                        Value::Int(i) => RecordValue::Int(*i),
                        Value::UInt(u) => RecordValue::UInt(*u),
                        Value::Float(x) => RecordValue::Float(*x),
                        Value::Str(s) => RecordValue::Str(Cow::Borrowed(s)),
                    };
                    (Cow::Borrowed(name), value)
                })
                .collect(),
        };
        *out = postcard::to_extend(&record, std::mem::take(out)).map_err(|e| e.to_string())?;
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let r: Record<'_> = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        let mut fields = FieldList::with_capacity(r.fields.len());
        for (name, value) in r.fields {
            let value = match value {
                RecordValue::Null => Value::Null,
                RecordValue::Bool(b) => Value::Bool(b),
                RecordValue::Int(i) => Value::Int(i),
                RecordValue::UInt(u) => Value::UInt(u),
                RecordValue::Float(x) => Value::Float(x),
                RecordValue::Str(s) => Value::Str(s.into()),
            };
            fields.push(Arc::<str>::from(&*name), value);
        }
        Ok(Detection {
            time: r.time,
            host: r.host.into_owned(),
            rule_id: r.rule_id.into_owned(),
            title: r.title.into_owned(),
            level: r.level,
            kind: r.kind.into_owned(),
            source: r.source.into_owned(),
            event_id: r.event_id,
            record_id: r.record_id,
            file: r.file.into_owned(),
            position: r.position,
            tags: r.tags.into_iter().map(Cow::into_owned).collect(),
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::Store;

    fn detection(i: u64) -> Detection {
        let mut fields = FieldList::default();
        fields.push("Image", Value::from(format!(r"C:\Windows\cmd{i}.exe")));
        fields.push("ProcessId", Value::Int(i as i64));
        fields.push("Big", Value::UInt(u64::MAX));
        fields.push("Ratio", Value::Float(0.5));
        fields.push("Elevated", Value::Bool(true));
        fields.push("Empty", Value::Null);
        Detection {
            time: Timestamp::from_nanos(i as i64 * 1_000_000_000),
            host: format!("WS-{i:02}"),
            rule_id: "r-1".into(),
            title: "A <title> & \"quotes\"".into(),
            level: Level::High,
            kind: "rule".into(),
            source: "Microsoft-Windows-Sysmon/Operational".into(),
            event_id: Some(1),
            record_id: i.is_multiple_of(2).then_some(i),
            file: "x.evtx".into(),
            position: i,
            tags: vec!["attack.t1021".into()],
            fields,
        }
    }

    #[test]
    fn detections_come_back_from_disk_unchanged_and_serialise_the_same() {
        let all: Vec<Detection> = (0..50).map(detection).collect();
        let mut store = Store::new(10);
        for d in &all {
            store.push(d.clone()).unwrap();
        }
        let on_disk: Detections = store.seal().unwrap();
        assert!(on_disk.in_memory().is_none());
        let back: Vec<Detection> = on_disk.iter().map(Cow::into_owned).collect();
        assert_eq!(back, all);
        let in_memory: Detections = all.into();
        assert_eq!(
            serde_json::to_string(&on_disk).unwrap(),
            serde_json::to_string(&in_memory).unwrap()
        );
    }
}
