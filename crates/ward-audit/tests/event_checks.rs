//! Checks judged from hand-made events: what each event teaches the audit, and the verdict.

mod common;
use common::*;

const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";
const DEF_PROVIDER: &str = "Microsoft-Windows-Windows Defender";

#[test]
fn admins_on_workstations_mail_and_web_fail_but_server_logons_do_not() {
    let mut a = auditor();
    // adm-jo is privileged by 4672; the domain admin added by SID is only known through 4728.
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "WS-042",
        4672,
        1,
        &[
            ("SubjectUserName", "adm-jo"),
            ("SubjectDomainName", "CLINIC"),
        ],
    ));
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "WS-042",
        4624,
        2,
        &[
            ("TargetUserName", "adm-jo"),
            ("TargetDomainName", "CLINIC"),
            ("LogonType", "10"),
        ],
    ));
    a.feed_event(&sec(
        "2026-11-02T08:01:00Z",
        "CLINIC-DC01",
        4624,
        3,
        &[
            ("TargetUserName", "adm-jo"),
            ("TargetDomainName", "CLINIC"),
            ("LogonType", "10"),
        ],
    ));
    a.feed_event(&sec(
        "2026-11-02T08:02:00Z",
        "WS-042",
        4688,
        4,
        &[
            ("SubjectUserName", "adm-jo"),
            ("SubjectDomainName", "CLINIC"),
            (
                "NewProcessName",
                "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
            ),
        ],
    ));
    a.feed_event(&sec(
        "2026-11-01T07:00:00Z",
        "CLINIC-DC01",
        4728,
        5,
        &[
            ("TargetUserName", "Domain Admins"),
            ("MemberName", "CN=Kim Park,OU=Staff,DC=clinic,DC=local"),
            ("MemberSid", "S-1-5-21-1-2-3-1201"),
        ],
    ));
    a.feed_event(&sec(
        "2026-11-03T09:00:00Z",
        "WS-007",
        4624,
        6,
        &[
            ("TargetUserName", "kpark"),
            ("TargetDomainName", "CLINIC"),
            ("TargetUserSid", "S-1-5-21-1-2-3-1201"),
            ("LogonType", "2"),
        ],
    ));
    // An ordinary user on a workstation, and a network logon by the admin: neither counts.
    a.feed_event(&sec(
        "2026-11-03T09:00:00Z",
        "WS-007",
        4624,
        7,
        &[("TargetUserName", "drlee"), ("LogonType", "2")],
    ));
    a.feed_event(&sec(
        "2026-11-03T09:00:00Z",
        "WS-008",
        4624,
        8,
        &[("TargetUserName", "adm-jo"), ("LogonType", "3")],
    ));
    let mut sysmon = win(
        "2026-11-03T09:10:00Z",
        "WS-009",
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        1,
        1,
        &[
            ("User", "CLINIC\\backup-admin"),
            (
                "Image",
                "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            ),
        ],
    );
    sysmon.record_id = Some(1);
    a.feed_event(&sysmon);
    a.feed_event(&proxy(
        "2026-11-03T10:00:00Z",
        "CLINIC\\adm-jo",
        "news.example.com",
    ));
    let r = a.finish();
    let c = check(&r, "admin-daily-use");
    assert_eq!(c.status, "fail", "{:#?}", c);
    assert_eq!(
        c.summary,
        "3 privileged accounts of 3 used for day-to-day work."
    );
    assert!(
        has_line(
            c,
            &[
                "CLINIC\\adm-jo (special privileges at logon (4672)) logged on interactively to workstation WS-042 [type 10]: 1 time, first 2026-11-02 at test.evtx:2"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    assert!(has_line(
        c,
        &[
            "CLINIC\\adm-jo",
            "started mail/browser programs on WS-042 [outlook.exe]"
        ]
    ));
    assert!(has_line(
        c,
        &[
            "CLINIC\\kpark (added to Domain Admins (4728)) logged on interactively to workstation WS-007 [type 2]"
        ]
    ));
    assert!(has_line(
        c,
        &[
            "CLINIC\\backup-admin (admin naming convention) started mail/browser programs on WS-009 [chrome.exe]"
        ]
    ));
    assert!(has_line(
        c,
        &[
            "adm-jo",
            "browsed the web through the proxy [news.example.com]"
        ]
    ));
    assert!(
        !has_line(c, &["CLINIC-DC01"]) && !has_line(c, &["drlee"]) && !has_line(c, &["WS-008"])
    );
}

#[test]
fn admins_that_stay_on_servers_pass() {
    let mut a = auditor();
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "SRV-FILE1",
        4672,
        1,
        &[("SubjectUserName", "adm-jo")],
    ));
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "SRV-FILE1",
        4624,
        2,
        &[("TargetUserName", "adm-jo"), ("LogonType", "10")],
    ));
    let r = a.finish();
    let c = check(&r, "admin-daily-use");
    assert_eq!(c.status, "pass");
    assert_eq!(
        c.summary,
        "1 privileged account known; none seen on workstations, in mail/browser programs or on the web."
    );
}

