//! Tuning: what a site says about its rules, applied to every rule detection right where the
//! detection step makes it, so the hunt and the monitor tune alike. A `[tuning]` table (in
//! `ward.toml` or the file `--tuning` names) gives:
//!
//! - `levels`: a rule's level overridden (`"rule-id" = "low"`);
//! - `exclude` / `noisy`: rules whose detections are suppressed (by id, name or title);
//! - `allow`: entries that suppress a rule's detections (or every rule's) for a `host`, an
//!   `account` or a `destination`, each with a `reason` and an `expires` date — an expired entry
//!   is ignored with a warning;
//! - `filters`: Sigma filter documents (SigmaHQ's `filter:` meta-rules, `rules:` naming the
//!   rules, a detection and a `condition` the rule's events must also pass).
//!
//! Nothing is dropped silently: each suppression is counted in a
//! [`ward_case::tuning::TuningTally`] by kind, rule and reason.
//!
//! ```
//! use ward_detect::tuning::{Tuning, TuningConfig};
//! let config: TuningConfig = TuningConfig {
//!     exclude: vec!["noisy-rule-id".into()],
//!     ..Default::default()
//! };
//! let tuning = Tuning::new(&config, std::path::Path::new("."), ward_event::Timestamp::UNKNOWN).unwrap();
//! assert!(tuning.warnings().is_empty());
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ward_analytics::case::Detection;
use ward_case::tuning::{SuppressionKind, TuningTally};
use ward_event::{Event, Fields, Level, Timestamp};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

/// Event fields an allow-list `account` is compared with.
const ACCOUNT_FIELDS: [&str; 6] = [
    "TargetUserName",
    "SubjectUserName",
    "User",
    "UserName",
    "AccountName",
    "SamAccountName",
];
/// Event fields an allow-list `destination` is compared with.
const DESTINATION_FIELDS: [&str; 9] = [
    "DestinationIp",
    "DestinationHostname",
    "dst_ip",
    "id.resp_h",
    "DestAddress",
    "TargetServerName",
    "query",
    "host",
    "QueryName",
];

/// The `[tuning]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuningConfig {
    /// Rule (id, name or title) → level.
    #[serde(default)]
    pub levels: BTreeMap<String, String>,
    /// Rules whose detections are suppressed.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rules marked noisy: suppressed, counted apart from exclusions.
    #[serde(default)]
    pub noisy: Vec<String>,
    /// Allow-list entries.
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
    /// Sigma filter documents (files or folders), relative to the tuning file.
    #[serde(default)]
    pub filters: Vec<PathBuf>,
}

/// One allow-list entry: suppresses detections of `rule` (every rule when absent) whose host,
/// account or destination is the one given (all that are given must match).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    pub rule: Option<String>,
    pub host: Option<String>,
    pub account: Option<String>,
    pub destination: Option<String>,
    /// Why it is allowed (shown in the report).
    pub reason: String,
    /// Last day it applies (`YYYY-MM-DD`, or an RFC 3339 time); required so exceptions end.
    pub expires: String,
}

/// A file holding a `[tuning]` table (`ward.toml`, or a tuning file of its own); other tables
/// are ignored here.
#[derive(Debug, Deserialize)]
struct TuningFile {
    #[serde(default)]
    tuning: Option<TuningConfig>,
}

/// Why tuning could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TuningError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("tuning: {0}")]
    Invalid(String),
}

/// An allow-list entry in force.
#[derive(Debug)]
struct Allow {
    rule: Option<String>,
    host: Option<String>,
    account: Option<String>,
    destination: Option<String>,
    reason: String,
}

/// Tuning ready to apply.
#[derive(Debug, Default)]
pub struct Tuning {
    levels: Vec<(String, Level)>,
    exclude: Vec<String>,
    noisy: Vec<String>,
    allow: Vec<Allow>,
    /// The filter documents as rules: a rule's event passes a filter when the filter's rule
    /// matches it.
    filters: Option<RuleSet>,
    /// Per filter rule (by index in `filters`): its id and the rules it names.
    filter_targets: Vec<(String, Vec<String>)>,
    warnings: Vec<String>,
}

