//! Unpacking a rule package (a SigmaHQ release zip): every member is checked before anything is
//! written, hostile members (absolute paths, `..`, symlinks, oversized files) refuse the whole
//! package, and only the rules of the chosen profile are written.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Component, Path};
use ward_event::Level;

use super::profile::Profile;
use super::sha256_hex;

/// A rule file larger than this is no rule (SigmaHQ's largest is about 60 KiB).
pub const MAX_MEMBER_BYTES: u64 = 4 << 20;
/// Unpacked size of a whole package (SigmaHQ's all-rules package unpacks to about 20 MB).
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// Members of a package.
pub const MAX_MEMBERS: usize = 100_000;

/// One installed rule, as recorded in the set's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEntry {
    /// Path inside the set (`/`-separated).
    pub path: String,
    /// `title`.
    pub title: String,
    /// `status`, when given.
    pub status: Option<String>,
    /// `level`, when given.
    pub level: Option<String>,
    /// SHA-256 of the file, to tell changed rules.
    pub sha256: String,
}

/// What unpacking kept and left out.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// Rules written, by id (or by path when a rule has no id).
    pub rules: BTreeMap<String, RuleEntry>,
    /// Rule files the profile left out.
    pub filtered: usize,
}

/// Checks every member of the zip in `bytes` and writes the profile's rules under `dest`.
pub fn unpack(bytes: &[u8], profile: Profile, dest: &Path) -> Result<Unpacked> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).context("not a zip archive")?;
    if zip.len() > MAX_MEMBERS {
        bail!(
            "refusing the package: {} members (at most {MAX_MEMBERS})",
            zip.len()
        );
    }
    // First pass: refuse the whole package on any hostile member, before writing anything.
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).context("reading the zip directory")?;
        check_member(entry.name(), entry.is_symlink(), entry.size())?;
        total = total.saturating_add(entry.size());
        if total > MAX_TOTAL_BYTES {
            bail!("refusing the package: it unpacks to more than {MAX_TOTAL_BYTES} bytes");
        }
    }
    let mut out = Unpacked::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).context("reading the zip")?;
        let name = entry.name().to_string();
        if entry.is_dir() || !(name.ends_with(".yml") || name.ends_with(".yaml")) {
            continue;
        }
        // Declared sizes can lie: read at most one byte past the limit.
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_MEMBER_BYTES + 1)
            .read_to_end(&mut data)
            .with_context(|| format!("reading {name} from the package"))?;
        if data.len() as u64 > MAX_MEMBER_BYTES {
            bail!("refusing the package: {name} is larger than {MAX_MEMBER_BYTES} bytes");
        }
        let text = String::from_utf8_lossy(&data);
        let status = top_value(&text, "status:");
        let level = top_value(&text, "level:");
        let parsed_level = level.as_deref().and_then(|l| l.parse::<Level>().ok());
        if !profile.keeps(&name, status.as_deref(), parsed_level) {
            out.filtered += 1;
            continue;
        }
        let target = dest.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, &data).with_context(|| format!("writing {}", target.display()))?;
        let key = top_value(&text, "id:").unwrap_or_else(|| name.clone());
        out.rules.insert(
            key,
            RuleEntry {
                path: name,
                title: top_value(&text, "title:").unwrap_or_default(),
                status,
                level,
                sha256: sha256_hex(&data),
            },
        );
    }
    Ok(out)
}

/// Refuses a member that could write outside the set or is no plain file of sane size.
fn check_member(name: &str, symlink: bool, size: u64) -> Result<()> {
    if symlink {
        bail!("refusing the package: {name} is a symbolic link");
    }
    let path = Path::new(name);
    if name.starts_with('/') || name.starts_with('\\') || path.has_root() || name.contains(':') {
        bail!("refusing the package: {name} is an absolute path");
    }
    if name.contains('\\')
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        bail!("refusing the package: {name} leaves the package folder (`..`)");
    }
    if size > MAX_MEMBER_BYTES {
        bail!("refusing the package: {name} is {size} bytes (at most {MAX_MEMBER_BYTES})");
    }
    Ok(())
}

/// The value of a top-level `key:` line (the first document's), unquoted.
fn top_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const RULE: &[u8] = b"title: T\nid: 11111111-1111-1111-1111-111111111111\nstatus: test\nlevel: high\nlogsource:\n  product: windows\ndetection:\n  s:\n    EventID: 1\n  condition: s\n";

    #[test]
    fn hostile_members_refuse_the_package_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        for (name, why) in [
            ("../evil.yml", "leaves the package"),
            ("rules/../../evil.yml", "leaves the package"),
            ("/etc/evil.yml", "absolute path"),
            ("C:/evil.yml", "absolute path"),
        ] {
            let bytes = zip_of(&[("rules/ok.yml", RULE), (name, RULE)]);
            let err = unpack(&bytes, Profile::All, dir.path()).unwrap_err();
            assert!(format!("{err:#}").contains(why), "{name}: {err:#}");
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn symlinks_and_huge_members_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_symlink(
            "rules/link.yml",
            "/etc/passwd",
            SimpleFileOptions::default(),
        )
        .unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let err = unpack(&bytes, Profile::All, dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");

        let huge = vec![b'#'; (MAX_MEMBER_BYTES + 10) as usize];
        let bytes = zip_of(&[("rules/huge.yml", &huge)]);
        let err = unpack(&bytes, Profile::All, dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("bytes"), "{err:#}");
    }

    #[test]
    fn the_profile_chooses_the_rules_written() {
        let dir = tempfile::tempdir().unwrap();
        let medium = String::from_utf8_lossy(RULE).replace("level: high", "level: medium");
        let bytes = zip_of(&[
            ("rules/a.yml", RULE),
            (
                "rules/b.yml",
                medium
                    .replace("1111-1111-1111", "2222-2222-2222")
                    .as_bytes(),
            ),
            ("README.md", b"not a rule"),
        ]);
        let out = unpack(&bytes, Profile::Core, dir.path()).unwrap();
        assert_eq!(out.rules.len(), 1);
        assert_eq!(out.filtered, 1);
        assert!(dir.path().join("rules/a.yml").is_file());
        assert!(!dir.path().join("rules/b.yml").exists());
        assert!(!dir.path().join("README.md").exists());
    }
}
