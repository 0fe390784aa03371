//! Which host is behind an address: learned from target-side logons (`IpAddress` +
//! `WorkstationName`), explicit-credential events, a host's own connections, and the assets file
//! (which wins). Bounded by the number of hosts and addresses, not events.

use crate::assets::Assets;
use crate::case::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Addresses listed per host; a name claimed from more (a spoofed or reused workstation name,
/// a NAT) is not one device's address list any more.
pub const MAX_IPS_PER_HOST: usize = 64;

/// Addresses and names of the hosts seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostDirectory {
    by_ip: HashMap<String, String>,
    ips: HashMap<String, BTreeSet<String>>,
    fqdn: HashMap<String, String>,
}

/// True for addresses that never name a remote peer.
pub fn is_local_ip(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(a) => a.is_loopback() || a.is_unspecified(),
        Err(_) => true,
    }
}

impl HostDirectory {
    /// Records that `ip` belongs to `host` (a raw name; it is normalised).
    pub fn learn(&mut self, ip: &str, host: &str) {
        if matches!(
            host.trim().to_ascii_uppercase().as_str(),
            "NULL" | "LOCALHOST" | "UNKNOWN"
        ) {
            return;
        }
        let name = ward_event::HostName::new(host);
        if name.is_empty() || is_local_ip(ip) || name.short().parse::<std::net::IpAddr>().is_ok() {
            return;
        }
        let short = name.short().to_string();
        if let Some(f) = name.fqdn() {
            self.fqdn
                .entry(short.clone())
                .or_insert_with(|| f.to_string());
        }
        self.by_ip.insert(ip.to_string(), short.clone());
        let ips = self.ips.entry(short).or_default();
        if ips.len() < MAX_IPS_PER_HOST {
            ips.insert(ip.to_string());
        }
    }

    /// Records the FQDN of a host as its own logs name it.
    pub fn learn_fqdn(&mut self, short: &str, fqdn: Option<&str>) {
        if let Some(f) = fqdn {
            self.fqdn
                .entry(short.to_string())
                .or_insert_with(|| f.to_string());
        }
    }

    /// The host behind `ip`: the assets file first, then what the logs taught; else the IP itself.
    pub fn resolve(&self, ip: &str, assets: &Assets) -> String {
        assets
            .host_of_ip(ip)
            .or_else(|| self.by_ip.get(ip).map(String::as_str))
            .unwrap_or(ip)
            .to_string()
    }

    /// Every address seen for `host`, plus those in the assets file, sorted.
    pub fn ips_of(&self, host: &str, assets: &Assets) -> Vec<String> {
        let mut all: BTreeSet<String> = self.ips.get(host).cloned().unwrap_or_default();
        if let Some(a) = assets.host(host) {
            all.extend(a.ips.iter().cloned());
        }
        all.into_iter().collect()
    }

    /// The FQDN seen for `host`.
    pub fn fqdn_of(&self, host: &str) -> Option<String> {
        self.fqdn.get(host).cloned()
    }

    /// Every address with its host: what the logs taught, overridden by the assets file.
    pub fn book(&self, assets: &Assets) -> AddressBook {
        let mut by_ip: HashMap<String, String> = self.by_ip.clone();
        for (host, asset) in assets.iter() {
            for ip in &asset.ips {
                by_ip.insert(ip.clone(), host.to_string());
            }
        }
        AddressBook { by_ip }
    }

    /// Entries held, for the memory bound.
    pub fn size(&self) -> usize {
        self.by_ip.len() + self.fqdn.len()
    }
}

/// Host names behind addresses at the end of a run, to name the hosts of network findings.
#[derive(Debug, Clone, Default)]
pub struct AddressBook {
    by_ip: HashMap<String, String>,
}

impl AddressBook {
    /// The host behind `ip` (upper-case short name).
    pub fn host_of(&self, ip: &str) -> Option<&str> {
        self.by_ip.get(ip).map(String::as_str)
    }

    /// Names the host of each finding whose host is an address: `host` becomes the name, the
    /// address stays in `details.host_ip` and the title reads `NAME (ip)`.
    pub fn name_findings(&self, findings: &mut [Finding]) {
        for f in findings {
            let Some(name) = self.host_of(&f.host) else {
                continue;
            };
            let ip = std::mem::replace(&mut f.host, name.to_string());
            let labelled = format!("{name} ({ip})");
            f.title = f.title.replacen(&ip, &labelled, 1);
            f.summary = f.summary.replacen(&ip, &labelled, 1);
            f.details.insert("host_ip".into(), serde_json::json!(ip));
        }
    }

    /// Learns a mapping, for tests and callers with their own sources.
    pub fn insert(&mut self, ip: &str, host: &str) {
        self.by_ip.insert(ip.to_string(), host.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_claimed_from_many_addresses_keeps_a_bounded_list_and_every_address_resolves() {
        let mut d = HostDirectory::default();
        for i in 0..1000u32 {
            d.learn(&format!("10.1.{}.{}", i / 250, i % 250 + 1), "WS-001");
        }
        let assets = Assets::default();
        let listed = d.ips_of("WS-001", &assets);
        assert_eq!(listed.len(), MAX_IPS_PER_HOST);
        assert!(listed.contains(&"10.1.0.1".to_string()), "{listed:?}");
        assert_eq!(d.resolve("10.1.3.250", &assets), "WS-001");
    }
}
