//! Each file format the audit reads, by a hand-made example, judged through the public API.

mod common;
use common::*;
use ward_audit::AuditError;

#[test]
fn heartbleed_versions_are_named_from_an_osv_feed() {
    let mut a = auditor();
    a.add_file(&data("inventory.csv")).unwrap();
    a.add_file(&data("heartbleed-osv.json")).unwrap();
    assert_eq!(a.inputs().inventory_files.len(), 1);
    assert_eq!(a.inputs().vuln_feeds.len(), 1);
    let r = a.finish();
    let c = check(&r, "patch-currency");
    assert_eq!(c.status, "fail");
    assert!(
        has_line(
            c,
            &["LAB-01: OpenSSL 1.0.1e is vulnerable to CVE-2014-0160 (fixed in 1.0.1g)"]
        ),
        "{:#?}",
        c.evidence
    );
    // 1.0.1g is the fix and 1.0.0t predates the bug: neither is called vulnerable.
    assert!(!has_line(c, &["LAB-02", "vulnerable"]));
    assert!(!has_line(c, &["LAB-03", "vulnerable"]));
    assert!(!has_line(c, &["PACS-01: OpenSSL", "vulnerable"]));
    // …but both old branches are past OpenSSL's end of support.
    assert!(has_line(
        c,
        &["LAB-03: OpenSSL 1.0.0t past end of support since 2015-12-31"]
    ));
    assert!(has_line(
        c,
        &["LAB-02: OpenSSL 1.0.1g past end of support since 2016-12-31"]
    ));
    // OS rows of the same CSV feed the OS check.
    let os = check(&r, "os-end-of-support");
    assert_eq!(os.status, "fail");
    assert!(
        has_line(
            os,
            &[
                "PACS-01",
                "Windows Server 2008 R2",
                "support ended 2020-01-14"
            ]
        ),
        "{:#?}",
        os.evidence
    );
    assert!(has_line(os, &["WS-042", "supported until 2027-01-12"]));
}

#[test]
fn kev_matches_alone_leave_patch_currency_unknown() {
    let mut a = auditor();
    a.add_file(&data("kev.json")).unwrap();
    a.add_file(&data("osquery-programs.json")).unwrap();
    let r = a.finish();
    let c = check(&r, "patch-currency");
    // Flash is past end of support (a fail) — without it, KEV's 7-Zip hit alone would be unknown.
    assert_eq!(c.status, "fail");
    assert!(has_line(
        c,
        &["Adobe Flash Player 32 ActiveX 32.0.0.465 past end of support since 2020-12-31"]
    ));

    let mut a = auditor();
    a.add_file(&data("kev.json")).unwrap();
    std::fs::write(
        std::env::temp_dir().join("ward-audit-7zip.csv"),
        "host,product,version\nWS-042,7-Zip,21.07\n",
    )
    .unwrap();
    a.add_file(&std::env::temp_dir().join("ward-audit-7zip.csv"))
        .unwrap();
    let r = a.finish();
    let c = check(&r, "patch-currency");
    assert_eq!(c.status, "unknown");
    assert!(
        c.summary
            .contains("WS-042: 7-Zip 21.07 — CISA KEV lists exploited CVE-2022-29072"),
        "{}",
        c.summary
    );
}

#[test]
fn hotfix_exports_date_each_hosts_last_patch() {
    let mut a = auditor();
    a.add_file(&data("hotfix.csv")).unwrap();
    a.add_file(&data("osquery-patches.json")).unwrap();
    let r = a.finish();
    let c = check(&r, "patch-currency");
    assert_eq!(c.status, "fail");
    // Get-HotFix and osquery both list MRI-CONSOLE-1; the newest date wins (2020-02-11).
    assert!(
        has_line(c, &["MRI-CONSOLE-1: newest of", "installed 2020-02-11"]),
        "{:#?}",
        c.evidence
    );
    assert!(
        !has_line(c, &["WS-042"]),
        "WS-042 was patched 2026-10-11: {:#?}",
        c.evidence
    );
}

#[test]
fn osquery_and_systeminfo_report_os_versions() {
    let mut a = auditor();
    a.add_file(&data("osquery-os.json")).unwrap();
    a.add_file(&data("systeminfo.txt")).unwrap();
    assert_eq!(a.inputs().inventory_files.len(), 2);
    let r = a.finish();
    let c = check(&r, "os-end-of-support");
    assert_eq!(c.status, "fail");
    assert_eq!(c.summary, "2 hosts of 2 run an OS past end of support.");
    assert!(has_line(
        c,
        &[
            "MRI-CONSOLE-1: Microsoft Windows 7 Professional 6.1.7601 (Windows 7) support ended 2020-01-14"
        ]
    ));
    assert!(has_line(
        c,
        &[
            "XRAY-VIEW-2: Microsoft Windows XP Professional 5.1.2600 (Windows XP) support ended 2014-04-08"
        ]
    ));
}

#[test]
fn password_policy_from_net_accounts_and_utf16_secedit() {
    let mut a = auditor();
    a.add_file(&data("net-accounts.txt")).unwrap();
    let r = a.finish();
    let c = check(&r, "password-policy");
    assert_eq!(c.status, "fail");
    assert_eq!(c.summary, "2 settings below the baseline.");
    assert!(has_line(
        c,
        &["net-accounts.txt (net accounts): minimum length 7, baseline 12"]
    ));
    assert!(has_line(c, &["accounts never lock out"]));
    assert!(has_line(c, &["expire after 42 days"]));

    let mut a = auditor();
    a.add_file(&data("secedit-good.inf")).unwrap();
    assert_eq!(a.inputs().policy_files.len(), 1);
    let r = a.finish();
    let c = check(&r, "password-policy");
    assert_eq!(c.status, "pass", "{:#?}", c.evidence);
    assert!(has_line(
        c,
        &["secedit-good.inf (secedit): complexity off (not required by the baseline)"]
    ));
    assert!(has_line(c, &["passwords never expire"]));
}

