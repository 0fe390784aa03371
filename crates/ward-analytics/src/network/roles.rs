//! Network roles: the infrastructure hosts whose everyday traffic looks like an attack — a web
//! proxy's upstream connections look like a scan, a monitoring server's polls like a beacon.
//! A role comes from the assets file's `role` column ([`ASSET_ROLES`]) or is learned from the
//! traffic in the same time-ordered pass ([`RoleLearner`], bounded state) and settled at finish.
//! What a role changes in the findings is decided in `review.rs`.

use super::fact::{Flow, is_broadcast, is_internal};
use crate::assets::Assets;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use ward_event::Timestamp;

/// What an infrastructure host does on the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NetworkRole {
    /// Forwards internal clients' web requests to the internet.
    WebProxy,
    /// Resolves names, recursing to external servers.
    Dns,
    /// Active Directory domain controller (usually a DNS server too).
    DomainController,
    /// Polls every host for health (SNMP, WMI, WinRM, ping).
    Monitoring,
    /// Pulls backups from the hosts it protects.
    Backup,
    /// Pushes software to hosts (SCCM, PDQ, WDS).
    Deployment,
    /// Fetches updates upstream and serves them internally (WSUS).
    UpdateServer,
    /// Antivirus or EDR console: fetches signatures, pushes agents.
    AvConsole,
}

/// Assets-file role names, normalised (lower case, `_` and spaces as `-`), and the network role
/// each names. The one place that maps free-text roles to [`NetworkRole`].
pub const ASSET_ROLES: &[(&str, NetworkRole)] = &[
    ("proxy", NetworkRole::WebProxy),
    ("web-proxy", NetworkRole::WebProxy),
    ("http-proxy", NetworkRole::WebProxy),
    ("proxy-server", NetworkRole::WebProxy),
    ("squid", NetworkRole::WebProxy),
    ("dns", NetworkRole::Dns),
    ("dns-server", NetworkRole::Dns),
    ("resolver", NetworkRole::Dns),
    ("domain-controller", NetworkRole::DomainController),
    ("dc", NetworkRole::DomainController),
    ("ad", NetworkRole::DomainController),
    ("monitoring", NetworkRole::Monitoring),
    ("monitoring-server", NetworkRole::Monitoring),
    ("monitor", NetworkRole::Monitoring),
    ("nms", NetworkRole::Monitoring),
    ("nagios", NetworkRole::Monitoring),
    ("zabbix", NetworkRole::Monitoring),
    ("prtg", NetworkRole::Monitoring),
    ("backup", NetworkRole::Backup),
    ("backup-server", NetworkRole::Backup),
    ("veeam", NetworkRole::Backup),
    ("deployment", NetworkRole::Deployment),
    ("deployment-server", NetworkRole::Deployment),
    ("sccm", NetworkRole::Deployment),
    ("mecm", NetworkRole::Deployment),
    ("pdq", NetworkRole::Deployment),
    ("wds", NetworkRole::Deployment),
    ("wsus", NetworkRole::UpdateServer),
    ("update-server", NetworkRole::UpdateServer),
    ("patch-server", NetworkRole::UpdateServer),
    ("av-server", NetworkRole::AvConsole),
    ("av-console", NetworkRole::AvConsole),
    ("antivirus", NetworkRole::AvConsole),
    ("edr-console", NetworkRole::AvConsole),
    ("epo", NetworkRole::AvConsole),
];

/// Words of free-text roles, most specific first: a `veeam-backup-proxy` is a backup server.
const ROLE_WORDS: &[(&str, NetworkRole)] = &[
    ("backup", NetworkRole::Backup),
    ("veeam", NetworkRole::Backup),
    ("sccm", NetworkRole::Deployment),
    ("mecm", NetworkRole::Deployment),
    ("pdq", NetworkRole::Deployment),
    ("deployment", NetworkRole::Deployment),
    ("wds", NetworkRole::Deployment),
    ("monitoring", NetworkRole::Monitoring),
    ("nagios", NetworkRole::Monitoring),
    ("zabbix", NetworkRole::Monitoring),
    ("prtg", NetworkRole::Monitoring),
    ("solarwinds", NetworkRole::Monitoring),
    ("checkmk", NetworkRole::Monitoring),
    ("wsus", NetworkRole::UpdateServer),
    ("antivirus", NetworkRole::AvConsole),
    ("epo", NetworkRole::AvConsole),
    ("edr", NetworkRole::AvConsole),
    ("proxy", NetworkRole::WebProxy),
    ("squid", NetworkRole::WebProxy),
    ("dns", NetworkRole::Dns),
];

