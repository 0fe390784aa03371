//! Vulnerability feeds: CISA's Known Exploited Vulnerabilities catalogue (JSON) and OSV records
//! (one record, an array of them, or an OSV API `{"vulns": [...]}` answer).

use super::FileFacts;
use serde_json::Value as Json;

/// One KEV entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kev {
    /// CVE id.
    pub cve: String,
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
}

/// One OSV range event, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RangeEvent {
    /// Affected from this version (`0` = from the start).
    Introduced(String),
    /// Fixed in this version.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
}

/// One affected package of an OSV record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OsvPackage {
    /// Package name.
    pub name: String,
    /// Range events, one list per range.
    pub ranges: Vec<Vec<RangeEvent>>,
    /// Versions listed one by one.
    pub versions: Vec<String>,
}

/// One OSV record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OsvVuln {
    /// OSV id.
    pub id: String,
    /// CVE aliases.
    pub aliases: Vec<String>,
    /// Affected packages.
    pub packages: Vec<OsvPackage>,
}

/// Reads a KEV or OSV document into `facts`; false when it is neither.
pub(crate) fn read_json(json: &Json, facts: &mut FileFacts) -> bool {
    if let Some(list) = json.get("vulnerabilities").and_then(Json::as_array) {
        let before = facts.kev.len();
        facts.kev.extend(list.iter().filter_map(kev));
        return facts.kev.len() > before || list.is_empty();
    }
    let records: Vec<&Json> = match json {
        Json::Array(items) => items.iter().collect(),
        Json::Object(_) if json.get("vulns").is_some() => json["vulns"]
            .as_array()
            .map(|v| v.iter().collect())
            .unwrap_or_default(),
        Json::Object(_) => vec![json],
        _ => return false,
    };
    let vulns: Vec<OsvVuln> = records.into_iter().filter_map(osv).collect();
    if vulns.is_empty() {
        return false;
    }
    facts.osv.extend(vulns);
    true
}

fn s(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(Json::as_str).map(str::to_string)
}

fn kev(entry: &Json) -> Option<Kev> {
    Some(Kev {
        cve: s(entry, "cveID")?,
        vendor: s(entry, "vendorProject").unwrap_or_default(),
        product: s(entry, "product")?,
    })
}

fn osv(record: &Json) -> Option<OsvVuln> {
    let id = s(record, "id")?;
    let affected = record.get("affected")?.as_array()?;
    let packages = affected.iter().filter_map(package).collect();
    let aliases = record
        .get("aliases")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(OsvVuln {
        id,
        aliases,
        packages,
    })
}

fn package(affected: &Json) -> Option<OsvPackage> {
    let name = affected.get("package").and_then(|p| s(p, "name"))?;
    let ranges = affected
        .get("ranges")
        .and_then(Json::as_array)
        .map(|rs| {
            rs.iter()
                .filter(|r| r.get("type").and_then(Json::as_str) != Some("GIT"))
                .filter_map(|r| r.get("events").and_then(Json::as_array))
                .map(|evs| evs.iter().filter_map(range_event).collect())
                .collect()
        })
        .unwrap_or_default();
    let versions = affected
        .get("versions")
        .and_then(Json::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(OsvPackage {
        name,
        ranges,
        versions,
    })
}

fn range_event(e: &Json) -> Option<RangeEvent> {
    if let Some(v) = s(e, "introduced") {
        Some(RangeEvent::Introduced(v))
    } else if let Some(v) = s(e, "fixed") {
        Some(RangeEvent::Fixed(v))
    } else {
        s(e, "last_affected").map(RangeEvent::LastAffected)
    }
}

/// Whether `version` falls in one OSV range (events in order): `fixed in X`, `up to X`, or
/// `no fix listed`; `None` when outside.
pub(crate) fn affects(events: &[RangeEvent], version: &str) -> Option<String> {
    use crate::version::compare_versions;
    use std::cmp::Ordering::*;
    let mut inside = false;
    for e in events {
        match e {
            RangeEvent::Introduced(v) => inside = v == "0" || compare_versions(version, v) != Less,
            RangeEvent::Fixed(v) if inside => {
                if compare_versions(version, v) == Less {
                    return Some(format!("fixed in {v}"));
                }
                inside = false;
            }
            RangeEvent::LastAffected(v) if inside => {
                if compare_versions(version, v) != Greater {
                    return Some(format!("affected up to {v}"));
                }
                inside = false;
            }
            _ => {}
        }
    }
    inside.then(|| "no fix listed".to_string())
}
