//! Service-based clones, hand-made: a copy, the SCM's pipe, the install and the tool's pipes of
//! one PsExec run are one hop; the same without the install is still one hop; opening `svcctl`
//! alone (a console querying services) is none. The real RemCom, renamed-PsExec, smbexec and
//! Metasploit samples are in `lateral_samples.rs`.

mod common;

use ward_analytics::{Assets, Outcome};
use ward_event::{Event, FieldList, LogSource, Timestamp, Value};

fn event(id: u32, time: &str, fields: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(i64::from(id)));
    for (k, v) in fields {
        f.push(*k, Value::from(*v));
    }
    let channel = if id == 7045 { "System" } else { "Security" };
    let at = Timestamp::parse(time).expect("time");
    Event::new(at, "WS-07", LogSource::windows(channel, "test", id), f)
}

/// A 5145 from 10.30.0.21 as adm_jbrown (session 0x51) on `share`, `target`.
fn share(time: &str, share: &str, target: &str, mask: &str) -> Event {
    event(
        5145,
        time,
        &[
            ("SubjectUserName", "adm_jbrown"),
            ("SubjectDomainName", "STMARY"),
            ("SubjectLogonId", "0x51"),
            ("IpAddress", "10.30.0.21"),
            ("ShareName", &format!("\\\\*\\{share}")),
            ("RelativeTargetName", target),
            ("AccessMask", mask),
        ],
    )
}

fn psexec_run(with_install: bool) -> Vec<Event> {
    let mut events = vec![
        share("2026-03-03T10:00:00Z", "ADMIN$", "PSEXESVC.exe", "0x2"),
        share("2026-03-03T10:00:01Z", "IPC$", "svcctl", "0x12019f"),
    ];
    if with_install {
        events.push(event(
            7045,
            "2026-03-03T10:00:01.5Z",
            &[
                ("ServiceName", "PSEXESVC"),
                ("ImagePath", "%SystemRoot%\\PSEXESVC.exe"),
            ],
        ));
    }
    events.push(share(
        "2026-03-03T10:00:02Z",
        "IPC$",
        "PSEXESVC",
        "0x12019f",
    ));
    for s in ["stdin", "stdout", "stderr"] {
        let pipe = format!("PSEXESVC-IT-ADM-01-4242-{s}");
        events.push(share("2026-03-03T10:00:02Z", "IPC$", &pipe, "0x12019f"));
    }
    events
}

fn installs(out: &Outcome) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    out.findings
        .iter()
        .filter(|f| f.analytic == "remote-execution")
        .map(|f| {
            (
                f.title.clone(),
                f.details["installs"].clone(),
                f.details["tool"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_psexec_run_is_one_hop_with_or_without_its_install() {
    for with_install in [true, false] {
        let out = common::analyze(&psexec_run(with_install), Assets::default());
        let found = installs(&out);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].1, 1, "one hop, not one per pipe: {found:#?}");
        assert_eq!(found[0].2, "psexec");
        assert_eq!(out.spread.clusters[0].artefact, "service:PSEXESVC");
        let e = &out.spread.clusters[0].edges[0];
        assert_eq!(e.account.as_deref(), Some("STMARY\\adm_jbrown"));
        assert_eq!(e.from, "10.30.0.21");
    }
}

#[test]
fn opening_the_service_control_managers_pipe_alone_is_no_hop() {
    let events = vec![
        share("2026-03-03T10:00:01Z", "IPC$", "svcctl", "0x12019f"),
        share("2026-03-03T10:00:02Z", "IPC$", "srvsvc", "0x12019f"),
        // A file copied to C$ by another session: no executable on an admin share from this one.
        share("2026-03-03T10:30:00Z", "C$", "Temp\\report.txt", "0x2"),
    ];
    let out = common::analyze(&events, Assets::default());
    assert!(out.spread.clusters.is_empty(), "{:#?}", out.spread.clusters);
}
