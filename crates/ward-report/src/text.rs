//! Making log text safe to show. Log values are hostile: a terminal must not receive their escape
//! sequences, and no reader should see text reordered by bidi controls (a file named
//! `invoice\u{202E}fdp.exe` must not pass for a PDF). Every sink shows such characters as visible
//! escapes instead of dropping them, so the analyst sees that they were there.

use std::borrow::Cow;
use std::fmt::Write;

/// True for characters that must not reach a reader raw: C0/C1 controls, DEL, and the Unicode
/// controls that reorder or hide text.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The text with control and bidi characters replaced by visible escapes (`\n`, `\x1B`,
/// `\u{202E}`); borrowed when nothing needed replacing.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x100 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:04X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Appends `s` to `out` escaped for HTML text and double-quoted attribute values, after
/// [`visible`]. Escaping `'` too keeps the same function safe in single-quoted attributes.
pub fn push_html(out: &mut String, s: &str) {
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for HTML (see [`push_html`]).
#[cfg(test)]
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_html(&mut out, s);
    out
}

/// Shortens `s` to at most `max` characters, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => {
            let keep = s[..cut].char_indices().last().map_or(0, |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..keep]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible() {
        assert_eq!(visible("plain"), "plain");
        assert_eq!(visible("a\u{1b}[31mred"), "a\\x1B[31mred");
        assert_eq!(visible("invoice\u{202E}fdp.exe"), "invoice\\u{202E}fdp.exe");
        assert_eq!(visible("x\0y\nz"), "x\\0y\\nz");
        assert_eq!(visible("\u{9b}"), "\\x9B");
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(html("</style>\u{202E}"), "&lt;/style&gt;\\u{202E}");
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("abcdef", 10), "abcdef");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ééééé", 3), "éé…");
    }
}
