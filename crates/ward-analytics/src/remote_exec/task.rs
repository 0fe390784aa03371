//! Remote scheduled tasks (`schtasks /S`, impacket's atexec): a task registered on a host (4698,
//! or TaskScheduler 106 where Security auditing is off) by a network session — a remote 4624
//! type 3 with the registration's logon id, or a session that opened the Task Scheduler's pipe
//! (`IPC$\atsvc`, which `ITaskSchedulerService` and the old `At` service both use) within the hop
//! window. A task a local user registers is no hop. The task's later logs (106, 200/201,
//! 4699/141) and its first run (a process started by the Task Scheduler) join the hop's evidence.

use super::{Drop, Hop, NetLogon, RemoteExecTracker, Tie, image_file};
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{ProcessCreation, ScheduledTask, ShareAccess, TaskChange};
use crate::recon::base_name;
use crate::remote_exec::Channel;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use ward_event::Timestamp;

/// Processes that start a task's command: the Schedule service's svchost, `taskeng.exe` (Windows
/// 7), `taskhostw.exe` / `taskhost.exe` (DLL actions).
const TASK_PARENTS: &[&str] = &[
    "svchost.exe",
    "taskeng.exe",
    "taskhostw.exe",
    "taskhost.exe",
];

/// Task-pipe sessions and the task hops still open to more evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct TaskSessions {
    /// Sessions that opened `IPC$\atsvc`, per host, oldest first.
    pipes: HashMap<String, VecDeque<NetLogon>>,
    /// Task hops of the last window by (target, lower-case task name): hop index, and whether
    /// the task's run was seen.
    open: HashMap<(String, String), (usize, bool)>,
}

impl TaskSessions {
    /// Entries held, for the memory bound.
    pub(super) fn size(&self) -> usize {
        self.pipes.values().map(VecDeque::len).sum::<usize>() + self.open.len()
    }

    /// Forgets pipe sessions and open hops older than `floor`.
    pub(super) fn sweep(&mut self, floor: Timestamp, hops: &[Hop]) {
        for q in self.pipes.values_mut() {
            while q.front().is_some_and(|l| l.time < floor) {
                q.pop_front();
            }
        }
        self.pipes.retain(|_, q| !q.is_empty());
        self.open
            .retain(|_, (i, _)| hops.get(*i).is_some_and(|h| h.time >= floor));
    }
}

/// True for the Task Scheduler's named pipe over `IPC$`.
fn is_task_pipe(s: &ShareAccess) -> bool {
    s.share == "IPC$"
        && s.relative_target
            .as_deref()
            .is_some_and(|t| t.trim_start_matches('\\').eq_ignore_ascii_case("atsvc"))
}

impl RemoteExecTracker {
    /// Remembers a remote session that opened the Task Scheduler's pipe.
    pub(super) fn task_pipe(&mut self, s: &ShareAccess, cfg: &AnalyticsConfig) {
        if !is_task_pipe(s) || s.source_ip.as_deref().is_none_or(is_local_ip) {
            return;
        }
        let q = self.tasks.pipes.entry(s.evidence.host.clone()).or_default();
        if q.iter()
            .any(|l| l.logon_id == s.logon_id && l.source_ip == s.source_ip)
        {
            return;
        }
        q.push_back(NetLogon {
            time: s.evidence.time,
            source_ip: s.source_ip.clone(),
            account: s.account.clone(),
            logon_id: s.logon_id.clone(),
            evidence: s.evidence.clone(),
            svcctl: false,
        });
        if q.len() > cfg.max_pending_per_host {
            q.pop_front();
        }
    }

