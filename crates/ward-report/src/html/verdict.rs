//! The verdict at a glance: the first thing on the page, readable from across the room.

use super::{Page, time};
use crate::overview::{Overview, Verdict};
use ward_analytics::Case;

/// The banner and the key figures.
pub(super) fn section(page: &mut Page, case: &Case, o: &Overview) {
    let class = match o.verdict {
        Verdict::Outbreak => "verdict outbreak",
        Verdict::SuspiciousSpread => "verdict suspicious",
        Verdict::Alerts => "verdict alerts",
        Verdict::NothingFound => "verdict clean",
    };
    page.raw(&format!("<section id=\"verdict\" class=\"{class}\"><h2>"));
    page.text(o.headline);
    page.raw("</h2>");
    if o.verdict == Verdict::NothingFound {
        page.raw("<p>Ward read ");
        page.text(&case.inputs.events.to_string());
        page.raw(" events from ");
        page.text(&case.inputs.files.len().to_string());
        page.raw(
            " files and found nothing to act on. Absence of evidence is not evidence of absence: check \
             below that the logs you expected were read and cover the period you care about.</p></section>",
        );
        return;
    }
    page.raw("<dl class=\"figures\">");
    if o.has_spread() {
        figure(page, "Patient zero", &join_or_dash(&o.patient_zero), "");
        let devices = format!(
            "{} ({} clinical)",
            o.affected_devices.len(),
            o.clinical_devices
        );
        figure(
            page,
            "Devices affected",
            &devices,
            if o.clinical_devices > 0 { "alarm" } else { "" },
        );
    }
    figure(
        page,
        "Accounts to reset",
        &o.accounts_to_reset.to_string(),
        if o.accounts_to_reset > 0 { "alarm" } else { "" },
    );
    figure(
        page,
        "Accounts to review",
        &o.accounts_to_review.to_string(),
        "",
    );
    figure(page, "First evidence", &time(o.first_evidence), "time");
    figure(page, "Last evidence", &time(o.last_evidence), "time");
    figure(page, "Detections", &o.detections.to_string(), "");
    figure(page, "Findings", &o.findings.to_string(), "");
    page.raw("</dl>");
    if o.has_spread() && !o.affected_devices.is_empty() {
        page.raw("<p class=\"devices-line\">Affected: ");
        for (i, d) in o.affected_devices.iter().enumerate() {
            if i > 0 {
                page.raw(", ");
            }
            page.el(
                "span",
                if d.clinical { "host clinical" } else { "host" },
                &d.host,
            );
        }
        page.raw("</p>");
    }
    page.raw("</section>");
}

fn figure(page: &mut Page, label: &str, value: &str, class: &str) {
    page.raw("<div>");
    page.el("dt", "", label);
    page.el("dd", class, value);
    page.raw("</div>");
}

fn join_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "unknown".to_string()
    } else {
        items.join(", ")
    }
}
