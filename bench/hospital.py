#!/usr/bin/env python3
"""A simulated hospital network with a Kwampirs-style worm, for benchmarking Ward.

    python3 bench/hospital.py OUT_DIR [--seed N] [--days D] [--channel service|task|wmi]
                                                    (defaults: seed 14, days 10, service)

Deterministic: the same arguments give the same bytes. Standard library only.

St Mary's hospital (domain STMARY, stmary.local), 2026-05-04 (a Monday) onwards, all times UTC.
66 assets: 2 DCs, 2 file servers, the EHR's SQL server, PACS, a Squid proxy (Linux), a PRTG-like
monitoring server, an SCCM/PDQ deployment server, a Veeam-like backup server, WSUS, an AV console,
a print server, 36 workstations (wards, ICU, ED, reception, office, lab, pharmacy, radiology, IT),
12 clinical devices (MRI/CT/X-ray/mammography consoles, ultrasound, lab analyzers, consent
kiosks), 4 printers and the edge firewall. 41 staff work shifts at their workstations; three IT
admins RDP to servers with adm_* accounts; service accounts run backups, monitoring, deployment.

Ordinary IT activity (the benign look-alikes):
  * SCCM client push (Wed 05-06, 09:32 to ~11:00): SCCM-01 writes ccmsetup\\ccmsetup.exe to the
    ADMIN$ share of 33 workstations as STMARY\\svc_deploy and installs the `ccmsetup` service,
    which installs `CcmExec` (C:\\Windows\\CCM); the agents then poll SCCM-01 hourly.
  * PDQ Deploy of a Chrome MSI from the same server (Fri 05-08 16:05) to 10 hosts: service
    `PDQDeployRunner-1` under C:\\Windows\\AdminArsenal, then Chrome's own services.
  * MON-01 polls every Windows host every 10 minutes (svc_monitor, type 3 + logoff; WinRM 5985 to
    servers, 445 share sensors on the file/print servers, DCOM 135 + a dynamic port to the others),
    pings the log-less devices, reads printers, the firewall and the proxy over SNMP.
  * PROXY-01 carries all web traffic; the edge firewall logs its upstream connections to hundreds
    of internet addresses; it resolves names through the DCs and updates itself directly.
  * Nightly backups from BKP-01 at ~01:00 (svc_backup: type 5 on BKP-01, type 3 on servers; a
    transient VeeamGuestHelper service pushed through ADMIN$ to SQL-EHR-01 and DC-01 every night).
  * Daily WSUS (8530) and AV console (8443) checks, Windows Update / CRL / OCSP / AV cloud via the
    proxy; a lab analyzer uploads QC results daily to an IP-literal vendor URL (a hard negative).
  * Admin RDP (type 10 + 4672) to servers; one PsExec by an admin; a helpdesk admin types network
    commands on a ward PC; logon scripts run `net use` at every interactive logon.
  * Siemens-style vendor support on MRI-CONSOLE-01 over the vendor's VPN (RDP as the local account
    vendor_siemens): Mon 05-04 afternoon and Mon 05-11 morning.
  * DICOM to PACS-01 (104), Kerberos/LDAP/SYSVOL to the DCs, file shares, printing, HL7 from the
    lab analyzers, DHCP renewals (Zeek dhcp.log).

The worm (service WmiApSrvEx, display "WMI Performance Adapter Extension"; on two hosts the
service is named WmiApRplSvc, with the same implant file C:\\Windows\\System32\\wmiapsrvex.exe,
ImagePath `%SystemRoot%\\System32\\wmiapsrvex.exe -k netsvcs -p ControlTrace`, LocalSystem):
  Tue 05-05 10:47  WS-RECEP-03 (patient zero): a fake "PatientPortal" update downloaded through the
                   proxy drops the implant and installs the service locally.
  Tue 14:22-14:25  -> FS-02 (the relay), -> WS-WARD2-04; WS-RECEP-01 refuses (4625).
  Wed 02:13-02:18  FS-02 -> MRI-CONSOLE-01 (WmiApRplSvc), XRAY-02, LABAN-01, CT-CONSOLE-01 (no host
                   logs: Zeek 445 then its C2 calls only); DC-02 refuses.
  Wed 11:52        WS-WARD2-04 -> WS-ICU-02 (right after the SCCM push); WS-WARD2-01 refuses.
  Thu 09:05-09:07  WS-ICU-02 -> WS-LAB-03, KIOSK-02 (WmiApRplSvc); WS-ICU-03 refuses.
  Thu 15:31        FS-02 -> PACS-01.
  Sat 05-09 03:40  PACS-01 -> US-02 (no host logs), WS-RAD-02; XRAY-01 refuses.
Each hop: 4624 type 3 by the source's computer account (NTLM, from its IP), 4672, 5140/5145 write
of System32\\wmiapsrvex.exe to ADMIN$, 7045 (+4697 on servers), the implant starts, a recon burst
(cmd.exe /c ... as Sysmon 1 or 4688, parent the implant), Zeek 445. Every infected host calls
`GET http://<C2 ip>/groupmgr/index.php?q=<base64>` through the proxy minutes after infection and
then daily at about that time; the firewall shows only the proxy's connection. C2 185.82.200.57
goes dark on Sun 05-10: its hosts' calls then fail (503) and fall back to 5.39.218.203.

Outputs (OUT_DIR): <HOST>/Security.jsonl, System.jsonl, Sysmon.jsonl (evtx_dump JSON lines),
network/firewall.log (netfilter via rsyslog), network/access.log (Squid), network/conn.log and
network/dhcp.log (Zeek TSV, core-switch tap), assets.csv and truth.json (see bench/hospital.md).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import sys
import zlib
from collections import defaultdict
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
START = datetime(2026, 5, 4, tzinfo=UTC)  # a Monday
DOMAIN = "STMARY"
DNS_DOMAIN = "stmary.local"
DOMAIN_SID = "S-1-5-21-2931094412-1733120587-3811452076"
WAN_IP = "203.0.113.10"
PROXY_PORT = 3128
SEC, SYS, SYSMON = "Security", "System", "Microsoft-Windows-Sysmon/Operational"
TSCHED = "Microsoft-Windows-TaskScheduler/Operational"
EXPOSING_TYPES = {2, 4, 5, 7, 8, 9, 10, 11, 12, 13}
NOT_ACCOUNTS = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON", "LOCALSYSTEM"}

IMPLANT = "wmiapsrvex.exe"
IMPLANT_PATH = "C:\\Windows\\System32\\" + IMPLANT
IMPLANT_SERVICE_PATH = "%SystemRoot%\\System32\\" + IMPLANT + " -k netsvcs -p ControlTrace"
C2 = ["5.39.218.203", "91.219.238.151", "185.82.200.57"]
C2_DARK_DAY = 6  # 185.82.200.57 stops answering on Sun 05-10
DROPPER_URL = "http://patientportal-update.com/downloads/PatientPortal_Setup.exe"
DROPPER_IP = "45.142.213.18"


def sec(seconds):
    return timedelta(seconds=seconds)


def crc(text):
    return zlib.crc32(text.encode())


# =============================================================== inventory

class Host:
    """One asset. `logs`: its Windows logs were collected; `sysmon`: it runs Sysmon."""

    def __init__(self, name, ip, role, kind, *, truth_role=None, clinical=False, logs=True,
                 sysmon=False, dhcp=False, asset_ip=True, dept=""):
        self.name, self.ip, self.role, self.kind = name, ip, role, kind
        self.truth_role = truth_role or role
        self.clinical, self.logs, self.sysmon, self.dhcp = clinical, logs, sysmon, dhcp
        self.asset_ip, self.dept = asset_ip, dept
        self.fqdn = name.lower() + "." + DNS_DOMAIN
        self.dyn_port = 49664 + crc(name) % 40  # its WMI/DCOM dynamic RPC port
        self.mac = "00:%02x:%02x:%02x:%02x:%02x" % tuple((crc(name + "mac") >> s) & 0xFF for s in (0, 8, 16, 24, 4))

    @property
    def windows(self):
        return self.kind in ("server", "workstation", "clinical") and self.name != "PROXY-01"


def inventory():
    hosts = []

    def add(*args, **kw):
        hosts.append(Host(*args, **kw))

    add("FW-EDGE", "10.30.0.1", "firewall", "network", logs=False)
    add("PROXY-01", "10.30.0.5", "", "server", truth_role="proxy", logs=False)
    add("DC-01", "10.30.0.10", "domain-controller", "server", sysmon=True)
    add("DC-02", "10.30.0.11", "domain-controller", "server", sysmon=True)
    add("FS-01", "10.30.0.20", "file-server", "server", sysmon=True)
    add("FS-02", "10.30.0.21", "file-server", "server", sysmon=True)
    add("PRINT-01", "10.30.0.25", "", "server", truth_role="print-server", sysmon=True)
    add("SQL-EHR-01", "10.30.0.30", "database", "server", sysmon=True)
    add("PACS-01", "10.30.0.40", "pacs", "server", clinical=True, sysmon=True)
    add("MON-01", "10.30.0.50", "", "server", truth_role="monitoring", sysmon=True)
    add("SCCM-01", "10.30.0.60", "deployment", "server", sysmon=True)
    add("BKP-01", "10.30.0.70", "backup", "server", sysmon=True)
    add("WSUS-01", "10.30.0.80", "update-server", "server", sysmon=True)
    add("AV-01", "10.30.0.90", "av-server", "server", sysmon=True)
    add("IT-ADM-01", "10.30.1.21", "admin-workstation", "workstation", sysmon=True, dept="it")
    add("IT-ADM-02", "10.30.1.22", "admin-workstation", "workstation", sysmon=True, dept="it")
    groups = [("WS-WARD1", "10.30.10.1", 4, "ward1", (1, 3)), ("WS-WARD2", "10.30.10.2", 5, "ward2", (2, 5)),
              ("WS-ICU", "10.30.11.1", 4, "icu", (1, 2)), ("WS-ED", "10.30.11.2", 4, "ed", (3,)),
              ("WS-RECEP", "10.30.12.1", 4, "reception", (2, 3)), ("WS-OFFICE", "10.30.12.2", 4, "office", (1,)),
              ("WS-LAB", "10.30.13.1", 4, "lab", (1, 2)), ("WS-PHARM", "10.30.13.2", 2, "pharmacy", (1,)),
              ("WS-RAD", "10.30.14.1", 3, "radiology", (1, 2))]
    for prefix, net, count, dept, with_sysmon in groups:
        for i in range(1, count + 1):
            add("%s-%02d" % (prefix, i), "%s%d" % (net, i), "workstation", "workstation",
                sysmon=i in with_sysmon, dhcp=True, dept=dept)
    clinical = [("MRI-CONSOLE-01", "10.30.20.11", "mri-console"), ("CT-CONSOLE-01", "10.30.20.13", "ct-console"),
                ("XRAY-01", "10.30.20.21", "xray"), ("XRAY-02", "10.30.20.22", "xray"),
                ("MAMMO-01", "10.30.20.25", "mammography"), ("US-01", "10.30.20.31", "ultrasound"),
                ("US-02", "10.30.20.32", "ultrasound"), ("LABAN-01", "10.30.21.11", "lab-analyzer"),
                ("LABAN-02", "10.30.21.12", "lab-analyzer"), ("KIOSK-01", "10.30.22.11", "kiosk"),
                ("KIOSK-02", "10.30.22.12", "kiosk"), ("KIOSK-03", "10.30.22.13", "kiosk")]
    for name, ip, role in clinical:
        logless = name in ("CT-CONSOLE-01", "US-02")
        add(name, ip, role, "clinical", clinical=True, logs=not logless, dhcp=True,
            asset_ip=name != "CT-CONSOLE-01")
    for i, where in enumerate(["WARD1", "WARD2", "ICU", "OFFICE"], start=11):
        add("PRN-" + where, "10.30.30.%d" % i, "printer", "printer", logs=False)
    return {h.name: h for h in hosts}


HOSTS = inventory()
BY_IP = {h.ip: h.name for h in HOSTS.values()}
WINDOWS = [h for h in HOSTS.values() if h.windows and h.logs]
SERVERS = [h.name for h in HOSTS.values() if h.kind == "server" and h.logs]
WORKSTATIONS = [h.name for h in HOSTS.values() if h.kind == "workstation"]


def dept_hosts(dept):
    return [h.name for h in HOSTS.values() if h.dept == dept]


WARD1, WARD2, ICU, ED = dept_hosts("ward1"), dept_hosts("ward2"), dept_hosts("icu"), dept_hosts("ed")
RECEP, OFFICE, LAB, PHARM, RAD = (dept_hosts(d) for d in ("reception", "office", "lab", "pharmacy", "radiology"))
IMAGING = ["MRI-CONSOLE-01", "XRAY-01", "XRAY-02", "MAMMO-01", "US-01"]
ANALYZERS = ["LABAN-01", "LABAN-02"]
KIOSKS = ["KIOSK-01", "KIOSK-02", "KIOSK-03"]
AUTOLOGON_CONSOLES = ["MRI-CONSOLE-01", "XRAY-01", "XRAY-02", "MAMMO-01", "US-01"]
DICOM_EXAMS = {"MRI-CONSOLE-01": 12, "CT-CONSOLE-01": 25, "XRAY-01": 35, "XRAY-02": 30, "MAMMO-01": 14,
               "US-01": 18, "US-02": 16}

# Staff: user, working pattern, the hosts they use.
PEOPLE = [
    ("m.obrien", "reception", ["WS-RECEP-03"]), ("s.khan", "reception", ["WS-RECEP-01"]),
    ("l.evans", "reception", ["WS-RECEP-04", "WS-RECEP-03"]), ("t.hughes", "leaver", ["WS-RECEP-03"]),
    ("a.patel", "nurse", WARD1), ("j.murphy", "nurse", WARD1), ("k.nowak", "nurse", WARD1),
    ("r.singh", "nurse", WARD1), ("e.walsh", "nurse", WARD2), ("d.osei", "nurse", WARD2),
    ("c.martin", "nurse", WARD2), ("h.ali", "nurse", WARD2), ("p.jones", "nurse", WARD2),
    ("n.kelly", "nurse", ICU), ("f.costa", "nurse", ICU), ("b.adeyemi", "nurse", ICU), ("g.reid", "nurse", ICU),
    ("s.chen", "doctor", WARD1 + WARD2 + ICU), ("m.rossi", "doctor", ED + ICU + WARD1),
    ("o.brennan", "nurse", ED), ("y.tanaka", "nurse", ED), ("i.moreno", "nurse", ED), ("w.clark", "doctor", ED),
    ("v.novak", "lab", LAB), ("q.lewis", "lab", LAB), ("z.ahmed", "lab", LAB),
    ("u.fischer", "pharmacy", PHARM), ("x.dubois", "pharmacy", PHARM),
    ("r.okafor", "radiographer", IMAGING), ("t.silva", "radiographer", IMAGING),
    ("e.larsen", "radiographer", IMAGING), ("h.berg", "radiologist", RAD), ("p.iyer", "radiologist", RAD),
    ("l.grant", "office", ["WS-OFFICE-01"]), ("m.fraser", "office", ["WS-OFFICE-02"]),
    ("s.doyle", "office", ["WS-OFFICE-03"]), ("k.baker", "office", ["WS-OFFICE-04"]),
    ("a.moore", "office", ["WS-OFFICE-02", "WS-OFFICE-01"]),
    ("j.brown", "it", ["IT-ADM-01"]), ("k.white", "it", ["IT-ADM-02"]), ("p.nair", "it", ["IT-ADM-01", "IT-ADM-02"]),
]
ADMINS = ["adm_jbrown", "adm_kwhite", "adm_pnair"]
SERVICE_ACCOUNTS = ["svc_deploy", "svc_monitor", "svc_backup", "svc_sql", "svc_pacs", "svc_filearchive",
                    "svc_pacsrouter", "icu.scanner"]
RID = {u: 1105 + i for i, u in enumerate([p[0] for p in PEOPLE] + ADMINS + SERVICE_ACCOUNTS)}

# Internet: domains the staff and machines reach through the proxy, each with its addresses.
BROWSING = [
    "www.nhs.uk", "digital.nhs.uk", "www.england.nhs.uk", "bnf.nice.org.uk", "www.nice.org.uk", "cks.nice.org.uk",
    "www.who.int", "www.bmj.com", "www.thelancet.com", "www.nejm.org", "pubmed.ncbi.nlm.nih.gov",
    "www.ncbi.nlm.nih.gov", "www.uptodate.com", "www.medicines.org.uk", "www.gov.uk", "www.cqc.org.uk",
    "www.rcn.org.uk", "www.gmc-uk.org", "www.nmc.org.uk", "www.resus.org.uk", "www.sign.ac.uk",
    "patient.info", "www.drugs.com", "www.medscape.com", "emedicine.medscape.com", "www.rcr.ac.uk",
    "radiopaedia.org", "www.ecdc.europa.eu", "www.cdc.gov", "www.bbc.co.uk", "www.bbc.com",
    "www.theguardian.com", "www.google.com", "www.google.co.uk", "www.bing.com", "en.wikipedia.org",
    "www.youtube.com", "maps.google.com", "www.amazon.co.uk", "www.linkedin.com", "www.metoffice.gov.uk",
    "www.trainline.com", "www.royalmail.com", "www.ebay.co.uk", "www.hmrc.gov.uk", "www.nationalrail.co.uk",
    "outlook.office365.com", "login.microsoftonline.com", "www.office.com", "teams.microsoft.com",
    "graph.microsoft.com", "stmary.sharepoint.com", "stmary-my.sharepoint.com", "aadcdn.msftauth.net",
    "res.cdn.office.net", "fonts.googleapis.com", "fonts.gstatic.com", "ajax.googleapis.com",
    "www.gstatic.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "www.googletagmanager.com",
    "www.google-analytics.com", "static.xx.fbcdn.net", "i.ytimg.com", "s.yimg.com", "use.typekit.net",
    "elearning.stmary-training.co.uk", "www.e-lfh.org.uk", "learninghub.nhs.uk", "www.jobs.nhs.uk",
    "www.healthcareers.nhs.uk", "portal.nhs.net", "web.nhs.net", "www.kingsfund.org.uk", "www.nuffieldtrust.org.uk",
    "www.ons.gov.uk", "www.legislation.gov.uk", "www.hse.gov.uk", "www.cochranelibrary.com",
    "www.sciencedirect.com", "link.springer.com", "onlinelibrary.wiley.com", "academic.oup.com",
    "jamanetwork.com", "www.nature.com", "www.bmj.com", "bestpractice.bmj.com", "www.openathens.net",
    "www.rpharms.com", "www.pharmaceutical-journal.com", "www.labtestsonline.org.uk", "www.rcpath.org",
    "www.acb.org.uk", "www.siemens-healthineers.com", "www.gehealthcare.com", "www.philips.co.uk",
    "www.sectra.com", "www.cerner.com", "www.epic.com", "support.microsoft.com", "learn.microsoft.com",
    "www.adobe.com", "get.adobe.com", "acrobat.adobe.com", "www.dropbox.com", "wetransfer.com",
    "www.zoom.us", "www.eventbrite.co.uk", "www.paypal.com", "www.lloydsbank.com", "www.barclays.co.uk",
]
MACHINE_DOMAINS = [
    "fe3cr.delivery.mp.microsoft.com", "sls.update.microsoft.com", "slscr.update.microsoft.com",
    "ctldl.windowsupdate.com", "download.windowsupdate.com", "settings-win.data.microsoft.com",
    "v10.events.data.microsoft.com", "watson.telemetry.microsoft.com", "login.live.com",
    "ocsp.digicert.com", "crl3.digicert.com", "ocsp.msocsp.com", "oneocsp.microsoft.com", "ocsp.sectigo.com",
    "ocsp.globalsign.com", "time.windows.com", "edge.microsoft.com", "config.edge.skype.com",
    "nimbus.bitdefender.net", "upgrade.bitdefender.com", "update.cloud.2d585.cdn.bitdefender.net",
    "sws.update.microsoft.com", "www.paessler.com", "update.googleapis.com", "dl.google.com",
    "clients2.google.com", "clientservices.googleapis.com", "safebrowsing.googleapis.com",
    "qcupload.instrumentcloud.example",
]
PREFIXES = ["13.107", "20.190", "40.126", "52.113", "104.18", "104.16", "142.250", "172.217", "151.101", "23.55",
            "184.25", "93.184", "199.232", "34.120", "35.186", "3.248", "18.165", "54.230", "185.199", "216.58",
            "2.16", "88.221", "95.101", "13.32", "52.84", "20.42", "51.104", "51.140", "152.199", "192.229"]

# =============================================================== the simulation state


class Sim:
    """Everything emitted, plus the random streams. Each activity has its own stream, so changing
    one activity leaves the others' bytes alone."""

    def __init__(self, seed, days):
        self.seed, self.days = seed, days
        self.end = START + timedelta(days=days)
        self.win = defaultdict(list)  # (host, channel) -> [(time, seq, event_id, data)]
        self.conn, self.dhcp, self.squid, self.fw = [], [], [], []  # [(time, seq, payload)]
        self.seq = 0
        self.logon_ids = {}
        self.pids = {}
        self.sessions = defaultdict(lambda: 2)  # (host, boot key) -> next terminal session id
        self.down = defaultdict(list)  # host -> [(off, on)]
        self.r = self.stream("ids")
        self.dns = {}
        self.resolve_all()
        self.dns_cache = {}
        self.truth = {}
        self.channel = "service"  # how the worm runs its implant on the next host

    def stream(self, name):
        return random.Random("%d:%s" % (self.seed, name))

    def next_seq(self):
        self.seq += 1
        return self.seq

    def inside(self, t):
        return START <= t < self.end

    def day(self, d, h=0, m=0, s=0.0):
        return START + timedelta(days=d, hours=h, minutes=m, seconds=s)

    def is_up(self, host, t):
        return not any(off <= t < on for off, on in self.down[host])

    def resolve_all(self):
        rng = self.stream("dns")
        for name in sorted(set(BROWSING + MACHINE_DOMAINS)):
            self.dns[name] = ["%s.%d.%d" % (rng.choice(PREFIXES), rng.randint(0, 255), rng.randint(1, 254))
                              for _ in range(rng.randint(1, 4))]

    # ------------------------------------------------------------ Windows primitives

    def emit(self, host, channel, t, event_id, data):
        if self.inside(t) and HOSTS[host].logs:
            self.win[(host, channel)].append((t, self.next_seq(), event_id, data))

    def new_logon_id(self, host):
        n = self.logon_ids.get(host, 0x1A0000 + crc(host) % 0x40000) + self.r.randint(0x200, 0x9000)
        self.logon_ids[host] = n
        return hex(n)

    def new_pid(self, host):
        n = self.pids.get(host, 1000 + crc(host) % 3000) + self.r.randint(1, 300) * 4
        if n > 60000:
            n = 900 + self.r.randint(1, 50) * 4
        self.pids[host] = n
        return n

    def guid(self):
        b = self.r.getrandbits(128)
        return "{%08X-%04X-%04X-%04X-%012X}" % (b >> 96, (b >> 80) & 0xFFFF, (b >> 64) & 0xFFFF,
                                               (b >> 48) & 0xFFFF, b & 0xFFFFFFFFFFFF)

    def port(self):
        return self.r.randint(49152, 65535)


