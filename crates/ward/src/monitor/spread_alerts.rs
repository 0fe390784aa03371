//! The live spread as alerts, by verdict (`docs/verdicts.md`): the outbreak alert counts the
//! worm clusters' devices and accounts alone; suspicious clusters raise their own, lower
//! "needs a look" alert; spread judged to be administration raises nothing above
//! informational. The figures are the report's [`Overview`], so the alert and the dashboard's
//! case page never disagree.

use ward_analytics::Case;
use ward_analytics::case::{Accounts, Finding, Spread, Verdict as ClusterVerdict};
use ward_event::{Level, Timestamp};
use ward_monitor::Alert;
use ward_report::{AffectedDevice, Overview, Verdict};

/// Rule id of the outbreak alert.
pub const OUTBREAK: &str = "ward.outbreak";
/// Rule id of the alert for suspicious spread.
pub const NEEDS_A_LOOK: &str = "ward.needs-a-look";

/// What the guidance of a needs-a-look alert says to do.
const ASK: &str = "Ask who ran these; if nobody did, treat them as the outbreak: isolate the \
                   devices and reset the accounts from a clean computer.";

/// The outbreak and needs-a-look alerts of one snapshot of the spread. Each is keyed by what it
/// counts, so a snapshot that changes nothing raises nothing new, and one where the spread
/// reached another device or exposed another account raises the alert again, with the new
/// figures.
pub fn spread_alerts(spread: &Spread, accounts: &Accounts) -> Vec<Alert> {
    let mut case = Case::new(env!("CARGO_PKG_VERSION"), Timestamp::UNKNOWN);
    (case.spread, case.accounts) = (spread.clone(), accounts.clone());
    let o = Overview::of(&case);
    let mut alerts = Vec::new();
    if o.verdict == Verdict::Outbreak {
        alerts.push(outbreak(&case, &o));
    }
    if !o.needs_a_look.clusters.is_empty() {
        alerts.push(needs_a_look(&case, &o));
    }
    alerts
}

/// The level a finding is alerted at: hops of spread judged to be administration are
/// informational, whatever the analytic gave them.
pub fn alert_level(f: &Finding) -> Level {
    let admin = f
        .details
        .get("verdict")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v == ClusterVerdict::LikelyAdmin.as_str());
    if admin { Level::Informational } else { f.level }
}

fn outbreak(case: &Case, o: &Overview) -> Alert {
    let reset = names(&case.accounts.reset);
    let title = format!(
        "Outbreak: a worm reached {} ({} clinical) from {}; {} to reset",
        count(o.affected_devices.len(), "device"),
        o.clinical_devices,
        o.patient_zero.join(", "),
        count(reset.len(), "account"),
    );
    Alert {
        key: format!(
            "{OUTBREAK}|{}|devices={}|reset={}",
            o.patient_zero.join(","),
            o.affected_devices.len(),
            reset.len()
        ),
        time: latest(&o.affected_devices),
        host: o.patient_zero.first().cloned().unwrap_or_default(),
        rule_id: OUTBREAK.into(),
        title,
        level: Level::Critical,
        evidence: serde_json::json!({
            "clusters": clusters(case, ClusterVerdict::Worm),
            "patient_zero": o.patient_zero,
            "affected_devices": o.affected_devices,
            "clinical_devices": o.clinical_devices,
            "accounts_to_reset": reset,
            "accounts_to_review": names(&case.accounts.review),
        }),
    }
}

fn needs_a_look(case: &Case, o: &Overview) -> Alert {
    let look = &o.needs_a_look;
    let reset = names(&case.accounts.reset_if_confirmed);
    let suspicious: Vec<&str> = case
        .spread
        .clusters
        .iter()
        .filter(|c| c.verdict == ClusterVerdict::Suspicious)
        .map(|c| c.artefact.as_str())
        .collect();
    let clinical = look.devices.iter().filter(|d| d.clinical).count();
    let apart = if o.verdict == Verdict::Outbreak {
        "outside the outbreak"
    } else {
        "no worm found"
    };
    Alert {
        key: format!(
            "{NEEDS_A_LOOK}|{}|devices={}|reset={}",
            suspicious.join(","),
            look.devices.len(),
            reset.len()
        ),
        time: latest(&look.devices),
        host: look
            .devices
            .iter()
            .find(|d| d.patient_zero)
            .or(look.devices.first())
            .map(|d| d.host.clone())
            .unwrap_or_default(),
        rule_id: NEEDS_A_LOOK.into(),
        title: format!(
            "Needs a look: suspicious spread ({}) reached {} ({clinical} clinical), {apart}; {} to reset if confirmed",
            suspicious.join(", "),
            count(look.devices.len(), "device"),
            count(reset.len(), "account"),
        ),
        level: Level::High,
        evidence: serde_json::json!({
            "guidance": ASK,
            "clusters": clusters(case, ClusterVerdict::Suspicious),
            "devices": look.devices,
            "accounts_to_reset_if_confirmed": reset,
        }),
    }
}

