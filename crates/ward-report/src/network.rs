//! The network analytics Ward knows, in one table: which findings the HTML page and the terminal
//! summary put under "Network", how they are named for people, and which of their `details`
//! figures are worth a glance without opening the finding.

use serde_json::Value;
use ward_analytics::Analytic;
use ward_analytics::analytic::Scope;
use ward_analytics::case::Finding;

/// One network analytic: its `Finding.analytic` name, a label, and its key figures as
/// (`details` key, label) in display order.
pub(crate) struct NetworkAnalytic {
    /// The analytic.
    pub name: Analytic,
    /// Plural label for headings.
    pub label: &'static str,
    /// Key figures shown when present.
    pub figures: &'static [(&'static str, &'static str)],
}

/// Scan counts; the scan analytics write `targets`/`attempts`, later ones may split destinations
/// and ports, so both spellings are listed and whichever is present shows.
const SCAN_FIGURES: &[(&str, &str)] = &[
    ("distinct_destinations", "destinations"),
    ("distinct_ports", "ports"),
    ("targets", "targets"),
    ("port", "port"),
    ("destination", "destination"),
    ("attempts", "attempts"),
    ("failed", "failed"),
];

/// Every network analytic, in the order the network section lists them.
pub(crate) const NETWORK_ANALYTICS: [NetworkAnalytic; 14] = [
    NetworkAnalytic {
        name: Analytic::Beacon,
        label: "Beacons",
        figures: &[
            ("interval_secs", "interval (s)"),
            ("score", "score"),
            ("connections", "connections"),
            ("destination", "destination"),
            ("level_reason", "why this level"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::C2Fallback,
        label: "C2 fallback walks",
        figures: &[("failed_destinations", "failed destinations")],
    },
    NetworkAnalytic {
        name: Analytic::IntelMatch,
        label: "Threat-intel matches",
        figures: &[
            ("indicator", "indicator"),
            ("indicator_kind", "kind"),
            ("matched", "matched"),
            ("indicator_source", "source"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::ScanHorizontal,
        label: "Horizontal scans",
        figures: SCAN_FIGURES,
    },
    NetworkAnalytic {
        name: Analytic::ScanVertical,
        label: "Vertical scans",
        figures: SCAN_FIGURES,
    },
    NetworkAnalytic {
        name: Analytic::SmbFanOut,
        label: "SMB fan-out",
        figures: &[
            ("peer_count", "peers"),
            ("failed_peers", "failed peers"),
            ("targets", "targets"),
            ("attempts", "attempts"),
            ("failed", "failed"),
            ("explained_by", "explained by"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::HttpIpLiteral,
        label: "HTTP to IP literals",
        figures: &[("count", "requests"), ("destination", "destination")],
    },
    NetworkAnalytic {
        name: Analytic::LongConnection,
        label: "Long connections",
        figures: &[
            ("max_duration_secs", "longest (s)"),
            ("count", "connections"),
            ("destination", "destination"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::EncodedQuery,
        label: "Encoded query strings",
        figures: &[("count", "requests"), ("destination", "destination")],
    },
    NetworkAnalytic {
        name: Analytic::NetworkRole,
        label: "Infrastructure roles (context, not alerts)",
        figures: &[("role", "role")],
    },
    NetworkAnalytic {
        name: Analytic::DnsTunnel,
        label: "DNS tunnelling",
        figures: &[
            ("score", "score"),
            ("domain", "domain"),
            ("unique_names", "names"),
            ("mean_label_length", "label length"),
            ("txt_null_share", "TXT/NULL share"),
            ("clients", "clients"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::DnsDga,
        label: "DGA-like bursts",
        figures: &[
            ("score", "score"),
            ("distinct_names", "names"),
            ("nxdomain", "NXDOMAIN"),
            ("window_secs", "window (s)"),
            ("examples", "examples"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::DnsBeacon,
        label: "DNS beacons",
        figures: &[
            ("score", "score"),
            ("name", "name"),
            ("interval_secs", "interval (s)"),
            ("queries", "queries"),
            ("clients", "clients"),
        ],
    },
    NetworkAnalytic {
        name: Analytic::DnsNewDomain,
        label: "Domains new to a host (leads)",
        figures: &[("new_domains", "new"), ("domains", "domains")],
    },
];

/// The network analytic's row, if `analytic` is a network analytic.
pub(crate) fn network_analytic(analytic: Analytic) -> Option<&'static NetworkAnalytic> {
    NETWORK_ANALYTICS.iter().find(|a| a.name == analytic)
}

/// True for the network analytics (listed apart, under "Network").
pub(crate) fn is_network(analytic: Analytic) -> bool {
    analytic.scope() == Scope::Network
}

/// The key figures of a network finding that are present, labelled, in display order; empty for
/// other findings.
pub(crate) fn key_figures(f: &Finding) -> Vec<(&'static str, String)> {
    let Some(a) = network_analytic(f.analytic) else {
        return Vec::new();
    };
    a.figures
        .iter()
        .filter_map(|(key, label)| f.details.get(*key).map(|v| (*label, shown(v))))
        .collect()
}

/// A details value as people read it: strings bare, lists joined, anything else as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Key figures on one line: `interval (s) 300 · score 0.91`.
pub(crate) fn figures_line(f: &Finding) -> String {
    key_figures(f)
        .into_iter()
        .map(|(label, value)| format!("{label} {value}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use ward_event::{Level, Timestamp};

    /// A network analytic without a row would be listed under "Network" with no label or
    /// figures (as `encoded-query` once was): every one has exactly one row, and only they do.
    #[test]
    fn every_network_analytic_has_one_row() {
        for a in Analytic::ALL {
            let rows = NETWORK_ANALYTICS.iter().filter(|r| r.name == a).count();
            let expected = usize::from(a.scope() == Scope::Network);
            assert_eq!(rows, expected, "{a}");
        }
    }

    fn finding(analytic: &str, details: Value) -> Finding {
        let details: BTreeMap<String, Value> = serde_json::from_value(details).expect("object");
        Finding {
            analytic: Analytic::from_name(analytic).expect("a known analytic"),
            title: String::new(),
            level: Level::Medium,
            host: "WS-07".into(),
            first_seen: Timestamp::UNKNOWN,
            last_seen: Timestamp::UNKNOWN,
            summary: String::new(),
            details,
            evidence: vec![],
        }
    }

    #[test]
    fn the_network_analytics_are_recognised_by_name() {
        for name in [
            "scan-horizontal",
            "scan-vertical",
            "smb-fan-out",
            "beacon",
            "c2-fallback",
            "http-ip-literal",
            "long-connection",
            "intel-match",
            "encoded-query",
            "network-role",
        ] {
            let a = Analytic::from_name(name).expect(name);
            assert!(is_network(a), "{name}");
        }
        for name in [
            "remote-execution",
            "network-spread",
            "recon-burst",
            "pass-the-hash",
        ] {
            let a = Analytic::from_name(name).expect(name);
            assert!(!is_network(a), "{name}");
        }
        for name in ["scan", "net-x", "Beacon"] {
            assert_eq!(Analytic::from_name(name), None, "{name} is no analytic");
        }
    }

    #[test]
    fn beacon_figures_show_whichever_keys_are_present_in_order() {
        let f = finding(
            "beacon",
            serde_json::json!({"score": 0.91, "destination": "203.0.113.9:443", "interval_secs": 300, "coverage": 0.8}),
        );
        assert_eq!(
            figures_line(&f),
            "interval (s) 300 · score 0.91 · destination 203.0.113.9:443"
        );
    }

    #[test]
    fn scan_figures_show_counts_and_other_findings_none() {
        let f = finding(
            "scan-vertical",
            serde_json::json!({"distinct_ports": 1000, "failed": 990, "sample_targets": ["a"]}),
        );
        assert_eq!(figures_line(&f), "ports 1000 · failed 990");
        let f = finding("remote-execution", serde_json::json!({"failed": 3}));
        assert!(key_figures(&f).is_empty());
    }
}
