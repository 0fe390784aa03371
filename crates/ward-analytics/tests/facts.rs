//! Event → fact extraction on hand-made Windows events: the spellings logs use.

use ward_analytics::facts::{Fact, extract};
use ward_event::{Event, FieldList, LogSource, Timestamp, Value};

fn event(channel: &str, provider: &str, id: u32, fields: &[(&str, Value)]) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(i64::from(id)));
    for (k, v) in fields {
        f.push(*k, v.clone());
    }
    let t = Timestamp::parse("2026-03-02T09:10:00Z").expect("time");
    let mut e = Event::new(
        t,
        "fs-01.clinic.local",
        LogSource::windows(channel, provider, id),
        f,
    );
    e.record_id = Some(77);
    e
}

fn s(v: &str) -> Value {
    Value::from(v)
}

const SEC: &str = "Microsoft-Windows-Security-Auditing";
const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

#[test]
fn network_logon_normalises_address_and_domain() {
    let e = event(
        "Security",
        SEC,
        4624,
        &[
            ("TargetUserName", s("alice")),
            ("TargetDomainName", s("clinic.local")),
            ("LogonType", s("3")),
            ("IpAddress", s("::ffff:10.20.1.15")),
            ("WorkstationName", s("WS-RECEPTION-01")),
            ("TargetLogonId", s("0x5a1f01")),
        ],
    );
    let Some(Fact::Logon(l)) = extract(&e) else {
        panic!("not a logon")
    };
    assert!(l.success);
    assert_eq!(l.logon_type, 3);
    assert_eq!(l.account.qualified(), "CLINIC\\alice");
    assert_eq!(l.source_ip.as_deref(), Some("10.20.1.15"));
    assert_eq!(l.logon_id.as_deref(), Some("0x5a1f01"));
    assert_eq!(l.evidence.host, "FS-01");
    assert_eq!(l.evidence.kind, "4624");
    assert_eq!(l.evidence.record_id, Some(77));
    assert_eq!(
        l.evidence.summary,
        "logon type 3 by CLINIC\\alice from 10.20.1.15"
    );
}

