//! Network evidence for the spread: SMB contacts between internal hosts and the C2-like web
//! requests that follow, so a device with no host logs (a CT console, an infusion pump
//! gateway) still joins the worm cluster when an infected host reached it over SMB and it
//! then called out. State is one entry per contacted pair and per contacted host.

use crate::assets::Assets;
use crate::case::{Cluster, ClusterHost, Edge, Evidence, Finding};
use crate::directory::HostDirectory;
use crate::network::{Flow, NetFact, WebRequest, is_internal};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use ward_event::{Level, Timestamp};

/// Pairs kept; more are dropped (a flat network talks SMB to its file servers all day).
const MAX_CONTACTS: usize = 65_536;

/// Query values at least this long that look encoded count as C2-like.
const ENCODED_MIN_LEN: usize = 24;

/// C2-like requests one contacted host made.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CallOut {
    first: Evidence,
    last: Timestamp,
    destination: String,
    count: u64,
}

/// SMB contacts and the call-outs of contacted hosts, in time order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct NetworkReach {
    /// First successful SMB (445) connection per (source, destination).
    smb: HashMap<(IpAddr, IpAddr), Evidence>,
    /// Destinations of those contacts.
    contacted: HashSet<IpAddr>,
    /// C2-like requests of hosts reached over SMB before.
    call_outs: HashMap<IpAddr, CallOut>,
    /// Every internal source of C2-like requests: (first, last) request time. One entry per
    /// internal host, so bounded by the network's size (capped all the same).
    callers: HashMap<IpAddr, (Timestamp, Timestamp)>,
    /// True once any web request was read: silence from a cluster's hosts then means something.
    web_seen: bool,
}

/// A host the network shows the worm reaching.
pub(crate) struct NetworkHop {
    /// The infected source (host name).
    pub from: String,
    /// The device reached (host name, or its address).
    pub to: String,
    /// The SMB connection and the first C2-like request.
    pub edge: Edge,
    /// C2-like requests seen, and to where.
    pub call_outs: u64,
    /// First C2 destination.
    pub destination: String,
}

impl NetworkReach {
    /// Takes one network fact.
    pub(crate) fn feed(&mut self, fact: &NetFact) {
        let Some(flow) = fact.flow() else {
            return;
        };
        if let (Some(dst), Some(445)) = (flow.dst, flow.dport)
            && !flow.failed
            && flow.src != dst
            && is_internal(&flow.src)
            && is_internal(&dst)
            && (self.smb.len() < MAX_CONTACTS || self.smb.contains_key(&(flow.src, dst)))
        {
            self.contacted.insert(dst);
            self.smb
                .entry((flow.src, dst))
                .or_insert_with(|| flow.evidence(String::new()));
        }
        if let NetFact::WebRequest(f, w) = fact {
            self.web_seen = true;
            if c2_like(f, w).is_some()
                && is_internal(&f.src)
                && (self.callers.len() < MAX_CONTACTS || self.callers.contains_key(&f.src))
            {
                let slot = self.callers.entry(f.src).or_insert((f.time, f.time));
                slot.0 = slot.0.min(f.time);
                slot.1 = slot.1.max(f.time);
            }
        }
        if let NetFact::WebRequest(f, w) = fact
            && let Some(dest) = c2_like(f, w)
            && self.contacted.contains(&f.src)
        {
            let summary = format!("{} {}{}?{}", w.method, w.host, w.path, w.query);
            let entry = self.call_outs.entry(f.src).or_insert_with(|| CallOut {
                first: f.evidence(summary),
                last: f.time,
                destination: dest,
                count: 0,
            });
            entry.count += 1;
            entry.last = entry.last.max(f.time);
        }
    }

    /// Entries held, for the memory bound.
    pub(crate) fn state_size(&self) -> usize {
        self.smb.len() + self.contacted.len() + self.call_outs.len() + self.callers.len()
    }

    /// True once any web request was read.
    pub(crate) fn web_seen(&self) -> bool {
        self.web_seen
    }

    /// Hosts that made C2-like requests, by name: (first, last) request time.
    pub(crate) fn callers(
        &self,
        name: &dyn Fn(&str) -> String,
    ) -> BTreeMap<String, (Timestamp, Timestamp)> {
        let mut out: BTreeMap<String, (Timestamp, Timestamp)> = BTreeMap::new();
        for (ip, (first, last)) in &self.callers {
            let slot = out.entry(name(&ip.to_string())).or_insert((*first, *last));
            slot.0 = slot.0.min(*first);
            slot.1 = slot.1.max(*last);
        }
        out
    }

