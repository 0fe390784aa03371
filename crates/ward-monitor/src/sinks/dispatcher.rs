//! One sink's delivery loop. An `event` sink walks the committed alerts with its cursor; a
//! grouping sink first folds them into its groups and outbox (one transaction per step, with
//! the wall clock, so group timers resume after a restart), then walks the outbox.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{Notification, Sink};
use crate::MonitorError;
use crate::config::{Delivery, Granularity, SinkConfig};
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::{Store, now_millis};

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often a sink looks for work when nothing wakes it.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Alerts or notifications read per step.
const BATCH: usize = 256;

/// Runs one sink's delivery loop until `drain` is triggered and nothing is left to send.
pub(crate) struct Dispatcher {
    pub name: String,
    pub sink: Sink,
    pub delivery: Delivery,
    pub store: Store,
    pub committed: Arc<Notify>,
    pub drain: Shutdown,
    /// Stop at the next notification boundary, delivering nothing more (an abrupt stop).
    pub halt: Shutdown,
    pub metrics: Arc<Metrics>,
}

impl Dispatcher {
    /// Opens the sink's own store connection.
    pub(crate) fn new(
        config: &SinkConfig,
        state: &Path,
        committed: Arc<Notify>,
        (drain, halt): (Shutdown, Shutdown),
        metrics: Arc<Metrics>,
    ) -> Result<Self, MonitorError> {
        Ok(Dispatcher {
            name: config.name().to_string(),
            sink: Sink::new(&config.kind)?,
            delivery: config.delivery.clone(),
            store: Store::open(state)?,
            committed,
            drain,
            halt,
            metrics,
        })
    }

    /// Delivers in order, forever or until drained.
    pub(crate) async fn run(self) {
        if self.delivery.granularity == Granularity::Event {
            self.run_events().await
        } else {
            self.run_grouped().await
        }
    }

    /// `event`: every committed alert, in seq order.
    async fn run_events(mut self) {
        let Some(mut cursor) = self.read(|s, name| s.sink_cursor(name), "delivery cursor") else {
            return;
        };
        loop {
            let committed = Arc::clone(&self.committed);
            // Registered before reading, so a commit between the read and the wait still wakes us.
            let woken = committed.notified();
            let alerts = self
                .read(|s, _| s.alerts_after(cursor, BATCH), "alerts")
                .unwrap_or_default();
            if alerts.is_empty() {
                if self.drain.is_triggered() || !idle(woken, None, &self.drain, &self.halt).await {
                    return;
                }
                continue;
            }
            for alert in alerts {
                if self.halt.is_triggered()
                    || !self
                        .deliver_with_retry(&Notification::of_alert(&alert))
                        .await
                {
                    return; // draining and the sink is down: the alert waits for the next start
                }
                cursor = alert.seq;
                self.write(|s, name| s.set_sink_cursor(name, cursor));
            }
        }
    }

    /// `group` and `incident`: fold, then deliver the outbox.
    async fn run_grouped(mut self) {
        let Some(mut folded) = self.read(|s, name| s.sink_cursor(name), "delivery cursor") else {
            return;
        };
        let Some(mut delivered) = self.read(|s, name| s.outbox_cursor(name), "outbox cursor")
        else {
            return;
        };
        // When the next pending group falls due: unknown (`None`) until the first step.
        let mut next_due: Option<Option<i64>> = None;
        loop {
            let committed = Arc::clone(&self.committed);
            let woken = committed.notified();
            let alerts = self
                .read(|s, _| s.alerts_after(folded, BATCH), "alerts")
                .unwrap_or_default();
            // Only this task changes the sink's groups: with no new alerts and no timer due,
            // there is nothing to write (and no need to take the write lock).
            let now = now_millis();
            let idle_groups = next_due.is_some_and(|due| due.is_none_or(|t| t > now));
            let folded_some = if alerts.is_empty() && idle_groups {
                false
            } else {
                let (delivery, name) = (self.delivery.clone(), self.name.clone());
                let step = tokio::task::block_in_place(|| {
                    self.store.fold_for_sink(&name, &delivery, &alerts, now)
                });
                match step {
                    Ok(due) => {
                        if let Some(last) = alerts.last() {
                            folded = last.seq;
                        }
                        next_due = Some(due);
                        !alerts.is_empty()
                    }
                    Err(e) => {
                        tracing::error!(sink = %self.name, error = %e, "cannot fold alerts into groups");
                        next_due = None;
                        false
                    }
                }
            };
            let notes = self
                .read(|s, name| s.outbox_after(name, delivered, BATCH), "outbox")
                .unwrap_or_default();
            let sent_some = !notes.is_empty();
            for entry in notes {
                let id = entry.id;
                if self.halt.is_triggered()
                    || !self
                        .deliver_with_retry(&Notification::of_entry(entry))
                        .await
                {
                    return; // it stays in the outbox for the next start
                }
                delivered = id;
                self.write(|s, name| s.set_outbox_cursor(name, id));
            }
            let busy = folded_some || sent_some;
            if !busy
                && (self.drain.is_triggered()
                    || !idle(woken, next_due.flatten(), &self.drain, &self.halt).await)
            {
                return;
            }
        }
    }

    /// Reads from the store off the async workers; logs and gives `None` on failure.
    fn read<T>(
        &self,
        f: impl FnOnce(&Store, &str) -> Result<T, MonitorError>,
        what: &str,
    ) -> Option<T> {
        match tokio::task::block_in_place(|| f(&self.store, &self.name)) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::error!(sink = %self.name, error = %e, "cannot read {what}");
                None
            }
        }
    }

    fn write(&self, f: impl FnOnce(&Store, &str) -> Result<(), MonitorError>) {
        if let Err(e) = tokio::task::block_in_place(|| f(&self.store, &self.name)) {
            tracing::error!(sink = %self.name, error = %e, "cannot store delivery cursor");
        }
    }

    /// True once delivered; false on a halt, or when draining and delivery keeps failing.
    async fn deliver_with_retry(&mut self, note: &Notification) -> bool {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.sink.deliver(note).await {
                Ok(()) => {
                    self.metrics.add_delivery(true);
                    return true;
                }
                Err(message) => {
                    self.metrics.add_delivery(false);
                    tracing::warn!(sink = %self.name, key = %note.key, %message, retry_in = ?backoff, "delivery failed");
                    if self.drain.is_triggered() || self.halt.is_triggered() {
                        return false;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = self.drain.wait() => {}
                        _ = self.halt.wait() => return false,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// Waits for a commit, the next group timer, the idle poll or a stop; false on a halt.
async fn idle(
    woken: tokio::sync::futures::Notified<'_>,
    due_ms: Option<i64>,
    drain: &Shutdown,
    halt: &Shutdown,
) -> bool {
    let wait = due_ms.map_or(IDLE_POLL, |due| {
        let ms = u64::try_from(due.saturating_sub(now_millis())).unwrap_or(0);
        Duration::from_millis(ms).min(IDLE_POLL)
    });
    tokio::select! {
        _ = woken => true,
        _ = tokio::time::sleep(wait) => true,
        _ = drain.wait() => true,
        _ = halt.wait() => false,
    }
}
