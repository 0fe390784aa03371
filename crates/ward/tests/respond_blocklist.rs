//! `ward respond` end to end: the blocklists hold exactly the external C2 destinations of the
//! worm's devices as the case's findings name them — on the demo outbreak and on the generated
//! hospital, where they must also equal the generator's truth and leave out the lab analyzer's
//! benign upload and the monitoring server's vendor.

mod common;

use common::{read_json, repo};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Analytics whose destination names a C2 when the host is an affected device.
const C2_ANALYTICS: &[&str] = &[
    "beacon",
    "http-ip-literal",
    "encoded-query",
    "intel-match",
    "c2-fallback",
    "network-spread",
];

/// The address-only files, and the files holding the addresses of both families together.
const ADDRESS_FILES: &[&[&str]] = &[
    &["nftables.nft"],
    &["iptables.rules", "ip6tables.rules"],
    &["pfsense-urltable.txt"],
    &["fortigate.conf"],
    &["windows-firewall.ps1"],
    &["squid-acl.conf"],
];

/// `ward hunt DIR --assets … --format json -o case.json`, then `ward respond case.json --out
/// kit`; returns the case and the kit folder.
fn hunt_and_respond(logs: &Path, assets: &Path, work: &Path) -> (Value, PathBuf) {
    let case = work.join("case.json");
    let status = Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("hunt")
        .arg(logs)
        .arg("--assets")
        .arg(assets)
        .args(["--format", "json", "-q", "-o"])
        .arg(&case)
        .status()
        .expect("run ward hunt");
    assert!(matches!(status.code(), Some(0 | 1)), "ward hunt: {status}");
    let kit = work.join("kit");
    let out = Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("respond")
        .arg(&case)
        .arg("--out")
        .arg(&kit)
        .output()
        .expect("run ward respond");
    assert!(
        out.status.success(),
        "ward respond: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (read_json(&case), kit)
}

/// What the case's findings name as C2: destinations of C2-like findings on affected devices,
/// split into external addresses and domains. Findings of other hosts are returned apart.
fn c2_of_findings(case: &Value) -> (BTreeSet<IpAddr>, BTreeSet<String>) {
    let affected: BTreeSet<&str> = case["overview"]["affected_devices"]
        .as_array()
        .expect("affected devices")
        .iter()
        .filter_map(|d| d["host"].as_str())
        .collect();
    let mut ips = BTreeSet::new();
    let mut domains = BTreeSet::new();
    for f in case["findings"].as_array().expect("findings") {
        let analytic = f["analytic"].as_str().unwrap_or("");
        let host = f["host"].as_str().unwrap_or("");
        let level = f["level"].as_str().unwrap_or("");
        if !C2_ANALYTICS.contains(&analytic)
            || !affected.contains(host)
            || matches!(level, "low" | "informational")
        {
            continue;
        }
        let Some(dest) = f["details"]["destination"].as_str() else {
            continue;
        };
        match dest.parse::<IpAddr>() {
            Ok(ip) if !internal(&ip) => {
                ips.insert(ip);
            }
            Ok(_) => {}
            Err(_) => {
                domains.insert(dest.to_ascii_lowercase());
            }
        }
    }
    (ips, domains)
}

fn internal(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// Every token of the files that parses as an address (FortiGate's netmask aside).
fn addresses_in(kit: &Path, names: &[&str]) -> BTreeSet<IpAddr> {
    let mask: IpAddr = "255.255.255.255".parse().expect("mask");
    names
        .iter()
        .flat_map(|n| {
            let text = fs::read_to_string(kit.join("blocklist").join(n)).expect("blocklist file");
            text.split(|c: char| c.is_whitespace() || ",'\"/{}".contains(c))
                .filter_map(|t| t.parse::<IpAddr>().ok())
                .collect::<Vec<_>>()
        })
        .filter(|ip| *ip != mask)
        .collect()
}

fn lines(path: &Path) -> BTreeSet<String> {
    fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(String::from)
        .collect()
}

/// Every address file holds exactly `ips`; the domain list and the RPZ zone exactly `domains`.
fn assert_blocklists(kit: &Path, ips: &BTreeSet<IpAddr>, domains: &BTreeSet<String>, what: &str) {
    for names in ADDRESS_FILES {
        assert_eq!(
            &addresses_in(kit, names),
            ips,
            "{what}: addresses of {names:?}"
        );
    }
    let listed = lines(&kit.join("blocklist/pfsense-urltable-domains.txt"));
    assert_eq!(&listed, domains, "{what}: domains");
    let zone = fs::read_to_string(kit.join("blocklist/rpz.zone")).expect("zone");
    let in_zone: BTreeSet<String> = zone
        .lines()
        .filter(|l| l.ends_with("\tCNAME\t.") && !l.starts_with('*'))
        .filter_map(|l| l.split('\t').next().map(String::from))
        .collect();
    assert_eq!(&in_zone, domains, "{what}: RPZ domains");
}

#[test]
fn demo_blocklists_hold_the_c2_of_the_worm_devices() {
    let demo = repo().join("demo/outbreak");
    let work = tempfile::tempdir().expect("temporary folder");
    let (case, kit) = hunt_and_respond(&demo, &demo.join("assets.csv"), work.path());
    let (ips, domains) = c2_of_findings(&case);
    // demo/README.md: the worm's three C2 addresses; the findings must name them all.
    let readme: BTreeSet<IpAddr> = ["185.141.27.90", "91.219.236.174", "198.51.100.23"]
        .iter()
        .map(|a| a.parse().expect("address"))
        .collect();
    assert_eq!(ips, readme, "the case's findings name the demo's C2");
    assert_blocklists(&kit, &ips, &domains, "demo");
}

#[test]
fn hospital_blocklists_equal_the_truth_and_leave_out_benign_traffic() {
    let work = tempfile::tempdir().expect("temporary folder");
    let Some(logs) = common::hospital(work.path(), 3, 7, "service") else {
        return;
    };
    let (case, kit) = hunt_and_respond(&logs, &logs.join("assets.csv"), work.path());
    let truth = read_json(&logs.join("truth.json"));
    let c2: BTreeSet<IpAddr> = truth["c2"]
        .as_array()
        .expect("truth c2")
        .iter()
        .filter_map(|a| a.as_str()?.parse().ok())
        .collect();
    let (ips, domains) = c2_of_findings(&case);
    assert_eq!(ips, c2, "the case's C2 findings are the truth's C2");
    assert_blocklists(&kit, &c2, &domains, "hospital");

    // The benign look-alikes: the lab analyzer's upload to an IP literal, the monitoring
    // server's vendor check-ins. Their destinations, as the case names them, are in no file.
    let benign_hosts = [
        truth["benign"]["ip_literal_upload"]
            .as_str()
            .expect("upload host"),
        truth["benign"]["monitoring_server"]
            .as_str()
            .expect("monitoring host"),
    ];
    let benign: BTreeSet<&str> = case["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| benign_hosts.contains(&f["host"].as_str().unwrap_or("")))
        .filter_map(|f| f["details"]["destination"].as_str())
        .filter(|d| d.parse::<IpAddr>().map_or(true, |ip| !internal(&ip)))
        .collect();
    assert!(
        benign.len() >= 2,
        "the case names the benign destinations: {benign:?}"
    );
    for entry in fs::read_dir(kit.join("blocklist")).expect("blocklist folder") {
        let path = entry.expect("entry").path();
        let text = fs::read_to_string(&path).expect("read");
        for d in &benign {
            assert!(!text.contains(d), "{}: holds benign {d}", path.display());
        }
    }
}
