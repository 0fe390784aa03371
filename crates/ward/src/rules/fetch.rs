//! Fetching a rule package and the SHA-256 it must have: over HTTP(S) with `ureq`, or from a
//! file. Nothing unverified is installed unless the user says `--insecure`.

use anyhow::{Context, Result, bail};
use std::time::Duration;

/// SigmaHQ's newest release, read from GitHub's API: the asset URLs and their SHA-256 digests.
pub const LATEST_RELEASE_API: &str = "https://api.github.com/repos/SigmaHQ/sigma/releases/latest";
/// The package of every rule; profiles are applied by Ward when unpacking.
pub const ALL_RULES_ASSET: &str = "sigma_all_rules.zip";
/// A package is a few MB; anything past this is refused while downloading.
const MAX_DOWNLOAD_BYTES: u64 = 256 << 20;

/// Where a package comes from and how it is checked.
pub struct Source {
    /// URL or file of the zip.
    pub location: String,
    /// Its expected SHA-256, when known before download.
    pub sha256: Option<String>,
    /// The release's name (e.g. `r2026-08-05`), when known.
    pub version: Option<String>,
}

/// Reads a URL (`http://`, `https://`) or a file.
pub fn read(location: &str) -> Result<Vec<u8>> {
    if is_url(location) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("ward/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let mut response = agent
            .get(location)
            .call()
            .with_context(|| format!("downloading {location}"))?;
        response
            .body_mut()
            .with_config()
            .limit(MAX_DOWNLOAD_BYTES)
            .read_to_vec()
            .with_context(|| format!("downloading {location}"))
    } else {
        std::fs::read(location).with_context(|| format!("reading {location}"))
    }
}

pub fn is_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// The newest SigmaHQ release's all-rules package, with the digest GitHub publishes for it.
pub fn latest_sigmahq() -> Result<Source> {
    let body = read(LATEST_RELEASE_API).context("asking GitHub for SigmaHQ's latest release")?;
    parse_release(&body)
}

/// Picks the all-rules asset out of a GitHub release document.
pub fn parse_release(body: &[u8]) -> Result<Source> {
    let release: serde_json::Value =
        serde_json::from_slice(body).context("GitHub's release document is not JSON")?;
    let asset = release["assets"]
        .as_array()
        .and_then(|assets| assets.iter().find(|a| a["name"] == ALL_RULES_ASSET))
        .with_context(|| format!("the latest SigmaHQ release has no {ALL_RULES_ASSET}"))?;
    let location = asset["browser_download_url"]
        .as_str()
        .context("the release asset has no download URL")?
        .to_string();
    let sha256 = asset["digest"]
        .as_str()
        .and_then(|d| d.strip_prefix("sha256:"))
        .map(str::to_ascii_lowercase);
    Ok(Source {
        location,
        sha256,
        version: release["tag_name"].as_str().map(str::to_string),
    })
}

/// The SHA-256 named for `file_name` in a `sha256sum`-style checksum file (or its only hash).
pub fn checksum_for(text: &str, file_name: &str) -> Option<String> {
    let mut only = None;
    let mut lines = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        lines += 1;
        let mut parts = line.split_whitespace();
        let hash = parts.next()?;
        if !is_sha256(hash) {
            continue;
        }
        match parts.next().map(|n| n.trim_start_matches('*')) {
            Some(name) if name == file_name || name.ends_with(&format!("/{file_name}")) => {
                return Some(hash.to_ascii_lowercase());
            }
            None => only = Some(hash.to_ascii_lowercase()),
            _ => {}
        }
    }
    only.filter(|_| lines == 1)
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The file name at the end of a URL or path.
pub fn file_name(location: &str) -> &str {
    let path = location.split(['?', '#']).next().unwrap_or(location);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A release name from a GitHub download URL (`…/releases/download/<tag>/…`).
pub fn version_from_url(location: &str) -> Option<String> {
    let (_, rest) = location.split_once("/releases/download/")?;
    rest.split('/')
        .next()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Fails unless `actual` is `expected`.
pub fn verify(actual: &str, expected: &str, location: &str) -> Result<()> {
    if !actual.eq_ignore_ascii_case(expected) {
        bail!(
            "refusing {location}: its SHA-256 is {actual}, expected {expected} (damaged or tampered \
             download; nothing was installed)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_files_name_their_file() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let text = format!("{a}  sigma_core.zip\n{b} *sigma_all_rules.zip\n");
        assert_eq!(
            checksum_for(&text, "sigma_all_rules.zip"),
            Some("b".repeat(64))
        );
        assert_eq!(checksum_for(&text, "other.zip"), None);
        assert_eq!(checksum_for(&format!("{a}\n"), "x.zip"), Some(a.clone()));
        assert_eq!(checksum_for("not a hash", "x.zip"), None);
    }

    #[test]
    fn a_github_release_gives_the_asset_and_its_digest() {
        let body = br#"{"tag_name":"r2026-08-05","assets":[
            {"name":"sigma_core.zip","browser_download_url":"https://x/core.zip","digest":"sha256:00"},
            {"name":"sigma_all_rules.zip","browser_download_url":"https://github.com/SigmaHQ/sigma/releases/download/r2026-08-05/sigma_all_rules.zip",
             "digest":"sha256:ABCDEF"}]}"#;
        let source = parse_release(body).unwrap();
        assert_eq!(source.version.as_deref(), Some("r2026-08-05"));
        assert_eq!(source.sha256.as_deref(), Some("abcdef"));
        assert_eq!(
            version_from_url(&source.location).as_deref(),
            Some("r2026-08-05")
        );
        assert_eq!(file_name(&source.location), "sigma_all_rules.zip");
    }
}
