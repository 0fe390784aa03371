//! Compact facts: the few fields of a Windows event that the host analytics need, each with the
//! [`Evidence`] pointing back at the event. Facts are small and owned, so analytics can keep the
//! handful that matter and drop the event.

mod extract;

pub use extract::extract;

use crate::case::Evidence;
use ward_event::Timestamp;

/// One compact record extracted from an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Fact {
    /// 4624 (success) or 4625 (failure).
    Logon(Logon),
    /// 4648: credentials given explicitly, logged on the host where they were typed.
    ExplicitCredentials(ExplicitCredentials),
    /// 4672: an administrator-equivalent logon.
    SpecialLogon(SpecialLogon),
    /// 5140 / 5145: a network share was reached.
    ShareAccess(ShareAccess),
    /// 7045 (System) / 4697 (Security): a service was installed.
    ServiceInstall(ServiceInstall),
    /// Sysmon 1 / Security 4688: a process started.
    ProcessCreation(ProcessCreation),
    /// Sysmon 11: a file was created.
    FileCreate(FileCreate),
    /// Sysmon 13: a registry value was set.
    RegistrySet(RegistrySet),
    /// Sysmon 3: a network connection.
    NetworkConnection(NetworkConnection),
    /// Zeek ntlm / kerberos / dhcp: a host name seen behind an address.
    AddressSeen(AddressSeen),
    /// 4698 / 4702 / 4699 (Security), TaskScheduler 106 / 140 / 141 / 200 / 201: a scheduled
    /// task registered, updated, deleted or run.
    ScheduledTask(ScheduledTask),
    /// Sysmon 17 / 18: a named pipe created or connected to.
    Pipe(PipeEvent),
    /// Remote Desktop session events: Security 4778 / 4779, TerminalServices
    /// LocalSessionManager 21 / 22 / 24 / 25, RemoteConnectionManager 1149.
    RdpSession(RdpSession),
    /// Evidence of a remote-execution channel that does not carry the hop on its own: WinRM
    /// 91 / 6 / 169, WMI-Activity 5857 / 5860 / 5861, and 4674 on a DCOM or service object.
    ChannelActivity(ChannelActivity),
}

impl Fact {
    /// The event behind the fact.
    pub fn evidence(&self) -> &Evidence {
        match self {
            Fact::Logon(f) => &f.evidence,
            Fact::ExplicitCredentials(f) => &f.evidence,
            Fact::SpecialLogon(f) => &f.evidence,
            Fact::ShareAccess(f) => &f.evidence,
            Fact::ServiceInstall(f) => &f.evidence,
            Fact::ProcessCreation(f) => &f.evidence,
            Fact::FileCreate(f) => &f.evidence,
            Fact::RegistrySet(f) => &f.evidence,
            Fact::NetworkConnection(f) => &f.evidence,
            Fact::AddressSeen(f) => &f.evidence,
            Fact::ScheduledTask(f) => &f.evidence,
            Fact::Pipe(f) => &f.evidence,
            Fact::RdpSession(f) => &f.evidence,
            Fact::ChannelActivity(f) => &f.evidence,
        }
    }

    /// When the event happened.
    pub fn time(&self) -> Timestamp {
        self.evidence().time
    }

    /// The host that logged it (upper-case short name).
    pub fn host(&self) -> &str {
        &self.evidence().host
    }
}

/// An account as `DOMAIN\user` (or `user` when no domain was logged).
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Account {
    /// Domain as logged (may be empty).
    pub domain: String,
    /// User name as logged.
    pub user: String,
    /// SID, when logged.
    pub sid: Option<String>,
}

impl Account {
    /// `DOMAIN\user`, or `user` alone when the domain is empty.
    pub fn qualified(&self) -> String {
        if self.domain.is_empty() || self.domain == "-" {
            self.user.clone()
        } else {
            format!("{}\\{}", self.domain, self.user)
        }
    }

    /// True for a computer account (`HOST$`).
    pub fn is_computer(&self) -> bool {
        self.user.ends_with('$')
    }

    /// True when nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty() || self.user == "-"
    }
}

/// A logon on the host that logged it (4624 / 4625).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Logon {
    /// The event.
    pub evidence: Evidence,
    /// True for 4624, false for 4625.
    pub success: bool,
    /// Windows logon type (2 interactive, 3 network, 10 remote interactive, …); 0 when absent.
    pub logon_type: u32,
    /// The account that logged on.
    pub account: Account,
    /// Source address, when the logon came over the network.
    pub source_ip: Option<String>,
    /// Source computer name as the client gave it.
    pub workstation: Option<String>,
    /// `TargetLogonId`, to tie later events of the same session.
    pub logon_id: Option<String>,
    /// How the logon authenticated (pass-the-hash leaves its marks here).
    #[serde(default)]
    pub auth: LogonAuth,
}

