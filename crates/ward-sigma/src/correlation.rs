//! Sigma correlation rules over detections: event_count, value_count, temporal,
//! temporal_ordered, value_sum, value_avg, value_percentile, value_median.
//!
//! Matching is in two phases so files can be read in parallel: each detection yields a compact
//! [`CorrelationEvent`] (time, rule, the fields correlations need); after sorting them by time,
//! [`crate::RuleSet::correlate`] runs sliding windows per group.
//!
//! A window holds the group's events of the last `timespan`; when the condition holds, one hit
//! is emitted and the window starts afresh, so a long burst yields one hit per threshold's worth
//! of events rather than one per event.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use rsigma_parser::{
    ConditionExpr, ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType,
};
use ward_event::Timestamp;

use crate::error::{ProblemKind, RuleProblem};
use crate::meta::{RuleIdx, RuleKind, RuleMeta};
use crate::ruleset::RuleSet;

/// What a correlation needs from one detection: compact and owned.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationEvent {
    /// When the detected event happened.
    pub time: Timestamp,
    /// The detection rule that matched.
    pub rule: RuleIdx,
    /// The host that logged the event.
    pub host: Box<str>,
    /// Values of the fields correlations need from this rule (in the rule set's order).
    pub values: Vec<Option<Box<str>>>,
}

/// A correlation that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationHit {
    /// The correlation rule.
    pub rule: RuleIdx,
    /// Time of the first event in the window.
    pub first: Timestamp,
    /// Time of the event that completed the correlation.
    pub last: Timestamp,
    /// `group-by` names with this group's values.
    pub group: Vec<(String, Option<String>)>,
    /// The measured figure: events, distinct values, sum, average, percentile or rules seen.
    pub value: f64,
    /// The host every event in the window came from; `None` when they came from several.
    pub host: Option<String>,
    /// Ids of the events in the window (in a batch run, indices into the input slice).
    pub events: Vec<usize>,
}

/// Where each input rule keeps the group-by values and the measured value.
#[derive(Debug, Clone)]
struct Input {
    rule: RuleIdx,
    group_slots: Vec<Option<usize>>,
    value_slot: Option<usize>,
}

/// A correlation, references resolved.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCorrelation {
    idx: RuleIdx,
    kind: CorrelationType,
    inputs: Vec<Input>,
    group_by: Vec<String>,
    timespan_ns: i64,
    predicates: Vec<(ConditionOperator, f64)>,
    percentile: f64,
    /// temporal with a boolean condition over rule names (input positions).
    expr: Option<ConditionExpr>,
    names: Vec<Vec<String>>,
}

/// Resolves references, records the fields each input rule must supply, and adds correlation
/// metadata to `metas`. Returns the compiled correlations and, per rule, its needed fields.
pub(crate) fn compile(
    rules: &[(String, CorrelationRule)],
    metas: &mut Vec<RuleMeta>,
    problems: &mut Vec<RuleProblem>,
) -> (Vec<CompiledCorrelation>, Vec<Vec<Box<str>>>) {
    let first_corr = metas.len();
    for (origin, c) in rules {
        metas.push(RuleMeta::from_correlation(c, origin));
    }
    let mut needed: Vec<Vec<Box<str>>> = vec![Vec::new(); metas.len()];
    let mut out = Vec::new();
    for (n, (origin, c)) in rules.iter().enumerate() {
        let idx = RuleIdx((first_corr + n) as u32);
        match compile_one(c, idx, metas, &mut needed) {
            Ok(cc) => out.push(cc),
            Err(detail) => problems.push(RuleProblem {
                origin: origin.clone(),
                rule_id: c.id.clone(),
                title: Some(c.title.clone()),
                reason: ProblemKind::UnknownReference,
                detail,
            }),
        }
    }
    (out, needed)
}

