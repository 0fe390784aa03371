//! SMB fan-out: one source reaching many peers over SMB (445/139) within minutes, seen from the
//! targets' logons and share accesses (failures count) or from the source's own connections.

use crate::case::{Evidence, Finding};
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{Logon, NetworkConnection, ShareAccess};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use ward_event::{Level, Timestamp};

/// Who fanned out: an address seen by targets, or a host seen by its own connection log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Source {
    /// Source address from the targets' logs.
    Ip(String),
    /// Source host from its own Sysmon 3 events.
    Host(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Reach {
    /// Peer → first contact and outcome.
    peers: BTreeMap<String, Contact>,
    evidence: Vec<Evidence>,
    reported: bool,
    last: Timestamp,
    /// Reported episodes folded into this one: a poller fans out again every few minutes.
    episodes: u32,
}

impl Reach {
    /// Folds a later episode of the same source into this one.
    fn absorb(&mut self, other: Reach, max_evidence: usize) {
        for (peer, contact) in other.peers {
            self.peers
                .entry(peer)
                .and_modify(|c| c.merge(contact))
                .or_insert(contact);
        }
        self.evidence.extend(other.evidence);
        earliest(&mut self.evidence, max_evidence);
        self.reported |= other.reported;
        self.last = self.last.max(other.last);
        self.episodes += other.episodes.max(u32::from(other.reported));
    }
}

/// Keeps the first `max` events by time and host.
fn earliest(evidence: &mut Vec<Evidence>, max: usize) {
    evidence.sort_by(|a, b| (a.time, &a.host).cmp(&(b.time, &b.host)));
    evidence.truncate(max);
}

/// One peer's contact: when first, and whether logons to it failed or succeeded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Contact {
    first: Timestamp,
    failed: bool,
    succeeded: bool,
}

impl Contact {
    fn merge(&mut self, o: Contact) {
        self.first = self.first.min(o.first);
        self.failed |= o.failed;
        self.succeeded |= o.succeeded;
    }

    /// Reached only with failed logons.
    fn only_failed(&self) -> bool {
        self.failed && !self.succeeded
    }
}

/// What one event says about the contact.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Failed,
    Succeeded,
    Unknown,
}

/// Tracks peers per source within the window.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FanOutTracker {
    sources: HashMap<Source, Reach>,
    /// Finished episodes folded per source: peers merged, the earliest evidence kept. Bounded
    /// by sources and peers, however many hours the logs cover.
    done: HashMap<Source, Reach>,
    /// Per peer, up to [`POPULAR_PEER_SOURCES`] distinct sources: a peer that many hosts reach
    /// over SMB is a server (logon scripts, policies, shares, printers), not a victim.
    peer_sources: HashMap<String, HashSet<Source>>,
    last_sweep: Timestamp,
}

/// Distinct sources that make a peer a server everyone reaches.
pub const POPULAR_PEER_SOURCES: usize = 10;

/// Peers tracked for popularity; more are not tracked.
const MAX_TRACKED_PEERS: usize = 65_536;

impl FanOutTracker {
    /// A logon on a target (network logons and failures).
    pub fn logon(&mut self, l: &Logon, cfg: &AnalyticsConfig) {
        let network = l.logon_type == 3 || (!l.success && l.source_ip.is_some());
        let Some(ip) = l
            .source_ip
            .as_deref()
            .filter(|ip| network && !is_local_ip(ip))
        else {
            return;
        };
        let outcome = if l.success {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        };
        self.touch(
            Source::Ip(ip.to_string()),
            &l.evidence.host,
            outcome,
            &l.evidence,
            cfg,
        );
    }

    /// A share access on a target.
    pub fn share(&mut self, s: &ShareAccess, cfg: &AnalyticsConfig) {
        let Some(ip) = s.source_ip.as_deref().filter(|ip| !is_local_ip(ip)) else {
            return;
        };
        self.touch(
            Source::Ip(ip.to_string()),
            &s.evidence.host,
            Outcome::Succeeded,
            &s.evidence,
            cfg,
        );
    }

