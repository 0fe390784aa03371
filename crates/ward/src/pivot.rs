//! `ward pivot CASE.json`: the keywords worth searching next — accounts, hosts, IP addresses,
//! hashes, process and service names — gathered from a case's high and critical detections and
//! findings, one list per kind (Hayabusa's `pivot-keywords-list`). Each keyword feeds
//! `ward search PATH… KEYWORD`. Reads the versioned JSON report, so a case from another machine
//! works the same.

use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use crate::cli::PivotArgs;
use crate::exit;
use crate::text::escape_control;

/// Keyword kinds, in output order.
pub const KINDS: [&str; 6] = [
    "accounts",
    "hosts",
    "ips",
    "hashes",
    "processes",
    "services",
];

/// Keywords per kind.
pub type Pivots = BTreeMap<&'static str, BTreeSet<String>>;

/// The kind a field (or a finding's detail) of this name holds, when it is one worth pivoting on.
fn kind_of_field(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "targetusername" | "subjectusername" | "user" | "username" | "account" | "accounts"
        | "accountname" | "samaccountname" => "accounts",
        "computer"
        | "workstationname"
        | "workstation"
        | "host"
        | "hosts"
        | "source_host"
        | "target_host"
        | "destinationhostname"
        | "sourcehostname"
        | "targetservername" => "hosts",
        "ipaddress" | "sourceip" | "destinationip" | "src_ip" | "dst_ip" | "id.orig_h"
        | "id.resp_h" | "ip" | "ips" | "source_ip" | "destination_ip" => "ips",
        "hashes" | "hash" | "md5" | "sha1" | "sha256" | "imphash" => "hashes",
        "image" | "parentimage" | "processname" | "newprocessname" | "parentprocessname"
        | "targetfilename" | "imagepath" | "process" | "binary" => "processes",
        "servicename" | "service" | "taskname" => "services",
        _ => return None,
    })
}

fn is_hash(s: &str) -> bool {
    matches!(s.len(), 32 | 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Adds `value` (a string, or every string inside) under `kind`, cleaned up for searching.
fn add(pivots: &mut Pivots, kind: &'static str, value: &Value) {
    match value {
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s == "-" || s.eq_ignore_ascii_case("null") {
                return;
            }
            match kind {
                // `SHA256=…,MD5=…` → each hash.
                "hashes" => {
                    for part in s.split([',', ' ']) {
                        let h = part.rsplit('=').next().unwrap_or(part);
                        if is_hash(h) {
                            pivots.entry(kind).or_default().insert(h.to_lowercase());
                        }
                    }
                }
                // A path is searched by its file name.
                "processes" => {
                    let name = s.rsplit(['\\', '/']).next().unwrap_or(s);
                    pivots.entry(kind).or_default().insert(name.to_string());
                }
                "ips" if s.parse::<std::net::IpAddr>().is_err() => {}
                "ips" if ward_analytics::directory::is_local_ip(s) => {}
                _ => {
                    pivots.entry(kind).or_default().insert(s.to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| add(pivots, kind, v)),
        _ => {}
    }
}

fn severe(item: &Value) -> bool {
    matches!(
        item.get("level").and_then(Value::as_str),
        Some("high" | "critical")
    )
}

/// Walks a `details`/`fields` object: known names by their kind, anything that looks like an
/// IP address or a hash by its shape.
fn walk(pivots: &mut Pivots, object: &Value) {
    let Some(map) = object.as_object() else {
        return;
    };
    for (name, value) in map {
        if let Some(kind) = kind_of_field(name) {
            add(pivots, kind, value);
        } else if let Some(s) = value.as_str() {
            if s.parse::<std::net::IpAddr>().is_ok() {
                add(pivots, "ips", value);
            } else if is_hash(s) {
                add(pivots, "hashes", value);
            }
        } else if value.is_object() {
            walk(pivots, value);
        }
    }
}

/// The pivots of a JSON report.
pub fn pivots(report: &Value) -> Pivots {
    let mut pivots = Pivots::new();
    let list = |key: &str| {
        report
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for d in list("detections").iter().filter(|d| severe(d)) {
        if let Some(host) = d.get("host") {
            add(&mut pivots, "hosts", host);
        }
        if let Some(fields) = d.get("fields") {
            walk(&mut pivots, fields);
        }
    }
    for f in list("findings").iter().filter(|f| severe(f)) {
        if let Some(host) = f.get("host") {
            add(&mut pivots, "hosts", host);
        }
        if let Some(details) = f.get("details") {
            walk(&mut pivots, details);
        }
    }
    pivots
}

/// Runs `ward pivot`.
pub fn run(args: PivotArgs) -> Result<u8> {
    let text = std::fs::read_to_string(&args.case)
        .with_context(|| format!("cannot read {}", args.case.display()))?;
    let report: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a JSON report (ward hunt --format json)",
            args.case.display()
        )
    })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_pivots(&pivots(&report), args.json, &mut out)?;
    out.flush()?;
    Ok(exit::OK)
}

/// Writes `pivots` as JSON or one list per kind.
pub fn write_pivots(pivots: &Pivots, json: bool, out: &mut dyn Write) -> Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, pivots)?;
        writeln!(out)?;
    } else {
        for kind in KINDS {
            let Some(words) = pivots.get(kind) else {
                continue;
            };
            writeln!(out, "{kind} ({}):", words.len())?;
            for w in words {
                writeln!(out, "  {}", escape_control(w))?;
            }
        }
        if pivots.is_empty() {
            writeln!(out, "no high or critical detection or finding to pivot on")?;
        }
    }
    Ok(())
}

/// `ward hunt --pivot`: the case's pivots on standard error, read from its JSON report as
/// `ward pivot` reads it.
pub fn write_for_case(case: &ward_analytics::Case) -> Result<()> {
    let mut json = Vec::new();
    ward_report::write_json(case, &mut json)?;
    let report: Value = serde_json::from_slice(&json)?;
    let mut err = std::io::stderr().lock();
    writeln!(err, "Keywords to search next (ward search PATH… KEYWORD):")?;
    write_pivots(&pivots(&report), false, &mut err)
}