/// Words that make a role an end device, whatever else it says (`backup-workstation`).
const CLIENT_WORDS: &[&str] = &["workstation", "laptop", "desktop", "kiosk", "console"];

/// Ports a client uses to reach a web proxy.
pub(crate) const PROXY_PORTS: [u16; 4] = [3128, 8080, 8000, 8888];
/// Proxy ports no internal web application is likely to use: clients alone make a proxy.
const PROXY_ONLY_PORTS: [u16; 2] = [3128, 8888];
/// Management ports a poller uses (RPC, NetBIOS, SMB, WinRM, SNMP, SSH); ICMP counts too.
pub(crate) const MANAGEMENT_PORTS: [u16; 7] = [135, 139, 445, 5985, 5986, 161, 22];

/// Evidence needed to learn a role from traffic.
const PROXY_MIN_CLIENTS: usize = 10;
/// External web destinations a proxy reached when its clients are also seen.
const PROXY_MIN_UPSTREAM_WITH_CLIENTS: u64 = 20;
/// External web destinations that alone make a proxy, if far above the internal norm.
const PROXY_MIN_UPSTREAM: u64 = 50;
/// How far above the median internal host a proxy's external web destinations are.
const PROXY_UPSTREAM_OVER_MEDIAN: u64 = 10;
/// A proxy works all day; a scan is a burst.
const PROXY_MIN_UPSTREAM_SPAN_SECS: i64 = 3_600;
/// Internal hosts a monitoring server polls on management ports.
const MONITOR_MIN_TARGETS: u64 = 10;
/// Of which strictly periodic (see `review::regular_poll`).
pub(crate) const MONITOR_MIN_REGULAR: usize = 10;
/// Bounds of the learner's state: tracked servers, sources, clients per server.
const MAX_KEYS: usize = 65_536;
const MAX_CLIENTS: usize = 256;

/// Asset roles naming an end device: never given an infrastructure role from traffic.
const CLIENT_ROLES: [&str; 6] = [
    "workstation",
    "laptop",
    "desktop",
    "kiosk",
    "admin-workstation",
    "thin-client",
];

fn normalise(role: &str) -> String {
    role.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

impl NetworkRole {
    /// The role an assets-file role text names, if it is an infrastructure role.
    pub fn from_asset_role(text: &str) -> Option<NetworkRole> {
        let key = normalise(text);
        let exact = ASSET_ROLES
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, role)| *role);
        // Inventories spell roles their own way (`Nagios Monitoring`, `SCCM Distribution
        // Point`, `Veeam Backup Proxy`): fall back to the words, never for an end device.
        exact.or_else(|| {
            let words: Vec<&str> = key.split('-').collect();
            if words.iter().any(|w| CLIENT_WORDS.contains(w)) {
                return None;
            }
            ROLE_WORDS
                .iter()
                .find(|(word, _)| words.contains(word))
                .map(|(_, role)| *role)
        })
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            NetworkRole::WebProxy => "web proxy",
            NetworkRole::Dns => "DNS server",
            NetworkRole::DomainController => "domain controller",
            NetworkRole::Monitoring => "monitoring server",
            NetworkRole::Backup => "backup server",
            NetworkRole::Deployment => "deployment server",
            NetworkRole::UpdateServer => "update server",
            NetworkRole::AvConsole => "antivirus console",
        }
    }

    /// True when the role reaches many external addresses on behalf of others (its upstream
    /// traffic is not a scan, a fan-out or a C2 walk of its own).
    pub fn relays_upstream(self) -> bool {
        matches!(
            self,
            NetworkRole::WebProxy
                | NetworkRole::Dns
                | NetworkRole::DomainController
                | NetworkRole::UpdateServer
                | NetworkRole::AvConsole
        )
    }

    /// True when the role reaches internal hosts on a clock to manage them.
    pub fn polls_internal(self) -> bool {
        matches!(
            self,
            NetworkRole::Monitoring
                | NetworkRole::Backup
                | NetworkRole::Deployment
                | NetworkRole::AvConsole
        )
    }
}

