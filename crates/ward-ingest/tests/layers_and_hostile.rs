//! `.gz` and `.zip` are read transparently; hostile bytes give errors with positions, never panics.

mod common;

use std::io::Write;

use ward_ingest::PositionUnit;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn sample(data: &std::path::Path, rel: &str) -> Vec<u8> {
    std::fs::read(data.join(rel)).unwrap()
}

const SYSMON: &str = "evtx-crate/samples/sysmon.evtx";
const SECURITY: &str = "evtx-crate/samples/security.evtx";

#[test]
fn gzip_and_zip_layers_are_transparent() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let evtx = sample(&data, SYSMON);
    let (plain, _) = common::read_bytes("sysmon.evtx", &evtx);
    let (gz, reports) = common::read_bytes("sysmon.evtx.gz", &gzip(&evtx));
    assert_eq!((gz.len(), reports[0].format), (plain.len(), "evtx"));
    let json = br#"{"EventID":4688,"Channel":"Security","Hostname":"pc1","SourceName":"Microsoft-Windows-Security-Auditing","NewProcessName":"C:\\x.exe"}"#;
    let archive = zip(&[
        ("a/sysmon.evtx", &evtx),
        ("b/nx.json", json),
        ("c/nested.gz", &gzip(json)),
    ]);
    let (events, reports) = common::read_bytes("logs.zip", &archive);
    let names: Vec<(&str, &str, u64)> = reports
        .iter()
        .map(|r| (r.path.as_str(), r.format, r.events))
        .collect();
    assert_eq!(
        names,
        [
            ("logs.zip!a/sysmon.evtx", "evtx", plain.len() as u64),
            ("logs.zip!b/nx.json", "nxlog-json", 1),
            ("logs.zip!c/nested.gz", "nxlog-json", 1)
        ]
    );
    assert_eq!(events.len(), plain.len() + 2);
    assert_eq!(&*events[plain.len()].origin.file, "logs.zip!b/nx.json");
}

#[test]
fn unknown_and_missing_inputs_are_reported_not_fatal() {
    let (events, reports) = common::read_bytes("notes.txt", b"just some text\n");
    assert!(events.is_empty());
    // Text that is no log is skipped and listed as unrecognised, not counted as damage.
    assert_eq!(
        (reports[0].format, reports[0].bad_records),
        (ward_ingest::UNRECOGNISED, 0)
    );
    let reports = ward_ingest::read_path(std::path::Path::new("/nonexistent/x.evtx"), &mut |_| {});
    assert_eq!(reports[0].errors[0].unit, PositionUnit::File);
    assert!(
        reports[0].errors[0]
            .to_string()
            .starts_with("/nonexistent/x.evtx: cannot open")
    );
    let err = ward_ingest::discover(&["/nonexistent/dir".into()]).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/dir"), "{err}");
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_reports_the_offset() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let json = sample(
        &data,
        "sigma/regression_data/rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon/af688c76-4ce4-4309-bfdd-e896f01acf27.json",
    );
    let mut many = Vec::new();
    for _ in 0..200 {
        many.extend_from_slice(&json);
    }
    let gz = gzip(&many);
    let (events, reports) = common::read_bytes("cut.json.gz", &gz[..gz.len() * 3 / 4]);
    assert!(events.len() > 50 && events.len() < 200, "{}", events.len());
    let offsets: Vec<_> = reports[0]
        .errors
        .iter()
        .filter(|e| e.unit == PositionUnit::Offset)
        .collect();
    assert_eq!(offsets.len(), 1, "{:?}", reports[0].errors);
    assert!(offsets[0].message.contains("read failed"));
}

#[test]
fn zip_with_a_corrupt_member_reports_it_and_reads_the_others() {
    let good = br#"{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"pc1","Image":"a.exe"}"#;
    let bad_payload = good.repeat(50);
    let mut archive = zip(&[("good.json", good), ("bad.json", &bad_payload)]);
    // Flip bytes in the middle of the second member's compressed data.
    let second = archive.windows(8).position(|w| w == b"bad.json").unwrap() + 8;
    for b in &mut archive[second + 40..second + 80] {
        *b ^= 0x5A;
    }
    let (events, reports) = common::read_bytes("mixed.zip", &archive);
    assert_eq!(events.len(), 1);
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(reports[0].path, "mixed.zip!good.json");
    assert_eq!(reports[1].path, "mixed.zip!bad.json");
    assert!(reports[1].bad_records >= 1, "{:?}", reports[1]);
}

#[test]
fn truncated_and_mutated_evtx_never_panics() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let evtx = sample(&data, SECURITY);
    let (whole, _) = common::read_bytes("security.evtx", &evtx);
    assert_eq!(whole.len(), 2261);
    for cut in [100, 4096, 4096 + 512, 70_000, 200_000, evtx.len() - 1] {
        let (events, reports) = common::read_bytes("cut.evtx", &evtx[..cut]);
        assert!(events.len() <= whole.len());
        assert_eq!(reports.len(), 1);
    }
    // Deterministic pseudo-random byte flips across the file.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..40 {
        let mut bytes = evtx.clone();
        for _ in 0..(1 + round * 5) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] ^= (state >> 32) as u8 | 1;
        }
        let (_, reports) = common::read_bytes("mutated.evtx", &bytes);
        for e in &reports[0].errors {
            assert!(
                e.file == "mutated.evtx"
                    && matches!(e.unit, PositionUnit::Record | PositionUnit::File),
                "{e}"
            );
        }
    }
}

#[test]
fn random_bytes_and_mutated_json_never_panic() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base = br##"{"Event":{"System":{"EventID":{"#text":4688},"Channel":"Security","Computer":"a"},"EventData":{"Data":[{"@Name":"x","#text":"1"}]}}}"##;
    for round in 0..300 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            (0..(next() % 4096)).map(|_| next() as u8).collect()
        } else {
            let mut b = base.repeat(3);
            for _ in 0..(1 + round % 9) {
                let at = (next() % b.len() as u64) as usize;
                b[at] = next() as u8;
            }
            b
        };
        let (events, reports) = common::read_bytes("fuzz", &bytes);
        assert!(events.len() <= 3);
        assert!(!reports.is_empty());
    }
}
