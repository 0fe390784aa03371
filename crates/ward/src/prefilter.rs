//! Skipping inputs that cannot match a keyword search, without reading their events: a file
//! whose raw bytes hold none of the keywords has no event that does. This is the coarse,
//! reader-independent form of "no full render when a literal does not occur": it is only used
//! where the raw bytes are known to carry every value as text.
//!
//! - EVTX: strings are stored as UTF-16LE (ANSI strings as bytes), but numbers, GUIDs, SIDs,
//!   times, flags and binary data are rendered from binary. A keyword is used only when it is
//!   ASCII and holds a letter that no such rendering produces (not a hex digit, not in
//!   `true`/`false`/`inf`/`NaN`/`S-1-…`/`T…Z`/`0x…`).
//! - Plain-text logs (JSON, Zeek, firewall and proxy lines): a keyword is used only when it is
//!   ASCII letters, digits, `.`, `-`, `_` or spaces, which no JSON or TSV escaping changes.
//! - Compressed inputs (`.gz`, `.zip`) are always read.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use std::io::Read;
use std::path::Path;

/// Letters no binary EVTX value renders to.
const EVTX_TEXT_ONLY: &[u8] = b"ghjkmopqvwyzGHJKMOPQVWYZ";

/// Which kinds of input a keyword set can rule out, and the searchers for each.
pub struct FilePrefilter {
    evtx: Option<AhoCorasick>,
    text: Option<AhoCorasick>,
}

impl FilePrefilter {
    /// A prefilter for "any of `keywords`", or `None` when no input kind can use it.
    pub fn new(keywords: &[String], case_sensitive: bool) -> Option<Self> {
        if keywords.is_empty() || keywords.iter().any(|k| k.is_empty() || !k.is_ascii()) {
            return None;
        }
        let build = |patterns: Vec<Vec<u8>>| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(!case_sensitive)
                .build(patterns)
                .ok()
        };
        let evtx = keywords
            .iter()
            .all(|k| k.bytes().any(|b| EVTX_TEXT_ONLY.contains(&b)))
            .then(|| {
                let mut patterns = Vec::new();
                for k in keywords {
                    patterns.push(k.as_bytes().to_vec());
                    patterns.push(k.bytes().flat_map(|b| [b, 0]).collect());
                }
                build(patterns)
            })
            .flatten();
        let text = keywords
            .iter()
            .all(|k| {
                k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b" .-_".contains(&b))
            })
            .then(|| build(keywords.iter().map(|k| k.as_bytes().to_vec()).collect()))
            .flatten();
        (evtx.is_some() || text.is_some()).then_some(FilePrefilter { evtx, text })
    }

    /// True when `path` certainly holds no event with a keyword. Any doubt (unreadable file,
    /// unknown kind) reads it.
    pub fn rules_out(&self, path: &Path) -> bool {
        let Ok(mut file) = std::fs::File::open(path) else {
            return false;
        };
        let mut magic = [0u8; 8];
        let Ok(n) = file.read(&mut magic) else {
            return false;
        };
        let magic = &magic[..n];
        let searcher = if magic.starts_with(b"ElfFile\0") {
            self.evtx.as_ref()
        } else if magic.starts_with(&[0x1f, 0x8b]) || magic.starts_with(b"PK") {
            None
        } else {
            self.text.as_ref()
        };
        let Some(searcher) = searcher else {
            return false;
        };
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        match searcher.try_stream_find_iter(reader) {
            Ok(mut found) => found.next().is_none(),
            Err(_) => false,
        }
    }
}
