//! `ward monitor` as an edge (`[forward]` in its configuration): each commit window's events
//! are published to the raw stream exactly as `ward ship` publishes them (same subjects,
//! message format and `Nats-Msg-Id`), and the monitor commits its tail offsets and sends its
//! Beats ACKs only after JetStream has acknowledged every one.

use anyhow::{Context, Result};
use ward_cluster::SiteId;
use ward_event::Event;
use ward_monitor::{ForwardConfig, Forwarder};

/// The JetStream forwarder, with its own small runtime (it is called on the monitor's
/// pipeline thread, outside the monitor's runtime).
pub struct NatsForwarder {
    runtime: tokio::runtime::Runtime,
    js: async_nats::jetstream::Context,
    site: SiteId,
    /// This process's mark in the ids of live (syslog, Beats) events.
    run: u128,
}

impl NatsForwarder {
    /// Connects to the cluster named in `[forward]` (retrying in the background if no server
    /// answers yet).
    pub fn connect(config: &ForwardConfig) -> Result<Self> {
        let site = SiteId::new(&config.tenant, &config.site)?;
        let credentials = config.user.as_ref().map(|user| ward_cluster::Credentials {
            user: user.clone(),
            password: config.password.clone().unwrap_or_default(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ward-forward")
            .enable_all()
            .build()
            .context("starting the forwarder's runtime")?;
        let js = runtime
            .block_on(async {
                let client = ward_cluster::connect(&config.nats, credentials.as_ref()).await?;
                Ok::<_, ward_cluster::ClusterError>(async_nats::jetstream::new(client))
            })
            .with_context(|| format!("connecting to {}", config.nats))?;
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Ok(NatsForwarder {
            runtime,
            js,
            site,
            run,
        })
    }
}

impl Forwarder for NatsForwarder {
    /// A tailed line's id is `ward ship`'s (site, file, offset, time), the same after a restart
    /// reads it again; syslog and Beats events have no such origin (several can share one), so
    /// theirs adds this process's mark and the event's live number.
    fn forward(&mut self, events: &[Event], live: &[Option<u64>]) -> Result<(), String> {
        let (site, run) = (&self.site, self.run);
        let id = |i: usize, event: &Event| {
            let base = ward_cluster::ship::message_id(site, event);
            match live.get(i).copied().flatten() {
                Some(n) => format!("{base}|live-{run}-{n}"),
                None => base,
            }
        };
        self.runtime
            .block_on(ward_cluster::ship::ship_with_ids(
                &self.js,
                site,
                events,
                id,
                |_| {},
            ))
            .map(|_| ())
            .map_err(|e| format!("forwarding to {}: {e}", self.site))
    }
}