def account_sid(user, domain, host=None):
    if domain == "NT AUTHORITY":
        return {"SYSTEM": "S-1-5-18", "LOCAL SERVICE": "S-1-5-19", "NETWORK SERVICE": "S-1-5-20",
                "ANONYMOUS LOGON": "S-1-5-7"}[user]
    if domain == DOMAIN:
        if user.endswith("$"):
            return "%s-%d" % (DOMAIN_SID, 3000 + crc(user) % 5000)
        return "%s-%d" % (DOMAIN_SID, RID.get(user, 1900 + crc(user) % 500))
    # A local account: the machine's own SID.
    c = crc(domain)
    return "S-1-5-21-%d-%d-%d-%d" % (1000000000 + c % 900000000, 1200000000 + (c >> 3) % 800000000,
                                     300000000 + (c >> 5) % 600000000, 1001 + crc(user) % 5)


# =============================================================== Security events

LOGON_PROCESS = {2: "User32 ", 7: "User32 ", 10: "User32 ", 11: "User32 ", 4: "Advapi  ", 5: "Advapi  "}


def logon(sim, host, t, user, ltype, *, domain=DOMAIN, ip=None, ws=None, ntlm=False, elevated=False,
          process=None, lid=None):
    """4624. Type 3 comes from `ip`/`ws` over Kerberos or NTLM; the others are local."""
    lid = lid or sim.new_logon_id(host)
    network = ltype == 3
    if network:
        package = "NTLM" if ntlm else "Kerberos"
        proc_name, proc_id = "-", "0x0"
        lpn = "NtLmSsp " if ntlm else "Kerberos"
        ws = ws if ntlm else "-"
    else:
        package = "Negotiate"
        lpn = LOGON_PROCESS.get(ltype, "User32 ")
        proc_name = process or {4: "C:\\Windows\\System32\\svchost.exe", 5: "C:\\Windows\\System32\\services.exe"}.get(
            ltype, "C:\\Windows\\System32\\svchost.exe")
        proc_id = hex(600 + crc(host + proc_name) % 900)
    if ip is None:
        ip = "127.0.0.1" if ltype in (2, 7, 11) else "-"
    if ws is None:
        ws = host if ltype in (2, 7, 11) else "-"
    data = {
        "SubjectUserSid": "S-1-0-0" if network else "S-1-5-18",
        "SubjectUserName": "-" if network else host + "$",
        "SubjectDomainName": "-" if network else DOMAIN,
        "SubjectLogonId": "0x0" if network else "0x3e7",
        "TargetUserSid": account_sid(user, domain, host) if not user.startswith(("DWM-", "UMFD-")) else
        ("S-1-5-90-0-" if user.startswith("DWM-") else "S-1-5-96-0-") + user.split("-")[1],
        "TargetUserName": user, "TargetDomainName": domain, "TargetLogonId": lid, "LogonType": ltype,
        "LogonProcessName": lpn, "AuthenticationPackageName": package, "WorkstationName": ws,
        "LogonGuid": "{00000000-0000-0000-0000-000000000000}" if ntlm or not network and domain != DOMAIN else sim.guid(),
        "TransmittedServices": "-", "LmPackageName": "NTLM V2" if network and ntlm else "-",
        "KeyLength": 128 if network and ntlm else 0, "ProcessId": proc_id, "ProcessName": proc_name,
        "IpAddress": ip, "IpPort": "0" if ip == "127.0.0.1" else ("-" if ip == "-" else str(sim.port())),
        "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "%%1843" if ltype == 10 else "-",
        "TargetOutboundUserName": "-", "TargetOutboundDomainName": "-",
        "VirtualAccount": "%%1842" if user.startswith(("DWM-", "UMFD-")) else "%%1843",
        "TargetLinkedLogonId": "0x0", "ElevatedToken": "%%1842" if elevated else "%%1843",
    }
    sim.emit(host, SEC, t, 4624, data)
    return lid


def logoff(sim, host, t, user, ltype, lid, domain=DOMAIN, user_initiated=False):
    sid = account_sid(user, domain, host)
    if user_initiated:
        sim.emit(host, SEC, t - sec(0.4), 4647, {"TargetUserSid": sid, "TargetUserName": user,
                                                 "TargetDomainName": domain, "TargetLogonId": lid})
    sim.emit(host, SEC, t, 4634, {"TargetUserSid": sid, "TargetUserName": user, "TargetDomainName": domain,
                                  "TargetLogonId": lid, "LogonType": ltype})


def failed_logon(sim, host, t, user, ltype, ip, ws, *, domain=DOMAIN, status="0xc000015b", sub="0x0",
                 reason="%%2308", ntlm=True):
    sim.emit(host, SEC, t, 4625, {
        "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": "0x0",
        "TargetUserSid": "S-1-0-0", "TargetUserName": user, "TargetDomainName": domain, "Status": status,
        "FailureReason": reason, "SubStatus": sub, "LogonType": ltype,
        "LogonProcessName": "NtLmSsp " if ntlm else "Kerberos", "AuthenticationPackageName": "NTLM" if ntlm else "Kerberos",
        "WorkstationName": ws, "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0,
        "ProcessId": "0x0", "ProcessName": "-", "IpAddress": ip, "IpPort": str(sim.port())})


PRIVILEGES_ADMIN = "\t\t\tSeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t" \
                   "SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\t" \
                   "SeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"
PRIVILEGES_BACKUP = "\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege"


def special_logon(sim, host, t, user, lid, domain=DOMAIN, privileges=PRIVILEGES_ADMIN):
    sim.emit(host, SEC, t, 4672, {"SubjectUserSid": account_sid(user, domain, host), "SubjectUserName": user,
                                  "SubjectDomainName": domain, "SubjectLogonId": lid, "PrivilegeList": privileges})


def explicit_credentials(sim, host, t, subject, subject_lid, target, server, server_ip, process, *,
                         subject_domain=DOMAIN, target_domain=DOMAIN):
    sim.emit(host, SEC, t, 4648, {
        "SubjectUserSid": account_sid(subject, subject_domain, host), "SubjectUserName": subject,
        "SubjectDomainName": subject_domain, "SubjectLogonId": subject_lid,
        "LogonGuid": "{00000000-0000-0000-0000-000000000000}", "TargetUserName": target,
        "TargetDomainName": target_domain, "TargetLogonGuid": sim.guid(), "TargetServerName": server,
        "TargetInfo": server, "ProcessId": hex(sim.new_pid(host)), "ProcessName": process,
        "IpAddress": server_ip, "IpPort": "445" if server_ip != "-" else "-"})


FULL_WRITE_LIST = "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4417\r\n\t\t\t\t%%4418\r\n\t\t\t\t" \
                  "%%4419\r\n\t\t\t\t%%4420\r\n\t\t\t\t%%4423\r\n\t\t\t\t%%4424\r\n\t\t\t\t"


def share_access(sim, host, t, user, lid, ip, share, local_path, files=(), domain=DOMAIN, write=True):
    """5140 for the share, then one 5145 per file (a write, or a read)."""
    base = {"SubjectUserSid": account_sid(user, domain, host), "SubjectUserName": user,
            "SubjectDomainName": domain, "SubjectLogonId": lid, "ObjectType": "File", "IpAddress": ip,
            "IpPort": str(sim.port()), "ShareName": "\\\\*\\" + share, "ShareLocalPath": "\\??\\" + local_path}
    sim.emit(host, SEC, t, 5140, dict(base, AccessMask="0x1", AccessList="%%4416\r\n\t\t\t\t"))
    for i, name in enumerate(files):
        mask, access = ("0x12019f", FULL_WRITE_LIST) if write else ("0x120089", "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4423\r\n\t\t\t\t")
        sim.emit(host, SEC, t + sec(0.05 + 0.3 * i), 5145, dict(base, RelativeTargetName=name, AccessMask=mask,
                                                                  AccessList=access, AccessReason="-"))


def service_install_4697(sim, host, t, name, image, account, subject, subject_lid, subject_domain=DOMAIN):
    sim.emit(host, SEC, t, 4697, {
        "SubjectUserSid": account_sid(subject, subject_domain, host), "SubjectUserName": subject,
        "SubjectDomainName": subject_domain, "SubjectLogonId": subject_lid, "ServiceName": name,
        "ServiceFileName": image, "ServiceType": "0x10", "ServiceStartType": "2", "ServiceAccount": account})


# =============================================================== System and Sysmon events

def service_install(sim, host, t, name, image, *, account="LocalSystem", start="auto start",
                    installer=None, installer_lid=None, installer_domain=DOMAIN):
    """7045 (+4697 on servers, which audit Security System Extension; + Sysmon 13 on Sysmon hosts)."""
    sim.emit(host, SYS, t, 7045, {"ServiceName": name, "ImagePath": image, "ServiceType": "user mode service",
                                  "StartType": start, "AccountName": account})
    if HOSTS[host].kind == "server" and installer:
        service_install_4697(sim, host, t, name, image, account, installer, installer_lid, installer_domain)
    if HOSTS[host].sysmon:
        key = "HKLM\\System\\CurrentControlSet\\Services\\%s\\ImagePath" % name
        sysmon_registry(sim, host, t + sec(0.01), "C:\\Windows\\system32\\services.exe", services_pid(host), key, image)


