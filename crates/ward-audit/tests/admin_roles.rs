//! `admin-daily-use` with an assets file: an admin's logons to servers are administration, the
//! same admin on a workstation, kiosk or clinical device (or on the web) is day-to-day use.

mod common;
use common::*;
use ward_audit::{Assets, Auditor, ReadinessCheck};

/// Host names here match none of the default server or admin-workstation name patterns, so only
/// the roles decide.
const ASSETS: &str = "hostname,ip,role,clinical
NAS-CLIN-1,10.1.0.5,file-server,false
CORP-AD-1,10.1.0.2,domain-controller,false
WS-101,10.2.0.101,workstation,false
MRI-01,10.3.0.7,mri-console,true
";

fn auditor_with(assets: &str) -> Auditor {
    let mut a = auditor();
    a.set_assets(Assets::from_csv_reader(assets.as_bytes()).unwrap());
    a
}

/// `CLINIC\adm-jones` logs on to `host` with `logon_type` (2 console, 10 RDP).
fn logon(a: &mut Auditor, host: &str, logon_type: &str, rid: u64) {
    a.feed_event(&sec(
        "2026-11-02T08:00:00Z",
        host,
        4624,
        rid,
        &[
            ("TargetUserName", "adm-jones"),
            ("TargetDomainName", "CLINIC"),
            ("LogonType", logon_type),
        ],
    ));
}

fn judged(a: Auditor) -> ReadinessCheck {
    check(&a.finish(), "admin-daily-use").clone()
}

#[test]
fn rdp_to_a_file_server_and_a_domain_controller_is_administration() {
    let mut a = auditor_with(ASSETS);
    logon(&mut a, "NAS-CLIN-1", "10", 1);
    logon(&mut a, "CORP-AD-1", "10", 2);
    let c = judged(a);
    assert_eq!(c.status, "pass", "{c:#?}");
    assert_eq!(
        c.summary,
        "1 privileged account known; none seen on workstations, in mail/browser programs or on the web."
    );
    // Considered, and said so, but not counted.
    assert_eq!(
        c.evidence,
        vec!["administration (not counted): CLINIC\\adm-jones RDP to 2 servers"]
    );
}

#[test]
fn the_same_admin_on_a_workstation_or_a_clinical_device_fails() {
    let mut a = auditor_with(ASSETS);
    logon(&mut a, "NAS-CLIN-1", "10", 1);
    logon(&mut a, "WS-101", "2", 2);
    logon(&mut a, "MRI-01", "2", 3);
    let c = judged(a);
    assert_eq!(c.status, "fail", "{c:#?}");
    assert_eq!(
        c.summary,
        "1 privileged account of 1 used for day-to-day work."
    );
    assert!(
        has_line(
            &c,
            &[
                "CLINIC\\adm-jones (admin naming convention) logged on interactively to workstation WS-101 [type 2]"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    assert!(has_line(
        &c,
        &["logged on interactively to clinical device MRI-01 (mri-console) [type 2]"]
    ));
    assert!(has_line(
        &c,
        &["administration (not counted): CLINIC\\adm-jones RDP to 1 server"]
    ));
    assert!(!has_line(&c, &["NAS-CLIN-1"]));
}

#[test]
fn web_use_through_the_proxy_fails_whatever_the_logons() {
    let mut a = auditor_with(ASSETS);
    logon(&mut a, "CORP-AD-1", "10", 1);
    a.feed_event(&proxy(
        "2026-11-02T09:00:00Z",
        "CLINIC\\adm-jones",
        "news.example.com",
    ));
    let c = judged(a);
    assert_eq!(c.status, "fail", "{c:#?}");
    assert!(has_line(
        &c,
        &[
            "adm-jones",
            "browsed the web through the proxy [news.example.com]"
        ]
    ));
}

#[test]
fn roles_match_whatever_their_case_and_separators() {
    let assets = "hostname,ip,role,clinical
NAS-CLIN-1,,FILE-SERVER,
CORP-AD-1,,Domain Controller,
LOBBY-3,,KIOSK,
";
    let mut a = auditor_with(assets);
    logon(&mut a, "NAS-CLIN-1", "10", 1);
    logon(&mut a, "CORP-AD-1", "10", 2);
    logon(&mut a, "LOBBY-3", "2", 3);
    let c = judged(a);
    assert_eq!(c.status, "fail", "{c:#?}");
    assert!(has_line(
        &c,
        &["logged on interactively to kiosk LOBBY-3 [type 2]"]
    ));
    assert!(has_line(
        &c,
        &["administration (not counted): CLINIC\\adm-jones RDP to 2 servers"]
    ));
}

#[test]
fn an_assets_role_outranks_a_name_pattern_and_admin_workstations_are_allowed() {
    // FS-KIOSK-1 is named like a file server (`fs*`) but the assets file says kiosk;
    // MGMT-7 is named like nothing but is a privileged access workstation.
    let assets = "hostname,ip,role,clinical
FS-KIOSK-1,,kiosk,
MGMT-7,,paw,
";
    let mut a = auditor_with(assets);
    logon(&mut a, "FS-KIOSK-1", "2", 1);
    logon(&mut a, "MGMT-7", "2", 2);
    let c = judged(a);
    assert_eq!(c.status, "fail", "{c:#?}");
    assert!(has_line(&c, &["to kiosk FS-KIOSK-1"]));
    assert!(has_line(
        &c,
        &["administration (not counted): CLINIC\\adm-jones console logons to 1 admin workstation"]
    ));
}

#[test]
fn hosts_the_assets_file_does_not_know_are_workstations_and_counted_in_the_summary() {
    let assets = "hostname,ip,role,clinical
NAS-CLIN-1,10.1.0.5,file-server,
LAB-2,,lab-analyser,
";
    let mut a = auditor_with(assets);
    // A log that names the host by address: the assets file resolves it.
    logon(&mut a, "10.1.0.5", "10", 1);
    logon(&mut a, "WS-900", "2", 2);
    logon(&mut a, "LAB-2", "2", 3);
    // Name patterns still apply to hosts without a known role.
    logon(&mut a, "SRV-APP-4", "10", 4);
    let c = judged(a);
    assert_eq!(c.status, "fail", "{c:#?}");
    assert_eq!(
        c.summary,
        "1 privileged account of 1 used for day-to-day work; the assets file gives no known role for 2 hosts, taken as workstations."
    );
    assert!(has_line(
        &c,
        &["to workstation WS-900 (not in the assets file) [type 2]"]
    ));
    assert!(has_line(
        &c,
        &["to workstation LAB-2 (role `lab-analyser` not known to Ward) [type 2]"]
    ));
    assert!(has_line(
        &c,
        &["administration (not counted): CLINIC\\adm-jones RDP to 2 servers"]
    ));
}
