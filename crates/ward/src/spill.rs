//! An external sort for the compact facts of a hunt, so memory stays flat however large the
//! input: reader threads hand in batches; once a chunk's worth is pending it is sorted and
//! written to a temporary run file; at the end the runs are merged lazily, each consumer with its
//! own readers. An input small enough never touches the disk and is sorted in memory.
//!
//! Run files live in a private temporary folder (`TMPDIR` or the system's) removed when the
//! [`Sorted`] is dropped. Each record is a little-endian `u32` length and its postcard bytes.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use tempfile::TempDir;

/// No fact encodes to more than this; a longer length means a damaged run.
const MAX_RECORD: usize = 16 << 20;

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
    dir: Option<TempDir>,
    runs: Vec<PathBuf>,
    error: Option<String>,
}

impl<T: Serialize + DeserializeOwned + Clone + Send> Spill<T> {
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
                let dir = tempfile::Builder::new()
                    .prefix("ward-spill-")
                    .tempdir()
                    .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
                state.dir = Some(dir);
            }
            let dir = state
                .dir
                .as_ref()
                .map(TempDir::path)
                .unwrap_or(".".as_ref());
            let path = dir.join(format!("run-{}.bin", state.runs.len()));
            state.runs.push(path.clone());
            path
        };
        let fail = |e: io::Error| format!("cannot write {}: {e}", path.display());
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&path).map_err(fail)?);
        let mut bytes = Vec::new();
        for item in &items {
            bytes.clear();
            bytes = postcard::to_extend(item, bytes)
                .map_err(|e| format!("cannot encode a record for {}: {e}", path.display()))?;
            out.write_all(&(bytes.len() as u32).to_le_bytes())
                .and_then(|()| out.write_all(&bytes))
                .map_err(fail)?;
        }
        out.flush().map_err(fail)
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
                error: Mutex::new(None),
            });
        }
        if !pending.is_empty() {
            self.write_run(pending)?;
        }
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(Sorted {
            order,
            body: Body::Runs {
                _dir: state.dir,
                runs: state.runs,
            },
            error: Mutex::new(None),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Items in order, in memory or in run files.
pub struct Sorted<T> {
    order: Order<T>,
    body: Body<T>,
    error: Mutex<Option<String>>,
}

enum Body<T> {
    Memory(Vec<T>),
    Runs {
        _dir: Option<TempDir>,
        runs: Vec<PathBuf>,
    },
}

impl<T: DeserializeOwned + Clone> Sorted<T> {
    /// The items in order. A run that cannot be read back ends the iteration early; the
    /// reason is then in [`error`](Self::error).
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, T>> + '_> {
        match &self.body {
            Body::Memory(items) => Box::new(items.iter().map(Cow::Borrowed)),
            Body::Runs { runs, .. } => {
                let mut merge = Merge {
                    order: self.order,
                    readers: Vec::new(),
                    heap: BinaryHeap::new(),
                    error: &self.error,
                };
                for path in runs {
                    match File::open(path) {
                        Ok(file) => merge.readers.push(RunReader {
                            path: path.clone(),
                            input: BufReader::with_capacity(1 << 16, file),
                            buf: Vec::new(),
                        }),
                        Err(e) => {
                            merge.fail(format!("cannot open {}: {e}", path.display()));
                            return Box::new(std::iter::empty());
                        }
                    }
                }
                for run in 0..merge.readers.len() {
                    merge.refill(run);
                }
                Box::new(merge.map(Cow::Owned))
            }
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

struct RunReader {
    path: PathBuf,
    input: BufReader<File>,
    buf: Vec<u8>,
}

impl RunReader {
    /// The next record, `None` at the end of the run.
    fn next<T: DeserializeOwned>(&mut self) -> Result<Option<T>, String> {
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
        postcard::from_bytes(&self.buf)
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

struct Merge<'a, T> {
    order: Order<T>,
    readers: Vec<RunReader>,
    heap: BinaryHeap<Head<T>>,
    error: &'a Mutex<Option<String>>,
}

impl<T: DeserializeOwned> Merge<'_, T> {
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
        lock(self.error).get_or_insert(message);
    }
}

impl<T: DeserializeOwned> Iterator for Merge<'_, T> {
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
