//! A small outbreak for the sink tests: 5 hosts, 4 hops, 2 accounts, as analytics would build it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use ward_analytics::Case;
use ward_analytics::case::*;
use ward_event::{FieldList, Level, Timestamp, Value};

/// `2024-03-01T<hh:mm>:00Z`.
pub fn at(hm: &str) -> Timestamp {
    Timestamp::parse(&format!("2024-03-01T{hm}:00Z")).expect("valid test time")
}

pub fn evidence(hm: &str, host: &str, kind: &str, summary: &str, record: u64) -> Evidence {
    Evidence {
        time: at(hm),
        host: host.into(),
        file: format!("logs/{}.evtx", host.to_lowercase()),
        position: record,
        record_id: Some(record),
        kind: kind.into(),
        summary: summary.into(),
    }
}

fn host(name: &str, hm: &str, role: &str, clinical: bool, evidence_count: usize) -> ClusterHost {
    ClusterHost {
        host: name.into(),
        fqdn: Some(format!("{}.clinic.local", name.to_lowercase())),
        ips: vec![],
        infected_at: Some(at(hm)),
        role: Some(role.into()),
        clinical,
        evidence_count,
    }
}

fn hop(from: &str, to: &str, hm: &str, account: &str) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        time: Some(at(hm)),
        account: Some(account.into()),
        channel: Default::default(),
        source_resolved: None,
        evidence: vec![evidence(
            hm,
            to,
            "7045",
            &format!("service WmiApSrvEx installed from {from}"),
            100,
        )],
    }
}

pub fn detection(
    hm: &str,
    host: &str,
    rule: &str,
    title: &str,
    level: Level,
    record: u64,
) -> Detection {
    let mut fields = FieldList::default();
    fields.push("EventID", Value::Int(7045));
    fields.push("ServiceName", Value::from("WmiApSrvEx"));
    Detection {
        time: at(hm),
        host: host.into(),
        rule_id: rule.into(),
        title: title.into(),
        level,
        kind: "rule".into(),
        source: "System".into(),
        event_id: Some(7045),
        record_id: Some(record),
        file: format!("logs/{}.evtx", host.to_lowercase()),
        position: record,
        tags: vec!["attack.lateral_movement".into()],
        fields,
    }
}

