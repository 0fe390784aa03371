//! No hash or password from the inputs appears anywhere in the serialised readiness.

mod common;
use common::*;

/// The passwords behind ntds.txt's hashes; legacy.svc's `password` is left out, as the word is
/// ordinary prose in evidence lines.
const PASSWORDS: [&str; 7] = [
    "Password1",
    "Summer2024",
    "Tr0ub4dor&3-correct-horse",
    "zebra-Lantern-42-quiet",
    "Kestrel!Orchard!Drum",
    "Glacier-Pepper-Violin-7",
    "Radiology.tech1",
];

#[test]
fn the_readiness_names_accounts_never_hashes_or_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let breached = dir.path().join("hibp.txt");
    std::fs::write(
        &breached,
        "6318329F18663B95CB60039D08E90683:12\n8846F7EAEE8FB117AD06BDD830B7586C:99\n",
    )
    .unwrap();
    let mut a = auditor();
    for f in [
        "ntds.txt",
        "net-accounts.txt",
        "secedit-good.inf",
        "inventory.csv",
        "heartbleed-osv.json",
        "admins.txt",
    ] {
        a.add_file(&data(f)).unwrap();
    }
    a.set_breached_list(&breached);
    a.feed_event(&proxy(
        "2026-11-01T09:00:00Z",
        "CLINIC\\jsmith",
        "www.example.org",
    ));
    let r = a.finish();
    let json = serde_json::to_string_pretty(&r).unwrap();
    // The run did find password problems, so the scan below is not vacuous.
    let q = check(&r, "password-quality");
    assert_eq!(q.status, "fail");
    assert!(
        has_line(
            q,
            &["password in the breached list (2): CLINIC\\adm-jo, CLINIC\\legacy.svc"]
        ),
        "{:#?}",
        q.evidence
    );

    let export = std::fs::read_to_string(data("ntds.txt")).unwrap();
    let mut secrets: Vec<String> = Vec::new();
    for line in export.lines() {
        let f: Vec<&str> = line.split(':').collect();
        secrets.push(f[2].to_string());
        secrets.push(f[3].to_string());
    }
    secrets.extend(PASSWORDS.iter().map(|p| p.to_string()));
    assert_eq!(secrets.len(), 13 * 2 + PASSWORDS.len());
    let haystack = json.to_lowercase();
    for s in &secrets {
        assert!(
            !haystack.contains(&s.to_lowercase()),
            "{s} leaked into the readiness"
        );
    }
    // Halves of a hash would be a leak too.
    for s in secrets.iter().filter(|s| s.len() == 32) {
        assert!(
            !haystack.contains(&s[..16].to_lowercase())
                && !haystack.contains(&s[16..].to_lowercase()),
            "part of {s} leaked"
        );
    }
}