    /// A connection from the logging host to a peer's SMB port.
    pub fn connection(&mut self, c: &NetworkConnection, cfg: &AnalyticsConfig) {
        let smb = matches!(c.destination_port, Some(445 | 139));
        let Some(ip) = c
            .destination_ip
            .as_deref()
            .filter(|ip| smb && c.initiated && !is_local_ip(ip))
        else {
            return;
        };
        self.touch(
            Source::Host(c.evidence.host.clone()),
            ip,
            Outcome::Unknown,
            &c.evidence,
            cfg,
        );
    }

    fn touch(
        &mut self,
        src: Source,
        peer: &str,
        outcome: Outcome,
        ev: &Evidence,
        cfg: &AnalyticsConfig,
    ) {
        let now = ev.time;
        self.sweep(now, cfg);
        if self.peer_sources.len() < MAX_TRACKED_PEERS || self.peer_sources.contains_key(peer) {
            let seen = self.peer_sources.entry(peer.to_string()).or_default();
            if seen.len() < POPULAR_PEER_SOURCES {
                seen.insert(src.clone());
            }
        }
        let reach = self.sources.entry(src).or_default();
        if !reach.reported {
            let floor = now.add_secs(-cfg.fanout_window_secs);
            reach.peers.retain(|_, c| c.first >= floor);
            reach.evidence.retain(|e| e.time >= floor);
        }
        reach.last = now;
        let new = !reach.peers.contains_key(peer);
        let contact = Contact {
            first: now,
            failed: matches!(outcome, Outcome::Failed),
            succeeded: matches!(outcome, Outcome::Succeeded),
        };
        reach
            .peers
            .entry(peer.to_string())
            .and_modify(|c| c.merge(contact))
            .or_insert(contact);
        if new && reach.evidence.len() < cfg.max_evidence {
            reach.evidence.push(ev.clone());
        }
        if reach.peers.len() >= cfg.fanout_min_peers {
            reach.reported = true;
        }
    }

    fn sweep(&mut self, now: Timestamp, cfg: &AnalyticsConfig) {
        if now < self.last_sweep.add_secs(cfg.fanout_window_secs) {
            return;
        }
        self.last_sweep = now;
        let floor = now.add_secs(-cfg.fanout_window_secs);
        let stale: Vec<Source> = self
            .sources
            .iter()
            .filter(|(_, r)| r.last < floor)
            .map(|(s, _)| s.clone())
            .collect();
        for s in stale {
            if let Some(r) = self.sources.remove(&s)
                && r.reported
            {
                self.done.entry(s).or_default().absorb(r, cfg.max_evidence);
            }
        }
    }

    /// Entries held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.sources
            .values()
            .map(|r| 1 + r.peers.len() + r.evidence.len())
            .sum::<usize>()
            + self
                .peer_sources
                .values()
                .map(|s| 1 + s.len())
                .sum::<usize>()
    }

    /// Fan-out findings, one per source host (what the targets saw and what the source's own
    /// connection log saw are merged); `name` turns an address into a host name.
    pub fn finish(mut self, name: &dyn Fn(&str) -> String, max_evidence: usize) -> Vec<Finding> {
        let open: Vec<(Source, Reach)> = self.sources.drain().filter(|(_, r)| r.reported).collect();
        for (s, r) in open {
            self.done.entry(s).or_default().absorb(r, max_evidence);
        }
        let popular: HashSet<String> = self
            .peer_sources
            .iter()
            .filter(|(_, s)| s.len() >= POPULAR_PEER_SOURCES)
            .map(|(p, _)| name(p))
            .collect();
        let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
        for (src, r) in self.done {
            let (host, ip) = match &src {
                Source::Ip(ip) => (name(ip), Some(ip.clone())),
                Source::Host(h) => (h.clone(), None),
            };
            let m = merged.entry(host).or_default();
            m.ips.extend(ip);
            for (peer, contact) in r.peers {
                let peer = if matches!(src, Source::Host(_)) {
                    name(&peer)
                } else {
                    peer
                };
                m.peers
                    .entry(peer)
                    .and_modify(|c| c.merge(contact))
                    .or_insert(contact);
            }
            m.last = m.last.max(r.last);
            m.episodes += r.episodes.max(u32::from(r.reported));
            m.evidence.extend(r.evidence);
        }
        let mut out: Vec<Finding> = merged
            .into_iter()
            .map(|(host, m)| finding(host, m, &popular, max_evidence))
            .collect();
        out.sort_by(|a, b| (a.first_seen, &a.host).cmp(&(b.first_seen, &b.host)));
        out
    }
}

