//! Alert grouping for one sink, in Alertmanager's vocabulary: which alerts a sink delivers as
//! they are, which it folds into a [`Group`], and when a group's next notification is due.
//!
//! Pure: the store keeps each `Group` (as JSON) and calls these functions with the wall-clock
//! time in milliseconds, so a restart resumes every timer from what was stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ward_event::{Level, Timestamp};

use crate::alert::StoredAlert;
use crate::config::{Delivery, Granularity, GroupAttribute};

/// The rule of the detector's incident alerts (one per incident opened or changed).
pub(crate) const INCIDENT_RULE: &str = "ward.incident";
/// Alerts that already summarise a spread; grouping them would only delay them. (Ward raised
/// these before incidents replaced them; a state file may still hold some.)
const UNGROUPED_RULES: &[&str] = &["ward.outbreak", "ward.needs-a-look"];
/// Where a finding names what it is about besides its host, in the order they are looked up
/// in `evidence.details` (network findings: `destination`; hops: `from`; artefacts).
const COUNTERPART_FIELDS: &[&str] = &[
    "destination",
    "from",
    "peer",
    "artefact",
    "implant",
    "indicator",
];
/// Alerts listed by key and title in one notification; the rest are reachable by seq range.
pub(crate) const SAMPLE_SIZE: usize = 5;

/// What one notification stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// One alert, as it was raised.
    Alert,
    /// The first notification of a group (or of a group re-opened after `repeat_interval`).
    Group,
    /// What a group collected since its last notification.
    Digest,
    /// An incident opened or changed (a `ward.incident` alert).
    Incident,
}

impl Kind {
    /// The `kind` field of the notification JSON.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Group => "group",
            Kind::Digest => "digest",
            Kind::Incident => "incident",
        }
    }
}

/// What a sink does with one committed alert.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Not for this sink (an `incident` sink and an ordinary alert).
    Skip,
    /// Delivered as it is.
    Deliver(Kind),
    /// Folded into the group with this key.
    Fold(String),
}

/// Decides the route of an alert for a sink's delivery settings.
pub(crate) fn route(stored: &StoredAlert, delivery: &Delivery) -> Route {
    let rule = stored.alert.rule_id.as_str();
    match delivery.granularity {
        Granularity::Event => Route::Deliver(Kind::Alert),
        Granularity::Incident if rule == INCIDENT_RULE => Route::Deliver(Kind::Incident),
        Granularity::Incident => Route::Skip,
        Granularity::Group if rule == INCIDENT_RULE => Route::Deliver(Kind::Incident),
        Granularity::Group if UNGROUPED_RULES.contains(&rule) => Route::Deliver(Kind::Alert),
        Granularity::Group => Route::Fold(group_key(stored, &delivery.group_by)),
    }
}

/// The values of the `group_by` attributes, joined by `|` (`-` for an empty value). Values are
/// percent-encoded outside printable ASCII (and `%`, `|`), so a key read from hostile logs is
/// still a valid HTTP header value and unambiguous.
pub(crate) fn group_key(stored: &StoredAlert, group_by: &[GroupAttribute]) -> String {
    let a = &stored.alert;
    let values: Vec<String> = group_by
        .iter()
        .map(|attribute| match attribute {
            GroupAttribute::RuleId => a.rule_id.clone(),
            GroupAttribute::Host => a.host.clone(),
            GroupAttribute::Level => a.level.as_str().to_string(),
            GroupAttribute::Counterpart => counterpart(&a.evidence),
        })
        .map(|v| {
            if v.is_empty() {
                "-".to_string()
            } else {
                encode(&v)
            }
        })
        .collect();
    if values.is_empty() {
        "all".to_string()
    } else {
        values.join("|")
    }
}

fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'%' | b'|' => out.push_str(&format!("%{b:02X}")),
            0x21..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The finding's destination, peer or artefact, from `evidence.details`; empty for rule hits.
