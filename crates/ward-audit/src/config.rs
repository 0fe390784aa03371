//! Baseline thresholds and naming conventions; `docs/audit.md` explains each default.

use crate::eos::EndOfSupportTable;
use ward_event::Timestamp;

/// Password policy baseline (see `docs/audit.md` for the NCSC / NIST SP 800-63B reasoning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordBaseline {
    /// Minimum password length for ordinary accounts.
    pub min_length: u32,
    /// Lockout after at most this many bad attempts (0 = never locks = fail).
    pub lockout_max_attempts: u32,
    /// Remembered previous passwords.
    pub min_history: u32,
    /// Whether composition rules (complexity) are required; NIST and NCSC advise against them.
    pub require_complexity: bool,
}

impl Default for PasswordBaseline {
    fn default() -> Self {
        PasswordBaseline {
            min_length: 12,
            lockout_max_attempts: 10,
            min_history: 24,
            require_complexity: false,
        }
    }
}

/// What the audit judges against.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// "Now" for end-of-support dates, signature and hotfix age, and weak season+year passwords.
    pub as_of: Timestamp,
    /// Account names that are privileged by convention (`*` wildcard, case-insensitive).
    pub admin_name_patterns: Vec<String>,
    /// Groups whose members are privileged (4728/4732/4756 additions to them count).
    pub privileged_groups: Vec<String>,
    /// Host names that are servers, not ordinary workstations (`*` wildcard).
    pub server_name_patterns: Vec<String>,
    /// Dedicated admin workstations and jump hosts, where privileged logons belong (`*` wildcard).
    pub admin_workstation_patterns: Vec<String>,
    /// Mail and browser programs (file names) an admin account should never start.
    pub mail_and_browser_images: Vec<String>,
    /// Password policy baseline.
    pub password: PasswordBaseline,
    /// Defender signatures older than this (days) before a host's last event are stale.
    pub signature_max_age_days: i64,
    /// A host whose newest hotfix is older than this (days) is behind on patches.
    pub hotfix_max_age_days: i64,
    /// End-of-support dates (Ward's shipped table unless the user supplies a newer one).
    pub end_of_support: EndOfSupportTable,
}

impl Default for AuditConfig {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        AuditConfig {
            as_of: Timestamp::from_nanos(now),
            admin_name_patterns: strings(&[
                "administrator",
                "adm-*",
                "adm_*",
                "adm.*",
                "admin-*",
                "admin_*",
                "*-adm",
                "*_adm",
                "*-admin",
                "*_admin",
                "*.admin",
                "da-*",
                "da_*",
            ]),
            privileged_groups: strings(&[
                "Domain Admins",
                "Enterprise Admins",
                "Schema Admins",
                "Administrators",
                "Account Operators",
                "Backup Operators",
                "Server Operators",
                "Print Operators",
                "DnsAdmins",
                "Group Policy Creator Owners",
            ]),
            server_name_patterns: strings(&[
                "dc*", "*-dc*", "srv*", "*-srv*", "*sql*", "fs*", "*-fs*", "exch*", "*server*",
            ]),
            admin_workstation_patterns: strings(&[
                "paw*",
                "*-paw*",
                "admin-pc*",
                "*-admin-pc*",
                "adm-pc*",
                "jump*",
                "*-jump*",
            ]),
            mail_and_browser_images: strings(&[
                "outlook.exe",
                "chrome.exe",
                "msedge.exe",
                "firefox.exe",
                "iexplore.exe",
                "thunderbird.exe",
            ]),
            password: PasswordBaseline::default(),
            signature_max_age_days: 7,
            hotfix_max_age_days: 60,
            end_of_support: EndOfSupportTable::built_in(),
        }
    }
}

impl AuditConfig {
    /// The default configuration judged as at `as_of` (tests and reproducible reports use it).
    pub fn as_of(as_of: Timestamp) -> Self {
        AuditConfig {
            as_of,
            ..AuditConfig::default()
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
