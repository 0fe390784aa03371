//! Which accounts are never listed, and how reset and review lists are decided.

use std::collections::BTreeMap;
use ward_analytics::accounts::{CredentialExposure, is_ignored};
use ward_analytics::case::Evidence;
use ward_analytics::facts::{Account, Logon};
use ward_event::Timestamp;

fn acct(domain: &str, user: &str, sid: Option<&str>) -> Account {
    Account {
        domain: domain.into(),
        user: user.into(),
        sid: sid.map(String::from),
    }
}

fn logon(host: &str, secs: i64, user: &str, logon_type: u32) -> Logon {
    Logon {
        evidence: Evidence {
            time: Timestamp::from_nanos(secs * 1_000_000_000),
            host: host.into(),
            kind: "4624".into(),
            ..Evidence::default()
        },
        success: true,
        logon_type,
        account: acct("CLINIC", user, None),
        source_ip: None,
        workstation: None,
        logon_id: None,
        auth: Default::default(),
    }
}

#[test]
fn service_identities_and_other_hosts_computer_accounts_are_ignored() {
    assert!(is_ignored(
        &acct("NT AUTHORITY", "SYSTEM", Some("S-1-5-18")),
        "FS-01"
    ));
    assert!(is_ignored(
        &acct("NT AUTHORITY", "NETWORK SERVICE", Some("S-1-5-20")),
        "FS-01"
    ));
    assert!(is_ignored(
        &acct("NT AUTHORITY", "ANONYMOUS LOGON", Some("S-1-5-7")),
        "FS-01"
    ));
    assert!(is_ignored(&acct("Window Manager", "DWM-3", None), "FS-01"));
    assert!(is_ignored(
        &acct("Font Driver Host", "UMFD-1", None),
        "FS-01"
    ));
    assert!(is_ignored(
        &acct("CLINIC", "WS-RECEPTION-01$", None),
        "FS-01"
    ));
    assert!(!is_ignored(&acct("CLINIC", "FS-01$", None), "FS-01"));
    assert!(!is_ignored(&acct("CLINIC", "alice", None), "FS-01"));
}

#[test]
fn exposure_counts_only_after_infection_and_splits_reset_from_review() {
    let mut x = CredentialExposure::default();
    x.logon(&logon("FS-01", 100, "early", 2)); // before infection at 500
    x.logon(&logon("FS-01", 600, "interactive", 10));
    x.logon(&logon("FS-01", 700, "network", 3));
    x.logon(&logon("FS-01", 800, "both", 3));
    x.logon(&logon("FS-01", 900, "both", 2));
    x.logon(&logon("LAB-9", 900, "elsewhere", 2)); // not an affected host
    let affected = BTreeMap::from([(
        "FS-01".to_string(),
        Timestamp::from_nanos(500 * 1_000_000_000),
    )]);
    let out = x.lists(
        &affected,
        &[("CLINIC\\hopper".into(), "FS-01".into(), &[])],
        20,
    );
    let reset: Vec<(&str, &Vec<String>)> = out
        .reset
        .iter()
        .map(|a| (a.account.as_str(), &a.logon_types))
        .collect();
    assert_eq!(
        reset,
        [
            ("CLINIC\\both", &vec!["2".to_string(), "3".to_string()]),
            ("CLINIC\\interactive", &vec!["10".to_string()])
        ]
    );
    let review: Vec<&str> = out.review.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(review, ["CLINIC\\hopper", "CLINIC\\network"]);
}
