//! Forwarding the monitor's input to a central store (the NATS JetStream raw stream, whose
//! client lives in the `ward` binary): the pipeline hands each commit window's events to the
//! [`Forwarder`] and commits offsets and sends Beats ACKs only once it has returned `Ok`, so an
//! acknowledged record is always stored upstream.

use serde::Deserialize;
use ward_event::Event;

/// Stores a commit window's events upstream; returns only once every one is stored.
pub trait Forwarder: Send {
    /// Stores `events` (in order); an error leaves the window uncommitted and it is retried
    /// with the same events. `live[i]` is `None` for an event a restart would read again at the
    /// same origin (a tailed file's offset), so its origin identifies it; otherwise (syslog,
    /// Beats) a number unique among this process's events, for an id of its own.
    fn forward(&mut self, events: &[Event], live: &[Option<u64>]) -> Result<(), String>;
}

/// `[forward]`: ship the inputs' events to a NATS JetStream cluster as `ward ship` does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {
    /// NATS server URLs, comma-separated.
    pub nats: String,
    /// Tenant the site belongs to.
    pub tenant: String,
    /// Site name.
    pub site: String,
    /// NATS user.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password (or `password_file`, `password_env`).
    #[serde(default)]
    pub password: Option<String>,
    /// Forward only: no local detection (alerts come from the cluster's workers).
    #[serde(default)]
    pub forward_only: bool,
}
