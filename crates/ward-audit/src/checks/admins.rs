//! `admin-daily-use`: privileged accounts logging on to ordinary workstations, kiosks or clinical
//! devices, reading mail, browsing the web — the habits that hand a worm domain-admin credentials.
//! Logons to servers and admin workstations are administration: reported as context, not counted.

use super::host_roles::{HostKind, HostRoles};
use super::{About, Context, Verdict, day, plural};
use crate::events::Use;
use crate::matching::any_wildcard;
use std::collections::{BTreeMap, BTreeSet};
use ward_case::case::ReadinessCheck;
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
    let roles = HostRoles::new(ctx);
    let seen = seen_use(ctx, &roles, &privileged);
    let context = administration_lines(ctx, &seen.administration);
    if seen.accounts.is_empty() {
        let summary = format!(
            "{known} known; none seen on workstations, in mail/browser programs or on the web."
        );
        return Verdict::Pass(summary, context);
    }
    // Without an assets file every host is of unknown role; with one, a gap in it is worth naming.
    let unknown = match seen.unknown_hosts.len() {
        n if n == 0 || !roles.assets_given() => String::new(),
        1 => "; the assets file gives no known role for 1 host, taken as a workstation".into(),
        n => format!("; the assets file gives no known role for {n} hosts, taken as workstations"),
    };
    let summary = format!(
        "{} of {} used for day-to-day work{unknown}.",
        plural(seen.accounts.len(), "privileged account"),
        privileged.len()
    );
    let mut lines = seen.daily;
    lines.extend(context);
    Verdict::Fail(summary, lines)
}

/// What the privileged accounts were seen doing.
#[derive(Default)]
struct SeenUse<'a> {
    /// Evidence of day-to-day use.
    daily: Vec<String>,
    /// Accounts seen in day-to-day use.
    accounts: BTreeSet<&'a str>,
    /// Hosts of unknown role where a privileged logon was counted as workstation use.
    unknown_hosts: BTreeSet<&'a str>,
    /// Logons to servers and admin workstations by account: considered, not counted.
    administration: BTreeMap<&'a str, Administration<'a>>,
}

/// One account's logons where privileged logons belong.
#[derive(Default)]
struct Administration<'a> {
    servers: BTreeSet<&'a str>,
    admin_workstations: BTreeSet<&'a str>,
    logon_types: BTreeSet<&'a str>,
}

/// Sorts every use by a privileged account into day-to-day use or administration.
fn seen_use<'a>(
    ctx: &'a Context<'a>,
    roles: &HostRoles<'_>,
    privileged: &BTreeMap<String, String>,
) -> SeenUse<'a> {
    let a = ctx.admins;
    let mut seen = SeenUse::default();
    for ((acct, host), u) in &a.logons {
        let Some(why) = privileged.get(acct) else {
            continue;
        };
        let kind = roles.kind(host);
        if matches!(kind, HostKind::Server | HostKind::AdminWorkstation) {
            let adm = seen.administration.entry(acct).or_default();
            let hosts = if kind == HostKind::Server {
                &mut adm.servers
            } else {
                &mut adm.admin_workstations
            };
            hosts.insert(host);
            adm.logon_types.extend(u.details.iter().map(String::as_str));
            continue;
        }
        if kind == HostKind::Unknown {
            seen.unknown_hosts.insert(host);
        }
        let what = format!("logged on interactively to {}", roles.describe(host, &kind));
        seen.daily.push(line(ctx, acct, why, &what, u));
        seen.accounts.insert(acct);
    }
    let programs = a
        .programs
        .iter()
        .map(|((acct, host), u)| (acct, format!("started mail/browser programs on {host}"), u));
    let web = a
        .web
        .iter()
        .map(|(acct, u)| (acct, "browsed the web through the proxy".to_string(), u));
    for (acct, what, u) in programs.chain(web) {
        if let Some(why) = privileged.get(acct) {
            seen.daily.push(line(ctx, acct, why, &what, u));
            seen.accounts.insert(acct);
        }
    }
    seen
}

/// One context line per account seen administering servers or on admin workstations, so the
/// reader sees those logons were considered: `administration (not counted): CLINIC\adm-jo RDP
/// to 3 servers`.
fn administration_lines(
    ctx: &Context<'_>,
    administration: &BTreeMap<&str, Administration<'_>>,
) -> Vec<String> {
    administration
        .iter()
        .map(|(acct, adm)| {
            let name = ctx.admins.display.get(*acct).map_or(*acct, String::as_str);
            let types: Vec<&str> = adm.logon_types.iter().copied().collect();
            let how = match types.as_slice() {
                ["type 10"] => "RDP".to_string(),
                ["type 2"] => "console logons".to_string(),
                _ => format!("interactive/RDP logons [{}]", types.join(", ")),
            };
            let targets: Vec<String> = [
                (adm.servers.len(), "server"),
                (adm.admin_workstations.len(), "admin workstation"),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| plural(n, what))
            .collect();
            format!(
                "administration (not counted): {name} {how} to {}",
                targets.join(" and ")
            )
        })
        .collect()
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
