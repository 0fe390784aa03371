//! `windows-update`, `os-end-of-support`, `patch-currency`: is the estate patched and still
//! patchable?

use super::{About, Context, Verdict, day, days_between, plural};
use crate::files::{Installed, OsvPackage, feeds_affects};
use crate::matching::contains_words;
use std::collections::BTreeSet;
use ward_analytics::case::ReadinessCheck;
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

const SOFTWARE: About = About {
    id: "patch-currency",
    title: "Installed software has no known-vulnerable or unsupported versions",
    severity: Level::High,
    remediation: "Update the named products to a fixed, supported version; remove software that is no \
        longer needed; install pending Windows hotfixes.",
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

/// `os-end-of-support`.
pub(crate) fn os_support(ctx: &Context<'_>) -> ReadinessCheck {
    let table = &ctx.config.end_of_support;
    let now = ctx.config.as_of;
    let mut seen: Vec<(String, Option<String>, String, String)> = ctx
        .health
        .os_versions
        .iter()
        .map(|(host, (v, t))| {
            (
                host.clone(),
                None,
                v.clone(),
                format!("System 6009 on {}", day(*t)),
            )
        })
        .collect();
    for i in ctx.facts.installed.iter().filter(|i| i.is_os) {
        seen.push((
            i.host.clone(),
            Some(i.product.clone()),
            i.version.clone(),
            i.source.clone(),
        ));
    }
    if seen.is_empty() {
        return OS.judged(Verdict::Unknown(
            "No OS versions: supply System logs (6009 at boot), systeminfo output, osquery os_version or an inventory CSV.".into(),
        ));
    }
    let mut lines = Vec::new();
    let mut past = BTreeSet::new();
    let hosts: BTreeSet<&String> = seen.iter().map(|s| &s.0).collect();
    for (host, name, version, from) in &seen {
        let label = name.as_deref().unwrap_or("Windows");
        match table.lookup(name.as_deref(), version) {
            Some(row) if row.end < now => {
                past.insert(host.clone());
                lines.push(format!(
                    "{host}: {label} {version} ({}) support ended {} [{from}; {}]",
                    row.product,
                    day(row.end),
                    row.source
                ));
            }
            Some(row) => lines.push(format!(
                "{host}: {label} {version} ({}) supported until {}",
                row.product,
                day(row.end)
            )),
            None => lines.push(format!(
                "{host}: {label} {version} not in the end-of-support table"
            )),
        }
    }
    if past.is_empty() {
        OS.judged(Verdict::Pass(
            format!(
                "No host runs an OS past end of support ({} checked).",
                plural(hosts.len(), "host")
            ),
            lines,
        ))
    } else {
        OS.judged(Verdict::Fail(
            format!(
                "{} of {} run an OS past end of support.",
                plural(past.len(), "host"),
                hosts.len()
            ),
            lines,
        ))
    }
}

/// `patch-currency`.
pub(crate) fn software(ctx: &Context<'_>) -> ReadinessCheck {
    let f = ctx.facts;
    let apps: Vec<&Installed> = f.installed.iter().filter(|i| !i.is_os).collect();
    if apps.is_empty() && f.hotfixes.is_empty() {
        return SOFTWARE.judged(Verdict::Unknown(
            "No software inventory: supply a `host,product,version` CSV, osquery programs/patches JSON or a \
             Get-HotFix CSV (and a CISA KEV or OSV feed to compare with)."
                .into(),
        ));
    }
    let table = &ctx.config.end_of_support;
    let mut fails = Vec::new();
    let mut notes = Vec::new();
    for app in &apps {
        for vuln in &f.osv {
            for pkg in vuln
                .packages
                .iter()
                .filter(|p| contains_words(&app.product, &p.name))
            {
                if let Some(fix) = affected(pkg, &app.version) {
                    let name = vuln
                        .aliases
                        .iter()
                        .find(|a| a.starts_with("CVE-"))
                        .unwrap_or(&vuln.id);
                    fails.push(format!(
                        "{}: {} {} is vulnerable to {name} ({}) [{}]",
                        app.host, app.product, app.version, fix, app.source
                    ));
                }
            }
        }
        if let Some(row) = table
            .lookup(Some(&app.product), &app.version)
            .filter(|r| r.end < ctx.config.as_of)
        {
            fails.push(format!(
                "{}: {} {} past end of support since {} [{}]",
                app.host,
                app.product,
                app.version,
                day(row.end),
                row.source
            ));
        }
        let kev: Vec<&str> = f
            .kev
            .iter()
            .filter(|k| contains_words(&app.product, &k.product))
            .map(|k| k.cve.as_str())
            .collect();
        if !kev.is_empty() {
            notes.push(format!("{}: {} {} — CISA KEV lists exploited {} for this product; confirm the version is fixed", app.host, app.product, app.version, kev.join(", ")));
        }
    }
    for (host, state) in &f.hotfixes {
        match state.newest {
            Some(t) if days_between(t, ctx.config.as_of) > ctx.config.hotfix_max_age_days => fails
                .push(format!(
                    "{host}: newest of {} installed {} ({} days ago, limit {}) [{}]",
                    plural(state.count as usize, "hotfix"),
                    day(t),
                    days_between(t, ctx.config.as_of),
                    ctx.config.hotfix_max_age_days,
                    state.source
                )),
            Some(_) => {}
            None => notes.push(format!(
                "{host}: {} listed without install dates",
                plural(state.count as usize, "hotfix")
            )),
        }
    }
    if f.osv.is_empty() && f.kev.is_empty() {
        notes.push("No vulnerability feed given: versions were checked against the end-of-support table only.".into());
    }
    let checked = format!(
        "{} and {}",
        plural(apps.len(), "installed product"),
        plural(f.hotfixes.len(), "host hotfix list")
    );
    if !fails.is_empty() {
        let summary = format!(
            "{} among {checked}.",
            plural(fails.len(), "vulnerable, unsupported or unpatched finding")
        );
        fails.extend(notes);
        SOFTWARE.judged(Verdict::Fail(summary, fails))
    } else if notes.iter().any(|n| n.contains("CISA KEV")) {
        SOFTWARE.judged(Verdict::Unknown(format!(
            "Products listed in CISA KEV are installed but the feed gives no versions: supply an OSV feed to settle it. {}",
            notes.join(" | ")
        )))
    } else {
        SOFTWARE.judged(Verdict::Pass(
            format!("No vulnerable or unsupported version among {checked}."),
            notes,
        ))
    }
}

/// `fixed in X` / `no fix listed` when `version` falls in one of the package's ranges.
fn affected(pkg: &OsvPackage, version: &str) -> Option<String> {
    if pkg.versions.iter().any(|v| v == version) {
        return Some("listed version".into());
    }
    pkg.ranges.iter().find_map(|r| feeds_affects(r, version))
}
