//! The monitor's detection step: the hunt's pipeline in streaming form. Each live event meets
//! Ward's Sigma rules; rule hits feed the correlations; the event's compact facts feed the
//! host and network analytics, whose findings are re-evaluated every few seconds, with the
//! spread's incidents (`spread_alerts`: one alert when an incident opens, one per change). All of
//! that state goes into the
//! checkpoint the monitor commits with the input offsets.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ward_analytics::case::{Detection, Finding};
use ward_analytics::network::{AssetRoles, NetworkAnalyzer, NetworkConfig};
use ward_analytics::{Analyzer, Assets, Intel, Outcome};
use ward_detect::DetectionStep;
use ward_event::{Event, Level};
use ward_monitor::{Alert, Detector};
use ward_sigma::{Correlator, RuleSet};

use super::case_board::CaseBoard;
use super::live_step::{LiveIntel, LiveProducts, intel_key};
use super::spread_alerts::{IncidentTracker, alert_level};

/// How often the host analytics (spread, accounts, recon bursts) are re-evaluated while facts
/// arrive: they cost a clone of their state, which the hunt's memory tests keep small.
const HOST_EVERY: Duration = Duration::from_secs(2);
/// How often the network analytics (beacons, scans) are re-evaluated: their evidence builds
/// up over minutes to days, and their state is larger.
const NETWORK_EVERY: Duration = Duration::from_secs(30);

/// Checkpoint envelope: magic and version, then length-prefixed sections (correlations, host
/// analytics, network analytics, incidents). `WLD1` checkpoints (no incidents) still restore.
const CHECKPOINT_MAGIC: &[u8; 4] = b"WLD2";
const CHECKPOINT_MAGIC_V1: &[u8; 4] = b"WLD1";

/// The hunt's detections on live events: standalone rule matches at or above `min_level`,
/// correlation hits, and analytics findings. Alerts are keyed so that the same detection seen
/// again (an event re-read after a restart, a finding re-evaluated) is stored once.
pub struct LiveDetector {
    rules: Arc<RuleSet>,
    /// Threat-intelligence indicators (`--intel`), possibly empty, and the hits so far.
    intel: Arc<Intel>,
    intel_hits: LiveIntel,
    min_level: Level,
    board: Arc<CaseBoard>,
    correlator: Correlator,
    assets: Assets,
    host: Analyzer,
    network: NetworkAnalyzer,
    /// Facts fed since the last evaluation, per analyzer.
    host_dirty: bool,
    network_dirty: bool,
    host_due: Instant,
    network_due: Instant,
    /// Evaluation cadences ([`HOST_EVERY`], [`NETWORK_EVERY`]).
    host_every: Duration,
    network_every: Duration,
    /// The latest host outcome: names network findings after devices.
    addresses: ward_analytics::directory::AddressBook,
    /// The latest host evaluation (findings, spread, accounts) and network findings: what the
    /// incidents are derived from.
    latest: ward_analytics::Case,
    latest_network: Vec<Finding>,
    /// The incidents announced so far.
    incidents: IncidentTracker,
    /// Tuning applied to every rule detection (`--tuning`), and what it did so far.
    tuning: Option<Arc<ward_detect::tuning::Tuning>>,
    tuning_tally: ward_case::tuning::TuningTally,
    /// Rules handed in by a reload (SIGHUP), taken up before the next event or tick.
    reload: Option<RulesReload>,
}

/// Where a reload leaves a new rule set for the detector (`ward monitor` on SIGHUP). Only the
/// rules change: analytics, incidents and the alert store stay as they are, so no alert is lost
/// and none is raised twice (alert keys do not depend on the rule set).
pub type RulesReload = Arc<Mutex<Option<Arc<RuleSet>>>>;

impl LiveDetector {
    /// A detector over `rules` that also records each alert on the dashboard's `board`.
    pub fn new(
        rules: Arc<RuleSet>,
        min_level: Level,
        assets: Assets,
        board: Arc<CaseBoard>,
    ) -> Self {
        let now = Instant::now();
        Self {
            correlator: Correlator::new(&rules),
            rules,
            intel: Arc::default(),
            intel_hits: LiveIntel::default(),
            min_level,
            board,
            host: Analyzer::new(Default::default(), assets.clone()),
            network: NetworkAnalyzer::new(NetworkConfig::default())
                .with_roles(AssetRoles::from_assets(&assets)),
            assets,
            host_dirty: false,
            network_dirty: false,
            host_due: now + HOST_EVERY,
            network_due: now + NETWORK_EVERY,
            host_every: HOST_EVERY,
            network_every: NETWORK_EVERY,
            addresses: Default::default(),
            latest: Default::default(),
            latest_network: Vec::new(),
            incidents: IncidentTracker::default(),
            tuning: None,
            tuning_tally: Default::default(),
            reload: None,
        }
    }

