//! The summary's incidents: what to handle as one piece of work, before the detail behind it.

use std::io::{self, Write};

use crate::incidents::Incident;
use crate::text::visible;

/// Names listed per line before "and N more".
const NAMES_SHOWN: usize = 8;

/// Writes one block per incident: id, level and title, then how it moved, what it reached,
/// whom to reset and where it called, and the findings on its devices.
pub(super) fn write(out: &mut dyn Write, incidents: &[Incident]) -> io::Result<()> {
    for i in incidents {
        writeln!(
            out,
            "{} [{}] {}",
            visible(&i.id),
            i.level.as_str(),
            visible(&i.title)
        )?;
        writeln!(
            out,
            "  moved by {} · artefacts {} · clusters {}",
            visible(&list(&i.channels)),
            visible(&list(&i.artefacts)),
            visible(&list(&i.clusters))
        )?;
        if let (Some(first), Some(last)) = (i.first_seen, i.last_seen) {
            writeln!(out, "  from {first} to {last}")?;
        }
        let devices: Vec<String> = i
            .devices
            .iter()
            .map(|d| match (d.clinical, &d.role) {
                (true, Some(role)) => format!("{} ({role}, clinical)", d.host),
                (true, None) => format!("{} (clinical)", d.host),
                _ => d.host.clone(),
            })
            .collect();
        writeln!(out, "  devices: {}", visible(&shortened(&devices)))?;
        if !i.accounts_to_reset.is_empty() {
            writeln!(
                out,
                "  accounts to reset: {}",
                visible(&shortened(&i.accounts_to_reset))
            )?;
        }
        if !i.c2_destinations.is_empty() {
            writeln!(
                out,
                "  calls out to: {}",
                visible(&shortened(&i.c2_destinations))
            )?;
        }
        if !i.findings.is_empty() {
            let findings: Vec<String> = i
                .findings
                .iter()
                .map(|(analytic, n)| format!("{analytic} {n}"))
                .collect();
            writeln!(out, "  findings on its devices: {}", findings.join(", "))?;
        }
    }
    Ok(())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

fn shortened(items: &[String]) -> String {
    let shown = items[..items.len().min(NAMES_SHOWN)].join(", ");
    match items.len().saturating_sub(NAMES_SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
