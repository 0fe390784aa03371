//! Log-source mapping: which events a Sigma `logsource` selects, and how Sigma field names map
//! onto the names those events carry. The tables are data files (`mapping/*.yml`), not code.

use std::collections::BTreeMap;

use serde::Deserialize;
use ward_event::LogSource;

use crate::error::SigmaError;

/// One alternative source of events for a Sigma logsource.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Windows channels (any of, case-insensitive); empty = not selected by channel.
    #[serde(default)]
    pub channel: Vec<String>,
    /// Windows EventIDs (any of); empty = every EventID.
    #[serde(default)]
    pub event_id: Vec<u32>,
    /// Windows provider names (any of); empty = any provider.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Reader product this target selects (non-Windows, or all of Windows).
    #[serde(default)]
    pub product: Option<String>,
    /// Reader service this target selects.
    #[serde(default)]
    pub service: Option<String>,
    /// Reader category this target selects.
    #[serde(default)]
    pub category: Option<String>,
    /// Extra `field: value` conditions the event must meet (a list: any of the values).
    #[serde(default, rename = "where")]
    pub conditions: BTreeMap<String, Spellings>,
    /// Sigma field name → event field name (or several spellings, the first present wins).
    #[serde(default)]
    pub fields: BTreeMap<String, Spellings>,
    /// Event fields this source never carries: a rule that needs one cannot match here.
    #[serde(default)]
    pub absent: Vec<String>,
}

/// One event field name, or several spellings of it (`ThreatName`, `Threat Name`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Spellings {
    /// A single name.
    One(String),
    /// Alternatives, tried in order.
    Many(Vec<String>),
}

impl Spellings {
    /// The names (or values) in order.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Spellings::One(s) => std::slice::from_ref(s),
            Spellings::Many(v) => v,
        }
    }
}

impl Target {
    /// The event field names a rule's `sigma_field` reads under this target, in order.
    pub fn field<'a>(&'a self, sigma_field: &'a str) -> Vec<&'a str> {
        match self.fields.get(sigma_field) {
            None => vec![sigma_field],
            Some(Spellings::One(s)) => vec![s.as_str()],
            Some(Spellings::Many(v)) if v.is_empty() => vec![sigma_field],
            Some(Spellings::Many(v)) => v.iter().map(String::as_str).collect(),
        }
    }

    /// A short description for messages, e.g. `Security 4688`.
    pub fn describe(&self) -> String {
        let ids: Vec<String> = self.event_id.iter().map(u32::to_string).collect();
        let mut parts: Vec<String> = self.channel.clone();
        parts.extend(ids);
        parts.extend(
            [&self.product, &self.service, &self.category]
                .into_iter()
                .flatten()
                .cloned(),
        );
        parts.join(" ")
    }

    /// True when the target is keyed on Windows channels.
    pub fn is_windows_channel(&self) -> bool {
        !self.channel.is_empty()
    }

    /// Whether a non-channel target's product/service/category selector admits `source`.
    pub fn admits_source(&self, source: &LogSource) -> bool {
        fn eq(want: &Option<String>, have: Option<&str>) -> bool {
            match want {
                None => true,
                Some(w) => have.is_some_and(|h| h.eq_ignore_ascii_case(w)),
            }
        }
        eq(&self.product, Some(&source.product))
            && eq(&self.service, source.service.as_deref())
            && eq(&self.category, source.category.as_deref())
    }
}

/// A Sigma logsource and the targets that supply its events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    service: Option<String>,
    select: Vec<Target>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    logsources: Vec<Entry>,
}

/// How a Sigma logsource resolves against the mapping.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// Events come from these targets.
    Targets(Vec<Target>),
    /// A Windows logsource the tables do not know: the rule can never match.
    Unmapped,
}

/// Log-source → event selection and field renames.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    entries: Vec<Entry>,
}

const WINDOWS: &str = include_str!("../mapping/windows.yml");
const NETWORK: &str = include_str!("../mapping/network.yml");

