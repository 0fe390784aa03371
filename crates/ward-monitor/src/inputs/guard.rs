//! The TCP inputs' defences against idle, slow and too many senders (slowloris): a cap on
//! connections per input, an idle timeout between messages and a frame timeout from a
//! message's first byte to its last. Time the monitor itself spends waiting (a full queue, a
//! pending commit) is never held against the sender.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::config::ConnectionLimits;

/// Connections an input serves at once.
#[derive(Clone)]
pub(crate) struct ConnectionCap {
    permits: Arc<Semaphore>,
    max: usize,
}

impl ConnectionCap {
    pub(crate) fn new(max: usize) -> Self {
        ConnectionCap {
            permits: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// A permit held for the connection's life, or None (the caller closes it) at the cap.
    pub(crate) fn admit(&self, input: &str, peer: SocketAddr) -> Option<OwnedSemaphorePermit> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().ok();
        if permit.is_none() {
            tracing::warn!(input, %peer, max = self.max, "connection refused: at max_connections");
        }
        permit
    }
}

/// When a connection's next read must have arrived.
pub(crate) struct Deadlines {
    limits: ConnectionLimits,
    last_read: Instant,
    /// When the message now partly received began.
    frame_started: Option<Instant>,
}

impl Deadlines {
    pub(crate) fn new(limits: ConnectionLimits) -> Self {
        Deadlines {
            limits,
            last_read: Instant::now(),
            frame_started: None,
        }
    }

    /// The instant the next read must complete by.
    pub(crate) fn next(&self) -> Instant {
        match self.frame_started {
            Some(start) => start + self.limits.frame_timeout,
            None => self.last_read + self.limits.idle_timeout,
        }
    }

    /// Why the connection was cut when [`Deadlines::next`] passed.
    pub(crate) fn reason(&self) -> String {
        match self.frame_started {
            Some(_) => format!(
                "a message took longer than frame_timeout ({:?}) to arrive",
                self.limits.frame_timeout
            ),
            None => format!("idle for idle_timeout ({:?})", self.limits.idle_timeout),
        }
    }

    /// After a read: `completed` when a message ended in it, `partial` when bytes of an
    /// unfinished one are waiting.
    pub(crate) fn read(&mut self, completed: bool, partial: bool) {
        let now = Instant::now();
        self.last_read = now;
        self.frame_started = match (partial, completed, self.frame_started) {
            (false, _, _) => None,
            (true, true, _) | (true, false, None) => Some(now),
            (true, false, Some(start)) => Some(start),
        };
    }

    /// The monitor kept the connection waiting for `waited` (queue, commit): extend both clocks.
    pub(crate) fn excuse(&mut self, waited: Duration) {
        self.last_read += waited;
        if let Some(start) = self.frame_started.as_mut() {
            *start += waited;
        }
    }
}
