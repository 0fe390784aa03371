//! The terminal summary: what a person reads first after `ward hunt`. Most urgent first: the
//! verdict and the incidents to handle, then what was read, what ran, what matched, the
//! outbreak and the findings.

mod findings;
mod incidents;

use crate::Style;
use crate::network::{figures_line, is_network, network_analytic};
use crate::overview::{AffectedDevice, Overview, Verdict, is_worm};
use crate::readiness::{self, Status};
use crate::text::{clip, visible};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use owo_colors::OwoColorize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use ward_analytics::Case;
use ward_analytics::case::{AccountEntry, Cluster, Finding, Readiness, Verdict as ClusterVerdict};
use ward_event::Level;

/// Files with read errors listed before the summary says "and N more".
const FILES_WITH_ERRORS_SHOWN: usize = 5;
/// Rows in the "by host" and "top rules" tables.
const TOP_ROWS: usize = 10;

/// Writes the terminal summary of `case`. Colour and width come from `style`.
pub fn write_summary(case: &Case, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let overview = Overview::of(case);
    let s = Summary {
        case,
        overview: &overview,
        style,
    };
    s.verdict(out)?;
    let incidents = crate::incidents::incidents_of(case);
    if !incidents.is_empty() {
        s.heading(out, "Incidents")?;
        incidents::write(out, &incidents)?;
    }
    s.inputs(out)?;
    s.rules(out)?;
    s.detections(out)?;
    if overview.has_spread() {
        s.outbreak(out)?;
    }
    s.findings(out)?;
    if let Some(readiness) = &case.readiness {
        s.readiness(out, readiness)?;
    }
    Ok(())
}

struct Summary<'a> {
    case: &'a Case,
    overview: &'a Overview,
    style: Style,
}

