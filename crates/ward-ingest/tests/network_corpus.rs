//! Every network log in the shared corpora is sniffed and read; bad lines are counted, never
//! fatal. The per-format minimum event counts were measured on the corpora as committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ward_ingest::{FileReport, network};

fn data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    files: usize,
    events: u64,
    bad: u64,
}

fn read_corpus(root: &Path, folder: &str) -> (BTreeMap<&'static str, Tally>, Vec<PathBuf>) {
    let mut paths = Vec::new();
    files(&root.join(folder), &mut paths);
    paths.sort();
    let mut tally: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut unknown = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).expect("readable corpus file");
        let Some(format) = network::sniff(&bytes) else {
            unknown.push(path);
            continue;
        };
        let mut report = FileReport::new(path.display().to_string(), format.name());
        let mut events = 0u64;
        network::read(format, &mut &bytes[..], &mut report, &mut |_| events += 1);
        assert_eq!(events, report.events, "{}", path.display());
        let t = tally.entry(format.name()).or_default();
        t.files += 1;
        t.events += report.events;
        t.bad += report.bad_records;
    }
    (tally, unknown)
}

fn events(t: &BTreeMap<&'static str, Tally>, format: &str) -> u64 {
    t.get(format).map_or(0, |t| t.events)
}

fn bad(t: &BTreeMap<&'static str, Tally>, format: &str) -> u64 {
    t.get(format).map_or(0, |t| t.bad)
}

#[test]
fn zeek_corpora_parse() {
    let Some(root) = data() else { return };
    let (baseline, unknown) = read_corpus(&root, "zeek-baseline");
    // Most btest baselines mask `ts` as `XXXXXXXXXX.XXXXXX`: those records are bad lines.
    assert!(events(&baseline, "zeek-tsv") >= 295, "{baseline:?}");
    assert!(baseline.get("zeek-tsv").map_or(0, |t| t.files) >= 579);
    // COPYING, README and 11 header-less btest fragments (no #fields, no Zeek column names).
    assert_eq!(unknown.len(), 13, "{unknown:?}");
    let (rita, _) = read_corpus(&root, "rita");
    assert!(events(&rita, "zeek-tsv") >= 3921, "{rita:?}");
    assert_eq!(bad(&rita, "zeek-tsv"), 0);
    let (slips, _) = read_corpus(&root, "slips");
    assert!(events(&slips, "zeek-tsv") >= 41, "{slips:?}");
    assert!(events(&slips, "zeek-json") >= 50, "{slips:?}");
}

#[test]
fn firewall_and_proxy_corpora_parse() {
    let Some(root) = data() else { return };
    let (hub, _) = read_corpus(&root, "crowdsec-hub");
    assert!(events(&hub, "iptables") >= 52, "{hub:?}");
    // One iptables test line spells `XX=` for `IN=` on purpose.
    assert_eq!(bad(&hub, "iptables"), 1);
    assert!(events(&hub, "pf-filterlog") >= 29, "{hub:?}");
    assert!(events(&hub, "fortigate") >= 9, "{hub:?}");
    let (plaso, _) = read_corpus(&root, "plaso-testdata");
    assert_eq!(events(&plaso, "windows-firewall"), 15);
    let (elastic, _) = read_corpus(&root, "elastic-fw-samples");
    assert_eq!(events(&elastic, "cisco-asa"), 27);
    assert_eq!(events(&elastic, "fortigate"), 5);
    assert_eq!(events(&elastic, "squid"), 60);
    for t in elastic.values().chain(plaso.values()) {
        assert_eq!(t.bad, 0, "{elastic:?} {plaso:?}");
    }
}

#[test]
fn scan_lines_keep_their_addresses() {
    let Some(root) = data() else { return };
    let path = root.join("crowdsec-hub/tests/pf-scan-multi-port/pf-scan-multi-port.log");
    let bytes = std::fs::read(&path).expect("pf scan log");
    let format = network::sniff(&bytes).expect("sniffed");
    assert_eq!(format.name(), "pf-filterlog");
    let mut report = FileReport::new("pf", format.name());
    let mut ports = Vec::new();
    network::read(format, &mut &bytes[..], &mut report, &mut |e| {
        assert_eq!(e.fields.get_str("src_ip"), Some("10.0.2.2"));
        assert_eq!(e.host.short(), "PFSENSE");
        assert_eq!(e.source.category.as_deref(), Some("firewall"));
        ports.extend(e.fields.get("dst_port").and_then(|v| v.as_i64()));
    });
    assert_eq!(ports.len(), 16);
    assert_eq!(ports.first(), Some(&22));
}

#[test]
fn hostile_input_is_counted_not_fatal() {
    let mut log = b"#separator \\x09\n#fields\tts\tid.orig_h\n1.5\t10.0.0.1\n".to_vec();
    log.extend(std::iter::repeat_n(b'x', network::MAX_LINE_BYTES + 10));
    log.extend(b"\n\xff\xfe\t\x00\n2.5\t10.0.0.2\n");
    let format = network::sniff(&log).expect("zeek");
    let mut report = FileReport::new("evil.log", format.name());
    let mut hosts = Vec::new();
    network::read(format, &mut &log[..], &mut report, &mut |e| {
        hosts.extend(e.fields.get_str("src_ip").map(str::to_string))
    });
    assert_eq!(hosts, ["10.0.0.1", "10.0.0.2"]);
    assert_eq!(report.bad_records, 2);
    assert_eq!(report.errors.first().map(|e| e.position), Some(4));
}
