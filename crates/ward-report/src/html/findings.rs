//! Findings grouped by analytic, network findings apart (with their key figures), and Sigma detections grouped by rule,
//! each folded behind `<details>` with its evidence.

use super::Page;
use super::tables::{EVIDENCE_SHOWN, evidence_table, more};
use crate::network::{NETWORK_ANALYTICS, is_network, key_figures};
use crate::text::clip;
use std::collections::BTreeMap;
use ward_analytics::Case;
use ward_analytics::case::{Detection, Finding};
use ward_event::Level;

/// Host-based findings, grouped by analytic.
pub(super) fn analytics(page: &mut Page, case: &Case) {
    page.section("findings", "Findings");
    let host: Vec<&Finding> = case
        .findings
        .iter()
        .filter(|f| !is_network(f.analytic))
        .collect();
    if host.is_empty() {
        page.raw("<p>No behaviour analytic raised a finding on host logs.</p></section>");
        return;
    }
    grouped(page, &host);
    page.raw("</section>");
}

/// Network findings (beacons, scans, …), when there are any: one group per analytic in the order
/// of [`NETWORK_ANALYTICS`], each finding with its key figures on its summary line.
pub(super) fn network(page: &mut Page, case: &Case) {
    if !case.findings.iter().any(|f| is_network(f.analytic)) {
        return;
    }
    page.section("network", "Network findings");
    for analytic in &NETWORK_ANALYTICS {
        let list: Vec<&Finding> = case
            .findings
            .iter()
            .filter(|f| f.analytic == analytic.name)
            .collect();
        if list.is_empty() {
            continue;
        }
        page.raw("<h3>");
        page.text(&format!("{} ({})", analytic.label, list.len()));
        page.raw(" <code>");
        page.text(analytic.name.as_str());
        page.raw("</code></h3>");
        for f in list {
            finding(page, f);
        }
    }
    page.raw("</section>");
}

fn grouped(page: &mut Page, findings: &[&Finding]) {
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(f.analytic.as_str()).or_default().push(f);
    }
    for (analytic, list) in groups {
        page.raw("<h3>");
        page.text(&format!("{analytic} ({})", list.len()));
        page.raw("</h3>");
        for f in list {
            finding(page, f);
        }
    }
}

fn finding(page: &mut Page, f: &Finding) {
    page.raw("<details class=\"finding\"><summary>");
    level(page, f.level);
    page.text(&format!(" {} · {} · {}", f.host, f.first_seen, f.title));
    let figures = key_figures(f);
    if !figures.is_empty() {
        page.raw("<span class=\"figures-line\">");
        for (label, value) in figures {
            page.raw("<span class=\"fig\">");
            page.el("span", "fig-label", label);
            page.raw(" ");
            page.el("strong", "", &clip(&value, 80));
            page.raw("</span>");
        }
        page.raw("</span>");
    }
    page.raw("</summary>");
    page.el("p", "", &f.summary);
    page.raw("<dl class=\"kv\">");
    page.el("dt", "", "first seen");
    page.el("dd", "", &f.first_seen.to_string());
    page.el("dt", "", "last seen");
    page.el("dd", "", &f.last_seen.to_string());
    for (k, v) in &f.details {
        page.el("dt", "", k);
        let shown = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        page.el("dd", "", &clip(&shown, 400));
    }
    page.raw("</dl>");
    if !f.evidence.is_empty() {
        evidence_table(page, &f.evidence);
    }
    page.raw("</details>");
}

fn level(page: &mut Page, level: Level) {
    page.raw(&format!(
        "<span class=\"level lv-{0}\">{0}</span>",
        level.as_str()
    ));
}

/// Sigma detections grouped by rule, most severe first.
pub(super) fn detections(page: &mut Page, case: &Case) {
    page.section("detections", "Detections");
    if case.detections.is_empty() {
        page.raw("<p>No Sigma rule matched.</p></section>");
        return;
    }
    // One pass: counts for every rule, the first hits of each kept to show.
    let mut rules: BTreeMap<String, RuleHits> = BTreeMap::new();
    for d in case.detections.iter() {
        let group = rules.entry(d.rule_id.clone()).or_default();
        group.count += 1;
        group.level = group.level.max(d.level);
        if !group.hosts.contains(&d.host) {
            group.hosts.insert(d.host.clone());
        }
        if group.shown.len() < EVIDENCE_SHOWN {
            group.shown.push(d.into_owned());
        }
    }
    let mut rules: Vec<(String, RuleHits)> = rules.into_iter().collect();
    rules.sort_by(|(a_id, a), (b_id, b)| {
        (std::cmp::Reverse(a.level), std::cmp::Reverse(a.count), a_id).cmp(&(
            std::cmp::Reverse(b.level),
            std::cmp::Reverse(b.count),
            b_id,
        ))
    });
    for (id, hits) in rules {
        rule(page, &id, &hits);
    }
    page.raw("</section>");
}

/// The hits of one rule: how many, on which hosts, and the first few.
#[derive(Default)]
struct RuleHits {
    count: usize,
    level: Level,
    hosts: std::collections::BTreeSet<String>,
    shown: Vec<Detection>,
}

fn rule(page: &mut Page, id: &str, hits: &RuleHits) {
    let Some(first) = hits.shown.first() else {
        return;
    };
    page.raw("<details class=\"rule\"><summary>");
    level(page, hits.level);
    page.text(&format!(
        " {} · {} hits on {} hosts",
        first.title,
        hits.count,
        hits.hosts.len()
    ));
    page.raw("</summary><p class=\"meta\">rule ");
    page.text(id);
    if !first.tags.is_empty() {
        page.text(&format!(" · {}", first.tags.join(", ")));
    }
    page.raw("</p><table class=\"evidence\">");
    page.head(&["time", "host", "source", "event id", "where", "fields"]);
    page.raw("<tbody>");
    for d in &hits.shown {
        let place = match d.record_id {
            Some(r) => format!("{} @{} (record {r})", d.file, d.position),
            None => format!("{} @{}", d.file, d.position),
        };
        let event_id = d.event_id.map_or_else(String::new, |e| e.to_string());
        let fields: Vec<String> = d
            .fields
            .iter()
            .take(12)
            .map(|(k, v)| format!("{k}={}", clip(&v.to_string(), 160)))
            .collect();
        page.row(&[
            d.time.to_string(),
            d.host.clone(),
            d.source.clone(),
            event_id,
            place,
            fields.join("  "),
        ]);
    }
    page.raw("</tbody></table>");
    more(page, hits.count);
    page.raw("</details>");
}
