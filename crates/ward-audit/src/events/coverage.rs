//! Monitoring coverage: which hosts and logs are present, whether audit policy records what a
//! worm does, whether logs were cleared, and gaps in each log's record numbers.

use super::{Seen, text};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use ward_event::{Event, Fields};

/// What one Windows host's logs show about its audit policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostCoverage {
    /// Channels logged.
    pub channels: BTreeSet<String>,
    /// Events read.
    pub events: u64,
    /// Share access auditing (5140/5145) seen.
    pub share_audit: bool,
    /// Process creation events (4688).
    pub process_events: u64,
    /// … of which carried a command line.
    pub process_with_command_line: u64,
    /// Sysmon process creation events (1), which always carry the command line.
    pub sysmon_processes: u64,
    /// Record-number continuity per channel (keyed here so the hot path allocates nothing).
    pub record_ids: BTreeMap<String, RecordIdTrack>,
}

/// Runs kept per host and channel; past this, new isolated ids are counted, not kept.
const MAX_RUNS: usize = 1_024;

/// Record-number continuity of one host's channel: the ids seen as runs of consecutive
/// numbers, so the answer does not depend on the order records arrive in. A whole log is one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RecordIdTrack {
    /// Run start → run end (inclusive).
    runs: BTreeMap<u64, u64>,
    /// Records seen.
    pub count: u64,
    /// Ids seen more than once (the same log given twice).
    pub duplicates: u64,
    /// Isolated ids dropped because `MAX_RUNS` was reached (gap figures are then a floor).
    pub overflow: u64,
}

impl RecordIdTrack {
    fn add(&mut self, id: u64) {
        self.count += 1;
        let before = self.runs.range(..=id).next_back().map(|(s, e)| (*s, *e));
        if before.is_some_and(|(_, end)| id <= end) {
            self.duplicates += 1;
            return;
        }
        let extends = before
            .filter(|(_, end)| end.checked_add(1) == Some(id))
            .map(|(s, _)| s);
        let next = id
            .checked_add(1)
            .and_then(|n| self.runs.get(&n).map(|end| (n, *end)));
        match (extends, next) {
            (Some(start), Some((n, end))) => {
                self.runs.remove(&n);
                self.runs.insert(start, end);
            }
            (Some(start), None) => {
                self.runs.insert(start, id);
            }
            (None, Some((n, end))) => {
                self.runs.remove(&n);
                self.runs.insert(id, end);
            }
            (None, None) if self.runs.len() >= MAX_RUNS => self.overflow += 1,
            (None, None) => {
                self.runs.insert(id, id);
            }
        }
    }

    /// Adds the ids another track saw, as if they had been fed here after these (in ascending
    /// order: only one file's share of a log lands on both sides, so this is rare and small).
    fn merge(&mut self, other: RecordIdTrack) {
        let count = self.count;
        for (start, end) in other.runs {
            (start..=end).for_each(|id| self.add(id));
        }
        // `add` counted the runs' ids again; the other track's own count holds them.
        self.count = count + other.count;
        self.duplicates += other.duplicates;
        self.overflow += other.overflow;
    }

    /// Breaks between runs.
    pub fn gaps(&self) -> u64 {
        self.runs.len().saturating_sub(1) as u64
    }

    /// Ids missing between the first and the last seen.
    pub fn missing(&self) -> u64 {
        let ends: Vec<(u64, u64)> = self.runs.iter().map(|(s, e)| (*s, *e)).collect();
        ends.windows(2)
            .map(|w| w[1].0.saturating_sub(w[0].1).saturating_sub(1))
            .sum()
    }
}

/// Coverage facts.
#[derive(Debug, Default)]
pub(crate) struct Coverage {
    /// Windows hosts.
    pub hosts: BTreeMap<String, HostCoverage>,
    /// Events per non-Windows source (product, service, category); labelled when judged.
    pub other_sources: BTreeMap<SourceKey, u64>,
    /// Log clearing (Security 1102, System 104) by (host, what), with who cleared it.
    pub clears: BTreeMap<(String, String), (Seen, Option<String>)>,
}

/// A non-Windows log source: Sigma product, service and category (cheap `Arc` clones).
pub(crate) type SourceKey = (Arc<str>, Option<Arc<str>>, Option<Arc<str>>);

