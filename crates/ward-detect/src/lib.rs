//! Ward's detection step: everything one event gives the rest of Ward, computed in one place
//! for every driver — `ward hunt` over files, `ward monitor` over live streams, and the
//! cluster workers to come. An event meets the Sigma rules (standalone hits become
//! [`Detection`]s, hits of correlation rules become correlation inputs), yields its compact host
//! and network facts, is matched against threat intelligence, and is handed to the audit.
//!
//! The step decides *what* an event produces; a [`Sink`] (one per driver) decides *where* each
//! product goes: the hunt batches them for its external sort, the monitor feeds its live
//! analytics at once. Every product is a required method of [`Sink`], so a new one is a compile
//! error in each driver until it is handled — the drivers cannot drift apart again.
//!
//! ```
//! use ward_analytics::case::{Detection, Finding};
//! use ward_analytics::{Intel, facts::Fact, network::NetFact};
//! use ward_detect::{DetectionStep, Sink};
//! use ward_event::Event;
//! use ward_sigma::{CorrelationEvent, Mapping, RuleSetBuilder};
//!
//! /// Counts what the events gave.
//! #[derive(Default)]
//! struct Tally { detections: usize, facts: usize }
//!
//! impl Sink for Tally {
//!     fn correlation_input(&mut self, _: CorrelationEvent) {}
//!     fn detection(&mut self, _: Detection) { self.detections += 1 }
//!     fn host_fact(&mut self, _: Fact) { self.facts += 1 }
//!     fn net_fact(&mut self, _: NetFact) {}
//!     fn intel_hit(&mut self, _: Finding) {}
//!     fn audit(&mut self, _: &Event) {}
//! }
//!
//! let (rules, _) = RuleSetBuilder::new(Mapping::builtin()).build();
//! let intel = Intel::default();
//! let mut step = DetectionStep::new(&rules, &intel);
//! let mut tally = Tally::default();
//! # let events: Vec<Event> = Vec::new();
//! for event in &events {
//!     step.observe(event, &mut tally);
//! }
//! assert_eq!(tally.detections, 0);
//! ```

mod detection;
pub mod ids;
pub mod tuning;

pub use detection::{correlation_detection, name_network_detection, rule_detection};

use ward_analytics::case::{Detection, Finding};
use ward_analytics::facts::Fact;
use ward_analytics::network::NetFact;
use ward_analytics::{Intel, intel_match_event, intel_match_net};
use ward_case::tuning::TuningTally;
use ward_event::{Event, Timestamp};
use ward_sigma::{CorrelationEvent, RuleIdx, RuleSet};

/// Where the products of one event go. One implementation per driver; each method is one
/// consumer of events.
pub trait Sink {
    /// A rule hit that feeds a correlation rule; correlations run over all of them in time
    /// order (the hunt at the end, the monitor as they come).
    fn correlation_input(&mut self, input: CorrelationEvent);
    /// A standalone rule's hit (rules that only feed a correlation are not reported).
    fn detection(&mut self, detection: Detection);
    /// The event's compact host fact, for the host analytics.
    fn host_fact(&mut self, fact: Fact);
    /// The event's network fact (a flow or web request), for the network and host analytics.
    fn net_fact(&mut self, fact: NetFact);
    /// A threat-intelligence match on the event or its flow (fold them with
    /// [`ward_analytics::intel::IntelHits`]).
    fn intel_hit(&mut self, hit: Finding);
    /// The event itself, for the readiness audit (`ward_audit::AuditObserver::observe`).
    fn audit(&mut self, event: &Event);
}

/// The detection step of one reader: the shared rules and indicators, an optional time window,
/// and scratch space reused between events. Cheap to make; make one per reader or thread.
pub struct DetectionStep<'a> {
    rules: &'a RuleSet,
    intel: &'a Intel,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    hits: Vec<RuleIdx>,
    tuning: Option<&'a tuning::Tuning>,
    tally: TuningTally,
}

impl<'a> DetectionStep<'a> {
    /// A step matching `rules` and `intel` (possibly empty) on every event.
    pub fn new(rules: &'a RuleSet, intel: &'a Intel) -> Self {
        DetectionStep {
            rules,
            intel,
            from: None,
            to: None,
            hits: Vec::new(),
            tuning: None,
            tally: TuningTally::default(),
        }
    }

    /// Only events at or after `from` and before `to` count; the others produce nothing.
    pub fn within(mut self, from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        (self.from, self.to) = (from, to);
        self
    }

    /// Rule detections go through `tuning` (level overrides, exclusions, allow-lists, Sigma
    /// filters) before the sink sees them; what it suppresses is counted ([`Self::take_tally`]).
    pub fn tuned(mut self, tuning: Option<&'a tuning::Tuning>) -> Self {
        self.tuning = tuning;
        self
    }

    /// What tuning suppressed and overrode since the last call.
    pub fn take_tally(&mut self) -> TuningTally {
        std::mem::take(&mut self.tally)
    }

    /// Hands everything `event` produces to `sink`, in a fixed order: per rule hit its
    /// correlation input then its detection, an IDS alert's own detection ([`ids`]), the host fact, intel hits, the network facts (a
    /// connection or request, then a DNS query), and the event to the audit. False when the
    /// event is outside the time window.
    pub fn observe<S: Sink + ?Sized>(&mut self, event: &Event, sink: &mut S) -> bool {
        if self.from.is_some_and(|from| event.time < from)
            || self.to.is_some_and(|to| event.time >= to)
        {
            return false;
        }
        let rules = self.rules;
        self.hits.clear();
        let hits = &mut self.hits;
        rules.matches(event, &mut |idx| hits.push(idx));
        for &idx in &self.hits {
            if let Some(input) = rules.correlation_input(idx, event) {
                sink.correlation_input(input);
            }
            if rules.rule(idx).standalone {
                let mut detection = rule_detection(rules, idx, event);
                if let Some(tuning) = self.tuning
                    && tuning.review(&mut detection, event, &mut self.tally)
                        != tuning::Verdict::Keep
                {
                    continue;
                }
                sink.detection(detection);
            }
        }
        if let Some(mut detection) = ids::ids_alert(event) {
            let verdict = match self.tuning {
                Some(tuning) => tuning.review(&mut detection, event, &mut self.tally),
                None => tuning::Verdict::Keep,
            };
            if verdict == tuning::Verdict::Keep {
                sink.detection(detection);
            }
        }
        if let Some(fact) = ward_analytics::facts::extract(event) {
            sink.host_fact(fact);
        }
        let intel = (!self.intel.is_empty()).then_some(self.intel);
        if let Some(hit) = intel.and_then(|intel| intel_match_event(intel, event)) {
            sink.intel_hit(hit);
        }
        if let Some(fact) = ward_analytics::network::extract(event) {
            if let Some(hit) = intel.and_then(|intel| intel_match_net(intel, &fact)) {
                sink.intel_hit(hit);
            }
            sink.net_fact(fact);
        }
        if let Some(query) = ward_analytics::network::dns::extract_dns(event) {
            sink.net_fact(NetFact::Dns(query));
        }
        sink.audit(event);
        true
    }
}
