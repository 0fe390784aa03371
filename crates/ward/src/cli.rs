//! Command-line interface: what a user can type, with help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use ward_event::Level;

/// Find worms like Kwampirs in hospital logs, trace how they spread, and say what to do next.
#[derive(Debug, Parser)]
#[command(name = "ward", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read host and network logs, run Sigma rules and Ward's analytics, trace the outbreak.
    Hunt(HuntArgs),
    /// Hunt, then check the controls that stop the next worm (admin use, AV, patches, passwords, logging).
    Audit(AuditArgs),
    /// Run the same rules on live log streams (syslog, Beats/Lumberjack, tailed files).
    Monitor(MonitorArgs),
    /// Write the containment kit of a case: reset script, isolation list, blocklists, STIX, MISP, checklist.
    Respond(RespondArgs),
    /// Find the events holding a keyword, matching a regex or a Sigma-style field condition.
    ///
    /// Examples: `ward search logs/ wmiapsrvex` ·
    /// `ward search logs/ -e 'psexe(c|svc)' --host XRAY-WS-02 --from 2024-03-01` ·
    /// `ward search logs/ --where "Image|endswith: '\wmiapsrvex.exe' and EventID: 1" -f jsonl`
    Search(SearchArgs),
    /// Count events per EventID, host, channel, provider or hour, with first/last time and share.
    ///
    /// Example: `ward metrics logs/ --by host`
    Metrics(MetricsArgs),
    /// Successful and failed logons per account and host, by logon type and source address.
    ///
    /// Example: `ward logons logs/ --assets assets.csv`
    Logons(LogonsArgs),
    /// The keywords worth searching next from a case's high and critical findings, per kind.
    ///
    /// Example: `ward pivot case.json`, then `ward search logs/ <keyword>`
    Pivot(PivotArgs),
    /// Ship a site's log files once to a Ward cluster (NATS JetStream; docs/cluster.md).
    Ship(crate::cluster::ShipArgs),
    /// Run a cluster worker: the detection of the sites in the partitions it owns.
    Worker(crate::cluster::WorkerArgs),
    /// Start a local 3-node cluster and workers, ship PATH as a site, compare the alerts with `ward hunt`.
    ClusterCheck(crate::cluster::ClusterCheckArgs),
    /// Install, update and inspect SigmaHQ rule sets; check or test Sigma rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Write the man pages and shell completions into a folder (used to build the .deb).
    #[command(hide = true)]
    GenerateAssets {
        /// Folder to write `man/*.1` and `completions/{ward.bash,_ward,ward.fish}` into.
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule that will not load or can never match, with the reason.
    Check(RulesCheckArgs),
    /// Run SigmaHQ-style regression tests (`info.yml` files under a `regression_data` folder).
    Test(RulesTestArgs),
    /// Fetch a SigmaHQ rule package, verify its SHA-256 and install it (the previous set is kept).
    Update(RulesUpdateArgs),
    /// Use the set installed before the last update again.
    Rollback(RulesHomeArgs),
    /// List the installed set's rules (id, level, status, title).
    List(RulesListArgs),
    /// Print one installed rule and whether it loads.
    Show(RulesShowArgs),
}

/// Where installed rule sets live.
#[derive(Debug, Clone, Default, Args)]
pub struct RulesHomeArgs {
    /// Folder of the installed rule sets [default: $XDG_DATA_HOME/ward/rules; the service uses
    /// /var/lib/ward/rules].
    #[arg(long, value_name = "DIR", env = "WARD_RULES_HOME")]
    pub rules_home: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesUpdateArgs {
    /// Package to install: a URL or a zip file laid out as SigmaHQ's release packages
    /// [default: sigma_all_rules.zip of SigmaHQ's latest release, with GitHub's SHA-256].
    #[arg(long, value_name = "URL|FILE")]
    pub from: Option<String>,
    /// Which rules of the package to install, chosen as SigmaHQ's packages are.
    #[arg(long, value_enum, default_value = "core+")]
    pub profile: crate::rules::profile::Profile,
    /// The package's expected SHA-256 (pinned).
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// A `sha256sum`-style checksum file (URL or file) naming the package [default:
    /// `<package URL>.sha256` when the source publishes one].
    #[arg(long, value_name = "URL|FILE")]
    pub checksum: Option<String>,
    /// Install even when no SHA-256 is known to check the package against.
    #[arg(long)]
    pub insecure: bool,
    /// The release's name, when the URL does not say it (e.g. `r2026-08-05`).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    #[command(flatten)]
    pub home: RulesHomeArgs,
}

#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Only the rules that do not load, with the reason.
    #[arg(long)]
    pub problems: bool,
    #[command(flatten)]
    pub home: RulesHomeArgs,
}

#[derive(Debug, Args)]
pub struct RulesShowArgs {
    /// The rule's id.
    pub id: String,
    #[command(flatten)]
    pub home: RulesHomeArgs,
}