/// A host's role and why Ward believes it, as shown in `details.role`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleClaim {
    pub(crate) role: NetworkRole,
    /// `assets: role "web-proxy"` or `learned: 37 clients on :3128, …`.
    pub(crate) basis: String,
}

impl RoleClaim {
    /// `web proxy (learned: 37 clients on :3128, about 412 external web destinations)`.
    pub(crate) fn describe(&self) -> String {
        format!("{} ({})", self.role.label(), self.basis)
    }
}

/// The roles the assets file declares, by address.
#[derive(Debug, Clone, Default)]
pub struct AssetRoles {
    by_ip: HashMap<IpAddr, RoleClaim>,
    /// Addresses of end devices (workstations, clinical devices): no role is learned for them.
    clients: HashSet<IpAddr>,
}

impl AssetRoles {
    /// The infrastructure roles of the assets file's hosts with an address.
    pub fn from_assets(assets: &Assets) -> Self {
        let mut out = AssetRoles::default();
        for (_, asset) in assets.iter() {
            let role_text = asset.role.as_deref().unwrap_or("");
            let role = NetworkRole::from_asset_role(role_text);
            let client = asset.clinical || CLIENT_ROLES.contains(&normalise(role_text).as_str());
            for ip in asset.ips.iter().filter_map(|ip| ip.parse::<IpAddr>().ok()) {
                if let Some(role) = role {
                    let basis = format!("assets: role `{role_text}`");
                    out.by_ip.insert(ip, RoleClaim { role, basis });
                } else if client {
                    out.clients.insert(ip);
                }
            }
        }
        out
    }

    /// The declared role of `ip`.
    pub fn role_of(&self, ip: &IpAddr) -> Option<NetworkRole> {
        self.by_ip.get(ip).map(|c| c.role)
    }

    /// Addresses with a declared role.
    pub fn len(&self) -> usize {
        self.by_ip.len()
    }

    /// True when the assets file declares no infrastructure role.
    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty()
    }
}

/// Distinct addresses counted in 128 bytes (linear counting over 1,024 bits): close for the
/// hundreds that matter here, so every internal source can afford one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DistinctCount {
    bits: [u64; 16],
}

impl DistinctCount {
    fn insert(&mut self, ip: &IpAddr) {
        let raw = match ip {
            IpAddr::V4(v4) => u128::from(u32::from(*v4)),
            IpAddr::V6(v6) => u128::from(*v6),
        };
        // splitmix64 finaliser: a fixed hash, so checkpoints and runs agree.
        let mut h = (raw as u64) ^ ((raw >> 64) as u64);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        let bit = (h % 1024) as usize;
        if let Some(word) = self.bits.get_mut(bit / 64) {
            *word |= 1 << (bit % 64);
        }
    }

    fn estimate(&self) -> u64 {
        let ones: u32 = self.bits.iter().map(|w| w.count_ones()).sum();
        let zeros = 1024.0 - f64::from(ones);
        if zeros < 1.0 {
            return 7_000;
        }
        (-1024.0 * (zeros / 1024.0).ln()).round() as u64
    }
}

/// One source's successful external web connections.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Upstream {
    destinations: DistinctCount,
    first: Timestamp,
    last: Timestamp,
}

/// What the traffic says about roles, gathered flow by flow; bounded by the number of internal
/// hosts (at most [`MAX_KEYS`] each map).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RoleLearner {
    /// Internal server and proxy port → distinct internal clients (at most [`MAX_CLIENTS`]).
    proxy_clients: HashMap<(IpAddr, u16), HashSet<IpAddr>>,
    /// Internal source → its successful external 80/443 connections.
    upstream: HashMap<IpAddr, Upstream>,
    /// Internal source → internal hosts it reached on management ports or by ICMP.
    polls: HashMap<IpAddr, DistinctCount>,
}

