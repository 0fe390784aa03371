#!/usr/bin/env python3
"""Generates Ward's large benchmark corpus: Windows events as evtx_dump-style JSON lines and
network log lines (Zeek conn TSV and Squid access.log), deterministic for a given seed.

usage: bench/gen_corpus.py OUT_DIR [--windows N] [--network N] [--hosts H] [--seed S]

The mix imitates a hospital estate: logons, process creations with realistic command lines,
share access, service installs, Sysmon network and file events; most benign, a few worm hops.
"""
import argparse
import json
import os
import random

CHANNEL_SEC = "Security"
CHANNEL_SYSMON = "Microsoft-Windows-Sysmon/Operational"
CHANNEL_SYS = "System"
PROCS = [
    (r"C:\Windows\System32\svchost.exe", "svchost.exe -k netsvcs -p"),
    (r"C:\Program Files\Google\Chrome\Application\chrome.exe", "chrome.exe --type=renderer --field-trial-handle=1"),
    (r"C:\Windows\System32\conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"),
    (r"C:\Windows\System32\wbem\WmiPrvSE.exe", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding"),
    (r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE", '"OUTLOOK.EXE" /recycle'),
    (r"C:\Windows\System32\cmd.exe", r'cmd.exe /c "ipconfig /all" 2>nul'),
    (r"C:\Windows\System32\taskhostw.exe", "taskhostw.exe Install $(Arg0)"),
]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "svc_backup", "adm-it"]


def system(rec, channel, provider, eid, host, t):
    return {
        "Provider": {"#attributes": {"Name": provider}},
        "EventID": eid,
        "Level": 4,
        "TimeCreated": {"#attributes": {"SystemTime": t}},
        "EventRecordID": rec,
        "Channel": channel,
        "Computer": host,
    }


def iso(ts):
    s, frac = divmod(ts, 1.0)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % int(frac * 1e6)


def windows_event(rng, rec, host, ts):
    kind = rng.random()
    t = iso(ts)
    if kind < 0.35:
        img, cmd = rng.choice(PROCS)
        return {"Event": {"System": system(rec, CHANNEL_SYSMON, "Microsoft-Windows-Sysmon", 1, host, t), "EventData": {
            "RuleName": "-", "UtcTime": t[:23].replace("T", " "), "ProcessGuid": "{%08X-0000-0000-0000-000000000000}" % rec,
            "ProcessId": rng.randint(100, 9000), "Image": img, "CommandLine": cmd, "CurrentDirectory": "C:\\Windows\\system32\\",
            "User": "HOSP\\" + rng.choice(USERS), "IntegrityLevel": "Medium", "Hashes": "SHA256=%064X" % rng.getrandbits(256),
            "ParentProcessGuid": "{%08X-0000-0000-0000-000000000001}" % (rec // 7), "ParentProcessId": rng.randint(100, 9000),
            "ParentImage": r"C:\Windows\explorer.exe", "ParentCommandLine": "C:\\Windows\\Explorer.EXE"}}}
    if kind < 0.65:
        return {"Event": {"System": system(rec, CHANNEL_SEC, "Microsoft-Windows-Security-Auditing", 4624, host, t), "EventData": {
            "SubjectUserSid": "S-1-5-18", "SubjectUserName": host + "$", "SubjectDomainName": "HOSP", "SubjectLogonId": "0x3e7",
            "TargetUserSid": "S-1-5-21-1-2-3-%d" % rng.randint(1000, 1100), "TargetUserName": rng.choice(USERS), "TargetDomainName": "HOSP",
            "TargetLogonId": "0x%x" % rng.getrandbits(32), "LogonType": rng.choice([2, 3, 3, 3, 5, 10]), "LogonProcessName": "NtLmSsp",
            "AuthenticationPackageName": "NTLM", "WorkstationName": "WS-%03d" % rng.randint(1, 200), "IpAddress": "10.1.%d.%d" % (rng.randint(0, 9), rng.randint(1, 254)),
            "IpPort": str(rng.randint(1024, 65535))}}}
    if kind < 0.80:
        return {"Event": {"System": system(rec, CHANNEL_SEC, "Microsoft-Windows-Security-Auditing", 5145, host, t), "EventData": {
            "SubjectUserSid": "S-1-5-21-1-2-3-1001", "SubjectUserName": rng.choice(USERS), "SubjectDomainName": "HOSP",
            "ObjectType": "File", "IpAddress": "10.1.%d.%d" % (rng.randint(0, 9), rng.randint(1, 254)), "IpPort": "49152",
            "ShareName": rng.choice(["\\\\*\\IPC$", "\\\\*\\SYSVOL", "\\\\*\\Scans", "\\\\*\\ADMIN$"]),
            "ShareLocalPath": "", "RelativeTargetName": rng.choice(["srvsvc", "hosp.local\\Policies", "scan_%d.pdf" % rec]),
            "AccessMask": rng.choice(["0x1", "0x12019f", "0x2"]), "AccessList": "%%4416"}}}
    if kind < 0.95:
        return {"Event": {"System": system(rec, CHANNEL_SYSMON, "Microsoft-Windows-Sysmon", 3, host, t), "EventData": {
            "RuleName": "-", "UtcTime": t[:23].replace("T", " "), "ProcessGuid": "{%08X-0000-0000-0000-000000000000}" % rec,
            "ProcessId": rng.randint(100, 9000), "Image": rng.choice(PROCS)[0], "User": "HOSP\\" + rng.choice(USERS), "Protocol": "tcp",
            "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": "10.1.0.%d" % rng.randint(1, 254), "SourceHostname": "-", "SourcePort": rng.randint(1024, 65535),
            "DestinationIsIpv6": "false", "DestinationIp": "10.2.0.%d" % rng.randint(1, 254), "DestinationHostname": "-", "DestinationPort": rng.choice([443, 80, 445, 135])}}}
    return {"Event": {"System": system(rec, CHANNEL_SYS, "Service Control Manager", 7045, host, t), "EventData": {
        "ServiceName": rng.choice(["Windows Update Medic", "PSEXESVC", "WmiApSrvEx", "GoogleUpdater"]),
        "ImagePath": rng.choice([r"%SystemRoot%\system32\svchost.exe -k netsvcs", r"C:\Windows\PSEXESVC.exe", r"C:\Windows\System32\wmiapsrvex.exe ControlTrace -Embedding -k"]),
        "ServiceType": "user mode service", "StartType": "auto start", "AccountName": "LocalSystem"}}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--windows", type=int, default=5_000_000)
    ap.add_argument("--network", type=int, default=5_000_000)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    start = 1_700_000_000.0
    per_host = max(1, a.windows // a.hosts)
    for h in range(a.hosts):
        host = "WS-%03d.hosp.local" % h
        ts = start
        with open(os.path.join(a.out, "host-%03d.jsonl" % h), "w") as f:
            for i in range(per_host):
                ts += rng.random() * 2.0
                f.write(json.dumps(windows_event(rng, i + 1, host, ts), separators=(",", ":")))
                f.write("\n")
    with open(os.path.join(a.out, "conn.log"), "w") as f:
        f.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
        f.write("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n")
        f.write("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n")
        ts = start
        for i in range(a.network):
            ts += rng.random() * 0.05
            dst_port = rng.choice([443, 443, 80, 53, 445, 135, 3389])
            f.write("%.6f\tC%015x\t10.1.%d.%d\t%d\t%s\t%d\ttcp\t-\t%.3f\t%d\t%d\tSF\n" % (
                ts, i, rng.randint(0, 9), rng.randint(1, 254), rng.randint(1024, 65535),
                "52.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)) if dst_port in (80, 443) else "10.2.0.%d" % rng.randint(1, 254),
                dst_port, rng.random() * 30, rng.randint(0, 5000), rng.randint(0, 50000)))


if __name__ == "__main__":
    main()
