//! The report a hospital IT manager opens: the demo outbreak's HTML in headless Chromium, and
//! the audit's outputs checked for leaked hashes and passwords in every format.

use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ward() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("ward"));
    cmd.env("NO_COLOR", "1");
    cmd
}

#[test]
fn the_demo_outbreak_report_renders_in_a_browser() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipping: chromium not installed (scripts/install-test-deps.sh installs it)");
        return;
    }
    let target = repo().join("target");
    std::fs::create_dir_all(&target).expect("target dir");
    let report = target.join("demo-report.html");
    let demo = repo().join("demo/outbreak");
    let status = ward()
        .args(["hunt", "-q", "-o", "/dev/null", "--html"])
        .arg(&report)
        .arg("--assets")
        .arg(demo.join("assets.csv"))
        .arg(&demo)
        .status()
        .expect("ward runs");
    assert!(status.success());
    let profile = tempfile::tempdir().expect("profile dir");
    let run = |extra: &[&str]| {
        let out = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
            ])
            .args([
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--enable-logging=stderr", "--v=0"])
            .args(extra)
            .arg(format!("file://{}", report.display()))
            .output()
            .expect("chromium runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (dom, stderr) = run(&["--dump-dom"]);
    assert!(
        dom.contains("Outbreak: a worm spread between devices"),
        "the verdict"
    );
    assert!(dom.contains("WS-RECEPTION-01"), "patient zero");
    assert!(
        dom.contains("<svg") && dom.contains("MRI-CONSOLE-01"),
        "the spread graph with the clinical device"
    );
    assert!(
        dom.contains("id=\"accounts-reset\"") && dom.contains("CLINIC\\radiology.tech"),
        "the accounts table"
    );
    assert!(
        !stderr.contains("Uncaught") && !stderr.contains("Refused to"),
        "{stderr}"
    );
    let shot = target.join("demo-report.png");
    let _ = std::fs::remove_file(&shot);
    let shot_arg = format!("--screenshot={}", shot.display());
    run(&[&shot_arg, "--window-size=1280,2400", "--hide-scrollbars"]);
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "a screenshot for a person to look at"
    );
}

#[test]
fn audit_outputs_never_contain_a_hash_or_password() {
    let data = repo().join("crates/ward-audit/tests/data");
    let hashes = std::fs::read_to_string(data.join("ntds.txt")).expect("hash export");
    // Every hash in the export (LM and NT), and each half of it, must stay out of every output.
    let secrets: Vec<String> = hashes
        .lines()
        .flat_map(|l| {
            l.split(':')
                .skip(2)
                .take(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|h| h.len() == 32)
        .flat_map(|h| {
            [
                h[..16].to_string(),
                h[16..].to_string(),
                h.to_ascii_uppercase(),
                h,
            ]
        })
        .collect();
    assert!(secrets.len() >= 8, "the export holds hashes to look for");
    let passwords = ["Password1", "Welcome1", "Summer2024"];
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["table", "jsonl", "json", "csv"] {
        let html = dir.path().join(format!("{format}.html"));
        let out = ward()
            .args(["audit", "--as-of", "2026-03-05", "-f", format, "--html"])
            .arg(&html)
            .arg(&data)
            .arg(repo().join("demo/outbreak"))
            .output()
            .expect("ward audit runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        text.push_str(&std::fs::read_to_string(&html).expect("html written"));
        assert!(
            text.contains("password-quality"),
            "the check ran ({format})"
        );
        for s in secrets.iter().map(String::as_str).chain(passwords) {
            assert!(
                !text.to_ascii_lowercase().contains(&s.to_ascii_lowercase()),
                "{format} output leaks {s}"
            );
        }
    }
}
