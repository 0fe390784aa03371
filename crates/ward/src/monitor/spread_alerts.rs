//! The live spread as incidents (`ward_report::incidents_of`): a worm cluster group, or a
//! suspicious one, is an incident with a stable id. It is announced once when it opens and again
//! only when it *changes*: another device reached, the verdict raised from suspicious to worm
//! (major changes, sent at once), or more accounts to reset or command-and-control destinations
//! (minor changes, folded into the next major one or sent after [`MINOR_EVERY`]). Each
//! announcement is one `ward.incident` alert keyed `incident:<id>:<version>` carrying what
//! changed and the whole current state, so a sink that keeps only the latest has it all.
//! Spread judged to be administration raises nothing above informational.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use ward_analytics::Case;
use ward_analytics::case::{Finding, Verdict as ClusterVerdict};
use ward_event::{Level, Timestamp};
use ward_monitor::Alert;
use ward_report::{Incident, incidents_of};

/// Rule id of incident alerts (open and updates).
pub const INCIDENT: &str = "ward.incident";

/// Seconds a minor change (accounts, destinations) may wait for a major one before it is sent
/// on its own.
pub const MINOR_EVERY: u64 = 15 * 60;

/// What a needs-a-look incident says to do.
const ASK: &str = "Ask who ran these; if nobody did, treat them as the outbreak: isolate the \
                   devices and reset the accounts from a clean computer.";
/// What a worm incident says to do.
const ACT: &str = "Isolate the devices (clinical ones first, with their clinical owners), \
                   reset the accounts from a clean computer, and block the destinations.";

/// The incidents announced so far, as they were announced: the monitor's checkpoint keeps it,
/// so a restart neither re-opens an incident nor repeats an update.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IncidentTracker {
    known: Vec<Known>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Known {
    id: String,
    version: u32,
    verdict: ClusterVerdict,
    hosts: BTreeSet<String>,
    accounts: BTreeSet<String>,
    c2: BTreeSet<String>,
    /// Unix seconds of the last announcement.
    sent_at: u64,
}

/// What changed since an incident was last announced.
#[derive(Debug, Default, Serialize)]
struct Change {
    kind: &'static str,
    version: u32,
    new_devices: Vec<String>,
    new_accounts: Vec<String>,
    new_c2_destinations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict_raised_from: Option<ClusterVerdict>,
}

impl Change {
    fn is_major(&self) -> bool {
        !self.new_devices.is_empty() || self.verdict_raised_from.is_some()
    }
    fn is_empty(&self) -> bool {
        !self.is_major() && self.new_accounts.is_empty() && self.new_c2_destinations.is_empty()
    }
}

impl IncidentTracker {
    /// Compares the incidents of `case` with what was announced and returns the announcements
    /// due at `now` (Unix seconds).
    pub fn update(&mut self, case: &Case, now: u64) -> Vec<Alert> {
        let mut claimed = vec![false; self.known.len()];
        let mut alerts = Vec::new();
        for mut incident in incidents_of(case) {
            let hosts: BTreeSet<String> = incident.hosts().into_iter().map(String::from).collect();
            let best = self
                .known
                .iter()
                .enumerate()
                .filter(|(i, _)| !claimed[*i])
                .map(|(i, k)| (k.hosts.intersection(&hosts).count(), i))
                .filter(|(shared, _)| *shared > 0)
                .max();
            match best {
                Some((_, i)) => {
                    claimed[i] = true;
                    let known = &mut self.known[i];
                    incident.id = known.id.clone();
                    let mut change = diff(known, &incident, &hosts);
                    let due = change.is_major()
                        || (!change.is_empty() && now.saturating_sub(known.sent_at) >= MINOR_EVERY);
                    if due {
                        known.version += 1;
                        change.kind = "updated";
                        change.version = known.version;
                        remember(known, &incident, hosts, now);
                        alerts.push(alert(&incident, &change));
                    } else if incident.verdict == ClusterVerdict::Suspicious
                        && known.verdict == ClusterVerdict::Worm
                    {
                        // A lowered verdict is not news to page about; the next update says it.
                        known.verdict = incident.verdict;
                    }
                }
                None => {
                    while self.known.iter().any(|k| k.id == incident.id) {
                        incident.id.push('b');
                    }
                    let change = Change {
                        kind: "opened",
                        version: 1,
                        new_devices: hosts.iter().cloned().collect(),
                        new_accounts: incident.accounts_to_reset.clone(),
                        new_c2_destinations: incident.c2_destinations.clone(),
                        verdict_raised_from: None,
                    };
                    let mut known = Known {
                        id: incident.id.clone(),
                        version: 1,
                        verdict: incident.verdict,
                        hosts: BTreeSet::new(),
                        accounts: BTreeSet::new(),
                        c2: BTreeSet::new(),
                        sent_at: now,
                    };
                    remember(&mut known, &incident, hosts, now);
                    self.known.push(known);
                    claimed.push(true);
                    alerts.push(alert(&incident, &change));
                }
            }
        }
        alerts
    }
}

