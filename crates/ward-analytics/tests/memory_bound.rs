//! State stays bounded: feeding many facts that belong to no finding must not grow the
//! analyzer's keyed state with the number of events.

use ward_analytics::case::Evidence;
use ward_analytics::facts::{Account, Fact, FileCreate, Logon, ProcessCreation, ShareAccess};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets};
use ward_event::Timestamp;

const START: i64 = 1_770_000_000;

fn evidence(i: i64, host: &str, kind: &str) -> Evidence {
    Evidence {
        time: Timestamp::from_nanos((START + i) * 1_000_000_000),
        host: host.to_string(),
        file: "synthetic".into(),
        position: i as u64,
        record_id: Some(i as u64),
        kind: kind.into(),
        summary: String::new(),
    }
}

/// One unrelated fact per second: network logons from 2,000 workstations to 100 servers (each
/// workstation reaches one server per half hour, far below fan-out), share reads, ordinary
/// processes and file writes.
fn unrelated(i: i64) -> Fact {
    let host = format!("SRV{:03}", i % 100);
    let ws = i % 2000;
    let ip = format!("10.1.{}.{}", ws / 200, ws % 200 + 1);
    match i % 4 {
        0 => Fact::Logon(Logon {
            evidence: evidence(i, &host, "4624"),
            success: true,
            logon_type: 3,
            account: Account {
                domain: "CLINIC".into(),
                user: format!("user{}", i % 50),
                sid: None,
            },
            source_ip: Some(ip),
            workstation: Some(format!("WS{ws:04}")),
            logon_id: Some(format!("{:#x}", 0x10000 + i)),
            auth: Default::default(),
        }),
        1 => Fact::ShareAccess(ShareAccess {
            evidence: evidence(i, &host, "5140"),
            share: "SHARED".into(),
            relative_target: None,
            write: false,
            source_ip: Some(ip),
            account: Account {
                domain: "CLINIC".into(),
                user: format!("user{}", i % 50),
                sid: None,
            },
            logon_id: Some(format!("{:#x}", 0x10000 + i - 1)),
        }),
        2 => Fact::ProcessCreation(ProcessCreation {
            evidence: evidence(i, &host, "4688"),
            image: r"C:\Windows\notepad.exe".into(),
            command_line: format!(r"notepad.exe C:\notes\{i}.txt"),
            parent_image: Some(r"C:\Windows\explorer.exe".into()),
            process_key: Some(i.to_string()),
            parent_key: Some((i % 977).to_string()),
            user: None,
            logon_id: None,
        }),
        _ => Fact::FileCreate(FileCreate {
            evidence: evidence(i, &host, "11"),
            image: r"C:\Windows\explorer.exe".into(),
            pid: Some(4242),
            target: format!(r"C:\Users\u\Documents\{i}.docx"),
        }),
    }
}

/// The largest state seen at the sample points of `range` (state breathes with the sweeps).
fn peak(analyzer: &mut Analyzer, range: std::ops::Range<i64>) -> usize {
    let mut peak = 0;
    for i in range {
        analyzer.feed(&unrelated(i));
        if i % 500 == 0 {
            peak = peak.max(analyzer.state_size());
        }
    }
    peak
}

#[test]
fn unrelated_facts_keep_state_bounded() {
    let mut analyzer = Analyzer::new(AnalyticsConfig::default(), Assets::default());
    let early = peak(&mut analyzer, 0..100_000);
    let _ = peak(&mut analyzer, 100_000..200_000);
    let late = peak(&mut analyzer, 200_000..300_000);
    // Addresses (2,000), exposure records (host × account × type) and the last window's
    // sessions and sources: a few thousand entries, no more after three times the events.
    assert!(
        early < 5_000,
        "peak state over the first 100k facts: {early}"
    );
    assert!(late <= early, "state grew: peak {early} early, {late} late");
    let out = analyzer.finish();
    assert!(
        out.findings.is_empty(),
        "{:?}",
        out.findings.first().map(|f| &f.title)
    );
    assert!(out.spread.clusters.is_empty());
}
