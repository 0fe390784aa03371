//! Who is privileged, and what those accounts were seen doing: interactive logons, mail and
//! browser processes, web browsing through the proxy.

use super::{Seen, remember_name, text};
use crate::config::AuditConfig;
use crate::matching::{account_key, is_system_account};
use std::collections::{BTreeMap, BTreeSet};
use ward_event::{Event, Fields};

/// Logon types that put an account's credentials on the machine: interactive, remote
/// interactive (RDP), cached interactive.
const INTERACTIVE: [i64; 3] = [2, 10, 11];
/// Sites kept per proxy user as evidence (the alphabetically first, whatever the order read).
const MAX_SITES: usize = 3;

/// One kind of day-to-day use by one account on one host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Use {
    /// When and how often.
    pub seen: Seen,
    /// Logon types, process names or web hosts, as fits the use.
    pub details: BTreeSet<String>,
    /// The account's SID when the log gave one.
    pub sid: Option<String>,
}

/// Privileged accounts and their day-to-day use.
#[derive(Debug, Default)]
pub(crate) struct AdminUse {
    /// Privileged account keys, each with why it is privileged.
    pub privileged: BTreeMap<String, BTreeSet<String>>,
    /// SIDs added to privileged groups.
    pub privileged_sids: BTreeMap<String, String>,
    /// Interactive logons: (account, host) → use.
    pub logons: BTreeMap<(String, String), Use>,
    /// Mail/browser processes: (account, host) → use (details = program names).
    pub programs: BTreeMap<(String, String), Use>,
    /// Proxy users → web use (details = a few sites).
    pub web: BTreeMap<String, Use>,
    /// Account key → name as first written (`CLINIC\adm-jo`).
    pub display: BTreeMap<String, String>,
    /// Logon, process and proxy events seen at all: with none, "no admin seen" means nothing.
    pub use_events: u64,
}

impl AdminUse {
    /// Takes privilege and use facts from a Windows event.
    pub fn observe_windows(&mut self, event: &Event, config: &AuditConfig) {
        let channel = event.source.channel.as_deref().unwrap_or("");
        match (event.source.event_id, channel) {
            (Some(4672), "Security") => self.special_logon(event),
            (Some(4728 | 4732 | 4756), "Security") => self.group_add(event, config),
            (Some(4624), "Security") => self.logon(event),
            (Some(4688), "Security") => {
                let user = domain_user(event, "SubjectDomainName", "SubjectUserName");
                self.program(event, user, &["NewProcessName"], config);
            }
            (Some(1), "Microsoft-Windows-Sysmon/Operational") => {
                let user = text(event, &["User"]).map(str::to_string);
                self.program(event, user, &["Image"], config);
            }
            _ => {}
        }
    }

    /// Takes the authenticated user of a proxy request.
    pub fn observe_proxy(&mut self, event: &Event) {
        self.use_events += 1;
        let Some(user) = text(event, &["cs-username", "user", "username"]) else {
            return;
        };
        let key = account_key(user);
        if is_system_account(&key) {
            return;
        }
        remember_name(&mut self.display, &key, user);
        let entry = self.web.entry(key).or_default();
        entry.seen.add(event);
        // Keep the three alphabetically first sites: the same three whatever the reading order.
        if let Some(site) = text(event, &["cs-host", "r-dns", "c-uri"])
            && (entry.details.len() < MAX_SITES
                || entry.details.last().is_some_and(|l| site < l.as_str()))
        {
            entry.details.insert(site.chars().take(80).collect());
            if entry.details.len() > MAX_SITES {
                entry.details.pop_last();
            }
        }
    }

    /// Adds what another observer saw, as if its events had been fed after these.
    pub fn merge(&mut self, other: AdminUse) {
        for (key, why) in other.privileged {
            self.privileged.entry(key).or_default().extend(why);
        }
        // A later addition of the same SID wins, as it does event by event.
        self.privileged_sids.extend(other.privileged_sids);
        for (key, name) in &other.display {
            remember_name(&mut self.display, key, name);
        }
        merge_uses(&mut self.logons, other.logons, usize::MAX);
        merge_uses(&mut self.programs, other.programs, usize::MAX);
        merge_uses(&mut self.web, other.web, MAX_SITES);
        self.use_events += other.use_events;
    }

