//! The Case: everything one run found, in the shape the JSON report documents
//! (`docs/report-schema.md`). Report sinks render it; nothing here knows how it was made.

pub use crate::detections::{Detections, detection_order};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ward_event::{FieldList, Level, Timestamp};

/// Version of the JSON report schema; bump the minor for additions, the major for changes.
pub const SCHEMA_VERSION: &str = "1.3";

/// Everything a run found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Case {
    /// Version of this document's schema.
    pub schema_version: &'static str,
    /// Ward's version.
    pub ward_version: String,
    /// When the report was made.
    pub generated_at: Timestamp,
    /// What was read, with per-file errors.
    pub inputs: InputSummary,
    /// Which rules ran and which could not.
    pub rules: RuleSummary,
    /// Sigma rule hits (including correlation hits), sorted by time, host, record id; on disk
    /// when there are very many.
    pub detections: Detections,
    /// Behaviour-analytic findings, sorted by time.
    pub findings: Vec<Finding>,
    /// The outbreak: clusters of remote-execution hops.
    pub spread: Spread,
    /// Accounts to reset and to review.
    pub accounts: Accounts,
    /// Readiness checks (`ward audit`, or `ward hunt` when the inputs allow); absent when none ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Readiness>,
    /// What tuning suppressed and overrode, when tuning was given (schema 1.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuning: Option<crate::tuning::TuningReport>,
}

impl Case {
    /// An empty case stamped with this Ward version and time.
    pub fn new(ward_version: &str, generated_at: Timestamp) -> Self {
        Case {
            schema_version: SCHEMA_VERSION,
            ward_version: ward_version.to_string(),
            generated_at,
            ..Case::default()
        }
    }

    /// Detections counted by level, lowest first.
    pub fn detections_by_level(&self) -> BTreeMap<Level, usize> {
        let mut m = BTreeMap::new();
        for d in self.detections.iter() {
            *m.entry(d.level).or_insert(0) += 1;
        }
        m
    }

    /// Detections counted by host.
    pub fn detections_by_host(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for d in self.detections.iter() {
            *m.entry(d.host.clone()).or_insert(0) += 1;
        }
        m
    }
}

/// What was read.
#[derive(Debug, Clone, Serialize, Default)]
pub struct InputSummary {
    /// One entry per file (archive members count as files).
    pub files: Vec<FileSummary>,
    /// Events read, all files.
    pub events: u64,
    /// Records that could not be read, all files.
    pub bad_records: u64,
    /// Files whose content is no log format Ward knows (READMEs, configs, pictures): skipped,
    /// listed so a mistyped or unsupported log is not missed silently.
    pub unrecognised: Vec<String>,
}

/// One input file.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FileSummary {
    /// Path as given (archive members as `archive.zip!member`).
    pub path: String,
    /// Format sniffed, e.g. `evtx`, `evtx-json`, `zeek-tsv`.
    pub format: String,
    /// Events read.
    pub events: u64,
    /// Records that could not be read.
    pub bad_records: u64,
    /// The errors, each with its position (at most a bounded number are kept; `bad_records` counts all).
    pub errors: Vec<InputError>,
}

/// A record or file that could not be read.
#[derive(Debug, Clone, Serialize, Default)]
pub struct InputError {
    /// Record number, line or byte offset, as the reader counts (see `unit`).
    pub position: u64,
    /// `record`, `line`, `offset` or `file`.
    pub unit: String,
    /// What went wrong.
    pub message: String,
}

/// Rules loaded and skipped.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RuleSummary {
    /// Rules compiled and run.
    pub loaded: usize,
    /// Rules that will not run, each with a reason (`ward rules check` lists them).
    pub skipped: usize,
    /// Skipped rules counted by reason.
    pub skipped_by_reason: BTreeMap<String, usize>,
    /// The installed rule set used (`ward rules update`), or how to get one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
}

