//! Software, OS and hotfix inventories: `host,product,version` CSV, `Get-HotFix | Export-Csv`,
//! osquery JSON (`programs`, `patches`, `os_version`) and `systeminfo` text.

use super::FileFacts;
use serde_json::Value as Json;
use ward_event::{HostName, Timestamp};

/// One installed product on one host.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Installed {
    /// Upper-case short host name.
    pub host: String,
    /// Product name as the inventory gives it.
    pub product: String,
    /// Version as the inventory gives it.
    pub version: String,
    /// True for the operating system itself.
    pub is_os: bool,
    /// File it came from.
    pub source: String,
}

/// Hotfixes installed on one host.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HotfixState {
    /// Hotfixes listed.
    pub count: u64,
    /// Newest install date among them, when dates were given.
    pub newest: Option<Timestamp>,
    /// File it came from.
    pub source: String,
}

fn push(facts: &mut FileFacts, host: &str, product: &str, version: &str, source: &str) {
    let (product, version) = (product.trim(), version.trim());
    if product.is_empty() {
        return;
    }
    let is_os =
        product.to_lowercase().contains("windows") && !product.to_lowercase().contains("update");
    facts.installed.push(Installed {
        host: HostName::new(host).short().to_string(),
        product: product.to_string(),
        version: version.to_string(),
        is_os,
        source: source.to_string(),
    });
}

fn hotfix(facts: &mut FileFacts, host: &str, installed_on: &str, source: &str) {
    let host = HostName::new(host).short().to_string();
    let state = facts.hotfixes.entry(host).or_default();
    state.count += 1;
    state.source = source.to_string();
    if let Some(t) = parse_date(installed_on) {
        state.newest = Some(state.newest.map_or(t, |n| n.max(t)));
    }
}

/// Dates as inventories write them: ISO, or US `M/D/YYYY[ h:mm:ss AM]` (Get-HotFix, osquery).
fn parse_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = Timestamp::parse(s) {
        return Some(t);
    }
    let date = s.split_whitespace().next()?;
    let mut it = date.split('/').map(|p| p.parse::<u32>());
    let (m, d, y) = (it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
    Timestamp::parse(&format!("{y:04}-{m:02}-{d:02}")).ok()
}

/// A CSV with a header naming a version and a product (and usually a host), or a Get-HotFix export.
pub(crate) fn read_csv(
    text: &str,
    default_host: &str,
    source: &str,
    facts: &mut FileFacts,
) -> bool {
    // Export-Csv writes a `#TYPE …` line first in Windows PowerShell 5.
    let body: String = text
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with("#TYPE"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let Ok(header) = rdr.headers() else {
        return false;
    };
    let cols: Vec<String> = header
        .iter()
        .map(|h| h.to_lowercase().replace([' ', '_'], ""))
        .collect();
    let col = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
    let host_col = col(&[
        "host",
        "hostname",
        "computer",
        "computername",
        "pscomputername",
        "source",
        "csname",
    ]);
    if let Some(kb) = col(&["hotfixid"]) {
        let on = col(&["installedon"]);
        for rec in rdr.records().filter_map(Result::ok) {
            if rec.get(kb).is_some_and(|k| !k.is_empty()) {
                let host = host_col.and_then(|c| rec.get(c)).unwrap_or(default_host);
                hotfix(
                    facts,
                    host,
                    on.and_then(|c| rec.get(c)).unwrap_or(""),
                    source,
                );
            }
        }
        return true;
    }
    let (Some(product), Some(version)) = (
        col(&["product", "name", "software", "displayname", "program"]),
        col(&["version", "displayversion"]),
    ) else {
        return false;
    };
    for rec in rdr.records().filter_map(Result::ok) {
        let host = host_col.and_then(|c| rec.get(c)).unwrap_or(default_host);
        push(
            facts,
            host,
            rec.get(product).unwrap_or(""),
            rec.get(version).unwrap_or(""),
            source,
        );
    }
    true
}

/// osquery `--json` output: an array of rows from `programs`, `patches` or `os_version`.
pub(crate) fn read_osquery(
    json: &Json,
    default_host: &str,
    source: &str,
    facts: &mut FileFacts,
) -> bool {
    let Some(rows) = json.as_array() else {
        return false;
    };
    let field = |row: &Json, names: &[&str]| -> Option<String> {
        names.iter().find_map(|n| {
            row.get(*n).and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|i| i.to_string()))
            })
        })
    };
    let mut any = false;
    for row in rows.iter().filter(|r| r.is_object()) {
        let host = field(
            row,
            &[
                "hostname",
                "host",
                "computer_name",
                "hostIdentifier",
                "host_identifier",
            ],
        )
        .unwrap_or_else(|| default_host.to_string());
        if let Some(_kb) = field(row, &["hotfix_id"]) {
            hotfix(
                facts,
                &host,
                &field(row, &["installed_on"]).unwrap_or_default(),
                source,
            );
            any = true;
        } else if row.get("platform").is_some() || row.get("major").is_some() {
            // os_version: `version` may be absent in old osquery; build it from the parts.
            let name = field(row, &["name"]).unwrap_or_else(|| "Windows".into());
            let version = field(row, &["version"]).unwrap_or_else(|| {
                let p = |k| field(row, &[k]).unwrap_or_default();
                format!("{}.{}.{}", p("major"), p("minor"), p("build"))
            });
            push(facts, &host, &name, &version, source);
            if let Some(i) = facts.installed.last_mut() {
                i.is_os = true;
            }
            any = true;
        } else if let (Some(name), Some(version)) =
            (field(row, &["name"]), field(row, &["version"]))
        {
            push(facts, &host, &name, &version, source);
            any = true;
        }
    }
    any
}

/// `systeminfo` text: `Host Name:`, `OS Name:`, `OS Version: 6.1.7601 Service Pack 1 Build 7601`.
pub(crate) fn read_systeminfo(text: &str, source: &str, facts: &mut FileFacts) -> bool {
    let value = |key: &str| {
        text.lines().find_map(|l| {
            l.trim_start()
                .strip_prefix(key)
                .map(|v| v.trim_start_matches(':').trim().to_string())
        })
    };
    let (Some(name), Some(version)) = (value("OS Name:"), value("OS Version:")) else {
        return false;
    };
    let host = value("Host Name:").unwrap_or_default();
    let version = version.split_whitespace().next().unwrap_or("").to_string();
    push(facts, &host, &name, &version, source);
    if let Some(i) = facts.installed.last_mut() {
        i.is_os = true;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_us_and_iso_form() {
        assert_eq!(
            parse_date("3/15/2024 12:00:00 AM"),
            Timestamp::parse("2024-03-15").ok()
        );
        assert_eq!(
            parse_date("2024-03-15"),
            Timestamp::parse("2024-03-15").ok()
        );
        assert_eq!(parse_date(""), None);
    }
}
