//! Small name-matching helpers shared by the checks: wildcard patterns, account and product names.

/// Case-insensitive match of `text` against a pattern where `*` stands for any run of characters.
pub(crate) fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Greedy match with backtracking to the last star: linear enough for short names.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

/// True when any pattern matches.
pub(crate) fn any_wildcard(patterns: &[String], text: &str) -> bool {
    patterns.iter().any(|p| wildcard(p, text))
}

/// The key an account is tracked by: lower-case name without domain (`CLINIC\Adm-Jo` → `adm-jo`,
/// `jo@clinic.local` → `jo`).
pub(crate) fn account_key(raw: &str) -> String {
    let raw = raw.trim();
    let name = raw.rsplit('\\').next().unwrap_or(raw);
    let name = name.split('@').next().unwrap_or(name);
    name.to_lowercase()
}

/// Accounts that are the system itself, never a person.
pub(crate) fn is_system_account(key: &str) -> bool {
    key.is_empty()
        || key == "-"
        || key.ends_with('$')
        || matches!(
            key,
            "system" | "local service" | "network service" | "anonymous logon" | "localsystem"
        )
        || key.starts_with("dwm-")
        || key.starts_with("umfd-")
}

/// Lower-case alphanumeric words of a product name, for loose product matching.
pub(crate) fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// True when every word of `needle` appears among the words of `haystack`.
pub(crate) fn contains_words(haystack: &str, needle: &str) -> bool {
    let hay = words(haystack);
    let need = words(needle);
    !need.is_empty() && need.iter().all(|w| hay.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_admin_conventions() {
        assert!(wildcard("adm-*", "ADM-JSmith"));
        assert!(wildcard("*-admin", "jsmith-admin"));
        assert!(!wildcard("*-admin", "jsmith-administrator"));
        assert!(wildcard("administrator", "Administrator"));
        assert!(!wildcard("adm-*", "badm-x"));
        assert!(wildcard("*-dc*", "CLINIC-DC01"));
    }

    #[test]
    fn account_keys_drop_domain() {
        assert_eq!(account_key("CLINIC\\Adm-Jo"), "adm-jo");
        assert_eq!(account_key("jo@clinic.local"), "jo");
        assert!(is_system_account("ws01$"));
        assert!(contains_words("OpenSSL Toolkit 1.0", "openssl"));
        assert!(!contains_words("LibreSSL", "openssl"));
    }
}
