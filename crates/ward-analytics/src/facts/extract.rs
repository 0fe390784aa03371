//! Event → [`Fact`]: a cheap check of channel and EventID first, then a handful of field reads.

use super::*;
use ward_event::{Event, Fields, Value};

/// The compact fact behind `event`, or `None` when the analytics have no use for it.
pub fn extract(event: &Event) -> Option<Fact> {
    if event.source.product.as_ref() == "zeek" {
        return address_seen(event).map(Fact::AddressSeen);
    }
    if event.source.product.as_ref() == "suricata" {
        return suricata_address_seen(event).map(Fact::AddressSeen);
    }
    let id = event.source.event_id?;
    let channel = channel_kind(event);
    match (channel, id) {
        (Channel::Security, 4624 | 4625) => Some(Fact::Logon(logon(event, id == 4624))),
        (Channel::Security, 4648) => Some(Fact::ExplicitCredentials(explicit(event))),
        (Channel::Security, 4672) => Some(Fact::SpecialLogon(special(event))),
        (Channel::Security, 5140 | 5145) => Some(Fact::ShareAccess(share(event))),
        (Channel::Security, 4697) | (Channel::System, 7045) => {
            Some(Fact::ServiceInstall(service(event)))
        }
        (Channel::Security, 4688) | (Channel::Sysmon, 1) => {
            Some(Fact::ProcessCreation(process(event)))
        }
        (Channel::Sysmon, 11) => Some(Fact::FileCreate(file_create(event))),
        (Channel::Sysmon, 13) => Some(Fact::RegistrySet(registry(event))),
        (Channel::Sysmon, 3) => Some(Fact::NetworkConnection(connection(event))),
        (Channel::Security, 4698 | 4702 | 4699)
        | (Channel::TaskScheduler, 106 | 140 | 141 | 200 | 201) => {
            Some(Fact::ScheduledTask(scheduled_task(event, id)))
        }
        (Channel::Sysmon, 17 | 18) => Some(Fact::Pipe(pipe(event, id == 18))),
        (Channel::Security, 4778 | 4779)
        | (Channel::SessionManager, 21 | 22 | 24 | 25)
        | (Channel::ConnectionManager, 1149) => rdp_session(event, id).map(Fact::RdpSession),
        (Channel::WinRm, 91 | 169) | (Channel::WmiActivity, 5857 | 5860 | 5861) => {
            Some(Fact::ChannelActivity(activity(event, channel)))
        }
        (Channel::Security, 4674) => privileged_object(event).map(Fact::ChannelActivity),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Channel {
    Security,
    System,
    Sysmon,
    TaskScheduler,
    SessionManager,
    ConnectionManager,
    WinRm,
    WmiActivity,
    Other,
}

fn channel_kind(event: &Event) -> Channel {
    let named = event
        .source
        .channel
        .as_deref()
        .or_else(|| str_field(event, "Channel"));
    match named {
        Some(c) if c.eq_ignore_ascii_case("Security") => Channel::Security,
        Some(c) if c.eq_ignore_ascii_case("System") => Channel::System,
        Some(c) if c.to_ascii_lowercase().contains("sysmon") => Channel::Sysmon,
        Some(c) => {
            let c = c.to_ascii_lowercase();
            if c.contains("taskscheduler") {
                Channel::TaskScheduler
            } else if c.contains("localsessionmanager") {
                Channel::SessionManager
            } else if c.contains("remoteconnectionmanager") {
                Channel::ConnectionManager
            } else if c.contains("windows-winrm") {
                Channel::WinRm
            } else if c.contains("wmi-activity") {
                Channel::WmiActivity
            } else {
                Channel::Other
            }
        }
        _ => Channel::Other,
    }
}

fn str_field<'a>(event: &'a Event, name: &str) -> Option<&'a str> {
    event.get(name).and_then(Value::as_str)
}

