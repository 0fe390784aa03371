#!/usr/bin/env python3
"""Seeds fuzz/seeds/<target>/ from ../shared/data, the demo, the rules and the test fixtures.

The seeds start a fuzzing run; what is committed is the minimised corpus (fuzz/corpus/), made
from the seeds and what the runs found (docs/security.md, "Fuzzing"). Text seeds are cut to
their first lines so the corpus stays small.
"""
import glob, gzip, io, json, os, re, struct, sys, zipfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("WARD_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "fuzz", "seeds")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, re.sub(r"[^A-Za-z0-9._-]", "_", name)), "wb") as f:
        f.write(data)


def head(path, lines=40, limit=16384):
    with open(path, "rb") as f:
        out = b"".join(f.readline() for _ in range(lines))
    return out[:limit]


def files(pattern):
    return sorted(glob.glob(os.path.join(DATA, pattern), recursive=True))


def main():
    # EVTX: the smallest files (one chunk), each a different provider.
    evtx = sorted(files("**/*.evtx"), key=os.path.getsize)[:6]
    for p in evtx:
        put("evtx", os.path.basename(p), open(p, "rb").read())

    # Windows JSON, each shape.
    shapes = open(os.path.join(ROOT, "crates/ward-ingest/tests/json_shapes.rs")).read()
    for name in ("WINLOGBEAT8_7045", "WINLOGBEAT6_7045"):
        m = re.search(name + r': &str = r#"(.*?)"#;', shapes, re.S)
        if m:
            put("windows_json", name.lower(), m.group(1))
    demo = os.path.join(ROOT, "demo/outbreak/DC-01/Security.jsonl")
    put("windows_json", "evtx_dump.jsonl", head(demo, 3))
    for p in files("security-datasets/**/*.zip")[:2]:
        with zipfile.ZipFile(p) as z:
            member = z.namelist()[0]
            put("windows_json", "nxlog_" + os.path.basename(p), b"".join(z.open(member).readlines()[:3]))
    ps = json.loads(head(demo, 1))
    put("windows_json", "powershell.json", "\ufeff" + json.dumps([ps], indent=4))

    # Network formats: the shared samples, one seed per file.
    network = {
        "windows_firewall": ["plaso-testdata/test_data/windows_firewall.log"],
        "zeek_tsv": ["rita/test_data/proxy/conn.log", "rita/test_data/proxy/dns.log",
                     "rita/test_data/proxy/http.log", "slips/dataset/port-scans/vertical/conn.log"],
        "zeek_json": [],
        "squid": ["elastic-fw-samples/squid/access1.log"],
        "squid_common": [],
        "fortigate": ["elastic-fw-samples/fortigate/test-fortinet-7-4.traffic.excerpt.log",
                      "crowdsec-hub/tests/fortinet-vpn-bf/fortinet-vpn-bf.log"],
        "cisco_asa": ["elastic-fw-samples/cisco_asa/test-sample.excerpt.log"],
        "pf_filterlog": ["crowdsec-hub/tests/pf-logs/pf-logs.log",
                         "crowdsec-hub/tests/pfsense-rfc5424-filterlog/pfsense-rfc5424-filterlog.log"],
        "iptables": ["crowdsec-hub/tests/iptables-logs/iptables-logs.log",
                     "crowdsec-hub/tests/iptables-scan-multi-port/iptables-scan-multi-port.log"],
        "suricata_eve": ["crowdsec-hub/tests/suricata-logs-evelog/suricata-logs-evelog.log",
                         "crowdsec-hub/tests/suricata-eve-detect/suricata-eve-detect.log"],
        "suricata_fast": ["crowdsec-hub/tests/suricata-logs-fastlog/suricata-logs-fastlog.log"],
        "adguard_querylog": ["crowdsec-hub/tests/adguardhome-logs/adguardhome-logs.log"],
        "adguard": ["crowdsec-hub/tests/adguardhome-logs/adguardhome-logs.log"],
        "pan_os": ["crowdsec-hub/tests/palo-alto-threat/palo-alto-threat.log"],
        "mikrotik": ["crowdsec-hub/tests/mikrotik-logs/mikrotik-logs.log",
                     "crowdsec-hub/tests/mikrotik-bf/mikrotik-bf.log"],
        "cef": ["crowdsec-hub/tests/cef-logs/cef-logs.log", "crowdsec-hub/tests/unifi-cef/cef-logs.log"],
        "bind": ["crowdsec-hub/tests/bind9-logs/bind9-logs.log",
                 "crowdsec-hub/tests/bind9-syslog/bind9-syslog.log"],
    }
    for target, paths in network.items():
        for rel in paths:
            p = os.path.join(DATA, rel)
            if os.path.exists(p):
                put(target, rel.replace("/", "_"), head(p))
    zeek_json = "\n".join(json.dumps(r) for r in [
        {"ts": 1600000000.5, "uid": "C1", "id.orig_h": "10.0.0.9", "id.orig_p": 49152,
         "id.resp_h": "10.0.0.1", "id.resp_p": 445, "proto": "tcp", "duration": 1.5,
         "orig_bytes": 100, "resp_bytes": 2000, "conn_state": "SF"},
        {"ts": "2020-09-13T12:26:40.000Z", "uid": "C2", "id.orig_h": "10.0.0.9", "id.orig_p": 5353,
         "id.resp_h": "10.0.0.53", "id.resp_p": 53, "proto": "udp", "query": "example.org",
         "qtype_name": "A", "answers": ["192.0.2.1"]},
        {"ts": 1600000001, "uid": "C3", "id.orig_h": "10.0.0.9", "id.orig_p": 5,
         "id.resp_h": "192.0.2.8", "id.resp_p": 80, "method": "GET", "host": "a.example",
         "uri": "/x", "status_code": 200, "user_agent": "curl"}]) + "\n"
    put("zeek_json", "conn_dns_http.json", zeek_json)
    put("squid_common", "combined.log",
        '10.1.2.3 - - [10/Oct/2023:13:55:36 +0000] "GET http://a.example/x HTTP/1.1" 200 2326 "-" "Mozilla/5.0"\n'
        '10.1.2.4 - bob [10/Oct/2023:13:55:37 +0000] "CONNECT b.example:443 HTTP/1.1" 200 0\n')

    # Everything a file can be, through the layers: a few of the above, gzipped and zipped.
    for t in ("iptables", "windows_json", "zeek_tsv"):
        d = os.path.join(OUT, t)
        for name in sorted(os.listdir(d))[:1]:
            raw = open(os.path.join(d, name), "rb").read()
            put("open_any", name + ".gz", gzip.compress(raw, mtime=0))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(name, raw)
                z.writestr("inner.gz", gzip.compress(raw, mtime=0))
            put("open_any", name + ".zip", buf.getvalue())
            put("open_any", name, raw)

    # Syslog over TCP: two control bytes (size limit, chunk size), then the stream.
    lines = head(os.path.join(DATA, "crowdsec-hub/tests/iptables-logs/iptables-logs.log"), 5)
    put("syslog_stream", "newline_3164", b"\x10\x07" + lines)
    msgs = [b"<34>1 2024-03-01T10:00:00.000Z mri-1 ward 42 ID47 [exampleSDID@32473 iut=\"3\"] hello",
            b"<13>Mar  1 10:00:00 fw kernel: IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP SPT=5 DPT=445",
            json.dumps(json.loads(head(demo, 1))).encode()]
    put("syslog_stream", "octet_counted", b"\x20\x3f" + b"".join(b"%d %s" % (len(m), m) for m in msgs))

    # Lumberjack v2: a window, JSON and key/value frames, and the same inside a compressed frame.
    def jframe(seq, body):
        return b"2J" + struct.pack(">II", seq, len(body)) + body
    def dframe(seq, pairs):
        out = b"2D" + struct.pack(">II", seq, len(pairs))
        for k, v in pairs:
            out += struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v
        return out
    event = json.dumps(json.loads(head(os.path.join(ROOT, "demo/outbreak/DC-01/Security.jsonl"), 1))).encode()
    frames = b"2W" + struct.pack(">I", 3) + jframe(1, event) + dframe(2, [(b"message", lines.splitlines()[0])]) + jframe(3, b'{"message":"x"}')
    put("beats_stream", "plain", frames)
    z = zlib.compress(frames[6:])
    put("beats_stream", "compressed", b"2W" + struct.pack(">I", 3) + b"2C" + struct.pack(">I", len(z)) + z)

    # Sigma: Ward's rules and a spread of SigmaHQ's (modifiers, correlations, filters).
    rules = sorted(glob.glob(os.path.join(ROOT, "rules/**/*.yml"), recursive=True))
    sigma = files("sigma/rules/windows/**/*.yml")
    pick = rules[:10] + sigma[:: max(1, len(sigma) // 40)]
    for p in pick:
        put("sigma_rule", os.path.basename(p), open(p, "rb").read())
    event_line = head(demo, 1)
    for p in rules[:10]:
        put("sigma_match", os.path.basename(p), open(p, "rb").read() + b"\0" + event_line)
    for p in files("sigma/rules/windows/builtin/security/**/*.yml")[:10]:
        put("sigma_match", "sigmahq_" + os.path.basename(p), open(p, "rb").read() + b"\0" + event_line)

    # Intel, assets, audit files, monitor config.
    for p in glob.glob(os.path.join(ROOT, "demo/intel/*")):
        put("intel", os.path.basename(p), open(p, "rb").read())
    put("assets_csv", "assets.csv", open(os.path.join(ROOT, "demo/outbreak/assets.csv"), "rb").read())
    for p in sorted(glob.glob(os.path.join(ROOT, "crates/ward-audit/tests/data/*"))):
        put("audit_file", os.path.basename(p), head(p, 80, 32768))
    hashes = sorted("%032X:%d" % (h * 0x9E3779B97F4A7C15 % (1 << 128), h) for h in range(1, 300))
    put("breached_list", "sorted.txt", "\r\n".join(hashes) + "\r\n")
    doc = open(os.path.join(ROOT, "docs/monitor.md")).read()
    for i, block in enumerate(re.findall(r"```toml\n(.*?)```", doc, re.S)):
        put("monitor_config", "monitor_md_%d.toml" % i, block)


if __name__ == "__main__":
    main()
