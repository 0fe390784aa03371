//! Syslog over UDP (one message per datagram) and TCP (octet-counted per RFC 6587, or
//! newline framed, detected per message). Headers are parsed loosely (RFC 3164 and 5424).

use std::net::SocketAddr;

use syslog_loose::Variant;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::UdpSocket;
use ward_event::{Event, Timestamp, Value};

use super::InputContext;
use super::guard::{ConnectionCap, Deadlines};
use crate::MonitorError;
use crate::config::ConnectionLimits;
use crate::decode::Envelope;
use crate::metrics::DropReason;
use crate::pipeline::{Batch, Progress};
use crate::tls::Acceptor;

/// Binds the UDP socket and spawns the receive loop.
pub(super) async fn start_udp(
    listen: SocketAddr,
    ctx: InputContext,
) -> Result<SocketAddr, MonitorError> {
    let bind_err = |source| MonitorError::Bind {
        input: ctx.name.to_string(),
        address: listen,
        source,
    };
    let socket = UdpSocket::bind(listen).await.map_err(bind_err)?;
    let local = socket.local_addr().map_err(bind_err)?;
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        loop {
            let received = tokio::select! {
                r = socket.recv_from(&mut buf) => r,
                _ = ctx.shutdown.wait() => return,
            };
            let Ok((n, _peer)) = received else { continue };
            let datagram = buf.get(..n).unwrap_or_default();
            if n > ctx.max_message {
                ctx.metrics.add_in(1);
                ctx.metrics.add_dropped(DropReason::Oversize, 1);
                continue;
            }
            let mut events = Vec::with_capacity(1);
            decode_message(&ctx, datagram, &mut events);
            if events.is_empty() {
                continue;
            }
            let count = events.len() as u64;
            // UDP senders cannot be slowed down, so a full queue drops and counts.
            if ctx
                .queue
                .try_send(Batch {
                    events,
                    progress: Progress::None,
                })
                .is_err()
            {
                ctx.metrics.add_dropped(DropReason::QueueFull, count);
            }
        }
    });
    Ok(local)
}

/// Binds the TCP listener and spawns one task per connection, up to `limits.max_connections`.
pub(super) async fn start_tcp(
    listen: SocketAddr,
    tls: Option<Acceptor>,
    limits: ConnectionLimits,
    ctx: InputContext,
) -> Result<SocketAddr, MonitorError> {
    let listener = super::bind_tcp(listen, &ctx.name).await?;
    let local = listener.local_addr().map_err(|source| MonitorError::Bind {
        input: ctx.name.to_string(),
        address: listen,
        source,
    })?;
    let cap = ConnectionCap::new(limits.max_connections);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = ctx.shutdown.wait() => return,
            };
            let Some((stream, peer)) = super::accepted(accepted, &ctx.name).await else {
                continue;
            };
            let Some(permit) = cap.admit(&ctx.name, peer) else {
                drop(stream);
                continue;
            };
            let ctx = ctx.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _permit = permit;
                match tls {
                    None => read_tcp(stream, peer, limits, ctx).await,
                    Some(acceptor) => {
                        match crate::tls::accept(&acceptor, stream, limits.frame_timeout).await {
                            Ok(stream) => read_tcp(stream, peer, limits, ctx).await,
                            Err(message) => {
                                tracing::warn!(input = %ctx.name, %peer, %message, "syslog client refused")
                            }
                        }
                    }
                }
            });
        }
    });
    Ok(local)
}