/// One Sigma rule hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// When the (last) matching event happened.
    pub time: Timestamp,
    /// Upper-case short host name.
    pub host: String,
    /// Rule id as written in the rule.
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// Rule level.
    pub level: Level,
    /// `rule` for a single-event rule, `correlation` for a correlation rule.
    pub kind: String,
    /// Log source label (Windows channel, or `product/service`).
    pub source: String,
    /// Windows EventID, when there is one.
    pub event_id: Option<u32>,
    /// The log's record id.
    pub record_id: Option<u64>,
    /// Input file.
    pub file: String,
    /// Position in that file.
    pub position: u64,
    /// ATT&CK and other tags of the rule.
    pub tags: Vec<String>,
    /// The event's fields (empty for correlation hits).
    pub fields: FieldList,
}

/// One behaviour-analytic finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Analytic that produced it (`remote-execution`, `recon-burst`, `beacon`, …).
    pub analytic: crate::Analytic,
    /// One-line title for people.
    pub title: String,
    /// Severity.
    pub level: Level,
    /// Host the finding is about (upper-case short name).
    pub host: String,
    /// First evidence.
    pub first_seen: Timestamp,
    /// Last evidence.
    pub last_seen: Timestamp,
    /// A sentence saying what was seen.
    pub summary: String,
    /// Analytic-specific figures (counts, scores, peers).
    pub details: BTreeMap<String, serde_json::Value>,
    /// The events behind it.
    pub evidence: Vec<Evidence>,
}

/// A pointer to one event behind a finding, with enough to read it without opening the log.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Evidence {
    /// Event time.
    pub time: Timestamp,
    /// Host that logged it.
    pub host: String,
    /// Input file.
    pub file: String,
    /// Position in the file.
    pub position: u64,
    /// Record id, when the log has one.
    pub record_id: Option<u64>,
    /// Windows EventID or log type (`zeek/conn`).
    pub kind: String,
    /// What the event says, in one line.
    pub summary: String,
}

/// The outbreak: remote-execution hops grouped by shared artefact.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Spread {
    /// One cluster per artefact (service name, implant name).
    pub clusters: Vec<Cluster>,
}

/// Hops that share one artefact.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Cluster {
    /// Stable id within the report, e.g. `C1`.
    pub id: String,
    /// The shared artefact, e.g. `service:WmiApSrvEx`.
    pub artefact: String,
    /// `worm`, `suspicious` or `likely-admin`.
    pub verdict: Verdict,
    /// Why that verdict: every signal's sentence, worm side first, each with its side and weight
    /// (`worm +3: multi-hop: …`, `admin +2: installed under a vendor path: …`).
    pub reasons: Vec<String>,
    /// Both sides' totals (`docs/verdicts.md`).
    pub score: VerdictScore,
    /// The signals behind the score.
    pub signals: Vec<VerdictSignal>,
    /// First host with the artefact (upper-case short name).
    pub patient_zero: Option<String>,
    /// Hosts in the cluster.
    pub hosts: Vec<ClusterHost>,
    /// Remote-execution hops.
    pub edges: Vec<Edge>,
    /// Attempts that did not lead to an install.
    pub failed_attempts: Vec<FailedAttempt>,
}

/// What a cluster of hops is judged to be.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A worm (or an intruder) spreading: counts towards the outbreak.
    Worm,
    /// Neither clearly a worm nor clearly administration: needs a look.
    #[default]
    Suspicious,
    /// Administration or software deployment.
    LikelyAdmin,
}

