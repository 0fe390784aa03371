//! The hunt pipeline, shared by every command that reads logs: files are read in parallel, each
//! event meets the rules indexed for its log source and yields compact facts; then detections are
//! sorted, correlations run in time order across all inputs, and the analytics build the Case.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use ward_analytics::case::Finding;
use ward_analytics::case::{Detection, FileSummary, InputError};
use ward_analytics::directory::AddressBook;
use ward_analytics::facts::Fact;
use ward_analytics::intel::IntelHits;
use ward_analytics::network::{NetFact, NetworkAnalyzer};
use ward_analytics::{Analyzer, Assets, Case, Intel, Outcome, intel_match_event, intel_match_net};

/// Evidence lines kept per intel finding (host and indicator); the count covers them all.
const MAX_INTEL_EVIDENCE: usize = 20;
use ward_audit::Auditor;
use ward_event::{Event, Level, Timestamp};
use ward_ingest::FileReport;
use ward_sigma::{CorrelationEvent, RuleSet};

/// What a run reads and how.
pub struct RunOptions {
    /// Only events at or after this time.
    pub from: Option<Timestamp>,
    /// Only events before this time.
    pub to: Option<Timestamp>,
    /// Detections below this level are left out of the case (they still feed correlations).
    pub min_level: Level,
    /// Asset inventory, when given.
    pub assets: Assets,
    /// Threat-intelligence indicators (`--intel`), possibly empty.
    pub intel: Intel,
}

/// What reading one input produced.
#[derive(Default)]
struct FileOutput {
    reports: Vec<FileReport>,
    detections: Vec<Detection>,
    correlation: Vec<CorrelationEvent>,
    facts: Vec<Fact>,
    net_facts: Vec<NetFact>,
    intel_hits: Vec<Finding>,
}

/// Reads every input and builds the case. `progress` is called once per input read.
pub fn run(
    inputs: &[PathBuf],
    rules: &RuleSet,
    options: &RunOptions,
    auditor: &Mutex<Auditor>,
    progress: &(dyn Fn(&Path) + Sync),
) -> Case {
    let outputs: Vec<FileOutput> = inputs
        .par_iter()
        .map(|path| {
            let out = read_one(path, rules, options, auditor);
            progress(path);
            out
        })
        .collect();

    let mut case = Case::new(
        env!("CARGO_PKG_VERSION"),
        Timestamp::from_jiff(jiff::Timestamp::now()),
    );
    let mut detections = Vec::new();
    let mut correlation = Vec::new();
    let mut facts = Vec::new();
    let mut net_facts = Vec::new();
    let mut intel_hits = IntelHits::new(MAX_INTEL_EVIDENCE);
    for out in outputs {
        for report in &out.reports {
            if report.format == ward_ingest::UNRECOGNISED {
                case.inputs.unrecognised.push(report.path.clone());
            } else {
                case.inputs.files.push(file_summary(report));
            }
        }
        detections.extend(out.detections);
        correlation.extend(out.correlation);
        facts.extend(out.facts);
        net_facts.extend(out.net_facts);
        out.intel_hits
            .into_iter()
            .for_each(|hit| intel_hits.push(hit));
    }
    case.inputs.events = case.inputs.files.iter().map(|f| f.events).sum();
    case.inputs.bad_records = case.inputs.files.iter().map(|f| f.bad_records).sum();

    // Unstable sorts need no buffer as large as the input; (time, file, position) names each
    // fact's event, so the order is still the same on every run.
    net_facts.par_sort_unstable_by(|a, b| {
        let (a, b) = (a.flow(), b.flow());
        (a.time, &a.origin.file, a.origin.position).cmp(&(
            b.time,
            &b.origin.file,
            b.origin.position,
        ))
    });
    // The network analytics read the flows alone: run them beside the host stage, which reads
    // the flows too (SMB contacts and call-outs put devices without host logs in the spread).
    let ((mut detections, outcome), mut network_findings) = rayon::join(
        || host_stage(rules, options, detections, correlation, facts, &net_facts),
        || network_stage(&net_facts),
    );
    outcome.addresses.name_findings(&mut network_findings);
    network_findings.extend(intel_hits.finish(&outcome.addresses));
    name_network_detections(&mut detections, &outcome.addresses);

    case.findings = outcome.findings;
    case.findings.extend(network_findings);
    case.findings.sort_by(|a, b| {
        a.first_seen
            .cmp(&b.first_seen)
            .then_with(|| a.host.cmp(&b.host))
    });
    case.spread = outcome.spread;
    case.accounts = outcome.accounts;
    detections.retain(|d| d.level >= options.min_level);
    case.detections = detections;
    case
}

