//! The checklist as Markdown and as a self-contained HTML page. Names from the case are code
//! spans (Markdown) or `<code>` (HTML); every value is escaped for its language.

use super::{Checklist, Span};
use std::fmt::Write;

/// The checklist as Markdown task lists.
pub fn markdown(list: &Checklist) -> String {
    let mut out = format!("# {}\n\n", md_text(&list.title));
    for p in &list.summary {
        let _ = writeln!(out, "{}\n", md_spans(p));
    }
    for section in &list.sections {
        let _ = writeln!(out, "## {}\n", md_text(section.title));
        for item in &section.items {
            let _ = writeln!(out, "- [ ] {}", md_spans(&item.spans));
            for sub in &item.sub {
                let _ = writeln!(out, "  - {}", md_spans(sub));
            }
        }
        out.push('\n');
    }
    out
}

/// The checklist as one HTML page with its style inline and no scripts.
pub fn html(list: &Checklist) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        html_text(&list.title),
        html_text(&list.title)
    );
    for p in &list.summary {
        let _ = writeln!(out, "<p>{}</p>", html_spans(p));
    }
    for section in &list.sections {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<ul class=\"tasks\">",
            html_text(section.title)
        );
        for item in &section.items {
            let _ = write!(
                out,
                "<li><label><input type=\"checkbox\"> {}</label>",
                html_spans(&item.spans)
            );
            if !item.sub.is_empty() {
                out.push_str("\n<ul>\n");
                for sub in &item.sub {
                    let _ = writeln!(out, "<li>{}</li>", html_spans(sub));
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
h2{border-bottom:1px solid #ccc;margin-top:2rem}ul.tasks{list-style:none;padding-left:0}\
ul.tasks>li{margin:.6rem 0}code{background:#f3f3f3;padding:0 .2rem;word-break:break-all}\
@media print{input{width:1rem;height:1rem}}";

fn md_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => md_text(t),
            Span::Code(c) => md_code(c),
            Span::Prose(p) => prose(p, md_text, md_code),
        })
        .collect()
}

fn html_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => html_text(t),
            Span::Code(c) => html_code(c),
            Span::Prose(p) => prose(p, html_text, html_code),
        })
        .collect()
}

/// Case text that marks code with backticks (readiness remediations): balanced backtick pairs
/// become code, everything else text.
fn prose(text: &str, as_text: fn(&str) -> String, as_code: fn(&str) -> String) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return as_text(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 0 { as_text(p) } else { as_code(p) })
        .collect()
}

/// Line breaks and control characters would end a list item or a heading: spaces instead.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Plain text in Markdown: every character Markdown (CommonMark, GitHub) could act on inline is
/// backslash-escaped, and so is a leading list or heading marker, so no name becomes a link,
/// emphasis, HTML, a heading or a list.
pub fn md_text(s: &str) -> String {
    let line = one_line(s);
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.chars().enumerate() {
        let inline = "\\`*_[]<>&#|~!".contains(c);
        let block_start =
            (i == 0 && "-+=".contains(c)) || (i == digits && digits > 0 && ".)".contains(c));
        if inline || block_start {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span that holds `s` literally, whatever backticks it contains.
pub fn md_code(s: &str) -> String {
    let s = one_line(s);
    if s.trim().is_empty() {
        return md_text(&s);
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick or space needs a space inside each fence,
    // which CommonMark strips again.
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text in HTML, every markup character escaped.
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_code(s: &str) -> String {
    format!("<code>{}</code>", html_text(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(md_code("WS-01"), "`WS-01`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x``"), "``` `x`` ```");
        assert_eq!(md_code("a\nb"), "`a b`");
    }

    #[test]
    fn text_escapes_markdown_and_html() {
        assert_eq!(md_text("[x](y) <b>"), "\\[x\\](y) \\<b\\>");
        assert_eq!(md_text("1. # a"), "1\\. \\# a");
        assert_eq!(md_text("- x"), "\\- x");
        assert_eq!(
            html_text("<a href='x'>&"),
            "&lt;a href=&#39;x&#39;&gt;&amp;"
        );
        assert_eq!(
            prose("Enable `Audit` now", md_text, md_code),
            "Enable `Audit` now"
        );
    }
}
