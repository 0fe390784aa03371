//! The [`Analyzer`]: facts in time order in, findings, the spread graph and the accounts out.

use crate::accounts::CredentialExposure;
use crate::artefacts::{ArtefactLog, file_key, is_specific, service_key};
use crate::assets::Assets;
use crate::case::{Accounts, Cluster, Detection, Edge, Evidence, Finding, Spread, Verdict};
use crate::checkpoint::{self, CheckpointError};
use crate::config::AnalyticsConfig;
use crate::directory::{AddressBook, HostDirectory, is_local_ip};
use crate::facts::Fact;
use crate::fanout::{self, FanOutTracker};
use crate::network::{NetFact, NetworkRole};
use crate::reach::{self, NetworkReach};
use crate::recon::{ReconTracker, base_name};
use crate::remote_exec::{AlternateCredentials, Channel, Hop, RemoteExecTracker, Tool, image_file};
use crate::spread::{self, ResolvedHop, SpreadContext};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use ward_event::{Level, Timestamp, Value};

/// What the host analytics found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Remote-execution, recon-burst and SMB fan-out findings, sorted by time.
    pub findings: Vec<Finding>,
    /// Clusters of remote-execution hops.
    pub spread: Spread,
    /// Accounts to reset and to review.
    pub accounts: Accounts,
    /// Host names behind addresses, as the logs and the assets file tell.
    pub addresses: AddressBook,
}

/// Failed attempts kept for the spread graph; more are dropped.
const MAX_ATTEMPTS: usize = 4096;

/// Stateful host analytics over facts in time order across all inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Analyzer {
    // Thresholds and assets come from the user's files at start; checkpoints hold the rest.
    #[serde(skip)]
    config: AnalyticsConfig,
    #[serde(skip)]
    assets: Assets,
    directory: HostDirectory,
    remote: RemoteExecTracker,
    recon: ReconTracker,
    fanout: FanOutTracker,
    exposure: CredentialExposure,
    /// Pass-the-hash shaped logons, judged against the hops at the end.
    #[serde(default)]
    alternate: AlternateCredentials,
    artefacts: ArtefactLog,
    reach: NetworkReach,
    /// Failed remote logons: (source address, target host, time).
    failed_logons: Vec<(String, String, Timestamp)>,
    last_sweep: Timestamp,
}

impl Analyzer {
    /// An analyzer with these thresholds and known hosts.
    pub fn new(config: AnalyticsConfig, assets: Assets) -> Self {
        Analyzer {
            config,
            assets,
            directory: HostDirectory::default(),
            remote: RemoteExecTracker::default(),
            recon: ReconTracker::default(),
            fanout: FanOutTracker::default(),
            exposure: CredentialExposure::default(),
            alternate: AlternateCredentials::default(),
            artefacts: ArtefactLog::default(),
            reach: NetworkReach::default(),
            failed_logons: Vec::new(),
            last_sweep: Timestamp::UNKNOWN,
        }
    }

