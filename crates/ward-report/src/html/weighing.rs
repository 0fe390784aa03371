//! How a cluster's verdict was weighed: both scores, why they give that verdict, and every
//! signal grouped by the side it counts for (`docs/verdicts.md`), so a reader can check the
//! judgement before acting on it.

use super::Page;
use ward_analytics::case::{Cluster, VerdictSignal};
use ward_analytics::spread::reason_line;

/// The score line, the signals for a worm and for administration, and any other reasons.
pub(super) fn card(page: &mut Page, c: &Cluster) {
    page.raw("<p class=\"score\"><strong>");
    page.text(&format!(
        "Score: worm {} / admin {}.",
        c.score.worm, c.score.admin
    ));
    page.raw("</strong>");
    // The first reason says why the scores give this verdict (`worm: worm 12 ≥ 3 and …`).
    let prefix = format!("{}: ", c.verdict);
    let why = c.reasons.first().and_then(|r| r.strip_prefix(&prefix));
    if let Some(why) = why {
        page.raw(" ");
        page.text(&sentence(why));
    }
    page.raw("</p>");
    let said: Vec<String> = c.signals.iter().map(reason_line).collect();
    let others: Vec<&String> = c
        .reasons
        .iter()
        .skip(usize::from(why.is_some()))
        .filter(|r| !said.contains(r))
        .collect();
    if !c.signals.is_empty() {
        page.raw("<div class=\"signals\">");
        side(
            page,
            c,
            ("worm", "For a worm", "No sign of a worm."),
            c.score.worm,
        );
        side(
            page,
            c,
            ("admin", "For administration", "No sign of administration."),
            c.score.admin,
        );
        page.raw("</div>");
    }
    if !others.is_empty() {
        page.raw("<ul class=\"reasons\">");
        for r in others {
            page.el("li", "", r);
        }
        page.raw("</ul>");
    }
}

/// One side's signals: weighed ones with their weight, then those considered but not weighed.
/// `labels`: the side's name in the signals, its heading, and what to say when it has none.
fn side(page: &mut Page, c: &Cluster, labels: (&str, &str, &str), total: u32) {
    let (side, title, none) = labels;
    let signals: Vec<&VerdictSignal> = c.signals.iter().filter(|s| s.side == side).collect();
    page.raw(&format!("<div class=\"side {side}\"><h4>"));
    page.text(&format!("{title} ({total})"));
    page.raw("</h4>");
    if signals.is_empty() {
        page.el("p", "none", none);
        page.raw("</div>");
        return;
    }
    page.raw("<ul>");
    let (weighed, noted): (Vec<_>, Vec<_>) = signals.into_iter().partition(|s| s.weight > 0);
    for s in weighed {
        page.raw("<li><span class=\"weight\">");
        page.text(&format!("+{}", s.weight));
        page.raw("</span> ");
        page.text(&s.reason);
        page.raw("</li>");
    }
    for s in noted {
        page.raw("<li class=\"unweighed\"><span class=\"weight\">–</span> ");
        page.text(&s.reason);
        page.raw(" <em>(considered, not weighed)</em></li>");
    }
    page.raw("</ul></div>");
}

/// `why` with a capital letter and a full stop.
fn sentence(why: &str) -> String {
    let mut chars = why.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
