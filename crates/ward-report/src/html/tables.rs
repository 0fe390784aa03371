//! The tables people act on: devices, accounts, and what was read.

use super::{Page, time};
use crate::overview::{AffectedDevice, Overview};
use ward_analytics::Case;
use ward_analytics::case::{AccountEntry, Evidence};

/// Evidence rows shown per account or finding before the page points to the JSON report.
pub(super) const EVIDENCE_SHOWN: usize = 50;

/// Affected devices (the worm clusters'), clinical first.
pub(super) fn devices(page: &mut Page, o: &Overview) {
    page.section("devices", "Affected devices");
    device_table(
        page,
        "Clinical devices first, then by infection time.",
        "infected at",
        "patient zero",
        &o.affected_devices,
    );
    page.raw("</section>");
}

/// Devices with role, clinical flag, first time reached (column `reached`) and evidence; `first`
/// tags a cluster's first host.
pub(super) fn device_table(
    page: &mut Page,
    caption: &str,
    reached: &str,
    first: &str,
    devices: &[AffectedDevice],
) {
    page.raw("<table class=\"devices\"><caption>");
    page.text(caption);
    page.raw("</caption>");
    page.head(&[
        "device",
        "role",
        "clinical",
        reached,
        "evidence events",
        "clusters",
    ]);
    page.raw("<tbody>");
    for d in devices {
        page.raw(if d.clinical {
            "<tr class=\"clinical\">"
        } else {
            "<tr>"
        });
        page.raw("<td>");
        page.text(&d.host);
        if d.patient_zero {
            page.raw(" <span class=\"tag\">");
            page.text(first);
            page.raw("</span>");
        }
        page.raw("</td>");
        page.el("td", "", d.role.as_deref().unwrap_or("-"));
        page.el("td", "", if d.clinical { "clinical" } else { "" });
        page.el("td", "", &time(d.infected_at));
        page.el("td", "num", &d.evidence_count.to_string());
        page.el("td", "", &d.clusters.join(", "));
        page.raw("</tr>");
    }
    page.raw("</tbody></table>");
}

/// Accounts to reset and to review, each with the logons behind it.
pub(super) fn accounts(page: &mut Page, case: &Case) {
    let a = &case.accounts;
    if a.reset.is_empty() && a.review.is_empty() {
        return;
    }
    page.section("accounts", "Accounts");
    if !a.reset.is_empty() {
        page.raw(
            "<h3>To reset</h3><p class=\"warn\">These credentials were exposed on affected devices. Reset them \
             from a clean computer: a reset typed on an infected device can be captured too.</p>",
        );
        account_table(page, "accounts-reset", &a.reset);
    }
    if !a.review.is_empty() {
        page.raw("<h3>To review</h3><p>Used against affected devices without exposing credentials there. Confirm each use was expected.</p>");
        account_table(page, "accounts-review", &a.review);
    }
    page.raw("</section>");
}

pub(super) fn account_table(page: &mut Page, id: &str, accounts: &[AccountEntry]) {
    page.raw(&format!("<table id=\"{id}\">"));
    page.head(&["account", "hosts", "logon types", "logons"]);
    page.raw("<tbody>");
    for a in accounts {
        page.raw("<tr>");
        page.el("td", "account", &a.account);
        page.el("td", "", &a.hosts.join(", "));
        page.el("td", "", &a.logon_types.join(", "));
        page.raw("<td>");
        evidence_details(page, &a.evidence);
        page.raw("</td></tr>");
    }
    page.raw("</tbody></table>");
}

/// A folded list of evidence events.
pub(super) fn evidence_details(page: &mut Page, evidence: &[Evidence]) {
    if evidence.is_empty() {
        page.raw("-");
        return;
    }
    page.raw("<details><summary>");
    page.text(&format!("{} events", evidence.len()));
    page.raw("</summary>");
    evidence_table(page, evidence);
    page.raw("</details>");
}

/// Evidence events as a table, the first [`EVIDENCE_SHOWN`] of them.
pub(super) fn evidence_table(page: &mut Page, evidence: &[Evidence]) {
    page.raw("<table class=\"evidence\">");
    page.head(&["time", "host", "kind", "what", "where"]);
    page.raw("<tbody>");
    for e in evidence.iter().take(EVIDENCE_SHOWN) {
        let place = match e.record_id {
            Some(r) => format!("{} @{} (record {r})", e.file, e.position),
            None => format!("{} @{}", e.file, e.position),
        };
        page.row(&[
            e.time.to_string(),
            e.host.clone(),
            e.kind.clone(),
            e.summary.clone(),
            place,
        ]);
    }
    page.raw("</tbody></table>");
    more(page, evidence.len());
}

/// "… and N more" when a list was cut at [`EVIDENCE_SHOWN`].
pub(super) fn more(page: &mut Page, total: usize) {
    if total > EVIDENCE_SHOWN {
        page.raw("<p class=\"more\">");
        page.text(&format!(
            "… and {} more in the JSON report.",
            total - EVIDENCE_SHOWN
        ));
        page.raw("</p>");
    }
}

/// What was read, with every file's errors.
pub(super) fn inputs(page: &mut Page, case: &Case) {
    let i = &case.inputs;
    page.section("inputs", "Inputs read");
    page.raw("<p>");
    page.text(&format!(
        "{} files, {} events, {} bad records. Rules: {} loaded, {} skipped",
        i.files.len(),
        i.events,
        i.bad_records,
        case.rules.loaded,
        case.rules.skipped
    ));
    page.raw(if case.rules.skipped > 0 {
        " (<code>ward rules check</code> lists them and why).</p>"
    } else {
        ".</p>"
    });
    if !case.rules.skipped_by_reason.is_empty() {
        page.raw("<ul>");
        for (why, n) in &case.rules.skipped_by_reason {
            page.el("li", "", &format!("{why}: {n}"));
        }
        page.raw("</ul>");
    }
    if !i.unrecognised.is_empty() {
        page.raw("<details><summary>");
        page.text(&format!(
            "{} files skipped as no known log format",
            i.unrecognised.len()
        ));
        page.raw("</summary><ul>");
        for path in &i.unrecognised {
            page.el("li", "", path);
        }
        page.raw("</ul></details>");
    }
    if i.files.is_empty() {
        page.raw("<p class=\"warn\">No input file was read.</p></section>");
        return;
    }
    page.raw("<table>");
    page.head(&["file", "format", "events", "bad records", "errors"]);
    page.raw("<tbody>");
    for f in &i.files {
        page.raw(if f.bad_records > 0 {
            "<tr class=\"damaged\">"
        } else {
            "<tr>"
        });
        page.el("td", "path", &f.path);
        page.el("td", "", &f.format);
        page.el("td", "num", &f.events.to_string());
        page.el("td", "num", &f.bad_records.to_string());
        page.raw("<td>");
        if f.errors.is_empty() {
            page.raw("-");
        } else {
            page.raw("<details><summary>");
            page.text(&format!("{} errors", f.errors.len()));
            page.raw("</summary><ul>");
            for e in f.errors.iter().take(EVIDENCE_SHOWN) {
                let text = if e.unit == "file" {
                    e.message.clone()
                } else {
                    format!("{} {}: {}", e.unit, e.position, e.message)
                };
                page.el("li", "", &text);
            }
            page.raw("</ul></details>");
        }
        page.raw("</td></tr>");
    }
    page.raw("</tbody></table></section>");
}
