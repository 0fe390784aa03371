//! The monitor's configuration, read from TOML (`ward monitor --config ward.toml`).
//! Every section but `state` has safe defaults; the dashboard refuses to start without a
//! credential, so a forgotten setting never opens an unauthenticated port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::MonitorError;

/// The whole `[monitor]` configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// The SQLite file holding alerts, input offsets and detector checkpoints.
    pub state: PathBuf,
    /// Where events come from.
    #[serde(default)]
    pub inputs: Vec<InputConfig>,
    /// Where alerts go.
    #[serde(default)]
    pub sinks: Vec<SinkConfig>,
    /// The web dashboard; absent means no dashboard.
    pub dashboard: Option<DashboardConfig>,
    /// How long alerts are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// Queue sizes and commit cadence.
    #[serde(default)]
    pub pipeline: PipelineConfig,
}

/// One event source.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputConfig {
    /// Syslog datagrams (RFC 3164 or 5424), one message per datagram.
    SyslogUdp {
        /// Input name, used in offsets, metrics and event origins.
        name: String,
        /// Address to bind, e.g. `0.0.0.0:514`.
        listen: SocketAddr,
    },
    /// Syslog over TCP, octet-counted (RFC 6587) or newline framed, detected per message.
    SyslogTcp {
        /// Input name.
        name: String,
        /// Address to bind.
        listen: SocketAddr,
        /// Syslog over TLS (RFC 5425) when set.
        #[serde(default)]
        tls: Option<TlsConfig>,
    },
    /// Lumberjack v2 (the Beats protocol, as Winlogbeat speaks it).
    Lumberjack {
        /// Input name.
        name: String,
        /// Address to bind, e.g. `0.0.0.0:5044`.
        listen: SocketAddr,
        /// Beats `ssl` when set.
        #[serde(default)]
        tls: Option<TlsConfig>,
    },
    /// A file, or every file in a folder, followed across rotation and truncation.
    Tail {
        /// Input name.
        name: String,
        /// A file or a folder.
        path: PathBuf,
        /// In a folder, only files whose names end with this (e.g. `.log`).
        #[serde(default)]
        suffix: Option<String>,
        /// How often to look for new data, in milliseconds.
        #[serde(default = "default_poll_ms")]
        poll_ms: u64,
    },
}

impl InputConfig {
    /// The input's configured name.
    pub fn name(&self) -> &str {
        match self {
            InputConfig::SyslogUdp { name, .. }
            | InputConfig::SyslogTcp { name, .. }
            | InputConfig::Lumberjack { name, .. }
            | InputConfig::Tail { name, .. } => name,
        }
    }
}

/// A TLS server identity, and optionally the CA that client certificates must chain to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM CA certificate(s); when set, clients must present a certificate it issued.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

/// One alert destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    /// One JSON object per line, appended to a file, or to stdout when `path` is absent.
    Jsonl {
        /// Sink name (its delivery cursor is stored under it).
        name: String,
        /// File to append to.
        #[serde(default)]
        path: Option<PathBuf>,
    },
    /// An HTTP POST of each alert as JSON.
    Webhook {
        /// Sink name.
        name: String,
        /// `http://host:port/path` (HTTPS is not built in; see docs/monitor.md).
        url: String,
        /// Sent as `Authorization: Bearer …` when set.
        #[serde(default)]
        bearer_token: Option<String>,
    },
    /// Syslog forwarding (RFC 5424, the alert as JSON in the message).
    Syslog {
        /// Sink name.
        name: String,
        /// The collector.
        target: SocketAddr,
        /// `udp` or `tcp` (octet-counted framing).
        #[serde(default)]
        protocol: SyslogProtocol,
    },
    /// E-mail over plain SMTP (a relay on the hospital network).
    Smtp {
        /// Sink name.
        name: String,
        /// The relay.
        server: SocketAddr,
        /// Envelope and header sender.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
}

impl SinkConfig {
    /// The sink's configured name.
    pub fn name(&self) -> &str {
        match self {
            SinkConfig::Jsonl { name, .. }
            | SinkConfig::Webhook { name, .. }
            | SinkConfig::Syslog { name, .. }
            | SinkConfig::Smtp { name, .. } => name,
        }
    }
}

/// Transport for syslog forwarding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogProtocol {
    /// One datagram per alert.
    #[default]
    Udp,
    /// A persistent connection, octet-counted frames.
    Tcp,
}

/// The web dashboard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
    /// Address to bind; loopback unless you mean otherwise.
    #[serde(default = "default_dashboard_listen")]
    pub listen: SocketAddr,
    /// An Argon2 PHC string (`$argon2id$v=19$…`) for the login password.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// A bearer token (at least 16 characters) for the API, `/metrics` and login.
    #[serde(default)]
    pub token: Option<String>,
    /// Adds `Secure` to the session cookie (implied by `tls`; set it when a TLS proxy
    /// fronts the dashboard).
    #[serde(default)]
    pub secure_cookie: bool,
    /// Serves HTTPS when set.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Session lifetime in minutes.
    #[serde(default = "default_session_minutes")]
    pub session_minutes: u64,
}

/// How long alerts are kept in the state store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Alerts older than this many days (and delivered to every sink) are deleted.
    #[serde(default = "default_alert_days")]
    pub alert_days: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            alert_days: default_alert_days(),
        }
    }
}

