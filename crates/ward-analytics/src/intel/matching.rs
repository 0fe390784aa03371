//! Matching indicators against host events (Sysmon hashes, destination addresses and names,
//! DNS queries) and network facts (destination address, name, URL), and folding repeated hits
//! into one finding per host and indicator.

use super::{Indicator, Intel};
use crate::case::{Evidence, Finding};
use crate::directory::AddressBook;
use crate::network::NetFact;
use std::collections::BTreeMap;
use std::net::IpAddr;
use ward_event::{Event, Fields, Level, Value};

/// Host-event fields holding an address, a name or file hashes.
const ADDRESS_FIELDS: [&str; 2] = ["DestinationIp", "DestinationAddress"];
const NAME_FIELDS: [&str; 3] = ["QueryName", "DestinationHostname", "query"];
const HASH_FIELDS: [&str; 5] = ["Hashes", "Hash", "md5", "sha1", "sha256"];

/// The first indicator a host event matches: file hashes (`SHA256=…,MD5=…`), a destination
/// address, a DNS query (Sysmon 22 `QueryName`, Zeek `query`) or destination host name.
pub fn intel_match_event(intel: &Intel, e: &Event) -> Option<Finding> {
    if intel.is_empty() {
        return None;
    }
    let text = |name: &str| e.get(name).and_then(Value::as_str).map(str::trim);
    for field in HASH_FIELDS {
        let Some(raw) = text(field) else { continue };
        for part in raw.split(',') {
            let hash = part.split_once('=').map(|(_, h)| h).unwrap_or(part);
            if let Some(i) = intel.match_hash(hash) {
                return Some(event_finding(e, i, field, hash.trim()));
            }
        }
    }
    for field in ADDRESS_FIELDS {
        let ip = text(field).and_then(|s| s.parse::<IpAddr>().ok());
        if let Some((ip, i)) = ip.and_then(|ip| intel.match_ip(&ip).map(|i| (ip, i))) {
            return Some(event_finding(e, i, field, &ip.to_string()));
        }
    }
    for field in NAME_FIELDS {
        let Some(name) = text(field).filter(|n| !n.is_empty() && *n != "-") else {
            continue;
        };
        if let Some(i) = intel.match_domain(name) {
            return Some(event_finding(e, i, field, name));
        }
    }
    None
}

fn event_finding(e: &Event, i: &Indicator, field: &str, seen: &str) -> Finding {
    let evidence = Evidence {
        time: e.time,
        host: e.host.short().to_string(),
        file: e.origin.file.to_string(),
        position: e.origin.position,
        record_id: e.record_id,
        kind: e
            .source
            .event_id
            .map(|id| id.to_string())
            .unwrap_or_else(|| e.source.label()),
        summary: format!("{field} = {seen}"),
    };
    // Network logs (a Zeek DNS query) name no host: the asking address stands for it.
    let host = match e.host.short() {
        "" => e.get("src_ip").and_then(Value::as_str).unwrap_or(""),
        short => short,
    };
    let evidence = Evidence {
        host: host.to_string(),
        ..evidence
    };
    finding(host, i, field, seen, evidence)
}

/// The first indicator a network fact matches: the URL, the destination name (or a parent
/// domain), then the destination address.
pub fn intel_match_net(intel: &Intel, fact: &NetFact) -> Option<Finding> {
    if intel.is_empty() {
        return None;
    }
    let f = match fact {
        NetFact::Connection(f) | NetFact::WebRequest(f, _) => f,
        // The query's event is matched by `intel_match_event` (its `query`/`QueryName`).
        NetFact::Dns(_) => return None,
    };
    let mut hit: Option<(&Indicator, &str, String)> = None;
    if let NetFact::WebRequest(_, w) = fact {
        let query = if w.query.is_empty() { "" } else { "?" };
        let url = format!("{}{}{query}{}", w.host, w.path, w.query);
        hit = intel.match_url(&url).map(|i| (i, "url", url.clone()));
        if hit.is_none() && !w.host.is_empty() {
            hit = match_name_or_ip(intel, &w.host).map(|i| (i, "host", w.host.to_string()));
        }
    }
    if hit.is_none()
        && let Some(name) = &f.dst_name
    {
        hit = match_name_or_ip(intel, name).map(|i| (i, "dst_host", name.to_string()));
    }
    if hit.is_none()
        && let Some(dst) = f.dst
    {
        hit = intel.match_ip(&dst).map(|i| (i, "dst_ip", dst.to_string()));
    }
    let (i, field, seen) = hit?;
    let port = f.dport.map(|p| format!(":{p}")).unwrap_or_default();
    let evidence = f.evidence(format!("{} → {seen}{port}", f.src));
    Some(finding(&f.src.to_string(), i, field, &seen, evidence))
}

