//! Scheduled tasks registered from another machine (`schtasks /S`, atexec) are hops of channel
//! `scheduled-task`: real samples from ../shared/data, and hand-made cases for the edges.
//!
//! Samples that cannot carry a hop:
//! - `evtx-to-mitre/EVTX_full_APT_attack_steps/ID4720,4698-Fortinet APT group abuse on
//!   Windows.evtx`: a task registered by `admmig` whose session (0x46b7b4) is not in the file
//!   and no `IPC$\atsvc` access: nothing ties it to another machine.
//! - `evtx-to-mitre/TA0007-Discovery/T1016-…/ID4688-Scheduled task configuration
//!   enumeration.evtx`: `schtasks /query` run locally; no task is registered.

mod common;

use ward_analytics::case::Edge;
use ward_analytics::remote_exec::Channel;
use ward_analytics::{Assets, Outcome};
use ward_event::{Event, FieldList, LogSource, Timestamp, Value};

const ATSVC: &str = "evtx-attack-samples/Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx";
const ATEXEC: &str = "evtx-to-mitre/EVTX_full_APT_attack_steps/ID4688,4698,4699,5145,4624-ATexec remote trask creation (GLOBAL).evtx";
const FORTINET: &str =
    "evtx-to-mitre/EVTX_full_APT_attack_steps/ID4720,4698-Fortinet APT group abuse on Windows.evtx";

/// The task edges of an outcome: (artefact, edge).
fn task_edges(out: &Outcome) -> Vec<(String, Edge)> {
    out.spread
        .clusters
        .iter()
        .flat_map(|c| c.edges.iter().map(move |e| (c.artefact.clone(), e.clone())))
        .filter(|(_, e)| e.channel == Channel::ScheduledTask)
        .collect()
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("time")
}

fn assert_hop(edge: &Edge, from: &str, to: &str, account: &str, time: &str) {
    assert_eq!(
        (
            edge.from.as_str(),
            edge.to.as_str(),
            edge.account.as_deref()
        ),
        (from, to, Some(account))
    );
    assert_eq!(edge.time, Some(at(time)));
    assert_eq!(edge.channel, Channel::ScheduledTask);
}

#[test]
fn atsvc_task_on_the_target_is_a_hop_from_the_pipe_session() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[ATSVC]);
    let edges = task_edges(&out);
    assert_eq!(edges.len(), 1, "{edges:#?}");
    let (artefact, edge) = &edges[0];
    // The 4698's own session carries no address; the IPC$\atsvc session of the same user does.
    assert_eq!(artefact, "task:\\CYAlyNSS");
    assert_hop(
        edge,
        "10.0.2.17",
        "WIN-77LTAPHIQ1R",
        "EXAMPLE\\Administrator",
        "2019-03-19T00:02:04.319945200Z",
    );
    // The task's command ran (cmd.exe, 4688) and the task was deleted (4699).
    let kinds: Vec<&str> = edge.evidence.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"4698") && kinds.contains(&"4688") && kinds.contains(&"4699"),
        "{kinds:?}"
    );
}

#[test]
fn atexec_remote_task_creation_is_a_hop() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[ATEXEC]);
    let edges = task_edges(&out);
    assert_eq!(edges.len(), 1, "{edges:#?}");
    let (artefact, edge) = &edges[0];
    assert_eq!(artefact, "task:\\bouWFQYO");
    assert_hop(
        edge,
        "10.23.123.11",
        "FS01",
        "OFFSEC\\admmig",
        "2021-06-10T21:21:26.383726300Z",
    );
    let finding = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution")
        .expect("a remote-execution finding");
    assert_eq!(finding.details["implant"], "cmd.exe");
    assert_eq!(finding.details["channel"], "scheduled-task");
}

#[test]
fn a_task_without_a_remote_session_is_no_hop() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[FORTINET]);
    assert!(task_edges(&out).is_empty());
}

// Hand-made: the shapes `schtasks /S` leaves, and a local user's task.

fn event(host: &str, channel: &str, id: u32, time: &str, fields: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(i64::from(id)));
    for (k, v) in fields {
        f.push(*k, Value::from(*v));
    }
    Event::new(at(time), host, LogSource::windows(channel, "test", id), f)
}

const SEC: &str = "Security";
const TS: &str = "Microsoft-Windows-TaskScheduler/Operational";
const TASK_XML: &str = "<?xml version=\"1.0\"?><Task><RegistrationInfo><Author>STMARY\\WS-01$</Author></RegistrationInfo><Actions Context=\"Author\"><Exec><Command>C:\\Windows\\System32\\wmiapsrvex.exe</Command><Arguments>-k netsvcs</Arguments></Exec></Actions></Task>";

fn logon(host: &str, time: &str, user: &str, ltype: &str, ip: &str, id: &str) -> Event {
    event(
        host,
        SEC,
        4624,
        time,
        &[
            ("TargetUserName", user),
            ("TargetDomainName", "STMARY"),
            ("LogonType", ltype),
            ("IpAddress", ip),
            ("TargetLogonId", id),
        ],
    )
}

