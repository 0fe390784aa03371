//! Remote execution through WMI, WinRM and DCOM: a process started on a host by a provider host
//! (`WmiPrvSE.exe`, `wsmprovhost.exe`) or a DCOM server (`mmc.exe -Embedding`, Excel, a
//! ShellWindows explorer) for a remote network session. The session is found by the process's
//! logon id when the log carries it (4688 v2 `TargetLogonId`, Sysmon `LogonId`), else it is the
//! latest remote network logon on the host within the hop window, else (Sysmon alone, no
//! Security log) the latest inbound contact on a WMI, DCOM or WinRM port. A process of a local
//! session, or with no remote session near it, is not lateral movement. Later processes of a
//! session (and their descendants) join its hop: a `wmiexec` shell is one hop, not dozens.

use super::{Channel, Hop, NetLogon, RemoteExecTracker, Tie};
use crate::case::Evidence;
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{Account, ActivityKind, ChannelActivity, NetworkConnection, ProcessCreation};
use crate::recon::base_name;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use ward_event::Timestamp;

/// Provider hosts whose children a WMI or WinRM client asked for.
const PROVIDER_HOSTS: &[(&str, Channel)] = &[
    ("wmiprvse.exe", Channel::Wmi),
    ("wsmprovhost.exe", Channel::WinRm),
];

/// Applications whose DCOM objects run commands for a remote caller (MMC20.Application,
/// ShellWindows / ShellBrowserWindow, Excel.Application and DDE, Outlook, Word, Visio). They
/// serve DCOM when started with `-Embedding` (explorer also with `/factory`).
const DCOM_SERVERS: &[&str] = &[
    "mmc.exe",
    "excel.exe",
    "winword.exe",
    "powerpnt.exe",
    "outlook.exe",
    "visio.exe",
    "msaccess.exe",
    "explorer.exe",
];

/// What a provider host starts for itself or for a monitoring poll, not for a command: the
/// performance-counter adapters a poller's queries wake, the event-consumer host, error
/// reporting, console hosts, COM surrogates and callback sinks.
const HOUSEKEEPING: &[&str] = &[
    "wmiadap.exe",
    "wmiapsrv.exe",
    "wmiprvse.exe",
    "scrcons.exe",
    "mofcomp.exe",
    "werfault.exe",
    "wermgr.exe",
    "conhost.exe",
    "unsecapp.exe",
    "dllhost.exe",
];

/// Logon ids of the machine's own accounts (SYSTEM, NETWORK SERVICE, LOCAL SERVICE): a process
/// logged with one was started by a service, and 4688 before Windows 10 logs the creator's
/// session, so its client is found by time.
const SERVICE_LOGONS: &[&str] = &["0x3e7", "0x3e4", "0x3e5"];

/// Ports a WMI, DCOM or WinRM client reaches: the RPC endpoint mapper, SMB (`wmiexec` reads its
/// output over `ADMIN$`), WinRM.
const REMOTE_EXEC_PORTS: &[u16] = &[135, 445, 5985, 5986];

/// How long an inbound contact (Sysmon 3, no Security log) still explains a process.
const CONTACT_SECS: i64 = 60;

/// Provider hosts and DCOM servers are long-lived: kept this many hop windows.
const SERVER_WINDOWS: i64 = 6;

