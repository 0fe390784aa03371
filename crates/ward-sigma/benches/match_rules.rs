//! Matching throughput: `RuleSet::matches` over events read into memory beforehand.
//!
//! `cargo bench -p ward-sigma --bench match_rules`. Rule sets: Ward's own rules (`rules/`), and
//! those plus SigmaHQ's `rules/windows` from `../shared/data`. Events: the demo outbreak, and the
//! public EVTX attack samples from `../shared/data`. Whatever needs `../shared/data` is skipped,
//! with a message, when that folder is absent.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ward_event::Event;
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn shared_data() -> Option<PathBuf> {
    let data = Path::new(REPO).join("../shared/data");
    if data.is_dir() {
        return Some(data);
    }
    eprintln!(
        "skipping: ../shared/data not found ({}); SigmaHQ rules and EVTX samples not benched",
        data.display()
    );
    None
}

fn rules(dirs: &[PathBuf]) -> RuleSet {
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    for dir in dirs {
        builder.add_path(dir).expect("rule folder is readable");
    }
    builder.build().0
}

fn events(path: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    for input in ward_ingest::discover(&[path.to_path_buf()]).expect("event folder exists") {
        ward_ingest::read_path(&input, &mut |e| events.push(e));
    }
    events
}

fn matching(c: &mut Criterion) {
    let ward_rules = Path::new(REPO).join("rules");
    let mut rule_sets = vec![("ward", rules(std::slice::from_ref(&ward_rules)))];
    let mut inputs = vec![(
        "demo_outbreak",
        events(&Path::new(REPO).join("demo/outbreak")),
    )];
    if let Some(data) = shared_data() {
        let sigmahq = data.join("sigma/rules/windows");
        rule_sets.push(("ward+sigmahq_windows", rules(&[ward_rules, sigmahq])));
        inputs.push((
            "evtx_attack_samples",
            events(&data.join("evtx-attack-samples")),
        ));
    }

    let mut group = c.benchmark_group("match");
    for (rules_name, set) in &rule_sets {
        for (input_name, events) in &inputs {
            group.throughput(Throughput::Elements(events.len() as u64));
            group.bench_function(format!("{rules_name}/{input_name}"), |b| {
                b.iter(|| {
                    let mut hits = 0usize;
                    for event in events {
                        set.matches(black_box(event), &mut |_| hits += 1);
                    }
                    hits
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
