//! The compiled, indexed rule set and the matching entry points.

use std::cell::RefCell;

use ward_event::{Event, Fields, LogSource};

use crate::correlation::{CompiledCorrelation, CorrelationEvent, CorrelationHit};
use crate::detection::{Ctx, Det, Detection, Scratch};
use crate::index::Index;
use crate::meta::{RuleIdx, RuleMeta};
use crate::prefilter::{CompiledGuard, Prefilter, PrefilterScratch};

/// One rule compiled for one mapping target (e.g. process_creation under Sysmon, or under 4688).
#[derive(Debug)]
pub(crate) struct Variant {
    pub rule: RuleIdx,
    pub detection: Detection,
    /// The target's own conditions (`where:` in the mapping), as one all-of detection.
    pub extra: Det,
    /// Providers the target requires, when it names any.
    pub providers: Vec<String>,
    /// Filters (Sigma filter documents) that must also hold.
    pub filters: Vec<Detection>,
    /// Literals one of which must occur for the rule to match (checked before evaluating).
    pub guard: Option<CompiledGuard>,
}

/// A compiled rule set: immutable, `Send + Sync`, shared by all matching threads.
#[derive(Debug)]
pub struct RuleSet {
    pub(crate) rules: Vec<RuleMeta>,
    pub(crate) variants: Vec<Variant>,
    pub(crate) index: Index,
    pub(crate) prefilter: Prefilter,
    pub(crate) field_names: Vec<Box<[Box<str>]>>,
    pub(crate) correlations: Vec<CompiledCorrelation>,
    /// For each rule, the event fields correlations need from its matches (empty: none).
    pub(crate) correlation_fields: Vec<Vec<Box<str>>>,
}

/// Per-thread matching state, reused from event to event.
#[derive(Debug, Default)]
struct ThreadState {
    scratch: Scratch,
    prefilter: PrefilterScratch,
}

thread_local! {
    static STATE: RefCell<ThreadState> = RefCell::new(ThreadState::default());
}

impl RuleSet {
    /// Number of rules (detections and correlations).
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule loaded.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The metadata of rule `idx`.
    ///
    /// # Panics
    /// When `idx` did not come from this rule set.
    pub fn rule(&self, idx: RuleIdx) -> &RuleMeta {
        &self.rules[idx.get()]
    }

    /// All rules with their indices.
    pub fn rules(&self) -> impl Iterator<Item = (RuleIdx, &RuleMeta)> {
        self.rules
            .iter()
            .enumerate()
            .map(|(i, m)| (RuleIdx(i as u32), m))
    }

    /// The first rule whose id or name is `reference`.
    pub fn find(&self, reference: &str) -> Option<RuleIdx> {
        self.rules
            .iter()
            .position(|m| m.answers_to(reference))
            .map(|i| RuleIdx(i as u32))
    }

    /// Calls `hit` for every detection rule matching the event (each rule at most once);
    /// only rules whose logsource can apply are tried.
    pub fn matches(&self, event: &Event, hit: &mut dyn FnMut(RuleIdx)) {
        self.matches_fields(&event.source, event, hit)
    }

    /// As [`RuleSet::matches`], for any field container read from `source`.
    pub fn matches_fields(
        &self,
        source: &LogSource,
        fields: &dyn Fields,
        hit: &mut dyn FnMut(RuleIdx),
    ) {
        let event_id = source.event_id.or_else(|| {
            fields
                .get("EventID")
                .and_then(|v| v.as_i64())
                .and_then(|e| u32::try_from(e).ok())
        });
        let mut lists: Vec<&[u32]> = Vec::with_capacity(4);
        self.index.candidates(source, event_id, &mut |l| {
            if !l.is_empty() {
                lists.push(l);
            }
        });
        if lists.is_empty() {
            return;
        }
        // Take the state out of the thread-local so `hit` may itself match events.
        let mut state = STATE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        let generation = state.scratch.begin(self.field_names.len());
        state.prefilter.begin(
            generation,
            self.field_names.len(),
            self.prefilter.literal_count(),
        );
        let mut found: Vec<RuleIdx> = Vec::new();
        {
            let ThreadState { scratch, prefilter } = &mut state;
            let mut cx = Ctx {
                event: fields,
                names: &self.field_names,
                scratch,
            };
            for &v in lists.iter().flat_map(|l| l.iter()) {
                let Some(variant) = self.variants.get(v as usize) else {
                    continue;
                };
                if found.contains(&variant.rule) || !provider_ok(&variant.providers, source) {
                    continue;
                }
                if let Some(g) = &variant.guard
                    && !self.prefilter.passes(g, prefilter, &mut cx)
                {
                    continue;
                }
                if variant.matches(&mut cx) {
                    found.push(variant.rule);
                }
            }
        }
        STATE.with(|s| *s.borrow_mut() = state);
        found.sort_unstable();
        found.into_iter().for_each(hit);
    }

    /// The compact record correlations need from a match of rule `idx` on `event`; `None` when
    /// no correlation uses the rule.
    pub fn correlation_input(&self, idx: RuleIdx, event: &Event) -> Option<CorrelationEvent> {
        let needed = self.correlation_fields.get(idx.get())?;
        if needed.is_empty() {
            return None;
        }
        let mut buf = String::new();
        let values = needed
            .iter()
            .map(|name| {
                event
                    .get(name)
                    .filter(|v| !v.is_null())
                    .map(|v| Box::from(v.text(&mut buf)))
            })
            .collect();
        Some(CorrelationEvent {
            time: event.time,
            rule: idx,
            host: event.host.short().into(),
            values,
        })
    }

    /// Runs every correlation over `sorted_events` (time-ordered across all inputs).
    pub fn correlate(&self, sorted_events: &[CorrelationEvent]) -> Vec<CorrelationHit> {
        crate::correlation::run(self, sorted_events)
    }
}

impl Variant {
    fn matches(&self, cx: &mut Ctx<'_>) -> bool {
        self.extra.matches(cx)
            && self.detection.matches(cx)
            && self.filters.iter().all(|f| f.matches(cx))
    }
}

fn provider_ok(providers: &[String], source: &LogSource) -> bool {
    providers.is_empty()
        || source
            .provider
            .as_deref()
            .is_some_and(|p| providers.iter().any(|w| w.eq_ignore_ascii_case(p)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_set_is_shareable_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<super::RuleSet>();
    }
}
