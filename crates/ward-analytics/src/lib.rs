//! Ward's behaviour analytics. Readers turn events into compact [`facts`]; the analytics keep
//! small keyed state over facts in time order and produce findings, the spread graph and the
//! accounts to reset; everything a run learned is gathered in a [`Case`] for the report sinks.

pub mod case;
pub mod network;

pub use case::Case;
