//! String patterns: Sigma values with wildcards, after the encoding modifiers (windash, wide,
//! base64, base64offset) have been applied, compiled to the cheapest test that decides them.

use base64::Engine as _;
use memchr::memmem;
use regex::Regex;

use crate::error::{CompileError, ProblemKind};

/// A piece of a Sigma string value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Literal bytes (UTF-8 until an encoding modifier changes them).
    Lit(Vec<u8>),
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
}

/// A value as a sequence of parts.
pub(crate) type Parts = Vec<Part>;

/// A compiled string test; literals are pre-lowercased unless the pattern is case-sensitive.
#[derive(Debug, Clone)]
pub(crate) enum StrPat {
    /// Whole value equals.
    Exact(Box<str>),
    /// Value starts with.
    Prefix(Box<str>),
    /// Value ends with.
    Suffix(Box<str>),
    /// Value contains.
    Contains(Box<memmem::Finder<'static>>),
    /// `*`: anything.
    Any,
    /// Anything else: an anchored regex over the (lowered) value.
    Glob(Regex),
}

impl StrPat {
    /// Tests `text` (already lowered when the pattern is case-insensitive).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            StrPat::Exact(p) => text == &**p,
            StrPat::Prefix(p) => text.starts_with(&**p),
            StrPat::Suffix(p) => text.ends_with(&**p),
            StrPat::Contains(f) => f.find(text.as_bytes()).is_some(),
            StrPat::Any => true,
            StrPat::Glob(r) => r.is_match(text),
        }
    }
}

/// Parses a Sigma string value: `*` and `?` are wildcards, `\*`, `\?` and `\\` escape them;
/// a backslash before anything else is literal.
pub(crate) fn parse_value(s: &str) -> Parts {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit).into_bytes()));
                }
                parts.push(if c == '*' { Part::Star } else { Part::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit.into_bytes()));
    }
    parts
}

/// Windows accepts `-`, `/` and look-alike dashes for command-line flags; `windash` expands
/// each dash or slash that starts a word into every variant.
pub(crate) fn windash(parts: &Parts) -> Vec<Parts> {
    const VARIANTS: [&str; 5] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"];
    let mut out: Vec<Parts> = vec![Vec::new()];
    let mut prev_word = false;
    for part in parts {
        let Part::Lit(bytes) = part else {
            prev_word = false;
            out.iter_mut().for_each(|p| p.push(part.clone()));
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        // Split the literal at flag characters; each flag position multiplies the variants.
        let mut pieces: Vec<Vec<String>> = vec![vec![String::new()]];
        for c in text.chars() {
            if (c == '-' || c == '/') && !prev_word {
                pieces.push(VARIANTS.iter().map(|v| v.to_string()).collect());
                pieces.push(vec![String::new()]);
            } else if let Some(last) = pieces.last_mut().and_then(|p| p.first_mut()) {
                last.push(c);
            }
            prev_word = c.is_alphanumeric() || c == '_';
        }
        for choices in pieces {
            if out.len() * choices.len() > 4096 {
                break; // a pathological value; keep the variants made so far
            }
            out = out
                .iter()
                .flat_map(|p| {
                    choices
                        .iter()
                        .map(move |c| append_lit(p.clone(), c.as_bytes()))
                })
                .collect();
        }
    }
    out
}

fn append_lit(mut parts: Parts, bytes: &[u8]) -> Parts {
    if bytes.is_empty() {
        return parts;
    }
    match parts.last_mut() {
        Some(Part::Lit(l)) => l.extend_from_slice(bytes),
        _ => parts.push(Part::Lit(bytes.to_vec())),
    }
    parts
}

/// Text encodings for the `wide`/`utf16*` modifiers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Utf16 {
    /// `wide`, `utf16le`.
    Le,
    /// `utf16be`.
    Be,
    /// `utf16`: little-endian with a byte-order mark.
    LeBom,
}

/// Re-encodes every literal as UTF-16.
pub(crate) fn utf16(parts: &Parts, form: Utf16, bom_first: bool) -> Parts {
    let mut first = bom_first;
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(b) => {
                let mut out = Vec::new();
                if first && matches!(form, Utf16::LeBom) {
                    out.extend_from_slice(&[0xFF, 0xFE]);
                }
                first = false;
                for unit in String::from_utf8_lossy(b).encode_utf16() {
                    match form {
                        Utf16::Be => out.extend_from_slice(&unit.to_be_bytes()),
                        _ => out.extend_from_slice(&unit.to_le_bytes()),
                    }
                }
                Part::Lit(out)
            }
            other => other.clone(),
        })
        .collect()
}

/// The single literal of a wildcard-free value, as base64 modifiers require.
fn only_literal(parts: &Parts, modifier: &str) -> Result<Vec<u8>, CompileError> {
    match parts.as_slice() {
        [] => Ok(Vec::new()),
        [Part::Lit(b)] => Ok(b.clone()),
        _ => Err(CompileError::new(
            ProblemKind::UnsupportedModifier,
            format!("`{modifier}` on a value with wildcards"),
        )),
    }
}

/// `base64`: the value as base64 text.
pub(crate) fn base64(parts: &Parts) -> Result<Parts, CompileError> {
    let bytes = only_literal(parts, "base64")?;
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(vec![Part::Lit(text.into_bytes())])
}

