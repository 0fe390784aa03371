//! Strict checks of the values a blocklist may hold. Every value comes from attacker-controlled
//! logs, so a value is written only after it parses as what its kind says, re-formatted from the
//! parsed form; anything else is refused with the reason.

use crate::kit::is_internal;
use std::net::IpAddr;

/// Longest domain name (RFC 1035, without the final dot).
const MAX_DOMAIN: usize = 253;
/// Longest label of a domain name.
const MAX_LABEL: usize = 63;
/// Longest URL a blocklist takes.
const MAX_URL: usize = 2048;
/// Characters a URL's path and query may use beyond ASCII letters and digits: RFC 3986's
/// unreserved characters and the delimiters C2 paths use, none of which is special to a shell,
/// a firewall, Squid's configuration or PowerShell (no quotes, `$`, `;`, `#`, `\`, spaces).
const URL_PATH_EXTRA: &str = "-._~/?=&%+:@,";

/// An external address, re-formatted canonically (an IPv4-mapped IPv6 address as IPv4).
pub fn address(value: &str) -> Result<IpAddr, &'static str> {
    let ip: IpAddr = value.parse().map_err(|_| "not an IPv4 or IPv6 address")?;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if is_internal(&ip) {
        return Err("an internal address: blocking it would cut the hospital's own network");
    }
    Ok(ip)
}

/// A domain name of LDH labels, lower-cased, without the final dot.
pub fn domain(value: &str) -> Result<String, &'static str> {
    if !value.is_ascii() {
        return Err("not ASCII: an internationalised domain must be written as punycode (xn--)");
    }
    let d = value
        .strip_suffix('.')
        .unwrap_or(value)
        .to_ascii_lowercase();
    if d.is_empty() || d.len() > MAX_DOMAIN {
        return Err("empty or longer than 253 characters");
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err("a single label, not a domain");
    }
    for label in &labels {
        if label.is_empty() || label.len() > MAX_LABEL {
            return Err("a label is empty or longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("a label holds characters other than letters, digits and hyphens");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label starts or ends with a hyphen");
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("an all-numeric top-level label: neither a domain nor an IP address");
    }
    Ok(d)
}

/// An `http`/`https` URL to an external host, with a lower-cased scheme and host and a path of
/// plain characters only.
pub fn url(value: &str) -> Result<String, &'static str> {
    if value.len() > MAX_URL {
        return Err("longer than 2048 characters");
    }
    let (scheme, rest) = value.split_once("://").ok_or("not a URL (no scheme)")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err("not an http or https URL");
    }
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    if authority.contains('@') {
        return Err("a URL with user information");
    }
    let (host, port) = split_port(authority)?;
    let host = match address(host) {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        Ok(v4) => v4.to_string(),
        Err(_) if host.parse::<IpAddr>().is_ok() => return Err("a URL to an internal address"),
        Err(_) => {
            domain(host).map_err(|_| "a URL whose host is neither an address nor a domain")?
        }
    };
    if !path_is_plain(path) {
        return Err("a URL path with characters other than letters, digits and -._~/?=&%+:@,");
    }
    Ok(match port {
        Some(p) => format!("{scheme}://{host}:{p}{path}"),
        None => format!("{scheme}://{host}{path}"),
    })
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let port = |p: &str| -> Result<Option<u16>, &'static str> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a URL with a malformed port");
        }
        match p.parse::<u16>() {
            Ok(0) | Err(_) => Err("a URL with a port outside 1-65535"),
            Ok(n) => Ok(Some(n)),
        }
    };
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("a URL with an unclosed [ in its host")?;
        return match after {
            "" => Ok((host, None)),
            _ => Ok((
                host,
                port(after.strip_prefix(':').ok_or("a URL with text after ]")?)?,
            )),
        };
    }
    match authority.split_once(':') {
        Some((host, p)) => Ok((host, port(p)?)),
        None => Ok((authority, None)),
    }
}

fn path_is_plain(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        let plain = b.is_ascii_alphanumeric() || URL_PATH_EXTRA.as_bytes().contains(&b);
        // A `%` must start an escape, so no text is decoded into something else downstream.
        plain
            && (b != b'%'
                || bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))
    })
}

/// A refused value as it may be displayed: every non-printable or non-ASCII character escaped
/// (`\n`, `\u{440}`), cut to 80 characters.
pub fn for_display(value: &str) -> String {
    const MAX: usize = 80;
    let escaped: String = value.chars().flat_map(char::escape_default).collect();
    if escaped.chars().count() > MAX {
        let cut: String = escaped.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_canonically() {
        assert_eq!(
            address("185.141.27.90").unwrap().to_string(),
            "185.141.27.90"
        );
        assert_eq!(
            address("2001:DB8:0:0::0:1").unwrap().to_string(),
            "2001:db8::1"
        );
        assert_eq!(
            address("::ffff:198.51.100.23").unwrap().to_string(),
            "198.51.100.23"
        );
        assert!(address("10.20.0.10").is_err());
        assert!(address("1.2.3.4; rm -rf /").is_err());
        assert!(address(" 1.2.3.4").is_err());
        assert!(address("01.2.3.4").is_err());
        assert!(address("fe80::1%eth0").is_err());
    }

    #[test]
    fn domains_are_ldh_labels() {
        assert_eq!(domain("Evil.Example.ORG.").unwrap(), "evil.example.org");
        assert_eq!(domain("xn--80ak6aa92e.com").unwrap(), "xn--80ak6aa92e.com");
        for bad in [
            "evil.com\nflush ruleset",
            "a\"b.com",
            "$(x).com",
            "'.com",
            "раураl.com",
            "localhost",
            "1.2.3.999",
            "-a.com",
            "a_b.com",
            "*.evil.com",
            "a..com",
        ] {
            assert!(domain(bad).is_err(), "{bad:?} accepted");
        }
        assert!(domain(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(domain(&format!("{}com", "abcdefghi.".repeat(26))).is_err());
    }

    #[test]
    fn urls_keep_plain_paths_only() {
        assert_eq!(
            url("HTTP://185.141.27.90/groupmgr/index.php?q=abc").unwrap(),
            "http://185.141.27.90/groupmgr/index.php?q=abc"
        );
        assert_eq!(
            url("https://C2.Example.net:8443").unwrap(),
            "https://c2.example.net:8443/"
        );
        assert_eq!(
            url("http://[2001:db8::1]:80/a").unwrap(),
            "http://[2001:db8::1]:80/a"
        );
        for bad in [
            "ftp://evil.com/",
            "http://10.0.0.1/x",
            "http://evil.com/a b",
            "http://evil.com/$(x)",
            "http://evil.com/a'b",
            "http://evil.com/a\"b",
            "http://evil.com/a;b",
            "http://evil.com/a#b",
            "http://evil.com/%zz",
            "http://user@evil.com/",
            "http://evil.com:0/",
            "http://evil.com:99999/",
            "http://evil.com/\nhttp_access allow all",
        ] {
            assert!(url(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn refused_values_display_on_one_line() {
        assert_eq!(for_display("evil.com\nflush"), "evil.com\\nflush");
        assert_eq!(for_display("р"), "\\u{440}");
        assert!(for_display(&"x".repeat(200)).ends_with('…'));
    }
}
