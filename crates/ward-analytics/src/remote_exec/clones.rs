//! Service-based remote-execution tools: PsExec and renamed copies of it, RemCom, impacket's
//! `psexec` and `smbexec`, Metasploit's `psexec`, PAExec, CSExec. Each creates a service over
//! the Service Control Manager's pipe (`IPC$\svcctl`); most first copy a binary to `ADMIN$` and
//! then talk to it over pipes of their own (`PSEXESVC-<client>-<pid>-stdin`,
//! `RemCom_communicaton`). Their names say which tool ran ([`Tool`]).
//!
//! A session that copied an executable to an admin share and opened `svcctl`, or opened a tool's
//! pipe, is a hop even when the install itself was not logged (no System log, or a 7045 lost to
//! rotation); when the install is logged it carries the hop and the session only names the tool.
//! smbexec copies nothing: its install (`%COMSPEC% /Q /c echo … \\127.0.0.1\C$\__output`) is
//! tied by its `svcctl` session, and where only the command it ran is logged, the command is.

use super::{Channel, Drop, Hop, NetLogon, RemoteExecTracker, Tie, image_file};
use crate::case::Evidence;
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{PipeEvent, ProcessCreation, ShareAccess};
use crate::recon::base_name;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use ward_event::Timestamp;

/// The tool or trick behind a hop, when its traces name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// Sysinternals PsExec (`PSEXESVC`).
    Psexec,
    /// PsExec under another name (`-r`): its `<name>-<client>-<pid>-stdin` pipes.
    RenamedPsexec,
    /// RemCom, or impacket's `psexec` (which embeds RemComSvc): `RemCom_*` pipes.
    Remcom,
    /// impacket's `smbexec`: a `%COMSPEC% /Q /c echo … \\127.0.0.1\C$\__output` service.
    Smbexec,
    /// Metasploit's `psexec` / `psexec_psh`: `%COMSPEC% /b /c start /b /min powershell …`.
    MetasploitPsexec,
    /// PAExec.
    Paexec,
    /// CSExec.
    Csexec,
    /// An RDP session taken over with `tscon` run as SYSTEM.
    TsconHijack,
}

impl Tool {
    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Tool::Psexec => "PsExec",
            Tool::RenamedPsexec => "renamed PsExec",
            Tool::Remcom => "RemCom / impacket psexec",
            Tool::Smbexec => "impacket smbexec",
            Tool::MetasploitPsexec => "Metasploit psexec",
            Tool::Paexec => "PAExec",
            Tool::Csexec => "CSExec",
            Tool::TsconHijack => "tscon session hijack",
        }
    }
}

/// The tool a pipe name belongs to, and for a renamed PsExec the service name it carries.
pub fn pipe_tool(pipe: &str) -> Option<(Tool, Option<String>)> {
    let name = pipe.trim_start_matches('\\');
    let lower = name.to_ascii_lowercase();
    if lower == "psexesvc" || lower.starts_with("psexesvc-") {
        return Some((Tool::Psexec, Some("PSEXESVC".into())));
    }
    if lower.starts_with("remcom_") {
        return Some((Tool::Remcom, None));
    }
    if lower.starts_with("paexec") {
        return Some((Tool::Paexec, None));
    }
    if lower.starts_with("csexecsvc") {
        return Some((Tool::Csexec, None));
    }
    // `<service>-<client>-<pid>-stdin|stdout|stderr`: PsExec's pipes under the name given by -r.
    let (rest, stream) = lower.rsplit_once('-')?;
    if !matches!(stream, "stdin" | "stdout" | "stderr") {
        return None;
    }
    let (rest, pid) = rest.rsplit_once('-')?;
    let (service, _client) = rest.split_once('-')?;
    if service.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let original = name.get(..service.len()).unwrap_or(service).to_string();
    Some((Tool::RenamedPsexec, Some(original)))
}