    /// A scheduled-task event: a new hop when a remote session registered the task, else
    /// evidence for the open hop of the same task.
    pub fn task(&mut self, t: &ScheduledTask, cfg: &AnalyticsConfig) -> Option<&Hop> {
        let host = t.evidence.host.clone();
        let key = (host.clone(), t.task_name.to_ascii_lowercase());
        let floor = t.evidence.time.add_secs(-cfg.hop_window_secs);
        if let Some(&(i, _)) = self.tasks.open.get(&key)
            && let Some(h) = self.hops.get_mut(i).filter(|h| h.time >= floor)
        {
            h.evidence.push(t.evidence.clone());
            if h.image_path.is_empty()
                && let Some(cmd) = &t.command
            {
                h.implant = image_file(cmd);
                h.image_path = cmd.clone();
            }
            return None;
        }
        if !matches!(t.change, TaskChange::Registered | TaskChange::Updated) {
            return None;
        }
        let (session, tie) = self.task_session(&host, t, floor)?;
        let command = t.command.clone().unwrap_or_default();
        let implant = if command.is_empty() {
            String::new()
        } else {
            image_file(&command)
        };
        let mut evidence: Vec<_> = self
            .task_drops(&host, &implant, session.logon_id.as_deref())
            .into_iter()
            .map(|d| d.evidence)
            .collect();
        evidence.insert(0, session.evidence.clone());
        evidence.sort_by_key(|e| e.time);
        evidence.push(t.evidence.clone());
        self.tasks.open.insert(key, (self.hops.len(), false));
        self.hops.push(Hop {
            target: host,
            source_ip: session.source_ip,
            source_name: None,
            account: Some(session.account).filter(|a| !a.is_empty()),
            time: t.evidence.time,
            channel: Channel::ScheduledTask,
            service: t.task_name.clone(),
            implant,
            image_path: command,
            evidence,
            tie,
            tool: None,
        });
        self.hops.last()
    }

    /// The remote session behind a registration: the network logon with its logon id, else a
    /// task-pipe session of the same user in the window (a registration's own logon often
    /// carries no address: atexec binds a second session to the pipe).
    fn task_session(
        &self,
        host: &str,
        t: &ScheduledTask,
        floor: Timestamp,
    ) -> Option<(NetLogon, Tie)> {
        if let Some(id) = &t.logon_id {
            let by_id = self
                .logons
                .get(host)
                .and_then(|q| q.iter().rev().find(|l| l.logon_id.as_ref() == Some(id)));
            if let Some(l) = by_id {
                return Some((l.clone(), Tie::LogonId));
            }
        }
        let same_user = |l: &NetLogon| match &t.subject {
            Some(a) if !a.is_empty() => a.user.eq_ignore_ascii_case(&l.account.user),
            _ => true,
        };
        let pipe = self.tasks.pipes.get(host)?.iter().rev().find(|l| {
            l.time >= floor && (t.logon_id.is_some() && l.logon_id == t.logon_id || same_user(l))
        })?;
        Some((pipe.clone(), Tie::TaskPipe))
    }

    /// Drops the task explains: copies of its command's file, or any drop of its session.
    fn task_drops(&mut self, host: &str, implant: &str, logon_id: Option<&str>) -> Vec<Drop> {
        let Some(q) = self.drops.get_mut(host) else {
            return Vec::new();
        };
        let ours = |d: &Drop| {
            (!implant.is_empty() && d.file_name == implant)
                || (logon_id.is_some() && d.logon_id.as_deref() == logon_id)
        };
        let (taken, rest): (VecDeque<Drop>, VecDeque<Drop>) = q.drain(..).partition(ours);
        *q = rest;
        taken.into()
    }

    /// A process the Task Scheduler started: the first run of an open task hop's command.
    pub fn task_run(&mut self, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        let started_by_scheduler = p
            .parent_image
            .as_deref()
            .is_none_or(|parent| TASK_PARENTS.contains(&base_name(parent).as_str()));
        if !started_by_scheduler || self.tasks.open.is_empty() {
            return;
        }
        let image = base_name(&p.image);
        let floor = p.evidence.time.add_secs(-cfg.hop_window_secs);
        for ((host, _), (i, ran)) in self.tasks.open.iter_mut() {
            if *ran || *host != p.evidence.host {
                continue;
            }
            if let Some(h) = self.hops.get_mut(*i)
                && h.implant == image
                && h.time >= floor
                && h.time <= p.evidence.time
            {
                h.evidence.push(p.evidence.clone());
                *ran = true;
                return;
            }
        }
    }
}
