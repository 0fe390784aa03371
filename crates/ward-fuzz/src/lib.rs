//! The bodies of Ward's fuzz targets. Each takes arbitrary bytes and drives one parser the way
//! Ward does on hostile input; it may reject the input (that is the parser's job) but must not
//! panic, hang or blow up memory. `fuzz/fuzz_targets/<name>.rs` calls [`TARGETS`]' entry of
//! the same name under libFuzzer, and `tests/corpus.rs` replays every committed corpus and
//! regression input through the same functions in the normal test run, no nightly needed.
//!
//! ```
//! let (_, iptables) = ward_fuzz::TARGETS.iter().find(|(name, _)| *name == "iptables").unwrap();
//! iptables(b"Sep 30 10:09:23 fw kernel: IN=eth0 OUT= SRC=10.0.0.9 DST=10.0.0.1 PROTO=TCP\n");
//! ```

mod bodies;

pub use bodies::*;

/// A fuzz target: its name (the folder of its corpus) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target, by name.
pub const TARGETS: &[Target] = &[
    ("evtx", evtx),
    ("windows_json", windows_json),
    ("open_any", open_any),
    ("windows_firewall", windows_firewall),
    ("zeek_tsv", zeek_tsv),
    ("zeek_json", zeek_json),
    ("squid", squid),
    ("squid_common", squid_common),
    ("fortigate", fortigate),
    ("cisco_asa", cisco_asa),
    ("pf_filterlog", pf_filterlog),
    ("iptables", iptables),
    ("suricata_eve", suricata_eve),
    ("suricata_fast", suricata_fast),
    ("adguard_querylog", adguard_querylog),
    ("adguard", adguard),
    ("pan_os", pan_os),
    ("mikrotik", mikrotik),
    ("cef", cef),
    ("bind", bind),
    ("syslog_stream", syslog_stream),
    ("beats_stream", beats_stream),
    ("sigma_rule", sigma_rule),
    ("sigma_match", sigma_match),
    ("intel", intel),
    ("assets_csv", assets_csv),
    ("audit_file", audit_file),
    ("breached_list", breached_list),
    ("monitor_config", monitor_config),
    ("checkpoint", checkpoint),
];