#[test]
fn defender_off_failed_updates_stale_signatures_and_open_detections() {
    let mut a = auditor();
    let d = |t: &str, host: &str, id: u32, rid: u64, f: &[(&str, &str)]| {
        win(t, host, DEFENDER, DEF_PROVIDER, id, rid, f)
    };
    a.feed_event(&d("2026-11-01T10:00:00Z", "WS-042", 5001, 1, &[]));
    a.feed_event(&d("2026-11-01T10:00:00Z", "WS-043", 5001, 1, &[]));
    a.feed_event(&d("2026-11-01T12:00:00Z", "WS-043", 5000, 2, &[]));
    a.feed_event(&d("2026-11-02T10:00:00Z", "WS-042", 2001, 2, &[]));
    a.feed_event(&d("2026-11-03T10:00:00Z", "WS-042", 2003, 3, &[]));
    a.feed_event(&d("2026-10-01T10:00:00Z", "WS-044", 2000, 1, &[]));
    a.feed_event(&d(
        "2026-11-20T10:00:00Z",
        "WS-044",
        1116,
        2,
        &[
            ("Threat ID", "2147519003"),
            ("Threat Name", "Trojan:Win32/Kwampirs.A"),
        ],
    ));
    a.feed_event(&d(
        "2026-11-20T10:05:00Z",
        "WS-044",
        1116,
        3,
        &[
            ("Threat ID", "17463"),
            ("Threat Name", "Tool:Win32/EICAR_Test_File"),
        ],
    ));
    a.feed_event(&d(
        "2026-11-20T10:06:00Z",
        "WS-044",
        1117,
        4,
        &[
            ("Threat ID", "17463"),
            ("Threat Name", "Tool:Win32/EICAR_Test_File"),
        ],
    ));
    let r = a.finish();
    let rt = check(&r, "av-realtime");
    assert_eq!(rt.status, "fail");
    assert_eq!(rt.summary, "Protection was switched off on 2 hosts of 3.");
    assert!(has_line(
        rt,
        &[
            "WS-042: 1 protection-off event (ids 5001)",
            "not seen turned back on"
        ]
    ));
    assert!(has_line(rt, &["WS-043:", "turned back on 2026-11-01"]));
    let sig = check(&r, "av-signatures");
    assert_eq!(sig.status, "fail");
    assert!(has_line(
        sig,
        &["WS-042: 2 update failures (ids 2001, 2003) from 2026-11-02 to 2026-11-03"]
    ));
    assert!(has_line(
        sig,
        &[
            "WS-044: last signature update 2026-10-01 is 50 days before its last Defender event (limit 7)"
        ]
    ));
    let det = check(&r, "av-detections");
    assert_eq!(det.status, "fail");
    assert_eq!(det.summary, "1 of 2 detected threats not remediated.");
    assert!(has_line(
        det,
        &["WS-044: Trojan:Win32/Kwampirs.A detected (1116) 2026-11-20"]
    ));
    assert!(!has_line(det, &["EICAR"]));
}

