//! Every SigmaHQ rule must load; Windows rules must load without problems.

use std::path::PathBuf;

use ward_sigma::{LoadReport, Mapping, ProblemKind, RuleSetBuilder};

fn data() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/sigma"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/data absent");
        None
    }
}

fn load(dirs: &[&str]) -> Option<(ward_sigma::RuleSet, LoadReport)> {
    let root = data()?;
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    for d in dirs {
        b.add_path(&root.join(d)).expect("rules folder readable");
    }
    Some(b.build())
}

fn is_windows(origin: &str) -> bool {
    origin.contains("/windows/")
}

#[test]
fn every_windows_rule_loads() {
    let Some((set, report)) = load(&["rules", "rules-emerging-threats", "rules-threat-hunting"]) else { return };
    let windows: Vec<_> = report.problems.iter().filter(|p| is_windows(&p.origin)).collect();
    for p in &windows {
        eprintln!("{p}");
    }
    eprintln!("loaded {} rules; problems by reason: {:?}", report.loaded, report.counts());
    for p in report.problems.iter().filter(|p| !is_windows(&p.origin)) {
        eprintln!("non-windows: {p}");
    }
    assert!(windows.is_empty(), "{} Windows rules did not load", windows.len());
    assert!(set.len() > 3500, "only {} rules loaded", set.len());
}
