//! `password-policy` and `password-quality`. Quality names accounts and counts only: no hash
//! or password ever reaches an evidence line.

use super::{About, Context, Verdict, plural};
use crate::breached::BreachedList;
use crate::files::{HashedAccount, PasswordPolicy};
use crate::weak::{from_name, nt_hash, weak_hashes};
use std::collections::BTreeMap;
use ward_case::case::ReadinessCheck;
use ward_event::Level;

const POLICY: About = About {
    id: "password-policy",
    title: "Password policy meets the baseline (NCSC, NIST SP 800-63B)",
    severity: Level::Medium,
    remediation: "In the Default Domain Policy set a minimum length of at least 12 (14+ for admins via a \
        fine-grained password policy), account lockout after 10 or fewer bad attempts, and a history of 24; \
        block common and breached passwords rather than forcing complexity or frequent expiry.",
};

const QUALITY: About = About {
    id: "password-quality",
    title: "No empty, LM-stored, shared, breached or common passwords",
    severity: Level::High,
    remediation: "Reset the named accounts' passwords (from a clean computer); set `Network security: Do not \
        store LAN Manager hash value` and reset again so LM hashes go; give every account its own password \
        (LAPS for local administrators); screen new passwords against a breached list.",
};

/// `password-policy`.
pub(crate) fn policy(ctx: &Context<'_>) -> ReadinessCheck {
    let policies = &ctx.facts.policies;
    if policies.is_empty() {
        return POLICY.judged(Verdict::Unknown(
            "No password policy: supply `net accounts` output or a `secedit /export /cfg` INF."
                .into(),
        ));
    }
    let mut fails = Vec::new();
    let mut notes = Vec::new();
    for p in policies {
        judge_policy(ctx, p, &mut fails, &mut notes);
    }
    if fails.is_empty() {
        POLICY.judged(Verdict::Pass(
            format!(
                "{} meet the baseline.",
                plural(policies.len(), "policy file")
            ),
            notes,
        ))
    } else {
        let summary = format!("{} below the baseline.", plural(fails.len(), "setting"));
        fails.extend(notes);
        POLICY.judged(Verdict::Fail(summary, fails))
    }
}

fn judge_policy(
    ctx: &Context<'_>,
    p: &PasswordPolicy,
    fails: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    let b = &ctx.config.password;
    let at = format!("{} ({})", p.source, p.format);
    match p.min_length {
        Some(n) if n < b.min_length => fails.push(format!(
            "{at}: minimum length {n}, baseline {}",
            b.min_length
        )),
        Some(_) => {}
        None => notes.push(format!("{at}: minimum length not stated")),
    }
    match p.lockout_threshold {
        Some(0) => fails.push(format!(
            "{at}: accounts never lock out, baseline 1–{} bad attempts",
            b.lockout_max_attempts
        )),
        Some(n) if n > b.lockout_max_attempts => fails.push(format!(
            "{at}: lockout after {n} bad attempts, baseline 1–{}",
            b.lockout_max_attempts
        )),
        Some(_) => {}
        None => notes.push(format!("{at}: lockout threshold not stated")),
    }
    match p.history {
        Some(n) if n < b.min_history => {
            fails.push(format!("{at}: history {n}, baseline {}", b.min_history))
        }
        Some(_) => {}
        None => notes.push(format!("{at}: password history not stated")),
    }
    match p.complexity {
        Some(false) if b.require_complexity => {
            fails.push(format!("{at}: complexity off, baseline requires it"))
        }
        Some(c) => notes.push(format!(
            "{at}: complexity {} (not required by the baseline)",
            if c { "on" } else { "off" }
        )),
        None => {}
    }
    match p.max_age_days {
        Some(0) => notes.push(format!(
            "{at}: passwords never expire (as NIST and NCSC advise)"
        )),
        Some(n) => notes.push(format!(
            "{at}: passwords expire after {n} days (NIST and NCSC advise against forced expiry)"
        )),
        None => {}
    }
}

/// Accounts by NT hash; the empty password is left out (it has its own finding).
type ByHash<'a> = BTreeMap<[u8; 16], Vec<&'a HashedAccount>>;

