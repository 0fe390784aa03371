//! `rpz.zone`: a DNS Response Policy Zone answering NXDOMAIN for the C2 domains and every name
//! under them (BIND, Unbound, PowerDNS Recursor, Infoblox take RPZ).

use super::Blocklist;
use std::fmt::Write;

pub(super) fn render(list: &Blocklist) -> String {
    let case = list.case_label();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "; Ward containment kit: the outbreak's C2 domains as a DNS response policy zone.\n\
         ; {case}: {} domains.\n\
         ; BIND: zone \"ward-c2.rpz\" {{ type primary; file \"/etc/bind/rpz.zone\"; }};\n\
         ;       options {{ response-policy {{ zone \"ward-c2.rpz\"; }}; }};\n\
         ; Unbound: rpz: name: ward-c2.rpz  zonefile: /etc/unbound/rpz.zone\n\
         ; Check: named-checkzone ward-c2.rpz rpz.zone",
        list.domains.len()
    );
    let _ = writeln!(s, "$TTL 300");
    let _ = writeln!(
        s,
        "@\tIN\tSOA\tlocalhost. hostmaster.localhost. ( {} 3600 600 86400 300 )",
        serial(list)
    );
    let _ = writeln!(s, "\tIN\tNS\tlocalhost.");
    // Owner names are relative to the zone; `CNAME .` is the RPZ action for NXDOMAIN.
    for d in &list.domains {
        let _ = writeln!(s, "{d}\tCNAME\t.\n*.{d}\tCNAME\t.");
    }
    s
}

/// `YYYYMMDDHH` of the case (a new case makes a higher serial), or 1 without a case time.
fn serial(list: &Blocklist) -> u32 {
    list.case_time
        .and_then(|t| t.strftime("%Y%m%d%H").to_string().parse().ok())
        .unwrap_or(1)
}
