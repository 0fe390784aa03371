//! "Equal to hunt": what a site's alerts from the cluster are compared with, and how.
//!
//! Two sets are compared, as `ward monitor`'s parity test compares them:
//! - **detections**: (rule id, file, position, event time) of every rule and correlation
//!   detection — in the hunt's `detections[]`, in the cluster's alerts with evidence `kind`
//!   `rule` or `correlation`;
//! - **findings**: (analytic, host) of every analytics finding — the hunt's `findings[]`, the
//!   cluster's `ward.<analytic>` alerts (incident alerts have no counterpart in a hunt report
//!   and are left out; an `intel-match` raised before its host's name was learnt carries the
//!   address and counts as named when the hunt has an `intel-match` finding for some host).
//!
//! Only the alerts labelled with the site are compared; an event of another site raising an
//! alert under this one (a cross-site hop) shows as a detection or finding the site's hunt has
//! not. No alert key may appear twice.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::SiteId;

/// A detection as both sides report it.
pub type DetectionKey = (String, String, u64, String);

/// The cluster's alerts of one site against the hunt of the same files.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Alerts read for the site.
    pub alerts: usize,
    /// Detections in the hunt, and among the alerts.
    pub hunt_detections: BTreeSet<DetectionKey>,
    pub cluster_detections: BTreeSet<DetectionKey>,
    /// Findings in the hunt, and among the alerts.
    pub hunt_findings: BTreeSet<(String, String)>,
    pub cluster_findings: BTreeSet<(String, String)>,
    /// Alert keys seen more than once.
    pub duplicates: usize,
}

impl Comparison {
    /// True when both sets are equal and nothing repeated.
    pub fn equal(&self) -> bool {
        self.hunt_detections == self.cluster_detections
            && self.hunt_findings == self.cluster_findings
            && self.duplicates == 0
    }

    /// One line per difference, for a reader.
    pub fn differences(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in self.hunt_detections.difference(&self.cluster_detections) {
            out.push(format!("only in the hunt: detection {d:?}"));
        }
        for d in self.cluster_detections.difference(&self.hunt_detections) {
            out.push(format!("only in the cluster: detection {d:?}"));
        }
        for f in self.hunt_findings.difference(&self.cluster_findings) {
            out.push(format!("only in the hunt: finding {f:?}"));
        }
        for f in self.cluster_findings.difference(&self.hunt_findings) {
            out.push(format!("only in the cluster: finding {f:?}"));
        }
        if self.duplicates > 0 {
            out.push(format!("{} alert keys repeated", self.duplicates));
        }
        out
    }
}

fn text(v: &Value, name: &str) -> String {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn detection_key(v: &Value) -> DetectionKey {
    (
        text(v, "rule_id"),
        text(v, "file"),
        v.get("position")
            .and_then(Value::as_u64)
            .unwrap_or_default(),
        text(v, "time"),
    )
}

/// Compares `alerts` (as published, every tenant's) of `site` with `hunt`, the JSON report
/// of `ward hunt --format json` over the same files.
pub fn compare(hunt: &Value, alerts: &[Value], site: &SiteId) -> Comparison {
    let empty = Vec::new();
    let list = |name: &str| hunt.get(name).and_then(Value::as_array).unwrap_or(&empty);
    let mut c = Comparison {
        hunt_detections: list("detections").iter().map(detection_key).collect(),
        hunt_findings: list("findings")
            .iter()
            .map(|f| (text(f, "analytic"), text(f, "host")))
            .collect(),
        ..Comparison::default()
    };
    let hunt_intel = c.hunt_findings.iter().any(|(a, _)| a == "intel-match");
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for alert in alerts {
        if text(alert, "tenant") != site.tenant || text(alert, "site") != site.site {
            continue;
        }
        c.alerts += 1;
        *keys.entry(text(alert, "key")).or_default() += 1;
        let evidence = alert.get("evidence").unwrap_or(&Value::Null);
        let kind = text(evidence, "kind");
        if matches!(kind.as_str(), "rule" | "correlation" | "ids") {
            c.cluster_detections.insert(detection_key(evidence));
            continue;
        }
        let analytic = text(evidence, "analytic");
        let rule_id = text(alert, "rule_id");
        if analytic.is_empty() || rule_id != format!("ward.{analytic}") {
            continue;
        }
        let host = text(alert, "host");
        if analytic == "intel-match" && host.parse::<std::net::IpAddr>().is_ok() && hunt_intel {
            // Named later; the final naming is what the hunt reports.
            continue;
        }
        c.cluster_findings.insert((analytic, host));
    }
    c.duplicates = keys.values().filter(|&&n| n > 1).count();
    c
}
