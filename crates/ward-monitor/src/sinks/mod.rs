//! Alert sinks. Each sink has a delivery cursor in the state store and its own task that
//! delivers committed alerts in order, retrying with exponential back-off, so an outage or a
//! restart delays alerts but never loses them. A crash between a delivery and its cursor
//! update resends that one alert; sinks carry the alert `key` so receivers can drop repeats.

mod smtp;
mod syslog;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::MonitorError;
use crate::alert::StoredAlert;
use crate::config::SinkConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::Store;

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// A configured destination, ready to deliver.
pub(crate) enum Sink {
    Jsonl {
        path: Option<PathBuf>,
    },
    Webhook {
        agent: ureq::Agent,
        url: String,
        bearer: Option<String>,
    },
    Syslog(syslog::SyslogForwarder),
    Smtp(smtp::SmtpRelay),
}

impl Sink {
    /// Builds a sink from its configuration.
    pub(crate) fn new(config: &SinkConfig) -> Self {
        match config {
            SinkConfig::Jsonl { path, .. } => Sink::Jsonl { path: path.clone() },
            SinkConfig::Webhook {
                url, bearer_token, ..
            } => {
                let agent = ureq::Agent::config_builder()
                    .timeout_global(Some(WEBHOOK_TIMEOUT))
                    .build()
                    .new_agent();
                Sink::Webhook {
                    agent,
                    url: url.clone(),
                    bearer: bearer_token.clone(),
                }
            }
            SinkConfig::Syslog {
                target, protocol, ..
            } => Sink::Syslog(syslog::SyslogForwarder::new(*target, *protocol)),
            SinkConfig::Smtp {
                server, from, to, ..
            } => Sink::Smtp(smtp::SmtpRelay::new(*server, from.clone(), to.clone())),
        }
    }

    /// Delivers one alert; errors say what failed.
    async fn deliver(&mut self, alert: &StoredAlert) -> Result<(), String> {
        match self {
            Sink::Jsonl { path } => {
                let mut line = alert.to_json().to_string();
                line.push('\n');
                write_line(path.as_deref(), line.as_bytes()).await
            }
            Sink::Webhook { agent, url, bearer } => {
                let (agent, url, bearer) = (agent.clone(), url.clone(), bearer.clone());
                let body = alert.to_json().to_string();
                let key = alert.alert.key.clone();
                tokio::task::spawn_blocking(move || {
                    let mut request = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .header("X-Ward-Alert-Key", &key);
                    if let Some(token) = bearer {
                        request = request.header("Authorization", &format!("Bearer {token}"));
                    }
                    request
                        .send(body)
                        .map(|_| ())
                        .map_err(|e| format!("POST {url}: {e}"))
                })
                .await
                .map_err(|e| format!("webhook task failed: {e}"))?
            }
            Sink::Syslog(forwarder) => forwarder.send(alert).await,
            Sink::Smtp(relay) => relay.send(alert).await,
        }
    }
}

async fn write_line(path: Option<&Path>, line: &[u8]) -> Result<(), String> {
    match path {
        Some(path) => {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(line)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.flush()
                .await
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            use std::io::Write;
            // Blocking stdout is fine here: one small line per alert, on this sink's task.
            let mut out = std::io::stdout().lock();
            out.write_all(line)
                .and_then(|()| out.flush())
                .map_err(|e| format!("stdout: {e}"))
        }
    }
}

/// Runs one sink's delivery loop until `drain` is triggered and nothing is left to send.
pub(crate) struct Dispatcher {
    pub name: String,
    pub sink: Sink,
    pub store: Store,
    pub committed: Arc<Notify>,
    pub drain: Shutdown,
    /// Stop at the next alert boundary, delivering nothing more (an abrupt stop).
    pub halt: Shutdown,
    pub metrics: Arc<Metrics>,
}

impl Dispatcher {
    /// Opens the sink's own store connection.
    pub(crate) fn new(
        config: &SinkConfig,
        state: &Path,
        committed: Arc<Notify>,
        (drain, halt): (Shutdown, Shutdown),
        metrics: Arc<Metrics>,
    ) -> Result<Self, MonitorError> {
        let (name, sink, store) = (
            config.name().to_string(),
            Sink::new(config),
            Store::open(state)?,
        );
        Ok(Dispatcher {
            name,
            sink,
            store,
            committed,
            drain,
            halt,
            metrics,
        })
    }

    /// Delivers committed alerts in order, forever or until drained.
    pub(crate) async fn run(mut self) {
        let mut cursor = match tokio::task::block_in_place(|| self.store.sink_cursor(&self.name)) {
            Ok(c) => c,
            Err(e) => {
                return tracing::error!(sink = %self.name, error = %e, "cannot read delivery cursor");
            }
        };
        loop {
            let committed = Arc::clone(&self.committed);
            // Registered before reading, so a commit between the read and the wait still wakes us.
            let woken = committed.notified();
            let alerts = match tokio::task::block_in_place(|| self.store.alerts_after(cursor, 256))
            {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(sink = %self.name, error = %e, "cannot read alerts");
                    Vec::new()
                }
            };
            if alerts.is_empty() {
                if self.drain.is_triggered() {
                    return;
                }
                tokio::select! {
                    _ = woken => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = self.drain.wait() => {}
                    _ = self.halt.wait() => return,
                }
                continue;
            }
            for alert in alerts {
                if self.halt.is_triggered() || !self.deliver_with_retry(&alert).await {
                    return; // draining and the sink is down: the alert waits for the next start
                }
                cursor = alert.seq;
                if let Err(e) =
                    tokio::task::block_in_place(|| self.store.set_sink_cursor(&self.name, cursor))
                {
                    tracing::error!(sink = %self.name, error = %e, "cannot store delivery cursor");
                }
            }
        }
    }

    /// True once delivered; false when draining and delivery keeps failing.
    async fn deliver_with_retry(&mut self, alert: &StoredAlert) -> bool {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.sink.deliver(alert).await {
                Ok(()) => {
                    self.metrics.add_delivery(true);
                    return true;
                }
                Err(message) => {
                    self.metrics.add_delivery(false);
                    tracing::warn!(sink = %self.name, seq = alert.seq, %message, retry_in = ?backoff, "alert delivery failed");
                    if self.drain.is_triggered() || self.halt.is_triggered() {
                        return false;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = self.drain.wait() => {}
                        _ = self.halt.wait() => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}
