//! What the STIX bundle and the MISP event share about an indicator: its value checked for its
//! kind, ids derived from the case and the content (UUIDv5), and timestamps taken from the case,
//! never the clock — the same case gives the same bytes, and a re-shared kit updates rather than
//! duplicates what a receiving platform already holds.

use crate::kit::{Indicator, IndicatorKind, Kit};
use jiff::Timestamp;
use std::net::IpAddr;
use uuid::Uuid;

/// Ward's namespace for name-based ids (a fixed, random v4 UUID).
const WARD_NAMESPACE: Uuid = Uuid::from_u128(0x6f2d_6c1e_4b0a_4c3e_9a57_21d8_e4b3_f905);

/// A deterministic UUID (v5) for `parts` (the case time, the object's type, its content).
pub fn uuid_for(parts: &[&str]) -> Uuid {
    // A separator no part can forge: each part is length-prefixed.
    let mut name = Vec::new();
    for p in parts {
        name.extend_from_slice(p.len().to_string().as_bytes());
        name.push(b':');
        name.extend_from_slice(p.as_bytes());
    }
    Uuid::new_v5(&WARD_NAMESPACE, &name)
}

/// [`uuid_for`] stamped as version 4, for STIX domain and relationship objects: STIX 2.1 asks
/// them to carry v4 ids (the validator warns on v5), and a hash is as unpredictable as v4's
/// random bits while keeping the id a function of the case.
pub fn stix_uuid_for(parts: &[&str]) -> Uuid {
    uuid::Builder::from_random_bytes(*uuid_for(parts).as_bytes()).into_uuid()
}

/// `t` as a STIX/MISP timestamp: UTC, millisecond precision (`2026-03-02T10:00:06.854Z`), or
/// `None` when it is not RFC 3339.
pub fn timestamp(t: &str) -> Option<String> {
    let ts: Timestamp = t.trim().parse().ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Seconds since the epoch of a timestamp [`timestamp`] accepted.
pub fn epoch_seconds(t: &str) -> Option<i64> {
    t.parse::<Timestamp>().ok().map(|ts| ts.as_second())
}

/// The time every shared object is stamped with: the case's, else the earliest sighting, else
/// the epoch (and why, for the refused list).
pub fn case_timestamp(case_time: &str, indicators: &[Indicator]) -> (String, Option<String>) {
    if let Some(t) = timestamp(case_time) {
        return (t, None);
    }
    let earliest = indicators
        .iter()
        .filter_map(|i| i.first_seen.as_deref().and_then(timestamp))
        .min();
    let used = earliest.unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
    let why = format!("case time {case_time:?} is not RFC 3339: stamped the objects {used}");
    (used, Some(why))
}

/// The TLP levels `--tlp` accepts, lower-case as TLP 2.0 writes them.
pub const TLP_LEVELS: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];

/// The TLP level to mark the shared files with: `tlp` when it is one of [`TLP_LEVELS`], else
/// TLP:RED (never share more widely than asked) and why.
pub fn tlp_level(tlp: &str) -> (&'static str, Option<String>) {
    let t = tlp.trim().to_ascii_lowercase();
    let t = t.strip_prefix("tlp:").unwrap_or(&t);
    match TLP_LEVELS.iter().find(|l| **l == t) {
        Some(l) => (l, None),
        None => (
            "red",
            Some(format!(
                "TLP {tlp:?} is not one of {}: marked TLP:RED",
                TLP_LEVELS.join(", ")
            )),
        ),
    }
}

/// An indicator value fit to share, in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedValue {
    /// An IPv4 address.
    Ipv4(String),
    /// An IPv6 address.
    Ipv6(String),
    /// A lower-case LDH (or punycode) domain name.
    Domain(String),
    /// A URL with its scheme.
    Url(String),
    /// A lower-case hex hash and its algorithm (`sha256`, `sha1`, `md5`).
    Hash(&'static str, String),
    /// A Windows service name.
    ServiceName(String),
    /// A file name.
    FileName(String),
}

impl SharedValue {
    /// The value as shared.
    pub fn value(&self) -> &str {
        match self {
            SharedValue::Ipv4(v)
            | SharedValue::Ipv6(v)
            | SharedValue::Domain(v)
            | SharedValue::Url(v)
            | SharedValue::Hash(_, v)
            | SharedValue::ServiceName(v)
            | SharedValue::FileName(v) => v,
        }
    }
}

