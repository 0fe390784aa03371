//! C2 habits: a host failing over many external addresses on 80/443 within minutes (a
//! hard-coded C2 list, as Kwampirs carries), HTTP to IP-literal hosts, encoded query strings,
//! and connections that stay open for hours.

use super::NetworkConfig;
use super::evidence::EvidenceLog;
use super::fact::{Flow, WebRequest, is_internal};
use crate::case::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use ward_event::{Level, Timestamp};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Fallback {
    window_start: Timestamp,
    targets: HashSet<IpAddr>,
    best: usize,
    first: Timestamp,
    last: Timestamp,
    evidence: EvidenceLog,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Grouped {
    count: u64,
    first: Timestamp,
    last: Timestamp,
    max_duration: f64,
    sample: String,
    evidence: EvidenceLog,
}

/// The analytics that group occurrences by source and destination, declared in the order of
/// their names so findings come out as they did when the key held the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum GroupedAnalytic {
    EncodedQuery,
    HttpIpLiteral,
    LongConnection,
}

impl GroupedAnalytic {
    fn name(self) -> crate::Analytic {
        match self {
            GroupedAnalytic::EncodedQuery => crate::Analytic::EncodedQuery,
            GroupedAnalytic::HttpIpLiteral => crate::Analytic::HttpIpLiteral,
            GroupedAnalytic::LongConnection => crate::Analytic::LongConnection,
        }
    }
}

/// C2-fallback, IP-literal, encoded-query and long-connection state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct C2Detector {
    fallback: HashMap<IpAddr, Fallback>,
    /// (analytic, source, destination) → occurrences.
    grouped: BTreeMap<(GroupedAnalytic, IpAddr, String), Grouped>,
}

impl C2Detector {
    /// Sources and grouped occurrences held now.
    pub(crate) fn state_size(&self) -> usize {
        self.fallback.len() + self.grouped.len()
    }

    pub(crate) fn feed(&mut self, f: &Flow, web: Option<&WebRequest>, cfg: &NetworkConfig) {
        let external_dst = f.dst.filter(|d| !is_internal(d));
        if f.failed
            && is_internal(&f.src)
            && matches!(f.dport, Some(80 | 443))
            && let Some(dst) = external_dst
        {
            self.feed_fallback(f, dst, cfg);
        }
        if let Some(w) = web {
            if w.host.parse::<IpAddr>().is_ok_and(|ip| !is_internal(&ip)) {
                self.group(
                    GroupedAnalytic::HttpIpLiteral,
                    f,
                    w.host.to_string(),
                    format!("{} {}{}", w.method, w.host, w.path),
                    cfg,
                );
            }
            if let Some(value) = encoded_query(&w.query, cfg.encoded_query_min_len) {
                let dest = if w.host.is_empty() {
                    "?".to_string()
                } else {
                    w.host.to_string()
                };
                self.group(
                    GroupedAnalytic::EncodedQuery,
                    f,
                    dest,
                    value.chars().take(120).collect(),
                    cfg,
                );
            }
        }
        if f.duration.is_some_and(|d| d >= cfg.long_connection_secs) {
            let dest = f
                .dst_name
                .as_deref()
                .map(str::to_string)
                .or(f.dst.map(|d| d.to_string()))
                .unwrap_or_default();
            self.group(GroupedAnalytic::LongConnection, f, dest, String::new(), cfg);
        }
    }

    fn feed_fallback(&mut self, f: &Flow, dst: IpAddr, cfg: &NetworkConfig) {
        let st = self.fallback.entry(f.src).or_default();
        if st.targets.is_empty()
            || f.time.as_secs() - st.window_start.as_secs() > cfg.c2_fallback_window_secs
        {
            st.window_start = f.time;
            st.targets.clear();
        }
        if st.targets.len() < 4096 {
            st.targets.insert(dst);
        }
        if st.targets.len() >= cfg.c2_fallback_min_targets {
            if st.best == 0 {
                st.first = st.window_start;
            }
            st.best = st.best.max(st.targets.len());
            st.last = f.time;
        }
        st.evidence.push(f, cfg.evidence_per_finding);
    }

