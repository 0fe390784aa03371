//! Every lateral-movement sample of ../shared/data, one file at a time: the hop Ward traces
//! (source, target, account, time, channel, and the tool its traces name), or why the file
//! cannot carry one. Facts are fed in the order the CLI sorts them (by their own time), so a
//! Sysmon connection logged after the process it led to still comes first.
//!
//! The folders: `evtx-to-mitre/TA0008-Lateral Movement`, `evtx-attack-samples/Lateral Movement`
//! and `evtx-to-mitre/EVTX_full_APT_attack_steps`. A test fails when a file appears in them that
//! neither table lists, so a new sample is never silently unchecked.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use ward_analytics::case::Edge;
use ward_analytics::remote_exec::Channel;
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, Outcome, facts};

const FOLDERS: &[&str] = &[
    "evtx-to-mitre/TA0008-Lateral Movement",
    "evtx-attack-samples/Lateral Movement",
    "evtx-to-mitre/EVTX_full_APT_attack_steps",
];

/// One expected hop: file(s), from, to, account, time, channel, tool.
struct Expected {
    files: &'static [&'static str],
    from: &'static str,
    to: &'static str,
    account: Option<&'static str>,
    time: &'static str,
    channel: Channel,
    tool: Option<&'static str>,
}

const TA0008: &str = "evtx-to-mitre/TA0008-Lateral Movement";
const LM: &str = "evtx-attack-samples/Lateral Movement";
const APT: &str = "evtx-to-mitre/EVTX_full_APT_attack_steps";