#[test]
fn windows_update_failures_from_both_channels() {
    let mut a = auditor();
    a.feed_event(&win(
        "2026-11-05T03:00:00Z",
        "WS-042",
        "System",
        "Microsoft-Windows-WindowsUpdateClient",
        20,
        10,
        &[
            ("updateTitle", "2026-11 Cumulative Update (KB5099999)"),
            ("errorCode", "0x80070005"),
        ],
    ));
    a.feed_event(&win(
        "2026-11-06T03:00:00Z",
        "WS-043",
        "Microsoft-Windows-WindowsUpdateClient/Operational",
        "Microsoft-Windows-WindowsUpdateClient",
        25,
        10,
        &[],
    ));
    a.feed_event(&win(
        "2026-11-06T03:00:00Z",
        "WS-044",
        "Microsoft-Windows-WindowsUpdateClient/Operational",
        "Microsoft-Windows-WindowsUpdateClient",
        19,
        10,
        &[],
    ));
    // Kernel-Boot also logs a System 20: not an update failure.
    a.feed_event(&win(
        "2026-11-06T03:00:00Z",
        "WS-044",
        "System",
        "Microsoft-Windows-Kernel-Boot",
        20,
        11,
        &[],
    ));
    let r = a.finish();
    let c = check(&r, "windows-update");
    assert_eq!(c.status, "fail");
    assert_eq!(c.summary, "Updates failed on 2 hosts of 3.");
    assert!(has_line(
        c,
        &[
            "WS-042: 1 failure (ids 20) 2026-11-05 to 2026-11-05, e.g. 2026-11 Cumulative Update (KB5099999)"
        ]
    ));
    assert!(has_line(c, &["WS-043: 1 failure (ids 25)"]));
}

#[test]
fn boot_events_give_os_versions_past_support() {
    let mut a = auditor();
    let boot = |host: &str, kernel: &str, build: &str| {
        win(
            "2026-11-01T06:00:00Z",
            host,
            "System",
            "EventLog",
            6009,
            1,
            &[
                ("Data", kernel),
                ("Data", build),
                ("Data", "Service Pack 1"),
                ("Data", "Multiprocessor Free"),
            ],
        )
    };
    a.feed_event(&boot("MRI-CONSOLE-1", "6.01.", "7601"));
    a.feed_event(&boot("WS-042", "10.00.", "26100"));
    let r = a.finish();
    let c = check(&r, "os-end-of-support");
    assert_eq!(c.status, "fail");
    assert_eq!(c.summary, "1 host of 2 run an OS past end of support.");
    assert!(
        has_line(
            c,
            &[
                "MRI-CONSOLE-1: Windows 6.1.7601 (Windows 7 / Windows Server 2008 R2) support ended 2020-01-14 [System 6009 on 2026-11-01"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    assert!(has_line(
        c,
        &["WS-042: Windows 10.0.26100 (Windows 11) supported until 2027-10-12"]
    ));
}

#[test]
fn coverage_gaps_log_clearing_and_record_gaps() {
    let mut a = auditor();
    // WS-042: full coverage.
    a.feed_event(&sec("2026-11-01T10:00:00Z", "WS-042", 5145, 1, &[]));
    a.feed_event(&sec(
        "2026-11-01T10:00:01Z",
        "WS-042",
        4688,
        2,
        &[("CommandLine", "cmd.exe /c whoami")],
    ));
    a.feed_event(&win(
        "2026-11-01T10:00:01Z",
        "WS-042",
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        1,
        1,
        &[],
    ));
    // WS-043: 4688 without command lines, no share auditing, no Sysmon; cleared; ids jump.
    a.feed_event(&sec("2026-11-01T10:00:00Z", "WS-043", 4688, 100, &[]));
    a.feed_event(&sec(
        "2026-11-01T11:00:00Z",
        "WS-043",
        1102,
        101,
        &[("SubjectUserName", "adm-jo")],
    ));
    a.feed_event(&sec("2026-11-01T12:00:00Z", "WS-043", 4688, 150, &[]));
    a.feed_event(&win(
        "2026-11-01T12:00:00Z",
        "WS-043",
        "System",
        "Microsoft-Windows-Eventlog",
        104,
        7,
        &[("Channel", "Microsoft-Windows-Sysmon/Operational")],
    ));
    let r = a.finish();
    let cov = check(&r, "monitoring-coverage");
    assert_eq!(cov.status, "fail");
    assert_eq!(
        cov.summary,
        "1 of 2 Windows hosts cannot see part of a worm's spread."
    );
    assert!(has_line(cov, &["WS-042: covered"]));
    assert!(has_line(
        cov,
        &["WS-043: no share access auditing (5140/5145); 4688 without command lines; no Sysmon"]
    ));
    let cl = check(&r, "log-cleared");
    assert_eq!(cl.status, "fail");
    assert!(has_line(
        cl,
        &[
            "WS-043: Security log cleared (1102) by adm-jo, 1 time, first 2026-11-01 at test.evtx:101"
        ]
    ));
    assert!(
        has_line(
            cl,
            &["WS-043: Microsoft-Windows-Sysmon/Operational log cleared (System 104)"]
        ),
        "{:#?}",
        cl.evidence
    );
    let gaps = check(&r, "log-continuity");
    assert_eq!(gaps.status, "fail");
    assert_eq!(
        gaps.evidence,
        vec!["WS-043 Security: 1 gap (48 records missing) among 3 read".to_string()]
    );
}

#[test]
fn score_weighs_decided_checks_by_severity() {
    // Nothing given: every check unknown, score 0.
    let r = auditor().finish();
    assert_eq!(r.checks.len(), 12);
    assert!(
        r.checks
            .iter()
            .all(|c| c.status == "unknown" && !c.summary.is_empty())
    );
    assert_eq!(r.score, 0);
    // One passing high check (admin-daily-use) and one failing medium (monitoring-coverage, no Sysmon etc.),
    // plus log-cleared pass (high) and log-continuity pass (medium): (3 + 3 + 2) / (3 + 2 + 3 + 2) = 80.
    let mut a = auditor();
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "SRV-FILE1",
        4672,
        1,
        &[("SubjectUserName", "adm-jo")],
    ));
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        "SRV-FILE1",
        4624,
        2,
        &[("TargetUserName", "adm-jo"), ("LogonType", "10")],
    ));
    let r = a.finish();
    let decided: Vec<(&str, &str)> = r
        .checks
        .iter()
        .filter(|c| c.status != "unknown")
        .map(|c| (c.id.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        decided,
        vec![
            ("admin-daily-use", "pass"),
            ("monitoring-coverage", "fail"),
            ("log-cleared", "pass"),
            ("log-continuity", "pass")
        ]
    );
    assert_eq!(r.score, 80);
}

