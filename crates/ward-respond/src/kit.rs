//! What the kit acts on, derived once from a case: the accounts to reset (by kind), the devices
//! to isolate, the C2 indicators to block and share. Every writer renders this, so the reset
//! script, the isolation list, the blocklists and the STIX bundle always agree.
//!
//! Only `worm` clusters make the outbreak (`docs/verdicts.md`): their devices, accounts and the
//! C2 destinations of their devices. Suspicious spread is carried apart (`if_confirmed`).

use crate::input::{AccountEntry, CaseReport, Finding};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// How an account is reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountKind {
    /// A domain account a person logs on with: reset, and change at next logon.
    Person,
    /// A domain service or admin-tool account: reset, then update every service that uses it.
    Service,
    /// A local account of one host (`HOST\user`): reset on that host.
    Local,
}

/// One account to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetAccount {
    /// `DOMAIN\user` as the logs wrote it.
    pub account: String,
    /// Domain (or host, for a local account) part.
    pub domain: String,
    /// User part.
    pub user: String,
    /// How it is reset.
    pub kind: AccountKind,
    /// Affected hosts where its credentials were exposed.
    pub hosts: Vec<String>,
    /// Logon types seen.
    pub logon_types: Vec<String>,
    /// (host, what) pairs where a service or task runs as this account, when known.
    pub used_by: Vec<(String, String)>,
}

/// One device to isolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsolateDevice {
    /// Upper-case short name.
    pub host: String,
    /// FQDN when seen.
    pub fqdn: Option<String>,
    /// Role from the assets file.
    pub role: Option<String>,
    /// Clinical device.
    pub clinical: bool,
    /// Addresses seen.
    pub ips: Vec<String>,
    /// MAC addresses, when the logs named them.
    pub macs: Vec<String>,
    /// First infection (RFC 3339).
    pub infected_at: Option<String>,
    /// Worm clusters it is in.
    pub clusters: Vec<String>,
    /// Patient zero of a cluster.
    pub patient_zero: bool,
}

/// What kind of indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndicatorKind {
    /// IPv4 or IPv6 address.
    Ip,
    /// Domain name.
    Domain,
    /// Full URL.
    Url,
    /// File hash (`sha256`, `sha1`, `md5` in `hash_type`).
    Hash,
    /// Service name the worm installs.
    ServiceName,
    /// Implant file name.
    FileName,
}

/// One indicator of the outbreak, with where and when it was sighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// Kind.
    pub kind: IndicatorKind,
    /// The value (an address, a domain, a URL, a hash, a name).
    pub value: String,
    /// `sha256`/`sha1`/`md5` for hashes.
    pub hash_type: Option<String>,
    /// Affected devices it was seen on.
    pub hosts: BTreeSet<String>,
    /// Findings behind it.
    pub sightings: u64,
    /// Earliest sighting (RFC 3339).
    pub first_seen: Option<String>,
    /// Latest sighting (RFC 3339).
    pub last_seen: Option<String>,
    /// Analytics that named it.
    pub sources: BTreeSet<String>,
}

/// Everything the kit writes about.
#[derive(Debug, Clone, Default)]
pub struct Kit {
    /// When the case was made.
    pub case_time: String,
    /// Accounts to reset (worm clusters).
    pub accounts: Vec<ResetAccount>,
    /// Accounts to reset if suspicious spread is confirmed.
    pub if_confirmed: Vec<ResetAccount>,
    /// Devices to isolate, clinical first, then by infection time.
    pub devices: Vec<IsolateDevice>,
    /// Devices only suspicious spread reached (not isolated by default).
    pub devices_if_confirmed: Vec<IsolateDevice>,
    /// Indicators, by kind then value.
    pub indicators: Vec<Indicator>,
    /// Patient zero of each worm cluster.
    pub patient_zero: Vec<String>,
    /// True when an affected device is a domain controller (krbtgt needs a double reset).
    pub domain_controller_affected: bool,
    /// Known malware the case names (rule titles, cluster artefacts): e.g. `Kwampirs`.
    pub malware: Option<KnownMalware>,
    /// Failed readiness checks (title, what to do).
    pub failed_checks: Vec<(String, String)>,
    /// Indicators left out on purpose, with why (the never-block list).
    pub left_out: Vec<String>,
}

/// A malware family and the intrusion set behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMalware {
    /// Family name.
    pub name: String,
    /// Intrusion set.
    pub intrusion_set: String,
}

/// Analytics whose destination is a C2 candidate when the host is an affected device.
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
const DC_ROLES: &[&str] = &["domain-controller", "dc", "ad"];

