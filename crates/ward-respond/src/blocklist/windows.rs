//! `windows-firewall.ps1`: an outbound Windows Firewall block rule for the C2 addresses,
//! re-applicable (it replaces its own rule group) and `-WhatIf`-aware.

use super::Blocklist;
use std::fmt::Write;

/// The rule group the script owns.
const GROUP: &str = "Ward C2 block";

pub(super) fn render(list: &Blocklist) -> String {
    let case = list.case_label();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Ward containment kit: block outbound traffic to the outbreak's C2 addresses.\n\
         # {case}: {}.\n\
         # Run as administrator on each Windows device, or push with a GPO/Intune script:\n\
         #   powershell -ExecutionPolicy Bypass -File .\\windows-firewall.ps1 [-WhatIf]\n\
         # Re-running replaces the rules of group '{GROUP}'; remove them with:\n\
         #   Get-NetFirewallRule -Group '{GROUP}' | Remove-NetFirewallRule\n\
         # Windows Firewall cannot block domains: use the RPZ zone or the proxy ACL for those.",
        list.counts()
    );
    let _ = writeln!(s, "#Requires -RunAsAdministrator");
    let _ = writeln!(s, "[CmdletBinding(SupportsShouldProcess = $true)]\nparam()");
    let _ = writeln!(s, "$ErrorActionPreference = 'Stop'");
    let _ = writeln!(s, "$group = {}", quote(GROUP));
    let addresses: Vec<String> = list.addresses().map(|a| quote(&a.to_string())).collect();
    if addresses.is_empty() {
        let _ = writeln!(s, "$addresses = @()");
    } else {
        let _ = writeln!(s, "$addresses = @(\n    {}\n)", addresses.join(",\n    "));
    }
    let _ = writeln!(
        s,
        "Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n\
         if ($addresses.Count -eq 0) {{\n    Write-Output 'No C2 address to block.'\n    return\n}}\n\
         New-NetFirewallRule -DisplayName {} -Group $group -Direction Outbound -Action Block `\n    \
         -RemoteAddress $addresses -Profile Any -Description {} | Out-Null\n\
         Write-Output (\"Blocked {{0}} C2 addresses outbound (rule group '{{1}}').\" -f $addresses.Count, $group)",
        quote("Ward: block C2 (outbound)"),
        quote(&format!("{case}: C2 addresses of the outbreak")),
    );
    s
}

/// A PowerShell single-quoted string: a quote, or any of the typographic quotes PowerShell
/// also reads as one, is doubled; nothing else is special inside.
fn quote(value: &str) -> String {
    let mut q = String::with_capacity(value.len() + 2);
    q.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            q.push(c);
        }
        q.push(c);
    }
    q.push('\'');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quotes_are_doubled() {
        assert_eq!(quote("1.2.3.4"), "'1.2.3.4'");
        assert_eq!(quote("a'b"), "'a''b'");
        assert_eq!(quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(quote("$(x)"), "'$(x)'");
    }
}
