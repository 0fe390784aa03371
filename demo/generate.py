#!/usr/bin/env python3
"""Writes Ward's demo outbreak: a small Kwampirs-style worm in a hospital, as Windows events in
evtx_dump JSON-lines shape, one file per host and channel under demo/outbreak/, plus assets.csv.

Deterministic (fixed seed, fixed clock): running it again gives the same bytes.

The story (2026-03-02, UTC; domain CLINIC, clinic.local):
  08:05 alice logs on at WS-RECEPTION-01 (interactive, before the infection).
  08:40 WS-RECEPTION-01 installs the service WmiApSrvEx (wmiapsrvex.exe ... ControlTrace -Embedding -k):
        patient zero. The implant runs a recon burst (cmd.exe /c "..." 2>nul) and calls out to C2.
  09:10 WS-RECEPTION-01 -> FS-01 over ADMIN$ (as WS-RECEPTION-01$), WmiApSrvEx installed; recon.
  09:12 WS-RECEPTION-01 -> WS-NURSE-03, same; recon.
  09:30 alice unlocks WS-RECEPTION-01 (type 7): credentials exposed after infection -> reset.
  10:00 FS-01 fans out over SMB: MRI-CONSOLE-01, XRAY-PC-02, KIOSK-CONSENT-01 infected (multi-hop);
        WS-LAB-07 and DC-01 refuse the logon (failed attempts).
  10:30 carol maps a share on FS-01 (network logon only) -> review.
  11:00 bob.nurse logs on at WS-NURSE-03 -> reset; there he uses it.helpdesk's password for FS-01
        explicitly (4648) -> it.helpdesk reset.
  12:00 svc_backup service logon on FS-01 -> reset.
  13:00 radiology.tech logs on at MRI-CONSOLE-01 -> reset; dave reaches XRAY-PC-02 over the
        network -> review.
Benign look-alikes:
  14:00 it.admin on ADMIN-PC-01 pushes PsExec (PSEXESVC) to WS-LAB-07 once: likely-admin.
  The real C:\\Windows\\System32\\wbem\\WmiPrvSE.exe and WmiApSrv.exe run on WS-NURSE-03; an admin
  runs ipconfig and whoami by hand; GoogleUpdate installs a service locally on ADMIN-PC-01;
  erin logs on at XRAY-PC-02 before it is infected; frank logs on at the uninfected WS-LAB-07;
  DWM-1 / UMFD-0 / ANONYMOUS LOGON sessions appear on infected hosts (never listed).
Clinical devices (MRI, X-ray, kiosk) have no Sysmon: only Security (4688 with command lines) and System.

The network (outbreak/network/: Zeek conn.log and dhcp.log from the core switch's tap, the Squid
proxy's access.log), 2026-03-02 to 2026-03-07:
  Every SMB hop above appears as a 445 connection; FS-01 also reaches CT-SCANNER-01 (10:03:30),
  a CT console with NO host logs (the assets file names it but has no address for it; Zeek's
  dhcp.log gives its lease, 10.20.5.40).
  Each infected host, CT-SCANNER-01 included, calls its C2 (an IP literal) through the proxy
  about six minutes after infection and then daily at the same time (within a minute), with an
  encoded query string: GET http://<ip>/groupmgr/index.php?q=<base64>.
Benign: workstations map shares on FS-01 (445); every host, the CT console too, sends DICOM
  (104) to PACS-01; Windows Update (CONNECT ...windowsupdate.com:443) at random times; ordinary
  web browsing by name.
"""

import json
import os
import random
from datetime import datetime, timedelta, timezone

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "outbreak")
DOMAIN = "CLINIC"
DAY = datetime(2026, 3, 2, tzinfo=timezone.utc)
rng = random.Random(20260302)

