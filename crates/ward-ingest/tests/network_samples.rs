//! Every network sample in `../shared/data` keeps the format it is sniffed as, its event count,
//! its bad-record count and what its events say (a digest of host, log source and fields, and
//! one of their times) across changes to the readers. The expected figures are
//! `tests/data/network_samples.tsv`, recorded with the readers as they were before the format
//! registry and the syslog year rule (`WARD_BLESS_SAMPLES=1 cargo test -p ward-ingest --test
//! network_samples` rewrites it); a line that differs on purpose is listed in [`CHANGED`] with
//! the reason.

mod common;

use std::fmt::Write as _;
use std::path::Path;

/// The folders of `../shared/data` that hold network logs (Zeek, firewalls, proxies).
const NETWORK_CORPORA: [&str; 6] = [
    "zeek-baseline",
    "rita",
    "slips",
    "crowdsec-hub",
    "plaso-testdata",
    "elastic-fw-samples",
];

const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/network_samples.tsv"
);

/// The snapshot was recorded on this date, when the readers took the year of RFC 3164 syslog
/// times from the clock; reading "as if written then" gives the same years from the mtime rule.
const RECORDED: &str = "2026-12-07T12:00:00Z";

/// Lines that differ from the snapshot on purpose: (what the line is now, why).
const CHANGED: &[(&str, &str)] = &[(
    "crowdsec-hub/tests/pf-logs/pf-logs.log\tpf-filterlog\t9\t0\t35d77d90adc9b969\t69461c71f00c9c05",
    "its three RFC 3164 lines (Sep 28, no year) now take 2022 from the file's RFC 5424 lines \
     (2022-09-06) instead of the year of the day it was read",
)];

/// FNV-1a, stable across Rust versions (unlike `DefaultHasher`).
fn fnv(hash: &mut u64, text: &str) {
    for b in text.bytes() {
        *hash = (*hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
}

/// One line per input read: `path  format  events  bad  content-digest  time-digest`
/// (the digests cover every event of the path, archive members together).
fn tally(root: &Path) -> String {
    let mut out = String::new();
    for corpus in NETWORK_CORPORA {
        let dir = root.join(corpus);
        if !dir.is_dir() {
            continue;
        }
        for path in ward_ingest::discover(&[dir]).expect("corpus lists") {
            let written = ward_event::Timestamp::parse(RECORDED).ok();
            let options = ward_ingest::ReadOptions {
                written,
                ..Default::default()
            };
            let mut events = Vec::new();
            let reports = ward_ingest::read_path_with(&path, &options, &mut |e| events.push(e));
            let (mut content, mut times) = (0xcbf2_9ce4_8422_2325_u64, 0xcbf2_9ce4_8422_2325_u64);
            for e in &events {
                fnv(
                    &mut content,
                    &format!("{:?}{:?}{:?}", e.host, e.source, e.fields),
                );
                fnv(&mut times, &e.time.to_rfc3339());
            }
            for r in reports {
                let name = r.path.strip_prefix(&format!("{}/", root.display()));
                let name = name.unwrap_or(&r.path);
                let _ = writeln!(
                    out,
                    "{name}\t{}\t{}\t{}\t{content:016x}\t{times:016x}",
                    r.format, r.events, r.bad_records
                );
            }
        }
    }
    out
}

#[test]
fn every_network_sample_reads_as_before() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let got = tally(&root);
    if std::env::var_os("WARD_BLESS_SAMPLES").is_some() {
        std::fs::write(EXPECTED, &got).expect("snapshot writable");
        return;
    }
    let expected = std::fs::read_to_string(EXPECTED).expect("snapshot present");
    let changed: Vec<String> = expected
        .lines()
        .zip(got.lines())
        .filter(|(e, g)| e != g && !CHANGED.iter().any(|(now, _)| now == g))
        .map(|(e, g)| format!("was {e}\nnow {g}"))
        .collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
    assert_eq!(expected.lines().count(), got.lines().count());
}
