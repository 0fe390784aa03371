//! Renders the sample outbreak's report in headless Chromium: the verdict, the spread graph and
//! the accounts table reach the DOM, the console stays clean, and the page asks for nothing.

mod common;

use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(profile: &Path, extra: &[&str], url: &str) -> (String, String) {
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
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_report_renders_in_a_browser_without_errors_or_requests() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipping: chromium not installed (scripts/install-test-deps.sh installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.html");
    let mut html = Vec::new();
    ward_report::write_html(&common::outbreak(), &mut html).expect("render");
    std::fs::write(&report, &html).expect("write report");
    let url = format!("file://{}", report.display());

    let (dom, stderr) = chromium(&dir.path().join("profile-dom"), &["--dump-dom"], &url);
    assert!(
        dom.contains("Outbreak: a worm spread between devices"),
        "verdict in DOM"
    );
    assert!(
        dom.contains("<svg") && dom.contains("class=\"spread\""),
        "spread graph in DOM"
    );
    assert!(
        dom.contains("id=\"accounts-reset\"") && dom.contains("CLINIC\\svc-backup"),
        "accounts table in DOM"
    );
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.contains("Uncaught")
                || (l.contains("CONSOLE") || l.contains("console")) && l.contains("rror")
        })
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    // Any fetch the page tried would be refused by the policy and logged as a violation.
    assert!(
        !stderr.contains("Content Security Policy") && !stderr.contains("Refused to"),
        "{stderr}"
    );
    assert!(
        only_svg_namespace(&html),
        "no absolute URL but the SVG namespace"
    );

    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report.png");
    let shot_arg = format!("--screenshot={}", shot.display());
    let _ = std::fs::remove_file(&shot);
    chromium(
        &dir.path().join("profile-shot"),
        &[&shot_arg, "--window-size=1280,2000", "--hide-scrollbars"],
        &url,
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
}

/// The only absolute URL in the page is the SVG namespace, which is never fetched.
fn only_svg_namespace(html: &[u8]) -> bool {
    let text = String::from_utf8_lossy(html);
    text.matches("http://").count() == text.matches("http://www.w3.org/2000/svg").count()
}
