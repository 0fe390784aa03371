//! `ward hunt` on a Zeek `dns.log` scores the queries end to end: a generated week of look-ups
//! from 60 hosts with an iodine-style tunnel and a daily beacon gives a `dns-tunnel` and a
//! `dns-beacon` finding ranked first in their analytics, and no benign domain reaches `medium`.
//! The traffic is generated here (fixed seed), so the test needs no shared data.

use assert_cmd::Command;
use std::fmt::Write as _;

const TUNNEL_PARENT: &str = "t.exfil-relay.net";
const BEACON: &str = "update.clinic-sync.org";
const BENIGN: [&str; 8] = [
    "www.nhs.uk",
    "outlook.office365.com",
    "login.microsoftonline.com",
    "settings-win.data.microsoft.com",
    "d1abc2defg.cloudfront.net",
    "www.google.com",
    "update.sophosupd.com",
    "time.windows.com",
];

/// A small deterministic generator (xorshift), so the log is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn row(out: &mut String, ts: f64, client: &str, query: &str, qtype: &str, rcode: &str) {
    let _ = writeln!(
        out,
        "{ts:.6}\tC{ts:.0}\t{client}\t53000\t10.20.0.2\t53\tudp\t1\t0.01\t{query}\t1\tC_INTERNET\t1\t{qtype}\t0\t{rcode}\tF\tF\tT\tT\t0\t-\t-\tF"
    );
}

fn dns_log() -> String {
    let mut out = String::from(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n",
    );
    let mut rng = Rng(0x5eed_0d25);
    let start = 1_767_225_600.0; // 2026-01-01
    let mut rows: Vec<(f64, String, String, &str)> = Vec::new();
    for day in 0..7u64 {
        for host in 0..60u64 {
            let client = format!("10.20.1.{}", host + 10);
            for _ in 0..40 {
                let ts = start + (day * 86_400 + 28_800 + rng.below(36_000)) as f64;
                let name = BENIGN[rng.below(BENIGN.len() as u64) as usize];
                rows.push((ts, client.clone(), name.to_string(), "A"));
            }
        }
        // The beacon: one host, every morning at 09:00 give or take a minute.
        let ts = start + (day * 86_400 + 32_400 + rng.below(120)) as f64;
        rows.push((ts, "10.20.1.17".into(), BEACON.into(), "A"));
    }
    // The tunnel: one host on day 3 sends 400 TXT queries with long encoded labels.
    for i in 0..400u64 {
        let label: String = (0..48)
            .map(|_| {
                let c = rng.below(36) as u8;
                (if c < 10 { b'0' + c } else { b'a' + c - 10 }) as char
            })
            .collect();
        let ts = start + (3 * 86_400 + 50_000 + i * 7) as f64;
        rows.push((
            ts,
            "10.20.1.44".into(),
            format!("{label}.{TUNNEL_PARENT}"),
            "TXT",
        ));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (ts, client, name, qtype) in &rows {
        row(&mut out, *ts, client, name, qtype, "NOERROR");
    }
    out
}

#[test]
fn hunt_scores_zeek_dns_queries() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("dns.log");
    std::fs::write(&log, dns_log()).expect("the log is written");
    let out = Command::cargo_bin("ward")
        .expect("the ward binary is built")
        .env("WARD_RULES_HOME", dir.path().join("no-rules"))
        .args(["hunt", "--quiet", "--format", "json"])
        .arg(&log)
        .output()
        .expect("ward runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let case: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON case");
    let findings = case["findings"].as_array().expect("findings");
    let of = |analytic: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["analytic"] == analytic)
            .collect()
    };
    let tunnels = of("dns-tunnel");
    let top = tunnels.first().expect("a dns-tunnel finding");
    assert_eq!(top["details"]["domain"], "exfil-relay.net", "{top}");
    assert_eq!(top["level"], "high", "{top}");
    let beacons = of("dns-beacon");
    let top = beacons.first().expect("a dns-beacon finding");
    assert_eq!(top["details"]["name"], BEACON, "{top}");
    assert!(top["level"] == "medium" || top["level"] == "high", "{top}");
    // Nothing any benign name gives reaches medium.
    for f in findings {
        let text = f.to_string();
        if BENIGN.iter().any(|b| text.contains(b)) {
            assert_eq!(f["level"], "low", "{f}");
        }
    }
}
