//! DNS analytics over query facts (Zeek, Suricata, BIND, AdGuard, Sysmon 22, Windows
//! DNS-Client): tunnelling, DGA-like bursts, domains new to a host, and DNS beacons. Each
//! finding carries its figures; every score is multiplied by a spread factor, `1 − 0.8 ×
//! √(share of clients querying the domain)`, so what most hosts resolve (CDNs, anti-virus
//! reputation look-ups, Microsoft telemetry) is down-weighted, not hidden.
//! `docs/dns-analytics.md` gives the formulas and thresholds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ward_event::{Level, Timestamp};

mod names;
mod query;

pub use names::{dga_likeness, entropy, is_local_name, parent_domain};
pub use query::{DnsQuery, extract_dns};

use super::beacon::periodicity;
use crate::case::{Evidence, Finding};

/// Thresholds of the DNS analytics.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsConfig {
    /// Fewest distinct names under one parent before it is scored for tunnelling.
    pub tunnel_min_names: usize,
    /// Fewest algorithmic-looking names from one client before it is scored as a DGA burst.
    pub dga_min_names: usize,
    /// Window of a DGA burst, seconds.
    pub dga_window_secs: i64,
    /// Fewest queries (merged within `beacon_merge_secs`) before a name is scored as a beacon.
    pub beacon_min_beats: usize,
    /// Queries of one name closer than this are one beat (A and AAAA, retries).
    pub beacon_merge_secs: i64,
    /// Learning time at the start of the input: domains first seen later are new.
    pub baseline_secs: i64,
    /// Lowest score reported.
    pub min_score: f64,
    /// Names and times kept per key (bounds memory).
    pub sample: usize,
    /// Fewest distinct clients in the input before a DNS finding may reach `medium`: with
    /// fewer, "rare" and "regular" say little (a lab capture, one proxy), so findings stay `low`.
    pub min_clients_for_medium: usize,
    /// Most keys (parent domains, client/name series, client/domain pairs) tracked in each
    /// table; past it, new keys are not tracked and the finding says the input was cut.
    pub max_keys: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            tunnel_min_names: 20,
            dga_min_names: 8,
            dga_window_secs: 600,
            beacon_min_beats: 5,
            beacon_merge_secs: 60,
            baseline_secs: 86_400,
            min_score: 0.3,
            sample: 4096,
            min_clients_for_medium: 10,
            max_keys: 500_000,
        }
    }
}

/// The factor that down-weights what many clients query: `1 − 0.8 × √share`.
fn spread_factor(clients: usize, total: usize) -> f64 {
    let share = clients as f64 / total.max(1) as f64;
    1.0 - 0.8 * share.clamp(0.0, 1.0).sqrt()
}

