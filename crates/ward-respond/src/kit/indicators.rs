//! The indicators a kit blocks and shares: the C2 destinations named by findings on the
//! affected devices (external addresses, domains, URLs, hashes from intel matches), and the
//! worm clusters' service and implant names; minus what no kit should ever block.

use super::{Indicator, IndicatorKind};
use crate::input::{CaseReport, Finding};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

const C2_ANALYTICS: &[&str] = &[
    "beacon",
    "http-ip-literal",
    "encoded-query",
    "intel-match",
    "c2-fallback",
    "network-spread",
];

/// Domains no kit blocks, whatever an intel list says: blocking them stops Windows Update,
/// Microsoft 365 or certificate checks on every device (a parent domain covers its subdomains).
/// An intel list that names them is wrong for this purpose; the kit says it left them out.
pub const NEVER_BLOCK: &[&str] = &[
    "microsoft.com",
    "windowsupdate.com",
    "windows.com",
    "windows.net",
    "office.com",
    "office365.com",
    "microsoftonline.com",
    "digicert.com",
    "globalsign.com",
    "letsencrypt.org",
    "sectigo.com",
];

/// Roles of domain controllers in assets files.
pub(super) fn never_block(i: &Indicator) -> Option<&'static str> {
    let host = match i.kind {
        IndicatorKind::Domain => i.value.as_str(),
        IndicatorKind::Url => {
            let rest = i
                .value
                .split_once("://")
                .map_or(i.value.as_str(), |(_, r)| r);
            rest.split(['/', '?', ':']).next().unwrap_or(rest)
        }
        _ => return None,
    };
    let host = host.to_ascii_lowercase();
    NEVER_BLOCK
        .iter()
        .copied()
        .find(|d| host == *d || host.ends_with(&format!(".{d}")))
}

pub(super) fn kind_name(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "address",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "URL",
        IndicatorKind::Hash => "hash",
        IndicatorKind::ServiceName => "service name",
        IndicatorKind::FileName => "file name",
    }
}

pub fn is_internal(ip: &IpAddr) -> bool {
    let special = match ip {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast(),
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
    };
    special || ward_event::net::is_internal(ip)
}

pub(super) fn network_indicators(
    findings: &[Finding],
    affected: &BTreeSet<&str>,
) -> Vec<Indicator> {
    let mut by_value: BTreeMap<(IndicatorKind, String), Indicator> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| C2_ANALYTICS.contains(&f.analytic.as_str()))
        .filter(|f| affected.contains(f.host.as_str()))
        .filter(|f| f.level != "informational" && f.level != "low")
    {
        let text = |k: &str| {
            f.details
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let mut found: Vec<(IndicatorKind, String, Option<String>)> = Vec::new();
        if f.analytic == "intel-match" {
            let kind = text("indicator_kind").unwrap_or_default();
            if let Some(value) = text("matched").or_else(|| text("indicator")) {
                match kind.as_str() {
                    "sha256" | "sha1" | "md5" => {
                        found.push((IndicatorKind::Hash, value.to_ascii_lowercase(), Some(kind)))
                    }
                    "url" => {
                        found.extend(sample_url(&value).map(|u| (IndicatorKind::Url, u, None)))
                    }
                    _ => found.extend(destination(&value)),
                }
            }
        } else if let Some(dest) = text("destination") {
            found.extend(destination(&dest));
            if f.analytic == "http-ip-literal"
                && let Some(sample) = text("sample")
                && let Some(url) = sample_url(&sample)
            {
                found.push((IndicatorKind::Url, url, None));
            }
        }
        for (kind, value, hash_type) in found {
            let i = by_value
                .entry((kind, value.clone()))
                .or_insert_with(|| Indicator {
                    kind,
                    value,
                    hash_type,
                    hosts: BTreeSet::new(),
                    sightings: 0,
                    first_seen: None,
                    last_seen: None,
                    sources: BTreeSet::new(),
                });
            i.hosts.insert(f.host.clone());
            i.sightings += 1;
            i.sources.insert(f.analytic.clone());
            widen(&mut i.first_seen, &f.first_seen, true);
            widen(&mut i.last_seen, &f.last_seen, false);
        }
    }
    by_value.into_values().collect()
}

/// An external address or a domain; internal addresses and `host:port` suffixes are dropped.
fn destination(value: &str) -> Option<(IndicatorKind, String, Option<String>)> {
    let v = value.trim();
    let host = match v.rsplit_once(':') {
        // `1.2.3.4:80`, `example.org:443`; a bare IPv6 address has several colons.
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => h,
        _ => v,
    };
    let host = host.trim_matches(['[', ']']);
    match host.parse::<IpAddr>() {
        Ok(ip) if is_internal(&ip) => None,
        Ok(ip) => Some((IndicatorKind::Ip, ip.to_string(), None)),
        Err(_) if host.contains('.') && !host.contains(['/', ' ']) => Some((
            IndicatorKind::Domain,
            host.trim_end_matches('.').to_ascii_lowercase(),
            None,
        )),
        Err(_) => None,
    }
}