/// True for a flow on a management port or ICMP.
pub(crate) fn is_management(f: &Flow) -> bool {
    f.proto.eq_ignore_ascii_case("icmp") || f.dport.is_some_and(|p| MANAGEMENT_PORTS.contains(&p))
}

impl RoleLearner {
    /// Takes one connection (not a proxy-log request: those name the client, not the proxy).
    pub(crate) fn feed(&mut self, f: &Flow) {
        let Some(dst) = f.dst else { return };
        if !is_internal(&f.src) || dst == f.src || is_broadcast(&dst) {
            return;
        }
        if is_internal(&dst) {
            if let Some(port) = f.dport.filter(|p| PROXY_PORTS.contains(p) && !f.failed) {
                let room = self.proxy_clients.len() < MAX_KEYS;
                if let Some(clients) = bounded_entry(&mut self.proxy_clients, (dst, port), room)
                    && clients.len() < MAX_CLIENTS
                {
                    clients.insert(f.src);
                }
            }
            if is_management(f) {
                let room = self.polls.len() < MAX_KEYS;
                if let Some(targets) = bounded_entry(&mut self.polls, f.src, room) {
                    targets.insert(&dst);
                }
            }
        } else if matches!(f.dport, Some(80 | 443)) && !f.failed {
            let room = self.upstream.len() < MAX_KEYS;
            if let Some(up) = bounded_entry(&mut self.upstream, f.src, room) {
                if up.first == Timestamp::UNKNOWN {
                    up.first = f.time;
                }
                up.destinations.insert(&dst);
                up.last = up.last.max(f.time);
            }
        }
    }

    /// Keyed entries held now.
    pub(crate) fn state_size(&self) -> usize {
        self.proxy_clients.len() + self.upstream.len() + self.polls.len()
    }

    /// External web destinations `ip` reached (estimated), for summaries.
    pub(crate) fn upstream_of(&self, ip: &IpAddr) -> u64 {
        self.upstream
            .get(ip)
            .map_or(0, |u| u.destinations.estimate())
    }

    /// Internal hosts `ip` reached on management ports (estimated), for summaries.
    pub(crate) fn polled_by(&self, ip: &IpAddr) -> u64 {
        self.polls.get(ip).map_or(0, DistinctCount::estimate)
    }

    /// The roles of this input: declared ones first, then those the traffic shows for hosts the
    /// assets file does not call end devices. `regular_polls` counts each source's strictly
    /// periodic pairs to internal hosts.
    pub(crate) fn settle(
        &self,
        declared: &AssetRoles,
        regular_polls: &HashMap<IpAddr, usize>,
    ) -> HashMap<IpAddr, RoleClaim> {
        let mut roles = declared.by_ip.clone();
        let learnable = |ip: &IpAddr| !roles.contains_key(ip) && !declared.clients.contains(ip);
        let mut learned: Vec<(IpAddr, RoleClaim)> = Vec::new();
        // Clients on a proxy port, largest first so the basis names the main port.
        let mut served: Vec<(&(IpAddr, u16), usize)> = self
            .proxy_clients
            .iter()
            .map(|(k, c)| (k, c.len()))
            .filter(|(_, n)| *n >= PROXY_MIN_CLIENTS)
            .collect();
        served.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (&(ip, port), clients) in served {
            let upstream = self.upstream_of(&ip);
            let proxy =
                PROXY_ONLY_PORTS.contains(&port) || upstream >= PROXY_MIN_UPSTREAM_WITH_CLIENTS;
            if proxy && learnable(&ip) && !learned.iter().any(|(l, _)| *l == ip) {
                let basis = format!(
                    "learned: {clients} clients on :{port}, about {upstream} external web destinations"
                );
                learned.push((
                    ip,
                    RoleClaim {
                        role: NetworkRole::WebProxy,
                        basis,
                    },
                ));
            }
        }
        for (ip, upstream) in self.upstream_outliers() {
            if learnable(&ip) && !learned.iter().any(|(l, _)| *l == ip) {
                let basis = format!(
                    "learned: about {upstream} external web destinations, most internal hosts reach few"
                );
                learned.push((
                    ip,
                    RoleClaim {
                        role: NetworkRole::WebProxy,
                        basis,
                    },
                ));
            }
        }
        for (ip, targets) in &self.polls {
            let targets = targets.estimate();
            let regular = regular_polls.get(ip).copied().unwrap_or(0);
            if targets >= MONITOR_MIN_TARGETS
                && regular >= MONITOR_MIN_REGULAR
                && learnable(ip)
                && !learned.iter().any(|(l, _)| l == ip)
            {
                let basis = format!(
                    "learned: polls about {targets} internal hosts on management ports, {regular} on a strict clock"
                );
                learned.push((
                    *ip,
                    RoleClaim {
                        role: NetworkRole::Monitoring,
                        basis,
                    },
                ));
            }
        }
        roles.extend(learned);
        roles
    }

