//! Checkpoints of the analyzers' state, so a live monitor can stop (even by SIGKILL) and carry
//! on where it was. A checkpoint is a small header — magic, format version, which analyzer —
//! then the state in postcard, a compact binary serde format. Thresholds and assets are not in
//! it: they come from the user's files at start.
//!
//! Postcard is not self-describing: a state struct that changes shape reads as garbage or as
//! wrong values. Bump [`FORMAT_VERSION`] with every change to a type the analyzers hold, so an
//! old checkpoint is refused instead of misread.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Version of the state layout; bump it whenever a state type changes.
pub const FORMAT_VERSION: u8 = 6;

const MAGIC: &[u8; 4] = b"WRDC";

/// Which analyzer a checkpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// [`crate::Analyzer`].
    Host = 1,
    /// [`crate::network::NetworkAnalyzer`].
    Network = 2,
}

impl Kind {
    fn name(byte: u8) -> &'static str {
        match byte {
            1 => "host analytics",
            2 => "network analytics",
            _ => "unknown",
        }
    }
}

/// A checkpoint that cannot be restored; start from empty state (or re-read the inputs).
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Too short or without the header: not a Ward analytics checkpoint.
    #[error("not a Ward analytics checkpoint (no `WRDC` header); discard it and start afresh")]
    NotACheckpoint,
    /// Written by a build with another state layout.
    #[error(
        "checkpoint format {found} is not this build's format {expected}; discard it and re-read the inputs"
    )]
    Version {
        /// The checkpoint's format.
        found: u8,
        /// This build's format.
        expected: u8,
    },
    /// The state of another analyzer.
    #[error("checkpoint holds {found} state, not {expected} state")]
    WrongAnalyzer {
        /// What the checkpoint holds.
        found: &'static str,
        /// What was being restored.
        expected: &'static str,
    },
    /// The header is right but the state does not decode: truncated or damaged.
    #[error("checkpoint state is damaged ({0}); discard it and re-read the inputs")]
    Damaged(#[from] postcard::Error),
}

/// The header followed by `state`.
pub(crate) fn encode<T: Serialize>(kind: Kind, state: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.push(kind as u8);
    // Writing to a Vec fails only for a sequence of unknown length, which no state type has:
    // a failure is a bug in a state type, caught by the checkpoint tests.
    postcard::to_extend(state, out).expect("analyzer state serialises")
}

/// The state after a header of `kind` and this format; every byte must be used.
pub(crate) fn decode<T: DeserializeOwned>(kind: Kind, bytes: &[u8]) -> Result<T, CheckpointError> {
    let (magic, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or(CheckpointError::NotACheckpoint)?;
    if magic != MAGIC {
        return Err(CheckpointError::NotACheckpoint);
    }
    let [version, found, body @ ..] = rest else {
        return Err(CheckpointError::NotACheckpoint);
    };
    if *version != FORMAT_VERSION {
        return Err(CheckpointError::Version {
            found: *version,
            expected: FORMAT_VERSION,
        });
    }
    if *found != kind as u8 {
        return Err(CheckpointError::WrongAnalyzer {
            found: Kind::name(*found),
            expected: Kind::name(kind as u8),
        });
    }
    let (state, left) = postcard::take_from_bytes(body)?;
    if !left.is_empty() {
        return Err(CheckpointError::Damaged(
            postcard::Error::DeserializeBadEncoding,
        ));
    }
    Ok(state)
}
