//! A worker: takes a fair share of the partitions (one owner each, by [`Lease`]), and for each
//! runs every site's detector over the partition's events in stream order, publishes the
//! alerts to `ward.alerts.<tenant>` and checkpoints. Any number of workers, on any machine;
//! when one dies its leases expire and the others take its partitions over from the last
//! checkpoint.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{
    self, consumer, context::PublishAckFuture, message::PublishMessage, stream,
};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ward_event::{Event, Level, Timestamp};

use crate::checkpoint::{self, PartitionCheckpoint, SiteCheckpoint};
use crate::lease::Lease;
use crate::setup::{self, Handles, Layout};
use crate::subjects::{self, RAW_STREAM, SiteId};
use crate::{ClusterError, wire};

/// One alert a site's detector raised (the monitor's alert shape).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// De-duplication key: the same detection found again has the same key.
    pub key: String,
    /// When the triggering event happened.
    pub time: Timestamp,
    /// The host it concerns.
    pub host: String,
    /// The rule or analytic that fired.
    pub rule_id: String,
    /// A one-line title.
    pub title: String,
    /// Severity.
    pub level: Level,
    /// Supporting events and figures.
    pub evidence: serde_json::Value,
}

/// The detection of one site, injected by the binary.
pub trait SiteDetector: Send {
    /// Handles one event of the site, in stream order; returns the alerts it raised.
    fn on_event(&mut self, event: &Event) -> Vec<Alert>;
    /// Called when the partition has caught up with the stream: raise everything pending
    /// (analytics due later on a timer are evaluated now).
    fn flush(&mut self) -> Vec<Alert>;
    /// The detector's state.
    fn checkpoint(&self) -> Vec<u8>;
    /// Restores a state [`SiteDetector::checkpoint`] produced.
    fn restore(&mut self, state: &[u8]);
}

/// Makes a fresh detector for a site.
pub type DetectorFactory = Arc<dyn Fn(&SiteId) -> Box<dyn SiteDetector> + Send + Sync>;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This worker's name (unique among the workers).
    pub id: String,
    /// The cluster's shape.
    pub layout: Layout,
    /// Checkpoint at least this often while events flow.
    pub checkpoint_every: Duration,
    /// Events fetched per request.
    pub batch: usize,
}

impl WorkerConfig {
    /// A worker named `id` with the defaults.
    pub fn new(id: &str, layout: Layout) -> Self {
        WorkerConfig {
            id: id.to_string(),
            layout,
            checkpoint_every: Duration::from_secs(2),
            batch: 256,
        }
    }
}

/// A partition being worked on, and how to stop it.
struct Owned {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), ClusterError>>,
}

