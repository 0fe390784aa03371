//! Where Ward's tests find the shared public corpora: `../shared/data` beside the repository
//! (EVTX attack samples, SigmaHQ rules, Security-Datasets, Zeek, firewall and proxy logs), or
//! the folder `WARD_SHARED_DATA` names. Every test that reads them asks here, so the rule is
//! one rule:
//!
//! - present: the path;
//! - absent: `None`, after printing `SKIPPED: …` so the run says what it did not test;
//! - absent while `WARD_REQUIRE_DATA=1` (CI on a machine that has the corpora): a panic, so a
//!   missing or moved corpus fails the run instead of passing it silently.
//!
//! ```no_run
//! let Some(evtx) = ward_testdata::shared("evtx-attack-samples") else {
//!     return;
//! };
//! assert!(evtx.is_dir());
//! ```

use std::path::PathBuf;

/// Set to `1` to make an absent corpus a failure rather than a skip.
pub const REQUIRE: &str = "WARD_REQUIRE_DATA";
/// Overrides where the corpora are.
pub const LOCATION: &str = "WARD_SHARED_DATA";

/// The corpora's root folder.
pub fn root() -> PathBuf {
    match std::env::var_os(LOCATION) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    }
}

/// The corpora's root, or `None` (saying so) when absent; panics when absent and required.
pub fn shared_data() -> Option<PathBuf> {
    shared("")
}

/// `relative` under the corpora's root (a file or a folder), or `None` (saying so) when it is
/// absent; panics when absent and [`REQUIRE`] is `1`.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = if relative.is_empty() {
        root()
    } else {
        root().join(relative)
    };
    if path.exists() {
        return Some(path);
    }
    if required() {
        panic!(
            "{} is required ({REQUIRE}=1) but absent: {}",
            if relative.is_empty() {
                "../shared/data"
            } else {
                relative
            },
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {} absent ({}); set {LOCATION} to where the corpora are",
        if relative.is_empty() {
            "../shared/data"
        } else {
            relative
        },
        path.display()
    );
    None
}

fn required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| v == "1")
}

#[cfg(test)]
mod tests {
    // The environment is process-wide: one test sets and clears it, in order.
    #[test]
    fn absent_data_skips_unless_required() {
        let missing = "no-such-corpus-folder-0c7f";
        // SAFETY: the only test in this crate that touches the environment.
        unsafe { std::env::remove_var(super::REQUIRE) };
        assert_eq!(super::shared(missing), None);
        unsafe { std::env::set_var(super::REQUIRE, "1") };
        let required = std::panic::catch_unwind(|| super::shared(missing));
        unsafe { std::env::remove_var(super::REQUIRE) };
        let message = required.expect_err("absent and required panics");
        let text = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            text.contains(missing) && text.contains("WARD_REQUIRE_DATA=1"),
            "{text}"
        );
        let dir = std::env::temp_dir();
        unsafe { std::env::set_var(super::LOCATION, &dir) };
        assert_eq!(super::shared(""), Some(dir));
        unsafe { std::env::remove_var(super::LOCATION) };
    }
}