fn compile_one(
    c: &CorrelationRule,
    idx: RuleIdx,
    metas: &mut [RuleMeta],
    needed: &mut [Vec<Box<str>>],
) -> Result<CompiledCorrelation, String> {
    let value_field = match &c.condition {
        CorrelationCondition::Threshold { field, .. } => {
            field.as_ref().and_then(|f| f.first().cloned())
        }
        CorrelationCondition::Extended(_) => None,
    };
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for reference in &c.rules {
        let rule = metas
            .iter()
            .position(|m| m.answers_to(reference))
            .map(|i| RuleIdx(i as u32))
            .ok_or_else(|| format!("correlation names rule `{reference}`, which is not loaded"))?;
        let meta = &mut metas[rule.get()];
        // Referenced rules (detections or correlations) report on their own only with `generate`.
        if !c.generate {
            meta.standalone = false;
        }
        let mut aliases_for = vec![reference.clone()];
        aliases_for.extend(meta.id.clone());
        aliases_for.extend(meta.name.clone());
        let field_of = |name: &str| -> String {
            c.aliases
                .iter()
                .find(|a| a.alias == name)
                .and_then(|a| aliases_for.iter().find_map(|r| a.mapping.get(r)))
                .cloned()
                .unwrap_or_else(|| name.to_string())
        };
        let slots = &mut needed[rule.get()];
        let mut slot = |field: String| -> usize {
            match slots.iter().position(|s| **s == *field) {
                Some(p) => p,
                None => {
                    slots.push(field.into());
                    slots.len() - 1
                }
            }
        };
        let is_detection = meta.kind == RuleKind::Detection;
        let group_slots = c
            .group_by
            .iter()
            .map(|g| is_detection.then(|| slot(field_of(g))))
            .collect();
        let value_slot = value_field
            .as_ref()
            .filter(|_| is_detection)
            .map(|f| slot(field_of(f)));
        inputs.push(Input {
            rule,
            group_slots,
            value_slot,
        });
        names.push(aliases_for);
    }
    let (predicates, percentile) = match &c.condition {
        CorrelationCondition::Threshold {
            predicates,
            percentile,
            ..
        } => (
            predicates.iter().map(|(op, n)| (*op, *n as f64)).collect(),
            percentile.map(|p| p as f64).unwrap_or(95.0),
        ),
        CorrelationCondition::Extended(_) => (Vec::new(), 95.0),
    };
    Ok(CompiledCorrelation {
        idx,
        kind: c.correlation_type,
        inputs,
        group_by: c.group_by.clone(),
        timespan_ns: i64::try_from(c.timespan.seconds)
            .unwrap_or(i64::MAX / 2_000_000_000)
            .saturating_mul(1_000_000_000),
        predicates,
        percentile,
        expr: match &c.condition {
            CorrelationCondition::Extended(e) => Some(e.clone()),
            CorrelationCondition::Threshold { .. } => None,
        },
        names,
    })
}

/// A group key: the group-by values of one event.
type GroupKey = Vec<Option<Box<str>>>;

/// One event inside a window.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Event time, nanoseconds since the epoch.
    time: i64,
    /// Position of the input rule in the correlation's `rules`.
    input: usize,
    value: Option<Box<str>>,
    /// The caller's id of the event; `None` for a hit of a chained correlation.
    event: Option<usize>,
    host: Box<str>,
}

/// Groups not touched for this many events are checked for expiry.
const PRUNE_EVERY: u64 = 4096;

/// Streaming correlation state: sliding windows per correlation and group, fed one detection
/// at a time in time order. The batch [`crate::RuleSet::correlate`] and the live monitor share
/// it; its state serialises (serde) so the monitor can checkpoint and restore it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Correlator {
    /// Per compiled correlation (in the rule set's order), the open windows by group.
    #[serde(with = "pairs")]
    windows: Vec<HashMap<GroupKey, VecDeque<Entry>>>,
    /// Latest event time fed, nanoseconds.
    latest: i64,
    fed: u64,
}

impl Correlator {
    /// An empty state for `set`'s correlations.
    pub fn new(set: &RuleSet) -> Self {
        Correlator {
            windows: vec![HashMap::new(); set.correlations.len()],
            latest: i64::MIN,
            fed: 0,
        }
    }

    /// True when no correlation can ever fire (the rule set has none).
    pub fn is_idle(&self) -> bool {
        self.windows.is_empty()
    }

    /// Open windows held now, over all correlations and groups: stays bounded as groups expire.
    pub fn open_windows(&self) -> usize {
        self.windows.iter().map(HashMap::len).sum()
    }

