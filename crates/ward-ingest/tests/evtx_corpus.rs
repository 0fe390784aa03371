//! Every EVTX file in the corpora is read without panic; damaged samples are salvaged.

mod common;

use std::path::Path;

use ward_ingest::PositionUnit;

/// Records the `evtx_dump` code path yields: `EvtxParser::chunks_json_bytes`, which evtx_dump
/// 0.15.1 calls (checksums not validated, its default), counting rendered records.
fn evtx_dump_count(path: &Path) -> u64 {
    let mut parser = evtx::EvtxParser::from_path(path)
        .expect("sample has an EVTX header")
        .with_configuration(evtx::ParserSettings::new().num_threads(1));
    parser
        .chunks_json_bytes(false)
        .map(|chunk| chunk.records().count() as u64)
        .sum()
}

/// Damaged samples: (file, records evtx_dump renders, bad records Ward reports). The first
/// figure came from `evtx_dump_count` above (evtx 0.15.1, 2026-11-28) and is re-checked live.
const DAMAGED: &[(&str, u64, u64)] = &[
    ("sample_with_a_bad_chunk_magic.evtx", 301, 3),
    ("sample-with-zero-data-size-event.evtx", 449, 1),
    ("Application_no_crc32.evtx", 17, 0),
    ("security_bad_string_cache.evtx", 2261, 0),
    (
        "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
        1910,
        4,
    ),
    (
        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
        1795,
        2,
    ),
    ("sysmon.evtx", 358, 8),
];

#[test]
fn damaged_samples_are_salvaged_at_least_as_well_as_evtx_dump() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let samples = data.join("evtx-crate/samples");
    for &(name, dump_records, bad) in DAMAGED {
        let path = samples.join(name);
        let (events, reports) = common::read_all(&path);
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(
            evtx_dump_count(&path),
            dump_records,
            "{name}: evtx_dump's count changed"
        );
        assert!(
            events.len() as u64 >= dump_records,
            "{name}: {} < {dump_records}",
            events.len()
        );
        assert_eq!(report.events, events.len() as u64);
        assert_eq!(report.bad_records, bad, "{name}: {:?}", report.errors);
        for error in &report.errors {
            assert_eq!(error.unit, PositionUnit::Record, "{error}");
            assert!(error.file.ends_with(name), "{error}");
        }
    }
}

#[test]
fn the_bad_chunk_is_named_in_the_error() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let (_, reports) =
        common::read_all(&data.join("evtx-crate/samples/sample_with_a_bad_chunk_magic.evtx"));
    let text: Vec<String> = reports[0].errors.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|t| t.contains("chunk")), "{text:?}");
}

#[test]
fn every_evtx_file_in_the_corpora_is_read() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let all = common::files_with_ext(&data, ".evtx");
    let outside_sigma = all
        .iter()
        .filter(|p| !p.to_string_lossy().contains("/sigma/"))
        .count();
    assert_eq!(outside_sigma, 117);
    assert_eq!(all.len(), 117 + 202);
    let (mut total, mut dump_total) = (0u64, 0u64);
    for path in &all {
        let (events, reports) = common::read_all(path);
        assert_eq!(reports.len(), 1, "{}", path.display());
        assert_eq!(reports[0].format, "evtx", "{}", path.display());
        assert_eq!(reports[0].events, events.len() as u64);
        // No file of the corpora is so damaged that nothing can be read.
        assert!(
            !events.is_empty(),
            "{}: {:?}",
            path.display(),
            reports[0].errors
        );
        for e in &events {
            assert!(
                e.source.event_id.is_some() && e.record_id.is_some(),
                "{}",
                path.display()
            );
        }
        total += events.len() as u64;
        dump_total += evtx_dump_count(path);
    }
    eprintln!("{} EVTX files, {total} events", all.len());
    // evtx_dump's count over the same files, first measured with `evtx_dump_count`.
    assert_eq!(dump_total, 23_118);
    assert_eq!(total, dump_total);
}

#[test]
fn a_sysmon_record_reads_with_its_fields() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let (events, _) = common::read_all(&data.join("evtx-crate/samples/sysmon.evtx"));
    let first = events
        .iter()
        .find(|e| e.source.event_id == Some(1))
        .expect("a process creation");
    assert_eq!(
        first.source.channel.as_deref(),
        Some("Microsoft-Windows-Sysmon/Operational")
    );
    assert_eq!(
        first.source.provider.as_deref(),
        Some("Microsoft-Windows-Sysmon")
    );
    assert!(
        first
            .fields
            .get_str("Image")
            .is_some_and(|i| i.to_ascii_lowercase().ends_with(".exe"))
    );
    assert!(first.fields.get_str("CommandLine").is_some());
    assert_eq!(
        first.fields.get("EventID"),
        Some(&ward_event::Value::Int(1))
    );
    assert_eq!(first.origin.position, first.record_id.unwrap());
}

/// Fields with several values keep them all: the three unnamed `<Data>` of a PowerShell classic
/// engine start, and the two `LogonGuid` a 4648 template declares (`LogonGuid_1` in evtx's JSON).
#[test]
fn repeated_fields_keep_every_value() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let values = |e: &ward_event::Event, name: &str| -> Vec<String> {
        e.fields.values(name).map(|v| v.to_string()).collect()
    };
    let ps = data.join("evtx-to-mitre/TA0007-Discovery/T1087-Account discovery/ID800 - SPN discovery (PowerShell).evtx");
    let (events, _) = common::read_all(&ps);
    let start = events
        .iter()
        .find(|e| e.record_id == Some(9445))
        .expect("the engine start, record 9445");
    let data_values = values(start, "Data");
    assert_eq!(data_values.len(), 3, "{data_values:?}");
    assert_eq!(data_values[..2], ["Available", "None"]);
    assert!(data_values[2].contains("HostApplication=C:\\Windows\\System32\\WindowsPowerShell"));

    let (events, _) = common::read_all(&data.join("evtx-crate/samples/Security_with_size_t.evtx"));
    let explicit = events
        .iter()
        .find(|e| e.source.event_id == Some(4648))
        .expect("a 4648");
    assert_eq!(values(explicit, "LogonGuid").len(), 2);
    assert!(explicit.fields.get("LogonGuid_1").is_none());
}