/// What the spread and the assets tell about fan-out sources, to judge their findings.
pub struct FanOutContext<'a> {
    /// Hosts in worm clusters: their fan-out stands as found.
    pub worm_hosts: &'a HashSet<String>,
    /// Sources of `likely-admin` clusters → the cluster's id (learned management servers).
    pub admin_sources: &'a BTreeMap<String, String>,
    /// The infrastructure role of a host (assets file), as people call it.
    pub role_of: &'a dyn Fn(&str) -> Option<String>,
}

/// A fan-out recurring over at least this long is scheduled work, not a burst.
const RECURRING_SECS: i64 = 86_400;

/// Lowers the fan-out findings of sources that are not in a worm cluster when the spread, the
/// assets or the traffic explain them, saying why in `details.explained_by`: infrastructure
/// (a monitoring, deployment or backup server), a learned management server (the source of a
/// `likely-admin` cluster), contacts recurring over days, or peers that are servers everyone
/// reaches (logon scripts, policies, printers).
pub fn temper(findings: &mut [Finding], ctx: &FanOutContext<'_>) {
    for f in findings.iter_mut().filter(|f| f.analytic == "smb-fan-out") {
        if ctx.worm_hosts.contains(&f.host) {
            continue;
        }
        let peers = f.details["peer_count"].as_u64().unwrap_or(0);
        let popular = f.details["popular_peers"]
            .as_array()
            .map_or(0, |a| a.len() as u64);
        let span = f.last_seen.as_secs() - f.first_seen.as_secs();
        let (level, why) = if let Some(role) = (ctx.role_of)(&f.host) {
            (
                Level::Informational,
                format!("{} is a {role} (assets file): management traffic", f.host),
            )
        } else if let Some(id) = ctx.admin_sources.get(&f.host) {
            (
                Level::Informational,
                format!(
                    "{} pushed software in the likely-admin cluster {id}: a management server",
                    f.host
                ),
            )
        } else if span >= RECURRING_SECS {
            (
                Level::Low,
                format!(
                    "recurring over {:.1} days: scheduled management traffic, not a burst",
                    span as f64 / 86_400.0
                ),
            )
        } else if popular * 2 >= peers && peers > 0 {
            (
                Level::Low,
                format!(
                    "{popular} of {peers} peers are servers many hosts reach (logon scripts, \
                     policies, shares, printers)"
                ),
            )
        } else {
            continue;
        };
        f.level = f.level.min(level);
        f.details
            .insert("explained_by".into(), serde_json::json!(why));
    }
}

#[derive(Default)]
struct Merged {
    ips: std::collections::BTreeSet<String>,
    peers: BTreeMap<String, Contact>,
    evidence: Vec<Evidence>,
    last: Timestamp,
    episodes: u32,
}

