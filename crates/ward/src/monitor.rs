//! `ward monitor`: the hunt's rules on live log streams (wired by `ward-monitor`).

use anyhow::{Result, bail};

use crate::cli::MonitorArgs;

/// Runs `ward monitor`.
pub fn run(_args: MonitorArgs) -> Result<u8> {
    bail!("ward monitor is not wired yet")
}
