//! An external sort for the compact facts of a hunt, so memory stays flat however large the
//! input: reader threads hand in batches; once a chunk's worth is pending it is sorted and
//! written to a temporary run file; at the end the runs are merged lazily, each consumer with its
//! own readers. An input small enough never touches the disk and is sorted in memory.
//!
//! Run files live in a private temporary folder (`TMPDIR` or the system's) removed when the
//! [`Sorted`] is dropped. Each record is a little-endian `u32` length and its postcard bytes
//! ([`run`]). A [`Store`] keeps items in the order appended, moving to one file past a limit.

mod run;
mod store;

pub use store::{Store, Stored};

use run::{RunReader, RunWriter};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// How an item is written to a run and read back.
pub trait Spillable: Sized {
    /// Appends the item's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), String>;
    /// The item `bytes` hold.
    fn decode(bytes: &[u8]) -> Result<Self, String>;
}

/// Makes types spillable through postcard and their serde derive (the crate using it depends on
/// `postcard`).
#[macro_export]
macro_rules! postcard_spillable {
    ($($t:ty),*) => {$(
        impl $crate::spill::Spillable for $t {
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

pub(crate) fn temp_dir() -> Result<TempDir, String> {
    tempfile::Builder::new()
        .prefix("ward-spill-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
pub(super) mod tests {
    use super::*;

    postcard_spillable!((u64, String));

    fn by_value(a: &(u64, String), b: &(u64, String)) -> Ordering {
        a.cmp(b)
    }

    /// `n` items in a scrambled order (also the store's test input).
    pub(in crate::spill) fn items(n: u64) -> Vec<(u64, String)> {
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