    fn special_logon(&mut self, event: &Event) {
        let Some(name) = domain_user(event, "SubjectDomainName", "SubjectUserName") else {
            return;
        };
        let key = account_key(&name);
        if is_system_account(&key) {
            return;
        }
        remember_name(&mut self.display, &key, &name);
        self.privileged
            .entry(key)
            .or_default()
            .insert("special privileges at logon (4672)".into());
    }

    fn group_add(&mut self, event: &Event, config: &AuditConfig) {
        let Some(group) = text(event, &["TargetUserName", "GroupName"]) else {
            return;
        };
        if !config
            .privileged_groups
            .iter()
            .any(|g| g.eq_ignore_ascii_case(group))
        {
            return;
        }
        let why = format!("added to {group} ({})", event.source.event_id.unwrap_or(0));
        // The SID names the account exactly (resolved through its logons); MemberName is a DN
        // whose CN is often a display name, so it is the fallback only.
        if let Some(sid) = text(event, &["MemberSid"]) {
            self.privileged_sids.insert(sid.to_string(), why);
        } else if let Some(cn) = text(event, &["MemberName"]).and_then(common_name) {
            self.privileged
                .entry(account_key(cn))
                .or_default()
                .insert(why);
        }
    }

    fn logon(&mut self, event: &Event) {
        self.use_events += 1;
        let Some(kind) = event.get("LogonType").and_then(|v| v.as_i64()) else {
            return;
        };
        if !INTERACTIVE.contains(&kind) {
            return;
        }
        let Some(name) = domain_user(event, "TargetDomainName", "TargetUserName") else {
            return;
        };
        let key = account_key(&name);
        if is_system_account(&key) {
            return;
        }
        remember_name(&mut self.display, &key, &name);
        let entry = self
            .logons
            .entry((key, event.host.short().to_string()))
            .or_default();
        entry.seen.add(event);
        entry.details.insert(format!("type {kind}"));
        if let Some(sid) = text(event, &["TargetUserSid"])
            && entry.sid.as_deref().is_none_or(|kept| sid < kept)
        {
            entry.sid = Some(sid.to_string());
        }
    }

    fn program(
        &mut self,
        event: &Event,
        user: Option<String>,
        image_fields: &[&str],
        config: &AuditConfig,
    ) {
        self.use_events += 1;
        let Some(image) = text(event, image_fields) else {
            return;
        };
        let file = image
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or(image)
            .to_lowercase();
        if !config
            .mail_and_browser_images
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&file))
        {
            return;
        }
        let Some(name) = user else { return };
        let key = account_key(&name);
        if is_system_account(&key) {
            return;
        }
        remember_name(&mut self.display, &key, &name);
        let entry = self
            .programs
            .entry((key, event.host.short().to_string()))
            .or_default();
        entry.seen.add(event);
        entry.details.insert(file);
    }
}

/// `DOMAIN\user` from a pair of fields, or the user alone.
/// Folds `from` into `into`: sightings add, details join (the smallest `max_details` kept), the
/// smallest SID is kept.
fn merge_uses<K: Ord>(into: &mut BTreeMap<K, Use>, from: BTreeMap<K, Use>, max_details: usize) {
    for (key, other) in from {
        let entry = into.entry(key).or_default();
        entry.seen.merge(&other.seen);
        entry.details.extend(other.details);
        while entry.details.len() > max_details {
            entry.details.pop_last();
        }
        if let Some(sid) = other.sid
            && entry.sid.as_deref().is_none_or(|kept| sid.as_str() < kept)
        {
            entry.sid = Some(sid);
        }
    }
}

fn domain_user(event: &Event, domain: &str, user: &str) -> Option<String> {
    let user = text(event, &[user])?;
    Some(match text(event, &[domain]) {
        Some(d) => format!("{d}\\{user}"),
        None => user.to_string(),
    })
}

/// The first `CN=` value of a distinguished name.
fn common_name(dn: &str) -> Option<&str> {
    let first = dn.split(',').next()?.trim();
    let cn = first
        .strip_prefix("CN=")
        .or_else(|| first.strip_prefix("cn="))?;
    (!cn.is_empty()).then_some(cn)
}
