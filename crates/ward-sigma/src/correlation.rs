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
    /// Indices into the input slice of the events in the window.
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

/// An input event before windowing: time, input position, group key, value, event index.
type Pending = (Timestamp, usize, GroupKey, Option<Box<str>>, usize);

/// One event inside a window.
#[derive(Debug, Clone)]
struct Entry {
    time: Timestamp,
    input: usize,
    value: Option<Box<str>>,
    event: usize,
}

/// Runs all correlations; correlations over correlations see the hits of earlier ones.
pub(crate) fn run(set: &RuleSet, events: &[CorrelationEvent]) -> Vec<CorrelationHit> {
    let mut hits: Vec<CorrelationHit> = Vec::new();
    // Chained correlations: repeat until no new correlation can run (inputs before users).
    let mut done = vec![false; set.correlations.len()];
    for _ in 0..set.correlations.len() {
        for (i, c) in set.correlations.iter().enumerate() {
            let ready = c.inputs.iter().all(|inp| {
                set.correlations
                    .iter()
                    .position(|o| o.idx == inp.rule)
                    .is_none_or(|o| done[o])
            });
            if done[i] || !ready {
                continue;
            }
            done[i] = true;
            let new = run_one(c, events, &hits);
            hits.extend(new);
        }
    }
    hits.sort_by(|a, b| a.last.cmp(&b.last).then(a.rule.cmp(&b.rule)));
    hits
}

fn run_one(
    c: &CompiledCorrelation,
    events: &[CorrelationEvent],
    earlier: &[CorrelationHit],
) -> Vec<CorrelationHit> {
    // Gather (time, input, group key, value, event index) for this correlation, in time order.
    let mut stream: Vec<Pending> = Vec::new();
    for (ei, e) in events.iter().enumerate() {
        for (ii, inp) in c
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| i.rule == e.rule)
        {
            let get = |s: Option<usize>| s.and_then(|s| e.values.get(s).cloned().flatten());
            let key = inp.group_slots.iter().map(|s| get(*s)).collect();
            stream.push((e.time, ii, key, get(inp.value_slot), ei));
        }
    }
    for h in earlier {
        for (ii, _) in c
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| i.rule == h.rule)
        {
            let key = c
                .group_by
                .iter()
                .map(|g| {
                    h.group
                        .iter()
                        .find(|(n, _)| n == g)
                        .and_then(|(_, v)| v.as_deref().map(Box::from))
                })
                .collect();
            stream.push((h.last, ii, key, None, usize::MAX));
        }
    }
    stream.sort_by_key(|s| s.0);
    let mut windows: HashMap<GroupKey, VecDeque<Entry>> = HashMap::new();
    let mut out = Vec::new();
    for (time, input, key, value, event) in stream {
        let window = windows.entry(key.clone()).or_default();
        window.push_back(Entry {
            time,
            input,
            value,
            event,
        });
        while window
            .front()
            .is_some_and(|f| time.as_nanos() - f.time.as_nanos() > c.timespan_ns)
        {
            window.pop_front();
        }
        if let Some(measure) = c.fire(window) {
            out.push(CorrelationHit {
                rule: c.idx,
                first: window.front().map_or(time, |f| f.time),
                last: time,
                group: c
                    .group_by
                    .iter()
                    .cloned()
                    .zip(key.iter().map(|v| v.as_deref().map(String::from)))
                    .collect(),
                value: measure,
                events: window
                    .iter()
                    .map(|e| e.event)
                    .filter(|e| *e != usize::MAX)
                    .collect(),
            });
            window.clear();
        }
    }
    out
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
