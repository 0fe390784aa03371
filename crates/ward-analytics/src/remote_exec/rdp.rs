//! Remote Desktop: a person (or an intruder with a person's password) at another machine's
//! keyboard. A session logon from a remote client — 4624 type 10, a reconnect (4778, 4624
//! type 7 with a client address), TerminalServices-LocalSessionManager 21/22/25 or
//! RemoteConnectionManager 1149 — is a hop of channel `rdp` with the client's address or name,
//! the session's account and the first event's time; the other events of the same session join
//! it. `tscon <id> /dest:<session>` run as SYSTEM takes over another user's session without its
//! password (RDP hijack): the reconnect of that session that follows is a hop whose tool is the
//! hijack, with the `tscon` run and the hijacker's disconnect as evidence.
//!
//! The verdict weighs RDP hops as what they mostly are, administrators at work
//! (`docs/verdicts.md`); a hijack is never administration.

use super::{Channel, Hop, RemoteExecTracker, Tie, Tool};
use crate::case::Evidence;
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{Account, Logon, ProcessCreation, RdpChange, RdpSession};
use crate::recon::base_name;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use ward_event::Timestamp;

/// How long before a reconnect a `tscon` run still explains it.
const HIJACK_SECS: i64 = 60;

/// Open RDP hops, pending hijacks and recent disconnects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct RdpSessions {
    /// RDP hops of the last window by (target, lower-case user, client): hop index, last event.
    open: HashMap<(String, String, String), (usize, Timestamp)>,
    /// `tscon … /dest:` runs as SYSTEM per host: (time, lower-case destination, evidence).
    hijacks: HashMap<String, VecDeque<(Timestamp, String, Evidence)>>,
    /// Disconnects per host: (time, lower-case session name, evidence) — the hijacker's.
    disconnects: HashMap<String, VecDeque<(Timestamp, String, Evidence)>>,
}

impl RdpSessions {
    /// Entries held.
    pub(super) fn size(&self) -> usize {
        self.open.len()
            + self.hijacks.values().map(VecDeque::len).sum::<usize>()
            + self.disconnects.values().map(VecDeque::len).sum::<usize>()
    }
}

/// One session event with a remote client.
struct Client<'a> {
    host: &'a str,
    ip: Option<&'a String>,
    name: Option<&'a String>,
    account: &'a Account,
    session: Option<&'a str>,
    evidence: &'a Evidence,
}

/// The destination session of a `tscon` run as SYSTEM (`tscon 2 /dest:rdp-tcp#8`).
fn hijack_destination(p: &ProcessCreation) -> Option<String> {
    if base_name(&p.image) != "tscon.exe" {
        return None;
    }
    let system = p
        .logon_id
        .as_deref()
        .is_some_and(|id| id.eq_ignore_ascii_case("0x3e7"))
        || p.user
            .as_deref()
            .is_some_and(|u| u.to_ascii_uppercase().ends_with("\\SYSTEM") || u.ends_with('$'));
    if !system {
        return None;
    }
    let cmd = p.command_line.to_ascii_lowercase();
    let dest = cmd.split("/dest:").nth(1)?;
    dest.split_whitespace().next().map(str::to_string)
}

impl RemoteExecTracker {
    /// 4624 type 10, or type 7 (a reconnect or unlock) with a remote client address.
    pub fn rdp_logon(&mut self, l: &Logon, cfg: &AnalyticsConfig) {
        let remote = l.source_ip.as_deref().is_some_and(|ip| !is_local_ip(ip));
        if !l.success || !(l.logon_type == 10 || (l.logon_type == 7 && remote)) {
            return;
        }
        if !remote && l.workstation.is_none() {
            return;
        }
        let client = Client {
            host: &l.evidence.host,
            ip: l.source_ip.as_ref().filter(|ip| !is_local_ip(ip)),
            name: l.workstation.as_ref(),
            account: &l.account,
            session: None,
            evidence: &l.evidence,
        };
        self.rdp_hop(client, cfg);
    }

