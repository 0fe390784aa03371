//! The live monitor's detector as a cluster worker's per-site detector: the same detection
//! step, correlations and analytics as `ward monitor` (and therefore `ward hunt`), fed in
//! stream order, its analytics evaluated when the partition has caught up.

use std::sync::Arc;

use ward_cluster::{Alert, DetectorFactory, SiteDetector, SiteId};
use ward_event::{Event, Level};
use ward_monitor::Detector;
use ward_sigma::RuleSet;

use crate::monitor::case_board::CaseBoard;
use crate::monitor::detector::LiveDetector;

/// Alerts a site's detector keeps for a dashboard view (the cluster has none yet).
const BOARD_DETECTIONS: usize = 16;

struct SiteLive(LiveDetector);

/// The monitor's alert as the cluster publishes it.
fn cluster_alert(a: ward_monitor::Alert) -> Alert {
    Alert {
        key: a.key,
        time: a.time,
        host: a.host,
        rule_id: a.rule_id,
        title: a.title,
        level: a.level,
        evidence: a.evidence,
    }
}

impl SiteDetector for SiteLive {
    fn on_event(&mut self, event: &Event) -> Vec<Alert> {
        self.0
            .on_event(event)
            .into_iter()
            .map(cluster_alert)
            .collect()
    }

    fn flush(&mut self) -> Vec<Alert> {
        self.0
            .evaluate(true)
            .into_iter()
            .map(cluster_alert)
            .collect()
    }

    fn checkpoint(&self) -> Vec<u8> {
        self.0.checkpoint()
    }

    fn restore(&mut self, state: &[u8]) {
        self.0.restore(state);
    }
}

/// What every site's detector is made of.
pub struct SiteSetup {
    pub rules: Arc<RuleSet>,
    pub min_level: Level,
    pub assets: ward_analytics::Assets,
    pub intel: ward_analytics::Intel,
}

/// A factory of live detectors, one per site, sharing the compiled rules.
pub fn factory(setup: SiteSetup) -> DetectorFactory {
    Arc::new(move |_site: &SiteId| {
        let board = Arc::new(CaseBoard::new(BOARD_DETECTIONS));
        let detector = LiveDetector::new(
            Arc::clone(&setup.rules),
            setup.min_level,
            setup.assets.clone(),
            board,
        )
        .with_intel(setup.intel.clone());
        Box::new(SiteLive(detector)) as Box<dyn SiteDetector>
    })
}
