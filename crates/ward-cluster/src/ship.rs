//! Shipping a site's events to the raw stream, each with a `Nats-Msg-Id` made of the site and
//! the event's origin (file and position), so an edge that restarts and ships again has its
//! repeats dropped by JetStream instead of counted twice.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use bytes::Bytes;
use ward_event::Event;

use crate::{ClusterError, SiteId, wire};

/// Publishes awaiting their acknowledgement at a time.
const WINDOW: usize = 512;
/// Attempts at one event before the ship gives up.
const ATTEMPTS: u32 = 30;

/// What a ship did.
#[derive(Debug, Default, Clone)]
pub struct ShipReport {
    /// Events stored by JetStream.
    pub stored: u64,
    /// Events JetStream already had (same `Nats-Msg-Id` within the de-duplication window).
    pub duplicates: u64,
    /// The raw stream sequence of the last event acknowledged.
    pub last_sequence: u64,
    /// Wall time of the ship.
    pub seconds: f64,
}

/// The event's de-duplication id: the site and where the event was read.
pub fn message_id(site: &SiteId, event: &Event) -> String {
    format!(
        "{site}|{}|{}|{}",
        event.origin.file,
        event.origin.position,
        event.time.as_nanos()
    )
}

/// Publishes `events` in order and waits until JetStream has stored each (or recognised it as
/// a duplicate). After a failure (a node gone, a leader election) it resends from the first
/// event not yet acknowledged, so nothing is skipped; `progress` sees the count acknowledged.
pub async fn ship(
    js: &jetstream::Context,
    site: &SiteId,
    events: &[Event],
    progress: impl FnMut(u64),
) -> Result<ShipReport, ClusterError> {
    ship_with_ids(js, site, events, |_, e| message_id(site, e), progress).await
}

/// [`ship`] with the `Nats-Msg-Id` of `events[i]` given by `id(i, event)` (the live monitor's
/// forwarder tells apart syslog and Beats events that share an origin).
pub async fn ship_with_ids(
    js: &jetstream::Context,
    site: &SiteId,
    events: &[Event],
    id: impl Fn(usize, &Event) -> String,
    mut progress: impl FnMut(u64),
) -> Result<ShipReport, ClusterError> {
    let started = Instant::now();
    let mut report = ShipReport::default();
    let mut next = 0usize;
    let mut failures = 0u32;
    let mut inflight: VecDeque<(usize, PublishAckFuture)> = VecDeque::new();
    while next < events.len() || !inflight.is_empty() {
        let mut failed = None;
        while next < events.len() && inflight.len() < WINDOW {
            let event = &events[next];
            let message = PublishMessage::build()
                .message_id(id(next, event))
                .payload(Bytes::from(wire::encode(event)));
            match js
                .send_publish(site.raw_subject(&event.source.label()), message)
                .await
            {
                Ok(ack) => inflight.push_back((next, ack)),
                Err(e) => {
                    failed = Some((next, ClusterError::nats("publishing an event", e)));
                    break;
                }
            }
            next += 1;
        }
        if failed.is_none()
            && let Some((index, ack)) = inflight.pop_front()
        {
            match ack.await {
                Ok(ack) => {
                    failures = 0;
                    if ack.duplicate {
                        report.duplicates += 1;
                    } else {
                        report.stored += 1;
                    }
                    report.last_sequence = report.last_sequence.max(ack.sequence);
                    progress(report.stored + report.duplicates);
                }
                Err(e) => failed = Some((index, ClusterError::nats("storing an event", e))),
            }
        }
        if let Some((index, error)) = failed {
            failures += 1;
            if failures >= ATTEMPTS {
                return Err(error);
            }
            // Resend everything from the first unacknowledged event; what was stored
            // meanwhile comes back as a duplicate.
            let first = inflight.front().map_or(index, |(i, _)| (*i).min(index));
            inflight.clear();
            next = first;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