    /// Devices outside `cluster` that an infected member reached over SMB (after its own
    /// infection) and that then made C2-like requests; the earliest such contact per device.
    /// Hosts in `explained` (members of worm clusters by their own logs) are never joined.
    pub(crate) fn hops_into(
        &self,
        cluster: &Cluster,
        explained: &HashSet<String>,
        name: &dyn Fn(&str) -> String,
    ) -> Vec<NetworkHop> {
        let infected: HashMap<&str, Timestamp> = cluster
            .hosts
            .iter()
            .map(|h| (h.host.as_str(), h.infected_at.unwrap_or_default()))
            .collect();
        let mut best: BTreeMap<String, (Evidence, String, &CallOut)> = BTreeMap::new();
        for ((src, dst), contact) in &self.smb {
            let Some(call) = self.call_outs.get(dst) else {
                continue;
            };
            let (from, to) = (name(&src.to_string()), name(&dst.to_string()));
            let source_infected = infected
                .get(from.as_str())
                .is_some_and(|t| *t <= contact.time);
            if !source_infected
                || infected.contains_key(to.as_str())
                || explained.contains(&to)
                || call.last < contact.time
            {
                continue;
            }
            let mut named = contact.clone();
            named.summary = format!("{from} ({src}) → {to} ({dst}):445 SMB");
            let slot = best
                .entry(to)
                .or_insert((named.clone(), from.clone(), call));
            if (named.time, &from) < (slot.0.time, &slot.1) {
                *slot = (named, from, call);
            }
        }
        best.into_iter()
            .map(|(to, (contact, from, call))| NetworkHop {
                edge: Edge {
                    from: from.clone(),
                    to: to.clone(),
                    time: Some(contact.time),
                    account: None,
                    channel: crate::remote_exec::Channel::Network,
                    evidence: vec![contact, call.first.clone()],
                    source_resolved: None,
                },
                from,
                to,
                call_outs: call.count,
                destination: call.destination.clone(),
            })
            .collect()
    }
}

/// The external destination of a request that looks like C2: an IP-literal host, or an
/// encoded query string.
fn c2_like(f: &Flow, w: &WebRequest) -> Option<String> {
    let literal = w.host.parse::<IpAddr>().ok().filter(|ip| !is_internal(ip));
    let external = f.dst.is_none_or(|d| !is_internal(&d));
    let encoded = crate::network::encoded_query(&w.query, ENCODED_MIN_LEN).is_some();
    match literal {
        Some(ip) => Some(ip.to_string()),
        None if encoded && external && !w.host.is_empty() => Some(w.host.to_string()),
        None => None,
    }
}

/// Adds the devices the network shows infected to `cluster` (hosts, edges, one reason) and
/// returns a `network-spread` finding per device.
pub(crate) fn extend(
    cluster: &mut Cluster,
    hops: Vec<NetworkHop>,
    assets: &Assets,
    directory: &HostDirectory,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut said = Vec::new();
    for hop in hops {
        let asset = assets.host(&hop.to);
        cluster.hosts.push(ClusterHost {
            host: hop.to.clone(),
            fqdn: directory.fqdn_of(&hop.to),
            ips: directory.ips_of(&hop.to, assets),
            infected_at: hop.edge.time,
            role: asset.and_then(|a| a.role.clone()),
            clinical: asset.is_some_and(|a| a.clinical),
            // The SMB contact and every call-out.
            evidence_count: 1 + hop.call_outs as usize,
        });
        said.push(format!(
            "{} reached over SMB from {}, then {} C2-like request(s) to {}",
            hop.to, hop.from, hop.call_outs, hop.destination
        ));
        findings.push(finding(cluster, &hop));
        cluster.edges.push(hop.edge);
    }
    if !said.is_empty() {
        cluster
            .reasons
            .push(format!("network-evidenced: {}", said.join("; ")));
        cluster.hosts.sort_by(|a, b| {
            (!a.clinical, a.infected_at, &a.host).cmp(&(!b.clinical, b.infected_at, &b.host))
        });
    }
    findings
}

fn finding(cluster: &Cluster, hop: &NetworkHop) -> Finding {
    let mut details = BTreeMap::new();
    details.insert("from".into(), serde_json::json!(hop.from));
    details.insert("to".into(), serde_json::json!(hop.to));
    details.insert("cluster".into(), serde_json::json!(cluster.id));
    details.insert("call_outs".into(), serde_json::json!(hop.call_outs));
    details.insert("destination".into(), serde_json::json!(hop.destination));
    let first = hop.edge.time.unwrap_or_default();
    let last = hop.edge.evidence.last().map(|e| e.time).unwrap_or(first);
    Finding {
        analytic: crate::Analytic::NetworkSpread,
        title: format!(
            "Network spread: {} → {} over SMB, then C2-like requests",
            hop.from, hop.to
        ),
        level: Level::Critical,
        host: hop.to.clone(),
        first_seen: first,
        last_seen: last,
        summary: format!(
            "{} (infected, cluster {}) reached {} over SMB; {} then made {} C2-like request(s) to {}: no host logs, the network shows it infected",
            hop.from, cluster.id, hop.to, hop.to, hop.call_outs, hop.destination
        ),
        details,
        evidence: hop.edge.evidence.clone(),
    }
}
