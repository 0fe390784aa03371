//! Beaconing: an internal host reaching one destination (address, host name or SNI) on a
//! regular clock. Scored on interval regularity — median period, median absolute residual
//! after allowing missed beats as whole multiples of the period — and on size regularity and
//! how much of the observed time the beacon spans. Destinations most internal hosts reach
//! (update servers) are down-weighted, not hidden. Per pair, timestamps are kept in a bounded
//! sample: when full, every other one is dropped and later ones are sampled at the same
//! stride, which keeps a periodic series periodic (at a multiple of its period).

use super::NetworkConfig;
use super::evidence::EvidenceLog;
use super::fact::{Flow, is_broadcast, is_internal};
use crate::case::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use ward_event::{Level, Timestamp};

/// Where a beacon goes: a name when the log has one, else the address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Destination {
    Name(Arc<str>),
    Ip(IpAddr),
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Name(n) => f.write_str(n),
            Destination::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Pair {
    /// Sampled beat times, milliseconds.
    times: Vec<i64>,
    /// Every `stride`-th beat is sampled once the sample has been halved.
    stride: u64,
    beats: u64,
    sizes: Vec<u64>,
    last_ms: Option<i64>,
    first: Timestamp,
    last: Timestamp,
    /// The responder port of the first beat.
    port: Option<u16>,
    /// The destination is an internal address.
    internal: bool,
    evidence: EvidenceLog,
}

/// A beacon finding with what the role review needs to know about it.
#[derive(Debug)]
pub(crate) struct BeaconFinding {
    pub(crate) finding: Finding,
    /// Who beacons.
    pub(crate) src: IpAddr,
    /// The destination is an internal address.
    pub(crate) internal: bool,
    /// The responder port of the first beat.
    pub(crate) port: Option<u16>,
    /// On a strict clock: interval regularity of at least 0.8 over eight beats or more.
    pub(crate) strict: bool,
}

/// Beacon state for all pairs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct BeaconDetector {
    pairs: HashMap<(IpAddr, Destination), Pair>,
    reach: HashMap<Destination, HashSet<IpAddr>>,
    sources: HashSet<IpAddr>,
    span: Option<(Timestamp, Timestamp)>,
    /// Times one-off pairs were forgotten to bound the state.
    evicted: u64,
}

impl BeaconDetector {
    pub(crate) fn feed(&mut self, f: &Flow, cfg: &NetworkConfig) {
        if !is_internal(&f.src) {
            return;
        }
        let dest = match (&f.dst_name, f.dst) {
            (Some(name), _) => Destination::Name(Arc::from(name.to_ascii_lowercase())),
            (None, Some(ip)) if !is_broadcast(&ip) && ip != f.src => Destination::Ip(ip),
            _ => return,
        };
        self.span = Some(match self.span {
            None => (f.time, f.time),
            Some((a, b)) => (a.min(f.time), b.max(f.time)),
        });
        self.sources.insert(f.src);
        let reached = self.reach.entry(dest.clone()).or_default();
        if reached.len() < 65_536 {
            reached.insert(f.src);
        }
        let pair = self.pairs.entry((f.src, dest)).or_insert_with(|| Pair {
            stride: 1,
            first: f.time,
            port: f.dport,
            internal: f.dst.is_some_and(|d| is_internal(&d)),
            ..Pair::default()
        });
        let ms = f.time.as_nanos() / 1_000_000;
        // One beat may show in several logs (conn, ssl, http): merge records close together.
        if pair
            .last_ms
            .is_some_and(|l| (ms - l).abs() < cfg.beacon_merge_ms)
        {
            return;
        }
        pair.last_ms = Some(ms);
        pair.last = pair.last.max(f.time);
        pair.beats += 1;
        if pair.beats.is_multiple_of(pair.stride.max(1)) {
            if pair.times.len() >= cfg.beacon_sample {
                let kept: Vec<i64> = pair.times.iter().copied().step_by(2).collect();
                pair.times = kept;
                pair.stride *= 2;
            }
            pair.times.push(ms);
            if let Some(b) = f.bytes.filter(|_| pair.sizes.len() < cfg.beacon_sample) {
                pair.sizes.push(b);
            }
        }
        pair.evidence.push(f, cfg.evidence_per_finding);
    }

