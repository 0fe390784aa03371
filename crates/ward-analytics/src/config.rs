//! Every threshold of the host analytics in one place, with its default and why.

use serde::{Deserialize, Serialize};

/// Thresholds of the host analytics. Each field documents its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyticsConfig {
    /// Longest gap between a write to an admin share (or a network logon) on a host and the
    /// service install it led to. Default 600 s: PsExec-style tools install within seconds,
    /// worms within a minute or two.
    pub hop_window_secs: i64,
    /// Window a recon burst must fit in. Default 900 s: implants survey a host within minutes,
    /// an operator at a shell within a quarter of an hour.
    pub recon_window_secs: i64,
    /// Distinct recon commands from one parent within the window that make a burst. Default 4.
    pub recon_min_distinct: usize,
    /// Window an SMB fan-out must fit in. Default 600 s.
    pub fanout_window_secs: i64,
    /// Distinct peers reached (failures count) from one source within the window. Default 5.
    pub fanout_min_peers: usize,
    /// Evidence items kept per finding, hop or account entry. Default 20.
    pub max_evidence: usize,
    /// Pending items (writes, logons, shells) kept per host; the oldest go first. Default 256.
    pub max_pending_per_host: usize,
    /// Service names of signed admin tools: a cluster of these from one source with no
    /// follow-up is `likely-admin`. Default PsExec, PAExec, CSExec, RemCom's services.
    pub admin_tool_services: Vec<String>,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            hop_window_secs: 600,
            recon_window_secs: 900,
            recon_min_distinct: 4,
            fanout_window_secs: 600,
            fanout_min_peers: 5,
            max_evidence: 20,
            max_pending_per_host: 256,
            admin_tool_services: ["PSEXESVC", "PAExec", "csexecsvc", "RemComSvc"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl AnalyticsConfig {
    /// True when `service` (case-insensitive, PAExec's `PAExec-<pid>-<host>` included) is a signed admin tool.
    pub fn is_admin_tool(&self, service: &str) -> bool {
        let s = service.to_ascii_lowercase();
        self.admin_tool_services.iter().any(|t| {
            let t = t.to_ascii_lowercase();
            s == t || s.starts_with(&format!("{t}-"))
        })
    }
}
