//! `ward monitor`: the hunt's rules on live log streams. `ward-monitor` owns the inputs, the
//! durable state, the alert sinks and the dashboard; this module supplies the detection step
//! (Ward's built-in rules plus the user's) and the dashboard's case view.

use anyhow::{Context, Result};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ward_analytics::Case;
use ward_analytics::case::Detection;
use ward_event::{Event, Level, Timestamp};
use ward_monitor::{Alert, CaseView, Detector, IngestDecoder, Monitor, MonitorConfig, Shutdown};
use ward_sigma::RuleSet;

use crate::cli::MonitorArgs;
use crate::{exit, output};

/// Detections kept for the dashboard's case view (the newest; older ones stay in the state DB).
const CASE_VIEW_DETECTIONS: usize = 5_000;

/// Runs `ward monitor` until SIGINT or SIGTERM.
pub fn run(args: MonitorArgs) -> Result<u8> {
    let config = MonitorConfig::from_file(&args.config)
        .with_context(|| format!("reading monitor configuration {}", args.config.display()))?;
    let (rules, summary) = crate::hunt::load_rules(&args.rules)?;
    let recent = Arc::new(Mutex::new(VecDeque::new()));
    let detector = RuleDetector {
        rules: Arc::new(rules),
        min_level: args.min_level,
        recent: Arc::clone(&recent),
    };
    let view: CaseView = Arc::new(move || render_case(&recent, &summary));

    let shutdown = Shutdown::new();
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
    watch_signals(shutdown)?;
    running.wait().context("monitor stopped with an error")?;
    Ok(exit::OK)
}

/// Triggers `shutdown` on SIGINT or SIGTERM.
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

/// Sigma rules over each live event; every standalone rule match at or above `min_level` is an
/// alert. Matching is stateless, so there is nothing to checkpoint.
struct RuleDetector {
    rules: Arc<RuleSet>,
    min_level: Level,
    recent: Arc<Mutex<VecDeque<Detection>>>,
}

impl Detector for RuleDetector {
    fn on_event(&mut self, event: &Event) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let rules = Arc::clone(&self.rules);
        rules.matches(event, &mut |idx| {
            let rule = rules.rule(idx);
            if !rule.standalone || rule.level < self.min_level {
                return;
            }
            let detection = output::rule_detection(&rules, idx, event);
            alerts.push(Alert {
                key: alert_key(&detection, event),
                time: detection.time,
                host: detection.host.clone(),
                rule_id: detection.rule_id.clone(),
                title: detection.title.clone(),
                level: detection.level,
                evidence: serde_json::to_value(&detection).unwrap_or(serde_json::Value::Null),
            });
            if let Ok(mut recent) = self.recent.lock() {
                if recent.len() == CASE_VIEW_DETECTIONS {
                    recent.pop_front();
                }
                recent.push_back(detection);
            }
        });
        alerts
    }

    fn checkpoint(&self) -> Vec<u8> {
        Vec::new()
    }

    fn restore(&mut self, _state: &[u8]) {}
}

/// The same event seen again (a resent syslog line, a re-read file after a crash) gives the same
/// key, so the store de-duplicates it: rule, host, and the log's record id or the event time.
fn alert_key(d: &Detection, event: &Event) -> String {
    match event.record_id {
        Some(id) => format!("{}|{}|{}|{}", d.rule_id, d.host, event.source.label(), id),
        None => format!(
            "{}|{}|{}|{}",
            d.rule_id,
            d.host,
            event.source.label(),
            d.time.as_nanos()
        ),
    }
}

/// The dashboard's case: the recent detections, rendered as the hunt's HTML report.
fn render_case(
    recent: &Mutex<VecDeque<Detection>>,
    rules: &ward_analytics::case::RuleSummary,
) -> String {
    let mut case = Case::new(
        env!("CARGO_PKG_VERSION"),
        Timestamp::from_jiff(jiff::Timestamp::now()),
    );
    case.rules = rules.clone();
    if let Ok(recent) = recent.lock() {
        case.detections = recent.iter().cloned().collect();
    }
    let mut html = Vec::new();
    match ward_report::write_html(&case, &mut html) {
        Ok(()) => String::from_utf8_lossy(&html).into_owned(),
        Err(e) => format!("report could not be rendered: {e}"),
    }
}