/// `GET 1.2.3.4/path?q=…` (an `http-ip-literal` sample) as `http://1.2.3.4/path?q=…`.
fn sample_url(sample: &str) -> Option<String> {
    let rest = sample.split_once(' ').map_or(sample, |(_, r)| r).trim();
    (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| {
        if rest.starts_with("http://") || rest.starts_with("https://") {
            rest.to_string()
        } else {
            format!("http://{rest}")
        }
    })
}

fn widen(slot: &mut Option<String>, t: &str, earliest: bool) {
    if t.is_empty() {
        return;
    }
    let replace = match slot.as_deref() {
        None => true,
        // RFC 3339 UTC strings of one writer compare in time order.
        Some(cur) => (t < cur) == earliest && t != cur,
    };
    if replace {
        *slot = Some(t.to_string());
    }
}

/// Service and implant file names of worm clusters, from their artefacts and hop findings.
pub(super) fn artefact_indicators(case: &CaseReport, worm: &BTreeSet<&str>) -> Vec<Indicator> {
    let mut by_value: BTreeMap<(IndicatorKind, String), Indicator> = BTreeMap::new();
    let mut add = |kind: IndicatorKind, value: &str, host: &str, first: &str, last: &str| {
        if value.is_empty() {
            return;
        }
        let i = by_value
            .entry((kind, value.to_string()))
            .or_insert_with(|| Indicator {
                kind,
                value: value.to_string(),
                hash_type: None,
                hosts: BTreeSet::new(),
                sightings: 0,
                first_seen: None,
                last_seen: None,
                sources: BTreeSet::new(),
            });
        if !host.is_empty() {
            i.hosts.insert(host.to_string());
        }
        i.sightings += 1;
        i.sources.insert("spread".into());
        widen(&mut i.first_seen, first, true);
        widen(&mut i.last_seen, last, false);
    };
    for f in case
        .findings
        .iter()
        .filter(|f| f.analytic == "remote-execution")
    {
        let cluster = f
            .details
            .get("cluster")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        if !worm.contains(cluster) {
            continue;
        }
        let text = |k: &str| f.details.get(k).and_then(|v| v.as_str()).unwrap_or("");
        add(
            IndicatorKind::ServiceName,
            text("service"),
            &f.host,
            &f.first_seen,
            &f.last_seen,
        );
        add(
            IndicatorKind::FileName,
            text("implant"),
            &f.host,
            &f.first_seen,
            &f.last_seen,
        );
    }
    for c in case
        .spread
        .clusters
        .iter()
        .filter(|c| worm.contains(c.id.as_str()))
    {
        match c.artefact.split_once(':') {
            Some(("service", name)) => add(IndicatorKind::ServiceName, name, "", "", ""),
            Some(("file", name)) => add(IndicatorKind::FileName, name, "", "", ""),
            _ => {}
        }
    }
    by_value.into_values().collect()
}

/// Malware families Ward's own rules and artefacts name, with their intrusion set.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_external_addresses_or_domains() {
        assert_eq!(
            destination("185.141.27.90"),
            Some((IndicatorKind::Ip, "185.141.27.90".into(), None))
        );
        assert_eq!(
            destination("198.51.100.23:80"),
            Some((IndicatorKind::Ip, "198.51.100.23".into(), None))
        );
        assert_eq!(destination("10.20.0.10"), None);
        assert_eq!(
            destination("Evil.Example.ORG."),
            Some((IndicatorKind::Domain, "evil.example.org".into(), None))
        );
        assert_eq!(destination("not a host"), None);
        assert_eq!(
            sample_url("GET 185.141.27.90/groupmgr/index.php?q=abc").as_deref(),
            Some("http://185.141.27.90/groupmgr/index.php?q=abc")
        );
    }

    fn indicator(kind: IndicatorKind, value: &str) -> Indicator {
        Indicator {
            kind,
            value: value.into(),
            hash_type: None,
            hosts: BTreeSet::new(),
            sightings: 1,
            first_seen: None,
            last_seen: None,
            sources: BTreeSet::new(),
        }
    }

    #[test]
    fn updates_and_certificate_checks_are_never_blocked() {
        let d = |v| never_block(&indicator(IndicatorKind::Domain, v));
        assert_eq!(d("fe2.update.microsoft.com"), Some("microsoft.com"));
        assert_eq!(d("ocsp.digicert.com"), Some("digicert.com"));
        assert_eq!(d("notmicrosoft.com"), None);
        assert_eq!(d("microsoft.com.evil.example"), None);
        let u = never_block(&indicator(
            IndicatorKind::Url,
            "http://download.windowsupdate.com/x?y",
        ));
        assert_eq!(u, Some("windowsupdate.com"));
        assert_eq!(
            never_block(&indicator(IndicatorKind::Ip, "13.107.4.50")),
            None
        );
    }
}
