//! Run files: records written one after another, each a little-endian `u32` length and the
//! item's bytes, read back in the same order.

use super::Spillable;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

/// No fact encodes to more than this; a longer length means a damaged run.
const MAX_RECORD: usize = 16 << 20;

/// Writes records to a run file.
pub(super) struct RunWriter {
    pub(super) path: PathBuf,
    out: BufWriter<File>,
    bytes: Vec<u8>,
}

impl RunWriter {
    pub(super) fn create(path: PathBuf) -> Result<Self, String> {
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(RunWriter {
            path,
            out: BufWriter::with_capacity(1 << 16, file),
            bytes: Vec::new(),
        })
    }

    pub(super) fn write<T: Spillable>(&mut self, item: &T) -> Result<(), String> {
        self.bytes.clear();
        item.encode(&mut self.bytes)
            .map_err(|e| format!("cannot encode a record for {}: {e}", self.path.display()))?;
        self.out
            .write_all(&(self.bytes.len() as u32).to_le_bytes())
            .and_then(|()| self.out.write_all(&self.bytes))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    pub(super) fn finish(mut self) -> Result<(), String> {
        self.out
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// Reads the records of a run file back.
pub(super) struct RunReader {
    path: PathBuf,
    input: BufReader<File>,
    buf: Vec<u8>,
}

impl RunReader {
    pub(super) fn open(path: &std::path::Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Ok(RunReader {
            path: path.to_path_buf(),
            input: BufReader::with_capacity(1 << 16, file),
            buf: Vec::new(),
        })
    }

    /// The next record, `None` at the end of the run.
    pub(super) fn next<T: Spillable>(&mut self) -> Result<Option<T>, String> {
        let fail = |e: io::Error| format!("cannot read {}: {e}", self.path.display());
        // The run ends cleanly only between records; a cut inside one is an error.
        if self.input.fill_buf().map_err(fail)?.is_empty() {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.input.read_exact(&mut len).map_err(fail)?;
        let len = u32::from_le_bytes(len) as usize;
        if len > MAX_RECORD {
            return Err(format!(
                "{}: a record claims {len} bytes; the run is damaged",
                self.path.display()
            ));
        }
        self.buf.resize(len, 0);
        self.input.read_exact(&mut self.buf).map_err(fail)?;
        T::decode(&self.buf)
            .map(Some)
            .map_err(|e| format!("cannot decode a record of {}: {e}", self.path.display()))
    }
}
