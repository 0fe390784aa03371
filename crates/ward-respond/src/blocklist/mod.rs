//! `blocklist/`: the outbreak's command-and-control (C2) addresses, domains and URLs as the
//! files firewalls, proxies and resolvers hospitals run take — nftables, iptables-restore,
//! pfSense/OPNsense URL tables, FortiGate CLI, Windows Firewall PowerShell, Squid ACLs, a DNS
//! RPZ zone — and a README saying how to apply each.
//!
//! The values are checked once, strictly by kind ([`validate`]), into a [`Blocklist`]; each
//! target renders only that, so no file holds text the logs supplied beyond a parsed address or
//! an LDH domain. What fails a check is refused, with why, and written nowhere.

mod fortigate;
mod iptables;
mod nftables;
mod pfsense;
mod readme;
mod rpz;
mod squid;
pub mod validate;
mod windows;

use crate::kit::{IndicatorKind, Kit};
use crate::{KitFile, KitOptions};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The folder of the kit the blocklists go in.
pub const FOLDER: &str = "blocklist";

/// The checked values to block, and the case they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocklist {
    /// When the case was made (canonical RFC 3339), if the case said so in a valid form.
    pub case_time: Option<jiff::Timestamp>,
    /// External IPv4 addresses, in numeric order.
    pub v4: Vec<Ipv4Addr>,
    /// External IPv6 addresses, in numeric order.
    pub v6: Vec<Ipv6Addr>,
    /// Domains, lower-cased, sorted.
    pub domains: Vec<String>,
    /// `http`/`https` URLs, sorted.
    pub urls: Vec<String>,
    /// Values left out, each with why (`blocklist: domain "…": reason`).
    pub refused: Vec<String>,
}

impl Blocklist {
    /// Checks the kit's C2 indicators (addresses, domains, URLs) and keeps those that pass.
    pub fn from_kit(kit: &Kit) -> Blocklist {
        let mut v4 = BTreeSet::new();
        let mut v6 = BTreeSet::new();
        let mut domains = BTreeSet::new();
        let mut urls = BTreeSet::new();
        let mut refused = Vec::new();
        let mut refuse = |kind: &str, value: &str, why: &str| {
            refused.push(format!(
                "{FOLDER}: {kind} \"{}\": {why}",
                validate::for_display(value)
            ));
        };
        for i in &kit.indicators {
            match i.kind {
                IndicatorKind::Ip => match validate::address(&i.value) {
                    Ok(IpAddr::V4(a)) => {
                        v4.insert(a);
                    }
                    Ok(IpAddr::V6(a)) => {
                        v6.insert(a);
                    }
                    Err(why) => refuse("address", &i.value, why),
                },
                IndicatorKind::Domain => match validate::domain(&i.value) {
                    Ok(d) => {
                        domains.insert(d);
                    }
                    Err(why) => refuse("domain", &i.value, why),
                },
                IndicatorKind::Url => match validate::url(&i.value) {
                    Ok(u) => {
                        urls.insert(u);
                    }
                    Err(why) => refuse("URL", &i.value, why),
                },
                IndicatorKind::Hash | IndicatorKind::ServiceName | IndicatorKind::FileName => {}
            }
        }
        Blocklist {
            case_time: kit.case_time.parse().ok(),
            v4: v4.into_iter().collect(),
            v6: v6.into_iter().collect(),
            domains: domains.into_iter().collect(),
            urls: urls.into_iter().collect(),
            refused,
        }
    }

    /// Names the case in comments: `Ward case of 2026-12-07T09:05:57Z`. Built from the parsed
    /// time only (UTC, to the second), so a comment never carries the case file's own text.
    pub fn case_label(&self) -> String {
        match self.case_time {
            Some(t) => format!("Ward case of {}", t.strftime("%Y-%m-%dT%H:%M:%SZ")),
            None => "Ward case (time unknown)".into(),
        }
    }

    /// Every address, IPv4 first.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let v4 = self.v4.iter().map(|a| IpAddr::V4(*a));
        v4.chain(self.v6.iter().map(|a| IpAddr::V6(*a)))
    }

    /// One line counting what the files block.
    pub fn counts(&self) -> String {
        format!(
            "{} IPv4 and {} IPv6 addresses, {} domains, {} URLs",
            self.v4.len(),
            self.v6.len(),
            self.domains.len(),
            self.urls.len()
        )
    }
}

/// The writer: every blocklist file, and the README listing them. The refused values are
/// reported once, with the README.
pub fn write(kit: &Kit, _options: &KitOptions) -> Vec<KitFile> {
    let list = Blocklist::from_kit(kit);
    let mut files: Vec<(&str, String)> = vec![("nftables.nft", nftables::render(&list))];
    files.extend(iptables::render(&list));
    files.extend(pfsense::render(&list));
    files.push(("fortigate.conf", fortigate::render(&list)));
    files.push(("windows-firewall.ps1", windows::render(&list)));
    files.push(("squid-acl.conf", squid::render(&list)));
    files.push(("rpz.zone", rpz::render(&list)));
    files.push(("README.md", readme::render(&list)));
    let last = files.len() - 1;
    files
        .into_iter()
        .enumerate()
        .map(|(n, (name, text))| KitFile {
            path: format!("{FOLDER}/{name}"),
            text,
            refused: if n == last {
                list.refused.clone()
            } else {
                Vec::new()
            },
            private: false,
        })
        .collect()
}
