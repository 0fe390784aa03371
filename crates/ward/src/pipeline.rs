//! The hunt pipeline, shared by every command that reads logs: files are read in parallel, each
//! event meets the rules indexed for its log source and yields compact facts; then detections are
//! sorted, correlations run in time order across all inputs, and the analytics build the Case.
//! Facts go through an external sort ([`crate::spill`]), so on large inputs they wait on disk,
//! not in memory.

use rayon::prelude::*;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use ward_analytics::case::Finding;
use ward_analytics::case::{Detection, Detections, FileSummary, InputError, detection_order};
use ward_analytics::directory::AddressBook;
use ward_analytics::facts::Fact;
use ward_analytics::intel::IntelHits;
use ward_analytics::network::{AssetRoles, NetFact, NetworkAnalyzer};
use ward_analytics::spill::{Sorted, Spill, Store};
use ward_analytics::{Analyzer, Assets, Case, Intel, Outcome};
use ward_audit::{AuditObserver, Auditor};
use ward_detect::{DetectionStep, Sink};
use ward_event::{Event, Level, Timestamp};
use ward_ingest::FileReport;
use ward_sigma::{CorrelationEvent, RuleSet};

/// Evidence lines kept per intel finding (host and indicator); the count covers them all.
const MAX_INTEL_EVIDENCE: usize = 20;
/// Facts a reader collects before handing them to the external sort.
const FACT_BATCH: usize = 4_096;
/// Facts (of each kind) held in memory before a sorted run is written to disk by default: about
/// 40 MB of host facts, less of network facts ([`RunOptions::spill_chunk`]).
pub const SPILL_CHUNK: usize = 65_536;

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
    /// Facts of each kind held in memory before a sorted run goes to disk ([`SPILL_CHUNK`];
    /// tests use a tiny chunk to send the demo through the on-disk path).
    pub spill_chunk: usize,
    /// The year of syslog times written without one (`--year`); `None` takes it from each log.
    pub syslog_year: Option<i16>,
    /// Tuning applied to every rule detection (`--tuning`), when given.
    pub tuning: Option<ward_detect::tuning::Tuning>,
    /// Caps on what one input may inflate to (`--max-inflated`, `--max-inflate-ratio`,
    /// `--max-zip-members`).
    pub limits: ward_ingest::Limits,
}

/// What reading one input produced, besides the facts and rule hits handed to the spills.
struct FileOutput {
    reports: Vec<FileReport>,
    correlation: Vec<CorrelationEvent>,
    intel_hits: Vec<Finding>,
    tuning: ward_case::tuning::TuningTally,
}

/// The facts and rule hits of every input, handed in by the readers.
struct FactSpills {
    host: Spill<Fact>,
    network: Spill<NetFact>,
    detections: Spill<Detection>,
}

/// Orders host facts by their event: (time, file, position) names one event, so the order is
/// the same on every run however the readers were scheduled.
fn fact_order(a: &Fact, b: &Fact) -> Ordering {
    let (a, b) = (a.evidence(), b.evidence());
    (a.time, &a.file, a.position).cmp(&(b.time, &b.file, b.position))
}

fn net_fact_order(a: &NetFact, b: &NetFact) -> Ordering {
    let (ao, bo) = (a.origin(), b.origin());
    // A DNS event gives a connection and then its query: keep that order.
    let dns = |f: &NetFact| matches!(f, NetFact::Dns(_));
    (a.time(), &ao.file, ao.position, dns(a)).cmp(&(b.time(), &bo.file, bo.position, dns(b)))
}

