//! Ward's behaviour analytics. Readers turn events into compact [`facts`]; the [`Analyzer`]
//! keeps small keyed state over facts in time order and produces findings (remote execution,
//! recon bursts, SMB fan-out), the spread graph and the accounts to reset; everything a run
//! learned is gathered in a [`Case`] for the report sinks.
//!
//! ```
//! use ward_analytics::{facts, Analyzer, AnalyticsConfig, Assets};
//! # let events: Vec<ward_event::Event> = Vec::new();
//! let mut analyzer = Analyzer::new(AnalyticsConfig::default(), Assets::default());
//! for event in &events {
//!     if let Some(fact) = facts::extract(event) {
//!         analyzer.feed(&fact);
//!     }
//! }
//! let outcome = analyzer.finish();
//! assert!(outcome.spread.clusters.is_empty());
//! ```

pub mod accounts;
mod analyzer;
pub mod artefacts;
pub mod checkpoint;
pub mod config;
pub mod directory;
pub mod facts;
pub mod fanout;
pub mod grouping;
pub mod intel;
pub mod network;
mod reach;
pub mod recon;
pub mod remote_exec;
pub mod spread;
pub mod verdict;

// The Case and the types it is made of live in `ward-case`, which readers of a case (the audit,
// the reports) can depend on without the analytics; they are re-exported here unchanged.
pub use ward_case::Analytic;
pub use ward_case::{analytic, assets, case, detections, spill};
// Facts go through the on-disk sort.
ward_case::postcard_spillable!(crate::facts::Fact, crate::network::NetFact);
pub use analyzer::{Analyzer, Outcome};
pub use assets::{Asset, Assets, AssetsError};
pub use case::Case;
pub use checkpoint::CheckpointError;
pub use config::AnalyticsConfig;
pub use intel::{Intel, intel_match_event, intel_match_net};
