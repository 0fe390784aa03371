//! Real attack logs from ../shared/data: the remote-execution hops, recon bursts and fan-out
//! they must yield, with the hosts, accounts and services the logs name.

mod common;

use ward_analytics::Outcome;

fn run(paths: &[&str]) -> Option<Outcome> {
    let root = common::shared_data()?;
    Some(common::analyze_paths(&root, paths))
}

fn edges(out: &Outcome) -> Vec<(String, String, String, Option<String>)> {
    out.spread
        .clusters
        .iter()
        .flat_map(|c| {
            c.edges.iter().map(move |e| {
                (
                    c.artefact.clone(),
                    e.from.clone(),
                    e.to.clone(),
                    e.account.clone(),
                )
            })
        })
        .collect()
}

fn tuple(a: &str, f: &str, t: &str, acc: Option<&str>) -> (String, String, String, Option<String>) {
    (a.into(), f.into(), t.into(), acc.map(String::from))
}

#[test]
fn apt_chain_service_deployments_over_smb() {
    let Some(out) = run(&["evtx-to-mitre/EVTX_full_APT_attack_steps"]) else {
        return;
    };
    assert_eq!(
        edges(&out),
        [
            // Encrypted payload: IPC$\svcctl then 4697, no 4624 in the log: tied by the pipe.
            tuple(
                "service:iOWamcEn",
                "ATTACKER",
                "SRVDEFENDER01",
                Some("OFFSEC\\admmig")
            ),
            // EternalRomance + Metasploit psexec_psh: the exploit's IPC$\svcctl session, then
            // the one-liner the unlogged service ran (no 7045 in the file).
            tuple(
                "service:cmd.exe",
                "ATTACKER",
                "FS03VULN",
                Some("OFFSEC\\admmig")
            ),
            // WMIexec: cmd.exe under WmiPrvSE.exe in the session of a network logon (4688 v2).
            tuple(
                "wmi:cmd.exe",
                "ATTACKER",
                "SRVDEFENDER01",
                Some("OFFSEC\\admmig")
            ),
            // ATexec: IPC$\atsvc, then a task registered by a session without an address.
            tuple(
                "task:\\bouWFQYO",
                "ATTACKER",
                "FS01",
                Some("OFFSEC\\admmig")
            ),
            // SAM-the-admin: service BTOBTO installed on the DC.
            tuple(
                "service:BTOBTO",
                "ATTACKER",
                "ROOTDC1",
                Some("OFFSEC\\admmhorvath")
            ),
        ]
    );
    assert!(
        out.spread
            .clusters
            .iter()
            .all(|c| c.verdict == "suspicious")
    );
}

#[test]
fn massive_remote_service_creation_collapses_into_one_edge() {
    let Some(out) = run(&["evtx-to-mitre/TA0002-Execution/T1569.002-Service execution"]) else {
        return;
    };
    assert_eq!(out.spread.clusters.len(), 1);
    let c = &out.spread.clusters[0];
    // Tchopper creates one `cmd.exe /c powershell …` service per chunk of its payload.
    assert_eq!(c.artefact, "image:cmd.exe");
    assert_eq!(c.edges.len(), 1);
    assert_eq!(
        (c.edges[0].from.as_str(), c.edges[0].to.as_str()),
        ("?", "FS03")
    );
    let f = out
        .findings
        .iter()
        .find(|f| f.analytic == "remote-execution")
        .expect("finding");
    assert_eq!(f.details["installs"], serde_json::json!(244));
    assert_eq!(c.patient_zero.as_deref(), Some("FS03"));
}

#[test]
fn metasploit_psexec_on_the_target() {
    let Some(out) = run(&["deepbluecli/evtx"]) else {
        return;
    };
    assert_eq!(
        edges(&out),
        [
            // psexec_psh: %COMSPEC% one-liners (payload and getsystem pipe echo) group by image.
            tuple("image:cmd.exe", "?", "IE10WIN7", None),
            // native psexec: %SYSTEMROOT%\duKhLYUX.exe, an executable at the ADMIN$ root.
            tuple("service:KgXItsbKgTJzdzwl", "?", "IE10WIN7", None),
        ]
    );
    let installs: Vec<&serde_json::Value> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "remote-execution")
        .map(|f| &f.details["installs"])
        .collect();
    assert_eq!(installs, [&serde_json::json!(3), &serde_json::json!(1)]);
}

#[test]
fn psexec_by_an_admin_is_likely_admin() {
    let Some(out) = run(&["evtx-to-mitre/TA0008-Lateral Movement"]) else {
        return;
    };
    assert_eq!(
        edges(&out),
        [
            tuple(
                "service:PSEXESVC",
                "10.23.42.22",
                "SRVDEFENDER01",
                Some("OFFSEC\\admmig")
            ),
            // DCOMexec: mmc.exe -Embedding started in a network logon's session.
            tuple(
                "dcom:mmc.exe",
                "10.23.123.11",
                "SRVDEFENDER01",
                Some("OFFSEC\\admmig")
            ),
            // RDP hijack (both files): tscon as SYSTEM, then admmarsid's session reconnects
            // from JUMP01; one edge, two hops.
            tuple(
                "rdp:OFFSEC\\admmarsid",
                "JUMP01",
                "FS01",
                Some("OFFSEC\\admmarsid")
            ),
        ]
    );
    assert_eq!(out.spread.clusters[0].verdict, "likely-admin");
    // A hijack is never administration.
    assert_eq!(out.spread.clusters[2].verdict, "suspicious");
    // Hop evidence: the network logon, the PSEXESVC.exe write to ADMIN$, the install (4697).
    let kinds: Vec<&str> = out.spread.clusters[0].edges[0]
        .evidence
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    // No log names the host at 10.23.42.22: the source stays the address, and says so.
    assert_eq!(kinds, ["4624", "5145", "4697", "source"]);
    assert_eq!(out.spread.clusters[0].edges[0].source_resolved, Some(false));
}

