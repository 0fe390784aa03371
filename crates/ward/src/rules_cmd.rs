//! `ward rules check` and `ward rules test`; the installed sets' commands are in `crate::rules`.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ward_sigma::{Mapping, RegressionCase, RuleSet, RuleSetBuilder};

use crate::cli::{RulesCheckArgs, RulesCommand, RulesTestArgs};
use crate::exit;

/// The commands of installed rule sets (`update`, `rollback`, `list`, `show`).
pub fn manage(command: RulesCommand) -> Result<u8> {
    match command {
        RulesCommand::Check(args) => check(args),
        RulesCommand::Test(args) => test(args),
        RulesCommand::Update(args) => crate::rules::update(args),
        RulesCommand::Rollback(args) => crate::rules::rollback(args),
        RulesCommand::List(args) => crate::rules::list(args),
        RulesCommand::Show(args) => crate::rules::show(args),
    }
}

/// Lists every rule that will not load or can never match, and counts them by reason.
pub fn check(args: RulesCheckArgs) -> Result<u8> {
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    for path in &args.paths {
        builder
            .add_path(path)
            .with_context(|| format!("loading rules from {}", path.display()))?;
    }
    let (_rules, report) = builder.build();
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for p in &report.problems {
        *by_reason.entry(p.reason.to_string()).or_insert(0) += 1;
        if !args.summary {
            println!(
                "{}\t{}\t{}\t{}\t{}",
                p.reason,
                p.origin,
                p.rule_id.as_deref().unwrap_or("-"),
                p.title.as_deref().unwrap_or("-"),
                p.detail
            );
        }
    }
    println!(
        "{} rules loaded, {} not loaded or never matching",
        report.loaded,
        report.problems.len()
    );
    for (reason, n) in &by_reason {
        println!("  {n:>5}  {reason}");
    }
    Ok(if report.problems.is_empty() {
        exit::OK
    } else {
        exit::FOUND
    })
}

/// Runs SigmaHQ-style regression tests and prints one line per test.
pub fn test(args: RulesTestArgs) -> Result<u8> {
    let root = regression_root(&args.path);
    let cases = ward_sigma::regression_tests(&root)
        .with_context(|| format!("reading tests under {}", root.display()))?;
    let rule_paths = if args.rules.is_empty() {
        default_rule_dirs(&root)
    } else {
        args.rules.clone()
    };
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    for path in &rule_paths {
        builder
            .add_path(path)
            .with_context(|| format!("loading rules from {}", path.display()))?;
    }
    let (rules, _report) = builder.build();
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in &cases {
        let input = if args.json { &case.json } else { &case.evtx };
        match run_case(&rules, case, input) {
            Ok(()) => passed += 1,
            Err(why) => {
                failed += 1;
                println!("FAIL {} {}: {why}", case.rule_id, input.display());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { exit::OK } else { exit::FOUND })
}

/// Passes when the case's rule fires on its input (exactly `match_count` times when given).
fn run_case(rules: &RuleSet, case: &RegressionCase, input: &Path) -> Result<(), String> {
    let Some(rule) = rules.find(&case.rule_id) else {
        return Err("rule not loaded (see `ward rules check`)".to_string());
    };
    let mut hits = 0u64;
    let reports = ward_ingest::read_path(input, &mut |event| {
        rules.matches(&event, &mut |idx| {
            if idx == rule {
                hits += 1;
            }
        })
    });
    if reports.iter().map(|r| r.events).sum::<u64>() == 0 {
        let why = reports
            .iter()
            .flat_map(|r| r.errors.first())
            .next()
            .map_or("empty input".to_string(), |e| e.to_string());
        return Err(format!("no events read: {why}"));
    }
    match case.match_count {
        Some(want) if hits != want => Err(format!("{hits} matches, expected {want}")),
        None if hits == 0 => Err("no match".to_string()),
        _ => Ok(()),
    }
}

fn regression_root(path: &Path) -> PathBuf {
    let inner = path.join("regression_data");
    if inner.is_dir() {
        inner
    } else {
        path.to_path_buf()
    }
}

/// The `rules*` folders beside a `regression_data` folder, as in a SigmaHQ checkout.
fn default_rule_dirs(regression_root: &Path) -> Vec<PathBuf> {
    let Some(parent) = regression_root.parent() else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("rules"))
        })
        .collect();
    dirs.sort();
    dirs
}
