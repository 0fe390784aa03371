//! The rules home: where `ward rules update` installs rule sets and where hunt, audit and
//! monitor find the installed one.
//!
//! ```text
//! HOME/sets/set-<nanos>/ward-set.json   the manifest (source, SHA-256, version, profile, rules)
//! HOME/sets/set-<nanos>/rules…/*.yml    the profile's rules, as laid out in the package
//! HOME/current  -> sets/set-…           the set in use
//! HOME/previous -> sets/set-…           the set before it (`ward rules rollback`)
//! ```
//!
//! A new set is unpacked beside the others and `current` is switched by one rename, so a
//! reader sees the old set or the new one, never half of one.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::package::RuleEntry;

/// The manifest's file name inside a set.
pub const MANIFEST: &str = "ward-set.json";
const CURRENT: &str = "current";
const PREVIOUS: &str = "previous";
const SETS: &str = "sets";

/// Where rule sets live: `--rules-home`, else `WARD_RULES_HOME` (clap reads both), else
/// `$XDG_DATA_HOME/ward/rules`, else `~/.local/share/ward/rules`.
pub fn home(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    let nonempty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(data) = nonempty("XDG_DATA_HOME") {
        return Ok(PathBuf::from(data).join("ward/rules"));
    }
    if let Some(home) = nonempty("HOME") {
        return Ok(PathBuf::from(home).join(".local/share/ward/rules"));
    }
    bail!("no rules home: set --rules-home, WARD_RULES_HOME or XDG_DATA_HOME")
}

/// What an installed set is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Who publishes the rules (`SigmaHQ`).
    pub publisher: String,
    /// The release (`r2026-08-05`), or `sha256:<prefix>` when the source named none.
    pub version: String,
    /// The profile the set was unpacked with.
    pub profile: String,
    /// URL or file it came from.
    pub source: String,
    /// SHA-256 of the package.
    pub sha256: String,
    /// Whether that SHA-256 was checked against a pinned or published value.
    pub verified: bool,
    /// When it was installed (RFC 3339, UTC).
    pub installed_at: String,
    /// Rules compiled by Ward.
    pub loaded: usize,
    /// The set's rules by id.
    pub rules: BTreeMap<String, RuleEntry>,
    /// Rules of the set that do not load or can never match, by id, with the reason.
    pub not_loading: BTreeMap<String, String>,
}

impl Manifest {
    /// One line naming the set, e.g. `SigmaHQ r2026-08-05 (profile all, 3309 rules)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} (profile {}, {} rules)",
            self.publisher,
            self.version,
            self.profile,
            self.rules.len()
        )
    }
}

/// The set in use.
#[derive(Debug, Clone)]
pub struct InstalledSet {
    /// Its folder (load every rule under it).
    pub dir: PathBuf,
    /// What it is.
    pub manifest: Manifest,
}

/// The set `HOME/current` points to, if any.
pub fn current(home: &Path) -> Result<Option<InstalledSet>> {
    read_set(home, CURRENT)
}

fn read_set(home: &Path, link: &str) -> Result<Option<InstalledSet>> {
    let Some(target) = read_pointer(&home.join(link))? else {
        return Ok(None);
    };
    let dir = home.join(target);
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "reading {} (reinstall with `ward rules update`)",
            path.display()
        )
    })?;
    let manifest =
        serde_json::from_slice(&text).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(InstalledSet { dir, manifest }))
}

/// A new folder under `HOME/sets` to unpack into; [`install`] makes it the current set.
pub fn staging_dir(home: &Path) -> Result<PathBuf> {
    let sets = home.join(SETS);
    std::fs::create_dir_all(&sets).with_context(|| format!("creating {}", sets.display()))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = sets.join(format!(".staging-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Writes the manifest into the staged set, makes it current and the old current previous,
/// and removes sets that are neither.
pub fn install(home: &Path, staged: &Path, manifest: &Manifest) -> Result<PathBuf> {
    let path = staged.join(MANIFEST);
    let json = serde_json::to_vec_pretty(manifest).context("writing the manifest")?;
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    let name = staged
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(".staging-"))
        .map(|n| format!("set-{n}"))
        .context("not a staging folder")?;
    let relative = PathBuf::from(SETS).join(&name);
    let dir = home.join(&relative);
    std::fs::rename(staged, &dir)
        .with_context(|| format!("moving {} to {}", staged.display(), dir.display()))?;
    let old = read_pointer(&home.join(CURRENT))?;
    write_pointer(home, CURRENT, &relative)?;
    if let Some(old) = old {
        write_pointer(home, PREVIOUS, &old)?;
    }
    remove_unused(home);
    Ok(dir)
}

/// Swaps `current` and `previous`: the set before the last update is used again (and a second
/// rollback returns to the newer one).
pub fn rollback(home: &Path) -> Result<(InstalledSet, InstalledSet)> {
    let (Some(cur), Some(prev)) = (
        read_pointer(&home.join(CURRENT))?,
        read_pointer(&home.join(PREVIOUS))?,
    ) else {
        bail!(
            "no earlier rule set to roll back to under {} (`ward rules update` keeps one)",
            home.display()
        );
    };
    let from = read_set(home, CURRENT)?.context("the current set is missing")?;
    write_pointer(home, CURRENT, &prev)?;
    write_pointer(home, PREVIOUS, &cur)?;
    let to = read_set(home, CURRENT)?.context("the restored set is missing")?;
    Ok((from, to))
}

/// Removes sets neither pointer names, and staging folders left by interrupted updates.
fn remove_unused(home: &Path) {
    let keep: Vec<PathBuf> = [CURRENT, PREVIOUS]
        .iter()
        .filter_map(|l| read_pointer(&home.join(l)).ok().flatten())
        .map(|p| home.join(p))
        .collect();
    let Ok(entries) = std::fs::read_dir(home.join(SETS)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with("set-")
                || n.strip_prefix(".staging-")
                    .and_then(|r| r.split('-').next())
                    .is_some_and(|pid| pid != std::process::id().to_string())
        });
        if ours && !keep.contains(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// A pointer is a relative symbolic link on Unix, a one-line file elsewhere.
fn read_pointer(path: &Path) -> Result<Option<PathBuf>> {
    #[cfg(unix)]
    let target = std::fs::read_link(path);
    #[cfg(not(unix))]
    let target = std::fs::read_to_string(path).map(|s| PathBuf::from(s.trim()));
    match target {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Points `HOME/name` at `target` with one rename, so readers never see it missing.
fn write_pointer(home: &Path, name: &str, target: &Path) -> Result<()> {
    let tmp = home.join(format!(".{name}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, &tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    #[cfg(not(unix))]
    std::fs::write(&tmp, target.to_string_lossy().as_bytes())
        .with_context(|| format!("creating {}", tmp.display()))?;
    let path = home.join(name);
    std::fs::rename(&tmp, &path).with_context(|| format!("switching {}", path.display()))
}
