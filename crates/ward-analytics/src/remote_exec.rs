//! Remote execution: a file written over an admin share (5145 with write access, or Sysmon 11 by
//! the System process) followed on the same host by a service install, tied to its source by
//! logon id, address or account. Computer accounts are kept: a worm running as SYSTEM
//! authenticates as `HOST$`.

use crate::case::Evidence;
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{Account, FileCreate, Logon, ServiceInstall, ShareAccess};
use crate::recon::base_name;

mod clones;
mod image;
mod pass_the_hash;
mod process;
mod rdp;
mod task;

pub use clones::{Tool, pipe_tool, service_tool};
pub use image::{image_file, looks_remote_exec};
pub use pass_the_hash::AlternateCredentials;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
pub use ward_case::channel::Channel;
use ward_event::Timestamp;

/// A file dropped on a host over the network, waiting for the install it may lead to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drop {
    /// When.
    pub time: Timestamp,
    /// Source address, when the log gave it.
    pub source_ip: Option<String>,
    /// Account that wrote it.
    pub account: Option<Account>,
    /// Logon session that wrote it.
    pub logon_id: Option<String>,
    /// Lower-case base name of the file.
    pub file_name: String,
    /// The event.
    pub evidence: Evidence,
}

/// A recent network logon on a host.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NetLogon {
    time: Timestamp,
    source_ip: Option<String>,
    account: Account,
    logon_id: Option<String>,
    evidence: Evidence,
    /// The session opened the service control manager's pipe (`IPC$\svcctl`).
    svcctl: bool,
}

/// One remote-execution hop, before host names are resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hop {
    /// Target host.
    pub target: String,
    /// Source address (resolved to a host at the end).
    pub source_ip: Option<String>,
    /// Source host when the log named it (WorkstationName).
    pub source_name: Option<String>,
    /// Account used.
    pub account: Option<Account>,
    /// Time of the install.
    pub time: Timestamp,
    /// How it ran code: a service by default.
    pub channel: Channel,
    /// What ran: the service name (service hops), the task name (scheduled tasks), the image's
    /// file name (WMI, WinRM, DCOM).
    pub service: String,
    /// Lower-case base name of the service image.
    pub implant: String,
    /// The service's image path as logged (where the file sits says who put it there).
    pub image_path: String,
    /// Write, logon and install events.
    pub evidence: Vec<Evidence>,
    /// How the source was tied.
    pub tie: Tie,
    /// The tool or trick its traces name (PsExec, smbexec, a tscon hijack), when they name one.
    #[serde(default)]
    pub tool: Option<Tool>,
}

/// How a hop's source was tied to its install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tie {
    /// The install or the drop carried the session's logon id.
    LogonId,
    /// A drop of the implant over an admin share, from the drop's address.
    ShareWrite,
    /// A session that opened the service control manager's pipe.
    Svcctl,
    /// The latest network logon on the host.
    NetworkLogon,
    /// No source seen: the image sits where remote-execution tools put theirs.
    ServiceImage,
    /// A session that opened the Task Scheduler's pipe (`IPC$\atsvc`).
    TaskPipe,
    /// The session's own logon or session event named its client (RDP).
    RdpClient,
}

/// Pending drops and logons per host, and the hops found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RemoteExecTracker {
    /// WMI, WinRM and DCOM: provider hosts, inbound contacts and open process hops.
    #[serde(default)]
    processes: process::ProcessSessions,
    drops: HashMap<String, VecDeque<Drop>>,
    logons: HashMap<String, VecDeque<NetLogon>>,
    hops: Vec<Hop>,
    /// Hops of the last window still waiting for the other log of their install (7045 for a
    /// 4697, 4697 for a 7045), by target, lower-case service name and the kind awaited, oldest
    /// first: the second log finds its first without a scan of every hop, even when the same
    /// log was given many times.
    waiting: HashMap<(String, String, String), Vec<usize>>,
    /// Drops that never led to an install (by host), kept for failed attempts; capped.
    orphans: Vec<(String, Drop)>,
    /// Task-pipe sessions and open task hops.
    #[serde(default)]
    tasks: task::TaskSessions,
    /// Service-control sessions of PsExec-style tools and recent service hops.
    #[serde(default)]
    clones: clones::CloneSessions,
    /// Remote Desktop sessions and hijacks.
    #[serde(default)]
    rdp: rdp::RdpSessions,
}

