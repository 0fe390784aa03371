//! SMB fan-out: one source reaching many peers over SMB (445/139) within minutes, seen from the
//! targets' logons and share accesses (failures count) or from the source's own connections.

use crate::case::{Evidence, Finding};
use crate::config::AnalyticsConfig;
use crate::directory::is_local_ip;
use crate::facts::{Logon, NetworkConnection, ShareAccess};
use std::collections::{BTreeMap, HashMap};
use ward_event::{Level, Timestamp};

/// Who fanned out: an address seen by targets, or a host seen by its own connection log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Source address from the targets' logs.
    Ip(String),
    /// Source host from its own Sysmon 3 events.
    Host(String),
}

#[derive(Debug, Default)]
struct Reach {
    /// Peer → (first contact, failed).
    peers: BTreeMap<String, (Timestamp, bool)>,
    evidence: Vec<Evidence>,
    reported: bool,
    last: Timestamp,
}

/// Tracks peers per source within the window.
#[derive(Debug, Default)]
pub struct FanOutTracker {
    sources: HashMap<Source, Reach>,
    done: Vec<(Source, Reach)>,
    last_sweep: Timestamp,
}

impl FanOutTracker {
    /// A logon on a target (network logons and failures).
    pub fn logon(&mut self, l: &Logon, cfg: &AnalyticsConfig) {
        let network = l.logon_type == 3 || (!l.success && l.source_ip.is_some());
        let Some(ip) = l.source_ip.as_deref().filter(|ip| network && !is_local_ip(ip)) else { return };
        self.touch(Source::Ip(ip.to_string()), &l.evidence.host, !l.success, &l.evidence, cfg);
    }

    /// A share access on a target.
    pub fn share(&mut self, s: &ShareAccess, cfg: &AnalyticsConfig) {
        let Some(ip) = s.source_ip.as_deref().filter(|ip| !is_local_ip(ip)) else { return };
        self.touch(Source::Ip(ip.to_string()), &s.evidence.host, false, &s.evidence, cfg);
    }

    /// A connection from the logging host to a peer's SMB port.
    pub fn connection(&mut self, c: &NetworkConnection, cfg: &AnalyticsConfig) {
        let smb = matches!(c.destination_port, Some(445 | 139));
        let Some(ip) = c.destination_ip.as_deref().filter(|ip| smb && c.initiated && !is_local_ip(ip)) else { return };
        self.touch(Source::Host(c.evidence.host.clone()), ip, false, &c.evidence, cfg);
    }

    fn touch(&mut self, src: Source, peer: &str, failed: bool, ev: &Evidence, cfg: &AnalyticsConfig) {
        let now = ev.time;
        self.sweep(now, cfg);
        let reach = self.sources.entry(src).or_default();
        if !reach.reported {
            let floor = now.add_secs(-cfg.fanout_window_secs);
            reach.peers.retain(|_, (t, _)| *t >= floor);
            reach.evidence.retain(|e| e.time >= floor);
        }
        reach.last = now;
        let new = !reach.peers.contains_key(peer);
        let entry = reach.peers.entry(peer.to_string()).or_insert((now, failed));
        entry.1 &= failed;
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
        let stale: Vec<Source> = self.sources.iter().filter(|(_, r)| r.last < floor).map(|(s, _)| s.clone()).collect();
        for s in stale {
            if let Some(r) = self.sources.remove(&s) {
                if r.reported {
                    self.done.push((s, r));
                }
            }
        }
    }

    /// Entries held, for the memory bound.
    pub fn state_size(&self) -> usize {
        self.sources.values().map(|r| 1 + r.peers.len() + r.evidence.len()).sum()
    }

    /// Fan-out findings; `name` turns a source address into a host name.
    pub fn finish(mut self, name: &dyn Fn(&str) -> String) -> Vec<Finding> {
        let open: Vec<(Source, Reach)> = self.sources.drain().filter(|(_, r)| r.reported).collect();
        self.done.extend(open);
        let mut out: Vec<Finding> = self.done.into_iter().map(|(s, r)| finding(s, r, name)).collect();
        out.sort_by(|a, b| (a.first_seen, &a.host).cmp(&(b.first_seen, &b.host)));
        out
    }
}

fn finding(src: Source, r: Reach, name: &dyn Fn(&str) -> String) -> Finding {
    let (host, ip) = match &src {
        Source::Ip(ip) => (name(ip), Some(ip.clone())),
        Source::Host(h) => (h.clone(), None),
    };
    let failed = r.peers.values().filter(|(_, f)| *f).count();
    let peers: Vec<String> = r
        .peers
        .keys()
        .map(|p| if matches!(src, Source::Host(_)) { name(p) } else { p.clone() })
        .collect();
    let first = r.peers.values().map(|(t, _)| *t).min().unwrap_or_default();
    let mut details = BTreeMap::new();
    details.insert("peers".into(), serde_json::json!(peers));
    details.insert("peer_count".into(), serde_json::json!(peers.len()));
    details.insert("failed_peers".into(), serde_json::json!(failed));
    if let Some(ip) = &ip {
        details.insert("source_ip".into(), serde_json::json!(ip));
    }
    Finding {
        analytic: "smb-fan-out".into(),
        title: format!("SMB fan-out: {host} reached {} peers", peers.len()),
        level: if peers.len() >= 20 { Level::High } else { Level::Medium },
        host: host.clone(),
        first_seen: first,
        last_seen: r.last,
        summary: format!("{host} reached {} hosts over SMB ({failed} only with failed logons): {}", peers.len(), peers.join(", ")),
        details,
        evidence: r.evidence,
    }
}
