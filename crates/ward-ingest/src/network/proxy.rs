//! Sigma's proxy field names (`c-uri`, `cs-host`, `c-uri-query`, …) derived from a request,
//! shared by the Squid and Zeek HTTP readers.

use super::record::{self, RecordBuilder};

/// Adds the request's method, URL parts and destination names. `host_hint` is the Host header
/// when the log has one (Zeek), used when the URL is a bare path.
pub(crate) fn add_request(rec: &mut RecordBuilder, method: &str, url: &str, host_hint: &str) {
    rec.text("cs-method", method);
    rec.text("c-uri", url);
    let parts = split_url(method, url);
    let host = if parts.host.is_empty() {
        strip_port(host_hint).0
    } else {
        parts.host
    };
    rec.text("cs-host", host);
    rec.text("r-dns", host);
    rec.text(record::DST_HOST, host);
    rec.text("c-uri-stem", parts.path);
    rec.text("c-uri-query", parts.query);
    if let Some(ext) = extension(parts.path) {
        rec.text("c-uri-extension", ext);
    }
    if let Some(port) = parts.port {
        rec.value("dst_port_url", ward_event::Value::Int(i64::from(port)));
    }
}

/// The pieces of a request URL.
#[derive(Debug, PartialEq)]
pub(crate) struct UrlParts<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
    pub path: &'a str,
    pub query: &'a str,
}

/// Splits absolute URLs, `CONNECT host:port` targets and origin-form paths.
pub(crate) fn split_url<'a>(method: &str, url: &'a str) -> UrlParts<'a> {
    if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = strip_port(url);
        return UrlParts {
            host,
            port: port.or(Some(443)),
            path: "",
            query: "",
        };
    }
    let (scheme_port, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (
            if scheme.eq_ignore_ascii_case("https") {
                Some(443)
            } else {
                Some(80)
            },
            rest,
        ),
        None => (None, url),
    };
    let (authority, path_query) = if scheme_port.is_some() {
        match rest.find('/') {
            Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("")),
            None => (rest, ""),
        }
    } else {
        ("", rest)
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = strip_port(authority);
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    UrlParts {
        host,
        port: port.or(if host.is_empty() { None } else { scheme_port }),
        path,
        query,
    }
}

/// `host:port` → (host, port); IPv6 literals keep their brackets off.
fn strip_port(s: &str) -> (&str, Option<u16>) {
    if let Some((h, p)) = s.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        return (h, p.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) => (s, None),
        },
        _ => (s, None),
    }
}

/// The last path segment's extension, lower-case, as Sigma's `c-uri-extension` expects.
fn extension(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let u = split_url("GET", "http://www.example.com:8080/a/b.php?q=1");
        assert_eq!(
            u,
            UrlParts {
                host: "www.example.com",
                port: Some(8080),
                path: "/a/b.php",
                query: "q=1"
            }
        );
        let c = split_url("CONNECT", "login.yahoo.com:443");
        assert_eq!((c.host, c.port), ("login.yahoo.com", Some(443)));
        let p = split_url("GET", "/index.html?x");
        assert_eq!((p.host, p.path, p.query), ("", "/index.html", "x"));
        assert_eq!(extension("/a/b.PHP"), Some("PHP"));
        assert_eq!(extension("/a.b/c"), None);
    }
}
