//! The blocklists of a small kit with IPv4, IPv6, domains, a URL and hostile values from the
//! logs: each format holds exactly the valid values, and no hostile value reaches any file.

use std::collections::BTreeSet;
use ward_respond::blocklist::{self, Blocklist};
use ward_respond::{Indicator, IndicatorKind, Kit, KitFile, KitOptions};

fn indicator(kind: IndicatorKind, value: &str) -> Indicator {
    Indicator {
        kind,
        value: value.to_string(),
        hash_type: None,
        hosts: BTreeSet::from(["WS-RECEPTION-01".to_string()]),
        sightings: 3,
        first_seen: Some("2026-03-02T08:40:00Z".into()),
        last_seen: Some("2026-03-04T08:40:00Z".into()),
        sources: BTreeSet::from(["beacon".to_string()]),
    }
}

/// Values from attacker-controlled logs that must never be written.
const HOSTILE: &[(IndicatorKind, &str)] = &[
    (IndicatorKind::Ip, "1.2.3.4; rm -rf /"),
    (IndicatorKind::Ip, "'"),
    (IndicatorKind::Ip, "\u{ff11}.\u{ff12}.\u{ff13}.\u{ff14}"),
    (IndicatorKind::Ip, "10.20.0.10"),
    (IndicatorKind::Domain, "evil.com\nflush ruleset"),
    (IndicatorKind::Domain, "a\"b"),
    (IndicatorKind::Domain, "$(x)"),
    (IndicatorKind::Domain, "$(x).com"),
    (IndicatorKind::Domain, "a'; Remove-Item -Recurse C:\\ #.com"),
    (
        IndicatorKind::Domain,
        "\u{440}\u{430}\u{443}\u{440}\u{430}l.com",
    ),
    (IndicatorKind::Domain, "`whoami`.com"),
    (IndicatorKind::Url, "http://c2.example.net/x;reboot"),
    (
        IndicatorKind::Url,
        "http://c2.example.net/\nhttp_access allow all",
    ),
];

/// Fragments of the hostile values that no file may contain.
const FRAGMENTS: &[&str] = &[
    "rm -rf",
    "flush ruleset",
    "a\"b",
    "$(",
    "Remove-Item",
    "\u{440}\u{430}",
    "\u{ff11}",
    "10.20.0.10",
    "whoami",
    "reboot",
    "allow all",
];

fn kit() -> Kit {
    let mut indicators = vec![
        indicator(IndicatorKind::Ip, "185.141.27.90"),
        indicator(IndicatorKind::Ip, "198.51.100.23"),
        indicator(IndicatorKind::Ip, "2001:DB8:0:0::1"),
        indicator(IndicatorKind::Domain, "C2.Example.NET"),
        indicator(IndicatorKind::Domain, "xn--80ak6aa92e.com"),
        indicator(
            IndicatorKind::Url,
            "http://c2.example.net/groupmgr/index.php",
        ),
        // Not a blocklist's business: shared in STIX, never blocked.
        indicator(IndicatorKind::ServiceName, "WmiApSrvEx"),
    ];
    indicators.extend(HOSTILE.iter().map(|(k, v)| indicator(*k, v)));
    Kit {
        case_time: "2026-03-05T10:00:00Z".into(),
        indicators,
        ..Kit::default()
    }
}

fn files() -> Vec<KitFile> {
    blocklist::write(&kit(), &KitOptions::default())
}

fn text(files: &[KitFile], name: &str) -> String {
    files
        .iter()
        .find(|f| f.path == format!("blocklist/{name}"))
        .unwrap_or_else(|| panic!("no blocklist/{name}"))
        .text
        .clone()
}

#[test]
fn values_are_checked_by_kind_and_canonical() {
    let list = Blocklist::from_kit(&kit());
    let addresses: Vec<String> = list.addresses().map(|a| a.to_string()).collect();
    assert_eq!(addresses, ["185.141.27.90", "198.51.100.23", "2001:db8::1"]);
    assert_eq!((list.v4.len(), list.v6.len()), (2, 1));
    assert_eq!(list.domains, ["c2.example.net", "xn--80ak6aa92e.com"]);
    assert_eq!(list.urls, ["http://c2.example.net/groupmgr/index.php"]);
    assert_eq!(list.refused.len(), HOSTILE.len());
}

