//! What a name looks like: local or not, its registered domain, its character entropy and how
//! algorithmic it looks. Pure functions of the name.

use std::collections::HashMap;

/// Names of the local network, never scored: single labels, multicast DNS and link-local
/// suffixes, reverse look-ups, and the special-use suffixes of RFC 6761/8375.
pub fn is_local_name(name: &str) -> bool {
    const LOCAL: [&str; 8] = [
        ".local",
        ".arpa",
        ".localdomain",
        ".lan",
        ".internal",
        ".home",
        ".localhost",
        ".invalid",
    ];
    !name.contains('.') || LOCAL.iter().any(|suffix| name.ends_with(suffix))
}

/// The registered domain: the last two labels, three under `co.uk`-style suffixes.
pub fn parent_domain(name: &str) -> &str {
    let labels: Vec<&str> = name.rsplitn(4, '.').collect();
    let keep = match labels.as_slice() {
        [tld, second, ..]
            if tld.len() == 2
                && matches!(*second, "co" | "com" | "net" | "org" | "gov" | "ac" | "edu") =>
        {
            3
        }
        _ => 2,
    };
    let cut: usize = labels.iter().take(keep).map(|l| l.len() + 1).sum();
    name.get(name.len().saturating_sub(cut.saturating_sub(1))..)
        .unwrap_or(name)
}

/// Shannon entropy of the characters of `s`, bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// How algorithmic a domain label looks, 0–1: long, few vowels, long consonant runs, digits
/// mixed into letters, high entropy. Dictionary-like labels (`microsoft`, `cloudfront`) score low.
pub fn dga_likeness(label: &str) -> f64 {
    let n = label.len();
    if n < 7 {
        return 0.0;
    }
    let letters = label.bytes().filter(u8::is_ascii_alphabetic).count().max(1);
    let vowels = label.bytes().filter(|b| b"aeiouy".contains(b)).count();
    let digits = label.bytes().filter(u8::is_ascii_digit).count();
    let mut run = 0;
    let mut longest = 0;
    for b in label.bytes() {
        if b.is_ascii_alphabetic() && !b"aeiouy".contains(&b) {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let vowel_share = vowels as f64 / letters as f64;
    // English-like text has about 40 % vowels; random a–z about 23 %.
    let few_vowels = ((0.38 - vowel_share) / 0.18).clamp(0.0, 1.0);
    let consonant_run = ((longest as f64 - 3.0) / 3.0).clamp(0.0, 1.0);
    let mixed_digits = if digits > 0 && digits < n { 0.5 } else { 0.0 };
    let length = ((n as f64 - 8.0) / 8.0).clamp(0.0, 1.0);
    let ent = ((entropy(label) - 2.8) / 0.9).clamp(0.0, 1.0);
    (0.3 * few_vowels + 0.2 * consonant_run + 0.1 * mixed_digits + 0.15 * length + 0.25 * ent)
        .clamp(0.0, 1.0)
}
