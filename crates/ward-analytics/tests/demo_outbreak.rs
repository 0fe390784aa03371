//! The committed demo outbreak (demo/generate.py): patient zero, every hop, the affected hosts,
//! the accounts, and the benign look-alikes kept out of the worm cluster.

mod common;

use std::fs::File;
use ward_analytics::{Assets, Outcome};

fn outcome() -> Outcome {
    let dir = common::demo_dir();
    let assets = Assets::from_csv_reader(File::open(dir.join("assets.csv")).expect("assets.csv"))
        .expect("valid assets");
    let events = common::read_events(&[dir]);
    // 212 Windows events, 144 Zeek connections, 1 DHCP lease, 176 proxy requests.
    assert_eq!(events.len(), 533);
    common::analyze(&events, assets)
}

fn names(list: &[ward_analytics::case::AccountEntry]) -> Vec<&str> {
    list.iter().map(|a| a.account.as_str()).collect()
}

#[test]
fn worm_cluster_has_patient_zero_and_every_hop() {
    let out = outcome();
    assert_eq!(out.spread.clusters.len(), 2);
    let worm = &out.spread.clusters[0];
    assert_eq!(worm.artefact, "service:WmiApSrvEx");
    assert_eq!(worm.verdict, "worm");
    assert_eq!(worm.patient_zero.as_deref(), Some("WS-RECEPTION-01"));
    let edges: Vec<(&str, &str, Option<&str>)> = worm
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.account.as_deref()))
        .collect();
    assert_eq!(
        edges,
        [
            ("WS-RECEPTION-01", "FS-01", Some("CLINIC\\WS-RECEPTION-01$")),
            (
                "WS-RECEPTION-01",
                "WS-NURSE-03",
                Some("CLINIC\\WS-RECEPTION-01$")
            ),
            ("FS-01", "MRI-CONSOLE-01", Some("CLINIC\\FS-01$")),
            ("FS-01", "XRAY-PC-02", Some("CLINIC\\FS-01$")),
            ("FS-01", "KIOSK-CONSENT-01", Some("CLINIC\\FS-01$")),
            // No host logs: the network shows the hop.
            ("FS-01", "CT-SCANNER-01", None),
        ]
    );
    // Each hop rests on the network logon, the ADMIN$ write (Security and Sysmon) and the service install.
    let kinds: Vec<&str> = worm.edges[0]
        .evidence
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["4624", "5145", "11", "7045"]);
    // Every signal the verdict weighed, worm side first (docs/verdicts.md).
    assert_eq!(
        worm.reasons,
        [
            "worm: the hosts did what a worm does once it lands (relay, follow-up or C2), and \
             the evidence for a worm (12, 3 needed) outweighs that for administration (1)",
            "worm +3: multi-hop: FS-01 reached from WS-RECEPTION-01, then reached \
             KIOSK-CONSENT-01, MRI-CONSOLE-01, XRAY-PC-02",
            "worm +2: follow-up on 6 hosts: recon bursts (6)",
            "worm +2: C2-like web requests from 6 of 6 hosts after they were reached: FS-01, \
             KIOSK-CONSENT-01, MRI-CONSOLE-01, WS-NURSE-03, WS-RECEPTION-01, XRAY-PC-02",
            "worm +1: remote actor is a machine account or SYSTEM, not a person or a service \
             account",
            "worm +1: names imitate Windows: wmiaprvse.exe (~ wmiprvse), wmiapsrvex (~ wmiapsrv), \
             wmiapvsre.exe (~ wmiapsrv), wmipsrvce.exe (~ wmiprvse), wmipsvre.exe (~ wmiprvse)",
            "worm +1: names vary from host to host: 1 service name(s), 5 file name(s)",
            "worm +1: non-Windows binary run from System32/SysWOW64: wmiaprvse.exe, \
             wmiapsvrce.exe, wmiapvsre.exe, wmipsrvce.exe, wmipsvre.exe",
            "worm +1: 2 failed attempt(s) at other hosts",
            "admin +1: all hops in one time window",
            "network-evidenced: CT-SCANNER-01 reached over SMB from FS-01, then 6 C2-like \
             request(s) to 198.51.100.23",
        ]
    );
    assert_eq!((worm.score.worm, worm.score.admin), (12, 1));
    let failed: Vec<(&str, &str)> = worm
        .failed_attempts
        .iter()
        .map(|f| (f.from.as_str(), f.to.as_str()))
        .collect();
    assert_eq!(failed, [("FS-01", "WS-LAB-07"), ("FS-01", "DC-01")]);
}

