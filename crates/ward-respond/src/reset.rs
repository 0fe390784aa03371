//! `reset-accounts.ps1`: resets the passwords of the accounts a worm exposed, from a clean
//! computer. Names from the case appear only as data — single-quoted string literals in the
//! arrays at the top ([`crate::powershell::quote`]) — and the code below them is the same for
//! every case ([`SCRIPT_BODY`]). Names that cannot be Windows names are refused, with why.

use crate::kit::{AccountKind, Kit, ResetAccount};
use crate::powershell::{
    account_name_problem, comment_text, domain_name_problem, host_name_problem, quote,
};
use crate::{KitFile, KitOptions};
use std::fmt::Write;

/// The script's file name in the kit.
pub const FILE: &str = "reset-accounts.ps1";

/// The kit's password-reset script.
pub fn write(kit: &Kit, _options: &KitOptions) -> Vec<KitFile> {
    let mut refused = Vec::new();
    let mut text = String::from(SCRIPT_HEAD);
    let _ = writeln!(text, "# Case of {}.", comment_text(&kit.case_time));
    text.push_str(SCRIPT_PARAMS);

    text.push_str(DEVICES_NOTE);
    let affected = device_names(kit.devices.iter().map(|d| d.host.as_str()), &mut refused);
    let suspect = device_names(
        kit.devices_if_confirmed.iter().map(|d| d.host.as_str()),
        &mut refused,
    );
    text.push_str(&block("", "$AffectedDevices", &affected));
    text.push_str(
        "# Devices only suspicious spread reached: refused too, until they are cleared.\n",
    );
    text.push_str(&block("", "$SuspectDevices", &suspect));

    let worm = plan(&kit.accounts, &mut refused);
    text.push_str(&worm.render(""));
    let if_confirmed = plan(&kit.if_confirmed, &mut refused);
    if !if_confirmed.is_empty() {
        text.push_str(IF_CONFIRMED_NOTE);
        text.push_str(&if_confirmed.render("# "));
    }
    if kit.domain_controller_affected {
        text.push_str(KRBTGT_NOTE);
    } else {
        text.push_str("$DomainControllerAffected = $false\n");
    }
    text.push_str(SCRIPT_BODY);
    vec![KitFile {
        path: FILE.into(),
        text,
        refused,
        private: false,
    }]
}

/// The accounts of one block, sorted by how they are reset.
#[derive(Default)]
struct Plan {
    /// `$PersonAccounts` entries.
    persons: Vec<String>,
    /// `$ServiceAccounts` entries, and the comment lines saying what uses them.
    services: Vec<String>,
    service_notes: Vec<String>,
    /// `$LocalAccounts` entries.
    locals: Vec<String>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.persons.is_empty() && self.services.is_empty() && self.locals.is_empty()
    }

    /// The worm's block as arrays; the suspicious block (`prefix` `# `) as commented-out
    /// lines that add to them once uncommented.
    fn render(&self, prefix: &str) -> String {
        let mut out = block(prefix, "$PersonAccounts", &self.persons);
        if !self.service_notes.is_empty() {
            out.push_str(&format!("{prefix}{SERVICE_NOTE}"));
            for n in &self.service_notes {
                let _ = writeln!(out, "{prefix}#   {n}");
            }
        }
        out.push_str(&block(prefix, "$ServiceAccounts", &self.services));
        if prefix.is_empty() {
            out.push_str(LOCAL_NOTE);
        }
        out.push_str(&block(prefix, "$LocalAccounts", &self.locals));
        out
    }
}

/// An array of entries; with a comment `prefix`, lines that append to it once uncommented.
fn block(prefix: &str, name: &str, entries: &[String]) -> String {
    if !prefix.is_empty() {
        return entries
            .iter()
            .map(|e| format!("{prefix}{name} += {e}\n"))
            .collect();
    }
    let mut out = format!("{name} = @(\n");
    for e in entries {
        let _ = writeln!(out, "    {e}");
    }
    out.push_str(")\n");
    out
}

fn plan(accounts: &[ResetAccount], refused: &mut Vec<String>) -> Plan {
    let mut plan = Plan::default();
    for a in accounts {
        let refuse = |why: String| format!("{FILE}: account {:?} {why}", a.account);
        if let Some(why) = account_name_problem(&a.user) {
            refused.push(refuse(why));
            continue;
        }
        let user = quote(&a.user);
        let account = quote(&a.account);
        match a.kind {
            AccountKind::Local => {
                for host in local_hosts(a) {
                    match host_name_problem(host) {
                        Some(why) => refused.push(refuse(format!("on {host:?}: {why}"))),
                        None => plan.locals.push(format!(
                            "@{{ Account = {account}; Computer = {}; User = {user} }}",
                            quote(host)
                        )),
                    }
                }
            }
            kind => {
                if let Some(why) = Some(&a.domain)
                    .filter(|d| !d.is_empty())
                    .and_then(|d| domain_name_problem(d))
                {
                    refused.push(refuse(why));
                    continue;
                }
                if kind == AccountKind::Person {
                    plan.persons
                        .push(format!("@{{ Account = {account}; User = {user} }}"));
                    continue;
                }
                let used_by: Vec<String> = a
                    .used_by
                    .iter()
                    .map(|(host, what)| comment_text(&format!("{host}: {what}")))
                    .collect();
                let hosts: Vec<String> = a.hosts.iter().map(|h| comment_text(h)).collect();
                plan.service_notes.push(format!(
                    "{} exposed on {}{}",
                    comment_text(&a.account),
                    hosts.join(", "),
                    if used_by.is_empty() {
                        String::new()
                    } else {
                        format!("; runs: {}", used_by.join("; "))
                    }
                ));
                plan.services.push(format!(
                    "@{{ Account = {account}; User = {user}; UsedOn = {}; UsedBy = {} }}",
                    inline_array(&hosts),
                    inline_array(&used_by)
                ));
            }
        }
    }
    plan
}

