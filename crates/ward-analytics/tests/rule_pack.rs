//! Ward's own rule pack (rules/) under Ward's Sigma engine: it loads cleanly, fires on the demo
//! outbreak's Kwampirs artefacts, stays quiet on the real WMI binaries and the PsExec push, and
//! its hits sharpen the spread analytics.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use ward_analytics::case::Detection;
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, facts};
use ward_event::{Event, FieldList, LogSource, Timestamp, Value};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

fn pack() -> RuleSet {
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_path(&PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules"
    )))
    .expect("rules/ exists");
    let (rules, report) = b.build();
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.loaded, 14);
    rules
}

fn titles(rules: &RuleSet, event: &Event) -> Vec<String> {
    let mut hits = Vec::new();
    rules.matches(event, &mut |r| hits.push(rules.rule(r).title.clone()));
    hits.sort();
    hits
}

fn detection(rules: &RuleSet, idx: ward_sigma::RuleIdx, e: &Event) -> Detection {
    let meta = rules.rule(idx);
    Detection {
        time: e.time,
        host: e.host.short().to_string(),
        rule_id: meta.id.clone().unwrap_or_default(),
        title: meta.title.clone(),
        level: meta.level,
        kind: "rule".into(),
        source: e.source.label(),
        event_id: e.source.event_id,
        record_id: e.record_id,
        file: e.origin.file.to_string(),
        position: e.origin.position,
        tags: meta.tags.clone(),
        fields: e.fields.clone(),
    }
}

fn process(image: &str, command_line: &str, parent: &str) -> Event {
    let mut f = FieldList::default();
    f.push("EventID", Value::Int(1));
    f.push("Image", Value::from(image));
    f.push("CommandLine", Value::from(command_line));
    f.push("ParentImage", Value::from(parent));
    let source = LogSource::windows(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        1,
    );
    Event::new(Timestamp::UNKNOWN, "ws-1", source, f)
}

#[test]
fn real_wmi_binaries_never_fire() {
    let rules = pack();
    let svc = r"C:\Windows\System32\services.exe";
    for (image, cmd, parent) in [
        (
            r"C:\Windows\System32\wbem\WmiPrvSE.exe",
            r"C:\Windows\system32\wbem\wmiprvse.exe -Embedding",
            r"C:\Windows\System32\svchost.exe",
        ),
        (
            r"C:\Windows\SysWOW64\wbem\WmiPrvSE.exe",
            r"C:\Windows\SysWOW64\wbem\wmiprvse.exe -secured -Embedding",
            r"C:\Windows\System32\svchost.exe",
        ),
        (
            r"C:\Windows\System32\wbem\WmiApSrv.exe",
            r"C:\Windows\system32\wbem\WmiApSrv.exe",
            svc,
        ),
        (
            r"C:\Windows\System32\cmd.exe",
            r#"cmd.exe /c "dir" "#,
            r"C:\Windows\System32\wbem\WmiPrvSE.exe",
        ),
    ] {
        assert_eq!(
            titles(&rules, &process(image, cmd, parent)),
            Vec::<String>::new(),
            "{image}"
        );
    }
}

#[test]
fn implant_and_recon_shapes_fire() {
    let rules = pack();
    let implant = r"C:\Windows\System32\wmiapsrvex.exe";
    assert_eq!(
        titles(
            &rules,
            &process(
                implant,
                &format!("{implant} ControlTrace -Embedding -k"),
                r"C:\Windows\System32\services.exe"
            )
        ),
        ["Kwampirs Implant Process"]
    );
    assert_eq!(
        titles(
            &rules,
            &process(
                r"C:\ProgramData\wmiprvse.exe",
                "wmiprvse.exe",
                r"C:\Windows\System32\services.exe"
            )
        ),
        ["Kwampirs Implant Process"]
    );
    // `/c` matches however the shell's path precedes it.
    for cmd in [
        r#"cmd.exe /c "ipconfig /all" 2>nul"#,
        r#""C:\WINDOWS\system32\cmd.exe" /C "net share" 2>nul"#,
        "cmd /c netstat -nao 2>nul",
    ] {
        let hits = titles(
            &rules,
            &process(r"C:\Windows\System32\cmd.exe", cmd, implant),
        );
        assert_eq!(
            hits,
            [
                "Discovery Command Run as cmd /c With Errors Discarded (Kwampirs Style)",
                "Kwampirs Recon Shell Spawned by Implant",
            ],
            "{cmd}"
        );
    }
}