    /// Takes one detection (`id` is the caller's name for it, echoed in hits) and pushes the
    /// hits it completes onto `out`, chained correlations included. Detections must arrive in
    /// time order; a restored state from another rule set is reset.
    pub fn feed(
        &mut self,
        set: &RuleSet,
        id: usize,
        event: &CorrelationEvent,
        out: &mut Vec<CorrelationHit>,
    ) {
        if self.windows.len() != set.correlations.len() {
            *self = Correlator::new(set);
        }
        let time = event.time.as_nanos();
        self.latest = self.latest.max(time);
        let first_new = out.len();
        for (ci, c) in set.correlations.iter().enumerate() {
            for (ii, inp) in c
                .inputs
                .iter()
                .enumerate()
                .filter(|(_, i)| i.rule == event.rule)
            {
                let get = |s: Option<usize>| s.and_then(|s| event.values.get(s).cloned().flatten());
                let key = inp.group_slots.iter().map(|s| get(*s)).collect();
                let entry = Entry {
                    time,
                    input: ii,
                    value: get(inp.value_slot),
                    event: Some(id),
                    host: event.host.clone(),
                };
                self.push(ci, c, key, entry, out);
            }
        }
        // Chained correlations see the hits of the ones they name, at the hit's time.
        let mut next = first_new;
        let mut rounds = 0;
        while next < out.len() && rounds <= set.correlations.len() * 4 {
            let hit = out[next].clone();
            next += 1;
            rounds += 1;
            for (ci, c) in set.correlations.iter().enumerate() {
                for (ii, _) in c
                    .inputs
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.rule == hit.rule)
                {
                    let key = c
                        .group_by
                        .iter()
                        .map(|g| {
                            hit.group
                                .iter()
                                .find(|(n, _)| n == g)
                                .and_then(|(_, v)| v.as_deref().map(Box::from))
                        })
                        .collect();
                    let entry = Entry {
                        time: hit.last.as_nanos(),
                        input: ii,
                        value: None,
                        event: None,
                        host: hit.host.as_deref().unwrap_or_default().into(),
                    };
                    self.push(ci, c, key, entry, out);
                }
            }
        }
        self.fed += 1;
        if self.fed.is_multiple_of(PRUNE_EVERY) {
            self.prune(set);
        }
    }

    fn push(
        &mut self,
        ci: usize,
        c: &CompiledCorrelation,
        key: GroupKey,
        entry: Entry,
        out: &mut Vec<CorrelationHit>,
    ) {
        let time = entry.time;
        let window = self.windows[ci].entry(key.clone()).or_default();
        window.push_back(entry);
        while window
            .front()
            .is_some_and(|f| time.saturating_sub(f.time) > c.timespan_ns)
        {
            window.pop_front();
        }
        let Some(measure) = c.fire(window) else {
            return;
        };
        let mut hosts = window.iter().map(|e| &*e.host).filter(|h| !h.is_empty());
        let first_host = hosts.next();
        let host = first_host
            .filter(|h| hosts.all(|o| o == *h))
            .map(str::to_string);
        out.push(CorrelationHit {
            rule: c.idx,
            first: Timestamp::from_nanos(window.front().map_or(time, |f| f.time)),
            last: Timestamp::from_nanos(time),
            group: c
                .group_by
                .iter()
                .cloned()
                .zip(key.iter().map(|v| v.as_deref().map(String::from)))
                .collect(),
            value: measure,
            host,
            events: window.iter().filter_map(|e| e.event).collect(),
        });
        self.windows[ci].remove(&key);
    }

    /// Drops the groups whose newest event left the correlation's timespan.
    fn prune(&mut self, set: &RuleSet) {
        let latest = self.latest;
        for (windows, c) in self.windows.iter_mut().zip(&set.correlations) {
            windows.retain(|_, w| {
                w.back()
                    .is_some_and(|e| latest.saturating_sub(e.time) <= c.timespan_ns)
            });
        }
    }
}

