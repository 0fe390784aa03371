//! The isolation list: exactly the worm's devices, clinical first then in infection order, each
//! with how to take it off the network; a spreadsheet never runs a cell as a formula.

use serde_json::json;
use ward_respond::{CaseReport, Kit, KitOptions, isolate};

fn rows(case: serde_json::Value) -> Vec<Vec<String>> {
    let case: CaseReport = serde_json::from_value(case).expect("a case");
    let files = isolate::write(&Kit::from_case(&case), &KitOptions::default());
    assert_eq!(files[0].path, "isolate.csv");
    csv::Reader::from_reader(files[0].text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(String::from).collect())
        .collect()
}

#[test]
fn clinical_devices_come_first_then_by_infection_time() {
    let rows = rows(json!({
        "schema_version": "1.1",
        "overview": {
            "affected_devices": [
                {"host": "WS-RECEP-03", "role": "workstation", "infected_at": "2026-05-05T10:47:12Z", "clusters": ["C2"], "patient_zero": true},
                {"host": "FS-02", "role": "file-server", "infected_at": "2026-05-05T14:22:05.6Z", "clusters": ["C2"]},
                {"host": "XRAY-02", "role": "xray", "clinical": true, "infected_at": "2026-05-06T02:14:58Z", "clusters": ["C2"]},
                {"host": "MRI-CONSOLE-01", "role": "mri-console", "clinical": true, "infected_at": "2026-05-06T02:13:31.8Z", "clusters": ["C2"]}
            ],
            "needs_a_look": {"devices": [{"host": "WS-LAB-01", "clusters": ["C5"]}]}
        },
        "spread": {"clusters": [{"id": "C2", "verdict": "worm", "hosts": [
            {"host": "FS-02", "fqdn": "fs-02.stmary.local", "ips": ["10.30.0.22"]}
        ]}]}
    }));
    let hosts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(hosts, ["MRI-CONSOLE-01", "XRAY-02", "WS-RECEP-03", "FS-02"]);
    assert_eq!(
        rows[3],
        [
            "FS-02",
            "fs-02.stmary.local",
            "file-server",
            "no",
            "10.30.0.22",
            "",
            "2026-05-05T14:22:05.6Z",
            "C2",
            "no",
            "quarantine VLAN reachable only from the clean admin network; plan for what it serves first"
        ]
    );
    assert_eq!(rows[0][9], isolate::CLINICAL_METHOD);
    assert!(rows[0][9].contains("do not shut down"));
    assert_eq!(
        (rows[2][8].as_str(), rows[2][9].as_str()),
        ("yes", isolate::OTHER_METHOD)
    );
}

#[test]
fn hostile_names_stay_one_cell_and_never_a_formula() {
    let hostile = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\tTAB",
        "\rCR",
        "a,b\"c\nd",
    ];
    let devices: Vec<_> = hostile
        .iter()
        .map(|h| json!({"host": h, "role": "=1+1", "clusters": ["C1"]}))
        .collect();
    let rows = rows(json!({"schema_version": "1.1", "overview": {"affected_devices": devices}}));
    assert_eq!(rows.len(), hostile.len());
    for (row, name) in rows.iter().zip(hostile) {
        assert_eq!(row.len(), isolate::HEADER.len());
        let expected = if name.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{name}")
        } else {
            name.to_string()
        };
        assert_eq!(row[0], expected);
        assert_eq!(row[2], "'=1+1");
    }
}