    /// Takes one fact; facts must arrive in time order.
    pub fn feed(&mut self, fact: &Fact) {
        let cfg = &self.config;
        match fact {
            Fact::Logon(l) => {
                if let (Some(ip), Some(ws)) = (&l.source_ip, &l.workstation) {
                    self.directory.learn(ip, ws);
                }
                if !l.success
                    && l.source_ip.as_deref().is_some_and(|ip| !is_local_ip(ip))
                    && self.failed_logons.len() < MAX_ATTEMPTS
                {
                    let ip = l.source_ip.clone().unwrap_or_default();
                    self.failed_logons
                        .push((ip, l.evidence.host.clone(), l.evidence.time));
                }
                self.remote.logon(l, cfg);
                self.remote.rdp_logon(l, cfg);
                self.alternate.logon(l);
                self.fanout.logon(l, cfg);
                self.exposure.logon(l);
            }
            Fact::ExplicitCredentials(x) => {
                if let (Some(ip), Some(server)) = (&x.target_ip, &x.target_server) {
                    self.directory.learn(ip, server);
                }
                self.exposure.explicit(x);
            }
            Fact::SpecialLogon(_) | Fact::RegistrySet(_) => {}
            Fact::ShareAccess(s) => {
                self.remote.share(s, cfg);
                self.fanout.share(s, cfg);
            }
            Fact::ServiceInstall(s) => {
                let host = &s.evidence.host;
                self.artefacts
                    .service(host, &s.service, &image_file(&s.image_path), &s.evidence);
                self.exposure.service(s);
                self.remote.service(s, cfg);
            }
            Fact::ProcessCreation(p) => {
                self.artefacts
                    .file(&p.evidence.host, &base_name(&p.image), &p.evidence);
                self.recon.feed(p, cfg);
                self.remote.process(p, cfg);
                self.remote.task_run(p, cfg);
                self.remote.clone_process(p, cfg);
                self.remote.rdp_process(p, cfg);
            }
            Fact::FileCreate(f) => {
                self.artefacts
                    .file(&f.evidence.host, &base_name(&f.target), &f.evidence);
                self.remote.file(f, cfg);
            }
            Fact::NetworkConnection(c) => {
                if let (true, Some(ip)) = (c.initiated, &c.source_ip) {
                    self.directory.learn(ip, &c.evidence.host);
                }
                self.fanout.connection(c, cfg);
                self.remote.inbound(c, cfg);
            }
            Fact::AddressSeen(a) => self.directory.learn(&a.ip, &a.host),
            Fact::ScheduledTask(t) => {
                if let Some(cmd) = t.command.as_deref().filter(|_| t.logon_id.is_some()) {
                    let host = &t.evidence.host;
                    self.artefacts
                        .service(host, &t.task_name, &image_file(cmd), &t.evidence);
                }
                self.remote.task(t, cfg);
            }
            Fact::Pipe(p) => self.remote.clone_pipe_event(p, cfg),
            Fact::RdpSession(r) => {
                if let (Some(ip), Some(name)) = (&r.client_ip, &r.client_name) {
                    self.directory.learn(ip, name);
                }
                self.remote.rdp_session(r, cfg);
            }
            Fact::ChannelActivity(a) => self.remote.activity(a, cfg),
        }
        self.sweep(fact.time());
    }

    /// Takes one network fact, in time order with the host facts: SMB contacts and call-outs
    /// that put devices without host logs into the spread graph.
    pub fn feed_network(&mut self, fact: &NetFact) {
        self.reach.feed(fact);
    }

    fn sweep(&mut self, now: Timestamp) {
        if now >= self.last_sweep.add_secs(self.config.hop_window_secs) {
            self.last_sweep = now;
            self.remote.sweep(now, &self.config);
        }
    }

    /// Takes one rule hit: artefacts it names mark its host, and serious hits that are not the
    /// install itself count as follow-up activity.
    pub fn feed_detection(&mut self, d: &Detection) {
        let e = Evidence {
            time: d.time,
            host: d.host.clone(),
            file: d.file.clone(),
            position: d.position,
            record_id: d.record_id,
            kind: d
                .event_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| d.kind.clone()),
            summary: format!("rule hit: {}", d.title),
        };
        let text = |name: &str| {
            d.fields
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(s) = text("ServiceName") {
            self.artefacts.saw(&d.host, service_key(&s), &e);
        }
        for name in [
            "RelativeTargetName",
            "Image",
            "TargetFilename",
            "ImagePath",
            "ServiceFileName",
            "NewProcessName",
        ] {
            let file = text(name)
                .map(|p| image_file(&p))
                .filter(|f| is_specific(f));
            if let Some(f) = file {
                self.artefacts.saw(&d.host, file_key(&f), &e);
            }
        }
        if d.level >= Level::High && is_follow_up(&d.tags) {
            self.artefacts
                .follow_up(&d.host, &format!("rule hit: {}", d.title), d.time);
        }
    }

    /// Entries of keyed state held now (findings and hops excluded): stays bounded when many
    /// unrelated facts are fed.
    pub fn state_size(&self) -> usize {
        self.directory.size()
            + self.remote.state_size()
            + self.recon.state_size()
            + self.fanout.state_size()
            + self.exposure.state_size()
            + self.alternate.state_size()
            + self.artefacts.state_size()
            + self.reach.state_size()
            + self.failed_logons.len()
    }

