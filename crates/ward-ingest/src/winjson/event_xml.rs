//! The Windows event XML rendered as JSON: `{"Event":{"System":{…},"EventData":{…}}}`. Two
//! spellings of attributes are read by the same visitors: evtx / evtx_dump nest them under
//! `#attributes`, PowerShell's XML-to-JSON prefixes them with `@`. Element text is `#text` (or
//! the bare value). The EVTX reader parses every record through here too.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use ward_event::Value;

use super::values::{Scalar, Text, number};
use crate::windows::{Sys, System, WinRecord};

/// Reads the value of the `Event` key into `record`.
pub(crate) struct EventSeed<'a, 'de>(pub &'a mut WinRecord<'de>);

impl<'de> DeserializeSeed<'de> for EventSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an Event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.0;
        while let Some(Text(key)) = map.next_key::<Text>()? {
            match &*key {
                "System" => map.next_value_seed(SystemSeed(&mut record.system))?,
                "EventData" | "UserData" => map.next_value_seed(Element {
                    name: key,
                    out: &mut record.data,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The `System` element.
struct SystemSeed<'a>(&'a mut System);

impl<'de> DeserializeSeed<'de> for SystemSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SystemSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a System object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sys = self.0;
        while let Some(Text(key)) = map.next_key::<Text>()? {
            let text_slot = match &*key {
                "EventID" => Some(Sys::EventId),
                "Version" => Some(Sys::Version),
                "Level" => Some(Sys::Level),
                "Task" => Some(Sys::Task),
                "Opcode" => Some(Sys::Opcode),
                "Keywords" => Some(Sys::Keywords),
                "EventRecordID" => Some(Sys::RecordId),
                "Channel" => Some(Sys::Channel),
                "Computer" => Some(Sys::Computer),
                _ => None,
            };
            let attrs: &[(&str, Option<Sys>)] = match &*key {
                "Provider" => &[("Name", Some(Sys::Provider))],
                "TimeCreated" => &[("SystemTime", None)],
                "Execution" => &[
                    ("ProcessID", Some(Sys::ProcessId)),
                    ("ThreadID", Some(Sys::ThreadId)),
                ],
                "Security" => &[("UserID", Some(Sys::UserId))],
                _ => &[],
            };
            if text_slot.is_none() && attrs.is_empty() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let parts = map.next_value_seed(PartsSeed)?;
            if let (Some(slot), Some(text)) = (text_slot, parts.text) {
                sys.set(slot, text);
            }
            for (name, value) in parts.attrs {
                match attrs.iter().find(|(wanted, _)| *wanted == name) {
                    Some((_, Some(slot))) => sys.set(*slot, value),
                    Some((_, None)) => sys.time = Some(value),
                    None => {}
                }
            }
        }
        Ok(())
    }
}

/// A System child: its text and its attributes.
#[derive(Default)]
struct Parts<'de> {
    text: Option<Value>,
    attrs: Vec<(Cow<'de, str>, Value)>,
}

struct PartsSeed;

impl<'de> DeserializeSeed<'de> for PartsSeed {
    type Value = Parts<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parts<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PartsSeed {
    type Value = Parts<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a System element")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Parts<'de>, E> {
        Ok(Parts {
            text: Some(Value::Bool(v)),
            ..Parts::default()
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Parts<'de>, E> {
        Ok(Parts {
            text: Some(Value::Int(v)),
            ..Parts::default()
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Parts<'de>, E> {
        Ok(Parts {
            text: Some(number(v)),
            ..Parts::default()
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Parts<'de>, E> {
        Ok(Parts {
            text: Some(Value::Float(v)),
            ..Parts::default()
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Parts<'de>, E> {
        Ok(Parts {
            text: Some(Value::from(v)),
            ..Parts::default()
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Parts<'de>, E> {
        Ok(Parts::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parts<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Parts::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts<'de>, A::Error> {
        let mut parts = Parts::default();
        while let Some(Text(key)) = map.next_key::<Text>()? {
            if key == "#attributes" {
                let AttrMap(attrs) = map.next_value()?;
                parts.attrs.extend(attrs);
            } else if key == "#text" {
                parts.text = map.next_value::<Scalar>()?.0;
            } else if let Some(name) = strip_at(&key) {
                if let Some(value) = map.next_value::<Scalar>()?.0 {
                    parts.attrs.push((name, value));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(parts)
    }
}

/// `"@Name"` → `Name`, keeping the borrow.
fn strip_at<'de>(key: &Cow<'de, str>) -> Option<Cow<'de, str>> {
    match key {
        Cow::Borrowed(k) => k.strip_prefix('@').map(Cow::Borrowed),
        Cow::Owned(k) => k.strip_prefix('@').map(|s| Cow::Owned(s.to_owned())),
    }
}

/// The `#attributes` object: name → scalar.
struct AttrMap<'de>(Vec<(Cow<'de, str>, Value)>);

impl<'de> de::Deserialize<'de> for AttrMap<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttrMap<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttrMap<'de>, A::Error> {
                let mut attrs = Vec::new();
                while let Some(Text(key)) = map.next_key::<Text>()? {
                    if let Some(value) = map.next_value::<Scalar>()?.0 {
                        attrs.push((key, value));
                    }
                }
                Ok(AttrMap(attrs))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AttrMap<'de>, E> {
                Ok(AttrMap(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// An element of EventData or UserData, flattened into named leaves: a scalar is a field named
/// after its element; `#text` belongs to the element (renamed by a `Name` attribute, as
/// `<Data Name="Image">` is); other attributes are dropped; arrays repeat the name, and so do
/// the `_1`, `_2`, … keys the `evtx` crate gives an element whose name repeats (4648's second
/// `LogonGuid` is `LogonGuid_1` there, a second value of `LogonGuid` here).
struct Element<'a, 'de> {
    name: Cow<'de, str>,
    out: &'a mut Vec<(Cow<'de, str>, Value)>,
}

impl<'de> DeserializeSeed<'de> for Element<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Element<'_, 'de> {
    fn leaf<E>(self, value: Value) -> Result<(), E> {
        self.out.push((self.name, value));
        Ok(())
    }
}

impl<'de> Visitor<'de> for Element<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event data element")
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
        // `"EventData": null` has no fields; `"Image": null` is an empty field.
        if self.name == "EventData" || self.name == "UserData" {
            return Ok(());
        }
        self.leaf(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Element {
                name: self.name.clone(),
                out: self.out,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Only `<Data Name="…">` is renamed; `<EventData Name="…">` names the template, not a field.
        let renames = self.name == "Data";
        let start = self.out.len();
        let mut renamed: Option<Cow<'de, str>> = None;
        let mut texts = Vec::new();
        let mut saw_text = false;
        while let Some(Text(key)) = map.next_key::<Text>()? {
            if key == "#attributes" {
                let AttrMap(attrs) = map.next_value()?;
                if renames {
                    renamed = renamed.or_else(|| name_attr(attrs));
                }
            } else if key == "#text" {
                saw_text = true;
                map.next_value_seed(Element {
                    name: Cow::Borrowed(""),
                    out: &mut texts,
                })?;
            } else if let Some(attr) = strip_at(&key) {
                let value = map.next_value::<Scalar>()?.0;
                if renames && attr == "Name" {
                    renamed = renamed.or(value.map(|v| Cow::Owned(v.to_string())));
                }
            } else {
                let name = unnumbered(key, &self.out[start..]);
                map.next_value_seed(Element {
                    name,
                    out: self.out,
                })?;
            }
        }
        let name = renamed.clone().unwrap_or(self.name);
        if texts.is_empty() && renamed.is_some() && !saw_text {
            self.out.push((name.clone(), Value::Null));
        }
        self.out
            .extend(texts.into_iter().map(|(_, v)| (name.clone(), v)));
        Ok(())
    }
}

/// `Name_N` as `Name` when it is the `N`th repeat of `Name` among the fields read so far from
/// the same element (`siblings`); any other key as it is.
fn unnumbered<'de>(key: Cow<'de, str>, siblings: &[(Cow<'de, str>, Value)]) -> Cow<'de, str> {
    let Some((base, digits)) = key.rsplit_once('_') else {
        return key;
    };
    let numbered =
        !base.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit());
    let repeats = match digits.parse::<usize>() {
        Ok(n) if numbered => siblings.iter().filter(|(k, _)| k == base).count() >= n,
        _ => false,
    };
    if !repeats {
        return key;
    }
    let len = base.len();
    match key {
        Cow::Borrowed(k) => Cow::Borrowed(&k[..len]),
        Cow::Owned(mut k) => {
            k.truncate(len);
            Cow::Owned(k)
        }
    }
}

fn name_attr(attrs: Vec<(Cow<'_, str>, Value)>) -> Option<Cow<'static, str>> {
    attrs
        .into_iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| Cow::Owned(v.to_string()))
}
