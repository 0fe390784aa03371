//! The spread graph: remote-execution hops grouped into clusters by shared artefact, each host
//! with its infection time, a patient zero and a verdict (`worm`, `suspicious`, `likely-admin`).

use crate::artefacts::{ArtefactLog, file_key, is_specific, service_key};
use crate::assets::Assets;
use crate::case::{Cluster, ClusterHost, Edge, FailedAttempt, VerdictSignal};
use crate::config::AnalyticsConfig;
use crate::directory::HostDirectory;
use crate::remote_exec::Channel;
use crate::verdict::{self, Judgement};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use ward_event::Timestamp;

/// The source of a hop whose logs named no address or host.
pub const UNKNOWN_SOURCE: &str = "?";

/// A hop with its source resolved to a host name.
#[derive(Debug, Clone)]
pub struct ResolvedHop {
    /// Source host (or address, or `?` when unknown).
    pub from: String,
    /// Target host.
    pub to: String,
    /// Install time.
    pub time: Timestamp,
    /// How it ran code.
    pub channel: Channel,
    /// What ran: service name, task name, or image file name (by channel).
    pub service: String,
    /// Implant file name (lower-case).
    pub implant: String,
    /// The service's image path as logged.
    pub image_path: String,
    /// The tool or trick its traces name, when they name one.
    pub tool: Option<crate::remote_exec::Tool>,
    /// The edge as reported.
    pub edge: Edge,
}

/// What the spread builder reads besides the hops.
pub struct SpreadContext<'a> {
    /// Thresholds and admin-tool names.
    pub config: &'a AnalyticsConfig,
    /// Assets file.
    pub assets: &'a Assets,
    /// Addresses learned.
    pub directory: &'a HostDirectory,
    /// Artefact sightings and follow-up.
    pub artefacts: &'a ArtefactLog,
    /// Attempts (source, target, time) that did not lead to an install.
    pub attempts: &'a [(String, String, Timestamp)],
    /// Hosts with C2-like web requests: host → (first, last) request time.
    pub c2_callers: &'a BTreeMap<String, (Timestamp, Timestamp)>,
    /// True when network logs with web requests were read.
    pub web_seen: bool,
}

/// Groups hops that share a service name or a specific implant name; hops whose image is a
/// generic shell (`cmd.exe /c …`, as Tchopper or Metasploit install) group by source and target.
fn group(hops: &[ResolvedHop]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..hops.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, h) in hops.iter().enumerate() {
        let mut keys = vec![what_key(h)];
        if is_specific(&h.implant) {
            keys.push(file_key(&h.implant));
        } else {
            // A shell run by a service and one run by WMI share nothing but the shell.
            let kind = h.channel.artefact_kind();
            keys.push(format!("pair:{kind}:{}>{}:{}", h.from, h.to, h.implant));
        }
        for k in keys {
            let j = *owner.entry(k).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a] = b;
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..hops.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort_by_key(|g| g.iter().map(|&i| hops[i].time).min());
    out
}

/// The grouping key of what a hop ran: `service:name` for services (the key the artefact log
/// uses), `task:name`, `wmi:image`, … for the other channels.
fn what_key(h: &ResolvedHop) -> String {
    match h.channel {
        Channel::Service => service_key(&h.service),
        other => format!(
            "{}:{}",
            other.artefact_kind(),
            h.service.to_ascii_lowercase()
        ),
    }
}

/// Builds the clusters, in order of first hop, each with the indices of its hops.
pub fn build(hops: &[ResolvedHop], ctx: &SpreadContext<'_>) -> Vec<(Cluster, Vec<usize>)> {
    group(hops)
        .into_iter()
        .enumerate()
        .map(|(n, idx)| {
            (
                cluster(n + 1, idx.iter().map(|&i| &hops[i]).collect(), ctx),
                idx,
            )
        })
        .collect()
}

