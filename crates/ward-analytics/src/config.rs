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
    /// Verdict model (`docs/verdicts.md`): worm evidence a cluster needs, with at least one
    /// behaviour signal (relay, follow-up, C2), to be `worm`. Default 3: a relay alone.
    pub worm_min_score: u32,
    /// Administration evidence a cluster with no behaviour signal needs to be `likely-admin`.
    /// Default 3: e.g. a named admin account, one time window and no follow-up.
    pub admin_min_score: u32,
    /// Share of a cluster's hosts that must show follow-up (or C2-like traffic) for it to count.
    /// Default 0.5: a deployment to 30 hosts, 3 of which a worm later reached, has no follow-up.
    pub follow_up_min_share: f64,
    /// Hops of one cluster all inside this span count as one time window. Default 4 h.
    pub admin_window_secs: i64,
    /// Targets one source must push to, inside one window, to be learned as a management server.
    /// Default 10.
    pub management_min_targets: usize,
    /// Working hours `[start, end)` in local hours, Monday to Friday. Default 7 to 19.
    pub working_hours: (u32, u32),
    /// Local time's offset from UTC in minutes, for the working hours. Default 0.
    pub utc_offset_minutes: i32,
    /// Assets roles of management servers (case-insensitive substrings). Default deployment,
    /// sccm, mecm, pdq, management, software-distribution.
    pub management_roles: Vec<String>,
    /// Account name patterns (`*` wildcard, case-insensitive) of service and admin accounts.
    pub admin_account_patterns: Vec<String>,
    /// Image path parts (lower-case) of vendor installs: Program Files, SCCM's `ccmsetup` and
    /// `CCM`, PDQ's `AdminArsenal`, ConnectWise Automate's `LTSvc`.
    pub vendor_paths: Vec<String>,
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
            worm_min_score: 3,
            admin_min_score: 3,
            follow_up_min_share: 0.5,
            admin_window_secs: 4 * 3600,
            management_min_targets: 10,
            working_hours: (7, 19),
            utc_offset_minutes: 0,
            management_roles: [
                "deployment",
                "sccm",
                "mecm",
                "pdq",
                "management",
                "software-distribution",
            ]
            .map(String::from)
            .to_vec(),
            admin_account_patterns: [
                "svc_*", "svc-*", "svc.*", "*_svc", "*-svc", "sa_*", "sa-*", "adm_*", "adm-*",
                "adm.*", "*_adm", "*-adm", "*admin*", "sccm*", "pdq*", "*deploy*",
            ]
            .map(String::from)
            .to_vec(),
            vendor_paths: [
                "\\program files\\",
                "\\program files (x86)\\",
                "%programfiles%\\",
                "%programfiles(x86)%\\",
                "\\windows\\ccmsetup\\",
                "\\windows\\ccm\\",
                "\\windows\\adminarsenal\\",
                "\\windows\\ltsvc\\",
            ]
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