/// How a logon authenticated, as 4624 logs it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogonAuth {
    /// `LogonProcessName` (`NtLmSsp`, `Kerberos`, `seclogo`, `User32`), trimmed.
    pub process: Option<String>,
    /// `AuthenticationPackageName` (`NTLM`, `Kerberos`, `Negotiate`).
    pub package: Option<String>,
    /// `KeyLength`: 0 for an NTLM logon without a session key.
    pub key_length: Option<u32>,
    /// `TargetOutboundUserName` of a logon type 9 (the identity used on the network).
    pub outbound_user: Option<String>,
}

/// Credentials used explicitly (4648), e.g. `runas` or `net use \\host /user:`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExplicitCredentials {
    /// The event.
    pub evidence: Evidence,
    /// The account whose credentials were used.
    pub account: Account,
    /// The account that used them.
    pub subject: Account,
    /// Server the credentials were for.
    pub target_server: Option<String>,
    /// Address of that server, when logged.
    pub target_ip: Option<String>,
}

/// A logon with administrator-equivalent privileges (4672).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpecialLogon {
    /// The event.
    pub evidence: Evidence,
    /// The account.
    pub account: Account,
    /// `SubjectLogonId`.
    pub logon_id: Option<String>,
}

/// A network share reached on the host that logged it (5140 / 5145).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShareAccess {
    /// The event.
    pub evidence: Evidence,
    /// Share name without the `\\*\` prefix, upper-case (`ADMIN$`, `C$`, `IPC$`).
    pub share: String,
    /// Path inside the share (5145 only).
    pub relative_target: Option<String>,
    /// True when the access asked for write (WriteData / AppendData / 0x2 / 0x4 bits).
    pub write: bool,
    /// Source address.
    pub source_ip: Option<String>,
    /// The account.
    pub account: Account,
    /// `SubjectLogonId`.
    pub logon_id: Option<String>,
}

impl ShareAccess {
    /// True for `ADMIN$` and drive shares (`C$`, `D$`, …), the shares remote execution writes to.
    pub fn is_admin_share(&self) -> bool {
        let s = self.share.as_str();
        s == "ADMIN$"
            || (s.len() == 2
                && s.ends_with('$')
                && s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic))
    }
}

/// A service installed on the host that logged it (7045 / 4697).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceInstall {
    /// The event.
    pub evidence: Evidence,
    /// Service name as logged.
    pub service: String,
    /// Image path / service file name as logged.
    pub image_path: String,
    /// Account the service runs as (`LocalSystem`, …).
    pub service_account: Option<String>,
    /// Who installed it (4697 only).
    pub subject: Option<Account>,
    /// `SubjectLogonId` (4697 only).
    pub logon_id: Option<String>,
}

/// A process start (Sysmon 1 / Security 4688).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProcessCreation {
    /// The event.
    pub evidence: Evidence,
    /// Full image path.
    pub image: String,
    /// Command line (may be empty where 4688 command-line auditing is off).
    pub command_line: String,
    /// Parent image, when logged.
    pub parent_image: Option<String>,
    /// Sysmon process GUID, else the PID in text.
    pub process_key: Option<String>,
    /// Sysmon parent GUID, else the parent PID in text.
    pub parent_key: Option<String>,
    /// The user the process runs as.
    pub user: Option<String>,
    /// The process's logon session: Sysmon `LogonId`; 4688's `TargetLogonId` when it names
    /// another session than the creator's, else `SubjectLogonId`.
    pub logon_id: Option<String>,
}

/// A file created (Sysmon 11).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileCreate {
    /// The event.
    pub evidence: Evidence,
    /// Image of the creating process (`System` for SMB writes).
    pub image: String,
    /// Creating process id (4 = System, i.e. written over SMB).
    pub pid: Option<u64>,
    /// The file created.
    pub target: String,
}

impl FileCreate {
    /// True when the kernel's System process wrote it, i.e. it arrived over SMB.
    pub fn by_system(&self) -> bool {
        self.pid == Some(4) || self.image.eq_ignore_ascii_case("System")
    }
}

/// A registry value set (Sysmon 13).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RegistrySet {
    /// The event.
    pub evidence: Evidence,
    /// Image of the writing process.
    pub image: String,
    /// Key path and value name.
    pub target: String,
    /// The data written.
    pub details: Option<String>,
}

