//! An external sort for the compact facts of a hunt, so memory stays flat however large the
//! input: reader threads hand in batches; once a chunk's worth is pending it is sorted and
//! written to a temporary run file; at the end the runs are merged lazily, each consumer with its
//! own readers. An input small enough never touches the disk and is sorted in memory.
//!
//! Run files live in a private temporary folder (`TMPDIR` or the system's) removed when the
//! [`Sorted`] is dropped. Each record is a little-endian `u32` length and its postcard bytes.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// No fact encodes to more than this; a longer length means a damaged run.
const MAX_RECORD: usize = 16 << 20;

/// How an item is written to a run and read back.
pub trait Spillable: Sized {
    /// Appends the item's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), String>;
    /// The item `bytes` hold.
    fn decode(bytes: &[u8]) -> Result<Self, String>;
}

/// Spillable through postcard and the type's serde derive.
macro_rules! postcard_spillable {
    ($($t:ty),*) => {$(
        impl Spillable for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), String> {
                let bytes = postcard::to_extend(self, std::mem::take(out)).map_err(|e| e.to_string())?;
                *out = bytes;
                Ok(())
            }
            fn decode(bytes: &[u8]) -> Result<Self, String> {
                postcard::from_bytes(bytes).map_err(|e| e.to_string())
            }
        }
    )*};
}

postcard_spillable!(crate::facts::Fact, crate::network::NetFact);

/// The order of the items.
pub type Order<T> = fn(&T, &T) -> Ordering;

/// Collects items from many threads; see the module documentation.
pub struct Spill<T> {
    order: Order<T>,
    chunk: usize,
    state: Mutex<State<T>>,
}

struct State<T> {
    pending: Vec<T>,
    dir: Option<Arc<TempDir>>,
    runs: Vec<PathBuf>,
    error: Option<String>,
}

impl<T: Spillable + Clone + Send> Spill<T> {
    /// A spill that writes a run once `chunk` items are pending.
    pub fn new(order: Order<T>, chunk: usize) -> Self {
        Spill {
            order,
            chunk: chunk.max(1),
            state: Mutex::new(State {
                pending: Vec::new(),
                dir: None,
                runs: Vec::new(),
                error: None,
            }),
        }
    }

    /// Hands in a batch; writes a run when a chunk's worth is pending. The sort and the write
    /// happen outside the lock, so other threads go on handing in.
    pub fn push(&self, batch: &mut Vec<T>) {
        if batch.is_empty() {
            return;
        }
        let full = {
            let mut state = lock(&self.state);
            state.pending.append(batch);
            if state.pending.len() < self.chunk || state.error.is_some() {
                return;
            }
            std::mem::take(&mut state.pending)
        };
        if let Err(e) = self.write_run(full) {
            let mut state = lock(&self.state);
            state.error.get_or_insert(e);
        }
    }

    fn write_run(&self, mut items: Vec<T>) -> Result<(), String> {
        items.sort_unstable_by(self.order);
        let path = {
            let mut state = lock(&self.state);
            if state.dir.is_none() {
                state.dir = Some(Arc::new(temp_dir()?));
            }
            let dir = state
                .dir
                .as_deref()
                .map(TempDir::path)
                .unwrap_or(".".as_ref());
            let path = dir.join(format!("run-{}.bin", state.runs.len()));
            state.runs.push(path.clone());
            path
        };
        let mut out = RunWriter::create(path)?;
        for item in &items {
            out.write(item)?;
        }
        out.finish()
    }

    /// Sorts what is left; the items can then be read in order any number of times.
    pub fn finish(self) -> Result<Sorted<T>, String> {
        let (pending, spilled) = {
            let mut state = lock(&self.state);
            if let Some(e) = state.error.take() {
                return Err(e);
            }
            (std::mem::take(&mut state.pending), !state.runs.is_empty())
        };
        let order = self.order;
        if !spilled {
            let mut items = pending;
            items.sort_unstable_by(order);
            return Ok(Sorted {
                order,
                body: Body::Memory(items),
                error: Arc::default(),
            });
        }
        if !pending.is_empty() {
            self.write_run(pending)?;
        }
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(Sorted {
            order,
            body: Body::Runs {
                dir: state.dir,
                runs: state.runs,
            },
            error: Arc::default(),
        })
    }
}

