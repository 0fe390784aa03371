//! The monitor's configuration, read from TOML (`ward monitor --config ward.toml`).
//! Every section but `state` has safe defaults; the dashboard refuses to start without a
//! credential, so a forgotten setting never opens an unauthenticated port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::MonitorError;
use crate::secrets;

mod sinks;
pub use sinks::{
    ClientTlsConfig, Delivery, Granularity, GroupAttribute, SinkConfig, SinkKind, SmtpSecurity,
    SyslogProtocol,
};

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
    /// Tuning (`[tuning]`, as `ward hunt --tuning` reads it): accepted here, read and applied
    /// by the detector (`ward_detect::tuning`).
    #[serde(default)]
    pub tuning: Option<toml::Table>,
    /// Forwarding to a NATS JetStream cluster (`[forward]`); absent means none.
    #[serde(default)]
    pub forward: Option<crate::forward::ForwardConfig>,
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
        /// Most connections served at once; more are closed on accept.
        #[serde(default = "default_max_connections")]
        max_connections: usize,
        /// A connection with nothing to send for this long is closed.
        #[serde(default = "default_idle_timeout", deserialize_with = "duration")]
        idle_timeout: Duration,
        /// A message (a Beats frame) begun must arrive whole within this, against slow senders.
        #[serde(default = "default_frame_timeout", deserialize_with = "duration")]
        frame_timeout: Duration,
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
        /// Most connections served at once; more are closed on accept.
        #[serde(default = "default_max_connections")]
        max_connections: usize,
        /// A connection with nothing to send for this long is closed.
        #[serde(default = "default_idle_timeout", deserialize_with = "duration")]
        idle_timeout: Duration,
        /// A message (a Beats frame) begun must arrive whole within this, against slow senders.
        #[serde(default = "default_frame_timeout", deserialize_with = "duration")]
        frame_timeout: Duration,
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

/// The caps of a TCP input against idle, slow and too many senders (slowloris).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections served at once.
    pub max_connections: usize,
    /// Longest silence between messages.
    pub idle_timeout: Duration,
    /// Longest time from a message's first byte to its last.
    pub frame_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: default_max_connections(),
            idle_timeout: default_idle_timeout(),
            frame_timeout: default_frame_timeout(),
        }
    }
}

impl InputConfig {
    /// The connection limits of a TCP input (None for UDP and files).
    pub fn limits(&self) -> Option<ConnectionLimits> {
        match self {
            InputConfig::SyslogTcp {
                max_connections,
                idle_timeout,
                frame_timeout,
                ..
            }
            | InputConfig::Lumberjack {
                max_connections,
                idle_timeout,
                frame_timeout,
                ..
            } => Some(ConnectionLimits {
                max_connections: *max_connections,
                idle_timeout: *idle_timeout,
                frame_timeout: *frame_timeout,
            }),
            InputConfig::SyslogUdp { .. } | InputConfig::Tail { .. } => None,
        }
    }

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
    /// Most connections served at once; more are closed on accept.
    #[serde(default = "default_dashboard_connections")]
    pub max_connections: usize,
    /// A request's headers must arrive within this (also the keep-alive idle limit).
    #[serde(default = "default_header_timeout", deserialize_with = "duration")]
    pub header_timeout: Duration,
    /// A request must be read and answered within this.
    #[serde(default = "default_request_timeout", deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// Login attempts one address may make per minute, right or wrong (beside the lockout).
    #[serde(default = "default_login_per_minute")]
    pub login_attempts_per_minute: u32,
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
fn default_max_connections() -> usize {
    256
}
fn default_idle_timeout() -> Duration {
    Duration::from_secs(5 * 60)
}
fn default_frame_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_dashboard_connections() -> usize {
    64
}
fn default_header_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_login_per_minute() -> u32 {
    10
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
/// One group per device: the device is what a responder acts on (isolate it, look at it), and
/// a worm's dozen rule hits and findings on one device are one page, not a dozen.
fn default_group_by() -> Vec<GroupAttribute> {
    vec![GroupAttribute::Host]
}
fn default_group_wait() -> Duration {
    Duration::from_secs(30)
}
fn default_group_interval() -> Duration {
    Duration::from_secs(5 * 60)
}
fn default_repeat_interval() -> Duration {
    Duration::from_secs(4 * 3600)
}

/// A duration as a number of seconds or a string with a unit: `250ms`, `30s`, `5m`, `4h`, `1d`.
fn duration<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Seconds(u64),
        Text(String),
    }
    match Written::deserialize(deserializer)? {
        Written::Seconds(s) => Ok(Duration::from_secs(s)),
        Written::Text(text) => parse_duration(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "`{text}` is not a duration; write e.g. \"250ms\", \"30s\", \"5m\", \"4h\" or a number of seconds"
            ))
        }),
    }
}

fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let millis_per = match unit.trim() {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    Some(Duration::from_millis(n.checked_mul(millis_per)?))
}

impl MonitorConfig {
    /// Parses TOML text; `origin` names it in errors. The settings may fill the document or
    /// sit in its `[monitor]` table, so one `ward.toml` can hold other commands' settings too.
    /// Secrets given as `KEY_file` or `KEY_env` are read here.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, MonitorError> {
        Self::parse(text, origin, &secrets::ProcessEnv).map(|(config, _)| config)
    }

    /// Parses and validates, resolving secrets from `source`.
    pub(crate) fn parse(
        text: &str,
        origin: &str,
        source: &dyn secrets::Source,
    ) -> Result<(Self, secrets::Resolved), MonitorError> {
        let fail = |e: &dyn std::fmt::Display| MonitorError::Config {
            path: origin.to_string(),
            message: e.to_string(),
        };
        let mut document: toml::Table = toml::from_str(text).map_err(|e| fail(&e))?;
        let mut table = match document.remove("monitor") {
            Some(toml::Value::Table(section)) => section,
            Some(_) => return Err(fail(&"`monitor` must be a table")),
            None => document,
        };
        let resolved = secrets::resolve(&mut table, source).map_err(|e| fail(&e))?;
        let config: MonitorConfig = table.try_into().map_err(|e| fail(&e))?;
        config.validate()?;
        Ok((config, resolved))
    }

    /// Reads and parses a TOML file. Warns on stderr when the file holds inline secrets and
    /// other users may read it, or a secret file is readable by others.
    pub fn from_file(path: &Path) -> Result<Self, MonitorError> {
        let text = std::fs::read_to_string(path).map_err(|e| MonitorError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let (config, resolved) =
            Self::parse(&text, &path.display().to_string(), &secrets::ProcessEnv)?;
        for warning in secret_warnings(path, &resolved) {
            tracing::warn!("{warning}");
            eprintln!("ward monitor: warning: {warning}");
        }
        Ok(config)
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
        for input in &self.inputs {
            if let Some(limits) = input.limits() {
                limits.validate(input.name())?;
            }
        }
        for sink in &self.sinks {
            sink.kind.validate()?;
        }
        if let Some(dashboard) = &self.dashboard {
            dashboard.validate()?;
        }
        Ok(())
    }
}

/// The warnings `from_file` prints: secret files others may read, and inline secrets in a
/// configuration file others may read.
pub(crate) fn secret_warnings(path: &Path, resolved: &secrets::Resolved) -> Vec<String> {
    let mut warnings = resolved.warnings.clone();
    if !resolved.inline.is_empty()
        && let Ok(meta) = std::fs::metadata(path)
        && let Some(warning) = secrets::readable_by_others(path, &meta)
    {
        warnings.push(format!(
            "{warning}, or move {} to `_file` or `_env` keys",
            resolved.inline.join(", ")
        ));
    }
    warnings
}

impl ConnectionLimits {
    fn validate(&self, input: &str) -> Result<(), MonitorError> {
        if self.max_connections == 0 {
            return Err(MonitorError::Invalid(format!(
                "input `{input}`: max_connections must be at least 1"
            )));
        }
        if self.idle_timeout.is_zero() || self.frame_timeout.is_zero() {
            return Err(MonitorError::Invalid(format!(
                "input `{input}`: idle_timeout and frame_timeout must be longer than 0"
            )));
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
        if self.max_connections == 0 || self.login_attempts_per_minute == 0 {
            return Err(MonitorError::Invalid(
                "dashboard.max_connections and login_attempts_per_minute must be at least 1".into(),
            ));
        }
        if self.header_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(MonitorError::Invalid(
                "dashboard.header_timeout and request_timeout must be longer than 0".into(),
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
#[path = "config_tests.rs"]
mod tests;
