//! Caps on what one input may cost, against archive bombs: how far a compressed layer may
//! inflate (in bytes and as a multiple of its compressed size) and how much of a zip archive is
//! opened. Past a cap the input is cut short with an error naming it; the inputs after it are
//! still read. `docs/security.md` says what each cap guards.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

/// The caps, in [`crate::ReadOptions::limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes that everything compressed inside one input (a `.gz`, the members of a `.zip`,
    /// archives within them) may inflate to, in all.
    pub max_inflated_bytes: u64,
    /// How many times its compressed size one compressed layer may inflate to, once past
    /// [`Limits::ratio_floor`] bytes. Logs compress 5–50-fold; a bomb about 1000-fold.
    pub max_ratio: u64,
    /// Bytes a layer may inflate to before its ratio is checked, so a small, very repetitive
    /// log is read whole.
    pub ratio_floor: u64,
    /// Members of one zip archive that are read; the rest are skipped and reported.
    pub max_zip_members: usize,
    /// Bytes of one zip archive held in memory to read it.
    pub max_zip_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_inflated_bytes: 64 << 30,
            max_ratio: 200,
            ratio_floor: 16 << 20,
            max_zip_members: 10_000,
            max_zip_bytes: 4 << 30,
        }
    }
}

/// What one top-level input has inflated so far, shared by its layers.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    inflated: Cell<u64>,
}

/// Counts the compressed bytes a decoder takes from its input.
pub(crate) struct Counting<R> {
    pub inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Why a layer was cut short, once it was.
pub(crate) type Stop = Rc<RefCell<Option<String>>>;

/// A decompressing reader that ends early (a clean end of input, so the reader above keeps
/// what it read) once a cap is passed, saying why in `stop`.
pub(crate) struct Capped<'a, R> {
    pub inner: R,
    /// Compressed bytes consumed so far (or the member's compressed size).
    pub compressed: Rc<Cell<u64>>,
    pub inflated: u64,
    pub limits: Limits,
    pub budget: &'a Budget,
    /// `gzip` or `zip member`, for the message.
    pub kind: &'static str,
    pub stop: Stop,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.borrow().is_some() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.inflated += n as u64;
        let total = self.budget.inflated.get() + n as u64;
        self.budget.inflated.set(total);
        let limits = &self.limits;
        let why = if total > limits.max_inflated_bytes {
            Some(format!(
                "everything compressed in this input inflates past {} bytes (limit max_inflated_bytes)",
                limits.max_inflated_bytes
            ))
        } else if self.inflated > limits.ratio_floor
            && self.inflated
                > limits
                    .max_ratio
                    .saturating_mul(self.compressed.get().max(1))
        {
            Some(format!(
                "this {} inflates more than {}-fold, {} bytes from {} (limit max_ratio), as a decompression bomb does",
                self.kind,
                limits.max_ratio,
                self.inflated,
                self.compressed.get()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            *self.stop.borrow_mut() = Some(format!(
                "stopped after {} inflated bytes: {why}; the rest of it is not read",
                self.inflated
            ));
        }
        Ok(n)
    }
}
