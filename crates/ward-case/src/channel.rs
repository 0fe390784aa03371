//! How a hop ran code on its target: the remote-execution channel. A cluster's artefact names
//! the channel with what it ran (`service:WmiApSrvEx`, `task:\Microsoft\Update`, `wmi:cmd.exe`).

use serde::{Deserialize, Serialize};

/// A remote-execution channel.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// A service installed over the service control manager (PsExec, Kwampirs, smbexec).
    #[default]
    Service,
    /// A process started through WMI (`Win32_Process.Create`, wmiexec): child of `WmiPrvSE.exe`.
    Wmi,
    /// A scheduled task registered remotely (`schtasks /S`, atexec).
    ScheduledTask,
    /// PowerShell remoting / WinRM: child of `wsmprovhost.exe`.
    #[serde(rename = "winrm")]
    WinRm,
    /// DCOM (MMC20, ShellWindows, Excel): child of a DCOM server process.
    Dcom,
    /// An interactive Remote Desktop session.
    Rdp,
    /// Seen only on the network: an SMB contact, then the device called the C2.
    Network,
}

impl Channel {
    /// The artefact prefix of its clusters: `service`, `wmi`, `task`, `winrm`, `dcom`, `rdp`.
    pub fn artefact_kind(self) -> &'static str {
        match self {
            Channel::Service => "service",
            Channel::Wmi => "wmi",
            Channel::ScheduledTask => "task",
            Channel::WinRm => "winrm",
            Channel::Dcom => "dcom",
            Channel::Rdp => "rdp",
            Channel::Network => "network",
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Service => "remote service install",
            Channel::Wmi => "WMI process creation",
            Channel::ScheduledTask => "remote scheduled task",
            Channel::WinRm => "PowerShell remoting (WinRM)",
            Channel::Dcom => "DCOM",
            Channel::Rdp => "Remote Desktop",
            Channel::Network => "SMB contact, then C2 (network logs only)",
        }
    }
}