#[test]
fn demo_outbreak_hits_and_their_use_by_the_analyzer() {
    let rules = pack();
    let dir = common::demo_dir();
    let events = common::read_events(std::slice::from_ref(&dir));
    let mut by_title: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let assets =
        Assets::from_csv_reader(std::fs::File::open(dir.join("assets.csv")).expect("assets"))
            .expect("assets");
    let mut analyzer = Analyzer::new(AnalyticsConfig::default(), assets);
    for e in &events {
        rules.matches(e, &mut |r| {
            by_title
                .entry(rules.rule(r).title.clone())
                .or_default()
                .push(e.host.short().to_string());
            analyzer.feed_detection(&detection(&rules, r, e));
        });
        if let Some(f) = facts::extract(e) {
            analyzer.feed(&f);
        }
    }
    let hosts = |t: &str| {
        let mut h = by_title.get(t).cloned().unwrap_or_default();
        h.sort();
        h.dedup();
        h
    };
    let worm = [
        "FS-01",
        "KIOSK-CONSENT-01",
        "MRI-CONSOLE-01",
        "WS-NURSE-03",
        "WS-RECEPTION-01",
        "XRAY-PC-02",
    ];
    assert_eq!(hosts("Kwampirs Service Installed (System)"), worm);
    assert_eq!(hosts("Kwampirs Implant Process"), worm);
    assert_eq!(hosts("Kwampirs Recon Shell Spawned by Implant"), worm);
    assert_eq!(
        hosts("Kwampirs Implant Copied Over an Admin Share"),
        [
            "FS-01",
            "KIOSK-CONSENT-01",
            "MRI-CONSOLE-01",
            "WS-NURSE-03",
            "XRAY-PC-02"
        ]
    );
    assert_eq!(
        hosts("Kwampirs Service Registry Key Written"),
        ["FS-01", "WS-NURSE-03", "WS-RECEPTION-01"]
    );
    // The PsExec push is a generic remote-execution pattern, never a Kwampirs hit.
    assert_eq!(
        hosts("Service Installed From an Executable at the Windows Folder Root"),
        ["WS-LAB-07"]
    );
    assert!(
        by_title
            .keys()
            .all(|t| !t.starts_with("Kwampirs") || !hosts(t).contains(&"WS-LAB-07".to_string()))
    );
    let out = analyzer.finish();
    let worm_cluster = &out.spread.clusters[0];
    assert_eq!(worm_cluster.verdict, "worm");
    // The implant written at 08:39:50 (Sysmon 11, a Kwampirs file rule hit) now dates the
    // infection of patient zero, ten seconds before its service install.
    let pz = worm_cluster
        .hosts
        .iter()
        .find(|h| h.host == "WS-RECEPTION-01")
        .expect("patient zero");
    assert_eq!(
        pz.infected_at
            .map(|t| t.to_rfc3339())
            .as_deref()
            .and_then(|s| s.get(..19)),
        Some("2026-03-02T08:39:50")
    );
    // Discovery and C2 rule hits count as follow-up; the implant's own artefacts do not.
    // Discovery and C2 rule hits count as follow-up, once per kind with the hosts it was seen
    // on; the implant's own artefacts (service install, file drop) do not.
    let behaviour: Vec<&str> = worm_cluster
        .reasons
        .iter()
        .map(String::as_str)
        .filter(|r| r.starts_with("worm +3") || r.starts_with("worm +2"))
        .collect();
    assert_eq!(
        behaviour,
        [
            "worm +3: multi-hop: FS-01 reached from WS-RECEPTION-01, then reached \
             KIOSK-CONSENT-01, MRI-CONSOLE-01, XRAY-PC-02",
            "worm +2: follow-up on 6 hosts: recon bursts (6), rule hits: \
             Discovery Command Run as cmd /c With Errors Discarded (Kwampirs Style) (6), \
             Kwampirs Recon Shell Spawned by Implant (6), \
             Recursive Directory Listing Written to a TEMP .tmp File (Kwampirs Style) (2)",
        ]
    );
    assert_eq!(out.spread.clusters[1].verdict, "likely-admin");
}
