//! Remote execution through WMI, WinRM and DCOM: a process started by a provider host or a DCOM
//! server for a remote network session is a hop with that session's source and account. Real
//! samples from ../shared/data first, then hand-made edges: a monitoring poller, a local
//! admin's own WMI use and a SYSTEM child with no remote session make no hop.

mod common;

use ward_analytics::case::{Cluster, Edge, Evidence};
use ward_analytics::facts::{Account, Fact, Logon, NetworkConnection, ProcessCreation};
use ward_analytics::remote_exec::Channel;
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, Outcome};
use ward_event::Timestamp;

const WMI_TARGET: &str = "evtx-attack-samples/Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx";
const WMIEXEC_SYSMON: &str =
    "evtx-attack-samples/Lateral Movement/LM_wmiexec_impacket_sysmon_whoami.evtx";
const DCOM_MMC: &str = "evtx-to-mitre/TA0008-Lateral Movement/T1021.003-Distributed Component \
                        Object Model (DCOM)/ID4688,4674-DCOMexec process spawned.evtx";
const WMIEXEC_APT: &str = "evtx-to-mitre/EVTX_full_APT_attack_steps/ID4688,5140,5145-WMIexec \
                           execution via SMB (GLOBAL).evtx";

/// Files named in the issue that cannot carry a process hop, and why.
const NO_HOP: &[(&str, &str)] = &[
    (
        "evtx-to-mitre/TA0008-Lateral Movement/T1021.003-Distributed Component Object Model \
         (DCOM)/ID4103,4104-DCOMexec native via PowerShell.evtx",
        "PowerShell script logs of the caller (JUMP01) only: no logon or process on a target",
    ),
    (
        "evtx-to-mitre/TA0008-Lateral Movement/T1021.006-Windows Remote Management/ID4656-WS \
         Management listener enumeration.evtx",
        "4656 handle requests on the WS-Management listener: an enumeration, nothing ran",
    ),
];

/// The edges of every cluster whose hops ran through `channel`.
fn edges(out: &Outcome, channel: Channel) -> Vec<&Edge> {
    out.spread
        .clusters
        .iter()
        .flat_map(|c| c.edges.iter())
        .filter(|e| e.channel == channel)
        .collect()
}

/// (from, to, account, time) of an edge.
fn hop(e: &Edge) -> (String, String, Option<String>, String) {
    let time = e.time.map(|t| t.to_string()).unwrap_or_default();
    (e.from.clone(), e.to.clone(), e.account.clone(), time)
}

fn expect(
    from: &str,
    to: &str,
    account: &str,
    time: &str,
) -> (String, String, Option<String>, String) {
    (from.into(), to.into(), Some(account.into()), time.into())
}

#[test]
fn wmi_process_on_the_target_after_a_network_logon() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[WMI_TARGET]);
    // 4688 v1: no parent name and no target session; calc.exe's parent PID is the WmiPrvSE
    // started just before, and the latest remote logon (NTLM, WorkstationName PC01) is its source.
    let wmi = edges(&out, Channel::Wmi);
    assert_eq!(
        wmi.iter().map(|e| hop(e)).collect::<Vec<_>>(),
        [expect(
            "PC01",
            "WIN-77LTAPHIQ1R",
            "EXAMPLE\\Administrator",
            "2019-03-18T22:15:49.6767481Z"
        )]
    );
    assert_eq!(out.spread.clusters[0].artefact, "wmi:calc.exe");
}

#[test]
fn impacket_wmiexec_seen_by_sysmon_alone_is_one_hop() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[WMIEXEC_SYSMON]);
    // No Security log: the source is the inbound SMB contact Sysmon 3 logged a moment before,
    // the account the processes ran as; four commands of one session make one hop.
    let wmi = edges(&out, Channel::Wmi);
    assert_eq!(
        wmi.iter().map(|e| hop(e)).collect::<Vec<_>>(),
        [expect(
            "10.0.2.19",
            "IEWIN7",
            "IEWIN7\\IEUser",
            "2019-04-30T20:32:51.168589Z"
        )]
    );
    let kinds: Vec<&str> = wmi[0].evidence.iter().map(|e| e.kind.as_str()).collect();
    // No log names the host at 10.0.2.19: the source stays the address, flagged.
    assert_eq!(kinds, ["3", "1", "1", "1", "1", "source"]);
    assert_eq!(wmi[0].source_resolved, Some(false));
}