    /// Takes up rule sets left in `slot` by reloads.
    pub fn with_reload(mut self, slot: RulesReload) -> Self {
        self.reload = Some(slot);
        self
    }

    /// Switches to a reloaded rule set, if one is waiting. Open correlation windows start
    /// afresh: they are indexed by the old set's correlations.
    fn take_reload(&mut self) {
        let Some(slot) = &self.reload else { return };
        let Some(rules) = slot.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        self.correlator = Correlator::new(&rules);
        self.rules = rules;
    }

    /// Matches every event against `intel` too, as `ward hunt --intel` does.
    pub fn with_intel(mut self, intel: Intel) -> Self {
        self.intel = Arc::new(intel);
        self
    }

    /// Applies `tuning` to every rule detection, as the hunt does; what it suppresses is
    /// counted on the board.
    pub fn with_tuning(mut self, tuning: Option<ward_detect::tuning::Tuning>) -> Self {
        self.tuning = tuning.map(Arc::new);
        if let Some(t) = &self.tuning {
            self.board
                .set_tuning(self.tuning_tally.report(t.warnings()));
        }
        self
    }

    fn alert_detection(&self, key: String, detection: &Detection, alerts: &mut Vec<Alert>) {
        // A rule hit on a network log is named after its source device, as the hunt names it.
        let mut named;
        let detection = if detection.host.is_empty() {
            named = detection.clone();
            ward_detect::name_network_detection(&mut named, &self.addresses);
            &named
        } else {
            detection
        };
        alerts.push(Alert {
            key,
            time: detection.time,
            host: detection.host.clone(),
            rule_id: detection.rule_id.clone(),
            title: detection.title.clone(),
            level: detection.level,
            // The hunt's detection shape: event fields plus file and position.
            evidence: serde_json::to_value(detection).unwrap_or(serde_json::Value::Null),
        });
        self.board.record(detection.clone());
    }

    /// Re-evaluates the analytics that are due (or all that have new facts, when `force`).
    pub(crate) fn evaluate(&mut self, force: bool) -> Vec<Alert> {
        let now = Instant::now();
        let mut alerts = Vec::new();
        let mut evaluated = false;
        if self.host_dirty && (force || now >= self.host_due) {
            evaluated = true;
            let outcome = self.host.snapshot();
            self.addresses = outcome.addresses.clone();
            let Outcome {
                findings,
                spread,
                accounts,
                ..
            } = outcome;
            alerts.extend(self.finding_alerts(&findings));
            self.latest.findings = findings.clone();
            (self.latest.spread, self.latest.accounts) = (spread.clone(), accounts.clone());
            self.board.set_analysis(findings, spread, accounts);
            self.host_dirty = false;
            self.host_due = now + self.host_every;
        }
        if self.network_dirty && (force || now >= self.network_due) {
            let findings = self.network.snapshot();
            // Keyed before naming: a device's name can be learnt later, its address stays.
            let keys: Vec<String> = findings.iter().map(finding_key).collect();
            let mut named = findings;
            self.addresses.name_findings(&mut named);
            for (finding, key) in named.iter().zip(keys) {
                if finding.level >= self.min_level {
                    alerts.push(finding_alert(key, finding));
                }
            }
            // The intel matches join the network findings on the dashboard, as in the hunt's case.
            named.extend(self.intel_hits.latest().iter().cloned());
            self.latest_network = named.clone();
            self.board.set_network(named);
            self.network_dirty = false;
            self.network_due = now + self.network_every;
            evaluated = true;
        }
        // Intel hits wait for a pending host evaluation (at most `host_every`), so that they are
        // named after the devices it learns, as the hunt names them.
        let host_pending = self.host_dirty && now < self.host_due;
        if (force || !host_pending)
            && let Some(findings) = self.intel_hits.take_new(&self.addresses)
        {
            for f in findings.iter().filter(|f| f.level >= self.min_level) {
                alerts.push(finding_alert(intel_key(f), f));
            }
            // Shown with the network findings at their next evaluation.
            self.network_dirty = true;
            evaluated = true;
        }
        if evaluated {
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut case = self.latest.clone();
            case.findings.extend(self.latest_network.iter().cloned());
            alerts.extend(
                self.incidents
                    .update(&case, unix)
                    .into_iter()
                    .filter(|a| a.level >= self.min_level),
            );
        }
        alerts
    }

