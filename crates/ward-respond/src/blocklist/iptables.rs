//! `iptables.rules` and `ip6tables.rules`: `iptables-restore --noflush` files with a dedicated
//! chain jumped to from OUTPUT and FORWARD.

use super::Blocklist;
use std::fmt::Write;

/// The chain the files own.
pub(super) const CHAIN: &str = "WARD-BLOCK";

pub(super) fn render(list: &Blocklist) -> Vec<(&'static str, String)> {
    let v4 = list.v4.iter().map(|a| format!("{a}/32"));
    let v6 = list.v6.iter().map(|a| format!("{a}/128"));
    vec![
        ("iptables.rules", file(list, "iptables", v4.collect())),
        ("ip6tables.rules", file(list, "ip6tables", v6.collect())),
    ]
}

fn file(list: &Blocklist, tool: &str, destinations: Vec<String>) -> String {
    let case = list.case_label();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Ward containment kit: drop traffic to the outbreak's C2 addresses ({tool})."
    );
    let _ = writeln!(s, "# {case}: {}.", list.counts());
    let _ = writeln!(
        s,
        "# Apply (as root): {tool}-restore --noflush {tool}.rules\n\
         # Without --noflush, {tool}-restore replaces the whole filter table.\n\
         # Re-applying empties and refills {CHAIN}; remove the jumps first so they are not doubled:\n\
         #   {tool} -D OUTPUT -j {CHAIN}; {tool} -D FORWARD -j {CHAIN}\n\
         # See what it dropped: {tool} -L {CHAIN} -v -n"
    );
    let _ = writeln!(s, "*filter");
    // With --noflush, declaring the chain creates it, or empties it when it exists.
    let _ = writeln!(s, ":{CHAIN} - [0:0]");
    for d in &destinations {
        let _ = writeln!(
            s,
            "-A {CHAIN} -d {d} -m comment --comment \"{case}: C2\" -j DROP"
        );
    }
    let _ = writeln!(s, "-I OUTPUT 1 -j {CHAIN}");
    let _ = writeln!(s, "-I FORWARD 1 -j {CHAIN}");
    let _ = writeln!(s, "COMMIT");
    s
}
