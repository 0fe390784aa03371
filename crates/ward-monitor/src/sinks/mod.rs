//! Alert sinks. Each sink has its own task ([`Dispatcher`]) that delivers in order, retrying
//! with exponential back-off, so an outage or a restart delays notifications but never loses
//! them. An `event` sink delivers each committed alert; a `group` or `incident` sink folds them
//! into groups and delivers from its outbox (`crate::store::Store::fold_for_sink`). A crash
//! between a delivery and its cursor update resends that one notification, with the same key,
//! so receivers can drop the repeat.

mod dispatcher;
mod notification;
mod smtp;
mod syslog;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::config::SinkKind;

pub(crate) use dispatcher::Dispatcher;
pub(crate) use notification::Notification;

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
    pub(crate) fn new(config: &SinkKind) -> Self {
        match config {
            SinkKind::Jsonl { path, .. } => Sink::Jsonl { path: path.clone() },
            SinkKind::Webhook {
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
            SinkKind::Syslog {
                target, protocol, ..
            } => Sink::Syslog(syslog::SyslogForwarder::new(*target, *protocol)),
            SinkKind::Smtp {
                server, from, to, ..
            } => Sink::Smtp(smtp::SmtpRelay::new(*server, from.clone(), to.clone())),
        }
    }

    /// Delivers one notification; errors say what failed.
    async fn deliver(&mut self, alert: &Notification) -> Result<(), String> {
        match self {
            Sink::Jsonl { path } => {
                let mut line = alert.body.to_string();
                line.push('\n');
                write_line(path.as_deref(), line.as_bytes()).await
            }
            Sink::Webhook { agent, url, bearer } => {
                let (agent, url, bearer) = (agent.clone(), url.clone(), bearer.clone());
                let body = alert.body.to_string();
                let key = header_value(&alert.key);
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

/// The key as an HTTP header value: bytes outside printable ASCII percent-encoded, so a key
/// carrying a hostile host name cannot fail the request (and stall the sink) or inject headers.
fn header_value(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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
