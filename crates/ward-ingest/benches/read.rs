//! Reader throughput: bytes already in memory to `Event`s, so disk speed stays out of the figure.
//!
//! `cargo bench -p ward-ingest --bench read`. The JSON-lines input is the demo outbreak's host
//! logs; the EVTX input is one file of the public attack samples under `../shared/data`, skipped
//! (with a message) when that folder is absent.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const EVTX_SAMPLE: &str = "evtx-attack-samples/Lateral Movement/LM_5145_Remote_FileCopy.evtx";

/// Each file's display name and bytes.
type Inputs = Vec<(String, Vec<u8>)>;

fn load(paths: &[PathBuf]) -> Inputs {
    ward_ingest::discover(paths)
        .expect("bench inputs exist")
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("bench input is readable");
            (p.display().to_string(), bytes)
        })
        .collect()
}

/// Reads every input, returning the number of events.
fn read_all(inputs: &Inputs) -> u64 {
    let mut events = 0;
    for (name, bytes) in inputs {
        ward_ingest::read_reader(name, Box::new(bytes.as_slice()), &mut |e| {
            black_box(e);
            events += 1;
        });
    }
    events
}

fn bench_inputs(c: &mut Criterion, name: &str, inputs: &Inputs) {
    let events = read_all(inputs);
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(events));
    group.bench_function(name, |b| b.iter(|| read_all(black_box(inputs))));
    group.finish();
}

fn jsonl(c: &mut Criterion) {
    let demo: Vec<PathBuf> = ward_ingest::discover(&[Path::new(REPO).join("demo/outbreak")])
        .expect("demo/outbreak exists")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    bench_inputs(c, "jsonl_demo_outbreak", &load(&demo));
}

fn evtx(c: &mut Criterion) {
    let data = Path::new(REPO).join("../shared/data");
    if !data.is_dir() {
        eprintln!(
            "skipping: ../shared/data not found ({}); EVTX reader bench not run",
            data.display()
        );
        return;
    }
    bench_inputs(c, "evtx_attack_sample", &load(&[data.join(EVTX_SAMPLE)]));
}

criterion_group!(benches, jsonl, evtx);
criterion_main!(benches);
