//! `ward rules update`, `rollback`, `list`, `show` and the installed set hunt loads by default:
//! SigmaHQ-style release zips are built at test time from `../shared/data/sigma` (never
//! vendored) and served over a local HTTP server.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Cursor, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use ward_testdata::shared_data;
use zip::write::SimpleFileOptions;

/// Files served by path (`/…`); anything else is a 404.
type Served = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// A one-thread HTTP/1.1 server on 127.0.0.1 answering GETs from `files`.
fn serve() -> (String, Served) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let files: Served = Arc::default();
    let shared = Arc::clone(&files);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = shared.lock().unwrap().get(&path).cloned();
            let mut out = &stream;
            let _ = match body {
                Some(body) => out
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| out.write_all(&body)),
                None => out.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    (base, files)
}

/// A release-style zip of the SigmaHQ checkout's rule folders, with `extra` files added and the
/// files of `drop` left out.
fn release_zip(sigma: &Path, extra: &[(&str, String)], drop: &[&str]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_level(Some(1));
    for folder in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        let mut files = Vec::new();
        collect(&sigma.join(folder), &mut files);
        files.sort();
        for file in files {
            let name = file
                .strip_prefix(sigma)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if drop.contains(&name.as_str()) || extra.iter().any(|(n, _)| *n == name) {
                continue;
            }
            w.start_file(name, options).unwrap();
            w.write_all(&std::fs::read(&file).unwrap()).unwrap();
        }
    }
    for (name, text) in extra {
        w.start_file(*name, options).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml") {
            out.push(path);
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn ward(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .env("WARD_RULES_HOME", home)
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("ward runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const SYNTHETIC: &str = "rules/windows/builtin/security/ward_test_synthetic.yml";
const SYNTHETIC_ID: &str = "5a2b9c7e-0000-4000-8000-00000000c0de";

fn synthetic(condition: &str) -> String {
    format!(
        "title: Ward test rule\nid: {SYNTHETIC_ID}\nstatus: test\nlevel: high\nlogsource:\n  \
         product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4624\n  \
         condition: {condition}\n"
    )
}

#[test]
fn update_verifies_reports_the_diff_rolls_back_and_hunt_uses_the_set() {
    let Some(data) = shared_data() else { return };
    let sigma = data.join("sigma");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("rules-home");
    let home_str = home.to_str().unwrap();
    let (base, files) = serve();
    let url =
        |tag: &str| format!("{base}/SigmaHQ/sigma/releases/download/{tag}/sigma_all_rules.zip");
    let path = |tag: &str| format!("/SigmaHQ/sigma/releases/download/{tag}/sigma_all_rules.zip");

    // r1: the checkout's rules plus one rule of our own that loads; a checksum file beside it.
    let r1 = release_zip(&sigma, &[(SYNTHETIC, synthetic("selection"))], &[]);
    {
        let mut f = files.lock().unwrap();
        f.insert(
            format!("{}.sha256", path("r1")),
            format!("{}  sigma_all_rules.zip\n", sha256(&r1)).into_bytes(),
        );
        f.insert(path("r1"), r1.clone());
    }
    let out = ward(
        &home,
        &["rules", "update", "--from", &url("r1"), "--profile", "all"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let installed = text(&out);
    assert!(
        installed.contains("Installed SigmaHQ r1 (profile all, "),
        "{installed}"
    );
    let count: usize = installed
        .split("(profile all, ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a rule count");
    assert!(count >= 3_000, "{count} rules installed: {installed}");

    // A tampered package (its published checksum is the genuine one's) is refused.
    let mut tampered = r1.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    {
        let mut f = files.lock().unwrap();
        f.insert(
            format!("{}.sha256", path("evil")),
            format!("{}  sigma_all_rules.zip\n", sha256(&r1)).into_bytes(),
        );
        f.insert(path("evil"), tampered);
        f.insert(path("unsigned"), r1.clone());
    }
    let out = ward(
        &home,
        &[
            "rules",
            "update",
            "--from",
            &url("evil"),
            "--profile",
            "all",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("tampered"), "{}", text(&out));
    // Nothing to check against: refused, unless --insecure.
    let out = ward(&home, &["rules", "update", "--from", &url("unsigned")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--insecure"), "{}", text(&out));
    let version = ward(&home, &["--version"]);
    assert!(
        text(&version).contains("rules: SigmaHQ r1 (profile all"),
        "{}",
        text(&version)
    );

    // r2: one rule removed, one changed, one added, and ours no longer loads.
    let removed =
        "rules/windows/builtin/security/win_security_aadhealth_mon_agent_regkey_access.yml";
    let changed =
        "rules/windows/builtin/system/service_control_manager/win_system_hack_smbexec.yml";
    let changed_text = std::fs::read_to_string(sigma.join(changed)).unwrap() + "# changed\n";
    let added = "rules/windows/builtin/security/ward_test_added.yml";
    let added_text = synthetic("selection")
        .replace(SYNTHETIC_ID, "5a2b9c7e-0000-4000-8000-0000000add00")
        .replace("Ward test rule", "Ward added rule");
    let r2 = release_zip(
        &sigma,
        &[
            (SYNTHETIC, synthetic("selection and nowhere")),
            (changed, changed_text),
            (added, added_text),
        ],
        &[removed],
    );
    assert!(sigma.join(removed).is_file() && sigma.join(changed).is_file());
    files.lock().unwrap().insert(path("r2"), r2.clone());
    let out = ward(
        &home,
        &[
            "rules",
            "update",
            "--from",
            &url("r2"),
            "--profile",
            "all",
            "--sha256",
            &sha256(&r2),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let diff = text(&out);
    assert!(
        diff.contains("Changes from SigmaHQ r1 (profile all")
            && diff.contains("1 added, 1 removed, 2 changed, 1 no longer load"),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("! {SYNTHETIC_ID}  Ward test rule: ")),
        "{diff}"
    );
    assert!(
        diff.contains("+ 5a2b9c7e-0000-4000-8000-0000000add00  Ward added rule"),
        "{diff}"
    );

    let out = ward(&home, &["rules", "list", "--problems"]);
    assert!(text(&out).contains(SYNTHETIC_ID), "{}", text(&out));
    let out = ward(&home, &["rules", "show", SYNTHETIC_ID]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("# does not load") && text(&out).contains("and nowhere"));

    // Rollback restores r1 (and its rule loads again).
    let out = ward(&home, &["rules", "rollback"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Rolled back from SigmaHQ r2 (profile all")
            && text(&out).contains("to SigmaHQ r1 (profile all"),
        "{}",
        text(&out)
    );
    let out = ward(&home, &["rules", "show", SYNTHETIC_ID]);
    assert!(text(&out).contains("# loads"), "{}", text(&out));

    // The installed set passes SigmaHQ's regression tests as the checkout does.
    let current = home.join("current");
    let out = ward(
        &home,
        &[
            "rules",
            "test",
            sigma.to_str().unwrap(),
            "-r",
            current.to_str().unwrap(),
        ],
    );
    assert!(
        text(&out).contains("198 passed, 4 failed"),
        "{}",
        text(&out)
    );

    // `ward hunt` with no -r loads the installed set and finds every regression rule.
    let case = tmp.path().join("case.json");
    let regression = sigma.join("regression_data");
    let out = ward(
        &home,
        &[
            "hunt",
            "-q",
            "-f",
            "json",
            "-o",
            case.to_str().unwrap(),
            regression.to_str().unwrap(),
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let case: serde_json::Value = serde_json::from_slice(&std::fs::read(&case).unwrap()).unwrap();
    let loaded = case["rules"]["loaded"].as_u64().unwrap();
    assert!(loaded >= 3_000, "{loaded} rules loaded");
    let set = case["rules"]["set"].as_str().unwrap();
    assert!(set.starts_with("SigmaHQ r1 (profile all"), "{set}");
    let found: BTreeSet<&str> = case["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["rule_id"].as_str())
        .collect();
    let expected = regression_rule_ids(&regression);
    assert!(expected.len() >= 195, "{} regression rules", expected.len());
    let missing: Vec<&String> = expected
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "regression rules not found: {missing:?}"
    );

    // --no-default-rules: only Ward's own rules, and the summary says so.
    let out = ward(
        &home,
        &[
            "hunt",
            "--no-default-rules",
            "-f",
            "jsonl",
            "-o",
            "/dev/null",
            regression.to_str().unwrap(),
        ],
    );
    assert!(
        text(&out).contains("no installed rule set (--no-default-rules)"),
        "{}",
        text(&out)
    );
    let empty = tmp.path().join("empty-home");
    let out = ward(
        &empty,
        &[
            "hunt",
            "-f",
            "jsonl",
            "-o",
            "/dev/null",
            regression.to_str().unwrap(),
        ],
    );
    assert!(text(&out).contains("`ward rules update`"), "{}", text(&out));
    let _ = home_str;
}

/// The rule ids the regression tests name (`rule_metadata[].id` of each `info.yml` whose
/// `regression_tests_info` is not commented out).
fn regression_rule_ids(root: &Path) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "info.yml") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text
                    .lines()
                    .any(|l| l.starts_with("regression_tests_info:"))
                {
                    continue;
                }
                let mut in_meta = false;
                for line in text.lines() {
                    if line.starts_with("rule_metadata:") {
                        in_meta = true;
                    } else if !line.starts_with(' ') {
                        in_meta = false;
                    } else if in_meta && let Some(id) = line.trim().strip_prefix("- id:") {
                        ids.insert(id.trim().to_string());
                    }
                }
            }
        }
    }
    ids
}
