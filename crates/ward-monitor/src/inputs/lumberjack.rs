//! Lumberjack v2, the Beats protocol. A client announces a window (`2W` + count), sends that
//! many data frames (`2J` JSON, or legacy `2D` key/value), possibly wrapped in zlib-compressed
//! `2C` frames, and waits for `2A` + the last sequence number. The ACK is sent only after the
//! pipeline has committed the window, so an unacknowledged window is resent after a crash.

use std::io::Read;
use std::net::SocketAddr;

use flate2::read::ZlibDecoder;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;
use ward_event::Event;

use super::InputContext;
use super::guard::{ConnectionCap, Deadlines};
use crate::MonitorError;
use crate::config::ConnectionLimits;
use crate::decode::Envelope;
use crate::pipeline::{Batch, Progress};
use crate::tls::Acceptor;

/// Largest decompressed `C` frame accepted, against zip bombs.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// Largest single frame payload accepted.
const MAX_FRAME: usize = 64 * 1024 * 1024;
/// How often a pending window is kept alive with an ACK of 0.
const KEEPALIVE: std::time::Duration = std::time::Duration::from_secs(5);
/// Events handed to the pipeline at a time within a window.
const BATCH: usize = 1024;

/// One decoded protocol frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The number of data frames before the client waits for an ACK.
    Window(u32),
    /// A JSON event.
    Json { seq: u32, payload: Vec<u8> },
    /// A legacy key/value event, re-encoded as a JSON object.
    Data { seq: u32, payload: Vec<u8> },
    /// Zlib-compressed frames.
    Compressed(Vec<u8>),
}

/// Parses one frame from the front of `buf`: Ok(None) when more bytes are needed, else the
/// frame and how many bytes it used. Errors describe the protocol violation.
pub(crate) fn parse_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, String> {
    let (Some(&version), Some(&kind)) = (buf.first(), buf.get(1)) else {
        return Ok(None);
    };
    if version != b'2' {
        return Err(format!(
            "unsupported protocol version byte 0x{version:02x} (expected '2')"
        ));
    }
    let u32_at = |at: usize| {
        buf.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match kind {
        b'W' => Ok(u32_at(2).map(|n| (Frame::Window(n), 6))),
        b'J' => {
            let (Some(seq), Some(len)) = (u32_at(2), u32_at(6)) else {
                return Ok(None);
            };
            let len = checked_len(len)?;
            Ok(buf.get(10..10 + len).map(|p| {
                (
                    Frame::Json {
                        seq,
                        payload: p.to_vec(),
                    },
                    10 + len,
                )
            }))
        }
        b'C' => {
            let Some(len) = u32_at(2) else {
                return Ok(None);
            };
            let len = checked_len(len)?;
            Ok(buf
                .get(6..6 + len)
                .map(|p| (Frame::Compressed(p.to_vec()), 6 + len)))
        }
        b'D' => parse_data(buf),
        other => Err(format!("unknown frame type 0x{other:02x}")),
    }
}

fn checked_len(len: u32) -> Result<usize, String> {
    let len = len as usize;
    if len > MAX_FRAME {
        Err(format!(
            "frame of {len} bytes exceeds the {MAX_FRAME}-byte limit"
        ))
    } else {
        Ok(len)
    }
}

/// `2D seq pairs (klen key vlen value)*`, turned into a JSON object.
fn parse_data(buf: &[u8]) -> Result<Option<(Frame, usize)>, String> {
    let u32_at = |at: usize| {
        buf.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(seq), Some(pairs)) = (u32_at(2), u32_at(6)) else {
        return Ok(None);
    };
    let mut at = 10;
    let mut object = serde_json::Map::new();
    for _ in 0..pairs {
        let mut text = [String::new(), String::new()];
        for slot in &mut text {
            let Some(len) = u32_at(at) else {
                return Ok(None);
            };
            let len = checked_len(len)?;
            let Some(bytes) = buf.get(at + 4..at + 4 + len) else {
                return Ok(None);
            };
            *slot = String::from_utf8_lossy(bytes).into_owned();
            at += 4 + len;
        }
        let [key, value] = text;
        object.insert(key, serde_json::Value::String(value));
    }
    let payload = serde_json::Value::Object(object).to_string().into_bytes();
    Ok(Some((Frame::Data { seq, payload }, at)))
}

/// Inflates a `C` frame and parses the frames inside it.
pub(crate) fn inflate(compressed: &[u8]) -> Result<Vec<Frame>, String> {
    let mut inflated = Vec::new();
    ZlibDecoder::new(compressed)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut inflated)
        .map_err(|e| format!("bad zlib data in compressed frame: {e}"))?;
    if inflated.len() as u64 > MAX_INFLATED {
        return Err(format!(
            "compressed frame inflates past {MAX_INFLATED} bytes"
        ));
    }
    let mut frames = Vec::new();
    let mut rest = inflated.as_slice();
    while !rest.is_empty() {
        match parse_frame(rest)? {
            Some((frame, used)) => {
                frames.push(frame);
                rest = rest.get(used..).unwrap_or_default();
            }
            None => return Err("compressed frame ends inside a frame".into()),
        }
    }
    Ok(frames)
}