/// The kit's indicators fit to share, merged when two values share one canonical form
/// (`http://x/p` and `x/p`), and the refused ones as `file: what "value": why`.
pub fn shareable(kit: &Kit, file: &str) -> (Vec<(SharedValue, Indicator)>, Vec<String>) {
    let mut shared: Vec<(SharedValue, Indicator)> = Vec::new();
    let mut refused = Vec::new();
    for i in &kit.indicators {
        match shared_value(i) {
            Ok(v) => match shared.iter_mut().find(|(s, _)| *s == v) {
                Some((_, merged)) => merge(merged, i),
                None => shared.push((v, i.clone())),
            },
            Err(why) => refused.push(format!("{file}: {} {:?}: {why}", kind_name(i), i.value)),
        }
    }
    (shared, refused)
}

fn merge(into: &mut Indicator, other: &Indicator) {
    into.hosts.extend(other.hosts.iter().cloned());
    into.sources.extend(other.sources.iter().cloned());
    into.sightings += other.sightings;
    // Invalid times count as absent; kept ones are normalised (RFC 3339 UTC, milliseconds).
    let pick = |a: &Option<String>, b: &Option<String>, earliest: bool| {
        let valid = |t: &Option<String>| t.as_deref().and_then(timestamp);
        match (valid(a), valid(b)) {
            (Some(x), Some(y)) => Some(if (y < x) == earliest { y } else { x }),
            (x, y) => x.or(y),
        }
    };
    into.first_seen = pick(&into.first_seen, &other.first_seen, true);
    into.last_seen = pick(&into.last_seen, &other.last_seen, false);
}

/// What an indicator is, in the refused list.
pub fn kind_name(i: &Indicator) -> &'static str {
    match i.kind {
        IndicatorKind::Ip => "IP address",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "URL",
        IndicatorKind::Hash => "hash",
        IndicatorKind::ServiceName => "service name",
        IndicatorKind::FileName => "file name",
    }
}

/// First and last seen as shared timestamps, when they are valid and in order.
pub fn seen_between(i: &Indicator) -> (Option<String>, Option<String>) {
    let first = i.first_seen.as_deref().and_then(timestamp);
    let last = i.last_seen.as_deref().and_then(timestamp);
    match (first, last) {
        (Some(f), Some(l)) if f <= l => (Some(f), Some(l)),
        (Some(f), None) => (Some(f), None),
        _ => (None, None),
    }
}

/// Checks an indicator's value for its kind: an address must parse, a domain be LDH or punycode,
/// a hash be hex of its algorithm's length, a URL have a valid host, a name have no control
/// characters. `Err` says why it cannot be shared.
pub fn shared_value(i: &Indicator) -> Result<SharedValue, String> {
    let v = i.value.trim();
    match i.kind {
        IndicatorKind::Ip => match v.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => Ok(SharedValue::Ipv4(a.to_string())),
            Ok(IpAddr::V6(a)) => Ok(SharedValue::Ipv6(a.to_string())),
            Err(_) => Err("not an IP address".into()),
        },
        IndicatorKind::Domain => domain(v).map(SharedValue::Domain),
        IndicatorKind::Url => url(v).map(SharedValue::Url),
        IndicatorKind::Hash => hash(i.hash_type.as_deref().unwrap_or(""), v),
        IndicatorKind::ServiceName => name(v, 256).map(SharedValue::ServiceName),
        IndicatorKind::FileName => name(v, 255).map(SharedValue::FileName),
    }
}

/// A domain name: ASCII letters, digits and hyphens (punycode for international names), labels
/// of 1–63 characters not starting or ending with a hyphen, at least two labels, a non-numeric
/// top-level label, at most 253 characters.
fn domain(v: &str) -> Result<String, String> {
    let d = v.trim_end_matches('.').to_ascii_lowercase();
    if !d.is_ascii() {
        return Err(
            "not an ASCII domain name: write international names as punycode (xn--…)".into(),
        );
    }
    if d.len() > 253 {
        return Err("a domain name is at most 253 characters".into());
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain name has at least two labels".into());
    }
    for l in &labels {
        let ldh = l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if l.is_empty() || l.len() > 63 || !ldh || l.starts_with('-') || l.ends_with('-') {
            return Err(format!(
                "label {l:?} is not 1–63 letters, digits or inner hyphens"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the top-level label is numeric".into());
    }
    Ok(d)
}

/// A URL: printable ASCII without spaces, an `http`, `https` or `ftp` scheme (`http://` is
/// assumed when none is written, as Ward's intel lists write C2 paths), a valid host.
fn url(v: &str) -> Result<String, String> {
    if !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a URL is printable ASCII without spaces or control characters".into());
    }
    let lower = v.to_ascii_lowercase();
    let full = if ["http://", "https://", "ftp://"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        v.to_string()
    } else if lower.contains("://") {
        return Err("only http, https and ftp URLs are shared".into());
    } else {
        format!("http://{v}")
    };
    let rest = full.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']').map_or("", |(h, _)| h)
    } else {
        host_port
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host_port, |(h, _)| h)
    };
    if host.parse::<IpAddr>().is_err() {
        domain(host).map_err(|why| format!("URL host {host:?}: {why}"))?;
    }
    Ok(full)
}