/// Reads every input and builds the case. `progress` is called once per input read. Fails
/// only when the external sort cannot write or read back its temporary files.
pub fn run(
    inputs: &[PathBuf],
    rules: &RuleSet,
    options: &RunOptions,
    auditor: &mut Auditor,
    progress: &(dyn Fn(&Path) + Sync),
) -> anyhow::Result<Case> {
    let chunk = options.spill_chunk.max(1);
    let spills = FactSpills {
        host: Spill::new(fact_order, chunk),
        network: Spill::new(net_fact_order, chunk),
        detections: Spill::new(detection_order, detection_chunk(chunk)),
    };
    // One audit observer per run of inputs a thread reads in a row (rayon's split), merged in
    // input order: no lock per event, and a few observers held, not one per file.
    let audit = &*auditor;
    let splits: Vec<(Vec<FileOutput>, AuditObserver)> = inputs
        .par_iter()
        .fold(
            || (Vec::new(), audit.observer()),
            |(mut outputs, mut observer), path| {
                outputs.push(read_one(path, rules, options, &mut observer, &spills));
                progress(path);
                (outputs, observer)
            },
        )
        .collect();

    let mut case = Case::new(
        env!("CARGO_PKG_VERSION"),
        Timestamp::from_jiff(jiff::Timestamp::now()),
    );
    let mut correlation = Vec::new();
    let mut intel_hits = IntelHits::new(MAX_INTEL_EVIDENCE);
    let mut tuning = ward_case::tuning::TuningTally::default();
    for (outputs, observer) in splits {
        auditor.merge(observer);
        for out in outputs {
            for report in &out.reports {
                if report.format == ward_ingest::UNRECOGNISED {
                    case.inputs.unrecognised.push(report.path.clone());
                } else {
                    case.inputs.files.push(file_summary(report));
                }
            }
            correlation.extend(out.correlation);
            tuning.merge(out.tuning);
            out.intel_hits
                .into_iter()
                .for_each(|hit| intel_hits.push(hit));
        }
    }
    case.tuning = options.tuning.as_ref().map(|t| tuning.report(t.warnings()));
    case.inputs.events = case.inputs.files.iter().map(|f| f.events).sum();
    case.inputs.bad_records = case.inputs.files.iter().map(|f| f.bad_records).sum();

    let spill_error = |e: String| anyhow::anyhow!("sorting the facts on disk: {e}");
    // Correlations read the rule hits of every input in time order; theirs join the others.
    correlation.par_sort_by_key(|c| c.time);
    let mut correlated: Vec<Detection> = rules
        .correlate(&correlation)
        .iter()
        .map(|hit| ward_detect::correlation_detection(rules, hit))
        .collect();
    drop(correlation);
    spills.detections.push(&mut correlated);
    let detections = spills.detections.finish().map_err(spill_error)?;
    let facts = spills.host.finish().map_err(spill_error)?;
    let net_facts = spills.network.finish().map_err(spill_error)?;
    // The network analytics read the flows alone: run them beside the host stage, which reads
    // the flows too (SMB contacts and call-outs put devices without host logs in the spread).
    // The rule hits are named and filtered as soon as the host stage has the address book,
    // while the network analytics may still run.
    let ((outcome, kept), mut network_findings) = rayon::join(
        || {
            let outcome = host_stage(options, &detections, &facts, &net_facts);
            let kept = keep_detections(
                &detections,
                &outcome.addresses,
                options.min_level,
                detection_chunk(chunk),
            );
            (outcome, kept)
        },
        || network_stage(&net_facts, &options.assets),
    );
    outcome.addresses.name_findings(&mut network_findings);
    network_findings.extend(intel_hits.finish(&outcome.addresses));
    let errors = [detections.error(), facts.error(), net_facts.error()];
    if let Some(e) = errors.into_iter().flatten().next() {
        return Err(spill_error(e));
    }
    case.detections = kept.map_err(spill_error)?;

    case.findings = outcome.findings;
    case.findings.extend(network_findings);
    case.findings.sort_by(|a, b| {
        a.first_seen
            .cmp(&b.first_seen)
            .then_with(|| a.host.cmp(&b.host))
    });
    // One finding per (analytic, host, counterpart), tagged with its spread cluster.
    case.findings = ward_analytics::grouping::group(std::mem::take(&mut case.findings));
    ward_analytics::grouping::tag_clusters(&mut case.findings, &outcome.spread);
    case.spread = outcome.spread;
    case.accounts = outcome.accounts;
    Ok(case)
}

