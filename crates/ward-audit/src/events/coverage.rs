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

/// Record-number continuity of one host's channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordIdTrack {
    /// Records seen.
    pub count: u64,
    /// Highest record id so far.
    pub last: u64,
    /// Jumps forward past the next id.
    pub gaps: u64,
    /// Ids skipped by those jumps.
    pub missing: u64,
    /// Ids at or below the highest seen (duplicates or out-of-order input).
    pub out_of_order: u64,
}

impl RecordIdTrack {
    fn add(&mut self, id: u64) {
        if self.count > 0 {
            if id > self.last.saturating_add(1) {
                self.gaps += 1;
                self.missing += id - self.last - 1;
            } else if id <= self.last {
                self.out_of_order += 1;
            }
        }
        if self.count == 0 || id > self.last {
            self.last = id;
        }
        self.count += 1;
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

impl Coverage {
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
                entry.0.add(event);
                if entry.1.is_none() {
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
    fn record_id_gaps_are_counted_compactly() {
        let mut t = RecordIdTrack::default();
        for id in [10, 11, 12, 20, 21, 21, 15, 30] {
            t.add(id);
        }
        assert_eq!(
            t,
            RecordIdTrack {
                count: 8,
                last: 30,
                gaps: 2,
                missing: 7 + 8,
                out_of_order: 2
            }
        );
    }
}
