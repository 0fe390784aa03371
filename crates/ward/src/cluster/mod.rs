//! `ward ship`, `ward worker` and `ward cluster-check`: Ward across many sites on NATS
//! JetStream (`ward-cluster` holds the streams, leases, checkpoints and the worker loop; this
//! module supplies the live monitor's detector and the command lines). See docs/cluster.md.

mod args;
mod check;
mod detector;
mod forward;
mod ship;
mod worker;

pub use args::{ClusterCheckArgs, ShipArgs, WorkerArgs};
pub use check::run as check;
pub use forward::NatsForwarder;
pub use ship::run as ship;
pub use worker::run as worker;

/// A current-thread-plus-workers tokio runtime for one command.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("starting the async runtime: {e}"))
}
