//! Network facts: the few figures the network analytics need from a connection, firewall,
//! proxy or Zeek event, read through the common names the network readers set.

use std::net::IpAddr;
use std::sync::Arc;
use ward_event::{Event, Fields, Timestamp, Value};

/// What a network event says about one connection or request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum NetFact {
    /// A connection (Zeek conn/ssl, firewall line).
    Connection(Flow),
    /// A web request (proxy log, Zeek HTTP).
    WebRequest(Flow, WebRequest),
    /// A DNS query (Zeek/Suricata DNS, BIND, AdGuard, Sysmon 22, Windows DNS-Client); the
    /// same event may also give a [`NetFact::Connection`] to the resolver.
    Dns(super::dns::DnsQuery),
}

impl NetFact {
    /// The flow of a connection or web request; `None` for a DNS query.
    pub fn flow(&self) -> Option<&Flow> {
        match self {
            NetFact::Connection(f) | NetFact::WebRequest(f, _) => Some(f),
            NetFact::Dns(_) => None,
        }
    }

    /// When it happened.
    pub fn time(&self) -> Timestamp {
        match self {
            NetFact::Connection(f) | NetFact::WebRequest(f, _) => f.time,
            NetFact::Dns(q) => q.time,
        }
    }

    /// Where it was read.
    pub fn origin(&self) -> &FactOrigin {
        match self {
            NetFact::Connection(f) | NetFact::WebRequest(f, _) => &f.origin,
            NetFact::Dns(q) => &q.origin,
        }
    }
}

/// One connection, compact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    /// When it started.
    pub time: Timestamp,
    /// Originator address.
    pub src: IpAddr,
    /// Responder address, when the log has one (a proxy log may not).
    pub dst: Option<IpAddr>,
    /// Responder name: HTTP host, TLS SNI or CONNECT target.
    pub dst_name: Option<Arc<str>>,
    /// Responder port.
    pub dport: Option<u16>,
    /// `tcp`, `udp`, … (empty when unknown).
    pub proto: Arc<str>,
    /// Bytes both ways, when known.
    pub bytes: Option<u64>,
    /// Duration in seconds, when known.
    pub duration: Option<f64>,
    /// Not established: rejected, unanswered, blocked by a firewall, or an HTTP error reply.
    pub failed: bool,
    /// Where the event was read, for evidence.
    pub origin: FactOrigin,
}

impl Flow {
    /// An evidence line for this flow, logged by its source address, saying `summary`.
    pub fn evidence(&self, summary: String) -> crate::case::Evidence {
        crate::case::Evidence {
            time: self.time,
            host: self.src.to_string(),
            file: self.origin.file.to_string(),
            position: self.origin.position,
            record_id: None,
            kind: self.origin.kind.to_string(),
            summary,
        }
    }
}

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct FactOrigin {
    /// Input file.
    pub file: Arc<str>,
    /// Line or record in it.
    pub position: u64,
    /// Log source label (`zeek/conn`, `squid/proxy`).
    pub kind: Arc<str>,
}

/// The request part of a web fact.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct WebRequest {
    /// Method.
    pub method: Box<str>,
    /// Host requested (may be an IP literal).
    pub host: Box<str>,
    /// Path without the query.
    pub path: Box<str>,
    /// Query string.
    pub query: Box<str>,
    /// HTTP status, when known.
    pub status: Option<u16>,
}

/// Zeek `conn_state` values meaning the connection was never established.
const FAILED_STATES: [&str; 6] = ["S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR"];

fn text<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    e.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
}

fn int(e: &Event, name: &str) -> Option<i64> {
    e.get(name).and_then(Value::as_i64)
}

/// Reads a fact from an event carrying the common network names; `None` for other events.
pub fn extract(e: &Event) -> Option<NetFact> {
    let src: IpAddr = text(e, "src_ip")?.parse().ok()?;
    let dst = text(e, "dst_ip").and_then(|s| s.parse().ok());
    let dst_name = text(e, "dst_host").map(Arc::from);
    if dst.is_none() && dst_name.is_none() {
        return None;
    }
    let bytes = match (int(e, "bytes_out"), int(e, "bytes_in"), int(e, "bytes")) {
        (None, None, None) => None,
        (o, i, b) => Some((o.unwrap_or(0) + i.unwrap_or(0) + b.unwrap_or(0)).max(0) as u64),
    };
    let status = int(e, "sc-status").and_then(|s| u16::try_from(s).ok());
    let blocked = text(e, "action").is_some_and(|a| a == "block");
    let refused = text(e, "conn_state").is_some_and(|s| FAILED_STATES.contains(&s));
    let http_failed = status.is_some_and(|s| s == 0 || s >= 500);
    let flow = Flow {
        time: e.time,
        src,
        dst,
        dst_name,
        dport: int(e, "dst_port").and_then(|p| u16::try_from(p).ok()),
        proto: text(e, "protocol").unwrap_or("").into(),
        bytes,
        duration: e.get("duration").and_then(Value::as_f64),
        failed: blocked || refused || http_failed,
        origin: FactOrigin {
            file: e.origin.file.clone(),
            position: e.origin.position,
            kind: e.source.label().into(),
        },
    };
    match text(e, "cs-method") {
        Some(method) => {
            let web = WebRequest {
                method: method.into(),
                host: text(e, "cs-host").unwrap_or("").into(),
                path: text(e, "c-uri-stem").unwrap_or("").into(),
                query: text(e, "c-uri-query").unwrap_or("").into(),
                status,
            };
            Some(NetFact::WebRequest(flow, web))
        }
        None => Some(NetFact::Connection(flow)),
    }
}

pub use ward_event::net::is_internal;

/// Multicast and broadcast destinations: service discovery, never a peer.
pub fn is_broadcast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_multicast() || v4.is_broadcast() || v4.octets()[3] == 255,
        IpAddr::V6(v6) => v6.is_multicast(),
    }
}