    /// Host findings at or above the minimum level, hops of administration taken as
    /// informational ([`alert_level`]).
    fn finding_alerts(&self, findings: &[Finding]) -> Vec<Alert> {
        findings
            .iter()
            .filter(|f| alert_level(f) >= self.min_level)
            .map(|f| Alert {
                level: alert_level(f),
                ..finding_alert(finding_key(f), f)
            })
            .collect()
    }
}

impl Detector for LiveDetector {
    fn on_event(&mut self, event: &Event) -> Vec<Alert> {
        self.take_reload();
        let mut alerts = Vec::new();
        let (rules, intel) = (Arc::clone(&self.rules), Arc::clone(&self.intel));
        let mut products = LiveProducts::default();
        let tuning = self.tuning.clone();
        let mut step = DetectionStep::new(&rules, &intel).tuned(tuning.as_deref());
        step.observe(event, &mut products);
        let tally = step.take_tally();
        if let Some(t) = &tuning
            && !tally.is_empty()
        {
            self.tuning_tally.merge(tally);
            self.board
                .set_tuning(self.tuning_tally.report(t.warnings()));
        }
        let mut correlated = Vec::new();
        for input in &products.correlation_inputs {
            self.correlator.feed(&rules, 0, input, &mut correlated);
        }
        for detection in &products.detections {
            // Every standalone hit informs the analytics (artefacts, follow-up activity).
            self.host.feed_detection(detection);
            self.host_dirty = true;
            if detection.level >= self.min_level {
                let key = alert_key(&detection.rule_id, event);
                self.alert_detection(key, detection, &mut alerts);
            }
        }
        for hit in &correlated {
            let detection = ward_detect::correlation_detection(&rules, hit);
            self.host.feed_detection(&detection);
            if detection.level >= self.min_level {
                let key = correlation_key(&detection.rule_id, hit);
                self.alert_detection(key, &detection, &mut alerts);
            }
        }
        if let Some(fact) = products.host_fact {
            self.host.feed(&fact);
            self.host_dirty = true;
        }
        products
            .intel_hits
            .into_iter()
            .for_each(|hit| self.intel_hits.push(hit));
        if let Some(fact) = products.net_fact {
            self.host.feed_network(&fact);
            self.network.feed(&fact);
            self.network_dirty = true;
        }
        alerts.extend(self.evaluate(false));
        alerts
    }

    fn on_tick(&mut self) -> Vec<Alert> {
        self.take_reload();
        self.evaluate(false)
    }

    fn checkpoint(&self) -> Vec<u8> {
        let correlations = serde_json::to_vec(&self.correlator).unwrap_or_default();
        let incidents = serde_json::to_vec(&self.incidents).unwrap_or_default();
        let mut out = CHECKPOINT_MAGIC.to_vec();
        for section in [
            correlations,
            self.host.checkpoint(),
            self.network.checkpoint(),
            incidents,
        ] {
            out.extend_from_slice(&(section.len() as u64).to_le_bytes());
            out.extend_from_slice(&section);
        }
        out
    }

    fn restore(&mut self, state: &[u8]) {
        match self.try_restore(state) {
            Ok(()) => {
                // Evaluate at the first chance: the restored state may hold findings not yet raised.
                self.host_dirty = true;
                self.network_dirty = true;
                let now = Instant::now();
                (self.host_due, self.network_due) = (now, now);
            }
            Err(reason) => {
                eprintln!(
                    "ward monitor: detector checkpoint not restored ({reason}); starting afresh"
                );
            }
        }
    }
}

