//! `monitoring-coverage`, `log-cleared`, `log-continuity`: could the logs see a worm, and are
//! they whole?

use super::{About, Context, Verdict, day, plural};
use crate::events::{HostCoverage, RecordIdTrack};
use ward_case::case::ReadinessCheck;
use ward_event::Level;

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

const COVERAGE: About = About {
    id: "monitoring-coverage",
    title: "Logs can see a worm spread (share access, process command lines, Sysmon)",
    severity: Level::Medium,
    remediation: "Enable `Audit File Share` and `Audit Detailed File Share` (5140/5145), `Audit Process \
        Creation` (4688) with `Include command line in process creation events`, deploy Sysmon with a \
        maintained configuration, and collect Security, System and Sysmon logs from every host centrally.",
};

const CLEARED: About = About {
    id: "log-cleared",
    title: "Event logs were not cleared",
    severity: Level::High,
    remediation: "Find out who cleared each log and why (the evidence names the account); forward logs off \
        the host as they are written so clearing cannot erase them, and alert on 1102 / 104.",
};

const CONTINUITY: About = About {
    id: "log-continuity",
    title: "Event log record numbers are continuous",
    severity: Level::Medium,
    remediation: "Export whole logs (no filter) for the audit; if gaps remain, check the collector for \
        dropped records and the log size / retention settings for overwritten ones.",
};

/// `monitoring-coverage`.
pub(crate) fn coverage(ctx: &Context<'_>) -> ReadinessCheck {
    let c = ctx.coverage;
    if c.hosts.is_empty() {
        return COVERAGE.judged(Verdict::Unknown(
            "No Windows logs: supply Security, System and Sysmon logs from the hosts.".into(),
        ));
    }
    let mut lines = Vec::new();
    let mut blind = 0;
    for (host, hc) in &c.hosts {
        let gaps = blind_spots(hc);
        let channels: Vec<&str> = hc.channels.iter().map(String::as_str).collect();
        if gaps.is_empty() {
            lines.push(format!("{host}: covered ({})", channels.join(", ")));
        } else {
            blind += 1;
            lines.push(format!(
                "{host}: {} — logs: {}",
                gaps.join("; "),
                channels.join(", ")
            ));
        }
    }
    for ((product, service, category), n) in &c.other_sources {
        let parts = [Some(product), service.as_ref(), category.as_ref()];
        let label: Vec<&str> = parts.into_iter().flatten().map(|s| &**s).collect();
        lines.push(format!(
            "{}: {}",
            label.join("/"),
            plural(*n as usize, "event")
        ));
    }
    let hosts = plural(c.hosts.len(), "Windows host");
    if blind == 0 {
        COVERAGE.judged(Verdict::Pass(
            format!("All {hosts} log what a worm does."),
            lines,
        ))
    } else {
        COVERAGE.judged(Verdict::Fail(
            format!("{blind} of {hosts} cannot see part of a worm's spread."),
            lines,
        ))
    }
}

/// What a host's logs cannot show of a worm: its hops (share access), what it ran (process
/// creation with command lines), and the detail Sysmon adds.
fn blind_spots(hc: &HostCoverage) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if !hc.channels.contains("Security") {
        gaps.push("no Security log");
    } else if !hc.share_audit {
        gaps.push("no share access auditing (5140/5145)");
    }
    // Sysmon 1 carries the command line, so it covers for 4688 without one.
    if hc.sysmon_processes == 0 {
        if hc.process_events == 0 {
            gaps.push("no process creation (4688 or Sysmon 1)");
        } else if hc.process_with_command_line == 0 {
            gaps.push("4688 without command lines");
        }
    }
    if !hc.channels.contains(SYSMON) {
        gaps.push("no Sysmon");
    }
    gaps
}

/// `log-cleared`.
pub(crate) fn cleared(ctx: &Context<'_>) -> ReadinessCheck {
    let c = ctx.coverage;
    if c.hosts.is_empty() {
        return CLEARED.judged(Verdict::Unknown(
            "No Windows logs: supply Security and System logs from the hosts.".into(),
        ));
    }
    let lines: Vec<String> = c
        .clears
        .iter()
        .map(|((host, what), (seen, who))| {
            let who = who
                .as_deref()
                .map(|w| format!(" by {w}"))
                .unwrap_or_default();
            format!(
                "{host}: {what}{who}, {}, first {} at {}",
                plural(seen.count as usize, "time"),
                day(seen.first),
                seen.first_origin
            )
        })
        .collect();
    if lines.is_empty() {
        CLEARED.judged(Verdict::Pass(
            format!(
                "No log clearing in the logs of {}.",
                plural(c.hosts.len(), "host")
            ),
            Vec::new(),
        ))
    } else {
        CLEARED.judged(Verdict::Fail(
            format!("{} of a log being cleared.", plural(lines.len(), "record")),
            lines,
        ))
    }
}

/// `log-continuity`.
pub(crate) fn continuity(ctx: &Context<'_>) -> ReadinessCheck {
    let c = ctx.coverage;
    let tracks: Vec<(&String, &String, &RecordIdTrack)> = c
        .hosts
        .iter()
        .flat_map(|(host, hc)| hc.record_ids.iter().map(move |(ch, t)| (host, ch, t)))
        .collect();
    if tracks.is_empty() {
        return CONTINUITY.judged(Verdict::Unknown("No Windows records with record ids: supply EVTX or JSON exports that keep EventRecordID.".into()));
    }
    let mut lines = Vec::new();
    for &(host, channel, t) in &tracks {
        if t.gaps() > 0 {
            let mut also = String::new();
            if t.duplicates > 0 {
                also.push_str(&format!(", {} read twice", t.duplicates));
            }
            if t.overflow > 0 {
                also.push_str(&format!(", {} more isolated ids not tracked", t.overflow));
            }
            lines.push(format!(
                "{host} {channel}: {} ({} records missing) among {} read{also}",
                plural(t.gaps() as usize, "gap"),
                t.missing(),
                t.count
            ));
        }
    }
    let logs = tracks.len();
    if lines.is_empty() {
        CONTINUITY.judged(Verdict::Pass(
            format!("No gaps in {}.", plural(logs, "host log")),
            Vec::new(),
        ))
    } else {
        let summary = format!(
            "{} of {logs} host logs have gaps in their record numbers (filtered exports also cause gaps).",
            lines.len()
        );
        CONTINUITY.judged(Verdict::Fail(summary, lines))
    }
}