/// Runs a worker until `stop` turns true; then every partition is checkpointed and released.
pub async fn run(
    client: async_nats::Client,
    config: WorkerConfig,
    factory: DetectorFactory,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ClusterError> {
    let js = jetstream::new(client);
    let handles = Arc::new(setup::ensure(&js, &config.layout).await?);
    let partitions = config.layout.partitions.max(1);
    let mut owned: BTreeMap<u32, Owned> = BTreeMap::new();
    let me = format!("w-{}", config.id);
    let tick = config.layout.lease_ttl / 4;
    // Each worker starts its search at another partition, so concurrent starts spread out.
    let offset = stable_hash(&config.id) % partitions;
    while !*stop.borrow() {
        owned.retain(|p, o| {
            let alive = !o.task.is_finished();
            if !alive {
                eprintln!("ward worker {}: partition {p} stopped", config.id);
            }
            alive
        });
        let _ = handles
            .workers
            .put(&me, Bytes::from(config.id.clone()))
            .await;
        let alive = count_keys(&handles.workers).await.max(1);
        let fair = partitions.div_ceil(alive as u32) as usize;
        if owned.len() < fair {
            for i in 0..partitions {
                let p = (offset + i) % partitions;
                if owned.len() >= fair {
                    break;
                }
                if owned.contains_key(&p) {
                    continue;
                }
                match Lease::acquire(&handles.leases, p, &config.id).await {
                    Ok(Some(lease)) => {
                        eprintln!("ward worker {}: owns partition {p}", config.id);
                        let (tx, rx) = watch::channel(false);
                        let partition = Partition {
                            number: p,
                            js: js.clone(),
                            handles: Arc::clone(&handles),
                            factory: Arc::clone(&factory),
                            config: config.clone(),
                        };
                        let task = tokio::spawn(partition.run(lease, rx));
                        owned.insert(p, Owned { stop: tx, task });
                    }
                    Ok(None) => {}
                    Err(e) => eprintln!("ward worker {}: {e}", config.id),
                }
            }
        } else if owned.len() > fair {
            // More workers joined: hand one partition back (checkpointed) per round.
            if let Some((&p, _)) = owned.iter().next_back()
                && let Some(o) = owned.remove(&p)
            {
                eprintln!("ward worker {}: hands partition {p} over", config.id);
                let _ = o.stop.send(true);
                let _ = o.task.await;
            }
        }
        let _ = tokio::time::timeout(tick, stop.changed()).await;
    }
    for (_, o) in std::mem::take(&mut owned) {
        let _ = o.stop.send(true);
        let _ = o.task.await;
    }
    let _ = handles.workers.delete(&me).await;
    Ok(())
}

async fn count_keys(store: &jetstream::kv::Store) -> usize {
    match store.keys().await {
        Ok(keys) => keys.filter(|k| std::future::ready(k.is_ok())).count().await,
        Err(_) => 1,
    }
}

/// FNV-1a, stable across builds.
fn stable_hash(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// One site's detector and the alert keys it has published.
struct SiteState {
    detector: Box<dyn SiteDetector>,
    raised: HashSet<String>,
    /// Events since the last flush.
    dirty: bool,
}

struct Partition {
    number: u32,
    js: jetstream::Context,
    handles: Arc<Handles>,
    factory: DetectorFactory,
    config: WorkerConfig,
}

/// Where a partition's processing stands.
struct Progress {
    sites: BTreeMap<SiteId, SiteState>,
    /// Raw stream sequence of the last event fed.
    last_seq: u64,
    /// Alerts published and not yet acknowledged.
    acks: Vec<PublishAckFuture>,
    /// Events since the last checkpoint.
    unsaved: u64,
    /// The JetStream time (Unix ns) of the last event fed, sent with its alerts for latency.
    last_published: i64,
}

impl Partition {
    async fn run(
        self,
        mut lease: Lease,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), ClusterError> {
        let result = self.work(&mut lease, &mut stop).await;
        if let Err(e) = &result {
            eprintln!(
                "ward worker {}: partition {}: {e}",
                self.config.id, self.number
            );
        }
        // Released only after a clean stop; a lost or failing lease is left to expire.
        if result.is_ok() {
            lease.release().await;
        }
        result
    }

    async fn work(
        &self,
        lease: &mut Lease,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), ClusterError> {
        let saved = match checkpoint::load(&self.handles.checkpoints, self.number).await {
            Ok(saved) => saved,
            // Of another Ward version, or damaged: start the partition afresh, and say so.
            Err(ClusterError::Wire(reason)) => {
                eprintln!(
                    "ward worker {}: partition {}: checkpoint not restored ({reason}); \
                     starting afresh",
                    self.config.id, self.number
                );
                PartitionCheckpoint::default()
            }
            Err(e) => return Err(e),
        };
        let mut progress = Progress {
            sites: BTreeMap::new(),
            last_seq: saved.stream_seq,
            acks: Vec::new(),
            unsaved: 0,
            last_published: 0,
        };
        for site in saved.sites {
            let Ok(id) = SiteId::new(&site.tenant, &site.site) else {
                continue;
            };
            let mut detector = (self.factory)(&id);
            detector.restore(&site.detector);
            progress.sites.insert(
                id,
                SiteState {
                    detector,
                    raised: site.raised.into_iter().collect(),
                    dirty: true,
                },
            );
        }
        let mut raw = self
            .js
            .get_stream(RAW_STREAM)
            .await
            .map_err(|e| ClusterError::nats("opening the raw stream", e))?;
        let mut consumer = None;
        let mut expected_consumer_seq = 0;
        let renew_every = self.config.layout.lease_ttl / 3;
        let mut renewed = Instant::now();
        let mut saved_at = Instant::now();
        while !*stop.borrow() {
            if renewed.elapsed() >= renew_every {
                lease.renew().await?;
                renewed = Instant::now();
            }
            if consumer.is_none() {
                match self.open_consumer(&raw, progress.last_seq + 1).await {
                    Ok(c) => {
                        consumer = Some(c);
                        expected_consumer_seq = 1;
                    }
                    Err(e) => {
                        eprintln!("ward worker {}: {e}; retrying", self.config.id);
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            let Some(c) = consumer.as_mut() else { continue };
            let batch = c
                .fetch()
                .max_messages(self.config.batch)
                .expires(Duration::from_millis(250))
                .messages()
                .await;
            let mut batch = match batch {
                Ok(batch) => batch,
                Err(e) => {
                    eprintln!("ward worker {}: fetch: {e}; reopening", self.config.id);
                    consumer = None;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
            };
            let mut got = 0usize;
            let mut broken = false;
            while let Some(message) = batch.next().await {
                let message = match message {
                    Ok(m) => m,
                    Err(_) => {
                        broken = true;
                        break;
                    }
                };
                let Ok(info) = message.info() else { continue };
                let (seq, cseq) = (info.stream_sequence, info.consumer_sequence);
                let published = info.published.unix_timestamp_nanos() as i64;
                // A gap in the consumer's sequence means a message was lost in transit:
                // start again from the last event fed.
                if cseq != expected_consumer_seq {
                    broken = true;
                    break;
                }
                expected_consumer_seq += 1;
                got += 1;
                if seq <= progress.last_seq {
                    continue;
                }
                self.feed(&mut progress, &message.subject, &message.payload, published)
                    .await?;
                progress.last_seq = seq;
            }
            if broken {
                consumer = None;
                continue;
            }
            if got == 0 {
                // Idle: when the server says nothing is pending, everything up to the stream's
                // last sequence (read first) has been fed.
                let last = raw.info().await.map(|i| i.state.last_sequence);
                let pending = match consumer.as_mut() {
                    Some(c) => c.info().await.map(|i| i.num_pending),
                    None => continue,
                };
                let failed = last.is_err() || pending.is_err();
                if let (Ok(last), Ok(0)) = (last, pending) {
                    self.flush(&mut progress).await?;
                    if progress.unsaved > 0 || saved_at.elapsed() >= Duration::from_secs(30) {
                        lease.renew().await?;
                        renewed = Instant::now();
                        self.save(&mut progress).await?;
                        saved_at = Instant::now();
                    }
                    let _ = self
                        .handles
                        .progress
                        .put(format!("p{}", self.number), Bytes::from(last.to_string()))
                        .await;
                } else if failed {
                    consumer = None;
                }
            } else if progress.unsaved > 0 && saved_at.elapsed() >= self.config.checkpoint_every {
                lease.renew().await?;
                renewed = Instant::now();
                self.save(&mut progress).await?;
                saved_at = Instant::now();
            }
        }
        // A clean stop: save what was fed, so the next owner starts right after it.
        lease.renew().await?;
        self.save(&mut progress).await
    }

    async fn open_consumer(
        &self,
        raw: &stream::Stream,
        from: u64,
    ) -> Result<consumer::Consumer<consumer::pull::Config>, ClusterError> {
        raw.create_consumer(consumer::pull::Config {
            filter_subject: subjects::partition_filter(self.number),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: from,
            },
            ack_policy: consumer::AckPolicy::None,
            inactive_threshold: Duration::from_secs(30),
            num_replicas: 1,
            memory_storage: true,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::nats("creating a partition consumer", e))
    }

    /// Feeds one raw event to its site's detector and publishes the alerts.
    async fn feed(
        &self,
        progress: &mut Progress,
        subject: &str,
        payload: &[u8],
        published: i64,
    ) -> Result<(), ClusterError> {
        progress.unsaved += 1;
        progress.last_published = published;
        let Some(site) = subjects::site_of_stored(subject) else {
            return Ok(());
        };
        let event = match wire::decode(payload) {
            Ok(event) => event,
            Err(e) => {
                eprintln!("ward worker {}: {subject}: {e}; skipped", self.config.id);
                return Ok(());
            }
        };
        let state = progress
            .sites
            .entry(site.clone())
            .or_insert_with(|| SiteState {
                detector: (self.factory)(&site),
                raised: HashSet::new(),
                dirty: false,
            });
        state.dirty = true;
        let alerts = state.detector.on_event(&event);
        let acks = publish(&self.js, &site, state, alerts, published).await?;
        progress.acks.extend(acks);
        Ok(())
    }

    /// Raises what every site fed since the last flush has pending.
    async fn flush(&self, progress: &mut Progress) -> Result<(), ClusterError> {
        let published = progress.last_published;
        for (site, state) in progress.sites.iter_mut().filter(|(_, s)| s.dirty) {
            state.dirty = false;
            let alerts = state.detector.flush();
            let acks = publish(&self.js, site, state, alerts, published).await?;
            progress.acks.extend(acks);
        }
        Ok(())
    }

    /// Waits for the alerts to be stored, then stores the checkpoint: a checkpoint never
    /// covers an alert JetStream does not have.
    async fn save(&self, progress: &mut Progress) -> Result<(), ClusterError> {
        for ack in progress.acks.drain(..) {
            ack.await
                .map_err(|e| ClusterError::nats("storing an alert", e))?;
        }
        let checkpoint = PartitionCheckpoint {
            stream_seq: progress.last_seq,
            sites: progress
                .sites
                .iter()
                .map(|(id, s)| SiteCheckpoint {
                    tenant: id.tenant.clone(),
                    site: id.site.clone(),
                    detector: s.detector.checkpoint(),
                    raised: s.raised.iter().cloned().collect(),
                })
                .collect(),
        };
        checkpoint::store(&self.handles.checkpoints, self.number, &checkpoint).await?;
        progress.unsaved = 0;
        Ok(())
    }
}

/// Publishes the alerts not raised before, with `<tenant>.<site>|<key>` as `Nats-Msg-Id`.
async fn publish(
    js: &jetstream::Context,
    site: &SiteId,
    state: &mut SiteState,
    alerts: Vec<Alert>,
    published: i64,
) -> Result<Vec<PublishAckFuture>, ClusterError> {
    let mut acks = Vec::new();
    for alert in alerts {
        if !state.raised.insert(alert.key.clone()) {
            continue;
        }
        let body = alert_json(site, &alert);
        let message = PublishMessage::build()
            .message_id(format!("{site}|{}", alert.key))
            .header("Ward-Raw-Published", published.to_string().as_str())
            .payload(Bytes::from(body.to_string()));
        let ack = js
            .send_publish(subjects::alert_subject(&site.tenant), message)
            .await
            .map_err(|e| ClusterError::nats("publishing an alert", e))?;
        acks.push(ack);
    }
    Ok(acks)
}

/// An alert as published: the monitor's alert object plus the tenant and site.
pub fn alert_json(site: &SiteId, a: &Alert) -> serde_json::Value {
    serde_json::json!({
        "tenant": site.tenant,
        "site": site.site,
        "key": a.key,
        "time": a.time.to_rfc3339(),
        "host": a.host,
        "rule_id": a.rule_id,
        "title": a.title,
        "level": a.level.as_str(),
        "evidence": a.evidence,
    })
}