const HOPS: &[Expected] = &[
    // RDP hijack: `tscon 2 /dest:rdp-tcp#8` as SYSTEM, then admmarsid's session reconnects to
    // the hijacker's RDP connection from JUMP01 (4778; the hijacker admmig's 4779 is evidence).
    Expected {
        files: &["T1021.001-Remote Desktop Protocol/ID4688,4778,4779 RDP hijack direct.evtx"],
        from: "JUMP01",
        to: "FS01",
        account: Some("OFFSEC\\admmarsid"),
        time: "2021-05-14T21:01:05.8317487Z",
        channel: Channel::Rdp,
        tool: Some("tscon-hijack"),
    },
    // The same through a service (`sc start hijackservice` → `cmd /k tscon 2 /dest:rdp-tcp#5`).
    Expected {
        files: &["T1021.001-Remote Desktop Protocol/ID4688-4778 RDP hijack command execution.evtx"],
        from: "JUMP01",
        to: "FS01",
        account: Some("OFFSEC\\admmarsid"),
        time: "2021-05-14T20:40:17.5330674Z",
        channel: Channel::Rdp,
        tool: Some("tscon-hijack"),
    },
    Expected {
        files: &[
            "T1021.002-SMB Windows Admin Shares/ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx",
        ],
        from: "10.23.42.22",
        to: "SRVDEFENDER01",
        account: Some("OFFSEC\\admmig"),
        time: "2021-04-21T09:40:32.3633939Z",
        channel: Channel::Service,
        tool: Some("psexec"),
    },
    Expected {
        files: &[
            "T1021.003-Distributed Component Object Model (DCOM)/ID4688,4674-DCOMexec process spawned.evtx",
        ],
        from: "10.23.123.11",
        to: "SRVDEFENDER01",
        account: Some("OFFSEC\\admmig"),
        time: "2021-04-26T15:16:04.0470853Z",
        channel: Channel::Dcom,
        tool: None,
    },
    // RemCom: RemComSvc.exe copied to ADMIN$\System32, then IPC$\svcctl, three times; no 7045
    // in the file: the copy and the SCM pipe of one session are the hop.
    Expected {
        files: &["LM_REMCOM_5145_TargetHost.evtx"],
        from: "10.0.2.16",
        to: "PC01",
        account: Some("PC01\\IEUser"),
        time: "2019-02-16T17:54:41.2568144Z",
        channel: Channel::Service,
        tool: Some("remcom"),
    },
    // The svcctl open (5145) and the install (7045) are two files of one hop.
    Expected {
        files: &[
            "LM_Remote_Service01_5145_svcctl.evtx",
            "LM_Remote_Service02_7045.evtx",
        ],
        from: "10.0.2.17",
        to: "WIN-77LTAPHIQ1R",
        account: Some("EXAMPLE\\Administrator"),
        time: "2019-03-19T00:41:29.0089339Z",
        channel: Channel::Service,
        tool: None,
    },
    Expected {
        files: &["LM_ScheduledTask_ATSVC_target_host.evtx"],
        from: "10.0.2.17",
        to: "WIN-77LTAPHIQ1R",
        account: Some("EXAMPLE\\Administrator"),
        time: "2019-03-19T00:02:04.3199452Z",
        channel: Channel::ScheduledTask,
        tool: None,
    },
    Expected {
        files: &["LM_WMI_4624_4688_TargetHost.evtx"],
        from: "PC01",
        to: "WIN-77LTAPHIQ1R",
        account: Some("EXAMPLE\\Administrator"),
        time: "2019-03-18T22:15:49.6767481Z",
        channel: Channel::Wmi,
        tool: None,
    },
    // PsExec renamed `blabla` (-r): blabla.exe on ADMIN$, svcctl, then its pipes
    // `blabla-NLLT108334-37048-stdin/stdout/stderr`; no 7045 in the file.
    Expected {
        files: &["LM_renamed_psexecsvc_5145.evtx"],
        from: "10.0.2.16",
        to: "IEWIN7",
        account: Some("IEWIN7\\IEUser"),
        time: "2019-01-19T13:00:10.3807321Z",
        channel: Channel::Service,
        tool: Some("renamed-psexec"),
    },
    // Metasploit psexec_psh, Sysmon alone: services.exe starts `cmd.exe /b /c start /b /min
    // powershell …` after an inbound SMB contact; the caller's account is not in Sysmon.
    Expected {
        files: &["LM_sysmon_psexec_smb_meterpreter.evtx"],
        from: "10.0.2.19",
        to: "IEWIN7",
        account: None,
        time: "2019-04-30T20:26:52.090464Z",
        channel: Channel::Service,
        tool: Some("metasploit-psexec"),
    },
    Expected {
        files: &["LM_wmiexec_impacket_sysmon_whoami.evtx"],
        from: "10.0.2.19",
        to: "IEWIN7",
        account: Some("IEWIN7\\IEUser"),
        time: "2019-04-30T20:32:51.168589Z",
        channel: Channel::Wmi,
        tool: None,
    },
    Expected {
        files: &["smbmap_upload_exec_sysmon.evtx"],
        from: "10.0.2.15",
        to: "MSEDGEWIN10",
        account: Some("MSEDGEWIN10\\Administrator"),
        time: "2020-10-17T22:53:05.436954Z",
        channel: Channel::Wmi,
        tool: None,
    },
    // EternalRomance + psexec_psh: the exploit's svcctl session (as FS03VULN$ in 0x3e7) and the
    // one-liner it ran; no install logged. The account is the NTLM logon from the same address,
    // the source the random workstation name that logon gave.
    Expected {
        files: &["ID4624,4688,5140,5145-Eternal Romance - MS17_010_psexec (GLOBAL).evtx"],
        from: "0KONUY9Q8HTKWEKS",
        to: "FS03VULN",
        account: Some("OFFSEC\\admmig"),
        time: "2021-04-22T08:51:04.8515187Z",
        channel: Channel::Service,
        tool: Some("metasploit-psexec"),
    },
    Expected {
        files: &["ID4688,4698,4699,5145,4624-ATexec remote trask creation (GLOBAL).evtx"],
        from: "10.23.123.11",
        to: "FS01",
        account: Some("OFFSEC\\admmig"),
        time: "2021-06-10T21:21:26.3837263Z",
        channel: Channel::ScheduledTask,
        tool: None,
    },
    Expected {
        files: &["ID4688,5140,5145-WMIexec execution via SMB (GLOBAL).evtx"],
        from: "10.23.123.11",
        to: "SRVDEFENDER01",
        account: Some("OFFSEC\\admmig"),
        time: "2021-04-26T08:25:37.2581175Z",
        channel: Channel::Wmi,
        tool: None,
    },
    // smbexec: `%COMSPEC% /Q /c echo … \\127.0.0.1\C$\__output`, tied by its svcctl session.
    Expected {
        files: &["ID47x,4661-4662,5136,4688,4697-SAM the admin (CVE-2021-42287).evtx"],
        from: "ATTACKER",
        to: "ROOTDC1",
        account: Some("OFFSEC\\admmhorvath"),
        time: "2021-12-14T14:42:49.9279636Z",
        channel: Channel::Service,
        tool: Some("smbexec"),
    },
    Expected {
        files: &[
            "ID5140-5145,4688,4697-Encrypted payload deployed with service over SMB (GLOBAL).evtx",
        ],
        from: "10.23.123.11",
        to: "SRVDEFENDER01",
        account: Some("OFFSEC\\admmig"),
        time: "2021-04-21T14:56:43.2341468Z",
        channel: Channel::Service,
        tool: Some("metasploit-psexec"),
    },
];

