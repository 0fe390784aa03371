//! The configuration's tests: the documented example, defaults, refusals and grouping keys.

use super::*;

/// The example in docs/monitor.md, so the documentation cannot drift from the schema.
fn documented_example() -> String {
    let doc = include_str!("../../../docs/monitor.md");
    let start = doc.find("```toml\n").map(|i| i + 8).unwrap();
    let end = doc[start..].find("```").unwrap() + start;
    doc[start..end].to_string()
}

#[test]
fn documented_example_fits_the_schema() {
    let config: MonitorConfig = toml::from_str(&documented_example()).unwrap();
    assert_eq!(config.inputs.len(), 4);
    assert_eq!(config.sinks.len(), 4);
    assert!(
        matches!(&config.inputs[2], InputConfig::Lumberjack { tls: Some(t), .. } if t.client_ca.is_some())
    );
    assert!(matches!(
        &config.sinks[2].kind,
        SinkKind::Syslog {
            protocol: SyslogProtocol::Tcp,
            ..
        }
    ));
    let dashboard = config.dashboard.as_ref().unwrap();
    assert_eq!(dashboard.listen, SocketAddr::from(([127, 0, 0, 1], 8787)));
    assert_eq!(
        (config.pipeline.commit_ms, config.retention.alert_days),
        (200, 90)
    );
    // The placeholder hash is not a PHC string, so the example cannot run as is.
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("password_hash is not a PHC string"), "{err}");
}

#[test]
fn settings_may_sit_in_a_monitor_table_and_unknown_keys_are_refused() {
    let config = MonitorConfig::from_toml(
        "[hunt]\nrules = \"x\"\n[monitor]\nstate = \"s.db\"\n",
        "ward.toml",
    )
    .unwrap();
    assert_eq!(config.state, PathBuf::from("s.db"));
    let err = MonitorConfig::from_toml("state = \"s.db\"\nstaet = 1\n", "ward.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("monitor config ward.toml:") && err.contains("staet"),
        "{err}"
    );
    let err = MonitorConfig::from_toml(
        "state = \"s.db\"\n[[inputs]]\ntype = \"syslog_udp\"\nname = \"a\"\nlisten = \"127.0.0.1:1\"\nport = 2\n",
        "ward.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("port"), "{err}");
}

#[test]
fn documented_grouping_example_fits_the_schema() {
    let doc = include_str!("../../../docs/monitor.md");
    let section = &doc[doc.find("## Alert grouping").unwrap()..];
    let start = section.find("```toml\n").map(|i| i + 8).unwrap();
    let end = section[start..].find("```").unwrap() + start;
    let config = MonitorConfig::from_toml(
        &format!("state = \"s.db\"\n{}", &section[start..end]),
        "doc",
    )
    .unwrap();
    let granularity: Vec<_> = config
        .sinks
        .iter()
        .map(|s| s.delivery.granularity)
        .collect();
    assert_eq!(
        granularity,
        [
            Granularity::Group,
            Granularity::Event,
            Granularity::Incident
        ]
    );
    assert_eq!(config.sinks[0].delivery, Delivery::default());
}

#[test]
fn sinks_group_by_default_and_take_durations_with_units_or_seconds() {
    let config = MonitorConfig::from_toml(
        "state = \"s.db\"\n\
         [[sinks]]\ntype = \"jsonl\"\nname = \"a\"\n\
         [[sinks]]\ntype = \"webhook\"\nname = \"b\"\nurl = \"http://x/\"\n\
         granularity = \"incident\"\ngroup_by = [\"host\", \"counterpart\"]\n\
         group_wait = \"250ms\"\ngroup_interval = 90\nrepeat_interval = \"1d\"\n",
        "ward.toml",
    )
    .unwrap();
    assert_eq!(config.sinks[0].delivery, Delivery::default());
    assert_eq!(config.sinks[0].delivery.granularity, Granularity::Group);
    assert_eq!(config.sinks[0].delivery.group_wait, Duration::from_secs(30));
    let b = &config.sinks[1].delivery;
    assert_eq!(b.granularity, Granularity::Incident);
    assert_eq!(
        b.group_by,
        [GroupAttribute::Host, GroupAttribute::Counterpart]
    );
    assert_eq!(
        (b.group_wait, b.group_interval, b.repeat_interval),
        (
            Duration::from_millis(250),
            Duration::from_secs(90),
            Duration::from_secs(86_400)
        )
    );
    for (bad, says) in [
        ("group_wait = \"5 parsecs\"", "not a duration"),
        ("group_by = [\"colour\"]", "colour"),
        ("granularity = \"digest\"", "digest"),
        ("gruop_wait = 1", "gruop_wait"),
    ] {
        let err = MonitorConfig::from_toml(
            &format!("state = \"s.db\"\n[[sinks]]\ntype = \"jsonl\"\nname = \"a\"\n{bad}\n"),
            "ward.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains(says), "{bad}: {err}");
    }
}
