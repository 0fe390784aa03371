//! Event sources. Each input binds (or opens) in `start`, so errors surface before the monitor
//! reports itself running, then runs as tokio tasks feeding the bounded queue.

pub(crate) mod fuzzing;
mod guard;
mod lumberjack;
mod syslog;
mod tail;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::mpsc;
use ward_event::Event;

use crate::MonitorError;
use crate::config::{InputConfig, PipelineConfig};
use crate::decode::{Decoder, Envelope};
use crate::metrics::{DropReason, Metrics};
use crate::pipeline::Batch;
use crate::shutdown::Shutdown;
use crate::store::Offset;

/// What every input shares.
#[derive(Clone)]
pub(crate) struct InputContext {
    pub name: Arc<str>,
    pub queue: mpsc::Sender<Batch>,
    pub decoder: Arc<dyn Decoder>,
    pub metrics: Arc<Metrics>,
    pub shutdown: Shutdown,
    pub max_message: usize,
}

impl InputContext {
    /// Decodes one payload, counting it in and counting failures as drops.
    pub fn decode(&self, payload: &[u8], envelope: &Envelope<'_>, out: &mut Vec<Event>) {
        self.metrics.add_in(1);
        let before = out.len();
        match self.decoder.decode(payload, envelope, out) {
            Ok(()) => self.metrics.add_parsed((out.len() - before) as u64),
            Err(message) => {
                self.metrics.add_dropped(DropReason::Unparsed, 1);
                tracing::debug!(input = %self.name, %message, "payload dropped");
            }
        }
    }
}

/// Binds or opens every configured input; returns the bound addresses by input name.
pub(crate) async fn start(
    inputs: &[InputConfig],
    pipeline: &PipelineConfig,
    offsets: Vec<Offset>,
    base: InputContextBase,
) -> Result<Vec<(String, SocketAddr)>, MonitorError> {
    let mut bound = Vec::new();
    let offsets = Arc::new(offsets);
    for input in inputs {
        let ctx = InputContext {
            name: Arc::from(input.name()),
            queue: base.queue.clone(),
            decoder: Arc::clone(&base.decoder),
            metrics: Arc::clone(&base.metrics),
            shutdown: base.shutdown.clone(),
            max_message: pipeline.max_message_bytes,
        };
        match input {
            InputConfig::SyslogUdp { listen, .. } => bound.push((
                input.name().to_string(),
                syslog::start_udp(*listen, ctx).await?,
            )),
            InputConfig::SyslogTcp { listen, tls, .. } => {
                let tls = crate::tls::optional(tls.as_ref(), input.name())?;
                let limits = input.limits().unwrap_or_default();
                bound.push((
                    input.name().to_string(),
                    syslog::start_tcp(*listen, tls, limits, ctx).await?,
                ))
            }
            InputConfig::Lumberjack { listen, tls, .. } => {
                let tls = crate::tls::optional(tls.as_ref(), input.name())?;
                let limits = input.limits().unwrap_or_default();
                bound.push((
                    input.name().to_string(),
                    lumberjack::start(*listen, tls, limits, ctx).await?,
                ))
            }
            InputConfig::Tail {
                path,
                suffix,
                poll_ms,
                ..
            } => tail::start(
                path.clone(),
                suffix.clone(),
                *poll_ms,
                Arc::clone(&offsets),
                ctx,
            ),
        }
    }
    Ok(bound)
}

/// The shared parts inputs are built from.
pub(crate) struct InputContextBase {
    pub queue: mpsc::Sender<Batch>,
    pub decoder: Arc<dyn Decoder>,
    pub metrics: Arc<Metrics>,
    pub shutdown: Shutdown,
}

/// An accepted connection; a failed accept (out of file descriptors and the like) is logged
/// and waited out briefly rather than spun on.
pub(crate) async fn accepted(
    result: std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
    input: &str,
) -> Option<(tokio::net::TcpStream, SocketAddr)> {
    match result {
        Ok(accepted) => Some(accepted),
        Err(e) => {
            tracing::warn!(input, error = %e, "accept failed");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            None
        }
    }
}

/// Binds a TCP listener, naming the input on failure.
pub(crate) async fn bind_tcp(
    listen: SocketAddr,
    name: &str,
) -> Result<tokio::net::TcpListener, MonitorError> {
    tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| MonitorError::Bind {
            input: name.to_string(),
            address: listen,
            source,
        })
}
