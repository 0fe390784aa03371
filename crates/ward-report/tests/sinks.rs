//! The terminal, JSONL, CSV and JSON sinks over the sample outbreak.

mod common;

use common::{at, outbreak};
use std::io::{self, Write};
use ward_analytics::Case;
use ward_report::{Overview, Style, write_csv_timeline, write_json, write_jsonl, write_summary};

fn render(f: impl Fn(&Case, &mut dyn Write) -> io::Result<()>, case: &Case) -> String {
    let mut out = Vec::new();
    f(case, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("utf-8 output")
}

fn summary(case: &Case, style: Style) -> String {
    render(|c, o| write_summary(c, o, style), case)
}

#[test]
fn summary_leads_with_the_outbreak_and_what_to_reset() {
    let text = summary(&outbreak(), Style::plain());
    assert!(
        text.contains("Outbreak: a worm spread between devices"),
        "{text}"
    );
    assert!(text.contains("Patient zero: FS-01"));
    assert!(text.contains("Devices affected: 5 (2 clinical). Accounts to reset: 1, to review: 1."));
    assert!(text.contains("Evidence from 2024-03-01T08:05:00Z to 2024-03-01T11:50:00Z."));
    assert!(text.contains("2 files, 2,000 events, 2 bad records."));
    assert!(text.contains("record 57: bad chunk checksum"));
    assert!(text.contains("120 loaded, 3 skipped."));
    assert!(text.contains("unsupported modifier (3)"));
    assert!(text.contains("ward rules check"));
    assert!(text.contains(
        "C1 service:WmiApSrvEx (worm, worm 5 / admin 1): 5 hosts, 4 hops, patient zero FS-01."
    ));
    assert!(text.contains("FS-01 (patient zero)"));
    assert!(text.contains("CLINIC\\svc-backup"));
    assert!(text.contains("clean computer"));
    // Clinical devices are listed first.
    let devices = &text[text.find("Affected devices").expect("devices table")..];
    let mri = devices.find("│ MRI-01").expect("MRI-01 row");
    let ws = devices.find("│ WS-07 ").expect("WS-07 row");
    assert!(mri < ws);
    assert!(!text.contains('\u{1b}'), "plain style has no ANSI codes");
}

#[test]
fn a_suspicious_cluster_is_shown_apart_from_the_outbreak() {
    let mut case = outbreak();
    let mut look = case.spread.clusters[0].clone();
    look.id = "C2".into();
    look.artefact = "service:Updater".into();
    look.verdict = ward_analytics::case::Verdict::Suspicious;
    look.patient_zero = Some("SCCM-01".into());
    for h in &mut look.hosts {
        h.host = format!("LOOK-{}", h.host);
    }
    // One host both clusters reached stays in the outbreak only.
    look.hosts[0].host = "WS-07".into();
    case.spread.clusters.push(look);
    case.accounts.reset_if_confirmed = case.accounts.review.clone();
    let text = summary(&case, Style::plain());
    // The headline counts the worm only: one patient zero, five devices.
    assert!(text.contains("Patient zero: FS-01\n"), "{text}");
    assert!(text.contains("Devices affected: 5 (2 clinical)."), "{text}");
    assert!(text.contains(
        "Needs a look (not counted above): 1 suspicious cluster(s) reaching 4 other device(s); \
         1 account(s) to reset if confirmed."
    ));
    let look = &text[text.find("Needs a look (suspicious").expect("section")..];
    assert!(look.contains("C2 service:Updater (suspicious"));
    assert!(look.contains("LOOK-MRI-01"));
    assert!(!look.contains("│ WS-07 "));
    assert!(look.contains("Accounts to reset if confirmed"));
    let json = serde_json::to_value(Overview::of(&case)).expect("overview");
    assert_eq!(json["needs_a_look"]["clusters"], serde_json::json!(["C2"]));
    assert_eq!(json["affected_devices"].as_array().map(Vec::len), Some(5));
}

#[test]
fn summary_of_an_empty_case_says_nothing_was_found() {
    let text = summary(&Case::new("0.1.0", at("12:00")), Style::plain());
    assert!(text.contains("Nothing found"));
    assert!(text.contains("No rule matched."));
    assert!(text.contains("No analytic raised a finding."));
    assert!(!text.contains("Outbreak\n"));
    assert!(!text.contains("Patient zero"));
}

#[test]
fn summary_colours_only_when_asked_and_honours_width() {
    let coloured = summary(
        &outbreak(),
        Style {
            color: true,
            width: Some(80),
        },
    );
    assert!(coloured.contains('\u{1b}'));
    let narrow = summary(
        &outbreak(),
        Style {
            color: false,
            width: Some(60),
        },
    );
    let widest = narrow
        .lines()
        .filter(|l| l.starts_with('│') || l.starts_with('┌'))
        .map(|l| l.chars().count())
        .max();
    assert!(
        widest.is_some_and(|w| w <= 60),
        "tables fit 60 columns: {widest:?}"
    );
}

#[test]
fn summary_does_not_pass_terminal_escapes_from_logs() {
    let mut case = outbreak();
    let mut detections: Vec<_> = case.detections.iter().map(|d| d.into_owned()).collect();
    detections[0].host = "EVIL\u{1b}]0;pwned\u{7}\u{1b}[2J".into();
    case.detections = detections.into();
    case.findings[0].summary = "clear\u{1b}[2Jscreen \u{202E}exe.fdp".into();
    let text = summary(&case, Style::plain());
    assert!(!text.contains('\u{1b}'));
    assert!(!text.contains('\u{202E}'));
    assert!(text.contains("EVIL\\x1B]0;pwned\\x07\\x1B[2J"));
}

#[test]
fn jsonl_has_one_detection_per_line_then_the_findings() {
    let text = render(write_jsonl, &outbreak());
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 8);
    let first = &lines[0];
    assert_eq!(first["type"], "detection");
    assert_eq!(first["time"], "2024-03-01T08:05:00Z");
    assert_eq!(first["host"], "FS-01");
    assert_eq!(first["rule_id"], "kw-1");
    assert_eq!(first["level"], "critical");
    assert_eq!(first["source"], "System");
    assert_eq!(first["record_id"], 11);
    assert_eq!(first["file"], "logs/fs-01.evtx");
    assert_eq!(first["fields"]["ServiceName"], "WmiApSrvEx");
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        ["detection"; 6]
            .into_iter()
            .chain(["finding"; 2])
            .collect::<Vec<_>>()
    );
    assert_eq!(lines[7]["analytic"], "beacon");
    assert_eq!(lines[7]["details"]["interval_secs"], 300);
}