/// Maps with non-string keys, written as a list of pairs so any serde format takes them.
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;
    use std::hash::Hash;

    pub fn serialize<K, V, S>(maps: &[HashMap<K, V>], s: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        let lists: Vec<Vec<(&K, &V)>> = maps.iter().map(|m| m.iter().collect()).collect();
        lists.serialize(s)
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<Vec<HashMap<K, V>>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let lists: Vec<Vec<(K, V)>> = Vec::deserialize(d)?;
        Ok(lists.into_iter().map(|l| l.into_iter().collect()).collect())
    }
}

/// Runs all correlations over time-ordered events; correlations over correlations see the hits
/// of earlier ones.
pub(crate) fn run(set: &RuleSet, events: &[CorrelationEvent]) -> Vec<CorrelationHit> {
    let mut state = Correlator::new(set);
    let mut hits = Vec::new();
    if state.is_idle() {
        return hits;
    }
    for (i, e) in events.iter().enumerate() {
        state.feed(set, i, e, &mut hits);
    }
    hits.sort_by(|a, b| a.last.cmp(&b.last).then(a.rule.cmp(&b.rule)));
    hits
}

impl CompiledCorrelation {
    /// The measured figure when the window satisfies the condition.
    fn fire(&self, w: &VecDeque<Entry>) -> Option<f64> {
        let numbers = || {
            w.iter().filter_map(|e| {
                e.value
                    .as_deref()
                    .and_then(|v| v.trim().parse::<f64>().ok())
            })
        };
        let measure = match self.kind {
            CorrelationType::EventCount => w.len() as f64,
            CorrelationType::ValueCount => {
                let mut seen: Vec<&str> = w.iter().filter_map(|e| e.value.as_deref()).collect();
                seen.sort_unstable();
                seen.dedup();
                seen.len() as f64
            }
            CorrelationType::ValueSum => numbers().sum(),
            CorrelationType::ValueAvg => {
                let v: Vec<f64> = numbers().collect();
                if v.is_empty() {
                    0.0
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            }
            CorrelationType::ValuePercentile | CorrelationType::ValueMedian => {
                let mut v: Vec<f64> = numbers().collect();
                v.sort_by(f64::total_cmp);
                let p = if self.kind == CorrelationType::ValueMedian {
                    50.0
                } else {
                    self.percentile
                };
                percentile(&v, p)
            }
            CorrelationType::Temporal => return self.temporal(w, false),
            CorrelationType::TemporalOrdered => return self.temporal(w, true),
        };
        self.holds(measure).then_some(measure)
    }

    fn holds(&self, x: f64) -> bool {
        self.predicates.iter().all(|(op, n)| match op {
            ConditionOperator::Lt => x < *n,
            ConditionOperator::Lte => x <= *n,
            ConditionOperator::Gt => x > *n,
            ConditionOperator::Gte => x >= *n,
            ConditionOperator::Eq => x == *n,
            ConditionOperator::Neq => x != *n,
        })
    }

    /// temporal: every input seen in the window (or the boolean condition over rule names);
    /// temporal_ordered: every input seen in the order listed.
    fn temporal(&self, w: &VecDeque<Entry>, ordered: bool) -> Option<f64> {
        let n = self.inputs.len();
        let mut seen = vec![false; n];
        if ordered {
            let mut next = 0;
            for e in w {
                if next < n && e.input == next {
                    next += 1;
                }
            }
            return (next == n).then_some(n as f64);
        }
        w.iter().for_each(|e| seen[e.input] = true);
        let count = seen.iter().filter(|s| **s).count();
        let ok = match &self.expr {
            Some(expr) => eval_names(expr, &self.names, &seen),
            None => count == n,
        };
        ok.then_some(count as f64)
    }
}

fn eval_names(e: &ConditionExpr, names: &[Vec<String>], seen: &[bool]) -> bool {
    match e {
        ConditionExpr::And(es) => es.iter().all(|x| eval_names(x, names, seen)),
        ConditionExpr::Or(es) => es.iter().any(|x| eval_names(x, names, seen)),
        ConditionExpr::Not(x) => !eval_names(x, names, seen),
        ConditionExpr::Identifier(id) => {
            names.iter().zip(seen).any(|(ns, s)| *s && ns.contains(id))
        }
        ConditionExpr::Selector { .. } => seen.iter().all(|s| *s),
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