/// Provider hosts, DCOM servers, contacts and open hops of the process channels.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct ProcessSessions {
    /// Provider hosts and DCOM servers running, per host: 4688 before Windows 10 names a
    /// parent by PID only.
    servers: HashMap<String, VecDeque<Server>>,
    /// Processes (`pid:`) and sessions (`id:`, `ip:`) already in a hop, by host: their later
    /// processes join it.
    members: HashMap<(String, String), Member>,
    /// Inbound contacts on remote-execution ports (Sysmon 3), per host.
    contacts: HashMap<String, VecDeque<Contact>>,
    /// WinRM and WMI-Activity events per host, waiting for the hop they support.
    #[serde(default)]
    activity: HashMap<String, VecDeque<(Channel, Evidence)>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Server {
    key: String,
    channel: Channel,
    time: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    hop: usize,
    time: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Contact {
    time: Timestamp,
    source_ip: String,
    evidence: Evidence,
}

impl ProcessSessions {
    /// Entries held.
    pub(super) fn size(&self) -> usize {
        self.servers.values().map(VecDeque::len).sum::<usize>()
            + self.members.len()
            + self.contacts.values().map(VecDeque::len).sum::<usize>()
            + self.activity.values().map(VecDeque::len).sum::<usize>()
    }

    /// Forgets what is older than the hop window (servers: several windows).
    pub(super) fn sweep(&mut self, now: Timestamp, cfg: &AnalyticsConfig) {
        let floor = now.add_secs(-cfg.hop_window_secs);
        let server_floor = now.add_secs(-cfg.hop_window_secs * SERVER_WINDOWS);
        for q in self.servers.values_mut() {
            q.retain(|s| s.time >= server_floor);
        }
        self.servers.retain(|_, q| !q.is_empty());
        self.members.retain(|_, m| m.time >= floor);
        for q in self.contacts.values_mut() {
            q.retain(|c| c.time >= floor);
        }
        self.contacts.retain(|_, q| !q.is_empty());
        for q in self.activity.values_mut() {
            q.retain(|(_, e)| e.time >= floor);
        }
        self.activity.retain(|_, q| !q.is_empty());
    }

    /// The channel of a process's parent, by its recorded start or by its image's name.
    fn parent_channel(&self, p: &ProcessCreation) -> Option<Channel> {
        let host = &p.evidence.host;
        let recorded = p.parent_key.as_ref().and_then(|k| {
            self.servers
                .get(host)?
                .iter()
                .rev()
                .find(|s| &s.key == k)
                .map(|s| s.channel)
        });
        recorded.or_else(|| {
            let parent = base_name(p.parent_image.as_deref()?);
            provider_channel(&parent)
        })
    }

    fn member(&self, host: &str, key: String) -> Option<usize> {
        self.members.get(&(host.to_string(), key)).map(|m| m.hop)
    }

    fn join(&mut self, host: &str, key: String, hop: usize, time: Timestamp) {
        self.members
            .insert((host.to_string(), key), Member { hop, time });
    }

    /// The address and event of the latest inbound contact within [`CONTACT_SECS`] before `now`.
    pub(super) fn contact_before(&self, host: &str, now: Timestamp) -> Option<(String, Evidence)> {
        self.contact(host, now)
            .map(|c| (c.source_ip.clone(), c.evidence.clone()))
    }

    /// The latest inbound contact on `host` within [`CONTACT_SECS`] before `now`.
    fn contact(&self, host: &str, now: Timestamp) -> Option<&Contact> {
        let floor = now.add_secs(-CONTACT_SECS);
        self.contacts
            .get(host)?
            .iter()
            .rev()
            .find(|c| c.time >= floor && c.time <= now)
    }
}

/// The channel a provider host serves.
fn provider_channel(image: &str) -> Option<Channel> {
    PROVIDER_HOSTS
        .iter()
        .find(|(name, _)| *name == image)
        .map(|(_, c)| *c)
}

/// True for a DCOM server started to serve a caller.
fn is_dcom_server(image: &str, command_line: &str) -> bool {
    let cmd = command_line.to_ascii_lowercase();
    DCOM_SERVERS.contains(&image) && (cmd.contains("-embedding") || cmd.contains("/factory"))
}

fn is_service_logon(id: &str) -> bool {
    SERVICE_LOGONS.iter().any(|s| s.eq_ignore_ascii_case(id))
}

/// `DOMAIN\user` as a process's user is logged.
fn account_of(user: &str) -> Account {
    let (domain, user) = user.split_once('\\').unwrap_or(("", user));
    Account {
        domain: domain.to_ascii_uppercase(),
        user: user.to_string(),
        sid: None,
    }
}

/// The remote side of a session behind a process.
struct Session {
    source_ip: Option<String>,
    account: Account,
    logon_id: Option<String>,
    evidence: Evidence,
}

impl From<NetLogon> for Session {
    fn from(l: NetLogon) -> Self {
        Session {
            source_ip: l.source_ip,
            account: l.account,
            logon_id: l.logon_id,
            evidence: l.evidence,
        }
    }
}

impl RemoteExecTracker {
    /// An inbound connection (Sysmon 3) on a WMI, DCOM or WinRM port: the source of the
    /// processes that follow when no Security log names the session.
    pub fn inbound(&mut self, c: &NetworkConnection, cfg: &AnalyticsConfig) {
        if c.initiated {
            return;
        }
        let listens = |port: Option<u16>| port.is_some_and(|p| REMOTE_EXEC_PORTS.contains(&p));
        // Sysmon logs an accepted connection with either side as its source.
        let remote = if listens(c.source_port) {
            c.destination_ip.as_ref()
        } else if listens(c.destination_port) {
            c.source_ip.as_ref()
        } else {
            None
        };
        let Some(ip) = remote.filter(|ip| !is_local_ip(ip)) else {
            return;
        };
        let q = self
            .processes
            .contacts
            .entry(c.evidence.host.clone())
            .or_default();
        q.retain(|old| &old.source_ip != ip);
        q.push_back(Contact {
            time: c.evidence.time,
            source_ip: ip.clone(),
            evidence: c.evidence.clone(),
        });
        if q.len() > cfg.max_pending_per_host {
            q.pop_front();
        }
    }

    /// A process start: a hop when a provider host or DCOM server started it for a remote
    /// session; later processes of that session join the hop.
    pub fn process(&mut self, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        let host = p.evidence.host.clone();
        let image = base_name(&p.image);
        let dcom_server = is_dcom_server(&image, &p.command_line);
        let serves = provider_channel(&image).or(dcom_server.then_some(Channel::Dcom));
        if let (Some(channel), Some(key)) = (serves, &p.process_key) {
            let q = self.processes.servers.entry(host.clone()).or_default();
            q.push_back(Server {
                key: key.clone(),
                channel,
                time: p.evidence.time,
            });
            if q.len() > cfg.max_pending_per_host {
                q.pop_front();
            }
        }
        let own_id = p.logon_id.clone().filter(|id| !is_service_logon(id));
        let joined = p
            .parent_key
            .as_ref()
            .and_then(|k| self.processes.member(&host, format!("pid:{k}")))
            .or_else(|| {
                let id = own_id.as_ref()?;
                self.processes
                    .member(&host, format!("id:{}", id.to_ascii_lowercase()))
            });
        if let Some(hop) = joined {
            self.add_to_hop(hop, p, cfg);
            return;
        }
        let channel = match self.processes.parent_channel(p) {
            Some(c) if !HOUSEKEEPING.contains(&image.as_str()) => c,
            // A DCOM server started in a remote session is the activation itself.
            _ if dcom_server => Channel::Dcom,
            _ => return,
        };
        self.prune(&host, p.evidence.time, cfg);
        let Some((session, tie)) = self.process_session(p, own_id.as_deref()) else {
            return;
        };
        if channel == Channel::Dcom && serves == Some(Channel::Dcom) && tie != Tie::LogonId {
            return; // a server started by svchost without its caller's session: wait for a child
        }
        let session_key = match (&session.logon_id, &session.source_ip) {
            (Some(id), _) => format!("id:{}", id.to_ascii_lowercase()),
            (None, Some(ip)) => format!("ip:{ip}"),
            (None, None) => String::new(),
        };
        let same_session = self
            .processes
            .member(&host, session_key.clone())
            .filter(|&i| self.hops.get(i).is_some_and(|h| h.channel == channel));
        if let Some(hop) = same_session {
            self.add_to_hop(hop, p, cfg);
            return;
        }
        let account = Some(session.account)
            .filter(|a| !a.is_empty())
            .or_else(|| p.user.as_deref().map(account_of));
        let index = self.hops.len();
        let mut evidence = vec![session.evidence];
        if let Some(q) = self.processes.activity.get_mut(&host) {
            let (ours, rest): (VecDeque<_>, VecDeque<_>) =
                q.drain(..).partition(|(c, _)| *c == channel);
            *q = rest;
            evidence.extend(ours.into_iter().map(|(_, e)| e));
        }
        evidence.push(p.evidence.clone());
        evidence.truncate(cfg.max_evidence);
        self.hops.push(Hop {
            target: host.clone(),
            source_ip: session.source_ip,
            source_name: None,
            account,
            time: p.evidence.time,
            channel,
            service: image.clone(),
            implant: image,
            image_path: p.image.clone(),
            evidence,
            tie,
            tool: None,
        });
        let time = p.evidence.time;
        if !session_key.is_empty() {
            self.processes.join(&host, session_key, index, time);
        }
        self.remember(index, p);
    }

    /// The remote session a process ran for: by its own logon id, else (no id, or a service's)
    /// the latest remote network logon, else with no Security log at all an inbound contact.
    fn process_session(&self, p: &ProcessCreation, own_id: Option<&str>) -> Option<(Session, Tie)> {
        let host = &p.evidence.host;
        let logons = self.logons.get(host).filter(|q| !q.is_empty());
        if let Some(q) = logons {
            return match own_id {
                Some(id) => q
                    .iter()
                    .rev()
                    .find(|l| {
                        l.logon_id
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(id))
                    })
                    .map(|l| (l.clone().into(), Tie::LogonId)),
                None => q
                    .iter()
                    .rev()
                    .find(|l| l.time <= p.evidence.time)
                    .map(|l| (l.clone().into(), Tie::NetworkLogon)),
            };
        }
        let c = self.processes.contact(host, p.evidence.time)?;
        let session = Session {
            source_ip: Some(c.source_ip.clone()),
            account: Account::default(),
            logon_id: None,
            evidence: c.evidence.clone(),
        };
        Some((session, Tie::NetworkLogon))
    }

    /// WinRM 91/169, WMI-Activity 5857/5860/5861 and 4674 in a DCOM server or the SCM: evidence
    /// for the hop of the same session (4674's logon id), or for the next hop of the channel on
    /// the host within the window. The hop stands without them.
    pub fn activity(&mut self, a: &ChannelActivity, cfg: &AnalyticsConfig) {
        let host = a.evidence.host.clone();
        let joined = a.logon_id.as_ref().and_then(|id| {
            self.processes
                .member(&host, format!("id:{}", id.to_ascii_lowercase()))
        });
        if let Some(i) = joined {
            if let Some(h) = self.hops.get_mut(i)
                && h.evidence.len() < cfg.max_evidence
                && !h.evidence.iter().any(|e| e.kind == a.evidence.kind)
            {
                h.evidence.push(a.evidence.clone());
            }
            return;
        }
        let channel = match a.kind {
            ActivityKind::WinRm => Channel::WinRm,
            ActivityKind::Wmi => Channel::Wmi,
            ActivityKind::PrivilegedObject => return,
        };
        let q = self.processes.activity.entry(host).or_default();
        q.push_back((channel, a.evidence.clone()));
        if q.len() > cfg.max_pending_per_host {
            q.pop_front();
        }
    }

    fn add_to_hop(&mut self, index: usize, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        if let Some(h) = self.hops.get_mut(index)
            && h.evidence.len() < cfg.max_evidence
        {
            h.evidence.push(p.evidence.clone());
        }
        self.remember(index, p);
    }

    /// The process and its session join the hop, so descendants and siblings find it.
    fn remember(&mut self, index: usize, p: &ProcessCreation) {
        let (host, time) = (&p.evidence.host, p.evidence.time);
        if let Some(k) = &p.process_key {
            self.processes.join(host, format!("pid:{k}"), index, time);
        }
        if let Some(id) = p.logon_id.as_ref().filter(|id| !is_service_logon(id)) {
            self.processes
                .join(host, format!("id:{}", id.to_ascii_lowercase()), index, time);
        }
    }
}