fn temp_dir() -> Result<TempDir, String> {
    tempfile::Builder::new()
        .prefix("ward-spill-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Items in order, in memory or in run files.
pub struct Sorted<T> {
    order: Order<T>,
    body: Body<T>,
    error: Arc<Mutex<Option<String>>>,
}

enum Body<T> {
    Memory(Vec<T>),
    Runs {
        dir: Option<Arc<TempDir>>,
        runs: Vec<PathBuf>,
    },
}

impl<T: Spillable + Clone> Sorted<T> {
    /// The items in order. A run that cannot be read back ends the iteration early; the
    /// reason is then in [`error`](Self::error).
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        match &self.body {
            Body::Memory(items) => Box::new(items.iter().map(Cow::Borrowed)),
            Body::Runs { dir, runs } => {
                Box::new(merge(self.order, &self.error, dir.clone(), runs).map(Cow::Owned))
            }
        }
    }

    /// The items in order, consuming them (no copies when they are in memory).
    pub fn into_items(self) -> Box<dyn Iterator<Item = T>>
    where
        T: 'static,
    {
        match self.body {
            Body::Memory(items) => Box::new(items.into_iter()),
            Body::Runs { dir, runs } => Box::new(merge(self.order, &self.error, dir, &runs)),
        }
    }

    /// Why an iteration ended early, if one did.
    pub fn error(&self) -> Option<String> {
        lock(&self.error).clone()
    }

    /// Whether the items were written to disk.
    #[cfg(test)]
    fn spilled(&self) -> bool {
        matches!(self.body, Body::Runs { .. })
    }
}

/// Items kept in the order they are appended: in memory up to a limit, then in one file.
pub struct Store<T> {
    limit: usize,
    memory: Vec<T>,
    file: Option<(Arc<TempDir>, RunWriter)>,
    len: usize,
}

impl<T: Spillable + Clone> Store<T> {
    /// A store that moves to disk once it holds more than `limit` items.
    pub fn new(limit: usize) -> Self {
        Store {
            limit,
            memory: Vec::new(),
            file: None,
            len: 0,
        }
    }

    /// Appends an item.
    pub fn push(&mut self, item: T) -> Result<(), String> {
        self.len += 1;
        match &mut self.file {
            Some((_, out)) => out.write(&item),
            None if self.memory.len() < self.limit => {
                self.memory.push(item);
                Ok(())
            }
            None => {
                let dir = temp_dir()?;
                let mut out = RunWriter::create(dir.path().join("store.bin"))?;
                for kept in self.memory.drain(..) {
                    out.write(&kept)?;
                }
                out.write(&item)?;
                self.memory = Vec::new();
                self.file = Some((Arc::new(dir), out));
                Ok(())
            }
        }
    }

    /// The items appended, ready to be read any number of times.
    pub fn seal(self) -> Result<Stored<T>, String> {
        let body = match self.file {
            None => StoredBody::Memory(self.memory),
            Some((dir, out)) => {
                let path = out.path.clone();
                out.finish()?;
                StoredBody::File { _dir: dir, path }
            }
        };
        Ok(Stored {
            body,
            len: self.len,
            error: Arc::default(),
        })
    }
}

/// Items of a sealed [`Store`].
pub struct Stored<T> {
    body: StoredBody<T>,
    len: usize,
    error: Arc<Mutex<Option<String>>>,
}

enum StoredBody<T> {
    Memory(Vec<T>),
    File { _dir: Arc<TempDir>, path: PathBuf },
}

impl<T: Clone> Clone for Stored<T> {
    fn clone(&self) -> Self {
        Stored {
            body: match &self.body {
                StoredBody::Memory(items) => StoredBody::Memory(items.clone()),
                StoredBody::File { _dir, path } => StoredBody::File {
                    _dir: Arc::clone(_dir),
                    path: path.clone(),
                },
            },
            len: self.len,
            error: Arc::clone(&self.error),
        }
    }
}

impl<T> Default for Stored<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T> std::fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = match self.body {
            StoredBody::Memory(_) => "memory",
            StoredBody::File { .. } => "disk",
        };
        write!(f, "Stored({} items in {place})", self.len)
    }
}