    /// What [`finish`](Self::finish) would return if the input ended now; the analyzer carries on.
    pub fn snapshot(&self) -> Outcome {
        self.clone().finish()
    }

    /// The state (not the thresholds or assets), to [`restore`](Self::restore) after a restart.
    pub fn checkpoint(&self) -> Vec<u8> {
        checkpoint::encode(checkpoint::Kind::Host, self)
    }

    /// An analyzer with these thresholds and assets that carries on from `bytes`, a
    /// [`checkpoint`](Self::checkpoint) of this build.
    pub fn restore(
        config: AnalyticsConfig,
        assets: Assets,
        bytes: &[u8],
    ) -> Result<Self, CheckpointError> {
        let state: Analyzer = checkpoint::decode(checkpoint::Kind::Host, bytes)?;
        Ok(Analyzer {
            config,
            assets,
            ..state
        })
    }

    /// Ends the run: findings, spread and accounts.
    pub fn finish(mut self) -> Outcome {
        let recon = std::mem::take(&mut self.recon).finish();
        // A person at a desktop shell is not a worm's follow-up (an implant runs as SYSTEM).
        for f in recon
            .iter()
            .filter(|f| !f.details.contains_key("explained_by"))
        {
            let what = format!("recon burst ({} commands)", f.evidence.len());
            self.artefacts.follow_up(&f.host, &what, f.first_seen);
        }
        let (hops, orphans) = std::mem::take(&mut self.remote).finish(&self.config);
        // Hops move into their resolved form: on a large outbreak they are most of what is held.
        let resolved: Vec<ResolvedHop> = hops.into_iter().map(|h| self.resolve(h)).collect();
        let mut attempts: Vec<(String, String, Timestamp)> = Vec::new();
        for (ip, to, t) in &self.failed_logons {
            attempts.push((self.name(ip), to.clone(), *t));
        }
        for (to, d) in &orphans {
            if let Some(ip) = &d.source_ip {
                attempts.push((self.name(ip), to.clone(), d.time));
            }
        }
        attempts.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
        attempts.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let c2_callers = self.reach.callers(&|ip| self.name(ip));
        let ctx = SpreadContext {
            config: &self.config,
            assets: &self.assets,
            directory: &self.directory,
            artefacts: &self.artefacts,
            attempts: &attempts,
            c2_callers: &c2_callers,
            web_seen: self.reach.web_seen(),
        };
        let mut built = spread::build(&resolved, &ctx);
        let mut findings = recon;
        findings.extend(hop_findings(&resolved, &built));
        findings.extend(
            self.alternate
                .findings(&resolved, self.config.hop_window_secs, &|ip| self.name(ip)),
        );
        drop(resolved);
        // Network evidence joins worm clusters only, and never a host a worm cluster already
        // explains from its own logs.
        let explained: HashSet<String> = built
            .iter()
            .filter(|(c, _)| c.verdict == Verdict::Worm)
            .flat_map(|(c, _)| c.hosts.iter().map(|h| h.host.clone()))
            .collect();
        for (c, _) in built.iter_mut().filter(|(c, _)| c.verdict == Verdict::Worm) {
            let hops = self.reach.hops_into(c, &explained, &|ip| self.name(ip));
            findings.extend(reach::extend(c, hops, &self.assets, &self.directory));
        }
        let clusters: Vec<Cluster> = built.into_iter().map(|(c, _)| c).collect();
        let fanout = std::mem::take(&mut self.fanout);
        let mut fanned = fanout.finish(&|ip| self.name(ip), self.config.max_evidence);
        let worm_hosts: HashSet<String> = clusters
            .iter()
            .filter(|c| c.verdict == Verdict::Worm)
            .flat_map(|c| c.hosts.iter().map(|h| h.host.clone()))
            .collect();
        let admin_sources: BTreeMap<String, String> = clusters
            .iter()
            .filter(|c| c.verdict == Verdict::LikelyAdmin)
            .flat_map(|c| c.edges.iter().map(|e| (e.from.clone(), c.id.clone())))
            .collect();
        let role_of = |host: &str| {
            let role = self.assets.host(host)?.role.as_deref()?;
            NetworkRole::from_asset_role(role)
                .filter(|r| r.polls_internal() || *r == NetworkRole::DomainController)
                .map(|r| r.label().to_string())
        };
        fanout::temper(
            &mut fanned,
            &fanout::FanOutContext {
                worm_hosts: &worm_hosts,
                admin_sources: &admin_sources,
                role_of: &role_of,
            },
        );
        findings.extend(fanned);
        findings.sort_by(|a, b| {
            (a.first_seen, &a.host, &a.analytic).cmp(&(b.first_seen, &b.host, &b.analytic))
        });

        // The outbreak is the worm clusters' alone; hosts only suspicious clusters reached
        // get the accounts that would need a reset if those clusters are confirmed.
        let worm = reached(&clusters, Verdict::Worm, &BTreeMap::new());
        let suspicious = reached(&clusters, Verdict::Suspicious, &worm.0);
        let max_evidence = self.config.max_evidence;
        let exposure = std::mem::take(&mut self.exposure);
        let mut accounts = exposure.lists(&worm.0, &worm.1, max_evidence);
        accounts.reset_if_confirmed = exposure.lists(&suspicious.0, &[], max_evidence).reset;
        let clinical = |h: &String| self.assets.host(h).is_some_and(|a| a.clinical);
        for entry in accounts
            .reset
            .iter_mut()
            .chain(accounts.review.iter_mut())
            .chain(accounts.reset_if_confirmed.iter_mut())
        {
            entry.hosts.sort_by_key(|h| (!clinical(h), h.clone()));
        }
        Outcome {
            findings,
            spread: Spread { clusters },
            accounts,
            addresses: self.directory.book(&self.assets),
        }
    }

