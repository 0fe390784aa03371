//! Alerts and the injected detection step.

use ward_event::{Event, Level, Timestamp};

/// The detection pipeline, injected by the binary (Sigma rules + analytics over each event).
pub trait Detector: Send {
    /// Handles one event; returns alerts (already including evidence) it raised.
    fn on_event(&mut self, event: &Event) -> Vec<Alert>;
    /// Called before every commit, events or not: alerts of work that was due (analytics
    /// re-evaluated on a timer) even when the streams are quiet.
    fn on_tick(&mut self) -> Vec<Alert> {
        Vec::new()
    }
    /// Serialises the detector's state for a checkpoint.
    fn checkpoint(&self) -> Vec<u8>;
    /// Restores the state a previous [`Detector::checkpoint`] produced.
    fn restore(&mut self, state: &[u8]);
}

/// One alert raised by the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// De-duplication key: an alert whose key was already stored is dropped.
    pub key: String,
    /// When the triggering event happened.
    pub time: Timestamp,
    /// The host it concerns.
    pub host: String,
    /// The rule or analytic that fired.
    pub rule_id: String,
    /// A one-line title.
    pub title: String,
    /// Severity.
    pub level: Level,
    /// Supporting events and figures.
    pub evidence: serde_json::Value,
}

/// An alert as stored: with its sequence number, which orders delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    /// Monotonic sequence number in the state store.
    pub seq: i64,
    /// The alert.
    pub alert: Alert,
    /// Whether an analyst acknowledged it on the dashboard.
    pub acknowledged: bool,
}

impl StoredAlert {
    /// The JSON object every sink and the API emit.
    pub fn to_json(&self) -> serde_json::Value {
        let a = &self.alert;
        serde_json::json!({
            "seq": self.seq,
            "key": a.key,
            "time": a.time.to_rfc3339(),
            "host": a.host,
            "rule_id": a.rule_id,
            "title": a.title,
            "level": a.level.as_str(),
            "evidence": a.evidence,
            "acknowledged": self.acknowledged,
        })
    }
}
