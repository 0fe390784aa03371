//! Every SigmaHQ rule must load; Windows rules must load without problems.

use std::path::PathBuf;

use ward_sigma::{LoadReport, Mapping, ProblemKind, RuleSetBuilder};

fn data() -> Option<PathBuf> {
    ward_testdata::shared("sigma")
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
    let file = origin.rsplit('/').next().unwrap_or(origin);
    origin.contains("/windows/")
        || file.starts_with("win_")
        || file.starts_with("proc_")
        || file.starts_with("registry_")
}

/// Windows rules that cannot load without site configuration: they `expand` a placeholder
/// (the list of the site's domain controllers) that only the operator can fill in.
const NEEDS_PLACEHOLDERS: &[&str] = &["known_cdcs"];

#[test]
fn every_windows_rule_loads() {
    let Some((set, report)) = load(&["rules", "rules-emerging-threats", "rules-threat-hunting"])
    else {
        return;
    };
    let windows: Vec<_> = report
        .problems
        .iter()
        .filter(|p| is_windows(&p.origin))
        .filter(|p| {
            !(p.reason == ProblemKind::UnknownPlaceholder
                && NEEDS_PLACEHOLDERS
                    .iter()
                    .any(|n| p.detail == format!("%{n}%")))
        })
        .collect();
    for p in &windows {
        eprintln!("{p}");
    }
    eprintln!(
        "loaded {} rules; problems by reason: {:?}",
        report.loaded,
        report.counts()
    );
    for p in report.problems.iter().filter(|p| !is_windows(&p.origin)) {
        eprintln!("non-windows: {p}");
    }
    assert!(
        windows.is_empty(),
        "{} Windows rules did not load",
        windows.len()
    );
    assert!(set.len() > 3500, "only {} rules loaded", set.len());
}

#[test]
fn placeholder_rules_load_once_configured() {
    let Some(root) = data() else { return };
    let dir = root.join("rules-emerging-threats/2026/Exploits/CVE-2026-54121");
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_path(&dir).expect("folder readable");
    let (_, before) = b.build();
    assert_eq!(before.counts(), [(ProblemKind::UnknownPlaceholder, 2)]);

    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.set_placeholder("known_cdcs", vec!["DC01".into(), "10.0.0.1".into()]);
    b.add_path(&dir).expect("folder readable");
    let (set, after) = b.build();
    assert!(after.problems.is_empty(), "{:?}", after.problems);
    assert_eq!(set.len(), before.loaded + 2);
}

/// Ward's own rule pack (`rules/` at the repository root) loads without problems.
#[test]
fn ward_rule_pack_loads() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules"));
    if !root.is_dir() {
        eprintln!("skipping: rules/ absent");
        return;
    }
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_path(&root).expect("rules folder readable");
    let (set, report) = b.build();
    for p in &report.problems {
        eprintln!("{p}");
    }
    assert!(report.problems.is_empty());
    assert!(set.len() >= 10, "{} rules", set.len());
}