    fn name(&self, ip: &str) -> String {
        self.directory.resolve(ip, &self.assets)
    }

    fn resolve(&self, h: Hop) -> ResolvedHop {
        let from = match (&h.source_ip, &h.source_name) {
            (Some(ip), _) => self.name(ip),
            (None, Some(n)) => n.clone(),
            (None, None) => spread::UNKNOWN_SOURCE.to_string(),
        };
        let account = h
            .account
            .as_ref()
            .filter(|a| !a.is_empty())
            .map(|a| a.qualified());
        let mut evidence = h.evidence;
        // An address no log ties to a host stays the address, and says so.
        let unresolved = h.source_ip.as_deref().filter(|ip| from == *ip);
        if let Some(ip) = unresolved {
            evidence.push(Evidence {
                time: h.time,
                host: h.target.clone(),
                kind: "source".into(),
                summary: format!(
                    "source {ip} not resolved: no log read ties this address to a host name"
                ),
                ..Evidence::default()
            });
        }
        let edge = Edge {
            from: from.clone(),
            to: h.target.clone(),
            time: Some(h.time),
            account,
            channel: h.channel,
            evidence,
            source_resolved: unresolved.map(|_| false),
        };
        ResolvedHop {
            from,
            to: h.target,
            time: h.time,
            channel: h.channel,
            service: h.service,
            implant: h.implant,
            image_path: h.image_path,
            tool: h.tool,
            edge,
        }
    }
}

