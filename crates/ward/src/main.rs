//! `ward`: hunt worms like Kwampirs in hospital logs, trace their spread, and say what to do next.
//!
//! This file only parses the command line and reports errors; each command lives in its own
//! module and the stages live in the library crates.

mod assets;
mod audit;
mod builtin;
mod cli;
mod cluster;
mod hunt;
mod logons;
mod metrics;
mod monitor;
mod output;
mod pipeline;
mod pivot;
mod prefilter;
mod respond;
mod rules;
mod rules_cmd;
mod search;
mod text;

use clap::Parser;

/// Rule loading and event reading allocate many small strings; mimalloc serves them faster
/// than the system allocator (measured in docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Exit codes, documented in the README.
pub mod exit {
    /// The run completed (whatever it found, unless `--fail-level` was given).
    pub const OK: u8 = 0;
    /// The run completed and found detections at or above `--fail-level`, or a rule test failed.
    pub const FOUND: u8 = 1;
    /// Usage error or a fatal error (no readable input, unwritable output, bad rule path).
    pub const ERROR: u8 = 2;
}

/// mimalloc's v2 option numbers (`mi_option_e` in mimalloc.h; the crate names only some).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps peak memory near the system allocator's while keeping mimalloc's speed: commit arena
/// memory on use and return freed pages at once (measured in docs/benchmarks.md).
fn tune_allocator() {
    // SAFETY: plain setters of process-wide allocator options, called before any thread starts.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    // `ward --version` also names the installed rule set, which clap's static text cannot.
    if let [_, flag] = std::env::args().collect::<Vec<_>>().as_slice()
        && (flag == "--version" || flag == "-V")
    {
        println!(
            "ward {}\n{}",
            env!("CARGO_PKG_VERSION"),
            rules::version_line()
        );
        return ExitCode::from(exit::OK);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hunt(args) => hunt::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Monitor(args) => monitor::run(args),
        Command::Respond(args) => respond::run(args),
        Command::Search(args) => search::run(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Logons(args) => logons::run(args),
        Command::Pivot(args) => pivot::run(args),
        Command::Ship(args) => cluster::ship(args),
        Command::Worker(args) => cluster::worker(args),
        Command::ClusterCheck(args) => cluster::check(args),
        Command::Rules { command } => rules_cmd::manage(command),
        Command::GenerateAssets { dir } => assets::write(&dir),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`ward hunt … | head`) is the reader's choice, not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(exit::OK),
        Err(err) => {
            eprintln!("ward: error: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