impl LiveDetector {
    fn try_restore(&mut self, state: &[u8]) -> Result<(), String> {
        if state.is_empty() {
            return Ok(());
        }
        let (count, rest) = if let Some(rest) = state.strip_prefix(CHECKPOINT_MAGIC.as_slice()) {
            (4, rest)
        } else if let Some(rest) = state.strip_prefix(CHECKPOINT_MAGIC_V1.as_slice()) {
            (3, rest)
        } else {
            return Err("not a checkpoint of this Ward version".into());
        };
        let mut sections = Vec::new();
        let mut rest = rest;
        for _ in 0..count {
            let (len, tail) = rest.split_at_checked(8).ok_or("checkpoint truncated")?;
            let len = u64::from_le_bytes(len.try_into().map_err(|_| "bad length")?);
            let len = usize::try_from(len).map_err(|_| "bad length")?;
            let (section, tail) = tail.split_at_checked(len).ok_or("checkpoint truncated")?;
            sections.push(section);
            rest = tail;
        }
        let correlator: Correlator =
            serde_json::from_slice(sections[0]).map_err(|e| format!("correlation state: {e}"))?;
        let host = Analyzer::restore(Default::default(), self.assets.clone(), sections[1])
            .map_err(|e| format!("host analytics: {e}"))?;
        let network = NetworkAnalyzer::restore(NetworkConfig::default(), sections[2])
            .map_err(|e| format!("network analytics: {e}"))?
            .with_roles(AssetRoles::from_assets(&self.assets));
        let incidents = match sections.get(3) {
            Some(section) => {
                serde_json::from_slice(section).map_err(|e| format!("incidents: {e}"))?
            }
            None => IncidentTracker::default(),
        };
        (self.correlator, self.host, self.network, self.incidents) =
            (correlator, host, network, incidents);
        Ok(())
    }
}

/// A correlation hit's key: the rule, the group and the time it completed.
fn correlation_key(rule_id: &str, hit: &ward_sigma::CorrelationHit) -> String {
    let group: Vec<&str> = hit
        .group
        .iter()
        .map(|(_, v)| v.as_deref().unwrap_or("-"))
        .collect();
    format!("{rule_id}|{}|{}", group.join(","), hit.last.as_nanos())
}

/// An analytics finding's key: what it is about and since when, and its level, so a hop that
/// turns out to be part of a worm (critical) is raised again, once.
fn finding_key(f: &Finding) -> String {
    let detail = |name: &str| {
        f.details
            .get(name)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default()
    };
    format!(
        "analytic:{}|{}|{}|{}|{}|{}|{:?}",
        f.analytic,
        f.host,
        detail("from"),
        detail("destination"),
        detail("port"),
        f.first_seen.as_nanos(),
        f.level
    )
}

fn finding_alert(key: String, f: &Finding) -> Alert {
    Alert {
        key,
        time: f.first_seen,
        host: f.host.clone(),
        rule_id: format!("ward.{}", f.analytic),
        title: f.title.clone(),
        level: f.level,
        evidence: serde_json::to_value(f).unwrap_or(serde_json::Value::Null),
    }
}

/// The alert's de-duplication key: the same event seen again (a syslog line resent, a file
/// re-read after a crash, a Beats window resent) gives the same key, so the store drops it.
///
/// A Windows record id names the event on its host and channel. Without one, the event time
/// plus a fingerprint of the fields stands in: the origin of a streamed event (a Lumberjack
/// sequence number, a syslog connection) changes when it is resent, its content does not.
pub fn alert_key(rule_id: &str, event: &Event) -> String {
    let host = event.host.short();
    let source = event.source.label();
    match event.record_id {
        Some(id) => format!("{rule_id}|{host}|{source}|{id}"),
        None => format!(
            "{rule_id}|{host}|{source}|{}|{:016x}",
            event.time.as_nanos(),
            fingerprint(event)
        ),
    }
}

/// FNV-1a over field names and values: stable across runs and builds (unlike `DefaultHasher`,
/// whose algorithm is not promised).
fn fingerprint(event: &Event) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    let mut buf = String::new();
    for (name, value) in event.fields.iter() {
        eat(name.as_bytes());
        eat(&[0]);
        eat(value.text(&mut buf).as_bytes());
        eat(&[0]);
    }
    hash
}

#[cfg(test)]
#[path = "parity_tests.rs"]
mod parity_tests;

#[cfg(test)]
#[path = "detector_tests.rs"]
mod tests;