/// As a sequence, read through once.
impl<T: Spillable + Clone + serde::Serialize> serde::Serialize for Stored<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len))?;
        for item in self.iter() {
            seq.serialize_element(&*item)?;
        }
        seq.end()
    }
}

impl<T> From<Vec<T>> for Stored<T> {
    fn from(items: Vec<T>) -> Self {
        Stored {
            len: items.len(),
            body: StoredBody::Memory(items),
            error: Arc::default(),
        }
    }
}

impl<T: Spillable + Clone> Stored<T> {
    /// How many items there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items in memory, `None` when they are on disk.
    pub fn in_memory(&self) -> Option<&[T]> {
        match &self.body {
            StoredBody::Memory(items) => Some(items),
            StoredBody::File { .. } => None,
        }
    }

    /// The items in the order appended. A file that cannot be read back ends the iteration
    /// early; the reason is then in [`error`](Self::error).
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        match &self.body {
            StoredBody::Memory(items) => Box::new(items.iter().map(Cow::Borrowed)),
            StoredBody::File { path, .. } => {
                let mut reader = match RunReader::open(path) {
                    Ok(reader) => Some(reader),
                    Err(e) => {
                        lock(&self.error).get_or_insert(e);
                        None
                    }
                };
                Box::new(std::iter::from_fn(move || {
                    let next = reader.as_mut()?.next();
                    match next {
                        Ok(Some(item)) => Some(Cow::Owned(item)),
                        Ok(None) => None,
                        Err(e) => {
                            reader = None;
                            lock(&self.error).get_or_insert(e);
                            None
                        }
                    }
                }))
            }
        }
    }

    /// Why an iteration ended early, if one did.
    pub fn error(&self) -> Option<String> {
        lock(&self.error).clone()
    }
}

/// Merges the runs of a sort, reporting a failure into `error`.
fn merge<T: Spillable>(
    order: Order<T>,
    error: &Arc<Mutex<Option<String>>>,
    dir: Option<Arc<TempDir>>,
    runs: &[PathBuf],
) -> Merge<T> {
    let mut merge = Merge {
        order,
        readers: Vec::new(),
        heap: BinaryHeap::new(),
        error: Arc::clone(error),
        _dir: dir,
    };
    for path in runs {
        match RunReader::open(path) {
            Ok(reader) => merge.readers.push(reader),
            Err(e) => {
                merge.fail(e);
                return merge;
            }
        }
    }
    for run in 0..merge.readers.len() {
        merge.refill(run);
    }
    merge
}

/// Writes records to a run file.
struct RunWriter {
    path: PathBuf,
    out: BufWriter<File>,
    bytes: Vec<u8>,
}

impl RunWriter {
    fn create(path: PathBuf) -> Result<Self, String> {
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(RunWriter {
            path,
            out: BufWriter::with_capacity(1 << 16, file),
            bytes: Vec::new(),
        })
    }

