//! The .deb: built by cargo-deb (`--no-build`, around the binary this test suite already
//! built), unpacked into a scratch root and checked file by file; the systemd units pass
//! `systemd-analyze verify` and the man pages render with `man -l`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds the .deb into `out` from the test binary's profile folder; `None` when cargo-deb is
/// absent (scripts/install-test-deps.sh installs it).
fn build_deb(out: &Path) -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(&cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("SKIPPED: cargo-deb is not installed (scripts/install-test-deps.sh installs it)");
        return None;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_ward"));
    let profile_dir = bin.parent().expect("the binary's folder");
    let assets = profile_dir.join("ward-assets");
    let status = Command::new(bin)
        .arg("generate-assets")
        .arg(&assets)
        .status()
        .expect("ward runs");
    assert!(status.success());
    std::fs::copy(repo().join("docs/monitor.md"), assets.join("monitor.md")).expect("copy");
    let started = Instant::now();
    let deb = out.join("ward.deb");
    let output = Command::new(&cargo)
        .current_dir(repo())
        .args([
            "deb",
            "-p",
            "ward",
            "--no-build",
            "--profile",
            "dev",
            "--fast",
            "--offline",
            "-o",
        ])
        .arg(&deb)
        .output()
        .expect("cargo deb runs");
    assert!(
        output.status.success(),
        "cargo deb: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "cargo deb --no-build took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Some(deb)
}

#[test]
fn the_deb_installs_the_binary_pages_completions_config_and_units() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(deb) = build_deb(tmp.path()) else {
        return;
    };
    let root = tmp.path().join("root");
    let control = tmp.path().join("control");
    for (flag, dir) in [("-x", &root), ("-e", &control)] {
        let status = Command::new("dpkg-deb")
            .arg(flag)
            .arg(&deb)
            .arg(dir)
            .status()
            .expect("dpkg-deb runs");
        assert!(status.success(), "dpkg-deb {flag}");
    }

    let mode = |p: &str| {
        std::fs::metadata(root.join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("usr/bin/ward"), 0o755);
    assert_eq!(mode("etc/ward/ward.toml"), 0o640);
    for page in [
        "ward",
        "ward-hunt",
        "ward-monitor",
        "ward-rules-update",
        "ward-rules-rollback",
    ] {
        let man1 = root.join("usr/share/man/man1");
        assert!(
            man1.join(format!("{page}.1")).is_file() || man1.join(format!("{page}.1.gz")).is_file(),
            "man page {page}.1 missing from the .deb"
        );
    }
    for file in [
        "usr/share/bash-completion/completions/ward",
        "usr/share/zsh/vendor-completions/_ward",
        "usr/share/fish/vendor_completions.d/ward.fish",
        "usr/share/doc/ward/monitor.md",
        "lib/systemd/system/ward-monitor.service",
        "lib/systemd/system/ward-rules-update.service",
        "lib/systemd/system/ward-rules-update.timer",
    ] {
        assert!(root.join(file).is_file(), "{file} missing from the .deb");
    }
    // The hidden asset generator has no page of its own.
    assert!(
        !root
            .join("usr/share/man/man1/ward-generate-assets.1.gz")
            .exists()
    );
    let conffiles = std::fs::read_to_string(control.join("conffiles")).expect("conffiles");
    assert!(
        conffiles.lines().any(|l| l == "/etc/ward/ward.toml"),
        "{conffiles}"
    );
    let postinst = std::fs::read_to_string(control.join("postinst")).expect("postinst");
    assert!(postinst.contains("useradd --system") && postinst.contains("chmod 0640"));

    // The packaged binary runs and the packaged configuration is one the monitor accepts.
    let version = Command::new(root.join("usr/bin/ward"))
        .arg("--version")
        .env("WARD_RULES_HOME", tmp.path().join("no-rules"))
        .output()
        .expect("packaged ward runs");
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with("ward ") && version.contains("rules: none installed"),
        "{version}"
    );
    ward_monitor::MonitorConfig::from_file(&root.join("etc/ward/ward.toml"))
        .expect("the packaged ward.toml is a valid monitor configuration");

    check_units(&root);
    check_man_pages(&root);
}

/// `systemd-analyze verify` on the packaged units, with the binary path pointed into the root.
fn check_units(root: &Path) {
    if !have("systemd-analyze", "--version") {
        eprintln!("SKIPPED: systemd-analyze is absent; the units were not verified");
        return;
    }
    let units = root.join("lib/systemd/system");
    let check = root.join("verify");
    std::fs::create_dir_all(&check).unwrap();
    let bin = root.join("usr/bin/ward");
    let mut paths = Vec::new();
    for name in [
        "ward-monitor.service",
        "ward-rules-update.service",
        "ward-rules-update.timer",
    ] {
        let text = std::fs::read_to_string(units.join(name)).unwrap();
        let path = check.join(name);
        std::fs::write(&path, text.replace("/usr/bin/ward", bin.to_str().unwrap())).unwrap();
        paths.push(path);
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&paths)
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .expect("systemd-analyze runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Without a running systemd (containers) verify reports the missing bus; the unit checks
    // themselves must be clean.
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ward-"))
        .filter(|l| {
            !l.contains("Failed to connect to bus") && !l.contains("System has not been booted")
        })
        .collect();
    assert!(problems.is_empty(), "systemd-analyze verify:\n{text}");
    assert!(
        out.status.success() || text.contains("bus"),
        "systemd-analyze verify:\n{text}"
    );
}

/// `man -l` renders every packaged page.
fn check_man_pages(root: &Path) {
    if !have("man", "--version") {
        eprintln!("SKIPPED: man is absent; the pages were not rendered");
        return;
    }
    let dir = root.join("usr/share/man/man1");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "{} man pages", pages.len());
    for page in pages {
        let out = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "man -l {}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("NAME") && text.contains("ward"),
            "{}: {text}",
            page.display()
        );
    }
}