/// What tuning decided about one detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Keep it (its level may have been changed).
    Keep,
    /// Suppress it, for this kind of reason, with this reason.
    Suppress(SuppressionKind, String),
}

/// Reads the `[tuning]` table of a TOML file; `None` when the file has none.
pub fn read_config(path: &Path) -> Result<Option<TuningConfig>, TuningError> {
    let text = std::fs::read_to_string(path).map_err(|e| TuningError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let file: TuningFile = toml::from_str(&text).map_err(|e| TuningError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(file.tuning)
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn names_rule(reference: &str, d: &Detection) -> bool {
    same(reference, &d.rule_id) || same(reference, &d.title)
}

impl Tuning {
    /// Tuning from `config`; filter paths are relative to `base`; allow-list entries that
    /// expired before `now` are ignored with a warning.
    pub fn new(config: &TuningConfig, base: &Path, now: Timestamp) -> Result<Self, TuningError> {
        let mut tuning = Tuning {
            exclude: config.exclude.clone(),
            noisy: config.noisy.clone(),
            ..Default::default()
        };
        for (rule, level) in &config.levels {
            let level: Level = level
                .parse()
                .map_err(|e| TuningError::Invalid(format!("level of `{rule}`: {e}")))?;
            tuning.levels.push((rule.clone(), level));
        }
        for entry in &config.allow {
            let what = [
                entry.host.as_deref().map(|h| format!("host {h}")),
                entry.account.as_deref().map(|a| format!("account {a}")),
                entry
                    .destination
                    .as_deref()
                    .map(|d| format!("destination {d}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            if what.is_empty() {
                return Err(TuningError::Invalid(format!(
                    "allow-list entry `{}` names no host, account or destination",
                    entry.reason
                )));
            }
            let expires = Timestamp::parse(&entry.expires).map_err(|e| {
                TuningError::Invalid(format!("allow-list entry for {what}: expires: {e}"))
            })?;
            // A date is the last day the entry applies.
            let end = if entry.expires.trim().len() == 10 {
                expires.add_secs(86_400)
            } else {
                expires
            };
            if end <= now {
                tuning.warnings.push(format!(
                    "allow-list entry for {what} ({}) expired on {}: ignored",
                    entry.reason, entry.expires
                ));
                continue;
            }
            tuning.allow.push(Allow {
                rule: entry.rule.clone(),
                host: entry.host.clone(),
                account: entry.account.clone(),
                destination: entry.destination.clone(),
                reason: entry.reason.clone(),
            });
        }
        if !config.filters.is_empty() {
            tuning.load_filters(config, base)?;
        }
        Ok(tuning)
    }

    /// Warnings about entries ignored while loading.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn load_filters(&mut self, config: &TuningConfig, base: &Path) -> Result<(), TuningError> {
        let mut builder = RuleSetBuilder::new(Mapping::builtin());
        let mut files = Vec::new();
        for path in &config.filters {
            let path = base.join(path);
            if path.is_dir() {
                let mut found: Vec<PathBuf> = std::fs::read_dir(&path)
                    .map_err(|e| TuningError::File {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                    .collect();
                found.sort();
                files.extend(found);
            } else {
                files.push(path);
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| TuningError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let (yaml, id, targets) =
                filter_as_rule(&text).map_err(|message| TuningError::File {
                    path: path.display().to_string(),
                    message,
                })?;
            builder.add_yaml(&path.display().to_string(), &yaml);
            self.filter_targets.push((id, targets));
        }
        let (rules, report) = builder.build();
        if let Some(p) = report.problems.first() {
            return Err(TuningError::Invalid(format!(
                "filter {}: {}: {}",
                p.origin, p.reason, p.detail
            )));
        }
        self.filters = Some(rules);
        Ok(())
    }

    /// Applies the tuning to `d`, a detection of `event`: changes its level when overridden
    /// and says whether to keep it. Counts what it did in `tally`.
    pub fn review(&self, d: &mut Detection, event: &Event, tally: &mut TuningTally) -> Verdict {
        let verdict = self.decide(d, event);
        match &verdict {
            Verdict::Suppress(kind, reason) => {
                tally.suppress(*kind, &d.rule_id, &d.title, reason, &d.host, d.time)
            }
            Verdict::Keep => {
                if let Some((_, level)) = self.levels.iter().find(|(r, _)| names_rule(r, d))
                    && *level != d.level
                {
                    tally.override_level(&d.rule_id, d.level, *level);
                    d.level = *level;
                }
            }
        }
        verdict
    }

    fn decide(&self, d: &Detection, event: &Event) -> Verdict {
        if let Some(r) = self.exclude.iter().find(|r| names_rule(r, d)) {
            return Verdict::Suppress(SuppressionKind::Excluded, format!("excluded: {r}"));
        }
        if let Some(r) = self.noisy.iter().find(|r| names_rule(r, d)) {
            return Verdict::Suppress(SuppressionKind::Noisy, format!("noisy: {r}"));
        }
        for a in &self.allow {
            if a.rule.as_deref().is_some_and(|r| !names_rule(r, d)) {
                continue;
            }
            let host_ok = a
                .host
                .as_deref()
                .is_none_or(|h| same(h, &d.host) || event.host.fqdn().is_some_and(|f| same(h, f)));
            let account_ok = a
                .account
                .as_deref()
                .is_none_or(|acc| any_field_is(event, &ACCOUNT_FIELDS, acc));
            let destination_ok = a
                .destination
                .as_deref()
                .is_none_or(|dst| any_field_is(event, &DESTINATION_FIELDS, dst));
            if host_ok && account_ok && destination_ok {
                return Verdict::Suppress(SuppressionKind::AllowList, a.reason.clone());
            }
        }
        if let Some(filters) = &self.filters {
            let mut applicable = self
                .filter_targets
                .iter()
                .enumerate()
                .filter(|(_, (_, targets))| targets.iter().any(|r| names_rule(r, d)))
                .peekable();
            if applicable.peek().is_some() {
                let mut passed: Vec<&str> = Vec::new();
                filters.matches(event, &mut |idx| {
                    if let Some(id) = filters.rule(idx).id.as_deref() {
                        passed.push(id);
                    }
                });
                for (_, (id, _)) in applicable {
                    if !passed.contains(&id.as_str()) {
                        return Verdict::Suppress(SuppressionKind::Filter, id.clone());
                    }
                }
            }
        }
        Verdict::Keep
    }
}

/// True when one of `fields` of `event` equals `want` (any case; an account may be written
/// `DOMAIN\name`).
fn any_field_is(event: &Event, fields: &[&str], want: &str) -> bool {
    let want_name = want.rsplit('\\').next().unwrap_or(want);
    fields.iter().any(|name| {
        let mut hit = false;
        event.get_all(name, &mut |v| {
            if let Some(s) = v.as_str() {
                hit |= same(s, want) || (!want.contains('\\') && same(s, want_name));
            }
        });
        hit
    })
}

/// A Sigma filter document rewritten as a rule with the filter's log source and detection, so
/// Ward's Sigma engine compiles it: its id and the rules it names, or why it is not a filter.
pub fn filter_as_rule(text: &str) -> Result<(String, String, Vec<String>), String> {
    use yaml_serde::Value;
    let doc: Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    let title = doc
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("filter")
        .to_string();
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| title.clone(), str::to_string);
    let Some(Value::Mapping(filter)) = doc.get("filter") else {
        return Err("not a Sigma filter document (no `filter:` section)".to_string());
    };
    let mut detection = filter.clone();
    let targets: Vec<String> = match detection.remove("rules") {
        Some(Value::Sequence(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s],
        _ => return Err("the filter names no rules (`filter: rules:`)".to_string()),
    };
    let mut rule = yaml_serde::Mapping::new();
    rule.insert("title".into(), Value::String(title));
    rule.insert("id".into(), Value::String(id.clone()));
    rule.insert(
        "logsource".into(),
        doc.get("logsource")
            .cloned()
            .unwrap_or(Value::Mapping(Default::default())),
    );
    rule.insert("detection".into(), Value::Mapping(detection));
    rule.insert("level".into(), Value::String("informational".into()));
    let yaml = yaml_serde::to_string(&Value::Mapping(rule)).map_err(|e| e.to_string())?;
    Ok((yaml, id, targets))
}
