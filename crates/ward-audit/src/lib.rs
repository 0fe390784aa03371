//! Ward's readiness audit: checks the controls that stop the next worm — admin accounts kept
//! off day-to-day work, anti-virus and patch currency, password policy and quality, and whether
//! the logs could see a worm at all — and scores them into a [`Readiness`].
//!
//! Facts come from two places: events of a hunt, fed one at a time ([`Auditor::feed_event`],
//! compact keyed state only), and inventory / policy / hash / feed files sniffed by content
//! ([`Auditor::add_file`]). Nothing the audit prints ever contains a password or a hash.
//!
//! ```
//! use ward_audit::{AuditConfig, Auditor};
//!
//! let auditor = Auditor::new(AuditConfig::default());
//! let readiness = auditor.finish();
//! // With no input every check is `unknown`, and says which data would settle it.
//! assert!(readiness.checks.iter().all(|c| c.status == "unknown"));
//! ```

mod breached;
mod checks;
mod config;
mod eos;
mod error;
mod events;
mod files;
mod matching;
mod version;
mod weak;

pub use breached::{BreachedList, LookupStats};
pub use config::{AuditConfig, PasswordBaseline};
pub use eos::{EndOfSupport, EndOfSupportTable};
pub use error::AuditError;
pub use version::compare_versions;
pub use ward_analytics::assets::Assets;
pub use ward_analytics::case::{Readiness, ReadinessCheck};

use std::path::{Path, PathBuf};
use ward_event::Event;

/// What the audit was given, so a check can say `unknown` and name the missing input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditInputs {
    /// Events fed, all sources.
    pub events: u64,
    /// Windows events among them.
    pub windows_events: u64,
    /// Proxy (web) events among them.
    pub proxy_events: u64,
    /// Software / OS inventory files (CSV, Get-HotFix CSV, osquery JSON, systeminfo).
    pub inventory_files: Vec<String>,
    /// Password policy files (`net accounts`, `secedit /export`).
    pub policy_files: Vec<String>,
    /// NTLM hash exports.
    pub hash_exports: Vec<String>,
    /// Vulnerability feeds (CISA KEV, OSV).
    pub vuln_feeds: Vec<String>,
    /// Lists of privileged accounts.
    pub admin_lists: Vec<String>,
    /// The breached-password list (HIBP NTLM `HASH:COUNT`), when given.
    pub breached_list: Option<String>,
}

/// Collects facts from events and files, then judges them into a [`Readiness`].
#[derive(Debug)]
pub struct Auditor {
    config: AuditConfig,
    inputs: AuditInputs,
    admins: events::AdminUse,
    health: events::HostHealth,
    coverage: events::Coverage,
    facts: files::FileFacts,
    assets: Assets,
    breached: Option<PathBuf>,
}

impl Auditor {
    /// An auditor with the given baseline thresholds and naming conventions.
    pub fn new(config: AuditConfig) -> Self {
        Auditor {
            config,
            inputs: AuditInputs::default(),
            admins: events::AdminUse::default(),
            health: events::HostHealth::default(),
            coverage: events::Coverage::default(),
            facts: files::FileFacts::default(),
            assets: Assets::default(),
            breached: None,
        }
    }

    /// Takes the facts the checks need from one event; events no check cares about return early.
    pub fn feed_event(&mut self, event: &Event) {
        self.inputs.events += 1;
        if event.source.is_windows() {
            self.inputs.windows_events += 1;
            self.coverage.observe(event);
            self.admins.observe_windows(event, &self.config);
            self.health.observe(event);
        } else {
            self.coverage.observe_other(event);
            if event.source.category.as_deref() == Some("proxy") {
                self.inputs.proxy_events += 1;
                self.admins.observe_proxy(event);
            }
        }
    }

    /// Reads one inventory, policy, hash-export, feed or admins-list file, sniffed by content.
    pub fn add_file(&mut self, path: &Path) -> Result<(), AuditError> {
        use files::FileKind;
        let given = &mut self.inputs;
        let list = match files::add_file(path, &mut self.facts)? {
            FileKind::BreachedList => {
                self.set_breached_list(path);
                return Ok(());
            }
            FileKind::Inventory => &mut given.inventory_files,
            FileKind::Policy => &mut given.policy_files,
            FileKind::HashExport => &mut given.hash_exports,
            FileKind::VulnFeed => &mut given.vuln_feeds,
            FileKind::AdminList => &mut given.admin_lists,
        };
        list.push(path.display().to_string());
        Ok(())
    }

    /// Uses a sorted `HASH:COUNT` NTLM list (HIBP format); it is searched in place, never loaded.
    pub fn set_breached_list(&mut self, path: &Path) {
        self.inputs.breached_list = Some(path.display().to_string());
        self.breached = Some(path.to_path_buf());
    }

    /// Uses the assets file's roles (`hostname,ip,role,clinical`) to tell servers, where admin
    /// logons are administration, from workstations and clinical devices, where they are not.
    pub fn set_assets(&mut self, assets: Assets) {
        self.assets = assets;
    }

    /// What was given so far.
    pub fn inputs(&self) -> &AuditInputs {
        &self.inputs
    }

    /// Judges every check and scores the whole.
    pub fn finish(self) -> Readiness {
        let ctx = checks::Context {
            config: &self.config,
            admins: &self.admins,
            health: &self.health,
            coverage: &self.coverage,
            facts: &self.facts,
            assets: &self.assets,
            breached: self.breached.as_deref(),
        };
        let checks = checks::run_all(&ctx);
        Readiness {
            score: checks::score(&checks),
            checks,
        }
    }
}
