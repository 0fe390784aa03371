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
    let a = ctx.admins;
    let has_use_data = a.use_events > 0;
    let privileged = privileged(ctx);
    if privileged.is_empty() {
        return Verdict::Unknown(
            "No privileged account is known: supply Security logs with 4672 / 4728 / 4732 / 4756, or an \
             admins list (one account per line)."
                .into(),
        );
    }
    if !has_use_data {
        return Verdict::Unknown(format!(
            "{} known, but nothing shows how accounts are used: supply Security logs with 4624 and 4688, \
             Sysmon process events, or authenticated proxy logs.",
            plural(privileged.len(), "privileged account")
        ));
    }
    let servers = server_hosts(ctx);
    let mut lines = Vec::new();
    let mut accounts = BTreeSet::new();
    for ((acct, host), u) in &a.logons {
        let workstation =
            !servers.contains(host) && !any_wildcard(&ctx.config.server_name_patterns, host);
        if let Some(why) = privileged.get(acct).filter(|_| workstation) {
            lines.push(line(
                ctx,
                acct,
                why,
                &format!("logged on interactively to workstation {host}"),
                u,
            ));
            accounts.insert(acct);
        }
    }
    for ((acct, host), u) in &a.programs {
        if let Some(why) = privileged.get(acct) {
            lines.push(line(
                ctx,
                acct,
                why,
                &format!("started mail/browser programs on {host}"),
                u,
            ));
            accounts.insert(acct);
        }
    }
    for (acct, u) in &a.web {
        if let Some(why) = privileged.get(acct) {
            lines.push(line(ctx, acct, why, "browsed the web through the proxy", u));
            accounts.insert(acct);
        }
    }
    if accounts.is_empty() {
        Verdict::Pass(
            format!(
                "{} known; none seen on workstations, in mail/browser programs or on the web.",
                plural(privileged.len(), "privileged account")
            ),
            Vec::new(),
        )
    } else {
        Verdict::Fail(
            format!(
                "{} of {} used for day-to-day work.",
                plural(accounts.len(), "privileged account"),
                privileged.len()
            ),
            lines,
        )
    }
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