    fn group(
        &mut self,
        analytic: GroupedAnalytic,
        f: &Flow,
        dest: String,
        sample: String,
        cfg: &NetworkConfig,
    ) {
        let g = self
            .grouped
            .entry((analytic, f.src, dest))
            .or_insert_with(|| Grouped {
                first: f.time,
                sample,
                ..Grouped::default()
            });
        g.count += 1;
        g.last = g.last.max(f.time);
        g.max_duration = g.max_duration.max(f.duration.unwrap_or(0.0));
        g.evidence.push(f, cfg.evidence_per_finding);
    }

    pub(crate) fn finish(self) -> Vec<Finding> {
        let mut out = Vec::new();
        // By source, so the order does not hang on hashing.
        let fallback: BTreeMap<IpAddr, Fallback> = self.fallback.into_iter().collect();
        for (src, st) in fallback {
            if st.best == 0 {
                continue;
            }
            let mut details = BTreeMap::new();
            details.insert("failed_destinations".into(), (st.best as u64).into());
            out.push(Finding {
                analytic: crate::Analytic::C2Fallback,
                title: format!("{src} failed to reach {} external addresses on 80/443", st.best),
                level: Level::High,
                host: src.to_string(),
                first_seen: st.first,
                last_seen: st.last,
                summary: format!("{src} tried {} different external web addresses in quick succession and failed: a C2 address list being walked", st.best),
                details,
                evidence: st.evidence.into_vec(),
            });
        }
        for ((analytic, src, dest), g) in self.grouped {
            out.push(grouped_finding(analytic.name(), src, &dest, g));
        }
        out
    }
}

fn grouped_finding(analytic: crate::Analytic, src: IpAddr, dest: &str, g: Grouped) -> Finding {
    let mut details = BTreeMap::new();
    details.insert("destination".into(), dest.into());
    details.insert("count".into(), g.count.into());
    let (title, level) = match analytic {
        crate::Analytic::HttpIpLiteral => (
            format!(
                "{src} made {} HTTP request(s) to IP literal {dest}",
                g.count
            ),
            Level::Medium,
        ),
        crate::Analytic::EncodedQuery => (
            format!("{src} sent encoded query strings to {dest}"),
            Level::Medium,
        ),
        _ => {
            details.insert("max_duration_secs".into(), g.max_duration.round().into());
            (
                format!(
                    "{src} held a connection to {dest} open for {:.1} h",
                    g.max_duration / 3600.0
                ),
                Level::Low,
            )
        }
    };
    if !g.sample.is_empty() {
        details.insert("sample".into(), g.sample.clone().into());
    }
    Finding {
        analytic,
        summary: title.clone(),
        title,
        level,
        host: src.to_string(),
        first_seen: g.first,
        last_seen: g.last,
        details,
        evidence: g.evidence.into_vec(),
    }
}

/// A query parameter value that looks like encoded data (base64 or hex, long, mixed), as
/// implants send beacons (`?q=aGVsbG8...`).
pub(crate) fn encoded_query(query: &str, min_len: usize) -> Option<&str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(_, v)| v))
        .find(|v| {
            let v = v.trim_end_matches("%3D").trim_end_matches('=');
            let b64 = v.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'%')
            });
            let upper = v.bytes().any(|b| b.is_ascii_uppercase());
            let lower = v.bytes().any(|b| b.is_ascii_lowercase());
            let digit = v.bytes().any(|b| b.is_ascii_digit());
            let hex = v.len() >= min_len * 2 && v.bytes().all(|b| b.is_ascii_hexdigit());
            v.len() >= min_len && b64 && ((upper && lower && digit) || hex)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_queries() {
        assert_eq!(
            encoded_query("q=aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw==", 24),
            Some("aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw==")
        );
        assert_eq!(encoded_query("page=2&sort=name", 24), None);
        assert_eq!(
            encoded_query("session=abcdefghijklmnopqrstuvwxyzabcdef", 24),
            None
        );
    }
}
