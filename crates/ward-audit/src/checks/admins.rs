//! `admin-daily-use`: privileged accounts logging on to ordinary workstations, reading mail,
//! browsing the web — the habits that hand a worm domain-admin credentials.

use super::{About, Context, Verdict, day, plural};
use crate::events::Use;
use crate::matching::any_wildcard;
use std::collections::{BTreeMap, BTreeSet};
use ward_analytics::case::ReadinessCheck;
use ward_event::Level;

const ABOUT: About = About {
    id: "admin-daily-use",
    title: "Privileged accounts are kept off day-to-day work (no workstation logons, mail or web)",
    severity: Level::High,
    remediation: "Give each administrator a separate unprivileged account for mail and web; use privileged \
        accounts only from dedicated admin workstations; deny Domain Admins `log on locally` and `log on \
        through Remote Desktop` on workstations by GPO; add admin accounts to Protected Users.",
};

/// The check.
pub(crate) fn daily_use(ctx: &Context<'_>) -> ReadinessCheck {
    ABOUT.judged(verdict(ctx))
}

fn verdict(ctx: &Context<'_>) -> Verdict {
    let privileged = privileged(ctx);
    if privileged.is_empty() {
        return Verdict::Unknown(
            "No privileged account is known: supply Security logs with 4672 / 4728 / 4732 / 4756, or an \
             admins list (one account per line)."
                .into(),
        );
    }
    let known = plural(privileged.len(), "privileged account");
    if ctx.admins.use_events == 0 {
        return Verdict::Unknown(format!(
            "{known} known, but nothing shows how accounts are used: supply Security logs with 4624 and \
             4688, Sysmon process events, or authenticated proxy logs."
        ));
    }
    let (lines, accounts) = daily_use_lines(ctx, &privileged);
    if accounts == 0 {
        let summary = format!(
            "{known} known; none seen on workstations, in mail/browser programs or on the web."
        );
        Verdict::Pass(summary, Vec::new())
    } else {
        let summary = format!(
            "{} of {} used for day-to-day work.",
            plural(accounts, "privileged account"),
            privileged.len()
        );
        Verdict::Fail(summary, lines)
    }
}

/// Evidence lines for every day-to-day use by a privileged account, and how many accounts.
fn daily_use_lines(
    ctx: &Context<'_>,
    privileged: &BTreeMap<String, String>,
) -> (Vec<String>, usize) {
    let a = ctx.admins;
    let servers = server_hosts(ctx);
    let workstation = |host: &str| {
        !servers.contains(host)
            && !any_wildcard(&ctx.config.server_name_patterns, host)
            && !any_wildcard(&ctx.config.admin_workstation_patterns, host)
    };
    let logons = a
        .logons
        .iter()
        .filter(|((_, host), _)| workstation(host))
        .map(|((acct, host), u)| {
            (
                acct,
                format!("logged on interactively to workstation {host}"),
                u,
            )
        });
    let programs = a
        .programs
        .iter()
        .map(|((acct, host), u)| (acct, format!("started mail/browser programs on {host}"), u));
    let web = a
        .web
        .iter()
        .map(|(acct, u)| (acct, "browsed the web through the proxy".to_string(), u));
    let mut lines = Vec::new();
    let mut accounts = BTreeSet::new();
    for (acct, what, u) in logons.chain(programs).chain(web) {
        if let Some(why) = privileged.get(acct) {
            lines.push(line(ctx, acct, why, &what, u));
            accounts.insert(acct);
        }
    }
    (lines, accounts.len())
}

fn line(ctx: &Context<'_>, acct: &str, why: &str, what: &str, u: &Use) -> String {
    let name = ctx.admins.display.get(acct).map_or(acct, String::as_str);
    let details: Vec<&str> = u.details.iter().map(String::as_str).collect();
    format!(
        "{name} ({why}) {what} [{}]: {}, first {} at {}",
        details.join(", "),
        plural(u.seen.count as usize, "time"),
        day(u.seen.first),
        u.seen.first_origin
    )
}

/// Account key → why it is privileged (the first reason).
fn privileged(ctx: &Context<'_>) -> BTreeMap<String, String> {
    let a = ctx.admins;
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (acct, why) in &a.privileged {
        if let Some(first) = why.iter().next() {
            out.insert(acct.clone(), first.clone());
        }
    }
    for (acct, list) in &ctx.facts.admins {
        out.entry(acct.clone())
            .or_insert_with(|| format!("listed in {list}"));
    }
    // SIDs added to privileged groups, resolved through the logons that carried them.
    for ((acct, _), u) in &a.logons {
        if let Some(why) = u.sid.as_ref().and_then(|s| a.privileged_sids.get(s)) {
            out.entry(acct.clone()).or_insert_with(|| why.clone());
        }
    }
    let seen = a
        .logons
        .keys()
        .map(|(k, _)| k)
        .chain(a.programs.keys().map(|(k, _)| k))
        .chain(a.web.keys());
    for acct in seen {
        if any_wildcard(&ctx.config.admin_name_patterns, acct) {
            out.entry(acct.clone())
                .or_insert_with(|| "admin naming convention".into());
        }
    }
    out
}

/// Hosts an inventory says run a server OS.
fn server_hosts(ctx: &Context<'_>) -> BTreeSet<String> {
    ctx.facts
        .installed
        .iter()
        .filter(|i| i.is_os && i.product.to_lowercase().contains("server"))
        .map(|i| i.host.clone())
        .collect()
}
