//! `av-realtime`, `av-signatures`, `av-detections`: Microsoft Defender's own log of whether it
//! was on, current, and finished what it found.

use super::{About, Context, Verdict, day, days_between, plural};
use crate::events::Tally;
use ward_case::case::ReadinessCheck;
use ward_event::Level;

const NO_DEFENDER: &str = "No Microsoft Defender events: supply the Microsoft-Windows-Windows Defender/Operational \
    log (EVTX or JSON) from the hosts.";

const REALTIME: About = About {
    id: "av-realtime",
    title: "Anti-virus real-time protection stays on",
    severity: Level::High,
    remediation: "Turn real-time protection back on, find who turned it off and why; enforce it by policy \
        and enable Defender tamper protection so malware and users cannot switch it off.",
};

const SIGNATURES: About = About {
    id: "av-signatures",
    title: "Anti-virus signatures update and stay current",
    severity: Level::Medium,
    remediation: "Fix the update path (WSUS / Configuration Manager / direct Microsoft Update, proxy rules); \
        run `MpCmdRun -SignatureUpdate` on the named hosts and watch for 2000 (update succeeded).",
};

const DETECTIONS: About = About {
    id: "av-detections",
    title: "Every anti-virus detection was remediated",
    severity: Level::High,
    remediation: "Investigate each open detection on its host: run a full scan, remove the threat, and treat \
        the host as compromised until shown otherwise.",
};

/// `av-realtime`.
pub(crate) fn realtime(ctx: &Context<'_>) -> ReadinessCheck {
    let h = ctx.health;
    if h.defender_hosts.is_empty() {
        return REALTIME.judged(Verdict::Unknown(NO_DEFENDER.into()));
    }
    let lines: Vec<String> = h
        .protection_off
        .iter()
        .map(|(host, t)| {
            let back_on = h.protection_on.get(host).filter(|on| **on >= t.seen.last);
            let state = match back_on {
                Some(on) => format!("turned back on {}", day(*on)),
                None => "not seen turned back on".to_string(),
            };
            format!(
                "{host}: {} {}, {state}",
                plural(t.seen.count as usize, "protection-off event"),
                events(t)
            )
        })
        .collect();
    let hosts = h.defender_hosts.len();
    if lines.is_empty() {
        REALTIME.judged(Verdict::Pass(
            format!(
                "Protection stayed on, by the logs of {}.",
                plural(hosts, "host")
            ),
            Vec::new(),
        ))
    } else {
        let summary = format!(
            "Protection was switched off on {} of {hosts}.",
            plural(lines.len(), "host")
        );
        REALTIME.judged(Verdict::Fail(summary, lines))
    }
}

/// `av-signatures`.
pub(crate) fn signatures(ctx: &Context<'_>) -> ReadinessCheck {
    let h = ctx.health;
    if h.defender_hosts.is_empty() {
        return SIGNATURES.judged(Verdict::Unknown(NO_DEFENDER.into()));
    }
    let mut lines: Vec<String> = h
        .signature_failures
        .iter()
        .map(|(host, t)| {
            format!(
                "{host}: {} {}",
                plural(t.seen.count as usize, "update failure"),
                events(t)
            )
        })
        .collect();
    let max_age = ctx.config.signature_max_age_days;
    for (host, updated) in &h.signature_updated {
        let last = h.defender_last.get(host).copied().unwrap_or(*updated);
        let age = days_between(*updated, last);
        if age > max_age {
            lines.push(format!("{host}: last signature update {} is {age} days before its last Defender event (limit {max_age})", day(*updated)));
        }
    }
    let hosts = h.defender_hosts.len();
    if lines.is_empty() {
        let summary = format!(
            "No update failures or stale signatures on {}.",
            plural(hosts, "host")
        );
        SIGNATURES.judged(Verdict::Pass(summary, Vec::new()))
    } else {
        SIGNATURES.judged(Verdict::Fail(
            format!(
                "{} with failed or stale signature updates.",
                plural(lines.len(), "finding")
            ),
            lines,
        ))
    }
}

/// `av-detections`.
pub(crate) fn detections(ctx: &Context<'_>) -> ReadinessCheck {
    let h = ctx.health;
    if h.defender_hosts.is_empty() {
        return DETECTIONS.judged(Verdict::Unknown(NO_DEFENDER.into()));
    }
    let detected = h.threats.values().filter(|t| t.detected.is_some()).count();
    let lines: Vec<String> = h
        .threats
        .iter()
        .filter_map(|((host, _), t)| {
            let d = t.detected?;
            let open = t.remediated.is_none_or(|r| r < d);
            let how = if t.action_failed {
                "action failed (1118/1119)"
            } else {
                "detected (1116)"
            };
            open.then(|| {
                format!(
                    "{host}: {} {how} {} with no later remediation (1117), at {}",
                    t.name,
                    day(d),
                    t.detected_origin
                )
            })
        })
        .collect();
    if lines.is_empty() {
        DETECTIONS.judged(Verdict::Pass(
            format!("{} detected, all remediated.", plural(detected, "threat")),
            Vec::new(),
        ))
    } else {
        DETECTIONS.judged(Verdict::Fail(
            format!(
                "{} of {detected} detected threats not remediated.",
                lines.len()
            ),
            lines,
        ))
    }
}

/// `(ids 2001, 2003) from 2024-01-02 to 2024-01-09`.
fn events(t: &Tally) -> String {
    let ids: Vec<String> = t.ids.iter().map(u32::to_string).collect();
    format!(
        "(ids {}) from {} to {}, first at {}",
        ids.join(", "),
        day(t.seen.first),
        day(t.seen.last),
        t.seen.first_origin
    )
}