fn match_name_or_ip<'a>(intel: &'a Intel, name: &str) -> Option<&'a Indicator> {
    match name.parse::<IpAddr>() {
        Ok(ip) => intel.match_ip(&ip),
        Err(_) => intel.match_domain(name),
    }
}

fn finding(host: &str, i: &Indicator, field: &str, seen: &str, e: Evidence) -> Finding {
    let label = i.name.as_deref().unwrap_or(&i.value);
    let mut details = BTreeMap::new();
    details.insert("indicator".into(), serde_json::json!(i.value));
    details.insert("indicator_kind".into(), serde_json::json!(i.kind.label()));
    details.insert("indicator_source".into(), serde_json::json!(i.source));
    details.insert("field".into(), serde_json::json!(field));
    details.insert("matched".into(), serde_json::json!(seen));
    details.insert("count".into(), serde_json::json!(1));
    if let Some(n) = &i.name {
        details.insert("name".into(), serde_json::json!(n));
    }
    if let Some(d) = &i.description {
        details.insert("description".into(), serde_json::json!(d));
    }
    Finding {
        analytic: crate::Analytic::IntelMatch,
        title: format!("Threat intel: {host} matched {} {label}", i.kind.label()),
        level: Level::High,
        host: host.to_string(),
        first_seen: e.time,
        last_seen: e.time,
        summary: format!(
            "{field} {seen} matches the {} indicator {} ({})",
            i.kind.label(),
            i.value,
            i.description.as_deref().unwrap_or(label)
        ),
        details,
        evidence: vec![e],
    }
}

/// Intel hits folded into one finding per host and indicator (a beacon matches every few
/// minutes), with a count and the first few evidence lines.
#[derive(Debug, Clone, Default)]
pub struct IntelHits {
    by_key: BTreeMap<(String, String), Finding>,
    max_evidence: usize,
}

impl IntelHits {
    /// Folds hits, keeping at most `max_evidence` evidence lines each.
    pub fn new(max_evidence: usize) -> Self {
        IntelHits {
            by_key: BTreeMap::new(),
            max_evidence,
        }
    }

    /// Adds one hit from [`intel_match_event`] or [`intel_match_net`].
    pub fn push(&mut self, hit: Finding) {
        let indicator = hit.details.get("indicator").map(|v| v.to_string());
        let key = (hit.host.clone(), indicator.unwrap_or_default());
        match self.by_key.get_mut(&key) {
            None => {
                self.by_key.insert(key, hit);
            }
            Some(f) => merge(f, hit, self.max_evidence),
        }
    }

    /// Hosts and indicators held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.by_key.len()
    }

    /// The folded findings, by first sighting, hosts named from `book` (network hits carry an
    /// address until then; a host's event and network hits on one indicator become one).
    pub fn finish(self, book: &AddressBook) -> Vec<Finding> {
        let mut all: Vec<Finding> = self.by_key.into_values().collect();
        book.name_findings(&mut all);
        let mut named = IntelHits::new(self.max_evidence);
        for f in all {
            named.push(f);
        }
        let mut out: Vec<Finding> = named.by_key.into_values().collect();
        for f in &mut out {
            f.evidence.sort_by_key(|e| e.time);
        }
        out.sort_by(|a, b| (a.first_seen, &a.host).cmp(&(b.first_seen, &b.host)));
        out
    }
}

/// Folds `hit` into `f`: times widen, counts add, evidence fills up to the cap.
fn merge(f: &mut Finding, hit: Finding, max_evidence: usize) {
    f.first_seen = f.first_seen.min(hit.first_seen);
    f.last_seen = f.last_seen.max(hit.last_seen);
    let count = |x: &Finding| x.details.get("count").and_then(|c| c.as_u64()).unwrap_or(1);
    let n = count(f) + count(&hit);
    f.details.insert("count".into(), serde_json::json!(n));
    let room = max_evidence.saturating_sub(f.evidence.len());
    f.evidence.extend(hit.evidence.into_iter().take(room));
}
