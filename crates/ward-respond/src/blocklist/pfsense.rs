//! `pfsense-urltable.txt` and `pfsense-urltable-domains.txt`: plain lists, one value a line, for
//! a pfSense/OPNsense URL Table alias (addresses) and a DNS blocklist (domains).

use super::Blocklist;

pub(super) fn render(list: &Blocklist) -> Vec<(&'static str, String)> {
    // Data only, no comments: not every importer skips them.
    let lines =
        |values: Vec<String>| -> String { values.into_iter().map(|v| format!("{v}\n")).collect() };
    vec![
        (
            "pfsense-urltable.txt",
            lines(list.addresses().map(|a| a.to_string()).collect()),
        ),
        ("pfsense-urltable-domains.txt", lines(list.domains.clone())),
    ]
}