/// Binds the listener and spawns one task per client, up to `limits.max_connections`.
pub(super) async fn start(
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
            let (ctx, tls) = (ctx.clone(), tls.clone());
            tokio::spawn(async move {
                let _permit = permit;
                let served = match tls {
                    None => serve(stream, limits, &ctx).await,
                    Some(acceptor) => {
                        match crate::tls::accept(&acceptor, stream, limits.frame_timeout).await {
                            Ok(stream) => serve(stream, limits, &ctx).await,
                            Err(message) => Err(message),
                        }
                    }
                };
                if let Err(message) = served {
                    tracing::warn!(input = %ctx.name, %peer, %message, "lumberjack connection closed");
                }
            });
        }
    });
    Ok(local)
}

/// One client's window state.
struct Window {
    expected: u32,
    received: u32,
    last_seq: u32,
    events: Vec<Event>,
}

/// Serves one client until it disconnects or breaks the protocol.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    limits: ConnectionLimits,
    ctx: &InputContext,
) -> Result<(), String> {
    let mut deadlines = Deadlines::new(limits);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut window = Window {
        expected: 0,
        received: 0,
        last_seq: 0,
        events: Vec::new(),
    };
    // Consumed bytes are dropped once per read, not once per frame.
    let mut start = 0;
    loop {
        let mut completed = false;
        let waiting = tokio::time::Instant::now();
        while let Some((frame, used)) = parse_frame(buf.get(start..).unwrap_or_default())? {
            start += used;
            completed = true;
            let frames = match frame {
                Frame::Compressed(data) => inflate(&data)?,
                other => vec![other],
            };
            for frame in frames {
                handle(frame, &mut window, ctx, &mut stream, limits.frame_timeout).await?;
            }
        }
        buf.drain(..start);
        start = 0;
        // Time spent handing events on and waiting for commits is the monitor's, not the
        // client's.
        deadlines.excuse(waiting.elapsed());
        deadlines.read(completed, !buf.is_empty());
        let n = tokio::select! {
            r = tokio::time::timeout_at(deadlines.next(), stream.read(&mut chunk)) => match r {
                Ok(r) => r.map_err(|e| format!("read failed: {e}"))?,
                Err(_) => return Err(format!("closed: {}", deadlines.reason())),
            },
            _ = ctx.shutdown.wait() => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Applies one frame; at the end of a window, waits for the commit and ACKs. A client that
/// does not read its ACKs within `write_limit` is dropped.
async fn handle<S: AsyncWrite + Unpin>(
    frame: Frame,
    w: &mut Window,
    ctx: &InputContext,
    stream: &mut S,
    write_limit: std::time::Duration,
) -> Result<(), String> {
    let (seq, payload) = match frame {
        Frame::Window(n) => {
            w.expected = n;
            w.received = 0;
            return Ok(());
        }
        Frame::Json { seq, payload } | Frame::Data { seq, payload } => (seq, payload),
        Frame::Compressed(_) => return Err("nested compressed frame".into()),
    };
    let origin = (&ctx.name, u64::from(seq));
    ctx.decode(
        &payload,
        &Envelope {
            origin: Some(origin),
            host: None,
            time: None,
        },
        &mut w.events,
    );
    w.received += 1;
    w.last_seq = seq;
    if w.received < w.expected && w.events.len() < BATCH {
        return Ok(());
    }
    let events = std::mem::take(&mut w.events);
    if w.received < w.expected {
        return ctx
            .queue
            .send(Batch {
                events,
                progress: Progress::None,
            })
            .await
            .map_err(|_| "monitor stopping".into());
    }
    let (tx, rx) = oneshot::channel();
    ctx.queue
        .send(Batch {
            events,
            progress: Progress::Ack(tx),
        })
        .await
        .map_err(|_| "monitor stopping")?;
    // No ACK unless committed: a dropped sender means the monitor stopped first. While the
    // commit is pending, an ACK of 0 every few seconds tells Beats the window is in progress
    // (it resets the client's read timeout without acknowledging anything).
    tokio::pin!(rx);
    loop {
        tokio::select! {
            committed = &mut rx => {
                committed.map_err(|_| "monitor stopped before the window was committed")?;
                break;
            }
            _ = tokio::time::sleep(KEEPALIVE) => {
                write_within(stream, &[b'2', b'A', 0, 0, 0, 0], write_limit).await.map_err(|e| format!("keep-alive write failed: {e}"))?;
            }
        }
    }
    let mut ack = [b'2', b'A', 0, 0, 0, 0];
    ack[2..].copy_from_slice(&w.last_seq.to_be_bytes());
    write_within(stream, &ack, write_limit)
        .await
        .map_err(|e| format!("ACK write failed: {e}"))?;
    w.received = 0;
    Ok(())
}

/// Writes `bytes` within `limit`.
async fn write_within<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    limit: std::time::Duration,
) -> Result<(), String> {
    match tokio::time::timeout(limit, stream.write_all(bytes)).await {
        Ok(written) => written.map_err(|e| e.to_string()),
        Err(_) => Err(format!("the client read nothing for {limit:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    fn json_frame(seq: u32, body: &str) -> Vec<u8> {
        let mut f = vec![b'2', b'J'];
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&(body.len() as u32).to_be_bytes());
        f.extend_from_slice(body.as_bytes());
        f
    }

    #[test]
    fn parses_window_json_and_partial_frames() {
        let mut bytes = vec![b'2', b'W', 0, 0, 0, 2];
        bytes.extend(json_frame(1, r#"{"a":1}"#));
        assert_eq!(parse_frame(&bytes).unwrap(), Some((Frame::Window(2), 6)));
        let rest = &bytes[6..];
        assert_eq!(parse_frame(&rest[..9]).unwrap(), None);
        assert_eq!(
            parse_frame(rest).unwrap(),
            Some((
                Frame::Json {
                    seq: 1,
                    payload: br#"{"a":1}"#.to_vec()
                },
                17
            ))
        );
    }

    #[test]
    fn compressed_frames_inflate_to_their_inner_frames() {
        let mut inner = json_frame(1, "{}");
        inner.extend(json_frame(2, r#"{"b":2}"#));
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&inner).unwrap();
        let frames = inflate(&z.finish().unwrap()).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(
            frames[1],
            Frame::Json {
                seq: 2,
                payload: br#"{"b":2}"#.to_vec()
            }
        );
    }

    #[test]
    fn legacy_data_frame_becomes_json() {
        let mut f = vec![b'2', b'D', 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 4];
        f.extend_from_slice(b"line");
        f.extend_from_slice(&[0, 0, 0, 2]);
        f.extend_from_slice(b"hi");
        let (frame, used) = parse_frame(&f).unwrap().unwrap();
        assert_eq!(used, f.len());
        assert_eq!(
            frame,
            Frame::Data {
                seq: 7,
                payload: br#"{"line":"hi"}"#.to_vec()
            }
        );
    }

    #[test]
    fn bad_version_is_an_error() {
        assert!(
            parse_frame(b"1W\0\0\0\x01")
                .unwrap_err()
                .contains("version")
        );
    }
}