fn counterpart(evidence: &serde_json::Value) -> String {
    let details = &evidence["details"];
    COUNTERPART_FIELDS
        .iter()
        .find_map(|field| match &details[*field] {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .unwrap_or_default()
}

/// Counts of some of a group's alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tally {
    pub count: u64,
    pub levels: BTreeMap<Level, u64>,
    pub first_ns: i64,
    pub last_ns: i64,
    pub first_seq: i64,
    pub last_seq: i64,
}

impl Tally {
    fn add(&mut self, stored: &StoredAlert) {
        let time = stored.alert.time.as_nanos();
        if self.count == 0 {
            (self.first_ns, self.last_ns, self.first_seq) = (time, time, stored.seq);
        }
        self.count += 1;
        *self.levels.entry(stored.alert.level).or_default() += 1;
        self.first_ns = self.first_ns.min(time);
        self.last_ns = self.last_ns.max(time);
        self.last_seq = stored.seq;
    }

    /// The highest level counted.
    pub(crate) fn level(&self) -> Level {
        self.levels.keys().next_back().copied().unwrap_or_default()
    }

    fn levels_json(&self) -> serde_json::Value {
        self.levels
            .iter()
            .map(|(level, n)| (level.as_str().to_string(), serde_json::json!(n)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// One alert named in a notification's sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sampled {
    pub seq: i64,
    pub key: String,
    pub title: String,
    pub level: Level,
}

/// Alerts collected since a group's last notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub tally: Tally,
    /// When the first of them was folded (wall clock, ms).
    pub since_ms: i64,
    pub sample: Vec<Sampled>,
    /// The first alert at the highest level, as JSON: the notification's own fields.
    pub representative: serde_json::Value,
}

/// A sink's group: everything folded into it, and what is waiting to be sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Group {
    /// Notifications made so far; numbers the next one's key.
    pub notifications: u64,
    pub totals: Tally,
    /// The group's level at its last notification; `None` until opened (or once closed).
    pub sent_level: Option<Level>,
    pub last_sent_ms: i64,
    pub last_alert_ms: i64,
    pub pending: Option<Pending>,
}

impl Group {
    /// Adds an alert folded at `now_ms`. A group quiet for `repeat_interval` is closed first,
    /// so this alert opens it again.
    pub(crate) fn fold(&mut self, stored: &StoredAlert, now_ms: i64, delivery: &Delivery) {
        let quiet = now_ms.saturating_sub(self.last_alert_ms);
        if self.pending.is_none() && quiet >= millis(delivery.repeat_interval) {
            self.sent_level = None;
        }
        let pending = self.pending.get_or_insert_with(|| Pending {
            tally: Tally::default(),
            since_ms: now_ms,
            sample: Vec::new(),
            representative: serde_json::Value::Null,
        });
        if pending.tally.count == 0 || stored.alert.level > pending.tally.level() {
            pending.representative = stored.to_json();
        }
        pending.tally.add(stored);
        if pending.sample.len() < SAMPLE_SIZE {
            pending.sample.push(Sampled {
                seq: stored.seq,
                key: stored.alert.key.clone(),
                title: stored.alert.title.clone(),
                level: stored.alert.level,
            });
        }
        self.totals.add(stored);
        self.last_alert_ms = now_ms;
    }

    /// When the pending alerts are due (wall clock, ms); `None` when nothing is pending.
    /// A new group goes out at once from `high` up, after `group_wait` below; an open one
    /// sends a digest every `group_interval`, or at once when its level rises to `high` or above.
    pub(crate) fn due_ms(&self, delivery: &Delivery) -> Option<i64> {
        let pending = self.pending.as_ref()?;
        let level = pending.tally.level();
        let urgent = level >= Level::High;
        Some(match self.sent_level {
            None if urgent => pending.since_ms,
            None => pending.since_ms + millis(delivery.group_wait),
            Some(sent) if urgent && level > sent => pending.since_ms,
            Some(_) => (self.last_sent_ms + millis(delivery.group_interval)).max(pending.since_ms),
        })
    }

    /// Turns the pending alerts into a notification: its key (`group:SINK:GROUP:N`), kind and
    /// JSON body. The caller stores both with the group, in one transaction.
    pub(crate) fn flush(
        &mut self,
        sink: &str,
        group_key: &str,
        now_ms: i64,
    ) -> Option<(String, Kind, serde_json::Value)> {
        let pending = self.pending.take()?;
        let kind = if self.sent_level.is_none() {
            Kind::Group
        } else {
            Kind::Digest
        };
        let n = self.notifications;
        let key = format!("group:{sink}:{group_key}:{n}");
        let mut body = pending.representative.clone();
        if let Some(fields) = body.as_object_mut() {
            fields.remove("acknowledged");
            let title = fields
                .get("title")
                .and_then(|t| t.as_str())
                .unwrap_or_default()
                .to_string();
            if pending.tally.count > 1 {
                let more = pending.tally.count - 1;
                fields.insert("title".into(), format!("{title} (+{more} more)").into());
            }
            fields.insert("key".into(), key.clone().into());
            fields.insert("kind".into(), kind.as_str().into());
            fields.insert("level".into(), self.totals.level().as_str().into());
            fields.insert("group".into(), self.describe(sink, group_key, &pending));
        }
        self.notifications += 1;
        self.sent_level = Some(self.totals.level());
        self.last_sent_ms = now_ms;
        Some((key, kind, body))
    }

    /// The notification's `group` object.
    fn describe(&self, sink: &str, group_key: &str, pending: &Pending) -> serde_json::Value {
        let time = |ns: i64| Timestamp::from_nanos(ns).to_rfc3339();
        serde_json::json!({
            "key": group_key,
            "sink": sink,
            "n": self.notifications,
            "count": self.totals.count,
            "levels": self.totals.levels_json(),
            "first": time(self.totals.first_ns),
            "last": time(self.totals.last_ns),
            "new": pending.tally.count,
            "new_levels": pending.tally.levels_json(),
            "seq": {"from": pending.tally.first_seq, "to": pending.tally.last_seq},
            "sample": pending.sample.iter().map(|s| serde_json::json!({
                "seq": s.seq, "key": s.key, "title": s.title, "level": s.level.as_str(),
            })).collect::<Vec<_>>(),
        })
    }
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Alert;

    fn stored(seq: i64, rule: &str, host: &str, level: Level) -> StoredAlert {
        StoredAlert {
            seq,
            alert: Alert {
                key: format!("k{seq}"),
                time: Timestamp::from_nanos(seq * 1_000),
                host: host.into(),
                rule_id: rule.into(),
                title: format!("t{seq}"),
                level,
                evidence: serde_json::json!({"details": {"destination": "203.0.113.9"}}),
            },
            acknowledged: false,
        }
    }

    fn delivery() -> Delivery {
        Delivery {
            group_wait: std::time::Duration::from_millis(100),
            group_interval: std::time::Duration::from_millis(1000),
            repeat_interval: std::time::Duration::from_millis(10_000),
            ..Delivery::default()
        }
    }

    #[test]
    fn routes_follow_the_granularity_and_keep_spread_and_incidents_whole() {
        let mut d = delivery();
        let beacon = stored(1, "ward.beacon", "MRI-1", Level::Medium);
        assert_eq!(
            route(&beacon, &d),
            Route::Fold("MRI-1".into()),
            "by device by default"
        );
        assert_eq!(
            route(&stored(2, "ward.outbreak", "MRI-1", Level::Critical), &d),
            Route::Deliver(Kind::Alert)
        );
        assert_eq!(
            route(&stored(3, INCIDENT_RULE, "MRI-1", Level::Critical), &d),
            Route::Deliver(Kind::Incident)
        );
        d.group_by = vec![GroupAttribute::Counterpart, GroupAttribute::Level];
        assert_eq!(route(&beacon, &d), Route::Fold("203.0.113.9|medium".into()));
        d.granularity = Granularity::Incident;
        assert_eq!(route(&beacon, &d), Route::Skip);
        d.granularity = Granularity::Event;
        assert_eq!(route(&beacon, &d), Route::Deliver(Kind::Alert));
    }

    #[test]
    fn a_low_group_waits_a_high_one_goes_at_once_and_a_rise_to_high_too() {
        let d = delivery();
        let mut low = Group::default();
        low.fold(&stored(1, "r", "H", Level::Low), 1_000, &d);
        assert_eq!(low.due_ms(&d), Some(1_100));
        let mut high = Group::default();
        high.fold(&stored(2, "r", "H", Level::High), 1_000, &d);
        assert_eq!(high.due_ms(&d), Some(1_000));

        let (key, kind, body) = low.flush("soc", "r|H", 1_100).unwrap();
        assert_eq!((key.as_str(), kind), ("group:soc:r|H:0", Kind::Group));
        assert_eq!(body["group"]["new"], 1);
        low.fold(&stored(3, "r", "H", Level::Medium), 1_200, &d);
        assert_eq!(low.due_ms(&d), Some(2_100), "a digest waits group_interval");
        low.fold(&stored(4, "r", "H", Level::Critical), 1_300, &d);
        assert_eq!(
            low.due_ms(&d),
            Some(1_200),
            "a rise to critical goes at once"
        );
        let (key, kind, body) = low.flush("soc", "r|H", 1_300).unwrap();
        assert_eq!((key.as_str(), kind), ("group:soc:r|H:1", Kind::Digest));
        assert_eq!(body["level"], "critical");
        assert_eq!(body["title"], "t4 (+1 more)");
        assert_eq!(body["group"]["count"], 3);
        assert_eq!(body["group"]["new"], 2);
        assert_eq!(
            body["group"]["seq"],
            serde_json::json!({"from": 3, "to": 4})
        );
        assert_eq!(low.due_ms(&d), None, "a quiet group sends nothing");
    }

    #[test]
    fn a_group_quiet_for_repeat_interval_opens_again() {
        let d = delivery();
        let mut g = Group::default();
        g.fold(&stored(1, "r", "H", Level::High), 0, &d);
        g.flush("soc", "r|H", 0).unwrap();
        g.fold(&stored(2, "r", "H", Level::Low), 20_000, &d);
        assert_eq!(
            g.due_ms(&d),
            Some(20_100),
            "waits group_wait like a new group"
        );
        let (key, kind, body) = g.flush("soc", "r|H", 20_100).unwrap();
        assert_eq!((key.as_str(), kind), ("group:soc:r|H:1", Kind::Group));
        assert_eq!(body["group"]["count"], 2);
    }
}
