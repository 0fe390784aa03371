//! The format registry: every reader is a name, a sniff over the first bytes of the
//! (decompressed) input, and a read function. Adding a reader is adding a row to [`READERS`].

use std::io::BufRead;

use ward_event::Event;

use crate::network::{self, NetworkFormat};
use crate::{FileReport, evtx, winjson};

/// How many leading bytes the sniffers get to see.
pub(crate) const HEAD_LEN: usize = 16 * 1024;

/// One reader of the registry.
pub(crate) struct Reader {
    /// Format name before reading (a reader may refine it, e.g. to `nxlog-json`).
    pub name: fn(&[u8]) -> &'static str,
    /// Recognises the format from the first bytes.
    pub sniff: fn(&[u8]) -> bool,
    /// Reads the whole input.
    pub read: fn(&mut dyn BufRead, &mut FileReport, &mut dyn FnMut(Event)),
}

/// Windows readers, tried in order before the network readers.
pub(crate) const READERS: &[Reader] = &[
    Reader {
        name: |_| "evtx",
        sniff: evtx::sniff,
        read: evtx::read,
    },
    Reader {
        name: winjson::shape_hint,
        sniff: winjson::sniff,
        read: winjson::read,
    },
];

/// A recognised input format.
pub(crate) enum Format {
    /// One of [`READERS`].
    Windows(&'static Reader, &'static str),
    /// A network log, read by [`network::read`].
    Network(NetworkFormat),
}

impl Format {
    /// Recognises `head`, Windows formats first.
    pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
        if let Some(reader) = READERS.iter().find(|r| (r.sniff)(head)) {
            return Some(Format::Windows(reader, (reader.name)(head)));
        }
        network::sniff(head).map(Format::Network)
    }

    /// The name recorded in [`FileReport::format`].
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Format::Windows(_, name) => name,
            Format::Network(format) => format.name(),
        }
    }

    /// Reads the whole input into events.
    pub(crate) fn read(
        &self,
        input: &mut dyn BufRead,
        report: &mut FileReport,
        on_event: &mut dyn FnMut(Event),
    ) {
        match self {
            Format::Windows(reader, _) => (reader.read)(input, report, on_event),
            Format::Network(format) => network::read(*format, input, report, on_event),
        }
    }
}