fn cluster(n: usize, hops: Vec<&ResolvedHop>, ctx: &SpreadContext<'_>) -> Cluster {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for h in &hops {
        *names.entry(h.service.as_str()).or_default() += 1;
    }
    let service = names
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let artefact = artefact_label(&hops, &service, names.len());
    let mut keys: BTreeSet<String> = names.keys().map(|s| service_key(s)).collect();
    keys.extend(
        hops.iter()
            .filter(|h| is_specific(&h.implant))
            .map(|h| file_key(&h.implant)),
    );
    let keys: Vec<String> = keys.into_iter().collect();

    let infected = infection_times(&hops, &keys, ctx.artefacts);
    let targets: BTreeSet<&str> = hops.iter().map(|h| h.to.as_str()).collect();
    let patient_zero = infected
        .iter()
        .filter(|(h, _)| !targets.contains(h.as_str()))
        .min_by_key(|(h, t)| (*t, (*h).clone()))
        .or_else(|| infected.iter().min_by_key(|(h, t)| (*t, (*h).clone())))
        .map(|(h, _)| h.clone());
    let mut hop_evidence: HashMap<&str, usize> = HashMap::new();
    for h in &hops {
        *hop_evidence.entry(h.to.as_str()).or_default() += h.edge.evidence.len();
    }
    let mut hosts: Vec<ClusterHost> = infected
        .iter()
        .map(|(h, t)| {
            let evidence = hop_evidence.get(h.as_str()).copied().unwrap_or(0);
            host_entry(h, *t, &keys, evidence, ctx)
        })
        .collect();
    hosts.sort_by(|a, b| {
        (!a.clinical, a.infected_at, &a.host).cmp(&(!b.clinical, b.infected_at, &b.host))
    });
    let sources: BTreeSet<&str> = hops.iter().map(|h| h.from.as_str()).collect();
    let failed_attempts: Vec<FailedAttempt> = ctx
        .attempts
        .iter()
        .filter(|(from, to, _)| sources.contains(from.as_str()) && !infected.contains_key(to))
        .map(|(from, to, t)| FailedAttempt {
            from: from.clone(),
            to: to.clone(),
            time: Some(*t),
        })
        .collect();
    let judgement = verdict(&hops, &infected, failed_attempts.len(), ctx);
    Cluster {
        id: format!("C{n}"),
        artefact,
        verdict: judgement.verdict,
        reasons: std::iter::once(judgement.why)
            .chain(judgement.signals.iter().map(reason_line))
            .collect(),
        score: judgement.score,
        signals: judgement.signals,
        patient_zero,
        hosts,
        edges: collapse(&hops, ctx.config.max_evidence),
        failed_attempts,
    }
}

/// Earliest evidence of the artefact per host; a target is infected at the latest by its
/// install, a source at the latest by its first hop out.
fn infection_times(
    hops: &[&ResolvedHop],
    keys: &[String],
    log: &ArtefactLog,
) -> BTreeMap<String, Timestamp> {
    let mut out: BTreeMap<String, Timestamp> = BTreeMap::new();
    for h in hops {
        // The target holds the implant from the moment it was written over the share.
        let written = h
            .edge
            .evidence
            .iter()
            .filter(|e| matches!(e.kind.as_str(), "5145" | "11"))
            .map(|e| e.time)
            .min()
            .unwrap_or(h.time)
            .min(h.time);
        // The source held it before its first move towards the target (the logon).
        let began = h
            .edge
            .evidence
            .iter()
            .map(|e| e.time)
            .min()
            .unwrap_or(h.time)
            .min(h.time);
        for (host, t) in [(&h.to, written), (&h.from, began)] {
            if host == UNKNOWN_SOURCE {
                continue;
            }
            let seen = log.earliest(host, keys).map(|e| e.time).unwrap_or(t).min(t);
            let slot = out.entry(host.clone()).or_insert(seen);
            *slot = (*slot).min(seen);
        }
    }
    out
}

