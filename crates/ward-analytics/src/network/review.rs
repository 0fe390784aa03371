//! The role review: what the network findings become once the hosts' roles are known.
//!
//! - A relaying role's (proxy, DNS, update server) scans, fan-out, C2 walks and long
//!   connections to external addresses are its upstream traffic: dropped, and counted in one
//!   `network-role` finding per host.
//! - A polling role's (monitoring, backup, deployment, AV console) scans of internal hosts on
//!   management ports, and any role's beacons to internal hosts, are its polls: dropped and
//!   counted the same way (a monitoring server makes hundreds).
//! - A relaying role's beacons to external addresses relay a client's: `informational` (the
//!   proxy log names the client, whose own finding keeps its level).
//! - Any other beacon to an internal address needs more than regular timing to pass `low`:
//!   an encoded query to that destination or an unusual port.
//!
//! Each changed finding says why in `details.role` or `details.level_reason`.

use super::beacon::BeaconFinding;
use super::fact::is_internal;
use super::roles::{MANAGEMENT_PORTS, RoleClaim, RoleLearner};
use super::scan::ScanFinding;
use crate::case::Finding;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use ward_event::{Level, Timestamp};

/// Ports of ordinary internal services (Windows, directory, mail, databases, clinical DICOM and
/// HL7, printing): a regular beacon on one of them is likely a service, not a C2 relay.
const USUAL_INTERNAL_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 53, 80, 88, 104, 110, 123, 135, 137, 138, 139, 143, 161, 389, 443, 445,
    464, 514, 587, 636, 993, 1433, 1521, 2049, 2575, 3268, 3269, 3306, 3389, 5432, 5985, 5986,
    8000, 8080, 8443, 8888, 9100, 11112, 3128,
];
/// Dynamic RPC ports start here: Windows services talk on them every day.
const DYNAMIC_PORTS: u16 = 49_152;
/// Share of targets outside (or inside) that makes a scan upstream (or internal) traffic.
const MOSTLY: f64 = 0.9;

/// What the review did to one host's findings, for its `network-role` finding.
#[derive(Debug, Default)]
struct HostNote {
    /// Findings on upstream traffic dropped, by analytic.
    upstream: BTreeMap<String, u64>,
    /// Findings on polls of internal hosts dropped, by analytic.
    polls: BTreeMap<String, u64>,
    /// Findings kept as informational, by analytic.
    downgraded: BTreeMap<String, u64>,
    /// Most distinct targets of one dropped scan.
    upstream_targets: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    evidence: Vec<crate::case::Evidence>,
}

impl HostNote {
    fn saw(&mut self, f: &Finding) {
        self.first = Some(self.first.map_or(f.first_seen, |t| t.min(f.first_seen)));
        self.last = Some(self.last.map_or(f.last_seen, |t| t.max(f.last_seen)));
        if self.evidence.is_empty() {
            self.evidence = f.evidence.iter().take(3).cloned().collect();
        }
    }
}

/// Applies the roles to the findings of the three detectors; appends one `network-role`
/// finding per host whose findings it dropped or downgraded.
pub(crate) fn review(
    scans: Vec<ScanFinding>,
    beacons: Vec<BeaconFinding>,
    c2: Vec<Finding>,
    roles: &HashMap<IpAddr, RoleClaim>,
    learner: &RoleLearner,
) -> Vec<Finding> {
    let mut notes: BTreeMap<IpAddr, HostNote> = BTreeMap::new();
    let encoded: HashSet<(String, String)> = c2
        .iter()
        .filter(|f| f.analytic == "encoded-query")
        .map(|f| (f.host.clone(), destination(f).to_ascii_lowercase()))
        .collect();
    let mut out = Vec::new();
    for s in scans {
        let claim = roles.get(&s.src);
        out.extend(review_scan(s, claim, &mut notes));
    }
    for b in beacons {
        let claim = roles.get(&b.src);
        out.extend(review_beacon(b, claim, roles, &encoded, &mut notes));
    }
    for f in c2 {
        let claim = f
            .host
            .parse::<IpAddr>()
            .ok()
            .and_then(|ip| Some((ip, roles.get(&ip)?)));
        match claim {
            Some((ip, claim)) if relayed(&f, claim) => {
                let note = notes.entry(ip).or_default();
                note.saw(&f);
                *note.upstream.entry(f.analytic.to_string()).or_default() += 1;
            }
            _ => out.push(f),
        }
    }
    for (ip, note) in notes {
        if let Some(claim) = roles.get(&ip) {
            let reach = (learner.upstream_of(&ip), learner.polled_by(&ip));
            out.push(role_finding(ip, claim, note, reach));
        }
    }
    out
}

