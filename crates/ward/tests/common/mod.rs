//! What the end-to-end tests of the `ward` binary share: running it, reading JSON, and
//! generating the simulated hospital (`bench/hospital.py`).
#![allow(dead_code)] // each test binary uses its own subset

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A JSON file.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

/// Runs `ward ARGS…`; exit code 0, or 1 when a hunt found detections.
pub fn ward(args: &[&OsStr]) {
    let status = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .status()
        .expect("run ward");
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "ward {args:?}: {status}"
    );
}

/// `ward hunt LOGS --assets LOGS/assets.csv --format json -q -o CASE`, plus `extra` arguments.
pub fn hunt_json(logs: &Path, case: &Path, extra: &[&OsStr]) {
    let mut args: Vec<&OsStr> = vec!["hunt".as_ref(), logs.as_os_str(), "--assets".as_ref()];
    let assets = logs.join("assets.csv");
    args.push(assets.as_os_str());
    args.extend(["--format", "json", "-q", "-o"].map(OsStr::new));
    args.push(case.as_os_str());
    args.extend_from_slice(extra);
    ward(&args);
}

fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Generates the hospital into `dir/hospital` with `seed`, `days` and the worm spreading by
/// `channel` (`service`, `task`, `wmi`); `None`, saying why, when no Python can run it.
pub fn hospital(dir: &Path, seed: u32, days: u32, channel: &str) -> Option<PathBuf> {
    let Some(py) = python() else {
        eprintln!("SKIPPED: no python3 to run bench/hospital.py");
        return None;
    };
    let out = dir.join("hospital");
    let status = Command::new(py)
        .arg(repo().join("bench/hospital.py"))
        .arg(&out)
        .args(["--seed", &seed.to_string(), "--days", &days.to_string()])
        .args(["--channel", channel])
        .stdout(Stdio::null())
        .status()
        .expect("run the generator");
    assert!(status.success(), "bench/hospital.py failed");
    Some(out)
}
