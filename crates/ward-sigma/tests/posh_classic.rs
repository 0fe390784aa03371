//! SigmaHQ's PowerShell classic rules (`posh_pc_*`) over the real PowerShell classic events of
//! the corpora. Those events carry their text in unnamed `<Data>` elements (three per event,
//! the details — `HostApplication=…`, `EngineVersion=…` — in the last), so a rule only sees
//! them when every value of `Data` is searched; before, only the first (`Available`) was.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ward_sigma::{Mapping, RuleSetBuilder};

fn data() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

/// The `posh_pc_*` rules: 13 detection rules and 2 threat-hunting ones.
const RULES: [&str; 2] = [
    "sigma/rules/windows/powershell/powershell_classic",
    "sigma/rules-threat-hunting/windows/powershell/powershell_classic",
];

/// Inputs holding `Windows PowerShell` events: EVTX with unnamed `Data`, and NXLog JSON
/// (Security-Datasets) where NXLog kept the event's text only in its rendered `Message`.
const INPUTS: &[&str] = &["evtx-to-mitre", "evtx-attack-samples", "security-datasets"];

/// (rule file stem, input file name, hits): every hit on the inputs. No SigmaHQ `posh_pc_*`
/// rule fires, before or after every `Data` value was searched: no recording here downgrades
/// the engine, downloads with `Net.WebClient`, renames or replaces the host or runs a listed
/// cmdlet, and the NXLog records have no `Data`. The hits are this test's two rules, which show
/// that a selection and a filter both reach the last `Data` value of a real event.
const EXPECTED: &[(&str, &str, usize)] = &[
    ("host_selection", SPN_DISCOVERY, 1),
    ("host_selection_and_filter", SPN_DISCOVERY, 1),
];

const SPN_DISCOVERY: &str = "ID800 - SPN discovery (PowerShell).evtx";

/// The selection of `posh_pc_alternate_powershell_hosts` without its filters: it holds on the
/// last `Data` value of the one engine start recorded with its `Data`, and so does the filter
/// that keeps the SigmaHQ rule silent on it (the host is `powershell.exe`).
const HOST_SELECTION: &str = r"
title: Engine started by some host
logsource: {product: windows, category: ps_classic_start}
detection:
    selection:
        Data|contains: 'HostApplication='
    filter_main_ps:
        Data|contains: 'HostApplication=C:\Windows\System32\WindowsPowerShell\v1.0\powershell'
    condition: selection
";

#[test]
fn posh_classic_rules_over_recorded_powershell_events() {
    let Some(root) = data() else { return };
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    for dir in RULES {
        b.add_path(&root.join(dir)).expect("rules folder readable");
    }
    b.add_yaml("host_selection.yml", HOST_SELECTION);
    b.add_yaml(
        "host_selection_and_filter.yml",
        &HOST_SELECTION.replace(
            "condition: selection",
            "condition: selection and filter_main_ps",
        ),
    );
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(set.len(), 17, "15 posh_pc rules and 2 of this test");

    let inputs: Vec<PathBuf> = INPUTS.iter().map(|d| root.join(d)).collect();
    let mut classic = 0;
    let mut hits: BTreeMap<(String, String), usize> = BTreeMap::new();
    for input in ward_ingest::discover(&inputs).expect("corpora readable") {
        ward_ingest::read_path(&input, &mut |e| {
            if e.source.channel.as_deref() != Some("Windows PowerShell") {
                return;
            }
            classic += 1;
            set.matches(&e, &mut |r| {
                let origin = &set.rule(r).origin;
                let stem = origin.rsplit('/').next().unwrap_or(origin);
                let file = e.origin.file.rsplit('/').next().unwrap_or(&e.origin.file);
                *hits
                    .entry((stem.trim_end_matches(".yml").into(), file.into()))
                    .or_default() += 1;
            });
        });
    }
    for ((rule, file), n) in &hits {
        eprintln!("{rule} on {file}: {n}");
    }
    eprintln!("{classic} PowerShell classic events");
    assert!(classic > 1000, "{classic} PowerShell classic events");
    let want: BTreeMap<(String, String), usize> = EXPECTED
        .iter()
        .map(|(r, f, n)| ((r.to_string(), f.to_string()), *n))
        .collect();
    assert_eq!(hits, want);
}
