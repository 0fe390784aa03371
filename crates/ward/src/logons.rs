//! `ward logons`: who logged on where — per account and target host, the successful (4624) and
//! failed (4625, and failed NTLM validations 4776) logons by logon type and source address,
//! and explicit-credential uses (4648), with first and last time. Source addresses are named
//! through the same IP↔host map the hunt learns (network logons' `WorkstationName`, the assets
//! file), so a spray from one workstation reads as that workstation.

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use ward_analytics::Assets;
use ward_analytics::directory::HostDirectory;
use ward_event::{Event, Timestamp};

use crate::cli::LogonsArgs;
use crate::exit;
use crate::text::escape_control;

/// Source addresses listed per (account, host); the counts cover them all.
const MAX_SOURCES: usize = 16;
/// Distinct accounts one actor must try (failed or explicit-credential logons) to be listed as
/// a possible password spray.
pub const SPRAY_MIN_ACCOUNTS: usize = 10;

/// What an event says about a logon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Explicit,
}

/// One logon-related event, reduced.
#[derive(Debug, Clone)]
struct Logon {
    account: String,
    host: String,
    outcome: Outcome,
    logon_type: String,
    source_ip: Option<String>,
    workstation: Option<String>,
    /// Who supplied the credentials (4648's subject), else where the attempt came from.
    actor: Option<String>,
    time: Timestamp,
}

/// Many accounts tried by one actor (an account using explicit credentials, or a source
/// address failing logons) on one host: what a password spray looks like.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Spray {
    pub actor: String,
    pub host: String,
    pub accounts: BTreeSet<String>,
    pub attempts: u64,
    pub failures: u64,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// The logons of one account on one host.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountHost {
    pub account: String,
    pub host: String,
    pub successes: u64,
    pub failures: u64,
    pub explicit: u64,
    /// `(outcome, logon type)` → count.
    pub by_type: BTreeMap<String, u64>,
    /// Source addresses (named where the map knows them).
    pub sources: BTreeSet<String>,
    pub first: Timestamp,
    pub last: Timestamp,
}

fn field<'a>(event: &'a Event, name: &str) -> Option<&'a str> {
    event
        .fields
        .get_str(name)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
}

/// The logon an event records, if it is one Ward summarises.
fn logon_of(event: &Event) -> Option<Logon> {
    if &*event.source.product != "windows" {
        return None;
    }
    let id = event.source.event_id?;
    let (outcome, account) = match id {
        4624 => (Outcome::Success, field(event, "TargetUserName")?),
        4625 => (Outcome::Failure, field(event, "TargetUserName")?),
        4648 => (Outcome::Explicit, field(event, "TargetUserName")?),
        4776 => {
            let ok = field(event, "Status").is_none_or(|s| s == "0x0" || s == "0");
            if ok {
                return None;
            }
            (Outcome::Failure, field(event, "TargetUserName")?)
        }
        _ => return None,
    };
    let domain = field(event, "TargetDomainName");
    let account = match domain {
        Some(d) => format!("{d}\\{account}"),
        None => account.to_string(),
    };
    let logon_type = match id {
        4776 => "ntlm".to_string(),
        4648 => "explicit".to_string(),
        _ => field(event, "LogonType").unwrap_or("?").to_string(),
    };
    let actor = match id {
        4648 => field(event, "SubjectUserName").map(|u| match field(event, "SubjectDomainName") {
            Some(d) => format!("{d}\\{u}"),
            None => u.to_string(),
        }),
        _ => field(event, "IpAddress")
            .or_else(|| field(event, "WorkstationName"))
            .or_else(|| field(event, "Workstation"))
            .map(str::to_string),
    };
    Some(Logon {
        actor,
        account,
        host: event.host.short().to_string(),
        outcome,
        logon_type,
        source_ip: field(event, "IpAddress").map(str::to_string),
        workstation: field(event, "WorkstationName")
            .or_else(|| field(event, "Workstation"))
            .map(str::to_string),
        time: event.time,
    })
}

