//! Log text shown on a terminal: control characters escaped, so a crafted log line cannot move
//! the cursor, clear the screen or forge other lines.

use std::borrow::Cow;

/// `s` with every control character (C0, DEL, C1) written as `\n`, `\t`, `\r` or `\u{..}`.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(super::escape_control("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(super::escape_control("plain"), "plain");
    }
}