#[test]
fn jsonl_keeps_the_case_order_across_batches() {
    // More detections than one batch of lines encoded together (4,096), some past it.
    let mut case = outbreak();
    let many: Vec<_> = (0..10_000u64)
        .map(|i| {
            common::detection(
                "09:00",
                "WS-07",
                &format!("r-{i}"),
                "t",
                ward_event::Level::High,
                i,
            )
        })
        .collect();
    case.detections = many.into();
    let text = render(write_jsonl, &case);
    let records: Vec<u64> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("each line is JSON"))
        .filter(|l| l["type"] == "detection")
        .map(|l| l["record_id"].as_u64().expect("a record id"))
        .collect();
    assert_eq!(records, (0..10_000).collect::<Vec<u64>>());
    assert_eq!(text.lines().count(), 10_000 + case.findings.len());
}

#[test]
fn csv_timeline_loads_as_timesketch_expects() {
    let text = render(write_csv_timeline, &outbreak());
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        &header[..4],
        ["datetime", "timestamp", "timestamp_desc", "message"]
    );
    for col in [
        "host",
        "rule_id",
        "level",
        "source",
        "event_id",
        "record_id",
        "file",
    ] {
        assert!(header.iter().any(|h| h == col), "column {col}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(&rows[0][0], "2024-03-01T08:05:00Z");
    assert_eq!(&rows[0][1], "1709280300000000");
    assert_eq!(
        &rows[0][3],
        "Kwampirs service installed [critical] on FS-01"
    );
    let kinds: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    assert_eq!(
        kinds,
        [
            "rule", "rule", "finding", "finding", "rule", "rule", "rule", "rule"
        ]
    );
    assert_eq!(&rows[3][6], "beacon");
    assert_eq!(&rows[3][2], "First Seen");
}

#[test]
fn csv_keeps_commas_quotes_and_newlines_intact() {
    let mut case = outbreak();
    let mut detections: Vec<_> = case.detections.iter().map(|d| d.into_owned()).collect();
    detections[0].title = "a, \"quoted\"\nline".into();
    case.detections = detections.into();
    let text = render(write_csv_timeline, &case);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = reader.records().next().expect("a row").expect("parses");
    assert_eq!(&row[3], "a, \"quoted\"\nline [critical] on FS-01");
}

#[test]
fn json_report_carries_the_case_and_the_overview() {
    let report: serde_json::Value =
        serde_json::from_str(&render(write_json, &outbreak())).expect("JSON");
    assert_eq!(report["schema_version"], "1.3");
    assert_eq!(report["overview"]["verdict"], "outbreak");
    assert_eq!(
        report["overview"]["patient_zero"],
        serde_json::json!(["FS-01"])
    );
    assert_eq!(report["overview"]["clinical_devices"], 2);
    assert_eq!(report["overview"]["affected_devices"][0]["host"], "MRI-01");
    assert_eq!(report["overview"]["first_evidence"], "2024-03-01T08:05:00Z");
    assert_eq!(
        report["spread"]["clusters"][0]["edges"][3]["account"],
        "CLINIC\\jdoe"
    );
    assert_eq!(
        report["accounts"]["reset"][0]["account"],
        "CLINIC\\svc-backup"
    );
}

/// A writer that fails once `room` bytes are used, like a full disk.
struct FullDisk {
    room: usize,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink as the CLI calls it.
type Sink = fn(&Case, &mut dyn Write) -> io::Result<()>;

#[test]
fn every_sink_reports_write_errors() {
    let case = outbreak();
    let sinks: [(&str, Sink); 5] = [
        ("summary", |c, o| write_summary(c, o, Style::plain())),
        ("jsonl", write_jsonl),
        ("csv", write_csv_timeline),
        ("json", write_json),
        ("html", ward_report::write_html),
    ];
    for (name, sink) in sinks {
        let err = sink(&case, &mut FullDisk { room: 100 }).expect_err(name);
        assert!(err.to_string().contains("disk full"), "{name}: {err}");
    }
}

#[test]
fn summary_lists_readiness_with_marks_and_remediation_for_failures() {
    let text = summary(&outbreak(), Style::plain());
    let readiness = &text[text
        .find("Readiness\n---------")
        .expect("a readiness section")..];
    assert!(
        readiness.contains("Score 40 / 100 (share of decided checks that pass, weighted by severity): 1 failed, 1 unknown, 1 passed."),
        "{readiness}"
    );
    let fail = readiness.find("✗ FAIL").expect("fail mark");
    let unknown = readiness.find("? UNKNOWN").expect("unknown mark");
    let pass = readiness.find("✓ PASS").expect("pass mark");
    assert!(fail < unknown && unknown < pass, "{readiness}");
    assert!(readiness.contains("(password-quality)"), "{readiness}");
    assert!(
        readiness.contains("Give every account its own long"),
        "{readiness}"
    );
    // Remediation is for failures only.
    assert!(
        !readiness.contains("Keep real-time protection on"),
        "{readiness}"
    );
    assert!(
        !readiness.contains("Give administrators a separate"),
        "{readiness}"
    );
    assert!(!readiness.contains('\x1b'));
}

#[test]
fn summary_lists_network_findings_apart_with_their_figures() {
    let text = summary(&common::outbreak_with_network(), Style::plain());
    let findings = &text[text.find("Findings\n--------").expect("findings")..];
    let (host, network) = findings
        .split_once("Network findings:")
        .expect("a network table");
    assert!(host.contains("remote-execution") && host.contains("PACS-01 did recon-burst"));
    assert!(!host.contains("beacon"), "{host}");
    for expected in [
        "Beacons (beacon)",
        "interval (s) 300 · score 0.91 · connections 28 · destination 203.0.113.9:443",
        "Vertical scans (scan-vertical)",
        "ports 1000 · destination 10.0.0.5 · failed 990",
        "SMB fan-out (smb-fan-out)",
    ] {
        assert!(network.contains(expected), "{expected} in {network}");
    }
    let network = &network[..network.find("Readiness\n").unwrap_or(network.len())];
    assert!(!network.contains("PACS-01"), "{network}");
}
