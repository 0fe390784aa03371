//! The configuration's tests: the documented example, defaults, refusals and grouping keys.

use super::*;

/// The example in docs/monitor.md, so the documentation cannot drift from the schema.
fn documented_example() -> String {
    let doc = include_str!("../../../docs/monitor.md");
    let start = doc.find("```toml\n").map(|i| i + 8).unwrap();
    let end = doc[start..].find("```").unwrap() + start;
    doc[start..end].to_string()
}

/// The example's `KEY_file`/`KEY_env` secrets replaced by inline placeholders (its files and
/// variables do not exist here), with the secret settings it names.
fn with_placeholder_secrets(text: &str) -> (MonitorConfig, Vec<String>) {
    let mut table: toml::Table = toml::from_str(text).unwrap();
    let mut named = Vec::new();
    let mut replace = |t: &mut toml::Table| {
        let keys: Vec<String> = t
            .keys()
            .filter(|k| k.ends_with("_file") || k.ends_with("_env"))
            .cloned()
            .collect();
        for key in keys {
            t.remove(&key);
            let secret = key.trim_end_matches("_file").trim_end_matches("_env");
            named.push(key.clone());
            t.insert(secret.into(), "placeholder-secret-value".into());
        }
    };
    if let Some(toml::Value::Array(sinks)) = table.get_mut("sinks") {
        for sink in sinks.iter_mut().filter_map(toml::Value::as_table_mut) {
            replace(sink);
        }
    }
    if let Some(dashboard) = table
        .get_mut("dashboard")
        .and_then(toml::Value::as_table_mut)
    {
        replace(dashboard);
    }
    if let Some(forward) = table.get_mut("forward").and_then(toml::Value::as_table_mut) {
        replace(forward);
    }
    (table.try_into().unwrap(), named)
}

#[test]
fn documented_example_fits_the_schema() {
    let (config, secrets) = with_placeholder_secrets(&documented_example());
    assert_eq!(
        secrets,
        [
            "bearer_token_file",
            "password_file",
            "token_env",
            "password_file"
        ],
        "the example shows secrets by file and environment"
    );
    assert!(config.forward.as_ref().is_some_and(|f| !f.forward_only));
    assert_eq!(config.inputs.len(), 4);
    assert_eq!(config.sinks.len(), 4);
    assert!(
        matches!(&config.inputs[2], InputConfig::Lumberjack { tls: Some(t), .. } if t.client_ca.is_some())
    );
    assert_eq!(config.inputs[1].limits(), Some(ConnectionLimits::default()));
    assert!(matches!(
        &config.sinks[1].kind,
        SinkKind::Webhook { url, tls: Some(tls), .. } if url.starts_with("https://") && tls.cert.is_some()
    ));
    assert!(matches!(
        &config.sinks[2].kind,
        SinkKind::Syslog {
            protocol: SyslogProtocol::Tls,
            tls: Some(_),
            ..
        }
    ));
    assert!(matches!(
        &config.sinks[3].kind,
        SinkKind::Smtp {
            security: SmtpSecurity::Starttls,
            username: Some(_),
            password: Some(_),
            ..
        }
    ));
    let dashboard = config.dashboard.as_ref().unwrap();
    assert_eq!(dashboard.listen, SocketAddr::from(([127, 0, 0, 1], 8787)));
    assert_eq!(dashboard.login_attempts_per_minute, 10);
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

/// An environment of the test's own, so tests never set process variables.
struct FakeEnv(&'static [(&'static str, &'static str)]);

impl secrets::Source for FakeEnv {
    fn env(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn secrets_come_from_files_or_the_environment_and_inline_ones_are_noted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "dashboard-token-from-file\r\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = format!(
        "state = \"s.db\"\n\
         [[sinks]]\ntype = \"webhook\"\nname = \"soc\"\nurl = \"https://x/\"\nbearer_token_env = \"SOC_TOKEN\"\n\
         [[sinks]]\ntype = \"webhook\"\nname = \"inline\"\nurl = \"https://y/\"\nbearer_token = \"written-here\"\n\
         [dashboard]\ntoken_file = \"{}\"\n",
        token.display()
    );
    let env = FakeEnv(&[("SOC_TOKEN", "soc-token-from-env")]);
    let (config, resolved) = MonitorConfig::parse(&text, "ward.toml", &env).unwrap();
    let bearer = |i: usize| match &config.sinks[i].kind {
        SinkKind::Webhook { bearer_token, .. } => bearer_token.clone(),
        _ => None,
    };
    assert_eq!(bearer(0).as_deref(), Some("soc-token-from-env"));
    assert_eq!(bearer(1).as_deref(), Some("written-here"));
    let dashboard = config.dashboard.as_ref().unwrap();
    assert_eq!(
        dashboard.token.as_deref(),
        Some("dashboard-token-from-file"),
        "the file's content without its line break"
    );
    assert_eq!(resolved.inline, ["sinks.inline.bearer_token"]);
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);

    // An unset variable, an empty file and a world-readable secret file.
    let err = MonitorConfig::parse(&text, "ward.toml", &FakeEnv(&[]))
        .map(drop)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sinks.soc.bearer_token_env") && err.contains("SOC_TOKEN"),
        "{err}"
    );
    std::fs::write(&token, "\n").unwrap();
    let err = MonitorConfig::parse(&text, "ward.toml", &env)
        .map(drop)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dashboard.token_file") && err.contains("empty"),
        "{err}"
    );
    std::fs::write(&token, "dashboard-token-from-file\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_, resolved) = MonitorConfig::parse(&text, "ward.toml", &env).unwrap();
    assert!(
        resolved.warnings.len() == 1 && resolved.warnings[0].contains("every user may read it"),
        "{:?}",
        resolved.warnings
    );
}