/// `password-quality`.
pub(crate) fn quality(ctx: &Context<'_>) -> ReadinessCheck {
    let accounts = &ctx.facts.accounts;
    if accounts.is_empty() {
        return QUALITY.judged(Verdict::Unknown(
            "No NTLM hash export: supply a `user:rid:lmhash:nthash:::` export (secretsdump / ntdsutil + \
             DSInternals)."
                .into(),
        ));
    }
    let empty_nt = nt_hash("");
    let mut by_hash: ByHash<'_> = BTreeMap::new();
    for a in accounts.iter().filter(|a| a.nt != empty_nt) {
        by_hash.entry(a.nt).or_default().push(a);
    }
    let mut fails = Vec::new();
    let weak = weak_hashes(year_of(ctx));
    fails.extend(listed(
        "empty password",
        accounts.iter().filter(|a| a.nt == empty_nt),
    ));
    fails.extend(listed(
        "LM hash stored",
        accounts.iter().filter(|a| a.lm_present),
    ));
    for group in by_hash.values().filter(|g| g.len() > 1) {
        fails.push(format!(
            "one password shared by {} accounts: {}",
            group.len(),
            names(group)
        ));
    }
    fails.extend(listed(
        "common password from Ward's built-in list",
        accounts.iter().filter(|a| weak.contains(&a.nt)),
    ));
    let own_name = |a: &&HashedAccount| from_name(&a.name).iter().any(|p| nt_hash(p) == a.nt);
    fails.extend(listed(
        "password made from the account name",
        accounts.iter().filter(own_name),
    ));
    let notes = breached_list(ctx, &by_hash, &mut fails);
    let checked = format!(
        "{} checked ({} machine or history entries skipped)",
        plural(accounts.len(), "account"),
        ctx.facts.accounts_skipped
    );
    if fails.is_empty() {
        QUALITY.judged(Verdict::Pass(
            format!("No weak password found; {checked}."),
            notes,
        ))
    } else {
        let summary = format!(
            "{} of password weakness found; {checked}.",
            plural(fails.len(), "kind")
        );
        fails.extend(notes);
        QUALITY.judged(Verdict::Fail(summary, fails))
    }
}

/// `what (n): a, b, c`, or nothing for no accounts.
fn listed<'a>(what: &str, accounts: impl Iterator<Item = &'a HashedAccount>) -> Option<String> {
    let list: Vec<&HashedAccount> = accounts.collect();
    (!list.is_empty()).then(|| format!("{what} ({}): {}", list.len(), names(&list)))
}

/// Account names, never anything else of an account.
fn names(list: &[&HashedAccount]) -> String {
    list.iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks every distinct hash up in the breached list (a finding) and returns notes on what was
/// and was not checked.
fn breached_list(ctx: &Context<'_>, by_hash: &ByHash<'_>, fails: &mut Vec<String>) -> Vec<String> {
    let mut notes = Vec::new();
    match ctx.breached {
        Some(path) => match breached(path, by_hash) {
            Ok(found) if !found.is_empty() => fails.extend(listed("password in the breached list", found.into_iter())),
            Ok(_) => notes.push(format!("no account's password is in the breached list {}", path.display())),
            Err(e) => notes.push(format!("breached list {} could not be searched: {e}", path.display())),
        },
        None => notes.push(
            "no breached list given (HIBP NTLM `HASH:COUNT`): only the built-in common list was checked".into(),
        ),
    }
    if let Some(first) = &ctx.facts.export_first_bad {
        notes.push(format!(
            "{} export lines not understood and skipped (first at {first})",
            ctx.facts.export_bad_lines
        ));
    }
    notes
}

/// Accounts whose NT hash is in the breached list, one lookup per distinct hash.
fn breached<'a>(
    path: &std::path::Path,
    by_hash: &ByHash<'a>,
) -> std::io::Result<Vec<&'a HashedAccount>> {
    let mut list = BreachedList::open(path)?;
    let mut found = Vec::new();
    for (hash, accounts) in by_hash {
        if list.lookup(hash)?.is_some() {
            found.extend(accounts.iter().copied());
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn year_of(ctx: &Context<'_>) -> i32 {
    i32::from(
        ctx.config
            .as_of
            .to_jiff()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .year(),
    )
}
