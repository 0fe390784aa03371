//! Flattens a JSON object into `(dotted.path, scalar)` pairs, for the shapes whose records are
//! plain documents (NXLog, Winlogbeat). Top-level keys stay borrowed; array items repeat the path.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use ward_event::Value;

use super::values::{Text, number};

/// Flattened pairs in document order.
pub(crate) type Flat<'de> = Vec<(Cow<'de, str>, Value)>;

/// Reads one value found at `path` into `out`.
pub(crate) struct FlatSeed<'a, 'de> {
    /// Dotted path of the value.
    pub path: Cow<'de, str>,
    /// Where the pairs go.
    pub out: &'a mut Flat<'de>,
}

impl<'de> DeserializeSeed<'de> for FlatSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> FlatSeed<'_, 'de> {
    fn leaf<E>(self, value: Value) -> Result<(), E> {
        self.out.push((self.path, value));
        Ok(())
    }
}

impl<'de> Visitor<'de> for FlatSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(number(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.leaf(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.leaf(Value::from(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(FlatSeed {
                path: self.path.clone(),
                out: self.out,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Text(key)) = map.next_key::<Text>()? {
            let path = Cow::Owned(format!("{}.{}", self.path, key));
            map.next_value_seed(FlatSeed {
                path,
                out: self.out,
            })?;
        }
        Ok(())
    }
}
