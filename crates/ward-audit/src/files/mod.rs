//! Inventory, policy, hash-export, feed and admins-list files: sniffed by content (never by
//! name), decoded (UTF-8, UTF-16 with BOM as `secedit` writes), parsed into [`FileFacts`].

mod feeds;
mod hashes;
mod inventory;
mod policy;

pub(crate) use feeds::{Kev, OsvPackage, OsvVuln, affects as feeds_affects};
pub(crate) use hashes::HashedAccount;
pub(crate) use inventory::{HotfixState, Installed};
pub(crate) use policy::PasswordPolicy;

use crate::error::AuditError;
use crate::matching::account_key;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Files larger than this are not inventories (a breached list is sniffed from its head only).
const MAX_FILE: u64 = 512 * 1024 * 1024;

/// What a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Software / OS / hotfix inventory.
    Inventory,
    /// Password policy.
    Policy,
    /// NTLM hash export.
    HashExport,
    /// CISA KEV or OSV feed.
    VulnFeed,
    /// Privileged accounts list.
    AdminList,
    /// HIBP-style `HASH:COUNT` list (searched in place).
    BreachedList,
}

/// Everything read from files.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    /// Installed OS and software.
    pub installed: Vec<Installed>,
    /// Hotfix dates by host.
    pub hotfixes: BTreeMap<String, HotfixState>,
    /// Password policies, one per file.
    pub policies: Vec<PasswordPolicy>,
    /// Accounts from hash exports (hashes stay in memory, never in output).
    pub accounts: Vec<HashedAccount>,
    /// Export lines skipped: machine accounts and password history.
    pub accounts_skipped: u64,
    /// Export lines of no known shape, and where the first was.
    pub export_bad_lines: u64,
    /// `file:line` of the first such line.
    pub export_first_bad: Option<String>,
    /// OSV vulnerabilities.
    pub osv: Vec<OsvVuln>,
    /// CISA KEV entries.
    pub kev: Vec<Kev>,
    /// Privileged accounts from lists: key → list file.
    pub admins: BTreeMap<String, String>,
}

/// Reads, sniffs and parses one file into `facts`.
pub(crate) fn add_file(path: &Path, facts: &mut FileFacts) -> Result<FileKind, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let unknown = || AuditError::UnknownFormat {
        path: path.to_path_buf(),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    // The breached list is tens of gigabytes: decide from its head before reading more.
    let mut bytes = Vec::new();
    (&mut file).take(4096).read_to_end(&mut bytes).map_err(io)?;
    let head = decode(&bytes);
    if is_breached_list(&head) {
        return Ok(FileKind::BreachedList);
    }
    // Logs (EVTX, archives, JSON lines) are the hunt's, not the audit's: refuse them unread.
    if is_binary(&bytes) || is_json_lines(&head) || file.metadata().map_err(io)?.len() > MAX_FILE {
        return Err(unknown());
    }
    file.read_to_end(&mut bytes).map_err(io)?;
    let text = decode(&bytes);
    let trimmed = text.trim_start();
    // `[Unicode]` opens a secedit INF: only `[` followed by JSON is JSON.
    let json_array = trimmed
        .strip_prefix('[')
        .is_some_and(|r| r.trim_start().starts_with(['{', '[', ']', '"']));
    let kind = if trimmed.starts_with('{') || json_array {
        add_json(path, trimmed, facts)?
    } else {
        add_text(path, &text, facts)
    };
    kind.ok_or_else(unknown)
}

/// KEV, OSV or osquery JSON.
fn add_json(
    path: &Path,
    text: &str,
    facts: &mut FileFacts,
) -> Result<Option<FileKind>, AuditError> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let json = match values.next() {
        Some(Ok(json)) => json,
        Some(Err(e)) => {
            return Err(AuditError::Malformed {
                path: path.to_path_buf(),
                line: e.line() as u64,
                message: format!("bad JSON: {e}"),
            });
        }
        None => return Ok(None),
    };
    // Several documents one after another are an event export, not a feed or an inventory.
    if values.next().is_some() {
        return Ok(None);
    }
    if feeds::read_json(&json, facts) {
        return Ok(Some(FileKind::VulnFeed));
    }
    let name = path.display().to_string();
    Ok(
        inventory::read_osquery(&json, &host_from_path(path), &name, facts)
            .then_some(FileKind::Inventory),
    )
}

/// The text formats, most distinctive first; an admins list (the loosest shape) comes last.
fn add_text(path: &Path, text: &str, facts: &mut FileFacts) -> Option<FileKind> {
    let name = path.display().to_string();
    if let Some(policy) = policy::read(text, &name) {
        facts.policies.push(policy);
        Some(FileKind::Policy)
    } else if inventory::read_systeminfo(text, &name, facts) {
        Some(FileKind::Inventory)
    } else if hashes::looks_like(text) {
        hashes::read(text, path, facts);
        Some(FileKind::HashExport)
    } else if inventory::read_csv(text, &host_from_path(path), &name, facts) {
        Some(FileKind::Inventory)
    } else {
        read_admins(text, &name, facts).then_some(FileKind::AdminList)
    }
}

/// Text from bytes: UTF-16 (LE or BE) when a BOM says so, else UTF-8 (lossy, BOM dropped).
fn decode(bytes: &[u8]) -> String {
    let utf16 = |le: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The host an export names none for: the file's stem (`WS042-programs.json` → `WS042-PROGRAMS`).
fn host_from_path(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_uppercase())
        .unwrap_or_default()
}

/// NUL bytes without a UTF-16 byte-order mark: EVTX, gzip, zip, executables.
fn is_binary(head: &[u8]) -> bool {
    !head.starts_with(&[0xFF, 0xFE]) && !head.starts_with(&[0xFE, 0xFF]) && head.contains(&0)
}

/// One JSON object per line (an event export), judged from the first two lines of the head.
fn is_json_lines(head: &str) -> bool {
    let mut lines = head
        .trim_start_matches('\u{feff}')
        .lines()
        .filter(|l| !l.trim().is_empty());
    let first_is_object = lines.next().is_some_and(|l| {
        l.trim_start().starts_with('{')
            && serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object())
    });
    first_is_object
        && lines
            .next()
            .is_some_and(|l| l.trim_start().starts_with('{'))
}

/// `HASH:COUNT` on each of the first lines.
fn is_breached_list(head: &str) -> bool {
    let mut lines = head.lines().take(3).peekable();
    lines.peek().is_some()
        && lines.all(|l| match l.trim().split_once(':') {
            Some((h, n)) => {
                h.len() == 32 && hex32(h) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        })
}

/// 32 hex digits.
pub(crate) fn hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One account per line (`DOMAIN\name` or `name`), `#` comments; every line must look like an
/// account name so that no other text is taken for a list.
fn read_admins(text: &str, name: &str, facts: &mut FileFacts) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let account_like = |l: &&str| {
        l.len() <= 104
            && l.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, '\\' | '.' | '-' | '_' | '@' | '$' | ' ')
            })
    };
    if lines.is_empty() || !lines.iter().all(account_like) {
        return false;
    }
    for l in lines {
        facts.admins.insert(account_key(l), name.to_string());
    }
    true
}
