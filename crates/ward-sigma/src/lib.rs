//! Sigma rules: parse SigmaHQ YAML as written, compile each rule once into a matcher indexed by
//! log source, and match any [`ward_event::Fields`].
//!
//! Parsing (YAML → rule AST, condition grammar, multi-document files, correlations, filters)
//! is done by `rsigma-parser`; everything after that — log-source mapping, modifiers, the
//! compiled matcher, the index and correlations — is Ward's own.
//!
//! A field may have several values (the unnamed `<Data>` of PowerShell classic events, a
//! repeated element, a JSON array). A condition on it holds when **any** value matches; with
//! `|all`, each listed value must match some value of the field, not necessarily the same one
//! (`Data|contains|all: [a, b]` holds when one `Data` holds `a` and another `b`). `not`, `|neq`
//! hold when no value matches, `null` when the field is absent or one of its values is null,
//! `|exists` when it has any value; keywords, numbers, `|re`, `|cidr` and `|fieldref` see every
//! value. Correlations group by a field's first value.
//!
//! ```
//! use ward_event::{Event, FieldList, LogSource, Timestamp, Value};
//! use ward_sigma::{Mapping, RuleSetBuilder};
//!
//! let mut b = RuleSetBuilder::new(Mapping::builtin());
//! b.add_yaml("inline.yml", r#"
//! title: Kwampirs service
//! logsource: {product: windows, service: system}
//! detection:
//!     sel: {EventID: 7045, ServiceName: WmiApSrvEx}
//!     condition: sel
//! level: high
//! "#);
//! let (rules, report) = b.build();
//! assert_eq!(report.loaded, 1);
//! let mut fields = FieldList::default();
//! fields.push("EventID", Value::Int(7045));
//! fields.push("ServiceName", Value::from("wmiapsrvex"));
//! let event = Event::new(Timestamp::UNKNOWN, "mri-1", LogSource::windows("System", "Service Control Manager", 7045), fields);
//! let mut hits = Vec::new();
//! rules.matches(&event, &mut |r| hits.push(rules.rule(r).title.clone()));
//! assert_eq!(hits, ["Kwampirs service"]);
//! ```

mod analysis;
mod builder;
mod compile;
mod condition;
mod correlation;
mod detection;
mod error;
mod index;
mod mapping;
mod meta;
mod pattern;
mod prefilter;
mod regression;
mod ruleset;

pub use builder::RuleSetBuilder;
pub use correlation::{CorrelationEvent, CorrelationHit, Correlator};
pub use error::{LoadReport, ProblemKind, RuleProblem, SigmaError};
pub use mapping::{Mapping, Resolved, Target};
pub use meta::{RuleIdx, RuleKind, RuleLogSource, RuleMeta};
pub use regression::{RegressionCase, regression_tests};
pub use ruleset::RuleSet;
