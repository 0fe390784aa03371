//! Secrets in the configuration: each secret key (`bearer_token`, `password`, `token`,
//! `password_hash`; `[forward]`'s `password`) may be written inline, or as `KEY_file = "/path"` (the file's content,
//! without its trailing newline) or `KEY_env = "VARIABLE"` (an environment variable). They are
//! resolved in the TOML table before it is parsed, so the typed configuration only ever holds
//! the value. Inline secrets are remembered, so the caller can warn when the configuration file
//! holding them is readable by other users.

use std::path::Path;

/// Secret keys of a `[[sinks]]` table.
const SINK_SECRETS: &[&str] = &["bearer_token", "password"];
/// Secret keys of the `[dashboard]` table.
const DASHBOARD_SECRETS: &[&str] = &["token", "password_hash"];
/// A secret file larger than this is refused (a path to a device or a log by mistake).
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// What resolving found besides the values.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Secrets written inline, as `sinks.NAME.KEY` or `dashboard.KEY`.
    pub inline: Vec<String>,
    /// Secret files that other users may read.
    pub warnings: Vec<String>,
}

/// Where secrets are read from; tests swap the environment.
pub(crate) trait Source {
    /// An environment variable's value.
    fn env(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub(crate) struct ProcessEnv;

impl Source for ProcessEnv {
    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Replaces every `KEY_file` and `KEY_env` by `KEY` with the secret's value; errors name the
/// table and key.
pub(crate) fn resolve(table: &mut toml::Table, source: &dyn Source) -> Result<Resolved, String> {
    let mut resolved = Resolved::default();
    if let Some(toml::Value::Array(sinks)) = table.get_mut("sinks") {
        for sink in sinks.iter_mut() {
            if let toml::Value::Table(sink) = sink {
                let name = sink
                    .get("name")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("?");
                let owner = format!("sinks.{name}");
                resolve_keys(sink, SINK_SECRETS, &owner, source, &mut resolved)?;
            }
        }
    }
    if let Some(toml::Value::Table(dashboard)) = table.get_mut("dashboard") {
        resolve_keys(
            dashboard,
            DASHBOARD_SECRETS,
            "dashboard",
            source,
            &mut resolved,
        )?;
    }
    if let Some(toml::Value::Table(forward)) = table.get_mut("forward") {
        resolve_keys(forward, &["password"], "forward", source, &mut resolved)?;
    }
    Ok(resolved)
}

fn resolve_keys(
    table: &mut toml::Table,
    keys: &[&str],
    owner: &str,
    source: &dyn Source,
    resolved: &mut Resolved,
) -> Result<(), String> {
    for key in keys {
        let file_key = format!("{key}_file");
        let env_key = format!("{key}_env");
        let given = [key.to_string(), file_key.clone(), env_key.clone()]
            .into_iter()
            .filter(|k| table.contains_key(k))
            .collect::<Vec<_>>();
        if given.len() > 1 {
            return Err(format!(
                "{owner}: set only one of `{key}`, `{file_key}` and `{env_key}`"
            ));
        }
        let text = |k: &str, value: toml::Value| match value {
            toml::Value::String(s) => Ok(s),
            _ => Err(format!("{owner}.{k} must be a string")),
        };
        if let Some(value) = table.remove(&file_key) {
            let path = text(&file_key, value)?;
            let secret = read_secret_file(Path::new(&path), &mut resolved.warnings)
                .map_err(|e| format!("{owner}.{file_key} {path}: {e}"))?;
            table.insert(key.to_string(), toml::Value::String(secret));
        } else if let Some(value) = table.remove(&env_key) {
            let variable = text(&env_key, value)?;
            let secret = source
                .env(&variable)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    format!("{owner}.{env_key}: environment variable `{variable}` is not set")
                })?;
            table.insert(key.to_string(), toml::Value::String(secret));
        } else if table.contains_key(*key) {
            resolved.inline.push(format!("{owner}.{key}"));
        }
    }
    Ok(())
}

/// The file's content without trailing line breaks; refuses empty and oversized files.
fn read_secret_file(path: &Path, warnings: &mut Vec<String>) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if let Some(warning) = readable_by_others(path, &meta) {
        warnings.push(warning);
    }
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SECRET_FILE {
        return Err(format!("larger than {MAX_SECRET_FILE} bytes"));
    }
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err("the file is empty".into());
    }
    Ok(secret.to_string())
}

/// A warning when users other than the owner and group may read the file.
#[cfg(unix)]
pub(crate) fn readable_by_others(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    (mode & 0o004 != 0).then(|| {
        format!(
            "{} holds secrets but every user may read it (mode {:o}); chmod o-r it",
            path.display(),
            mode & 0o777
        )
    })
}

/// Permissions are not checked off Unix.
#[cfg(not(unix))]
pub(crate) fn readable_by_others(_path: &Path, _meta: &std::fs::Metadata) -> Option<String> {
    None
}