impl Verdict {
    /// The name used in reports: `worm`, `suspicious`, `likely-admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Worm => "worm",
            Verdict::Suspicious => "suspicious",
            Verdict::LikelyAdmin => "likely-admin",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Verdict {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The two sides of a verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VerdictScore {
    /// Evidence for a worm.
    pub worm: u32,
    /// Evidence for administration or deployment.
    pub admin: u32,
}

/// One piece of evidence for or against a worm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerdictSignal {
    /// `worm` or `admin`.
    pub side: String,
    /// Weight added to that side (0: considered, not weighed).
    pub weight: u32,
    /// What was seen.
    pub reason: String,
}

/// A host in a cluster.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ClusterHost {
    /// Upper-case short name.
    pub host: String,
    /// Lower-case FQDN when seen.
    pub fqdn: Option<String>,
    /// IP addresses seen for it.
    pub ips: Vec<String>,
    /// Earliest evidence of the artefact on it.
    pub infected_at: Option<Timestamp>,
    /// Role from the assets file (`mri-console`, `kiosk`, `file-server`, …).
    pub role: Option<String>,
    /// True for clinical devices (from the assets file).
    pub clinical: bool,
    /// Number of evidence events on this host.
    pub evidence_count: usize,
}

/// One hop: `from` reached `to` and ran something there.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Edge {
    /// Source host (upper-case short name; an IP when the name is unknown).
    pub from: String,
    /// Target host.
    pub to: String,
    /// Time of the install on the target.
    pub time: Option<Timestamp>,
    /// Account used for the hop (`DOMAIN\user`).
    pub account: Option<String>,
    /// How it ran code on the target: `service`, `wmi`, `scheduled-task`, `winrm`, `dcom`, `rdp`,
    /// or `network` (an SMB contact then C2 calls, seen only in network logs).
    pub channel: crate::channel::Channel,
    /// The events behind the hop.
    pub evidence: Vec<Evidence>,
    /// `false` when the source is an address no log read ties to a host name (kept as the
    /// address); absent when it was resolved or is not an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_resolved: Option<bool>,
}

/// A hop that was tried and did not complete.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FailedAttempt {
    /// Source host.
    pub from: String,
    /// Target host.
    pub to: String,
    /// When.
    pub time: Option<Timestamp>,
}

/// Accounts to reset and to review.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Accounts {
    /// Credentials exposed on a host of a worm cluster: reset them, from a clean computer.
    pub reset: Vec<AccountEntry>,
    /// Used against a host of a worm cluster without exposing credentials there: review them.
    pub review: Vec<AccountEntry>,
    /// Credentials exposed on hosts only suspicious clusters reached: reset them if those
    /// clusters are confirmed as malicious ("needs a look").
    pub reset_if_confirmed: Vec<AccountEntry>,
}

/// One account and why it is listed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct AccountEntry {
    /// `DOMAIN\user`.
    pub account: String,
    /// Affected hosts where it was seen.
    pub hosts: Vec<String>,
    /// Logon types seen (Windows numbering), or `explicit` for 4648, `hop` for a hop account.
    pub logon_types: Vec<String>,
    /// The logons behind it.
    pub evidence: Vec<Evidence>,
}

/// The readiness audit: the controls that stop the next worm, each checked with evidence.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Readiness {
    /// Overall score, 0–100 (share of decided checks that pass, weighted by severity).
    pub score: u32,
    /// The checks, in a stable order.
    pub checks: Vec<ReadinessCheck>,
}

/// What a readiness check concluded. Ordered as reports list them: failures first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The control is missing: act on it first.
    Fail,
    /// The data could not settle it (the summary names the data that would).
    #[default]
    Unknown,
    /// The control is in place.
    Pass,
}

impl CheckStatus {
    /// `fail`, `unknown` or `pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Fail => "fail",
            CheckStatus::Unknown => "unknown",
            CheckStatus::Pass => "pass",
        }
    }
}

impl PartialEq<&str> for CheckStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One readiness check.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ReadinessCheck {
    /// Stable id, e.g. `admin-daily-use`, `av-realtime`, `patch-currency`, `password-policy`.
    pub id: String,
    /// Which advice it checks, for people.
    pub title: String,
    /// `pass`, `fail` or `unknown`.
    pub status: CheckStatus,
    /// How much a failure matters.
    pub severity: Level,
    /// What was found (or, for `unknown`, which data would settle it).
    pub summary: String,
    /// The facts behind the status, one line each (never a password or hash).
    pub evidence: Vec<String>,
    /// What to do about a failure.
    pub remediation: String,
}