/// Queue sizes and commit cadence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Capacity of the queue between inputs and the detector, in messages.
    #[serde(default = "default_queue")]
    pub queue_capacity: usize,
    /// How often offsets, checkpoint and alerts are committed together, in milliseconds.
    #[serde(default = "default_commit_ms")]
    pub commit_ms: u64,
    /// Largest syslog message accepted, in bytes.
    #[serde(default = "default_max_message")]
    pub max_message_bytes: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            queue_capacity: default_queue(),
            commit_ms: default_commit_ms(),
            max_message_bytes: default_max_message(),
        }
    }
}

fn default_poll_ms() -> u64 {
    250
}
fn default_dashboard_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8787))
}
fn default_session_minutes() -> u64 {
    480
}
fn default_alert_days() -> u64 {
    90
}
fn default_queue() -> usize {
    1024
}
fn default_commit_ms() -> u64 {
    200
}
fn default_max_message() -> usize {
    64 * 1024
}

impl MonitorConfig {
    /// Parses TOML text; `origin` names it in errors. The settings may fill the document or
    /// sit in its `[monitor]` table, so one `ward.toml` can hold other commands' settings too.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, MonitorError> {
        let fail = |e: &dyn std::fmt::Display| MonitorError::Config {
            path: origin.to_string(),
            message: e.to_string(),
        };
        let mut document: toml::Table = toml::from_str(text).map_err(|e| fail(&e))?;
        let table = match document.remove("monitor") {
            Some(toml::Value::Table(section)) => section,
            Some(_) => return Err(fail(&"`monitor` must be a table")),
            None => document,
        };
        let config: MonitorConfig = table.try_into().map_err(|e| fail(&e))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, MonitorError> {
        let text = std::fs::read_to_string(path).map_err(|e| MonitorError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Checks what serde cannot: unique names and a credential for the dashboard.
    pub fn validate(&self) -> Result<(), MonitorError> {
        let mut names = std::collections::HashSet::new();
        for name in self.inputs.iter().map(InputConfig::name) {
            if !names.insert(name) {
                return Err(MonitorError::Invalid(format!(
                    "two inputs are named `{name}`; names must be unique"
                )));
            }
        }
        let mut sinks = std::collections::HashSet::new();
        for name in self.sinks.iter().map(SinkConfig::name) {
            if !sinks.insert(name) {
                return Err(MonitorError::Invalid(format!(
                    "two sinks are named `{name}`; names must be unique"
                )));
            }
        }
        if self.pipeline.queue_capacity == 0 {
            return Err(MonitorError::Invalid(
                "pipeline.queue_capacity must be at least 1".into(),
            ));
        }
        if let Some(dashboard) = &self.dashboard {
            dashboard.validate()?;
        }
        Ok(())
    }
}

impl DashboardConfig {
    /// Refuses a dashboard without a credential, or with a weak token or malformed hash.
    pub fn validate(&self) -> Result<(), MonitorError> {
        if self.password_hash.is_none() && self.token.is_none() {
            return Err(MonitorError::Invalid(
                "dashboard needs `password_hash` (an Argon2 PHC string) or `token`; there are no default credentials"
                    .into(),
            ));
        }
        if let Some(token) = &self.token
            && token.chars().count() < 16
        {
            return Err(MonitorError::Invalid(
                "dashboard.token must be at least 16 characters".into(),
            ));
        }
        if let Some(hash) = &self.password_hash {
            argon2::PasswordHash::new(hash).map_err(|e| {
                MonitorError::Invalid(format!("dashboard.password_hash is not a PHC string: {e}"))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in docs/monitor.md, so the documentation cannot drift from the schema.
    fn documented_example() -> String {
        let doc = include_str!("../../../docs/monitor.md");
        let start = doc.find("```toml\n").map(|i| i + 8).unwrap();
        let end = doc[start..].find("```").unwrap() + start;
        doc[start..end].to_string()
    }

    #[test]
    fn documented_example_fits_the_schema() {
        let config: MonitorConfig = toml::from_str(&documented_example()).unwrap();
        assert_eq!(config.inputs.len(), 4);
        assert_eq!(config.sinks.len(), 4);
        assert!(
            matches!(&config.inputs[2], InputConfig::Lumberjack { tls: Some(t), .. } if t.client_ca.is_some())
        );
        assert!(matches!(
            &config.sinks[2],
            SinkConfig::Syslog {
                protocol: SyslogProtocol::Tcp,
                ..
            }
        ));
        let dashboard = config.dashboard.as_ref().unwrap();
        assert_eq!(dashboard.listen, SocketAddr::from(([127, 0, 0, 1], 8787)));
        assert_eq!(
            (config.pipeline.commit_ms, config.retention.alert_days),
            (200, 90)
        );
        // The placeholder hash is not a PHC string, so the example cannot run as is.
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("password_hash is not a PHC string"), "{err}");
    }

    #[test]
    fn settings_may_sit_in_a_monitor_table_and_unknown_keys_are_refused() {
        let config = MonitorConfig::from_toml(
            "[hunt]\nrules = \"x\"\n[monitor]\nstate = \"s.db\"\n",
            "ward.toml",
        )
        .unwrap();
        assert_eq!(config.state, PathBuf::from("s.db"));
        let err = MonitorConfig::from_toml("state = \"s.db\"\nstaet = 1\n", "ward.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("monitor config ward.toml:") && err.contains("staet"),
            "{err}"
        );
        let err = MonitorConfig::from_toml(
            "state = \"s.db\"\n[[inputs]]\ntype = \"syslog_udp\"\nname = \"a\"\nlisten = \"127.0.0.1:1\"\nport = 2\n",
            "ward.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("port"), "{err}");
    }
}
