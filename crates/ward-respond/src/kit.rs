//! What the kit acts on, derived once from a case: the accounts to reset (by kind), the devices
//! to isolate, the C2 indicators to block and share. Every writer renders this, so the reset
//! script, the isolation list, the blocklists and the STIX bundle always agree.
//!
//! Only `worm` clusters make the outbreak (`docs/verdicts.md`): their devices, accounts and the
//! C2 destinations of their devices. Suspicious spread is carried apart (`if_confirmed`).

use crate::input::{AccountEntry, CaseReport};
use std::collections::BTreeSet;

mod indicators;

pub use indicators::{NEVER_BLOCK, is_internal};
use indicators::{artefact_indicators, kind_name, network_indicators, never_block};

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
