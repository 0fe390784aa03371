//! Ward across many sites on NATS JetStream.
//!
//! Edges publish each site's events to `ward.raw.<tenant>.<site>.<source>` ([`ship`]); the raw
//! stream maps every site to one of a fixed number of partitions ([`subjects`]). Workers
//! ([`worker`]) share the partitions out — one owner per partition at a time, held by a KV
//! lease ([`lease`]) — and run one detector per site over the partition in stream order. Each
//! owner checkpoints its detectors, the alert keys it raised and the stream sequence they cover
//! to the object store ([`checkpoint`]), so whoever takes a partition over resumes exactly
//! there. Alerts go to `ward.alerts.<tenant>` with the site and alert key as `Nats-Msg-Id`,
//! so a replay after a takeover is dropped by JetStream's de-duplication.
//!
//! The detection itself is injected ([`SiteDetector`]): the `ward` binary supplies the live
//! monitor's detector, the same step `ward hunt` runs.
//!
//! ```no_run
//! # async fn example() -> Result<(), ward_cluster::ClusterError> {
//! use ward_cluster::{Layout, SiteId, connect, setup};
//!
//! let client = connect("nats://127.0.0.1:4222", None).await?;
//! let js = async_nats::jetstream::new(client);
//! setup::ensure(&js, &Layout::default()).await?;
//! let site = SiteId::new("stmary", "radiology")?;
//! let events: Vec<ward_event::Event> = Vec::new();
//! ward_cluster::ship::ship(&js, &site, &events, |_| {}).await?;
//! # Ok(()) }
//! ```

pub mod alerts;
pub mod checkpoint;
pub mod compare;
pub mod lease;
pub mod local;
pub mod setup;
pub mod ship;
pub mod subjects;
pub mod wire;
pub mod worker;

pub use setup::Layout;
pub use subjects::SiteId;
pub use worker::{Alert, DetectorFactory, SiteDetector, WorkerConfig};

/// What went wrong talking to the cluster, or with what it holds.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A tenant or site name that cannot be a subject token.
    #[error("{what} name `{name}` is not usable: use 1-64 letters, digits, `-` or `_`")]
    BadName {
        /// `tenant` or `site`.
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// An event or checkpoint that does not decode.
    #[error("{0}")]
    Wire(String),
    /// A NATS or JetStream operation failed.
    #[error("NATS: {what}: {source}")]
    Nats {
        /// The operation.
        what: String,
        /// The client's error.
        source: async_nats::Error,
    },
    /// Starting or reaching a local nats-server.
    #[error("{0}")]
    Server(String),
}

impl ClusterError {
    /// Wraps a client error with the operation it broke.
    pub fn nats(what: impl Into<String>, source: impl Into<async_nats::Error>) -> Self {
        ClusterError::Nats {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// User name and password for the NATS connection.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// NATS user.
    pub user: String,
    /// Its password.
    pub password: String,
}

/// Connects to `urls` (comma-separated `nats://host:port`), with credentials when given.
/// Replies come under `_INBOX_<user>.`, so a user's permissions can confine it to its own
/// replies.
pub async fn connect(
    urls: &str,
    credentials: Option<&Credentials>,
) -> Result<async_nats::Client, ClusterError> {
    let mut options = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(std::time::Duration::from_secs(5))
        .request_timeout(Some(std::time::Duration::from_secs(10)));
    if let Some(c) = credentials {
        options = options
            .user_and_password(c.user.clone(), c.password.clone())
            .custom_inbox_prefix(inbox_prefix(&c.user));
    }
    let addrs: Vec<async_nats::ServerAddr> = urls
        .split(',')
        .map(|u| u.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| ClusterError::nats(format!("bad server address in `{urls}`"), e))?;
    let client = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        options.connect(addrs.as_slice()),
    )
    .await
    .map_err(|_| ClusterError::Server(format!("no NATS server answered at {urls} within 20 s")))?
    .map_err(|e| ClusterError::nats(format!("connecting to {urls}"), e))?;
    Ok(client)
}

/// The reply-subject prefix of `user`'s connections.
pub fn inbox_prefix(user: &str) -> String {
    format!("_INBOX_{user}")
}
