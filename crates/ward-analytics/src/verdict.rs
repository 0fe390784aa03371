//! The verdict model: evidence for a worm and for administration, weighed per cluster
//! (`docs/verdicts.md`). Each signal carries its weight and a sentence; the verdict is
//! `worm`, `suspicious` or `likely-admin` from the two scores and the configured cut-offs.

use crate::artefacts::{ArtefactLog, is_specific};
use crate::assets::Assets;
use crate::case::{Verdict, VerdictScore, VerdictSignal};
use crate::config::AnalyticsConfig;
use crate::network::NetworkRole;
use crate::remote_exec::{Channel, Tool};
use crate::spread::{ResolvedHop, UNKNOWN_SOURCE};
use std::collections::{BTreeMap, BTreeSet};
use ward_event::Timestamp;

/// Names that ship with Windows (System32 executables and built-in services), lower-case.
const WINDOWS_NAMES: &str = include_str!("../data/windows_names.txt");

/// What the verdict reads besides the cluster's hops.
pub struct Inputs<'a> {
    /// Thresholds, patterns and cut-offs.
    pub config: &'a AnalyticsConfig,
    /// Assets file (roles of management servers).
    pub assets: &'a Assets,
    /// Follow-up activity per host.
    pub artefacts: &'a ArtefactLog,
    /// Hosts with C2-like web requests: host → (first, last) request time.
    pub c2_callers: &'a BTreeMap<String, (Timestamp, Timestamp)>,
    /// True when network logs with web requests were read (so silence means something).
    pub web_seen: bool,
    /// Failed attempts from this cluster's sources at hosts outside it.
    pub failed_attempts: usize,
}

/// The verdict of one cluster with its score and every signal behind it.
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Both sides' totals.
    pub score: VerdictScore,
    /// Every signal, worm side first.
    pub signals: Vec<VerdictSignal>,
    /// Why the scores give that verdict, in one sentence.
    pub why: String,
}

