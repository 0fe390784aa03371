//! The checks over real logs from ../shared/data, read with ward-ingest. Figures were taken
//! from the logs themselves (record numbers, host names, counts) and checked by hand.

mod common;
use common::*;
use std::path::Path;
use ward_audit::Readiness;

const REDSUN: &str = "sigma/regression_data/rules-emerging-threats/2026/Exploits/RedSun/win_defender_exploit_redsun_tiering_engine_detected_as_eicar/a7c3e5f2-8b1d-4e9a-b6c2-3d7f5e8a9b4c";

fn audit(root: &Path, paths: &[&str]) -> Readiness {
    let mut a = auditor();
    let mut events = 0;
    for p in paths {
        for f in ward_ingest::discover(&[root.join(p)]).unwrap() {
            ward_ingest::read_path(&f, &mut |e| {
                events += 1;
                a.feed_event(&e)
            });
        }
    }
    assert!(events > 0, "no events read from {paths:?}");
    a.finish()
}

#[test]
fn system_log_shows_failed_updates_old_windows_and_a_cleared_sysmon_log() {
    let Some(root) = shared() else { return };
    let r = audit(&root, &["evtx-crate/samples/system.evtx"]);
    let wu = check(&r, "windows-update");
    assert_eq!(wu.status, "fail");
    // Five WindowsUpdateClient 20s (the two Kernel-Boot 20s in the same log are not failures).
    assert!(
        has_line(
            wu,
            &[
                "DESKTOP-2KGM189: 5 failures (ids 20) 2017-07-23 to 2017-12-18, e.g. 2017-07 Cumulative Update for Windows 10 Version 1703",
                "system.evtx:561"
            ]
        ),
        "{:#?}",
        wu.evidence
    );
    let os = check(&r, "os-end-of-support");
    assert_eq!(os.summary, "2 hosts of 2 run an OS past end of support.");
    assert!(has_line(
        os,
        &["DESKTOP-2KGM189: Windows 10.0.15063 (Windows 10) support ended 2019-10-08"]
    ));
    assert!(has_line(os, &["WIN-P4SIAA0SQCO: Windows 10.0.15063"]));
    let cl = check(&r, "log-cleared");
    assert_eq!(cl.status, "fail");
    assert!(has_line(
        cl,
        &[
            "DESKTOP-2KGM189: Microsoft-Windows-Sysmon/Operational log cleared (System 104) by tony, 2 times, first 2017-12-26",
            "system.evtx:1847"
        ]
    ));
    assert_eq!(check(&r, "log-continuity").status, "pass");
}

#[test]
fn defender_failed_to_remove_a_threat_in_evtx_and_json_alike() {
    let Some(root) = shared() else { return };
    for ext in ["evtx", "json"] {
        let r = audit(&root, &[&format!("{REDSUN}.{ext}")]);
        let det = check(&r, "av-detections");
        assert_eq!(det.status, "fail", "{ext}");
        assert_eq!(det.summary, "1 of 1 detected threats not remediated.");
        assert!(
            has_line(
                det,
                &[
                    "SWACHCHHANDA: Tool:Win32/EICAR_Test_File action failed (1118/1119) 2026-04-17 with no later remediation (1117)"
                ]
            ),
            "{ext}: {:#?}",
            det.evidence
        );
        assert_eq!(check(&r, "av-realtime").status, "pass", "{ext}");
    }
}

#[test]
fn attack_logs_show_cleared_security_logs_and_coverage_gaps() {
    let Some(root) = shared() else { return };
    let r = audit(&root, &["evtx-to-mitre/EVTX_full_APT_attack_steps"]);
    let cl = check(&r, "log-cleared");
    assert_eq!(cl.status, "fail");
    assert!(has_line(
        cl,
        &["FS03VULN: Security log cleared (1102) by admmig, 2 times, first 2021-04-22"]
    ));
    assert!(has_line(
        cl,
        &["SRVDEFENDER01: Security log cleared (1102) by admmig, 1 time, first 2021-04-26"]
    ));
    let cov = check(&r, "monitoring-coverage");
    assert_eq!(
        cov.summary,
        "4 of 5 Windows hosts cannot see part of a worm's spread."
    );
    assert!(has_line(
        cov,
        &["FS03VULN: covered (Microsoft-Windows-Sysmon/Operational, Security)"]
    ));
    assert!(has_line(
        cov,
        &["FS03: no share access auditing (5140/5145); no Sysmon"]
    ));
    // Logons and processes were logged, and no privileged account browsed or logged on to a
    // workstation interactively.
    assert_eq!(check(&r, "admin-daily-use").status, "pass");
}

