//! `ward respond`: the containment kit of a case (`ward_respond`), from its JSON report or,
//! with `ward hunt --respond DIR`, straight from the hunt.

use crate::cli::RespondArgs;
use crate::exit;
use anyhow::{Context, Result};
use std::path::Path;
use ward_analytics::Case;
use ward_respond::{KitOptions, KitSummary, read_case, write_kit};

/// Runs `ward respond`.
pub fn run(args: RespondArgs) -> Result<u8> {
    let case = read_case(&args.case)?;
    let summary = write_kit(&case, &KitOptions { tlp: args.tlp }, &args.out)?;
    report_to_stderr(&summary, &args.out);
    Ok(exit::OK)
}

/// Writes the kit of a case just hunted.
pub fn write_from_case(case: &Case, dir: &Path, tlp: &str, quiet: bool) -> Result<()> {
    let mut json = Vec::new();
    ward_report::write_json(case, &mut json).context("encoding the case for the kit")?;
    let report: ward_respond::CaseReport =
        serde_json::from_slice(&json).context("reading the case back for the kit")?;
    let summary = write_kit(&report, &KitOptions { tlp: tlp.into() }, dir)?;
    if !quiet {
        report_to_stderr(&summary, dir);
    }
    Ok(())
}

fn report_to_stderr(summary: &KitSummary, dir: &Path) {
    let (accounts, devices, indicators) = summary.counts;
    eprintln!(
        "ward respond: wrote {} files to {}: {accounts} accounts to reset, {devices} devices to isolate, {indicators} indicators",
        summary.files.len(),
        dir.display()
    );
    for r in &summary.refused {
        eprintln!("ward respond: left out {r}");
    }
}