const MAX_ORPHANS: usize = 1024;

impl RemoteExecTracker {
    /// A write to an admin share.
    pub fn share(&mut self, s: &ShareAccess, cfg: &AnalyticsConfig) {
        self.task_pipe(s, cfg);
        self.clone_pipe_share(s, cfg);
        if s.source_ip.as_deref().is_some_and(|ip| !is_local_ip(ip)) {
            let svcctl = s.share == "IPC$"
                && s.relative_target
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("svcctl"));
            let session = NetLogon {
                time: s.evidence.time,
                source_ip: s.source_ip.clone(),
                account: s.account.clone(),
                logon_id: s.logon_id.clone(),
                evidence: s.evidence.clone(),
                svcctl,
            };
            self.push_session(&s.evidence.host, session, cfg);
        }
        if !(s.write && s.is_admin_share()) {
            return;
        }
        let Some(target) = &s.relative_target else {
            return;
        };
        if s.source_ip.as_deref().is_some_and(is_local_ip) {
            return;
        }
        let drop = Drop {
            time: s.evidence.time,
            source_ip: s.source_ip.clone(),
            account: Some(s.account.clone()),
            logon_id: s.logon_id.clone(),
            file_name: base_name(target),
            evidence: s.evidence.clone(),
        };
        self.push_drop(&s.evidence.host, drop, cfg);
    }

    /// A file created by the System process: arrived over SMB.
    pub fn file(&mut self, f: &FileCreate, cfg: &AnalyticsConfig) {
        if !f.by_system() {
            return;
        }
        let name = base_name(&f.target);
        if !(name.ends_with(".exe") || name.ends_with(".dll") || name.ends_with(".sys")) {
            return;
        }
        let drop = Drop {
            time: f.evidence.time,
            source_ip: None,
            account: None,
            logon_id: None,
            file_name: name,
            evidence: f.evidence.clone(),
        };
        self.push_drop(&f.evidence.host, drop, cfg);
    }

    fn push_drop(&mut self, host: &str, drop: Drop, cfg: &AnalyticsConfig) {
        let q = self.drops.entry(host.to_string()).or_default();
        // One drop per file and session is enough: 5145 logs every access of the same copy.
        if q.iter().any(|d| {
            d.file_name == drop.file_name
                && d.logon_id == drop.logon_id
                && d.source_ip == drop.source_ip
        }) {
            return;
        }
        q.push_back(drop);
        if q.len() > cfg.max_pending_per_host
            && let Some(old) = q.pop_front()
        {
            self.orphan(host, old);
        }
    }

    fn orphan(&mut self, host: &str, drop: Drop) {
        if drop.file_name.ends_with(".exe") && self.orphans.len() < MAX_ORPHANS {
            self.orphans.push((host.to_string(), drop));
        }
    }

    /// A successful network logon from a remote address.
    pub fn logon(&mut self, l: &Logon, cfg: &AnalyticsConfig) {
        if !l.success || l.logon_type != 3 || l.source_ip.as_deref().is_none_or(is_local_ip) {
            return;
        }
        let session = NetLogon {
            time: l.evidence.time,
            source_ip: l.source_ip.clone(),
            account: l.account.clone(),
            logon_id: l.logon_id.clone(),
            evidence: l.evidence.clone(),
            svcctl: false,
        };
        self.push_session(&l.evidence.host, session, cfg);
    }

    /// Keeps one entry per session (address, logon id, pipe): share events repeat by the dozen.
    fn push_session(&mut self, host: &str, session: NetLogon, cfg: &AnalyticsConfig) {
        let q = self.logons.entry(host.to_string()).or_default();
        let same = |l: &NetLogon| {
            l.source_ip == session.source_ip
                && l.logon_id == session.logon_id
                && l.svcctl == session.svcctl
        };
        if let Some(i) = q.iter().position(same) {
            // Move it to the back, so "latest" stays the latest activity; keep the first evidence.
            if let Some(mut old) = q.remove(i) {
                old.time = session.time;
                q.push_back(old);
            }
            return;
        }
        q.push_back(session);
        if q.len() > cfg.max_pending_per_host {
            q.pop_front();
        }
    }

    /// A service install: a hop when a recent drop or network session explains it, or when its
    /// image is where remote-execution tools put theirs (the `ADMIN$` root, a shell one-liner).
    pub fn service(&mut self, s: &ServiceInstall, cfg: &AnalyticsConfig) -> Option<&Hop> {
        let host = s.evidence.host.clone();
        self.prune(&host, s.evidence.time, cfg);
        // 7045 and 4697 log the same install: the second joins the first hop.
        let floor = s.evidence.time.add_secs(-cfg.hop_window_secs);
        let service_name = s.service.to_ascii_lowercase();
        let awaited = twin_kind(&s.evidence.kind);
        let key = awaited.map(|_| (host.clone(), service_name.clone(), s.evidence.kind.clone()));
        let twin = match key.as_ref().and_then(|k| self.waiting.get_mut(k)) {
            Some(list)
                if list
                    .last()
                    .is_some_and(|&i| self.hops.get(i).is_some_and(|h| h.time >= floor)) =>
            {
                list.pop()
            }
            _ => None,
        };
        if let Some(h) = twin.and_then(|i| self.hops.get_mut(i)) {
            h.evidence.push(s.evidence.clone());
            return None;
        }
        let implant = image_file(&s.image_path);
        let drops = self.take_drops(&host, &implant, s.logon_id.as_deref());
        let drop = drops.first().cloned();
        let session = self.session(&host, drop.as_ref(), s.logon_id.as_deref());
        let by_id = matches!(session, Some((_, Tie::LogonId)));
        let remote_like = looks_remote_exec(&s.image_path);
        let svcctl = self
            .logons
            .get(&host)
            .and_then(|q| q.iter().rev().find(|l| l.svcctl))
            .cloned();
        if drop.is_none() && !by_id && !remote_like && svcctl.is_none() {
            return None;
        }
        let session = session
            .or_else(|| svcctl.map(|l| (l, Tie::Svcctl)))
            .or_else(|| self.latest_logon(&host).map(|l| (l, Tie::NetworkLogon)));
        let mut evidence = Vec::new();
        let (mut source_ip, mut account) = (None, None);
        let mut tie = if drop.is_some() {
            Tie::ShareWrite
        } else {
            Tie::ServiceImage
        };
        let mut drop_evidence: Vec<Evidence> = drops.iter().map(|d| d.evidence.clone()).collect();
        drop_evidence.sort_by_key(|e| e.time);
        evidence.extend(drop_evidence);
        if let Some(d) = &drop {
            source_ip = d.source_ip.clone();
            account = d.account.clone().filter(|a| !a.is_empty());
        }
        if let Some((l, how)) = session {
            if drop.is_none() || how == Tie::LogonId || how == Tie::Svcctl {
                tie = how;
            }
            source_ip = source_ip.or(l.source_ip);
            account = account.or(Some(l.account));
            evidence.insert(0, l.evidence);
        }
        evidence.push(s.evidence.clone());
        if let Some(kind) = awaited {
            self.waiting
                .entry((host.clone(), service_name, kind.to_string()))
                .or_default()
                .push(self.hops.len());
        }
        let index = self.hops.len();
        self.hops.push(Hop {
            target: host,
            source_ip,
            source_name: None,
            account,
            time: s.evidence.time,
            channel: Channel::Service,
            service: s.service.clone(),
            implant,
            image_path: s.image_path.clone(),
            evidence,
            tie,
            tool: service_tool(&s.service, &s.image_path),
        });
        self.clone_install(index, cfg);
        self.hops.get(index)
    }

    fn latest_logon(&self, host: &str) -> Option<NetLogon> {
        self.logons.get(host)?.back().cloned()
    }

    /// The drops that explain an install: every drop of the same file (5145 and Sysmon 11 both
    /// log one copy), else the one of the same session, else the latest executable. The one with
    /// a source address comes first.
    fn take_drops(&mut self, host: &str, implant: &str, logon_id: Option<&str>) -> Vec<Drop> {
        let Some(q) = self.drops.get_mut(host) else {
            return Vec::new();
        };
        let mut taken: Vec<Drop> = Vec::new();
        if q.iter().any(|d| d.file_name == implant) {
            let (same, rest): (VecDeque<Drop>, VecDeque<Drop>) =
                q.drain(..).partition(|d| d.file_name == implant);
            *q = rest;
            taken.extend(same);
        } else {
            let pos = logon_id
                .and_then(|id| q.iter().rposition(|d| d.logon_id.as_deref() == Some(id)))
                .or_else(|| q.iter().rposition(|d| d.file_name.ends_with(".exe")));
            taken.extend(pos.and_then(|p| q.remove(p)));
        }
        taken.sort_by_key(|d| (d.source_ip.is_none(), d.time));
        taken
    }

    /// The network session behind a drop or an install: by logon id, else the latest from the
    /// drop's address, else (for drops without an address, Sysmon 11) the latest of all.
    fn session(
        &self,
        host: &str,
        drop: Option<&Drop>,
        logon_id: Option<&str>,
    ) -> Option<(NetLogon, Tie)> {
        let q = self.logons.get(host)?;
        let ids = [logon_id, drop.and_then(|d| d.logon_id.as_deref())];
        for id in ids.into_iter().flatten() {
            if let Some(l) = q.iter().rev().find(|l| l.logon_id.as_deref() == Some(id)) {
                return Some((l.clone(), Tie::LogonId));
            }
        }
        let d = drop?;
        match &d.source_ip {
            Some(ip) => q
                .iter()
                .rev()
                .find(|l| l.source_ip.as_ref() == Some(ip))
                .map(|l| (l.clone(), Tie::ShareWrite)),
            None => q.back().map(|l| (l.clone(), Tie::NetworkLogon)),
        }
    }

    fn prune(&mut self, host: &str, now: Timestamp, cfg: &AnalyticsConfig) {
        let floor = now.add_secs(-cfg.hop_window_secs);
        if let Some(q) = self.logons.get_mut(host) {
            while q.front().is_some_and(|l| l.time < floor) {
                q.pop_front();
            }
        }
        let mut old = Vec::new();
        if let Some(q) = self.drops.get_mut(host) {
            while q.front().is_some_and(|d| d.time < floor) {
                old.extend(q.pop_front());
            }
        }
        for d in old {
            self.orphan(host, d);
        }
    }

    /// Drops every host's state older than the window (called as time advances).
    pub fn sweep(&mut self, now: Timestamp, cfg: &AnalyticsConfig) {
        self.processes.sweep(now, cfg);
        self.clone_expire(Some(now.add_secs(-cfg.hop_window_secs)), cfg);
        self.rdp_sweep(now, cfg);
        let hosts: Vec<String> = self
            .drops
            .keys()
            .chain(self.logons.keys())
            .cloned()
            .collect();
        for h in hosts {
            self.prune(&h, now, cfg);
        }
        self.drops.retain(|_, q| !q.is_empty());
        self.logons.retain(|_, q| !q.is_empty());
        let floor = now.add_secs(-cfg.hop_window_secs);
        let hops = &self.hops;
        self.waiting.retain(|_, waiting| {
            waiting.retain(|&i| hops.get(i).is_some_and(|h| h.time >= floor));
            !waiting.is_empty()
        });
        self.tasks.sweep(floor, &self.hops);
    }

    /// Entries held, for the memory bound (hops are findings and not counted).
    pub fn state_size(&self) -> usize {
        self.drops.values().map(VecDeque::len).sum::<usize>()
            + self.logons.values().map(VecDeque::len).sum::<usize>()
            + self.waiting.values().map(Vec::len).sum::<usize>()
            + self.processes.size()
            + self.tasks.size()
            + self.clones.size()
            + self.rdp.size()
    }

    /// The hops found and the drops that led nowhere.
    pub fn finish(mut self, cfg: &AnalyticsConfig) -> (Vec<Hop>, Vec<(String, Drop)>) {
        self.clone_expire(None, cfg);
        for (host, q) in std::mem::take(&mut self.drops) {
            for d in q {
                self.orphan(&host, d);
            }
        }
        (self.hops, self.orphans)
    }
}

/// The other log of a service install: the System log's 7045 and the Security log's 4697 record
/// the same install.
fn twin_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "7045" => Some("4697"),
        "4697" => Some("7045"),
        _ => None,
    }
}
