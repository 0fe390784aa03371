//! Ward's log readers. Each input is sniffed from its content (never its extension), opened
//! through `.gz`/`.zip` layers, and read into [`ward_event::Event`]s handed to a callback; bad
//! records are counted and described with file and position, never fatal.

mod report;

pub mod network;

pub use report::{FileReport, PositionUnit, RecordError, MAX_ERRORS_KEPT};