impl HostCoverage {
    fn merge(&mut self, other: HostCoverage) {
        self.channels.extend(other.channels);
        self.events += other.events;
        self.share_audit |= other.share_audit;
        self.process_events += other.process_events;
        self.process_with_command_line += other.process_with_command_line;
        self.sysmon_processes += other.sysmon_processes;
        for (channel, track) in other.record_ids {
            match self.record_ids.get_mut(&channel) {
                Some(kept) => kept.merge(track),
                None => {
                    self.record_ids.insert(channel, track);
                }
            }
        }
    }
}

impl Coverage {
    /// Adds what another observer saw, as if its events had been fed after these.
    pub fn merge(&mut self, other: Coverage) {
        for (host, hc) in other.hosts {
            match self.hosts.get_mut(&host) {
                Some(kept) => kept.merge(hc),
                None => {
                    self.hosts.insert(host, hc);
                }
            }
        }
        for (key, n) in other.other_sources {
            *self.other_sources.entry(key).or_insert(0) += n;
        }
        for (key, (seen, who)) in other.clears {
            let entry = self.clears.entry(key).or_default();
            if entry.0.merge(&seen) || entry.1.is_none() {
                entry.1 = who;
            }
        }
    }

    /// Counts a non-Windows event by its source.
    pub fn observe_other(&mut self, event: &Event) {
        let s = &event.source;
        let key = (s.product.clone(), s.service.clone(), s.category.clone());
        *self.other_sources.entry(key).or_insert(0) += 1;
    }

    /// Takes coverage facts from a Windows event.
    pub fn observe(&mut self, event: &Event) {
        let channel = event.source.channel.as_deref().unwrap_or("");
        let host = event.host.short();
        let id = event.source.event_id.unwrap_or(0);
        let hc = match self.hosts.get_mut(host) {
            Some(hc) => hc,
            None => self.hosts.entry(host.to_string()).or_default(),
        };
        hc.events += 1;
        if !hc.channels.contains(channel) {
            hc.channels.insert(channel.to_string());
        }
        match (channel, id) {
            ("Security", 5140 | 5145) => hc.share_audit = true,
            ("Security", 4688) => {
                hc.process_events += 1;
                if text(event, &["CommandLine"]).is_some() {
                    hc.process_with_command_line += 1;
                }
            }
            ("Microsoft-Windows-Sysmon/Operational", 1) => hc.sysmon_processes += 1,
            ("Security", 1102) | ("System", 104) => {
                let who = text(event, &["SubjectUserName", "UserName"]).map(str::to_string);
                let what = if id == 1102 {
                    "Security log cleared (1102)".to_string()
                } else {
                    clear_104(event)
                };
                let entry = self.clears.entry((host.to_string(), what)).or_default();
                if entry.0.add(event) || entry.1.is_none() {
                    entry.1 = who;
                }
            }
            _ => {}
        }
        if let Some(rid) = event.record_id {
            match hc.record_ids.get_mut(channel) {
                Some(track) => track.add(rid),
                None => hc
                    .record_ids
                    .entry(channel.to_string())
                    .or_default()
                    .add(rid),
            }
        }
    }
}

/// System 104 names the cleared log in its UserData `Channel`, which follows the System one.
fn clear_104(event: &Event) -> String {
    let mut log = None;
    event.get_all("Channel", &mut |v| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            log = Some(s.chars().take(80).collect::<String>());
        }
    });
    format!(
        "{} log cleared (System 104)",
        log.as_deref().unwrap_or("an event")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_id_gaps_do_not_depend_on_order() {
        let ids = [10, 11, 12, 20, 21, 21, 15, 30, 13, 14];
        let mut forward = RecordIdTrack::default();
        ids.iter().for_each(|&id| forward.add(id));
        let mut backward = RecordIdTrack::default();
        ids.iter().rev().for_each(|&id| backward.add(id));
        assert_eq!(forward, backward);
        // Runs 10–15, 20–21, 30.
        assert_eq!(
            (
                forward.gaps(),
                forward.missing(),
                forward.count,
                forward.duplicates
            ),
            (2, 4 + 8, 10, 1)
        );
    }
}
