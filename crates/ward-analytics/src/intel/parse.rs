//! Reading indicators: plain lists (one per line, kind detected) and STIX 2.1 bundles (the
//! simple `[object:path = 'value']` comparisons, OR'ed; other patterns are skipped with a reason).

use super::{Indicator, IndicatorKind, IntelError, Skipped};
use std::net::IpAddr;

/// What one file gave.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub indicators: Vec<Indicator>,
    pub skipped: Vec<Skipped>,
}

/// A plain list: one indicator per line, `#` starts a comment, anything after the indicator
/// (after whitespace or a comma) is its name. Defanged forms (`hxxp`, `[.]`) are accepted.
pub(super) fn plain(text: &str, file: &str) -> Parsed {
    let mut out = Parsed::default();
    for (n, raw) in text.lines().enumerate() {
        let line = match raw.find(" #") {
            Some(cut) => raw.get(..cut).unwrap_or(raw),
            None => raw,
        }
        .trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = format!("{file}:{}", n + 1);
        let (value, rest) = line
            .split_once(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or((line, ""));
        let rest = rest.trim().trim_start_matches(',').trim();
        match classify(&refang(value)) {
            Some((kind, value)) => out.indicators.push(Indicator {
                kind,
                value,
                name: (!rest.is_empty()).then(|| rest.to_string()),
                description: None,
                source,
            }),
            None => out.skipped.push(Skipped {
                source,
                reason: format!("`{value}` is no IP, network, domain, URL or hash"),
            }),
        }
    }
    out
}

fn refang(s: &str) -> String {
    s.replace("[.]", ".")
        .replace("(.)", ".")
        .replace("[:]", ":")
        .replace("hxxp", "http")
        .replace("hXXp", "http")
}

/// The kind and normalised value of one indicator written on its own.
fn classify(v: &str) -> Option<(IndicatorKind, String)> {
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some((IndicatorKind::Ip, ip.to_string()));
    }
    if v.contains('/') && cidr(v).is_some() {
        return Some((IndicatorKind::Cidr, v.to_string()));
    }
    let lower = v.to_ascii_lowercase();
    if let Some(kind) = hash_kind(&lower) {
        return Some((kind, lower));
    }
    if lower.contains("://") || lower.contains('/') {
        return Some((IndicatorKind::Url, normalise_url(v)));
    }
    let domain = lower.trim_end_matches('.');
    let valid = domain.contains('.')
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    valid.then(|| (IndicatorKind::Domain, domain.to_string()))
}

/// MD5, SHA-1 or SHA-256 by length, for lower-case hex.
pub(super) fn hash_kind(h: &str) -> Option<IndicatorKind> {
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match h.len() {
        32 => Some(IndicatorKind::Md5),
        40 => Some(IndicatorKind::Sha1),
        64 => Some(IndicatorKind::Sha256),
        _ => None,
    }
}

