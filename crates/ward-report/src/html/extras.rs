//! Sections for parts of the case this page does not know yet: any
//! top-level field of the case beyond the known ones is shown generically, so data added by
//! other stages reaches readers before a dedicated section exists.

use super::Page;
use crate::text::clip;
use serde_json::Value;
use ward_analytics::Case;

/// Top-level case fields that have their own section.
const KNOWN: [&str; 10] = [
    "schema_version",
    "ward_version",
    "generated_at",
    "inputs",
    "rules",
    "detections",
    "findings",
    "spread",
    "accounts",
    "readiness",
];
/// Nesting shown before values are printed as JSON text.
const MAX_DEPTH: usize = 4;
/// Array items shown.
const MAX_ITEMS: usize = 200;

/// One section per unknown, non-empty top-level field, in name order.
pub(super) fn section(page: &mut Page, case: &Case) {
    if let Ok(value) = serde_json::to_value(case) {
        sections_of(page, &value);
    }
}

/// The sections for the unknown fields of a serialised case.
fn sections_of(page: &mut Page, case: &Value) {
    let Value::Object(map) = case else { return };
    let mut extra: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, v)| !KNOWN.contains(&k.as_str()) && !is_empty(v))
        .collect();
    extra.sort_by_key(|(k, _)| k.as_str());
    for (key, value) in extra {
        let title = key.replace('_', " ");
        page.raw("<section class=\"extra\"><h2>");
        page.text(&title);
        page.raw("</h2>");
        render(page, value, 0);
        page.raw("</section>");
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty() || o.values().all(is_empty),
        _ => false,
    }
}

fn render(page: &mut Page, v: &Value, depth: usize) {
    if depth >= MAX_DEPTH {
        page.el("code", "", &clip(&v.to_string(), 400));
        return;
    }
    match v {
        Value::Object(o) => {
            page.raw("<dl class=\"kv\">");
            for (k, item) in o {
                page.el("dt", "", k);
                page.raw("<dd>");
                render(page, item, depth + 1);
                page.raw("</dd>");
            }
            page.raw("</dl>");
        }
        Value::Array(items) if items.iter().all(Value::is_object) => table(page, items, depth),
        Value::Array(items) => {
            page.raw("<ul>");
            for item in items.iter().take(MAX_ITEMS) {
                page.raw("<li>");
                render(page, item, depth + 1);
                page.raw("</li>");
            }
            page.raw("</ul>");
        }
        Value::String(s) => page.text(s),
        other => page.text(&other.to_string()),
    }
}

/// An array of objects as a table whose columns are the keys in order of first appearance.
fn table(page: &mut Page, items: &[Value], depth: usize) {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        if let Value::Object(o) = item {
            for k in o.keys() {
                if !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
    }
    page.raw("<table>");
    page.head(&columns);
    page.raw("<tbody>");
    for item in items.iter().take(MAX_ITEMS) {
        page.raw("<tr>");
        for c in &columns {
            page.raw("<td>");
            if let Some(v) = item.get(*c) {
                render(page, v, depth + 1);
            }
            page.raw("</td>");
        }
        page.raw("</tr>");
    }
    page.raw("</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_get_a_section_in_name_order() {
        let case = serde_json::json!({
            "detections": [],
            "zeta": {"note": "later"},
            "empty": [],
            "inventory": {"checks": [{"check": "smb-signing", "status": "fail<b>"}, {"check": "laps", "status": "pass"}]},
            "readiness": {"score": 50},
        });
        let mut page = Page::default();
        sections_of(&mut page, &case);
        let html = page.buf;
        let inventory = html.find("<h2>inventory</h2>").expect("inventory section");
        let zeta = html.find("<h2>zeta</h2>").expect("zeta section");
        assert!(inventory < zeta);
        assert!(
            !html.contains("<h2>readiness</h2>"),
            "readiness has its own section"
        );
        assert!(!html.contains("<h2>empty</h2>"));
        assert!(!html.contains("<h2>detections</h2>"));
        assert!(html.contains("<th>check</th><th>status</th>"));
        assert!(html.contains("<td>fail&lt;b&gt;</td>"));
    }
}