fn host_entry(
    host: &str,
    infected_at: Timestamp,
    keys: &[String],
    hop_evidence: usize,
    ctx: &SpreadContext<'_>,
) -> ClusterHost {
    let asset = ctx.assets.host(host);
    ClusterHost {
        host: host.to_string(),
        fqdn: ctx.directory.fqdn_of(host),
        ips: ctx.directory.ips_of(host, ctx.assets),
        infected_at: Some(infected_at),
        role: asset.and_then(|a| a.role.clone()),
        clinical: asset.is_some_and(|a| a.clinical),
        evidence_count: hop_evidence + ctx.artefacts.count(host, keys),
    }
}

fn verdict(
    hops: &[&ResolvedHop],
    infected: &BTreeMap<String, Timestamp>,
    failed_attempts: usize,
    ctx: &SpreadContext<'_>,
) -> Judgement {
    let follow_up = follow_up_reason(infected, ctx.artefacts);
    let inputs = verdict::Inputs {
        config: ctx.config,
        assets: ctx.assets,
        artefacts: ctx.artefacts,
        c2_callers: ctx.c2_callers,
        web_seen: ctx.web_seen,
        failed_attempts,
    };
    verdict::judge(hops, infected, multi_hop_reason(hops), follow_up, &inputs)
}

/// `worm +3: multi-hop: …`: a signal as one line for people.
pub fn reason_line(s: &VerdictSignal) -> String {
    if s.weight == 0 {
        format!("{} (not weighed): {}", s.side, s.reason)
    } else {
        format!("{} +{}: {}", s.side, s.weight, s.reason)
    }
}

/// One line for every host that was reached and then reached others:
/// `multi-hop: FS-01 reached from WS-RECEPTION-01, then reached KIOSK-CONSENT-01, MRI-CONSOLE-01`.
fn multi_hop_reason(hops: &[&ResolvedHop]) -> Option<String> {
    // A host is a relay when it reached another host after it was itself reached. Linear in
    // the hops: a relay's sources are the hops into it no later than its last hop out, its
    // targets the hops out of it no earlier than its first hop in.
    let mut first_in: HashMap<&str, Timestamp> = HashMap::new();
    let mut last_out: HashMap<&str, Timestamp> = HashMap::new();
    for h in hops {
        let t = first_in.entry(h.to.as_str()).or_insert(h.time);
        *t = (*t).min(h.time);
        let t = last_out.entry(h.from.as_str()).or_insert(h.time);
        *t = (*t).max(h.time);
    }
    // relay → (reached from, then reached)
    let mut relays: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for h in hops {
        if first_in.get(h.from.as_str()).is_some_and(|t| *t <= h.time) {
            relays
                .entry(h.from.as_str())
                .or_default()
                .1
                .insert(h.to.as_str());
        }
    }
    for e in hops {
        let last = last_out.get(e.to.as_str());
        if let Some(slot) = relays.get_mut(e.to.as_str())
            && last.is_some_and(|t| e.time <= *t)
        {
            slot.0.insert(e.from.as_str());
        }
    }
    if relays.is_empty() {
        return None;
    }
    let join = |s: &BTreeSet<&str>| s.iter().copied().collect::<Vec<_>>().join(", ");
    let parts: Vec<String> = relays
        .iter()
        .map(|(relay, (from, to))| {
            format!(
                "{relay} reached from {}, then reached {}",
                join(from),
                join(to)
            )
        })
        .collect();
    Some(format!("multi-hop: {}", parts.join("; ")))
}

/// One line for the follow-up on infected hosts, each kind with the number of hosts it was
/// seen on: `follow-up on 6 hosts: recon burst (6), rule hits: implant process (6)`.
fn follow_up_reason(
    infected: &BTreeMap<String, Timestamp>,
    artefacts: &ArtefactLog,
) -> Option<(String, usize)> {
    let mut hosts = 0;
    let mut bursts = 0;
    let mut rules: BTreeMap<String, usize> = BTreeMap::new();
    for (host, t) in infected {
        let seen = artefacts.follow_up_since(host, *t);
        if seen.is_empty() {
            continue;
        }
        hosts += 1;
        let mut titles = BTreeSet::new();
        let mut burst = false;
        for what in &seen {
            match what.strip_prefix("rule hit: ") {
                Some(title) => {
                    titles.insert(title.to_string());
                }
                None => burst |= what.starts_with("recon burst"),
            }
        }
        bursts += usize::from(burst);
        for title in titles {
            *rules.entry(title).or_default() += 1;
        }
    }
    if hosts == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if bursts > 0 {
        parts.push(format!("recon bursts ({bursts})"));
    }
    let mut ranked: Vec<(String, usize)> = rules.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if !ranked.is_empty() {
        let list: Vec<String> = ranked.iter().map(|(t, n)| format!("{t} ({n})")).collect();
        parts.push(format!("rule hits: {}", list.join(", ")));
    }
    let noun = if hosts == 1 { "host" } else { "hosts" };
    Some((
        format!("follow-up on {hosts} {noun}: {}", parts.join(", ")),
        hosts,
    ))
}