/// `host/path?query` with the scheme, default port and a trailing `/` removed, host lower-case.
pub(super) fn normalise_url(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (host, path) = match rest.find(['/', '?']) {
        Some(i) => (rest.get(..i).unwrap_or(rest), rest.get(i..).unwrap_or("")),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let host = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(&host);
    let path = path.split('#').next().unwrap_or("");
    format!("{host}{}", path.trim_end_matches('/'))
}

/// Address bits, IPv4 as IPv4-mapped IPv6 so one table holds both.
pub(super) fn ip_bits(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

/// `bits` with all but the first `len` bits cleared.
pub(super) fn masked(bits: u128, len: u8) -> u128 {
    match len {
        0 => 0,
        128.. => bits,
        n => bits & (u128::MAX << (128 - u32::from(n))),
    }
}

/// `a.b.c.d/n` or `v6/n` as (network bits, prefix length over 128 bits).
pub(super) fn cidr(s: &str) -> Option<(u128, u8)> {
    let (addr, len) = s.split_once('/')?;
    let ip: IpAddr = addr.trim().parse().ok()?;
    let len: u8 = len.trim().parse().ok()?;
    let (max, offset) = if ip.is_ipv4() { (32, 96) } else { (128, 0) };
    if len > max {
        return None;
    }
    let len = len + offset;
    Some((masked(ip_bits(&ip), len), len))
}

/// A STIX 2.1 bundle: every `indicator` object with a `stix` pattern of simple comparisons.
pub(super) fn stix(text: &str, file: &str) -> Result<Parsed, IntelError> {
    let fail = |message: String| IntelError::Stix {
        path: file.to_string(),
        message,
    };
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?; // serde_json says `at line L column C`
    if doc.get("type").and_then(|t| t.as_str()) != Some("bundle") {
        return Err(fail(
            "JSON but not a STIX bundle (no \"type\": \"bundle\")".into(),
        ));
    }
    let mut out = Parsed::default();
    let objects = doc.get("objects").and_then(|o| o.as_array());
    for obj in objects.into_iter().flatten() {
        if obj.get("type").and_then(|t| t.as_str()) != Some("indicator") {
            continue;
        }
        let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let source = format!("{file}:{}", text("id").unwrap_or_else(|| "?".into()));
        let skip = |reason: String| Skipped {
            source: source.clone(),
            reason,
        };
        match text("pattern_type").as_deref() {
            None | Some("stix") => {}
            Some(other) => {
                out.skipped
                    .push(skip(format!("pattern type `{other}` is not STIX")));
                continue;
            }
        }
        let Some(pattern) = text("pattern") else {
            out.skipped.push(skip("no pattern".into()));
            continue;
        };
        match comparisons(&pattern) {
            Ok(found) => {
                for (kind, value) in found {
                    out.indicators.push(Indicator {
                        kind,
                        value,
                        name: text("name"),
                        description: text("description"),
                        source: source.clone(),
                    });
                }
            }
            Err(reason) => out.skipped.push(skip(reason)),
        }
    }
    Ok(out)
}

/// The (kind, value) of each OR'ed comparison of a pattern; an error names what is not handled.
fn comparisons(pattern: &str) -> Result<Vec<(IndicatorKind, String)>, String> {
    let mut out = Vec::new();
    for part in split_outside_quotes(pattern)? {
        let part = part
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim();
        let (path, value) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not an equality comparison"))?;
        let path = path.trim();
        if path.ends_with('!') {
            return Err(format!("`{part}` is a negated comparison"));
        }
        let value = unquote(value.trim()).ok_or_else(|| format!("`{part}`: value not quoted"))?;
        let kind = match path.to_ascii_lowercase().replace('"', "'").as_str() {
            "ipv4-addr:value" | "ipv6-addr:value" if value.contains('/') => IndicatorKind::Cidr,
            "ipv4-addr:value" | "ipv6-addr:value" => IndicatorKind::Ip,
            "domain-name:value" => IndicatorKind::Domain,
            "url:value" => IndicatorKind::Url,
            "file:hashes.md5" | "file:hashes.'md5'" => IndicatorKind::Md5,
            "file:hashes.'sha-1'" | "file:hashes.sha1" => IndicatorKind::Sha1,
            "file:hashes.'sha-256'" | "file:hashes.sha256" => IndicatorKind::Sha256,
            other => return Err(format!("object path `{other}` is not supported")),
        };
        let value = match kind {
            IndicatorKind::Url => normalise_url(&value),
            IndicatorKind::Cidr if cidr(&value).is_none() => {
                return Err(format!("`{value}` is not a network"));
            }
            IndicatorKind::Ip => match value.parse::<IpAddr>() {
                Ok(ip) => ip.to_string(),
                Err(_) => return Err(format!("`{value}` is not an address")),
            },
            _ => value.to_ascii_lowercase(),
        };
        out.push((kind, value));
    }
    Ok(out)
}

/// The pattern split on ` OR ` outside quoted strings; `AND`, `FOLLOWEDBY` and qualifiers
/// outside quotes are refused.
fn split_outside_quotes(pattern: &str) -> Result<Vec<String>, String> {
    let mut parts = vec![String::new()];
    let mut word = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '\'' {
                quoted = false;
            }
        } else if c == '\'' {
            quoted = true;
        }
        if !quoted && (c.is_whitespace() || c == '[' || c == ']') {
            match word.as_str() {
                "OR" => {
                    word.clear();
                    parts.push(String::new());
                    continue;
                }
                "AND" | "FOLLOWEDBY" | "WITHIN" | "REPEATS" | "START" | "STOP" | "LIKE"
                | "MATCHES" | "IN" | "NOT" | "ISSUBSET" | "ISSUPERSET" => {
                    return Err(format!(
                        "uses `{word}`: only OR'ed equality comparisons are read"
                    ));
                }
                _ => {}
            }
            if let Some(last) = parts.last_mut() {
                last.push_str(&word);
                last.push(c);
            }
            word.clear();
        } else {
            word.push(c);
        }
    }
    if let Some(last) = parts.last_mut() {
        last.push_str(&word);
    }
    Ok(parts.into_iter().filter(|p| !p.trim().is_empty()).collect())
}

/// `'text'` with STIX escapes (`\'`, `\\`) undone.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else {
            out.push(c);
        }
    }
    Some(out)
}
