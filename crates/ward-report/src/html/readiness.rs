//! The readiness section: the controls that stop the next worm, each with its status, evidence
//! and what to fix.

use ward_analytics::case::Readiness;

use super::Page;

/// Renders `readiness` as a score and one row per check, failures first.
pub(super) fn section(page: &mut Page, readiness: &Readiness) {
    page.section("readiness", "Readiness");
    page.raw("<p>Readiness score: <strong>");
    page.text(&format!("{} / 100", readiness.score));
    page.raw("</strong> (share of decided checks that pass, weighted by severity). An <em>unknown</em> check says which data would settle it.</p>");
    page.raw("<table class=\"readiness\">");
    page.head(&["status", "check", "what was found", "what to do"]);
    for check in ordered(readiness) {
        let status = match check.status.as_str() {
            "pass" | "fail" => check.status.as_str(),
            _ => "unknown",
        };
        page.raw(&format!(
            "<tr class=\"rd-{status}\"><td><span class=\"status {status}\">{status}</span></td><td>"
        ));
        page.text(&check.title);
        page.raw("<br><code>");
        page.text(&check.id);
        page.raw("</code> · ");
        page.text(check.severity.as_str());
        page.raw("</td><td>");
        page.text(&check.summary);
        if !check.evidence.is_empty() {
            page.raw("<details><summary>");
            page.text(&format!("evidence ({})", check.evidence.len()));
            page.raw("</summary><ul>");
            for line in &check.evidence {
                page.el("li", "", line);
            }
            page.raw("</ul></details>");
        }
        page.raw("</td><td>");
        if status != "pass" {
            page.text(&check.remediation);
        }
        page.raw("</td></tr>");
    }
    page.raw("</table></section>");
}

/// Failures first, then unknowns, then passes; within each, the more severe first.
pub(crate) fn ordered(readiness: &Readiness) -> Vec<&ward_analytics::case::ReadinessCheck> {
    let rank = |s: &str| match s {
        "fail" => 0,
        "unknown" => 1,
        _ => 2,
    };
    let mut checks: Vec<_> = readiness.checks.iter().collect();
    checks.sort_by(|a, b| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then(b.severity.cmp(&a.severity))
    });
    checks
}