HOSTS = {
    # name: (ip, role, clinical, sysmon)
    "WS-RECEPTION-01": ("10.20.1.15", "workstation", False, True),
    "FS-01": ("10.20.0.10", "file-server", False, True),
    "WS-NURSE-03": ("10.20.1.23", "workstation", False, True),
    "MRI-CONSOLE-01": ("10.20.5.21", "mri-console", True, False),
    "XRAY-PC-02": ("10.20.5.34", "xray", True, False),
    "KIOSK-CONSENT-01": ("10.20.3.40", "kiosk", True, False),
    "WS-LAB-07": ("10.20.1.31", "workstation", False, True),
    "ADMIN-PC-01": ("10.20.0.50", "admin-workstation", False, True),
    "DC-01": ("10.20.0.5", "domain-controller", False, False),
}
C2 = ["185.141.27.90", "91.219.236.174", "198.51.100.23"]
SERVICE = "WmiApSrvEx"
ARGS = "ControlTrace -Embedding -k"

PROVIDERS = {
    "Security": ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}"),
    "System": ("Service Control Manager", "{555908D1-A6D7-4695-8E1E-26931D2012F4}"),
    "Microsoft-Windows-Sysmon/Operational": ("Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"),
}
SYSMON = "Microsoft-Windows-Sysmon/Operational"

events = {}  # (host, channel) -> list of (time, event_id, data)
record_ids = {}
logon_seq = [0x3A0000]
pid_seq = [2000]


def at(h, m, s=0, ms=None):
    ms = rng.randint(0, 999) if ms is None else ms
    return DAY + timedelta(hours=h, minutes=m, seconds=s, milliseconds=ms)


def emit(host, channel, when, event_id, data):
    events.setdefault((host, channel), []).append((when, event_id, data))


def new_logon_id():
    logon_seq[0] += rng.randint(0x100, 0x4000)
    return hex(logon_seq[0])


def new_pid():
    pid_seq[0] += rng.randint(4, 400) * 4
    return pid_seq[0]


def guid(host, pid):
    return "{%08X-65E3-%04X-0000-%012X}" % (sum(map(ord, host)) * 7919, pid % 0xFFFF, pid)


# ---------------------------------------------------------------- Security events

def logon(host, when, user, logon_type, ip="-", workstation="-", domain=DOMAIN, sid=None, lid=None, success=True):
    lid = lid or new_logon_id()
    data = {
        "SubjectUserSid": "S-1-5-18" if logon_type != 3 else "S-1-0-0",
        "SubjectUserName": (host + "$") if logon_type != 3 else "-",
        "SubjectDomainName": DOMAIN if logon_type != 3 else "-",
        "SubjectLogonId": "0x3e7" if logon_type != 3 else "0x0",
        "TargetUserSid": sid or "S-1-5-21-3623811015-3361044348-30300820-%d" % (1100 + sum(map(ord, user)) % 800),
        "TargetUserName": user,
        "TargetDomainName": domain,
        "LogonType": logon_type,
        "LogonProcessName": "NtLmSsp " if logon_type == 3 else "User32 ",
        "AuthenticationPackageName": "NTLM" if logon_type == 3 else "Negotiate",
        "WorkstationName": workstation,
        "IpAddress": ip,
        "IpPort": str(rng.randint(49152, 65000)) if ip != "-" else "-",
    }
    if success:
        data["TargetLogonId"] = lid
        emit(host, "Security", when, 4624, data)
    else:
        data.pop("TargetUserSid")
        data["TargetUserSid"] = "S-1-0-0"
        data["Status"] = "0xc000006d"
        data["SubStatus"] = "0xc000006a"
        data["FailureReason"] = "%%2313"
        emit(host, "Security", when, 4625, data)
    return lid


def share_write(host, when, ip, user, lid, share, target):
    base = {"SubjectUserSid": "S-1-5-21-3623811015-3361044348-30300820-1000", "SubjectUserName": user,
            "SubjectDomainName": DOMAIN, "SubjectLogonId": lid, "ObjectType": "File", "IpAddress": ip,
            "IpPort": str(rng.randint(49152, 65000)), "ShareName": "\\\\*\\" + share}
    emit(host, "Security", when, 5140, dict(base, ShareLocalPath="\\??\\C:\\Windows", AccessMask="0x1", AccessList="%%4416\n\t\t\t\t"))
    emit(host, "Security", when + timedelta(milliseconds=40), 5145,
         dict(base, ShareLocalPath="\\??\\C:\\Windows", RelativeTargetName=target, AccessMask="0x2",
              AccessList="%%4417\n\t\t\t\t", AccessReason="-"))


