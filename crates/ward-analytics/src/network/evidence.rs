//! Evidence lines for network findings: the first few events behind each finding.

use super::fact::Flow;
use crate::case::Evidence;

/// Evidence kept for one finding, bounded: the first flows behind it, kept compact (their
/// strings are shared with the fact) and turned into evidence lines only for findings.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct EvidenceLog {
    items: Vec<Flow>,
}

impl EvidenceLog {
    /// Keeps `f` while fewer than `cap` flows are kept.
    pub(crate) fn push(&mut self, f: &Flow, cap: usize) {
        if self.items.len() < cap {
            // Most logs hold one flow (one-off pairs): no room for four until a second comes.
            if self.items.capacity() == 0 {
                self.items.reserve_exact(1);
            }
            self.items.push(f.clone());
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Evidence> {
        self.items.iter().map(evidence).collect()
    }
}

/// The evidence line for a flow.
fn evidence(f: &Flow) -> Evidence {
    let dst = match (&f.dst_name, f.dst) {
        (Some(name), _) => name.to_string(),
        (None, Some(ip)) => ip.to_string(),
        (None, None) => "?".into(),
    };
    let port = f.dport.map(|p| format!(":{p}")).unwrap_or_default();
    let outcome = if f.failed { " (failed)" } else { "" };
    f.evidence(format!("{} → {dst}{port} {}{outcome}", f.src, f.proto))
}