def service_state(sim, host, t, name, state):
    sim.emit(host, SYS, t, 7036, {"param1": name, "param2": state,
                                  "Binary": "".join("%02X00" % ord(c) for c in name[:12]) + "0000"})


def services_pid(host):
    return 600 + crc(host + "services") % 200 * 4


def file_hashes(image):
    """Sysmon's Hashes field: one binary has one hash wherever it runs."""
    digest = hashlib.sha256(image.lower().encode()).hexdigest().upper()
    return "MD5=%s,SHA256=%s,IMPHASH=%s" % (digest[:32], digest, digest[-32:])


def utc(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class Proc:
    """A running process: enough to name it as a parent."""

    def __init__(self, image, pid, cmd, guid, user, lid):
        self.image, self.pid, self.cmd, self.guid, self.user, self.lid = image, pid, cmd, guid, user, lid


SYSTEM_CTX = ("SYSTEM", "NT AUTHORITY", "0x3e7")


def services_proc(host):
    return Proc("C:\\Windows\\System32\\services.exe", services_pid(host), "C:\\Windows\\system32\\services.exe",
                "{%08X-0001-0000-0000-000000000000}" % crc(host), SYSTEM_CTX, "0x3e7")


def explorer_proc(sim, host, t, user, lid, domain=DOMAIN):
    return process(sim, host, t, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE",
                   Proc("C:\\Windows\\System32\\userinit.exe", sim.new_pid(host), "C:\\Windows\\system32\\userinit.exe",
                        sim.guid(), (user, domain, lid), lid), user=(user, domain, lid))


def process(sim, host, t, image, cmd, parent, user=SYSTEM_CTX, pid=None):
    """A process creation: Sysmon 1 where Sysmon runs, else Security 4688 (with command line)."""
    h = HOSTS[host]
    pid = pid or sim.new_pid(host)
    g = sim.guid()
    name, domain, lid = user
    system = domain == "NT AUTHORITY"
    if h.sysmon:
        sim.emit(host, SYSMON, t, 1, {
            "RuleName": "-", "UtcTime": utc(t), "ProcessGuid": g, "ProcessId": pid, "Image": image,
            "FileVersion": "-", "Description": "-", "Product": "-", "Company": "-",
            "OriginalFileName": image.rsplit("\\", 1)[-1], "CommandLine": cmd,
            "CurrentDirectory": "C:\\Windows\\system32\\" if system else "C:\\Users\\%s\\" % name,
            "User": "%s\\%s" % (domain, name), "LogonGuid": "{%08X-0000-0000-0000-000000000000}" % crc(lid + host),
            "LogonId": lid, "TerminalSessionId": 0 if system else 1, "IntegrityLevel": "System" if system else "Medium",
            "Hashes": file_hashes(image),
            "ParentProcessGuid": parent.guid, "ParentProcessId": parent.pid, "ParentImage": parent.image,
            "ParentCommandLine": parent.cmd, "ParentUser": "%s\\%s" % (parent.user[1], parent.user[0])})
    else:
        sim.emit(host, SEC, t, 4688, {
            "SubjectUserSid": "S-1-5-18" if system else account_sid(name, domain, host),
            "SubjectUserName": host + "$" if system else name, "SubjectDomainName": DOMAIN if system else domain,
            "SubjectLogonId": lid, "NewProcessId": hex(pid), "NewProcessName": image,
            "TokenElevationType": "%%1936" if system else "%%1938", "ProcessId": hex(parent.pid), "CommandLine": cmd,
            "TargetUserSid": "S-1-0-0", "TargetUserName": "-", "TargetDomainName": "-", "TargetLogonId": "0x0",
            "ParentProcessName": parent.image, "MandatoryLabel": "S-1-16-16384" if system else "S-1-16-8192"})
    return Proc(image, pid, cmd, g, user, lid)


def sysmon_file(sim, host, t, proc, target):
    if HOSTS[host].sysmon:
        sim.emit(host, SYSMON, t, 11, {"RuleName": "-", "UtcTime": utc(t), "ProcessGuid": proc.guid,
                                       "ProcessId": proc.pid, "Image": proc.image, "TargetFilename": target,
                                       "CreationUtcTime": utc(t), "User": "%s\\%s" % (proc.user[1], proc.user[0])})


def sysmon_registry(sim, host, t, image, pid, key, details):
    sim.emit(host, SYSMON, t, 13, {"RuleName": "-", "EventType": "SetValue", "UtcTime": utc(t),
                                   "ProcessGuid": "{%08X-0001-0000-0000-000000000000}" % crc(host),
                                   "ProcessId": pid, "Image": image, "TargetObject": key, "Details": details,
                                   "User": "NT AUTHORITY\\SYSTEM"})


def sysmon_connection(sim, host, t, proc, dst, port, protocol="tcp"):
    if HOSTS[host].sysmon:
        sim.emit(host, SYSMON, t, 3, {
            "RuleName": "-", "UtcTime": utc(t), "ProcessGuid": proc.guid, "ProcessId": proc.pid, "Image": proc.image,
            "User": "%s\\%s" % (proc.user[1], proc.user[0]), "Protocol": protocol, "Initiated": "true",
            "SourceIsIpv6": "false", "SourceIp": HOSTS[host].ip, "SourceHostname": HOSTS[host].fqdn,
            "SourcePort": sim.port(), "SourcePortName": "-", "DestinationIsIpv6": "false", "DestinationIp": dst,
            "DestinationHostname": HOSTS[BY_IP[dst]].fqdn if dst in BY_IP else "-", "DestinationPort": port,
            "DestinationPortName": {445: "microsoft-ds", 3128: "-", 80: "http"}.get(port, "-")})


SYSTEM_PROC = Proc("System", 4, "", "{00000000-0000-0000-0000-000000000004}", SYSTEM_CTX, "0x3e7")


# =============================================================== network primitives

def uid(sim, prefix="C"):
    n = sim.r.getrandbits(104)
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(17):
        n, k = divmod(n, 62)
        out.append(chars[k])
    return prefix + "".join(out)


def flow(sim, t, src, dst, port, service="-", *, proto="tcp", state="SF", out_b=None, in_b=None, dur=None,
         sport=None):
    """One Zeek conn.log row seen at the core switch (both ends internal)."""
    if not sim.inside(t):
        return
    r = sim.r
    if state in ("S0", "REJ"):
        out_b, in_b = 0, 0
        dur_s = "%.6f" % (dur if dur is not None else r.uniform(0.0, 3.0)) if state == "S0" else "%.6f" % r.uniform(0.0002, 0.002)
        history = "S" if state == "S0" else "Sr"
        opk, rpk = (2 if state == "S0" else 1), (0 if state == "S0" else 1)
    else:
        out_b = r.randint(300, 4000) if out_b is None else out_b
        in_b = r.randint(200, 9000) if in_b is None else in_b
        dur_s = "%.6f" % (r.uniform(0.01, 2.0) if dur is None else dur)
        history = {"tcp": "ShADadFf", "udp": "Dd", "icmp": "-"}[proto]
        if proto == "tcp" and state == "SF" and r.random() < 0.15:
            history = "ShADadfF"
        opk, rpk = 2 + out_b // 1300, 2 + in_b // 1300
    if proto == "icmp":
        sport, port = 8, 0
    hdr = 40 if proto == "tcp" else 28
    sim.conn.append((t, sim.next_seq(), [
        uid(sim), src, str(sport or sim.port()), dst, str(port), proto, service, dur_s, str(out_b), str(in_b), state,
        "T", "T", "0", history, str(opk), str(out_b + hdr * opk), str(rpk), str(in_b + hdr * rpk), "-"]))


FW_MAC_IN = "00:1b:21:3a:4f:10"
FW_MAC_WAN = "00:1b:21:3a:4f:11"
ISP_MAC = "00:0c:42:7d:19:e2"
FW_BOOT = START - timedelta(days=37, hours=5, minutes=12)


def firewall(sim, t, prefix, src, dst, dport, proto="TCP", *, inbound=False, iface_in=None, iface_out=None,
             sport=None):
    """One netfilter line from the edge firewall, as rsyslog writes it (ISO time, host, kernel tag)."""
    if not sim.inside(t):
        return
    r = sim.r
    up = (t - FW_BOOT).total_seconds()
    if inbound:
        ifaces = "IN=%s OUT=%s" % (iface_in or "eth0", iface_out or "")
        mac = " MAC=%s:%s:08:00" % (FW_MAC_WAN, ISP_MAC)
        ttl = r.choice([44, 48, 51, 52, 54, 113, 116, 237, 241])
    else:
        ifaces = "IN=%s OUT=%s" % (iface_in or "eth1", iface_out or "eth0")
        # A tunnel interface has no link layer, so no MAC= key.
        mac = "" if (iface_in or "").startswith("vti") else " MAC=%s:%s:08:00" % (FW_MAC_IN, HOSTS[BY_IP[src]].mac)
        ttl = 63
    sport = sport or r.randint(32768, 60999)
    if proto == "TCP":
        tail = "PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 SYN URGP=0" % (sport, dport, r.choice([64240, 29200, 65535, 1024]))
        length = 60 if r.random() < 0.8 else 52
        flags = " DF"
    elif proto == "UDP":
        ulen = r.randint(40, 120)
        tail = "PROTO=UDP SPT=%d DPT=%d LEN=%d" % (sport, dport, ulen)
        length = ulen + 20
        flags = "" if inbound else " DF"
    else:
        tail = "PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=%d" % (r.randint(1, 65535), r.randint(1, 40))
        length = 84
        flags = ""
    line = "%s fw-edge kernel: [%7d.%06d] %s %s%s SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d%s %s" % (
        t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), int(up), int(up * 1e6) % 1000000, prefix, ifaces, mac, src, dst,
        length, ttl, r.randint(0, 65535), flags, tail)
    sim.fw.append((t, sim.next_seq(), line))


PROXY_IP = HOSTS["PROXY-01"].ip


def proxy_dns(sim, t, domain):
    """The proxy resolves a name through a DC (cached for an hour); the DC forwards on a miss."""
    key = (domain, t.replace(minute=0, second=0, microsecond=0))
    if key in sim.dns_cache:
        return
    sim.dns_cache[key] = True
    dc = HOSTS["DC-01" if crc(domain) % 3 else "DC-02"]
    q = t - sec(sim.r.uniform(0.002, 0.05))
    flow(sim, q, PROXY_IP, dc.ip, 53, "dns", proto="udp", out_b=sim.r.randint(30, 70), in_b=sim.r.randint(60, 300),
         dur=sim.r.uniform(0.0005, 0.04))
    if sim.r.random() < 0.5:
        firewall(sim, q + sec(0.001), "FW-OUT-ACCEPT:", dc.ip, sim.r.choice(["9.9.9.9", "149.112.112.112"]), 53, "UDP")


