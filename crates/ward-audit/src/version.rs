//! Version comparison that copes with what inventories hold: `1.0.1g`, `6.1.7601`,
//! `10.0.19045.3693`, `2.4.0-rc1`.

use std::cmp::Ordering;

/// One run of a version string: digits compare as numbers, letters as text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(u64),
    Word(String),
}

/// Words that mark a pre-release, which sorts before the release it leads to (`2.0rc1 < 2.0`).
const PRE_RELEASE: [&str; 6] = ["alpha", "beta", "rc", "pre", "dev", "preview"];

fn parts(v: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut chars = v.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n: u64 = 0;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push(Part::Num(n));
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphabetic()) {
                w.extend(c.to_lowercase());
                chars.next();
            }
            out.push(Part::Word(w));
        } else {
            chars.next();
        }
    }
    out
}

fn is_pre(p: &Part) -> bool {
    matches!(p, Part::Word(w) if PRE_RELEASE.contains(&w.as_str()))
}

/// Compares two version strings run by run. A trailing letter is a later patch (`1.0.1 <
/// 1.0.1a < 1.0.1g < 1.0.2`), except pre-release words (`2.0-rc1 < 2.0`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    let mut i = 0;
    loop {
        match (pa.get(i), pb.get(i)) {
            (None, None) => return Ordering::Equal,
            (Some(x), None) => {
                return if is_pre(x) {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (None, Some(y)) => {
                return if is_pre(y) {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (Some(x), Some(y)) => {
                let ord = match (x, y) {
                    (Part::Num(m), Part::Num(n)) => m.cmp(n),
                    (Part::Word(m), Part::Word(n)) => m.cmp(n),
                    // A number after a shared prefix is a release; a pre-release word sorts below it.
                    (Part::Num(_), Part::Word(_)) => {
                        if is_pre(y) {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (Part::Word(_), Part::Num(_)) => {
                        if is_pre(x) {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
        i += 1;
    }
}

/// True when `prefix` names a version family `version` belongs to (`6.1` of `6.1.7601`,
/// `1.0.2` of `1.0.2k`); an empty prefix matches every version.
pub(crate) fn has_prefix(version: &str, prefix: &str) -> bool {
    let (v, p) = (parts(version), parts(prefix));
    p.len() <= v.len() && v.iter().zip(&p).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn letter_suffixes_are_later_patches() {
        assert_eq!(compare_versions("1.0.1", "1.0.1a"), Less);
        assert_eq!(compare_versions("1.0.1f", "1.0.1g"), Less);
        assert_eq!(compare_versions("1.0.1g", "1.0.1g"), Equal);
        assert_eq!(compare_versions("1.0.1z", "1.0.2"), Less);
        assert_eq!(compare_versions("1.0.0", "1.0.1"), Less);
        assert_eq!(compare_versions("10.0.19045", "6.1.7601"), Greater);
        assert_eq!(compare_versions("2.0-rc1", "2.0"), Less);
        assert_eq!(compare_versions("2.0", "2.0.1"), Less);
    }

    #[test]
    fn prefixes_name_families() {
        assert!(has_prefix("6.1.7601", "6.1"));
        assert!(has_prefix("1.0.2k", "1.0.2"));
        assert!(!has_prefix("1.0.20", "1.0.2"));
        assert!(has_prefix("anything", ""));
    }
}
