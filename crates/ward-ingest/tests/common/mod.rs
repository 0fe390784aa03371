//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ward_event::Event;
use ward_ingest::FileReport;

/// `../shared/data`, or `None` (after saying so) when it is absent.
pub fn data_dir() -> Option<PathBuf> {
    ward_testdata::shared_data()
}

/// Every file under `dir` whose name ends with `ext`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut all = ward_ingest::discover(&[dir.to_path_buf()]).expect("data dir lists");
    all.retain(|p| p.to_string_lossy().ends_with(ext));
    all
}

/// Reads a path into its events and reports.
pub fn read_all(path: &Path) -> (Vec<Event>, Vec<FileReport>) {
    let mut events = Vec::new();
    let reports = ward_ingest::read_path(path, &mut |e| events.push(e));
    (events, reports)
}

/// Reads bytes named `name` into its events and reports.
pub fn read_bytes(name: &str, bytes: &[u8]) -> (Vec<Event>, Vec<FileReport>) {
    let mut events = Vec::new();
    let reports = ward_ingest::read_reader(name, Box::new(bytes), &mut |e| events.push(e));
    (events, reports)
}