fn registered(host: &str, time: &str, user: &str, id: &str) -> Event {
    event(
        host,
        SEC,
        4698,
        time,
        &[
            ("SubjectUserName", user),
            ("SubjectDomainName", "STMARY"),
            ("SubjectLogonId", id),
            ("TaskName", "\\WmiApRpl"),
            ("TaskContent", TASK_XML),
        ],
    )
}

#[test]
fn schtasks_from_another_host_is_a_hop_with_its_command_and_run() {
    let events = vec![
        logon(
            "WS-02",
            "2026-05-05T14:22:00Z",
            "WS-01$",
            "3",
            "10.30.1.5",
            "0x5a1",
        ),
        event(
            "WS-02",
            SEC,
            5145,
            "2026-05-05T14:22:01Z",
            &[
                ("SubjectUserName", "WS-01$"),
                ("SubjectDomainName", "STMARY"),
                ("SubjectLogonId", "0x5a1"),
                ("IpAddress", "10.30.1.5"),
                ("ShareName", "\\\\*\\ADMIN$"),
                ("RelativeTargetName", "System32\\wmiapsrvex.exe"),
                ("AccessMask", "0x2"),
            ],
        ),
        registered("WS-02", "2026-05-05T14:22:03Z", "WS-01$", "0x5a1"),
        event(
            "WS-02",
            TS,
            106,
            "2026-05-05T14:22:03Z",
            &[
                ("TaskName", "\\WmiApRpl"),
                ("UserContext", "STMARY\\WS-01$"),
            ],
        ),
        event(
            "WS-02",
            TS,
            200,
            "2026-05-05T14:22:04Z",
            &[
                ("TaskName", "\\WmiApRpl"),
                ("ActionName", "C:\\Windows\\System32\\wmiapsrvex.exe"),
            ],
        ),
        event(
            "WS-02",
            SEC,
            4688,
            "2026-05-05T14:22:04Z",
            &[
                ("NewProcessName", "C:\\Windows\\System32\\wmiapsrvex.exe"),
                ("ParentProcessName", "C:\\Windows\\System32\\svchost.exe"),
            ],
        ),
    ];
    let out = common::analyze(&events, Assets::default());
    let edges = task_edges(&out);
    assert_eq!(edges.len(), 1, "{edges:#?}");
    let (artefact, edge) = &edges[0];
    assert_eq!(artefact, "task:\\WmiApRpl");
    assert_hop(
        edge,
        "10.30.1.5",
        "WS-02",
        "STMARY\\WS-01$",
        "2026-05-05T14:22:03Z",
    );
    // Logon, copy, registration, 106, 200 and the run: the whole story on one edge; no log
    // names the host at 10.30.1.5, so the edge says its source is unresolved.
    let kinds: Vec<&str> = edge.evidence.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["4624", "5145", "4698", "106", "200", "4688", "source"]
    );
    assert_eq!(edge.source_resolved, Some(false));
}

#[test]
fn a_task_a_local_user_registers_is_no_hop() {
    let events = vec![
        logon(
            "WS-03",
            "2026-05-05T10:40:00Z",
            "m.obrien",
            "2",
            "127.0.0.1",
            "0x77",
        ),
        // Monitoring polls the host meanwhile: a network session, but not the one that registered.
        logon(
            "WS-03",
            "2026-05-05T10:46:00Z",
            "svc_monitor",
            "3",
            "10.30.0.8",
            "0x99",
        ),
        registered("WS-03", "2026-05-05T10:47:12Z", "m.obrien", "0x77"),
    ];
    let out = common::analyze(&events, Assets::default());
    assert!(task_edges(&out).is_empty());
}

#[test]
fn task_scheduler_log_alone_ties_the_task_to_the_atsvc_session() {
    // Security auditing of tasks off: 5145 on IPC$\atsvc, then TaskScheduler 106 and 201.
    let events = vec![
        event(
            "FS-02",
            SEC,
            5145,
            "2026-05-06T02:13:00Z",
            &[
                ("SubjectUserName", "adm_x"),
                ("SubjectDomainName", "STMARY"),
                ("SubjectLogonId", "0x10"),
                ("IpAddress", "10.30.2.9"),
                ("ShareName", "\\\\*\\IPC$"),
                ("RelativeTargetName", "atsvc"),
                ("AccessMask", "0x3"),
            ],
        ),
        event(
            "FS-02",
            TS,
            106,
            "2026-05-06T02:13:01Z",
            &[("TaskName", "\\Upd"), ("UserContext", "STMARY\\adm_x")],
        ),
        event(
            "FS-02",
            TS,
            201,
            "2026-05-06T02:13:05Z",
            &[
                ("TaskName", "\\Upd"),
                ("ActionName", "C:\\Windows\\Temp\\upd.exe"),
            ],
        ),
    ];
    let out = common::analyze(&events, Assets::default());
    let edges = task_edges(&out);
    assert_eq!(edges.len(), 1, "{edges:#?}");
    assert_hop(
        &edges[0].1,
        "10.30.2.9",
        "FS-02",
        "STMARY\\adm_x",
        "2026-05-06T02:13:01Z",
    );
    let finding = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution")
        .expect("finding");
    assert_eq!(finding.details["implant"], "upd.exe");
}