#[test]
fn sysmon_process_events_cover_for_4688_and_admin_workstations_are_allowed() {
    let mut a = auditor();
    let sysmon = |host: &str, rid: u64| {
        win(
            "2026-11-01T10:00:00Z",
            host,
            "Microsoft-Windows-Sysmon/Operational",
            "Microsoft-Windows-Sysmon",
            1,
            rid,
            &[],
        )
    };
    // WS-050: share auditing and Sysmon 1, no 4688 at all: nothing missing.
    a.feed_event(&sec("2026-11-01T10:00:00Z", "WS-050", 5140, 1, &[]));
    a.feed_event(&sysmon("WS-050", 1));
    // WS-051: Sysmon channel present but only network events (3), no 4688 either.
    a.feed_event(&sec("2026-11-01T10:00:00Z", "WS-051", 5140, 1, &[]));
    a.feed_event(&win(
        "2026-11-01T10:00:00Z",
        "WS-051",
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        3,
        1,
        &[],
    ));
    // An admin on a dedicated admin workstation and a jump host: where admin logons belong.
    a.feed_event(&sec(
        "2026-11-01T10:00:00Z",
        "PAW-01",
        4624,
        2,
        &[("TargetUserName", "adm-jo"), ("LogonType", "2")],
    ));
    a.feed_event(&sec(
        "2026-11-01T10:00:00Z",
        "CLINIC-JUMP-2",
        4624,
        2,
        &[("TargetUserName", "adm-jo"), ("LogonType", "10")],
    ));
    let r = a.finish();
    let cov = check(&r, "monitoring-coverage");
    assert!(has_line(cov, &["WS-050: covered"]), "{:#?}", cov.evidence);
    assert!(
        has_line(
            cov,
            &["WS-051: no process creation (4688 or Sysmon 1) — logs:"]
        ),
        "{:#?}",
        cov.evidence
    );
    assert!(has_line(
        cov,
        &[
            "PAW-01: no share access auditing (5140/5145); no process creation (4688 or Sysmon 1); no Sysmon"
        ]
    ));
    let adm = check(&r, "admin-daily-use");
    assert_eq!(adm.status, "pass", "{:#?}", adm.evidence);
}
