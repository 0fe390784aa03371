//! `ward hunt`: read logs, run rules and analytics, trace the outbreak, write the case.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use ward_analytics::Assets;
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

use crate::cli::{Format, HuntArgs};
use crate::pipeline::{self, RunOptions};
use crate::{builtin, exit, output};

/// Runs `ward hunt`.
pub fn run(args: HuntArgs) -> Result<u8> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting worker threads")?;
    }
    let (rules, rule_summary) = load_rules(&args.rules)?;
    let mut inputs = ward_ingest::discover(&args.paths)?;
    // The inventory is configuration, not evidence: never read it as a log.
    if let Some(assets) = args.assets.as_deref().and_then(|p| p.canonicalize().ok()) {
        inputs.retain(|p| p.canonicalize().ok().as_deref() != Some(assets.as_path()));
    }
    if inputs.is_empty() {
        bail!("no input files under {}", display_paths(&args.paths));
    }
    let assets = match &args.assets {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open assets file {}", path.display()))?;
            Assets::from_csv_reader(file)
                .with_context(|| format!("reading assets file {}", path.display()))?
        }
        None => Assets::default(),
    };
    let options = RunOptions {
        from: args.from,
        to: args.to,
        min_level: args.min_level,
        assets,
    };

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = if show_progress {
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
    let mut case = pipeline::run(&inputs, &rules, &options, &|path| {
        bar.set_message(path.display().to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    case.rules = rule_summary;

    let color = use_color();
    output::write_case(&case, args.format, args.output.as_deref(), color)?;
    if let Some(html) = &args.html {
        output::write_html(&case, html)?;
    }
    let summary_elsewhere = args.format != Format::Table || args.output.is_some();
    if !args.quiet && summary_elsewhere {
        let mut err = std::io::stderr().lock();
        ward_report::write_summary(&case, &mut err, ward_report::Style { color, width: None })
            .context("writing the summary")?;
    }
    let found = args
        .fail_level
        .is_some_and(|level| case.detections.iter().any(|d| d.level >= level));
    Ok(if found { exit::FOUND } else { exit::OK })
}

/// Loads Ward's built-in rules plus the user's; problems are counted, never fatal.
pub fn load_rules(
    paths: &[std::path::PathBuf],
) -> Result<(RuleSet, ward_analytics::case::RuleSummary)> {
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    for (origin, text) in builtin::BUILTIN_RULES {
        builder.add_yaml(origin, text);
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
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn display_paths(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