#[test]
fn dcom_mmc20_started_for_a_remote_session() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[DCOM_MMC]);
    // mmc.exe -Embedding, started by DcomLaunch in the remote logon's session (TargetLogonId).
    let dcom = edges(&out, Channel::Dcom);
    assert_eq!(
        dcom.iter().map(|e| hop(e)).collect::<Vec<_>>(),
        [expect(
            "10.23.123.11",
            "SRVDEFENDER01",
            "OFFSEC\\admmig",
            "2021-04-26T15:16:04.0470853Z"
        )]
    );
    assert_eq!(out.spread.clusters.len(), 1);
    assert_eq!(out.spread.clusters[0].artefact, "dcom:mmc.exe");
}

#[test]
fn wmiexec_in_the_apt_chain_is_one_hop_by_logon_id() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let out = common::analyze_paths(&root, &[WMIEXEC_APT]);
    let wmi = edges(&out, Channel::Wmi);
    assert_eq!(
        wmi.iter().map(|e| hop(e)).collect::<Vec<_>>(),
        [expect(
            "10.23.123.11",
            "SRVDEFENDER01",
            "OFFSEC\\admmig",
            "2021-04-26T08:25:37.2581175Z"
        )]
    );
    assert_eq!(out.spread.clusters[0].artefact, "wmi:cmd.exe");
}

#[test]
fn samples_without_a_target_side_session_make_no_process_hop() {
    let Some(root) = common::shared_data() else {
        return;
    };
    for (file, why) in NO_HOP {
        let out = common::analyze_paths(&root, &[file]);
        for channel in [Channel::Wmi, Channel::WinRm, Channel::Dcom] {
            assert!(edges(&out, channel).is_empty(), "{file}: {why}");
        }
    }
}

// Hand-made cases.

const T0: i64 = 1_772_440_000;

fn ev(t: i64, host: &str, kind: &str) -> Evidence {
    Evidence {
        time: Timestamp::from_nanos((T0 + t) * 1_000_000_000),
        host: host.into(),
        kind: kind.into(),
        ..Evidence::default()
    }
}

fn ip(host: &str) -> String {
    format!(
        "10.0.0.{}",
        host.bytes().map(u32::from).sum::<u32>() % 250 + 1
    )
}

/// A remote network logon of `user` from `from` on `to`, session `id`.
fn logon(t: i64, from: &str, to: &str, user: &str, id: &str) -> Fact {
    Fact::Logon(Logon {
        evidence: ev(t, to, "4624"),
        success: true,
        logon_type: 3,
        account: Account {
            domain: "CLINIC".into(),
            user: user.into(),
            sid: None,
        },
        source_ip: Some(ip(from)),
        workstation: Some(from.into()),
        logon_id: Some(id.into()),
        auth: Default::default(),
    })
}

/// A process `image` (pid `pid`) started on `host` by `parent` (pid `ppid`) in session `id`.
fn process(
    t: i64,
    host: &str,
    (image, pid): (&str, u32),
    (parent, ppid): (&str, u32),
    id: &str,
) -> Fact {
    Fact::ProcessCreation(ProcessCreation {
        evidence: ev(t, host, "4688"),
        image: format!("C:\\Windows\\System32\\{image}"),
        command_line: image.into(),
        parent_image: Some(format!("C:\\Windows\\System32\\{parent}")),
        process_key: Some(pid.to_string()),
        parent_key: Some(ppid.to_string()),
        user: None,
        logon_id: Some(id.into()),
    })
}

fn run_with(assets: &str, mut facts: Vec<Fact>) -> Outcome {
    let assets = Assets::from_csv_reader(assets.as_bytes()).expect("assets");
    facts.sort_by_key(Fact::time);
    let mut a = Analyzer::new(AnalyticsConfig::default(), assets);
    for f in &facts {
        a.feed(f);
    }
    a.finish()
}

fn run(facts: Vec<Fact>) -> Outcome {
    run_with("hostname,ip,role,clinical\n", facts)
}

fn clusters(out: &Outcome) -> Vec<(&str, &Cluster)> {
    out.spread
        .clusters
        .iter()
        .map(|c| (c.artefact.as_str(), c))
        .collect()
}

