//! `ward monitor`: the hunt's rules on live log streams. `ward-monitor` owns the inputs, the
//! durable state, the alert sinks and the dashboard; this module supplies the detection step
//! (`ward_detect`'s step: Ward's built-in rules plus the user's, correlations, host and network
//! analytics, threat intelligence), the dashboard's case view and the signal handling.

pub(crate) mod case_board;
pub(crate) mod detector;
mod live_step;
mod spread_alerts;

use anyhow::{Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ward_analytics::case::RuleSummary;
use ward_monitor::{CaseView, IngestDecoder, Monitor, MonitorConfig, Shutdown};
use ward_sigma::RuleSet;

use crate::cli::MonitorArgs;
use crate::exit;
use case_board::CaseBoard;
use detector::{LiveDetector, RulesReload};

/// Detections kept for the dashboard's case view (the newest; older ones stay in the state DB).
const CASE_VIEW_DETECTIONS: usize = 5_000;

/// Runs `ward monitor` until SIGINT or SIGTERM; SIGHUP reloads the rules.
pub fn run(args: MonitorArgs) -> Result<u8> {
    let config = MonitorConfig::from_file(&args.config)
        .with_context(|| format!("reading monitor configuration {}", args.config.display()))?;
    let (rules, summary) = load_rules(&args)?;
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
    let reload_slot: RulesReload = Arc::default();
    let detector = LiveDetector::new(Arc::new(rules), args.min_level, assets, Arc::clone(&board))
        .with_intel(intel)
        .with_tuning(crate::hunt::load_tuning(
            // `--tuning FILE`, else the configuration's own `[tuning]` table.
            args.tuning
                .as_deref()
                .or(config.tuning.is_some().then_some(args.config.as_path())),
            false,
        )?)
        .with_reload(Arc::clone(&reload_slot));
    let summary = Arc::new(Mutex::new(summary));
    let shown = Arc::clone(&summary);
    let view: CaseView = Arc::new(move || {
        let summary = shown.lock().map(|s| s.clone()).unwrap_or_default();
        board.render(&summary)
    });
    // SIGHUP: load the rules again (the installed set may have been updated) off the detector's
    // thread, then hand them over; a set that fails to load leaves the running one in place.
    let reload = move || match load_rules(&args) {
        Ok((rules, new_summary)) => {
            if let Ok(mut slot) = reload_slot.lock() {
                *slot = Some(Arc::new(rules));
            }
            if let Ok(mut shown) = summary.lock() {
                *shown = new_summary;
            }
            eprintln!("ward monitor: rules reloaded");
        }
        Err(e) => eprintln!("ward monitor: rules not reloaded, keeping the running set: {e:#}"),
    };

    let shutdown = Shutdown::new();
    // Installed before anything binds, so a signal during start-up is not lost either.
    watch_signals(shutdown.clone(), reload)?;
    let forwarder = match &config.forward {
        Some(f) => {
            let forwarder = crate::cluster::NatsForwarder::connect(f)?;
            eprintln!(
                "ward monitor: forwarding to {} as {}.{}{}",
                f.nats,
                f.tenant,
                f.site,
                if f.forward_only {
                    " (forward only)"
                } else {
                    ""
                }
            );
            Some(Box::new(forwarder) as Box<dyn ward_monitor::Forwarder>)
        }
        None => None,
    };
    let mut monitor = Monitor::new(config, Box::new(detector))
        .with_decoder(Arc::new(IngestDecoder))
        .with_case_view(view);
    if let Some(forwarder) = forwarder {
        monitor = monitor.with_forwarder(forwarder);
    }
    let running = monitor
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

/// Ward's rules, the installed set and `-r`, named in one line on standard error.
fn load_rules(args: &MonitorArgs) -> Result<(RuleSet, RuleSummary)> {
    let set =
        crate::rules::default_set(args.no_default_rules, args.rules_home.rules_home.as_deref())?;
    let (rules, mut summary) = crate::hunt::load_rules_with(&args.rules, set.as_ref())?;
    summary.set = Some(crate::rules::set_label(set.as_ref(), args.no_default_rules));
    eprintln!(
        "ward monitor: rules: {} loaded; {}",
        summary.loaded,
        summary.set.as_deref().unwrap_or_default()
    );
    Ok((rules, summary))
}

/// Triggers `shutdown` on SIGINT or SIGTERM and calls `reload` on SIGHUP. The handlers only set
/// flags (async-signal-safe); a small thread acts on them.
fn watch_signals(shutdown: Shutdown, reload: impl Fn() + Send + 'static) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let hup = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hup))
        .context("installing signal handlers")?;
    std::thread::Builder::new()
        .name("ward-signals".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) && !shutdown.is_triggered() {
                if hup.swap(false, Ordering::Relaxed) {
                    reload();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            shutdown.trigger();
        })
        .context("starting the signal watcher")?;
    Ok(())
}
