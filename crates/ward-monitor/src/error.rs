//! The monitor's errors: each names the input, sink, file or address it concerns.

use std::path::PathBuf;

/// Why the monitor could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The TOML configuration could not be read or does not fit the schema.
    #[error("monitor config {path}: {message}")]
    Config {
        /// The config file (or `<string>` when parsed from text).
        path: String,
        /// What is wrong and where.
        message: String,
    },
    /// The configuration is well-formed but unsafe or inconsistent.
    #[error("monitor config: {0}")]
    Invalid(String),
    /// The SQLite state store failed.
    #[error("state store {path}: {source}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// A listener could not be bound.
    #[error("input `{input}`: cannot listen on {address}: {source}")]
    Bind {
        /// The input or `dashboard`.
        input: String,
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Any other I/O failure (runtime start, threads).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The pipeline thread ended abnormally.
    #[error("pipeline stopped: {0}")]
    Pipeline(String),
}

impl MonitorError {
    pub(crate) fn store(path: &std::path::Path, source: rusqlite::Error) -> Self {
        MonitorError::Store {
            path: path.to_path_buf(),
            source,
        }
    }
}
