//! Canonical spelling of well-known Windows channels. Some exporters lower-case them
//! (`security`); rules and output expect the spelling Windows uses.

/// Channels whose case we restore; matched case-insensitively.
const WELL_KNOWN: &[&str] = &[
    "Security",
    "System",
    "Application",
    "Setup",
    "Windows PowerShell",
    "Microsoft-Windows-Sysmon/Operational",
    "Microsoft-Windows-PowerShell/Operational",
    "Microsoft-Windows-WMI-Activity/Operational",
    "Microsoft-Windows-TaskScheduler/Operational",
    "Microsoft-Windows-Windows Defender/Operational",
    "Microsoft-Windows-Bits-Client/Operational",
    "Microsoft-Windows-DNS-Client/Operational",
    "Microsoft-Windows-SMBServer/Security",
    "Microsoft-Windows-SMBClient/Security",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
    "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
    "Microsoft-Windows-CodeIntegrity/Operational",
    "Microsoft-Windows-AppLocker/EXE and DLL",
    "Microsoft-Windows-WinRM/Operational",
    "Microsoft-Windows-NTLM/Operational",
    "ForwardedEvents",
];

/// The canonical spelling of `channel` when it is a well-known channel.
pub(crate) fn canonical(channel: &str) -> Option<&'static str> {
    WELL_KNOWN
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(channel))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lower_case_security_is_restored() {
        assert_eq!(super::canonical("security"), Some("Security"));
        assert_eq!(
            super::canonical("MICROSOFT-WINDOWS-SYSMON/OPERATIONAL"),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(super::canonical("Custom/Log"), None);
    }
}
