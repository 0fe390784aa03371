//! "Needs a look": spread that is neither clearly a worm nor clearly administration. Kept apart
//! from the outbreak, with its own devices and the accounts to reset if it is confirmed, so the
//! outbreak's figures stay the worm's alone.

use super::{Page, count, graph, tables};
use crate::overview::Overview;
use ward_analytics::Case;
use ward_analytics::case::Verdict;

/// The section, when there are suspicious clusters.
pub(super) fn section(page: &mut Page, case: &Case, o: &Overview) {
    let look = &o.needs_a_look;
    if look.clusters.is_empty() {
        return;
    }
    page.raw("<section id=\"needs-a-look\" class=\"look\"><h2>Needs a look</h2>");
    page.raw("<p class=\"guidance\">");
    page.text(&format!(
        "{} of spread that Ward could not call a worm or administration. {} Ask who ran these; if \
         nobody did, treat them as the outbreak: isolate the devices below and reset the accounts \
         below from a clean computer.",
        count(look.clusters.len(), "cluster"),
        if o.verdict == crate::Verdict::Outbreak {
            "They are not counted in the outbreak above."
        } else {
            "No worm was found."
        }
    ));
    page.raw("</p>");
    graph::legend(page, "first host");
    for (n, c) in case
        .spread
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.verdict == Verdict::Suspicious)
    {
        graph::card(page, n, c);
    }
    page.raw("<h3>Devices reached</h3>");
    if look.devices.is_empty() {
        page.raw("<p>Every device these reached is already counted in the outbreak.</p>");
    } else {
        let caption = if o.verdict == crate::Verdict::Outbreak {
            "Not counted as affected; devices the worm reached are not repeated. Clinical devices first, \
             then by the time they were reached."
        } else {
            "Not counted as affected. Clinical devices first, then by the time they were reached."
        };
        tables::device_table(page, caption, "reached at", "first host", &look.devices);
    }
    page.raw("<h3>Accounts to reset if confirmed</h3>");
    let accounts = &case.accounts.reset_if_confirmed;
    if accounts.is_empty() {
        page.raw("<p>No credentials were exposed on these devices.</p>");
    } else {
        page.raw(
            "<p>Credentials exposed on these devices. If the spread is confirmed as malicious, reset them \
             from a clean computer.</p>",
        );
        tables::account_table(page, "accounts-reset-if-confirmed", accounts);
    }
    page.raw("</section>");
}
