//! The dashboard's HTML: no external assets, no scripts (the alert list refreshes with a meta
//! tag), every interpolated value escaped.

use crate::alert::StoredAlert;
use crate::store::GroupSummary;

/// Escapes text for HTML element and attribute content.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left}.critical{color:#fff;background:#a00}\
.high{color:#a00;font-weight:bold}.medium{color:#b60}.acked{opacity:.5}nav form{display:inline}";

fn layout(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title>{head}<style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

/// The login form with its CSRF token; `failed` adds the error line.
pub(crate) fn login(failed: bool, csrf: &str) -> String {
    let csrf = escape(csrf);
    let error = if failed {
        "<p class=\"high\">Wrong password.</p>"
    } else {
        ""
    };
    layout(
        "Ward monitor: log in",
        "",
        &format!(
            "<h1>Ward monitor</h1>{error}<form method=\"post\" action=\"/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label>Password or token <input type=\"password\" name=\"password\" autofocus required></label> \
             <button>Log in</button></form>"
        ),
    )
}

/// The login refused while it is locked after repeated wrong passwords.
pub(crate) fn locked(secs: u64) -> String {
    layout(
        "Ward monitor: log in",
        "",
        &format!(
            "<h1>Ward monitor</h1><p class=\"high\">Too many wrong passwords: logging in is \
             locked for {secs} s. Each further wrong password doubles the wait (at most 15 \
             minutes).</p><p><a href=\"/login\">Back to the login</a></p>"
        ),
    )
}

/// The live alert list, refreshed every 5 seconds.
pub(crate) fn alerts(alerts: &[StoredAlert], csrf: &str) -> String {
    let csrf = escape(csrf);
    let mut rows = String::new();
    for a in alerts {
        let level = a.alert.level.as_str();
        let ack = if a.acknowledged {
            "acknowledged".to_string()
        } else {
            format!(
                "<form method=\"post\" action=\"/alerts/{}/ack\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Acknowledge</button></form>",
                a.seq
            )
        };
        rows.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"{level}\">{level}</td><td>{}</td><td>{}</td><td>{}</td><td>{ack}</td></tr>",
            if a.acknowledged { "acked" } else { "" },
            a.seq,
            escape(&a.alert.time.to_rfc3339()),
            escape(&a.alert.host),
            escape(&a.alert.title),
            escape(&a.alert.rule_id),
        ));
    }
    let body = format!(
        "<nav><b>Ward monitor</b> · <a href=\"/\">Alerts</a> · <a href=\"/groups\">Groups</a> · <a href=\"/case\">Case</a> · \
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Log out</button></form></nav>\
         <h1>Live alerts</h1><p>{} most recent, newest first; refreshes every 5 s.</p>\
         <table><thead><tr><th>#</th><th>Time (UTC)</th><th>Level</th><th>Host</th><th>Title</th><th>Rule</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
        alerts.len()
    );
    layout(
        "Ward monitor: alerts",
        "<meta http-equiv=\"refresh\" content=\"5\">",
        &body,
    )
}

/// The grouping sinks' groups; each links to its alerts in the API.
pub(crate) fn groups(groups: &[GroupSummary]) -> String {
    let mut rows = String::new();
    for g in groups {
        let level = g.level.as_str();
        let href = format!(
            "/api/groups/alerts?sink={}&key={}&limit=1000",
            percent(&g.sink),
            percent(&g.key)
        );
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td class=\"{level}\">{level}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.sink),
            escape(&href),
            escape(&g.key),
            g.count,
            g.notifications,
            g.pending,
            escape(&g.first.to_rfc3339()),
            escape(&g.last.to_rfc3339()),
        ));
    }
    let body = format!(
        "<nav><b>Ward monitor</b> · <a href=\"/\">Alerts</a> · <a href=\"/groups\">Groups</a> · <a href=\"/case\">Case</a></nav>\
         <h1>Alert groups</h1><p>{} groups of the grouping sinks, most recently active first; a group's \
         key lists every alert folded into it. Pending: alerts waiting for the next digest.</p>\
         <table><thead><tr><th>Sink</th><th>Group</th><th>Level</th><th>Alerts</th><th>Sent</th><th>Pending</th><th>First (UTC)</th><th>Last (UTC)</th></tr></thead><tbody>{rows}</tbody></table>",
        groups.len()
    );
    layout("Ward monitor: groups", "", &body)
}

/// Percent-encodes a query value (everything but unreserved characters).
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// Shown on /case when the binary gave no case renderer.
pub(crate) fn no_case() -> String {
    layout(
        "Ward monitor: case",
        "",
        "<p>No case view is configured for this monitor. <a href=\"/\">Alerts</a></p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