/// The artefact the hops share: what they ran (service or task name, image by channel), else
/// their implant file, else the image.
fn artefact_label(hops: &[&ResolvedHop], service: &str, service_names: usize) -> String {
    let kind = hops
        .first()
        .map_or("service", |h| h.channel.artefact_kind());
    if service_names <= 1 {
        return format!("{kind}:{service}");
    }
    let first = hops.first().map(|h| h.implant.as_str()).unwrap_or("");
    if hops.iter().all(|h| h.implant == first) {
        let kind = if is_specific(first) { "file" } else { "image" };
        return format!("{kind}:{first}");
    }
    format!("{kind}:{service}")
}

/// One edge per source, target and channel: repeated installs between the same hosts (a tool
/// creating a service per chunk of payload) add evidence, not edges.
fn collapse(hops: &[&ResolvedHop], max_evidence: usize) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    let mut index: HashMap<(&str, &str, Channel), usize> = HashMap::new();
    for h in hops {
        let slot = *index
            .entry((h.from.as_str(), h.to.as_str(), h.channel))
            .or_insert(edges.len());
        match edges.get_mut(slot) {
            Some(e) => {
                let room = max_evidence.saturating_sub(e.evidence.len());
                e.evidence
                    .extend(h.edge.evidence.iter().take(room).cloned());
                if e.account.is_none() {
                    e.account = h.edge.account.clone();
                }
            }
            None => edges.push(h.edge.clone()),
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, quadratic: a hop out of a host that was reached no later makes it a
    /// relay, with that earlier hop's source and this hop's target.
    fn naive(hops: &[&ResolvedHop]) -> Option<String> {
        let mut relays: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
        for h in hops {
            for earlier in hops.iter().filter(|e| e.to == h.from && e.time <= h.time) {
                let slot = relays.entry(h.from.as_str()).or_default();
                slot.0.insert(earlier.from.as_str());
                slot.1.insert(h.to.as_str());
            }
        }
        let join = |s: &BTreeSet<&str>| s.iter().copied().collect::<Vec<_>>().join(", ");
        let parts: Vec<String> = relays
            .iter()
            .map(|(r, (f, t))| format!("{r} reached from {}, then reached {}", join(f), join(t)))
            .collect();
        (!parts.is_empty()).then(|| format!("multi-hop: {}", parts.join("; ")))
    }

    fn hop(from: u64, to: u64, time: i64) -> ResolvedHop {
        ResolvedHop {
            from: format!("H{from}"),
            to: format!("H{to}"),
            time: Timestamp::from_nanos(time),
            service: String::new(),
            channel: Channel::Service,
            implant: String::new(),
            image_path: String::new(),
            tool: None,
            edge: Edge::default(),
        }
    }

    #[test]
    fn multi_hop_reason_matches_its_definition() {
        // Pseudo-random hop sets over 6 hosts, times with ties.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..300 {
            let len = next(12) as usize;
            let hops: Vec<ResolvedHop> = (0..len)
                .map(|_| hop(next(6), next(6), next(8) as i64))
                .collect();
            let refs: Vec<&ResolvedHop> = hops.iter().collect();
            assert_eq!(multi_hop_reason(&refs), naive(&refs), "{hops:?}");
        }
    }
}