/// Weighs the evidence of one cluster: its hops and its hosts' infection times.
pub fn judge(
    hops: &[&ResolvedHop],
    infected: &BTreeMap<String, Timestamp>,
    multi_hop: Option<String>,
    follow_up: Option<(String, usize)>,
    inp: &Inputs<'_>,
) -> Judgement {
    let cfg = inp.config;
    let mut worm = Side::default();
    let mut admin = Side::default();
    let members = infected.len().max(1);
    let share = |n: usize| n > 0 && n as f64 >= cfg.follow_up_min_share * members as f64;

    // Remote Desktop sessions carry no implant: what runs on their targets afterwards is not
    // theirs (an administrator or a vendor logs on to a host a worm reached days before), and a
    // cluster of them is never a worm.
    let rdp_only = hops.iter().all(|h| h.channel == Channel::Rdp);
    // Behaviour: what only an intruder does once on a host.
    let relay = multi_hop.is_some();
    if let Some(reason) = multi_hop {
        worm.add(3, reason);
    }
    let mut follow_up_strong = false;
    match follow_up {
        Some((reason, _)) if rdp_only => worm.note(format!(
            "{reason} — not weighed: Remote Desktop sessions carry no implant"
        )),
        Some((reason, n)) if share(n) => {
            follow_up_strong = true;
            worm.add(2, reason);
        }
        Some((reason, n)) => worm.note(format!(
            "{reason} — {n} of {members} hosts, too few to weigh (other activity on those hosts)"
        )),
        None => {}
    }
    let callers: Vec<&String> = infected
        .iter()
        .filter(|(h, t)| inp.c2_callers.get(*h).is_some_and(|(_, last)| last >= *t))
        .map(|(h, _)| h)
        .collect();
    let c2_strong = share(callers.len()) && !rdp_only;
    if c2_strong {
        worm.add(
            2,
            format!(
                "C2-like web requests from {} of {members} hosts after they were reached: {}",
                callers.len(),
                list(callers.iter().map(|s| s.as_str()))
            ),
        );
    }
    // Artefacts: how the hops were made and what they left.
    let accounts: BTreeSet<&str> = hops
        .iter()
        .filter_map(|h| h.edge.account.as_deref())
        .collect();
    let machine = |a: &str| a.ends_with('$') || a.eq_ignore_ascii_case("NT AUTHORITY\\SYSTEM");
    if !accounts.is_empty() && accounts.iter().all(|a| machine(a)) {
        worm.add(
            1,
            "remote actor is a machine account or SYSTEM, not a person or a service account".into(),
        );
    }
    let services: BTreeSet<String> = hops.iter().map(|h| h.service.to_lowercase()).collect();
    let implants: BTreeSet<&str> = hops
        .iter()
        .map(|h| h.implant.as_str())
        .filter(|i| is_specific(i))
        .collect();
    let imitations: BTreeSet<String> = services
        .iter()
        .map(String::as_str)
        .chain(implants.iter().copied())
        .filter_map(imitates_windows)
        .collect();
    if !imitations.is_empty() {
        worm.add(
            1,
            format!(
                "names imitate Windows: {}",
                list(imitations.iter().map(String::as_str))
            ),
        );
    }
    if services.len() > 1 || implants.len() > 1 {
        worm.add(
            1,
            format!(
                "names vary from host to host: {} service name(s), {} file name(s)",
                services.len(),
                implants.len()
            ),
        );
    }
    let in_system32: BTreeSet<&str> = hops
        .iter()
        .filter(|h| in_system_folder(&h.image_path) && !is_windows_name(&h.implant))
        .map(|h| h.implant.as_str())
        .collect();
    if !in_system32.is_empty() {
        worm.add(
            1,
            format!(
                "non-Windows binary run from System32/SysWOW64: {}",
                list(in_system32.iter().copied())
            ),
        );
    }
    if inp.failed_attempts > 0 {
        worm.add(
            1,
            format!("{} failed attempt(s) at other hosts", inp.failed_attempts),
        );
    }
    // Remote Desktop: people at a keyboard, mostly administrators at work; a session taken over
    // with `tscon` as SYSTEM is never that.
    let hijacks = hops
        .iter()
        .filter(|h| h.tool == Some(Tool::TsconHijack))
        .count();
    if hijacks > 0 {
        worm.add(
            2,
            format!(
                "{hijacks} RDP session(s) taken over with tscon run as SYSTEM, without the \
                 session owner's password"
            ),
        );
    }
    let off_hours = hops.iter().filter(|h| !working_hours(h.time, cfg)).count();
    if off_hours * 2 > hops.len() {
        worm.add(
            1,
            format!("{off_hours} of {} hops outside working hours", hops.len()),
        );
    }

    // Administration: who pushed, what, from where, and what did not follow.
    let sources: BTreeSet<&str> = hops.iter().map(|h| h.from.as_str()).collect();
    let targets: BTreeSet<&str> = hops.iter().map(|h| h.to.as_str()).collect();
    let managed: Vec<&str> = sources
        .iter()
        .copied()
        .filter(|s| management_role(s, inp.assets, cfg).is_some())
        .collect();
    let all_managed = !managed.is_empty() && managed.len() == sources.len();
    if all_managed {
        let roles: BTreeSet<String> = managed
            .iter()
            .filter_map(|s| management_role(s, inp.assets, cfg))
            .collect();
        admin.add(
            2,
            format!(
                "pushed from management server(s) {} (assets role {})",
                list(managed.iter().copied()),
                list(roles.iter().map(String::as_str))
            ),
        );
    }
    let first = hops.iter().map(|h| h.time).min().unwrap_or_default();
    let last = hops.iter().map(|h| h.time).max().unwrap_or_default();
    let one_window = last.as_secs() - first.as_secs() <= cfg.admin_window_secs;
    let single = sources.len() == 1 && !sources.contains(UNKNOWN_SOURCE);
    let named: Vec<&str> = accounts.iter().copied().filter(|a| !machine(a)).collect();
    let all_named = !named.is_empty()
        && named.len() == accounts.len()
        && named
            .iter()
            .all(|a| admin_account(a, &cfg.admin_account_patterns));
    if all_named {
        admin.add(
            1,
            format!(
                "named service or admin account: {}",
                list(named.iter().copied())
            ),
        );
    }
    if !all_managed
        && single
        && all_named
        && one_window
        && targets.len() >= cfg.management_min_targets
    {
        let src = sources.iter().next().copied().unwrap_or("?");
        admin.add(
            1,
            format!(
                "{src} acts as a management server (learned): pushed to {} hosts within {} h",
                targets.len(),
                cfg.admin_window_secs / 3600
            ),
        );
    }
    if hops.iter().all(|h| vendor_path(&h.image_path, cfg)) {
        let path = hops.first().map(|h| h.image_path.as_str()).unwrap_or("");
        admin.add(2, format!("installed under a vendor path: {path}"));
    }
    if hops.iter().all(|h| cfg.is_admin_tool(&h.service)) {
        admin.add(
            1,
            format!(
                "signed admin tool {}",
                list(services.iter().map(String::as_str))
            ),
        );
    }
    if targets.len() >= 2 && services.len() == 1 && implants.len() <= 1 {
        admin.add(1, format!("the same name on all {} targets", targets.len()));
    }
    if hijacks == 0 && rdp_only {
        admin.add(
            2,
            "interactive Remote Desktop sessions: a person at the keyboard, nothing installed or \
             started remotely"
                .into(),
        );
    }
    if one_window {
        admin.add(1, "all hops in one time window".into());
    }
    if !follow_up_strong && !relay {
        admin.add(1, "no follow-up activity on the targets".into());
    }
    if inp.web_seen && callers.is_empty() {
        admin.add(1, "no C2-like traffic from the hosts afterwards".into());
    }

    let strong = relay || follow_up_strong || c2_strong;
    let (w, a) = (worm.score, admin.score);
    let (wm, am) = (cfg.worm_min_score, cfg.admin_min_score);
    let (verdict, why) = if strong && w >= wm && w > a && !rdp_only {
        (
            Verdict::Worm,
            format!(
                "the hosts did what a worm does once it lands (relay, follow-up or C2), and the \
                 evidence for a worm ({w}, {wm} needed) outweighs that for administration ({a})"
            ),
        )
    } else if !strong && a >= am && a > w && (single || all_managed) && hijacks == 0 {
        (
            Verdict::LikelyAdmin,
            format!(
                "nothing a worm does once it lands, one source, and the evidence for \
                 administration ({a}, {am} needed) outweighs that for a worm ({w})"
            ),
        )
    } else {
        let why = if strong && rdp_only {
            format!(
                "Remote Desktop sessions relayed from host to host: people moving, not an implant \
                 spreading, and the evidence for administration ({a}) does not settle it"
            )
        } else if strong {
            format!(
                "the hosts did what a worm does once it lands, but the evidence for a worm ({w}, \
                 {wm} needed) does not outweigh that for administration ({a})"
            )
        } else if hijacks > 0 {
            format!(
                "an RDP session was taken over with tscon, which no administration explains \
                 (administration {a}, worm {w})"
            )
        } else if a >= am && a > w {
            format!(
                "the evidence points to administration ({a} against {w}), but from {} sources \
                 that are not all management servers",
                sources.len()
            )
        } else {
            format!(
                "nothing a worm does once it lands, but too little evidence for administration \
                 ({a}, {am} needed and more than the worm's {w})"
            )
        };
        (Verdict::Suspicious, why)
    };
    let score = VerdictScore {
        worm: worm.score,
        admin: admin.score,
    };
    let mut signals: Vec<VerdictSignal> = worm.signals("worm");
    signals.extend(admin.signals("admin"));
    Judgement {
        verdict,
        score,
        signals,
        why: format!("{verdict}: {why}"),
    }
}