/// Reads frames until the peer closes or times out; a full queue blocks here, which stops
/// reading and lets TCP flow control push back on the sender.
async fn read_tcp<S: AsyncRead + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    limits: ConnectionLimits,
    ctx: InputContext,
) {
    let mut framer = Framer::new(ctx.max_message);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut deadlines = Deadlines::new(limits);
    loop {
        let n = tokio::select! {
            r = tokio::time::timeout_at(deadlines.next(), stream.read(&mut chunk)) => match r {
                Ok(Ok(0) | Err(_)) => break,
                Ok(Ok(n)) => n,
                Err(_) => {
                    // A slow sender's partial message is dropped, not decoded.
                    tracing::warn!(input = %ctx.name, %peer, reason = %deadlines.reason(), "syslog connection closed");
                    return;
                }
            },
            _ = ctx.shutdown.wait() => break,
        };
        framer.push(chunk.get(..n).unwrap_or_default());
        let mut events = Vec::new();
        let mut completed = false;
        while let Some(frame) = framer.next_frame() {
            completed = true;
            match frame {
                Ok(message) => decode_message(&ctx, &message, &mut events),
                Err(reason) => {
                    ctx.metrics.add_in(1);
                    ctx.metrics.add_dropped(reason, 1);
                }
            }
        }
        deadlines.read(completed, framer.has_partial());
        let waiting = tokio::time::Instant::now();
        if !events.is_empty()
            && ctx
                .queue
                .send(Batch {
                    events,
                    progress: Progress::None,
                })
                .await
                .is_err()
        {
            return;
        }
        deadlines.excuse(waiting.elapsed());
    }
    // A last message without a trailing newline still counts.
    if let Some(message) = framer.rest() {
        let mut events = Vec::new();
        decode_message(&ctx, &message, &mut events);
        if !events.is_empty() {
            let _ = ctx
                .queue
                .send(Batch {
                    events,
                    progress: Progress::None,
                })
                .await;
        }
    }
}

/// Parses the syslog header and decodes the payload, adding header facts as fields.
fn decode_message(ctx: &InputContext, raw: &[u8], out: &mut Vec<Event>) {
    parse_message(
        raw,
        &mut |payload, envelope, out| ctx.decode(payload, envelope, out),
        out,
    );
}

/// Decodes a message's payload, given the header's envelope, into events.
pub(crate) type PayloadDecoder<'a> = dyn FnMut(&[u8], &Envelope<'_>, &mut Vec<Event>) + 'a;

/// The syslog header of `raw` parsed; its payload handed to `decode` with the header's host and
/// time, and its app name, facility and severity added to the events `decode` appended.
pub(crate) fn parse_message(raw: &[u8], decode: &mut PayloadDecoder<'_>, out: &mut Vec<Event>) {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\r', '\n', '\0']);
    let message = syslog_loose::parse_message(text, Variant::Either);
    let time = message
        .timestamp
        .and_then(|t| t.timestamp_nanos_opt())
        .map(Timestamp::from_nanos);
    let envelope = Envelope {
        origin: None,
        host: message.hostname,
        time,
    };
    let before = out.len();
    decode(message.msg.as_bytes(), &envelope, out);
    for event in out.iter_mut().skip(before) {
        if let Some(app) = message.appname {
            add_missing(event, "AppName", Value::from(app));
        }
        if let Some(facility) = message.facility {
            add_missing(event, "Facility", Value::from(facility.as_str()));
        }
        if let Some(severity) = message.severity {
            add_missing(event, "Severity", Value::from(severity.as_str()));
        }
    }
}

fn add_missing(event: &mut Event, name: &str, value: Value) {
    if event.fields.get(name).is_none() {
        event.fields.push(name, value);
    }
}

/// Splits a TCP byte stream into syslog messages. Consumed bytes are only dropped on the next
/// `push`, so a chunk of many small messages costs one copy, not one per message.
pub(crate) struct Framer {
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    pos: usize,
    max: usize,
    /// Bytes still to discard from an oversize octet-counted frame.
    skip: usize,
    /// Discarding an oversize newline-framed message up to its newline.
    skip_line: bool,
}

impl Framer {
    /// An empty framer accepting messages up to `max` bytes.
    pub(crate) fn new(max: usize) -> Self {
        Framer {
            buf: Vec::new(),
            pos: 0,
            max,
            skip: 0,
            skip_line: false,
        }
    }

