//! What tuning did to a run: every detection it suppressed (counted per kind, rule and reason,
//! with the hosts and times), every level it changed, and the entries it ignored. Nothing
//! tuning removes disappears silently: this is the `tuning` section of the JSON report and the
//! counts of the terminal summary, the same for the hunt and the monitor.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ward_event::{Level, Timestamp};

/// Hosts listed per suppression row; `count` covers them all.
pub const MAX_HOSTS: usize = 20;

/// Why a detection was suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// The rule is excluded (`exclude`).
    Excluded,
    /// The rule is marked noisy (`noisy`).
    Noisy,
    /// An allow-list entry matched (host, account or destination).
    AllowList,
    /// A Sigma filter document named the rule and the event did not pass it.
    Filter,
}

impl SuppressionKind {
    /// The kind as the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Excluded => "excluded",
            SuppressionKind::Noisy => "noisy",
            SuppressionKind::AllowList => "allow-list",
            SuppressionKind::Filter => "filter",
        }
    }
}

/// The detections of one rule suppressed for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedGroup {
    pub kind: SuppressionKind,
    pub rule_id: String,
    pub title: String,
    /// The allow-list entry's reason, the filter's id, or the list the rule is on.
    pub reason: String,
    pub count: u64,
    /// Hosts of the suppressed detections (at most [`MAX_HOSTS`]).
    pub hosts: Vec<String>,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// Detections of one rule whose level a level override changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelOverride {
    pub rule_id: String,
    pub from: Level,
    pub to: Level,
    pub count: u64,
}

/// The `tuning` section of a case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TuningReport {
    /// Detections suppressed, in total.
    pub suppressed_total: u64,
    /// Suppressed detections per (kind, rule, reason).
    pub suppressed: Vec<SuppressedGroup>,
    /// Detections whose level was overridden, per rule.
    pub level_overrides: Vec<LevelOverride>,
    /// Entries ignored (expired allow-list entries, filters naming no loaded rule).
    pub warnings: Vec<String>,
}

/// Collects suppressions and overrides as they happen; cheap to merge.
#[derive(Debug, Clone, Default)]
pub struct TuningTally {
    suppressed: BTreeMap<(SuppressionKind, String, String), SuppressedGroup>,
    overrides: BTreeMap<(String, Level, Level), u64>,
}

impl TuningTally {
    /// Counts one suppressed detection.
    pub fn suppress(
        &mut self,
        kind: SuppressionKind,
        rule_id: &str,
        title: &str,
        reason: &str,
        host: &str,
        time: Timestamp,
    ) {
        let group = self
            .suppressed
            .entry((kind, rule_id.to_string(), reason.to_string()))
            .or_insert_with(|| SuppressedGroup {
                kind,
                rule_id: rule_id.to_string(),
                title: title.to_string(),
                reason: reason.to_string(),
                count: 0,
                hosts: Vec::new(),
                first: time,
                last: time,
            });
        group.count += 1;
        group.first = group.first.min(time);
        group.last = group.last.max(time);
        if !host.is_empty()
            && group.hosts.len() < MAX_HOSTS
            && !group.hosts.iter().any(|h| h == host)
        {
            group.hosts.push(host.to_string());
        }
    }

    /// Counts one detection whose level changed.
    pub fn override_level(&mut self, rule_id: &str, from: Level, to: Level) {
        *self
            .overrides
            .entry((rule_id.to_string(), from, to))
            .or_insert(0) += 1;
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, other: TuningTally) {
        for (key, g) in other.suppressed {
            match self.suppressed.get_mut(&key) {
                Some(mine) => {
                    mine.count += g.count;
                    mine.first = mine.first.min(g.first);
                    mine.last = mine.last.max(g.last);
                    for h in g.hosts {
                        if mine.hosts.len() < MAX_HOSTS && !mine.hosts.contains(&h) {
                            mine.hosts.push(h);
                        }
                    }
                }
                None => {
                    self.suppressed.insert(key, g);
                }
            }
        }
        for (key, n) in other.overrides {
            *self.overrides.entry(key).or_insert(0) += n;
        }
    }

    /// True when nothing was suppressed or overridden.
    pub fn is_empty(&self) -> bool {
        self.suppressed.is_empty() && self.overrides.is_empty()
    }

    /// The report section, with `warnings` from loading the tuning.
    pub fn report(&self, warnings: &[String]) -> TuningReport {
        let mut suppressed: Vec<SuppressedGroup> = self.suppressed.values().cloned().collect();
        for g in &mut suppressed {
            g.hosts.sort();
        }
        TuningReport {
            suppressed_total: suppressed.iter().map(|g| g.count).sum(),
            suppressed,
            level_overrides: self
                .overrides
                .iter()
                .map(|((rule_id, from, to), count)| LevelOverride {
                    rule_id: rule_id.clone(),
                    from: *from,
                    to: *to,
                    count: *count,
                })
                .collect(),
            warnings: warnings.to_vec(),
        }
    }
}

impl TuningReport {
    /// Suppressed detections per kind, for the summary line.
    pub fn by_kind(&self) -> BTreeMap<SuppressionKind, u64> {
        let mut out = BTreeMap::new();
        for g in &self.suppressed {
            *out.entry(g.kind).or_insert(0) += g.count;
        }
        out
    }
}
