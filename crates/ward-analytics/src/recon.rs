//! Recon bursts: many distinct discovery commands from one parent process in a short window —
//! the fingerprint of an implant surveying a new host (`cmd.exe /c "ipconfig /all" 2>nul`, …).

mod commands;

pub use commands::recon_command;

use crate::case::{Evidence, Finding};
use crate::config::AnalyticsConfig;
use crate::facts::ProcessCreation;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use ward_event::{Level, Timestamp};

/// The process a burst is keyed on: host plus parent GUID (Sysmon) or PID (4688).
type ParentKey = (String, String);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Burst {
    parent_image: String,
    commands: Vec<(String, Timestamp, Evidence)>,
    reported: bool,
    /// True when the parent is the desktop or a shell opened from it.
    interactive: bool,
    /// Accounts the commands ran as (a few at most): a person at an interactive shell is not
    /// an implant surveying the host.
    users: BTreeSet<String>,
}

/// Accounts kept per burst.
const MAX_USERS: usize = 8;

/// Desktop shells remembered.
const MAX_DESKTOP_SHELLS: usize = 4096;

/// Processes a person starts shells and tools from: the desktop and terminal windows.
const DESKTOP_PARENTS: &[&str] = &["explorer.exe", "windowsterminal.exe", "powershell_ise.exe"];

/// True for accounts a person logs on with (not SYSTEM, a service identity or a computer).
fn is_person(user: &str) -> bool {
    let u = user
        .rsplit('\\')
        .next()
        .unwrap_or(user)
        .to_ascii_uppercase();
    !(u.is_empty()
        || u == "-"
        || u.ends_with('$')
        || matches!(u.as_str(), "SYSTEM" | "LOCAL SERVICE" | "NETWORK SERVICE"))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Shell {
    parent: String,
    parent_image: String,
    time: Timestamp,
}

/// Tracks recon commands per parent process and turns bursts into findings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReconTracker {
    bursts: HashMap<ParentKey, Burst>,
    /// Recent `cmd.exe /c` wrappers, so their children count for the process that spawned the shell.
    shells: HashMap<ParentKey, Shell>,
    /// Bursts that ended, made into findings at the end.
    done: Vec<(ParentKey, Burst)>,
    /// Shells opened from the desktop (parent `explorer.exe`): what runs under them, a person
    /// typed. Capped; a shell past the cap is simply not known as interactive.
    desktop_shells: HashSet<ParentKey>,
    last_sweep: Timestamp,
}

/// Base name of a Windows path, lower-case.
pub fn base_name(path: &str) -> String {
    path.rsplit(['\\', '/'])
        .next()
        .unwrap_or(path)
        .trim_matches('"')
        .to_ascii_lowercase()
}

fn is_shell(image: &str) -> bool {
    matches!(
        base_name(image).as_str(),
        "cmd.exe" | "powershell.exe" | "pwsh.exe"
    )
}

impl ReconTracker {
    /// Considers one process start.
    pub fn feed(&mut self, p: &ProcessCreation, cfg: &AnalyticsConfig) {
        let now = p.evidence.time;
        self.sweep(now, cfg);
        let host = p.evidence.host.clone();
        let command = recon_command(&p.image, &p.command_line);
        let (parent, parent_image) = self.attribute(p);
        let from_desktop = p
            .parent_image
            .as_deref()
            .is_some_and(|i| DESKTOP_PARENTS.contains(&base_name(i).as_str()));
        if is_shell(&p.image)
            && from_desktop
            && let Some(key) = &p.process_key
            && self.desktop_shells.len() < MAX_DESKTOP_SHELLS
        {
            self.desktop_shells.insert((host.clone(), key.clone()));
        }
        if is_shell(&p.image)
            && command.is_some()
            && let Some(key) = &p.process_key
        {
            let shell = Shell {
                parent: parent.clone(),
                parent_image: parent_image.clone(),
                time: now,
            };
            self.shells.insert((host.clone(), key.clone()), shell);
        }
        let Some(command) = command else { return };
        let interactive = DESKTOP_PARENTS.contains(&base_name(&parent_image).as_str())
            || self
                .desktop_shells
                .contains(&(host.clone(), parent.clone()));
        let burst = self.bursts.entry((host, parent)).or_insert_with(|| Burst {
            parent_image,
            commands: Vec::new(),
            reported: false,
            interactive,
            users: BTreeSet::new(),
        });
        if burst.users.len() < MAX_USERS {
            burst
                .users
                .insert(p.user.clone().unwrap_or_default().to_ascii_uppercase());
        }
        if !burst.reported {
            let floor = now.add_secs(-cfg.recon_window_secs);
            burst.commands.retain(|(_, t, _)| *t >= floor);
        }
        if burst.commands.iter().any(|(c, _, _)| *c == command) {
            return;
        }
        if burst.commands.len() < cfg.max_evidence.max(cfg.recon_min_distinct) {
            burst.commands.push((command, now, p.evidence.clone()));
        }
        if burst.commands.len() >= cfg.recon_min_distinct {
            burst.reported = true;
        }
    }