/// The clusters of one verdict as the alert shows them: what, how it was weighed, and why.
fn clusters(case: &Case, verdict: ClusterVerdict) -> Vec<serde_json::Value> {
    case.spread
        .clusters
        .iter()
        .filter(|c| c.verdict == verdict)
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "artefact": c.artefact,
                "verdict": c.verdict,
                "score": c.score,
                "reasons": c.reasons,
                "patient_zero": c.patient_zero,
                "hosts": c.hosts.len(),
            })
        })
        .collect()
}

fn names(accounts: &[ward_analytics::case::AccountEntry]) -> Vec<&str> {
    accounts.iter().map(|a| a.account.as_str()).collect()
}

/// When the newest of `devices` was reached: the moment this alert's figures came about.
fn latest(devices: &[AffectedDevice]) -> Timestamp {
    devices
        .iter()
        .filter_map(|d| d.infected_at)
        .max()
        .unwrap_or(Timestamp::UNKNOWN)
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_analytics::case::{AccountEntry, Cluster, ClusterHost, Edge, VerdictScore};

    fn at(hm: &str) -> Timestamp {
        Timestamp::parse(&format!("2026-03-02T{hm}:00Z")).expect("time")
    }

    /// A cluster of `verdict` spreading from the first host to the others, one hour apart.
    fn cluster(
        id: &str,
        artefact: &str,
        verdict: ClusterVerdict,
        hosts: &[(&str, bool)],
    ) -> Cluster {
        let host = |(i, (name, clinical)): (usize, &(&str, bool))| ClusterHost {
            host: (*name).into(),
            infected_at: Some(at(&format!("{:02}:00", 8 + i))),
            clinical: *clinical,
            ..Default::default()
        };
        let hosts: Vec<ClusterHost> = hosts.iter().enumerate().map(host).collect();
        let edges = hosts[1..]
            .iter()
            .map(|h| Edge {
                from: hosts[0].host.clone(),
                to: h.host.clone(),
                time: h.infected_at,
                ..Default::default()
            })
            .collect();
        Cluster {
            id: id.into(),
            artefact: artefact.into(),
            verdict,
            reasons: vec![format!("{verdict}: because")],
            score: VerdictScore { worm: 1, admin: 1 },
            patient_zero: Some(hosts[0].host.clone()),
            hosts,
            edges,
            ..Default::default()
        }
    }

    fn account(name: &str, host: &str) -> AccountEntry {
        AccountEntry {
            account: name.into(),
            hosts: vec![host.into()],
            logon_types: vec!["2".into()],
            evidence: Vec::new(),
        }
    }

    /// A worm over 3 devices (one clinical), a suspicious push to 2 others (one clinical), and
    /// a deployment to 4 more.
    fn three_verdicts() -> (Spread, Accounts) {
        let spread = Spread {
            clusters: vec![
                cluster(
                    "C1",
                    "service:WmiApSrvEx",
                    ClusterVerdict::Worm,
                    &[("FS-01", false), ("WS-07", false), ("MRI-01", true)],
                ),
                cluster(
                    "C2",
                    "service:RemoteHelper",
                    ClusterVerdict::Suspicious,
                    &[("IT-ADM-02", false), ("LAB-05", true)],
                ),
                cluster(
                    "C3",
                    "service:ccmsetup",
                    ClusterVerdict::LikelyAdmin,
                    &[
                        ("SCCM-01", false),
                        ("WS-20", false),
                        ("WS-21", false),
                        ("CT-09", true),
                    ],
                ),
            ],
        };
        let accounts = Accounts {
            reset: vec![
                account("CLINIC\\svc-backup", "WS-07"),
                account("MRI-01\\meduser", "MRI-01"),
            ],
            review: vec![account("CLINIC\\jdoe", "FS-01")],
            reset_if_confirmed: vec![account("LAB-05\\labtech", "LAB-05")],
        };
        (spread, accounts)
    }

    fn evidence_hosts(alert: &Alert, list: &str) -> Vec<String> {
        alert.evidence[list]
            .as_array()
            .expect("device list")
            .iter()
            .map(|d| d["host"].as_str().expect("host").to_string())
            .collect()
    }

    #[test]
    fn the_outbreak_counts_the_worm_and_suspicious_spread_alerts_apart() {
        let (spread, accounts) = three_verdicts();
        let alerts = spread_alerts(&spread, &accounts);
        let rules: Vec<&str> = alerts.iter().map(|a| a.rule_id.as_str()).collect();
        assert_eq!(rules, [OUTBREAK, NEEDS_A_LOOK]);

        let outbreak = &alerts[0];
        assert_eq!(outbreak.level, Level::Critical);
        assert_eq!(
            outbreak.title,
            "Outbreak: a worm reached 3 devices (1 clinical) from FS-01; 2 accounts to reset"
        );
        assert_eq!(outbreak.host, "FS-01");
        assert_eq!(outbreak.time, at("10:00"));
        assert_eq!(
            evidence_hosts(outbreak, "affected_devices"),
            ["MRI-01", "FS-01", "WS-07"]
        );
        assert_eq!(
            outbreak.evidence["accounts_to_reset"],
            serde_json::json!(["CLINIC\\svc-backup", "MRI-01\\meduser"])
        );
        assert_eq!(
            outbreak.evidence["clusters"][0]["artefact"],
            "service:WmiApSrvEx"
        );
        assert_eq!(
            outbreak.evidence["clusters"].as_array().map(Vec::len),
            Some(1)
        );

        let look = &alerts[1];
        assert!(
            look.level < outbreak.level,
            "needs a look is the lower alert"
        );
        assert_eq!(look.level, Level::High);
        assert_eq!(
            look.title,
            "Needs a look: suspicious spread (service:RemoteHelper) reached 2 devices (1 clinical), \
             outside the outbreak; 1 account to reset if confirmed"
        );
        assert_eq!(look.host, "IT-ADM-02");
        assert_eq!(evidence_hosts(look, "devices"), ["LAB-05", "IT-ADM-02"]);
        assert_eq!(
            look.evidence["accounts_to_reset_if_confirmed"],
            serde_json::json!(["LAB-05\\labtech"])
        );
        assert!(
            look.evidence["guidance"]
                .as_str()
                .is_some_and(|g| g.starts_with("Ask who ran these"))
        );

        // Administration reached SCCM-01, WS-20, WS-21 and CT-09: no alert names them.
        for alert in &alerts {
            let all = alert.evidence.to_string() + &alert.title;
            for host in ["SCCM-01", "WS-20", "WS-21", "CT-09", "ccmsetup"] {
                assert!(!all.contains(host), "{} mentions {host}", alert.rule_id);
            }
        }
    }

    #[test]
    fn the_same_spread_keeps_its_keys_and_growth_raises_the_outbreak_again() {
        let (spread, accounts) = three_verdicts();
        let keys = |s: &Spread, a: &Accounts| -> Vec<String> {
            spread_alerts(s, a).into_iter().map(|a| a.key).collect()
        };
        let before = keys(&spread, &accounts);
        assert_eq!(before, keys(&spread, &accounts));
        let mut grown = spread.clone();
        grown.clusters[0].hosts.push(ClusterHost {
            host: "CT-02".into(),
            infected_at: Some(at("11:00")),
            ..Default::default()
        });
        let after = keys(&grown, &accounts);
        assert_ne!(after[0], before[0], "the outbreak reached another device");
        assert_eq!(after[1], before[1], "the suspicious spread did not change");
    }

    #[test]
    fn suspicious_spread_alone_is_no_outbreak_and_administration_alerts_nothing() {
        let (mut spread, mut accounts) = three_verdicts();
        spread.clusters.remove(0);
        (accounts.reset, accounts.review) = (Vec::new(), Vec::new());
        let alerts = spread_alerts(&spread, &accounts);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].rule_id, NEEDS_A_LOOK);
        assert!(
            alerts[0].title.contains("no worm found"),
            "{}",
            alerts[0].title
        );

        spread.clusters.remove(0);
        assert!(
            spread_alerts(&spread, &accounts).is_empty(),
            "likely-admin only"
        );
    }

    #[test]
    fn hops_of_administration_are_informational() {
        let hop = |verdict: &str, level: Level| Finding {
            analytic: "remote-execution".into(),
            title: "Remote execution: SCCM-01 → WS-20 (service ccmsetup)".into(),
            level,
            host: "WS-20".into(),
            first_seen: at("08:00"),
            last_seen: at("08:00"),
            summary: String::new(),
            details: [("verdict".to_string(), serde_json::json!(verdict))].into(),
            evidence: Vec::new(),
        };
        assert_eq!(
            alert_level(&hop("likely-admin", Level::Low)),
            Level::Informational
        );
        assert_eq!(alert_level(&hop("suspicious", Level::High)), Level::High);
        assert_eq!(alert_level(&hop("worm", Level::Critical)), Level::Critical);
    }
}
