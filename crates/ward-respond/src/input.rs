//! The parts of Ward's JSON report (`ward hunt --format json`, schema 1.x,
//! `docs/report-schema.md`) the kit is built from. Read leniently: fields a later minor version
//! adds are ignored, fields an older one lacks default to empty.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The report, as far as the kit needs it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseReport {
    /// `1.x`; another major version is refused.
    pub schema_version: String,
    /// When the report was made.
    pub generated_at: String,
    /// The verdict at a glance.
    pub overview: Overview,
    /// Accounts to reset, to review, and to reset if suspicious spread is confirmed.
    pub accounts: Accounts,
    /// The spread clusters.
    pub spread: Spread,
    /// Analytic findings.
    pub findings: Vec<Finding>,
    /// Rule hits (absent in reports that keep them on disk; only titles are read).
    pub detections: Vec<Detection>,
    /// Readiness checks, when an audit ran.
    pub readiness: Option<Readiness>,
}

/// `overview`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Overview {
    /// `outbreak`, `suspicious-spread`, `alerts`, `nothing-found`.
    pub verdict: String,
    /// Patient zero of each worm cluster.
    pub patient_zero: Vec<String>,
    /// Devices worm clusters reached, clinical first.
    pub affected_devices: Vec<Device>,
    /// Suspicious spread.
    pub needs_a_look: NeedsALook,
}

/// `overview.needs_a_look`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NeedsALook {
    /// Suspicious cluster ids.
    pub clusters: Vec<String>,
    /// Devices only they reached.
    pub devices: Vec<Device>,
}

/// One affected device of the overview.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Device {
    /// Upper-case short name.
    pub host: String,
    /// Role from the assets file.
    pub role: Option<String>,
    /// Clinical device.
    pub clinical: bool,
    /// Earliest infection (RFC 3339).
    pub infected_at: Option<String>,
    /// Clusters it is in.
    pub clusters: Vec<String>,
    /// Patient zero of a cluster.
    pub patient_zero: bool,
}

/// `accounts`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Accounts {
    /// Credentials exposed on affected devices.
    pub reset: Vec<AccountEntry>,
    /// Used against affected devices without exposure.
    pub review: Vec<AccountEntry>,
    /// Exposed on devices only suspicious spread reached.
    pub reset_if_confirmed: Vec<AccountEntry>,
}

/// One account entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountEntry {
    /// `DOMAIN\user`.
    pub account: String,
    /// Hosts where it was exposed.
    pub hosts: Vec<String>,
    /// Logon types (`2`, `10`, `5`, `explicit`, `service`, `hop`).
    pub logon_types: Vec<String>,
    /// The events behind it.
    pub evidence: Vec<Evidence>,
}

/// A pointer to one event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Evidence {
    /// RFC 3339.
    pub time: String,
    /// Host that logged it.
    pub host: String,
    /// EventID or log type.
    pub kind: String,
    /// One line.
    pub summary: String,
}

/// `spread`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Spread {
    /// Clusters of hops.
    pub clusters: Vec<Cluster>,
}

/// One cluster.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Cluster {
    /// `C1`.
    pub id: String,
    /// `service:NAME`, `file:NAME`, `image:NAME`.
    pub artefact: String,
    /// `worm`, `suspicious`, `likely-admin`.
    pub verdict: String,
    /// Patient zero.
    pub patient_zero: Option<String>,
    /// Hosts in it.
    pub hosts: Vec<ClusterHost>,
    /// Hops.
    pub edges: Vec<Edge>,
}

/// A host in a cluster.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClusterHost {
    /// Short name.
    pub host: String,
    /// FQDN when seen.
    pub fqdn: Option<String>,
    /// Addresses seen.
    pub ips: Vec<String>,
    /// Infection time.
    pub infected_at: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Clinical.
    pub clinical: bool,
}

/// A hop.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Edge {
    /// Source host.
    pub from: String,
    /// Target host.
    pub to: String,
    /// Account used.
    pub account: Option<String>,
}

/// One analytic finding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Finding {
    /// Analytic name.
    pub analytic: String,
    /// Title.
    pub title: String,
    /// `informational` … `critical`.
    pub level: String,
    /// Host it is about.
    pub host: String,
    /// RFC 3339.
    pub first_seen: String,
    /// RFC 3339.
    pub last_seen: String,
    /// Analytic-specific figures.
    pub details: Map<String, Value>,
}

/// One rule hit (titles and fields only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Detection {
    /// Rule title.
    pub title: String,
    /// Rule id.
    pub rule_id: String,
    /// Host.
    pub host: String,
    /// Tags.
    pub tags: Vec<String>,
}

/// `readiness`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Readiness {
    /// The checks.
    pub checks: Vec<Check>,
}

/// One readiness check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Check {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `pass`, `fail`, `unknown`.
    pub status: String,
    /// What was found.
    pub summary: String,
    /// What to do.
    pub remediation: String,
}