/// Files that cannot carry a hop, and why.
const NO_HOP: &[(&str, &str)] = &[
    (
        "T1021.001-Remote Desktop Protocol/ID4825-Denied RDP connection with valid credentials.evtx",
        "4825: the connection was refused (not a Remote Desktop user); no session, nothing ran",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID4688-4648 Lateral movement with net use.evtx",
        "source side only: `net use m: \\\\fs03vuln\\c$` (4648 on FS03); a drive mapped, nothing ran",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID4688-Network share manipulation via commandline.evtx",
        "`net share` run locally; no remote session",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID5140-ADMIN$ share connection with Golden ticket.evtx",
        "5140 ADMIN$ and IPC$ connections only: nothing written, no service, nothing ran",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID5142- New file share created.evtx",
        "a share created locally and a desktop.ini read over C$: nothing ran",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID5142-5143-Mimispool print share created and modified.evtx",
        "print$ created and changed by the host itself: no remote session",
    ),
    (
        "T1021.002-SMB Windows Admin Shares/ID5145-remote shell execution via SMB admin share.evtx",
        "IPC$\\svcctl opened and powershell.exe read on ADMIN$, but neither an install, a copied \
         executable, a tool's pipe nor a process is in the file (the install is the APT chain's \
         Encrypted payload file)",
    ),
    (
        "T1021.003-Distributed Component Object Model (DCOM)/ID4103,4104-DCOMexec native via PowerShell.evtx",
        "PowerShell script logs of the caller (JUMP01) only: no logon or process on a target",
    ),
    (
        "T1021.004-Remote Service SSH/ID4-OpenSSH server listening.evtx",
        "OpenSSH server start-up: no session",
    ),
    (
        "T1021.004-Remote Service SSH/ID4103-4104-OpenSSH server install.evtx",
        "PowerShell logs of installing OpenSSH: no session",
    ),
    (
        "T1021.006-Windows Remote Management/ID4656-WS Management listener enumeration.evtx",
        "4656 handle requests on the WS-Management listener: an enumeration, nothing ran",
    ),
    (
        "T1550-Use Alternate Authentication Material/ID4624-Mimikatz Pass the hash.evtx",
        "the pass-the-hash logon (type 9, seclogo) on FS03 itself and a C$ read: no hop follows in \
         the file (the pass-the-hash finding stands, low)",
    ),
    (
        "LM_5145_Remote_FileCopy.evtx",
        "files copied over C$ from 10.0.2.15 (malwr.exe, setup.bat): nothing ran, no svcctl",
    ),
    (
        "ID11,13,17,18-PSexec as system execution.evtx",
        "`PsExec64 -i -s cmd` run on fs03vuln itself: PSEXESVC's pipes without any remote contact",
    ),
    (
        "ID4674,5142-Mimikatz print spool privileges requested.evtx",
        "4674 and a print share created locally: no remote session",
    ),
    (
        "ID4674,6416 New external device connected (PrintNightmare).evtx",
        "a printer driver device and SYSTEM shells: no remote session in the file",
    ),
    (
        "ID4720,4698-Fortinet APT group abuse on Windows.evtx",
        "a task registered by admmig in a session (0x46b7b4) not in the file, no IPC$\\atsvc",
    ),
    (
        "ID4742,4935,4662,4661,5137-DCshadow attack (GLOBAL) failed.evtx",
        "directory replication changes on the DC: no code ran for a remote session",
    ),
    (
        "ID5145-4624-DonPAPI full extraction.evtx",
        "IPC$\\svcctl used to start RemoteRegistry (4674 names it) and hives read over ADMIN$: \
         credential theft, no command of the caller ran",
    ),
];

/// Resolves a table entry's file name against the folders.
fn locate(root: &Path, name: &str) -> PathBuf {
    for folder in [TA0008, LM, APT] {
        let p = root.join(folder).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name}: not found under the lateral-movement folders");
}