/// One side's signals and total.
#[derive(Default)]
struct Side {
    score: u32,
    items: Vec<(u32, String)>,
}

impl Side {
    fn add(&mut self, weight: u32, reason: String) {
        self.score += weight;
        self.items.push((weight, reason));
    }

    /// A signal seen but not weighed (weight 0), so the reader knows it was considered.
    fn note(&mut self, reason: String) {
        self.items.push((0, reason));
    }

    fn signals(self, side: &str) -> Vec<VerdictSignal> {
        self.items
            .into_iter()
            .map(|(weight, reason)| VerdictSignal {
                side: side.into(),
                weight,
                reason,
            })
            .collect()
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = items.collect();
    if all.len() > 8 {
        format!("{}, … ({} in all)", all[..8].join(", "), all.len())
    } else {
        all.join(", ")
    }
}

fn windows_names() -> impl Iterator<Item = &'static str> {
    WINDOWS_NAMES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The stem of a file or service name: lower-case, without `.exe`.
fn stem(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    lower.strip_suffix(".exe").unwrap_or(&lower).to_string()
}

/// True when `name` is a name Windows ships.
pub fn is_windows_name(name: &str) -> bool {
    let s = stem(name);
    windows_names().any(|w| w == s)
}

/// `name (~ real)` when `name` is one or two edits from a Windows name without being one.
pub fn imitates_windows(name: &str) -> Option<String> {
    let s = stem(name);
    if s.len() < 4 || is_windows_name(&s) {
        return None;
    }
    windows_names()
        .filter(|w| w.len() >= 4)
        .find(|w| {
            let most = if w.len() >= 6 { 2 } else { 1 };
            s.len().abs_diff(w.len()) <= most && edit_distance(&s, w) <= most
        })
        .map(|w| format!("{name} (~ {w})"))
}

/// Levenshtein distance over bytes (names are short ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn in_system_folder(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.contains("\\system32\\") || p.contains("\\syswow64\\")
}

