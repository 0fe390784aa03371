//! `ward cluster-check PATH…`: a whole cluster on this machine against `ward hunt`. Starts
//! three nats-servers on loopback ports and the workers, ships PATH as one site, waits until
//! every partition has caught up, reads the site's alerts back and compares them with
//! `ward hunt --format json` on the same PATH (`ward_cluster::compare` says exactly what is
//! compared). Everything it starts is stopped by pid, also on failure.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use ward_cluster::local::{LocalCluster, UserSpec};
use ward_cluster::{Credentials, Layout, SiteId};

use super::args::ClusterCheckArgs;
use crate::exit;

/// Processes started by the check, killed (SIGKILL, by pid) when dropped.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(args: ClusterCheckArgs) -> Result<u8> {
    let exe = std::env::current_exe().context("locating the ward binary")?;
    let hunt = hunt_json(&exe, &args)?;
    let mut paths = args.paths.clone();
    if let Some(assets) = args.assets.as_deref().and_then(|p| p.canonicalize().ok()) {
        paths = expand_without(&paths, &assets)?;
    }
    let events = super::ship::read_events(&paths)?;

    let scratch =
        Scratch(std::env::temp_dir().join(format!("ward-cluster-check-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0)
        .with_context(|| format!("creating {}", scratch.0.display()))?;
    let site = SiteId::new("check", "site-1")?;
    let worker_user = UserSpec::all("worker", "worker-secret");
    let site_user = UserSpec::site(&site, "site-secret");
    let cluster = LocalCluster::start(&scratch.0, 3, &[worker_user.clone(), site_user.clone()])?;
    let layout = Layout::default();

    let mut workers = Children(Vec::new());
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(async {
        let operator =
            ward_cluster::connect(&cluster.urls(), Some(&worker_user.credentials)).await?;
        let js = async_nats::jetstream::new(operator);
        let handles = ward_cluster::setup::ensure(&js, &layout).await?;
        for i in 0..args.workers.max(1) {
            workers.0.push(spawn_worker(
                &exe,
                &cluster.urls(),
                &worker_user.credentials,
                i,
                &args,
                &scratch.0,
            )?);
        }
        let edge = ward_cluster::connect(&cluster.urls(), Some(&site_user.credentials)).await?;
        let edge_js = async_nats::jetstream::new(edge);
        let started = Instant::now();
        let shipped = ward_cluster::ship::ship(&edge_js, &site, &events, |_| {}).await?;
        let deadline = started + Duration::from_secs(args.timeout);
        while !ward_cluster::setup::drained_to(&handles, &layout, shipped.last_sequence).await? {
            if Instant::now() > deadline {
                // Keep the logs for a look.
                let kept = scratch.0.with_extension("failed");
                let _ = std::fs::rename(&scratch.0, &kept);
                bail!(
                    "the pipeline did not drain within {} s (logs in {})",
                    args.timeout,
                    kept.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        let alerts = ward_cluster::alerts::read_all(&js, &site.tenant).await?;
        anyhow::Ok((seconds, alerts))
    });
    drop(workers);
    drop(cluster);
    let (seconds, alerts) = outcome?;
    let json: Vec<_> = alerts.iter().map(|a| a.json.clone()).collect();
    let comparison = ward_cluster::compare::compare(&hunt, &json, &site);
    if args.verbose {
        for line in comparison.differences() {
            eprintln!("ward cluster-check: {line}");
        }
    }
    // Publish-to-alert latency: JetStream's time of the alert minus that of the raw event fed
    // last before it was raised (both server clocks, one machine).
    let mut latency: Vec<f64> = alerts
        .iter()
        .filter(|a| a.raw_published_ns > 0)
        .map(|a| (a.stored_ns - a.raw_published_ns) as f64 / 1e6)
        .collect();
    latency.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latency
            .get(((latency.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "alerts {}, equal to hunt: {}, events/s {:.0} ({} events in {:.2} s, {} workers), \
         publish-to-alert p50 {:.0} ms p99 {:.0} ms",
        comparison.alerts,
        if comparison.equal() { "yes" } else { "no" },
        events.len() as f64 / seconds.max(1e-9),
        events.len(),
        seconds,
        args.workers.max(1),
        pct(0.5),
        pct(0.99)
    );
    Ok(if comparison.equal() {
        exit::OK
    } else {
        exit::FOUND
    })
}

/// `ward hunt --format json` over the same paths, with the workers' rules and options.
fn hunt_json(exe: &Path, args: &ClusterCheckArgs) -> Result<serde_json::Value> {
    let mut hunt = Command::new(exe);
    hunt.arg("hunt")
        .args(&args.paths)
        .args(["--format", "json", "--no-default-rules", "--quiet"]);
    if let Some(assets) = &args.assets {
        hunt.arg("--assets").arg(assets);
    }
    for intel in &args.intel {
        hunt.arg("--intel").arg(intel);
    }
    let output = hunt
        .stderr(Stdio::inherit())
        .output()
        .context("running ward hunt")?;
    serde_json::from_slice(&output.stdout).context("reading ward hunt's JSON report")
}

/// The input files under `paths` but `skip` (the inventory is configuration, not a log).
fn expand_without(paths: &[PathBuf], skip: &Path) -> Result<Vec<PathBuf>> {
    let mut inputs = ward_ingest::discover(paths)?;
    inputs.retain(|p| p.canonicalize().ok().as_deref() != Some(skip));
    Ok(inputs)
}

fn spawn_worker(
    exe: &Path,
    urls: &str,
    credentials: &Credentials,
    i: usize,
    args: &ClusterCheckArgs,
    scratch: &Path,
) -> Result<Child> {
    let log = std::fs::File::create(scratch.join(format!("worker-{i}.log")))?;
    let mut worker = Command::new(exe);
    worker
        .args(["worker", "--nats", urls, "--id"])
        .arg(format!("check-{i}"))
        .env("WARD_NATS_USER", &credentials.user)
        .env("WARD_NATS_PASSWORD", &credentials.password)
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(assets) = &args.assets {
        worker.arg("--assets").arg(assets);
    }
    for intel in &args.intel {
        worker.arg("--intel").arg(intel);
    }
    worker.spawn().context("starting a worker")
}