def web(sim, t, client, method, url, *, status=200, size=None, ctype="text/html", code=None, upstream_ip=None,
        elapsed=None, zeek=True):
    """One request through the Squid proxy: the access.log line, the client's connection to the
    proxy (Zeek), the proxy's DNS and its upstream connection (firewall) when it went upstream."""
    if not sim.inside(t):
        return
    r = sim.r
    host = url.split(":")[0] if method == "CONNECT" else url.split("/")[2].split(":")[0]
    literal = host.replace(".", "").isdigit()
    if upstream_ip is None:
        upstream_ip = host if literal else r.choice(sim.dns.get(host) or ["93.184.216.34"])
    if code is None:
        code = "TCP_TUNNEL" if method == "CONNECT" else r.choice(["TCP_MISS"] * 6 + ["TCP_REFRESH_UNMODIFIED", "TCP_MEM_HIT"])
        if code == "TCP_REFRESH_UNMODIFIED":
            status = 304
    upstream = code not in ("TCP_MEM_HIT", "TCP_HIT", "TCP_DENIED")
    elapsed = elapsed if elapsed is not None else (r.randint(2000, 180000) if method == "CONNECT" else r.randint(15, 900))
    size = size if size is not None else (r.randint(3000, 400000) if method == "CONNECT" else r.randint(300, 60000))
    hier = ("HIER_DIRECT/" + upstream_ip) if upstream else "HIER_NONE/-"
    line = "%.3f %6d %s %s/%03d %d %s %s - %s %s" % (t.timestamp(), elapsed, client, code, status, size, method, url,
                                                   hier, ctype if method != "CONNECT" else "-")
    sim.squid.append((t, sim.next_seq(), line))
    begin = t - timedelta(milliseconds=elapsed)
    if zeek:
        flow(sim, begin - sec(0.003), client, PROXY_IP, PROXY_PORT, "http", out_b=r.randint(300, 1500) + (size // 40),
             in_b=size + r.randint(200, 600), dur=elapsed / 1000.0)
    if upstream:
        if not literal:
            proxy_dns(sim, begin, host)
        port = int(url.split(":")[1]) if method == "CONNECT" else (443 if url.startswith("https") else 80)
        firewall(sim, begin + sec(r.uniform(0.001, 0.03)), "FW-OUT-ACCEPT:", PROXY_IP, upstream_ip, port)


def b64_query(rng, n):
    raw = bytes(rng.getrandbits(8) for _ in range(n))
    return base64.b64encode(raw).decode().rstrip("=").replace("+", "-").replace("/", "_")


# =============================================================== boots, power, the staff

def boot(sim, host, t, *, autologon=None, service_accounts=()):
    """A start: EventLog, the SYSTEM / LOCAL SERVICE / NETWORK SERVICE logons, font driver and
    window manager sessions, service accounts' type 5 logons, an optional autologon."""
    sim.emit(host, SYS, t, 6009, {"Data": ["10.00.", "19045", "Multiprocessor Free", "0"]})
    sim.emit(host, SYS, t + sec(0.1), 6005, {"Data": []})
    sim.emit(host, SEC, t + sec(1.5), 4608, {})
    lid = logon(sim, host, t + sec(2), "SYSTEM", 5, domain="NT AUTHORITY", lid="0x3e7")
    special_logon(sim, host, t + sec(2.01), "SYSTEM", "0x3e7", domain="NT AUTHORITY")
    logon(sim, host, t + sec(2.4), "UMFD-0", 2, domain="Font Driver Host", process="C:\\Windows\\System32\\wininit.exe")
    logon(sim, host, t + sec(2.6), "UMFD-1", 2, domain="Font Driver Host", process="C:\\Windows\\System32\\winlogon.exe")
    logon(sim, host, t + sec(3.1), "DWM-1", 2, domain="Window Manager", process="C:\\Windows\\System32\\winlogon.exe")
    logon(sim, host, t + sec(4), "LOCAL SERVICE", 5, domain="NT AUTHORITY", lid="0x3e5")
    logon(sim, host, t + sec(4.2), "NETWORK SERVICE", 5, domain="NT AUTHORITY", lid="0x3e4")
    for i, name in enumerate(["Windows Event Log", "DHCP Client", "Workstation", "Server", "Windows Management Instrumentation"]):
        service_state(sim, host, t + sec(5 + i * 0.7), name, "running")
    for i, (user, domain) in enumerate(service_accounts):
        slid = logon(sim, host, t + sec(9 + i * 2), user, 5, domain=domain)
        special_logon(sim, host, t + sec(9.01 + i * 2), user, slid, domain=domain)
    if autologon:
        user, domain = autologon
        alid = logon(sim, host, t + sec(25), user, 2, domain=domain)
        explorer_proc(sim, host, t + sec(27), user, alid, domain)
    return lid


def next_session(sim, host, t):
    """Terminal session ids count up from 2 after each boot (the console's first user is 2 on
    current Windows; 1 went to the boot's window manager)."""
    key = (host, max([on for _, on in sim.down[host] if on <= t], default=START))
    n = sim.sessions[key]
    sim.sessions[key] = n + 1
    return n


def shutdown(sim, host, t):
    sim.emit(host, SYS, t, 6006, {"Data": []})


def plan_power(sim):
    """Office and reception PCs are switched off at night and at weekends; clinical consoles and
    kiosks reboot every morning/night; lab analyzers weekly; everything reboots after Patch Tuesday."""
    rng = sim.stream("power")
    for host in OFFICE + RECEP:
        previous_off = START
        for d in range(sim.days):
            weekday = (START + timedelta(days=d)).weekday()
            if weekday == 6 or (weekday == 5 and host not in RECEP):
                continue
            if host in RECEP:
                on, off = sim.day(d, 7, rng.randint(5, 40), rng.uniform(0, 59)), sim.day(d, 20, rng.randint(35, 59))
            else:
                on, off = sim.day(d, 7, rng.randint(20, 55), rng.uniform(0, 59)), sim.day(d, 18, rng.randint(0, 30))
            sim.down[host].append((previous_off, on))
            boot(sim, host, on)
            shutdown(sim, host, off)
            previous_off = off
        sim.down[host].append((previous_off, sim.end))
    for d in range(sim.days):
        weekday = (START + timedelta(days=d)).weekday()
        for host in KIOSKS:
            t = sim.day(d, 4, 0, rng.uniform(0, 50))
            shutdown(sim, host, t)
            boot(sim, host, t + sec(95), autologon=("kiosk", host))
            sim.down[host].append((t, t + sec(95)))
        for host in AUTOLOGON_CONSOLES:
            t = sim.day(d, 6, 30, rng.uniform(0, 120))
            shutdown(sim, host, t)
            boot(sim, host, t + sec(110), autologon=("meduser", host))
            sim.down[host].append((t, t + sec(110)))
        if weekday == 6:
            for host in ANALYZERS:
                t = sim.day(d, 5, 0, rng.uniform(0, 300))
                shutdown(sim, host, t)
                boot(sim, host, t + sec(140), service_accounts=[("labsvc", host)])
                sim.down[host].append((t, t + sec(140)))
    # Patch Tuesday is 05-12; servers and 24/7 PCs reboot in the night to Wednesday 05-13.
    if sim.days > 9:
        order = [h for h in SERVERS if h not in ("DC-01",)] + ["DC-01"]
        t = sim.day(9, 2, 10)
        accounts = {"SQL-EHR-01": [("svc_sql", DOMAIN)], "PACS-01": [("svc_pacs", DOMAIN)],
                    "MON-01": [("svc_monitor", DOMAIN)], "SCCM-01": [("svc_deploy", DOMAIN)],
                    "BKP-01": [("svc_backup", DOMAIN)]}
        for host in order:
            shutdown(sim, host, t)
            boot(sim, host, t + sec(160), service_accounts=accounts.get(host, ()))
            sim.down[host].append((t, t + sec(160)))
            t += sec(rng.randint(240, 420))
        for host in WARD1 + WARD2 + ICU + ED + LAB + PHARM + RAD + ["IT-ADM-01", "IT-ADM-02"]:
            t = sim.day(9, 3, rng.randint(0, 50), rng.uniform(0, 59))
            shutdown(sim, host, t)
            boot(sim, host, t + sec(130))
            sim.down[host].append((t, t + sec(130)))


def shifts(sim, rng, pattern, d):
    """The (start, end) of a person's shifts on day d."""
    weekday = (START + timedelta(days=d)).weekday()
    m = lambda lo, hi: rng.uniform(lo, hi) * 60  # noqa: E731
    if pattern in ("office", "it", "radiologist"):
        if weekday >= 5 or rng.random() < 0.08:
            return []
        return [(sim.day(d, 8, 0, m(0, 50)), sim.day(d, 16, 30, m(0, 70)))]
    if pattern == "reception":
        if weekday == 6 or (weekday == 5 and rng.random() < 0.5) or rng.random() < 0.1:
            return []
        if rng.random() < 0.5:
            return [(sim.day(d, 7, 45, m(0, 15)), sim.day(d, 15, 30, m(0, 20)))]
        return [(sim.day(d, 12, 0, m(0, 15)), sim.day(d, 20, 0, m(0, 20)))]
    if pattern in ("pharmacy", "lab"):
        if weekday == 6 or rng.random() < 0.2:
            return []
        return [(sim.day(d, 8, 0, m(0, 30)), sim.day(d, 16, 15, m(0, 45)))]
    if pattern in ("nurse", "radiographer"):
        if rng.random() > 0.55:
            return []
        if rng.random() < 0.7:
            return [(sim.day(d, 7, 15, m(0, 20)), sim.day(d, 19, 20, m(0, 25)))]
        return [(sim.day(d, 19, 15, m(0, 20)), sim.day(d + 1, 7, 20, m(0, 25)))]
    if pattern == "doctor":
        if weekday >= 5 and rng.random() < 0.7 or rng.random() < 0.1:
            return []
        return [(sim.day(d, 8, 0, m(0, 40)), sim.day(d, 18, 0, m(0, 90)))]
    if pattern == "leaver":  # works Monday and Tuesday morning, then is on leave
        if d == 0:
            return [(sim.day(0, 7, 50), sim.day(0, 15, 40))]
        if d == 1:
            return [(sim.day(1, 7, 48), sim.day(1, 10, 20))]
        return []
    return []


# Patient zero's user is at her desk when the fake update arrives.
FORCED_SHIFTS = {("m.obrien", 1): (START + timedelta(days=1, hours=7, minutes=52), START + timedelta(days=1, hours=15, minutes=35))}


def staff(sim):
    """Every person's working days: interactive sessions on the hosts they use."""
    for user, pattern, hosts in PEOPLE:
        prng = random.Random("%d:staff:%s" % (sim.seed, user))
        for d in range(sim.days):
            planned = [FORCED_SHIFTS[(user, d)]] if (user, d) in FORCED_SHIFTS else shifts(sim, prng, pattern, d)
            for start, end in planned:
                if pattern in ("office", "it", "reception", "pharmacy", "radiologist", "leaver"):
                    host = hosts[0] if len(hosts) == 1 or prng.random() < 0.75 else prng.choice(hosts[1:])
                    if pattern == "pharmacy" or pattern == "radiologist":
                        host = prng.choice(hosts)
                    session(sim, prng, user, host, start, end, unlocks=prng.randint(2, 6))
                    if pattern == "radiologist" and prng.random() < 0.5:
                        other = prng.choice(hosts)
                        t = start + (end - start) * prng.uniform(0.3, 0.7)
                        session(sim, prng, user, other, t, t + timedelta(minutes=prng.randint(20, 70)), unlocks=1)
                    continue
                # Shift work on shared PCs: several shorter sessions.
                pool = hosts
                if pattern == "lab":
                    pool = LAB * 2 + ANALYZERS
                n = {"nurse": prng.randint(3, 6), "doctor": prng.randint(4, 7), "lab": prng.randint(3, 5),
                     "radiographer": prng.randint(3, 6)}[pattern]
                slots = sorted(prng.uniform(0, 1) for _ in range(n))
                span = (end - start).total_seconds()
                for i, s in enumerate(slots):
                    t0 = start + sec(span * s)
                    limit = start + sec(span * slots[i + 1]) if i + 1 < n else end
                    length = min(timedelta(minutes=prng.randint(8, 95)), limit - t0 - sec(30))
                    if length < timedelta(minutes=3):
                        continue
                    host = prng.choice(pool)
                    cached = host in ED + ICU and prng.random() < 0.15
                    session(sim, prng, user, host, t0, t0 + length, unlocks=prng.randint(0, 2), cached=cached)


def session(sim, rng, user, host, t0, t1, *, unlocks=0, cached=False):
    """One interactive session: logon (2, or 11 cached on a wireless cart), the session's font
    driver and window manager logons, Kerberos/GPO at a DC, the logon script's drive maps (type 3
    at the file servers), locks and unlocks (type 7), the EHR, browsing, printing, logoff."""
    if t0 >= sim.end or not sim.is_up(host, t0):
        return
    h = HOSTS[host]
    dc = HOSTS["DC-01" if rng.random() < 0.6 else "DC-02"]
    clinical = h.kind == "clinical"
    ltype = 11 if cached else 2
    lid = logon(sim, host, t0, user, ltype)
    n = next_session(sim, host, t0)
    logon(sim, host, t0 + sec(0.2), "UMFD-%d" % n, 2, domain="Font Driver Host", process="C:\\Windows\\System32\\winlogon.exe")
    logon(sim, host, t0 + sec(0.4), "DWM-%d" % n, 2, domain="Window Manager", process="C:\\Windows\\System32\\winlogon.exe")
    ctx = (user, DOMAIN, lid)
    if not cached:
        flow(sim, t0 - sec(0.3), h.ip, dc.ip, 88, "krb_tcp", out_b=rng.randint(1400, 1800), in_b=rng.randint(1500, 1700))
        flow(sim, t0 + sec(1.1), h.ip, dc.ip, 389, "ldap", proto="udp" if rng.random() < 0.3 else "tcp")
        sim.emit(dc.name, SEC, t0 - sec(0.25), 4768, {
            "TargetUserName": user, "TargetDomainName": DNS_DOMAIN.upper(), "TargetSid": account_sid(user, DOMAIN),
            "ServiceName": "krbtgt", "ServiceSid": DOMAIN_SID + "-502", "TicketOptions": "0x40810010", "Status": "0x0",
            "TicketEncryptionType": "0x12", "PreAuthType": "2", "IpAddress": "::ffff:" + h.ip,
            "IpPort": str(sim.port()), "CertIssuerName": "", "CertSerialNumber": "", "CertThumbprint": ""})
        dlid = logon(sim, dc.name, t0 + sec(1.5), user, 3, ip=h.ip)
        share_access(sim, dc.name, t0 + sec(1.6), user, dlid, h.ip, "SYSVOL", "C:\\Windows\\SYSVOL\\sysvol", write=False)
        logoff(sim, dc.name, t0 + sec(rng.uniform(3, 9)), user, 3, dlid)
    explorer = explorer_proc(sim, host, t0 + sec(4), user, lid)
    if not clinical and not cached:
        # The logon script maps the home and shared drives.
        script = process(sim, host, t0 + sec(5), "C:\\Windows\\System32\\cmd.exe",
                         "C:\\Windows\\system32\\cmd.exe /c \"\\\\%s\\NETLOGON\\logon.bat\"" % DNS_DOMAIN,
                         Proc("C:\\Windows\\System32\\userinit.exe", sim.new_pid(host), "C:\\Windows\\system32\\userinit.exe",
                              sim.guid(), ctx, lid), ctx)
        for i, (letter, fs, share, path) in enumerate([("H:", "FS-01", "home$", "D:\\Home"),
                                                       ("S:", "FS-02", "shared", "D:\\Shared")]):
            tt = t0 + sec(5.5 + i)
            unc = "\\\\%s\\%s" % (fs, share) + ("\\" + user if share == "home$" else "")
            process(sim, host, tt, "C:\\Windows\\System32\\net.exe", "net  use %s %s /persistent:no" % (letter, unc), script, ctx)
            flow(sim, tt, h.ip, HOSTS[fs].ip, 445, "smb,krb,gssapi", out_b=rng.randint(3000, 30000), in_b=rng.randint(5000, 200000),
                 dur=(t1 - tt).total_seconds() * rng.uniform(0.3, 1.0))
            flid = logon(sim, fs, tt + sec(0.05), user, 3, ip=h.ip)
            files = []
            if share == "shared" and rng.random() < 0.35:
                files = [rng.choice(["Wards\\%s\\handover.docx", "Rota\\%s\\rota-may.xlsx", "Forms\\%s\\incident.docx",
                                     "Audit\\%s\\checklist.xlsx"]) % HOSTS[host].dept.upper()]
            share_access(sim, fs, tt + sec(0.1), user, flid, h.ip, share, path, files)
            if rng.random() < 0.6:
                logoff(sim, fs, tt + sec(rng.uniform(600, 3600)), user, 3, flid)
    # The EHR client (or the device's own application).
    app = "C:\\Program Files\\EHR\\Client\\EHRClient.exe" if not clinical else "C:\\Program Files\\MedApp\\Viewer\\viewer.exe"
    process(sim, host, t0 + sec(rng.uniform(15, 60)), app, '"%s"' % app, explorer, ctx)
    span = (t1 - t0).total_seconds()
    for _ in range(max(1, int(span // 2400))):
        flow(sim, t0 + sec(rng.uniform(20, span)), h.ip, HOSTS["SQL-EHR-01"].ip, 1433, "-",
             out_b=rng.randint(2000, 40000), in_b=rng.randint(10000, 900000), dur=rng.uniform(5, 600))
    # Locks and unlocks.
    for _ in range(unlocks):
        lock = t0 + sec(rng.uniform(0.1, 0.85) * span)
        back = lock + sec(rng.uniform(120, 2400))
        if back >= t1:
            continue
        sim.emit(host, SEC, lock, 4800, {"TargetUserSid": account_sid(user, DOMAIN), "TargetUserName": user,
                                         "TargetDomainName": DOMAIN, "TargetLogonId": lid, "SessionId": 1})
        ulid = logon(sim, host, back, user, 7)
        sim.emit(host, SEC, back + sec(0.02), 4801, {"TargetUserSid": account_sid(user, DOMAIN), "TargetUserName": user,
                                                     "TargetDomainName": DOMAIN, "TargetLogonId": lid, "SessionId": 1})
        logoff(sim, host, back + sec(rng.uniform(1, 4)), user, 7, ulid)
    # Browsing and Office 365 through the proxy (not from clinical devices).
    if not clinical:
        browse(sim, rng, host, t0, t1, explorer, ctx)
    if not clinical and rng.random() < 0.4:
        printing(sim, rng, host, t0 + sec(rng.uniform(60, span)), user)
    logoff(sim, host, t1, user, ltype, lid, user_initiated=True)


def browse(sim, rng, host, t0, t1, explorer, ctx):
    h = HOSTS[host]
    span = (t1 - t0).total_seconds()
    count = int(span / 3600 * rng.uniform(2, 7))
    browser = None
    if h.sysmon:
        browser = process(sim, host, t0 + sec(rng.uniform(30, 90)), "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                          '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"', explorer, ctx)
    for _ in range(count):
        t = t0 + sec(rng.uniform(60, span))
        site = rng.choice(BROWSING)
        if rng.random() < 0.85:
            web(sim, t, h.ip, "CONNECT", site + ":443")
        else:
            page = rng.choice(["news", "search", "guidance", "conditions/asthma", "topics", "index.html", "drug/amoxicillin"])
            web(sim, t, h.ip, "GET", "http://%s/%s" % (site, page), ctype=rng.choice(["text/html", "text/html; charset=utf-8"]))
        if browser and rng.random() < 0.2:
            sysmon_connection(sim, host, t - sec(0.2), browser, PROXY_IP, PROXY_PORT)


def printing(sim, rng, host, t, user):
    h = HOSTS[host]
    prn = {"ward1": "PRN-WARD1", "ward2": "PRN-WARD2", "icu": "PRN-ICU"}.get(h.dept, "PRN-OFFICE")
    flow(sim, t, h.ip, HOSTS["PRINT-01"].ip, 445, "smb,krb,gssapi,dce_rpc", out_b=rng.randint(20000, 900000))
    plid = logon(sim, "PRINT-01", t + sec(0.05), user, 3, ip=h.ip)
    logoff(sim, "PRINT-01", t + sec(rng.uniform(2, 20)), user, 3, plid)
    flow(sim, t + sec(rng.uniform(2, 8)), HOSTS["PRINT-01"].ip, HOSTS[prn].ip, 9100, "-", out_b=rng.randint(20000, 900000), in_b=0)


# =============================================================== IT activity

def admins(sim):
    """IT admins: RDP (type 10 + 4672) to servers in working hours, with a few commands; some
    forced visits to infected servers after their infection (their credentials are then exposed)."""
    rng = sim.stream("admins")
    home = {"adm_jbrown": "IT-ADM-01", "adm_kwhite": "IT-ADM-02", "adm_pnair": "IT-ADM-01"}
    planned = [("adm_kwhite", "FS-02", 3, 10, 15), ("adm_jbrown", "PACS-01", 7, 9, 40),
               ("adm_pnair", "DC-01", 0, 9, 30), ("adm_jbrown", "SQL-EHR-01", 6, 10, 0)]
    visits = []
    for d in range(sim.days):
        if (START + timedelta(days=d)).weekday() >= 5:
            continue
        for adm in ADMINS:
            for _ in range(rng.randint(1, 3)):
                visits.append((adm, rng.choice(SERVERS), sim.day(d, rng.randint(8, 16), rng.randint(0, 59), rng.uniform(0, 59))))
    visits += [(a, s, sim.day(d, h, m, rng.uniform(0, 59))) for a, s, d, h, m in planned]
    for adm, server, t in sorted(visits, key=lambda v: (v[2], v[0])):
        if t >= sim.end:
            continue
        rdp(sim, rng, adm, home[adm], server, t, t + sec(rng.uniform(600, 3600)))
    # The admin accounts are also used interactively at the IT PCs now and then.
    for d in range(0, sim.days, 3):
        t = sim.day(d, 13, rng.randint(0, 59))
        if (START + timedelta(days=d)).weekday() < 5:
            lid = logon(sim, "IT-ADM-02", t, "adm_kwhite", 2, elevated=True)
            special_logon(sim, "IT-ADM-02", t + sec(0.01), "adm_kwhite", lid)
            ex = explorer_proc(sim, "IT-ADM-02", t + sec(4), "adm_kwhite", lid)
            process(sim, "IT-ADM-02", t + sec(40), "C:\\Windows\\System32\\mmc.exe",
                    '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\dsa.msc"', ex, ("adm_kwhite", DOMAIN, lid))
            logoff(sim, "IT-ADM-02", t + sec(rng.uniform(600, 1800)), "adm_kwhite", 2, lid, user_initiated=True)


ADMIN_COMMANDS = {
    "DC-01": ["dcdiag /q", "repadmin /replsummary", 'net group "Domain Admins" /domain', "nltest /dsgetdc:stmary.local"],
    "DC-02": ["repadmin /showrepl", "dcdiag /test:dns"],
    "FS-01": ["fsutil volume diskfree D:", "net share", "icacls D:\\Shared\\Wards"],
    "FS-02": ["net share", "fsutil volume diskfree D:", "net session"],
    "SQL-EHR-01": ['sqlcmd -S localhost -Q "SELECT name, state_desc FROM sys.databases"', "sc query MSSQLSERVER"],
    "PACS-01": ["sc query PACSDicomService", "ping XRAY-01", "netstat -ano"],
    "WSUS-01": ["wuauclt /detectnow", "sc query WsusService"],
}


def rdp(sim, rng, adm, src, server, t0, t1):
    h, s = HOSTS[server], HOSTS[src]
    flow(sim, t0 - sec(0.5), s.ip, h.ip, 3389, "ssl", out_b=rng.randint(200000, 3000000), in_b=rng.randint(1000000, 30000000),
         dur=(t1 - t0).total_seconds())
    nla = logon(sim, server, t0 - sec(0.3), adm, 3, ip=s.ip)
    special_logon(sim, server, t0 - sec(0.29), adm, nla)
    logoff(sim, server, t0 + sec(1), adm, 3, nla)
    lid = logon(sim, server, t0, adm, 10, ip=s.ip, ws=src, elevated=True)
    special_logon(sim, server, t0 + sec(0.01), adm, lid)
    n = next_session(sim, server, t0)
    logon(sim, server, t0 + sec(0.3), "UMFD-%d" % n, 2, domain="Font Driver Host", process="C:\\Windows\\System32\\winlogon.exe")
    logon(sim, server, t0 + sec(0.5), "DWM-%d" % n, 2, domain="Window Manager", process="C:\\Windows\\System32\\winlogon.exe")
    ctx = (adm, DOMAIN, lid)
    ex = explorer_proc(sim, server, t0 + sec(6), adm, lid)
    process(sim, server, t0 + sec(12), "C:\\Windows\\System32\\ServerManager.exe", '"C:\\Windows\\system32\\ServerManager.exe"', ex, ctx)
    cmds = ADMIN_COMMANDS.get(server)
    if cmds and rng.random() < 0.6:
        sh = process(sim, server, t0 + sec(rng.uniform(60, 200)), "C:\\Windows\\System32\\cmd.exe",
                     '"C:\\Windows\\system32\\cmd.exe" ', ex, ctx)
        t = t0 + sec(220)
        for c in rng.sample(cmds, min(len(cmds), rng.randint(1, 3))):
            t += sec(rng.uniform(40, 240))
            process(sim, server, t, "C:\\Windows\\System32\\%s.exe" % c.split()[0], c, sh, ctx)
    logoff(sim, server, t1, adm, 10, lid, user_initiated=True)
    return lid


def helpdesk_visit(sim):
    """adm_pnair troubleshoots a ward PC at the desk (on an infected host, after its infection):
    a handful of network commands typed by hand, a minute or two apart; nurse n.kelly maps the scan
    folder on an ICU PC with the scanner account's password (4648), once on a clean PC too."""
    rng = sim.stream("helpdesk")
    host, t = "WS-WARD2-04", sim.day(3, 14, 2, 11)
    lid = logon(sim, host, t, "adm_pnair", 2, elevated=True)
    special_logon(sim, host, t + sec(0.01), "adm_pnair", lid)
    ctx = ("adm_pnair", DOMAIN, lid)
    ex = explorer_proc(sim, host, t + sec(5), "adm_pnair", lid)
    sh = process(sim, host, t + sec(30), "C:\\Windows\\System32\\cmd.exe", '"C:\\Windows\\system32\\cmd.exe" ', ex, ctx)
    t += sec(45)
    for c in ["ipconfig /all", "ipconfig /flushdns", "nslookup fs-02.stmary.local", "ping -n 4 10.30.0.21",
              "gpupdate /force", "klist purge"]:
        t += sec(rng.uniform(35, 150))
        process(sim, host, t, "C:\\Windows\\System32\\%s.exe" % c.split()[0], c, sh, ctx)
    logoff(sim, host, t + sec(300), "adm_pnair", 2, lid, user_initiated=True)
    for host, d, hh in [("WS-ICU-01", 1, 10), ("WS-ICU-02", 4, 16)]:
        t = sim.day(d, hh, 12, 40)
        lid = logon(sim, host, t, "n.kelly", 2)
        explicit_credentials(sim, host, t + sec(95), "n.kelly", lid, "icu.scanner", "FS-01", HOSTS["FS-01"].ip,
                             "C:\\Windows\\System32\\net.exe")
        flid = logon(sim, "FS-01", t + sec(95.2), "icu.scanner", 3, ip=HOSTS[host].ip)
        share_access(sim, "FS-01", t + sec(95.3), "icu.scanner", flid, HOSTS[host].ip, "scans", "D:\\Scans", write=False)
        logoff(sim, host, t + sec(1500), "n.kelly", 2, lid, user_initiated=True)


def sccm_push(sim):
    """SCCM client push: ADMIN$\\ccmsetup\\ccmsetup.exe as svc_deploy, service `ccmsetup`, which
    installs CcmExec; the agents then poll the management point hourly and run CcmEval daily."""
    rng = sim.stream("sccm")
    src = HOSTS["SCCM-01"]
    targets = [w for w in WORKSTATIONS if w not in ("IT-ADM-01", "IT-ADM-02", "WS-PHARM-02")]
    t = sim.day(2, 9, 32, 14)
    installed = {"IT-ADM-01": START, "IT-ADM-02": START}
    for host in targets:
        t += sec(rng.uniform(90, 200))
        if not sim.is_up(host, t):
            continue
        h = HOSTS[host]
        explicit_credentials(sim, "SCCM-01", t - sec(0.4), "SCCM-01$", "0x3e7", "svc_deploy", host, h.ip,
                             "C:\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\smsexec.exe")
        flow(sim, t - sec(0.2), src.ip, h.ip, 445, "smb,krb,gssapi,dce_rpc", out_b=rng.randint(5_500_000, 6_200_000),
             dur=rng.uniform(20, 60))
        lid = logon(sim, host, t, "svc_deploy", 3, ip=src.ip)
        special_logon(sim, host, t + sec(0.01), "svc_deploy", lid)
        share_access(sim, host, t + sec(1), "svc_deploy", lid, src.ip, "ADMIN$", "C:\\Windows",
                     ["ccmsetup\\ccmsetup.exe", "ccmsetup\\MobileClient.tcf"])
        sysmon_file(sim, host, t + sec(1.2), SYSTEM_PROC, "C:\\Windows\\ccmsetup\\ccmsetup.exe")
        ti = t + sec(rng.uniform(8, 15))
        image = '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice "/config:MobileClient.tcf"'
        service_install(sim, host, ti, "ccmsetup", image, installer="svc_deploy", installer_lid=lid)
        service_state(sim, host, ti + sec(1), "ccmsetup", "running")
        setup = process(sim, host, ti + sec(1.2), "C:\\Windows\\ccmsetup\\ccmsetup.exe", image, services_proc(host))
        logoff(sim, host, ti + sec(rng.uniform(3, 10)), "svc_deploy", 3, lid)
        process(sim, host, ti + sec(rng.uniform(60, 150)), "C:\\Windows\\System32\\msiexec.exe",
                      'msiexec.exe /i "C:\\Windows\\ccmsetup\\client.msi" CCMSETUPCMD="/mp:SCCM-01.stmary.local" /qn',
                      setup)
        tc = ti + sec(rng.uniform(300, 600))
        service_install(sim, host, tc, "SMS Agent Host", "C:\\Windows\\CCM\\CcmExec.exe")
        service_state(sim, host, tc + sec(2), "SMS Agent Host", "running")
        process(sim, host, tc + sec(2.1), "C:\\Windows\\CCM\\CcmExec.exe", "C:\\Windows\\CCM\\CcmExec.exe", services_proc(host))
        installed[host] = tc
    for host, since in installed.items():
        h = HOSTS[host]
        offset = rng.uniform(0, 3600)
        t = START + sec(offset)
        while t < sim.end:
            if t > since and sim.is_up(host, t):
                flow(sim, t, h.ip, src.ip, 80, "http", out_b=rng.randint(900, 3000), in_b=rng.randint(1500, 40000))
            t += sec(3600 + rng.uniform(-30, 30))
        for d in range(sim.days):
            t = sim.day(d, 1 + crc(host) % 22, crc(host) % 60, rng.uniform(0, 59))
            if t > since and sim.is_up(host, t):
                ccm = Proc("C:\\Windows\\CCM\\CcmExec.exe", 3000 + crc(host) % 2000, "C:\\Windows\\CCM\\CcmExec.exe",
                           "{%08X-0002-0000-0000-000000000000}" % crc(host), SYSTEM_CTX, "0x3e7")
                process(sim, host, t, "C:\\Windows\\CCM\\CcmEval.exe", "C:\\Windows\\CCM\\CcmEval.exe", ccm)
    sim.truth["deployment_targets"] = sorted(h for h in installed if h not in ("IT-ADM-01", "IT-ADM-02"))


def pdq_chrome(sim):
    """PDQ Deploy of the Chrome enterprise MSI, Friday afternoon, from SCCM-01 (as svc_deploy)."""
    rng = sim.stream("pdq")
    src = HOSTS["SCCM-01"]
    targets = ["IT-ADM-01", "IT-ADM-02", "WS-OFFICE-01", "WS-OFFICE-02", "WS-OFFICE-03", "WS-OFFICE-04",
               "WS-RAD-01", "WS-RAD-02", "WS-RAD-03", "WS-PHARM-01"]
    t = sim.day(4, 16, 5, 3)
    runner = "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe"
    done = []
    for host in targets:
        t += sec(rng.uniform(40, 120))
        if not sim.is_up(host, t):
            continue
        h = HOSTS[host]
        flow(sim, t - sec(0.2), src.ip, h.ip, 445, "smb,krb,gssapi,dce_rpc", out_b=rng.randint(110_000_000, 118_000_000),
             dur=rng.uniform(8, 30))
        lid = logon(sim, host, t, "svc_deploy", 3, ip=src.ip)
        special_logon(sim, host, t + sec(0.01), "svc_deploy", lid)
        share_access(sim, host, t + sec(0.8), "svc_deploy", lid, src.ip, "ADMIN$", "C:\\Windows",
                     ["AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe",
                      "AdminArsenal\\PDQDeployRunner\\service-1\\exec\\GoogleChromeStandaloneEnterprise64.msi"])
        ts = t + sec(rng.uniform(6, 14))
        service_install(sim, host, ts, "PDQDeployRunner-1", runner, start="demand start")
        pr = process(sim, host, ts + sec(0.5), runner, runner, services_proc(host))
        process(sim, host, ts + sec(2), "C:\\Windows\\System32\\msiexec.exe",
                'msiexec.exe /i "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec\\GoogleChromeStandaloneEnterprise64.msi" /qn /norestart',
                pr)
        tg = ts + sec(rng.uniform(50, 110))
        service_install(sim, host, tg, "Google Chrome Elevation Service (GoogleChromeElevationService)",
                        '"C:\\Program Files\\Google\\Chrome\\Application\\136.0.7103.93\\elevation_service.exe"',
                        start="demand start")
        logoff(sim, host, tg + sec(rng.uniform(5, 20)), "svc_deploy", 3, lid)
        done.append(host)
    sim.truth["chrome_targets"] = done


def psexec_once(sim):
    """adm_jbrown runs gpupdate on one pharmacy PC with PsExec (PSEXESVC), Monday 05-11."""
    src, host = HOSTS["IT-ADM-01"], "WS-PHARM-02"
    t = sim.day(7, 14, 12, 5)
    flow(sim, t - sec(0.2), src.ip, HOSTS[host].ip, 445, "smb,krb,gssapi,dce_rpc", out_b=410000)
    lid = logon(sim, host, t, "adm_jbrown", 3, ip=src.ip)
    special_logon(sim, host, t + sec(0.01), "adm_jbrown", lid)
    share_access(sim, host, t + sec(0.5), "adm_jbrown", lid, src.ip, "ADMIN$", "C:\\Windows", ["PSEXESVC.exe"])
    service_install(sim, host, t + sec(1.5), "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", start="demand start")
    ps = process(sim, host, t + sec(2), "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe", services_proc(host))
    process(sim, host, t + sec(3), "C:\\Windows\\System32\\gpupdate.exe", "gpupdate /force", ps, ("adm_jbrown", DOMAIN, lid))
    logoff(sim, host, t + sec(40), "adm_jbrown", 3, lid)


def monitoring(sim):
    """MON-01 polls every Windows host every 10 minutes as svc_monitor (network logons only):
    WinRM to servers, DCOM (135 hourly, then the host's dynamic port) to the rest; it pings
    devices without an agent and reads printers, the firewall and the proxy over SNMP."""
    rng = sim.stream("monitor")
    mon = HOSTS["MON-01"]
    interval = 600.0
    for h in WINDOWS:
        if h.name == "MON-01":
            continue
        t = START + sec(rng.uniform(0, interval))
        k = 0
        while t < sim.end:
            up = sim.is_up(h.name, t)
            if h.kind == "server":
                flow(sim, t, mon.ip, h.ip, 5985, "http", state="SF" if up else "S0", out_b=rng.randint(2800, 3400),
                     in_b=rng.randint(4000, 9000), dur=rng.uniform(0.2, 0.9))
                if h.name in ("FS-01", "FS-02", "PRINT-01") and k % 3 == 0:  # share / spooler sensors
                    flow(sim, t + sec(0.4), mon.ip, h.ip, 445, "smb,ntlm,gssapi", out_b=rng.randint(1800, 2600),
                         in_b=rng.randint(1500, 4000), dur=rng.uniform(0.05, 0.4))
            else:
                if k % 6 == 0:
                    flow(sim, t - sec(0.05), mon.ip, h.ip, 135, "dce_rpc", state="SF" if up else "S0",
                         out_b=rng.randint(160, 220), in_b=rng.randint(140, 200), dur=rng.uniform(0.002, 0.02))
                if up:
                    flow(sim, t, mon.ip, h.ip, h.dyn_port, "dce_rpc", out_b=rng.randint(3000, 6000),
                         in_b=rng.randint(5000, 16000), dur=rng.uniform(0.3, 1.5))
            if up:
                lid = logon(sim, h.name, t + sec(0.03), "svc_monitor", 3, ip=mon.ip, ws="MON-01", ntlm=True)
                logoff(sim, h.name, t + sec(rng.uniform(0.6, 2.0)), "svc_monitor", 3, lid)
            t += sec(interval + rng.uniform(-0.4, 0.4))
            k += 1
    others = [(n, "icmp") for n in ("CT-CONSOLE-01", "US-02")] + \
             [(n, "snmp") for n in ("PRN-WARD1", "PRN-WARD2", "PRN-ICU", "PRN-OFFICE", "FW-EDGE", "PROXY-01")]
    for name, kind in others:
        h = HOSTS[name]
        t = START + sec(rng.uniform(0, interval))
        while t < sim.end:
            if kind == "icmp":
                flow(sim, t, mon.ip, h.ip, 0, "-", proto="icmp", out_b=32, in_b=32, dur=rng.uniform(0.0004, 0.003))
            else:
                flow(sim, t, mon.ip, h.ip, 161, "snmp", proto="udp", out_b=rng.randint(80, 200), in_b=rng.randint(200, 1400),
                     dur=rng.uniform(0.001, 0.05))
            t += sec(interval + rng.uniform(-0.4, 0.4))


def gpo_refresh(sim):
    """Domain members' computer accounts log on to a DC every ~90-120 minutes (Group Policy)."""
    rng = sim.stream("gpo")
    for h in WINDOWS:
        if h.role == "domain-controller":
            continue
        t = START + sec(rng.uniform(0, 5400))
        while t < sim.end:
            if sim.is_up(h.name, t):
                dc = HOSTS["DC-01" if rng.random() < 0.6 else "DC-02"]
                flow(sim, t, h.ip, dc.ip, 445, "smb,krb,gssapi", out_b=rng.randint(3000, 9000), in_b=rng.randint(8000, 40000))
                lid = logon(sim, dc.name, t + sec(0.02), h.name + "$", 3, ip=h.ip)
                logoff(sim, dc.name, t + sec(rng.uniform(0.5, 3)), h.name + "$", 3, lid)
            t += sec(5400 + rng.uniform(0, 1800))


def backups(sim):
    """BKP-01's nightly job from ~01:00: svc_backup service logon on BKP-01, then each server over
    SMB (type 3 + 4672 backup privileges); a guest helper service pushed through ADMIN$ to the
    SQL server and DC-01 for application-aware processing, removed after the job."""
    rng = sim.stream("backup")
    bkp = HOSTS["BKP-01"]
    targets = [s for s in SERVERS if s != "BKP-01"]
    for d in range(sim.days):
        t = sim.day(d, 0, 58, rng.uniform(0, 40))
        lid = logon(sim, "BKP-01", t, "svc_backup", 5)
        special_logon(sim, "BKP-01", t + sec(0.01), "svc_backup", lid, privileges=PRIVILEGES_BACKUP)
        process(sim, "BKP-01", t + sec(1), "C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe",
                      '"C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe" startbackupjob '
                      '/jobid:7d1e0b51-3c2f-4a8e-9b1d-5e0c4a2f61a9', services_proc("BKP-01"), ("svc_backup", DOMAIN, lid))
        t += sec(rng.uniform(60, 120))
        for server in targets:
            h = HOSTS[server]
            big = server in ("FS-01", "FS-02", "PACS-01", "SQL-EHR-01")
            dur = rng.uniform(900, 2400) if big else rng.uniform(200, 600)
            flow(sim, t, bkp.ip, h.ip, 445, "smb,krb,gssapi", out_b=rng.randint(200000, 900000),
                 in_b=int(rng.uniform(8e9, 40e9) if big else rng.uniform(2e8, 2e9)), dur=dur)
            slid = logon(sim, server, t + sec(0.05), "svc_backup", 3, ip=bkp.ip)
            special_logon(sim, server, t + sec(0.06), "svc_backup", slid, privileges=PRIVILEGES_BACKUP)
            if server in ("SQL-EHR-01", "DC-01"):
                share_access(sim, server, t + sec(1), "svc_backup", slid, bkp.ip, "ADMIN$", "C:\\Windows",
                             ["VeeamGuestHelper\\VeeamGuestHelper.exe"])
                service_install(sim, server, t + sec(3), "VeeamGuestHelper", "C:\\Windows\\VeeamGuestHelper\\VeeamGuestHelper.exe",
                                start="demand start", installer="svc_backup", installer_lid=slid)
                process(sim, server, t + sec(4), "C:\\Windows\\VeeamGuestHelper\\VeeamGuestHelper.exe",
                        "C:\\Windows\\VeeamGuestHelper\\VeeamGuestHelper.exe", services_proc(server))
                service_state(sim, server, t + sec(dur * 0.3), "VeeamGuestHelper", "stopped")
            logoff(sim, server, t + sec(dur), "svc_backup", 3, slid)
            t += sec(dur + rng.uniform(10, 60))
        logoff(sim, "BKP-01", t + sec(30), "svc_backup", 5, lid)


def service_accounts(sim):
    """Type 5 and type 4 logons of service accounts on their own servers, and two new services
    installed by admins with a domain account."""
    rng = sim.stream("services")
    for d in range(sim.days):
        for fs in ("FS-01", "FS-02"):  # the scan archive task, nightly
            t = sim.day(d, 2, 30, rng.uniform(0, 90))
            lid = logon(sim, fs, t, "svc_filearchive", 4)
            process(sim, fs, t + sec(0.5), "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                    'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "D:\\Scripts\\Archive-Scans.ps1"',
                    Proc("C:\\Windows\\System32\\svchost.exe", 1100, "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
                         "{%08X-0003-0000-0000-000000000000}" % crc(fs), SYSTEM_CTX, "0x3e7"), ("svc_filearchive", DOMAIN, lid))
            logoff(sim, fs, t + sec(rng.uniform(120, 600)), "svc_filearchive", 4, lid)
        t = sim.day(d, 3, 30, rng.uniform(0, 30))  # the PACS DICOM service restarts nightly
        service_state(sim, "PACS-01", t, "PACS DICOM Service", "stopped")
        lid = logon(sim, "PACS-01", t + sec(4), "svc_pacs", 5)
        special_logon(sim, "PACS-01", t + sec(4.01), "svc_pacs", lid)
        service_state(sim, "PACS-01", t + sec(5), "PACS DICOM Service", "running")
    for adm, src, server, d, hh, mm, name, image, account in [
            ("adm_jbrown", "IT-ADM-01", "SQL-EHR-01", 6, 11, 2, "EHR Interface Engine",
             '"D:\\EHR\\Interface\\InterfaceEngine.exe" -service', "svc_sql"),
            ("adm_kwhite", "IT-ADM-02", "PACS-01", 8, 11, 5, "PACS Router Agent",
             '"C:\\Program Files\\PACS\\Router\\RouterAgent.exe"', "svc_pacsrouter")]:
        t0 = sim.day(d, hh, mm, rng.uniform(0, 59))
        lid = rdp(sim, rng, adm, src, server, t0, t0 + timedelta(minutes=48))
        t = t0 + timedelta(minutes=20, seconds=rng.uniform(0, 300))
        service_install(sim, server, t, name, image, account="STMARY\\" + account, installer=adm, installer_lid=lid)
        slid = logon(sim, server, t + sec(6), account, 5)
        special_logon(sim, server, t + sec(6.01), account, slid)
        service_state(sim, server, t + sec(7), name, "running")
    # SQL, monitoring, deployment and backup service accounts started once at the start of the
    # window on their servers (they restart at the patch reboot too).
    for server, account in [("SQL-EHR-01", "svc_sql"), ("MON-01", "svc_monitor"), ("SCCM-01", "svc_deploy"),
                            ("BKP-01", "svc_backup")]:
        t = sim.day(0, 0, 0, 30 + rng.uniform(0, 600))
        lid = logon(sim, server, t, account, 5)
        special_logon(sim, server, t + sec(0.01), account, lid)


def updates_and_av(sim):
    """WSUS (8530) daily and the AV console (8443) three times a day, per Windows host; Windows
    Update, CRL/OCSP, telemetry and the AV cloud through the proxy; the servers' own upstream
    syncs; Patch Tuesday downloads."""
    rng = sim.stream("updates")
    wsus, av = HOSTS["WSUS-01"], HOSTS["AV-01"]
    for h in WINDOWS:
        if h.name in ("WSUS-01", "AV-01"):
            continue
        base = rng.uniform(0, 86400)
        for d in range(sim.days):
            t = START + timedelta(days=d) + sec((base + rng.uniform(-1800, 1800)) % 86400)
            if sim.is_up(h.name, t):
                big = d == 8 and t.hour >= 18 or d == 9 and t.hour < 6
                flow(sim, t, h.ip, wsus.ip, 8530, "http", out_b=rng.randint(8000, 30000),
                     in_b=rng.randint(300_000_000, 900_000_000) if big else rng.randint(40000, 400000), dur=rng.uniform(2, 60))
                if rng.random() < 0.1:
                    process(sim, h.name, t - sec(1), "C:\\Windows\\System32\\svchost.exe",
                            "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv", services_proc(h.name))
            for k in range(3):
                ta = START + timedelta(days=d) + sec((base + k * 28800 + 3000 + rng.uniform(-300, 300)) % 86400)
                if sim.is_up(h.name, ta):
                    flow(sim, ta, h.ip, av.ip, 8443, "ssl", out_b=rng.randint(2000, 6000), in_b=rng.randint(5000, 2_000_000))
            # Through the proxy: certificate trust lists and OCSP, Windows Update, telemetry, AV cloud.
            tp = START + timedelta(days=d) + sec((base + rng.uniform(600, 7200)) % 86400)
            if sim.is_up(h.name, tp):
                web(sim, tp, h.ip, "GET", "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/"
                    "authrootstl.cab?%016x" % rng.getrandbits(64), ctype="application/vnd.ms-cab-compressed",
                    size=rng.randint(80000, 95000))
                web(sim, tp + sec(rng.uniform(20, 3000)), h.ip, "GET", "http://ocsp.digicert.com/%s" %
                    b64_query(rng, 80).replace("_", "%2F").replace("-", "%2B"), ctype="application/ocsp-response",
                    size=rng.randint(1400, 1900))
                web(sim, tp + sec(rng.uniform(20, 3000)), h.ip, "CONNECT", "settings-win.data.microsoft.com:443")
                web(sim, tp + sec(rng.uniform(20, 5000)), h.ip, "CONNECT", "fe3cr.delivery.mp.microsoft.com:443")
                if h.kind != "clinical":
                    web(sim, tp + sec(rng.uniform(20, 6000)), h.ip, "CONNECT", "v10.events.data.microsoft.com:443")
                    for _ in range(rng.randint(1, 4)):
                        web(sim, tp + sec(rng.uniform(0, 40000)), h.ip, "CONNECT", "nimbus.bitdefender.net:443")
    for d in range(sim.days):
        t = sim.day(d, 3, 0, rng.uniform(0, 300))  # WSUS synchronisation
        web(sim, t, wsus.ip, "CONNECT", "sws.update.microsoft.com:443", size=rng.randint(2_000_000, 9_000_000))
        if d == 8:
            for _ in range(40):
                t += sec(rng.uniform(20, 200))
                web(sim, t, wsus.ip, "GET", "http://download.windowsupdate.com/c/msdownload/update/software/secu/2026/05/"
                    "windows10.0-kb50%05d-x64_%040x.cab" % (rng.randint(0, 99999), rng.getrandbits(160)),
                    ctype="application/vnd.ms-cab-compressed", size=rng.randint(20_000_000, 600_000_000))
        for hour in range(24):  # AV console definitions, hourly
            web(sim, sim.day(d, hour, 7, rng.uniform(0, 40)), av.ip, "CONNECT", "upgrade.bitdefender.com:443",
                size=rng.randint(200_000, 9_000_000))
        web(sim, sim.day(d, 5, 41, rng.uniform(0, 59)), HOSTS["MON-01"].ip, "CONNECT", "www.paessler.com:443")
        # The proxy updates itself directly (apt), not through Squid.
        t = sim.day(d, 6, rng.randint(0, 59), rng.uniform(0, 59))
        for ip in sorted(set(rng.choice(sim.dns["dl.google.com"] + ["151.101.134.132", "151.101.2.132"]) for _ in range(2))):
            firewall(sim, t, "FW-OUT-ACCEPT:", PROXY_IP, ip, 80)
            flow(sim, t - sec(0.01), PROXY_IP, HOSTS["DC-01"].ip, 53, "dns", proto="udp", out_b=44, in_b=120)
            t += sec(rng.uniform(1, 5))


def lab_qc_upload(sim):
    """A hard negative: LABAN-02's vendor middleware posts QC results daily at 06:15 to an
    IP-literal URL through the proxy."""
    rng = sim.stream("qc")
    h = HOSTS["LABAN-02"]
    for d in range(sim.days):
        t = sim.day(d, 6, 15, 3 + rng.uniform(-20, 20))
        if sim.is_up(h.name, t):
            web(sim, t, h.ip, "POST", "http://40.113.29.87/qcupload/api/v2/results?site=STMARY01&inst=%s&lot=%d"
                % (h.name, 4471 + d // 7), ctype="application/json", size=rng.randint(180, 260))


def vendor_support(sim):
    """Siemens-style remote support on the MRI console over the vendor's site-to-site VPN: RDP as
    the local account vendor_siemens from the VPN pool, a few diagnostic commands."""
    rng = sim.stream("vendor")
    mri = HOSTS["MRI-CONSOLE-01"]
    vpn_peer, vpn_ip = "194.138.39.72", "10.30.99.12"
    for d, hh, mm, minutes in [(0, 15, 10, 45), (7, 10, 20, 52)]:
        t0 = sim.day(d, hh, mm, rng.uniform(0, 59))
        t1 = t0 + timedelta(minutes=minutes)
        for k in range(3):
            firewall(sim, t0 - sec(40 - k * 0.3), "FW-IN-ACCEPT:", vpn_peer, WAN_IP, 500 if k == 0 else 4500, "UDP",
                     inbound=True, sport=500 if k == 0 else 4500)
        firewall(sim, t0 - sec(0.6), "FW-VPN-ACCEPT:", vpn_ip, mri.ip, 3389, iface_in="vti0", iface_out="eth2")
        flow(sim, t0 - sec(0.5), vpn_ip, mri.ip, 3389, "ssl", out_b=rng.randint(500000, 2000000),
             in_b=rng.randint(5_000_000, 40_000_000), dur=(t1 - t0).total_seconds())
        nla = logon(sim, mri.name, t0 - sec(0.3), "vendor_siemens", 3, domain=mri.name, ip=vpn_ip, ws="SRS-GW", ntlm=True)
        logoff(sim, mri.name, t0 + sec(1), "vendor_siemens", 3, nla, domain=mri.name)
        lid = logon(sim, mri.name, t0, "vendor_siemens", 10, domain=mri.name, ip=vpn_ip, ws="SRS-GW", elevated=True)
        special_logon(sim, mri.name, t0 + sec(0.01), "vendor_siemens", lid, domain=mri.name)
        ctx = ("vendor_siemens", mri.name, lid)
        ex = explorer_proc(sim, mri.name, t0 + sec(5), "vendor_siemens", lid, mri.name)
        sh = process(sim, mri.name, t0 + sec(rng.uniform(90, 200)), "C:\\Windows\\System32\\cmd.exe",
                     '"C:\\Windows\\system32\\cmd.exe" ', ex, ctx)
        t = t0 + sec(240)
        for c in ["ipconfig /all", "ping -n 2 10.30.0.40", 'sc query "syngo Service Manager"']:
            t += sec(rng.uniform(60, 300))
            process(sim, mri.name, t, "C:\\Windows\\System32\\%s.exe" % c.split()[0], c, sh, ctx)
        process(sim, mri.name, t + sec(200), "C:\\Program Files\\Siemens\\syngo\\bin\\LogCollector.exe",
                '"C:\\Program Files\\Siemens\\syngo\\bin\\LogCollector.exe" /collect /days:7', ex, ctx)
        logoff(sim, mri.name, t1, "vendor_siemens", 10, lid, domain=mri.name, user_initiated=True)


def clinical_traffic(sim):
    """DICOM to PACS-01 from the modalities (and radiology workstations pulling studies), HL7
    results from the lab analyzers, kiosks to the consent web app."""
    rng = sim.stream("clinical")
    pacs = HOSTS["PACS-01"]
    for d in range(sim.days):
        weekend = (START + timedelta(days=d)).weekday() >= 5
        for dev, per_day in DICOM_EXAMS.items():
            for _ in range(int(per_day * (0.4 if weekend else 1.0) * rng.uniform(0.7, 1.2))):
                t = sim.day(d, rng.randint(7, 20), rng.randint(0, 59), rng.uniform(0, 59))
                if sim.is_up(dev, t):
                    flow(sim, t, HOSTS[dev].ip, pacs.ip, 104, "-", out_b=rng.randint(5_000_000, 400_000_000),
                         in_b=rng.randint(2000, 9000), dur=rng.uniform(3, 120))
        for ws in RAD:
            for _ in range(rng.randint(5, 20) if not weekend else rng.randint(0, 3)):
                t = sim.day(d, rng.randint(8, 17), rng.randint(0, 59), rng.uniform(0, 59))
                flow(sim, t, HOSTS[ws].ip, pacs.ip, 104, "-", out_b=rng.randint(2000, 9000),
                     in_b=rng.randint(20_000_000, 600_000_000), dur=rng.uniform(5, 90))
        for an in ANALYZERS:
            for hour in range(24):
                for _ in range(rng.randint(0, 3) if 8 <= hour < 20 else rng.randint(0, 1)):
                    t = sim.day(d, hour, rng.randint(0, 59), rng.uniform(0, 59))
                    if sim.is_up(an, t):
                        flow(sim, t, HOSTS[an].ip, HOSTS["SQL-EHR-01"].ip, 2575, "-", out_b=rng.randint(800, 6000),
                             in_b=rng.randint(80, 200))
        for k in KIOSKS:
            for _ in range(rng.randint(4, 15)):
                t = sim.day(d, rng.randint(8, 18), rng.randint(0, 59), rng.uniform(0, 59))
                if sim.is_up(k, t):
                    flow(sim, t, HOSTS[k].ip, HOSTS["SQL-EHR-01"].ip, 443, "ssl", out_b=rng.randint(20000, 400000))


def internet_noise(sim):
    """What the edge firewall sees besides the proxy: scanners knocking on the WAN address
    (dropped), the DCs' NTP, direct outbound attempts that policy drops."""
    rng = sim.stream("internet")
    for d in range(sim.days):
        for _ in range(rng.randint(120, 220)):
            t = sim.day(d, 0, 0, rng.uniform(0, 86399))
            src = "%d.%d.%d.%d" % (rng.choice([45, 61, 80, 89, 103, 118, 141, 162, 179, 185, 193, 205, 222]),
                                   rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
            port = rng.choice([22, 23, 80, 443, 445, 1433, 3389, 5900, 8080, 8443, 2323, 5060, 6379, 9200])
            firewall(sim, t, "FW-IN-DROP:", src, WAN_IP, port, "UDP" if port == 5060 else "TCP", inbound=True)
        t = sim.day(d, 0, 0, rng.uniform(0, 1024))
        while t < sim.day(d + 1):
            firewall(sim, t, "FW-OUT-ACCEPT:", HOSTS["DC-01"].ip, rng.choice(["162.159.200.1", "162.159.200.123",
                                                                           "193.150.34.2", "185.83.169.27"]), 123, "UDP",
                     sport=123)
            t += sec(1024 + rng.uniform(-2, 2))
        for _ in range(rng.randint(10, 30)):  # devices and apps trying to go straight out
            t = sim.day(d, rng.randint(6, 21), rng.randint(0, 59), rng.uniform(0, 59))
            who = rng.choice(["US-01", "XRAY-01", "MAMMO-01"] + ED + WARD1)
            dst, port, proto = rng.choice([("8.8.8.8", 53, "UDP"), ("52.112.0.%d" % rng.randint(1, 254), 3478, "UDP"),
                                           ("34.98.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254)), 443, "TCP")])
            firewall(sim, t, "FW-OUT-DROP:", HOSTS[who].ip, dst, port, proto)


def dhcp(sim):
    """Zeek dhcp.log: DHCP clients renew at about the same times every day (DC-01 is the server)."""
    rng = sim.stream("dhcp")
    server = HOSTS["DC-01"].ip
    for h in HOSTS.values():
        if not h.dhcp:
            continue
        base = rng.uniform(0, 43200)
        t = START + sec(base)
        while t < sim.end:
            if sim.is_up(h.name, t):
                sim.dhcp.append((t, sim.next_seq(), [
                    uid(sim), h.ip, server, h.mac, h.name, h.fqdn, DNS_DOMAIN, h.ip, h.ip, "86400.000000",
                    "REQUEST,ACK", "%.6f" % rng.uniform(0.002, 0.02)]))
            t += sec(43200 + rng.uniform(-60, 60))
        for off, on in sim.down[h.name]:  # a boot asks for its lease again
            if sim.inside(on) and on < sim.end:
                t = on + sec(rng.uniform(3, 8))
                sim.dhcp.append((t, sim.next_seq(), [
                    uid(sim), "-", server, h.mac, h.name, h.fqdn, DNS_DOMAIN, h.ip, h.ip, "86400.000000",
                    "DISCOVER,OFFER,REQUEST,ACK", "%.6f" % rng.uniform(0.01, 0.2)]))


# =============================================================== the worm

RECON = ["ipconfig /all", "net view", "net view /domain", "systeminfo", "net user", "net localgroup administrators",
         "tasklist /v", "netstat -ano", "route print", "arp -a", "net share", "net use", "net config workstation",
         "getmac", "hostname", "sc query", "whoami /all", "net accounts", "dir /s /a c:\\users"]
WORM_HOPS = [
    # source, target, day, h, m, s, service name
    ("WS-RECEP-03", "FS-02", 1, 14, 22, 5, "WmiApSrvEx"),
    ("WS-RECEP-03", "WS-WARD2-04", 1, 14, 24, 40, "WmiApSrvEx"),
    ("FS-02", "MRI-CONSOLE-01", 2, 2, 13, 31, "WmiApRplSvc"),
    ("FS-02", "XRAY-02", 2, 2, 14, 58, "WmiApSrvEx"),
    ("FS-02", "LABAN-01", 2, 2, 16, 12, "WmiApSrvEx"),
    ("FS-02", "CT-CONSOLE-01", 2, 2, 17, 44, "WmiApSrvEx"),
    ("WS-WARD2-04", "WS-ICU-02", 2, 11, 52, 9, "WmiApSrvEx"),
    ("WS-ICU-02", "WS-LAB-03", 3, 9, 5, 33, "WmiApSrvEx"),
    ("WS-ICU-02", "KIOSK-02", 3, 9, 7, 2, "WmiApRplSvc"),
    ("FS-02", "PACS-01", 3, 15, 31, 40, "WmiApSrvEx"),
    ("PACS-01", "US-02", 5, 3, 40, 18, "WmiApSrvEx"),
    ("PACS-01", "WS-RAD-02", 5, 3, 42, 51, "WmiApSrvEx"),
]
WORM_FAILED = [("WS-RECEP-03", "WS-RECEP-01", 1, 14, 23, 10), ("FS-02", "DC-02", 2, 2, 15, 30),
               ("WS-WARD2-04", "WS-WARD2-01", 2, 11, 53, 0), ("WS-ICU-02", "WS-ICU-03", 3, 9, 8, 15),
               ("PACS-01", "XRAY-01", 5, 3, 41, 30)]
PATIENT_ZERO = "WS-RECEP-03"


def worm(sim):
    rng = sim.stream("worm")
    infected = {}  # host -> (infection time, implant process)
    # Patient zero: m.obrien downloads a fake portal update through the proxy and runs it.
    p0 = HOSTS[PATIENT_ZERO]
    t = sim.day(1, 10, 44, 2.5)
    web(sim, t, p0.ip, "GET", DROPPER_URL,
        ctype="application/octet-stream", size=1_184_312, upstream_ip=DROPPER_IP, code="TCP_MISS", elapsed=2300)
    lid = max((tt, d["TargetLogonId"]) for tt, _, eid, d in sim.win[(PATIENT_ZERO, SEC)]
              if eid == 4624 and d["TargetUserName"] == "m.obrien" and d["LogonType"] == 2 and tt < t)[1]
    ctx = ("m.obrien", DOMAIN, lid)
    explorer = Proc("C:\\Windows\\explorer.exe", 5412, "C:\\Windows\\Explorer.EXE", sim.guid(), ctx, lid)
    dropper_path = "C:\\Users\\m.obrien\\Downloads\\PatientPortal_Setup.exe"
    sysmon_file(sim, PATIENT_ZERO, t + sec(1), Proc("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", 6120,
                                                     "chrome.exe", sim.guid(), ctx, lid), dropper_path)
    t = sim.day(1, 10, 47, 12.25)
    dropper = process(sim, PATIENT_ZERO, t - sec(9), dropper_path, '"%s"' % dropper_path, explorer, ctx)
    sysmon_file(sim, PATIENT_ZERO, t, dropper, IMPLANT_PATH)
    if sim.channel == "task":
        # The dropper registers the task locally, in m.obrien's interactive session: no hop.
        task_register(sim, PATIENT_ZERO, t + sec(2), "\\WmiApSrvEx", "m.obrien", lid)
        implant = implant_runs(sim, rng, PATIENT_ZERO, t + sec(3),
                               task_run(sim, PATIENT_ZERO, t + sec(3), "\\WmiApSrvEx"))
        infected[PATIENT_ZERO] = (t, implant)
    elif sim.channel == "wmi":
        # The dropper starts the implant itself.
        implant = process(sim, PATIENT_ZERO, t + sec(3), IMPLANT_PATH, IMPLANT_PATH, dropper, ctx)
        infected[PATIENT_ZERO] = (t, implant_runs(sim, rng, PATIENT_ZERO, t + sec(3), implant))
    else:
        infected[PATIENT_ZERO] = (t, implant_start(sim, rng, PATIENT_ZERO, t + sec(3), "WmiApSrvEx", installer=None))
    hops = []
    for src, dst, d, hh, mm, ss, service in WORM_HOPS:
        t = sim.day(d, hh, mm, ss + rng.uniform(0, 0.9))
        landed, proc = hop(sim, rng, src, dst, t, service, infected[src][1])
        infected[dst] = (landed, proc)
        hops.append([src, dst, landed])
    for src, dst, d, hh, mm, ss in WORM_FAILED:
        t = sim.day(d, hh, mm, ss + rng.uniform(0, 0.9))
        s = HOSTS[src]
        flow(sim, t - sec(0.15), s.ip, HOSTS[dst].ip, 445, "smb,gssapi,ntlm", out_b=rng.randint(900, 1600),
             in_b=rng.randint(700, 1200), dur=rng.uniform(0.02, 0.2))
        failed_logon(sim, dst, t, src + "$", 3, s.ip, src)
        sysmon_connection(sim, src, t - sec(0.16), SYSTEM_PROC, HOSTS[dst].ip, 445)
    # Before spreading, the implant probes the local subnet for SMB (unanswered addresses).
    for src, dst, d, hh, mm, ss, _ in WORM_HOPS:
        if HOSTS[src].kind == "server" or rng.random() < 0.5:
            net = HOSTS[src].ip.rsplit(".", 1)[0]
            t = sim.day(d, hh, mm, ss) - sec(rng.uniform(40, 90))
            for last in rng.sample(range(60, 250), 3):
                flow(sim, t, HOSTS[src].ip, "%s.%d" % (net, last), 445, "-", state="S0", dur=rng.uniform(2.9, 3.1))
                t += sec(rng.uniform(0.05, 0.5))
    # C2: a few minutes after infection, then daily at about that time, through the proxy.
    c2_of = {}
    for i, host in enumerate(sorted(infected, key=lambda k: infected[k][0])):
        c2_of[host] = C2[i % 3]
        first = infected[host][0] + sec(rng.uniform(240, 540))
        for d in range(sim.days):
            t = first + timedelta(days=d) + sec(rng.uniform(-75, 75))
            if t < infected[host][0] or not sim.inside(t) or not sim.is_up(host, t):
                continue
            beacon(sim, rng, host, t, c2_of[host], infected[host][1])
    # After a reboot the service starts the implant again.
    for host, (since, implant) in infected.items():
        for _, on in sim.down[host]:
            if implant and since < on < sim.end and sim.channel != "wmi":  # WMI leaves no autostart
                implant_again(sim, host, on + sec(rng.uniform(6, 12)))
    sim.truth["infection_times"] = {h: infected[h][0] for h in infected}
    sim.truth["hops"] = hops
    sim.truth["c2"] = C2


def implant_again(sim, host, t):
    if sim.channel == "task":
        task_run(sim, host, t, "\\WmiApSrvEx")
        return
    service_state(sim, host, t, "WMI Performance Adapter Extension", "running")
    process(sim, host, t + sec(0.1), IMPLANT_PATH, IMPLANT_SERVICE_PATH.replace("%SystemRoot%", "C:\\Windows"),
            services_proc(host))


def beacon(sim, rng, host, t, c2, implant):
    ip = HOSTS[host].ip
    dark = c2 == C2[2] and t >= sim.day(C2_DARK_DAY)
    url = "http://%s/groupmgr/index.php?q=%s" % (c2, b64_query(rng, rng.randint(36, 54)))
    if dark:
        web(sim, t, ip, "GET", url, status=503, size=rng.randint(3900, 4100), code="TCP_MISS", elapsed=rng.randint(30000, 30100))
        if implant:
            sysmon_connection(sim, host, t - sec(30.1), implant, PROXY_IP, PROXY_PORT)
        t += sec(rng.uniform(20, 40))
        c2 = C2[0]
        url = "http://%s/groupmgr/index.php?q=%s" % (c2, b64_query(rng, rng.randint(36, 54)))
    web(sim, t, ip, "GET", url, size=rng.randint(610, 720), code="TCP_MISS", elapsed=rng.randint(180, 900))
    if implant:
        sysmon_connection(sim, host, t - sec(1), implant, PROXY_IP, PROXY_PORT)


def hop(sim, rng, src, dst, t, service, src_implant):
    """src copies the implant to dst's ADMIN$ as its computer account and starts it as a service.
    Returns when the hop is first seen (the logon; the SMB connection for a host without logs) and
    the implant's process."""
    s, h = HOSTS[src], HOSTS[dst]
    flow(sim, t - sec(0.15), s.ip, h.ip, 445, "smb,gssapi,ntlm,dce_rpc", out_b=rng.randint(330_000, 360_000),
         in_b=rng.randint(4000, 9000), dur=rng.uniform(2, 8))
    if src_implant:
        sysmon_connection(sim, src, t - sec(0.16), SYSTEM_PROC, h.ip, 445)
    if not h.logs:
        return t - sec(0.15), None
    lid = logon(sim, dst, t, src + "$", 3, ip=s.ip, ws=src, ntlm=True)
    special_logon(sim, dst, t + sec(0.01), src + "$", lid)
    share_access(sim, dst, t + sec(0.9), src + "$", lid, s.ip, "ADMIN$", "C:\\Windows", ["System32\\" + IMPLANT])
    sysmon_file(sim, dst, t + sec(1.1), SYSTEM_PROC, IMPLANT_PATH)
    ti = t + sec(rng.uniform(2.5, 6))
    if sim.channel == "task":
        proc = task_start(sim, rng, dst, ti, service, src + "$", lid, s.ip)
    elif sim.channel == "wmi":
        proc = wmi_start(sim, rng, dst, ti, src + "$", lid)
    else:
        proc = implant_start(sim, rng, dst, ti, service, installer=src + "$", installer_lid=lid)
    logoff(sim, dst, ti + sec(rng.uniform(1, 3)), src + "$", 3, lid)
    return t, proc


def implant_start(sim, rng, host, t, service, installer, installer_lid=None):
    """The service is created and started; the implant writes its data file and runs a recon
    burst of cmd.exe /c ... commands within minutes."""
    service_install(sim, host, t, service, IMPLANT_SERVICE_PATH, installer=installer, installer_lid=installer_lid)
    service_state(sim, host, t + sec(0.5), "WMI Performance Adapter Extension", "running")
    implant = process(sim, host, t + sec(0.6), IMPLANT_PATH, IMPLANT_SERVICE_PATH.replace("%SystemRoot%", "C:\\Windows"),
                      services_proc(host))
    return implant_runs(sim, rng, host, t, implant)


def implant_runs(sim, rng, host, t, implant):
    """The implant writes its data file and runs a recon burst within minutes."""
    sysmon_file(sim, host, t + sec(2), implant, "C:\\Windows\\inf\\mtmndkb32.pnf")
    tt = t + sec(rng.uniform(60, 240))
    tmp = "C:\\Windows\\TEMP\\~DF%04X.tmp" % rng.getrandbits(16)
    for c in rng.sample(RECON, rng.randint(9, 13)):
        tt += sec(rng.uniform(1.5, 12))
        sh = process(sim, host, tt, "C:\\Windows\\System32\\cmd.exe",
                     'C:\\Windows\\system32\\cmd.exe /c %s >> %s 2>&1' % (c, tmp), implant)
        exe = {"net": "net.exe", "ipconfig": "ipconfig.exe", "systeminfo": "systeminfo.exe", "tasklist": "tasklist.exe",
               "netstat": "NETSTAT.EXE", "route": "ROUTE.EXE", "arp": "ARP.EXE", "getmac": "getmac.exe",
               "hostname": "HOSTNAME.EXE", "sc": "sc.exe", "whoami": "whoami.exe"}.get(c.split()[0])
        if exe:
            process(sim, host, tt + sec(0.04), "C:\\Windows\\System32\\" + exe, c, sh)
    return implant


TASK_XML = ('<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2" '
            'xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n  <RegistrationInfo>\r\n'
            '    <Date>%(date)s</Date>\r\n    <Author>%(author)s</Author>\r\n    <URI>%(uri)s</URI>\r\n'
            '  </RegistrationInfo>\r\n  <Triggers>\r\n    <BootTrigger>\r\n      <Enabled>true</Enabled>\r\n'
            '    </BootTrigger>\r\n  </Triggers>\r\n  <Principals>\r\n    <Principal id="Author">\r\n'
            '      <UserId>S-1-5-18</UserId>\r\n      <RunLevel>HighestAvailable</RunLevel>\r\n    </Principal>\r\n'
            '  </Principals>\r\n  <Settings>\r\n    <Enabled>true</Enabled>\r\n    <Hidden>false</Hidden>\r\n'
            '  </Settings>\r\n  <Actions Context="Author">\r\n    <Exec>\r\n      <Command>%(command)s</Command>\r\n'
            '      <Arguments>%(arguments)s</Arguments>\r\n    </Exec>\r\n  </Actions>\r\n</Task>')
SCHEDULE_CMD = "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"


def schedule_proc(host):
    return Proc("C:\\Windows\\System32\\svchost.exe", 1000 + crc(host + "schedule") % 300 * 4, SCHEDULE_CMD,
                "{%08X-0002-0000-0000-000000000000}" % crc(host), SYSTEM_CTX, "0x3e7")


def task_register(sim, host, t, name, user, lid, domain=DOMAIN):
    """`schtasks /create /RU SYSTEM /SC ONSTART /TR <implant>` (remote with /S): 4698 with the
    task's XML and the registering session, TaskScheduler 106."""
    xml = TASK_XML % {"date": t.strftime("%Y-%m-%dT%H:%M:%S"), "author": "%s\\%s" % (domain, user), "uri": name,
                      "command": IMPLANT_PATH, "arguments": "-k netsvcs -p ControlTrace"}
    sim.emit(host, SEC, t, 4698, {"SubjectUserSid": account_sid(user, domain, host), "SubjectUserName": user,
                                  "SubjectDomainName": domain, "SubjectLogonId": lid, "TaskName": name,
                                  "TaskContent": xml})
    sim.emit(host, TSCHED, t + sec(0.01), 106, {"TaskName": name, "UserContext": "%s\\%s" % (domain, user)})


def task_run(sim, host, t, name):
    """The Task Scheduler starts the task's action (200) and the implant (parent: the Schedule
    service's svchost); the launcher returns at once (201) and the implant stays."""
    guid = sim.guid()
    sim.emit(host, TSCHED, t, 200, {"TaskName": name, "ActionName": IMPLANT_PATH, "TaskInstanceId": guid,
                                    "EnginePID": schedule_proc(host).pid})
    implant = process(sim, host, t + sec(0.05), IMPLANT_PATH, IMPLANT_PATH + " -k netsvcs -p ControlTrace",
                      schedule_proc(host))
    sim.emit(host, TSCHED, t + sec(0.6), 201, {"TaskName": name, "TaskInstanceId": guid, "ActionName": IMPLANT_PATH,
                                               "ResultCode": 0, "EnginePID": schedule_proc(host).pid})
    return implant


def task_start(sim, rng, host, t, service, src_account, lid, src_ip):
    """atexec / `schtasks /S`: the source opens IPC$\\atsvc in its session, registers a task that
    runs the implant as SYSTEM, and runs it."""
    share_access(sim, host, t - sec(0.3), src_account, lid, src_ip, "IPC$", "", ["atsvc"])
    name = "\\" + service
    task_register(sim, host, t, name, src_account, lid)
    implant = task_run(sim, host, t + sec(0.5), name)
    return implant_runs(sim, rng, host, t, implant)


def wmiprvse_proc(host):
    return Proc("C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", 1400 + crc(host + "wmiprvse") % 300 * 4,
                "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
                "{%08X-0003-0000-0000-000000000000}" % crc(host), ("NETWORK SERVICE", "NT AUTHORITY", "0x3e4"), "0x3e4")


def wmi_start(sim, rng, host, t, src_account, lid):
    """wmiexec-style `Win32_Process.Create`: WmiPrvSE starts the implant in the source's session."""
    implant = process(sim, host, t, IMPLANT_PATH, IMPLANT_PATH + " -k netsvcs -p ControlTrace", wmiprvse_proc(host),
                      user=(src_account, DOMAIN, lid))
    return implant_runs(sim, rng, host, t, implant)


# =============================================================== output

TASKS = {4624: 12544, 4625: 12544, 4634: 12545, 4647: 12545, 4648: 12544, 4672: 12548, 4688: 13312, 4697: 12289,
         5140: 12808, 5145: 12811, 4800: 12551, 4801: 12551, 4608: 12288, 4768: 14339}
SYSTEM_PROVIDERS = {7045: ("Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}", 16384),
                    7036: ("Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}", 16384),
                    6005: ("EventLog", None, 32768), 6006: ("EventLog", None, 32768), 6009: ("EventLog", None, 32768)}


def header(host, channel, t, eid, record):
    computer = HOSTS[host].fqdn
    when = {"#attributes": {"SystemTime": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}
    if channel == SEC:
        return {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing",
                                             "Guid": "{54849625-5478-4994-a5ba-3e3b0328c30d}"}},
                "EventID": eid, "Version": 2 if eid in (4624, 4688) else (1 if eid in (4625, 4634) else 0),
                "Level": 0, "Task": TASKS.get(eid, 12544), "Opcode": 0,
                "Keywords": "0x8010000000000000" if eid == 4625 else "0x8020000000000000", "TimeCreated": when,
                "EventRecordID": record, "Correlation": {"#attributes": {"ActivityID": "{B5E7A3F1-9C3A-0003-2B4C-E8B59C3ADC01}"}},
                "Execution": {"#attributes": {"ProcessID": 788, "ThreadID": 900 + record % 611}},
                "Channel": SEC, "Computer": computer, "Security": None}
    if channel == SYS:
        name, guid, qualifiers = SYSTEM_PROVIDERS[eid]
        attrs = {"Name": name, "EventSourceName": name} if guid is None else {"Name": name, "Guid": guid, "EventSourceName": name}
        return {"Provider": {"#attributes": attrs}, "EventID": {"#attributes": {"Qualifiers": qualifiers}, "#text": eid},
                "Version": 0, "Level": 4, "Task": 0, "Opcode": 0,
                "Keywords": "0x8080000000000000" if eid >= 7000 else "0x80000000000000", "TimeCreated": when,
                "EventRecordID": record, "Correlation": None,
                "Execution": {"#attributes": {"ProcessID": 700 if eid >= 7000 else 0, "ThreadID": 0 if eid < 7000 else 1200 + record % 97}},
                "Channel": SYS, "Computer": computer,
                "Security": {"#attributes": {"UserID": "S-1-5-18"}} if eid == 7045 else None}
    if channel == TSCHED:
        return {"Provider": {"#attributes": {"Name": "Microsoft-Windows-TaskScheduler",
                                             "Guid": "{de7b24ea-73c8-4a09-985d-5bdadcfa9017}"}},
                "EventID": eid, "Version": 0 if eid in (200, 201) else 1, "Level": 4, "Task": eid, "Opcode": 0,
                "Keywords": "0x8000000000000000", "TimeCreated": when, "EventRecordID": record, "Correlation": None,
                "Execution": {"#attributes": {"ProcessID": 1400, "ThreadID": 2000 + record % 211}},
                "Channel": TSCHED, "Computer": computer, "Security": {"#attributes": {"UserID": "S-1-5-18"}}}
    return {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"}},
            "EventID": eid, "Version": 5 if eid in (1, 3) else 2, "Level": 4, "Task": eid, "Opcode": 0,
            "Keywords": "0x8000000000000000", "TimeCreated": when, "EventRecordID": record, "Correlation": None,
            "Execution": {"#attributes": {"ProcessID": 2740, "ThreadID": 3000 + record % 389}},
            "Channel": SYSMON, "Computer": computer, "Security": {"#attributes": {"UserID": "S-1-5-18"}}}


def write_windows(sim, out):
    counts = {}
    for (host, channel), items in sorted(sim.win.items()):
        items.sort(key=lambda e: (e[0], e[1]))
        folder = os.path.join(out, host)
        os.makedirs(folder, exist_ok=True)
        name = {SEC: "Security.jsonl", SYS: "System.jsonl", SYSMON: "Sysmon.jsonl",
                TSCHED: "TaskScheduler.jsonl"}[channel]
        record = 10000 + crc(host + channel) % 900000
        lines = []
        for t, _, eid, data in items:
            record += 1
            event = {"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                               "System": header(host, channel, t, eid, record), "EventData": data}}
            lines.append(json.dumps(event, separators=(",", ":")))
        with open(os.path.join(folder, name), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        counts[channel] = counts.get(channel, 0) + len(items)
    return counts


ZEEK_CONN = (["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
              "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
              "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"],
             ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count",
              "string", "bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]"])
ZEEK_DHCP = (["ts", "uids", "client_addr", "server_addr", "mac", "host_name", "client_fqdn", "domain",
              "requested_addr", "assigned_addr", "lease_time", "msg_types", "duration"],
             ["time", "set[string]", "addr", "addr", "string", "string", "string", "string", "addr", "addr",
              "interval", "vector[string]", "interval"])


def write_zeek(sim, path, name, spec, rows):
    fields, types = spec
    rows.sort(key=lambda r: (r[0], r[1]))
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\t" + name,
            "#open\t" + START.strftime("%Y-%m-%d-%H-%M-%S"), "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(head) + "\n")
        f.write("".join("%.6f\t%s\n" % (t.timestamp(), "\t".join(v)) for t, _, v in rows))
        f.write("#close\t" + sim.end.strftime("%Y-%m-%d-%H-%M-%S") + "\n")


def write_lines(path, rows):
    rows.sort(key=lambda r: (r[0], r[1]))
    with open(path, "w", newline="\n") as f:
        f.write("".join(line + "\n" for _, _, line in rows))


def write_assets(out):
    with open(os.path.join(out, "assets.csv"), "w", newline="\n") as f:
        f.write("hostname,ip,role,clinical\n")
        for h in HOSTS.values():
            f.write("%s,%s,%s,%s\n" % (h.fqdn, h.ip if h.asset_ip else "", h.role, "true" if h.clinical else "false"))


def exposed_accounts(sim, infection_times):
    """Every DOMAIN\\user whose credentials were exposed on an infected host at or after its
    infection: logons of an exposing type, explicit credentials (4648), services configured to run
    as the account. Computed from the emitted events."""
    found = set()

    def add(domain, user):
        if not user or user.endswith("$") or user.upper() in NOT_ACCOUNTS or user.startswith(("DWM-", "UMFD-")):
            return
        if domain.upper() == "NT AUTHORITY":
            return
        found.add("%s\\%s" % (domain, user))

    for (host, channel), items in sim.win.items():
        since = infection_times.get(host)
        if since is None:
            continue
        for t, _, eid, d in items:
            if t < since:
                continue
            if channel == SEC and eid == 4624 and d["LogonType"] in EXPOSING_TYPES:
                add(d["TargetDomainName"], d["TargetUserName"])
            elif channel == SEC and eid == 4648:
                add(d["TargetDomainName"], d["TargetUserName"])
            elif (channel == SYS and eid == 7045) or (channel == SEC and eid == 4697):
                account = d.get("AccountName") or d.get("ServiceAccount") or ""
                if "\\" in account:
                    domain, user = account.split("\\", 1)
                    add(domain, user)
    return sorted(found)


def write_truth(sim, out):
    times = sim.truth["infection_times"]
    infected = sorted(times, key=lambda h: (times[h], h))
    rfc = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
    truth = {
        "infected": infected,
        "patient_zero": PATIENT_ZERO,
        "clinical_infected": [h for h in infected if HOSTS[h].clinical],
        "no_host_logs": [h for h in infected if not HOSTS[h].logs],
        "accounts_to_reset": exposed_accounts(sim, times),
        "infection_times": {h: rfc(times[h]) for h in infected},
        "hops": [[s, d, rfc(t)] for s, d, t in sim.truth["hops"]],
        "failed_attempts": [[s, d, rfc(sim.day(dd, hh, mm, ss))] for s, d, dd, hh, mm, ss in WORM_FAILED],
        "c2": sim.truth["c2"],
        "implant": IMPLANT_PATH,
        "dropper": {"host": PATIENT_ZERO, "url": DROPPER_URL, "ip": DROPPER_IP},
        "services": sorted({w[6] for w in WORM_HOPS}),
        **({"channel": sim.channel} if sim.channel != "service" else {}),
        "benign": {
            "deployment_server": "SCCM-01",
            "deployment_targets": sim.truth["deployment_targets"],
            "deployment_targets_chrome": sim.truth["chrome_targets"],
            "monitoring_server": "MON-01",
            "proxy": {"host": "PROXY-01", "ip": PROXY_IP},
            "backup_server": "BKP-01",
            "update_server": "WSUS-01",
            "av_server": "AV-01",
            "print_server": "PRINT-01",
            "admins": ADMINS,
            "admin_workstations": ["IT-ADM-01", "IT-ADM-02"],
            "psexec": ["IT-ADM-01", "WS-PHARM-02"],
            "vendor_device": "MRI-CONSOLE-01",
            "vendor_account": "MRI-CONSOLE-01\\vendor_siemens",
            "ip_literal_upload": "LABAN-02",
        },
        "roles": {h.name: h.truth_role for h in HOSTS.values()},
        "hosts": list(HOSTS),
    }
    with open(os.path.join(out, "truth.json"), "w", newline="\n") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--channel", choices=("service", "task", "wmi"), default="service",
                    help="how the worm runs its implant on the next host (default: a service)")
    args = ap.parse_args()
    if args.days < 7:
        ap.error("--days must be at least 7 (the worm spreads over the first six days)")
    sim = Sim(args.seed, args.days)
    sim.channel = args.channel
    plan_power(sim)
    staff(sim)
    admins(sim)
    helpdesk_visit(sim)
    service_accounts(sim)
    sccm_push(sim)
    pdq_chrome(sim)
    psexec_once(sim)
    monitoring(sim)
    gpo_refresh(sim)
    backups(sim)
    updates_and_av(sim)
    lab_qc_upload(sim)
    vendor_support(sim)
    clinical_traffic(sim)
    internet_noise(sim)
    dhcp(sim)
    worm(sim)

    out = args.out
    net = os.path.join(out, "network")
    os.makedirs(net, exist_ok=True)
    counts = write_windows(sim, out)
    write_zeek(sim, os.path.join(net, "conn.log"), "conn", ZEEK_CONN, sim.conn)
    write_zeek(sim, os.path.join(net, "dhcp.log"), "dhcp", ZEEK_DHCP, sim.dhcp)
    write_lines(os.path.join(net, "access.log"), sim.squid)
    write_lines(os.path.join(net, "firewall.log"), sim.fw)
    write_assets(out)
    truth = write_truth(sim, out)
    counts.update({"zeek-conn": len(sim.conn), "zeek-dhcp": len(sim.dhcp), "squid": len(sim.squid), "firewall": len(sim.fw)})
    total = sum(counts.values())
    print("%d events (%s); %d infected, %d accounts to reset" % (
        total, ", ".join("%s %d" % (k.split("/")[0], v) for k, v in sorted(counts.items())), len(truth["infected"]),
        len(truth["accounts_to_reset"])), file=sys.stderr)


if __name__ == "__main__":
    main()
