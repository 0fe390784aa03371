//! Ward's readiness audit: checks the controls that stop the next worm — admin accounts kept
//! off day-to-day work, anti-virus and patch currency, password policy and quality, and whether
//! the logs could see a worm at all — and scores them into a [`Readiness`].
//!
//! Facts come from two places: events of a hunt, fed one at a time ([`Auditor::feed_event`], or
//! an [`AuditObserver`] per reader merged at the end; compact keyed state only), and inventory / policy / hash / feed files sniffed by content
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
pub use ward_case::assets::Assets;
pub use ward_case::case::{Readiness, ReadinessCheck};

use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    config: Arc<AuditConfig>,
    inputs: AuditInputs,
    observed: EventFacts,
    facts: files::FileFacts,
    assets: Assets,
    breached: Option<PathBuf>,
}

/// The event-fed part of an audit, for one reader (a thread, a file, a worker): it observes
/// events without locks and is merged into the [`Auditor`] at the end
/// ([`Auditor::merge`]). The merged result does not depend on how events were split.
///
/// ```
/// use ward_audit::{AuditConfig, Auditor};
///
/// let mut auditor = Auditor::new(AuditConfig::default());
/// let mut observer = auditor.observer();
/// # let events: Vec<ward_event::Event> = Vec::new();
/// for event in &events {
///     observer.observe(event);
/// }
/// auditor.merge(observer);
/// assert_eq!(auditor.inputs().events, 0);
/// ```
#[derive(Debug)]
pub struct AuditObserver {
    config: Arc<AuditConfig>,
    facts: EventFacts,
}

/// Facts taken from events: counts and compact keyed state.
#[derive(Debug, Default)]
struct EventFacts {
    events: u64,
    windows_events: u64,
    proxy_events: u64,
    admins: events::AdminUse,
    health: events::HostHealth,
    coverage: events::Coverage,
}

impl EventFacts {
    /// Takes the facts the checks need from one event; events no check cares about return early.
    fn observe(&mut self, event: &Event, config: &AuditConfig) {
        self.events += 1;
        if event.source.is_windows() {
            self.windows_events += 1;
            self.coverage.observe(event);
            self.admins.observe_windows(event, config);
            self.health.observe(event);
        } else {
            self.coverage.observe_other(event);
            if event.source.category.as_deref() == Some("proxy") {
                self.proxy_events += 1;
                self.admins.observe_proxy(event);
            }
        }
    }

    /// Adds `other`'s facts, as if its events had been observed after these.
    fn merge(&mut self, other: EventFacts) {
        self.events += other.events;
        self.windows_events += other.windows_events;
        self.proxy_events += other.proxy_events;
        self.admins.merge(other.admins);
        self.health.merge(other.health);
        self.coverage.merge(other.coverage);
    }
}

impl AuditObserver {
    /// Takes the facts the checks need from one event; events no check cares about return early.
    pub fn observe(&mut self, event: &Event) {
        self.facts.observe(event, &self.config);
    }
}

impl Auditor {
    /// An auditor with the given baseline thresholds and naming conventions.
    pub fn new(config: AuditConfig) -> Self {
        Auditor {
            config: Arc::new(config),
            inputs: AuditInputs::default(),
            observed: EventFacts::default(),
            facts: files::FileFacts::default(),
            assets: Assets::default(),
            breached: None,
        }
    }

    /// Takes the facts the checks need from one event; events no check cares about return early.
    /// Readers in parallel use an [`AuditObserver`] each instead.
    pub fn feed_event(&mut self, event: &Event) {
        self.observed.observe(event, &self.config);
        self.count_events();
    }

    /// An empty observer with this auditor's configuration, for one reader.
    pub fn observer(&self) -> AuditObserver {
        AuditObserver {
            config: Arc::clone(&self.config),
            facts: EventFacts::default(),
        }
    }

    /// Adds what `observer` saw.
    pub fn merge(&mut self, observer: AuditObserver) {
        self.observed.merge(observer.facts);
        self.count_events();
    }

    fn count_events(&mut self) {
        self.inputs.events = self.observed.events;
        self.inputs.windows_events = self.observed.windows_events;
        self.inputs.proxy_events = self.observed.proxy_events;
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
            admins: &self.observed.admins,
            health: &self.observed.health,
            coverage: &self.observed.coverage,
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
