//! `ward hunt`: read logs, run rules and analytics, trace the outbreak, write the case.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use ward_analytics::{Assets, Case, Intel};
use ward_audit::{AuditConfig, Auditor};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

use crate::cli::{Format, HuntArgs, HuntOptions};
use crate::pipeline::{self, RunOptions};
use crate::{builtin, exit, output};

/// Runs `ward hunt`.
pub fn run(args: HuntArgs) -> Result<u8> {
    let inputs = ward_ingest::discover(&args.paths)?;
    if inputs.is_empty() {
        bail!("no input files under {}", display_paths(&args.paths));
    }
    let mut auditor = Auditor::new(AuditConfig::default());
    let mut case = hunt_case(inputs, &args.options, &mut auditor)?;
    let readiness = auditor.finish();
    // Inside a hunt, readiness is shown only when the logs settled at least one check.
    if readiness.checks.iter().any(|c| c.status != "unknown") {
        case.readiness = Some(readiness);
    }
    finish(&case, &args.options)
}

/// Reads `inputs` with the hunt options and builds the case; `auditor` sees every event.
pub fn hunt_case(
    mut inputs: Vec<PathBuf>,
    options: &HuntOptions,
    auditor: &mut Auditor,
) -> Result<Case> {
    if let Some(n) = options.threads {
        // Only the first call in a process can size the pool; later calls keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let set = crate::rules::default_set(
        options.no_default_rules,
        options.rules_home.rules_home.as_deref(),
    )?;
    let (rules, mut rule_summary) = load_rules_with(&options.rules, set.as_ref())?;
    rule_summary.set = Some(crate::rules::set_label(
        set.as_ref(),
        options.no_default_rules,
    ));
    // The inventory is configuration, not evidence: never read it as a log.
    if let Some(assets) = options
        .assets
        .as_deref()
        .and_then(|p| p.canonicalize().ok())
    {
        inputs.retain(|p| p.canonicalize().ok().as_deref() != Some(assets.as_path()));
    }
    let assets = match &options.assets {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open assets file {}", path.display()))?;
            Assets::from_csv_reader(file)
                .with_context(|| format!("reading assets file {}", path.display()))?
        }
        None => Assets::default(),
    };
    // Roles tell servers (where admin logons are administration) from workstations.
    auditor.set_assets(assets.clone());
    let intel = load_intel(&options.intel, options.quiet)?;
    let run_options = RunOptions {
        from: options.from,
        to: options.to,
        min_level: options.min_level,
        assets,
        intel,
        spill_chunk: options.spill_chunk,
        syslog_year: options.year,
        tuning: load_tuning(options.tuning.as_deref(), options.quiet)?,
        limits: options.limits(),
    };

    let bar = if !options.quiet && std::io::stderr().is_terminal() {
        let bar =
            ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} reading {pos}/{len} files [{elapsed}] {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut case = pipeline::run(&inputs, &rules, &run_options, auditor, &|path| {
        bar.set_message(path.display().to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    case.rules = rule_summary;
    Ok(case)
}

/// Writes the case as the options ask and picks the exit code.
pub fn finish(case: &Case, options: &HuntOptions) -> Result<u8> {
    let color = use_color();
    // A large case keeps its detections in a temporary file: read it through once before any
    // output is written, so a damaged file fails the run instead of cutting an output short.
    if case.detections.in_memory().is_none() {
        let _ = case.detections.iter().count();
        if let Some(e) = case.detections.error() {
            bail!("reading the detections back from the temporary file: {e}");
        }
    }
    output::write_case(
        case,
        options.format,
        options.output.as_deref(),
        color,
        terminal_width(),
    )?;
    if let Some(html) = &options.html {
        output::write_html(case, html)?;
    }
    if options.pivot {
        crate::pivot::write_for_case(case)?;
    }
    if let Some(dir) = &options.respond {
        crate::respond::write_from_case(case, dir, &options.tlp, options.quiet)?;
    }
    let summary_elsewhere = options.format != Format::Table || options.output.is_some();
    if !options.quiet && summary_elsewhere {
        let mut err = std::io::stderr().lock();
        ward_report::write_summary(
            case,
            &mut err,
            ward_report::Style {
                color: use_color_stderr(),
                width: None,
            },
        )
        .context("writing the summary")?;
    }
    let found = options
        .fail_level
        .is_some_and(|level| case.detections.iter().any(|d| d.level >= level));
    // A large case reads its detections back from a temporary file for each output; a failed
    // read would have cut the outputs short.
    if let Some(e) = case.detections.error() {
        bail!("reading the detections back from the temporary file: {e}");
    }
    Ok(if found { exit::FOUND } else { exit::OK })
}

/// Loads the `[tuning]` table of `path` (`--tuning`); expired allow-list entries are named on
/// standard error unless `quiet` (they are in the report either way).
pub fn load_tuning(
    path: Option<&std::path::Path>,
    quiet: bool,
) -> Result<Option<ward_detect::tuning::Tuning>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let config = ward_detect::tuning::read_config(path)?
        .with_context(|| format!("{} has no [tuning] table", path.display()))?;
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    let now = ward_event::Timestamp::from_jiff(jiff::Timestamp::now());
    let tuning = ward_detect::tuning::Tuning::new(&config, base, now)
        .with_context(|| format!("loading tuning from {}", path.display()))?;
    if !quiet {
        for warning in tuning.warnings() {
            eprintln!("ward: warning: tuning: {warning}");
        }
    }
    Ok(Some(tuning))
}

/// Loads the threat-intelligence files (`--intel`); entries that are not indicators are skipped
/// and, unless `quiet`, listed on standard error.
pub fn load_intel(paths: &[PathBuf], quiet: bool) -> Result<Intel> {
    let mut intel = Intel::default();
    for path in paths {
        intel
            .load(path)
            .with_context(|| format!("reading threat intelligence {}", path.display()))?;
    }
    if !quiet {
        for skipped in intel.skipped() {
            eprintln!(
                "ward: intel: skipped {}: {}",
                skipped.source, skipped.reason
            );
        }
    }
    Ok(intel)
}

/// Loads Ward's built-in rules plus the user's; problems are counted, never fatal. (The
/// monitor's tests use it; the commands load the installed set too, with [`load_rules_with`].)
#[cfg_attr(not(test), allow(dead_code))]
pub fn load_rules(paths: &[PathBuf]) -> Result<(RuleSet, ward_analytics::case::RuleSummary)> {
    load_rules_with(paths, None)
}

/// Loads Ward's built-in rules, the installed rule set (`ward rules update`) when given, and
/// the user's.
pub fn load_rules_with(
    paths: &[PathBuf],
    set: Option<&crate::rules::store::InstalledSet>,
) -> Result<(RuleSet, ward_analytics::case::RuleSummary)> {
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    for (origin, text) in builtin::BUILTIN_RULES {
        builder.add_yaml(origin, text);
    }
    if let Some(set) = set {
        builder
            .add_path(&set.dir)
            .with_context(|| format!("loading the installed rule set {}", set.dir.display()))?;
    }
    for path in paths {
        builder
            .add_path(path)
            .with_context(|| format!("loading rules from {}", path.display()))?;
    }
    let (rules, report) = builder.build();
    let mut summary = ward_analytics::case::RuleSummary {
        loaded: report.loaded,
        skipped: report.problems.len(),
        ..Default::default()
    };
    for p in &report.problems {
        *summary
            .skipped_by_reason
            .entry(p.reason.to_string())
            .or_insert(0) += 1;
    }
    Ok((rules, summary))
}

/// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
fn use_color() -> bool {
    no_color_unset() && std::io::stdout().is_terminal()
}

/// The terminal's width when there is a terminal, so tables wrap instead of running off screen;
/// files and pipes get unwrapped tables.
fn terminal_width() -> Option<u16> {
    if std::io::stdout().is_terminal() || std::io::stderr().is_terminal() {
        comfy_table::Table::new().width()
    } else {
        None
    }
}

fn use_color_stderr() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
