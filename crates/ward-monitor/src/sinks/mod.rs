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

use crate::MonitorError;
use crate::config::{ClientTlsConfig, SinkKind};

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
    /// Builds a sink from its configuration; certificates and keys are read here, so a
    /// missing file stops the start with its name.
    pub(crate) fn new(config: &SinkKind) -> Result<Self, MonitorError> {
        Ok(match config {
            SinkKind::Jsonl { path, .. } => Sink::Jsonl { path: path.clone() },
            SinkKind::Webhook {
                name,
                url,
                bearer_token,
                tls,
            } => {
                // No redirects: a receiver that moved is a configuration to fix, not a hop to
                // follow (possibly to another scheme or host than the one configured).
                let mut agent = ureq::Agent::config_builder()
                    .timeout_global(Some(WEBHOOK_TIMEOUT))
                    .max_redirects(0);
                if url
                    .get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
                {
                    agent = webhook_tls(agent, tls.as_ref(), name)?;
                }
                Sink::Webhook {
                    agent: agent.build().new_agent(),
                    url: url.clone(),
                    bearer: bearer_token.clone(),
                }
            }
            SinkKind::Syslog {
                name,
                target,
                protocol,
                tls,
            } => Sink::Syslog(syslog::SyslogForwarder::new(
                *target,
                *protocol,
                tls.as_ref(),
                name,
            )?),
            SinkKind::Smtp { .. } => Sink::Smtp(smtp::SmtpRelay::new(config)?),
        })
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
                    let response = request.send(body).map_err(|e| format!("POST {url}: {e}"))?;
                    if response.status().is_redirection() {
                        return Err(format!(
                            "POST {url}: redirected ({}); configure the receiver's final URL",
                            response.status()
                        ));
                    }
                    Ok(())
                })
                .await
                .map_err(|e| format!("webhook task failed: {e}"))?
            }
            Sink::Syslog(forwarder) => forwarder.send(alert).await,
            Sink::Smtp(relay) => relay.send(alert).await,
        }
    }
}

type AgentConfig = ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;

/// Adds the CA, and the client certificate if any, for an `https://` webhook.
#[cfg(feature = "tls")]
fn webhook_tls(
    agent: AgentConfig,
    config: Option<&ClientTlsConfig>,
    owner: &str,
) -> Result<AgentConfig, MonitorError> {
    Ok(agent.tls_config(crate::tls::client::ureq_tls(config, owner)?))
}

#[cfg(not(feature = "tls"))]
fn webhook_tls(
    _agent: AgentConfig,
    _config: Option<&ClientTlsConfig>,
    owner: &str,
) -> Result<AgentConfig, MonitorError> {
    Err(MonitorError::Invalid(format!(
        "sink `{owner}`: https:// needs the `tls` feature"
    )))
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
