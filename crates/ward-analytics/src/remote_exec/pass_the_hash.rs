//! Pass-the-hash and overpass-the-hash: logons made with a stolen hash rather than a password.
//! Two shapes in 4624: a logon type 9 (new credentials) through `seclogo` — Mimikatz's
//! `sekurlsa::pth` and `runas /netonly` both leave it on the machine the hash is used from —
//! and an NTLM network logon (type 3) without a session key (`KeyLength` 0) from a workstation,
//! which a hash replayed by impacket or Mimikatz gives on the target. Alone they are `low`
//! (administrators use `runas /netonly`, old clients negotiate NTLM without a key); followed by
//! a hop from that machine, or into that target from that address, they are `high` and name
//! the hops (`details.precedes_hop`).

use crate::case::{Evidence, Finding};
use crate::directory::is_local_ip;
use crate::facts::Logon;
use crate::spread::ResolvedHop;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ward_event::{Level, Timestamp};

/// Indicators kept; more are counted into the ones held.
const MAX_INDICATORS: usize = 4096;

/// Which shape of alternate-credential logon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum Shape {
    /// 4624 type 9 through `seclogo`: the hash used from this host.
    NewCredentials,
    /// 4624 type 3, NTLM, `KeyLength` 0, from a workstation: the hash used on this host.
    NtlmWithoutKey,
}

/// One indicator: a host, an account, a shape, and the logons behind it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Indicator {
    host: String,
    account: String,
    shape: Shape,
    /// Source address of an NTLM logon.
    source_ip: Option<String>,
    first: Timestamp,
    last: Timestamp,
    count: usize,
    evidence: Vec<Evidence>,
}

/// Alternate-credential logons seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlternateCredentials {
    indicators: Vec<Indicator>,
}

/// The shape of a logon, if it is one.
fn shape(l: &Logon) -> Option<Shape> {
    if !l.success {
        return None;
    }
    let process = l.auth.process.as_deref().unwrap_or("").trim();
    if l.logon_type == 9 && process.eq_ignore_ascii_case("seclogo") {
        return Some(Shape::NewCredentials);
    }
    let ntlm = l
        .auth
        .package
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("NTLM"));
    let anonymous = l.account.user.eq_ignore_ascii_case("ANONYMOUS LOGON");
    let remote = l.source_ip.as_deref().is_some_and(|ip| !is_local_ip(ip));
    (l.logon_type == 3
        && ntlm
        && l.auth.key_length == Some(0)
        && !anonymous
        && !l.account.is_computer()
        && remote
        && l.workstation.is_some())
    .then_some(Shape::NtlmWithoutKey)
}

impl AlternateCredentials {
    /// Takes a logon.
    pub fn logon(&mut self, l: &Logon) {
        let Some(shape) = shape(l) else {
            return;
        };
        let account = match (&l.auth.outbound_user, shape) {
            (Some(out), Shape::NewCredentials) if !out.is_empty() => out.clone(),
            _ => l.account.qualified(),
        };
        let host = &l.evidence.host;
        let same = self.indicators.iter_mut().find(|i| {
            i.host == *host
                && i.account == account
                && i.shape == shape
                && i.source_ip == l.source_ip
        });
        if let Some(i) = same {
            i.last = l.evidence.time;
            i.count += 1;
            if i.evidence.len() < 8 {
                i.evidence.push(l.evidence.clone());
            }
            return;
        }
        if self.indicators.len() < MAX_INDICATORS {
            self.indicators.push(Indicator {
                host: host.clone(),
                account,
                shape,
                source_ip: l.source_ip.clone(),
                first: l.evidence.time,
                last: l.evidence.time,
                count: 1,
                evidence: vec![l.evidence.clone()],
            });
        }
    }

    /// Entries held.
    pub fn state_size(&self) -> usize {
        self.indicators.len()
    }

    /// One finding per indicator, `high` with the hops it precedes (within `window_secs`).
    pub fn findings(
        &self,
        hops: &[ResolvedHop],
        window_secs: i64,
        name: &dyn Fn(&str) -> String,
    ) -> Vec<Finding> {
        self.indicators
            .iter()
            .map(|i| finding(i, hops, window_secs, name))
            .collect()
    }
}

fn finding(
    i: &Indicator,
    hops: &[ResolvedHop],
    window_secs: i64,
    name: &dyn Fn(&str) -> String,
) -> Finding {
    let until = i.last.add_secs(window_secs);
    let source = i.source_ip.as_deref().map(name);
    let follows: Vec<&ResolvedHop> = hops
        .iter()
        .filter(|h| h.time >= i.first && h.time <= until)
        .filter(|h| match i.shape {
            Shape::NewCredentials => h.from == i.host,
            Shape::NtlmWithoutKey => h.to == i.host && source.as_deref() == Some(h.from.as_str()),
        })
        .collect();
    let level = if follows.is_empty() {
        Level::Low
    } else {
        Level::High
    };
    let (title, summary) = match i.shape {
        Shape::NewCredentials => (
            format!(
                "Pass-the-hash: new credentials for {} on {}",
                i.account, i.host
            ),
            format!(
                "{} logged on type 9 through seclogo for {} ({} time(s)): the credentials used \
                 from this host on the network were injected (Mimikatz sekurlsa::pth) or given \
                 to runas /netonly",
                i.host, i.account, i.count
            ),
        ),
        Shape::NtlmWithoutKey => (
            format!(
                "Pass-the-hash: NTLM logon without a session key as {} on {}",
                i.account, i.host
            ),
            format!(
                "{} was reached as {} from {} by NTLM with KeyLength 0 ({} time(s)), the shape of \
                 a replayed hash",
                i.host,
                i.account,
                source.as_deref().unwrap_or("?"),
                i.count
            ),
        ),
    };
    let mut details = BTreeMap::new();
    details.insert("account".into(), serde_json::json!(i.account));
    details.insert("logons".into(), serde_json::json!(i.count));
    if let Some(s) = &source {
        details.insert("from".into(), serde_json::json!(s));
    }
    if !follows.is_empty() {
        let listed: Vec<serde_json::Value> = follows
            .iter()
            .take(16)
            .map(|h| {
                serde_json::json!({
                    "from": h.from, "to": h.to, "time": h.time, "channel": h.channel,
                    "account": h.edge.account,
                })
            })
            .collect();
        details.insert("precedes_hop".into(), serde_json::json!(listed));
    }
    Finding {
        analytic: crate::Analytic::PassTheHash,
        title,
        level,
        host: i.host.clone(),
        first_seen: i.first,
        last_seen: i.last,
        summary,
        details,
        evidence: i.evidence.clone(),
    }
}
