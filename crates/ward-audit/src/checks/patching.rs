//! `windows-update`, `os-end-of-support`: is Windows updating, and still supported?

use super::{About, Context, Verdict, day, plural};
use std::collections::BTreeSet;
use ward_case::case::ReadinessCheck;
use ward_event::Level;

const UPDATE: About = About {
    id: "windows-update",
    title: "Windows Update installs without failures",
    severity: Level::Medium,
    remediation: "On each named host read `Get-WindowsUpdateLog` / the error code, fix the cause (disk space, \
        WSUS reachability, servicing stack), and install the failed updates.",
};

const OS: About = About {
    id: "os-end-of-support",
    title: "Operating systems are within vendor support",
    severity: Level::High,
    remediation: "Upgrade or replace the named hosts; where a clinical device cannot be upgraded, buy \
        extended security updates or isolate it (own VLAN, no SMB from workstations, allow-listed flows only).",
};

/// `windows-update`.
pub(crate) fn windows_update(ctx: &Context<'_>) -> ReadinessCheck {
    let h = ctx.health;
    if h.update_hosts.is_empty() {
        return UPDATE.judged(Verdict::Unknown(
            "No Windows Update client events: supply System logs (WindowsUpdateClient) or the \
             Microsoft-Windows-WindowsUpdateClient/Operational log."
                .into(),
        ));
    }
    let lines: Vec<String> = h
        .update_failures
        .iter()
        .map(|(host, t)| {
            let ids: Vec<String> = t.ids.iter().map(u32::to_string).collect();
            let title = t
                .sample
                .as_deref()
                .map(|s| format!(", e.g. {s}"))
                .unwrap_or_default();
            format!(
                "{host}: {} (ids {}) {} to {}{title}, first at {}",
                plural(t.seen.count as usize, "failure"),
                ids.join(", "),
                day(t.seen.first),
                day(t.seen.last),
                t.seen.first_origin
            )
        })
        .collect();
    let hosts = h.update_hosts.len();
    if lines.is_empty() {
        UPDATE.judged(Verdict::Pass(
            format!("No update failures on {}.", plural(hosts, "host")),
            Vec::new(),
        ))
    } else {
        UPDATE.judged(Verdict::Fail(
            format!(
                "Updates failed on {} of {hosts}.",
                plural(lines.len(), "host")
            ),
            lines,
        ))
    }
}

/// One host's OS as one source reports it.
struct OsSighting {
    host: String,
    /// Product name, when the source gives one (inventories); 6009 gives only the version.
    name: Option<String>,
    version: String,
    /// Where it was seen.
    from: String,
}

/// OS versions from boot events and inventories.
fn os_sightings(ctx: &Context<'_>) -> Vec<OsSighting> {
    let from_logs = ctx
        .health
        .os_versions
        .iter()
        .map(|(host, (version, t))| OsSighting {
            host: host.clone(),
            name: None,
            version: version.clone(),
            from: format!("System 6009 on {}", day(*t)),
        });
    let from_files = ctx
        .facts
        .installed
        .iter()
        .filter(|i| i.is_os)
        .map(|i| OsSighting {
            host: i.host.clone(),
            name: Some(i.product.clone()),
            version: i.version.clone(),
            from: i.source.clone(),
        });
    from_logs.chain(from_files).collect()
}

/// `os-end-of-support`.
pub(crate) fn os_support(ctx: &Context<'_>) -> ReadinessCheck {
    let seen = os_sightings(ctx);
    if seen.is_empty() {
        return OS.judged(Verdict::Unknown(
            "No OS versions: supply System logs (6009 at boot), systeminfo output, osquery os_version or an \
             inventory CSV."
                .into(),
        ));
    }
    let mut lines = Vec::new();
    let mut past = BTreeSet::new();
    for s in &seen {
        let (host, version) = (&s.host, &s.version);
        let label = s.name.as_deref().unwrap_or("Windows");
        lines.push(
            match ctx.config.end_of_support.lookup(s.name.as_deref(), version) {
                Some(row) if row.end < ctx.config.as_of => {
                    past.insert(host.clone());
                    let ended = day(row.end);
                    format!(
                        "{host}: {label} {version} ({}) support ended {ended} [{}; {}]",
                        row.product, s.from, row.source
                    )
                }
                Some(row) => format!(
                    "{host}: {label} {version} ({}) supported until {}",
                    row.product,
                    day(row.end)
                ),
                None => format!("{host}: {label} {version} not in the end-of-support table"),
            },
        );
    }
    let hosts: BTreeSet<&String> = seen.iter().map(|s| &s.host).collect();
    if past.is_empty() {
        let summary = format!(
            "No host runs an OS past end of support ({} checked).",
            plural(hosts.len(), "host")
        );
        OS.judged(Verdict::Pass(summary, lines))
    } else {
        let summary = format!(
            "{} of {} run an OS past end of support.",
            plural(past.len(), "host"),
            hosts.len()
        );
        OS.judged(Verdict::Fail(summary, lines))
    }
}