impl Mapping {
    /// Ward's own tables (`mapping/windows.yml` and `mapping/network.yml`).
    pub fn builtin() -> Self {
        let mut m = Mapping::default();
        for (name, text) in [("windows.yml", WINDOWS), ("network.yml", NETWORK)] {
            // The embedded tables are covered by tests; a broken one is a build defect.
            if let Err(e) = m.add_yaml(name, text) {
                panic!("built-in mapping {name} is invalid: {e}");
            }
        }
        m
    }

    /// Adds the entries of a mapping file; later entries win over earlier ones.
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> Result<(), SigmaError> {
        let file: MappingFile = yaml_serde::from_str(text).map_err(|e| SigmaError::Mapping {
            origin: origin.to_string(),
            detail: e.to_string(),
        })?;
        // Later files override: insert in front so lookups find them first.
        let mut entries = file.entries_in_order();
        entries.extend(std::mem::take(&mut self.entries));
        self.entries = entries;
        Ok(())
    }

    /// Resolves a rule's logsource to its targets.
    pub fn resolve(
        &self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
    ) -> Resolved {
        let lower = |s: Option<&str>| s.map(str::to_ascii_lowercase);
        let (p, c, s) = (lower(product), lower(category), lower(service));
        let find = |c: &Option<String>, s: &Option<String>| {
            self.entries.iter().find(|e| {
                same(&e.category, c)
                    && same(&e.service, s)
                    && (e.product.is_none() || same(&e.product, &p))
            })
        };
        let hit = find(&c, &s).or_else(|| {
            if c.is_some() && s.is_some() {
                find(&c, &None)
            } else {
                None
            }
        });
        if let Some(e) = hit {
            return Resolved::Targets(e.select.clone());
        }
        if p.as_deref() == Some("windows") {
            return Resolved::Unmapped;
        }
        // Non-Windows sources pass through: the reader names product/service/category itself.
        Resolved::Targets(vec![Target {
            product: p,
            service: s,
            category: c,
            ..Target::default()
        }])
    }
}

impl MappingFile {
    fn entries_in_order(self) -> Vec<Entry> {
        self.logsources
    }
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(r: Resolved) -> Vec<Target> {
        match r {
            Resolved::Targets(t) => t,
            Resolved::Unmapped => panic!("unmapped"),
        }
    }

    #[test]
    fn process_creation_reads_sysmon_and_security_4688() {
        let m = Mapping::builtin();
        let t = targets(m.resolve(Some("windows"), Some("process_creation"), None));
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].channel, ["Microsoft-Windows-Sysmon/Operational"]);
        assert_eq!(t[0].event_id, [1]);
        assert_eq!(t[1].event_id, [4688]);
        assert_eq!(t[1].field("Image"), ["NewProcessName"]);
        assert_eq!(t[1].field("CommandLine"), ["CommandLine"]);
    }

    #[test]
    fn services_map_to_channels_and_unknown_windows_is_unmapped() {
        let m = Mapping::builtin();
        let t = targets(m.resolve(Some("windows"), None, Some("security")));
        assert_eq!(t[0].channel, ["Security"]);
        assert!(matches!(
            m.resolve(Some("windows"), None, Some("no-such-log")),
            Resolved::Unmapped
        ));
    }

    #[test]
    fn network_categories_include_zeek() {
        let m = Mapping::builtin();
        let t = targets(m.resolve(None, Some("dns"), None));
        // Any `dns` source, Zeek DNS, Sysmon 22 and the Windows DNS-Client log.
        assert_eq!(t.len(), 4);
        assert_eq!(t[1].product.as_deref(), Some("zeek"));
        let zeek_dns = LogSource::other("zeek", Some("dns"), None);
        assert!(t[1].admits_source(&zeek_dns));
        assert!(!t[0].admits_source(&zeek_dns));
        let pass = targets(m.resolve(Some("zeek"), None, Some("smb_files")));
        assert!(pass[0].admits_source(&LogSource::other("zeek", Some("smb_files"), None)));
    }
}
