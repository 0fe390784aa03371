//! The audit's errors: each names the input and, where there is one, the line.

use std::path::PathBuf;

/// An input the audit could not use.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The content matched no format the audit knows.
    #[error(
        "{path}: not a format the audit knows (expected inventory CSV, Get-HotFix CSV, osquery JSON, systeminfo, `net accounts`, secedit INF, NTLM hash export, CISA KEV or OSV JSON, admins list)"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The format was recognised but a record in it is malformed.
    #[error("{path}:{line}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the whole document is at fault, e.g. bad JSON).
        line: u64,
        /// What is wrong.
        message: String,
    },
}
