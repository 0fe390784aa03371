//! `ward ship`: read a site's files once, as `ward hunt` reads them, and publish the events in
//! time order to the cluster's raw stream.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use ward_cluster::SiteId;
use ward_event::Event;

use super::args::ShipArgs;
use crate::exit;

/// Reads every input under `paths`, in the hunt's event order.
pub fn read_events(paths: &[PathBuf]) -> Result<Vec<Event>> {
    let inputs = ward_ingest::discover(paths)?;
    if inputs.is_empty() {
        bail!("no input files under the paths given");
    }
    let mut events = Vec::new();
    for path in &inputs {
        ward_ingest::read_path(path, &mut |e| events.push(e));
    }
    // The site's analytics want its events in time order, as the hunt sorts them.
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(events)
}

pub fn run(args: ShipArgs) -> Result<u8> {
    let site = SiteId::new(&args.tenant, &args.site)?;
    let events = read_events(&args.paths)?;
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let client =
            ward_cluster::connect(&args.nats.nats, args.nats.credentials().as_ref()).await?;
        let js = async_nats::jetstream::new(client);
        ward_cluster::ship::ship(&js, &site, &events, |_| {})
            .await
            .context("shipping events")
    })?;
    eprintln!(
        "ward ship: {site}: {} events stored, {} already there, last sequence {}, {:.0} events/s",
        report.stored,
        report.duplicates,
        report.last_sequence,
        events.len() as f64 / report.seconds.max(1e-9)
    );
    Ok(exit::OK)
}
