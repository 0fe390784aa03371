//! The verdict at a glance, derived once from a [`Case`] so every sink tells the same story:
//! is there an outbreak, where did it start, which devices and accounts it reached, and when.

use serde::Serialize;
use std::collections::BTreeMap;
use ward_analytics::Case;
use ward_analytics::case::{Cluster, Verdict as ClusterVerdict};
use ward_event::{Level, Timestamp};

/// What the run concluded, most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A cluster of hops looks like a worm.
    Outbreak,
    /// A cluster of hops is suspicious but not clearly a worm.
    SuspiciousSpread,
    /// No spread, but rules or analytics raised alerts.
    Alerts,
    /// Nothing matched.
    NothingFound,
}

impl Verdict {
    /// One sentence for people.
    pub fn headline(self) -> &'static str {
        match self {
            Verdict::Outbreak => "Outbreak: a worm spread between devices",
            Verdict::SuspiciousSpread => {
                "No worm found, but spread between devices needs a look: confirm whether it was an administrator"
            }
            Verdict::Alerts => "No spread found, but there are alerts to review",
            Verdict::NothingFound => {
                "Nothing found: no rule matched and no analytic raised a finding"
            }
        }
    }
}

/// A device reached by worm or suspicious spread, merged over the clusters of one verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AffectedDevice {
    /// Upper-case short name.
    pub host: String,
    /// Role from the assets file.
    pub role: Option<String>,
    /// True for clinical devices.
    pub clinical: bool,
    /// Earliest infection over the clusters it is in.
    pub infected_at: Option<Timestamp>,
    /// Evidence events over the clusters it is in.
    pub evidence_count: usize,
    /// Ids of the clusters it is in.
    pub clusters: Vec<String>,
    /// True when it is a patient zero.
    pub patient_zero: bool,
}

/// The verdict at a glance (the JSON report's `overview`).
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// The conclusion.
    pub verdict: Verdict,
    /// The conclusion in one sentence.
    pub headline: &'static str,
    /// First host of each worm cluster, earliest first, without repeats.
    pub patient_zero: Vec<String>,
    /// Devices worm clusters reached, clinical first, then by infection time.
    pub affected_devices: Vec<AffectedDevice>,
    /// How many of them are clinical.
    pub clinical_devices: usize,
    /// Accounts to reset (exposed on devices worm clusters reached).
    pub accounts_to_reset: usize,
    /// Accounts to review.
    pub accounts_to_review: usize,
    /// Suspicious clusters, apart from the outbreak: confirm or dismiss them.
    pub needs_a_look: NeedsALook,
    /// Sigma detections.
    pub detections: usize,
    /// Analytic findings.
    pub findings: usize,
    /// Highest level of any detection or finding.
    pub highest_level: Option<Level>,
    /// Earliest evidence of any kind.
    pub first_evidence: Option<Timestamp>,
    /// Latest evidence of any kind.
    pub last_evidence: Option<Timestamp>,
}

/// Suspicious spread, kept apart from the outbreak (the JSON report's `overview.needs_a_look`).
#[derive(Debug, Clone, Serialize, Default)]
pub struct NeedsALook {
    /// Ids of the suspicious clusters.
    pub clusters: Vec<String>,
    /// Devices they reached that no worm cluster did, clinical first.
    pub devices: Vec<AffectedDevice>,
    /// Accounts exposed on those devices: to reset if the clusters are confirmed.
    pub accounts_to_reset_if_confirmed: usize,
}

/// True for clusters worth showing as spread: worm or suspicious (not those judged to be
/// administration).
pub fn is_threat(c: &Cluster) -> bool {
    matches!(c.verdict, ClusterVerdict::Worm | ClusterVerdict::Suspicious)
}

/// True for clusters that make the outbreak.
pub fn is_worm(c: &Cluster) -> bool {
    c.verdict == ClusterVerdict::Worm
}

