//! Scans and SMB/RPC fan-out: one source reaching many destinations on one port (horizontal),
//! many ports on one destination (vertical), or many peers over SMB/RPC, within a window.
//! SMB peers that many hosts use (file servers) and peers the source used before the window
//! weigh less, so a workstation suddenly reaching other workstations stands out.

use super::NetworkConfig;
use super::evidence::EvidenceLog;
use super::fact::{Flow, is_broadcast, is_internal};
use crate::case::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use ward_event::{Level, Timestamp};

/// Ports of SMB and RPC, the worm's way from host to host.
const SMB_RPC_PORTS: [u16; 3] = [445, 139, 135];

/// Distinct keys seen in a sliding time window.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DistinctWindow<K: std::hash::Hash + Eq + Clone> {
    seen: VecDeque<(Timestamp, K, bool)>,
    counts: HashMap<K, u32>,
    failed: usize,
}

impl<K: std::hash::Hash + Eq + Clone> Default for DistinctWindow<K> {
    fn default() -> Self {
        DistinctWindow {
            seen: VecDeque::new(),
            counts: HashMap::new(),
            failed: 0,
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> DistinctWindow<K> {
    fn push(&mut self, t: Timestamp, key: K, failed: bool, window: i64, cap: usize) -> usize {
        while let Some((old, k, was_failed)) = self.seen.front() {
            if t.as_secs() - old.as_secs() <= window && self.seen.len() < cap {
                break;
            }
            if let Some(c) = self.counts.get_mut(k) {
                *c -= 1;
                if *c == 0 {
                    self.counts.remove(k);
                }
            }
            self.failed -= usize::from(*was_failed);
            self.seen.pop_front();
        }
        *self.counts.entry(key.clone()).or_insert(0) += 1;
        self.failed += usize::from(failed);
        self.seen.push_back((t, key, failed));
        self.counts.len()
    }

    /// True while the newest record is inside the window at `now`.
    fn active(&self, now: Timestamp, window: i64) -> bool {
        self.seen
            .back()
            .is_some_and(|(t, ..)| now.as_secs() - t.as_secs() <= window)
    }

    /// What the window holds when a scan is first noticed: its start, distinct keys, records
    /// and failed records.
    fn seed(&self) -> (Timestamp, Vec<String>, u64, u64)
    where
        K: std::fmt::Display,
    {
        let start = self.seen.front().map_or(Timestamp::UNKNOWN, |s| s.0);
        let keys = self.counts.keys().map(ToString::to_string).collect();
        (start, keys, self.seen.len() as u64, self.failed as u64)
    }
}

/// One ongoing scan episode.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Episode {
    first: Timestamp,
    last: Timestamp,
    targets: HashSet<String>,
    attempts: u64,
    failed: u64,
    weight: f64,
    evidence: EvidenceLog,
}

impl Episode {
    fn new(t: Timestamp) -> Self {
        Episode {
            first: t,
            last: t,
            targets: HashSet::new(),
            attempts: 0,
            failed: 0,
            weight: 0.0,
            evidence: EvidenceLog::default(),
        }
    }
}

/// Which scan an episode is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
enum ScanKey {
    Horizontal(IpAddr, u16),
    Vertical(IpAddr, IpAddr),
    SmbFanOut(IpAddr),
}

/// Scan and fan-out state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ScanDetector {
    horizontal: HashMap<(IpAddr, u16), DistinctWindow<IpAddr>>,
    vertical: HashMap<(IpAddr, IpAddr), DistinctWindow<u16>>,
    smb: HashMap<IpAddr, DistinctWindow<IpAddr>>,
    /// Peers each source reached over SMB/RPC, with first contact (bounded per source).
    usual_peers: HashMap<IpAddr, HashMap<IpAddr, Timestamp>>,
    /// Distinct SMB clients per destination, to recognise file servers.
    smb_clients: HashMap<IpAddr, HashSet<IpAddr>>,
    episodes: BTreeMap<ScanKey, Vec<Episode>>,
}

impl ScanDetector {
    pub(crate) fn feed(&mut self, f: &Flow, cfg: &NetworkConfig) {
        let (Some(dst), Some(port)) = (f.dst, f.dport) else {
            return;
        };
        if is_broadcast(&dst) || dst == f.src {
            return;
        }
        let (w, cap) = (cfg.scan_window_secs, cfg.scan_window_cap);
        let hw = self.horizontal.entry((f.src, port)).or_default();
        if hw.push(f.time, dst, f.failed, w, cap) >= cfg.horizontal_min_targets {
            let seed = hw.seed();
            self.note(ScanKey::Horizontal(f.src, port), f, seed, 1.0, cfg);
        }
        let vw = self.vertical.entry((f.src, dst)).or_default();
        if vw.push(f.time, port, f.failed, w, cap) >= cfg.vertical_min_ports {
            let seed = vw.seed();
            self.note(ScanKey::Vertical(f.src, dst), f, seed, 1.0, cfg);
        }
        if SMB_RPC_PORTS.contains(&port) {
            self.feed_smb(f, dst, cfg);
        }
    }

