//! Decompression bombs, made at run time: each is stopped at its cap within seconds, with an
//! error naming the input, in bounded memory, and what comes after it is still read.

use std::io::{Cursor, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ward_ingest::{FileReport, Limits, ReadOptions};

/// An iptables line.
const LINE: &[u8] = b"Sep 30 10:09:23 fw kernel: [1.2] IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP SPT=5 DPT=445\n";

/// A gzip of `members` identical gzip members, each 1 MiB: ten firewall lines and a line of
/// one repeated letter, so gzip squeezes it about a thousand-fold. `members` MiB inflated.
fn gzip_bomb(members: usize) -> Vec<u8> {
    let mut block = LINE.repeat(10);
    block.resize((1 << 20) - 1, b'A');
    block.push(b'\n');
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&block).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(members)
}

fn zip_of(members: &[(String, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in members {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn read(name: &str, bytes: Vec<u8>, limits: Limits) -> (u64, Vec<FileReport>, Duration) {
    let options = ReadOptions {
        syslog_year: Some(2024),
        limits,
        ..ReadOptions::default()
    };
    let started = Instant::now();
    let mut events = 0;
    let reports =
        ward_ingest::read_reader_with(name, Box::new(Cursor::new(bytes)), &options, &mut |_| {
            events += 1;
        });
    (events, reports, started.elapsed())
}

/// The bombs run one at a time, so each measures its own peak memory.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Resets the kernel's record of this process's peak resident memory (Linux `clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this test process since the last reset, from the kernel.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn errors(reports: &[FileReport]) -> Vec<String> {
    reports
        .iter()
        .flat_map(|r| r.errors.iter().map(ToString::to_string))
        .collect()
}

/// The caps the tests run under: the defaults, with the ratio checked from 1 MiB on so that a
/// debug build parses little before the cap (the default floor is 16 MiB).
fn caps() -> Limits {
    Limits {
        ratio_floor: 1 << 20,
        ..Limits::default()
    }
}

#[test]
fn a_gzip_inflating_a_thousand_fold_to_4_gib_is_cut_at_the_ratio_cap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    reset_peak_rss();
    let bomb = gzip_bomb(4096);
    assert!(bomb.len() < 8 << 20, "the bomb is {} bytes", bomb.len());
    let (events, reports, took) = read("bomb.log.gz", bomb, caps());
    let errors = errors(&reports);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].format, "iptables");
    assert!(events > 0, "what came before the cap is read");
    assert!(events < 100_000, "{events} events: the cap did not stop it");
    // The long line after each ten firewall lines is a bad record; the cap is the last word.
    let cut = errors.last().unwrap();
    assert!(
        cut.starts_with("bomb.log.gz: stopped after ")
            && cut.contains("this gzip inflates more than 200-fold"),
        "{errors:?}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(peak_rss_mib() < 1024, "peak memory {} MiB", peak_rss_mib());
}

#[test]
fn a_zip_of_100000_members_reads_the_first_10000_and_says_so() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    reset_peak_rss();
    let members: Vec<(String, Vec<u8>)> = (0..100_000)
        .map(|i| (format!("m{i}.log"), LINE.to_vec()))
        .collect();
    let archive = zip_of(&members, zip::CompressionMethod::Stored);
    let (events, reports, took) = read("many.zip", archive, Limits::default());
    assert_eq!(
        errors(&reports)[0],
        "many.zip: zip archive holds 100000 members; the first 10000 are read (limit max_zip_members)"
    );
    assert_eq!(events, 10_000);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(peak_rss_mib() < 1024, "peak memory {} MiB", peak_rss_mib());
}

#[test]
fn a_zip_of_twenty_gzip_bombs_cuts_each_and_reads_the_member_after_them() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    reset_peak_rss();
    let bomb = gzip_bomb(4096);
    let mut members: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| (format!("bomb{i}.log.gz"), bomb.clone()))
        .collect();
    members.push(("after.log".into(), LINE.to_vec()));
    let archive = zip_of(&members, zip::CompressionMethod::Stored);
    drop(members);
    let (_, reports, took) = read("bombs.zip", archive, caps());
    let cut: Vec<&FileReport> = reports
        .iter()
        .filter(|r| {
            r.errors
                .iter()
                .any(|e| e.to_string().contains("inflates more than"))
        })
        .collect();
    assert_eq!(cut.len(), 20);
    assert_eq!(cut[3].path, "bombs.zip!bomb3.log.gz");
    let after = reports
        .iter()
        .find(|r| r.path == "bombs.zip!after.log")
        .unwrap();
    assert_eq!((after.events, after.bad_records), (1, 0));
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(peak_rss_mib() < 1024, "peak memory {} MiB", peak_rss_mib());
}

#[test]
fn the_total_inflated_size_of_one_input_is_capped() {
    let bomb = gzip_bomb(64);
    let limits = Limits {
        max_inflated_bytes: 8 << 20,
        max_ratio: u64::MAX,
        ..Limits::default()
    };
    let (_, reports, _) = read("big.log.gz", bomb, limits);
    let errors = errors(&reports);
    assert!(
        errors
            .last()
            .unwrap()
            .contains("inflates past 8388608 bytes (limit max_inflated_bytes)"),
        "{errors:?}"
    );
}

#[test]
fn a_zip_larger_than_its_cap_is_not_opened() {
    let archive = zip_of(
        &[("a.log".into(), LINE.repeat(1000))],
        zip::CompressionMethod::Stored,
    );
    let limits = Limits {
        max_zip_bytes: 1024,
        ..Limits::default()
    };
    let (events, reports, _) = read("huge.zip", archive, limits);
    assert_eq!(events, 0);
    assert_eq!(
        errors(&reports),
        ["huge.zip: zip archive larger than 1024 bytes (limit max_zip_bytes); not opened"]
    );
}

#[test]
fn an_ordinary_compressed_log_is_read_whole_under_the_default_caps() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&LINE.repeat(20_000)).unwrap();
    let (events, reports, _) = read("fw.log.gz", enc.finish().unwrap(), Limits::default());
    assert_eq!((events, reports[0].bad_records), (20_000, 0));
}