impl Summary<'_> {
    /// Readiness: the score, then every check (failures first) with a mark that reads without
    /// colour, and what to do about each failure.
    fn readiness(&self, out: &mut dyn Write, readiness: &Readiness) -> io::Result<()> {
        self.heading(out, "Readiness")?;
        let checks = readiness::ordered(readiness);
        let count = |s: Status| checks.iter().filter(|c| Status::of(c) == s).count();
        writeln!(
            out,
            "Score {} / 100 (share of decided checks that pass, weighted by severity): {} failed, {} unknown, {} passed.",
            readiness.score,
            count(Status::Fail),
            count(Status::Unknown),
            count(Status::Pass)
        )?;
        if checks.is_empty() {
            return Ok(());
        }
        let mut t = self.table(&[
            "status",
            "check",
            "severity",
            "what was found",
            "what to do",
        ]);
        for check in checks {
            let status = Status::of(check);
            let fix = match status {
                Status::Fail => visible(&check.remediation).into_owned(),
                _ => String::new(),
            };
            t.add_row(vec![
                self.status_cell(status),
                Cell::new(format!(
                    "{} ({})",
                    visible(&check.title),
                    visible(&check.id)
                )),
                self.level_cell(check.severity),
                Cell::new(visible(&check.summary)),
                Cell::new(fix),
            ]);
        }
        writeln!(out, "{t}")
    }

    /// The status mark, coloured only as a second cue when colour is on.
    fn status_cell(&self, status: Status) -> Cell {
        let cell = Cell::new(status.mark());
        match (self.style.color, status) {
            (true, Status::Fail) => cell.fg(Color::Red),
            (true, Status::Pass) => cell.fg(Color::Green),
            _ => cell,
        }
    }

    fn heading(&self, out: &mut dyn Write, title: &str) -> io::Result<()> {
        if self.style.color {
            writeln!(out, "\n{}", title.bold().underline())
        } else {
            writeln!(out, "\n{title}\n{}", "-".repeat(title.chars().count()))
        }
    }

    fn table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED).force_no_tty();
        if self.style.color {
            t.enforce_styling();
        }
        if let Some(w) = self.style.width {
            t.set_width(w)
                .set_content_arrangement(ContentArrangement::Dynamic);
        }
        t.set_header(header.iter().copied());
        t
    }

    fn level_cell(&self, level: Level) -> Cell {
        let cell = Cell::new(level.as_str());
        if !self.style.color {
            return cell;
        }
        match level {
            Level::Critical => cell.fg(Color::Magenta),
            Level::High => cell.fg(Color::Red),
            Level::Medium => cell.fg(Color::Yellow),
            Level::Low => cell.fg(Color::Cyan),
            Level::Informational => cell,
        }
    }

    fn verdict(&self, out: &mut dyn Write) -> io::Result<()> {
        let o = self.overview;
        writeln!(
            out,
            "Ward {} report, made {}",
            visible(&self.case.ward_version),
            self.case.generated_at
        )?;
        let headline = o.headline;
        match (self.style.color, o.verdict) {
            (true, Verdict::Outbreak) => writeln!(out, "\n{}", headline.red().bold())?,
            (true, Verdict::SuspiciousSpread | Verdict::Alerts) => {
                writeln!(out, "\n{}", headline.yellow().bold())?
            }
            (true, Verdict::NothingFound) => writeln!(out, "\n{}", headline.green().bold())?,
            (false, _) => writeln!(out, "\n{headline}")?,
        }
        if !o.patient_zero.is_empty() {
            writeln!(
                out,
                "  Patient zero: {}",
                visible(&o.patient_zero.join(", "))
            )?;
        }
        if o.verdict == Verdict::Outbreak {
            writeln!(
                out,
                "  Devices affected: {} ({} clinical). Accounts to reset: {}, to review: {}.",
                o.affected_devices.len(),
                o.clinical_devices,
                o.accounts_to_reset,
                o.accounts_to_review
            )?;
        }
        let look = &o.needs_a_look;
        if !look.clusters.is_empty() {
            writeln!(
                out,
                "  Needs a look (not counted above): {} suspicious cluster(s) reaching {} other device(s); {} account(s) to reset if confirmed.",
                look.clusters.len(),
                look.devices.len(),
                look.accounts_to_reset_if_confirmed
            )?;
        }
        if let (Some(first), Some(last)) = (o.first_evidence, o.last_evidence) {
            writeln!(out, "  Evidence from {first} to {last}.")?;
        }
        writeln!(
            out,
            "  {} detections, {} findings.",
            count(o.detections),
            count(o.findings)
        )
    }

    fn inputs(&self, out: &mut dyn Write) -> io::Result<()> {
        let i = &self.case.inputs;
        self.heading(out, "Inputs")?;
        writeln!(
            out,
            "{} files, {} events, {} bad records.",
            count(i.files.len()),
            count(i.events as usize),
            count(i.bad_records as usize)
        )?;
        if !i.unrecognised.is_empty() {
            let shown: Vec<String> = i
                .unrecognised
                .iter()
                .take(3)
                .map(|p| visible(p).into_owned())
                .collect();
            let more = i.unrecognised.len().saturating_sub(shown.len());
            writeln!(
                out,
                "{} files skipped as no known log format: {}{}",
                count(i.unrecognised.len()),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
        let damaged: Vec<_> = i
            .files
            .iter()
            .filter(|f| f.bad_records > 0 || !f.errors.is_empty())
            .collect();
        if damaged.is_empty() {
            return Ok(());
        }
        let mut t = self.table(&["file", "format", "events", "bad", "first error"]);
        for f in damaged.iter().take(FILES_WITH_ERRORS_SHOWN) {
            let first = f
                .errors
                .first()
                .map_or(String::new(), |e| match e.unit.as_str() {
                    "file" => visible(&e.message).into_owned(),
                    unit => format!("{unit} {}: {}", e.position, visible(&e.message)),
                });
            t.add_row(vec![
                Cell::new(visible(&f.path)),
                Cell::new(visible(&f.format)),
                Cell::new(count(f.events as usize)),
                Cell::new(count(f.bad_records as usize)),
                Cell::new(clip(&first, 120)),
            ]);
        }
        writeln!(out, "{t}")?;
        if damaged.len() > FILES_WITH_ERRORS_SHOWN {
            let more = damaged.len() - FILES_WITH_ERRORS_SHOWN;
            writeln!(
                out,
                "… and {more} more files with errors (all are in the JSON and HTML reports)."
            )?;
        }
        Ok(())
    }

    fn rules(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.case.rules;
        self.heading(out, "Rules")?;
        if let Some(set) = &r.set {
            writeln!(out, "Rule set: {}.", visible(set))?;
        }
        writeln!(
            out,
            "{} loaded, {} skipped.",
            count(r.loaded),
            count(r.skipped)
        )?;
        if r.skipped > 0 {
            let reasons: Vec<String> = r
                .skipped_by_reason
                .iter()
                .map(|(why, n)| format!("{} ({n})", visible(why)))
                .collect();
            if !reasons.is_empty() {
                writeln!(out, "Skipped because: {}.", reasons.join(", "))?;
            }
            writeln!(
                out,
                "Run `ward rules check` to list the skipped rules and why."
            )?;
        }
        if let Some(t) = &self.case.tuning {
            let kinds: Vec<String> = t
                .by_kind()
                .iter()
                .map(|(kind, n)| format!("{} {}", kind.as_str(), count(*n as usize)))
                .collect();
            let overridden: u64 = t.level_overrides.iter().map(|o| o.count).sum();
            writeln!(
                out,
                "Tuning: {} detections suppressed{}; {} levels overridden.",
                count(t.suppressed_total as usize),
                if kinds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", kinds.join(", "))
                },
                count(overridden as usize)
            )?;
            for w in &t.warnings {
                writeln!(out, "Tuning warning: {}.", visible(w))?;
            }
        }
        Ok(())
    }

    fn detections(&self, out: &mut dyn Write) -> io::Result<()> {
        self.heading(out, "Detections")?;
        if self.case.detections.is_empty() {
            return writeln!(out, "No rule matched.");
        }
        let mut t = self.table(&["level", "detections"]);
        for (level, n) in self.case.detections_by_level().into_iter().rev() {
            t.add_row(vec![self.level_cell(level), Cell::new(count(n))]);
        }
        writeln!(out, "{t}")?;
        let mut hosts: Vec<(String, usize)> = self.case.detections_by_host().into_iter().collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut t = self.table(&["host", "detections"]);
        for (host, n) in hosts.iter().take(TOP_ROWS) {
            t.add_row(vec![Cell::new(visible(host)), Cell::new(count(*n))]);
        }
        writeln!(out, "{t}")?;
        if hosts.len() > TOP_ROWS {
            writeln!(out, "… and {} more hosts.", hosts.len() - TOP_ROWS)?;
        }
        self.top_rules(out)
    }

    fn top_rules(&self, out: &mut dyn Write) -> io::Result<()> {
        // rule id -> (level, title, hits, hosts)
        let mut rules: BTreeMap<String, (Level, String, usize, BTreeSet<String>)> = BTreeMap::new();
        for d in self.case.detections.iter() {
            let e = rules
                .entry(d.rule_id.clone())
                .or_insert_with(|| (d.level, d.title.clone(), 0, BTreeSet::new()));
            e.2 += 1;
            if !e.3.contains(&d.host) {
                e.3.insert(d.host.clone());
            }
        }
        let mut rows: Vec<_> = rules.into_values().collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)));
        writeln!(out, "Top rules:")?;
        let mut t = self.table(&["level", "rule", "hits", "hosts"]);
        for (level, title, hits, hosts) in rows.iter().take(TOP_ROWS) {
            t.add_row(vec![
                self.level_cell(*level),
                Cell::new(clip(&visible(title), 80)),
                Cell::new(count(*hits)),
                Cell::new(hosts.len()),
            ]);
        }
        writeln!(out, "{t}")?;
        if rows.len() > TOP_ROWS {
            writeln!(out, "… and {} more rules.", rows.len() - TOP_ROWS)?;
        }
        Ok(())
    }

    fn outbreak(&self, out: &mut dyn Write) -> io::Result<()> {
        let o = self.overview;
        if o.verdict == Verdict::Outbreak {
            self.heading(out, "Outbreak")?;
            for c in self.case.spread.clusters.iter().filter(|c| is_worm(c)) {
                self.cluster(out, c)?;
            }
            writeln!(out, "Affected devices (clinical first):")?;
            self.devices(out, &o.affected_devices)?;
            self.accounts(out, "Accounts to reset", &self.case.accounts.reset)?;
            self.accounts(out, "Accounts to review", &self.case.accounts.review)?;
            if !self.case.accounts.reset.is_empty() {
                writeln!(
                    out,
                    "Reset these passwords from a clean computer, not from an affected device: the worm may \
                     capture the new password."
                )?;
            }
        }
        if o.needs_a_look.clusters.is_empty() {
            return Ok(());
        }
        self.heading(out, "Needs a look (suspicious, not part of the outbreak)")?;
        writeln!(
            out,
            "Neither clearly a worm nor clearly administration: ask who ran these; if nobody did, treat \
             them as the outbreak."
        )?;
        for c in self
            .case
            .spread
            .clusters
            .iter()
            .filter(|c| c.verdict == ClusterVerdict::Suspicious)
        {
            self.cluster(out, c)?;
        }
        if !o.needs_a_look.devices.is_empty() {
            writeln!(out, "Devices reached (clinical first):")?;
            self.devices(out, &o.needs_a_look.devices)?;
        }
        self.accounts(
            out,
            "Accounts to reset if confirmed",
            &self.case.accounts.reset_if_confirmed,
        )
    }

    fn cluster(&self, out: &mut dyn Write, c: &Cluster) -> io::Result<()> {
        writeln!(
            out,
            "{} {} ({}, worm {} / admin {}): {} hosts, {} hops{}.",
            visible(&c.id),
            visible(&c.artefact),
            c.verdict,
            c.score.worm,
            c.score.admin,
            c.hosts.len(),
            c.edges.len(),
            c.patient_zero
                .as_deref()
                .map_or(String::new(), |p| format!(", patient zero {}", visible(p)))
        )?;
        for why in &c.reasons {
            writeln!(out, "  - {}", visible(why))?;
        }
        Ok(())
    }

    fn devices(&self, out: &mut dyn Write, devices: &[AffectedDevice]) -> io::Result<()> {
        let mut t = self.table(&["device", "role", "clinical", "infected at", "evidence"]);
        for d in devices {
            let name = if d.patient_zero {
                format!("{} (patient zero)", visible(&d.host))
            } else {
                visible(&d.host).into_owned()
            };
            t.add_row(vec![
                Cell::new(name),
                Cell::new(visible(d.role.as_deref().unwrap_or("-"))),
                Cell::new(if d.clinical { "CLINICAL" } else { "" }),
                Cell::new(d.infected_at.map_or("-".to_string(), |t| t.to_string())),
                Cell::new(d.evidence_count),
            ]);
        }
        writeln!(out, "{t}")
    }

    fn accounts(
        &self,
        out: &mut dyn Write,
        title: &str,
        accounts: &[AccountEntry],
    ) -> io::Result<()> {
        if accounts.is_empty() {
            return Ok(());
        }
        writeln!(out, "{title}:")?;
        let mut t = self.table(&["account", "hosts", "logon types", "logons"]);
        for a in accounts {
            t.add_row(vec![
                Cell::new(visible(&a.account)),
                Cell::new(visible(&a.hosts.join(", "))),
                Cell::new(visible(&a.logon_types.join(", "))),
                Cell::new(a.evidence.len()),
            ]);
        }
        writeln!(out, "{t}")
    }

    /// Host findings, then network findings with their key figures.
    fn findings(&self, out: &mut dyn Write) -> io::Result<()> {
        self.heading(out, "Findings")?;
        if self.case.findings.is_empty() {
            return writeln!(out, "No analytic raised a finding.");
        }
        let (network, host): (Vec<&Finding>, Vec<&Finding>) = self
            .case
            .findings
            .iter()
            .partition(|f| is_network(f.analytic));
        if !host.is_empty() {
            let (shown, more) = findings::top_per_analytic(&host);
            let mut t = self.table(&["level", "first seen", "host", "analytic", "summary"]);
            for f in shown {
                t.add_row(vec![
                    self.level_cell(f.level),
                    Cell::new(f.first_seen),
                    Cell::new(visible(&f.host)),
                    Cell::new(f.analytic.as_str()),
                    Cell::new(clip(&visible(&f.summary), 120)),
                ]);
            }
            writeln!(out, "{t}")?;
            findings::more_findings(out, &more)?;
        }
        if !network.is_empty() {
            self.network(out, &network)?;
        }
        Ok(())
    }

    /// Network findings, one row each, with the figures that matter for their analytic.
    fn network(&self, out: &mut dyn Write, network: &[&Finding]) -> io::Result<()> {
        writeln!(out, "Network findings:")?;
        let mut t = self.table(&[
            "level",
            "first seen",
            "host",
            "analytic",
            "figures",
            "summary",
        ]);
        let (shown, more) = findings::top_per_analytic(network);
        for f in shown {
            let label = network_analytic(f.analytic).map_or("", |a| a.label);
            t.add_row(vec![
                self.level_cell(f.level),
                Cell::new(f.first_seen),
                Cell::new(visible(&f.host)),
                Cell::new(format!("{label} ({})", f.analytic)),
                Cell::new(clip(&visible(&figures_line(f)), 120)),
                Cell::new(clip(&visible(&f.summary), 120)),
            ]);
        }
        writeln!(out, "{t}")?;
        findings::more_findings(out, &more)
    }
}

/// `12345` as `12,345`, so counts read at a glance.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1000), "1,000");
        assert_eq!(super::count(1234567), "1,234,567");
    }
}
