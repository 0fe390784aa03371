//! Alert forwarding as RFC 5424 syslog, over UDP, TCP (octet-counted frames, RFC 6587) or
//! TLS (octet-counted frames, RFC 5425).

use std::net::SocketAddr;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use ward_event::Level;

use super::Notification;
use crate::MonitorError;
use crate::config::{ClientTlsConfig, SyslogProtocol};

/// Facility `auth` (4): alerts are security messages.
const FACILITY: u8 = 4;

/// A connected stream, plain or TLS.
type Connection = Box<dyn AsyncWrite + Send + Sync + Unpin>;

/// Forwards alerts to one collector, reconnecting TCP and TLS on failure.
pub(crate) struct SyslogForwarder {
    target: SocketAddr,
    protocol: SyslogProtocol,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::client::ClientTls>,
    connection: Option<Connection>,
}

impl SyslogForwarder {
    pub(crate) fn new(
        target: SocketAddr,
        protocol: SyslogProtocol,
        tls: Option<&ClientTlsConfig>,
        owner: &str,
    ) -> Result<Self, MonitorError> {
        #[cfg(feature = "tls")]
        let tls = match protocol {
            SyslogProtocol::Tls => {
                Some(crate::tls::client::ClientTls::new(tls, target.ip(), owner)?)
            }
            SyslogProtocol::Udp | SyslogProtocol::Tcp => None,
        };
        #[cfg(not(feature = "tls"))]
        if protocol == SyslogProtocol::Tls || tls.is_some() {
            return Err(MonitorError::Invalid(format!(
                "sink `{owner}`: syslog over TLS needs the `tls` feature"
            )));
        }
        Ok(SyslogForwarder {
            target,
            protocol,
            #[cfg(feature = "tls")]
            tls,
            connection: None,
        })
    }

    pub(crate) async fn send(&mut self, alert: &Notification) -> Result<(), String> {
        let line = format_5424(alert);
        let fail = |e: std::io::Error| format!("syslog to {}: {e}", self.target);
        if self.protocol == SyslogProtocol::Udp {
            let local: SocketAddr = if self.target.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let socket = UdpSocket::bind(local).await.map_err(fail)?;
            socket
                .send_to(line.as_bytes(), self.target)
                .await
                .map_err(fail)?;
            return Ok(());
        }
        if self.connection.is_none() {
            self.connection = Some(self.connect().await?);
        }
        let frame = format!("{} {line}", line.len());
        let Some(stream) = self.connection.as_mut() else {
            return Err("no connection".into());
        };
        // TLS buffers records: flush, so the frame leaves now and a dead peer shows here.
        let written = match stream.write_all(frame.as_bytes()).await {
            Ok(()) => stream.flush().await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            self.connection = None;
            return Err(fail(e));
        }
        Ok(())
    }

    async fn connect(&self) -> Result<Connection, String> {
        let tcp = TcpStream::connect(self.target)
            .await
            .map_err(|e| format!("syslog to {}: {e}", self.target))?;
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            let stream = tls
                .connect(tcp)
                .await
                .map_err(|e| format!("syslog to {}: {e}", self.target))?;
            return Ok(Box::new(stream));
        }
        Ok(Box::new(tcp))
    }
}

/// `<PRI>1 TIME HOST ward - MSGID - JSON`, severity from the alert level.
pub(crate) fn format_5424(alert: &Notification) -> String {
    let severity = match alert.level {
        Level::Critical => 2,
        Level::High => 3,
        Level::Medium => 4,
        Level::Low => 5,
        Level::Informational => 6,
    };
    let pri = u16::from(FACILITY) * 8 + severity;
    let host: String = alert
        .host
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    let host = if host.is_empty() {
        "-".to_string()
    } else {
        host
    };
    let msgid: String = alert
        .rule_id
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect();
    let msgid = if msgid.is_empty() {
        "-".to_string()
    } else {
        msgid
    };
    format!(
        "<{pri}>1 {} {host} ward - {msgid} - {}",
        alert.time, alert.body
    )
}