fn level(score: f64) -> Level {
    if score >= 0.8 {
        Level::High
    } else if score >= 0.6 {
        Level::Medium
    } else {
        Level::Low
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Parent {
    names: HashSet<Arc<str>>,
    clients: HashSet<Arc<str>>,
    queries: u64,
    txt_null: u64,
    label_len: u64,
    entropy: f64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Series {
    times: Vec<i64>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    evidence: Vec<Evidence>,
}

/// An algorithmic-looking name asked: time (ms), name, answered NXDOMAIN.
type DgaHit = (i64, Arc<str>, bool);

/// Runs the DNS analytics over queries fed in time order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DnsAnalyzer {
    // Thresholds come from the user's files at start; checkpoints hold the rest.
    #[serde(skip)]
    config: DnsConfig,
    clients: HashSet<Arc<str>>,
    parents: HashMap<Arc<str>, Parent>,
    /// Per client: (time, name, nxdomain) of algorithmic-looking names.
    dga: HashMap<Arc<str>, Vec<DgaHit>>,
    /// Per client and name: query times.
    series: HashMap<(Arc<str>, Arc<str>), Series>,
    /// Per client: parent domains and when first seen.
    seen: HashMap<Arc<str>, HashMap<Arc<str>, Timestamp>>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    /// Queries whose new keys were not tracked because a table was full.
    untracked: u64,
}

/// Room in `map` for `key`: it is there already, or the map holds fewer than `max` keys.
fn room<K: std::hash::Hash + Eq, V>(map: &HashMap<K, V>, key: &K, max: usize) -> bool {
    map.len() < max || map.contains_key(key)
}

fn evidence(q: &DnsQuery, summary: String) -> Evidence {
    Evidence {
        time: q.time,
        host: q.client.to_string(),
        file: q.origin.file.to_string(),
        position: q.origin.position,
        record_id: None,
        kind: q.origin.kind.to_string(),
        summary,
    }
}

const EVIDENCE: usize = 10;

impl DnsAnalyzer {
    /// An analyzer with these thresholds.
    pub fn new(config: DnsConfig) -> Self {
        DnsAnalyzer {
            config,
            ..DnsAnalyzer::default()
        }
    }

    /// Sets the thresholds, keeping the state (after a restore).
    pub fn set_config(&mut self, config: DnsConfig) {
        self.config = config;
    }

    /// Takes one query. Local names (single-label, `.local`, `.arpa` reverse look-ups and
    /// the like) are not scored: they are the network's own, not anyone's call home.
    pub fn feed(&mut self, q: &DnsQuery) {
        if is_local_name(&q.name) {
            return;
        }
        self.start = Some(self.start.map_or(q.time, |s| s.min(q.time)));
        self.end = Some(self.end.map_or(q.time, |s| s.max(q.time)));
        if self.clients.len() < self.config.max_keys || self.clients.contains(&q.client) {
            self.clients.insert(q.client.clone());
        }
        let parent_name: Arc<str> = parent_domain(&q.name).into();
        let max = self.config.max_keys;
        let series_key = (q.client.clone(), q.name.clone());
        if !room(&self.parents, &parent_name, max)
            || !room(&self.series, &series_key, max)
            || !room(&self.seen, &q.client, max)
            || !room(&self.dga, &q.client, max)
        {
            self.untracked += 1;
            return;
        }
        let sub = q
            .name
            .get(..q.name.len().saturating_sub(parent_name.len() + 1))
            .unwrap_or("");
        let parent = self.parents.entry(parent_name.clone()).or_default();
        parent.queries += 1;
        parent.clients.insert(q.client.clone());
        parent.first.get_or_insert(q.time);
        parent.last = Some(q.time);
        if matches!(&*q.qtype, "TXT" | "NULL" | "ANY" | "CNAME" | "MX") {
            parent.txt_null += 1;
        }
        if !sub.is_empty() && parent.names.len() < self.config.sample {
            let label = sub.replace('.', "");
            if parent.names.insert(q.name.clone()) {
                parent.label_len += label.len() as u64;
                parent.entropy += entropy(&label);
                if parent.evidence.len() < EVIDENCE {
                    parent
                        .evidence
                        .push(evidence(q, format!("{} {} {}", q.client, q.qtype, q.name)));
                }
            }
        }
        let label = parent_name.split('.').next().unwrap_or("");
        if dga_likeness(label) >= 0.5 {
            let list = self.dga.entry(q.client.clone()).or_default();
            if list.len() < self.config.sample {
                list.push((q.time.as_nanos() / 1_000_000, q.name.clone(), q.nxdomain));
            }
        }
        let series = self.series.entry(series_key).or_default();
        let ms = q.time.as_nanos() / 1_000_000;
        let merge = self.config.beacon_merge_secs * 1000;
        if series.times.last().is_none_or(|&t| ms - t >= merge)
            && series.times.len() < self.config.sample
        {
            series.times.push(ms);
            if series.evidence.len() < EVIDENCE {
                series
                    .evidence
                    .push(evidence(q, format!("{} asks {}", q.client, q.name)));
            }
        }
        series.first.get_or_insert(q.time);
        series.last = Some(q.time);
        let seen = self.seen.entry(q.client.clone()).or_default();
        if seen.len() < self.config.sample || seen.contains_key(&parent_name) {
            seen.entry(parent_name).or_insert(q.time);
        }
    }

    /// Keys held now (clients, parent domains, client/name series, per-client domains):
    /// bounded by `max_keys` per table.
    pub fn state_size(&self) -> usize {
        self.clients.len()
            + self.parents.len()
            + self.series.len()
            + self.seen.values().map(HashMap::len).sum::<usize>()
    }

    /// Queries not tracked because a table had reached `max_keys`.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// The findings, each analytic's best first: tunnels, DGA bursts, DNS beacons, new domains.
    /// With fewer than `min_clients_for_medium` clients in the input, every finding stays `low`
    /// (its `details.level_capped` says why).
    pub fn finish(self) -> Vec<Finding> {
        let mut out = Vec::new();
        out.extend(self.tunnels());
        out.extend(self.dga_bursts());
        out.extend(self.beacons());
        out.extend(self.new_domains());
        let clients = self.clients.len();
        if clients < self.config.min_clients_for_medium {
            for f in out.iter_mut().filter(|f| f.level > Level::Low) {
                f.level = Level::Low;
                f.details.insert(
                    "level_capped".into(),
                    format!("only {clients} DNS client(s) in the input: too few to judge rarity")
                        .into(),
                );
            }
        }
        out
    }

    fn parent_factor(&self, parent: &str) -> (usize, f64) {
        let clients = self.parents.get(parent).map_or(0, |p| p.clients.len());
        (clients, spread_factor(clients, self.clients.len()))
    }

    fn tunnels(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for (name, p) in &self.parents {
            let unique = p.names.len();
            if unique < self.config.tunnel_min_names {
                continue;
            }
            let avg_len = p.label_len as f64 / unique as f64;
            let avg_entropy = p.entropy / unique as f64;
            let txt_share = p.txt_null as f64 / p.queries.max(1) as f64;
            let len_score = ((avg_len - 10.0) / 30.0).clamp(0.0, 1.0);
            let ent_score = ((avg_entropy - 2.5) / 1.5).clamp(0.0, 1.0);
            let unique_score = ((unique as f64).log10() / 3.0).clamp(0.0, 1.0);
            let raw = 0.3 * len_score + 0.25 * ent_score + 0.3 * unique_score + 0.15 * txt_share;
            let (clients, factor) = self.parent_factor(name);
            let score = raw * factor;
            if score < self.config.min_score {
                continue;
            }
            let mut details = BTreeMap::new();
            details.insert("score".into(), round2(score).into());
            details.insert("domain".into(), name.to_string().into());
            details.insert("unique_names".into(), (unique as u64).into());
            details.insert("queries".into(), p.queries.into());
            details.insert("mean_label_length".into(), round2(avg_len).into());
            details.insert("mean_label_entropy".into(), round2(avg_entropy).into());
            details.insert("txt_null_share".into(), round2(txt_share).into());
            details.insert("clients".into(), (clients as u64).into());
            details.insert("spread_factor".into(), round2(factor).into());
            let host = p
                .clients
                .iter()
                .min()
                .map_or(String::new(), |c| c.to_string());
            out.push(Finding {
                analytic: crate::Analytic::DnsTunnel,
                title: format!("DNS tunnel-like traffic under {name}"),
                level: level(score),
                host,
                first_seen: p.first.unwrap_or(Timestamp::UNKNOWN),
                last_seen: p.last.unwrap_or(Timestamp::UNKNOWN),
                summary: format!(
                    "{unique} distinct names under {name} ({} queries, mean label {avg_len:.0} chars, entropy {avg_entropy:.2}, TXT/NULL {:.0} %) from {clients} client(s); score {score:.2}",
                    p.queries,
                    txt_share * 100.0
                ),
                details,
                evidence: p.evidence.clone(),
            });
        }
        sort(&mut out);
        out
    }

    fn dga_bursts(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let window = self.config.dga_window_secs * 1000;
        for (client, list) in &self.dga {
            let mut list = list.clone();
            list.sort_by_key(|(t, _, _)| *t);
            // The densest window of distinct rare algorithmic names.
            let mut best: (usize, usize, usize) = (0, 0, 0);
            let mut start = 0;
            for end in 0..list.len() {
                while list
                    .get(start)
                    .zip(list.get(end))
                    .is_some_and(|(s, e)| e.0 - s.0 > window)
                {
                    start += 1;
                }
                let Some(slice) = list.get(start..=end) else {
                    continue;
                };
                let rare: HashSet<&Arc<str>> = slice
                    .iter()
                    .filter(|(_, n, _)| self.parent_factor(parent_domain(n)).0 <= 2)
                    .map(|(_, n, _)| n)
                    .collect();
                if rare.len() > best.0 {
                    best = (rare.len(), start, end);
                }
            }
            let (distinct, s, e) = best;
            if distinct < self.config.dga_min_names {
                continue;
            }
            let Some(burst) = list.get(s..=e) else {
                continue;
            };
            let nx = burst.iter().filter(|(_, _, nx)| *nx).count();
            let mean_likeness = burst
                .iter()
                .map(|(_, n, _)| dga_likeness(parent_domain(n).split('.').next().unwrap_or("")))
                .sum::<f64>()
                / burst.len().max(1) as f64;
            let nx_share = nx as f64 / burst.len().max(1) as f64;
            let volume = ((distinct as f64 - 4.0) / 26.0).clamp(0.0, 1.0);
            let score = 0.4 * volume + 0.3 * nx_share + 0.3 * mean_likeness;
            if score < self.config.min_score {
                continue;
            }
            let secs = |ms: i64| Timestamp::from_nanos(ms * 1_000_000);
            let (first, last) = (
                burst.first().map_or(0, |b| b.0),
                burst.last().map_or(0, |b| b.0),
            );
            let mut details = BTreeMap::new();
            details.insert("score".into(), round2(score).into());
            details.insert("distinct_names".into(), (distinct as u64).into());
            details.insert("nxdomain".into(), (nx as u64).into());
            details.insert("nxdomain_share".into(), round2(nx_share).into());
            details.insert("mean_dga_likeness".into(), round2(mean_likeness).into());
            details.insert("window_secs".into(), ((last - first) / 1000).into());
            let examples: Vec<&str> = burst.iter().take(5).map(|(_, n, _)| &**n).collect();
            details.insert("examples".into(), examples.join(", ").into());
            out.push(Finding {
                analytic: crate::Analytic::DnsDga,
                title: format!("{client} resolves {distinct} algorithmic-looking domains"),
                level: level(score),
                host: client.to_string(),
                first_seen: secs(first),
                last_seen: secs(last),
                summary: format!(
                    "{distinct} distinct algorithmic-looking domains in {} s, {nx} NXDOMAIN; score {score:.2}",
                    (last - first) / 1000
                ),
                details,
                evidence: Vec::new(),
            });
        }
        sort(&mut out);
        out
    }

    fn beacons(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let span = match (self.start, self.end) {
            (Some(s), Some(e)) => (e.as_nanos() - s.as_nanos()) as f64 / 1e9,
            _ => 0.0,
        };
        for ((client, name), series) in &self.series {
            if series.times.len() < self.config.beacon_min_beats {
                continue;
            }
            let Some(p) = periodicity(&series.times) else {
                continue;
            };
            let covered = match (series.first, series.last) {
                (Some(f), Some(l)) => (l.as_nanos() - f.as_nanos()) as f64 / 1e9,
                _ => 0.0,
            };
            let coverage = if span > 0.0 {
                (covered / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let beats = series.times.len() as f64;
            let confidence = ((beats - 1.0) / 7.0).clamp(0.0, 1.0).sqrt();
            let (clients, factor) = self.name_factor(name);
            let score = (0.75 * p.regularity + 0.25 * coverage) * confidence * factor;
            if score < self.config.min_score {
                continue;
            }
            let mut details = BTreeMap::new();
            details.insert("score".into(), round2(score).into());
            details.insert("name".into(), name.to_string().into());
            details.insert("interval_secs".into(), p.period_secs.round().into());
            details.insert("interval_regularity".into(), round2(p.regularity).into());
            details.insert("coverage".into(), round2(coverage).into());
            details.insert("queries".into(), (series.times.len() as u64).into());
            details.insert("missed_beats".into(), p.missed.into());
            details.insert("clients".into(), (clients as u64).into());
            details.insert("spread_factor".into(), round2(factor).into());
            out.push(Finding {
                analytic: crate::Analytic::DnsBeacon,
                title: format!("{client} resolves {name} every {:.1} h", p.period_secs / 3600.0),
                level: level(score),
                host: client.to_string(),
                first_seen: series.first.unwrap_or(Timestamp::UNKNOWN),
                last_seen: series.last.unwrap_or(Timestamp::UNKNOWN),
                summary: format!(
                    "{} queries of {name}, period {:.0} s (regularity {:.2}), {clients} client(s) ask it; score {score:.2}",
                    series.times.len(),
                    p.period_secs,
                    p.regularity
                ),
                details,
                evidence: series.evidence.clone(),
            });
        }
        sort(&mut out);
        out
    }

    /// Clients asking this exact name and the spread factor, by its parent's clients when the
    /// name itself is rare (a CDN's per-host names share one parent).
    fn name_factor(&self, name: &str) -> (usize, f64) {
        self.parent_factor(parent_domain(name))
    }

    fn new_domains(&self) -> Vec<Finding> {
        let Some(start) = self.start else {
            return Vec::new();
        };
        let cutoff = start.as_nanos() + self.config.baseline_secs * 1_000_000_000;
        let mut out = Vec::new();
        for (client, seen) in &self.seen {
            let mut new: Vec<(&Arc<str>, Timestamp)> = seen
                .iter()
                .filter(|(parent, first)| {
                    first.as_nanos() > cutoff && self.parent_factor(parent).0 <= 2
                })
                .map(|(p, t)| (p, *t))
                .collect();
            if new.is_empty() {
                continue;
            }
            new.sort_by_key(|(p, t)| (*t, (*p).clone()));
            // Informational: a new rare domain is a lead, not a verdict.
            let score = (0.1 * new.len() as f64).min(0.5);
            let mut details = BTreeMap::new();
            details.insert("score".into(), round2(score).into());
            details.insert("new_domains".into(), (new.len() as u64).into());
            let names: Vec<&str> = new.iter().take(10).map(|(p, _)| &***p).collect();
            details.insert("domains".into(), names.join(", ").into());
            out.push(Finding {
                analytic: crate::Analytic::DnsNewDomain,
                title: format!(
                    "{client} resolves {} rare domain(s) it never asked before",
                    new.len()
                ),
                level: Level::Low,
                host: client.to_string(),
                first_seen: new.first().map_or(Timestamp::UNKNOWN, |n| n.1),
                last_seen: new.last().map_or(Timestamp::UNKNOWN, |n| n.1),
                summary: format!("first asked after the learning day: {}", names.join(", ")),
                details,
                evidence: Vec::new(),
            });
        }
        sort(&mut out);
        out
    }
}

fn score_of(f: &Finding) -> f64 {
    f.details
        .get("score")
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// Best first; ties by host and title so the order is stable.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        score_of(b)
            .total_cmp(&score_of(a))
            .then_with(|| (&a.host, &a.title).cmp(&(&b.host, &b.title)))
    });
}

#[cfg(test)]
mod tests;
