//! `ward monitor`: the hunt's rules on live log streams. `ward-monitor` owns the inputs, the
//! durable state, the alert sinks and the dashboard; this module supplies the detection step
//! (`ward_detect`'s step: Ward's built-in rules plus the user's, correlations, host and network
//! analytics, threat intelligence), the dashboard's case view and the signal handling.

pub(crate) mod case_board;
pub(crate) mod detector;
mod live_step;
mod spread_alerts;

use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use ward_monitor::{CaseView, IngestDecoder, Monitor, MonitorConfig, Shutdown};

use crate::cli::MonitorArgs;
use crate::exit;
use case_board::CaseBoard;
use detector::LiveDetector;

/// Detections kept for the dashboard's case view (the newest; older ones stay in the state DB).
const CASE_VIEW_DETECTIONS: usize = 5_000;

/// Runs `ward monitor` until SIGINT or SIGTERM.
pub fn run(args: MonitorArgs) -> Result<u8> {
    let config = MonitorConfig::from_file(&args.config)
        .with_context(|| format!("reading monitor configuration {}", args.config.display()))?;
    let (rules, summary) = crate::hunt::load_rules(&args.rules)?;
    let board = Arc::new(CaseBoard::new(CASE_VIEW_DETECTIONS));
    board
        .seed_from(&config.state)
        .with_context(|| format!("reading earlier alerts from {}", config.state.display()))?;
    let assets = match &args.assets {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open assets file {}", path.display()))?;
            ward_analytics::Assets::from_csv_reader(file)
                .with_context(|| format!("reading assets file {}", path.display()))?
        }
        None => ward_analytics::Assets::default(),
    };
    let intel = crate::hunt::load_intel(&args.intel, false)?;
    let detector = LiveDetector::new(Arc::new(rules), args.min_level, assets, Arc::clone(&board))
        .with_intel(intel);
    let view: CaseView = Arc::new(move || board.render(&summary));

    let shutdown = Shutdown::new();
    // Installed before anything binds, so a signal during start-up is not lost either.
    watch_signals(shutdown.clone())?;
    let running = Monitor::new(config, Box::new(detector))
        .with_decoder(Arc::new(IngestDecoder))
        .with_case_view(view)
        .start(shutdown.clone())
        .context("starting the monitor")?;
    // One line per listener, so an operator (or a test) sees where ports 0 were bound.
    for (name, addr) in &running.addresses().inputs {
        eprintln!("ward monitor: input {name} listening on {addr}");
    }
    if let Some(addr) = running.addresses().dashboard {
        eprintln!("ward monitor: dashboard on http://{addr}/");
    }
    eprintln!("ward monitor: running");
    running.wait().context("monitor stopped with an error")?;
    eprintln!("ward monitor: stopped");
    Ok(exit::OK)
}

/// Triggers `shutdown` on SIGINT or SIGTERM. The handler only sets a flag (async-signal-safe);
/// a small thread turns the flag into the trigger.
fn watch_signals(shutdown: Shutdown) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    std::thread::Builder::new()
        .name("ward-signals".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) && !shutdown.is_triggered() {
                std::thread::sleep(Duration::from_millis(100));
            }
            shutdown.trigger();
        })
        .context("starting the signal watcher")?;
    Ok(())
}