impl Kit {
    /// Derives the kit from a case.
    pub fn from_case(case: &CaseReport) -> Kit {
        let worm: BTreeSet<&str> = case
            .spread
            .clusters
            .iter()
            .filter(|c| c.verdict == "worm")
            .map(|c| c.id.as_str())
            .collect();
        let devices_if_confirmed = devices(case, &case.overview.needs_a_look.devices);
        let devices = devices(case, &case.overview.affected_devices);
        let affected: BTreeSet<&str> = devices.iter().map(|d| d.host.as_str()).collect();
        let domain_controller_affected = devices.iter().any(|d| {
            d.role
                .as_deref()
                .is_some_and(|r| DC_ROLES.contains(&r.to_ascii_lowercase().as_str()))
        });
        let mut indicators = network_indicators(&case.findings, &affected);
        let mut left_out = Vec::new();
        indicators.retain(|i| match never_block(i) {
            Some(parent) => {
                left_out.push(format!(
                    "{} `{}`: under {parent}, on the never-block list (blocking it would cut \
                     updates or certificate checks on every device)",
                    kind_name(i.kind),
                    i.value.escape_debug()
                ));
                false
            }
            None => true,
        });
        indicators.extend(artefact_indicators(case, &worm));
        indicators.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
        let failed_checks = case
            .readiness
            .iter()
            .flat_map(|r| r.checks.iter())
            .filter(|c| c.status == "fail")
            .map(|c| (c.title.clone(), c.remediation.clone()))
            .collect();
        Kit {
            case_time: case.generated_at.clone(),
            accounts: accounts(&case.accounts.reset),
            if_confirmed: accounts(&case.accounts.reset_if_confirmed),
            devices,
            devices_if_confirmed,
            indicators,
            patient_zero: case.overview.patient_zero.clone(),
            domain_controller_affected,
            malware: known_malware(case),
            failed_checks,
            left_out,
        }
    }

    /// Indicators of one kind.
    pub fn indicators_of(&self, kind: IndicatorKind) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.kind == kind)
    }
}

/// The never-block domain `i` falls under, for domains and URLs.
fn never_block(i: &Indicator) -> Option<&'static str> {
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

fn kind_name(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "address",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "URL",
        IndicatorKind::Hash => "hash",
        IndicatorKind::ServiceName => "service name",
        IndicatorKind::FileName => "file name",
    }
}

fn accounts(entries: &[AccountEntry]) -> Vec<ResetAccount> {
    entries
        .iter()
        .map(|e| {
            let (domain, user) = e
                .account
                .split_once('\\')
                .map_or((String::new(), e.account.clone()), |(d, u)| {
                    (d.to_string(), u.to_string())
                });
            let local = domain.is_empty()
                || domain == "."
                || e.hosts.iter().any(|h| h.eq_ignore_ascii_case(&domain));
            let service = e
                .logon_types
                .iter()
                .any(|t| matches!(t.as_str(), "5" | "service" | "4"))
                || looks_like_service(&user);
            let kind = if local {
                AccountKind::Local
            } else if service {
                AccountKind::Service
            } else {
                AccountKind::Person
            };
            let used_by = e
                .evidence
                .iter()
                .filter(|ev| matches!(ev.kind.as_str(), "7045" | "4697" | "4624"))
                .filter(|ev| {
                    ev.kind != "4624"
                        || ev.summary.contains("type 5")
                        || ev.summary.contains("type 4")
                })
                .map(|ev| (ev.host.clone(), ev.summary.clone()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            ResetAccount {
                account: e.account.clone(),
                domain,
                user,
                kind,
                hosts: e.hosts.clone(),
                logon_types: e.logon_types.clone(),
                used_by,
            }
        })
        .collect()
}

/// Service-account naming conventions (`svc_backup`, `sql-svc`, `sa_scan`).
fn looks_like_service(user: &str) -> bool {
    let u = user.to_ascii_lowercase();
    ["svc_", "svc-", "svc.", "sa_", "sa-"]
        .iter()
        .any(|p| u.starts_with(p))
        || ["_svc", "-svc", "$"].iter().any(|s| u.ends_with(s))
}

fn devices(case: &CaseReport, listed: &[crate::input::Device]) -> Vec<IsolateDevice> {
    listed
        .iter()
        .map(|d| {
            let mut ips = BTreeSet::new();
            let mut fqdn = None;
            for h in case
                .spread
                .clusters
                .iter()
                .flat_map(|c| c.hosts.iter())
                .filter(|h| h.host == d.host)
            {
                ips.extend(h.ips.iter().cloned());
                fqdn = fqdn.or_else(|| h.fqdn.clone());
            }
            IsolateDevice {
                host: d.host.clone(),
                fqdn,
                role: d.role.clone(),
                clinical: d.clinical,
                ips: ips.into_iter().collect(),
                macs: Vec::new(),
                infected_at: d.infected_at.clone(),
                clusters: d.clusters.clone(),
                patient_zero: d.patient_zero,
            }
        })
        .collect()
}

/// True for addresses that are not worth blocking: the organisation's own, and multicast,
/// broadcast or unspecified ones.
pub fn is_internal(ip: &IpAddr) -> bool {
    let special = match ip {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast(),
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
    };
    special || ward_event::net::is_internal(ip)
}

fn network_indicators(findings: &[Finding], affected: &BTreeSet<&str>) -> Vec<Indicator> {
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
fn artefact_indicators(case: &CaseReport, worm: &BTreeSet<&str>) -> Vec<Indicator> {
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
const KNOWN_MALWARE: &[(&str, &str, &str)] = &[("kwampirs", "Kwampirs", "Orangeworm")];

fn known_malware(case: &CaseReport) -> Option<KnownMalware> {
    let worm_names = case
        .spread
        .clusters
        .iter()
        .filter(|c| c.verdict == "worm")
        .map(|c| c.artefact.to_ascii_lowercase());
    let titles = case
        .detections
        .iter()
        .map(|d| d.title.to_ascii_lowercase())
        .chain(case.findings.iter().map(|f| f.title.to_ascii_lowercase()));
    let all: Vec<String> = worm_names.chain(titles).collect();
    KNOWN_MALWARE.iter().find_map(|(needle, name, set)| {
        all.iter()
            .any(|t| t.contains(needle))
            .then(|| KnownMalware {
                name: (*name).to_string(),
                intrusion_set: (*set).to_string(),
            })
    })
}

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
