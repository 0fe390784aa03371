//! Credential exposure: which accounts left reusable credentials on a host (interactive,
//! batch, service, unlock, cleartext, new-credentials, remote-interactive and cached logons;
//! explicit credentials) and which only reached it over the network. Kept as one small record per
//! host, account and logon type; filtered by the affected hosts and their infection times at the end.

use crate::case::{AccountEntry, Accounts, Evidence};
use crate::facts::{Account, ExplicitCredentials, Logon, ServiceInstall};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use ward_event::Timestamp;

/// Logon types that leave credentials on the host (Windows numbering).
pub const EXPOSING_LOGON_TYPES: &[u32] = &[2, 4, 5, 7, 8, 9, 10, 11, 12, 13];

const KEPT_PER_RECORD: usize = 4;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Exposure {
    first: Vec<Evidence>,
    latest: Option<Evidence>,
}

impl Exposure {
    fn add(&mut self, e: &Evidence) {
        if self.first.len() < KEPT_PER_RECORD {
            self.first.push(e.clone());
        } else {
            self.latest = Some(e.clone());
        }
    }

    fn since(&self, t: Timestamp) -> Vec<Evidence> {
        self.first
            .iter()
            .chain(self.latest.iter())
            .filter(|e| e.time >= t)
            .cloned()
            .collect()
    }
}

/// How an account met a host: a logon type number, `explicit`, `service`.
type Key = (String, String, String);

/// Exposures per host, account and kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CredentialExposure {
    seen: HashMap<Key, Exposure>,
}

/// True for accounts that are never worth resetting: well-known service SIDs, anonymous,
/// window-manager and font-driver sessions, other hosts' computer accounts.
pub fn is_ignored(account: &Account, host: &str) -> bool {
    let user = account.user.to_ascii_uppercase();
    let sid = account.sid.as_deref().unwrap_or("");
    matches!(sid, "S-1-5-18" | "S-1-5-19" | "S-1-5-20" | "S-1-5-7")
        || matches!(
            user.as_str(),
            "" | "-" | "SYSTEM" | "LOCAL SERVICE" | "NETWORK SERVICE" | "ANONYMOUS LOGON"
        )
        || user.starts_with("DWM-")
        || user.starts_with("UMFD-")
        || (account.is_computer() && user.trim_end_matches('$') != host)
}

impl CredentialExposure {
    /// A successful logon.
    pub fn logon(&mut self, l: &Logon) {
        if l.success && !is_ignored(&l.account, &l.evidence.host) {
            self.add(&l.evidence, &l.account, l.logon_type.to_string());
        }
    }

    /// Credentials typed on this host for use elsewhere.
    pub fn explicit(&mut self, x: &ExplicitCredentials) {
        if !is_ignored(&x.account, &x.evidence.host) {
            self.add(&x.evidence, &x.account, "explicit".into());
        }
    }

    /// A service set to run as an account: its password is stored on the host.
    pub fn service(&mut self, s: &ServiceInstall) {
        let Some(raw) = s.service_account.as_deref() else {
            return;
        };
        let lower = raw.to_ascii_lowercase();
        if lower == "localsystem"
            || lower.starts_with("nt authority\\")
            || lower.starts_with("nt service\\")
        {
            return;
        }
        let (domain, user) = raw.split_once('\\').unwrap_or(("", raw));
        let account = Account {
            domain: domain.trim_start_matches(".").into(),
            user: user.into(),
            sid: None,
        };
        if !is_ignored(&account, &s.evidence.host) {
            self.add(&s.evidence, &account, "service".into());
        }
    }

    fn add(&mut self, e: &Evidence, account: &Account, kind: String) {
        self.seen
            .entry((e.host.clone(), account.qualified(), kind))
            .or_default()
            .add(e);
    }

    /// Entries held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.seen.len()
    }

    /// Reset and review lists for the affected hosts (host → infection time) and hop accounts
    /// (account, target host, evidence).
    pub fn lists(
        &self,
        affected: &BTreeMap<String, Timestamp>,
        hop_accounts: &[(String, String, &[Evidence])],
        max_evidence: usize,
    ) -> Accounts {
        let mut reset: BTreeMap<String, Builder> = BTreeMap::new();
        let mut review: BTreeMap<String, Builder> = BTreeMap::new();
        for ((host, account, kind), exp) in &self.seen {
            let Some(since) = affected.get(host) else {
                continue;
            };
            let evidence = exp.since(*since);
            if evidence.is_empty() {
                continue;
            }
            let exposing = kind == "explicit"
                || kind == "service"
                || kind
                    .parse()
                    .is_ok_and(|t| EXPOSING_LOGON_TYPES.contains(&t));
            let list = if exposing { &mut reset } else { &mut review };
            list.entry(account.clone())
                .or_default()
                .add(host, kind, evidence, max_evidence);
        }
        for (account, host, evidence) in hop_accounts {
            review.entry(account.clone()).or_default().add(
                host,
                "hop",
                evidence.to_vec(),
                max_evidence,
            );
        }
        // An account to reset shows everything seen for it, network logons and hops included.
        for (account, b) in std::mem::take(&mut review) {
            match reset.get_mut(&account) {
                Some(r) => r.merge(b, max_evidence),
                None => {
                    review.insert(account, b);
                }
            }
        }
        Accounts {
            reset: build(reset, max_evidence),
            review: build(review, max_evidence),
            reset_if_confirmed: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Builder {
    hosts: BTreeSet<String>,
    kinds: BTreeSet<String>,
    evidence: Vec<Evidence>,
}

impl Builder {
    fn merge(&mut self, other: Builder, max_evidence: usize) {
        self.hosts.extend(other.hosts);
        self.kinds.extend(other.kinds);
        self.keep(other.evidence, max_evidence);
    }

    fn add(&mut self, host: &str, kind: &str, evidence: Vec<Evidence>, max_evidence: usize) {
        self.hosts.insert(host.to_string());
        self.kinds.insert(kind.to_string());
        self.keep(evidence, max_evidence);
    }

    /// Adds evidence, keeping at most twice what is shown: an account used on thousands of
    /// hops does not hold every event until the end.
    fn keep(&mut self, evidence: Vec<Evidence>, max_evidence: usize) {
        self.evidence.extend(evidence);
        if self.evidence.len() > 2 * max_evidence.max(1) {
            earliest(&mut self.evidence, max_evidence);
        }
    }
}

/// The first `max` distinct events by time and host.
fn earliest(evidence: &mut Vec<Evidence>, max: usize) {
    evidence.sort_by(|x, y| (x.time, &x.host).cmp(&(y.time, &y.host)));
    evidence.dedup();
    evidence.truncate(max);
}

fn build(map: BTreeMap<String, Builder>, max_evidence: usize) -> Vec<AccountEntry> {
    map.into_iter()
        .map(|(account, mut b)| {
            earliest(&mut b.evidence, max_evidence);
            let mut kinds: Vec<String> = b.kinds.into_iter().collect();
            kinds.sort_by_key(|k| (k.parse::<u32>().unwrap_or(u32::MAX), k.clone()));
            AccountEntry {
                account,
                hosts: b.hosts.into_iter().collect(),
                logon_types: kinds,
                evidence: b.evidence,
            }
        })
        .collect()
}
