//! The incidents section: each incident as one card — what it is, how it moved, the devices to
//! isolate, the accounts to reset and where it called out — ahead of the detail behind it.

use super::{Page, count, time};
use crate::incidents::Incident;

/// Writes the section when there is an incident.
pub(super) fn section(page: &mut Page, incidents: &[Incident]) {
    if incidents.is_empty() {
        return;
    }
    page.section("incidents", "Incidents");
    for i in incidents {
        page.raw(&format!(
            "<article class=\"incident level-{}\"><h3>",
            i.level.as_str()
        ));
        page.text(&i.id);
        page.raw(": ");
        page.text(&i.title);
        page.raw("</h3><dl class=\"kv\">");
        item(page, "Moved by", &i.channels.join(", "));
        item(page, "Artefacts", &i.artefacts.join(", "));
        item(page, "Clusters", &i.clusters.join(", "));
        item(
            page,
            "When",
            &format!("{} to {}", time(i.first_seen), time(i.last_seen)),
        );
        let devices: Vec<String> = i
            .devices
            .iter()
            .map(|d| {
                let mut name = d.host.clone();
                if d.clinical {
                    name.push_str(" (clinical)");
                }
                if d.patient_zero {
                    name.push_str(" (patient zero)");
                }
                name
            })
            .collect();
        item(
            page,
            &format!("Devices ({})", i.devices.len()),
            &devices.join(", "),
        );
        if !i.accounts_to_reset.is_empty() {
            item(
                page,
                &format!("Accounts to reset ({})", i.accounts_to_reset.len()),
                &i.accounts_to_reset.join(", "),
            );
        }
        if !i.c2_destinations.is_empty() {
            item(page, "Calls out to", &i.c2_destinations.join(", "));
        }
        if !i.findings.is_empty() {
            let findings: Vec<String> = i
                .findings
                .iter()
                .map(|(analytic, n)| format!("{analytic}: {}", count(*n, "finding")))
                .collect();
            item(page, "Findings on its devices", &findings.join(", "));
        }
        page.raw("</dl></article>");
    }
    page.raw("</section>");
}

fn item(page: &mut Page, term: &str, value: &str) {
    page.el("dt", "", term);
    page.el("dd", "", value);
}
