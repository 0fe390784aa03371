//! What a Ward run found, as one value every consumer reads: the [`Case`] (inputs, rule hits,
//! findings, the spread and its verdicts, accounts, readiness), its typed vocabulary
//! ([`Analytic`], [`case::Verdict`], [`case::CheckStatus`]), the asset inventory that colours it
//! ([`assets::Assets`]) and the on-disk store that keeps very many detections out of memory
//! ([`spill`]). The analytics build a Case; the audit, the reports and the containment kit read
//! it — none of them needs the analytics for that.
//!
//! ```
//! use ward_case::Case;
//! use ward_event::Timestamp;
//!
//! let case = Case::new("0.1.0", Timestamp::UNKNOWN);
//! assert!(case.findings.is_empty() && case.readiness.is_none());
//! ```

pub mod analytic;
pub mod assets;
pub mod case;
pub mod channel;
pub mod detections;
pub mod spill;
pub mod tuning;

pub use analytic::Analytic;
pub use case::Case;