/// The tool a service's image path or name (or the command a service ran) points to.
pub fn service_tool(service: &str, image_path: &str) -> Option<Tool> {
    let p = image_path.to_ascii_lowercase();
    if p.contains("__output") && (p.contains("%comspec%") || p.contains("cmd.exe")) {
        return Some(Tool::Smbexec);
    }
    if p.contains("/b /c start /b /min powershell") {
        return Some(Tool::MetasploitPsexec);
    }
    let file = image_file(image_path);
    let name = service.to_ascii_lowercase();
    match (name.as_str(), file.as_str()) {
        ("psexesvc", _) | (_, "psexesvc.exe") => Some(Tool::Psexec),
        (_, "remcomsvc.exe") | ("remcomsvc", _) => Some(Tool::Remcom),
        (n, f) if n.starts_with("paexec") || f.starts_with("paexec") => Some(Tool::Paexec),
        (n, f) if n.starts_with("csexecsvc") || f.starts_with("csexecsvc") => Some(Tool::Csexec),
        _ => None,
    }
}

/// A remote session that talked to the Service Control Manager or to a tool's pipe on a host,
/// waiting for the install that would carry its hop.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CloneSession {
    session: NetLogon,
    /// Last activity of the session.
    last: Timestamp,
    svcctl: bool,
    tool: Option<Tool>,
    /// The service name the pipes give (renamed PsExec).
    service: Option<String>,
    /// Pipe evidence (the svcctl open is the session's own).
    evidence: Vec<Evidence>,
    /// Set once a hop carries the session: the hop's index.
    hop: Option<usize>,
}

impl CloneSession {
    fn same(&self, ip: Option<&String>, logon_id: Option<&String>) -> bool {
        match (logon_id, &self.session.logon_id) {
            (Some(a), Some(b)) => {
                a.eq_ignore_ascii_case(b) && ip == self.session.source_ip.as_ref()
            }
            _ => ip.is_some() && ip == self.session.source_ip.as_ref(),
        }
    }
}

/// Service-control sessions and recent service hops, per host.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct CloneSessions {
    sessions: HashMap<String, VecDeque<CloneSession>>,
    /// Service hops of the last window per host: later pipe opens and runs join them.
    recent: HashMap<String, VecDeque<(usize, Timestamp)>>,
}

impl CloneSessions {
    /// Entries held.
    pub(super) fn size(&self) -> usize {
        self.sessions.values().map(VecDeque::len).sum::<usize>()
            + self.recent.values().map(VecDeque::len).sum::<usize>()
    }

    /// Remembers a service hop, so the tool's later pipes and processes join it.
    pub(super) fn service_hop(&mut self, host: &str, index: usize, time: Timestamp) {
        self.recent
            .entry(host.to_string())
            .or_default()
            .push_back((index, time));
    }

    fn recent_hop(&self, host: &str, floor: Timestamp) -> Option<usize> {
        self.recent
            .get(host)?
            .iter()
            .rev()
            .find(|(_, t)| *t >= floor)
            .map(|(i, _)| *i)
    }
}

/// True for processes a service control manager starts for a service (or whose parent is not
/// logged), in a SYSTEM session.
fn started_as_service(p: &ProcessCreation) -> bool {
    let parent_ok = p
        .parent_image
        .as_deref()
        .is_none_or(|parent| base_name(parent) == "services.exe");
    let system = p
        .logon_id
        .as_deref()
        .is_none_or(|id| id.eq_ignore_ascii_case("0x3e7"));
    parent_ok && system
}

impl RemoteExecTracker {
    /// An `IPC$` pipe opened from a remote address: `svcctl`, or a remote-execution tool's.
    pub(super) fn clone_pipe_share(&mut self, s: &ShareAccess, cfg: &AnalyticsConfig) {
        if s.share != "IPC$" || s.source_ip.as_deref().is_none_or(is_local_ip) {
            return;
        }
        let Some(target) = s.relative_target.as_deref() else {
            return;
        };
        let svcctl = target
            .trim_start_matches('\\')
            .eq_ignore_ascii_case("svcctl");
        let tool = pipe_tool(target);
        if !svcctl && tool.is_none() {
            return;
        }
        let session = NetLogon {
            time: s.evidence.time,
            source_ip: s.source_ip.clone(),
            account: s.account.clone(),
            logon_id: s.logon_id.clone(),
            evidence: s.evidence.clone(),
            svcctl,
        };
        self.clone_activity(session, tool, cfg);
    }