    fn feed_smb(&mut self, f: &Flow, dst: IpAddr, cfg: &NetworkConfig) {
        let clients = self.smb_clients.entry(dst).or_default();
        if clients.len() < 4096 {
            clients.insert(f.src);
        }
        let file_server = clients.len() >= cfg.file_server_min_clients;
        let peers = self.usual_peers.entry(f.src).or_default();
        let window_start = f.time.add_secs(-cfg.scan_window_secs);
        let usual = peers.get(&dst).is_some_and(|first| *first < window_start);
        if peers.len() < 4096 {
            peers.entry(dst).or_insert(f.time);
        }
        let window = self.smb.entry(f.src).or_default();
        window.push(
            f.time,
            dst,
            f.failed,
            cfg.scan_window_secs,
            cfg.scan_window_cap,
        );
        // Workstation → workstation counts fully; file servers and usual peers a little.
        // Every SMB contact is noted; episodes below the weighted threshold are not reported.
        let weight = if file_server || usual { 0.25 } else { 1.0 };
        let seed = (f.time, Vec::new(), 0, 0);
        self.note(ScanKey::SmbFanOut(f.src), f, seed, weight, cfg);
    }

    /// Adds the flow to the key's current episode, opening one after a quiet window.
    /// A fresh episode starts from what the window already holds (`seed`), so the figures
    /// cover the whole scan, not only what came after the threshold.
    fn note(
        &mut self,
        key: ScanKey,
        f: &Flow,
        seed: (Timestamp, Vec<String>, u64, u64),
        weight: f64,
        cfg: &NetworkConfig,
    ) {
        let target = match &key {
            ScanKey::Vertical(..) => f.dport.map(|p| p.to_string()).unwrap_or_default(),
            _ => f.dst.map(|d| d.to_string()).unwrap_or_default(),
        };
        let list = self.episodes.entry(key).or_default();
        let fresh = list
            .last()
            .is_none_or(|e| f.time.as_secs() - e.last.as_secs() > cfg.scan_window_secs);
        if fresh {
            let (start, keys, attempts, failed) = seed;
            let mut ep = Episode::new(start);
            ep.weight = keys.len() as f64 * weight;
            ep.targets = keys.into_iter().collect();
            // The current flow is already in the seed; count it once below.
            ep.attempts = attempts.saturating_sub(1);
            ep.failed = failed.saturating_sub(u64::from(f.failed));
            list.push(ep);
        }
        let Some(ep) = list.last_mut() else { return };
        ep.last = f.time;
        ep.attempts += 1;
        ep.failed += u64::from(f.failed);
        if ep.targets.len() < 65_536 && ep.targets.insert(target) {
            ep.weight += weight;
        }
        ep.evidence.push(f, cfg.evidence_per_finding);
    }

    /// Forgets windows whose newest record left the window, and closed SMB episodes too light
    /// ever to be reported: state follows the active keys, not every pair ever seen.
    pub(crate) fn sweep(&mut self, now: Timestamp, cfg: &NetworkConfig) {
        let w = cfg.scan_window_secs;
        self.horizontal.retain(|_, win| win.active(now, w));
        self.vertical.retain(|_, win| win.active(now, w));
        self.smb.retain(|_, win| win.active(now, w));
        let light = cfg.smb_min_peers as f64;
        self.episodes.retain(|key, episodes| {
            if matches!(key, ScanKey::SmbFanOut(_)) {
                episodes.retain(|ep| ep.weight >= light || now.as_secs() - ep.last.as_secs() <= w);
            }
            !episodes.is_empty()
        });
    }