/// A network connection (Sysmon 3).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetworkConnection {
    /// The event.
    pub evidence: Evidence,
    /// Image of the connecting process.
    pub image: String,
    /// Local address.
    pub source_ip: Option<String>,
    /// Remote address.
    pub destination_ip: Option<String>,
    /// Remote port.
    pub destination_port: Option<u16>,
    /// Local port (Sysmon logs an accepted connection with the listening side as source).
    pub source_port: Option<u16>,
    /// Remote host name, when resolved.
    pub destination_host: Option<String>,
    /// True when this host opened the connection.
    pub initiated: bool,
}

/// A host name the network saw behind an address (NTLM workstation, Kerberos computer
/// account, DHCP lease).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AddressSeen {
    /// The network event.
    pub evidence: Evidence,
    /// The address.
    pub ip: String,
    /// The host name as logged (normalised by the directory).
    pub host: String,
}

/// What happened to a scheduled task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TaskChange {
    /// Created (4698, TaskScheduler 106).
    Registered,
    /// Changed (4702, TaskScheduler 140).
    Updated,
    /// Deleted (4699, TaskScheduler 141).
    Deleted,
    /// An action started (TaskScheduler 200).
    ActionStarted,
    /// An action completed (TaskScheduler 201).
    ActionCompleted,
}

/// A scheduled task event on the host that logged it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScheduledTask {
    /// The event.
    pub evidence: Evidence,
    /// What happened.
    pub change: TaskChange,
    /// Task path as logged (`\Microsoft\Update`).
    pub task_name: String,
    /// The command it runs: `<Command>` of the task XML (4698/4702), `ActionName` (200/201).
    pub command: Option<String>,
    /// `<Arguments>` of the task XML.
    pub arguments: Option<String>,
    /// Who registered it: the Security subject, else TaskScheduler's `UserContext`/`UserName`.
    pub subject: Option<Account>,
    /// `SubjectLogonId` (Security events only): ties the task to its logon session.
    pub logon_id: Option<String>,
}

/// A named pipe event (Sysmon 17 created, 18 connected).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PipeEvent {
    /// The event.
    pub evidence: Evidence,
    /// Pipe name without the leading backslash (`PSEXESVC-WS01-1234-stdin`).
    pub pipe: String,
    /// Image of the process; `System` for a connection that arrived over SMB.
    pub image: String,
    /// True for 18 (connected), false for 17 (created).
    pub connected: bool,
}

/// What happened to a Remote Desktop session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RdpChange {
    /// A session logon (LocalSessionManager 21, shell start 22).
    LoggedOn,
    /// A session reconnected (4778, LocalSessionManager 25).
    Reconnected,
    /// A session disconnected (4779, LocalSessionManager 24).
    Disconnected,
    /// Network-level authentication succeeded (RemoteConnectionManager 1149).
    Authenticated,
}

/// A Remote Desktop session event on the host that logged it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RdpSession {
    /// The event.
    pub evidence: Evidence,
    /// What happened.
    pub change: RdpChange,
    /// The session's account.
    pub account: Account,
    /// Client address (`ClientAddress`, `Address`, `Param3`).
    pub client_ip: Option<String>,
    /// Client computer name (`ClientName`, 4778/4779 only).
    pub client_name: Option<String>,
    /// Session name (`RDP-Tcp#8`, 4778/4779) or LocalSessionManager's `SessionID`.
    pub session: Option<String>,
    /// `LogonID` (4778/4779).
    pub logon_id: Option<String>,
}

/// Which channel an activity event speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ActivityKind {
    /// WinRM 91 (session created), 6 (client session), 169 (user authenticated).
    WinRm,
    /// WMI-Activity 5857 (provider loaded), 5860 / 5861 (event subscriptions).
    Wmi,
    /// 4674 by `services.exe` or on a DCOM object: a privileged operation for a session.
    PrivilegedObject,
}

/// A channel's supporting event: joins the open hop of the same host and session.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChannelActivity {
    /// The event.
    pub evidence: Evidence,
    /// Which channel.
    pub kind: ActivityKind,
    /// The user it names, when it names one.
    pub account: Option<Account>,
    /// `SubjectLogonId` (4674) or WMI-Activity's `ClientProcessId` session, when logged.
    pub logon_id: Option<String>,
    /// Client address or machine, when logged (WMI-Activity `ClientMachine`).
    pub client: Option<String>,
    /// The process that logged it (4674 `ProcessName`, WMI-Activity `HostProcess`).
    pub process: Option<String>,
}
