//! `nftables.nft`: an `nft -f` script with its own table, re-applicable as is.

use super::Blocklist;
use std::fmt::Write;

/// The table the script owns; nothing else of the host's ruleset is touched.
const TABLE: &str = "inet ward_block";

pub(super) fn render(list: &Blocklist) -> String {
    let case = list.case_label();
    let mut s = String::new();
    let _ = writeln!(s, "#!/usr/sbin/nft -f");
    let _ = writeln!(
        s,
        "# Ward containment kit: drop traffic to the outbreak's C2 addresses."
    );
    let _ = writeln!(s, "# {case}: {}.", list.counts());
    let _ = writeln!(s, "# Apply (as root): nft -f nftables.nft");
    let _ = writeln!(
        s,
        "# Re-applying replaces the table; remove with: nft delete table {TABLE}"
    );
    let _ = writeln!(
        s,
        "# See what it dropped, and which devices still call out: nft list table {TABLE}\n"
    );
    // Declaring the table first makes the delete safe when it does not exist yet.
    let _ = writeln!(s, "table {TABLE}\ndelete table {TABLE}\n");
    let _ = writeln!(s, "table {TABLE} {{");
    set(
        &mut s,
        "c2_v4",
        "ipv4_addr",
        list.v4.iter().map(|a| a.to_string()),
    );
    set(
        &mut s,
        "c2_v6",
        "ipv6_addr",
        list.v6.iter().map(|a| a.to_string()),
    );
    for (chain, hook) in [("output", "output"), ("forward", "forward")] {
        let _ = writeln!(s, "\tchain {chain} {{");
        let _ = writeln!(
            s,
            "\t\ttype filter hook {hook} priority -10; policy accept;"
        );
        for (family, set) in [("ip", "c2_v4"), ("ip6", "c2_v6")] {
            let _ = writeln!(
                s,
                "\t\t{family} daddr @{set} counter drop comment \"{case}: C2\""
            );
        }
        let _ = writeln!(s, "\t}}");
    }
    let _ = writeln!(s, "}}");
    s
}

fn set(s: &mut String, name: &str, kind: &str, elements: impl Iterator<Item = String>) {
    let elements: Vec<String> = elements.collect();
    let _ = writeln!(s, "\tset {name} {{\n\t\ttype {kind}");
    // An empty `elements = { }` does not parse: an empty set is declared without it.
    if !elements.is_empty() {
        let _ = writeln!(
            s,
            "\t\telements = {{\n\t\t\t{}\n\t\t}}",
            elements.join(",\n\t\t\t")
        );
    }
    let _ = writeln!(s, "\t}}");
}
