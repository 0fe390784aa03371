//! Incidents: what a person handles as one piece of work. Worm clusters that share a device are
//! one incident (the same worm moving by two channels, or two artefacts of one intrusion); each
//! suspicious cluster group is another, kept apart from the outbreak. An incident gathers the
//! devices, accounts to reset and command-and-control destinations of its clusters, with a
//! stable id, so the live monitor can say "incident INC-… reached another device" instead of
//! raising a new alert for every event behind it.
//!
//! The id is derived from the incident's earliest hop (source, target, time): the same logs give
//! the same id on every run. The monitor keeps ids across evaluations itself (an incident that
//! grows keeps its id even when an earlier hop turns up later).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use ward_analytics::Case;
use ward_analytics::case::{AccountEntry, Cluster, Finding, Verdict as ClusterVerdict};
use ward_event::{Level, Timestamp};

use crate::overview::{AffectedDevice, affected_devices};

/// Analytics whose destinations are command-and-control candidates when they fire at `medium`
/// or above on an incident's device.
const C2_ANALYTICS: [&str; 5] = [
    "beacon",
    "http-ip-literal",
    "encoded-query",
    "intel-match",
    "network-spread",
];

/// One incident (the JSON report's `incidents[]`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Incident {
    /// Stable id, `INC-` and eight hex digits.
    pub id: String,
    /// `worm` or `suspicious`.
    pub verdict: ClusterVerdict,
    /// `critical` for a worm, `high` for suspicious spread.
    pub level: Level,
    /// One line for people.
    pub title: String,
    /// Ids of the spread clusters it gathers.
    pub clusters: Vec<String>,
    /// Their artefacts (`service:WmiApSrvEx`, `file:wmiapsrvex.exe`).
    pub artefacts: Vec<String>,
    /// How it moved: the hop channels seen (`service`, `wmi`, …).
    pub channels: Vec<String>,
    /// Where it started, earliest first.
    pub patient_zero: Vec<String>,
    /// Devices it reached, clinical first, then by infection time.
    pub devices: Vec<AffectedDevice>,
    /// How many of them are clinical.
    pub clinical_devices: usize,
    /// Accounts to reset (worm) or to reset if confirmed (suspicious), by name.
    pub accounts_to_reset: Vec<String>,
    /// Destinations its devices called at `medium` or above (beacons, IP-literal HTTP, …).
    pub c2_destinations: Vec<String>,
    /// Findings on its devices, by analytic.
    pub findings: BTreeMap<String, usize>,
    /// Earliest hop or finding.
    pub first_seen: Option<Timestamp>,
    /// Latest hop or finding.
    pub last_seen: Option<Timestamp>,
}

impl Incident {
    /// Host names of its devices.
    pub fn hosts(&self) -> BTreeSet<&str> {
        self.devices.iter().map(|d| d.host.as_str()).collect()
    }
}

/// The incidents of `case`: worm incidents first, then suspicious ones, each earliest first.
pub fn incidents_of(case: &Case) -> Vec<Incident> {
    let clusters = &case.spread.clusters;
    let worm: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.verdict == ClusterVerdict::Worm)
        .collect();
    let suspicious: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.verdict == ClusterVerdict::Suspicious)
        .collect();
    let worm_hosts: BTreeSet<&str> = worm
        .iter()
        .flat_map(|c| c.hosts.iter().map(|h| h.host.as_str()))
        .collect();
    let mut out = Vec::new();
    for group in connected(&worm) {
        out.push(build(
            case,
            &group,
            ClusterVerdict::Worm,
            &case.accounts.reset,
            &BTreeSet::new(),
        ));
    }
    for group in connected(&suspicious) {
        let incident = build(
            case,
            &group,
            ClusterVerdict::Suspicious,
            &case.accounts.reset_if_confirmed,
            &worm_hosts,
        );
        // Suspicious spread wholly inside the outbreak adds nothing to act on.
        if !incident.devices.is_empty() {
            out.push(incident);
        }
    }
    out
}

/// Groups clusters that share a device, each group in the clusters' order.
fn connected<'a>(clusters: &[&'a Cluster]) -> Vec<Vec<&'a Cluster>> {
    let mut groups: Vec<(BTreeSet<&str>, Vec<&'a Cluster>)> = Vec::new();
    for &c in clusters {
        let hosts: BTreeSet<&str> = c.hosts.iter().map(|h| h.host.as_str()).collect();
        let (mut joined, rest): (Vec<_>, Vec<_>) = groups
            .into_iter()
            .partition(|(g, _)| !g.is_disjoint(&hosts));
        let mut merged = (hosts, vec![c]);
        for (g, members) in joined.drain(..) {
            merged.0.extend(g);
            merged.1.extend(members);
        }
        groups = rest;
        groups.push(merged);
    }
    groups
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_by_key(|c| clusters.iter().position(|x| std::ptr::eq(*x, *c)));
            members
        })
        .collect()
}