#[test]
fn a_wmiexec_shell_is_one_hop_however_many_commands() {
    let mut facts = vec![logon(0, "ATTACKER", "WARD-3", "it.admin", "0x5001")];
    for i in 0..30 {
        let t = 2 + i * 5;
        let pid = 100 + i as u32 * 2;
        facts.push(process(
            t,
            "WARD-3",
            ("cmd.exe", pid),
            ("wbem\\WmiPrvSE.exe", 40),
            "0x5001",
        ));
        facts.push(process(
            t,
            "WARD-3",
            ("whoami.exe", pid + 1),
            ("cmd.exe", pid),
            "0x5001",
        ));
    }
    let out = run(facts);
    let c = clusters(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].0, "wmi:cmd.exe");
    assert_eq!(c[0].1.edges.len(), 1);
    assert_eq!(c[0].1.edges[0].from, "ATTACKER");
    assert_eq!(c[0].1.edges[0].account.as_deref(), Some("CLINIC\\it.admin"));
    // Evidence accumulates up to the configured cap.
    assert_eq!(
        c[0].1.edges[0].evidence.len(),
        AnalyticsConfig::default().max_evidence
    );
    let findings: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "remote-execution")
        .collect();
    assert_eq!(findings.len(), 1);
}

#[test]
fn a_monitoring_poll_wakes_only_wmi_housekeeping() {
    // MON-01 polls 20 hosts: a network logon, WmiPrvSE starts (as NETWORK SERVICE), and the
    // performance-counter adapter runs, or nothing does.
    let mut facts = Vec::new();
    for i in 0..20 {
        let host = format!("WS-{i:02}");
        let t = i * 30;
        facts.push(logon(t, "MON-01", &host, "svc.monitor", "0x7001"));
        facts.push(process(
            t + 1,
            &host,
            ("wbem\\WmiPrvSE.exe", 50),
            ("svchost.exe", 8),
            "0x3e4",
        ));
        if i % 2 == 0 {
            facts.push(process(
                t + 2,
                &host,
                ("wbem\\wmiadap.exe", 60),
                ("wbem\\WmiPrvSE.exe", 50),
                "0x3e7",
            ));
            facts.push(process(
                t + 3,
                &host,
                ("wbem\\WmiApSrv.exe", 61),
                ("services.exe", 9),
                "0x3e7",
            ));
        }
    }
    let out = run(facts);
    assert!(out.spread.clusters.is_empty(), "{:?}", clusters(&out));
}

#[test]
fn local_wmi_use_is_not_lateral_movement() {
    let facts = vec![
        // A local admin's own `wmic process call create`: the child is in their desktop session.
        Fact::Logon(Logon {
            evidence: ev(0, "LAB-1", "4624"),
            success: true,
            logon_type: 2,
            account: Account {
                domain: "CLINIC".into(),
                user: "it.admin".into(),
                sid: None,
            },
            source_ip: None,
            workstation: None,
            logon_id: Some("0x9001".into()),
            auth: Default::default(),
        }),
        process(
            5,
            "LAB-1",
            ("notepad.exe", 70),
            ("wbem\\WmiPrvSE.exe", 50),
            "0x9001",
        ),
        // The local WMI service runs something as SYSTEM, with no remote session near it.
        process(
            50,
            "LAB-2",
            ("cmd.exe", 71),
            ("wbem\\WmiPrvSE.exe", 51),
            "0x3e7",
        ),
        // A remote session on LAB-1 does not adopt the local admin's later WMI use.
        logon(60, "FILES-1", "LAB-1", "svc.backup", "0x9002"),
        process(
            65,
            "LAB-1",
            ("calc.exe", 72),
            ("wbem\\WmiPrvSE.exe", 50),
            "0x9001",
        ),
    ];
    let out = run(facts);
    assert!(out.spread.clusters.is_empty(), "{:?}", clusters(&out));
}

#[test]
fn a_worm_spreading_by_wmi_is_a_worm() {
    // PZ → A, A → B and A → C, B → D: each hop a network logon, then WmiPrvSE starts the implant.
    let hops = [
        (0, "PZ-1", "HOST-A"),
        (400, "HOST-A", "HOST-B"),
        (420, "HOST-A", "HOST-C"),
        (900, "HOST-B", "HOST-D"),
    ];
    let mut facts = Vec::new();
    for (i, (t, from, to)) in hops.iter().enumerate() {
        let id = format!("{:#x}", 0x6000 + i);
        facts.push(logon(*t, from, to, &format!("{from}$"), &id));
        facts.push(process(
            t + 1,
            to,
            ("rundll32.exe", 300),
            ("wbem\\WmiPrvSE.exe", 40),
            &id,
        ));
    }
    let out = run(facts);
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "wmi:rundll32.exe");
    assert_eq!(c[0].1.verdict, "worm");
    assert_eq!(c[0].1.patient_zero.as_deref(), Some("PZ-1"));
    assert_eq!(c[0].1.edges.len(), 4);
    assert!(c[0].1.edges.iter().all(|e| e.channel == Channel::Wmi));
}