fn destination(f: &Finding) -> &str {
    f.details
        .get("destination")
        .and_then(|v| v.as_str())
        .unwrap_or("")
}

/// A C2-fallback walk or long connection of a relaying role to the outside: upstream traffic.
fn relayed(f: &Finding, claim: &RoleClaim) -> bool {
    let outside = destination(f)
        .parse::<IpAddr>()
        .map_or(true, |ip| !is_internal(&ip));
    claim.role.relays_upstream()
        && (f.analytic == "c2-fallback" || (f.analytic == "long-connection" && outside))
}

fn review_scan(
    mut s: ScanFinding,
    claim: Option<&RoleClaim>,
    notes: &mut BTreeMap<IpAddr, HostNote>,
) -> Option<Finding> {
    let Some(claim) = claim else {
        return Some(s.finding);
    };
    if claim.role.relays_upstream() && s.external >= MOSTLY {
        let note = notes.entry(s.src).or_default();
        note.saw(&s.finding);
        *note
            .upstream
            .entry(s.finding.analytic.to_string())
            .or_default() += 1;
        let targets = s.finding.details.get("targets").and_then(|v| v.as_u64());
        note.upstream_targets = note.upstream_targets.max(targets.unwrap_or(0));
        return None;
    }
    let management = s.port.is_none_or(|p| MANAGEMENT_PORTS.contains(&p));
    if claim.role.polls_internal() && management && s.external <= 1.0 - MOSTLY {
        let note = notes.entry(s.src).or_default();
        note.saw(&s.finding);
        *note
            .polls
            .entry(s.finding.analytic.to_string())
            .or_default() += 1;
        return None;
    }
    s.finding
        .details
        .insert("role".into(), claim.describe().into());
    Some(s.finding)
}

fn review_beacon(
    b: BeaconFinding,
    claim: Option<&RoleClaim>,
    roles: &HashMap<IpAddr, RoleClaim>,
    encoded: &HashSet<(String, String)>,
    notes: &mut BTreeMap<IpAddr, HostNote>,
) -> Option<Finding> {
    let mut f = b.finding;
    let dest = destination(&f).to_ascii_lowercase();
    if let Some(dest_claim) = dest.parse::<IpAddr>().ok().and_then(|ip| roles.get(&ip)) {
        f.details
            .insert("destination_role".into(), dest_claim.describe().into());
    }
    if let Some(claim) = claim {
        let note = notes.entry(b.src).or_default();
        note.saw(&f);
        if b.internal {
            *note.polls.entry(f.analytic.to_string()).or_default() += 1;
            return None;
        }
        if claim.role.relays_upstream() {
            let why = "relayed for an internal client; the proxy log names which";
            f.details
                .insert("role".into(), format!("{}: {why}", claim.describe()).into());
            f.level = Level::Informational;
            *note.downgraded.entry(f.analytic.to_string()).or_default() += 1;
            return Some(f);
        }
        // Management servers check in with their vendor (updates, licences) like clockwork;
        // an implant on one still shows an IP literal or an encoded query.
        let literal = dest.parse::<IpAddr>().is_ok();
        if !literal && !encoded.contains(&(f.host.clone(), dest.clone())) && f.level > Level::Low {
            f.level = Level::Low;
            f.details.insert(
                "level_reason".into(),
                json!(format!(
                    "{}: a regular check-in with a named host, no IP literal or encoded query",
                    claim.describe()
                )),
            );
            *note.downgraded.entry(f.analytic.to_string()).or_default() += 1;
            return Some(f);
        }
    }
    // Software of every kind checks in with its vendor's named hosts on a clock; an implant
    // calling home shows more: an IP literal, an encoded query, a threat-intel match (its own
    // finding) or an unusual port.
    let literal = dest.parse::<IpAddr>().is_ok();
    let usual_web = b.port.is_none_or(|p| matches!(p, 80 | 443 | 8080 | 3128));
    if !b.internal
        && !literal
        && usual_web
        && f.level > Level::Low
        && !encoded.contains(&(f.host.clone(), dest.clone()))
    {
        f.level = Level::Low;
        f.details.insert(
            "level_reason".into(),
            json!("a regular check-in with a named host on a web port, no IP literal or encoded query: at most low"),
        );
        return Some(f);
    }
    if b.internal && f.level > Level::Low {
        let unusual = b
            .port
            .filter(|p| !USUAL_INTERNAL_PORTS.contains(p) && *p < DYNAMIC_PORTS);
        if encoded.contains(&(f.host.clone(), dest)) {
            f.details
                .insert("corroborated_by".into(), json!("encoded query"));
        } else if let Some(port) = unusual {
            f.details.insert(
                "corroborated_by".into(),
                json!(format!("unusual port {port}")),
            );
        } else {
            f.level = Level::Low;
            f.details.insert(
                "level_reason".into(),
                json!("internal destination on a usual port: regular timing alone is at most low"),
            );
        }
    }
    Some(f)
}