    /// The parent a command counts for: the spawner of its `cmd.exe /c` wrapper when known.
    fn attribute(&self, p: &ProcessCreation) -> (String, String) {
        let host = &p.evidence.host;
        let parent_image = p.parent_image.clone().unwrap_or_default();
        let parent = p
            .parent_key
            .clone()
            .unwrap_or_else(|| base_name(&parent_image));
        if is_shell(&parent_image)
            && let Some(shell) = self.shells.get(&(host.clone(), parent.clone()))
        {
            return (shell.parent.clone(), shell.parent_image.clone());
        }
        (parent, parent_image)
    }

    /// Drops state older than the window, turning finished bursts into findings.
    fn sweep(&mut self, now: Timestamp, cfg: &AnalyticsConfig) {
        if now < self.last_sweep.add_secs(cfg.recon_window_secs) {
            return;
        }
        self.last_sweep = now;
        let floor = now.add_secs(-cfg.recon_window_secs);
        self.shells.retain(|_, s| s.time >= floor);
        let done: Vec<ParentKey> = self
            .bursts
            .iter()
            .filter(|(_, b)| b.commands.last().is_none_or(|(_, t, _)| *t < floor))
            .map(|(k, _)| k.clone())
            .collect();
        for key in done {
            if let Some(b) = self.bursts.remove(&key)
                && b.reported
            {
                self.done.push((key, b));
            }
        }
    }

    /// Entries held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.bursts
            .values()
            .map(|b| 1 + b.commands.len())
            .sum::<usize>()
            + self.shells.len()
            + self.desktop_shells.len()
    }

    /// All recon findings, including bursts still open.
    pub fn finish(self) -> Vec<Finding> {
        let open = self.bursts.into_iter().filter(|(_, b)| b.reported);
        let mut findings: Vec<Finding> = self
            .done
            .into_iter()
            .chain(open)
            .map(|(key, b)| finding(&key, b))
            .collect();
        findings.sort_by(|a, b| (a.first_seen, &a.host).cmp(&(b.first_seen, &b.host)));
        findings
    }
}

