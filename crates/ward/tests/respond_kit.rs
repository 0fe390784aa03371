//! `ward respond` end to end, on the demo outbreak and on the simulated hospital: the reset
//! script resets exactly the case's accounts (the suspicious ones only in its commented-out
//! block), refuses to run on exactly the affected devices, and `isolate.csv` lists exactly
//! them; `ward hunt --respond` writes the same kit.

mod common;

use common::ward;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The value of the single-quoted literal after `key` on `line` (quotes undoubled).
fn literal_after(line: &str, key: &str) -> Option<String> {
    let rest = &line[line.find(key)? + key.len()..];
    let mut chars = rest.strip_prefix('\'')?.chars().peekable();
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return Some(value);
            }
        }
        value.push(c);
    }
    None
}

struct Script {
    accounts: BTreeSet<String>,
    commented: BTreeSet<String>,
    affected: Vec<String>,
}

fn read_script(text: &str) -> Script {
    let mut s = Script {
        accounts: BTreeSet::new(),
        commented: BTreeSet::new(),
        affected: Vec::new(),
    };
    let mut in_affected = false;
    for line in text.lines() {
        let t = line.trim();
        if t == "$AffectedDevices = @(" {
            in_affected = true;
        } else if in_affected && t == ")" {
            in_affected = false;
        } else if in_affected {
            s.affected
                .push(literal_after(t, "").expect("a quoted device"));
        } else if let Some(account) = literal_after(t, "Account = ") {
            if t.starts_with("# ") {
                s.commented.insert(account);
            } else {
                assert!(t.starts_with("@{ Account = "), "{t}");
                s.accounts.insert(account);
            }
        }
    }
    s
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

fn field(v: &Value, list: &str, key: &str) -> Vec<String> {
    v.pointer(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e[key].as_str().map(String::from))
        .collect()
}

/// Hunts `logs` with `--respond`, then runs `ward respond` on the JSON case; checks both kits
/// against the case and returns (case, reset script, isolated hosts).
fn kit_of(logs: &Path, assets: &Path, dir: &Path) -> (Value, Script, Vec<String>) {
    let case_path = dir.join("case.json");
    let (kit, hunt_kit) = (dir.join("kit"), dir.join("hunt-kit"));
    ward(&[
        "hunt".as_ref(),
        logs.as_os_str(),
        "--assets".as_ref(),
        assets.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-q".as_ref(),
        "-o".as_ref(),
        case_path.as_os_str(),
        "--respond".as_ref(),
        hunt_kit.as_os_str(),
    ]);
    ward(&[
        "respond".as_ref(),
        case_path.as_os_str(),
        "--out".as_ref(),
        kit.as_os_str(),
    ]);
    let case: Value =
        serde_json::from_slice(&std::fs::read(&case_path).expect("case")).expect("JSON");
    let read = |dir: &Path, f: &str| std::fs::read_to_string(dir.join(f)).expect(f);
    // The same kit either way (the case's time aside).
    let timeless = |s: String| -> String {
        s.lines()
            .filter(|l| !l.contains("Case of "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for f in [
        "reset-accounts.ps1",
        "isolate.csv",
        "checklist.md",
        "checklist.html",
    ] {
        assert_eq!(
            timeless(read(&kit, f)),
            timeless(read(&hunt_kit, f)),
            "{f} differs"
        );
    }

    let script = read_script(&read(&kit, "reset-accounts.ps1"));
    let reset: BTreeSet<String> = field(&case, "/accounts/reset", "account")
        .into_iter()
        .collect();
    let if_confirmed: BTreeSet<String> = field(&case, "/accounts/reset_if_confirmed", "account")
        .into_iter()
        .collect();
    assert_eq!(script.accounts, reset, "the reset script's accounts");
    assert_eq!(
        script.commented, if_confirmed,
        "the commented-out suspicious block"
    );
    let affected = field(&case, "/overview/affected_devices", "host");
    assert_eq!(
        script.affected, affected,
        "the devices the script refuses to run on"
    );

    let mut csv = csv::Reader::from_path(kit.join("isolate.csv")).expect("isolate.csv");
    let isolated: Vec<String> = csv
        .records()
        .map(|r| r.expect("a record")[0].to_string())
        .collect();
    let as_set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(isolated.len(), affected.len());
    assert_eq!(as_set(&isolated), as_set(&affected), "isolate.csv");
    (case, script, isolated)
}

#[test]
fn the_demo_kit_lists_exactly_the_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().expect("temporary folder");
    let demo = root.join("demo/outbreak");
    let (_, script, isolated) = kit_of(&demo, &demo.join("assets.csv"), dir.path());
    assert!(script.accounts.contains("CLINIC\\svc_backup"));
    assert_eq!(isolated[0], "MRI-CONSOLE-01", "clinical first");
}

#[test]
fn the_hospital_kit_matches_the_truth() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let Some(logs) = common::hospital(dir.path(), 3, 7, "service") else {
        return;
    };
    let (_, script, isolated) = kit_of(&logs, &logs.join("assets.csv"), dir.path());
    let truth = common::read_json(&logs.join("truth.json"));
    let to_reset: BTreeSet<String> = strings(&truth["accounts_to_reset"]).into_iter().collect();
    let infected: BTreeSet<String> = strings(&truth["infected"]).into_iter().collect();
    assert_eq!(script.accounts, to_reset);
    assert_eq!(
        script.affected.iter().cloned().collect::<BTreeSet<_>>(),
        infected
    );
    assert_eq!(isolated.iter().cloned().collect::<BTreeSet<_>>(), infected);
}
