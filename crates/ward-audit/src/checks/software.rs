//! `patch-currency`: installed software against OSV / CISA KEV feeds and the end-of-support
//! table, and each host's newest hotfix.

use super::{About, Context, Verdict, day, days_between, plural};
use crate::files::{Installed, OsvPackage, feeds_affects};
use crate::matching::contains_words;
use ward_case::case::ReadinessCheck;
use ward_event::Level;

const SOFTWARE: About = About {
    id: "patch-currency",
    title: "Installed software has no known-vulnerable or unsupported versions",
    severity: Level::High,
    remediation: "Update the named products to a fixed, supported version; remove software that is no \
        longer needed; install pending Windows hotfixes.",
};

/// Failures and notes as they are found.
#[derive(Default)]
struct Findings {
    fails: Vec<String>,
    notes: Vec<String>,
    kev_only: bool,
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
    let mut found = Findings::default();
    for app in &apps {
        osv_matches(ctx, app, &mut found);
        end_of_support(ctx, app, &mut found);
        kev_matches(ctx, app, &mut found);
    }
    hotfix_age(ctx, &mut found);
    if f.osv.is_empty() && f.kev.is_empty() {
        found.notes.push(
            "No vulnerability feed given: versions were checked against the end-of-support table only.".into(),
        );
    }
    let checked = format!(
        "{} and {}",
        plural(apps.len(), "installed product"),
        plural(f.hotfixes.len(), "host hotfix list")
    );
    let Findings {
        mut fails,
        notes,
        kev_only,
    } = found;
    if !fails.is_empty() {
        let summary = format!(
            "{} among {checked}.",
            plural(fails.len(), "vulnerable, unsupported or unpatched finding")
        );
        fails.extend(notes);
        SOFTWARE.judged(Verdict::Fail(summary, fails))
    } else if kev_only {
        SOFTWARE.judged(Verdict::Unknown(format!(
            "Products listed in CISA KEV are installed but the feed gives no versions: supply an OSV feed to \
             settle it. {}",
            notes.join(" | ")
        )))
    } else {
        SOFTWARE.judged(Verdict::Pass(
            format!("No vulnerable or unsupported version among {checked}."),
            notes,
        ))
    }
}

/// OSV ranges that hold the installed version.
fn osv_matches(ctx: &Context<'_>, app: &Installed, found: &mut Findings) {
    for vuln in &ctx.facts.osv {
        let packages = vuln
            .packages
            .iter()
            .filter(|p| contains_words(&app.product, &p.name));
        for fix in packages.filter_map(|pkg| affected(pkg, &app.version)) {
            let name = vuln
                .aliases
                .iter()
                .find(|a| a.starts_with("CVE-"))
                .unwrap_or(&vuln.id);
            found.fails.push(format!(
                "{}: {} {} is vulnerable to {name} ({fix}) [{}]",
                app.host, app.product, app.version, app.source
            ));
        }
    }
}

/// Products whose vendor no longer fixes them.
fn end_of_support(ctx: &Context<'_>, app: &Installed, found: &mut Findings) {
    let row = ctx
        .config
        .end_of_support
        .lookup(Some(&app.product), &app.version);
    if let Some(row) = row.filter(|r| r.end < ctx.config.as_of) {
        found.fails.push(format!(
            "{}: {} {} past end of support since {} [{}]",
            app.host,
            app.product,
            app.version,
            day(row.end),
            row.source
        ));
    }
}

/// KEV names products, not versions: a match is a question, not an answer.
fn kev_matches(ctx: &Context<'_>, app: &Installed, found: &mut Findings) {
    let cves: Vec<&str> = ctx
        .facts
        .kev
        .iter()
        .filter(|k| contains_words(&app.product, &k.product))
        .map(|k| k.cve.as_str())
        .collect();
    if !cves.is_empty() {
        found.kev_only = true;
        found.notes.push(format!(
            "{}: {} {} — CISA KEV lists exploited {} for this product; confirm the version is fixed",
            app.host,
            app.product,
            app.version,
            cves.join(", ")
        ));
    }
}

/// Hosts whose newest hotfix is older than the limit.
fn hotfix_age(ctx: &Context<'_>, found: &mut Findings) {
    let limit = ctx.config.hotfix_max_age_days;
    for (host, state) in &ctx.facts.hotfixes {
        let hotfixes = plural(state.count as usize, "hotfix");
        match state.newest.map(|t| (t, days_between(t, ctx.config.as_of))) {
            Some((t, age)) if age > limit => found.fails.push(format!(
                "{host}: newest of {hotfixes} installed {} ({age} days ago, limit {limit}) [{}]",
                day(t),
                state.source
            )),
            Some(_) => {}
            None => found
                .notes
                .push(format!("{host}: {hotfixes} listed without install dates")),
        }
    }
}

/// `fixed in X` / `no fix listed` when `version` falls in one of the package's ranges.
fn affected(pkg: &OsvPackage, version: &str) -> Option<String> {
    if pkg.versions.iter().any(|v| v == version) {
        return Some("listed version".into());
    }
    pkg.ranges.iter().find_map(|r| feeds_affects(r, version))
}
