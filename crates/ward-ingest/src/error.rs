//! Errors that stop an input from being listed at all (reading errors go into a `FileReport`).

use std::path::PathBuf;

/// Why the inputs could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A path given on the command line does not exist.
    #[error("{}: no such file or directory (check the path)", .path.display())]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// A directory could not be walked.
    #[error("{}: cannot list directory: {source}", .path.display())]
    Walk {
        /// The entry that failed.
        path: PathBuf,
        /// The underlying error.
        source: walkdir::Error,
    },
}
