//! Findings grouped for people: one finding per (analytic, host, counterpart) over the run,
//! where the counterpart is what the finding is *about* besides its host — a destination, the
//! source of a hop with what it ran, a peer. Repeats (a fan-out episode every night, the same
//! hop re-run by a deployment, a beacon's findings re-raised at another level) fold into the
//! first, which then counts them (`details.occurrences`), spans them (first and last seen),
//! takes the highest level, and keeps a bounded sample of their evidence.
//!
//! Findings on a device of worm or suspicious spread also carry the cluster's id
//! (`details.cluster`), so a report or a sink can put them under their incident.

use std::collections::HashMap;

use crate::case::{Finding, Spread, Verdict};

/// Evidence kept per grouped finding (the count covers all of it).
pub const MAX_EVIDENCE: usize = 32;

/// Detail names that say what a finding is about besides its host, in the order they are read.
const COUNTERPART: [&str; 7] = [
    "destination",
    "from",
    "service",
    "implant",
    "peer",
    "indicator",
    "port",
];

/// The grouping key of a finding.
fn key(f: &Finding) -> String {
    let mut key = format!("{}\u{1f}{}", f.analytic, f.host);
    for name in COUNTERPART {
        if let Some(v) = f.details.get(name) {
            key.push('\u{1f}');
            key.push_str(name);
            key.push('=');
            match v.as_str() {
                Some(s) => key.push_str(s),
                None => key.push_str(&v.to_string()),
            }
        }
    }
    key
}

/// Folds repeated findings into one each; keeps the order of each group's first finding.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut counts: Vec<u64> = Vec::with_capacity(findings.len());
    for f in findings {
        match index.get(&key(&f)) {
            Some(&i) => {
                fold(&mut out[i], f);
                counts[i] += 1;
            }
            None => {
                index.insert(key(&f), out.len());
                out.push(f);
                counts.push(1);
            }
        }
    }
    for (f, n) in out.iter_mut().zip(counts) {
        f.evidence.truncate(MAX_EVIDENCE);
        if n > 1 {
            f.details
                .insert("occurrences".into(), serde_json::Value::from(n));
            f.summary = format!(
                "{} (seen {n} times, {} to {})",
                f.summary, f.first_seen, f.last_seen
            );
        }
    }
    out
}

/// Folds `other` into `into`: the span widens, the level rises, the details of the most severe
/// (or, at equal level, the latest) occurrence win, and evidence is sampled up to the bound.
fn fold(into: &mut Finding, other: Finding) {
    into.first_seen = into.first_seen.min(other.first_seen);
    into.last_seen = into.last_seen.max(other.last_seen);
    if other.level >= into.level {
        into.level = other.level;
        into.title = other.title;
        into.summary = other.summary;
        let occurrences = into.details.remove("occurrences");
        into.details = other.details;
        if let Some(n) = occurrences {
            into.details.insert("occurrences".into(), n);
        }
    }
    let room = MAX_EVIDENCE.saturating_sub(into.evidence.len());
    into.evidence.extend(other.evidence.into_iter().take(room));
}

