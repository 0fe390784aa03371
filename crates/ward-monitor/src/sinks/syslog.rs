//! Alert forwarding as RFC 5424 syslog, over UDP or TCP (octet-counted frames).

use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use ward_event::Level;

use super::Notification;
use crate::config::SyslogProtocol;

/// Facility `auth` (4): alerts are security messages.
const FACILITY: u8 = 4;

/// Forwards alerts to one collector, reconnecting TCP on failure.
pub(crate) struct SyslogForwarder {
    target: SocketAddr,
    protocol: SyslogProtocol,
    tcp: Option<TcpStream>,
}

impl SyslogForwarder {
    pub(crate) fn new(target: SocketAddr, protocol: SyslogProtocol) -> Self {
        SyslogForwarder {
            target,
            protocol,
            tcp: None,
        }
    }

    pub(crate) async fn send(&mut self, alert: &Notification) -> Result<(), String> {
        let line = format_5424(alert);
        let fail = |e: std::io::Error| format!("syslog to {}: {e}", self.target);
        match self.protocol {
            SyslogProtocol::Udp => {
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
                Ok(())
            }
            SyslogProtocol::Tcp => {
                if self.tcp.is_none() {
                    self.tcp = Some(TcpStream::connect(self.target).await.map_err(fail)?);
                }
                let frame = format!("{} {line}", line.len());
                let Some(stream) = self.tcp.as_mut() else {
                    return Err("no connection".into());
                };
                if let Err(e) = stream.write_all(frame.as_bytes()).await {
                    self.tcp = None;
                    return Err(fail(e));
                }
                Ok(())
            }
        }
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
