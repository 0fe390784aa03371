//! Password policy from `net accounts` output and `secedit /export` INF files.

/// A password policy as one file states it; `None` where the file does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PasswordPolicy {
    /// File it came from.
    pub source: String,
    /// `net accounts` or `secedit`.
    pub format: &'static str,
    /// Minimum length.
    pub min_length: Option<u32>,
    /// Complexity required (secedit only).
    pub complexity: Option<bool>,
    /// Bad attempts before lockout; 0 = never.
    pub lockout_threshold: Option<u32>,
    /// Passwords remembered.
    pub history: Option<u32>,
    /// Days until a password must change; 0 = never.
    pub max_age_days: Option<u32>,
}

/// A policy when `text` is one of the two formats.
pub(crate) fn read(text: &str, source: &str) -> Option<PasswordPolicy> {
    if text.contains("[System Access]") {
        Some(secedit(text, source))
    } else if text.to_lowercase().contains("minimum password length") {
        Some(net_accounts(text, source))
    } else {
        None
    }
}

/// `[System Access]` keys; `MaximumPasswordAge = -1` means never.
fn secedit(text: &str, source: &str) -> PasswordPolicy {
    let mut p = PasswordPolicy {
        source: source.to_string(),
        format: "secedit",
        ..PasswordPolicy::default()
    };
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line.eq_ignore_ascii_case("[System Access]");
            continue;
        }
        let Some((key, value)) = line.split_once('=').filter(|_| in_section) else {
            continue;
        };
        let n: Option<i64> = value.trim().parse().ok();
        let u = n.and_then(|n| u32::try_from(n).ok());
        match key.trim() {
            "MinimumPasswordLength" => p.min_length = u,
            "PasswordComplexity" => p.complexity = n.map(|n| n != 0),
            "LockoutBadCount" => p.lockout_threshold = u,
            "PasswordHistorySize" => p.history = u,
            "MaximumPasswordAge" => p.max_age_days = n.map(|n| u32::try_from(n).unwrap_or(0)),
            _ => {}
        }
    }
    p
}

/// `net accounts`: `Minimum password length:   7`; `Never` / `Unlimited` / `None` mean 0.
fn net_accounts(text: &str, source: &str) -> PasswordPolicy {
    let mut p = PasswordPolicy {
        source: source.to_string(),
        format: "net accounts",
        ..PasswordPolicy::default()
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let n = match value.to_lowercase().as_str() {
            "never" | "unlimited" | "none" => Some(0),
            v => v.parse::<u32>().ok(),
        };
        let key = key.trim().to_lowercase();
        if key.starts_with("minimum password length") {
            p.min_length = n;
        } else if key.starts_with("lockout threshold") {
            p.lockout_threshold = n;
        } else if key.starts_with("length of password history") {
            p.history = n;
        } else if key.starts_with("maximum password age") {
            p.max_age_days = n;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_read_the_same_settings() {
        let inf = "[Unicode]\nUnicode=yes\n[System Access]\nMinimumPasswordLength = 8\nPasswordComplexity = 1\nLockoutBadCount = 0\nPasswordHistorySize = 24\nMaximumPasswordAge = -1\n[Event Audit]\nMinimumPasswordLength = 99\n";
        let p = read(inf, "a.inf").unwrap();
        assert_eq!(
            (
                p.min_length,
                p.complexity,
                p.lockout_threshold,
                p.history,
                p.max_age_days
            ),
            (Some(8), Some(true), Some(0), Some(24), Some(0))
        );
        let net = "Minimum password length:                              14\nLength of password history maintained:                None\nLockout threshold:                                    5\nMaximum password age (days):                          Unlimited\n";
        let p = read(net, "n.txt").unwrap();
        assert_eq!(
            (
                p.min_length,
                p.complexity,
                p.lockout_threshold,
                p.history,
                p.max_age_days
            ),
            (Some(14), None, Some(5), Some(0), Some(0))
        );
    }
}
