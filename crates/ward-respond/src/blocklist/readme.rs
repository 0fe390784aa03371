//! `README.md` of the folder: what each file is and how to apply it.

use super::Blocklist;
use std::fmt::Write;

pub(super) fn render(list: &Blocklist) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Blocklists: the outbreak's command-and-control (C2)\n\n\
         {}: {}.\n\n\
         Only external destinations that devices of worm clusters contacted; each value was\n\
         checked (an address parses as one, a domain is letters, digits and hyphens) before it\n\
         was written.",
        list.case_label(),
        list.counts()
    );
    if !list.refused.is_empty() {
        let _ = writeln!(
            s,
            "\n**{} value(s) were left out** because they are not a valid address, domain or URL;\n\
             `ward respond` listed them and why when it wrote this kit. Look at them by hand.",
            list.refused.len()
        );
    }
    s.push_str(HOW_TO_APPLY);
    s
}

/// The files and how to apply them: the same for every kit.
const HOW_TO_APPLY: &str = r#"
Block where the devices' traffic leaves the network (the perimeter firewall and the proxy),
and on the devices themselves where you can. Block before isolating and resetting accounts,
so an implant cannot fetch new orders meanwhile. Blocked attempts show which devices are still
infected: watch the counters and logs.

| File | For | Apply |
|---|---|---|
| `nftables.nft` | Linux firewall or router (nftables) | `nft -f nftables.nft` — own table `inet ward_block`, drops in output and forward; re-applying replaces it; `nft delete table inet ward_block` removes it |
| `iptables.rules` | Linux with iptables (IPv4) | `iptables-restore --noflush iptables.rules` — chain `WARD-BLOCK` jumped to from OUTPUT and FORWARD. **Without `--noflush` it replaces the whole filter table.** |
| `ip6tables.rules` | the same for IPv6 | `ip6tables-restore --noflush ip6tables.rules` |
| `pfsense-urltable.txt` | pfSense / OPNsense | Host it on an internal web server; *Firewall › Aliases*: type *URL Table (IPs)* with its URL; block the alias as destination on the LAN interfaces |
| `pfsense-urltable-domains.txt` | pfSense (pfBlockerNG DNSBL), OPNsense (Unbound blocklist) | A custom domain list, one domain a line |
| `fortigate.conf` | FortiGate | Paste into the CLI; address group `ward-c2` (IPv4 and FQDN objects) and `ward-c2-v6`: use them as destination of a deny policy above the outbound allow policies |
| `windows-firewall.ps1` | Windows devices and servers | As administrator: `.\windows-firewall.ps1` (`-WhatIf` shows what it would do); outbound block rule, group `Ward C2 block` |
| `squid-acl.conf` | Squid proxy | Include before the first `http_access allow`; `squid -k parse`, then `squid -k reconfigure` |
| `rpz.zone` | DNS resolvers with RPZ (BIND, Unbound, PowerDNS, Infoblox) | Load as a response-policy zone; the C2 domains and every name under them answer NXDOMAIN |

To re-apply the iptables files after a new case, remove the jumps first so they are not doubled:
`iptables -D OUTPUT -j WARD-BLOCK; iptables -D FORWARD -j WARD-BLOCK` (and the same with
`ip6tables`). Windows Firewall and the pfSense URL table take addresses only; block domains
with the RPZ zone, the domain list or the proxy.
"#;