#[test]
fn a_monitoring_server_running_a_script_by_wmi_is_not_a_worm() {
    let mut facts = Vec::new();
    for i in 0..8 {
        let host = format!("WS-{i:02}");
        let t = i * 30;
        let id = format!("{:#x}", 0x7000 + i);
        facts.push(logon(t, "MON-01", &host, "svc.monitor", &id));
        facts.push(process(
            t + 1,
            &host,
            ("cscript.exe", 80),
            ("wbem\\WmiPrvSE.exe", 50),
            &id,
        ));
    }
    let out = run_with(
        "hostname,ip,role,clinical\nMON-01,,monitoring,false\n",
        facts,
    );
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "wmi:cscript.exe");
    assert_ne!(c[0].1.verdict, "worm", "{:?}", c[0].1.reasons);
}

#[test]
fn winrm_and_dcom_children_name_their_channel() {
    let facts = vec![
        logon(0, "JUMP-1", "SRV-1", "it.admin", "0x8001"),
        process(
            2,
            "SRV-1",
            ("cmd.exe", 90),
            ("wsmprovhost.exe", 33),
            "0x8001",
        ),
        // DCOM on Windows 7: mmc.exe -Embedding started by DcomLaunch as SYSTEM (4688 v1), then
        // its child; the session is the latest remote logon.
        logon(100, "JUMP-1", "SRV-2", "it.admin", "0x8002"),
        Fact::ProcessCreation(ProcessCreation {
            evidence: ev(101, "SRV-2", "4688"),
            image: "C:\\Windows\\System32\\mmc.exe".into(),
            command_line: "C:\\Windows\\system32\\mmc.exe -Embedding".into(),
            parent_image: None,
            process_key: Some("500".into()),
            parent_key: Some("8".into()),
            user: None,
            logon_id: Some("0x3e7".into()),
        }),
        process(103, "SRV-2", ("cmd.exe", 501), ("mmc.exe", 500), "0x3e7"),
        process(
            104,
            "SRV-2",
            ("ipconfig.exe", 502),
            ("cmd.exe", 501),
            "0x3e7",
        ),
    ];
    let out = run(facts);
    let mut got: Vec<(Channel, String, String, String)> = out
        .spread
        .clusters
        .iter()
        .flat_map(|c| {
            c.edges
                .iter()
                .map(|e| (e.channel, c.artefact.clone(), e.from.clone(), e.to.clone()))
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                Channel::WinRm,
                "winrm:cmd.exe".into(),
                "JUMP-1".into(),
                "SRV-1".into()
            ),
            (
                Channel::Dcom,
                "dcom:cmd.exe".into(),
                "JUMP-1".into(),
                "SRV-2".into()
            ),
        ]
    );
    // The DCOM child's own child joined its hop.
    let dcom = edges(&out, Channel::Dcom);
    assert_eq!(dcom[0].evidence.len(), 3);
}

#[test]
fn sysmon_inbound_contacts_on_other_ports_are_no_source() {
    let contact = |port: u16| {
        Fact::NetworkConnection(NetworkConnection {
            evidence: ev(0, "LAB-1", "3"),
            image: "System".into(),
            source_ip: Some("10.0.0.9".into()),
            destination_ip: Some("10.0.0.50".into()),
            destination_port: Some(port),
            source_port: Some(50_000),
            destination_host: None,
            initiated: false,
        })
    };
    let child = process(
        5,
        "LAB-1",
        ("cmd.exe", 70),
        ("wbem\\WmiPrvSE.exe", 50),
        "0x9001",
    );
    assert!(
        run(vec![contact(3389), child.clone()])
            .spread
            .clusters
            .is_empty()
    );
    let out = run(vec![contact(135), child]);
    assert_eq!(edges(&out, Channel::Wmi)[0].from, "10.0.0.9");
}