    /// A tool's pipe seen by Sysmon (17 created by the service, 18 connected over SMB by
    /// `System`): a hop's session only with an inbound contact on SMB or RPC just before.
    pub fn clone_pipe_event(&mut self, p: &PipeEvent, cfg: &AnalyticsConfig) {
        let Some(tool) = pipe_tool(&p.pipe) else {
            return;
        };
        let host = &p.evidence.host;
        let Some(c) = self.processes.contact_before(host, p.evidence.time) else {
            return; // PsExec run on the host itself (`-s`, `-i`) talks to the same pipes
        };
        let session = NetLogon {
            time: p.evidence.time,
            source_ip: Some(c.0),
            account: crate::facts::Account::default(),
            logon_id: None,
            evidence: c.1,
            svcctl: false,
        };
        let pipe = p.evidence.clone();
        self.clone_activity(session, Some(tool), cfg);
        if let Some(q) = self.clones.sessions.get_mut(host)
            && let Some(last) = q.back_mut()
            && last.evidence.len() < cfg.max_evidence
        {
            last.evidence.push(pipe);
        }
    }

    fn clone_activity(
        &mut self,
        session: NetLogon,
        tool: Option<(Tool, Option<String>)>,
        cfg: &AnalyticsConfig,
    ) {
        let host = session.evidence.host.clone();
        let time = session.time;
        let floor = time.add_secs(-cfg.hop_window_secs);
        // The install was logged: the session names the tool of its hop.
        if let Some(i) = self.clones.recent_hop(&host, floor)
            && let Some(h) = self.hops.get_mut(i)
            && (h.source_ip.is_none() || h.source_ip == session.source_ip)
        {
            if h.tool.is_none() {
                h.tool = tool.as_ref().map(|(t, _)| *t);
            }
            return;
        }
        let q = self.clones.sessions.entry(host).or_default();
        let found = q.iter_mut().rev().find(|c| {
            c.last >= floor && c.same(session.source_ip.as_ref(), session.logon_id.as_ref())
        });
        let entry = match found {
            Some(c) => c,
            None => {
                q.push_back(CloneSession {
                    session: session.clone(),
                    last: time,
                    svcctl: false,
                    tool: None,
                    service: None,
                    evidence: Vec::new(),
                    hop: None,
                });
                if q.len() > cfg.max_pending_per_host {
                    q.pop_front();
                }
                match q.back_mut() {
                    Some(c) => c,
                    None => return,
                }
            }
        };
        entry.last = time;
        if session.svcctl && !entry.svcctl {
            entry.svcctl = true;
            entry.session = session.clone();
        }
        if let Some((t, name)) = tool {
            if entry.tool.is_none() {
                entry.tool = Some(t);
                entry.service = name;
            }
            if !session.svcctl && entry.evidence.len() < cfg.max_evidence {
                entry.evidence.push(session.evidence);
            }
        }
    }

    /// A service install consumed the sessions of its source on its host: they add their tool.
    pub(super) fn clone_install(&mut self, index: usize, cfg: &AnalyticsConfig) {
        let Some(h) = self.hops.get(index) else {
            return;
        };
        let (host, time, ip) = (h.target.clone(), h.time, h.source_ip.clone());
        let floor = time.add_secs(-cfg.hop_window_secs);
        let mut tool = None;
        if let Some(q) = self.clones.sessions.get_mut(&host) {
            for c in q.iter_mut().filter(|c| c.hop.is_none() && c.last >= floor) {
                if ip.is_none() || c.session.source_ip == ip {
                    c.hop = Some(index);
                    tool = tool.or(c.tool);
                }
            }
        }
        if let Some(h) = self.hops.get_mut(index)
            && h.tool.is_none()
        {
            h.tool = tool;
        }
        self.clones.service_hop(&host, index, time);
    }