fn vendor_path(path: &str, cfg: &AnalyticsConfig) -> bool {
    let p = path.trim().trim_start_matches('"').to_ascii_lowercase();
    cfg.vendor_paths.iter().any(|v| p.contains(v.as_str()))
}

/// The assets role of `host` when it names a management server: one of the configured roles,
/// or an infrastructure role that manages hosts (monitoring, backup, deployment, AV console).
fn management_role(host: &str, assets: &Assets, cfg: &AnalyticsConfig) -> Option<String> {
    let role = assets.host(host)?.role.as_deref()?.to_ascii_lowercase();
    let configured = cfg
        .management_roles
        .iter()
        .any(|r| role.contains(&r.to_ascii_lowercase()));
    let manages = NetworkRole::from_asset_role(&role).is_some_and(NetworkRole::polls_internal);
    (configured || manages).then_some(role)
}

/// True when the user part of `DOMAIN\user` matches one of the patterns (`*` wildcard).
fn admin_account(account: &str, patterns: &[String]) -> bool {
    let user = account
        .rsplit('\\')
        .next()
        .unwrap_or(account)
        .to_ascii_lowercase();
    patterns
        .iter()
        .any(|p| wildcard(&p.to_ascii_lowercase(), &user))
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = &rest[i + m.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// True when `t` falls in the configured working hours, Monday to Friday.
fn working_hours(t: Timestamp, cfg: &AnalyticsConfig) -> bool {
    let local = t.as_secs() + i64::from(cfg.utc_offset_minutes) * 60;
    let day = local.div_euclid(86_400);
    // 1970-01-01 was a Thursday: Monday is 0.
    let weekday = (day + 3).rem_euclid(7);
    let hour = (local.rem_euclid(86_400) / 3600) as u32;
    let (start, end) = cfg.working_hours;
    weekday < 5 && hour >= start && hour < end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_imitate_windows() {
        assert_eq!(
            imitates_windows("wmiapsrvex.exe").as_deref(),
            Some("wmiapsrvex.exe (~ wmiapsrv)")
        );
        assert!(imitates_windows("WmiApSrvEx").is_some());
        assert!(imitates_windows("svchosts.exe").is_some());
        assert_eq!(imitates_windows("svchost.exe"), None);
        assert_eq!(imitates_windows("PSEXESVC"), None);
        assert_eq!(imitates_windows("PDQInventoryAgent"), None);
        assert_eq!(imitates_windows("ccmsetup"), None);
        assert_eq!(imitates_windows("a.exe"), None);
    }

    #[test]
    fn account_patterns_and_hours() {
        let cfg = AnalyticsConfig::default();
        assert!(admin_account(
            "STMARY\\svc_deploy",
            &cfg.admin_account_patterns
        ));
        assert!(admin_account(
            "CLINIC\\it.admin",
            &cfg.admin_account_patterns
        ));
        assert!(!admin_account("CLINIC\\nurse", &cfg.admin_account_patterns));
        assert!(wildcard("*admin*", "administrator"));
        assert!(!wildcard("svc_*", "sv"));
        // 2026-03-02 was a Monday.
        let monday_10 = Timestamp::parse("2026-03-02T10:00:00Z").unwrap();
        let monday_22 = Timestamp::parse("2026-03-02T22:00:00Z").unwrap();
        let sunday_10 = Timestamp::parse("2026-03-01T10:00:00Z").unwrap();
        assert!(working_hours(monday_10, &cfg));
        assert!(!working_hours(monday_22, &cfg));
        assert!(!working_hours(sunday_10, &cfg));
    }
}