/// Summarises the logons in `inputs`, naming sources through `assets` and what the logs teach:
/// one row per account and host, and the possible password sprays.
pub fn summarise(inputs: &[PathBuf], assets: &Assets) -> (Vec<AccountHost>, Vec<Spray>) {
    let logons: Vec<Logon> = inputs
        .par_iter()
        .flat_map_iter(|path| {
            let mut found = Vec::new();
            ward_ingest::read_path(path, &mut |event: Event| {
                if let Some(l) = logon_of(&event) {
                    found.push(l);
                }
            });
            found
        })
        .collect();
    let mut directory = HostDirectory::default();
    for l in &logons {
        if let (Some(ip), Some(ws)) = (&l.source_ip, &l.workstation) {
            directory.learn(ip, ws);
        }
    }
    let mut sprays: BTreeMap<(String, String), Spray> = BTreeMap::new();
    for l in logons
        .iter()
        .filter(|l| l.outcome != Outcome::Success && l.actor.is_some())
    {
        let actor = l.actor.clone().unwrap_or_default();
        let s = sprays
            .entry((actor.clone(), l.host.clone()))
            .or_insert_with(|| Spray {
                actor,
                host: l.host.clone(),
                accounts: BTreeSet::new(),
                attempts: 0,
                failures: 0,
                first: l.time,
                last: l.time,
            });
        s.accounts.insert(l.account.clone());
        s.attempts += 1;
        s.failures += u64::from(l.outcome == Outcome::Failure);
        s.first = s.first.min(l.time);
        s.last = s.last.max(l.time);
    }
    let sprays: Vec<Spray> = sprays
        .into_values()
        .filter(|s| s.accounts.len() >= SPRAY_MIN_ACCOUNTS)
        .collect();
    let mut rows: BTreeMap<(String, String), AccountHost> = BTreeMap::new();
    for l in logons {
        let row = rows
            .entry((l.account.clone(), l.host.clone()))
            .or_insert_with(|| AccountHost {
                account: l.account.clone(),
                host: l.host.clone(),
                successes: 0,
                failures: 0,
                explicit: 0,
                by_type: BTreeMap::new(),
                sources: BTreeSet::new(),
                first: l.time,
                last: l.time,
            });
        match l.outcome {
            Outcome::Success => row.successes += 1,
            Outcome::Failure => row.failures += 1,
            Outcome::Explicit => row.explicit += 1,
        }
        let outcome = format!("{:?}", l.outcome).to_lowercase();
        *row.by_type
            .entry(format!("{outcome}:{}", l.logon_type))
            .or_insert(0) += 1;
        let source = match (&l.source_ip, &l.workstation) {
            (Some(ip), _) if !ward_analytics::directory::is_local_ip(ip) => {
                let host = directory.resolve(ip, assets);
                if host == *ip {
                    ip.clone()
                } else {
                    format!("{host} ({ip})")
                }
            }
            (_, Some(ws)) => ws.clone(),
            _ => String::new(),
        };
        if !source.is_empty() && row.sources.len() < MAX_SOURCES {
            row.sources.insert(source);
        }
        row.first = row.first.min(l.time);
        row.last = row.last.max(l.time);
    }
    let mut out: Vec<AccountHost> = rows.into_values().collect();
    // Failures first: a spray or a guessed password is what a responder looks for.
    out.sort_by(|a, b| {
        (b.failures, b.successes, &a.account, &a.host).cmp(&(
            a.failures,
            a.successes,
            &b.account,
            &b.host,
        ))
    });
    (out, sprays)
}

/// Runs `ward logons`.
pub fn run(args: LogonsArgs) -> Result<u8> {
    let mut inputs = ward_ingest::discover(&args.paths)?;
    let assets = match &args.assets {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open assets file {}", path.display()))?;
            if let Ok(canon) = path.canonicalize() {
                inputs.retain(|p| p.canonicalize().ok().as_deref() != Some(canon.as_path()));
            }
            Assets::from_csv_reader(file)
                .with_context(|| format!("reading assets file {}", path.display()))?
        }
        None => Assets::default(),
    };
    if inputs.is_empty() {
        bail!(
            "no input files under {}",
            crate::hunt::display_paths(&args.paths)
        );
    }
    let (rows, sprays) = summarise(&inputs, &assets);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        for row in &rows {
            serde_json::to_writer(&mut out, row)?;
            out.write_all(b"\n")?;
        }
        for spray in &sprays {
            serde_json::to_writer(&mut out, &serde_json::json!({ "spray": spray }))?;
            out.write_all(b"\n")?;
        }
    } else {
        writeln!(
            out,
            "{:<32} {:<18} {:>8} {:>8} {:>8}  {:<30} sources",
            "account", "host", "success", "failed", "explicit", "by type"
        )?;
        for r in &rows {
            let types: Vec<String> = r.by_type.iter().map(|(k, n)| format!("{k}={n}")).collect();
            let sources: Vec<&str> = r.sources.iter().map(String::as_str).collect();
            let line = format!(
                "{:<32} {:<18} {:>8} {:>8} {:>8}  {:<30} {}",
                r.account,
                if r.host.is_empty() { "-" } else { &r.host },
                r.successes,
                r.failures,
                r.explicit,
                types.join(" "),
                sources.join(", ")
            );
            writeln!(out, "{}", escape_control(&line))?;
        }
        for s in &sprays {
            let accounts: Vec<&str> = s.accounts.iter().map(String::as_str).collect();
            let line = format!(
                "possible password spray: {} tried {} accounts on {} ({} attempts, {} failed) from {} to {}: {}",
                s.actor,
                s.accounts.len(),
                if s.host.is_empty() { "-" } else { &s.host },
                s.attempts,
                s.failures,
                s.first,
                s.last,
                accounts.join(", ")
            );
            writeln!(out, "{}", escape_control(&line))?;
        }
        let failures: u64 = rows.iter().map(|r| r.failures).sum();
        let successes: u64 = rows.iter().map(|r| r.successes).sum();
        writeln!(
            out,
            "{} accounts on hosts, {successes} successful and {failures} failed logons",
            rows.len()
        )?;
    }
    out.flush()?;
    Ok(exit::OK)
}
