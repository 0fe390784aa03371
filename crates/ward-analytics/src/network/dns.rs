//! DNS analytics over query facts (Zeek, Suricata, BIND, AdGuard, Sysmon 22, Windows
//! DNS-Client): tunnelling, DGA-like bursts, domains new to a host, and DNS beacons. Each
//! finding carries its figures; every score is multiplied by a spread factor, `1 − 0.8 ×
//! √(share of clients querying the domain)`, so what most hosts resolve (CDNs, anti-virus
//! reputation look-ups, Microsoft telemetry) is down-weighted, not hidden.
//! `docs/dns-analytics.md` gives the formulas and thresholds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ward_event::{Event, Fields, Level, Timestamp, Value};

use super::beacon::periodicity;
use super::fact::FactOrigin;
use crate::case::{Evidence, Finding};

/// One DNS query as the DNS analytics need it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DnsQuery {
    /// When it was asked.
    pub time: Timestamp,
    /// Who asked: the client address, else the host that logged it (Sysmon, DNS-Client).
    pub client: Arc<str>,
    /// The name asked, lower case, without the trailing dot.
    pub name: Arc<str>,
    /// Record type (`A`, `TXT`, `NULL`, …), upper case; empty when the log has none.
    pub qtype: Arc<str>,
    /// The answer was NXDOMAIN.
    pub nxdomain: bool,
    /// Where the event was read.
    pub origin: FactOrigin,
}

fn text<'a>(e: &'a Event, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        e.get(n)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "-")
    })
}

/// Reads a DNS query from a DNS event (Sigma categories `dns` and `dns_query`, or Sysmon's
/// event 22); `None` for other events.
pub fn extract_dns(e: &Event) -> Option<DnsQuery> {
    let category = e.source.category.as_deref();
    let windows_dns = match (e.source.channel.as_deref(), e.source.event_id) {
        (Some(c), Some(22)) => c.eq_ignore_ascii_case("Microsoft-Windows-Sysmon/Operational"),
        (Some(c), Some(3006 | 3008 | 3020)) => c.contains("DNS-Client") || c.contains("DNS Client"),
        _ => false,
    };
    if !windows_dns && !matches!(category, Some("dns" | "dns_query")) {
        return None;
    }
    let name = text(e, &["query", "QueryName", "dns.rrname"])?;
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let client = match text(e, &["src_ip", "ClientIP"]) {
        Some(ip) => ip.to_string(),
        None => e.host.short().to_string(),
    };
    let qtype = text(e, &["record_type", "qtype_name", "QueryType"]).unwrap_or("");
    let rcode = text(e, &["rcode_name", "rcode", "dns.rcode"]).unwrap_or("");
    // Sysmon 22 `QueryStatus` 9003 is DNS_ERROR_RCODE_NAME_ERROR.
    let status = e.get("QueryStatus").map(|v| v.to_string());
    Some(DnsQuery {
        time: e.time,
        client: client.into(),
        name: name.into(),
        qtype: qtype.to_ascii_uppercase().into(),
        nxdomain: rcode.eq_ignore_ascii_case("NXDOMAIN") || status.as_deref() == Some("9003"),
        origin: FactOrigin {
            file: e.origin.file.clone(),
            position: e.origin.position,
            kind: e.source.label().into(),
        },
    })
}

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

/// Names of the local network, never scored: single labels, multicast DNS and link-local
/// suffixes, reverse look-ups, and the special-use suffixes of RFC 6761/8375.
pub fn is_local_name(name: &str) -> bool {
    const LOCAL: [&str; 8] = [
        ".local",
        ".arpa",
        ".localdomain",
        ".lan",
        ".internal",
        ".home",
        ".localhost",
        ".invalid",
    ];
    !name.contains('.') || LOCAL.iter().any(|suffix| name.ends_with(suffix))
}

/// The registered domain: the last two labels, three under `co.uk`-style suffixes.
pub fn parent_domain(name: &str) -> &str {
    let labels: Vec<&str> = name.rsplitn(4, '.').collect();
    let keep = match labels.as_slice() {
        [tld, second, ..]
            if tld.len() == 2
                && matches!(*second, "co" | "com" | "net" | "org" | "gov" | "ac" | "edu") =>
        {
            3
        }
        _ => 2,
    };
    let cut: usize = labels.iter().take(keep).map(|l| l.len() + 1).sum();
    name.get(name.len().saturating_sub(cut.saturating_sub(1))..)
        .unwrap_or(name)
}