#[test]
fn hash_export_finds_empty_lm_shared_common_and_own_name_passwords() {
    let mut a = auditor();
    a.add_file(&data("ntds.txt")).unwrap();
    let r = a.finish();
    let c = check(&r, "password-quality");
    assert_eq!(c.status, "fail");
    assert_eq!(
        c.summary,
        "5 kinds of password weakness found; 11 accounts checked (2 machine or history entries skipped)."
    );
    assert!(has_line(c, &["empty password (1): CLINIC\\Guest"]));
    assert!(has_line(c, &["LM hash stored (1): CLINIC\\legacy.svc"]));
    assert!(has_line(
        c,
        &["one password shared by 2 accounts: CLINIC\\nurse.ward3, CLINIC\\nurse.ward4"]
    ));
    assert!(has_line(
        c,
        &[
            "common password from Ward's built-in list (3): CLINIC\\Administrator, CLINIC\\jsmith, CLINIC\\legacy.svc"
        ]
    ));
    assert!(has_line(
        c,
        &["password made from the account name (1): CLINIC\\radiology.tech"]
    ));
    assert!(!has_line(c, &["drlee"]) && !has_line(c, &["pacs-svc"]));
}

#[test]
fn admins_list_marks_accounts_privileged() {
    let mut a = auditor();
    a.add_file(&data("admins.txt")).unwrap();
    assert_eq!(a.inputs().admin_lists.len(), 1);
    a.feed_event(&proxy(
        "2026-11-01T09:00:00Z",
        "CLINIC\\jsmith",
        "www.example.org",
    ));
    a.feed_event(&proxy(
        "2026-11-01T09:05:00Z",
        "CLINIC\\jsmith",
        "mail.example.org",
    ));
    a.feed_event(&proxy(
        "2026-11-01T09:05:00Z",
        "CLINIC\\drlee",
        "www.example.org",
    ));
    let r = a.finish();
    let c = check(&r, "admin-daily-use");
    assert_eq!(c.status, "fail");
    assert_eq!(
        c.summary,
        "1 privileged account of 2 used for day-to-day work."
    );
    assert!(
        has_line(
            c,
            &[
                "CLINIC\\jsmith (listed in",
                "browsed the web through the proxy [mail.example.org, www.example.org]: 2 times"
            ]
        ),
        "{:#?}",
        c.evidence
    );
}

#[test]
fn bad_and_unknown_files_are_errors_naming_the_file() {
    let mut a = auditor();
    match a.add_file(&data("unknown.txt")) {
        Err(AuditError::UnknownFormat { path }) => assert!(path.ends_with("unknown.txt")),
        other => panic!("expected UnknownFormat, got {other:?}"),
    }
    assert!(matches!(
        a.add_file(&data("missing.csv")),
        Err(AuditError::Io { .. })
    ));
    let mut broken = std::fs::read(data("osquery-os.json")).unwrap();
    broken.truncate(40);
    let path = std::env::temp_dir().join("ward-audit-truncated.json");
    std::fs::write(&path, broken).unwrap();
    match a.add_file(&path) {
        Err(e @ AuditError::Malformed { line: 1, .. }) => {
            assert!(
                e.to_string()
                    .contains("ward-audit-truncated.json:1: bad JSON"),
                "{e}"
            )
        }
        other => panic!("expected Malformed JSON, got {other:?}"),
    }
}

#[test]
fn a_damaged_hash_export_is_read_around_its_bad_lines() {
    let mut a = auditor();
    a.add_file(&data("bad-hashes.txt")).unwrap();
    let r = a.finish();
    let c = check(&r, "password-quality");
    assert_eq!(c.status, "fail");
    assert!(
        has_line(c, &["empty password (1): CLINIC\\alice"]),
        "{:#?}",
        c.evidence
    );
    assert!(
        has_line(
            c,
            &[
                "1 export lines not understood and skipped (first at ",
                "bad-hashes.txt:3)"
            ]
        ),
        "{:#?}",
        c.evidence
    );
    // The bad line's content (it could hold a cleartext password) is never echoed.
    assert!(!has_line(c, &["not-a-hash"]) && !has_line(c, &["bob"]));
}

#[test]
fn logs_are_refused_unread_so_the_cli_can_route_them_to_the_hunt() {
    let Some(root) = shared() else { return };
    let mut a = auditor();
    let jsonl = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo/outbreak/FS-01/Security.jsonl"
    );
    let logs = [
        root.join("evtx-crate/samples/system.evtx"),
        root.join("security-datasets/datasets/atomic/windows/discovery/host/empire_shell_net_local_users.zip"),
        root.join("sigma/regression_data/rules/windows/process_creation/proc_creation_win_renamed_adfind/df55196f-f105-44d3-a675-e9dfb6cc2f2b.json"),
        root.join("elastic-fw-samples/squid/access1.log"),
        std::path::PathBuf::from(jsonl),
    ];
    for path in &logs {
        match a.add_file(path) {
            Err(AuditError::UnknownFormat { .. }) => {}
            other => panic!("{}: expected UnknownFormat, got {other:?}", path.display()),
        }
    }
    assert_eq!(a.inputs(), &ward_audit::AuditInputs::default());
}