/// Correlations, then the host analytics over facts and detections merged in time order.
fn host_stage(
    rules: &RuleSet,
    options: &RunOptions,
    mut detections: Vec<Detection>,
    mut correlation: Vec<CorrelationEvent>,
    mut facts: Vec<Fact>,
    net_facts: &[NetFact],
) -> (Vec<Detection>, Outcome) {
    correlation.par_sort_by_key(|c| c.time);
    for hit in rules.correlate(&correlation) {
        detections.push(crate::output::correlation_detection(rules, &hit));
    }
    detections.par_sort_by(detection_order);
    facts.par_sort_unstable_by(|a, b| {
        let (a, b) = (a.evidence(), b.evidence());
        (a.time, &a.file, a.position).cmp(&(b.time, &b.file, b.position))
    });
    let mut analyzer = Analyzer::new(Default::default(), options.assets.clone());
    let mut pending = detections.iter().peekable();
    let mut flows = net_facts.iter().peekable();
    for fact in &facts {
        while let Some(d) = pending.next_if(|d| d.time <= fact.time()) {
            analyzer.feed_detection(d);
        }
        while let Some(n) = flows.next_if(|n| n.flow().time <= fact.time()) {
            analyzer.feed_network(n);
        }
        analyzer.feed(fact);
    }
    pending.for_each(|d| analyzer.feed_detection(d));
    flows.for_each(|n| analyzer.feed_network(n));
    let outcome = analyzer.finish();
    (detections, outcome)
}

/// The network analytics over flows in time order.
fn network_stage(net_facts: &[NetFact]) -> Vec<Finding> {
    let mut network = NetworkAnalyzer::new(Default::default());
    for fact in net_facts {
        network.feed(fact);
    }
    network.finish()
}

fn read_one(
    path: &Path,
    rules: &RuleSet,
    options: &RunOptions,
    auditor: &Mutex<Auditor>,
) -> FileOutput {
    let mut out = FileOutput::default();
    let mut hits = Vec::new();
    let reports = ward_ingest::read_path(path, &mut |event: Event| {
        if options.from.is_some_and(|from| event.time < from)
            || options.to.is_some_and(|to| event.time >= to)
        {
            return;
        }
        hits.clear();
        rules.matches(&event, &mut |idx| hits.push(idx));
        for &idx in &hits {
            if let Some(c) = rules.correlation_input(idx, &event) {
                out.correlation.push(c);
            }
            // Rules that only feed a correlation (no `generate: true`) are not reported themselves.
            if rules.rule(idx).standalone {
                out.detections
                    .push(crate::output::rule_detection(rules, idx, &event));
            }
        }
        if let Some(fact) = ward_analytics::facts::extract(&event) {
            out.facts.push(fact);
        }
        if !options.intel.is_empty() {
            out.intel_hits
                .extend(intel_match_event(&options.intel, &event));
        }
        if let Some(fact) = ward_analytics::network::extract(&event) {
            if !options.intel.is_empty() {
                out.intel_hits
                    .extend(intel_match_net(&options.intel, &fact));
            }
            out.net_facts.push(fact);
        }
        // The audit's own early return is cheap; the lock is held for a few hundred nanoseconds.
        if let Ok(mut auditor) = auditor.lock() {
            auditor.feed_event(&event);
        }
    });
    out.reports = reports;
    out
}

/// Rule hits on network logs carry no host of their own: name them after the source address,
/// through the address book when it knows the device.
fn name_network_detections(detections: &mut [Detection], book: &AddressBook) {
    const SOURCE_FIELDS: [&str; 4] = ["src_ip", "id.orig_h", "SourceIp", "c-ip"];
    for d in detections.iter_mut().filter(|d| d.host.is_empty()) {
        let ip = SOURCE_FIELDS
            .iter()
            .find_map(|name| d.fields.get_str(name))
            .map(str::to_string);
        if let Some(ip) = ip {
            d.host = book.host_of(&ip).map_or(ip.clone(), str::to_string);
        }
    }
}

fn detection_order(a: &Detection, b: &Detection) -> std::cmp::Ordering {
    (
        a.time,
        &a.host,
        a.record_id,
        &a.file,
        a.position,
        &a.rule_id,
    )
        .cmp(&(
            b.time,
            &b.host,
            b.record_id,
            &b.file,
            b.position,
            &b.rule_id,
        ))
}

fn file_summary(r: &FileReport) -> FileSummary {
    FileSummary {
        path: r.path.clone(),
        format: r.format.to_string(),
        events: r.events,
        bad_records: r.bad_records,
        errors: r
            .errors
            .iter()
            .map(|e| InputError {
                position: e.position,
                unit: e.unit.as_str().to_string(),
                message: e.message.clone(),
            })
            .collect(),
    }
}