/// Hosts reached by clusters of one verdict (host → earliest infection), leaving out hosts
/// in `except`, and the hop accounts of those clusters (account, target, evidence).
#[allow(clippy::type_complexity)]
fn reached<'a>(
    clusters: &'a [Cluster],
    verdict: Verdict,
    except: &BTreeMap<String, Timestamp>,
) -> (
    BTreeMap<String, Timestamp>,
    Vec<(String, String, &'a [Evidence])>,
) {
    let mut hosts: BTreeMap<String, Timestamp> = BTreeMap::new();
    let mut hop_accounts = Vec::new();
    for c in clusters.iter().filter(|c| c.verdict == verdict) {
        for h in c.hosts.iter().filter(|h| !except.contains_key(&h.host)) {
            let t = h.infected_at.unwrap_or_default();
            let slot = hosts.entry(h.host.clone()).or_insert(t);
            *slot = (*slot).min(t);
        }
        // Computer accounts (a worm running as SYSTEM) are other hosts' and left out.
        for e in &c.edges {
            if let Some(a) = e.account.as_ref().filter(|a| !a.ends_with('$')) {
                hop_accounts.push((a.clone(), e.to.clone(), e.evidence.as_slice()));
            }
        }
    }
    (hosts, hop_accounts)
}

/// One remote-execution finding per edge (source, target), critical inside a worm cluster.
fn hop_findings(hops: &[ResolvedHop], clusters: &[(Cluster, Vec<usize>)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (c, members) in clusters {
        let level = match c.verdict {
            Verdict::Worm => Level::Critical,
            Verdict::LikelyAdmin => Level::Low,
            Verdict::Suspicious => Level::High,
        };
        // The hops behind each edge, grouped once: a worm cluster can hold tens of thousands.
        let mut by_edge: HashMap<(&str, &str, Channel), Vec<&ResolvedHop>> = HashMap::new();
        for h in members.iter().filter_map(|&i| hops.get(i)) {
            by_edge
                .entry((h.from.as_str(), h.to.as_str(), h.channel))
                .or_default()
                .push(h);
        }
        for edge in &c.edges {
            let Some(behind) = by_edge.get(&(edge.from.as_str(), edge.to.as_str(), edge.channel))
            else {
                continue;
            };
            let Some(first) = behind.first() else {
                continue;
            };
            let services: std::collections::BTreeSet<&str> =
                behind.iter().map(|h| h.service.as_str()).collect();
            let mut details = BTreeMap::new();
            details.insert("from".into(), serde_json::json!(edge.from));
            details.insert("to".into(), serde_json::json!(edge.to));
            details.insert("service".into(), serde_json::json!(first.service));
            details.insert("implant".into(), serde_json::json!(first.implant));
            details.insert("account".into(), serde_json::json!(edge.account));
            details.insert("cluster".into(), serde_json::json!(c.id));
            details.insert("channel".into(), serde_json::json!(first.channel));
            details.insert("verdict".into(), serde_json::json!(c.verdict));
            details.insert("installs".into(), serde_json::json!(behind.len()));
            if let Some(tool) = behind.iter().find_map(|h| h.tool) {
                details.insert("tool".into(), serde_json::json!(tool));
            }
            if edge.source_resolved == Some(false) {
                details.insert("source_resolved".into(), serde_json::json!(false));
            }
            let service = match first.channel {
                Channel::Service if services.len() > 1 => {
                    format!("{} services ({})", services.len(), first.implant)
                }
                Channel::Service => format!("service {}", first.service),
                other => format!("{}: {}", other.label(), first.service),
            };
            let service = match behind.iter().find_map(|h| h.tool) {
                Some(tool) if !matches!(tool, Tool::Psexec) => {
                    format!("{service}, {}", tool.label())
                }
                _ => service,
            };
            let last = behind.iter().map(|h| h.time).max().unwrap_or(first.time);
            out.push(Finding {
                analytic: crate::Analytic::RemoteExecution,
                title: format!("Remote execution: {} → {} ({service})", edge.from, edge.to),
                level,
                host: edge.to.clone(),
                first_seen: edge.evidence.first().map(|e| e.time).unwrap_or(first.time),
                last_seen: last,
                summary: format!(
                    "{} reached {} as {} and ran {service}: {}",
                    edge.from,
                    edge.to,
                    edge.account.as_deref().unwrap_or("an unknown account"),
                    first.implant
                ),
                details,
                evidence: edge.evidence.clone(),
            });
        }
    }
    out
}

/// ATT&CK tactics of what an intruder does once on a host (the install and the implant itself
/// are artefacts, not follow-up).
const FOLLOW_UP_TACTICS: &[&str] = &[
    "attack.discovery",
    "attack.command-and-control",
    "attack.credential-access",
    "attack.collection",
    "attack.exfiltration",
    "attack.impact",
];

/// True when a rule's tags name a follow-up tactic.
fn is_follow_up(tags: &[String]) -> bool {
    tags.iter()
        .any(|t| FOLLOW_UP_TACTICS.contains(&t.to_ascii_lowercase().as_str()))
}
