//! The monitor's side of the detection step (`ward_detect`): what one live event produced,
//! collected for the detector to feed its correlations and analytics, and the intel hits folded
//! per host and indicator as the hunt folds them.

use ward_analytics::case::{Detection, Finding};
use ward_analytics::directory::AddressBook;
use ward_analytics::facts::Fact;
use ward_analytics::intel::IntelHits;
use ward_analytics::network::NetFact;
use ward_detect::Sink;
use ward_event::Event;
use ward_sigma::CorrelationEvent;

/// Evidence lines kept per intel finding, as in the hunt.
const MAX_INTEL_EVIDENCE: usize = 20;

/// Everything one event produced, in the step's order.
#[derive(Default)]
pub(super) struct LiveProducts {
    pub correlation_inputs: Vec<CorrelationEvent>,
    pub detections: Vec<Detection>,
    pub host_fact: Option<Fact>,
    pub net_fact: Option<NetFact>,
    pub intel_hits: Vec<Finding>,
}

impl Sink for LiveProducts {
    fn correlation_input(&mut self, input: CorrelationEvent) {
        self.correlation_inputs.push(input);
    }

    fn detection(&mut self, detection: Detection) {
        self.detections.push(detection);
    }

    fn host_fact(&mut self, fact: Fact) {
        self.host_fact = Some(fact);
    }

    fn net_fact(&mut self, fact: NetFact) {
        self.net_fact = Some(fact);
    }

    fn intel_hit(&mut self, hit: Finding) {
        self.intel_hits.push(hit);
    }

    /// The monitor keeps no readiness: `ward audit` judges controls over a period, not live.
    fn audit(&mut self, _event: &Event) {}
}

/// Intel hits seen so far, one finding per host and indicator.
pub(super) struct LiveIntel {
    hits: IntelHits,
    dirty: bool,
    /// The findings as last named.
    latest: Vec<Finding>,
}

impl Default for LiveIntel {
    fn default() -> Self {
        LiveIntel {
            hits: IntelHits::new(MAX_INTEL_EVIDENCE),
            dirty: false,
            latest: Vec::new(),
        }
    }
}

impl LiveIntel {
    /// Folds one hit in.
    pub fn push(&mut self, hit: Finding) {
        self.hits.push(hit);
        self.dirty = true;
    }

    /// The folded findings, hosts named from `book`, when hits came since the last call.
    pub fn take_new(&mut self, book: &AddressBook) -> Option<Vec<Finding>> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        self.latest = self.hits.clone().finish(book);
        Some(self.latest.clone())
    }

    /// The findings as last named ([`LiveIntel::take_new`]).
    pub fn latest(&self) -> &[Finding] {
        &self.latest
    }
}

/// An intel finding's alert key: the host and the indicator, so each is raised once, however
/// often a beacon matches again.
pub(super) fn intel_key(f: &Finding) -> String {
    let indicator = f
        .details
        .get("indicator")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_default();
    format!("analytic:{}|{}|{indicator}", f.analytic, f.host)
}
