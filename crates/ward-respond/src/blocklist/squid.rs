//! `squid-acl.conf`: Squid ACLs for the C2 addresses, domains and URLs, and the `http_access
//! deny` lines using them.

use super::Blocklist;
use std::fmt::Write;

pub(super) fn render(list: &Blocklist) -> String {
    let case = list.case_label();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Ward containment kit: deny proxy requests to the outbreak's C2.\n\
         # {case}: {}.\n\
         # Include it before the first http_access allow line of squid.conf (Debian's\n\
         # /etc/squid/conf.d/ is read there): copy to /etc/squid/conf.d/ward-c2.conf, then\n\
         # squid -k parse && squid -k reconfigure\n\
         # HTTPS without TLS inspection shows Squid only the host, so URLs match plain HTTP only.",
        list.counts()
    );
    let mut denied = Vec::new();
    let addresses: Vec<String> = list.addresses().map(|a| a.to_string()).collect();
    acl(&mut s, &mut denied, "ward_c2_dst", "dst", &addresses);
    let domains: Vec<String> = outermost(&list.domains).map(|d| format!(".{d}")).collect();
    acl(&mut s, &mut denied, "ward_c2_domain", "dstdomain", &domains);
    let urls: Vec<String> = list
        .urls
        .iter()
        .map(|u| format!("^{}", regex_escape(u)))
        .collect();
    acl(&mut s, &mut denied, "ward_c2_url", "url_regex -i", &urls);
    for name in denied {
        let _ = writeln!(s, "http_access deny {name}");
    }
    s
}

/// One `acl` line a value (Squid adds them up); nothing for no values, which Squid refuses.
fn acl(
    s: &mut String,
    denied: &mut Vec<&'static str>,
    name: &'static str,
    kind: &str,
    values: &[String],
) {
    if values.is_empty() {
        return;
    }
    for v in values {
        let _ = writeln!(s, "acl {name} {kind} {v}");
    }
    denied.push(name);
}

/// Domains not under another listed domain: `.example.com` already covers `a.example.com`, and
/// Squid complains about the pair.
fn outermost(domains: &[String]) -> impl Iterator<Item = &String> {
    domains.iter().filter(|d| {
        !domains
            .iter()
            .any(|parent| d.len() > parent.len() && d.ends_with(&format!(".{parent}")))
    })
}

/// A regular expression matching the URL literally. Checked URLs hold no character special to
/// a regular expression but `.`, `?` and `+`; any other punctuation is escaped too, in case.
fn regex_escape(url: &str) -> String {
    let mut r = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        if !c.is_ascii_alphanumeric() && !"-_~/=&%:@,".contains(c) {
            r.push('\\');
        }
        r.push(c);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_literally_and_subdomains_are_covered_once() {
        assert_eq!(
            regex_escape("http://1.2.3.4/a.php?q=1+2"),
            "http://1\\.2\\.3\\.4/a\\.php\\?q=1\\+2"
        );
        let domains = vec!["a.example.com".to_string(), "example.com".to_string()];
        assert_eq!(outermost(&domains).collect::<Vec<_>>(), vec!["example.com"]);
    }
}