/// Analyses files with facts in the CLI's order (the fact's own time, then file and position).
fn analyze(paths: &[PathBuf]) -> Outcome {
    let events = common::read_events(paths);
    let mut facts: Vec<_> = events.iter().filter_map(facts::extract).collect();
    facts.sort_by(|a, b| {
        let (a, b) = (a.evidence(), b.evidence());
        (a.time, &a.file, a.position).cmp(&(b.time, &b.file, b.position))
    });
    let mut analyzer = Analyzer::new(AnalyticsConfig::default(), Assets::default());
    for f in &facts {
        analyzer.feed(f);
    }
    analyzer.finish()
}

fn edges(out: &Outcome) -> Vec<&Edge> {
    out.spread
        .clusters
        .iter()
        .flat_map(|c| c.edges.iter())
        .collect()
}

/// The tool the remote-execution finding of an edge names.
fn tool(out: &Outcome, e: &Edge) -> Option<String> {
    out.findings
        .iter()
        .filter(|f| f.analytic == "remote-execution")
        .find(|f| f.details["from"] == e.from && f.details["to"] == e.to)
        .and_then(|f| f.details.get("tool"))
        .and_then(|t| t.as_str().map(String::from))
}

#[test]
fn every_sample_with_a_source_gives_its_hop() {
    let Some(root) = common::shared_data() else {
        return;
    };
    for x in HOPS {
        let paths: Vec<PathBuf> = x.files.iter().map(|f| locate(&root, f)).collect();
        let out = analyze(&paths);
        let found = edges(&out);
        let name = x.files.join(" + ");
        assert_eq!(found.len(), 1, "{name}: {found:#?}");
        let e = found[0];
        let time = e.time.map(|t| t.to_string());
        assert_eq!(
            (
                e.from.as_str(),
                e.to.as_str(),
                e.account.as_deref(),
                time.as_deref(),
                e.channel
            ),
            (x.from, x.to, x.account, Some(x.time), x.channel),
            "{name}"
        );
        assert_eq!(tool(&out, e).as_deref(), x.tool, "{name}: tool");
        // A source that stays an address says so.
        let is_address = e.from.parse::<std::net::IpAddr>().is_ok();
        assert_eq!(e.source_resolved, is_address.then_some(false), "{name}");
    }
}

#[test]
fn samples_without_a_hop_say_why() {
    let Some(root) = common::shared_data() else {
        return;
    };
    for (file, why) in NO_HOP {
        let out = analyze(&[locate(&root, file)]);
        assert!(edges(&out).is_empty(), "{file} ({why}): {:#?}", edges(&out));
    }
}

#[test]
fn every_sample_is_in_one_table() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let listed: BTreeSet<&str> = HOPS
        .iter()
        .flat_map(|x| x.files.iter().copied())
        .chain(NO_HOP.iter().map(|(f, _)| *f))
        .collect();
    for folder in FOLDERS {
        for path in walk(&root.join(folder)) {
            let rel = path
                .strip_prefix(root.join(folder))
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            assert!(listed.contains(rel.as_str()), "{rel}: in neither table");
        }
    }
}

#[test]
fn pass_the_hash_before_a_hop_is_high() {
    let Some(root) = common::shared_data() else {
        return;
    };
    // EternalRomance: admmig's NTLM logon without a session key from a random workstation name,
    // then the psexec_psh hop from that address.
    let eternal = "ID4624,4688,5140,5145-Eternal Romance - MS17_010_psexec (GLOBAL).evtx";
    let out = analyze(&[locate(&root, eternal)]);
    let f = out
        .findings
        .iter()
        .find(|f| f.analytic == "pass-the-hash")
        .expect("a pass-the-hash finding");
    assert_eq!(f.level, ward_event::Level::High);
    assert_eq!(f.host, "FS03VULN");
    assert_eq!(f.details["account"], "OFFSEC\\admmig");
    assert_eq!(f.details["precedes_hop"][0]["to"], "FS03VULN");
    assert_eq!(f.details["precedes_hop"][0]["channel"], "service");
    // Mimikatz sekurlsa::pth on FS03 (type 9, seclogo) with no hop after it in the file: low.
    let pth = "T1550-Use Alternate Authentication Material/ID4624-Mimikatz Pass the hash.evtx";
    let out = analyze(&[locate(&root, pth)]);
    let f = out
        .findings
        .iter()
        .find(|f| f.analytic == "pass-the-hash")
        .expect("a pass-the-hash finding");
    assert_eq!(f.level, ward_event::Level::Low);
    assert_eq!(f.host, "FS03");
    assert!(!f.details.contains_key("precedes_hop"));
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(p) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|x| x == "evtx") {
            out.push(path);
        }
    }
    out
}