/// Shannon entropy of the characters of `s`, bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// How algorithmic a domain label looks, 0–1: long, few vowels, long consonant runs, digits
/// mixed into letters, high entropy. Dictionary-like labels (`microsoft`, `cloudfront`) score low.
pub fn dga_likeness(label: &str) -> f64 {
    let n = label.len();
    if n < 7 {
        return 0.0;
    }
    let letters = label.bytes().filter(u8::is_ascii_alphabetic).count().max(1);
    let vowels = label.bytes().filter(|b| b"aeiouy".contains(b)).count();
    let digits = label.bytes().filter(u8::is_ascii_digit).count();
    let mut run = 0;
    let mut longest = 0;
    for b in label.bytes() {
        if b.is_ascii_alphabetic() && !b"aeiouy".contains(&b) {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let vowel_share = vowels as f64 / letters as f64;
    // English-like text has about 40 % vowels; random a–z about 23 %.
    let few_vowels = ((0.38 - vowel_share) / 0.18).clamp(0.0, 1.0);
    let consonant_run = ((longest as f64 - 3.0) / 3.0).clamp(0.0, 1.0);
    let mixed_digits = if digits > 0 && digits < n { 0.5 } else { 0.0 };
    let length = ((n as f64 - 8.0) / 8.0).clamp(0.0, 1.0);
    let ent = ((entropy(label) - 2.8) / 0.9).clamp(0.0, 1.0);
    (0.3 * few_vowels + 0.2 * consonant_run + 0.1 * mixed_digits + 0.15 * length + 0.25 * ent)
        .clamp(0.0, 1.0)
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
mod tests {
    use super::*;

    #[test]
    fn parents_and_likeness() {
        assert_eq!(parent_domain("a.b.example.com"), "example.com");
        assert_eq!(parent_domain("www.nhs.co.uk"), "nhs.co.uk");
        assert_eq!(parent_domain("localhost"), "localhost");
        assert!(
            dga_likeness("xjw3kqzpvl9t") > 0.6,
            "{}",
            dga_likeness("xjw3kqzpvl9t")
        );
        assert!(
            dga_likeness("microsoft") < 0.5,
            "{}",
            dga_likeness("microsoft")
        );
        assert!(
            dga_likeness("cloudfront") < 0.5,
            "{}",
            dga_likeness("cloudfront")
        );
        assert!(entropy("aaaa") < 0.01);
    }

    #[test]
    fn sysmon_22_is_a_query_of_its_host() {
        let mut f = ward_event::FieldList::default();
        f.push("QueryName", Value::from("Beacon.Example.org."));
        f.push("QueryStatus", Value::from("9003"));
        let source = ward_event::LogSource::windows(
            "Microsoft-Windows-Sysmon/Operational",
            "Microsoft-Windows-Sysmon",
            22,
        );
        let e = Event::new(
            Timestamp::from_nanos(0),
            "WARD-PC1.hospital.local",
            source,
            f,
        );
        let q = extract_dns(&e).expect("a query");
        assert_eq!(&*q.name, "beacon.example.org");
        assert_eq!(&*q.client, "WARD-PC1");
        assert!(q.nxdomain);
    }

    fn query(client: &str, name: &str, secs: i64) -> DnsQuery {
        DnsQuery {
            time: Timestamp::from_nanos(secs * 1_000_000_000),
            client: client.into(),
            name: name.into(),
            qtype: "A".into(),
            nxdomain: false,
            origin: FactOrigin::default(),
        }
    }

    #[test]
    fn local_names_are_not_scored() {
        for name in [
            "wpad",
            "printer.local",
            "8.0.168.192.in-addr.arpa",
            "pc1.stmary.lan",
        ] {
            assert!(is_local_name(name), "{name}");
        }
        assert!(!is_local_name("update.clinic-sync.org"));
        let mut dns = DnsAnalyzer::new(DnsConfig::default());
        for beat in 0..24 {
            dns.feed(&query("10.0.0.5", "10-0-0-5.local", beat * 1800));
        }
        assert_eq!(dns.state_size(), 0, "a local name leaves no state");
        assert!(dns.finish().is_empty());
    }

    /// A perfectly regular half-hourly look-up from the only client of a small capture is a
    /// lead, not a `medium`: with one client, rarity cannot be judged.
    #[test]
    fn few_clients_keep_findings_low() {
        let beacon = |clients: usize| {
            let mut dns = DnsAnalyzer::new(DnsConfig::default());
            for c in 0..clients {
                dns.feed(&query(&format!("10.0.0.{c}"), "www.example.com", 0));
            }
            for beat in 0..48 {
                dns.feed(&query(
                    "10.0.0.200",
                    "telemetry.vendor-sync.net",
                    beat * 1800,
                ));
            }
            dns.finish()
                .into_iter()
                .find(|f| f.analytic == crate::Analytic::DnsBeacon)
                .expect("the beacon is found")
        };
        let small = beacon(8);
        assert_eq!(small.level, Level::Low, "{small:?}");
        assert!(small.details.contains_key("level_capped"));
        let large = beacon(40);
        assert!(large.level >= Level::Medium, "{large:?}");
        assert!(!large.details.contains_key("level_capped"));
    }

    #[test]
    fn tables_stop_growing_at_max_keys() {
        let config = DnsConfig {
            max_keys: 100,
            ..DnsConfig::default()
        };
        let mut dns = DnsAnalyzer::new(config);
        for i in 0..10_000 {
            dns.feed(&query("10.0.0.1", &format!("n{i}.tunnel-example.net"), i));
        }
        assert!(dns.untracked() > 9_000, "{}", dns.untracked());
        assert!(dns.state_size() < 500, "{}", dns.state_size());
    }
}
