//! The input caps are the user's to set: `--max-inflated` cuts a gzip that inflates past it,
//! with an error naming the file in the report, and the other inputs are still read whole.

use assert_cmd::Command;
use std::io::Write as _;
use std::path::Path;

fn hunt(args: &[&str], path: &Path) -> serde_json::Value {
    let home = tempfile::tempdir().expect("a temporary folder");
    let out = Command::cargo_bin("ward")
        .expect("the ward binary is built")
        .env("WARD_RULES_HOME", home.path())
        .args(["hunt", "--quiet", "--no-default-rules", "--format", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON case")
}

fn file<'a>(case: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    case["inputs"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} in {case}"))
}

#[test]
fn max_inflated_cuts_a_gzip_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // 4 MiB of firewall lines that compress about 100-fold.
    let line = "Mar  1 10:00:00 fw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 PROTO=TCP SPT=40000 DPT=445\n";
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.path().join("fw.log.gz")).expect("created"),
        flate2::Compression::best(),
    );
    for _ in 0..(4 << 20) / line.len() {
        gz.write_all(line.as_bytes()).expect("written");
    }
    gz.finish().expect("finished");
    std::fs::write(dir.path().join("plain.log"), line.repeat(10)).expect("written");

    let whole = hunt(&["--year", "2026"], dir.path());
    let whole_events = file(&whole, "fw.log.gz")["events"].as_u64().unwrap_or(0);
    assert!(whole_events > 30_000, "{whole_events}");
    assert_eq!(
        file(&whole, "fw.log.gz")["errors"].as_array().map(Vec::len),
        Some(0)
    );

    let cut = hunt(&["--year", "2026", "--max-inflated", "1M"], dir.path());
    let gz = file(&cut, "fw.log.gz");
    let events = gz["events"].as_u64().unwrap_or(0);
    assert!(
        events > 0 && events < whole_events / 2,
        "{events} of {whole_events}"
    );
    // The file's entry (which names it) says where and why it stopped.
    let stopped = gz["errors"].as_array().expect("errors").iter().any(|e| {
        e["unit"] == "file"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("max_inflated_bytes"))
    });
    assert!(stopped, "{gz}");
    assert_eq!(
        file(&cut, "plain.log")["events"],
        10,
        "the other input is read whole"
    );
}

#[test]
fn a_bad_size_is_refused_with_the_reason() {
    let out = Command::cargo_bin("ward")
        .expect("the ward binary is built")
        .args(["hunt", "--max-inflated", "12Q", "."])
        .output()
        .expect("ward runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown size suffix"), "{err}");
}
