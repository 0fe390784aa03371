//! `ward respond` end to end, for what it shares: on the demo outbreak and on a generated
//! hospital, `iocs.stix.json` passes the OASIS validator, its IP indicators are exactly the C2
//! addresses of the case (the demo's worm-device findings; the hospital's ground truth), and
//! Kwampirs / Orangeworm are named; `misp-event.json` shares the same addresses.

mod common;

use common::{read_json as read, repo as root, ward};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

/// The addresses of the bundle's `ipv4-addr`/`ipv6-addr` indicators.
fn stix_ips(bundle: &Value) -> BTreeSet<String> {
    bundle["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "indicator")
        .filter_map(|o| o["pattern"].as_str())
        .filter_map(|p| {
            p.strip_prefix("[ipv4-addr:value = '")
                .or_else(|| p.strip_prefix("[ipv6-addr:value = '"))
        })
        .map(|rest| rest.trim_end_matches("']").to_string())
        .collect()
}

fn misp_ips(event: &Value) -> BTreeSet<String> {
    event["Event"]["Attribute"]
        .as_array()
        .expect("attributes")
        .iter()
        .filter(|a| a["type"] == "ip-dst")
        .filter_map(|a| a["value"].as_str().map(String::from))
        .collect()
}

fn names(bundle: &Value, kind: &str) -> BTreeSet<String> {
    bundle["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == kind)
        .filter_map(|o| o["name"].as_str().map(String::from))
        .collect()
}

/// Runs the OASIS `stix2-validator`; skips with a message when python3 or the module is absent.
fn assert_oasis_valid(path: &Path) {
    const SCRIPT: &str = "import sys
try:
    from stix2validator import validate_file, print_results, ValidationOptions
except ImportError as e:
    print(e); sys.exit(77)
r = validate_file(sys.argv[1], ValidationOptions())
print_results(r)
sys.exit(0 if r.is_valid else 1)
";
    let out = match Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!(
                "skipped the OASIS STIX validation: no python3 ({e}); run scripts/install-test-deps.sh"
            );
            return;
        }
    };
    let report = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(77) {
        eprintln!("skipped the OASIS STIX validation: {report}; run scripts/install-test-deps.sh");
        return;
    }
    eprintln!("stix2-validator on {}:\n{report}", path.display());
    assert!(out.status.success(), "{}: {report}", path.display());
}

/// External C2 addresses of the case, read straight from its findings: destinations (and
/// intel-matched addresses) of the C2 analytics on affected devices, above low.
fn case_c2(case: &Value) -> BTreeSet<String> {
    const C2: &[&str] = &[
        "beacon",
        "http-ip-literal",
        "encoded-query",
        "intel-match",
        "c2-fallback",
        "network-spread",
    ];
    let affected: BTreeSet<&str> = case["overview"]["affected_devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["host"].as_str())
        .collect();
    let mut ips = BTreeSet::new();
    for f in case["findings"].as_array().expect("findings") {
        let analytic = f["analytic"].as_str().unwrap_or("");
        let level = f["level"].as_str().unwrap_or("");
        if !C2.contains(&analytic)
            || !affected.contains(f["host"].as_str().unwrap_or(""))
            || matches!(level, "low" | "informational")
        {
            continue;
        }
        let d = &f["details"];
        let value = if analytic == "intel-match" {
            d["matched"].as_str()
        } else {
            d["destination"].as_str()
        };
        let Some(value) = value else { continue };
        let host = value.rsplit_once(':').map_or(value, |(h, _)| h);
        if let Ok(IpAddr::V4(ip)) = host.parse::<IpAddr>()
            && !(ip.is_private() || ip.is_loopback() || ip.is_link_local())
        {
            ips.insert(ip.to_string());
        }
    }
    ips
}

#[test]
fn demo_kit_shares_the_case_c2_as_valid_stix_and_misp() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let case = dir.path().join("case.json");
    let kit = dir.path().join("kit");
    let demo = root().join("demo/outbreak");
    ward(&[
        "hunt".as_ref(),
        demo.as_os_str(),
        "--assets".as_ref(),
        demo.join("assets.csv").as_os_str(),
        "--intel".as_ref(),
        root().join("demo/intel/kwampirs.txt").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-q".as_ref(),
        "-o".as_ref(),
        case.as_os_str(),
    ]);
    ward(&[
        "respond".as_ref(),
        case.as_os_str(),
        "--out".as_ref(),
        kit.as_os_str(),
    ]);
    let stix = kit.join("iocs.stix.json");
    assert_oasis_valid(&stix);
    let bundle = read(&stix);
    let c2 = case_c2(&read(&case));
    assert!(
        ["185.141.27.90", "198.51.100.23", "91.219.236.174"]
            .iter()
            .all(|ip| c2.contains(*ip)),
        "{c2:?}"
    );
    assert_eq!(stix_ips(&bundle), c2);
    assert_eq!(misp_ips(&read(&kit.join("misp-event.json"))), c2);
    assert_eq!(
        names(&bundle, "malware"),
        BTreeSet::from(["Kwampirs".into()])
    );
    assert_eq!(
        names(&bundle, "intrusion-set"),
        BTreeSet::from(["Orangeworm".into()])
    );

    // The same case gives the same bytes.
    let again = dir.path().join("kit2");
    ward(&[
        "respond".as_ref(),
        case.as_os_str(),
        "--out".as_ref(),
        again.as_os_str(),
    ]);
    for f in ["iocs.stix.json", "misp-event.json"] {
        assert_eq!(
            std::fs::read(kit.join(f)).expect("read"),
            std::fs::read(again.join(f)).expect("read"),
            "{f}"
        );
    }
}

#[test]
fn hospital_kit_shares_exactly_the_true_c2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let Some(hospital) = common::hospital(dir.path(), 3, 7, "service") else {
        return;
    };
    let kit = dir.path().join("kit");
    ward(&[
        "hunt".as_ref(),
        hospital.as_os_str(),
        "--assets".as_ref(),
        hospital.join("assets.csv").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-q".as_ref(),
        "-o".as_ref(),
        dir.path().join("case.json").as_os_str(),
        "--respond".as_ref(),
        kit.as_os_str(),
        "--tlp".as_ref(),
        "green".as_ref(),
    ]);
    let truth = read(&hospital.join("truth.json"));
    let c2: BTreeSet<String> = truth["c2"]
        .as_array()
        .expect("truth c2")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let stix = kit.join("iocs.stix.json");
    assert_oasis_valid(&stix);
    let bundle = read(&stix);
    assert_eq!(stix_ips(&bundle), c2);
    assert_eq!(misp_ips(&read(&kit.join("misp-event.json"))), c2);
    assert!(
        bundle.to_string().contains("TLP:GREEN"),
        "--tlp green marks the bundle"
    );
}
