//! The readiness checks: each turns collected facts into pass / fail / unknown with evidence,
//! and the score weighs them by severity.

mod admins;
mod antivirus;
mod host_roles;
mod monitoring;
mod passwords;
mod patching;
mod software;

use crate::config::AuditConfig;
use crate::events::{AdminUse, Coverage, HostHealth};
use crate::files::FileFacts;
use std::path::Path;
use ward_case::assets::Assets;
use ward_case::case::{CheckStatus, ReadinessCheck};
use ward_event::{Level, Timestamp};

/// Evidence lines kept per check; the rest are counted in a last line.
const MAX_EVIDENCE: usize = 40;

/// Everything a check may look at.
pub(crate) struct Context<'a> {
    pub config: &'a AuditConfig,
    pub admins: &'a AdminUse,
    pub health: &'a HostHealth,
    pub coverage: &'a Coverage,
    pub facts: &'a FileFacts,
    pub assets: &'a Assets,
    pub breached: Option<&'a Path>,
}

/// A check's outcome before it is dressed as a [`ReadinessCheck`].
pub(crate) enum Verdict {
    /// The control is in place.
    Pass(String, Vec<String>),
    /// The control is missing; evidence says where.
    Fail(String, Vec<String>),
    /// The inputs cannot tell; the text names the data that would.
    Unknown(String),
}

/// What a check is about: id, title, severity, remediation.
pub(crate) struct About {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Level,
    pub remediation: &'static str,
}

impl About {
    /// The check with this verdict.
    pub fn judged(&self, verdict: Verdict) -> ReadinessCheck {
        let (status, summary, evidence) = match verdict {
            Verdict::Pass(s, e) => (CheckStatus::Pass, s, e),
            Verdict::Fail(s, e) => (CheckStatus::Fail, s, e),
            Verdict::Unknown(s) => (CheckStatus::Unknown, s, Vec::new()),
        };
        ReadinessCheck {
            id: self.id.to_string(),
            title: self.title.to_string(),
            status,
            severity: self.severity,
            summary,
            evidence: capped(evidence),
            remediation: self.remediation.to_string(),
        }
    }
}

/// Every check, in a stable order.
pub(crate) fn run_all(ctx: &Context<'_>) -> Vec<ReadinessCheck> {
    vec![
        admins::daily_use(ctx),
        antivirus::realtime(ctx),
        antivirus::signatures(ctx),
        antivirus::detections(ctx),
        patching::windows_update(ctx),
        patching::os_support(ctx),
        software::software(ctx),
        passwords::policy(ctx),
        passwords::quality(ctx),
        monitoring::coverage(ctx),
        monitoring::cleared(ctx),
        monitoring::continuity(ctx),
    ]
}

/// Weight of a check in the score.
fn weight(level: Level) -> u64 {
    match level {
        Level::Informational => 0,
        Level::Low => 1,
        Level::Medium => 2,
        Level::High => 3,
        Level::Critical => 4,
    }
}

/// Share of decided checks that pass, weighted by severity, 0–100; 0 when nothing was decided
/// (a readiness nobody could show is not readiness).
pub(crate) fn score(checks: &[ReadinessCheck]) -> u32 {
    let decided = checks.iter().filter(|c| c.status != "unknown");
    let (mut pass, mut total) = (0u64, 0u64);
    for c in decided {
        total += weight(c.severity);
        if c.status == "pass" {
            pass += weight(c.severity);
        }
    }
    if total == 0 {
        return 0;
    }
    u32::try_from((pass * 100 + total / 2) / total).unwrap_or(100)
}

fn capped(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_EVIDENCE {
        let more = lines.len() - MAX_EVIDENCE;
        lines.truncate(MAX_EVIDENCE);
        lines.push(format!("… and {more} more"));
    }
    lines
}

/// A date as people read it in an evidence line.
pub(crate) fn day(t: Timestamp) -> String {
    t.to_rfc3339().chars().take(10).collect()
}

/// Days between two times (`later - earlier`).
pub(crate) fn days_between(earlier: Timestamp, later: Timestamp) -> i64 {
    (later.as_secs() - earlier.as_secs()).div_euclid(86_400)
}

/// `n thing` or `n things`.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}