fn build(
    case: &Case,
    group: &[&Cluster],
    verdict: ClusterVerdict,
    accounts: &[AccountEntry],
    elsewhere: &BTreeSet<&str>,
) -> Incident {
    let devices: Vec<AffectedDevice> = affected_devices(group)
        .into_iter()
        .filter(|d| !elsewhere.contains(d.host.as_str()))
        .collect();
    let hosts: BTreeSet<&str> = devices.iter().map(|d| d.host.as_str()).collect();
    let accounts_to_reset: Vec<String> = accounts
        .iter()
        .filter(|a| a.hosts.iter().any(|h| hosts.contains(h.as_str())))
        .map(|a| a.account.clone())
        .collect();
    let on_devices: Vec<&Finding> = case
        .findings
        .iter()
        .filter(|f| hosts.contains(f.host.as_str()))
        .collect();
    let mut findings = BTreeMap::new();
    let mut c2 = BTreeSet::new();
    for f in &on_devices {
        *findings.entry(f.analytic.to_string()).or_insert(0) += 1;
        if f.level >= Level::Medium
            && C2_ANALYTICS.contains(&f.analytic.as_str())
            && let Some(dest) = f.details.get("destination").and_then(|v| v.as_str())
        {
            c2.insert(dest.to_string());
        }
    }
    let mut patient_zero: Vec<(Option<Timestamp>, String)> = Vec::new();
    for pz in group.iter().filter_map(|c| c.patient_zero.as_ref()) {
        if patient_zero.iter().all(|(_, h)| h != pz) {
            let at = devices
                .iter()
                .find(|d| &d.host == pz)
                .and_then(|d| d.infected_at);
            patient_zero.push((at, pz.clone()));
        }
    }
    patient_zero.sort();
    let edges = group.iter().flat_map(|c| c.edges.iter());
    // The report's own names for channels (`scheduled-task`, `winrm`).
    let channels: BTreeSet<String> = edges
        .clone()
        .filter_map(|e| serde_json::to_value(e.channel).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let times = edges
        .clone()
        .filter_map(|e| e.time)
        .chain(devices.iter().filter_map(|d| d.infected_at))
        .chain(on_devices.iter().flat_map(|f| [f.first_seen, f.last_seen]))
        .filter(|t| *t != Timestamp::UNKNOWN);
    let (first_seen, last_seen) =
        times.fold((None, None), |(lo, hi): (Option<Timestamp>, _), t| {
            (
                Some(lo.map_or(t, |a| a.min(t))),
                Some(hi.map_or(t, |b: Timestamp| b.max(t))),
            )
        });
    let first_hop = edges
        .filter(|e| e.time.is_some())
        .min_by_key(|e| (e.time, e.from.as_str(), e.to.as_str()));
    let id = match first_hop {
        Some(e) => incident_id(&[
            &e.from,
            &e.to,
            &e.time.map_or(0, |t| t.as_nanos()).to_string(),
        ]),
        None => incident_id(&[
            patient_zero.first().map_or("", |(_, h)| h.as_str()),
            group.first().map_or("", |c| c.artefact.as_str()),
        ]),
    };
    let patient_zero: Vec<String> = patient_zero.into_iter().map(|(_, h)| h).collect();
    let clinical_devices = devices.iter().filter(|d| d.clinical).count();
    let level = match verdict {
        ClusterVerdict::Worm => Level::Critical,
        _ => Level::High,
    };
    let mut incident = Incident {
        id,
        verdict,
        level,
        title: String::new(),
        clusters: group.iter().map(|c| c.id.clone()).collect(),
        artefacts: group.iter().map(|c| c.artefact.clone()).collect(),
        channels: channels.into_iter().collect(),
        patient_zero,
        devices,
        clinical_devices,
        accounts_to_reset,
        c2_destinations: c2.into_iter().collect(),
        findings,
        first_seen,
        last_seen,
    };
    incident.title = title(&incident);
    incident
}

/// The incident's one-line title: what, how far, and what to do about accounts.
pub fn title(i: &Incident) -> String {
    let what = match i.verdict {
        ClusterVerdict::Worm => "worm",
        _ => "suspicious spread (needs a look)",
    };
    let reset = match i.verdict {
        ClusterVerdict::Worm => "to reset",
        _ => "to reset if confirmed",
    };
    format!(
        "{what} from {} reached {} ({} clinical); {} {reset}",
        if i.patient_zero.is_empty() {
            "an unknown device".to_string()
        } else {
            i.patient_zero.join(", ")
        },
        plural(i.devices.len(), "device"),
        i.clinical_devices,
        plural(i.accounts_to_reset.len(), "account"),
    )
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `INC-` and the first eight hex digits of an FNV-1a hash of `parts`.
fn incident_id(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("INC-{:08x}", hash >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_analytics::case::{AccountEntry, ClusterHost, Edge};

    fn at(h: u32) -> Timestamp {
        Timestamp::parse(&format!("2026-03-02T{h:02}:00:00Z")).expect("time")
    }

    fn cluster(id: &str, verdict: ClusterVerdict, hosts: &[&str], hour: u32) -> Cluster {
        let hosts: Vec<ClusterHost> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| ClusterHost {
                host: (*h).into(),
                infected_at: Some(at(hour + i as u32)),
                ..Default::default()
            })
            .collect();
        Cluster {
            id: id.into(),
            artefact: format!("service:{id}"),
            verdict,
            patient_zero: Some(hosts[0].host.clone()),
            edges: hosts[1..]
                .iter()
                .map(|h| Edge {
                    from: hosts[0].host.clone(),
                    to: h.host.clone(),
                    time: h.infected_at,
                    ..Default::default()
                })
                .collect(),
            hosts,
            ..Default::default()
        }
    }

    fn finding(analytic: &str, host: &str, level: Level, destination: &str) -> Finding {
        Finding {
            analytic: ward_analytics::Analytic::from_name(analytic).expect("a known analytic"),
            title: String::new(),
            level,
            host: host.into(),
            first_seen: at(12),
            last_seen: at(13),
            summary: String::new(),
            details: [("destination".to_string(), serde_json::json!(destination))].into(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn worm_clusters_sharing_a_device_are_one_incident_with_its_accounts_and_c2() {
        let mut case = Case::new("test", Timestamp::UNKNOWN);
        case.spread.clusters = vec![
            cluster("C1", ClusterVerdict::Worm, &["WS-1", "FS-01", "MRI-01"], 8),
            cluster("C2", ClusterVerdict::LikelyAdmin, &["SCCM", "WS-9"], 8),
            cluster("C3", ClusterVerdict::Worm, &["FS-01", "CT-02"], 10),
            cluster("C4", ClusterVerdict::Suspicious, &["IT-ADM", "LAB-5"], 9),
            cluster("C5", ClusterVerdict::Suspicious, &["MRI-01"], 9),
        ];
        case.accounts.reset = vec![AccountEntry {
            account: "CLINIC\\nurse".into(),
            hosts: vec!["CT-02".into()],
            ..Default::default()
        }];
        case.findings = vec![
            finding("beacon", "CT-02", Level::Medium, "5.6.7.8"),
            finding("beacon", "WS-9", Level::High, "9.9.9.9"),
            finding("http-ip-literal", "WS-1", Level::Low, "1.1.1.1"),
        ];
        let incidents = incidents_of(&case);
        assert_eq!(incidents.len(), 2, "{incidents:#?}");
        let worm = &incidents[0];
        assert_eq!(worm.clusters, ["C1", "C3"]);
        assert_eq!(worm.devices.len(), 4);
        assert_eq!(worm.patient_zero, ["WS-1", "FS-01"]);
        assert_eq!(worm.accounts_to_reset, ["CLINIC\\nurse"]);
        assert_eq!(worm.c2_destinations, ["5.6.7.8"], "medium and above only");
        assert_eq!(worm.level, Level::Critical);
        assert_eq!(worm.findings["beacon"], 1);
        // C5 lies wholly inside the outbreak: no incident of its own.
        let look = &incidents[1];
        assert_eq!(look.clusters, ["C4"]);
        assert_eq!(look.verdict, ClusterVerdict::Suspicious);
        assert_eq!(look.level, Level::High);
        // The id is the earliest hop's, the same on every run.
        assert_eq!(incidents_of(&case)[0].id, worm.id);
        assert_ne!(worm.id, look.id);
        assert!(worm.id.starts_with("INC-") && worm.id.len() == 12);
    }
}
