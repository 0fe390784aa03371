//! The `ward` binary as a user runs it: on the shipped demo outbreak, on damaged input, and on
//! the public corpora in `../shared/data` when present.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo() -> PathBuf {
    repo().join("demo/outbreak")
}

fn shared_data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

fn ward() -> Command {
    let mut cmd = Command::cargo_bin("ward").expect("the ward binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn hunt_demo(format: &str) -> String {
    let assets = demo().join("assets.csv");
    let out = ward()
        .args(["hunt", "--quiet", "--format", format, "--assets"])
        .arg(&assets)
        .arg(demo())
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "ward failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

#[test]
fn demo_summary_tells_the_outbreak_story() {
    let text = hunt_demo("table");
    assert!(
        text.contains("Outbreak: a worm spread between devices"),
        "{text}"
    );
    assert!(text.contains("Patient zero: WS-RECEPTION-01"), "{text}");
    assert!(text.contains("clean computer"), "{text}");
    // The assets file is configuration, not a log: it must not be read as input.
    assert!(!text.contains("assets.csv"), "{text}");
}

#[test]
fn demo_jsonl_is_one_json_object_per_line() {
    let text = hunt_demo("jsonl");
    let mut detections = 0;
    let mut findings = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        match v["type"].as_str() {
            Some("detection") => {
                detections += 1;
                assert!(
                    v["rule_id"].is_string() && v["time"].is_string() && v["fields"].is_object(),
                    "{v}"
                );
            }
            Some("finding") => findings += 1,
            other => panic!("unexpected line type {other:?}"),
        }
    }
    assert!(detections > 50, "{detections} detections");
    assert!(findings >= 6, "{findings} findings");
}

#[test]
fn demo_csv_timeline_has_timesketch_columns() {
    let text = hunt_demo("csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    for col in ["datetime", "timestamp_desc", "message"] {
        assert!(
            headers.iter().any(|h| h == col),
            "missing {col} in {headers:?}"
        );
    }
    let rows: Vec<_> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("rows parse");
    assert!(rows.len() > 50);
    let times: Vec<i64> = rows
        .iter()
        .map(|r| {
            r.get(1)
                .and_then(|t| t.parse().ok())
                .expect("timestamp column")
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "timeline is in time order");
}

#[test]
fn demo_json_report_names_patient_zero_and_accounts() {
    let text = hunt_demo("json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    assert_eq!(v["schema_version"], "1.3");
    let worm = v["spread"]["clusters"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["verdict"] == "worm"))
        .expect("a worm cluster");
    assert_eq!(worm["patient_zero"], "WS-RECEPTION-01");
    let reset: Vec<&str> = v["accounts"]["reset"]
        .as_array()
        .expect("reset list")
        .iter()
        .filter_map(|a| a["account"].as_str())
        .collect();
    assert!(reset.contains(&"CLINIC\\alice"), "{reset:?}");
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let run = |threads: &str| {
        let out = ward()
            .args(["hunt", "-q", "-f", "jsonl", "--threads", threads])
            .arg(demo())
            .output()
            .expect("ward runs");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(run("1"), run("2"));
}

/// Large inputs sort their facts on disk; a tiny chunk sends the demo through that path, which
/// must give the same case, byte for byte, as sorting in memory.
#[test]
fn facts_sorted_on_disk_give_the_same_case_as_in_memory() {
    let run = |chunk: Option<&str>| {
        let mut cmd = ward();
        cmd.args(["hunt", "-q", "-f", "json", "--assets"])
            .arg(demo().join("assets.csv"))
            .arg(demo());
        if let Some(chunk) = chunk {
            cmd.args(["--spill-chunk", chunk]);
        }
        let out = cmd.output().expect("ward runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        // The report's creation time differs between runs.
        let mut case: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        case.as_object_mut().expect("object").remove("generated_at");
        case
    };
    let in_memory = run(None);
    let clusters = in_memory["spread"]["clusters"]
        .as_array()
        .expect("clusters");
    assert!(!clusters.is_empty(), "the demo case traces a spread");
    assert!(
        !in_memory["findings"]
            .as_array()
            .expect("findings")
            .is_empty()
    );
    assert_eq!(run(Some("7")), in_memory);
}

#[test]
fn damaged_and_foreign_files_do_not_stop_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("broken.evtx"),
        b"ElfFile\0 this is not really an evtx file",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("half.json"),
        b"{\"Event\":{\"System\":{\"EventID\":4624",
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.txt"), b"hello").expect("write");
    std::fs::copy(
        demo().join("WS-RECEPTION-01/System.jsonl"),
        dir.path().join("System.jsonl"),
    )
    .expect("copy");
    let out = ward()
        .args(["hunt", "-f", "json", "-q"])
        .arg(dir.path())
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let files = v["inputs"]["files"].as_array().expect("files");
    let broken = files
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("half.json")))
        .expect("half.json listed");
    assert_eq!(broken["bad_records"], 1);
    assert!(
        broken["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        v["inputs"]["events"].as_u64().is_some_and(|n| n > 0),
        "the good file was still read"
    );
    let unrecognised = v["inputs"]["unrecognised"]
        .as_array()
        .expect("unrecognised list");
    assert!(
        unrecognised
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.ends_with("notes.txt")))
    );
}

