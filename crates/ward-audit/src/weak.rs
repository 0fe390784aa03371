//! Ward's small built-in list of passwords people pick (and worms guess), as NT hashes made at
//! run time: MD4 over the UTF-16LE password. The words are listed; their hashes never leave here.

use md4::{Digest, Md4};
use std::collections::HashSet;

/// Passwords seen in every breach and every password-spray word list.
const COMMON: [&str; 16] = [
    "Password1",
    "Password123",
    "Password1!",
    "P@ssw0rd",
    "Passw0rd",
    "Welcome1",
    "Welcome123",
    "Welcome1!",
    "Changeme1",
    "Changeme123",
    "Letmein1",
    "Qwerty123",
    "password",
    "123456",
    "12345678",
    "Monday1",
];

/// Seasons, for `Summer2024`-style passwords.
const SEASONS: [&str; 5] = ["Spring", "Summer", "Autumn", "Fall", "Winter"];

/// Words a hospital's staff reach for.
const HOSPITAL: [&str; 12] = [
    "Hospital",
    "Nurse",
    "Nursing",
    "Doctor",
    "Patient",
    "Clinic",
    "Surgery",
    "Medical",
    "Health",
    "Ward",
    "Pharmacy",
    "Radiology",
];

/// The NT hash of a password: MD4 of its UTF-16LE bytes.
pub(crate) fn nt_hash(password: &str) -> [u8; 16] {
    let bytes: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    Md4::digest(&bytes).into()
}

/// The candidate passwords for years around `year` (the audit's "now").
pub(crate) fn candidates(year: i32) -> Vec<String> {
    let mut out: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
    let years: Vec<String> = (year - 5..=year + 1).map(|y| y.to_string()).collect();
    for word in SEASONS.iter().chain(HOSPITAL.iter()) {
        let suffixes = years
            .iter()
            .map(String::as_str)
            .chain(["1", "123", "1!", "01"]);
        for suffix in suffixes {
            for base in [word.to_string(), word.to_lowercase()] {
                out.push(format!("{base}{suffix}"));
                out.push(format!("{base}{suffix}!"));
            }
        }
    }
    out
}

/// Passwords made from an account's own name: `jsmith`, `Jsmith`, `jsmith1`, `Jsmith123!`, ….
pub(crate) fn from_name(account: &str) -> Vec<String> {
    let bare = account
        .rsplit('\\')
        .next()
        .unwrap_or(account)
        .to_lowercase();
    let mut chars = bare.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for base in [bare.clone(), capital, bare.to_uppercase()] {
        for suffix in ["", "1", "123", "1!", "!"] {
            out.push(format!("{base}{suffix}"));
        }
    }
    out
}

/// The built-in weak list as a set of NT hashes.
pub(crate) fn weak_hashes(year: i32) -> HashSet<[u8; 16]> {
    candidates(year).iter().map(|p| nt_hash(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: [u8; 16]) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn nt_hashes_match_known_values() {
        // Known NT hashes: the empty password and "password".
        assert_eq!(hex(nt_hash("")), "31d6cfe0d16ae931b73c59d7e0c089c0");
        assert_eq!(hex(nt_hash("password")), "8846f7eaee8fb117ad06bdd830b7586c");
    }

    #[test]
    fn names_make_their_own_candidates() {
        let c = from_name("CLINIC\\JSmith");
        for p in ["jsmith", "Jsmith", "JSMITH", "jsmith123", "Jsmith1!"] {
            assert!(c.iter().any(|x| x == p), "{p} missing");
        }
    }

    #[test]
    fn the_list_covers_seasons_and_hospital_words() {
        let c = candidates(2025);
        for p in [
            "Summer2024",
            "Winter2025",
            "Nurse123",
            "hospital2023!",
            "Password1",
        ] {
            assert!(c.iter().any(|x| x == p), "{p} missing");
        }
        assert!(!c.iter().any(|x| x == "Summer2015"));
        assert!(weak_hashes(2025).contains(&nt_hash("Welcome1")));
    }
}