    fn write<T: Spillable>(&mut self, item: &T) -> Result<(), String> {
        self.bytes.clear();
        item.encode(&mut self.bytes)
            .map_err(|e| format!("cannot encode a record for {}: {e}", self.path.display()))?;
        self.out
            .write_all(&(self.bytes.len() as u32).to_le_bytes())
            .and_then(|()| self.out.write_all(&self.bytes))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    fn finish(mut self) -> Result<(), String> {
        self.out
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// Reads the records of a run file back.
struct RunReader {
    path: PathBuf,
    input: BufReader<File>,
    buf: Vec<u8>,
}

impl RunReader {
    fn open(path: &std::path::Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Ok(RunReader {
            path: path.to_path_buf(),
            input: BufReader::with_capacity(1 << 16, file),
            buf: Vec::new(),
        })
    }

    /// The next record, `None` at the end of the run.
    fn next<T: Spillable>(&mut self) -> Result<Option<T>, String> {
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

/// The head item of one run, ordered so that the heap's top is the least item.
struct Head<T> {
    item: T,
    run: usize,
    order: Order<T>,
}

impl<T> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<T> Eq for Head<T> {}
impl<T> PartialOrd for Head<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Head<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap. Ties go to the earlier run, so equal items keep
        // the order they were handed in.
        (self.order)(&other.item, &self.item).then_with(|| other.run.cmp(&self.run))
    }
}

struct Merge<T> {
    order: Order<T>,
    readers: Vec<RunReader>,
    heap: BinaryHeap<Head<T>>,
    error: Arc<Mutex<Option<String>>>,
    /// Keeps the run files while the merge reads them.
    _dir: Option<Arc<TempDir>>,
}

impl<T: Spillable> Merge<T> {
    fn refill(&mut self, run: usize) {
        match self.readers[run].next() {
            Ok(Some(item)) => self.heap.push(Head {
                item,
                run,
                order: self.order,
            }),
            Ok(None) => {}
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, message: String) {
        self.heap.clear();
        self.readers.clear();
        lock(&self.error).get_or_insert(message);
    }
}

impl<T: Spillable> Iterator for Merge<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let Head { item, run, .. } = self.heap.pop()?;
        if run < self.readers.len() {
            self.refill(run);
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    postcard_spillable!((u64, String));

    fn by_value(a: &(u64, String), b: &(u64, String)) -> Ordering {
        a.cmp(b)
    }

    fn items(n: u64) -> Vec<(u64, String)> {
        // A scrambled order: multiplying by an odd constant permutes the values mod 2^k.
        (0..n)
            .map(|i| ((i * 2_654_435_761) % 1_000_003, format!("item {i}")))
            .collect()
    }

    #[test]
    fn small_inputs_stay_in_memory_and_come_out_sorted() {
        let spill = Spill::new(by_value, 1_000);
        spill.push(&mut items(500));
        let sorted = spill.finish().unwrap();
        assert!(!sorted.spilled());
        let out: Vec<_> = sorted.iter().map(Cow::into_owned).collect();
        let mut expected = items(500);
        expected.sort();
        assert_eq!(out, expected);
    }

    #[test]
    fn large_inputs_spill_to_runs_and_merge_in_order_twice() {
        let spill = Spill::new(by_value, 1_000);
        let all = items(10_500);
        // Batches of uneven size from several threads, as reader threads hand them in.
        std::thread::scope(|s| {
            for part in all.chunks(2_625) {
                let spill = &spill;
                s.spawn(move || {
                    for batch in part.chunks(333) {
                        spill.push(&mut batch.to_vec());
                    }
                });
            }
        });
        let sorted = spill.finish().unwrap();
        assert!(sorted.spilled());
        let mut expected = all.clone();
        expected.sort();
        for _ in 0..2 {
            let out: Vec<_> = sorted.iter().map(Cow::into_owned).collect();
            assert_eq!(out.len(), expected.len());
            assert!(out == expected, "merged output out of order");
        }
        assert_eq!(sorted.error(), None);
    }

    #[test]
    fn a_store_moves_to_disk_past_its_limit_and_keeps_the_order() {
        let all = items(2_500);
        for limit in [10_000, 1_000] {
            let mut store = Store::new(limit);
            for item in &all {
                store.push(item.clone()).unwrap();
            }
            let stored = store.seal().unwrap();
            assert_eq!(stored.len(), all.len());
            assert_eq!(stored.in_memory().is_some(), limit > all.len());
            let back: Vec<_> = stored.iter().map(Cow::into_owned).collect();
            assert!(back == all, "order changed with limit {limit}");
            // A clone reads the same file.
            assert_eq!(stored.clone().iter().count(), all.len());
            assert_eq!(stored.error(), None);
        }
    }

    #[test]
    fn a_damaged_run_ends_the_merge_with_an_error_naming_it() {
        let spill = Spill::new(by_value, 100);
        spill.push(&mut items(250));
        let sorted = spill.finish().unwrap();
        let Body::Runs { runs, .. } = &sorted.body else {
            panic!("expected runs");
        };
        // Cut the first run in the middle of a record.
        let len = std::fs::metadata(&runs[0]).unwrap().len();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&runs[0])
            .unwrap();
        file.set_len(len / 2 + 1).unwrap();
        let n = sorted.iter().count();
        assert!(n < 250, "{n} items read from a cut run");
        let error = sorted.error().expect("an error is recorded");
        assert!(error.contains("run-0.bin"), "{error}");
    }
}
