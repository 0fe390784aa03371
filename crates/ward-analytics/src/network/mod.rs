//! Network analytics (scans and fan-out, beaconing, C2 fallback, long connections) over
//! network facts. Owned by the network work; the host analytics do not depend on it.
//!
//! ```
//! use ward_analytics::network::{NetworkAnalyzer, NetworkConfig, extract};
//! # let events: Vec<ward_event::Event> = Vec::new();
//! let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default());
//! for event in &events {
//!     if let Some(fact) = extract(event) {
//!         analyzer.feed(&fact);
//!     }
//! }
//! let findings = analyzer.finish();
//! assert!(findings.is_empty());
//! ```

mod beacon;
mod c2;
pub mod dns;
mod evidence;
mod fact;
mod review;
mod roles;
mod scan;

pub(crate) use c2::encoded_query;
pub use fact::{FactOrigin, Flow, NetFact, WebRequest, extract, is_broadcast, is_internal};
pub use roles::{ASSET_ROLES, AssetRoles, NetworkRole};

use crate::case::Finding;
use crate::checkpoint::{self, CheckpointError};
use serde::{Deserialize, Serialize};

/// Thresholds of the network analytics.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Sliding window for scans and fan-out, seconds.
    pub scan_window_secs: i64,
    /// Most records a scan window keeps per key.
    pub scan_window_cap: usize,
    /// Distinct destinations on one port that make a horizontal scan.
    pub horizontal_min_targets: usize,
    /// Distinct ports on one destination that make a vertical scan.
    pub vertical_min_ports: usize,
    /// Weighted distinct SMB/RPC peers that make a fan-out (file servers weigh 0.25).
    pub smb_min_peers: usize,
    /// Distinct SMB clients that mark a destination as a file server.
    pub file_server_min_clients: usize,
    /// Beats needed before a pair is scored as a beacon.
    pub beacon_min_beats: u64,
    /// Records of one pair closer than this are one beat (conn + ssl + http of one request).
    pub beacon_merge_ms: i64,
    /// Timestamps (and sizes) kept per pair.
    pub beacon_sample: usize,
    /// Lowest beacon score reported.
    pub beacon_min_score: f64,
    /// Pairs tracked for beaconing before the older one-off pairs (fewer than
    /// `beacon_min_beats`) are forgotten; bounds memory on large inputs.
    pub beacon_max_pairs: usize,
    /// Window for C2 fallback, seconds.
    pub c2_fallback_window_secs: i64,
    /// Distinct failed external 80/443 addresses that make a C2 fallback.
    pub c2_fallback_min_targets: usize,
    /// Shortest query value taken as encoded data.
    pub encoded_query_min_len: usize,
    /// Connections at least this long (seconds) are reported.
    pub long_connection_secs: f64,
    /// Evidence lines kept per finding.
    pub evidence_per_finding: usize,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            scan_window_secs: 300,
            scan_window_cap: 10_000,
            horizontal_min_targets: 20,
            vertical_min_ports: 12,
            smb_min_peers: 8,
            file_server_min_clients: 10,
            beacon_min_beats: 4,
            beacon_merge_ms: 1_000,
            beacon_sample: 512,
            beacon_min_score: 0.5,
            beacon_max_pairs: 200_000,
            c2_fallback_window_secs: 300,
            c2_fallback_min_targets: 5,
            encoded_query_min_len: 24,
            long_connection_secs: 4.0 * 3600.0,
            evidence_per_finding: 10,
        }
    }
}

/// Runs the network analytics over facts fed in time order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkAnalyzer {
    // Thresholds come from the user's files at start; checkpoints hold the rest.
    #[serde(skip)]
    config: NetworkConfig,
    /// Roles the assets file declares; like the thresholds, given at start.
    #[serde(skip)]
    declared: AssetRoles,
    roles: roles::RoleLearner,
    scans: scan::ScanDetector,
    beacons: beacon::BeaconDetector,
    c2: c2::C2Detector,
    dns: dns::DnsAnalyzer,
    fed: u64,
}

/// Facts between two sweeps of expired scan windows and one-off beacon pairs.
const SWEEP_EVERY: u64 = 65_536;

impl NetworkAnalyzer {
    /// An analyzer with these thresholds.
    pub fn new(config: NetworkConfig) -> Self {
        NetworkAnalyzer {
            config,
            ..NetworkAnalyzer::default()
        }
    }

    /// The same analyzer with these DNS thresholds (the DNS analyzer's state is kept).
    pub fn with_dns(mut self, config: dns::DnsConfig) -> Self {
        self.dns.set_config(config);
        self
    }

    /// The same analyzer, knowing the infrastructure roles the assets file declares (the
    /// others are learned from the traffic).
    pub fn with_roles(self, declared: AssetRoles) -> Self {
        NetworkAnalyzer { declared, ..self }
    }

    /// Takes one fact (facts should come in time order).
    pub fn feed(&mut self, fact: &NetFact) {
        let (flow, web) = match fact {
            NetFact::Connection(f) => (f, None),
            NetFact::WebRequest(f, w) => (f, Some(w)),
            NetFact::Dns(q) => {
                self.dns.feed(q);
                return;
            }
        };
        // A proxy request names the destination; scans are about addresses.
        if flow.dst.is_some() && web.is_none() {
            self.scans.feed(flow, &self.config);
            self.roles.feed(flow);
        }
        self.beacons.feed(flow, &self.config);
        self.c2.feed(flow, web, &self.config);
        self.fed += 1;
        if self.fed.is_multiple_of(SWEEP_EVERY) {
            self.scans.sweep(flow.time, &self.config);
            self.beacons.evict(&self.config);
        }
    }

    /// Keyed entries held now (scan windows and episodes, beacon pairs and destinations,
    /// C2 state): stays bounded when many unrelated flows are fed.
    pub fn state_size(&self) -> usize {
        self.scans.state_size()
            + self.beacons.state_size()
            + self.c2.state_size()
            + self.roles.state_size()
            + self.dns.state_size()
    }

    /// What [`finish`](Self::finish) would return if the input ended now; the analyzer carries on.
    pub fn snapshot(&self) -> Vec<Finding> {
        self.clone().finish()
    }

    /// The state (not the thresholds), to [`restore`](Self::restore) after a restart.
    pub fn checkpoint(&self) -> Vec<u8> {
        checkpoint::encode(checkpoint::Kind::Network, self)
    }

    /// An analyzer with these thresholds that carries on from `bytes`, a
    /// [`checkpoint`](Self::checkpoint) of this build.
    pub fn restore(config: NetworkConfig, bytes: &[u8]) -> Result<Self, CheckpointError> {
        let state: NetworkAnalyzer = checkpoint::decode(checkpoint::Kind::Network, bytes)?;
        Ok(NetworkAnalyzer { config, ..state })
    }

    /// The findings: scans and fan-out, beacons (best first), C2 habits, long connections,
    /// reviewed against the hosts' roles; then one `network-role` finding per infrastructure
    /// host whose findings the review dropped or downgraded; then the DNS analytics
    /// (tunnels, DGA bursts, DNS beacons, new domains; `docs/dns-analytics.md`).
    pub fn finish(self) -> Vec<Finding> {
        let scans = self.scans.finish(&self.config);
        let beacons = self.beacons.finish(&self.config);
        let c2 = self.c2.finish();
        let roles = self
            .roles
            .settle(&self.declared, &review::regular_polls(&beacons));
        let mut findings = review::review(scans, beacons, c2, &roles, &self.roles);
        findings.extend(self.dns.finish());
        findings
    }
}