def proc4688(host, when, image, cmd, parent_image, parent_pid, user=None, pid=None):
    pid = pid or new_pid()
    user = user or (host + "$")
    emit(host, "Security", when, 4688, {
        "SubjectUserSid": "S-1-5-18" if user.endswith("$") else "S-1-5-21-3623811015-3361044348-30300820-1200",
        "SubjectUserName": user, "SubjectDomainName": DOMAIN, "SubjectLogonId": "0x3e7",
        "NewProcessId": hex(pid), "NewProcessName": image, "TokenElevationType": "%%1936",
        "ProcessId": hex(parent_pid), "CommandLine": cmd, "TargetUserSid": "S-1-0-0",
        "TargetUserName": "-", "TargetDomainName": "-", "TargetLogonId": "0x0",
        "ParentProcessName": parent_image, "MandatoryLabel": "S-1-16-16384"})
    return pid


# ---------------------------------------------------------------- System and Sysmon events

def service_install(host, when, name, image, account="LocalSystem"):
    emit(host, "System", when, 7045, {"ServiceName": name, "ImagePath": image, "ServiceType": "user mode service",
                                      "StartType": "auto start", "AccountName": account})


def sysmon_proc(host, when, image, cmd, parent_image, parent_pid, user="NT AUTHORITY\\SYSTEM", pid=None):
    pid = pid or new_pid()
    emit(host, SYSMON, when, 1, {
        "RuleName": "-", "UtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], "ProcessGuid": guid(host, pid),
        "ProcessId": pid, "Image": image, "FileVersion": "-", "Description": "-", "CommandLine": cmd,
        "CurrentDirectory": "C:\\Windows\\system32\\", "User": user, "LogonId": "0x3e7", "IntegrityLevel": "System",
        "Hashes": "SHA256=%064X" % rng.getrandbits(256), "ParentProcessGuid": guid(host, parent_pid),
        "ParentProcessId": parent_pid, "ParentImage": parent_image, "ParentCommandLine": parent_image})
    return pid


