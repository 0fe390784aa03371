//! The single consumer of the input queue: runs the detector over each event and, every
//! `commit_ms`, commits the new alerts, the inputs' offsets and the detector checkpoint in one
//! transaction, then acknowledges Beats windows and wakes the sinks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::{Notify, mpsc, oneshot};
use ward_event::Event;

use crate::MonitorError;
use crate::alert::{Alert, Detector};
use crate::forward::Forwarder;
use crate::metrics::Metrics;
use crate::store::{Offset, Store};

/// What an input hands the pipeline: events, and what to do once they are committed.
pub(crate) struct Batch {
    pub events: Vec<Event>,
    pub progress: Progress,
}

/// The durable progress a batch represents.
pub(crate) enum Progress {
    /// Nothing to record (syslog has no replay).
    None,
    /// A tailed file was read up to here.
    Offset(Offset),
    /// Tell the Beats client its window is safe once committed.
    Ack(oneshot::Sender<()>),
}

/// Everything the pipeline thread needs.
pub(crate) struct Pipeline {
    pub store: Store,
    pub detector: Box<dyn Detector>,
    pub queue: mpsc::Receiver<Batch>,
    pub metrics: Arc<Metrics>,
    pub committed: Arc<Notify>,
    pub commit_every: Duration,
    /// Set by an abrupt stop (crash simulation): exit without committing.
    pub aborted: Arc<AtomicBool>,
    /// Stores each window's events upstream before anything is committed or acknowledged.
    pub forwarder: Option<Box<dyn Forwarder>>,
    /// Run the detector (off when only forwarding).
    pub detect: bool,
    /// Events without a replayable origin handed to the forwarder so far.
    pub live: u64,
}

/// What has been processed since the last commit.
#[derive(Default)]
struct Pending {
    alerts: Vec<Alert>,
    offsets: BTreeMap<String, Offset>,
    acks: Vec<oneshot::Sender<()>>,
    events: u64,
    /// The window's events, kept for the forwarder, and their live numbers (see [`Forwarder`]).
    forward: Vec<Event>,
    live: Vec<Option<u64>>,
}

impl Pipeline {
    /// Restores the detector from the last checkpoint.
    pub fn restore(&mut self) -> Result<(), MonitorError> {
        if let Some(state) = self.store.checkpoint()? {
            self.detector.restore(&state);
        }
        Ok(())
    }

    /// Runs until every input has hung up (graceful stop) or the run is aborted.
    pub fn run(mut self, runtime: Handle) -> Result<(), MonitorError> {
        loop {
            let mut pending = Pending::default();
            let deadline = Instant::now() + self.commit_every;
            let open = self.gather(&runtime, deadline, &mut pending);
            if self.aborted.load(Ordering::SeqCst) {
                return Ok(());
            }
            self.commit(pending)?;
            if !open || self.aborted.load(Ordering::SeqCst) {
                return Ok(());
            }
        }
    }

    /// Receives and processes batches until the deadline; false once the queue is closed.
    fn gather(&mut self, runtime: &Handle, deadline: Instant, pending: &mut Pending) -> bool {
        loop {
            let next = runtime.block_on(async {
                tokio::time::timeout_at(deadline.into(), self.queue.recv()).await
            });
            let batch = match next {
                Ok(Some(batch)) => batch,
                Ok(None) => return false,
                Err(_elapsed) => return true,
            };
            if self.detect {
                for event in &batch.events {
                    pending.alerts.extend(self.detector.on_event(event));
                }
            }
            pending.events += batch.events.len() as u64;
            self.metrics.add_processed(batch.events.len() as u64);
            if self.forwarder.is_some() {
                let replayable = matches!(batch.progress, Progress::Offset(_));
                for _ in &batch.events {
                    pending.live.push((!replayable).then(|| {
                        self.live += 1;
                        self.live
                    }));
                }
                pending.forward.extend(batch.events);
            }
            match batch.progress {
                Progress::None => {}
                Progress::Offset(o) => {
                    pending.offsets.insert(o.input.clone(), o);
                }
                Progress::Ack(tx) => pending.acks.push(tx),
            }
            if self.aborted.load(Ordering::SeqCst) {
                return false;
            }
        }
    }

    /// Hands the window's events to the forwarder until it has stored them all (retrying,
    /// without committing or acknowledging anything, while it fails); false if aborted meanwhile.
    fn forward(&mut self, events: &[Event], live: &[Option<u64>]) -> bool {
        let Some(forwarder) = self.forwarder.as_mut() else {
            return true;
        };
        if events.is_empty() {
            return true;
        }
        loop {
            match forwarder.forward(events, live) {
                Ok(()) => return true,
                Err(e) => {
                    tracing::warn!(error = %e, events = events.len(), "forwarding failed; retrying, inputs not acknowledged");
                }
            }
            for _ in 0..10 {
                if self.aborted.load(Ordering::SeqCst) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn commit(&mut self, mut pending: Pending) -> Result<(), MonitorError> {
        let events = std::mem::take(&mut pending.forward);
        let live = std::mem::take(&mut pending.live);
        if !self.forward(&events, &live) {
            return Ok(());
        }
        if self.detect {
            pending.alerts.extend(self.detector.on_tick());
        }
        if pending.alerts.is_empty()
            && pending.events == 0
            && pending.offsets.is_empty()
            && pending.acks.is_empty()
        {
            return Ok(());
        }
        let checkpoint = (self.detect && pending.events > 0).then(|| self.detector.checkpoint());
        let offsets: Vec<Offset> = pending.offsets.into_values().collect();
        let new = self
            .store
            .commit(&pending.alerts, &offsets, checkpoint.as_deref())?;
        self.metrics
            .add_alerts(new, pending.alerts.len() as u64 - new);
        for ack in pending.acks {
            // A closed receiver means the client went away; its window will be resent.
            let _ = ack.send(());
        }
        if new > 0 {
            self.committed.notify_waiters();
        }
        Ok(())
    }
}