/// Output formats for `ward hunt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable summary for the terminal.
    Table,
    /// One JSON object per detection or finding.
    Jsonl,
    /// The whole case as one versioned JSON document (docs/report-schema.md).
    Json,
    /// A CSV timeline that loads into Timesketch.
    Csv,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Files or folders to read (folders are recursed; .gz and .zip are opened).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub options: HuntOptions,
}

/// Options shared by the commands that read logs.
#[derive(Debug, Args)]
pub struct HuntOptions {
    /// Sigma rules to add (file or folder; repeatable). Ward's own rules always load.
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the installed rule set (`ward rules update`): only Ward's own rules and -r.
    #[arg(long)]
    pub no_default_rules: bool,
    #[command(flatten)]
    pub rules_home: RulesHomeArgs,
    /// Only events at or after this time (RFC 3339, or `YYYY-MM-DD[ HH:MM:SS]` in UTC).
    #[arg(long, value_parser = parse_time)]
    pub from: Option<ward_event::Timestamp>,
    /// Only events before this time.
    #[arg(long, value_parser = parse_time)]
    pub to: Option<ward_event::Timestamp>,
    /// Report only detections at or above this level.
    #[arg(long, default_value = "informational", value_parser = parse_level)]
    pub min_level: Level,
    /// Exit with code 1 when a detection at or above this level is found.
    #[arg(long, value_parser = parse_level)]
    pub fail_level: Option<Level>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the self-contained HTML case report to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also write the containment kit (`ward respond`) into this new folder.
    #[arg(long, value_name = "DIR")]
    pub respond: Option<PathBuf>,
    /// TLP marking of the kit's shared files.
    #[arg(long, default_value = "amber", value_parser = ["clear", "green", "amber", "amber+strict", "red"])]
    pub tlp: String,
    /// Threat intelligence: a list of IPs, CIDRs, domains, URLs and hashes, or a STIX 2.1 bundle
    /// (repeatable); matches become `intel-match` findings.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Asset inventory CSV (`hostname,ip,role,clinical`) to mark clinical devices and roles.
    #[arg(long, value_name = "FILE")]
    pub assets: Option<PathBuf>,
    /// Tuning: a TOML file with a `[tuning]` table (level overrides, excluded and noisy rules,
    /// allow-lists, Sigma filter documents), e.g. `ward.toml`. Suppressions are counted in the
    /// report.
    #[arg(long, value_name = "FILE")]
    pub tuning: Option<PathBuf>,
    /// Also list on standard error the keywords worth searching next (as `ward pivot`).
    #[arg(long)]
    pub pivot: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// No progress bar and no summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// The year of syslog times written without one (RFC 3164 firewall logs). By default it
    /// comes from the log's own dated lines, else from the file's modification time.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i16).range(1970..=9999))]
    pub year: Option<i16>,
    /// Facts held in memory before a sorted run goes to disk (tests send small inputs through
    /// the on-disk path with a tiny chunk).
    #[arg(long, hide = true, default_value_t = crate::pipeline::SPILL_CHUNK)]
    pub spill_chunk: usize,
    /// Most that everything compressed inside one input (.gz, .zip members) may inflate to, in
    /// all (bytes; K, M, G, T suffixes are binary). Past it the input is cut short, with an
    /// error naming it, and the other inputs are still read. Default 64G.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_inflated: Option<u64>,
    /// Most times its compressed size one compressed layer may inflate to, once past 16 MiB
    /// (logs compress 5–50-fold, a bomb about 1000-fold). Default 200.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_inflate_ratio: Option<u64>,
    /// Members of one zip archive that are read; the rest are skipped and reported. Default 10000.
    #[arg(long, value_name = "N")]
    pub max_zip_members: Option<usize>,
}

impl HuntOptions {
    /// The input caps: the defaults, with what the options set.
    pub fn limits(&self) -> ward_ingest::Limits {
        let default = ward_ingest::Limits::default();
        ward_ingest::Limits {
            max_inflated_bytes: self.max_inflated.unwrap_or(default.max_inflated_bytes),
            max_ratio: self.max_inflate_ratio.unwrap_or(default.max_ratio),
            max_zip_members: self.max_zip_members.unwrap_or(default.max_zip_members),
            ..default
        }
    }
}