/// A field as owned text; numbers are printed; `-` and empty count as absent.
fn text(event: &Event, name: &str) -> Option<String> {
    let v = event.get(name)?;
    let mut buf = String::new();
    let s = v.text(&mut buf).trim();
    if s.is_empty() || s == "-" {
        None
    } else {
        Some(s.to_string())
    }
}

fn text_or_empty(event: &Event, name: &str) -> String {
    text(event, name).unwrap_or_default()
}

/// A source address without the IPv4-mapped prefix; absent for `-`.
fn ip(event: &Event, name: &str) -> Option<String> {
    let raw = text(event, name)?;
    let raw = raw.strip_prefix("::ffff:").unwrap_or(&raw);
    raw.parse::<std::net::IpAddr>().ok().map(|a| a.to_string())
}

fn evidence(event: &Event, summary: String) -> Evidence {
    Evidence {
        time: event.time,
        host: event.host.short().to_string(),
        file: event.origin.file.to_string(),
        position: event.origin.position,
        record_id: event.record_id,
        kind: event
            .source
            .event_id
            .map(|i| i.to_string())
            .unwrap_or_default(),
        summary,
    }
}

/// Domains are logged as `THESHIRE`, `theshire` or `theshire.local`; all name one domain.
fn domain_name(raw: String) -> String {
    if raw.contains(' ') {
        return raw; // `NT AUTHORITY`, `Window Manager`: not DNS names
    }
    raw.split('.').next().unwrap_or(&raw).to_ascii_uppercase()
}

fn account(event: &Event, user: &str, domain: &str, sid: &str) -> Account {
    Account {
        domain: domain_name(text_or_empty(event, domain)),
        user: text_or_empty(event, user),
        sid: text(event, sid),
    }
}

fn logon(event: &Event, success: bool) -> Logon {
    let account = account(event, "TargetUserName", "TargetDomainName", "TargetUserSid");
    let logon_type = event.get("LogonType").and_then(Value::as_i64).unwrap_or(0) as u32;
    let source_ip = ip(event, "IpAddress");
    let workstation = text(event, "WorkstationName");
    let verb = if success { "logon" } else { "failed logon" };
    let from = source_ip
        .as_deref()
        .or(workstation.as_deref())
        .unwrap_or("local");
    let summary = format!(
        "{verb} type {logon_type} by {} from {from}",
        account.qualified()
    );
    let auth = LogonAuth {
        process: text(event, "LogonProcessName"),
        package: text(event, "AuthenticationPackageName"),
        key_length: event
            .get("KeyLength")
            .and_then(Value::as_i64)
            .and_then(|k| u32::try_from(k).ok()),
        outbound_user: text(event, "TargetOutboundUserName"),
    };
    Logon {
        evidence: evidence(event, summary),
        success,
        logon_type,
        account,
        source_ip,
        workstation,
        logon_id: text(event, "TargetLogonId"),
        auth,
    }
}

fn explicit(event: &Event) -> ExplicitCredentials {
    let account = account(event, "TargetUserName", "TargetDomainName", "TargetUserSid");
    let subject = account_subject(event);
    let target_server = text(event, "TargetServerName");
    let summary = format!(
        "explicit credentials of {} used by {} for {}",
        account.qualified(),
        subject.qualified(),
        target_server.as_deref().unwrap_or("?")
    );
    ExplicitCredentials {
        evidence: evidence(event, summary),
        account,
        subject,
        target_server,
        target_ip: ip(event, "IpAddress"),
    }
}

fn account_subject(event: &Event) -> Account {
    account(
        event,
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectUserSid",
    )
}

fn special(event: &Event) -> SpecialLogon {
    let account = account_subject(event);
    let summary = format!("privileged logon by {}", account.qualified());
    SpecialLogon {
        evidence: evidence(event, summary),
        account,
        logon_id: text(event, "SubjectLogonId"),
    }
}