impl Overview {
    /// Derives the overview of `case`.
    pub fn of(case: &Case) -> Overview {
        let clusters = &case.spread.clusters;
        let threats: Vec<&Cluster> = clusters.iter().filter(|c| is_worm(c)).collect();
        let suspicious: Vec<&Cluster> = clusters
            .iter()
            .filter(|c| c.verdict == ClusterVerdict::Suspicious)
            .collect();
        let verdict = if !threats.is_empty() {
            Verdict::Outbreak
        } else if !suspicious.is_empty() {
            Verdict::SuspiciousSpread
        } else if !case.detections.is_empty() || !case.findings.is_empty() {
            Verdict::Alerts
        } else {
            Verdict::NothingFound
        };
        let looked_at = affected_devices(&suspicious);
        let affected_devices = affected_devices(&threats);
        let needs_a_look = NeedsALook {
            clusters: suspicious.iter().map(|c| c.id.clone()).collect(),
            devices: looked_at
                .into_iter()
                .filter(|d| !affected_devices.iter().any(|a| a.host == d.host))
                .collect(),
            accounts_to_reset_if_confirmed: case.accounts.reset_if_confirmed.len(),
        };
        let mut patient_zero: Vec<(Option<Timestamp>, String)> = Vec::new();
        for pz in threats.iter().filter_map(|c| c.patient_zero.as_ref()) {
            if !patient_zero.iter().any(|(_, h)| h == pz) {
                let at = affected_devices
                    .iter()
                    .find(|d| &d.host == pz)
                    .and_then(|d| d.infected_at);
                patient_zero.push((at, pz.clone()));
            }
        }
        patient_zero.sort();
        let (first_evidence, last_evidence) = evidence_span(case);
        let levels = case
            .detections
            .iter()
            .map(|d| d.level)
            .chain(case.findings.iter().map(|f| f.level));
        Overview {
            verdict,
            headline: verdict.headline(),
            patient_zero: patient_zero.into_iter().map(|(_, h)| h).collect(),
            clinical_devices: affected_devices.iter().filter(|d| d.clinical).count(),
            affected_devices,
            accounts_to_reset: case.accounts.reset.len(),
            accounts_to_review: case.accounts.review.len(),
            needs_a_look,
            detections: case.detections.len(),
            findings: case.findings.len(),
            highest_level: levels.max(),
            first_evidence,
            last_evidence,
        }
    }

    /// True when there is spread to act on.
    pub fn has_spread(&self) -> bool {
        matches!(self.verdict, Verdict::Outbreak | Verdict::SuspiciousSpread)
    }
}

pub(crate) fn affected_devices(threats: &[&Cluster]) -> Vec<AffectedDevice> {
    let mut by_host: BTreeMap<&str, AffectedDevice> = BTreeMap::new();
    for c in threats {
        for h in &c.hosts {
            let d = by_host.entry(&h.host).or_insert_with(|| AffectedDevice {
                host: h.host.clone(),
                role: None,
                clinical: false,
                infected_at: None,
                evidence_count: 0,
                clusters: Vec::new(),
                patient_zero: false,
            });
            d.role = d.role.take().or_else(|| h.role.clone());
            d.clinical |= h.clinical;
            d.infected_at = match (d.infected_at, h.infected_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            d.evidence_count += h.evidence_count;
            d.clusters.push(c.id.clone());
            d.patient_zero |= c.patient_zero.as_deref() == Some(h.host.as_str());
        }
    }
    let mut devices: Vec<AffectedDevice> = by_host.into_values().collect();
    // Unknown infection times sort last: `None` would otherwise come first.
    devices.sort_by(|a, b| {
        (!a.clinical, a.infected_at.is_none(), a.infected_at, &a.host).cmp(&(
            !b.clinical,
            b.infected_at.is_none(),
            b.infected_at,
            &b.host,
        ))
    });
    devices
}

fn evidence_span(case: &Case) -> (Option<Timestamp>, Option<Timestamp>) {
    let times = case
        .detections
        .iter()
        .map(|d| d.time)
        .chain(
            case.findings
                .iter()
                .flat_map(|f| [f.first_seen, f.last_seen]),
        )
        .chain(
            case.spread
                .clusters
                .iter()
                .flat_map(|c| c.edges.iter().filter_map(|e| e.time)),
        )
        .filter(|t| *t != Timestamp::UNKNOWN);
    let mut span: (Option<Timestamp>, Option<Timestamp>) = (None, None);
    for t in times {
        span.0 = Some(span.0.map_or(t, |a| a.min(t)));
        span.1 = Some(span.1.map_or(t, |b| b.max(t)));
    }
    span
}
