//! The verdict at a glance: the first thing on the page, readable from across the room.

use super::{Page, count, time};
use crate::overview::{AffectedDevice, Overview, Verdict};
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
    match o.verdict {
        Verdict::Outbreak => outbreak_figures(page, o),
        Verdict::SuspiciousSpread => look_figures(page, o),
        _ => {
            figure(
                page,
                "Accounts to reset",
                &o.accounts_to_reset.to_string(),
                "",
            );
            figure(
                page,
                "Accounts to review",
                &o.accounts_to_review.to_string(),
                "",
            );
        }
    }
    figure(page, "First evidence", &time(o.first_evidence), "time");
    figure(page, "Last evidence", &time(o.last_evidence), "time");
    figure(page, "Detections", &o.detections.to_string(), "");
    figure(page, "Findings", &o.findings.to_string(), "");
    page.raw("</dl>");
    match o.verdict {
        Verdict::Outbreak => {
            hosts_line(page, "Affected: ", &o.affected_devices);
            look_line(page, o);
        }
        Verdict::SuspiciousSpread => hosts_line(page, "Reached: ", &o.needs_a_look.devices),
        _ => {}
    }
    page.raw("</section>");
}

/// The worm's figures: its patient zero, the devices it reached and the accounts exposed there.
fn outbreak_figures(page: &mut Page, o: &Overview) {
    figure(page, "Patient zero", &join_or_dash(&o.patient_zero), "");
    let devices = format!(
        "{} ({} clinical)",
        o.affected_devices.len(),
        o.clinical_devices
    );
    let alarm = |n: usize| if n > 0 { "alarm" } else { "" };
    figure(
        page,
        "Devices affected",
        &devices,
        alarm(o.clinical_devices),
    );
    figure(
        page,
        "Accounts to reset",
        &o.accounts_to_reset.to_string(),
        alarm(o.accounts_to_reset),
    );
    figure(
        page,
        "Accounts to review",
        &o.accounts_to_review.to_string(),
        "",
    );
}

/// No worm, only suspicious spread: what it reached, never called affected.
fn look_figures(page: &mut Page, o: &Overview) {
    let look = &o.needs_a_look;
    figure(
        page,
        "Needs a look",
        &count(look.clusters.len(), "cluster"),
        "",
    );
    let clinical = look.devices.iter().filter(|d| d.clinical).count();
    figure(
        page,
        "Devices reached",
        &format!("{} ({clinical} clinical)", look.devices.len()),
        "",
    );
    figure(
        page,
        "Accounts to reset if confirmed",
        &look.accounts_to_reset_if_confirmed.to_string(),
        "",
    );
}

/// Under the outbreak's figures: suspicious spread, said apart and not counted in them.
fn look_line(page: &mut Page, o: &Overview) {
    let look = &o.needs_a_look;
    if look.clusters.is_empty() {
        return;
    }
    page.raw("<p class=\"look-line\"><strong>Needs a look, not counted above:</strong> ");
    page.text(&format!(
        "{} reached {}; {} to reset if confirmed.",
        count(look.clusters.len(), "suspicious cluster"),
        count(look.devices.len(), "other device"),
        count(look.accounts_to_reset_if_confirmed, "account")
    ));
    page.raw(" <a href=\"#needs-a-look\">See Needs a look</a>.</p>");
}

/// The devices by name, clinical ones marked.
fn hosts_line(page: &mut Page, label: &str, devices: &[AffectedDevice]) {
    if devices.is_empty() {
        return;
    }
    page.raw("<p class=\"devices-line\">");
    page.text(label);
    for (i, d) in devices.iter().enumerate() {
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