fn plural(n: u64, one: &str) -> String {
    let name = match one {
        "scan-horizontal" => "horizontal scan",
        "scan-vertical" => "vertical scan",
        "smb-fan-out" => "SMB fan-out",
        "c2-fallback" => "C2-fallback walk",
        "long-connection" => "long connection",
        other => other,
    };
    if n == 1 {
        format!("1 {name}")
    } else {
        format!("{n} {name}s")
    }
}

fn listed(counts: &BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(a, n)| plural(*n, a))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one informational finding that says what a host's role changed. `reach` is the
/// external web destinations and internal hosts on management ports the learner counted.
fn role_finding(ip: IpAddr, claim: &RoleClaim, note: HostNote, reach: (u64, u64)) -> Finding {
    let upstream = reach.0.max(note.upstream_targets);
    let label = claim.role.label();
    let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let mut title = Vec::new();
    let mut summary = Vec::new();
    if !note.upstream.is_empty() {
        title.push(match upstream {
            0 => "its upstream traffic not scored as scans".to_string(),
            n => format!("about {n} upstream destinations not scored as scans"),
        });
        summary.push(format!("not scored (upstream): {}", listed(&note.upstream)));
    }
    if !note.polls.is_empty() {
        title.push(match reach.1 {
            0 => "its polls not scored as scans or beacons".to_string(),
            n => format!("its polls of about {n} internal hosts not scored as scans or beacons"),
        });
        summary.push(format!("not scored (polls): {}", listed(&note.polls)));
    }
    if !note.downgraded.is_empty() {
        let n: u64 = note.downgraded.values().sum();
        title.push(format!("{n} relayed finding(s) kept as informational"));
        summary.push(format!(
            "kept as informational: {}",
            listed(&note.downgraded)
        ));
    }
    let mut details = BTreeMap::new();
    details.insert("role".into(), claim.describe().into());
    let mut dropped = note.upstream.clone();
    for (analytic, n) in &note.polls {
        *dropped.entry(analytic.clone()).or_default() += n;
    }
    details.insert("dropped".into(), json!(dropped));
    details.insert("downgraded".into(), json!(note.downgraded));
    if upstream > 0 {
        details.insert("upstream_destinations".into(), upstream.into());
    }
    if reach.1 > 0 && !note.polls.is_empty() {
        details.insert("polled_hosts".into(), reach.1.into());
    }
    Finding {
        analytic: crate::Analytic::NetworkRole,
        title: format!("{ip} acts as {article} {label}: {}", title.join("; ")),
        summary: format!(
            "{ip} is {article} {}; {}",
            claim.describe(),
            summary.join("; ")
        ),
        level: Level::Informational,
        host: ip.to_string(),
        first_seen: note.first.unwrap_or(Timestamp::UNKNOWN),
        last_seen: note.last.unwrap_or(Timestamp::UNKNOWN),
        details,
        evidence: note.evidence,
    }
}

/// Sources with at least one strictly periodic beacon to an internal host, counted: the
/// polls a monitoring server is learned from.
pub(crate) fn regular_polls(beacons: &[BeaconFinding]) -> HashMap<IpAddr, usize> {
    let mut out = HashMap::new();
    for b in beacons.iter().filter(|b| b.internal && b.strict) {
        *out.entry(b.src).or_default() += 1;
    }
    out
}
