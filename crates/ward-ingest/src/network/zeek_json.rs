//! One Zeek JSON object into a flat field list, without building a JSON tree: scalars keep
//! their type, arrays become comma-joined text (as Zeek's TSV writes sets), nested objects
//! are flattened with `.`.

use super::record::RecordBuilder;
use super::zeek::normalise_name;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use ward_event::Value;

/// Parses `line` (one JSON object) into `rec`.
pub(crate) fn fill(line: &str, rec: &mut RecordBuilder) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(line);
    ObjectSeed {
        prefix: String::new(),
        rec,
    }
    .deserialize(&mut de)
    .map_err(|e| format!("JSON: {e}"))?;
    de.end().map_err(|e| format!("JSON: {e}"))
}

struct ObjectSeed<'r> {
    prefix: String,
    rec: &'r mut RecordBuilder,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let name = format!("{}{}", self.prefix, normalise_name(&key));
            let prefix = format!("{name}.");
            map.next_value_seed(FieldSeed {
                name,
                prefix,
                rec: &mut *self.rec,
            })?;
        }
        Ok(())
    }
}

struct FieldSeed<'r> {
    name: String,
    prefix: String,
    rec: &'r mut RecordBuilder,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.rec.value(&self.name, Value::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.rec.value(&self.name, Value::Int(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        let value = i64::try_from(v).map_or(Value::UInt(v), Value::Int);
        self.rec.value(&self.name, value);
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.rec.value(&self.name, Value::Float(v));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.rec.value(&self.name, Value::from(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items: Vec<String> = Vec::new();
        while let Some(item) = seq.next_element::<Scalar>()? {
            items.push(item.0);
        }
        self.rec.value(&self.name, Value::from(items.join(",")));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        ObjectSeed {
            prefix: self.prefix,
            rec: self.rec,
        }
        .visit_map(map)
    }
}

/// An array element as text; nested containers are kept as compact JSON.
struct Scalar(String);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Scalar(match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_and_types() {
        let mut rec = RecordBuilder::new();
        fill(r#"{"id_orig_h":"1.2.3.4","n":{"a":1,"b":[1,"x"]},"ok":true,"big":18446744073709551615,"z":null}"#, &mut rec).unwrap();
        let f = &rec.fields;
        assert_eq!(f.get_str("id.orig_h"), Some("1.2.3.4"));
        assert_eq!(f.get("n.a"), Some(&Value::Int(1)));
        assert_eq!(f.get_str("n.b"), Some("1,x"));
        assert_eq!(f.get("ok"), Some(&Value::Bool(true)));
        assert_eq!(f.get("big"), Some(&Value::UInt(u64::MAX)));
        assert!(f.get("z").is_none());
        assert!(fill("{\"a\":", &mut RecordBuilder::new()).is_err());
        assert!(fill("{} trailing", &mut RecordBuilder::new()).is_err());
    }
}