    /// When more than `beacon_max_pairs` pairs are held, forgets the older half of the pairs
    /// that have too few beats to be scored yet (one-off connections), and the reach of
    /// destinations no pair names any more. Pairs that may be beacons are never dropped.
    pub(crate) fn evict(&mut self, cfg: &NetworkConfig) {
        if self.pairs.len() <= cfg.beacon_max_pairs {
            return;
        }
        let mut cold: Vec<i64> = self
            .pairs
            .values()
            .filter(|p| p.beats < cfg.beacon_min_beats)
            .map(|p| p.last.as_nanos())
            .collect();
        if cold.is_empty() {
            return;
        }
        let mid = cold.len() / 2;
        let (_, cutoff, _) = cold.select_nth_unstable(mid);
        let cutoff = *cutoff;
        self.pairs
            .retain(|_, p| p.beats >= cfg.beacon_min_beats || p.last.as_nanos() > cutoff);
        let named: HashSet<&Destination> = self.pairs.keys().map(|(_, d)| d).collect();
        self.reach
            .retain(|d, sources| sources.len() > 1 || named.contains(d));
        self.evicted += 1;
    }

    /// Pairs and destinations held now.
    pub(crate) fn state_size(&self) -> usize {
        self.pairs.len() + self.reach.len()
    }

    pub(crate) fn finish(self, cfg: &NetworkConfig) -> Vec<BeaconFinding> {
        let span_secs = self
            .span
            .map_or(0.0, |(a, b)| (b.as_nanos() - a.as_nanos()) as f64 / 1e9);
        let hosts = self.sources.len();
        let mut out = Vec::new();
        for ((src, dest), pair) in self.pairs {
            if pair.beats < cfg.beacon_min_beats {
                continue;
            }
            let Some(score) = score(&pair, span_secs) else {
                continue;
            };
            let reached = self.reach.get(&dest).map_or(1, HashSet::len);
            // Prevalence: the share of internal hosts reaching the destination (meaningful
            // only with a few hosts to compare).
            let prevalence = if hosts >= 3 {
                reached as f64 / hosts as f64
            } else {
                0.0
            };
            let total = score.total * (1.0 - 0.6 * prevalence);
            if total < cfg.beacon_min_score {
                continue;
            }
            let (internal, port) = (pair.internal, pair.port);
            let strict = score.interval >= 0.8 && pair.beats >= 8;
            out.push(BeaconFinding {
                finding: finding(src, &dest, pair, &score, total, prevalence, reached),
                src,
                internal,
                port,
                strict,
            });
        }
        // Equal scores by source and destination, so the order does not hang on hashing.
        out.sort_by(|a, b| {
            let (a, b) = (&a.finding, &b.finding);
            score_of(b)
                .total_cmp(&score_of(a))
                .then_with(|| (&a.host, &a.title).cmp(&(&b.host, &b.title)))
        });
        out
    }
}

/// The beacon score recorded in a finding's details.
pub(crate) fn score_of(f: &Finding) -> f64 {
    f.details
        .get("score")
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

#[derive(Debug)]
struct Score {
    total: f64,
    period: f64,
    interval: f64,
    size: Option<f64>,
    coverage: f64,
    missed: u64,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let m = if v.len().is_multiple_of(2) {
        (v.get(mid - 1)? + v.get(mid)?) / 2.0
    } else {
        *v.get(mid)?
    };
    Some(m)
}

/// How regular a series of beat times is: the median period, the interval regularity (1 on a
/// strict clock, 0 for random arrivals; missed beats, as whole multiples of the period, lower
/// it) and how many beats were missed. The DNS beacon analytic scores query times with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Periodicity {
    pub(crate) period_secs: f64,
    pub(crate) regularity: f64,
    pub(crate) missed: u64,
}

