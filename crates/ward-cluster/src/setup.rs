//! The streams, buckets and object store Ward uses, created idempotently by every worker at
//! start (and by `ward cluster-check`), so a fresh cluster needs no manual step.

use std::time::Duration;

use async_nats::jetstream::{self, kv, object_store, stream};

use crate::ClusterError;
use crate::subjects::{
    ALERT_STREAM, CHECKPOINT_STORE, LEASE_BUCKET, PROGRESS_BUCKET, RAW_STREAM, WORKER_BUCKET,
};

/// The shape of a Ward cluster. Every worker must use the same partition count.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Partitions of the raw stream; sites are hashed onto them.
    pub partitions: u32,
    /// Replicas of every stream, bucket and store (3 on a 3-node cluster, 1 on one server).
    pub replicas: usize,
    /// How long an edge's resent events are recognised and dropped.
    pub raw_dedupe: Duration,
    /// How long a replayed alert is recognised and dropped (covers a takeover's replay).
    pub alert_dedupe: Duration,
    /// How long raw events are kept.
    pub raw_max_age: Duration,
    /// A partition whose owner has not renewed its lease for this long is taken over.
    pub lease_ttl: Duration,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            partitions: 8,
            replicas: 3,
            raw_dedupe: Duration::from_secs(20 * 60),
            alert_dedupe: Duration::from_secs(60 * 60),
            raw_max_age: Duration::from_secs(7 * 86_400),
            lease_ttl: Duration::from_secs(6),
        }
    }
}

/// The buckets and store a worker uses.
pub struct Handles {
    /// Partition leases.
    pub leases: kv::Store,
    /// Live workers.
    pub workers: kv::Store,
    /// Per-partition drain progress.
    pub progress: kv::Store,
    /// Partition checkpoints.
    pub checkpoints: object_store::ObjectStore,
}

/// How long [`ensure`] keeps trying while a fresh cluster elects its JetStream leader.
const READY_WITHIN: Duration = Duration::from_secs(45);

/// Creates (or updates to `layout`) the raw and alert streams, the KV buckets and the
/// checkpoint store; retried while the cluster is not ready yet (a fresh cluster takes a few
/// seconds to elect its JetStream meta leader).
pub async fn ensure(js: &jetstream::Context, layout: &Layout) -> Result<Handles, ClusterError> {
    let deadline = std::time::Instant::now() + READY_WITHIN;
    loop {
        match ensure_once(js, layout).await {
            Ok(handles) => return Ok(handles),
            Err(e) if std::time::Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

async fn ensure_once(js: &jetstream::Context, layout: &Layout) -> Result<Handles, ClusterError> {
    let n = layout.partitions.max(1);
    // Get first, create when missing: workers starting together must not keep re-proposing
    // the same configuration to the meta leader.
    ensure_stream(js, stream::Config {
        name: RAW_STREAM.into(),
        description: Some("Ward: raw events of every site, partitioned by site".into()),
        subjects: vec!["ward.raw.*.*.*".into()],
        subject_transform: Some(stream::SubjectTransform {
            source: "ward.raw.*.*.*".into(),
            destination: format!(
                "ward.part.{{{{partition({n},1,2)}}}}.{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}.{{{{wildcard(3)}}}}"
            ),
        }),
        num_replicas: layout.replicas,
        duplicate_window: layout.raw_dedupe,
        max_age: layout.raw_max_age,
        storage: stream::StorageType::File,
        allow_direct: true,
        ..Default::default()
    })
    .await
    .map_err(|e| ClusterError::nats("creating the raw stream", e))?;
    ensure_stream(
        js,
        stream::Config {
            name: ALERT_STREAM.into(),
            description: Some("Ward: alerts and incidents, per tenant".into()),
            subjects: vec!["ward.alerts.*".into()],
            num_replicas: layout.replicas,
            duplicate_window: layout.alert_dedupe,
            storage: stream::StorageType::File,
            allow_direct: true,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ClusterError::nats("creating the alert stream", e))?;
    let bucket = |name: &str, max_age: Duration| kv::Config {
        bucket: name.into(),
        history: 1,
        max_age,
        num_replicas: layout.replicas,
        storage: stream::StorageType::File,
        ..Default::default()
    };
    let leases = ensure_bucket(js, bucket(LEASE_BUCKET, layout.lease_ttl))
        .await
        .map_err(|e| ClusterError::nats("creating the lease bucket", e))?;
    let workers = ensure_bucket(js, bucket(WORKER_BUCKET, layout.lease_ttl))
        .await
        .map_err(|e| ClusterError::nats("creating the worker bucket", e))?;
    let progress = ensure_bucket(js, bucket(PROGRESS_BUCKET, Duration::ZERO))
        .await
        .map_err(|e| ClusterError::nats("creating the progress bucket", e))?;
    let checkpoints = match js.get_object_store(CHECKPOINT_STORE).await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: CHECKPOINT_STORE.into(),
                num_replicas: layout.replicas,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| ClusterError::nats("creating the checkpoint store", e))?,
    };
    Ok(Handles {
        leases,
        workers,
        progress,
        checkpoints,
    })
}

async fn ensure_stream(
    js: &jetstream::Context,
    config: stream::Config,
) -> Result<(), async_nats::Error> {
    if js.get_stream(&config.name).await.is_ok() {
        return Ok(());
    }
    js.create_stream(config).await?;
    Ok(())
}

async fn ensure_bucket(
    js: &jetstream::Context,
    config: kv::Config,
) -> Result<kv::Store, async_nats::Error> {
    if let Ok(store) = js.get_key_value(&config.bucket).await {
        return Ok(store);
    }
    Ok(js.create_key_value(config).await?)
}

/// The raw stream's last sequence: every event published before this call is at or below it.
pub async fn raw_last_sequence(js: &jetstream::Context) -> Result<u64, ClusterError> {
    let mut raw = js
        .get_stream(RAW_STREAM)
        .await
        .map_err(|e| ClusterError::nats("opening the raw stream", e))?;
    let info = raw
        .info()
        .await
        .map_err(|e| ClusterError::nats("reading the raw stream", e))?;
    Ok(info.state.last_sequence)
}

/// True when every partition reports it has processed the raw stream up to `sequence`
/// (and raised and stored the alerts of it).
pub async fn drained_to(
    handles: &Handles,
    layout: &Layout,
    sequence: u64,
) -> Result<bool, ClusterError> {
    for p in 0..layout.partitions.max(1) {
        let done = handles
            .progress
            .get(format!("p{p}"))
            .await
            .map_err(|e| ClusterError::nats("reading drain progress", e))?
            .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        if done < sequence {
            return Ok(false);
        }
    }
    Ok(true)
}
