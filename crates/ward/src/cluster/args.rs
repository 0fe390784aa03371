//! Command-line arguments of the cluster commands.

use std::path::PathBuf;

use clap::Args;
use ward_event::Level;

/// A level name (`informational`, `low`, `medium`, `high`, `critical`).
fn parse_level(s: &str) -> Result<Level, String> {
    s.parse::<Level>().map_err(|e| e.to_string())
}

/// How to reach the cluster.
#[derive(Debug, Args, Clone)]
pub struct NatsArgs {
    /// NATS server URLs, comma-separated (any node of the cluster will do; list several).
    #[arg(long, value_name = "URLS", env = "WARD_NATS")]
    pub nats: String,
    /// NATS user.
    #[arg(long, env = "WARD_NATS_USER")]
    pub user: Option<String>,
    /// Its password (better given in the environment).
    #[arg(long, env = "WARD_NATS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

impl NatsArgs {
    /// The credentials, when a user was given.
    pub fn credentials(&self) -> Option<ward_cluster::Credentials> {
        self.user.as_ref().map(|user| ward_cluster::Credentials {
            user: user.clone(),
            password: self.password.clone().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ShipArgs {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// Tenant (customer or hospital group) the site belongs to.
    #[arg(long)]
    pub tenant: String,
    /// Site name.
    #[arg(long)]
    pub site: String,
    /// Files or folders to ship (as `ward hunt` reads them).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// This worker's name (unique in the cluster; default: host name and process id).
    #[arg(long)]
    pub id: Option<String>,
    /// Sigma rules to add (file or folder; repeatable). Ward's own rules always load.
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Alert only on detections at or above this level.
    #[arg(long, default_value = "informational", value_parser = parse_level)]
    pub min_level: Level,
    /// Asset inventory (CSV), used for every site.
    #[arg(long, value_name = "FILE")]
    pub assets: Option<PathBuf>,
    /// Threat intelligence (repeatable), as for `ward hunt --intel`.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Replicas of the streams and buckets Ward creates (3 on a 3-node cluster).
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
    /// Partitions of the raw stream (the same on every worker, fixed for a cluster's life).
    #[arg(long, default_value_t = 8)]
    pub partitions: u32,
}

#[derive(Debug, Args)]
pub struct ClusterCheckArgs {
    /// Files or folders to ship as one site and to hunt.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Asset inventory (CSV), given to the workers and the hunt alike.
    #[arg(long, value_name = "FILE")]
    pub assets: Option<PathBuf>,
    /// Threat intelligence (repeatable), given to the workers and the hunt alike.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Workers to start.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Give up waiting for the pipeline to drain after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Print the alerts that differ from the hunt.
    #[arg(long)]
    pub verbose: bool,
}