/// The [`Periodicity`] of beat times in milliseconds (any order); `None` under two beats.
pub(crate) fn periodicity(times_ms: &[i64]) -> Option<Periodicity> {
    let mut times = times_ms.to_vec();
    times.sort_unstable();
    let mut deltas: Vec<f64> = times
        .windows(2)
        .filter_map(|w| Some((w.get(1)? - w.first()?) as f64 / 1000.0))
        .collect();
    let period = median(&mut deltas.clone())?;
    if period <= 0.0 {
        return None;
    }
    let mut missed = 0u64;
    let mut residuals: Vec<f64> = deltas
        .iter_mut()
        .map(|d| {
            let k = (*d / period).round().max(1.0);
            missed += (k as u64).saturating_sub(1);
            (*d - k * period).abs() / period
        })
        .collect();
    let jitter = median(&mut residuals)?;
    let expected = deltas.len() as f64 + missed as f64;
    let missed_share = missed as f64 / expected.max(1.0);
    // Random arrivals leave a median residual near a quarter period; a clock, near zero.
    let regularity = ((1.0 - jitter / 0.25).clamp(0.0, 1.0)) * (1.0 - 0.5 * missed_share);
    Some(Periodicity {
        period_secs: period,
        regularity,
        missed,
    })
}

fn score(pair: &Pair, span_secs: f64) -> Option<Score> {
    let Periodicity {
        period_secs: period,
        regularity: interval,
        missed,
    } = periodicity(&pair.times)?;
    let size = size_regularity(&pair.sizes);
    let covered = (pair.last.as_nanos() - pair.first.as_nanos()) as f64 / 1e9;
    let coverage = if span_secs > 0.0 {
        (covered / span_secs).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let base = match size {
        Some(s) => 0.6 * interval + 0.2 * s + 0.2 * coverage,
        None => 0.75 * interval + 0.25 * coverage,
    };
    // Few beats are weak evidence: full confidence from eight.
    let confidence = ((pair.beats as f64 - 1.0) / 7.0).clamp(0.0, 1.0).sqrt();
    Some(Score {
        total: base * confidence,
        period: period / pair.stride.max(1) as f64,
        interval,
        size,
        coverage,
        missed,
    })
}

fn size_regularity(sizes: &[u64]) -> Option<f64> {
    if sizes.len() < 3 {
        return None;
    }
    let mut v: Vec<f64> = sizes.iter().map(|&s| s as f64).collect();
    let m = median(&mut v)?;
    if m <= 0.0 {
        return Some(1.0);
    }
    let mut dev: Vec<f64> = v.iter().map(|s| (s - m).abs() / m).collect();
    Some((1.0 - median(&mut dev)? / 0.5).clamp(0.0, 1.0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn finding(
    src: IpAddr,
    dest: &Destination,
    pair: Pair,
    s: &Score,
    total: f64,
    prevalence: f64,
    reached: usize,
) -> Finding {
    let level = if total >= 0.8 {
        Level::High
    } else if total >= 0.65 {
        Level::Medium
    } else {
        Level::Low
    };
    let mut details = BTreeMap::new();
    details.insert("score".into(), round2(total).into());
    details.insert("destination".into(), dest.to_string().into());
    details.insert("interval_secs".into(), s.period.round().into());
    details.insert("interval_regularity".into(), round2(s.interval).into());
    if let Some(size) = s.size {
        details.insert("size_regularity".into(), round2(size).into());
    }
    details.insert("coverage".into(), round2(s.coverage).into());
    details.insert("connections".into(), pair.beats.into());
    details.insert("missed_beats".into(), s.missed.into());
    details.insert("hosts_reaching_destination".into(), (reached as u64).into());
    details.insert("prevalence".into(), round2(prevalence).into());
    Finding {
        analytic: crate::Analytic::Beacon,
        title: format!("{src} beacons to {dest} every {}", human(s.period)),
        level,
        host: src.to_string(),
        first_seen: pair.first,
        last_seen: pair.last,
        summary: format!(
            "{} connections from {src} to {dest}, period {} (regularity {:.2}, score {:.2}); {reached} internal host(s) reach it",
            pair.beats,
            human(s.period),
            s.interval,
            total
        ),
        details,
        evidence: pair.evidence.into_vec(),
    }
}

fn human(secs: f64) -> String {
    match secs {
        s if s >= 86_400.0 => format!("{:.1} d", s / 86_400.0),
        s if s >= 3_600.0 => format!("{:.1} h", s / 3_600.0),
        s if s >= 60.0 => format!("{:.1} min", s / 60.0),
        s => format!("{s:.0} s"),
    }
}
