//! `fortigate.conf`: FortiGate CLI address objects (FQDN objects for domains) and address
//! groups to use in a deny policy.

use super::Blocklist;
use std::fmt::Write;

/// Group of the IPv4 addresses and domains.
const GROUP: &str = "ward-c2";
/// Group of the IPv6 addresses.
const GROUP6: &str = "ward-c2-v6";
/// Longest FortiOS address object name.
const MAX_NAME: usize = 79;

pub(super) fn render(list: &Blocklist) -> String {
    let case = list.case_label();
    let comment = quote(&format!("{case}: C2"));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Ward containment kit: the outbreak's C2 as FortiGate address objects."
    );
    let _ = writeln!(s, "# {case}: {}.", list.counts());
    let _ = writeln!(
        s,
        "# Paste into the CLI (or run as a script), then deny \"{GROUP}\" and \"{GROUP6}\" as\n\
         # destinations in a policy above the outbound allow policies."
    );
    let mut members = Vec::new();
    let mut members6 = Vec::new();
    if !list.v4.is_empty() || !list.domains.is_empty() {
        let _ = writeln!(s, "config firewall address");
        for a in &list.v4 {
            let name = name(&a.to_string(), "ip", members.len());
            let _ = writeln!(
                s,
                "    edit {}\n        set subnet {a} 255.255.255.255\n        set comment {comment}\n    next",
                quote(&name)
            );
            members.push(name);
        }
        for d in &list.domains {
            let name = name(d, "fqdn", members.len());
            let _ = writeln!(
                s,
                "    edit {}\n        set type fqdn\n        set fqdn {}\n        set comment {comment}\n    next",
                quote(&name),
                quote(d)
            );
            members.push(name);
        }
        let _ = writeln!(s, "end");
    }
    if !list.v6.is_empty() {
        let _ = writeln!(s, "config firewall address6");
        for a in &list.v6 {
            let name = name(&a.to_string(), "ip6", members6.len());
            let _ = writeln!(
                s,
                "    edit {}\n        set ip6 {a}/128\n        set comment {comment}\n    next",
                quote(&name)
            );
            members6.push(name);
        }
        let _ = writeln!(s, "end");
    }
    // FortiOS refuses an empty group, so a group is written only with members.
    for (section, group, members) in [
        ("addrgrp", GROUP, &members),
        ("addrgrp6", GROUP6, &members6),
    ] {
        if members.is_empty() {
            continue;
        }
        let quoted: Vec<String> = members.iter().map(|m| quote(m)).collect();
        let _ = writeln!(
            s,
            "config firewall {section}\n    edit {}\n        set member {}\n        set comment {comment}\n    next\nend",
            quote(group),
            quoted.join(" ")
        );
    }
    s
}

/// `ward-c2-<value>`, or a numbered name when the value would make it too long.
fn name(value: &str, kind: &str, n: usize) -> String {
    let name = format!("{GROUP}-{value}");
    if name.len() <= MAX_NAME {
        name
    } else {
        format!("{GROUP}-{kind}-{}", n + 1)
    }
}

/// A FortiOS CLI string: double quotes, with `"` and `\` escaped.
fn quote(value: &str) -> String {
    let mut q = String::with_capacity(value.len() + 2);
    q.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_double_quoted_with_escapes() {
        assert_eq!(quote("ward-c2-1.2.3.4"), "\"ward-c2-1.2.3.4\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn long_domains_get_numbered_names() {
        let long = format!("{}.com", "a".repeat(80));
        assert_eq!(name(&long, "fqdn", 2), "ward-c2-fqdn-3");
        assert_eq!(name("c2.example.net", "fqdn", 0), "ward-c2-c2.example.net");
    }
}
