//! Remote Desktop hops, hand-made: an administrator's daily sessions are administration, a
//! session into a host a worm reached earlier does not inherit the worm's follow-up, a chain of
//! sessions needs a look, and a session taken over with `tscon` is never administration. The
//! real hijack samples are in `lateral_samples.rs`.

mod common;

use ward_analytics::case::Cluster;
use ward_analytics::remote_exec::Channel;
use ward_analytics::{Assets, Outcome};
use ward_event::{Event, FieldList, LogSource, Timestamp, Value};

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("time")
}

fn event(host: &str, channel: &str, id: u32, time: &str, fields: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(i64::from(id)));
    for (k, v) in fields {
        f.push(*k, Value::from(*v));
    }
    Event::new(at(time), host, LogSource::windows(channel, "test", id), f)
}

const SEC: &str = "Security";
const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";

/// An RDP logon (4624 type 10) of `user` from `ws` at `ip`, then LocalSessionManager 21.
fn rdp(host: &str, time: &str, user: &str, ws: &str, ip: &str) -> Vec<Event> {
    vec![
        event(
            host,
            SEC,
            4624,
            time,
            &[
                ("TargetUserName", user),
                ("TargetDomainName", "STMARY"),
                ("LogonType", "10"),
                ("IpAddress", ip),
                ("WorkstationName", ws),
                ("TargetLogonId", "0x77"),
            ],
        ),
        event(
            host,
            LSM,
            21,
            time,
            &[
                ("User", &format!("STMARY\\{user}")),
                ("SessionID", "2"),
                ("Address", ip),
            ],
        ),
    ]
}

fn rdp_clusters(out: &Outcome) -> Vec<&Cluster> {
    out.spread
        .clusters
        .iter()
        .filter(|c| c.edges.iter().all(|e| e.channel == Channel::Rdp))
        .collect()
}

fn analyze(mut events: Vec<Event>) -> Outcome {
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    common::analyze(&events, Assets::default())
}

#[test]
fn an_admins_daily_sessions_are_administration() {
    let mut events = Vec::new();
    for (day, server) in [(2, "FS-01"), (3, "SQL-01"), (4, "DC-01"), (5, "FS-01")] {
        let time = format!("2026-03-0{day}T10:15:00Z");
        events.extend(rdp(server, &time, "adm_jbrown", "IT-ADM-01", "10.30.0.21"));
    }
    let out = analyze(events);
    let c = rdp_clusters(&out);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].artefact, "rdp:STMARY\\adm_jbrown");
    assert_eq!(c[0].verdict, "likely-admin", "{:#?}", c[0].reasons);
    // Logon and LocalSessionManager 21 are one hop: three edges (FS-01 twice is one edge).
    assert_eq!(c[0].edges.len(), 3);
    let e = &c[0].edges[0];
    assert_eq!((e.from.as_str(), e.to.as_str()), ("IT-ADM-01", "FS-01"));
    assert_eq!(e.account.as_deref(), Some("STMARY\\adm_jbrown"));
    let kinds: Vec<&str> = e.evidence.iter().map(|x| x.kind.as_str()).collect();
    assert_eq!(kinds, ["4624", "21", "4624", "21"]);
}

#[test]
fn a_chain_of_sessions_needs_a_look_and_is_no_worm() {
    let mut events = rdp(
        "JUMP-1",
        "2026-03-07T02:00:00Z",
        "n.kelly",
        "WS-ICU-02",
        "10.30.4.2",
    );
    events.extend(rdp(
        "SRV-9",
        "2026-03-07T02:10:00Z",
        "n.kelly",
        "JUMP-1",
        "10.30.0.9",
    ));
    events.extend(rdp(
        "SRV-10",
        "2026-03-07T02:20:00Z",
        "n.kelly",
        "SRV-9",
        "10.30.0.10",
    ));
    let out = analyze(events);
    let c = rdp_clusters(&out);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].verdict, "suspicious", "{:#?}", c[0].reasons);
}

#[test]
fn a_console_session_is_no_hop() {
    let events = vec![event(
        "WS-01",
        LSM,
        21,
        "2026-03-07T08:00:00Z",
        &[
            ("User", "STMARY\\n.kelly"),
            ("SessionID", "1"),
            ("Address", "LOCAL"),
        ],
    )];
    assert!(analyze(events).spread.clusters.is_empty());
}

#[test]
fn a_hijacked_session_is_never_administration() {
    let events = vec![
        event(
            "SRV-1",
            SEC,
            4688,
            "2026-03-03T10:00:00Z",
            &[
                ("SubjectUserName", "SRV-1$"),
                ("SubjectLogonId", "0x3e7"),
                ("NewProcessName", "C:\\Windows\\System32\\tscon.exe"),
                ("CommandLine", "tscon 3 /dest:rdp-tcp#2"),
            ],
        ),
        event(
            "SRV-1",
            SEC,
            4778,
            "2026-03-03T10:00:01Z",
            &[
                ("AccountName", "adm_kwhite"),
                ("AccountDomain", "STMARY"),
                ("LogonID", "0x99"),
                ("SessionName", "RDP-Tcp#2"),
                ("ClientName", "IT-ADM-02"),
                ("ClientAddress", "10.30.0.22"),
            ],
        ),
    ];
    let out = analyze(events);
    let c = rdp_clusters(&out);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].verdict, "suspicious", "{:#?}", c[0].reasons);
    let f = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution")
        .expect("finding");
    assert_eq!(f.details["tool"], "tscon-hijack");
    assert_eq!(f.details["from"], "IT-ADM-02");
}
