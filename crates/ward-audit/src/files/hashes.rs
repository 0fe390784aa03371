//! NTLM hash exports as secretsdump and pwdump write them: `user:rid:lmhash:nthash:::`.
//! The hashes are kept in memory only to compare them; nothing here can print one.

use super::{FileFacts, hex32};
use std::fmt;
use std::path::Path;

/// One account's password hashes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct HashedAccount {
    /// `DOMAIN\user` or `user`, as exported.
    pub name: String,
    /// NT hash.
    pub nt: [u8; 16],
    /// A real LM hash is stored (not the empty-LM constant).
    pub lm_present: bool,
    /// Export file.
    pub source: String,
}

impl fmt::Debug for HashedAccount {
    /// Names the account only: a debug print must not leak a hash either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashedAccount")
            .field("name", &self.name)
            .field("lm_present", &self.lm_present)
            .finish_non_exhaustive()
    }
}

/// The LM hash of an empty password: what Windows stores when no LM hash is kept.
const EMPTY_LM: &str = "aad3b435b51404eeaad3b435b51404ee";

/// True when the first non-empty line has the export shape.
pub(crate) fn looks_like(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !is_banner(l))
        .is_some_and(|l| parse(l).is_some())
}

/// secretsdump's own messages (`[*] Dumping Domain Credentials …`) and comments.
fn is_banner(line: &str) -> bool {
    line.starts_with('#')
        || line.starts_with("[*]")
        || line.starts_with("[-]")
        || line.starts_with("[+]")
}

/// name, lm, nt of one line.
fn parse(line: &str) -> Option<(&str, &str, &str)> {
    let mut f = line.split(':');
    let (name, rid, lm, nt) = (f.next()?, f.next()?, f.next()?, f.next()?);
    let ok = !name.is_empty() && rid.trim().parse::<u64>().is_ok() && hex32(lm) && hex32(nt);
    ok.then_some((name, lm, nt))
}

/// Reads every account; machine accounts (`name$`) and history lines (`name_history3`) are
/// skipped and counted. Lines of another shape (Kerberos keys, cleartext sections of a raw
/// secretsdump log, damage) are counted with the first one's position — never echoed, as they
/// may hold secrets — and reading goes on.
pub(crate) fn read(text: &str, path: &Path, facts: &mut FileFacts) {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || is_banner(line) {
            continue;
        }
        let Some((name, lm, nt)) = parse(line) else {
            facts.export_bad_lines += 1;
            if facts.export_first_bad.is_none() {
                facts.export_first_bad = Some(format!("{}:{}", path.display(), i + 1));
            }
            continue;
        };
        let bare = name.rsplit('\\').next().unwrap_or(name);
        if bare.ends_with('$') || is_history(bare) {
            facts.accounts_skipped += 1;
            continue;
        }
        let mut nt_bytes = [0u8; 16];
        for (j, slot) in nt_bytes.iter_mut().enumerate() {
            *slot = nt
                .get(2 * j..2 * j + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        facts.accounts.push(HashedAccount {
            name: name.to_string(),
            nt: nt_bytes,
            lm_present: !lm.eq_ignore_ascii_case(EMPTY_LM),
            source: path.display().to_string(),
        });
    }
}

/// secretsdump `-history` writes old passwords as `user_history0`, `user_history1`, ….
fn is_history(name: &str) -> bool {
    name.rsplit_once("_history")
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
