//! Items kept in the order appended: in memory up to a limit, then in one run file.

use super::run::{RunReader, RunWriter};
use super::{Spillable, lock, temp_dir};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

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

#[cfg(test)]
mod tests {
    use super::*;
    // `(u64, String)` is made Spillable by the sort's tests, which also make the input.
    use crate::spill::tests::items;

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
}
