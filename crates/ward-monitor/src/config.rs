//! The monitor's configuration, read from TOML (`ward monitor --config ward.toml`).
//! Every section but `state` has safe defaults; the dashboard refuses to start without a
//! credential, so a forgotten setting never opens an unauthenticated port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// One alert destination: where alerts go ([`SinkKind`]) and how they are grouped on the way
/// ([`Delivery`]), written side by side in one `[[sinks]]` table.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// The destination.
    pub kind: SinkKind,
    /// Event, group or incident granularity and the grouping timers.
    pub delivery: Delivery,
}

impl<'de> Deserialize<'de> for SinkConfig {
    /// Splits the table: the grouping keys go to [`Delivery`], the rest to [`SinkKind`];
    /// both refuse unknown keys.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(deserializer)?;
        let mut grouping = toml::Table::new();
        for key in Delivery::KEYS {
            if let Some(value) = table.remove(*key) {
                grouping.insert((*key).to_string(), value);
            }
        }
        let delivery = toml::Value::Table(grouping)
            .try_into()
            .map_err(D::Error::custom)?;
        let kind = toml::Value::Table(table)
            .try_into()
            .map_err(D::Error::custom)?;
        Ok(SinkConfig { kind, delivery })
    }
}

/// The destination of a sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkKind {
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
        match &self.kind {
            SinkKind::Jsonl { name, .. }
            | SinkKind::Webhook { name, .. }
            | SinkKind::Syslog { name, .. }
            | SinkKind::Smtp { name, .. } => name,
        }
    }
}

/// How a sink groups alerts before delivering them (Alertmanager's vocabulary).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// `event` (every alert), `group` (grouped digests) or `incident` (incidents only).
    #[serde(default)]
    pub granularity: Granularity,
    /// The alert attributes whose values make a group.
    #[serde(default = "default_group_by")]
    pub group_by: Vec<GroupAttribute>,
    /// How long a new group below `high` collects alerts before its first notification.
    #[serde(default = "default_group_wait", deserialize_with = "duration")]
    pub group_wait: Duration,
    /// How often an open group sends a digest of what it collected since the last one.
    #[serde(default = "default_group_interval", deserialize_with = "duration")]
    pub group_interval: Duration,
    /// A group quiet this long is closed; its next alert opens it again.
    #[serde(default = "default_repeat_interval", deserialize_with = "duration")]
    pub repeat_interval: Duration,
}

impl Delivery {
    /// The `[[sinks]]` keys that belong to delivery rather than to the destination.
    pub const KEYS: &'static [&'static str] = &[
        "granularity",
        "group_by",
        "group_wait",
        "group_interval",
        "repeat_interval",
    ];
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            granularity: Granularity::default(),
            group_by: default_group_by(),
            group_wait: default_group_wait(),
            group_interval: default_group_interval(),
            repeat_interval: default_repeat_interval(),
        }
    }
}

/// What one notification of a sink stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// Every alert, as it is committed.
    Event,
    /// Alerts folded into groups: an opening, then digests.
    #[default]
    Group,
    /// Only `ward.incident` alerts (an incident opened or changed).
    Incident,
}

/// An alert attribute a sink may group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupAttribute {
    /// The rule or analytic.
    RuleId,
    /// The host.
    Host,
    /// The alert's level.
    Level,
    /// The finding's destination, peer or artefact (from the alert's evidence).
    Counterpart,
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
#[path = "config_tests.rs"]
mod tests;
