//! The DNS query fact: what a DNS event (Zeek, Suricata, BIND, AdGuard, Sysmon 22, Windows
//! DNS-Client) says about one look-up.

use std::sync::Arc;

use ward_event::{Event, Fields, Timestamp, Value};

use crate::network::fact::FactOrigin;

/// One DNS query as the DNS analytics need it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DnsQuery {
    /// When it was asked.
    pub time: Timestamp,
    /// Who asked: the client address, else the host that logged it (Sysmon, DNS-Client).
    pub client: Arc<str>,
    /// The name asked, lower case, without the trailing dot.
    pub name: Arc<str>,
    /// Record type (`A`, `TXT`, `NULL`, …), upper case; empty when the log has none.
    pub qtype: Arc<str>,
    /// The answer was NXDOMAIN.
    pub nxdomain: bool,
    /// Where the event was read.
    pub origin: FactOrigin,
}

fn text<'a>(e: &'a Event, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        e.get(n)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "-")
    })
}

/// Reads a DNS query from a DNS event (Sigma categories `dns` and `dns_query`, or Sysmon's
/// event 22); `None` for other events.
pub fn extract_dns(e: &Event) -> Option<DnsQuery> {
    let category = e.source.category.as_deref();
    let windows_dns = match (e.source.channel.as_deref(), e.source.event_id) {
        (Some(c), Some(22)) => c.eq_ignore_ascii_case("Microsoft-Windows-Sysmon/Operational"),
        (Some(c), Some(3006 | 3008 | 3020)) => c.contains("DNS-Client") || c.contains("DNS Client"),
        _ => false,
    };
    if !windows_dns && !matches!(category, Some("dns" | "dns_query")) {
        return None;
    }
    let name = text(e, &["query", "QueryName", "dns.rrname"])?;
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let client = match text(e, &["src_ip", "ClientIP"]) {
        Some(ip) => ip.to_string(),
        None => e.host.short().to_string(),
    };
    let qtype = text(e, &["record_type", "qtype_name", "QueryType"]).unwrap_or("");
    let rcode = text(e, &["rcode_name", "rcode", "dns.rcode"]).unwrap_or("");
    // Sysmon 22 `QueryStatus` 9003 is DNS_ERROR_RCODE_NAME_ERROR.
    let status = e.get("QueryStatus").map(|v| v.to_string());
    Some(DnsQuery {
        time: e.time,
        client: client.into(),
        name: name.into(),
        qtype: qtype.to_ascii_uppercase().into(),
        nxdomain: rcode.eq_ignore_ascii_case("NXDOMAIN") || status.as_deref() == Some("9003"),
        origin: FactOrigin {
            file: e.origin.file.clone(),
            position: e.origin.position,
            kind: e.source.label().into(),
        },
    })
}
