//! Ward's live monitor: receives logs (syslog over UDP/TCP, Lumberjack v2 from Beats, tailed
//! files), turns them into [`ward_event::Event`]s, runs an injected [`Detector`] over them,
//! and stores and delivers the [`Alert`]s it raises (JSONL, webhook, syslog, e-mail), with an
//! authenticated dashboard and Prometheus `/metrics`.
//!
//! Durability: every `commit_ms` the new alerts, the tailed files' offsets and the detector's
//! checkpoint are written in one SQLite transaction; Beats windows are acknowledged only after
//! it. A killed monitor restarts from that state and neither loses nor repeats an alert.
//!
//! Grouping: each sink delivers every alert (`granularity = "event"`), groups of them as an
//! opening and digests (`"group"`, the default), or incidents only (`"incident"`); groups and
//! their notifications are committed with the sink's cursor, so they survive a kill too.
//!
//! ```no_run
//! use ward_monitor::{Alert, Detector, MonitorConfig, Shutdown};
//!
//! struct Nothing;
//! impl Detector for Nothing {
//!     fn on_event(&mut self, _event: &ward_event::Event) -> Vec<Alert> { Vec::new() }
//!     fn checkpoint(&self) -> Vec<u8> { Vec::new() }
//!     fn restore(&mut self, _state: &[u8]) {}
//! }
//!
//! let config = MonitorConfig::from_toml(r#"
//!     state = "ward-state.db"
//!     [[inputs]]
//!     type = "syslog_udp"
//!     name = "firewalls"
//!     listen = "127.0.0.1:5514"
//! "#, "example").unwrap();
//! let shutdown = Shutdown::new();
//! ward_monitor::run(config, Box::new(Nothing), shutdown).unwrap();
//! ```

mod alert;
mod config;
mod dashboard;
mod decode;
mod decode_ingest;
mod error;
mod forward;
mod grouping;
mod inputs;
mod metrics;
mod pipeline;
mod runtime;
mod secrets;
mod shutdown;
mod sinks;
mod store;
mod tls;

use std::sync::Arc;

/// The wire parsers the network inputs use, reachable for the fuzz targets (`fuzz/`,
/// `crates/ward-fuzz`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::inputs::fuzzing::{beats_stream, syslog_stream};
}

pub use alert::{Alert, Detector, StoredAlert};
pub use config::{
    ClientTlsConfig, ConnectionLimits, DashboardConfig, Delivery, Granularity, GroupAttribute,
    InputConfig, MonitorConfig, PipelineConfig, RetentionConfig, SinkConfig, SinkKind,
    SmtpSecurity, SyslogProtocol, TlsConfig,
};
pub use decode::{Decoder, Envelope, JsonLineDecoder};
pub use decode_ingest::IngestDecoder;
pub use error::MonitorError;
pub use forward::{ForwardConfig, Forwarder};
pub use metrics::{DropReason, Metrics};
pub use runtime::{BoundAddresses, Monitor, RunningMonitor, run};
pub use shutdown::Shutdown;
pub use store::{GroupSummary, Offset, OutboxEntry, Store};

/// Renders the current case as a self-contained HTML page for the dashboard.
pub type CaseView = Arc<dyn Fn() -> String + Send + Sync>;