fn diff(known: &Known, incident: &Incident, hosts: &BTreeSet<String>) -> Change {
    let new = |seen: &BTreeSet<String>, now: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        now.filter(|x| !seen.contains(*x)).cloned().collect()
    };
    Change {
        kind: "",
        version: known.version,
        new_devices: new(&known.hosts, &mut hosts.iter()),
        new_accounts: new(&known.accounts, &mut incident.accounts_to_reset.iter()),
        new_c2_destinations: new(&known.c2, &mut incident.c2_destinations.iter()),
        verdict_raised_from: (known.verdict == ClusterVerdict::Suspicious
            && incident.verdict == ClusterVerdict::Worm)
            .then_some(known.verdict),
    }
}

fn remember(known: &mut Known, incident: &Incident, hosts: BTreeSet<String>, now: u64) {
    known.verdict = incident.verdict;
    known.hosts.extend(hosts);
    known
        .accounts
        .extend(incident.accounts_to_reset.iter().cloned());
    known.c2.extend(incident.c2_destinations.iter().cloned());
    known.sent_at = now;
}

fn alert(incident: &Incident, change: &Change) -> Alert {
    let what = match change.kind {
        "opened" => "opened".to_string(),
        _ => {
            let mut parts = Vec::new();
            if let Some(from) = change.verdict_raised_from {
                parts.push(format!("raised from {from} to {}", incident.verdict));
            }
            if !change.new_devices.is_empty() {
                parts.push(format!("reached {}", change.new_devices.join(", ")));
            }
            if !change.new_accounts.is_empty() {
                parts.push(format!(
                    "+{} to reset",
                    count(change.new_accounts.len(), "account")
                ));
            }
            if !change.new_c2_destinations.is_empty() {
                parts.push(format!("calls {}", change.new_c2_destinations.join(", ")));
            }
            parts.join("; ")
        }
    };
    let guidance = match incident.verdict {
        ClusterVerdict::Worm => ACT,
        _ => ASK,
    };
    Alert {
        key: format!("incident:{}:{}", incident.id, change.version),
        time: incident.last_seen.unwrap_or(Timestamp::UNKNOWN),
        host: incident
            .patient_zero
            .first()
            .or(incident.devices.first().map(|d| &d.host))
            .cloned()
            .unwrap_or_default(),
        rule_id: INCIDENT.into(),
        title: format!("Incident {} {what}: {}", incident.id, incident.title),
        level: incident.level,
        evidence: serde_json::json!({
            "change": change,
            "incident": incident,
            "guidance": guidance,
        }),
    }
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
    use ward_analytics::case::{
        AccountEntry, Accounts, Cluster, ClusterHost, Edge, Spread, VerdictScore,
    };

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

    fn case_of(spread: &Spread, accounts: &Accounts) -> Case {
        let mut case = Case::new("test", Timestamp::UNKNOWN);
        (case.spread, case.accounts) = (spread.clone(), accounts.clone());
        case
    }

    fn incident_hosts(alert: &Alert) -> Vec<String> {
        alert.evidence["incident"]["devices"]
            .as_array()
            .expect("device list")
            .iter()
            .map(|d| d["host"].as_str().expect("host").to_string())
            .collect()
    }

    const T0: u64 = 1_800_000_000;

    #[test]
    fn worm_and_suspicious_spread_open_one_incident_each_and_administration_none() {
        let (spread, accounts) = three_verdicts();
        let mut tracker = IncidentTracker::default();
        let alerts = tracker.update(&case_of(&spread, &accounts), T0);
        assert_eq!(alerts.len(), 2, "{alerts:#?}");
        assert!(alerts.iter().all(|a| a.rule_id == INCIDENT));

        let worm = &alerts[0];
        assert_eq!(worm.level, Level::Critical);
        let id = worm.evidence["incident"]["id"].as_str().expect("id");
        assert!(id.starts_with("INC-") && id.len() == 12, "{id}");
        assert_eq!(worm.key, format!("incident:{id}:1"));
        assert_eq!(
            worm.title,
            format!(
                "Incident {id} opened: worm from FS-01 reached 3 devices (1 clinical); 2 accounts to reset"
            )
        );
        assert_eq!(worm.host, "FS-01");
        assert_eq!(incident_hosts(worm), ["MRI-01", "FS-01", "WS-07"]);
        assert_eq!(worm.evidence["change"]["kind"], "opened");
        assert_eq!(
            worm.evidence["incident"]["accounts_to_reset"],
            serde_json::json!(["CLINIC\\svc-backup", "MRI-01\\meduser"])
        );
        assert_eq!(
            worm.evidence["incident"]["artefacts"],
            serde_json::json!(["service:WmiApSrvEx"])
        );

        let look = &alerts[1];
        assert_eq!(look.level, Level::High);
        assert_eq!(incident_hosts(look), ["LAB-05", "IT-ADM-02"]);
        assert!(
            look.title
                .contains("suspicious spread (needs a look) from IT-ADM-02"),
            "{}",
            look.title
        );
        assert!(
            look.title.ends_with("1 account to reset if confirmed"),
            "{}",
            look.title
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
                assert!(!all.contains(host), "{} mentions {host}", alert.key);
            }
        }
        // Likely-admin spread alone opens nothing.
        let admin_only = Spread {
            clusters: vec![spread.clusters[2].clone()],
        };
        assert!(
            IncidentTracker::default()
                .update(&case_of(&admin_only, &Accounts::default()), T0)
                .is_empty()
        );
    }

    #[test]
    fn an_incident_is_announced_again_only_when_it_changes() {
        let (spread, accounts) = three_verdicts();
        let mut tracker = IncidentTracker::default();
        let opened = tracker.update(&case_of(&spread, &accounts), T0);
        let id = opened[0].evidence["incident"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            tracker
                .update(&case_of(&spread, &accounts), T0 + 5)
                .is_empty(),
            "nothing changed"
        );

        // Another device: a major change, sent at once.
        let mut grown = spread.clone();
        grown.clusters[0].hosts.push(ClusterHost {
            host: "CT-02".into(),
            infected_at: Some(at("11:00")),
            clinical: true,
            ..Default::default()
        });
        let update = tracker.update(&case_of(&grown, &accounts), T0 + 10);
        assert_eq!(update.len(), 1, "only the worm incident changed");
        assert_eq!(update[0].key, format!("incident:{id}:2"));
        assert_eq!(
            update[0].evidence["change"]["new_devices"],
            serde_json::json!(["CT-02"])
        );
        assert!(
            update[0].title.contains("reached CT-02"),
            "{}",
            update[0].title
        );
        assert_eq!(incident_hosts(&update[0]).len(), 4, "the whole state");

        // Another account alone: minor, held back until MINOR_EVERY has passed.
        let mut more = accounts.clone();
        more.reset.push(account("CLINIC\\nurse7", "CT-02"));
        assert!(tracker.update(&case_of(&grown, &more), T0 + 20).is_empty());
        let late = tracker.update(&case_of(&grown, &more), T0 + 10 + MINOR_EVERY);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].key, format!("incident:{id}:3"));
        assert_eq!(
            late[0].evidence["change"]["new_accounts"],
            serde_json::json!(["CLINIC\\nurse7"])
        );

        // The tracker's state survives a checkpoint: nothing is re-opened or repeated.
        let saved = serde_json::to_vec(&tracker).expect("serialise");
        let mut restored: IncidentTracker = serde_json::from_slice(&saved).expect("restore");
        assert!(
            restored
                .update(&case_of(&grown, &more), T0 + 9_999)
                .is_empty()
        );
    }

    #[test]
    fn a_suspicious_incident_raised_to_worm_keeps_its_id() {
        let (mut spread, accounts) = three_verdicts();
        spread.clusters.remove(0);
        let mut tracker = IncidentTracker::default();
        let opened = tracker.update(&case_of(&spread, &accounts), T0);
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].level, Level::High);
        let id = opened[0].evidence["incident"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        spread.clusters[0].verdict = ClusterVerdict::Worm;
        let raised = tracker.update(&case_of(&spread, &accounts), T0 + 1);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].key, format!("incident:{id}:2"));
        assert_eq!(raised[0].level, Level::Critical);
        assert_eq!(
            raised[0].evidence["change"]["verdict_raised_from"],
            "suspicious"
        );
        assert!(
            raised[0].title.contains("raised from suspicious to worm"),
            "{}",
            raised[0].title
        );
    }

    #[test]
    fn hops_of_administration_are_informational() {
        let hop = |verdict: &str, level: Level| Finding {
            analytic: ward_analytics::Analytic::RemoteExecution,
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
