//! Ward's containment kit: from a case (`ward hunt --format json`), the files an IT team runs
//! and shares after an outbreak — a password-reset script that refuses to run on an affected
//! device, the devices to isolate (clinical first), blocklists for the firewalls and proxies
//! hospitals run, the indicators as STIX 2.1 and a MISP event, and a checklist.
//!
//! Every name in a case comes from attacker-controlled logs: each writer quotes for its target
//! language and refuses (with the reason, in [`KitSummary::refused`]) what it cannot quote.
//!
//! ```no_run
//! use std::path::Path;
//! use ward_respond::{KitOptions, read_case, write_kit};
//!
//! let case = read_case(Path::new("case.json")).unwrap();
//! let summary = write_kit(&case, &KitOptions::default(), Path::new("kit")).unwrap();
//! println!("{} files", summary.files.len());
//! ```

pub mod blocklist;
pub mod checklist;
pub mod ids;
pub mod input;
pub mod isolate;
pub mod kit;
pub mod misp;
pub mod powershell;
pub mod reset;
pub mod stix;

pub use input::CaseReport;
pub use kit::{AccountKind, Indicator, IndicatorKind, IsolateDevice, Kit, ResetAccount};

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong reading a case or writing a kit.
#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// The case file could not be read.
    #[error("cannot read case {path}: {source}")]
    ReadCase {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The case file is not a Ward JSON report.
    #[error("{path} is not a Ward JSON report (`ward hunt --format json`): {message}")]
    NotACase {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Writing the kit failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The output folder exists and is not empty.
    #[error("{0} already exists and is not empty: choose a new folder")]
    OutputExists(PathBuf),
}

/// Choices for the kit.
#[derive(Debug, Clone)]
pub struct KitOptions {
    /// TLP marking of the shared files (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub tlp: String,
}

impl Default for KitOptions {
    fn default() -> Self {
        KitOptions {
            tlp: "amber".into(),
        }
    }
}

/// What a kit holds.
#[derive(Debug, Clone, Default)]
pub struct KitSummary {
    /// Files written, relative to the kit folder.
    pub files: Vec<String>,
    /// Values left out because they cannot be written safely, each with the file and why.
    pub refused: Vec<String>,
    /// Accounts to reset, devices to isolate, indicators.
    pub counts: (usize, usize, usize),
}

/// One file of the kit: its path in the kit and its text, or values refused.
pub struct KitFile {
    /// Path relative to the kit folder (`blocklist/nftables.nft`).
    pub path: String,
    /// Contents.
    pub text: String,
    /// Values left out, with why.
    pub refused: Vec<String>,
    /// True for files only the operator may read (mode 0600).
    pub private: bool,
}

/// A writer: the kit's files of one kind.
pub type Writer = fn(&Kit, &KitOptions) -> Vec<KitFile>;

/// Every writer of the kit, in the order their files are listed.
pub const WRITERS: &[Writer] = &[
    reset::write,
    isolate::write,
    checklist::write,
    stix::write_stix,
    misp::write_misp,
    blocklist::write,
];

/// Reads a case written by `ward hunt --format json` (schema 1.x).
pub fn read_case(path: &Path) -> Result<CaseReport, RespondError> {
    let bytes = fs::read(path).map_err(|source| RespondError::ReadCase {
        path: path.to_path_buf(),
        source,
    })?;
    let not_a_case = |message: String| RespondError::NotACase {
        path: path.to_path_buf(),
        message,
    };
    let case: CaseReport = serde_json::from_slice(&bytes).map_err(|e| not_a_case(e.to_string()))?;
    if !case.schema_version.starts_with("1.") {
        return Err(not_a_case(format!(
            "schema version `{}`, this Ward reads 1.x",
            case.schema_version
        )));
    }
    Ok(case)
}

/// Builds every file in memory, then writes them into a temporary folder beside `out` and
/// renames it to `out`: a kit is complete or absent, never half-written.
pub fn write_kit(
    case: &CaseReport,
    options: &KitOptions,
    out: &Path,
) -> Result<KitSummary, RespondError> {
    let kit = Kit::from_case(case);
    let files: Vec<KitFile> = WRITERS.iter().flat_map(|w| w(&kit, options)).collect();
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RespondError::Write { path, source }
    };
    if out.exists() {
        let empty = fs::read_dir(out).map_err(write_err(out))?.next().is_none();
        if !empty {
            return Err(RespondError::OutputExists(out.to_path_buf()));
        }
        fs::remove_dir(out).map_err(write_err(out))?;
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = tempfile_dir(parent, out).map_err(write_err(parent))?;
    let result = (|| {
        for f in &files {
            let path = staging.join(&f.path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(write_err(dir))?;
            }
            write_file(&path, &f.text, f.private).map_err(write_err(&path))?;
        }
        fs::rename(&staging, out).map_err(write_err(out))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;
    Ok(KitSummary {
        files: files.iter().map(|f| f.path.clone()).collect(),
        refused: kit
            .left_out
            .iter()
            .cloned()
            .chain(files.iter().flat_map(|f| f.refused.clone()))
            .collect(),
        counts: (kit.accounts.len(), kit.devices.len(), kit.indicators.len()),
    })
}

/// A new private folder next to `out` (same file system, so the final rename is atomic).
fn tempfile_dir(parent: &Path, out: &Path) -> io::Result<PathBuf> {
    let stem = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kit".into());
    for n in 0..1000u32 {
        let candidate = parent.join(format!(".{stem}.partial-{}-{n}", std::process::id()));
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary folder name",
    ))
}

fn write_file(path: &Path, text: &str, private: bool) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mode = if private { 0o600 } else { 0o644 };
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)?;
        f.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    {
        let _ = private;
        fs::write(path, text)
    }
}