    /// Internal sources reaching far more external web servers than the internal norm, over
    /// hours: the hosts the others' web traffic goes through.
    fn upstream_outliers(&self) -> Vec<(IpAddr, u64)> {
        if self.upstream.len() < 4 {
            return Vec::new();
        }
        let mut counts: Vec<u64> = self
            .upstream
            .values()
            .map(|u| u.destinations.estimate())
            .collect();
        counts.sort_unstable();
        let median = counts.get(counts.len() / 2).copied().unwrap_or(0).max(1);
        let mut out: Vec<(IpAddr, u64)> = self
            .upstream
            .iter()
            .filter(|(_, u)| u.last.as_secs() - u.first.as_secs() >= PROXY_MIN_UPSTREAM_SPAN_SECS)
            .map(|(ip, u)| (*ip, u.destinations.estimate()))
            .filter(|(_, n)| *n >= PROXY_MIN_UPSTREAM && *n >= PROXY_UPSTREAM_OVER_MEDIAN * median)
            .collect();
        out.sort();
        out
    }
}

/// The entry for `key`, created only while `room` is left.
fn bounded_entry<K: std::hash::Hash + Eq, V: Default>(
    map: &mut HashMap<K, V>,
    key: K,
    room: bool,
) -> Option<&mut V> {
    if room {
        Some(map.entry(key).or_default())
    } else {
        map.get_mut(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_roles_map_through_their_words() {
        let role = NetworkRole::from_asset_role;
        assert_eq!(role("Nagios Monitoring"), Some(NetworkRole::Monitoring));
        assert_eq!(
            role("SCCM Distribution Point"),
            Some(NetworkRole::Deployment)
        );
        assert_eq!(role("Veeam Backup Proxy"), Some(NetworkRole::Backup));
        assert_eq!(role("software-deployment"), Some(NetworkRole::Deployment));
        assert_eq!(role("backup workstation"), None);
        assert_eq!(role("mri-console"), None);
        assert_eq!(role("file-server"), None);
    }

    #[test]
    fn asset_roles_map_through_the_table() {
        assert_eq!(
            NetworkRole::from_asset_role("Web_Proxy"),
            Some(NetworkRole::WebProxy)
        );
        assert_eq!(
            NetworkRole::from_asset_role("SCCM"),
            Some(NetworkRole::Deployment)
        );
        assert_eq!(
            NetworkRole::from_asset_role("wsus"),
            Some(NetworkRole::UpdateServer)
        );
        assert_eq!(
            NetworkRole::from_asset_role("av-server"),
            Some(NetworkRole::AvConsole)
        );
        assert_eq!(NetworkRole::from_asset_role("mri-console"), None);
    }

    #[test]
    fn distinct_count_is_close_for_hundreds() {
        let mut d = DistinctCount::default();
        for i in 0..400u32 {
            d.insert(&IpAddr::from(std::net::Ipv4Addr::from(0xc633_6400 + i)));
            d.insert(&IpAddr::from(std::net::Ipv4Addr::from(0xc633_6400 + i)));
        }
        let n = d.estimate();
        assert!((360..=440).contains(&n), "{n}");
    }
}
