//! `ward worker`: one of any number of workers sharing the sites' partitions.

use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use ward_cluster::{Layout, WorkerConfig};

use super::args::WorkerArgs;
use super::detector::{SiteSetup, factory};
use crate::exit;

pub fn run(args: WorkerArgs) -> Result<u8> {
    let (rules, _) = crate::hunt::load_rules(&args.rules)?;
    let assets = match &args.assets {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open assets file {}", path.display()))?;
            ward_analytics::Assets::from_csv_reader(file)
                .with_context(|| format!("reading assets file {}", path.display()))?
        }
        None => ward_analytics::Assets::default(),
    };
    let intel = crate::hunt::load_intel(&args.intel, false)?;
    let factory = factory(SiteSetup {
        rules: Arc::new(rules),
        min_level: args.min_level,
        assets,
        intel,
    });
    let id = args.id.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    let layout = Layout {
        partitions: args.partitions,
        replicas: args.replicas,
        ..Layout::default()
    };
    let config = WorkerConfig::new(&id, layout);

    // SIGINT/SIGTERM: stop taking work, checkpoint and release every partition.
    let stop_flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop_flag))
            .context("installing signal handlers")?;
    }
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let client =
            ward_cluster::connect(&args.nats.nats, args.nats.credentials().as_ref()).await?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            while !stop_flag.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = tx.send(true);
        });
        eprintln!("ward worker {id}: running");
        ward_cluster::worker::run(client, config, factory, rx).await?;
        eprintln!("ward worker {id}: stopped");
        anyhow::Ok(())
    })?;
    Ok(exit::OK)
}