/// Write access in a 5140/5145 access mask or list: WriteData (0x2), AppendData (0x4).
fn asks_write(event: &Event) -> bool {
    let mask = event.get("AccessMask").and_then(Value::as_i64).unwrap_or(0);
    let list = str_field(event, "AccessList").unwrap_or("");
    mask & 0x6 != 0
        || list.contains("%%4417")
        || list.contains("%%4418")
        || list.contains("WriteData")
}

fn share(event: &Event) -> ShareAccess {
    let raw = text_or_empty(event, "ShareName");
    let share = raw.rsplit('\\').next().unwrap_or(&raw).to_ascii_uppercase();
    let relative_target = text(event, "RelativeTargetName");
    let write = asks_write(event);
    let source_ip = ip(event, "IpAddress");
    let account = account_subject(event);
    let summary = format!(
        "{} {share}{}{} by {} from {}",
        if write { "write to" } else { "access to" },
        if relative_target.is_some() { "\\" } else { "" },
        relative_target.as_deref().unwrap_or(""),
        account.qualified(),
        source_ip.as_deref().unwrap_or("?")
    );
    ShareAccess {
        evidence: evidence(event, summary),
        share,
        relative_target,
        write,
        source_ip,
        account,
        logon_id: text(event, "SubjectLogonId"),
    }
}

fn service(event: &Event) -> ServiceInstall {
    let security = event.source.event_id == Some(4697);
    let service = text_or_empty(event, "ServiceName");
    let image_path = text(event, "ImagePath")
        .or_else(|| text(event, "ServiceFileName"))
        .unwrap_or_default();
    let service_account = text(event, "AccountName").or_else(|| text(event, "ServiceAccount"));
    let subject = security.then(|| account_subject(event));
    let summary = format!("service {service} installed: {image_path}");
    ServiceInstall {
        evidence: evidence(event, summary),
        service,
        image_path,
        service_account,
        subject,
        logon_id: if security {
            text(event, "SubjectLogonId")
        } else {
            None
        },
    }
}

fn process(event: &Event) -> ProcessCreation {
    let sysmon = event.source.event_id == Some(1);
    let (image, process_key, parent_key) = if sysmon {
        let pkey = text(event, "ProcessGuid").or_else(|| text(event, "ProcessId"));
        let parent = text(event, "ParentProcessGuid").or_else(|| text(event, "ParentProcessId"));
        (text_or_empty(event, "Image"), pkey, parent)
    } else {
        // 4688 logs the creator's PID as ProcessId and the child's as NewProcessId.
        (
            text_or_empty(event, "NewProcessName"),
            pid_text(event, "NewProcessId"),
            pid_text(event, "ProcessId"),
        )
    };
    let parent_image = if sysmon {
        text(event, "ParentImage")
    } else {
        text(event, "ParentProcessName")
    };
    let command_line = text_or_empty(event, "CommandLine");
    let user = if sysmon {
        text(event, "User")
    } else {
        Some(account_subject(event).qualified()).filter(|s| !s.is_empty() && s != "-")
    };
    let shown = if command_line.is_empty() {
        &image
    } else {
        &command_line
    };
    let summary = format!("process {shown}");
    let logon_id = if sysmon {
        text(event, "LogonId")
    } else {
        text(event, "TargetLogonId")
            .filter(|id| id != "0x0")
            .or_else(|| text(event, "SubjectLogonId"))
    };
    ProcessCreation {
        evidence: evidence(event, summary),
        image,
        command_line,
        parent_image,
        process_key,
        parent_key,
        user,
        logon_id,
    }
}

/// PIDs in 4688 are hex text (`0x1f4`); normalise to decimal so they compare with Sysmon's.
fn pid_text(event: &Event, name: &str) -> Option<String> {
    event
        .get(name)
        .and_then(Value::as_i64)
        .map(|p| p.to_string())
}

fn file_create(event: &Event) -> FileCreate {
    let image = text_or_empty(event, "Image");
    let target = text_or_empty(event, "TargetFilename");
    let pid = event
        .get("ProcessId")
        .and_then(Value::as_i64)
        .and_then(|p| u64::try_from(p).ok());
    let summary = format!("file {target} created by {image}");
    FileCreate {
        evidence: evidence(event, summary),
        image,
        pid,
        target,
    }
}