def sysmon_file(host, when, image, pid, target):
    emit(host, SYSMON, when, 11, {"RuleName": "-", "UtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                  "ProcessGuid": guid(host, pid), "ProcessId": pid, "Image": image,
                                  "TargetFilename": target, "CreationUtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]})


def sysmon_conn(host, when, image, pid, dst, port, user="NT AUTHORITY\\SYSTEM"):
    emit(host, SYSMON, when, 3, {"RuleName": "-", "UtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                 "ProcessGuid": guid(host, pid), "ProcessId": pid, "Image": image, "User": user,
                                 "Protocol": "tcp", "Initiated": "true", "SourceIsIpv6": "false",
                                 "SourceIp": HOSTS[host][0], "SourcePort": rng.randint(49152, 65000),
                                 "DestinationIsIpv6": "false", "DestinationIp": dst, "DestinationPort": port})


def sysmon_reg(host, when, image, pid, key, details):
    emit(host, SYSMON, when, 13, {"RuleName": "-", "EventType": "SetValue", "UtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                  "ProcessGuid": guid(host, pid), "ProcessId": pid, "Image": image,
                                  "TargetObject": key, "Details": details})


# ---------------------------------------------------------------- the worm

RECON = ["ipconfig /all", "arp -a", "route print", "getmac", "hostname", "ver", "set", "date /t", "systeminfo",
         "net config workstation", "net view", "net share", "net use", "net users", "net localgroup administrators",
         "net accounts", "netstat -nao", "tasklist /v", "dir /s /a c:\\ >> C:\\Windows\\TEMP\\~DF%04X.tmp",
         "wmic os get caption,version", "wmic process list brief"]
TOOL = {"ipconfig": "ipconfig.exe", "arp": "ARP.EXE", "route": "ROUTE.EXE", "getmac": "getmac.exe",
        "hostname": "HOSTNAME.EXE", "systeminfo": "systeminfo.exe", "net": "net.exe", "netstat": "NETSTAT.EXE",
        "tasklist": "tasklist.exe", "wmic": "wbem\\WMIC.exe"}


def infect(host, when, implant):
    """The implant lands (already copied), is installed and started, and surveys the host."""
    path = "C:\\Windows\\System32\\" + implant
    service_install(host, when, SERVICE, path + " " + ARGS)
    sysmon = HOSTS[host][3]
    start = when + timedelta(seconds=2)
    if sysmon:
        pid = sysmon_proc(host, start, path, path + " " + ARGS, "C:\\Windows\\System32\\services.exe", 612)
        sysmon_reg(host, start + timedelta(seconds=1), "C:\\Windows\\System32\\services.exe", 612,
                   "HKLM\\System\\CurrentControlSet\\Services\\WmiApSrvEx\\ImagePath", path + " " + ARGS)
        sysmon_file(host, start + timedelta(seconds=3), path, pid, "C:\\Windows\\inf\\mtmndkb32.pnf")
    else:
        pid = proc4688(host, start, path, path + " " + ARGS, "C:\\Windows\\System32\\services.exe", 612)
    t = start + timedelta(seconds=20)
    for cmd in rng.sample(RECON, 12):
        if "%04X" in cmd:
            cmd = cmd % rng.getrandbits(16)
        t += timedelta(seconds=rng.randint(3, 15))
        line = 'C:\\Windows\\system32\\cmd.exe /c "%s" 2>nul' % cmd
        head = cmd.split()[0]
        if sysmon:
            shell = sysmon_proc(host, t, "C:\\Windows\\System32\\cmd.exe", line, path, pid)
            if head in TOOL:
                sysmon_proc(host, t + timedelta(milliseconds=60), "C:\\Windows\\System32\\" + TOOL[head], cmd,
                            "C:\\Windows\\System32\\cmd.exe", shell)
        else:
            shell = proc4688(host, t, "C:\\Windows\\System32\\cmd.exe", line, path, pid)
            if head in TOOL:
                proc4688(host, t + timedelta(milliseconds=60), "C:\\Windows\\System32\\" + TOOL[head], cmd,
                         "C:\\Windows\\System32\\cmd.exe", shell)
    if sysmon:
        c2 = rng.choice(C2)
        sysmon_conn(host, t + timedelta(minutes=5), path, pid, c2, 80)
    return pid


def hop(src, dst, when, implant):
    """src copies the implant to dst over ADMIN$ as its computer account and installs it."""
    ip = HOSTS[src][0]
    lid = logon(dst, when, src + "$", 3, ip=ip, workstation=src)
    share_write(dst, when + timedelta(seconds=1), ip, src + "$", lid, "ADMIN$", "System32\\" + implant)
    if HOSTS[dst][3]:
        sysmon_file(dst, when + timedelta(seconds=2), "System", 4, "C:\\Windows\\System32\\" + implant)
    if HOSTS[src][3]:
        sysmon_conn(src, when - timedelta(milliseconds=200), "System", 4, HOSTS[dst][0], 445)
    return infect(dst, when + timedelta(seconds=rng.randint(20, 50)), implant)


def failed_hop(src, dst, when):
    ip = HOSTS[src][0]
    logon(dst, when, src + "$", 3, ip=ip, workstation=src, success=False)
    if HOSTS[src][3]:
        sysmon_conn(src, when - timedelta(milliseconds=200), "System", 4, HOSTS[dst][0], 445)


def story():
    # Before the infection.
    logon("WS-RECEPTION-01", at(8, 5), "alice", 2, ip="127.0.0.1", workstation="WS-RECEPTION-01")
    logon("XRAY-PC-02", at(7, 0), "erin", 2, ip="127.0.0.1", workstation="XRAY-PC-02")
    # Patient zero: the implant appears locally (how it arrived is not in these logs).
    sysmon_file("WS-RECEPTION-01", at(8, 39, 50), "C:\\Users\\alice\\AppData\\Local\\Temp\\setup_update.exe", 7712,
                "C:\\Windows\\System32\\wmiapsrvex.exe")
    infect("WS-RECEPTION-01", at(8, 40), "wmiapsrvex.exe")
    logon("WS-RECEPTION-01", at(8, 41), "DWM-1", 2, domain="Window Manager", sid="S-1-5-90-0-1")
    logon("WS-RECEPTION-01", at(8, 41, 1), "UMFD-0", 2, domain="Font Driver Host", sid="S-1-5-96-0-0")
    # First hops.
    hop("WS-RECEPTION-01", "FS-01", at(9, 10), "wmiaprvse.exe")
    hop("WS-RECEPTION-01", "WS-NURSE-03", at(9, 12), "wmipsvre.exe")
    logon("WS-RECEPTION-01", at(9, 30), "alice", 7, ip="127.0.0.1", workstation="WS-RECEPTION-01")
    logon("FS-01", at(9, 45), "ANONYMOUS LOGON", 3, ip="10.20.1.77", workstation="PRINTER-2", domain="NT AUTHORITY",
          sid="S-1-5-7")
    # The file server fans out.
    hop("FS-01", "MRI-CONSOLE-01", at(10, 0, 5), "wmiapsvrce.exe")
    failed_hop("FS-01", "WS-LAB-07", at(10, 0, 40))
    hop("FS-01", "XRAY-PC-02", at(10, 1, 20), "wmipsrvce.exe")
    failed_hop("FS-01", "DC-01", at(10, 2, 0))
    hop("FS-01", "KIOSK-CONSENT-01", at(10, 2, 45), "wmiapvsre.exe")
    # Users after the infection.
    logon("FS-01", at(10, 30), "carol", 3, ip=HOSTS["WS-LAB-07"][0], workstation="WS-LAB-07")
    logon("WS-NURSE-03", at(11, 0), "bob.nurse", 2, ip="127.0.0.1", workstation="WS-NURSE-03")
    emit("WS-NURSE-03", "Security", at(11, 5), 4648, {
        "SubjectUserSid": "S-1-5-21-3623811015-3361044348-30300820-1301", "SubjectUserName": "bob.nurse",
        "SubjectDomainName": DOMAIN, "SubjectLogonId": "0x3b1f22", "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
        "TargetUserName": "it.helpdesk", "TargetDomainName": DOMAIN, "TargetLogonGuid": "{00000000-0000-0000-0000-000000000000}",
        "TargetServerName": "FS-01", "TargetInfo": "FS-01", "ProcessId": "0x4", "ProcessName": "",
        "IpAddress": HOSTS["FS-01"][0], "IpPort": "445"})
    logon("FS-01", at(12, 0), "svc_backup", 5)
    logon("MRI-CONSOLE-01", at(13, 0), "radiology.tech", 2, ip="127.0.0.1", workstation="MRI-CONSOLE-01")
    logon("XRAY-PC-02", at(13, 20), "dave", 3, ip=HOSTS["WS-NURSE-03"][0], workstation="WS-NURSE-03")
    logon("WS-LAB-07", at(13, 30), "frank", 2, ip="127.0.0.1", workstation="WS-LAB-07")


def benign():
    # The real WMI provider host and performance adapter, on an infected host.
    for i, (img, parent, pp) in enumerate([
            ("C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "C:\\Windows\\System32\\svchost.exe", 880),
            ("C:\\Windows\\System32\\wbem\\WmiApSrv.exe", "C:\\Windows\\System32\\services.exe", 612)]):
        sysmon_proc("WS-NURSE-03", at(9, 50 + i), img, img + (" -Embedding" if i == 0 else ""), parent, pp)
    # An admin checks the network by hand: two commands, no burst.
    sh = sysmon_proc("ADMIN-PC-01", at(13, 55), "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" ",
                     "C:\\Windows\\explorer.exe", 4100, user=DOMAIN + "\\it.admin")
    sysmon_proc("ADMIN-PC-01", at(13, 55, 20), "C:\\Windows\\System32\\ipconfig.exe", "ipconfig /all",
                "C:\\Windows\\System32\\cmd.exe", sh, user=DOMAIN + "\\it.admin")
    sysmon_proc("ADMIN-PC-01", at(13, 55, 40), "C:\\Windows\\System32\\whoami.exe", "whoami",
                "C:\\Windows\\System32\\cmd.exe", sh, user=DOMAIN + "\\it.admin")
    logon("ADMIN-PC-01", at(13, 50), "it.admin", 2, ip="127.0.0.1", workstation="ADMIN-PC-01")
    service_install("ADMIN-PC-01", at(13, 52), "Google Update Service (gupdate)",
                    "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc")
    # PsExec push to one lab PC.
    ip = HOSTS["ADMIN-PC-01"][0]
    lid = logon("WS-LAB-07", at(14, 0), "it.admin", 3, ip=ip, workstation="ADMIN-PC-01")
    share_write("WS-LAB-07", at(14, 0, 1), ip, "it.admin", lid, "ADMIN$", "PSEXESVC.exe")
    sysmon_file("WS-LAB-07", at(14, 0, 1, 500), "System", 4, "C:\\Windows\\PSEXESVC.exe")
    service_install("WS-LAB-07", at(14, 0, 2), "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe")
    ps = sysmon_proc("WS-LAB-07", at(14, 0, 3), "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe",
                     "C:\\Windows\\System32\\services.exe", 612)
    sysmon_proc("WS-LAB-07", at(14, 0, 4), "C:\\Windows\\System32\\gpupdate.exe", "gpupdate /force",
                "C:\\Windows\\PSEXESVC.exe", ps, user=DOMAIN + "\\it.admin")
    # Ordinary file-share traffic.
    for i, user in enumerate(["nurse.kim", "dr.lee", "carol"]):
        src = ["WS-NURSE-03", "WS-LAB-07", "WS-LAB-07"][i]
        logon("FS-01", at(8, 10 + i * 7), user, 3, ip=HOSTS[src][0], workstation=src)


def system_header(host, channel, when, event_id, record):
    name, guid_ = PROVIDERS[channel]
    provider = {"#attributes": {"Name": name, "Guid": guid_}}
    if channel == "System":
        provider["#attributes"]["EventSourceName"] = name
        eid = {"#attributes": {"Qualifiers": 16384}, "#text": event_id}
    else:
        eid = event_id
    return {
        "Provider": provider, "EventID": eid, "Version": 0 if channel == "System" else 2, "Level": 4 if channel != "Security" else 0,
        "Task": 0, "Opcode": 0, "Keywords": "0x8080000000000000" if channel == "System" else "0x8020000000000000",
        "TimeCreated": {"#attributes": {"SystemTime": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}},
        "EventRecordID": record, "Correlation": None,
        "Execution": {"#attributes": {"ProcessID": 636 if channel != SYSMON else 2412, "ThreadID": 700 + record % 97}},
        "Channel": channel, "Computer": host.lower() + ".clinic.local",
        "Security": {"#attributes": {"UserID": "S-1-5-18"}} if channel != "Security" else None,
    }


def write():
    os.makedirs(OUT, exist_ok=True)
    for (host, channel), items in sorted(events.items()):
        items.sort(key=lambda x: x[0])
        folder = os.path.join(OUT, host)
        os.makedirs(folder, exist_ok=True)
        fname = {"Security": "Security.jsonl", "System": "System.jsonl", SYSMON: "Sysmon.jsonl"}[channel]
        record = 1000 + sum(map(ord, host + channel)) * 13
        with open(os.path.join(folder, fname), "w", newline="\n") as f:
            for when, event_id, data in items:
                record += 1
                event = {"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                                   "System": system_header(host, channel, when, event_id, record), "EventData": data}}
                f.write(json.dumps(event, separators=(",", ":")) + "\n")
    with open(os.path.join(OUT, "assets.csv"), "w", newline="\n") as f:
        f.write("hostname,ip,role,clinical\n")
        for name, (ip, role, clinical, _) in HOSTS.items():
            f.write("%s.clinic.local,%s,%s,%s\n" % (name.lower(), ip, role, "true" if clinical else "false"))
        f.write("ct-scanner-01.clinic.local,,ct-console,true\n")
        f.write("pacs-01.clinic.local,10.20.6.10,pacs,true\n")


# ---------------------------------------------------------------- the network

NET = os.path.join(OUT, "network")
net_rng = random.Random(2026030299)  # own stream: the Windows events above stay byte-identical
CT = ("CT-SCANNER-01", "10.20.5.40")
PACS = "10.20.6.10"
PROXY = "10.20.0.8"
DAYS = 6
# Infected host -> time the implant landed (from the story above).
INFECTED = [("WS-RECEPTION-01", at(8, 40, 0, 450)), ("FS-01", at(9, 10, 40, 0)), ("WS-NURSE-03", at(9, 12, 40, 0)),
            ("MRI-CONSOLE-01", at(10, 0, 40, 0)), ("XRAY-PC-02", at(10, 1, 50, 0)),
            ("KIOSK-CONSENT-01", at(10, 3, 20, 0)), (CT[0], at(10, 3, 31, 0))]
conn = []   # (time, fields)
squid = []  # (time, line)


def ip_of(host):
    return CT[1] if host == CT[0] else HOSTS[host][0]


def uid():
    return "C" + "".join(net_rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                         for _ in range(17))


def flow(when, src, dst, port, service, state="SF", out_b=None, in_b=None, dur=None):
    out_b = net_rng.randint(400, 9000) if out_b is None else out_b
    in_b = net_rng.randint(300, 60000) if in_b is None else in_b
    dur = round(net_rng.uniform(0.05, 4.0), 6) if dur is None else dur
    conn.append((when, [uid(), src, str(net_rng.randint(49152, 65000)), dst, str(port), "tcp", service,
                        "%.6f" % dur, str(out_b), str(in_b), state, "T", "T", "0",
                        "ShADadFf" if state == "SF" else "S", str(8 + out_b // 500), str(out_b + 400),
                        str(6 + in_b // 1400), str(in_b + 300), "-"]))


def request(when, src, method, url, status, size, peer, ctype):
    ms = net_rng.randint(40, 900)
    squid.append((when, "%.3f %6d %s TCP_MISS/%d %d %s %s - HIER_DIRECT/%s %s" % (
        when.timestamp(), ms, src, status, size, method, url, peer, ctype)))


def c2_query():
    raw = bytes(net_rng.getrandbits(8) for _ in range(net_rng.randint(30, 42)))
    import base64
    return base64.b64encode(raw).decode().rstrip("=").replace("+", "-").replace("/", "_")


def network():
    # SMB: the hops (and the refused ones: the TCP session is up before the logon fails).
    for src, dst, t in [("WS-RECEPTION-01", "FS-01", at(9, 10, 0, 0)), ("WS-RECEPTION-01", "WS-NURSE-03", at(9, 12, 0, 0)),
                        ("FS-01", "MRI-CONSOLE-01", at(10, 0, 5, 0)), ("FS-01", "WS-LAB-07", at(10, 0, 40, 0)),
                        ("FS-01", "XRAY-PC-02", at(10, 1, 20, 0)), ("FS-01", "DC-01", at(10, 2, 0, 0)),
                        ("FS-01", "KIOSK-CONSENT-01", at(10, 2, 45, 0)), ("FS-01", CT[0], at(10, 3, 30, 0)),
                        ("ADMIN-PC-01", "WS-LAB-07", at(14, 0, 0, 0))]:
        flow(t - timedelta(milliseconds=150), ip_of(src), ip_of(dst), 445, "smb,gssapi,ntlm")
    # Ordinary share use.
    for i, src in enumerate(["WS-NURSE-03", "WS-LAB-07", "WS-LAB-07"]):
        flow(at(8, 10 + i * 7, 0, 0) - timedelta(milliseconds=150), ip_of(src), ip_of("FS-01"), 445, "smb,gssapi,krb")
    # C2: shortly after infection, then daily.
    for host, infected in INFECTED:
        target = net_rng.choice(C2)
        first = infected + timedelta(minutes=6, seconds=net_rng.randint(0, 30))
        for day in range(DAYS):
            t = first + timedelta(days=day, seconds=net_rng.randint(-40, 40), milliseconds=net_rng.randint(0, 999))
            url = "http://%s/groupmgr/index.php?q=%s" % (target, c2_query())
            request(t, ip_of(host), "GET", url, 200, net_rng.randint(600, 720), target, "text/html")
    # Benign: DICOM to the PACS, Windows Update, browsing.
    everyone = [h for h in HOSTS if h != "DC-01"] + [CT[0]]
    for day in range(DAYS):
        for host in everyone:
            for _ in range(net_rng.randint(1, 4)):
                t = DAY + timedelta(days=day, seconds=net_rng.randint(7 * 3600, 19 * 3600), milliseconds=net_rng.randint(0, 999))
                flow(t, ip_of(host), PACS, 104, "-", out_b=net_rng.randint(2_000_000, 90_000_000))
            t = DAY + timedelta(days=day, seconds=net_rng.randint(0, 86399), milliseconds=net_rng.randint(0, 999))
            request(t, ip_of(host), "CONNECT", "fe2.update.microsoft.com:443", 200, net_rng.randint(8000, 900000),
                    "fe2.update.microsoft.com", "-")
        for host in ["WS-RECEPTION-01", "WS-NURSE-03", "WS-LAB-07", "ADMIN-PC-01"]:
            for _ in range(net_rng.randint(2, 5)):
                t = DAY + timedelta(days=day, seconds=net_rng.randint(8 * 3600, 17 * 3600), milliseconds=net_rng.randint(0, 999))
                site = net_rng.choice(["www.nhs.uk", "www.bnf.org", "intranet.clinic.local", "www.who.int"])
                request(t, ip_of(host), "GET", "http://%s/%s?page=%d" % (site, net_rng.choice(["news", "search", "guidance"]),
                        net_rng.randint(1, 9)), 200, net_rng.randint(2000, 90000), site, "text/html")


ZEEK_CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
                    "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
                    "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"]
ZEEK_CONN_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count",
                   "string", "bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]"]
ZEEK_DHCP_FIELDS = ["ts", "uids", "client_addr", "server_addr", "mac", "host_name", "client_fqdn", "domain",
                    "requested_addr", "assigned_addr", "lease_time", "msg_types", "duration"]
ZEEK_DHCP_TYPES = ["time", "set[string]", "addr", "addr", "string", "string", "string", "string", "addr", "addr",
                   "interval", "vector[string]", "interval"]


def zeek(path, fields, types, rows):
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\t" + path, "#open\t2026-03-02-00-00-00", "#fields\t" + "\t".join(fields),
            "#types\t" + "\t".join(types)]
    with open(os.path.join(NET, path + ".log"), "w", newline="\n") as f:
        f.write("\n".join(head) + "\n")
        for when, values in sorted(rows, key=lambda r: r[0]):
            f.write("%.6f\t%s\n" % (when.timestamp(), "\t".join(values)))
        f.write("#close\t2026-03-08-00-00-00\n")


def write_network():
    os.makedirs(NET, exist_ok=True)
    zeek("conn", ZEEK_CONN_FIELDS, ZEEK_CONN_TYPES, conn)
    lease = at(6, 58, 12, 337)
    zeek("dhcp", ZEEK_DHCP_FIELDS, ZEEK_DHCP_TYPES, [
        (lease, ["CdhcpCT5cann3r01aa", "-", "10.20.0.5", "00:1b:63:4c:7e:21", CT[0], "ct-scanner-01.clinic.local",
                 "clinic.local", CT[1], CT[1], "86400.000000", "REQUEST,ACK", "0.012000"])])
    with open(os.path.join(NET, "access.log"), "w", newline="\n") as f:
        for _, line in sorted(squid):
            f.write(line + "\n")


if __name__ == "__main__":
    story()
    benign()
    write()
    network()
    write_network()