/// `base64offset`: the three encodings of the value at byte offsets 0, 1 and 2 inside a longer
/// base64 string, trimmed to the characters that do not depend on the surrounding bytes.
pub(crate) fn base64_offsets(parts: &Parts) -> Result<Vec<Parts>, CompileError> {
    let bytes = only_literal(parts, "base64offset")?;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut padded = vec![b' '; shift];
        padded.extend_from_slice(&bytes);
        let enc = engine.encode(&padded);
        let start = [0, 2, 3][shift];
        let end_trim = [0, 3, 2][(bytes.len() + shift) % 3];
        let end = enc.len().saturating_sub(end_trim);
        if let Some(s) = enc.get(start..end).filter(|s| !s.is_empty()) {
            out.push(vec![Part::Lit(s.as_bytes().to_vec())]);
        }
    }
    Ok(out)
}

/// Lower-cases text the same way for patterns and event values.
pub(crate) fn lower_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.extend(text.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(&text.to_lowercase());
    }
}

fn lit_text(b: &[u8], cased: bool) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::new();
    if cased {
        out.push_str(&s);
    } else {
        lower_into(&s, &mut out);
    }
    out
}

/// Compiles parts to a [`StrPat`]; `cased` keeps literals as written.
pub(crate) fn compile(parts: &Parts, cased: bool) -> Result<StrPat, CompileError> {
    let parts = normalise(parts);
    let pat = match parts.as_slice() {
        [] => StrPat::Exact("".into()),
        [Part::Star] => StrPat::Any,
        [Part::Lit(l)] => StrPat::Exact(lit_text(l, cased).into()),
        [Part::Lit(l), Part::Star] => StrPat::Prefix(lit_text(l, cased).into()),
        [Part::Star, Part::Lit(l)] => StrPat::Suffix(lit_text(l, cased).into()),
        [Part::Star, Part::Lit(l), Part::Star] => StrPat::Contains(Box::new(
            memmem::Finder::new(lit_text(l, cased).as_bytes()).into_owned(),
        )),
        _ => {
            let mut re = String::from("(?s)^");
            for p in &parts {
                match p {
                    Part::Lit(l) => re.push_str(&regex::escape(&lit_text(l, cased))),
                    Part::Star => re.push_str(".*"),
                    Part::One => re.push('.'),
                }
            }
            re.push('$');
            let r = Regex::new(&re)
                .map_err(|e| CompileError::new(ProblemKind::BadValue, e.to_string()))?;
            StrPat::Glob(r)
        }
    };
    Ok(pat)
}

/// Merges adjacent literals and runs of `*`.
fn normalise(parts: &Parts) -> Parts {
    let mut out: Parts = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.extend_from_slice(b),
            (Some(Part::Star), Part::Star) => {}
            (_, Part::Lit(b)) if b.is_empty() => {}
            _ => out.push(p.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Lit(s.as_bytes().to_vec())
    }

    #[test]
    fn escapes_make_wildcards_literal() {
        assert_eq!(parse_value(r"a\*b"), vec![lit("a*b")]);
        assert_eq!(parse_value(r"a\?b"), vec![lit("a?b")]);
        assert_eq!(parse_value(r"C:\\Windows\*"), vec![lit(r"C:\Windows*")]);
        assert_eq!(parse_value(r"C:\Windows\x"), vec![lit(r"C:\Windows\x")]);
        assert_eq!(
            parse_value("a*b?"),
            vec![lit("a"), Part::Star, lit("b"), Part::One]
        );
    }

    #[test]
    fn patterns_pick_the_cheapest_test() {
        let p = compile(&parse_value("*\\Cmd.EXE"), false).unwrap();
        assert!(matches!(p, StrPat::Suffix(ref s) if &**s == "\\cmd.exe"));
        let g = compile(&parse_value("a*b?c"), false).unwrap();
        assert!(g.is_match("axxxbzc"));
        assert!(!g.is_match("axxxbc"));
        let lit = compile(&parse_value(r"a\*b"), false).unwrap();
        assert!(lit.is_match("a*b"));
        assert!(!lit.is_match("axb"));
    }

    #[test]
    fn windash_expands_flags_at_word_start_only() {
        let v = windash(&parse_value("-enc x-y"));
        assert_eq!(v.len(), 5);
        let texts: Vec<String> = v
            .iter()
            .map(|p| match p.as_slice() {
                [Part::Lit(b)] => String::from_utf8(b.clone()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(texts.contains(&"/enc x-y".to_string()));
        assert!(texts.contains(&"\u{2015}enc x-y".to_string()));
        assert!(texts.contains(&"-enc x-y".to_string()));
    }

    #[test]
    fn base64offset_matches_every_alignment() {
        let engine = base64::engine::general_purpose::STANDARD;
        let variants = base64_offsets(&parse_value("http")).unwrap();
        let texts: Vec<String> = variants
            .iter()
            .map(|p| match p.as_slice() {
                [Part::Lit(b)] => String::from_utf8(b.clone()).unwrap(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(texts, ["aHR0c", "h0dH", "odHRw"]);
        for prefix in ["", "x", "xy"] {
            let enc = engine.encode(format!("{prefix}http://evil"));
            assert!(
                texts.iter().any(|t| enc.contains(t.as_str())),
                "{prefix}: {enc}"
            );
        }
    }

    #[test]
    fn wide_interleaves_nuls_and_base64_encodes() {
        let w = utf16(&parse_value("ab"), Utf16::Le, true);
        assert_eq!(w, vec![Part::Lit(vec![b'a', 0, b'b', 0])]);
        let b = base64(&w).unwrap();
        assert_eq!(b, vec![lit("YQBiAA==")]);
        let be = utf16(&parse_value("a"), Utf16::Be, true);
        assert_eq!(be, vec![Part::Lit(vec![0, b'a'])]);
        assert!(base64(&parse_value("a*")).is_err());
    }
}