    /// Appends received bytes.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.pos.min(self.buf.len()));
        self.pos = 0;
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        self.buf
            .extend_from_slice(bytes.get(skipped..).unwrap_or_default());
    }

    fn pending(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The next complete message, an oversize drop, or None when more bytes are needed.
    pub(crate) fn next_frame(&mut self) -> Option<Result<Vec<u8>, DropReason>> {
        if self.skip_line {
            let nl = memchr(b'\n', self.pending());
            self.pos += nl.map_or(self.pending().len(), |i| i + 1);
            nl?;
            self.skip_line = false;
        }
        self.pos += self
            .pending()
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r' | b'\0'))
            .count();
        let first = *self.pending().first()?;
        if first.is_ascii_digit()
            && let Some(result) = self.octet_counted()
        {
            return result;
        }
        match memchr(b'\n', self.pending()) {
            Some(i) if i <= self.max => {
                let message = self.pending().get(..i).unwrap_or_default().to_vec();
                self.pos += i + 1;
                Some(Ok(message))
            }
            Some(_) => {
                self.skip_line = true;
                Some(Err(DropReason::Oversize))
            }
            None if self.pending().len() > self.max => {
                self.pos = self.buf.len();
                self.skip_line = true;
                Some(Err(DropReason::Oversize))
            }
            None => None,
        }
    }

    /// `LEN SP MSG`: Some(None) when more bytes are needed; None when this is not a count.
    #[allow(clippy::option_option)]
    fn octet_counted(&mut self) -> Option<Option<Result<Vec<u8>, DropReason>>> {
        let data = self.pending();
        let digits = data.iter().take_while(|b| b.is_ascii_digit()).count();
        match data.get(digits) {
            None if digits < 10 => return Some(None),
            Some(b' ') => {}
            _ => return None,
        }
        let len: usize = std::str::from_utf8(data.get(..digits)?)
            .ok()?
            .parse()
            .ok()?;
        let body = digits + 1;
        if len > self.max {
            let available = data.len().saturating_sub(body).min(len);
            self.skip = len - available;
            self.pos += body + available;
            return Some(Some(Err(DropReason::Oversize)));
        }
        let Some(message) = data.get(body..body + len).map(<[u8]>::to_vec) else {
            return Some(None);
        };
        self.pos += body + len;
        Some(Some(Ok(message)))
    }

    /// True while bytes of an unfinished message wait (or an oversize one is being skipped).
    pub(crate) fn has_partial(&self) -> bool {
        self.skip > 0 || self.skip_line || !self.pending().is_empty()
    }

    /// Whatever is left when the peer closes (a final unterminated line).
    pub(crate) fn rest(&mut self) -> Option<Vec<u8>> {
        let rest = self.pending().to_vec();
        self.pos = self.buf.len();
        (!rest.is_empty() && !self.skip_line && self.skip == 0 && rest.len() <= self.max)
            .then_some(rest)
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|b| *b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &mut Framer) -> Vec<Result<String, DropReason>> {
        std::iter::from_fn(|| f.next_frame())
            .map(|r| r.map(|m| String::from_utf8(m).unwrap()))
            .collect()
    }

    #[test]
    fn mixes_octet_counting_and_newlines_across_chunks() {
        let mut f = Framer::new(100);
        f.push(b"11 <13>1 hello");
        f.push(b"<13>plain line\n5 ab");
        assert_eq!(
            frames(&mut f),
            vec![Ok("<13>1 hello".into()), Ok("<13>plain line".into())]
        );
        f.push(b"cd\n");
        assert_eq!(frames(&mut f), vec![Ok("abcd\n".into())]);
    }

    #[test]
    fn oversize_messages_are_skipped_and_counted() {
        let mut f = Framer::new(5);
        f.push(b"10 0123");
        assert_eq!(frames(&mut f), vec![Err(DropReason::Oversize)]);
        f.push(b"456789<1>ok\n");
        assert_eq!(frames(&mut f), vec![Ok("<1>ok".into())]);
        f.push(b"<1>too long\n<2>x\n");
        assert_eq!(
            frames(&mut f),
            vec![Err(DropReason::Oversize), Ok("<2>x".into())]
        );
    }
}