#[test]
fn share_access_reads_write_bits_and_admin_shares() {
    let share = |name: &str, mask: &str, list: &str| {
        let e = event(
            "Security",
            SEC,
            5145,
            &[
                ("ShareName", s(name)),
                ("RelativeTargetName", s("System32\\wmiaprvse.exe")),
                ("AccessMask", s(mask)),
                ("AccessList", s(list)),
                ("IpAddress", s("10.20.1.15")),
                ("SubjectUserName", s("WS-RECEPTION-01$")),
                ("SubjectDomainName", s("CLINIC")),
            ],
        );
        match extract(&e) {
            Some(Fact::ShareAccess(a)) => (a.share.clone(), a.write, a.is_admin_share()),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        share("\\\\*\\ADMIN$", "0x2", "%%4417\n"),
        ("ADMIN$".into(), true, true)
    );
    assert_eq!(
        share("\\\\*\\C$", "0x120089", "%%4416 %%4423"),
        ("C$".into(), false, true)
    );
    assert_eq!(
        share("\\\\*\\IPC$", "0x3", ""),
        ("IPC$".into(), true, false)
    );
}

#[test]
fn service_installs_from_system_and_security() {
    let e = event(
        "System",
        "Service Control Manager",
        7045,
        &[
            ("ServiceName", s("WmiApSrvEx")),
            (
                "ImagePath",
                s("C:\\Windows\\System32\\wmiaprvse.exe ControlTrace -Embedding -k"),
            ),
            ("AccountName", s("LocalSystem")),
        ],
    );
    let Some(Fact::ServiceInstall(i)) = extract(&e) else {
        panic!("not an install")
    };
    assert_eq!(i.service, "WmiApSrvEx");
    assert_eq!(i.service_account.as_deref(), Some("LocalSystem"));
    assert_eq!(i.logon_id, None);
    let e = event(
        "Security",
        SEC,
        4697,
        &[
            ("ServiceName", s("PSEXESVC")),
            ("ServiceFileName", s("%SystemRoot%\\PSEXESVC.exe")),
            ("SubjectUserName", s("it.admin")),
            ("SubjectDomainName", s("CLINIC")),
            ("SubjectLogonId", s("0x99")),
        ],
    );
    let Some(Fact::ServiceInstall(i)) = extract(&e) else {
        panic!("not an install")
    };
    assert_eq!(i.image_path, "%SystemRoot%\\PSEXESVC.exe");
    assert_eq!(
        i.subject.map(|a| a.qualified()).as_deref(),
        Some("CLINIC\\it.admin")
    );
    assert_eq!(i.logon_id.as_deref(), Some("0x99"));
}

#[test]
fn process_creation_keys_on_guids_or_decimal_pids() {
    let e = event(
        "Security",
        SEC,
        4688,
        &[
            ("NewProcessName", s("C:\\Windows\\System32\\cmd.exe")),
            ("NewProcessId", s("0x1f4")),
            ("ProcessId", s("0x10")),
            ("CommandLine", s("cmd.exe /c \"ver\" 2>nul")),
            (
                "ParentProcessName",
                s("C:\\Windows\\System32\\wmiapsvrce.exe"),
            ),
        ],
    );
    let Some(Fact::ProcessCreation(p)) = extract(&e) else {
        panic!("not a process")
    };
    assert_eq!(
        (p.process_key.as_deref(), p.parent_key.as_deref()),
        (Some("500"), Some("16"))
    );
    let e = event(
        SYSMON,
        "Microsoft-Windows-Sysmon",
        1,
        &[
            ("Image", s("C:\\Windows\\System32\\cmd.exe")),
            ("ProcessGuid", s("{A-1}")),
            ("ParentProcessGuid", s("{A-0}")),
            ("ProcessId", Value::Int(500)),
            ("ParentImage", s("C:\\Windows\\System32\\wmiapsrvex.exe")),
        ],
    );
    let Some(Fact::ProcessCreation(p)) = extract(&e) else {
        panic!("not a process")
    };
    assert_eq!(
        (p.process_key.as_deref(), p.parent_key.as_deref()),
        (Some("{A-1}"), Some("{A-0}"))
    );
}

#[test]
fn smb_writes_are_files_created_by_system() {
    let e = event(
        SYSMON,
        "Microsoft-Windows-Sysmon",
        11,
        &[
            ("Image", s("System")),
            ("ProcessId", Value::Int(4)),
            ("TargetFilename", s("C:\\Windows\\x.exe")),
        ],
    );
    let Some(Fact::FileCreate(f)) = extract(&e) else {
        panic!("not a file")
    };
    assert!(f.by_system());
}

#[test]
fn other_events_give_no_fact() {
    assert_eq!(extract(&event("Security", SEC, 4634, &[])), None);
    // Same id, wrong log: Application 4624 is not a logon.
    assert_eq!(extract(&event("Application", "App", 4624, &[])), None);
    assert_eq!(
        extract(&event(SYSMON, "Microsoft-Windows-Sysmon", 7, &[])),
        None
    );
}

fn zeek(service: &str, fields: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    for (k, v) in fields {
        f.push(*k, s(v));
    }
    let t = Timestamp::parse("2026-03-02T09:10:00Z").expect("time");
    Event::new(t, "", LogSource::other("zeek", Some(service), None), f)
}

fn address(e: &Event) -> Option<(String, String, String)> {
    match extract(e)? {
        Fact::AddressSeen(a) => Some((a.ip, a.host, a.evidence.kind)),
        _ => None,
    }
}

#[test]
fn zeek_ntlm_kerberos_and_dhcp_name_addresses() {
    let ntlm = zeek(
        "ntlm",
        &[("id.orig_h", "10.20.5.40"), ("hostname", "CT-SCANNER-01")],
    );
    assert_eq!(
        address(&ntlm),
        Some((
            "10.20.5.40".into(),
            "CT-SCANNER-01".into(),
            "zeek/ntlm".into()
        ))
    );
    // A computer account's ticket names the machine; a user's does not.
    let machine = zeek(
        "kerberos",
        &[
            ("id.orig_h", "172.16.0.211"),
            ("client", "DESKTOP-RBDMVVA$/TEST.LOCAL"),
        ],
    );
    assert_eq!(
        address(&machine).map(|a| (a.0, a.1)),
        Some(("172.16.0.211".into(), "DESKTOP-RBDMVVA".into()))
    );
    let user = zeek(
        "kerberos",
        &[
            ("id.orig_h", "172.16.0.211"),
            ("client", "administrator/TEST.LOCAL"),
        ],
    );
    assert_eq!(address(&user), None);
    let lease = zeek(
        "dhcp",
        &[
            ("assigned_addr", "10.20.5.40"),
            ("host_name", "ct-scanner-01"),
        ],
    );
    assert_eq!(
        address(&lease).map(|a| (a.0, a.1)),
        Some(("10.20.5.40".into(), "ct-scanner-01".into()))
    );
    // Unset fields (`-`) and other Zeek logs give nothing.
    let unset = zeek("ntlm", &[("id.orig_h", "10.0.0.1"), ("hostname", "-")]);
    assert_eq!(address(&unset), None);
    let conn = zeek("conn", &[("id.orig_h", "10.0.0.1")]);
    assert_eq!(extract(&conn), None);
}

fn suricata(event_type: &str, fields: &[(&str, &str)]) -> Event {
    let mut f = FieldList::default();
    for (k, v) in fields {
        f.push(*k, s(v));
    }
    let t = Timestamp::parse("2026-03-02T09:10:00Z").expect("time");
    Event::new(
        t,
        "",
        LogSource::other("suricata", Some(event_type), None),
        f,
    )
}

#[test]
fn suricata_dhcp_smb_kerberos_and_ptr_name_addresses() {
    let dhcp = suricata(
        "dhcp",
        &[
            ("dhcp.type", "reply"),
            ("dhcp.client_ip", "0.0.0.0"),
            ("dhcp.assigned_ip", "10.20.5.41"),
            ("dhcp.hostname", "INFUSION-PUMP-7"),
        ],
    );
    let smb = suricata(
        "smb",
        &[("src_ip", "10.20.5.42"), ("smb.ntlmssp.host", "WARD-PC2")],
    );
    let krb = suricata(
        "krb5",
        &[("src_ip", "10.20.5.43"), ("krb5.cname", "RAD-WS3$")],
    );
    let user_ticket = suricata(
        "krb5",
        &[("src_ip", "10.20.5.43"), ("krb5.cname", "nurse1")],
    );
    let ptr = suricata(
        "dns",
        &[
            ("query", "44.5.20.10.in-addr.arpa"),
            ("dns.grouped.PTR", "pacs-01.hospital.local"),
        ],
    );
    let named: Vec<_> = [dhcp, smb, krb, user_ticket, ptr]
        .iter()
        .filter_map(address)
        .map(|(ip, host, _)| (ip, host))
        .collect();
    let want = [
        ("10.20.5.41", "INFUSION-PUMP-7"),
        ("10.20.5.42", "WARD-PC2"),
        ("10.20.5.43", "RAD-WS3"),
        ("10.20.5.44", "pacs-01.hospital.local"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(named, want);
}