fn finding(host: String, mut m: Merged, popular: &HashSet<String>, max_evidence: usize) -> Finding {
    let failed = m.peers.values().filter(|c| c.only_failed()).count();
    let peers: Vec<String> = m.peers.keys().cloned().collect();
    let servers: Vec<&String> = peers.iter().filter(|p| popular.contains(*p)).collect();
    let first = m.peers.values().map(|c| c.first).min().unwrap_or_default();
    earliest(&mut m.evidence, max_evidence);
    let mut details = BTreeMap::new();
    details.insert("peers".into(), serde_json::json!(peers));
    details.insert("peer_count".into(), serde_json::json!(peers.len()));
    details.insert("failed_peers".into(), serde_json::json!(failed));
    details.insert("source_ips".into(), serde_json::json!(m.ips));
    details.insert("episodes".into(), serde_json::json!(m.episodes.max(1)));
    details.insert("popular_peers".into(), serde_json::json!(servers));
    Finding {
        analytic: crate::Analytic::SmbFanOut,
        title: format!("SMB fan-out: {host} reached {} peers", peers.len()),
        level: if peers.len() >= 20 {
            Level::High
        } else {
            Level::Medium
        },
        host: host.clone(),
        first_seen: first,
        last_seen: m.last,
        summary: format!(
            "{host} reached {} hosts over SMB ({failed} only with failed logons): {}",
            peers.len(),
            peers.join(", ")
        ),
        details,
        evidence: m.evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Account;

    fn logon(secs: i64, target: usize) -> Logon {
        Logon {
            evidence: Evidence {
                time: Timestamp::from_nanos(secs * 1_000_000_000),
                host: format!("WS-{target:03}"),
                file: "security.evtx".into(),
                position: secs as u64,
                record_id: Some(secs as u64),
                kind: "4624".into(),
                summary: String::new(),
            },
            success: true,
            logon_type: 3,
            account: Account {
                domain: "HOSP".into(),
                user: "svc_backup".into(),
                sid: None,
            },
            source_ip: Some("10.1.0.9".into()),
            workstation: None,
            logon_id: None,
            auth: Default::default(),
        }
    }

    #[test]
    fn episodes_of_one_source_fold_into_one_finding_with_bounded_evidence() {
        let cfg = AnalyticsConfig::default();
        let mut t = FanOutTracker::default();
        // 200 episodes an hour apart, each reaching 8 hosts within a minute.
        for episode in 0..200i64 {
            for target in 0..8usize {
                let secs = 1_700_000_000 + episode * 3_600 + target as i64 * 5;
                t.logon(&logon(secs, episode as usize % 3 * 8 + target), &cfg);
            }
        }
        assert!(t.done.len() <= 1, "finished episodes are folded per source");
        let findings = t.finish(&|ip| ip.to_string(), cfg.max_evidence);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.details["peer_count"], 24);
        assert_eq!(f.evidence.len(), cfg.max_evidence);
        assert_eq!(
            f.first_seen,
            Timestamp::from_nanos(1_700_000_000_000_000_000)
        );
        assert!(f.evidence.windows(2).all(|w| w[0].time <= w[1].time));
    }

    fn fan_out(host: &str, peers: u64, popular: &[&str], days: i64) -> Finding {
        let mut details = BTreeMap::new();
        details.insert("peer_count".into(), serde_json::json!(peers));
        details.insert("popular_peers".into(), serde_json::json!(popular));
        Finding {
            analytic: crate::Analytic::SmbFanOut,
            title: String::new(),
            level: Level::High,
            host: host.into(),
            first_seen: Timestamp::from_nanos(0),
            last_seen: Timestamp::from_nanos(days * 86_400 * 1_000_000_000),
            summary: String::new(),
            details,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn fan_out_explained_by_roles_clusters_time_and_servers_is_lowered() {
        let worm: HashSet<String> = ["FS-02".to_string()].into();
        let admin: BTreeMap<String, String> = [("PUSHER".to_string(), "C3".to_string())].into();
        let role_of = |h: &str| (h == "MON-01").then(|| "monitoring server".to_string());
        let ctx = FanOutContext {
            worm_hosts: &worm,
            admin_sources: &admin,
            role_of: &role_of,
        };
        let mut found = vec![
            // A worm member keeps its level even when it looks like a server.
            fan_out("FS-02", 17, &["DC-01", "FS-01"], 3),
            fan_out("MON-01", 57, &[], 0),
            fan_out("PUSHER", 33, &[], 0),
            fan_out("WS-ED-04", 5, &[], 5),
            fan_out("WS-WARD-05", 5, &["DC-01", "DC-02", "FS-01"], 0),
            // Two of six peers are servers: still a burst worth a look.
            fan_out("WS-LAB-01", 6, &["DC-01", "FS-01"], 0),
        ];
        temper(&mut found, &ctx);
        let levels: Vec<(&str, Level)> = found.iter().map(|f| (f.host.as_str(), f.level)).collect();
        assert_eq!(
            levels,
            [
                ("FS-02", Level::High),
                ("MON-01", Level::Informational),
                ("PUSHER", Level::Informational),
                ("WS-ED-04", Level::Low),
                ("WS-WARD-05", Level::Low),
                ("WS-LAB-01", Level::High),
            ]
        );
        assert_eq!(
            found[2].details["explained_by"],
            "PUSHER pushed software in the likely-admin cluster C3: a management server"
        );
        assert!(!found[0].details.contains_key("explained_by"));
    }
}
