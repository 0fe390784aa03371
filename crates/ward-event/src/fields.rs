//! Flat field storage and the [`Fields`] lookup trait.

use std::fmt;
use std::sync::Arc;

/// A field value as read from a log. Numbers keep their type so rules can compare them
/// numerically, and still match as text the way Sigma expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// JSON `null`, or an element present with no content.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer too large for `i64`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Str(Box<str>),
}

impl Value {
    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, parsing text that holds one (`"4688"`, `"0x1F"`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            Value::Str(s) => parse_int(s),
            _ => None,
        }
    }

    /// The value as a float, parsing text that holds a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::UInt(u) => Some(*u as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Writes the value's text form into `buf` (cleared first) and returns it; strings are
    /// returned without copying.
    pub fn text<'a>(&'a self, buf: &'a mut String) -> &'a str {
        use std::fmt::Write;
        match self {
            Value::Str(s) => s,
            other => {
                buf.clear();
                let _ = write!(buf, "{other}");
                buf
            }
        }
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()
    } else {
        s.parse().ok()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s.into_boxed_str())
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::UInt(u) => s.serialize_u64(*u),
            Value::Float(x) => s.serialize_f64(*x),
            Value::Str(t) => s.serialize_str(t),
        }
    }
}

/// Look a field up by name. Implemented by [`crate::Event`] and by anything else rules should
/// run over (a test fixture, a network record).
pub trait Fields {
    /// The first value of the field called `name` (exact, case-sensitive), if present.
    fn get(&self, name: &str) -> Option<&Value>;

    /// Calls `f` for every field, in the order read. Keyword (field-less) rules and outputs use it.
    fn for_each_field(&self, f: &mut dyn FnMut(&str, &Value));

    /// Every value of the field called `name` (a field may repeat, e.g. unnamed `Data`).
    fn get_all(&self, name: &str, f: &mut dyn FnMut(&Value)) {
        self.for_each_field(&mut |k, v| {
            if k == name {
                f(v)
            }
        })
    }
}

/// Field names shared between the events of one input, so a file of a million events holds
/// each name once.
pub type FieldName = Arc<str>;

/// An event's fields in reading order. Lookup is a linear scan: Windows events carry a few
/// dozen fields, where a scan beats hashing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldList {
    entries: Vec<(FieldName, Value)>,
}

impl FieldList {
    /// An empty list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        FieldList {
            entries: Vec::with_capacity(n),
        }
    }

    /// Appends a field.
    pub fn push(&mut self, name: impl Into<FieldName>, value: Value) {
        self.entries.push((name.into(), value));
    }

    /// Replaces the first field called `name`, or appends it.
    pub fn set(&mut self, name: impl Into<FieldName>, value: Value) {
        let name = name.into();
        match self.entries.iter_mut().find(|(k, _)| **k == *name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| **k == *name)
            .map(|(_, v)| v)
    }

    /// The first value of `name` as text, if it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
}

impl Fields for FieldList {
    fn get(&self, name: &str) -> Option<&Value> {
        FieldList::get(self, name)
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, &Value)) {
        for (k, v) in &self.entries {
            f(k, v)
        }
    }
}

impl serde::Serialize for FieldList {
    /// As a JSON object; a repeated name keeps its first value.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        let mut seen: Vec<&str> = Vec::with_capacity(self.entries.len());
        for (k, v) in &self.entries {
            if seen.contains(&&**k) {
                continue;
            }
            seen.push(k);
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_from_text() {
        assert_eq!(Value::from("4688").as_i64(), Some(4688));
        assert_eq!(Value::from("0x1F").as_i64(), Some(31));
        assert_eq!(Value::from("abc").as_i64(), None);
        assert_eq!(Value::Float(3.0).as_i64(), Some(3));
    }

    #[test]
    fn set_replaces_the_first_value() {
        let mut f = FieldList::default();
        f.push("A", Value::Int(1));
        f.set("A", Value::Int(2));
        f.set("B", Value::Null);
        assert_eq!(f.get("A"), Some(&Value::Int(2)));
        assert_eq!(f.len(), 2);
    }
}