/// The sample outbreak: FS-01 infects WS-07, which infects MRI-01 and CT-02; CT-02 infects PACS-01.
pub fn outbreak() -> Case {
    let mut case = Case::new("0.1.0", at("12:00"));
    case.inputs = InputSummary {
        files: vec![
            FileSummary {
                path: "logs/fs-01.evtx".into(),
                format: "evtx".into(),
                events: 1200,
                ..Default::default()
            },
            FileSummary {
                path: "logs/ws-07.evtx".into(),
                format: "evtx".into(),
                events: 800,
                bad_records: 2,
                errors: vec![InputError {
                    position: 57,
                    unit: "record".into(),
                    message: "bad chunk checksum".into(),
                }],
            },
        ],
        events: 2000,
        bad_records: 2,
        unrecognised: vec!["logs/README.txt".into()],
    };
    case.rules = RuleSummary {
        loaded: 120,
        skipped: 3,
        skipped_by_reason: BTreeMap::from([("unsupported modifier".into(), 3)]),
        ..Default::default()
    };
    case.detections = vec![
        detection(
            "08:05",
            "FS-01",
            "kw-1",
            "Kwampirs service installed",
            Level::Critical,
            11,
        ),
        detection(
            "09:10",
            "WS-07",
            "kw-1",
            "Kwampirs service installed",
            Level::Critical,
            21,
        ),
        detection(
            "09:40",
            "WS-07",
            "recon-1",
            "Network share discovery",
            Level::Medium,
            22,
        ),
        detection(
            "10:20",
            "MRI-01",
            "kw-1",
            "Kwampirs service installed",
            Level::Critical,
            31,
        ),
        detection(
            "10:25",
            "CT-02",
            "kw-1",
            "Kwampirs service installed",
            Level::Critical,
            41,
        ),
        detection(
            "11:30",
            "PACS-01",
            "kw-1",
            "Kwampirs service installed",
            Level::Critical,
            51,
        ),
    ]
    .into();
    case.findings = vec![
        Finding {
            analytic: ward_analytics::Analytic::RemoteExecution,
            title: "Service installed over the network".into(),
            level: Level::High,
            host: "WS-07".into(),
            first_seen: at("09:10"),
            last_seen: at("09:10"),
            summary: "FS-01 installed WmiApSrvEx on WS-07 as CLINIC\\svc-backup".into(),
            details: BTreeMap::from([("service".into(), serde_json::json!("WmiApSrvEx"))]),
            evidence: vec![evidence(
                "09:10",
                "WS-07",
                "7045",
                "service WmiApSrvEx installed",
                21,
            )],
        },
        Finding {
            analytic: ward_analytics::Analytic::Beacon,
            title: "Regular outbound connections".into(),
            level: Level::Medium,
            host: "WS-07".into(),
            first_seen: at("09:30"),
            last_seen: at("11:50"),
            summary: "WS-07 contacted 203.0.113.9:443 every 300 s".into(),
            details: BTreeMap::from([
                ("interval_secs".into(), serde_json::json!(300)),
                ("score".into(), serde_json::json!(0.91)),
                ("connections".into(), serde_json::json!(28)),
                ("destination".into(), serde_json::json!("203.0.113.9:443")),
                ("coverage".into(), serde_json::json!(0.97)),
            ]),
            evidence: vec![],
        },
    ];
    case.spread.clusters = vec![Cluster {
        id: "C1".into(),
        artefact: "service:WmiApSrvEx".into(),
        verdict: Verdict::Worm,
        reasons: vec!["same service installed on 5 hosts within 4 hours".into()],
        score: VerdictScore { worm: 5, admin: 1 },
        signals: Vec::new(),
        patient_zero: Some("FS-01".into()),
        hosts: vec![
            host("FS-01", "08:05", "file-server", false, 4),
            host("WS-07", "09:10", "workstation", false, 6),
            host("MRI-01", "10:20", "mri-console", true, 3),
            host("CT-02", "10:25", "ct-console", true, 3),
            host("PACS-01", "11:30", "pacs", false, 2),
        ],
        edges: vec![
            hop("FS-01", "WS-07", "09:10", "CLINIC\\svc-backup"),
            hop("WS-07", "MRI-01", "10:20", "CLINIC\\svc-backup"),
            hop("WS-07", "CT-02", "10:25", "CLINIC\\svc-backup"),
            hop("CT-02", "PACS-01", "11:30", "CLINIC\\jdoe"),
        ],
        failed_attempts: vec![FailedAttempt {
            from: "WS-07".into(),
            to: "LAB-03".into(),
            time: Some(at("10:30")),
        }],
    }];
    case.accounts = Accounts {
        reset: vec![AccountEntry {
            account: "CLINIC\\svc-backup".into(),
            hosts: vec!["WS-07".into(), "MRI-01".into(), "CT-02".into()],
            logon_types: vec!["3".into(), "hop".into()],
            evidence: vec![evidence(
                "09:09",
                "WS-07",
                "4624",
                "logon type 3 from FS-01",
                20,
            )],
        }],
        review: vec![AccountEntry {
            account: "CLINIC\\jdoe".into(),
            hosts: vec!["PACS-01".into()],
            logon_types: vec!["hop".into()],
            evidence: vec![evidence(
                "11:29",
                "PACS-01",
                "4624",
                "logon type 3 from CT-02",
                50,
            )],
        }],
        reset_if_confirmed: Vec::new(),
    };
    case.readiness = Some(Readiness {
        score: 40,
        checks: vec![
            ReadinessCheck {
                id: "password-quality".into(),
                title: "Strong, unreused passwords".into(),
                status: ward_analytics::case::CheckStatus::Fail,
                severity: Level::High,
                summary: "3 accounts share one password".into(),
                evidence: vec![
                    "CLINIC\\svc-backup, CLINIC\\alice, CLINIC\\bob share one NT hash".into(),
                ],
                remediation: "Give every account its own long passphrase".into(),
            },
            ReadinessCheck {
                id: "admin-daily-use".into(),
                title: "No administrator accounts for daily work".into(),
                status: ward_analytics::case::CheckStatus::Pass,
                severity: Level::High,
                summary: "No interactive logon by a domain administrator".into(),
                evidence: vec!["0 interactive logons by Domain Admins members".into()],
                remediation: "Give administrators a separate daily account".into(),
            },
            ReadinessCheck {
                id: "av-realtime".into(),
                title: "Anti-virus real-time protection on".into(),
                status: ward_analytics::case::CheckStatus::Unknown,
                severity: Level::Medium,
                summary: "No Defender events: supply the Defender Operational log".into(),
                evidence: vec![],
                remediation: "Keep real-time protection on".into(),
            },
        ],
    });
    case
}

/// A network finding from `analytic` on `host` with these `details`.
pub fn network_finding(
    analytic: &str,
    host: &str,
    hm: &str,
    details: serde_json::Value,
) -> Finding {
    Finding {
        analytic: ward_analytics::Analytic::from_name(analytic).expect("a known analytic"),
        title: format!("{analytic} from {host}"),
        level: Level::High,
        host: host.into(),
        first_seen: at(hm),
        last_seen: at(hm),
        summary: format!("{host} did {analytic}"),
        details: serde_json::from_value(details).expect("details object"),
        evidence: vec![Evidence {
            kind: "zeek/conn".into(),
            ..evidence(hm, host, "zeek/conn", &format!("{host} conn"), 0)
        }],
    }
}

/// The sample outbreak with a scan, an SMB fan-out, an IP-literal request and a finding from an
/// analytic the network table does not list (`scan`), beside its beacon.
pub fn outbreak_with_network() -> Case {
    let mut case = outbreak();
    case.findings.extend([
        network_finding(
            "scan-vertical",
            "WS-07",
            "09:20",
            serde_json::json!({"distinct_ports": 1000, "failed": 990, "destination": "10.0.0.5"}),
        ),
        network_finding(
            "scan-horizontal",
            "WS-07",
            "09:25",
            serde_json::json!({"distinct_destinations": 254, "port": 445, "failed": 240}),
        ),
        network_finding(
            "smb-fan-out",
            "WS-07",
            "09:26",
            serde_json::json!({"peer_count": 12, "failed_peers": 3}),
        ),
        network_finding(
            "http-ip-literal",
            "CT-02",
            "10:40",
            serde_json::json!({"destination": "198.51.100.7", "count": 4}),
        ),
        network_finding(
            "recon-burst",
            "PACS-01",
            "11:40",
            serde_json::json!({"failed": 7}),
        ),
    ]);
    case.findings.sort_by_key(|f| f.first_seen);
    case
}
