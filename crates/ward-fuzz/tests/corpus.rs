//! Replays every fuzz target's committed corpus (`fuzz/corpus/<target>/`) and its regression
//! inputs (`fuzz/regressions/<target>/`, each a crash, hang or blow-up a fuzzer once found)
//! through the target's body: the short run of every target that the test command makes, in
//! seconds and without a nightly or sanitizer build.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An input slower than this is a hang (a debug build on a loaded machine included).
const SLOW: Duration = Duration::from_secs(20);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn every_target_replays_its_corpus_and_regressions_without_a_crash() {
    let mut summary = Vec::new();
    for (name, body) in ward_fuzz::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(name));
        let regressions = inputs(&fuzz_dir().join("regressions").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz target {name} has no corpus in fuzz/corpus/{name}/ (seed it: docs/security.md)"
        );
        let started = Instant::now();
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).expect("corpus input readable");
            let one = Instant::now();
            body(&data);
            assert!(
                one.elapsed() < SLOW,
                "{name}: {} took {:?}, a hang",
                path.display(),
                one.elapsed()
            );
        }
        summary.push(format!(
            "{name}: {} corpus + {} regression inputs in {:?}",
            corpus.len(),
            regressions.len(),
            started.elapsed()
        ));
    }
    println!("{}", summary.join("\n"));
}

#[test]
fn every_fuzz_target_binary_calls_its_body() {
    for (name, _) in ward_fuzz::TARGETS {
        let source = std::fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{name}.rs")))
            .unwrap_or_else(|e| panic!("fuzz/fuzz_targets/{name}.rs: {e}"));
        assert!(
            source.contains(&format!("ward_fuzz::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs does not call ward_fuzz::{name}"
        );
    }
}