#[test]
fn affected_hosts_list_clinical_devices_first() {
    let out = outcome();
    let worm = &out.spread.clusters[0];
    let hosts: Vec<(&str, bool)> = worm
        .hosts
        .iter()
        .map(|h| (h.host.as_str(), h.clinical))
        .collect();
    assert_eq!(
        hosts,
        [
            ("MRI-CONSOLE-01", true),
            ("XRAY-PC-02", true),
            ("KIOSK-CONSENT-01", true),
            ("CT-SCANNER-01", true),
            ("WS-RECEPTION-01", false),
            ("FS-01", false),
            ("WS-NURSE-03", false),
        ]
    );
    let pz = worm
        .hosts
        .iter()
        .find(|h| h.host == "WS-RECEPTION-01")
        .expect("patient zero listed");
    assert_eq!(
        pz.infected_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-02T08:40:00.45Z")
    );
    assert_eq!(pz.ips, ["10.20.1.15"]);
    assert_eq!(pz.role.as_deref(), Some("workstation"));
    let mri = &worm.hosts[0];
    assert_eq!(mri.role.as_deref(), Some("mri-console"));
    // Infected when the implant was written over ADMIN$ (5145), not at the later install.
    assert_eq!(
        mri.infected_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-02T10:00:06.854Z")
    );
}

#[test]
fn psexec_push_is_likely_admin_and_outside_the_worm() {
    let out = outcome();
    let admin = &out.spread.clusters[1];
    assert_eq!(admin.artefact, "service:PSEXESVC");
    assert_eq!(admin.verdict, "likely-admin");
    assert_eq!(admin.edges.len(), 1);
    assert_eq!(
        (admin.edges[0].from.as_str(), admin.edges[0].to.as_str()),
        ("ADMIN-PC-01", "WS-LAB-07")
    );
    let worm_hosts: Vec<&str> = out.spread.clusters[0]
        .hosts
        .iter()
        .map(|h| h.host.as_str())
        .collect();
    for benign in ["WS-LAB-07", "ADMIN-PC-01", "DC-01"] {
        assert!(
            !worm_hosts.contains(&benign),
            "{benign} is not part of the worm"
        );
    }
}

#[test]
fn accounts_to_reset_and_review() {
    let out = outcome();
    assert_eq!(
        names(&out.accounts.reset),
        [
            "CLINIC\\alice",
            "CLINIC\\bob.nurse",
            "CLINIC\\it.helpdesk",
            "CLINIC\\radiology.tech",
            "CLINIC\\svc_backup"
        ]
    );
    assert_eq!(
        names(&out.accounts.review),
        ["CLINIC\\carol", "CLINIC\\dave"]
    );
    let alice = &out.accounts.reset[0];
    // Her 08:05 logon predates the infection; the 09:30 unlock does not.
    assert_eq!(alice.logon_types, ["7"]);
    assert_eq!(alice.hosts, ["WS-RECEPTION-01"]);
    assert_eq!(alice.evidence.len(), 1);
    assert_eq!(
        alice.evidence[0].time.to_rfc3339().get(..16),
        Some("2026-03-02T09:30")
    );
    let helpdesk = &out.accounts.reset[2];
    assert_eq!(helpdesk.logon_types, ["explicit"]);
}

#[test]
fn findings_cover_recon_fan_out_and_hops() {
    let out = outcome();
    let count = |a: &str| out.findings.iter().filter(|f| f.analytic == a).count();
    assert_eq!(count("remote-execution"), 6);
    assert_eq!(count("recon-burst"), 6);
    assert_eq!(count("smb-fan-out"), 1);
    let fan = out
        .findings
        .iter()
        .find(|f| f.analytic == "smb-fan-out")
        .expect("fan-out");
    assert_eq!(fan.host, "FS-01");
    assert_eq!(
        fan.details["peers"],
        serde_json::json!([
            "DC-01",
            "KIOSK-CONSENT-01",
            "MRI-CONSOLE-01",
            "WS-LAB-07",
            "XRAY-PC-02"
        ])
    );
    assert_eq!(fan.details["failed_peers"], serde_json::json!(2));
    // No burst from the admin's two hand-typed commands, nor from the real WMI binaries.
    let recon_hosts: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "recon-burst")
        .map(|f| f.host.as_str())
        .collect();
    assert!(!recon_hosts.contains(&"ADMIN-PC-01"));
    // Clinical devices have only 4688: the burst is keyed on the implant's PID there.
    let mri = out
        .findings
        .iter()
        .find(|f| f.analytic == "recon-burst" && f.host == "MRI-CONSOLE-01")
        .expect("recon on the MRI console");
    assert_eq!(
        mri.details["parent_image"],
        serde_json::json!("C:\\Windows\\System32\\wmiapsvrce.exe")
    );
    assert_eq!(mri.details["distinct_commands"], serde_json::json!(12));
    let hop = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution" && f.host == "FS-01")
        .expect("hop");
    assert_eq!(hop.level, ward_event::Level::Critical);
    let admin = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution" && f.host == "WS-LAB-07")
        .expect("psexec");
    assert_eq!(admin.level, ward_event::Level::Low);
}

