//! Hostile names never become PowerShell code. A small tokenizer of our own splits the reset
//! script into code, single-quoted string literals, expandable strings and comments the way
//! PowerShell does; every hostile fragment must sit inside a single-quoted literal or a comment,
//! each literal must read back as the name it holds, and the script's code (literals and
//! comments set aside) must be the same as for a case of harmless names.

use serde_json::{Value, json};
use ward_respond::{CaseReport, Kit, KitOptions, reset};

/// What PowerShell makes of a stretch of the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code,
    /// `'…'`: no expansion; the only safe place for a name.
    Literal,
    /// `"…"`: `$(…)` and backticks expand in it, so it counts as code.
    Expandable,
    Comment,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    /// Byte range in the script.
    start: usize,
    end: usize,
    /// A literal's value (quotes undoubled).
    value: String,
}

const SINGLE: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const DOUBLE: &[char] = &['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// Splits PowerShell source into tokens; code is one token per character.
fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let pos = |i: usize| chars.get(i).map_or(src.len(), |&(p, _)| p);
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = i;
        let mut value = String::new();
        let kind = if c == '<' && at(i + 1) == Some('#') {
            i += 2;
            while !(at(i) == Some('#') && at(i + 1) == Some('>')) {
                at(i).ok_or("unterminated block comment")?;
                i += 1;
            }
            i += 2;
            Kind::Comment
        } else if c == '#' && (i == 0 || at(i - 1).is_some_and(|p| " \t\r\n;(){}|&,=".contains(p)))
        {
            while at(i).is_some_and(|c| c != '\r' && c != '\n') {
                i += 1;
            }
            Kind::Comment
        } else if c == '@' && at(i + 1).is_some_and(|n| SINGLE.contains(&n) || DOUBLE.contains(&n))
        {
            return Err(format!("here-string at {}", pos(i)));
        } else if SINGLE.contains(&c) {
            i += 1;
            loop {
                let c = at(i).ok_or("unterminated single-quoted string")?;
                if SINGLE.contains(&c) {
                    if at(i + 1).is_some_and(|n| SINGLE.contains(&n)) {
                        value.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                value.push(c);
                i += 1;
            }
            Kind::Literal
        } else if DOUBLE.contains(&c) {
            i += 1;
            loop {
                let c = at(i).ok_or("unterminated double-quoted string")?;
                // A backtick escapes the next character; a doubled quote is a quote.
                let doubled = DOUBLE.contains(&c) && at(i + 1).is_some_and(|n| DOUBLE.contains(&n));
                if c == '`' || doubled {
                    i += 2;
                } else if DOUBLE.contains(&c) {
                    i += 1;
                    break;
                } else {
                    i += 1;
                }
            }
            Kind::Expandable
        } else {
            i += 1;
            Kind::Code
        };
        tokens.push(Token {
            kind,
            start: pos(start),
            end: pos(i),
            value,
        });
    }
    Ok(tokens)
}

/// The script with every literal replaced by `''` and comments dropped: its code alone.
fn skeleton(src: &str, tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t.kind {
            Kind::Literal => "''",
            Kind::Comment => "",
            _ => &src[t.start..t.end],
        })
        .collect()
}

/// True when every occurrence of `fragment` lies inside one literal or one comment.
fn only_inert(src: &str, tokens: &[Token], fragment: &str) -> bool {
    src.match_indices(fragment).all(|(at, f)| {
        tokens.iter().any(|t| {
            matches!(t.kind, Kind::Literal | Kind::Comment)
                && t.start <= at
                && at + f.len() <= t.end
        })
    })
}

/// Account user names that are legal Windows names and hostile PowerShell.
const HOSTILE_USERS: &[&str] = &[
    "o'$(Stop-Computer)",
    "x\u{2019} (Stop-Computer)\u{2019}",
    "a`'b #c",
    "\u{2018}) x\u{201B}\u{201A}",
];
/// Names that cannot be Windows names: refused.
const REFUSED_USERS: &[&str] = &[
    "a'; Remove-Item -Recurse C:\\ #",
    "bob\nStop-Computer",
    "x<#y#>",
];

fn case(users: &[&str], device: &str, service_note: &str) -> Value {
    let entry = |account: String, kind: &str, host: &str| {
        json!({"account": account, "hosts": [host], "logon_types": [kind],
               "evidence": [{"host": host, "kind": "7045", "summary": service_note}]})
    };
    let mut reset: Vec<Value> = users
        .iter()
        .map(|u| entry(format!("CLINIC\\{u}"), "2", "WS-01"))
        .collect();
    reset.extend(users.iter().map(|u| {
        entry(
            format!("CLINIC\\svc_{}", u.chars().take(5).collect::<String>()),
            "5",
            "FS-01",
        )
    }));
    reset.push(entry(format!("KIOSK-01\\{}", users[0]), "2", "KIOSK-01"));
    json!({
        "schema_version": "1.1",
        "generated_at": "2026-05-01T00:00:00Z",
        "overview": {
            "patient_zero": ["WS-01"],
            "affected_devices": [
                {"host": "WS-01", "clinical": false, "clusters": ["C1"], "patient_zero": true},
                {"host": "FS-01", "role": "domain-controller", "clusters": ["C1"]},
                {"host": "KIOSK-01", "clinical": true, "clusters": ["C1"]},
                {"host": device, "clusters": ["C1"]}
            ]
        },
        "accounts": {
            "reset": reset,
            "reset_if_confirmed": [entry(format!("CLINIC\\{}", users[1]), "2", "WS-02")]
        }
    })
}

