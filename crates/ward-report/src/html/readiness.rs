//! The readiness section: the controls that stop the next worm, each with its status, evidence
//! and what to fix.

use super::Page;
use crate::readiness::{Status, ordered};
use ward_analytics::case::{Readiness, ReadinessCheck};

/// Renders `readiness` as a score, a count per status and one row per check, failures first.
pub(super) fn section(page: &mut Page, readiness: &Readiness) {
    page.section("readiness", "Readiness");
    let checks = ordered(readiness);
    let count = |s: Status| checks.iter().filter(|c| Status::of(c) == s).count();
    page.raw("<p class=\"score\">Readiness score: <strong>");
    page.text(&format!("{} / 100", readiness.score));
    page.raw("</strong> · ");
    page.text(&format!(
        "{} failed, {} unknown, {} passed",
        count(Status::Fail),
        count(Status::Unknown),
        count(Status::Pass)
    ));
    page.raw("</p><p class=\"meta\">The score is the share of decided checks that pass, weighted by severity. An <em>unknown</em> check says which data would settle it.</p>");
    if checks.is_empty() {
        page.raw("<p>No readiness check could run.</p></section>");
        return;
    }
    page.raw("<table class=\"readiness\">");
    page.head(&["status", "check", "what was found", "what to do"]);
    page.raw("<tbody>");
    for check in checks {
        row(page, check);
    }
    page.raw("</tbody></table></section>");
}

/// One check: badge, title with id and severity, summary with folded evidence, remediation.
fn row(page: &mut Page, check: &ReadinessCheck) {
    let status = Status::of(check);
    let s = status.as_str();
    page.raw(&format!(
        "<tr class=\"rd-{s}\"><td><span class=\"status {s}\">{s}</span></td><td>"
    ));
    page.text(&check.title);
    page.raw("<br><code>");
    page.text(&check.id);
    page.raw("</code> · ");
    page.text(check.severity.as_str());
    page.raw("</td><td>");
    page.text(&check.summary);
    if !check.evidence.is_empty() {
        page.raw("<details class=\"evidence\"><summary>");
        page.text(&format!("evidence ({})", check.evidence.len()));
        page.raw("</summary><ul>");
        for line in &check.evidence {
            page.el("li", "", line);
        }
        page.raw("</ul></details>");
    }
    page.raw("</td><td>");
    match status {
        Status::Fail => page.text(&check.remediation),
        // Worth knowing before the data is there to settle it, but not an order.
        Status::Unknown if !check.remediation.is_empty() => {
            page.raw("<span class=\"meta\">If it fails: ");
            page.text(&check.remediation);
            page.raw("</span>");
        }
        _ => page.raw("-"),
    }
    page.raw("</td></tr>");
}