/// Marks findings on devices of worm or suspicious clusters with the cluster's id, unless the
/// analytic set one itself (remote-execution hops do).
pub fn tag_clusters(findings: &mut [Finding], spread: &Spread) {
    let mut cluster_of: HashMap<&str, &str> = HashMap::new();
    // Worm clusters first: a device in both is the outbreak's.
    for verdict in [Verdict::Worm, Verdict::Suspicious] {
        for c in spread.clusters.iter().filter(|c| c.verdict == verdict) {
            for h in &c.hosts {
                cluster_of.entry(h.host.as_str()).or_insert(c.id.as_str());
            }
        }
    }
    for f in findings {
        if f.details.contains_key("cluster") {
            continue;
        }
        if let Some(id) = cluster_of.get(f.host.as_str()) {
            f.details
                .insert("cluster".into(), serde_json::Value::from(*id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Cluster, ClusterHost, Evidence};
    use ward_event::{Level, Timestamp};

    fn at(h: u32) -> Timestamp {
        Timestamp::parse(&format!("2026-03-02T{h:02}:00:00Z")).expect("time")
    }

    fn finding(
        analytic: &str,
        host: &str,
        level: Level,
        hour: u32,
        details: &[(&str, &str)],
    ) -> Finding {
        Finding {
            analytic: crate::Analytic::from_name(analytic).expect("a known analytic"),
            title: format!("{analytic} on {host}"),
            level,
            host: host.into(),
            first_seen: at(hour),
            last_seen: at(hour),
            summary: format!("{analytic} at {hour}"),
            details: details
                .iter()
                .map(|(k, v)| ((*k).to_string(), serde_json::Value::from(*v)))
                .collect(),
            evidence: (0..20)
                .map(|i| Evidence {
                    time: at(hour),
                    host: host.into(),
                    position: u64::from(hour) * 100 + i,
                    ..Default::default()
                })
                .collect(),
        }
    }

    #[test]
    fn repeats_fold_into_one_finding_that_counts_and_spans_them() {
        let findings = vec![
            finding("smb-fan-out", "FS-02", Level::Low, 1, &[]),
            finding(
                "beacon",
                "WS-1",
                Level::Low,
                2,
                &[("destination", "1.2.3.4")],
            ),
            finding(
                "beacon",
                "WS-1",
                Level::Medium,
                3,
                &[("destination", "5.6.7.8")],
            ),
            finding("smb-fan-out", "FS-02", Level::High, 4, &[]),
            finding("smb-fan-out", "FS-02", Level::Low, 5, &[]),
            finding(
                "remote-execution",
                "WS-2",
                Level::Low,
                6,
                &[("from", "SCCM"), ("service", "ccmsetup")],
            ),
            finding(
                "remote-execution",
                "WS-2",
                Level::Low,
                7,
                &[("from", "SCCM"), ("service", "PDQ")],
            ),
        ];
        let grouped = group(findings);
        let keys: Vec<(&str, &str)> = grouped
            .iter()
            .map(|f| (f.analytic.as_str(), f.host.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("smb-fan-out", "FS-02"),
                ("beacon", "WS-1"),
                ("beacon", "WS-1"),
                ("remote-execution", "WS-2"),
                ("remote-execution", "WS-2"),
            ],
            "other destinations and other services stay apart"
        );
        let fan = &grouped[0];
        assert_eq!(fan.details["occurrences"], 3);
        assert_eq!((fan.first_seen, fan.last_seen), (at(1), at(5)));
        assert_eq!(fan.level, Level::High, "the highest level wins");
        assert_eq!(
            fan.evidence.len(),
            MAX_EVIDENCE,
            "60 events, a bounded sample"
        );
        assert!(
            fan.summary.starts_with("smb-fan-out at 4 (seen 3 times"),
            "{}",
            fan.summary
        );
        assert!(!grouped[1].details.contains_key("occurrences"));
        assert_eq!(
            grouped[1].summary, "beacon at 2",
            "a single finding is unchanged"
        );
    }

    #[test]
    fn findings_on_worm_devices_carry_the_cluster_id() {
        let cluster = |id: &str, verdict, hosts: &[&str]| Cluster {
            id: id.into(),
            verdict,
            hosts: hosts
                .iter()
                .map(|h| ClusterHost {
                    host: (*h).into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let spread = Spread {
            clusters: vec![
                cluster("C1", Verdict::LikelyAdmin, &["SCCM", "WS-1", "WS-2"]),
                cluster("C2", Verdict::Worm, &["WS-2", "FS-01"]),
                cluster("C3", Verdict::Suspicious, &["WS-1"]),
            ],
        };
        let mut findings = vec![
            finding("beacon", "WS-2", Level::Medium, 1, &[]),
            finding("recon-burst", "WS-1", Level::High, 2, &[]),
            finding("beacon", "SCCM", Level::Low, 3, &[]),
            finding(
                "remote-execution",
                "FS-01",
                Level::Critical,
                4,
                &[("cluster", "C9")],
            ),
        ];
        tag_clusters(&mut findings, &spread);
        let tags: Vec<Option<&str>> = findings
            .iter()
            .map(|f| f.details.get("cluster").and_then(|v| v.as_str()))
            .collect();
        assert_eq!(tags, [Some("C2"), Some("C3"), None, Some("C9")]);
    }
}
