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
///
/// A field may have several values: its name then occurs once per value, in reading order
/// (unnamed `<Data>` elements all named `Data`, a repeated XML element, the items of a JSON
/// array). [`Fields::get`] gives the first value, [`Fields::get_all`] every one; rules match a
/// field when any of its values matches.
pub trait Fields {
    /// The first value of the field called `name` (exact, case-sensitive), if present.
    fn get(&self, name: &str) -> Option<&Value>;

    /// Calls `f` for every field, in the order read; a field with several values is visited
    /// once per value. Keyword (field-less) rules and outputs use it.
    fn for_each_field(&self, f: &mut dyn FnMut(&str, &Value));

    /// Calls `f` with every value of the field called `name`, in the order read.
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
///
/// A field with several values is stored as one entry per value under the same name, so a
/// single-valued field (nearly all of them) costs one entry and no extra allocation, and every
/// reader keeps appending with [`FieldList::push`].
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

    /// Appends a field, or one more value of a field already present.
    pub fn push(&mut self, name: impl Into<FieldName>, value: Value) {
        self.entries.push((name.into(), value));
    }

    /// Replaces the first value of the field called `name`, or appends it.
    pub fn set(&mut self, name: impl Into<FieldName>, value: Value) {
        let name = name.into();
        match self.entries.iter_mut().find(|(k, _)| **k == *name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Number of entries (a field with several values counts once per value).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order, one per value.
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

    /// Every value of `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| **k == *name)
            .map(|(_, v)| v)
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

    fn get_all(&self, name: &str, f: &mut dyn FnMut(&Value)) {
        self.values(name).for_each(f)
    }
}

impl serde::Serialize for FieldList {
    /// As a JSON object in reading order; a field with several values is one key holding the
    /// array of its values.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (i, (k, v)) in self.entries.iter().enumerate() {
            let (before, after) = (&self.entries[..i], &self.entries[i + 1..]);
            if before.iter().any(|(p, _)| p == k) {
                continue;
            }
            if after.iter().any(|(p, _)| p == k) {
                map.serialize_entry(
                    &**k,
                    &AllValues {
                        list: self,
                        name: k,
                    },
                )?;
            } else {
                map.serialize_entry(&**k, v)?;
            }
        }
        map.end()
    }
}

/// The values of one field with several, serialised as an array.
struct AllValues<'a> {
    list: &'a FieldList,
    name: &'a str,
}

impl serde::Serialize for AllValues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list.values(self.name))
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

    /// A PowerShell classic event: three unnamed `<Data>` values, all kept under `Data`.
    fn engine_started() -> FieldList {
        let mut f = FieldList::default();
        f.push("EventID", Value::Int(400));
        f.push("Data", Value::from("Available"));
        f.push("Data", Value::from("None"));
        f.push("Data", Value::from("HostName=ConsoleHost"));
        f
    }

    #[test]
    fn a_repeated_name_keeps_every_value_in_order() {
        let f = engine_started();
        assert_eq!(f.get_str("Data"), Some("Available"));
        let all: Vec<String> = f.values("Data").map(Value::to_string).collect();
        assert_eq!(all, ["Available", "None", "HostName=ConsoleHost"]);
        let mut seen = Vec::new();
        Fields::get_all(&f, "Data", &mut |v| seen.push(v.to_string()));
        assert_eq!(seen, all);
        assert_eq!(f.values("Missing").count(), 0);
    }

    #[test]
    fn json_shows_every_value_of_a_repeated_name_as_an_array() {
        let json = serde_json::to_string(&engine_started()).unwrap();
        assert_eq!(
            json,
            r#"{"EventID":400,"Data":["Available","None","HostName=ConsoleHost"]}"#
        );
    }
}