#[test]
fn admin_share_copy_and_service_from_evtx_attack_samples() {
    let Some(out) = run(&["evtx-attack-samples/Lateral Movement"]) else {
        return;
    };
    assert_eq!(
        edges(&out),
        [
            // Renamed PsExec (`blabla`): its copy, svcctl and `blabla-<client>-<pid>-std*` pipes.
            tuple(
                "service:blabla",
                "10.0.2.16",
                "IEWIN7",
                Some("IEWIN7\\IEUser")
            ),
            // RemCom: RemComSvc.exe copied to ADMIN$\System32, then IPC$\svcctl; no 7045.
            tuple(
                "service:RemComSvc",
                "10.0.2.16",
                "PC01",
                Some("PC01\\IEUser")
            ),
            // The remotesvc service and LM_WMI_4624_4688 both ran calc.exe on the same host:
            // one implant, two channels (service, WMI), one cluster named by the file.
            tuple(
                "file:calc.exe",
                "PC01",
                "WIN-77LTAPHIQ1R",
                Some("EXAMPLE\\Administrator")
            ),
            tuple(
                "file:calc.exe",
                "PC01",
                "WIN-77LTAPHIQ1R",
                Some("EXAMPLE\\Administrator")
            ),
            // LM_ScheduledTask_ATSVC: the task registered over IPC$\atsvc.
            tuple(
                "task:\\CYAlyNSS",
                "PC01",
                "WIN-77LTAPHIQ1R",
                Some("EXAMPLE\\Administrator")
            ),
            // impacket wmiexec and smbmap -x, Sysmon only: the inbound SMB contact's address.
            tuple("wmi:cmd.exe", "10.0.2.19", "IEWIN7", Some("IEWIN7\\IEUser")),
            tuple(
                "wmi:cmd.exe",
                "10.0.2.15",
                "MSEDGEWIN10",
                Some("MSEDGEWIN10\\Administrator")
            ),
        ]
    );
}

#[test]
fn covenant_copy_and_sharpsc_in_security_datasets() {
    let Some(out) = run(&["security-datasets/datasets/atomic/windows/lateral_movement/host"])
    else {
        return;
    };
    assert_eq!(
        edges(&out),
        [
            // Covenant: the grunt copied over ADMIN$, then SharpSC creates its service.
            tuple(
                "file:grunthttp2.exe",
                "WORKSTATION5",
                "WORKSTATION6",
                Some("THESHIRE\\pgustavo")
            ),
            // Empire smbexec: a random service name running `cmd.exe /Q /c …`; 7045 and 4697 are one hop.
            tuple(
                "service:PGUJLOAKFQFVOMHGFQPX",
                "WORKSTATION5",
                "WORKSTATION6",
                Some("THESHIRE\\pgustavo")
            ),
            // Empire psexec over DCERPC/TCP: no share access, so no source in the target's logs.
            tuple("service:Updater", "?", "WORKSTATION6", None),
        ]
    );
    // Three suspicious clusters and no worm: nothing joins the outbreak's account lists; the
    // hop account is on the edges above, for the "needs a look" section.
    assert!(
        out.spread
            .clusters
            .iter()
            .all(|c| c.verdict == "suspicious")
    );
    assert!(out.accounts.reset.is_empty() && out.accounts.review.is_empty());
    // pgustavo only logged on over the network there: nothing exposed even if confirmed.
    assert!(out.accounts.reset_if_confirmed.is_empty());
}

#[test]
fn discovery_commands_and_share_scanning() {
    let Some(out) = run(&["evtx-to-mitre/TA0007-Discovery"]) else {
        return;
    };
    let recon: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "recon-burst")
        .collect();
    assert_eq!(recon.len(), 1);
    assert_eq!(recon[0].host, "FS03");
    assert_eq!(
        recon[0].details["parent_process"],
        serde_json::json!("2908")
    );
    assert_eq!(
        recon[0].details["commands"],
        serde_json::json!(["net accounts", "net group", "net view", "net use"])
    );
    // The parent is not logged: nothing says a person typed them, so the level stands.
    assert_eq!(recon[0].level, ward_event::Level::Medium);
    let fan: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.analytic == "smb-fan-out")
        .collect();
    assert_eq!(fan.len(), 1);
    assert_eq!(fan[0].host, "10.23.23.9");
    assert_eq!(fan[0].details["peer_count"], serde_json::json!(15));
}