#[test]
fn every_hostile_value_is_refused_with_a_reason_on_one_line() {
    let files = files();
    let refused: Vec<&String> = files.iter().flat_map(|f| &f.refused).collect();
    assert_eq!(refused.len(), HOSTILE.len(), "{refused:#?}");
    for r in &refused {
        assert!(!r.contains('\n'), "{r:?}");
        assert!(r.is_ascii(), "{r:?} displays raw non-ASCII");
    }
    assert!(
        refused
            .iter()
            .any(|r| r.contains(r#""evil.com\nflush ruleset""#)
                && r.contains("letters, digits and hyphens"))
    );
    assert!(
        refused
            .iter()
            .any(|r| r.contains("\\u{440}") && r.contains("punycode"))
    );
    assert!(
        refused
            .iter()
            .any(|r| r.contains("10.20.0.10") && r.contains("internal"))
    );
}

#[test]
fn no_hostile_fragment_reaches_any_file() {
    for f in files() {
        // A lone `'` is also English ("the outbreak's"); that it is refused is checked above.
        for (_, value) in HOSTILE.iter().filter(|(_, v)| v.len() > 1) {
            assert!(!f.text.contains(value), "{}: holds {value:?}", f.path);
        }
        for fragment in FRAGMENTS {
            assert!(!f.text.contains(fragment), "{}: holds {fragment:?}", f.path);
        }
        if f.path != "blocklist/README.md" {
            assert!(
                f.text
                    .chars()
                    .all(|c| c == '\n' || c == '\t' || (' '..='~').contains(&c)),
                "{}: characters beyond printable ASCII",
                f.path
            );
        }
        assert!(!f.private, "{}: a blocklist is not secret", f.path);
    }
}

#[test]
fn nftables_has_its_own_table_sets_and_drop_rules() {
    let nft = text(&files(), "nftables.nft");
    // Re-applicable: declare, delete, define.
    assert!(nft.contains("table inet ward_block\ndelete table inet ward_block\n"));
    assert!(nft.contains("set c2_v4 {\n\t\ttype ipv4_addr\n\t\telements = {\n\t\t\t185.141.27.90,\n\t\t\t198.51.100.23\n\t\t}"));
    assert!(
        nft.contains("set c2_v6 {\n\t\ttype ipv6_addr\n\t\telements = {\n\t\t\t2001:db8::1\n\t\t}")
    );
    for hook in ["output", "forward"] {
        assert!(nft.contains(&format!(
            "type filter hook {hook} priority -10; policy accept;"
        )));
    }
    assert_eq!(nft.matches("ip daddr @c2_v4 counter drop").count(), 2);
    assert_eq!(nft.matches("ip6 daddr @c2_v6 counter drop").count(), 2);
    assert!(nft.contains("comment \"Ward case of 2026-03-05T10:00:00Z: C2\""));
    assert!(
        !nft.contains("c2.example.net"),
        "nftables takes addresses only"
    );
}

#[test]
fn iptables_files_jump_to_a_dedicated_chain() {
    let files = files();
    let v4 = text(&files, "iptables.rules");
    let v6 = text(&files, "ip6tables.rules");
    for (rules, dest, other) in [
        (&v4, "-d 185.141.27.90/32", "2001:db8::1"),
        (&v6, "-d 2001:db8::1/128", "185.141.27.90"),
    ] {
        assert!(rules.contains("*filter\n:WARD-BLOCK - [0:0]\n"));
        assert!(rules.contains(&format!("-A WARD-BLOCK {dest} -m comment")));
        assert!(rules.contains("-I OUTPUT 1 -j WARD-BLOCK\n-I FORWARD 1 -j WARD-BLOCK\nCOMMIT\n"));
        assert!(!rules.contains(other), "one address family a file");
        assert!(
            rules.contains("--noflush"),
            "says how to apply without wiping the table"
        );
    }
    assert_eq!(v4.matches("-j DROP").count(), 2);
}

#[test]
fn pfsense_lists_are_one_value_a_line() {
    let files = files();
    assert_eq!(
        text(&files, "pfsense-urltable.txt"),
        "185.141.27.90\n198.51.100.23\n2001:db8::1\n"
    );
    assert_eq!(
        text(&files, "pfsense-urltable-domains.txt"),
        "c2.example.net\nxn--80ak6aa92e.com\n"
    );
}

#[test]
fn fortigate_has_quoted_address_objects_and_groups() {
    let conf = text(&files(), "fortigate.conf");
    assert!(conf.contains(
        "config firewall address\n    edit \"ward-c2-185.141.27.90\"\n        set subnet 185.141.27.90 255.255.255.255\n"
    ));
    assert!(conf.contains("    edit \"ward-c2-c2.example.net\"\n        set type fqdn\n        set fqdn \"c2.example.net\"\n"));
    assert!(conf.contains("config firewall address6\n    edit \"ward-c2-2001:db8::1\"\n        set ip6 2001:db8::1/128\n"));
    assert!(conf.contains(
        "config firewall addrgrp\n    edit \"ward-c2\"\n        set member \"ward-c2-185.141.27.90\" \"ward-c2-198.51.100.23\" \"ward-c2-c2.example.net\" \"ward-c2-xn--80ak6aa92e.com\"\n"
    ));
    assert!(conf.contains("config firewall addrgrp6\n    edit \"ward-c2-v6\"\n        set member \"ward-c2-2001:db8::1\"\n"));
    assert_eq!(
        conf.matches("config ").count(),
        conf.matches("\nend\n").count()
    );
}

#[test]
fn windows_firewall_blocks_the_addresses_outbound_in_single_quotes() {
    let ps = text(&files(), "windows-firewall.ps1");
    assert!(ps.contains(
        "$addresses = @(\n    '185.141.27.90',\n    '198.51.100.23',\n    '2001:db8::1'\n)"
    ));
    assert!(ps.contains("New-NetFirewallRule -DisplayName 'Ward: block C2 (outbound)' -Group $group -Direction Outbound -Action Block"));
    assert!(
        ps.contains("[CmdletBinding(SupportsShouldProcess = $true)]"),
        "-WhatIf works"
    );
    // Every single-quoted string is closed on its line: no value opened one it did not close.
    for line in ps.lines().filter(|l| !l.trim_start().starts_with('#')) {
        assert_eq!(line.matches('\'').count() % 2, 0, "{line}");
    }
}

#[test]
fn squid_denies_addresses_domains_and_urls() {
    let squid = text(&files(), "squid-acl.conf");
    for line in [
        "acl ward_c2_dst dst 185.141.27.90",
        "acl ward_c2_dst dst 2001:db8::1",
        "acl ward_c2_domain dstdomain .c2.example.net",
        "acl ward_c2_domain dstdomain .xn--80ak6aa92e.com",
        "acl ward_c2_url url_regex -i ^http://c2\\.example\\.net/groupmgr/index\\.php",
        "http_access deny ward_c2_dst",
        "http_access deny ward_c2_domain",
        "http_access deny ward_c2_url",
    ] {
        assert!(squid.lines().any(|l| l == line), "missing {line:?}");
    }
}

#[test]
fn rpz_answers_nxdomain_for_domains_and_their_subdomains() {
    let zone = text(&files(), "rpz.zone");
    assert!(zone.contains("$TTL 300\n@\tIN\tSOA\tlocalhost. hostmaster.localhost. ( 2026030510 "));
    assert!(zone.contains("\tIN\tNS\tlocalhost.\n"));
    for d in ["c2.example.net", "xn--80ak6aa92e.com"] {
        assert!(zone.contains(&format!("\n{d}\tCNAME\t.\n*.{d}\tCNAME\t.\n")));
    }
    assert!(!zone.contains("185.141.27.90"));
}

#[test]
fn the_readme_names_every_file_and_the_refused_count() {
    let files = files();
    let readme = text(&files, "README.md");
    for f in files.iter().filter(|f| f.path != "blocklist/README.md") {
        let name = f.path.trim_start_matches("blocklist/");
        assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
    }
    assert!(readme.contains(&format!("**{} value(s) were left out**", HOSTILE.len())));
}

#[test]
fn an_empty_kit_still_writes_valid_empty_lists() {
    let files = blocklist::write(&Kit::default(), &KitOptions::default());
    assert!(files.iter().all(|f| f.refused.is_empty()));
    assert_eq!(text(&files, "pfsense-urltable.txt"), "");
    let nft = text(&files, "nftables.nft");
    assert!(
        !nft.contains("elements"),
        "an empty set has no elements line"
    );
    assert!(
        !text(&files, "fortigate.conf").contains("addrgrp"),
        "no empty group"
    );
    assert!(
        !text(&files, "squid-acl.conf").contains("acl "),
        "no empty ACL"
    );
    assert!(text(&files, "nftables.nft").contains("Ward case (time unknown)"));
}
