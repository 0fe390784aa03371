//! Threat intelligence: indicators (addresses, networks, domains, URLs, file hashes) loaded from
//! plain lists and STIX 2.1 bundles, and matched against host events and network facts as
//! `intel-match` findings.
//!
//! ```
//! use ward_analytics::intel::Intel;
//! let mut intel = Intel::default();
//! intel.load_text("185.141.27.90\n# Kwampirs C2\nevil.example\n", "list.txt").unwrap();
//! assert!(intel.match_ip(&"185.141.27.90".parse().unwrap()).is_some());
//! assert!(intel.match_domain("cdn.evil.example").is_some());
//! ```

mod matching;
mod parse;

pub use matching::{IntelHits, intel_match_event, intel_match_net};

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// What an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorKind {
    /// One IPv4 or IPv6 address.
    Ip,
    /// A network in CIDR notation.
    Cidr,
    /// A domain; its subdomains match too.
    Domain,
    /// A URL (scheme ignored).
    Url,
    /// An MD5 file hash.
    Md5,
    /// A SHA-1 file hash.
    Sha1,
    /// A SHA-256 file hash.
    Sha256,
}

impl IndicatorKind {
    /// Lower-case label used in findings (`ip`, `cidr`, `domain`, `url`, `md5`, …).
    pub fn label(self) -> &'static str {
        match self {
            IndicatorKind::Ip => "ip",
            IndicatorKind::Cidr => "cidr",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
        }
    }
}

/// One indicator with what its source says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// What it is.
    pub kind: IndicatorKind,
    /// The value, normalised (lower-case domain, hash and URL host; no scheme).
    pub value: String,
    /// Name (STIX `name`, or the rest of a list line).
    pub name: Option<String>,
    /// Description (STIX `description`).
    pub description: Option<String>,
    /// Where it came from: `file:line`, or `file:<STIX id>`.
    pub source: String,
}

/// An entry that could not be used, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// `file:line` or `file:<STIX id>`.
    pub source: String,
    /// Why it was skipped.
    pub reason: String,
}

/// A file of indicators that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The file could not be read.
    #[error("intel file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A STIX file that is not a JSON bundle.
    #[error("intel file {path}: {message}")]
    Stix {
        /// The file.
        path: String,
        /// What went wrong, with the position when JSON parsing failed.
        message: String,
    },
}

/// Indicators from every file loaded, indexed for matching.
#[derive(Debug, Clone, Default)]
pub struct Intel {
    indicators: Vec<Indicator>,
    exact: HashMap<(IndicatorKind, String), usize>,
    /// (network, prefix length, indicator), IPv4 networks as IPv4-mapped IPv6.
    networks: Vec<(u128, u8, usize)>,
    skipped: Vec<Skipped>,
}

impl Intel {
    /// Loads one file (repeatable): a STIX 2.1 bundle when it is JSON, else a plain list.
    /// Returns how many indicators it added; unusable entries go to [`Intel::skipped`].
    pub fn load(&mut self, path: &Path) -> Result<usize, IntelError> {
        let bytes = std::fs::read(path).map_err(|source| IntelError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        self.load_text(&text, &path.display().to_string())
    }

    /// Loads indicators from text read elsewhere; `name` labels their source.
    pub fn load_text(&mut self, text: &str, name: &str) -> Result<usize, IntelError> {
        let before = self.indicators.len();
        let parsed = if text.trim_start().starts_with('{') {
            parse::stix(text, name)?
        } else {
            parse::plain(text, name)
        };
        for i in parsed.indicators {
            self.add(i);
        }
        self.skipped.extend(parsed.skipped);
        Ok(self.indicators.len() - before)
    }

    fn add(&mut self, i: Indicator) {
        let at = self.indicators.len();
        if i.kind == IndicatorKind::Cidr {
            if let Some((net, len)) = parse::cidr(&i.value) {
                self.networks.push((net, len, at));
                self.indicators.push(i);
            }
            return;
        }
        let key = (i.kind, i.value.clone());
        if self.exact.contains_key(&key) {
            return; // the first source's name and description stay
        }
        self.exact.insert(key, at);
        self.indicators.push(i);
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// True when no indicator is loaded.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Entries that could not be used, with reasons.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    fn exact(&self, kind: IndicatorKind, value: &str) -> Option<&Indicator> {
        self.exact
            .get(&(kind, value.to_string()))
            .and_then(|&i| self.indicators.get(i))
    }

    /// The indicator naming `ip`, or the narrowest network holding it.
    pub fn match_ip(&self, ip: &IpAddr) -> Option<&Indicator> {
        if let Some(i) = self.exact(IndicatorKind::Ip, &ip.to_string()) {
            return Some(i);
        }
        let bits = parse::ip_bits(ip);
        self.networks
            .iter()
            .filter(|(net, len, _)| parse::masked(bits, *len) == *net)
            .max_by_key(|(_, len, _)| *len)
            .and_then(|(_, _, i)| self.indicators.get(*i))
    }

    /// The indicator naming `name` or a domain above it (`a.evil.example` matches `evil.example`).
    pub fn match_domain(&self, name: &str) -> Option<&Indicator> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let mut rest = name.as_str();
        loop {
            if let Some(i) = self.exact(IndicatorKind::Domain, rest) {
                return Some(i);
            }
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => return None,
            }
        }
    }

    /// The indicator naming this URL (any scheme), or its path without the query.
    pub fn match_url(&self, url: &str) -> Option<&Indicator> {
        let full = parse::normalise_url(url);
        self.exact(IndicatorKind::Url, &full).or_else(|| {
            let bare = full.split_once('?').map(|(p, _)| p)?;
            self.exact(IndicatorKind::Url, bare)
        })
    }

    /// The indicator naming this MD5, SHA-1 or SHA-256 (by length), any case.
    pub fn match_hash(&self, hash: &str) -> Option<&Indicator> {
        let h = hash.trim().to_ascii_lowercase();
        let kind = parse::hash_kind(&h)?;
        self.exact(kind, &h)
    }
}
