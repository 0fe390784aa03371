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

/// Records one installed product; `os` marks the operating system itself (a product named
/// "Windows" that is not an update is taken as one too).
fn push(facts: &mut FileFacts, host: &str, product: &str, version: &str, source: &str, os: bool) {
    let (product, version) = (product.trim(), version.trim());
    if product.is_empty() {
        return;
    }
    let lower = product.to_lowercase();
    facts.installed.push(Installed {
        host: HostName::new(host).short().to_string(),
        product: product.to_string(),
        version: version.to_string(),
        is_os: os || (lower.contains("windows") && !lower.contains("update")),
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

/// Column names an inventory CSV may use for the host.
const HOST_COLUMNS: [&str; 7] = [
    "host",
    "hostname",
    "computer",
    "computername",
    "pscomputername",
    "source",
    "csname",
];
/// Column names osquery output may carry the host in (none unless the query selected one).
const OSQUERY_HOST: [&str; 5] = [
    "hostname",
    "host",
    "computer_name",
    "hostIdentifier",
    "host_identifier",
];

/// A CSV with a header naming a version and a product (and usually a host), or a Get-HotFix export.
pub(crate) fn read_csv(
    text: &str,
    default_host: &str,
    source: &str,
    facts: &mut FileFacts,
) -> bool {
    // Export-Csv writes a `#TYPE …` line first in Windows PowerShell 5.
    let body: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with("#TYPE"))
        .collect();
    let body = body.join("\n");
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
    let host_col = col(&HOST_COLUMNS);
    let product_col = col(&["product", "name", "software", "displayname", "program"]);
    let (hotfix_col, installed_col, version_col) = (
        col(&["hotfixid"]),
        col(&["installedon"]),
        col(&["version", "displayversion"]),
    );
    if hotfix_col.is_none() && (product_col.is_none() || version_col.is_none()) {
        return false;
    }
    for rec in rdr.records().filter_map(Result::ok) {
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let host = host_col.and_then(|c| rec.get(c)).unwrap_or(default_host);
        if hotfix_col.is_some() {
            if !get(hotfix_col).is_empty() {
                hotfix(facts, host, get(installed_col), source);
            }
        } else {
            push(
                facts,
                host,
                get(product_col),
                get(version_col),
                source,
                false,
            );
        }
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
    let mut any = false;
    for row in rows.iter().filter(|r| r.is_object()) {
        any |= osquery_row(row, default_host, source, facts);
    }
    any
}

/// One osquery row; false when it is none of the three tables.
fn osquery_row(row: &Json, default_host: &str, source: &str, facts: &mut FileFacts) -> bool {
    let field = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|n| {
            let v = row.get(*n)?;
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|i| i.to_string()))
        })
    };
    let host = field(&OSQUERY_HOST).unwrap_or_else(|| default_host.to_string());
    if field(&["hotfix_id"]).is_some() {
        hotfix(
            facts,
            &host,
            &field(&["installed_on"]).unwrap_or_default(),
            source,
        );
    } else if row.get("platform").is_some() || row.get("major").is_some() {
        // os_version: `version` may be absent in old osquery; build it from the parts.
        let name = field(&["name"]).unwrap_or_else(|| "Windows".into());
        let version = field(&["version"]).unwrap_or_else(|| {
            let p = |k| field(&[k]).unwrap_or_default();
            format!("{}.{}.{}", p("major"), p("minor"), p("build"))
        });
        push(facts, &host, &name, &version, source, true);
    } else if let (Some(name), Some(version)) = (field(&["name"]), field(&["version"])) {
        push(facts, &host, &name, &version, source, false);
    } else {
        return false;
    }
    true
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
    push(facts, &host, &name, &version, source, true);
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
