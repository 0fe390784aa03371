//! The responder's toolbox on the shared EVTX corpus: `ward search` finds what grep finds in
//! the evtx crate's JSON rendering (what `evtx_dump -o jsonl` prints), `--where` finds what a
//! one-rule hunt finds, `ward metrics` counts what the evtx crate counts, `ward logons` shows
//! the DeepBlueCLI password spray, and tuning suppresses real detections and says so.

use assert_cmd::Command;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The EVTX corpus folders the toolbox is checked on.
const CORPUS: [&str; 3] = ["evtx-attack-samples", "deepbluecli", "evtx-to-mitre"];

fn ward() -> Command {
    let mut cmd = Command::cargo_bin("ward").expect("the ward binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn corpus() -> Option<Vec<PathBuf>> {
    CORPUS
        .iter()
        .map(|c| ward_testdata::shared(c))
        .collect::<Option<Vec<_>>>()
}

fn evtx_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p)
                .expect("corpus folder reads")
                .flatten()
            {
                stack.push(e.path());
            }
        } else if p.extension().is_some_and(|x| x == "evtx") {
            files.push(p);
        }
    }
    files.sort();
    files
}

/// Every record of `path` as the evtx crate renders it to JSON (evtx_dump's output).
fn rendered(path: &Path) -> Vec<String> {
    let mut parser = evtx::EvtxParser::from_path(path).expect("the evtx crate opens it");
    parser
        .records_json()
        .filter_map(Result::ok)
        .map(|r| r.data)
        .collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("ward runs");
    assert!(
        out.status.success(),
        "ward failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Matching events per file, from `ward search … -f jsonl`.
fn search_counts(args: &[&str], dirs: &[PathBuf]) -> BTreeMap<String, usize> {
    let text = run(ward()
        .arg("search")
        .args(dirs)
        .args(args)
        .args(["-f", "jsonl", "-q"]));
    let mut counts = BTreeMap::new();
    for hit in jsonl(&text) {
        let file = hit["file"].as_str().expect("a file").to_string();
        *counts.entry(file).or_insert(0) += 1;
    }
    counts
}

#[test]
fn search_finds_what_grep_finds_in_evtx_dump_output() {
    let Some(dirs) = corpus() else { return };
    let files = evtx_files(&dirs);
    let records: Vec<(String, Vec<String>)> = files
        .iter()
        .map(|f| (f.display().to_string(), rendered(f)))
        .collect();
    // Words of values, not of field names: grep sees both, Ward's search the values.
    for keyword in [
        "mimikatz",
        "PsExeSvc",
        "powershell",
        "wmiprvse",
        "rundll32",
        "baker",
    ] {
        // `evtx_dump -o jsonl FILE | grep -ic KEYWORD`, per file.
        let mut expected = BTreeMap::new();
        for (file, rendered) in &records {
            let n = rendered
                .iter()
                .filter(|r| r.to_lowercase().contains(&keyword.to_lowercase()))
                .count();
            if n > 0 {
                expected.insert(file.clone(), n);
            }
        }
        assert!(!expected.is_empty(), "{keyword} occurs in the corpus");
        let found = search_counts(&[keyword], &dirs);
        assert_eq!(found, expected, "events holding {keyword}");
    }
}

#[test]
fn where_finds_what_a_one_rule_hunt_finds() {
    let Some(dirs) = corpus() else { return };
    let expr = "EventID: 4648 and TargetUserName|startswith: 'b'";
    let rule = r#"
title: Explicit credentials for a b-account
id: 5d0b3c51-9a61-4f0e-b6a3-000000000001
logsource: {product: windows}
detection:
    t1: {EventID: 4648}
    t2: {TargetUserName|startswith: 'b'}
    condition: t1 and t2
level: high
"#;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rule_path = dir.path().join("rule.yml");
    std::fs::write(&rule_path, rule).expect("the rule is written");
    let hunt = run(ward()
        .args(["hunt", "-q", "-f", "jsonl", "-r"])
        .arg(&rule_path)
        .args(&dirs));
    let hunted: BTreeSet<(String, u64)> = jsonl(&hunt)
        .iter()
        .filter(|d| d["rule_id"] == "5d0b3c51-9a61-4f0e-b6a3-000000000001")
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["position"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let searched = run(ward()
        .arg("search")
        .args(&dirs)
        .args(["--where", expr, "-f", "jsonl", "-q"]));
    let searched: BTreeSet<(String, u64)> = jsonl(&searched)
        .iter()
        .map(|h| {
            (
                h["file"].as_str().unwrap_or("").to_string(),
                h["position"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        hunted.len() >= 30,
        "the spray's b-accounts are hunted: {}",
        hunted.len()
    );
    assert_eq!(searched, hunted);
}

#[test]
fn metrics_count_what_the_evtx_crate_counts() {
    let Some(dirs) = corpus() else { return };
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for file in evtx_files(&dirs) {
        for record in rendered(&file) {
            let v: serde_json::Value = serde_json::from_str(&record).expect("the record is JSON");
            let id = &v["Event"]["System"]["EventID"];
            // `<EventID Qualifiers="…">` renders as an object with `#text`.
            let id = id.get("#text").unwrap_or(id);
            let id = id
                .as_u64()
                .map(|n| n.to_string())
                .or_else(|| id.as_str().map(str::to_string))
                .unwrap_or_else(|| panic!("an EventID in {record}"));
            *expected.entry(id).or_insert(0) += 1;
        }
    }
    let text = run(ward()
        .arg("metrics")
        .args(&dirs)
        .args(["--by", "event-id", "--json"]));
    let got: BTreeMap<String, u64> = jsonl(&text)
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap_or("").to_string(),
                r["events"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(expected.len() > 20, "many EventIDs in the corpus");
    assert_eq!(got, expected);
}

#[test]
fn logons_show_the_deepbluecli_password_spray() {
    let Some(spray) = ward_testdata::shared("deepbluecli/evtx/password-spray.evtx") else {
        return;
    };
    let text = run(ward().arg("logons").arg(&spray).arg("--json"));
    let rows = jsonl(&text);
    let sprays: Vec<&serde_json::Value> = rows.iter().filter_map(|r| r.get("spray")).collect();
    assert_eq!(sprays.len(), 1, "one spray: {text}");
    let s = sprays[0];
    assert_eq!(s["actor"], "DESKTOP-JR78RLP\\jwrig");
    let accounts: Vec<&str> = s["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(accounts.len() >= 40, "the sprayed accounts: {accounts:?}");
    assert!(accounts.contains(&"DOMAIN\\baker") && accounts.contains(&"DOMAIN\\Administrator"));
    // Each sprayed account was tried 7 times with explicit credentials, against 172.16.144.128.
    let baker = rows
        .iter()
        .find(|r| r["account"] == "DOMAIN\\baker")
        .expect("baker's row");
    assert_eq!(baker["explicit"], 7);
    assert!(baker["sources"].to_string().contains("172.16.144.128"));
    let table = run(ward().arg("logons").arg(&spray));
    assert!(table.contains("possible password spray: DESKTOP-JR78RLP\\jwrig tried"));
}

/// Hunts the corpus with `tuning` (a `[tuning]` table; `{dir}` is the folder holding it and
/// the filter documents) and returns the JSON report and standard error.
fn hunt_tuned(tuning: &str, filters: &[(&str, &str)]) -> Option<(serde_json::Value, String)> {
    let dirs = corpus()?;
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in filters {
        std::fs::write(dir.path().join(name), text).expect("the filter is written");
    }
    let path = dir.path().join("ward.toml");
    std::fs::write(&path, tuning).expect("the tuning is written");
    let out = ward()
        .args(["hunt", "-f", "json", "--tuning"])
        .arg(&path)
        .args(&dirs)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    Some((report, String::from_utf8_lossy(&out.stderr).into_owned()))
}

const ADMIN_SHARE: &str = "3013c673-1ce3-49a1-90a2-eb95ee27aca7";
const SERVICE_ROOT: &str = "7d4109ca-2ec1-4870-9900-25f42efa60c3";

fn detections_of(report: &serde_json::Value, rule: &str) -> Vec<serde_json::Value> {
    report["detections"]
        .as_array()
        .expect("detections")
        .iter()
        .filter(|d| d["rule_id"] == rule)
        .cloned()
        .collect()
}

#[test]
fn tuning_level_override_and_exclusion_are_counted() {
    let Some((untuned, _)) = hunt_tuned("[tuning]\n", &[]) else {
        return;
    };
    let admin_share = detections_of(&untuned, ADMIN_SHARE).len() as u64;
    assert!(admin_share >= 10, "admin-share writes in the corpus");
    let service_root = detections_of(&untuned, SERVICE_ROOT).len() as u64;
    assert!(
        service_root >= 1,
        "a service installed from the Windows folder's root"
    );
    assert_eq!(untuned["tuning"]["suppressed_total"], 0);

    let tuning = format!(
        "[tuning]\nexclude = [\"{SERVICE_ROOT}\"]\n[tuning.levels]\n\"{ADMIN_SHARE}\" = \"high\"\n"
    );
    let Some((report, _)) = hunt_tuned(&tuning, &[]) else {
        return;
    };
    assert_eq!(report["schema_version"], "1.3");
    assert!(detections_of(&report, SERVICE_ROOT).is_empty());
    assert!(
        detections_of(&report, ADMIN_SHARE)
            .iter()
            .all(|d| d["level"] == "high")
    );
    let t = &report["tuning"];
    assert_eq!(t["suppressed_total"], service_root);
    assert_eq!(t["suppressed"][0]["kind"], "excluded");
    assert_eq!(t["suppressed"][0]["count"], service_root);
    assert!(t["suppressed"][0]["hosts"].to_string().contains("IE10WIN7"));
    assert_eq!(t["level_overrides"][0]["count"], admin_share);
    assert_eq!(t["level_overrides"][0]["to"], "high");
}

#[test]
fn tuning_ignores_an_expired_allow_list_entry_and_applies_a_live_one() {
    let tuning = format!(
        "[tuning]\n\
         [[tuning.allow]]\nhost = \"PC01\"\nrule = \"{ADMIN_SHARE}\"\nreason = \"old exception\"\nexpires = \"2020-01-01\"\n\
         [[tuning.allow]]\nhost = \"IEWIN7\"\nreason = \"lab machine\"\nexpires = \"2999-12-31\"\n"
    );
    let Some((report, stderr)) = hunt_tuned(&tuning, &[]) else {
        return;
    };
    assert!(
        stderr.contains(
            "allow-list entry for host PC01 (old exception) expired on 2020-01-01: ignored"
        ),
        "{stderr}"
    );
    let t = &report["tuning"];
    assert_eq!(t["warnings"].as_array().map(Vec::len), Some(1));
    // PC01's detections stay; IEWIN7's are suppressed and counted.
    let kept = detections_of(&report, ADMIN_SHARE);
    assert!(kept.iter().any(|d| d["host"] == "PC01"));
    assert!(kept.iter().all(|d| d["host"] != "IEWIN7"));
    let allowed = t["suppressed"]
        .as_array()
        .expect("suppressed")
        .iter()
        .find(|g| g["kind"] == "allow-list" && g["rule_id"] == ADMIN_SHARE)
        .expect("IEWIN7's admin-share writes are allowed");
    assert_eq!(allowed["reason"], "lab machine");
    assert_eq!(allowed["hosts"], serde_json::json!(["IEWIN7"]));
    assert!(allowed["count"].as_u64() >= Some(1));
}

#[test]
fn tuning_applies_a_sigma_filter_document() {
    let filter = format!(
        "title: PC01 writes to admin shares for the backup job\n\
         id: 8b1c2a10-0000-4000-8000-000000000001\n\
         logsource:\n  product: windows\n  service: security\n\
         filter:\n  rules:\n    - {ADMIN_SHARE}\n  selection:\n    Computer|startswith: 'PC01'\n  condition: not selection\n"
    );
    let tuning = "[tuning]\nfilters = [\"backup.yml\"]\n";
    let Some((report, stderr)) = hunt_tuned(tuning, &[("backup.yml", &filter)]) else {
        return;
    };
    let kept = detections_of(&report, ADMIN_SHARE);
    assert!(kept.iter().all(|d| d["host"] != "PC01"));
    assert!(
        kept.iter().any(|d| d["host"] == "IEWIN7"),
        "other hosts are kept"
    );
    let g = &report["tuning"]["suppressed"][0];
    assert_eq!(g["kind"], "filter");
    assert_eq!(g["reason"], "8b1c2a10-0000-4000-8000-000000000001");
    assert_eq!(g["hosts"], serde_json::json!(["PC01"]));
    assert!(g["count"].as_u64() >= Some(8));
    assert!(
        stderr.contains("Tuning: "),
        "the summary counts it: {stderr}"
    );
}

#[test]
fn pivot_lists_the_hosts_and_names_of_severe_findings() {
    let Some(dirs) = corpus() else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let case = dir.path().join("case.json");
    run(ward()
        .args(["hunt", "-q", "-f", "json", "-o"])
        .arg(&case)
        .args(&dirs));
    let text = run(ward().arg("pivot").arg(&case).arg("--json"));
    let pivots: serde_json::Value = serde_json::from_str(&text).expect("JSON pivots");
    let hosts = pivots["hosts"].to_string();
    // The corpus's high remote-execution findings are on these hosts.
    assert!(
        hosts.contains("IE10WIN7") && hosts.contains("WIN-77LTAPHIQ1R"),
        "{hosts}"
    );
    // Every keyword is searchable: it occurs in the logs.
    let first_host = pivots["hosts"][0].as_str().expect("a host");
    let found = search_counts(&[first_host], &dirs);
    assert!(!found.is_empty(), "{first_host} is found by ward search");
}