    /// Keyed entries held now.
    pub(crate) fn state_size(&self) -> usize {
        self.horizontal.len()
            + self.vertical.len()
            + self.smb.len()
            + self.episodes.values().map(Vec::len).sum::<usize>()
    }

    pub(crate) fn finish(self, cfg: &NetworkConfig) -> Vec<ScanFinding> {
        let mut out = Vec::new();
        for (key, episodes) in self.episodes {
            for ep in episodes {
                let external = external_targets(&key, &ep);
                if let Some(finding) = finding(&key, ep, cfg) {
                    let (src, port) = match key {
                        ScanKey::Horizontal(src, port) => (src, Some(port)),
                        ScanKey::Vertical(src, _) | ScanKey::SmbFanOut(src) => (src, None),
                    };
                    out.push(ScanFinding {
                        finding,
                        src,
                        port,
                        external,
                    });
                }
            }
        }
        out
    }
}

/// A scan or fan-out finding with what the role review needs to know about it.
#[derive(Debug)]
pub(crate) struct ScanFinding {
    pub(crate) finding: Finding,
    /// Who scanned.
    pub(crate) src: IpAddr,
    /// The port of a horizontal scan; none for vertical scans and SMB fan-out.
    pub(crate) port: Option<u16>,
    /// Share of the targets outside the hospital (0–1).
    pub(crate) external: f64,
}

/// The share of an episode's targets that are external addresses.
fn external_targets(key: &ScanKey, ep: &Episode) -> f64 {
    match key {
        ScanKey::Vertical(_, dst) => f64::from(u8::from(!is_internal(dst))),
        _ => {
            let outside = ep
                .targets
                .iter()
                .filter(|t| t.parse::<IpAddr>().is_ok_and(|ip| !is_internal(&ip)))
                .count();
            outside as f64 / ep.targets.len().max(1) as f64
        }
    }
}

fn finding(key: &ScanKey, ep: Episode, cfg: &NetworkConfig) -> Option<Finding> {
    let failed_share = ep.failed as f64 / ep.attempts.max(1) as f64;
    let (analytic, src, title, level) = match key {
        ScanKey::Horizontal(src, port) => {
            let level = if failed_share >= 0.5 || SMB_RPC_PORTS.contains(port) {
                Level::High
            } else {
                Level::Medium
            };
            (
                crate::Analytic::ScanHorizontal,
                src,
                format!("{src} probed {} hosts on port {port}", ep.targets.len()),
                level,
            )
        }
        ScanKey::Vertical(src, dst) => (
            crate::Analytic::ScanVertical,
            src,
            format!("{src} probed {} ports on {dst}", ep.targets.len()),
            Level::High,
        ),
        ScanKey::SmbFanOut(src) => {
            if ep.weight < cfg.smb_min_peers as f64 {
                return None;
            }
            (
                crate::Analytic::SmbFanOut,
                src,
                format!("{src} reached {} peers over SMB/RPC", ep.targets.len()),
                Level::High,
            )
        }
    };
    let mut details = BTreeMap::new();
    details.insert("targets".into(), (ep.targets.len() as u64).into());
    details.insert("attempts".into(), ep.attempts.into());
    details.insert("failed".into(), ep.failed.into());
    details.insert(
        "weighted_targets".into(),
        ((ep.weight * 100.0).round() / 100.0).into(),
    );
    let mut sample: Vec<&String> = ep.targets.iter().collect();
    sample.sort();
    sample.truncate(20);
    details.insert(
        "sample_targets".into(),
        sample.into_iter().cloned().collect::<Vec<_>>().into(),
    );
    match key {
        ScanKey::Horizontal(_, port) => {
            details.insert("port".into(), (*port).into());
        }
        ScanKey::Vertical(_, dst) => {
            details.insert("destination".into(), dst.to_string().into());
        }
        ScanKey::SmbFanOut(_) => {}
    }
    Some(Finding {
        analytic,
        summary: format!(
            "{title} within {} s ({} attempts, {} failed)",
            cfg.scan_window_secs, ep.attempts, ep.failed
        ),
        title,
        level,
        host: src.to_string(),
        first_seen: ep.first,
        last_seen: ep.last,
        details,
        evidence: ep.evidence.into_vec(),
    })
}