fn registry(event: &Event) -> RegistrySet {
    let image = text_or_empty(event, "Image");
    let target = text_or_empty(event, "TargetObject");
    let summary = format!("registry {target} set by {image}");
    RegistrySet {
        evidence: evidence(event, summary),
        image,
        target,
        details: text(event, "Details"),
    }
}

fn pipe(event: &Event, connected: bool) -> PipeEvent {
    let pipe = text_or_empty(event, "PipeName");
    let pipe = pipe.trim_start_matches('\\').to_string();
    let image = text_or_empty(event, "Image");
    let verb = if connected { "connected to" } else { "created" };
    PipeEvent {
        evidence: evidence(event, format!("pipe \\{pipe} {verb} by {image}")),
        pipe,
        image,
        connected,
    }
}

/// `DOMAIN\user` as one field (LocalSessionManager's `User`).
fn split_account(raw: &str) -> Account {
    match raw.split_once('\\') {
        Some((d, u)) => Account {
            domain: domain_name(d.to_string()),
            user: u.to_string(),
            sid: None,
        },
        None => Account {
            domain: String::new(),
            user: raw.to_string(),
            sid: None,
        },
    }
}

fn rdp_session(event: &Event, id: u32) -> Option<RdpSession> {
    let change = match id {
        4778 | 25 => RdpChange::Reconnected,
        4779 | 24 => RdpChange::Disconnected,
        1149 => RdpChange::Authenticated,
        _ => RdpChange::LoggedOn,
    };
    let (account, client_ip, client_name, session, logon_id) = match id {
        4778 | 4779 => (
            account(event, "AccountName", "AccountDomain", "-"),
            ip(event, "ClientAddress"),
            text(event, "ClientName").filter(|n| n != "Unknown"),
            text(event, "SessionName"),
            text(event, "LogonID"),
        ),
        1149 => (
            Account {
                domain: domain_name(text_or_empty(event, "Param2")),
                user: text_or_empty(event, "Param1"),
                sid: None,
            },
            ip(event, "Param3"),
            None,
            None,
            None,
        ),
        _ => (
            split_account(&text_or_empty(event, "User")),
            ip(event, "Address"),
            None,
            text(event, "SessionID"),
            None,
        ),
    };
    if account.is_empty() {
        return None;
    }
    let verb = match change {
        RdpChange::LoggedOn => "logged on",
        RdpChange::Reconnected => "reconnected",
        RdpChange::Disconnected => "disconnected",
        RdpChange::Authenticated => "authenticated",
    };
    let from = client_name
        .as_deref()
        .or(client_ip.as_deref())
        .unwrap_or("?");
    let summary = format!(
        "RDP session {} of {} {verb} from {from}",
        session.as_deref().unwrap_or("?"),
        account.qualified()
    );
    Some(RdpSession {
        evidence: evidence(event, summary),
        change,
        account,
        client_ip,
        client_name,
        session,
        logon_id,
    })
}

fn activity(event: &Event, channel: Channel) -> ChannelActivity {
    let (kind, user) = match channel {
        Channel::WinRm => (
            ActivityKind::WinRm,
            text(event, "username").or_else(|| text(event, "User")),
        ),
        _ => (ActivityKind::Wmi, text(event, "User")),
    };
    let account = user.as_deref().map(split_account);
    let process = text(event, "HostProcess").or_else(|| text(event, "ProcessName"));
    let client = text(event, "ClientMachine").or_else(|| text(event, "MachineName"));
    let what = text(event, "Operation")
        .or_else(|| text(event, "Query"))
        .or_else(|| text(event, "ProviderName"))
        .or_else(|| text(event, "resourceUri"))
        .or_else(|| text(event, "CONSUMER"))
        .unwrap_or_default();
    let label = match kind {
        ActivityKind::WinRm => "WinRM",
        _ => "WMI",
    };
    let by = account.as_ref().map(|a| format!(" by {}", a.qualified()));
    let summary = format!("{label} activity{}: {what}", by.unwrap_or_default());
    ChannelActivity {
        evidence: evidence(event, summary),
        kind,
        account,
        logon_id: None,
        client,
        process,
    }
}

