//! `isolate.csv`: the devices the worm reached, clinical first, then in infection order, with
//! how to take each off the network. Opened in a spreadsheet, so every cell that a spreadsheet
//! would read as a formula is neutralised. Suspicious-only devices are not isolated by default:
//! the checklist names them.

use crate::kit::{IsolateDevice, Kit};
use crate::{KitFile, KitOptions};

/// The file's name in the kit.
pub const FILE: &str = "isolate.csv";

/// Column names, in order.
pub const HEADER: &[&str] = &[
    "host",
    "fqdn",
    "role",
    "clinical",
    "ips",
    "macs",
    "first_infected",
    "clusters",
    "patient_zero",
    "method",
];

/// How to isolate a clinical device: keeping it running may keep a patient's care running.
pub const CLINICAL_METHOD: &str =
    "coordinate with the vendor and clinical engineering; isolate the network, do not shut down";

/// How to isolate a device of the given roles (the first that matches), else [`OTHER_METHOD`].
const METHOD_BY_ROLE: &[(&[&str], &str)] = &[(
    &[
        "domain-controller",
        "dc",
        "ad",
        "file-server",
        "database",
        "pacs",
        "backup",
        "deployment",
        "monitoring",
        "update-server",
        "av-server",
        "print-server",
        "proxy",
    ],
    "quarantine VLAN reachable only from the clean admin network; plan for what it serves first",
)];

/// How to isolate any other device.
pub const OTHER_METHOD: &str =
    "shut its switch port or move it to the quarantine VLAN; leave it powered on for evidence";

/// Cell starts a spreadsheet reads as a formula (OWASP CSV injection), plus line feed.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n'];

/// The kit's isolation list.
pub fn write(kit: &Kit, _options: &KitOptions) -> Vec<KitFile> {
    let devices = in_isolation_order(&kit.devices);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut rows = vec![HEADER.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    rows.extend(devices.iter().map(|d| row(d)));
    for r in &rows {
        let cells: Vec<String> = r.iter().map(|c| neutralise(c)).collect();
        // Writing into memory cannot fail.
        let _ = csv.write_record(&cells);
    }
    let text = csv
        .into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    vec![KitFile {
        path: FILE.into(),
        text,
        refused: Vec::new(),
        private: false,
    }]
}

/// Clinical first, then by infection time (unknown last); stable for equal times.
pub fn in_isolation_order(devices: &[IsolateDevice]) -> Vec<&IsolateDevice> {
    let mut sorted: Vec<&IsolateDevice> = devices.iter().collect();
    // Parsed, as RFC 3339 strings with varying fractions do not sort in time order.
    let time = |d: &IsolateDevice| {
        d.infected_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
    };
    sorted.sort_by_key(|d| (!d.clinical, time(d).is_none(), time(d)));
    sorted
}

fn row(d: &IsolateDevice) -> Vec<String> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        d.host.clone(),
        d.fqdn.clone().unwrap_or_default(),
        d.role.clone().unwrap_or_default(),
        yes_no(d.clinical),
        d.ips.join(" "),
        d.macs.join(" "),
        d.infected_at.clone().unwrap_or_default(),
        d.clusters.join(" "),
        yes_no(d.patient_zero),
        method(d).to_string(),
    ]
}

/// How to take `d` off the network.
pub fn method(d: &IsolateDevice) -> &'static str {
    if d.clinical {
        return CLINICAL_METHOD;
    }
    let role = d.role.as_deref().unwrap_or("").to_ascii_lowercase();
    METHOD_BY_ROLE
        .iter()
        .find(|(roles, _)| roles.contains(&role.as_str()))
        .map_or(OTHER_METHOD, |(_, m)| m)
}

/// A cell a spreadsheet shows as text: a leading `'` before a formula start.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tcmd"), "'\tcmd");
        assert_eq!(neutralise("WS-01"), "WS-01");
    }
}
