//! Counters exposed on `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why an event or message was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The queue to the detector was full (UDP only; TCP inputs wait instead).
    QueueFull,
    /// The payload could not be turned into an event.
    Unparsed,
    /// The message exceeded `pipeline.max_message_bytes`.
    Oversize,
}

impl DropReason {
    const ALL: [DropReason; 3] = [
        DropReason::QueueFull,
        DropReason::Unparsed,
        DropReason::Oversize,
    ];

    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Unparsed => "unparsed",
            DropReason::Oversize => "oversize",
        }
    }
}

/// Lock-free counters shared by inputs, pipeline and sinks.
#[derive(Debug, Default)]
pub struct Metrics {
    events_in: AtomicU64,
    events_parsed: AtomicU64,
    events_processed: AtomicU64,
    dropped: [AtomicU64; 3],
    alerts_out: AtomicU64,
    alerts_duplicate: AtomicU64,
    alerts_delivered: AtomicU64,
    delivery_failures: AtomicU64,
}

impl Metrics {
    /// Counts messages received from the wire or a file.
    pub fn add_in(&self, n: u64) {
        self.events_in.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts events decoded.
    pub fn add_parsed(&self, n: u64) {
        self.events_parsed.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts events the detector saw.
    pub fn add_processed(&self, n: u64) {
        self.events_processed.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts a drop.
    pub fn add_dropped(&self, reason: DropReason, n: u64) {
        let i = DropReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        if let Some(c) = self.dropped.get(i) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }
    /// Counts new (not duplicate) alerts committed.
    pub fn add_alerts(&self, new: u64, duplicate: u64) {
        self.alerts_out.fetch_add(new, Ordering::Relaxed);
        self.alerts_duplicate
            .fetch_add(duplicate, Ordering::Relaxed);
    }
    /// Counts one delivery to a sink, or one failed attempt.
    pub fn add_delivery(&self, ok: bool) {
        let c = if ok {
            &self.alerts_delivered
        } else {
            &self.delivery_failures
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot: (events_in, events_parsed, events_processed, alerts_out).
    pub fn totals(&self) -> (u64, u64, u64, u64) {
        (
            self.events_in.load(Ordering::Relaxed),
            self.events_parsed.load(Ordering::Relaxed),
            self.events_processed.load(Ordering::Relaxed),
            self.alerts_out.load(Ordering::Relaxed),
        )
    }

    /// Events dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        let i = DropReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        self.dropped.get(i).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "events_in",
            "Messages received by inputs.",
            self.events_in.load(Ordering::Relaxed),
        );
        counter(
            "events_parsed",
            "Events decoded from messages.",
            self.events_parsed.load(Ordering::Relaxed),
        );
        counter(
            "events_processed",
            "Events run through the detector.",
            self.events_processed.load(Ordering::Relaxed),
        );
        counter(
            "alerts_out",
            "New alerts committed.",
            self.alerts_out.load(Ordering::Relaxed),
        );
        counter(
            "alerts_duplicate",
            "Alerts dropped as duplicates by key.",
            self.alerts_duplicate.load(Ordering::Relaxed),
        );
        counter(
            "alerts_delivered",
            "Alert deliveries to sinks.",
            self.alerts_delivered.load(Ordering::Relaxed),
        );
        counter(
            "alert_delivery_failures",
            "Failed delivery attempts (retried).",
            self.delivery_failures.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP events_dropped Messages dropped, by reason.\n# TYPE events_dropped counter"
        );
        for reason in DropReason::ALL {
            let _ = writeln!(
                out,
                "events_dropped{{reason=\"{}\"}} {}",
                reason.as_str(),
                self.dropped(reason)
            );
        }
        out
    }
}
