//! Host names, normalised once: `WORKSTATION5.theshire.local`, `workstation5` and
//! `THESHIRE\WORKSTATION5$` all name the host `WORKSTATION5`.

use std::fmt;
use std::sync::Arc;

/// A host as Ward names it: the upper-case short name, plus the lower-case FQDN when one was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostName {
    short: Arc<str>,
    fqdn: Option<Arc<str>>,
}

impl HostName {
    /// Normalises a raw computer name. IP literals are kept whole (not cut at the first dot).
    pub fn new(raw: &str) -> Self {
        let raw = raw.trim().trim_end_matches('.');
        let raw = raw.rsplit('\\').next().unwrap_or(raw).trim_end_matches('$');
        if raw.is_empty() || raw == "-" {
            return HostName::default();
        }
        if raw.parse::<std::net::IpAddr>().is_ok() {
            return HostName {
                short: raw.into(),
                fqdn: None,
            };
        }
        match raw.split_once('.') {
            Some((short, _)) => HostName {
                short: short.to_ascii_uppercase().into(),
                fqdn: Some(raw.to_ascii_lowercase().into()),
            },
            None => HostName {
                short: raw.to_ascii_uppercase().into(),
                fqdn: None,
            },
        }
    }

    /// Upper-case short name, e.g. `WORKSTATION5`; empty when unknown.
    pub fn short(&self) -> &str {
        &self.short
    }

    /// Lower-case fully qualified name, when the log gave one.
    pub fn fqdn(&self) -> Option<&str> {
        self.fqdn.as_deref()
    }

    /// True when the log named no host.
    pub fn is_empty(&self) -> bool {
        self.short.is_empty()
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_to_upper_short() {
        let h = HostName::new("WORKSTATION5.theshire.local");
        assert_eq!(h.short(), "WORKSTATION5");
        assert_eq!(h.fqdn(), Some("workstation5.theshire.local"));
        assert_eq!(HostName::new("theshire\\mri-01$").short(), "MRI-01");
        assert_eq!(HostName::new("10.0.0.5").short(), "10.0.0.5");
        assert!(HostName::new("-").is_empty());
    }
}
