//! Recon bursts: many distinct discovery commands from one parent process in a short window —
//! the fingerprint of an implant surveying a new host (`cmd.exe /c "ipconfig /all" 2>nul`, …).

mod commands;

pub use commands::recon_command;

use crate::case::{Evidence, Finding};
use crate::config::AnalyticsConfig;
use crate::facts::ProcessCreation;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ward_event::{Level, Timestamp};

/// The process a burst is keyed on: host plus parent GUID (Sysmon) or PID (4688).
type ParentKey = (String, String);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Burst {
    parent_image: String,
    commands: Vec<(String, Timestamp, Evidence)>,
    reported: bool,
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
        let burst = self.bursts.entry((host, parent)).or_insert_with(|| Burst {
            parent_image,
            commands: Vec::new(),
            reported: false,
        });
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
    let level = if names.len() >= 8 {
        Level::High
    } else {
        Level::Medium
    };
    let mut details = std::collections::BTreeMap::new();
    details.insert("parent_image".into(), serde_json::json!(b.parent_image));
    details.insert("parent_process".into(), serde_json::json!(key.1));
    details.insert("commands".into(), serde_json::json!(names));
    details.insert("distinct_commands".into(), serde_json::json!(names.len()));
    Finding {
        analytic: "recon-burst".into(),
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