/// The hosts a local account lives on: its domain part when that is a host, else where it was
/// exposed (`.\user`, `user`).
fn local_hosts(a: &ResetAccount) -> Vec<&str> {
    if a.domain.is_empty() || a.domain == "." {
        a.hosts.iter().map(String::as_str).collect()
    } else {
        vec![a.domain.as_str()]
    }
}

fn device_names<'a>(
    hosts: impl Iterator<Item = &'a str>,
    refused: &mut Vec<String>,
) -> Vec<String> {
    hosts
        .filter_map(|h| match host_name_problem(h) {
            Some(why) => {
                refused.push(format!(
                    "{FILE}: device {h:?} {why}, so it can never be this computer's name; left out of the refusal check"
                ));
                None
            }
            None => Some(quote(h)),
        })
        .collect()
}

fn inline_array(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("@({})", quoted.join(", "))
}

const SCRIPT_HEAD: &str = "\
# reset-accounts.ps1, written by Ward (`ward respond`) for the accounts a worm exposed.
#
# Run it from a CLEAN computer with the ActiveDirectory module (RSAT), as a domain admin.
# It refuses to run on any affected device: the worm there may capture the new passwords.
#
#   .\\reset-accounts.ps1 -WhatIf               # shows every change, changes nothing
#   .\\reset-accounts.ps1                       # resets; new passwords go to -PasswordFile
#   .\\reset-accounts.ps1 -ResetLocalAccounts   # also local accounts, once their devices are clean
#
# Each password is new, random (a cryptographic RNG on this computer, at run time) and written
# only to -PasswordFile, which only you can read. It is never printed. Hand each one over in
# person or by phone, then delete the file.
";

const SCRIPT_PARAMS: &str = "\
[CmdletBinding(SupportsShouldProcess)]
param(
    # Where the new passwords go; it must not exist yet, only you will be able to read it.
    [string]$PasswordFile = (Join-Path ([Environment]::GetFolderPath('MyDocuments')) ('ward-new-passwords-' + (Get-Date -Format 'yyyyMMdd-HHmmss') + '.txt')),
    # Also reset local accounts on their devices: only once those devices are cleaned or rebuilt.
    [switch]$ResetLocalAccounts,
    # Domain controller to talk to (default: one of this computer's domain).
    [string]$Server
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

";

const DEVICES_NOTE: &str = "
# Devices the worm reached (isolate.csv). The script will not run on them.
";

const SERVICE_NOTE: &str = "\
# Service accounts: resetting one stops every service and task that logs on with it until you
# give it the new password (services.msc > Log On, Set-Service -Credential, or the
# application's own settings). Reset, then update each of these right away:
";

const LOCAL_NOTE: &str = "\
# Local accounts live on affected devices: reset them (-ResetLocalAccounts) only once each device
# is cleaned or rebuilt, or the worm there captures the new password. Where PowerShell remoting
# or Set-LocalUser is missing (Windows 7 consoles), sign in at the device and run
#     net user NAME *
# which asks for the password (never put a password on a command line). Local passwords are
# often shared between devices of one vendor: change them on every device that uses them.
";

const IF_CONFIRMED_NOTE: &str = "
# ---------------------------------------------------------------------------------------------
# Suspicious spread (needs a look, not confirmed as the worm). If you confirm it, remove the
# `# ` in front of these lines to reset these accounts too, and add its devices above.
# ---------------------------------------------------------------------------------------------
";

const KRBTGT_NOTE: &str = "
# A DOMAIN CONTROLLER IS AFFECTED. The worm may have read the krbtgt account's key and can then
# forge Kerberos tickets for any account (a golden ticket) whatever passwords you reset. Reset
# krbtgt twice: domain controllers accept the current and the previous key, so one reset leaves
# forged tickets valid. Wait between the two resets until replication has finished and at least
# the maximum ticket lifetime (10 hours by default) has passed, or users and services holding
# legitimate tickets fail. Use Microsoft's New-KrbtgtKeys.ps1; this script does not do it.
$DomainControllerAffected = $true
";

/// The code of every script: it reads the arrays above it and nothing else from the case.
const SCRIPT_BODY: &str = include_str!("reset_body.ps1");
