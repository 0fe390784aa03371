//! The analytics' names: one enum, so a finding's analytic is one of a known set, every table
//! keyed by it (labels, key figures, host or network) is an exhaustive `match`, and a new
//! analytic that some output forgets is a compile error rather than a mislabelled finding. It
//! serialises to the kebab-case names the reports have always used.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Analytic {
    /// A remote-execution hop (any channel).
    RemoteExecution,
    /// A burst of built-in discovery commands.
    ReconBurst,
    /// One host reaching many others over SMB.
    SmbFanOut,
    /// A device reached over SMB from an infected one, then calling the C2 (network logs).
    NetworkSpread,
    /// Pass-the-hash or overpass-the-hash logons.
    PassTheHash,
    /// A threat-intelligence indicator seen.
    IntelMatch,
    /// Periodic connections to one destination.
    Beacon,
    /// Walking a list of fall-back C2 addresses.
    C2Fallback,
    /// One port probed on many hosts.
    ScanHorizontal,
    /// Many ports probed on one host.
    ScanVertical,
    /// HTTP requests to an IP-literal host.
    HttpIpLiteral,
    /// Long-lived connections.
    LongConnection,
    /// Encoded query strings to one destination.
    EncodedQuery,
    /// A device's routine traffic explained by its role, counted.
    NetworkRole,
    /// Many long, high-entropy names under one parent domain (DNS tunnelling).
    DnsTunnel,
    /// A burst of algorithmic-looking domains from one client (DGA).
    DnsDga,
    /// One name resolved on a regular clock.
    DnsBeacon,
    /// Rare domains a host first resolves after the learning day.
    DnsNewDomain,
}

/// Whether an analytic reads host logs or network logs (the reports list them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Host analytics (facts from Windows logs, and the spread).
    Host,
    /// Network analytics (flows and web requests).
    Network,
}

impl Analytic {
    /// Every analytic, in report order.
    pub const ALL: [Analytic; 18] = [
        Analytic::RemoteExecution,
        Analytic::ReconBurst,
        Analytic::NetworkSpread,
        Analytic::PassTheHash,
        Analytic::Beacon,
        Analytic::C2Fallback,
        Analytic::IntelMatch,
        Analytic::ScanHorizontal,
        Analytic::ScanVertical,
        Analytic::SmbFanOut,
        Analytic::HttpIpLiteral,
        Analytic::LongConnection,
        Analytic::EncodedQuery,
        Analytic::NetworkRole,
        Analytic::DnsTunnel,
        Analytic::DnsDga,
        Analytic::DnsBeacon,
        Analytic::DnsNewDomain,
    ];

    /// The name reports use: `remote-execution`, `beacon`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Analytic::RemoteExecution => "remote-execution",
            Analytic::ReconBurst => "recon-burst",
            Analytic::SmbFanOut => "smb-fan-out",
            Analytic::NetworkSpread => "network-spread",
            Analytic::PassTheHash => "pass-the-hash",
            Analytic::IntelMatch => "intel-match",
            Analytic::Beacon => "beacon",
            Analytic::C2Fallback => "c2-fallback",
            Analytic::ScanHorizontal => "scan-horizontal",
            Analytic::ScanVertical => "scan-vertical",
            Analytic::HttpIpLiteral => "http-ip-literal",
            Analytic::LongConnection => "long-connection",
            Analytic::EncodedQuery => "encoded-query",
            Analytic::NetworkRole => "network-role",
            Analytic::DnsTunnel => "dns-tunnel",
            Analytic::DnsDga => "dns-dga",
            Analytic::DnsBeacon => "dns-beacon",
            Analytic::DnsNewDomain => "dns-new-domain",
        }
    }

    /// Host or network analytic.
    pub fn scope(self) -> Scope {
        match self {
            Analytic::RemoteExecution
            | Analytic::ReconBurst
            | Analytic::NetworkSpread
            | Analytic::PassTheHash => Scope::Host,
            Analytic::SmbFanOut
            | Analytic::IntelMatch
            | Analytic::Beacon
            | Analytic::C2Fallback
            | Analytic::ScanHorizontal
            | Analytic::ScanVertical
            | Analytic::HttpIpLiteral
            | Analytic::LongConnection
            | Analytic::EncodedQuery
            | Analytic::NetworkRole
            | Analytic::DnsTunnel
            | Analytic::DnsDga
            | Analytic::DnsBeacon
            | Analytic::DnsNewDomain => Scope::Network,
        }
    }

    /// The analytic of a report name, if it is one.
    pub fn from_name(name: &str) -> Option<Analytic> {
        Analytic::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl fmt::Display for Analytic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Analytic {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Analytic {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialise_as_reports_have_them() {
        for a in Analytic::ALL {
            assert_eq!(Analytic::from_name(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::Value::from(a.as_str())
            );
        }
        let mut names: Vec<&str> = Analytic::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Analytic::ALL.len(), "ALL lists each once");
        assert_eq!(Analytic::from_name("beacons"), None);
        assert!(Analytic::Beacon == "beacon");
    }
}