    /// A process a service ran: the command of an install that was not logged (smbexec's and
    /// Metasploit's one-liners, a tool's service binary), tied to the `svcctl` session before it
    /// or, with Sysmon alone, to the inbound contact before it.
    pub fn clone_process(&mut self, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        let image = base_name(&p.image);
        let Some(tool) = service_tool(&image, &p.command_line) else {
            return;
        };
        if !started_as_service(p) {
            return;
        }
        let host = p.evidence.host.clone();
        let time = p.evidence.time;
        let floor = time.add_secs(-cfg.hop_window_secs);
        if self.clones.recent_hop(&host, floor).is_some() {
            return; // the install was logged and carries the hop
        }
        let session = self.clones.sessions.get_mut(&host).and_then(|q| {
            q.iter_mut()
                .rev()
                .find(|c| c.hop.is_none() && c.svcctl && c.last >= floor)
        });
        let (session, tie, extra) = match session {
            Some(c) => {
                c.hop = Some(self.hops.len());
                (
                    c.session.clone(),
                    Tie::Svcctl,
                    std::mem::take(&mut c.evidence),
                )
            }
            None => {
                let Some((ip, contact)) = self.processes.contact_before(&host, time) else {
                    return;
                };
                let session = NetLogon {
                    time: contact.time,
                    source_ip: Some(ip),
                    account: crate::facts::Account::default(),
                    logon_id: None,
                    evidence: contact,
                    svcctl: false,
                };
                (session, Tie::NetworkLogon, Vec::new())
            }
        };
        // The service's own user (SYSTEM) is not the caller's: without a session the account
        // stays unknown.
        let account = self.caller_account(&host, &session);
        let mut evidence = vec![session.evidence.clone()];
        evidence.extend(extra);
        evidence.push(p.evidence.clone());
        let index = self.hops.len();
        self.hops.push(Hop {
            target: host.clone(),
            source_ip: session.source_ip,
            source_name: None,
            account,
            time,
            channel: Channel::Service,
            service: image.clone(),
            implant: image,
            image_path: p.command_line.clone(),
            evidence,
            tie,
            tool: Some(tool),
        });
        self.clones.service_hop(&host, index, time);
    }

    /// The account behind a session: its own, unless it is the target's own SYSTEM identity
    /// (`HOST$` in session 0x3e7, as an exploit logs it), then the latest network logon from
    /// the same address.
    fn caller_account(&self, host: &str, session: &NetLogon) -> Option<crate::facts::Account> {
        let own = Some(session.account.clone()).filter(|a| !a.is_empty());
        let system = session
            .logon_id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case("0x3e7"));
        if !system {
            return own;
        }
        self.logons
            .get(host)
            .and_then(|q| {
                q.iter()
                    .rev()
                    .find(|l| l.source_ip == session.source_ip && !l.account.is_computer())
            })
            .map(|l| l.account.clone())
            .or(own)
    }

    /// Sessions whose window closed without an install: a hop when they copied an executable
    /// to an admin share and opened `svcctl`, or opened a tool's pipe.
    pub(super) fn clone_expire(&mut self, floor: Option<Timestamp>, cfg: &AnalyticsConfig) {
        let hosts: Vec<String> = self.clones.sessions.keys().cloned().collect();
        for host in hosts {
            let Some(q) = self.clones.sessions.get_mut(&host) else {
                continue;
            };
            let mut done = Vec::new();
            while q.front().is_some_and(|c| floor.is_none_or(|f| c.last < f)) {
                done.extend(q.pop_front());
            }
            for c in done.into_iter().filter(|c| c.hop.is_none()) {
                self.clone_hop(&host, c, cfg);
            }
        }
        self.clones.sessions.retain(|_, q| !q.is_empty());
        if let Some(f) = floor {
            for q in self.clones.recent.values_mut() {
                q.retain(|(_, t)| *t >= f);
            }
            self.clones.recent.retain(|_, q| !q.is_empty());
        }
    }

    fn clone_hop(&mut self, host: &str, c: CloneSession, cfg: &AnalyticsConfig) {
        let ours = |d: &Drop| {
            let exe = d.file_name.ends_with(".exe");
            let same = match (&d.logon_id, &c.session.logon_id) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => d.source_ip.is_some() && d.source_ip == c.session.source_ip,
            };
            exe && same
        };
        let mut drops: Vec<Drop> = Vec::new();
        if let Some(q) = self.drops.get_mut(host) {
            let (mine, rest): (VecDeque<Drop>, VecDeque<Drop>) = q.drain(..).partition(|d| ours(d));
            *q = rest;
            drops.extend(mine);
        }
        let orphans = std::mem::take(&mut self.orphans);
        for (h, d) in orphans {
            if h == host && ours(&d) {
                drops.push(d);
            } else {
                self.orphans.push((h, d));
            }
        }
        drops.sort_by_key(|d| d.time);
        let copied = drops.first().cloned();
        if !(c.svcctl && copied.is_some()) && c.tool.is_none() {
            return;
        }
        let implant = copied
            .as_ref()
            .map(|d| d.file_name.clone())
            .unwrap_or_default();
        let service = c.service.clone().unwrap_or_else(|| {
            let stem = implant.strip_suffix(".exe").unwrap_or(&implant);
            copied
                .as_ref()
                .and_then(|d| original_case(&d.evidence.summary, stem))
                .unwrap_or_else(|| stem.to_string())
        });
        let image_path = copied
            .as_ref()
            .map(|d| shared_path(&d.evidence.summary))
            .unwrap_or_default();
        let tool = c.tool.or_else(|| service_tool(&service, &image_path));
        let mut evidence: Vec<Evidence> = vec![c.session.evidence.clone()];
        evidence.extend(drops.iter().map(|d| d.evidence.clone()));
        evidence.extend(c.evidence.iter().cloned());
        evidence.sort_by_key(|e| e.time);
        evidence.truncate(cfg.max_evidence);
        let account = self.caller_account(host, &c.session);
        self.hops.push(Hop {
            target: host.to_string(),
            source_ip: c.session.source_ip.clone(),
            source_name: None,
            account,
            time: c.session.time,
            channel: Channel::Service,
            service,
            implant,
            image_path,
            evidence,
            tie: Tie::Svcctl,
            tool,
        });
    }
}