#[test]
fn local_admins_logging_on_interactively_are_named() {
    let Some(root) = shared() else { return };
    let r = audit(&root, &["evtx-crate/samples/security.evtx"]);
    let c = check(&r, "admin-daily-use");
    assert_eq!(c.status, "fail");
    assert!(
        has_line(
            c,
            &[
                "WIN-03DLIIOFRRA\\fsir (special privileges at logon (4672)) logged on interactively to workstation WIN-03DLIIOFRRA [type 2]: 80 times, first 2016-07-08"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    assert!(has_line(c, &["WIN-03DLIIOFRRA\\archir", "4 times"]));
}

#[test]
fn windows_10_1507_hosts_are_past_support() {
    let Some(root) = shared() else { return };
    let r = audit(
        &root,
        &["evtx-crate/samples/sample-with-zero-data-size-event.evtx"],
    );
    let os = check(&r, "os-end-of-support");
    assert_eq!(os.summary, "4 hosts of 4 run an OS past end of support.");
    assert!(has_line(
        os,
        &["W10-1507-LTSB: Windows 10.0.10240 (Windows 10) support ended 2025-10-14"]
    ));
}

#[test]
fn a_listed_admin_browsing_through_squid_is_named() {
    let Some(root) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let admins = dir.path().join("admins.txt");
    std::fs::write(&admins, "# ward admins\nbadeyek\n").unwrap();
    let mut a = auditor();
    a.add_file(&admins).unwrap();
    let log = root.join("elastic-fw-samples/squid/access1.log");
    ward_ingest::read_path(&log, &mut |e| a.feed_event(&e));
    assert_eq!(a.inputs().proxy_events, 60);
    let r = a.finish();
    let c = check(&r, "admin-daily-use");
    assert_eq!(c.status, "fail");
    assert_eq!(
        c.summary,
        "1 privileged account of 1 used for day-to-day work."
    );
    // 26 of the 60 requests are badeyek's; adeolaegbedokun and nazsoau are not admins.
    assert!(
        has_line(
            c,
            &[
                "badeyek (listed in",
                "browsed the web through the proxy [",
                "]: 26 times, first 2006-09-08"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    assert!(!has_line(c, &["adeolaegbedokun"]));
}

#[test]
fn the_readiness_does_not_depend_on_reading_order() {
    let Some(root) = shared() else { return };
    let mut events = Vec::new();
    let paths = [
        "evtx-to-mitre/EVTX_full_APT_attack_steps",
        "evtx-crate/samples/system.evtx",
        "evtx-crate/samples/security.evtx",
        "elastic-fw-samples/squid/access1.log",
        REDSUN,
    ];
    for p in paths {
        let p = if p == REDSUN {
            root.join(format!("{REDSUN}.evtx"))
        } else {
            root.join(p)
        };
        for f in ward_ingest::discover(&[p]).unwrap() {
            ward_ingest::read_path(&f, &mut |e| events.push(e));
        }
    }
    assert!(events.len() > 2000, "{} events", events.len());
    let judge = |order: &mut dyn Iterator<Item = &ward_event::Event>| {
        let mut a = auditor();
        order.for_each(|e| a.feed_event(e));
        serde_json::to_string(&a.finish()).unwrap()
    };
    let forward = judge(&mut events.iter());
    let backward = judge(&mut events.iter().rev());
    assert_eq!(forward, backward);
    assert!(forward.contains("\"status\":\"fail\""));
}
