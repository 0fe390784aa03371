//! The `[[sinks]]` tables: where alerts go (webhook, syslog, SMTP, file, …), how each connects
//! (TLS, AUTH) and how alerts are grouped on the way ([`Delivery`]).

use super::*;

/// How a sink checks the server it connects to, and the certificate it shows when asked
/// (webhooks over HTTPS, syslog over TLS, SMTP with STARTTLS or implicit TLS).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTlsConfig {
    /// PEM CA certificate(s) the server's certificate must chain to; when absent, the system's
    /// CA bundle (`SSL_CERT_FILE`, else `/etc/ssl/certs/ca-certificates.crt` and the like).
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// PEM client certificate chain, for servers that require one (mutual TLS).
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// The name the server's certificate must carry; by default the target's address (syslog,
    /// SMTP). Webhooks check the URL's host and refuse this key.
    #[serde(default)]
    pub server_name: Option<String>,
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
        /// `https://host:port/path` or `http://…`.
        url: String,
        /// Sent as `Authorization: Bearer …` when set (or `bearer_token_file`/`_env`).
        #[serde(default)]
        bearer_token: Option<String>,
        /// For `https://` URLs: the CA to trust and an optional client certificate.
        #[serde(default)]
        tls: Option<ClientTlsConfig>,
    },
    /// Syslog forwarding (RFC 5424, the alert as JSON in the message).
    Syslog {
        /// Sink name.
        name: String,
        /// The collector.
        target: SocketAddr,
        /// `udp`, `tcp` (octet-counted framing) or `tls` (RFC 5425).
        #[serde(default)]
        protocol: SyslogProtocol,
        /// With `protocol = "tls"`: the CA to trust, the server name, a client certificate.
        #[serde(default)]
        tls: Option<ClientTlsConfig>,
    },
    /// E-mail over SMTP: plain, STARTTLS or implicit TLS, with optional AUTH PLAIN/LOGIN.
    Smtp {
        /// Sink name.
        name: String,
        /// The relay.
        server: SocketAddr,
        /// Envelope and header sender.
        from: String,
        /// Recipients.
        to: Vec<String>,
        /// `none` (default), `starttls` (required, never skipped) or `tls` (implicit, port 465).
        #[serde(default)]
        security: SmtpSecurity,
        /// The CA to trust, the server name, a client certificate.
        #[serde(default)]
        tls: Option<ClientTlsConfig>,
        /// AUTH user name; needs `password` (or `password_file`/`_env`) and TLS.
        #[serde(default)]
        username: Option<String>,
        /// AUTH password.
        #[serde(default)]
        password: Option<String>,
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
    /// Octet-counted frames over TLS (RFC 5425).
    Tls,
}

/// How an SMTP sink protects the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the local network).
    #[default]
    None,
    /// Plain connect, then `STARTTLS`; a server that does not offer it is refused.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl ClientTlsConfig {
    pub(super) fn validate(&self, sink: &str) -> Result<(), MonitorError> {
        if self.cert.is_some() != self.key.is_some() {
            return Err(MonitorError::Invalid(format!(
                "sink `{sink}`: tls.cert and tls.key go together"
            )));
        }
        if !cfg!(feature = "tls") {
            return Err(MonitorError::Invalid(format!(
                "sink `{sink}`: TLS is configured but this build lacks the `tls` feature"
            )));
        }
        Ok(())
    }
}

impl SinkKind {
    /// Refuses settings that cannot work together: TLS settings on a plain transport, AUTH
    /// without TLS (the password would cross the network in clear).
    pub(super) fn validate(&self) -> Result<(), MonitorError> {
        let invalid =
            |name: &str, what: &str| Err(MonitorError::Invalid(format!("sink `{name}`: {what}")));
        match self {
            SinkKind::Jsonl { .. } => Ok(()),
            SinkKind::Webhook { name, url, tls, .. } => {
                let scheme = |prefix: &str| {
                    url.get(..prefix.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
                        && url.len() > prefix.len()
                };
                let (https, http) = (scheme("https://"), scheme("http://"));
                if !https && !http {
                    return invalid(name, "url must start with https:// or http://");
                }
                if let Some(tls) = tls {
                    if !https {
                        return invalid(name, "tls is set but the url is not https://");
                    }
                    if tls.server_name.is_some() {
                        return invalid(
                            name,
                            "tls.server_name: the url's host is the name checked",
                        );
                    }
                    tls.validate(name)?;
                } else if https && !cfg!(feature = "tls") {
                    return invalid(name, "https:// needs the `tls` feature");
                }
                Ok(())
            }
            SinkKind::Syslog {
                name,
                protocol,
                tls,
                ..
            } => match (protocol, tls) {
                (SyslogProtocol::Tls, Some(tls)) => tls.validate(name),
                (SyslogProtocol::Tls, None) => ClientTlsConfig::default().validate(name),
                (_, Some(_)) => invalid(name, "tls is set but protocol is not \"tls\""),
                (_, None) => Ok(()),
            },
            SinkKind::Smtp {
                name,
                security,
                tls,
                username,
                password,
                ..
            } => {
                if username.is_some() != password.is_some() {
                    return invalid(
                        name,
                        "username and password (or password_file, password_env) go together",
                    );
                }
                match security {
                    SmtpSecurity::None if tls.is_some() => {
                        invalid(name, "tls is set but security is \"none\"")
                    }
                    SmtpSecurity::None if username.is_some() => invalid(
                        name,
                        "AUTH would send the password in clear; set security = \"starttls\" or \"tls\"",
                    ),
                    SmtpSecurity::None => Ok(()),
                    SmtpSecurity::Starttls | SmtpSecurity::Tls => {
                        tls.clone().unwrap_or_default().validate(name)
                    }
                }
            }
        }
    }
}