/// The host analytics over facts, rule hits and flows merged in time order.
fn host_stage(
    options: &RunOptions,
    detections: &Sorted<Detection>,
    facts: &Sorted<Fact>,
    net_facts: &Sorted<NetFact>,
) -> Outcome {
    let mut analyzer = Analyzer::new(Default::default(), options.assets.clone());
    let mut pending = detections.iter().peekable();
    let mut flows = net_facts.iter().peekable();
    for fact in facts.iter() {
        while let Some(d) = pending.next_if(|d| d.time <= fact.time()) {
            analyzer.feed_detection(&d);
        }
        while let Some(n) = flows.next_if(|n| n.time() <= fact.time()) {
            analyzer.feed_network(&n);
        }
        analyzer.feed(&fact);
    }
    pending.for_each(|d| analyzer.feed_detection(&d));
    flows.for_each(|n| analyzer.feed_network(&n));
    analyzer.finish()
}

/// The case's detections, in order, named and at `min_level` or above; on disk when there
/// are many.
fn keep_detections(
    detections: &Sorted<Detection>,
    book: &AddressBook,
    min_level: Level,
    chunk: usize,
) -> Result<Detections, String> {
    let mut kept = Store::new(chunk);
    for d in detections.iter() {
        let mut d = d.into_owned();
        ward_detect::name_network_detection(&mut d, book);
        if d.level >= min_level {
            kept.push(d)?;
        }
    }
    kept.seal()
}

/// The network analytics over flows in time order, knowing the roles the assets declare.
fn network_stage(net_facts: &Sorted<NetFact>, assets: &Assets) -> Vec<Finding> {
    let mut network =
        NetworkAnalyzer::new(Default::default()).with_roles(AssetRoles::from_assets(assets));
    for fact in net_facts.iter() {
        network.feed(&fact);
    }
    network.finish()
}

/// Detections held in memory before a sorted run goes to disk: they are larger than facts.
fn detection_chunk(chunk: usize) -> usize {
    chunk / 8
}

/// One reader's sink: rule hits and facts go to the spills in batches; correlation inputs and
/// intel hits wait for the end of the run; the audit observes every event.
struct FileSink<'s> {
    spills: &'s FactSpills,
    audit: &'s mut AuditObserver,
    facts: Vec<Fact>,
    net_facts: Vec<NetFact>,
    detections: Vec<Detection>,
    correlation: Vec<CorrelationEvent>,
    intel_hits: Vec<Finding>,
}

impl Sink for FileSink<'_> {
    fn correlation_input(&mut self, input: CorrelationEvent) {
        self.correlation.push(input);
    }

    fn detection(&mut self, detection: Detection) {
        self.detections.push(detection);
        if self.detections.len() >= FACT_BATCH / 8 {
            self.spills.detections.push(&mut self.detections);
        }
    }

    fn host_fact(&mut self, fact: Fact) {
        self.facts.push(fact);
        if self.facts.len() >= FACT_BATCH {
            self.spills.host.push(&mut self.facts);
        }
    }

    fn net_fact(&mut self, fact: NetFact) {
        self.net_facts.push(fact);
        if self.net_facts.len() >= FACT_BATCH {
            self.spills.network.push(&mut self.net_facts);
        }
    }

    fn intel_hit(&mut self, hit: Finding) {
        self.intel_hits.push(hit);
    }

    fn audit(&mut self, event: &Event) {
        self.audit.observe(event);
    }
}

fn read_one(
    path: &Path,
    rules: &RuleSet,
    options: &RunOptions,
    audit: &mut AuditObserver,
    spills: &FactSpills,
) -> FileOutput {
    let mut step = DetectionStep::new(rules, &options.intel)
        .within(options.from, options.to)
        .tuned(options.tuning.as_ref());
    let mut sink = FileSink {
        spills,
        facts: Vec::new(),
        net_facts: Vec::new(),
        detections: Vec::new(),
        correlation: Vec::new(),
        intel_hits: Vec::new(),
        audit,
    };
    let read = ward_ingest::ReadOptions {
        syslog_year: options.syslog_year,
        limits: options.limits,
        ..Default::default()
    };
    let reports = ward_ingest::read_path_with(path, &read, &mut |event: Event| {
        step.observe(&event, &mut sink);
    });
    spills.host.push(&mut sink.facts);
    spills.network.push(&mut sink.net_facts);
    spills.detections.push(&mut sink.detections);
    FileOutput {
        reports,
        correlation: sink.correlation,
        intel_hits: sink.intel_hits,
        tuning: step.take_tally(),
    }
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