    /// A session event of TerminalServices or 4778/4779.
    pub fn rdp_session(&mut self, r: &RdpSession, cfg: &AnalyticsConfig) {
        let host = &r.evidence.host;
        if r.change == RdpChange::Disconnected {
            if let Some(s) = &r.session {
                let q = self.rdp.disconnects.entry(host.clone()).or_default();
                q.push_back((r.evidence.time, s.to_ascii_lowercase(), r.evidence.clone()));
                if q.len() > cfg.max_pending_per_host {
                    q.pop_front();
                }
            }
            return;
        }
        let ip = r.client_ip.as_ref().filter(|ip| !is_local_ip(ip));
        if ip.is_none() && r.client_name.is_none() {
            return; // a console session, or LocalSessionManager's `LOCAL`
        }
        let client = Client {
            host,
            ip,
            name: r.client_name.as_ref(),
            account: &r.account,
            session: r.session.as_deref(),
            evidence: &r.evidence,
        };
        self.rdp_hop(client, cfg);
    }

    /// `tscon … /dest:` as SYSTEM: the reconnect of that session that follows is a hijack.
    pub fn rdp_process(&mut self, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        let Some(dest) = hijack_destination(p) else {
            return;
        };
        let q = self.rdp.hijacks.entry(p.evidence.host.clone()).or_default();
        q.push_back((p.evidence.time, dest, p.evidence.clone()));
        if q.len() > cfg.max_pending_per_host {
            q.pop_front();
        }
    }

    fn rdp_hop(&mut self, c: Client<'_>, cfg: &AnalyticsConfig) {
        let time = c.evidence.time;
        let floor = time.add_secs(-cfg.hop_window_secs);
        let who = c.account.user.to_ascii_lowercase();
        let from =
            c.ip.or(c.name)
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default();
        let key = (c.host.to_string(), who, from);
        let hijack = c.session.and_then(|s| self.take_hijack(c.host, s, time));
        if hijack.is_none()
            && let Some((i, last)) = self.rdp.open.get_mut(&key)
            && *last >= floor
        {
            *last = time;
            if let Some(h) = self.hops.get_mut(*i) {
                if h.evidence.len() < cfg.max_evidence {
                    h.evidence.push(c.evidence.clone());
                }
                if h.source_ip.is_none() {
                    h.source_ip = c.ip.cloned();
                }
            }
            return;
        }
        let mut evidence = Vec::new();
        let tool = hijack.as_ref().map(|_| Tool::TsconHijack);
        if let Some(before) = hijack {
            evidence.extend(before);
        }
        evidence.push(c.evidence.clone());
        let index = self.hops.len();
        self.hops.push(Hop {
            target: c.host.to_string(),
            source_ip: c.ip.cloned(),
            source_name: c.name.cloned(),
            account: Some(c.account.clone()).filter(|a| !a.is_empty()),
            time,
            channel: Channel::Rdp,
            service: c.account.qualified(),
            implant: String::new(),
            image_path: String::new(),
            evidence,
            tie: Tie::RdpClient,
            tool,
        });
        self.rdp.open.insert(key, (index, time));
    }

    /// The `tscon` run (and the hijacker's disconnect of the same session) that a reconnect of
    /// `session` on `host` follows, if any.
    fn take_hijack(&mut self, host: &str, session: &str, now: Timestamp) -> Option<Vec<Evidence>> {
        let floor = now.add_secs(-HIJACK_SECS);
        let wanted = session.to_ascii_lowercase();
        let q = self.rdp.hijacks.get_mut(host)?;
        let at = q
            .iter()
            .rposition(|(t, dest, _)| *t >= floor && *t <= now && *dest == wanted)?;
        let (t, _, run) = q.remove(at)?;
        let mut evidence = vec![run];
        let left = self.rdp.disconnects.get(host).and_then(|d| {
            d.iter()
                .rev()
                .find(|(dt, s, _)| *dt >= t && *dt <= now && *s == wanted)
        });
        if let Some((_, _, e)) = left {
            evidence.push(e.clone());
        }
        Some(evidence)
    }

    /// Forgets sessions, hijacks and disconnects older than the window.
    pub(super) fn rdp_sweep(&mut self, now: Timestamp, cfg: &AnalyticsConfig) {
        let floor = now.add_secs(-cfg.hop_window_secs);
        self.rdp.open.retain(|_, (_, last)| *last >= floor);
        for q in self
            .rdp
            .hijacks
            .values_mut()
            .chain(self.rdp.disconnects.values_mut())
        {
            q.retain(|(t, _, _)| *t >= floor);
        }
        self.rdp.hijacks.retain(|_, q| !q.is_empty());
        self.rdp.disconnects.retain(|_, q| !q.is_empty());
    }
}