fn finding(key: &ParentKey, b: Burst) -> Finding {
    let first = b.commands.first().map(|c| c.1).unwrap_or_default();
    let last = b.commands.last().map(|c| c.1).unwrap_or_default();
    let names: Vec<String> = b.commands.iter().map(|c| c.0.clone()).collect();
    let parent = if b.parent_image.is_empty() {
        format!("process {}", key.1)
    } else {
        b.parent_image.clone()
    };
    let mut level = if names.len() >= 8 {
        Level::High
    } else {
        Level::Medium
    };
    let mut details = std::collections::BTreeMap::new();
    if b.interactive && !b.users.is_empty() && b.users.iter().all(|u| is_person(u)) {
        let users: Vec<&str> = b.users.iter().map(String::as_str).collect();
        level = Level::Low;
        details.insert(
            "explained_by".into(),
            serde_json::json!(format!(
                "typed at a desktop shell by {}: troubleshooting or administration unless the \
                 host is infected",
                users.join(", ")
            )),
        );
    }
    details.insert("parent_image".into(), serde_json::json!(b.parent_image));
    details.insert("parent_process".into(), serde_json::json!(key.1));
    details.insert("commands".into(), serde_json::json!(names));
    details.insert("distinct_commands".into(), serde_json::json!(names.len()));
    Finding {
        analytic: crate::Analytic::ReconBurst,
        title: format!(
            "Recon burst: {} discovery commands from {}",
            names.len(),
            base_name(&parent)
        ),
        level,
        host: key.0.clone(),
        first_seen: first,
        last_seen: last,
        summary: format!(
            "{} ran {} within {}s",
            parent,
            names.join(", "),
            last.as_secs() - first.as_secs()
        ),
        details,
        evidence: b.commands.into_iter().map(|c| c.2).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(secs: i64, cmd: &str, parent: &str, user: &str) -> ProcessCreation {
        ProcessCreation {
            evidence: Evidence {
                time: Timestamp::from_nanos(secs * 1_000_000_000),
                host: "SRV-01".into(),
                kind: "4688".into(),
                ..Evidence::default()
            },
            image: format!(
                "C:\\Windows\\System32\\{}.exe",
                cmd.split(' ').next().unwrap_or("x")
            ),
            command_line: cmd.into(),
            parent_image: Some(parent.into()),
            process_key: Some(format!("{secs}")),
            parent_key: Some("77".into()),
            user: Some(user.into()),
            logon_id: None,
        }
    }

    fn burst(parent: &str, user: &str) -> Finding {
        let cfg = AnalyticsConfig::default();
        let mut t = ReconTracker::default();
        // The shell (process 77) was opened from the desktop, or by a service binary.
        let mut shell = command(990, "cmd", "C:\\Windows\\explorer.exe", user);
        shell.command_line = "\"C:\\Windows\\System32\\cmd.exe\"".into();
        shell.process_key = Some("77".into());
        shell.parent_image = Some(if parent.ends_with("cmd.exe") {
            "C:\\Windows\\explorer.exe".into()
        } else {
            parent.into()
        });
        t.feed(&shell, &cfg);
        for (i, cmd) in [
            "ipconfig /all",
            "net view",
            "systeminfo",
            "net user",
            "tasklist",
        ]
        .iter()
        .enumerate()
        {
            t.feed(&command(1_000 + 20 * i as i64, cmd, parent, user), &cfg);
        }
        let mut found = t.finish();
        assert_eq!(found.len(), 1);
        found.remove(0)
    }

    #[test]
    fn a_person_at_an_interactive_shell_is_low_an_implant_is_not() {
        let typed = burst("C:\\Windows\\System32\\cmd.exe", "STMARY\\adm_jbrown");
        assert_eq!(typed.level, Level::Low);
        assert!(
            typed.details["explained_by"]
                .as_str()
                .is_some_and(|w| w.starts_with("typed at a desktop shell by STMARY\\ADM_JBROWN"))
        );
        // The same commands as SYSTEM under a service binary are an implant's survey.
        let implant = burst(
            "C:\\Windows\\System32\\wmiapsrvex.exe",
            "NT AUTHORITY\\SYSTEM",
        );
        assert_eq!(implant.level, Level::Medium);
        assert!(!implant.details.contains_key("explained_by"));
        // A shell running as the computer account is not a person either.
        assert_eq!(
            burst("C:\\Windows\\System32\\cmd.exe", "WS-01$").level,
            Level::Medium
        );
        // A shell PsExec opened (not the desktop) is a remote operator's, whoever's account.
        let cfg = AnalyticsConfig::default();
        let mut t = ReconTracker::default();
        let admin = "CLINIC\\it.admin";
        let mut shell = command(990, "cmd", "C:\\Windows\\PSEXESVC.exe", admin);
        shell.process_key = Some("77".into());
        t.feed(&shell, &cfg);
        for (i, cmd) in ["ipconfig /all", "net view", "systeminfo", "net user"]
            .iter()
            .enumerate()
        {
            let c = command(
                1_000 + i as i64,
                cmd,
                "C:\\Windows\\System32\\cmd.exe",
                admin,
            );
            t.feed(&c, &cfg);
        }
        let found = t.finish();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].level, Level::Medium);
    }
}