#[test]
fn missing_input_is_a_usage_error() {
    let out = ward()
        .args(["hunt", "/nonexistent/logs"])
        .output()
        .expect("ward runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/logs"));
}

#[test]
fn fail_level_sets_the_exit_code() {
    let out = ward()
        .args(["hunt", "-q", "-o", "/dev/null", "--fail-level", "high"])
        .arg(demo())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sigmahq_regression_tests_pass_through_the_cli() {
    let Some(data) = shared_data() else { return };
    let out = ward()
        .args(["rules", "test"])
        .arg(data.join("sigma"))
        .output()
        .expect("ward runs");
    let text = String::from_utf8_lossy(&out.stdout);
    // Four tests expect one match where the event file holds 2–3 events that each satisfy the
    // rule as written (see ward-sigma's tests/regression.rs, COUNT_DISAGREES); nothing else may fail.
    assert!(text.contains("198 passed, 4 failed"), "{text}");
}

#[test]
fn hunting_the_whole_corpus_reads_every_evtx_file() {
    let Some(data) = shared_data() else { return };
    let out = ward()
        .args(["hunt", "-q", "-f", "json", "--rules"])
        .arg(data.join("sigma/rules/windows"))
        .arg(&data)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let evtx: Vec<&serde_json::Value> = v["inputs"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["format"] == "evtx")
        .collect();
    assert_eq!(
        evtx.len(),
        319,
        "every EVTX file under ../shared/data is read"
    );
    let evtx_events: u64 = evtx.iter().filter_map(|f| f["events"].as_u64()).sum();
    assert_eq!(
        evtx_events, 23_118,
        "the count evtx_dump gives for the same files"
    );
    assert!(v["rules"]["loaded"].as_u64().is_some_and(|n| n > 2000));
    assert_eq!(v["rules"]["skipped"], 0);
}

#[test]
fn intel_lists_and_stix_bundles_become_findings_on_named_hosts() {
    let intel = repo().join("demo/intel");
    let out = ward()
        .args(["hunt", "-q", "-f", "json", "--assets"])
        .arg(demo().join("assets.csv"))
        .arg("--intel")
        .arg(intel.join("kwampirs.txt"))
        .arg("--intel")
        .arg(intel.join("kwampirs.stix.json"))
        .arg(demo())
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let hits: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["analytic"] == "intel-match")
        .collect();
    assert!(
        !hits.is_empty(),
        "the demo's C2 addresses are in the intel files"
    );
    assert!(
        hits.iter().any(|f| f["host"] == "CT-SCANNER-01"),
        "hits are named after the device, not its IP"
    );
    // Without --intel there are none.
    let plain = hunt_demo("jsonl");
    assert!(!plain.contains("\"analytic\":\"intel-match\""));
    // Rule hits on network logs are named after their source device too.
    assert!(
        !plain
            .lines()
            .any(|l| l.contains("\"type\":\"detection\"") && l.contains("\"host\":\"\""))
    );
}

/// An RFC 3164 firewall line has no year: `--year` gives it; without it the year comes from the
/// file itself (here its modification time, set to 2021), never from the day Ward runs.
#[test]
fn hunt_year_dates_syslog_lines_written_without_one() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let log = dir.path().join("fw.log");
    std::fs::write(
        &log,
        "Mar  2 10:00:00 fw01 kernel: [12345.678] IN=eth0 OUT= MAC= SRC=10.0.0.5 DST=10.0.0.9 \
         LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=445 WINDOW=64240 \
         RES=0x00 SYN URGP=0\n",
    )
    .expect("write the log");
    let written = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_625_097_600); // 2021-07-01
    std::fs::File::options()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_modified(written))
        .expect("set the modification time");
    let rule = dir.path().join("smb.yml");
    std::fs::write(
        &rule,
        "title: SMB through the firewall\nid: 5d0c6f0e-2a7e-4a8e-9a51-0f3f3c6f2b11\nstatus: test\n\
         logsource:\n  category: firewall\ndetection:\n  selection:\n    dst_port: 445\n  \
         condition: selection\nlevel: medium\n",
    )
    .expect("write the rule");
    let time = |extra: &[&str]| -> String {
        let report = dir.path().join("report.json");
        ward()
            .arg("hunt")
            .arg(&log)
            .arg("-r")
            .arg(&rule)
            .args(extra)
            .args(["--format", "json", "-q", "-o"])
            .arg(&report)
            .assert()
            .success();
        let text = std::fs::read_to_string(&report).expect("report");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        v["detections"][0]["time"]
            .as_str()
            .expect("one detection")
            .to_string()
    };
    assert_eq!(time(&["--year", "2019"]), "2019-03-02T10:00:00Z");
    assert_eq!(
        time(&[]),
        "2021-03-02T10:00:00Z",
        "the year of the file's mtime"
    );
}