/// 4674 by a DCOM server or the Service Control Manager: a privileged operation on behalf of a
/// session (its `SubjectLogonId`); anything else is left out.
fn privileged_object(event: &Event) -> Option<ChannelActivity> {
    let process = text(event, "ProcessName")?;
    let name = process
        .rsplit('\\')
        .next()
        .unwrap_or(&process)
        .to_ascii_lowercase();
    const SERVERS: &[&str] = &[
        "services.exe",
        "mmc.exe",
        "excel.exe",
        "explorer.exe",
        "winword.exe",
    ];
    if !SERVERS.contains(&name.as_str()) {
        return None;
    }
    let account = account_subject(event);
    let object = text(event, "ObjectName").unwrap_or_else(|| "-".into());
    let summary = format!(
        "privileged operation by {} in {name} on {object}",
        account.qualified()
    );
    Some(ChannelActivity {
        evidence: evidence(event, summary),
        kind: ActivityKind::PrivilegedObject,
        account: Some(account),
        logon_id: text(event, "SubjectLogonId"),
        client: None,
        process: Some(process),
    })
}

fn connection(event: &Event) -> NetworkConnection {
    let image = text_or_empty(event, "Image");
    let destination_ip = ip(event, "DestinationIp");
    let destination_port = event
        .get("DestinationPort")
        .and_then(Value::as_i64)
        .and_then(|p| u16::try_from(p).ok());
    let initiated = match event.get("Initiated") {
        Some(Value::Bool(b)) => *b,
        Some(v) => v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")),
        None => true,
    };
    let summary = format!(
        "connection by {image} to {}:{}",
        destination_ip.as_deref().unwrap_or("?"),
        destination_port.unwrap_or(0)
    );
    let mut evidence = evidence(event, summary);
    // Sysmon reports a connection when it is logged, often a second or more after it was made
    // (`UtcTime`): the connection's own time keeps it before the processes it led to.
    let made = text(event, "UtcTime").and_then(|u| ward_event::Timestamp::parse(&u).ok());
    if let Some(t) =
        made.filter(|t| *t < evidence.time && evidence.time.as_secs() - t.as_secs() <= 60)
    {
        evidence.time = t;
    }
    NetworkConnection {
        evidence,
        image,
        source_ip: ip(event, "SourceIp"),
        destination_ip,
        destination_port,
        source_port: event
            .get("SourcePort")
            .and_then(Value::as_i64)
            .and_then(|p| u16::try_from(p).ok()),
        destination_host: text(event, "DestinationHostname"),
        initiated,
    }
}

fn scheduled_task(event: &Event, id: u32) -> ScheduledTask {
    let change = match id {
        4698 | 106 => TaskChange::Registered,
        4702 | 140 => TaskChange::Updated,
        4699 | 141 => TaskChange::Deleted,
        200 => TaskChange::ActionStarted,
        _ => TaskChange::ActionCompleted,
    };
    let task_name = text_or_empty(event, "TaskName");
    let security = id >= 4000;
    let xml = text(event, "TaskContent").or_else(|| text(event, "TaskContentNew"));
    let xml = xml.as_deref().unwrap_or("");
    let command = xml_element(xml, "Command").or_else(|| text(event, "ActionName"));
    let subject = if security {
        Some(account_subject(event))
    } else {
        text(event, "UserContext")
            .or_else(|| text(event, "UserName"))
            .map(|u| match u.split_once('\\') {
                Some((d, n)) => Account {
                    domain: domain_name(d.to_string()),
                    user: n.to_string(),
                    sid: None,
                },
                None => Account {
                    domain: String::new(),
                    user: u,
                    sid: None,
                },
            })
    };
    let verb = match change {
        TaskChange::Registered => "registered",
        TaskChange::Updated => "updated",
        TaskChange::Deleted => "deleted",
        TaskChange::ActionStarted => "started",
        TaskChange::ActionCompleted => "completed",
    };
    let runs = command.as_deref().map(|c| format!(": {c}"));
    let summary = format!("task {task_name} {verb}{}", runs.unwrap_or_default());
    ScheduledTask {
        evidence: evidence(event, summary),
        change,
        task_name,
        command,
        arguments: xml_element(xml, "Arguments"),
        subject,
        logon_id: if security {
            text(event, "SubjectLogonId")
        } else {
            None
        },
    }
}

