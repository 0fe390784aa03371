//! The summary's findings: a few per analytic, most severe first, and how many are left out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::text::visible;
use ward_analytics::case::Finding;

/// Findings listed per analytic before the summary points to the full report.
const FINDINGS_PER_ANALYTIC: usize = 5;

/// The findings to list: analytics most severe first, and in each its [`FINDINGS_PER_ANALYTIC`]
/// most severe (earliest first among equals); with how many each analytic leaves out.
pub(super) fn top_per_analytic<'a>(
    findings: &[&'a Finding],
) -> (Vec<&'a Finding>, Vec<(String, usize)>) {
    let mut groups: BTreeMap<&str, Vec<&'a Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(f.analytic.as_str()).or_default().push(f);
    }
    let mut groups: Vec<Vec<&'a Finding>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|a, b| (b.level, a.first_seen, &a.host).cmp(&(a.level, b.first_seen, &b.host)));
    }
    groups.sort_by(|a, b| (b[0].level, a[0].first_seen).cmp(&(a[0].level, b[0].first_seen)));
    let mut shown = Vec::new();
    let mut more = Vec::new();
    for g in groups {
        if g.len() > FINDINGS_PER_ANALYTIC {
            more.push((g[0].analytic.to_string(), g.len() - FINDINGS_PER_ANALYTIC));
        }
        shown.extend(g.into_iter().take(FINDINGS_PER_ANALYTIC));
    }
    (shown, more)
}

pub(super) fn more_findings(out: &mut dyn Write, more: &[(String, usize)]) -> io::Result<()> {
    for (analytic, n) in more {
        writeln!(
            out,
            "… and {n} more {} finding{} (all are in the JSON and HTML reports).",
            visible(analytic),
            if *n == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn findings_are_listed_a_few_per_analytic_most_severe_first() {
        use ward_analytics::case::Finding;
        use ward_event::{Level, Timestamp};
        let finding = |analytic: &str, level: Level, minute: u32| Finding {
            analytic: ward_analytics::Analytic::from_name(analytic).expect("a known analytic"),
            title: String::new(),
            level,
            host: format!("H{minute}"),
            first_seen: Timestamp::parse(&format!("2026-03-02T10:{minute:02}:00Z")).unwrap(),
            last_seen: Timestamp::parse(&format!("2026-03-02T10:{minute:02}:00Z")).unwrap(),
            summary: String::new(),
            details: Default::default(),
            evidence: Vec::new(),
        };
        let mut all: Vec<Finding> = (0..8).map(|m| finding("beacon", Level::Low, m)).collect();
        all.push(finding("beacon", Level::High, 30));
        all.push(finding("recon-burst", Level::Critical, 40));
        let refs: Vec<&Finding> = all.iter().collect();
        let (shown, more) = super::top_per_analytic(&refs);
        let rows: Vec<(&str, &str)> = shown
            .iter()
            .map(|f| (f.analytic.as_str(), f.host.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("recon-burst", "H40"),
                ("beacon", "H30"),
                ("beacon", "H0"),
                ("beacon", "H1"),
                ("beacon", "H2"),
                ("beacon", "H3"),
            ]
        );
        assert_eq!(more, [("beacon".to_string(), 4)]);
        let mut out = Vec::new();
        super::more_findings(&mut out, &more).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "… and 4 more beacon findings (all are in the JSON and HTML reports).\n"
        );
    }
}
