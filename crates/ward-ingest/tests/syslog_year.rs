//! RFC 3164 syslog times carry no year; Ward takes it from the options, the log's own dated
//! lines or the file's mtime — never the clock — so a file reads the same on any date.

use std::fs::File;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

use ward_event::Timestamp;
use ward_ingest::ReadOptions;

const UNDATED: &str = "Dec 30 23:59:00 fw kernel: [1.2] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP SPT=5 DPT=445\n\
                       Jan  2 08:00:00 fw kernel: [1.3] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.2 PROTO=TCP SPT=5 DPT=445\n";

fn times_of(
    reports_and_events: (Vec<ward_ingest::FileReport>, Vec<ward_event::Event>),
) -> Vec<String> {
    let (reports, events) = reports_and_events;
    assert_eq!(
        reports.iter().map(|r| r.format).collect::<Vec<_>>(),
        ["iptables"]
    );
    events.iter().map(|e| e.time.to_rfc3339()).collect()
}

fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Vec<String> {
    let mut events = Vec::new();
    let reports =
        ward_ingest::read_reader_with("fw.log", Box::new(bytes), options, &mut |e| events.push(e));
    times_of((reports, events))
}

/// A file last written at `mtime` holding `text`.
fn file_written_at(text: &str, mtime: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(text.as_bytes()).expect("written");
    let secs = Timestamp::parse(mtime).expect("time").as_nanos() / 1_000_000_000;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs());
    File::options()
        .write(true)
        .open(file.path())
        .and_then(|f| f.set_modified(at))
        .expect("mtime set");
    file
}

#[test]
fn an_explicit_year_is_the_year_of_every_undated_time() {
    let options = ReadOptions {
        syslog_year: Some(2019),
        ..ReadOptions::default()
    };
    assert_eq!(
        read_bytes(UNDATED.as_bytes(), &options),
        ["2019-12-30T23:59:00Z", "2019-01-02T08:00:00Z"]
    );
}

#[test]
fn the_mtime_places_the_log_and_it_runs_past_new_year() {
    // 2011 is nobody's today: a clock-based guess could not give it.
    let file = file_written_at(UNDATED, "2011-01-03T10:00:00Z");
    let mut events = Vec::new();
    let reports = ward_ingest::read_path(file.path(), &mut |e| events.push(e));
    assert_eq!(
        times_of((reports, events)),
        ["2010-12-30T23:59:00Z", "2011-01-02T08:00:00Z"]
    );
}

#[test]
fn the_same_file_gives_the_same_times_on_any_day() {
    let file = file_written_at(UNDATED, "2011-01-03T10:00:00Z");
    let read = || {
        let mut events = Vec::new();
        let reports = ward_ingest::read_path(file.path(), &mut |e| events.push(e));
        times_of((reports, events))
    };
    assert_eq!(read(), read());
    // Reading it as a recorded stream, with the same "written" time, agrees.
    let options = ReadOptions {
        written: Timestamp::parse("2011-01-03T10:00:00Z").ok(),
        ..ReadOptions::default()
    };
    assert_eq!(read_bytes(UNDATED.as_bytes(), &options), read());
}

#[test]
fn a_dated_line_in_the_file_beats_the_mtime() {
    let text = format!(
        "<134>1 2015-12-29T12:00:00Z fw kernel - - - [9.9] IN=eth0 OUT= SRC=10.0.0.8 DST=10.0.0.1 PROTO=UDP SPT=5 DPT=53\n{UNDATED}"
    );
    let file = file_written_at(&text, "2024-06-01T00:00:00Z");
    let mut events = Vec::new();
    let reports = ward_ingest::read_path(file.path(), &mut |e| events.push(e));
    assert_eq!(
        times_of((reports, events)),
        [
            "2015-12-29T12:00:00Z",
            "2015-12-30T23:59:00Z",
            "2016-01-02T08:00:00Z"
        ]
    );
}

#[test]
fn nothing_to_go_by_keeps_the_times_in_1970() {
    assert_eq!(
        read_bytes(UNDATED.as_bytes(), &ReadOptions::default()),
        ["1970-12-30T23:59:00Z", "1971-01-02T08:00:00Z"]
    );
}
