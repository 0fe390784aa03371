//! Network log readers (firewall, proxy, Zeek, DNS). The Windows readers' sniffer calls
//! [`sniff`] on the first bytes of every input it does not recognise itself.

use std::io::BufRead;
use ward_event::Event;

use crate::FileReport;

/// A network log format this module can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFormat {}

impl NetworkFormat {
    /// Format name for [`FileReport::format`].
    pub fn name(self) -> &'static str {
        match self {}
    }
}

/// Recognises a network log from the first bytes of its (decompressed) content.
pub fn sniff(_head: &[u8]) -> Option<NetworkFormat> {
    None
}

/// Reads a whole network log, handing each event to `on_event` and counting bad lines in `report`.
pub fn read(format: NetworkFormat, _input: &mut dyn BufRead, _report: &mut FileReport, _on_event: &mut dyn FnMut(Event)) {
    match format {}
}