fn script(case: Value) -> (String, Vec<String>) {
    let case: CaseReport = serde_json::from_value(case).expect("a case");
    let files = reset::write(&Kit::from_case(&case), &KitOptions::default());
    (files[0].text.clone(), files[0].refused.clone())
}

#[test]
fn hostile_names_are_only_ever_inside_single_quoted_literals_or_comments() {
    let note = "svc <# x #> ran\n$(Stop-Computer) `whoami` ; Remove-Item -Recurse C:\\";
    let (text, refused) = script(case(HOSTILE_USERS, "$(Stop-Computer)", note));
    let tokens = tokenize(&text).expect("the script tokenizes");
    for fragment in HOSTILE_USERS.iter().copied().chain([
        "$(Stop-Computer)",
        "Stop-Computer",
        "Remove-Item -Recurse",
        "`whoami`",
        "<#",
        "#>",
    ]) {
        assert!(
            only_inert(&text, &tokens, fragment),
            "{fragment:?} is code in:\n{text}"
        );
    }
    // Each name reads back from a literal exactly as the logs wrote it.
    let literals: Vec<&str> = tokens
        .iter()
        .filter(|t| t.kind == Kind::Literal)
        .map(|t| t.value.as_str())
        .collect();
    for u in HOSTILE_USERS {
        assert!(literals.contains(u), "no literal holds {u:?}");
        assert!(literals.contains(&format!("CLINIC\\{u}").as_str()));
    }
    // The device name that cannot be a computer name is left out of the refusal check, with why.
    assert!(!literals.contains(&"$(Stop-Computer)"));
    assert!(
        refused
            .iter()
            .any(|r| r.contains("$(Stop-Computer)") && r.contains("computer name"))
    );
    // Comments carry no raw line break from the logs.
    assert!(!text.contains("ran\n$("));
}

#[test]
fn names_that_cannot_be_windows_names_are_refused_with_the_reason() {
    let users: Vec<&str> = ["alice", "bob"]
        .iter()
        .chain(REFUSED_USERS)
        .copied()
        .collect();
    let (text, refused) = script(case(&users, "WS-09", "x"));
    for u in REFUSED_USERS {
        let shown = format!("{:?}", format!("CLINIC\\{u}"));
        assert!(
            refused
                .iter()
                .any(|r| r.contains(&shown) && r.starts_with("reset-accounts.ps1: account")),
            "{u:?} not refused: {refused:#?}"
        );
    }
    assert!(refused.iter().any(|r| r.contains("contains `;`")));
    assert!(
        refused
            .iter()
            .any(|r| r.contains("control character or line break"))
    );
    assert!(!text.contains("Remove-Item -Recurse") && !text.contains("bob\nStop"));
    tokenize(&text).expect("the script tokenizes");
}

#[test]
fn the_code_is_the_same_whatever_the_names() {
    let note = "svc <# x #> ran\n$(Stop-Computer)";
    let (hostile, _) = script(case(HOSTILE_USERS, "WS-09", note));
    let (plain, _) = script(case(&["anna", "ben", "carl", "dora"], "WS-09", "svc ran"));
    let skeleton_of = |s: &str| skeleton(s, &tokenize(s).expect("tokenizes"));
    assert_eq!(skeleton_of(&hostile), skeleton_of(&plain));
}

#[test]
fn the_tokenizer_knows_where_strings_and_comments_end() {
    let src = "$a = 'it''s' + 'x\u{2019}\u{2019}y' # c 'd'\n\"$(e)\" <# f\n #> g";
    let tokens = tokenize(src).expect("tokenizes");
    let of = |k: Kind| -> Vec<&str> {
        tokens
            .iter()
            .filter(|t| t.kind == k)
            .map(|t| &src[t.start..t.end])
            .collect()
    };
    assert_eq!(of(Kind::Literal), ["'it''s'", "'x\u{2019}\u{2019}y'"]);
    assert_eq!(of(Kind::Comment), ["# c 'd'", "<# f\n #>"]);
    assert_eq!(of(Kind::Expandable), ["\"$(e)\""]);
    assert!(!only_inert(src, &tokens, "$(e)"));
    assert!(tokenize("'open").is_err());
}