/// The text of the first `<name>` element of a task's XML, entities decoded.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let len = xml.get(start..)?.find(&format!("</{name}>"))?;
    let raw = xml.get(start..start + len)?.trim();
    let decoded = raw
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    (!decoded.is_empty()).then_some(decoded)
}

/// The host behind an address in Suricata EVE: a DHCP lease (`dhcp.hostname` and the assigned
/// or client address), an NTLMSSP workstation in SMB (`smb.ntlmssp.host`), a Kerberos computer
/// account (`krb5.cname` ending in `$`), or a PTR answer (`x.in-addr.arpa` → one name).
fn suricata_address_seen(event: &Event) -> Option<AddressSeen> {
    let (ip, host) = match event.source.service.as_deref()? {
        "dhcp" => (
            ip(event, "dhcp.assigned_ip")
                .filter(|a| a != "0.0.0.0")
                .or_else(|| ip(event, "dhcp.client_ip").filter(|a| a != "0.0.0.0"))?,
            text(event, "dhcp.hostname")?,
        ),
        "smb" => (ip(event, "src_ip")?, text(event, "smb.ntlmssp.host")?),
        "krb5" => {
            let cname = text(event, "krb5.cname")?;
            (ip(event, "src_ip")?, cname.strip_suffix('$')?.to_string())
        }
        "dns" => {
            let query = text(event, "query")?;
            let reversed = query.strip_suffix(".in-addr.arpa")?;
            let octets: Vec<&str> = reversed.split('.').rev().collect();
            let addr = octets.join(".").parse::<std::net::Ipv4Addr>().ok()?;
            let answer = text(event, "dns.grouped.PTR")?;
            // One name only: a shared address (a NAT, a load balancer) names no one host.
            if answer.contains(',') {
                return None;
            }
            (addr.to_string(), answer)
        }
        _ => return None,
    };
    let mut e = evidence(event, format!("{host} seen at {ip}"));
    e.kind = event.source.label();
    Some(AddressSeen {
        evidence: e,
        ip,
        host,
    })
}

/// The host behind an address in Zeek's ntlm (`hostname`), kerberos (a computer account
/// `client`, `NAME$/REALM`) and dhcp (`host_name` + `assigned_addr`) logs.
fn address_seen(event: &Event) -> Option<AddressSeen> {
    let (ip, host) = match event.source.service.as_deref()? {
        "ntlm" => (ip(event, "id.orig_h")?, text(event, "hostname")?),
        "kerberos" => {
            let client = text(event, "client")?;
            let account = client.split('/').next().unwrap_or("");
            // A user's ticket says nothing about which machine asked for it.
            let name = account.strip_suffix('$')?.to_string();
            (ip(event, "id.orig_h")?, name)
        }
        "dhcp" => (
            ip(event, "assigned_addr").or_else(|| ip(event, "client_addr"))?,
            text(event, "host_name")?,
        ),
        _ => return None,
    };
    let mut e = evidence(event, format!("{host} seen at {ip}"));
    e.kind = event.source.label();
    Some(AddressSeen {
        evidence: e,
        ip,
        host,
    })
}