#[test]
fn a_config_file_with_inline_secrets_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ward.toml");
    std::fs::write(&path, "state = \"s.db\"\n").unwrap();
    let inline = secrets::Resolved {
        inline: vec!["dashboard.token".into()],
        warnings: Vec::new(),
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let warnings = secret_warnings(&path, &inline);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("mode 644") && warnings[0].contains("dashboard.token"),
        "{warnings:?}"
    );
    // Owner-only, or no inline secret at all: nothing to say.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(secret_warnings(&path, &inline).is_empty());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(secret_warnings(&path, &secrets::Resolved::default()).is_empty());
}

#[test]
fn tcp_inputs_and_the_dashboard_take_connection_limits() {
    let config = MonitorConfig::from_toml(
        "state = \"s.db\"\n[[inputs]]\ntype = \"lumberjack\"\nname = \"b\"\nlisten = \"127.0.0.1:0\"\n\
         max_connections = 8\nidle_timeout = \"2m\"\nframe_timeout = \"5s\"\n\
         [[inputs]]\ntype = \"syslog_tcp\"\nname = \"s\"\nlisten = \"127.0.0.1:0\"\n\
         [dashboard]\ntoken = \"0123456789abcdef\"\nheader_timeout = \"10s\"\n",
        "ward.toml",
    )
    .unwrap();
    assert_eq!(
        config.inputs[0].limits(),
        Some(ConnectionLimits {
            max_connections: 8,
            idle_timeout: Duration::from_secs(120),
            frame_timeout: Duration::from_secs(5),
        })
    );
    assert_eq!(config.inputs[1].limits(), Some(ConnectionLimits::default()));
    let dashboard = config.dashboard.unwrap();
    assert_eq!(dashboard.header_timeout, Duration::from_secs(10));
    assert_eq!(
        (
            dashboard.max_connections,
            dashboard.login_attempts_per_minute
        ),
        (64, 10)
    );
    let err = MonitorConfig::from_toml(
        "state = \"s.db\"\n[[inputs]]\ntype = \"syslog_tcp\"\nname = \"s\"\nlisten = \"127.0.0.1:0\"\nmax_connections = 0\n",
        "ward.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("max_connections must be at least 1"), "{err}");
}