#[test]
fn ct_scanner_joins_the_worm_by_network_evidence() {
    let out = outcome();
    let worm = &out.spread.clusters[0];
    let ct = worm
        .hosts
        .iter()
        .find(|h| h.host == "CT-SCANNER-01")
        .expect("the CT console is in the worm cluster");
    assert!(ct.clinical);
    assert_eq!(ct.role.as_deref(), Some("ct-console"));
    // The assets file has no address for it: Zeek's DHCP lease named 10.20.5.40.
    assert_eq!(ct.ips, ["10.20.5.40"]);
    assert_eq!(ct.fqdn, None);
    // Infected at the SMB contact from FS-01, not at its first call-out.
    // (Zeek's epoch-seconds stamps carry sub-microsecond float noise: compare to the second.)
    assert_eq!(
        ct.infected_at
            .map(|t| t.to_rfc3339())
            .as_deref()
            .and_then(|s| s.get(..19)),
        Some("2026-03-02T10:03:29")
    );
    assert_eq!(ct.evidence_count, 7);
    let edge = worm
        .edges
        .iter()
        .find(|e| e.to == "CT-SCANNER-01")
        .expect("edge");
    let kinds: Vec<(&str, &str)> = edge
        .evidence
        .iter()
        .map(|e| (e.kind.as_str(), e.summary.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "zeek/conn",
                "FS-01 (10.20.0.10) → CT-SCANNER-01 (10.20.5.40):445 SMB"
            ),
            (
                "squid/proxy",
                "GET 198.51.100.23/groupmgr/index.php?q=PUAdeErTKhP4wgMStUR6ZzW_s4NR5dGYsKLFQomO"
            ),
        ]
    );
    // FS-01 reached WS-LAB-07 and DC-01 over SMB too, but neither called out afterwards.
    for clean in ["WS-LAB-07", "DC-01"] {
        assert!(worm.hosts.iter().all(|h| h.host != clean), "{clean}");
    }
    let spread: Vec<(&str, ward_event::Level)> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "network-spread")
        .map(|f| (f.host.as_str(), f.level))
        .collect();
    assert_eq!(spread, [("CT-SCANNER-01", ward_event::Level::Critical)]);
}

#[test]
fn network_findings_name_the_infected_hosts() {
    let dir = common::demo_dir();
    let assets = Assets::from_csv_reader(File::open(dir.join("assets.csv")).expect("assets.csv"))
        .expect("valid assets");
    let events = common::read_events(&[dir]);
    let out = common::analyze(&events, assets);
    let mut network = ward_analytics::network::NetworkAnalyzer::new(Default::default());
    for e in &events {
        if let Some(f) = ward_analytics::network::extract(e) {
            network.feed(&f);
        }
    }
    let mut findings = network.finish();
    out.addresses.name_findings(&mut findings);
    // The daily C2 of the seven infected hosts, and nothing from PACS or Windows Update traffic.
    let infected = [
        ("CT-SCANNER-01", "10.20.5.40"),
        ("FS-01", "10.20.0.10"),
        ("KIOSK-CONSENT-01", "10.20.3.40"),
        ("MRI-CONSOLE-01", "10.20.5.21"),
        ("WS-NURSE-03", "10.20.1.23"),
        ("WS-RECEPTION-01", "10.20.1.15"),
        ("XRAY-PC-02", "10.20.5.34"),
    ];
    for analytic in ["beacon", "encoded-query", "http-ip-literal"] {
        let mut hosts: Vec<(&str, &str)> = findings
            .iter()
            .filter(|f| f.analytic == analytic)
            .map(|f| (f.host.as_str(), f.details["host_ip"].as_str().unwrap_or("")))
            .collect();
        hosts.sort();
        assert_eq!(hosts, infected, "{analytic}");
    }
    assert_eq!(findings.len(), 21);
    let ct = findings
        .iter()
        .find(|f| f.analytic == "http-ip-literal" && f.host == "CT-SCANNER-01")
        .expect("CT call-outs");
    assert_eq!(
        ct.title,
        "CT-SCANNER-01 (10.20.5.40) made 6 HTTP request(s) to IP literal 198.51.100.23"
    );
}