/// The file name as the share event logged it (`RemComSvc`), from its summary.
fn original_case(summary: &str, stem: &str) -> Option<String> {
    let lower = summary.to_ascii_lowercase();
    let at = lower.find(&format!("{stem}."))?;
    summary.get(at..at + stem.len()).map(str::to_string)
}

/// `ADMIN$\System32\RemComSvc.exe` from a share event's summary (`write to ADMIN$\… by …`).
fn shared_path(summary: &str) -> String {
    let rest = summary.strip_prefix("write to ").unwrap_or(summary);
    rest.split(" by ").next().unwrap_or(rest).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_named_by_their_pipes() {
        assert_eq!(
            pipe_tool("PSEXESVC-WEC01-956-stdin"),
            Some((Tool::Psexec, Some("PSEXESVC".into())))
        );
        assert_eq!(
            pipe_tool("blabla-NLLT108334-37048-stderr"),
            Some((Tool::RenamedPsexec, Some("blabla".into())))
        );
        assert_eq!(pipe_tool("RemCom_communicaton"), Some((Tool::Remcom, None)));
        assert_eq!(pipe_tool("svcctl"), None);
        assert_eq!(pipe_tool("srvsvc"), None);
        assert_eq!(pipe_tool("MsFteWds"), None);
        assert_eq!(pipe_tool("a-b-stdin"), None);
    }

    #[test]
    fn tools_are_named_by_their_services() {
        assert_eq!(
            service_tool(
                "BTOBTO",
                r"%COMSPEC% /Q /c echo cd  ^> \\127.0.0.1\C$\__output 2^>^&1 > %TEMP%\execute.bat"
            ),
            Some(Tool::Smbexec)
        );
        assert_eq!(
            service_tool(
                "iOWamcEn",
                "%COMSPEC% /b /c start /b /min powershell.exe -nop -w hidden"
            ),
            Some(Tool::MetasploitPsexec)
        );
        assert_eq!(
            service_tool("PSEXESVC", r"%SystemRoot%\PSEXESVC.exe"),
            Some(Tool::Psexec)
        );
        assert_eq!(
            service_tool("WmiApSrvEx", r"C:\Windows\System32\wmiapsrvex.exe"),
            None
        );
    }
}