/// `64G`, `512M`, `1048576`: a size in bytes, with binary K/M/G/T suffixes.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, shift) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown size suffix {c:?} (K, M, G or T)")),
            };
            (&s[..i], shift)
        }
        _ => (s, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 64G or 1048576"))?;
    n.checked_shl(shift)
        .filter(|v| v >> shift == n)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Logs, inventory exports (CSV, osquery JSON, systeminfo), policy files (`net accounts`,
    /// secedit INF), NTLM hash exports, vulnerability feeds (CISA KEV, OSV), admin lists.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Sorted `HASH:COUNT` NTLM breached-password list, searched in place (never loaded).
    #[arg(long, value_name = "FILE")]
    pub breached: Option<PathBuf>,
    /// Judge patch and signature age as of this time (default: now).
    #[arg(long, value_parser = parse_time)]
    pub as_of: Option<ward_event::Timestamp>,
    #[command(flatten)]
    pub hunt: HuntOptions,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The case: the JSON report of `ward hunt --format json`.
    pub case: PathBuf,
    /// New folder to write the kit into (written whole, or not at all).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// TLP marking of the shared files (STIX, MISP).
    #[arg(long, default_value = "amber", value_parser = ["clear", "green", "amber", "amber+strict", "red"])]
    pub tlp: String,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Monitor configuration (TOML; see docs/monitor.md).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Sigma rules to add (file or folder; repeatable). Ward's own rules always load.
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the installed rule set (`ward rules update`): only Ward's own rules and -r.
    #[arg(long)]
    pub no_default_rules: bool,
    #[command(flatten)]
    pub rules_home: RulesHomeArgs,
    /// Alert only on detections at or above this level.
    #[arg(long, default_value = "low", value_parser = parse_level)]
    pub min_level: Level,
    /// Asset inventory (CSV): roles and clinical devices for the live spread and accounts.
    #[arg(long, value_name = "FILE")]
    pub assets: Option<PathBuf>,
    /// Threat intelligence, as for `ward hunt --intel` (repeatable): each host and indicator
    /// matched raises one `intel-match` alert.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Tuning, as for `ward hunt --tuning`: a TOML file with a `[tuning]` table. Suppressed
    /// detections raise no alert and are counted on the dashboard's case.
    #[arg(long, value_name = "FILE")]
    pub tuning: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rule files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// List only the counts by reason.
    #[arg(long)]
    pub summary: bool,
}

#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// A folder holding `regression_data` (e.g. a SigmaHQ checkout), or the folder itself.
    pub path: PathBuf,
    /// Rules to test (default: the `rules*` folders next to `regression_data`).
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Read the JSON copies of the events instead of the EVTX files.
    #[arg(long)]
    pub json: bool,
}

/// Output formats for `ward search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchFormat {
    /// One line per event: time, host, source, EventID and its fields.
    Table,
    /// One JSON object per event.
    Jsonl,
    /// A CSV timeline that loads into Timesketch.
    Csv,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Files or folders to read, then the keyword (unless -e or --where is given).
    #[arg(required = true, value_name = "PATH... [KEYWORD]")]
    pub args: Vec<String>,
    /// A regular expression any field value must match (repeatable; any one matches).
    #[arg(short = 'e', long = "regex", value_name = "REGEX")]
    pub regex: Vec<String>,
    /// A Sigma-style field condition, e.g. `Image|endswith: '\x.exe' and EventID: 1`,
    /// compiled by Ward's Sigma engine (terms joined by and/or/not and parentheses).
    #[arg(long = "where", value_name = "EXPR")]
    pub condition: Option<String>,
    /// Match case exactly (keywords and regexes ignore case by default).
    #[arg(short = 's', long)]
    pub case_sensitive: bool,
    /// Only events at or after this time (RFC 3339, or `YYYY-MM-DD[ HH:MM:SS]` in UTC).
    #[arg(long, value_parser = parse_time)]
    pub from: Option<ward_event::Timestamp>,
    /// Only events before this time.
    #[arg(long, value_parser = parse_time)]
    pub to: Option<ward_event::Timestamp>,
    /// Only events from this host (short name or FQDN, any case).
    #[arg(long)]
    pub host: Option<String>,
    /// Only events of this channel (e.g. `Security`) or source (e.g. `zeek/conn`), any case.
    #[arg(long)]
    pub channel: Option<String>,
    /// Only events with this EventID (repeatable).
    #[arg(long = "event-id", value_name = "ID")]
    pub event_id: Vec<u32>,
    /// Print the number of matching events per host instead of the events.
    #[arg(long)]
    pub count: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: SearchFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// No count of matches on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// What `ward metrics` counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsBy {
    /// Windows EventID (network logs by their source).
    EventId,
    /// The host that logged the event.
    Host,
    /// Windows channel, or the network log's source.
    Channel,
    /// Windows provider, or the network log's source.
    Provider,
    /// The hour of the event (UTC).
    Hour,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Files or folders to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// What to count by.
    #[arg(long, value_enum, default_value = "event-id")]
    pub by: MetricsBy,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogonsArgs {
    /// Files or folders to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Asset inventory CSV (`hostname,ip,role,clinical`): names source addresses.
    #[arg(long, value_name = "FILE")]
    pub assets: Option<PathBuf>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PivotArgs {
    /// The case: the JSON report of `ward hunt --format json`.
    pub case: PathBuf,
    /// Print JSON instead of one list per kind.
    #[arg(long)]
    pub json: bool,
}

fn parse_time(s: &str) -> Result<ward_event::Timestamp, String> {
    ward_event::Timestamp::parse(s).map_err(|e| e.to_string())
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}
