//! Writing attacker-controlled names into PowerShell: as single-quoted string literals (the only
//! PowerShell string with no expansion), in comments only without line breaks, and never at all
//! when a name cannot be a Windows account or host name.

/// The characters PowerShell reads as a single quote: `'` and the Unicode look-alikes
/// U+2018, U+2019, U+201A, U+201B. Inside a single-quoted string any of them ends the string
/// unless it is doubled.
const SINGLE_QUOTES: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Characters a Windows account name (sAMAccountName, local user) cannot contain.
const NOT_IN_ACCOUNT_NAMES: &[char] = &[
    '"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@',
];

/// Longest Windows user logon name (sAMAccountName, local account).
const MAX_ACCOUNT_NAME: usize = 20;

/// Longest DNS label: a Windows host's short name.
const MAX_HOST_NAME: usize = 63;

/// `value` as a PowerShell single-quoted string literal: every quote character, ASCII or
/// look-alike, doubled. `$`, backticks, `#`, `;` and the rest are literal inside it.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `value` safe for a `#` comment: control characters and Unicode line breaks become `?`, so
/// the comment cannot end early and its text cannot become a line of code.
pub fn comment_text(value: &str) -> String {
    value
        .chars()
        .map(|c| if breaks_a_line(c) { '?' } else { c })
        .collect()
}

fn breaks_a_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Why `name` cannot be a Windows account's user name, if it cannot.
pub fn account_name_problem(name: &str) -> Option<String> {
    if name.chars().any(breaks_a_line) {
        return Some("contains a control character or line break".into());
    }
    if let Some(c) = name.chars().find(|c| NOT_IN_ACCOUNT_NAMES.contains(c)) {
        return Some(format!(
            "contains `{c}`, which a Windows account name cannot"
        ));
    }
    if name.trim_matches([' ', '.']).is_empty() {
        return Some("is empty or only dots and spaces".into());
    }
    let len = name.chars().count();
    (len > MAX_ACCOUNT_NAME).then(|| {
        format!("is {len} characters long; a Windows account name has at most {MAX_ACCOUNT_NAME}")
    })
}

/// Why `name` cannot be a Windows computer's short name, if it cannot: letters, digits,
/// hyphens and underscores, not all digits, at most 63 characters.
pub fn host_name_problem(name: &str) -> Option<String> {
    if name.chars().any(breaks_a_line) {
        return Some("contains a control character or line break".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Some(format!(
            "contains `{c}`, which a Windows computer name cannot"
        ));
    }
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
        return Some("is empty or only digits".into());
    }
    (name.len() > MAX_HOST_NAME)
        .then(|| format!("is longer than the {MAX_HOST_NAME} characters of a computer name"))
}

/// Why `name` cannot be the domain part of `DOMAIN\user` (a NetBIOS or DNS domain name).
pub fn domain_name_problem(name: &str) -> Option<String> {
    if name.chars().any(breaks_a_line) {
        return Some("has a domain part with a control character or line break".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "has a domain part with `{c}`, which a Windows domain name cannot"
        ));
    }
    (name.is_empty() || name.len() > 255).then(|| "has an empty or overlong domain part".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_double_every_single_quote_look_alike() {
        assert_eq!(quote("alice"), "'alice'");
        assert_eq!(quote("o'brien"), "'o''brien'");
        assert_eq!(
            quote("a\u{2019}b\u{2018}"),
            "'a\u{2019}\u{2019}b\u{2018}\u{2018}'"
        );
        assert_eq!(quote("$(x)`#"), "'$(x)`#'");
    }

    #[test]
    fn names_that_cannot_be_windows_names_are_refused() {
        assert!(account_name_problem("a'; Remove-Item -Recurse C:\\ #").is_some());
        assert!(account_name_problem("bob\nWrite-Host").is_some());
        assert!(account_name_problem("o'brien$(x)").is_none());
        assert!(account_name_problem("averyveryverylongname1").is_some());
        assert!(host_name_problem("WS-01").is_none());
        assert!(host_name_problem("WS'01").is_some());
        assert!(host_name_problem("1234").is_some());
        assert!(domain_name_problem("stmary.local").is_none());
        assert!(domain_name_problem("X'").is_some());
        assert_eq!(comment_text("a\r\nb\u{2028}c"), "a??b?c");
    }
}
