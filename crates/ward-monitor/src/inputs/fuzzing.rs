//! The inputs' wire parsers driven without sockets, for the fuzz targets: the same framing,
//! inflating and decoding the listeners do, on bytes handed in chunks.

use ward_event::Event;

use super::lumberjack::{Frame, inflate, parse_frame};
use super::syslog::{Framer, parse_message};
use crate::decode::{Decoder, Envelope};

/// Feeds `chunks` to a syslog TCP framer (octet-counted or newline framed, messages up to
/// `max` bytes), parses each message's RFC 3164/5424 header and decodes its payload with
/// `decoder`. Returns the events and how many messages were dropped as oversize.
pub fn syslog_stream(chunks: &[&[u8]], max: usize, decoder: &dyn Decoder) -> (Vec<Event>, usize) {
    let mut framer = Framer::new(max);
    let mut events = Vec::new();
    let mut dropped = 0;
    let mut decode = |payload: &[u8], envelope: &Envelope<'_>, out: &mut Vec<Event>| {
        // A payload no decoder reads is a drop in the listener too; nothing more to check here.
        let _ = decoder.decode(payload, envelope, out);
    };
    for chunk in chunks {
        framer.push(chunk);
        while let Some(frame) = framer.next_frame() {
            match frame {
                Ok(message) => parse_message(&message, &mut decode, &mut events),
                Err(_) => dropped += 1,
            }
        }
    }
    if let Some(rest) = framer.rest() {
        parse_message(&rest, &mut decode, &mut events);
    }
    (events, dropped)
}

/// Parses Lumberjack v2 frames from the front of `buf` as the Beats listener does (compressed
/// frames inflated, under the same cap), decoding each event's payload with `decoder`.
/// Returns the events, or the protocol error that would close the connection.
pub fn beats_stream(buf: &[u8], decoder: &dyn Decoder) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    let mut rest = buf;
    while let Some((frame, used)) = parse_frame(rest)? {
        rest = rest.get(used..).unwrap_or_default();
        let frames = match frame {
            Frame::Compressed(data) => inflate(&data)?,
            other => vec![other],
        };
        for frame in frames {
            match frame {
                Frame::Window(_) => {}
                Frame::Json { payload, .. } | Frame::Data { payload, .. } => {
                    let _ = decoder.decode(&payload, &Envelope::default(), &mut events);
                }
                Frame::Compressed(_) => return Err("nested compressed frame".into()),
            }
        }
    }
    Ok(events)
}
