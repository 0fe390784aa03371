//! The dashboard's case: the newest detections, kept in memory and rendered as the hunt's HTML
//! report. Seeded from the state file at start, so a restart does not empty the page.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;
use ward_analytics::Case;
use ward_analytics::case::{Accounts, Detection, Finding, RuleSummary, Spread};
use ward_event::{FieldList, Timestamp, Value};
use ward_monitor::{Store, StoredAlert};

/// The newest detections, bounded; older ones stay in the state file.
pub struct CaseBoard {
    capacity: usize,
    recent: Mutex<VecDeque<Detection>>,
    analysis: Mutex<Analysis>,
    /// What tuning suppressed and overrode so far (`--tuning`).
    tuning: Mutex<Option<ward_case::tuning::TuningReport>>,
}

/// The live analytics' latest view: findings, spread and accounts.
#[derive(Default)]
struct Analysis {
    host_findings: Vec<Finding>,
    network_findings: Vec<Finding>,
    spread: Spread,
    accounts: Accounts,
}

impl CaseBoard {
    /// An empty board keeping at most `capacity` detections.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            recent: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            analysis: Mutex::default(),
            tuning: Mutex::default(),
        }
    }

    /// Replaces what tuning did so far.
    pub fn set_tuning(&self, report: ward_case::tuning::TuningReport) {
        if let Ok(mut t) = self.tuning.lock() {
            *t = Some(report);
        }
    }

    /// Replaces the host analytics' view: findings, the spread graph and the accounts.
    pub fn set_analysis(&self, findings: Vec<Finding>, spread: Spread, accounts: Accounts) {
        if let Ok(mut a) = self.analysis.lock() {
            (a.host_findings, a.spread, a.accounts) = (findings, spread, accounts);
        }
    }

    /// Replaces the network analytics' findings.
    pub fn set_network(&self, findings: Vec<Finding>) {
        if let Ok(mut a) = self.analysis.lock() {
            a.network_findings = findings;
        }
    }

    /// Adds a detection, forgetting the oldest when full.
    pub fn record(&self, detection: Detection) {
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() >= self.capacity {
                recent.pop_front();
            }
            recent.push_back(detection);
        }
    }

    /// How many detections the board holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.recent.lock().map_or(0, |r| r.len())
    }

    /// Loads the newest stored alerts of a previous run, oldest first. A state file that does
    /// not exist yet simply gives an empty board.
    pub fn seed_from(&self, state: &Path) -> Result<usize, ward_monitor::MonitorError> {
        if !state.exists() {
            return Ok(0);
        }
        let store = Store::open(state)?;
        let mut alerts = store.latest_alerts(self.capacity)?;
        alerts.reverse();
        let mut seeded = 0;
        for alert in &alerts {
            if let Some(detection) = detection_of(alert) {
                self.record(detection);
                seeded += 1;
            }
        }
        Ok(seeded)
    }

    /// The board as a self-contained HTML case report.
    pub fn render(&self, rules: &RuleSummary) -> String {
        let mut case = Case::new(
            env!("CARGO_PKG_VERSION"),
            Timestamp::from_jiff(jiff::Timestamp::now()),
        );
        case.rules = rules.clone();
        if let Ok(recent) = self.recent.lock() {
            let mut detections: Vec<_> = recent.iter().cloned().collect();
            detections.sort_by_key(|d| d.time);
            case.detections = detections.into();
        }
        if let Ok(a) = self.analysis.lock() {
            case.findings = a.host_findings.clone();
            case.findings.extend(a.network_findings.iter().cloned());
            case.findings.sort_by_key(|f| f.first_seen);
            case.spread = a.spread.clone();
            case.accounts = a.accounts.clone();
        }
        if let Ok(t) = self.tuning.lock() {
            case.tuning = t.clone();
        }
        let mut html = Vec::new();
        match ward_report::write_html(&case, &mut html) {
            Ok(()) => String::from_utf8_lossy(&html).into_owned(),
            Err(e) => format!("the case could not be rendered: {e}"),
        }
    }
}

/// Rebuilds a detection from a stored alert: the alert's own columns plus its evidence, which
/// the detector wrote in the detection's JSON shape.
fn detection_of(stored: &StoredAlert) -> Option<Detection> {
    let a = &stored.alert;
    let e = a.evidence.as_object()?;
    let text = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let mut fields = FieldList::default();
    if let Some(map) = e.get("fields").and_then(|f| f.as_object()) {
        for (name, value) in map {
            fields.push(name.as_str(), field_value(value));
        }
    }
    Some(Detection {
        time: a.time,
        host: a.host.clone(),
        rule_id: a.rule_id.clone(),
        title: a.title.clone(),
        level: a.level,
        kind: text("kind"),
        source: text("source"),
        event_id: e
            .get("event_id")
            .and_then(|v| v.as_u64())
            .and_then(|n| u32::try_from(n).ok()),
        record_id: e.get("record_id").and_then(|v| v.as_u64()),
        file: text("file"),
        position: e.get("position").and_then(|v| v.as_u64()).unwrap_or(0),
        tags: e
            .get("tags")
            .and_then(|t| t.as_array())
            .map(|t| {
                t.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        fields,
    })
}

fn field_value(json: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        J::String(s) => Value::from(s.as_str()),
        other => Value::from(other.to_string().as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::Level;
    use ward_monitor::Alert;

    fn detection(n: u64) -> Detection {
        let mut fields = FieldList::default();
        fields.push("ServiceName", Value::from("WmiApSrvEx"));
        fields.push("EventRecordID", Value::UInt(n));
        Detection {
            time: Timestamp::parse("2026-03-02T09:10:42Z").expect("time"),
            host: "FS-01".into(),
            rule_id: "7e628801-e0ee-4388-a3d7-0db9bf23ba06".into(),
            title: "Kwampirs Service Installed (System)".into(),
            level: Level::Critical,
            kind: "rule".into(),
            source: "System".into(),
            event_id: Some(7045),
            record_id: Some(n),
            file: "live.jsonl".into(),
            position: 3,
            tags: vec!["attack.s0236".into()],
            fields,
        }
    }

    #[test]
    fn board_keeps_the_newest_detections() {
        let board = CaseBoard::new(2);
        for n in 1..=3 {
            board.record(detection(n));
        }
        assert_eq!(board.len(), 2);
        let html = board.render(&RuleSummary::default());
        assert!(html.contains("Kwampirs Service Installed (System)"));
    }

    #[test]
    fn a_stored_alert_becomes_the_same_detection_again() {
        let d = detection(13221);
        let stored = StoredAlert {
            seq: 1,
            alert: Alert {
                key: "k".into(),
                time: d.time,
                host: d.host.clone(),
                rule_id: d.rule_id.clone(),
                title: d.title.clone(),
                level: d.level,
                evidence: serde_json::to_value(&d).expect("json"),
            },
            acknowledged: false,
        };
        let back = detection_of(&stored).expect("rebuilt");
        assert_eq!(
            serde_json::to_value(&back).expect("json"),
            serde_json::to_value(&d).expect("json")
        );
    }
}