fn hash(kind: &str, v: &str) -> Result<SharedValue, String> {
    let (algo, len) = match kind.to_ascii_lowercase().as_str() {
        "sha256" => ("sha256", 64),
        "sha1" => ("sha1", 40),
        "md5" => ("md5", 32),
        other => return Err(format!("unknown hash type {other:?}")),
    };
    if v.len() != len || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("not a {algo} hash ({len} hex digits)"));
    }
    Ok(SharedValue::Hash(algo, v.to_ascii_lowercase()))
}

/// A service or file name: not empty, no control characters (no newline can split a line of a
/// receiving tool), at most `max` characters.
fn name(v: &str, max: usize) -> Result<String, String> {
    if v.is_empty() {
        return Err("empty name".into());
    }
    if v.chars().any(char::is_control) {
        return Err("contains a control character (newline, tab, …)".into());
    }
    if v.chars().count() > max {
        return Err(format!("longer than {max} characters"));
    }
    Ok(v.to_string())
}

/// How often and where an indicator was seen, without naming the hospital's devices.
pub fn seen_on(i: &Indicator) -> String {
    let devices = i.hosts.len();
    let sources: Vec<&str> = i.sources.iter().map(String::as_str).collect();
    format!(
        "Seen on {devices} affected device{} in {} finding{} of Ward ({}).",
        if devices == 1 { "" } else { "s" },
        i.sightings,
        if i.sightings == 1 { "" } else { "s" },
        sources.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ind(kind: IndicatorKind, value: &str, hash_type: Option<&str>) -> Indicator {
        Indicator {
            kind,
            value: value.into(),
            hash_type: hash_type.map(Into::into),
            hosts: BTreeSet::new(),
            sightings: 1,
            first_seen: None,
            last_seen: None,
            sources: BTreeSet::new(),
        }
    }

    #[test]
    fn values_are_checked_for_their_kind() {
        fn ok(k: IndicatorKind, v: &str, h: Option<&str>) -> Result<String, String> {
            shared_value(&ind(k, v, h)).map(|s| s.value().to_string())
        }
        use IndicatorKind::*;
        assert_eq!(ok(Ip, "2001:DB8::1", None).as_deref(), Ok("2001:db8::1"));
        assert!(ok(Ip, "1.2.3.4']", None).is_err());
        assert_eq!(
            ok(Domain, "Evil.Example.ORG.", None).as_deref(),
            Ok("evil.example.org")
        );
        assert_eq!(
            ok(Domain, "xn--80ak6aa92e.com", None).as_deref(),
            Ok("xn--80ak6aa92e.com")
        );
        assert!(
            ok(Domain, "еxample.com", None).is_err(),
            "Cyrillic look-alike"
        );
        assert!(ok(Domain, "a'.example.org", None).is_err());
        assert!(ok(Domain, "-a.example.org", None).is_err());
        assert!(ok(Domain, "localhost", None).is_err());
        assert!(ok(Domain, "1.2.3.999", None).is_err());
        assert_eq!(
            ok(Url, "91.219.236.174/groupmgr/index.php", None).as_deref(),
            Ok("http://91.219.236.174/groupmgr/index.php")
        );
        assert!(ok(Url, "http://evil.example.org/a b", None).is_err());
        assert!(ok(Url, "javascript://x.example.org/", None).is_err());
        assert!(ok(Url, "http://bad host/", None).is_err());
        assert_eq!(
            ok(Hash, &"AB".repeat(32), Some("sha256")).as_deref(),
            Ok("ab".repeat(32).as_str())
        );
        assert!(ok(Hash, &"ab".repeat(20), Some("sha256")).is_err());
        assert!(ok(Hash, &"zz".repeat(16), Some("md5")).is_err());
        assert!(ok(ServiceName, "Wmi\nApSrv", None).is_err());
        assert_eq!(
            ok(FileName, "wmi'ap\\srv.exe", None).as_deref(),
            Ok("wmi'ap\\srv.exe")
        );
    }

    #[test]
    fn ids_and_times_are_deterministic() {
        assert_eq!(uuid_for(&["a", "b"]), uuid_for(&["a", "b"]));
        assert_ne!(uuid_for(&["a", "b"]), uuid_for(&["ab", ""]));
        assert_eq!(uuid_for(&["x"]).get_version_num(), 5);
        assert_eq!(
            timestamp("2026-12-07T09:05:23.726491158Z").as_deref(),
            Some("2026-12-07T09:05:23.726Z")
        );
        assert_eq!(
            timestamp("2026-03-02T10:03:29.85Z").as_deref(),
            Some("2026-03-02T10:03:29.850Z")
        );
        assert_eq!(timestamp("yesterday"), None);
    }
}
