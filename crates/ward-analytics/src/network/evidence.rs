//! Evidence lines for network findings: the first few events behind each finding.

use super::fact::Flow;
use crate::case::Evidence;

/// Evidence kept for one finding, bounded.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct EvidenceLog {
    items: Vec<Evidence>,
}

impl EvidenceLog {
    /// Keeps `e` while there is room (`e` carries its own bound from [`evidence`]).
    pub(crate) fn push(&mut self, e: Option<(Evidence, usize)>) {
        if let Some((e, cap)) = e
            && self.items.len() < cap
        {
            self.items.push(e);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Evidence> {
        self.items
    }
}

/// An evidence line for a flow, with the cap the caller keeps to.
pub(crate) fn evidence(f: &Flow, cap: usize) -> Option<(Evidence, usize)> {
    let dst = match (&f.dst_name, f.dst) {
        (Some(name), _) => name.to_string(),
        (None, Some(ip)) => ip.to_string(),
        (None, None) => "?".into(),
    };
    let port = f.dport.map(|p| format!(":{p}")).unwrap_or_default();
    let outcome = if f.failed { " (failed)" } else { "" };
    Some((
        Evidence {
            time: f.time,
            host: f.src.to_string(),
            file: f.origin.file.to_string(),
            position: f.origin.position,
            record_id: None,
            kind: f.origin.kind.to_string(),
            summary: format!("{} → {dst}{port} {}{outcome}", f.src, f.proto),
        },
        cap,
    ))
}
