//! Differential check of Ward's Sigma matcher against an independent evaluator, `rsigma-eval`.
//!
//! Every SigmaHQ rule under `rules/` is compiled twice — by `ward-sigma` (under a mapping that
//! sends the rule's logsource to one test source with no field renames, so both engines read
//! the same field names) and by `rsigma-eval` — and both judge the same events: events made
//! from the rule's own values (so that matches happen), their mutations (case, a dropped field,
//! an altered value, wildcard characters, numbers for strings and back, several values, null)
//! and random events over the rule's fields. Each (rule, event) where the engines disagree is
//! put in a class; every class must be one explained in `docs/security.md` ("Differential check
//! of the Sigma matcher"), so a new kind of disagreement fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rsigma_parser::{Detection, DetectionItem, Modifier, SigmaRule, SigmaValue, StringPart};
use ward_event::{FieldList, LogSource, Value};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

/// The one source every rule is mapped to.
const PRODUCT: &str = "difftest";

/// A small deterministic PRNG (SplitMix64): the same events on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One field condition of a rule, flattened out of its detections.
struct Item {
    field: Option<String>,
    modifiers: Vec<Modifier>,
    values: Vec<SigmaValue>,
}

fn items_of(d: &Detection, out: &mut Vec<Vec<Item>>) {
    match d {
        Detection::AllOf(items) => out.push(items.iter().map(item).collect()),
        Detection::AnyOf(ds) => ds.iter().for_each(|d| items_of(d, out)),
        Detection::Keywords(values) => out.push(vec![Item {
            field: None,
            modifiers: Vec::new(),
            values: values.clone(),
        }]),
        _ => {}
    }
}

fn item(i: &DetectionItem) -> Item {
    Item {
        field: i.field.name.clone(),
        modifiers: i.field.modifiers.clone(),
        values: i.values.clone(),
    }
}

/// Text that a plain Sigma string matches: wildcards filled in.
fn realize(s: &rsigma_parser::SigmaString, rng: &mut Rng) -> String {
    let mut out = String::new();
    for p in &s.parts {
        match p {
            StringPart::Plain(t) => out.push_str(t),
            StringPart::Special(rsigma_parser::SpecialChar::WildcardMulti) => {
                out.push_str(["", "x", "ab c"][rng.below(3)])
            }
            StringPart::Special(rsigma_parser::SpecialChar::WildcardSingle) => out.push('q'),
        }
    }
    out
}

/// A value the item's condition holds for (as far as a simple construction can tell).
fn satisfying(it: &Item, rng: &mut Rng) -> Option<Value> {
    let has = |m: Modifier| it.modifiers.contains(&m);
    if has(Modifier::Exists) {
        return Some(Value::from("present"));
    }
    let pick: Vec<&SigmaValue> = if has(Modifier::All) {
        it.values.iter().collect()
    } else {
        it.values
            .get(rng.below(it.values.len()))
            .into_iter()
            .collect()
    };
    let mut text = String::new();
    for v in pick {
        match v {
            SigmaValue::String(s) => {
                let mut t = if has(Modifier::Re) {
                    regex_sample(&s.original)
                } else {
                    realize(s, rng)
                };
                if has(Modifier::Cidr) {
                    t = t.split('/').next().unwrap_or_default().to_string();
                }
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&t);
            }
            SigmaValue::Integer(n) if !has(Modifier::All) => return Some(Value::Int(*n)),
            SigmaValue::Float(f) if !has(Modifier::All) => return Some(Value::Float(*f)),
            SigmaValue::Bool(b) if !has(Modifier::All) => return Some(Value::Bool(*b)),
            SigmaValue::Null => return None,
            other => text.push_str(&format!("{other:?}")),
        }
    }
    Some(Value::from(text.as_str()))
}

/// Where an item's value sits in the field's text.
fn position(it: &Item) -> usize {
    let has = |m: Modifier| it.modifiers.contains(&m);
    if has(Modifier::StartsWith) {
        0
    } else if has(Modifier::Contains) || it.field.is_none() {
        1
    } else if has(Modifier::EndsWith) {
        2
    } else {
        3
    }
}

/// One value meeting every item of a group on one field: an exact value if there is one,
/// else `starts… contained… …ends` with filler where a part is missing.
fn satisfying_all(items: &[&Item], rng: &mut Rng) -> Option<Value> {
    let mut parts: [Vec<String>; 3] = Default::default();
    for it in items {
        let v = satisfying(it, rng)?;
        match (position(it), v) {
            (p @ 0..=2, Value::Str(t)) => parts[p].push(t.to_string()),
            (_, v) => return Some(v),
        }
    }
    let [starts, mids, ends] = parts;
    let mut text = if starts.is_empty() {
        "head".to_string()
    } else {
        starts.join(" ")
    };
    for m in mids {
        text.push(' ');
        text.push_str(&m);
    }
    text.push(' ');
    text.push_str(&if ends.is_empty() {
        "tail".to_string()
    } else {
        ends.join(" ")
    });
    Some(Value::from(text.as_str()))
}

/// Events for one rule: built from its values, mutated, and random.
/// `selecting[i]` tells whether group `i` comes from a detection not named `filter…`: one
/// event meets all those, for rules that need several selections and none of their filters.
fn events_for(groups: &[Vec<Item>], selecting: &[bool], rng: &mut Rng) -> Vec<FieldList> {
    let mut base: Vec<FieldList> = Vec::new();
    let (mut every, mut selections) = (FieldList::default(), FieldList::default());
    for (g, &sel) in groups.iter().zip(selecting) {
        let mut e = FieldList::default();
        let mut fields: Vec<&str> = g
            .iter()
            .map(|it| it.field.as_deref().unwrap_or("Keyword"))
            .collect();
        fields.dedup();
        for name in fields {
            let items: Vec<&Item> = g
                .iter()
                .filter(|it| it.field.as_deref().unwrap_or("Keyword") == name)
                .collect();
            let Some(v) = satisfying_all(&items, rng) else {
                continue;
            };
            e.set(name, v.clone());
            // Keyword groups add a value; field groups replace.
            if name == "Keyword" {
                if sel {
                    selections.push(name, v.clone());
                }
                every.push(name, v);
            } else {
                if sel {
                    selections.set(name, v.clone());
                }
                every.set(name, v);
            }
        }
        base.push(e);
    }
    base.push(every);
    base.push(selections);
    let names: Vec<String> = groups
        .iter()
        .flatten()
        .map(|i| i.field.clone().unwrap_or_else(|| "Keyword".into()))
        .collect();
    let mut out = Vec::new();
    for e in &base {
        out.push(e.clone());
        for _ in 0..6 {
            out.push(mutate(e, &names, rng));
        }
    }
    for _ in 0..6 {
        out.push(random_event(&names, groups, rng));
    }
    out
}

fn mutate(e: &FieldList, names: &[String], rng: &mut Rng) -> FieldList {
    let entries: Vec<(String, Value)> = e.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let victim = rng.below(entries.len());
    let kind = rng.below(14);
    let mut out = FieldList::default();
    for (i, (k, v)) in entries.iter().enumerate() {
        let hit = i == victim || kind == 0 || kind == 1;
        if !hit {
            out.push(k.as_str(), v.clone());
            continue;
        }
        let text = match v {
            Value::Str(s) => s.to_string(),
            other => {
                let mut buf = String::new();
                other.text(&mut buf).to_string()
            }
        };
        match kind {
            0 => out.push(k.as_str(), Value::from(text.to_uppercase().as_str())),
            1 => out.push(k.as_str(), Value::from(text.to_lowercase().as_str())),
            2 => {} // dropped
            3 => {
                let mut t: Vec<char> = text.chars().collect();
                if t.is_empty() {
                    t.push('z');
                } else {
                    let at = rng.below(t.len());
                    t[at] = if t[at] == 'z' { 'y' } else { 'z' };
                }
                out.push(
                    k.as_str(),
                    Value::from(t.into_iter().collect::<String>().as_str()),
                )
            }
            4 => {
                let wild = ["*", "?", "\\", "\\*", "%", "."][rng.below(6)];
                let at = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(text.chars().count() + 1));
                let mut t = text.clone();
                t.insert_str(at.unwrap_or(t.len()), wild);
                out.push(k.as_str(), Value::from(t.as_str()))
            }
            5 => match (v, text.parse::<i64>()) {
                (Value::Str(_), Ok(n)) => out.push(k.as_str(), Value::Int(n)),
                (Value::Str(_), Err(_)) => {
                    out.push(k.as_str(), Value::Int(rng.below(70000) as i64))
                }
                _ => out.push(k.as_str(), Value::from(text.as_str())),
            },
            6 => {
                out.push(k.as_str(), Value::from("other value"));
                out.push(k.as_str(), v.clone());
            }
            7 => out.push(k.as_str(), Value::Null),
            8 => out.push(k.as_str(), Value::from("")),
            9 => match v {
                Value::Int(n) => out.push(k.as_str(), Value::Int(n + [-1, 1][rng.below(2)])),
                Value::Float(f) => out.push(k.as_str(), Value::Float(f + 0.5)),
                _ => out.push(k.as_str(), Value::from(format!(" {text} ").as_str())),
            },
            10 => match v {
                Value::Int(n) => out.push(k.as_str(), Value::Float(*n as f64)),
                Value::Float(f) => out.push(k.as_str(), Value::from(f.to_string().as_str())),
                Value::Bool(b) => out.push(k.as_str(), Value::from(b.to_string().as_str())),
                _ => out.push(k.as_str(), Value::from(swap_case(&text).as_str())),
            },
            11 => match (text.as_str(), text.parse::<f64>()) {
                ("true" | "false", _) => out.push(k.as_str(), Value::Bool(text == "true")),
                (_, Ok(f)) => out.push(k.as_str(), Value::Float(f)),
                _ => out.push(k.as_str(), Value::UInt(u64::MAX - rng.below(9) as u64)),
            },
            12 => {
                // Another dash, as `|windash` expects: `-enc` as `/enc`, `–enc` (en dash).
                let dash = ["/", "\u{2013}", "\u{2014}", "\u{2015}", "-"][rng.below(5)];
                out.push(
                    k.as_str(),
                    Value::from(text.replacen(['-', '/'], dash, 1).as_str()),
                )
            }
            _ => {
                // Renamed: the value under another of the rule's fields.
                let other = &names[rng.below(names.len())];
                out.push(other.as_str(), v.clone());
            }
        }
    }
    out
}

/// Mixed case: `CmD.ExE`.
fn swap_case(t: &str) -> String {
    t.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Text a simple regular expression may match: the first branch of each alternation, one of
/// each repeated item, the first character of each class, `.` as `x`, `\\s` as a blank, `\\d`
/// as `1` (good enough for SigmaHQ's mostly literal patterns; a miss is just a no-match).
fn regex_sample(re: &str) -> String {
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::new();
    sample_branch(&chars, &mut 0, &mut out);
    out
}

/// Samples from `at` to the end of the current group, taking its first alternative.
fn sample_branch(p: &[char], at: &mut usize, out: &mut String) {
    let mut skipping = false;
    while *at < p.len() {
        let c = p[*at];
        *at += 1;
        let mut piece = String::new();
        match c {
            ')' => return,
            '|' => skipping = true,
            '(' => {
                // Group flags and non-capturing markers: `(?i)`, `(?:`, `(?P<name>`.
                if p.get(*at) == Some(&'?') {
                    while *at < p.len() && !matches!(p[*at], ':' | ')' | '>') {
                        *at += 1;
                    }
                    if p.get(*at) == Some(&')') {
                        *at += 1;
                        continue;
                    }
                    *at += 1;
                }
                sample_branch(p, at, &mut piece);
            }
            '[' => {
                let mut first = None;
                if p.get(*at) == Some(&'^') {
                    *at += 1;
                    first = Some('#');
                }
                while *at < p.len() && (p[*at] != ']' || first.is_none()) {
                    let mut ch = p[*at];
                    if ch == '\\' && *at + 1 < p.len() {
                        *at += 1;
                        ch = class_char(p[*at]);
                    }
                    first.get_or_insert(ch);
                    *at += 1;
                }
                *at += 1;
                piece.extend(first);
            }
            '\\' => {
                if let Some(&e) = p.get(*at) {
                    *at += 1;
                    if e != 'b' {
                        piece.push(class_char(e));
                    }
                }
            }
            '.' => piece.push('x'),
            '^' | '$' | '?' | '*' | '+' => {}
            '{' => {
                while *at < p.len() && p[*at] != '}' {
                    *at += 1;
                }
                *at += 1;
            }
            c => piece.push(c),
        }
        if !skipping {
            out.push_str(&piece);
        }
    }
}

/// The character an escape or class shorthand stands for in a sample.
fn class_char(e: char) -> char {
    match e {
        's' => ' ',
        'd' => '1',
        'w' => 'w',
        'n' => '\n',
        't' => '\t',
        c => c,
    }
}

fn random_event(names: &[String], groups: &[Vec<Item>], rng: &mut Rng) -> FieldList {
    let mut words: Vec<String> = vec!["a".into(), "C:\\Windows\\x.exe".into(), "0".into()];
    for it in groups.iter().flatten() {
        for v in &it.values {
            if let SigmaValue::String(s) = v {
                words.push(realize(s, rng));
            }
        }
    }
    let mut out = FieldList::default();
    for _ in 0..1 + rng.below(4) {
        let name = &names[rng.below(names.len())];
        let mut t = String::new();
        for _ in 0..1 + rng.below(3) {
            t.push_str(&words[rng.below(words.len())]);
        }
        out.push(name.as_str(), Value::from(t.as_str()));
    }
    out
}

/// Ward's verdict: the rule compiled alone, its logsource mapped to [`PRODUCT`].
fn ward_rule(text: &str, rule: &SigmaRule) -> Option<RuleSet> {
    let ls = &rule.logsource;
    let mut entry = String::from("logsources:\n  - select: [{product: difftest}]\n");
    for (k, v) in [
        ("product", &ls.product),
        ("category", &ls.category),
        ("service", &ls.service),
    ] {
        if let Some(v) = v {
            entry.push_str(&format!("    {k}: {v:?}\n"));
        }
    }
    let mut mapping = Mapping::default();
    mapping.add_yaml("difftest.yml", &entry).ok()?;
    let mut b = RuleSetBuilder::new(mapping);
    b.add_yaml("rule.yml", text);
    let (set, report) = b.build();
    (report.loaded == 1 && report.problems.is_empty()).then_some(set)
}

fn ward_matches(set: &RuleSet, e: &FieldList) -> bool {
    let mut hit = false;
    set.matches_fields(&LogSource::other(PRODUCT, None, None), e, &mut |_| {
        hit = true
    });
    hit
}

fn rsigma_matches(rule: &rsigma_eval::CompiledRule, e: &FieldList) -> bool {
    let json = serde_json::to_value(e).expect("fields serialize");
    rsigma_eval::evaluate_rule(rule, &rsigma_eval::JsonEvent::borrow(&json)).is_some()
}

fn rule_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ward_agrees_with_rsigma_eval_on_sigmahq_rules() {
    let Some(root) = ward_testdata::shared("sigma") else {
        return;
    };
    let started = std::time::Instant::now();
    let mut rng = Rng(0x5157_4d41_7761_7264);
    let (mut rules, mut skipped, mut events, mut agree) = (0usize, 0usize, 0usize, 0usize);
    // Agreements on a match, and rules with at least one: the events do reach the matchers.
    let (mut both_match, mut rules_matched) = (0usize, 0usize);
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained: Vec<String> = Vec::new();
    let files = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .flat_map(|d| rule_files(&root.join(d)));
    for path in files {
        let text = std::fs::read_to_string(&path).expect("rule readable");
        let Ok(collection) = rsigma_parser::parse_sigma_yaml(&text) else {
            eprintln!("skipped (rsigma-parser): {}", path.display());
            skipped += 1;
            continue;
        };
        let [rule] = collection.rules.as_slice() else {
            eprintln!("skipped (not one rule): {}", path.display());
            skipped += 1;
            continue;
        };
        if !collection.correlations.is_empty() || !collection.filters.is_empty() {
            eprintln!("skipped (correlation or filter): {}", path.display());
            skipped += 1;
            continue;
        }
        let (Some(ward), Ok(theirs)) = (ward_rule(&text, rule), rsigma_eval::compile_rule(rule))
        else {
            eprintln!(
                "skipped (one engine refuses it): {}",
                path.strip_prefix(&root).unwrap_or(&path).display()
            );
            skipped += 1;
            continue;
        };
        rules += 1;
        let mut groups = Vec::new();
        // The parser's map of named detections has no order; the events must have one.
        let mut named: Vec<_> = rule.detection.named.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        let mut selecting = Vec::new();
        for (name, d) in named {
            items_of(d, &mut groups);
            selecting.resize(groups.len(), !name.starts_with("filter"));
        }
        if groups.is_empty() {
            continue;
        }
        let mut matched = false;
        for e in events_for(&groups, &selecting, &mut rng) {
            events += 1;
            let (w, r) = (ward_matches(&ward, &e), rsigma_matches(&theirs, &e));
            if w == r {
                agree += 1;
                if w {
                    both_match += 1;
                    matched = true;
                }
                continue;
            }
            let class = classify(&groups, &e, w);
            *classes.entry(class).or_default() += 1;
            if class == UNEXPLAINED && unexplained.len() < 40 {
                unexplained.push(format!(
                    "{}: ward {w}, rsigma {r}: {}",
                    path.strip_prefix(&root).unwrap_or(&path).display(),
                    serde_json::to_string(&e).unwrap_or_default()
                ));
            }
        }
        rules_matched += usize::from(matched);
        // DIFF_UNMATCHED=1 lists the rules no event matched, to improve the generator.
        if !matched && std::env::var_os("DIFF_UNMATCHED").is_some() {
            eprintln!("UNMATCHED {}", path.display());
        }
    }
    eprintln!(
        "differential: {rules} rules compared ({skipped} files skipped), {events} events, \
         {events} evaluations per engine, {agree} agreements ({both_match} on a match; \
         {rules_matched} rules matched at least once), disagreements by class: {classes:?}; \
         {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for u in &unexplained {
        eprintln!("  {u}");
    }
    assert!(rules > 3500, "only {rules} rules compared");
    assert!(
        rules_matched * 100 > rules * 85,
        "only {rules_matched} of {rules} rules matched any event: the generator lost its way"
    );
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements",
        classes[UNEXPLAINED]
    );
}

const UNEXPLAINED: &str = "unexplained";

/// The explained classes of disagreement: (name, holds for this rule, event and Ward's
/// verdict). Each is described in docs/security.md; the first that holds names the class.
type Explains = fn(&[Vec<Item>], &FieldList, bool) -> bool;
const EXPLAINED: &[(&str, Explains)] = &[
    ("keyword list with |all", keyword_all),
    ("number against non-integer text", number_against_text),
    ("|endswith value with a wildcard", endswith_wildcard),
    ("null read as empty text", null_as_empty),
    ("|cidr on padded address text", cidr_padded),
    ("integer above i64::MAX", huge_integer),
    ("number keyword against a number", number_keyword),
    ("|windash value written with /", windash_slash),
];

/// The explained class of a disagreement, or [`UNEXPLAINED`].
fn classify(groups: &[Vec<Item>], e: &FieldList, ward: bool) -> &'static str {
    EXPLAINED
        .iter()
        .find(|(_, holds)| holds(groups, e, ward))
        .map_or(UNEXPLAINED, |(name, _)| name)
}

/// `keywords: {'|all': [a, b]}`: Ward searches every value for each keyword, as for a plain
/// keyword list; rsigma-eval compiles the item without the implicit substring search (an exact
/// match of one string against every keyword), so it never matches.
fn keyword_all(groups: &[Vec<Item>], _: &FieldList, ward: bool) -> bool {
    ward && groups
        .iter()
        .flatten()
        .any(|i| i.field.is_none() && i.modifiers.contains(&Modifier::All))
}

/// A rule value that is a number, compared with event text that is not a decimal integer
/// (`"3."`, `"0x10"`, `" 3"`): rsigma-eval reads the text as a float, Ward as an integer
/// (decimal or hex) or else as text.
fn number_against_text(groups: &[Vec<Item>], e: &FieldList, _: bool) -> bool {
    groups.iter().flatten().any(|i| {
        let Some(f) = i.field.as_deref() else {
            return false;
        };
        i.values
            .iter()
            .any(|v| matches!(v, SigmaValue::Integer(_) | SigmaValue::Float(_)))
            && e.values(f)
                .any(|v| v.as_str().is_some_and(|s| s.parse::<i64>().is_err()))
    })
}

/// `Field|endswith: 'password*.doc'`: by the spec the value is `*password*.doc`; rsigma-eval
/// compiles an endswith value holding a wildcard as a startswith (`password*.doc*`), so
/// `head password.doc` does not match there and `password.doc.bak` does.
fn endswith_wildcard(groups: &[Vec<Item>], _: &FieldList, _: bool) -> bool {
    groups.iter().flatten().any(|i| {
        i.modifiers.contains(&Modifier::EndsWith)
            && i.values.iter().any(|v| {
                matches!(v, SigmaValue::String(s)
                    if s.parts.iter().any(|p| matches!(p, StringPart::Special(_))))
            })
    })
}

/// A null value (in Windows events also an element present with no content) against a value
/// matching empty text (`''`, `|contains: '*'`): Ward compares null as empty text, rsigma-eval
/// matches null only with `null`.
fn null_as_empty(groups: &[Vec<Item>], e: &FieldList, ward: bool) -> bool {
    ward && groups.iter().flatten().any(|i| {
        let Some(f) = i.field.as_deref() else {
            return false;
        };
        e.values(f).any(Value::is_null)
            && i.values.iter().any(|v| {
                matches!(v, SigmaValue::String(s)
                    if s.parts.iter().all(|p| matches!(p, StringPart::Special(_))
                        || matches!(p, StringPart::Plain(t) if t.is_empty())))
            })
    })
}

/// `|cidr` against address text with surrounding blanks (`" 10.1.2.3 "`): Ward trims the
/// text before reading the address, rsigma-eval does not.
fn cidr_padded(groups: &[Vec<Item>], e: &FieldList, _: bool) -> bool {
    groups.iter().flatten().any(|i| {
        i.modifiers.contains(&Modifier::Cidr)
            && i.field.as_deref().is_some_and(|f| {
                e.values(f)
                    .any(|v| v.as_str().is_some_and(|s| s.trim() != s))
            })
    })
}

/// An unsigned integer beyond `i64::MAX`: Ward keeps it exact, rsigma-eval (through JSON)
/// holds it as a rounded float, so its text and its comparisons differ.
fn huge_integer(groups: &[Vec<Item>], e: &FieldList, _: bool) -> bool {
    groups.iter().flatten().any(|i| {
        i.field
            .as_deref()
            .is_some_and(|f| e.values(f).any(|v| matches!(v, Value::UInt(_))))
    })
}

/// A keyword that is a number (`keywords: [0, 6]`) and an event value that is one: Ward's
/// keywords read every value as text, rsigma-eval's only string values.
fn number_keyword(groups: &[Vec<Item>], e: &FieldList, ward: bool) -> bool {
    ward && e.iter().any(|(_, v)| v.as_str().is_none())
        && groups.iter().flatten().any(|i| {
            i.field.is_none()
                && i.values
                    .iter()
                    .any(|v| matches!(v, SigmaValue::Integer(_) | SigmaValue::Float(_)))
        })
}

/// `CommandLine|contains|windash: ' /root,'`: by the spec `windash` turns `-` into `/` and
/// vice versa (Ward also tries `–`, `—`, `―`); rsigma-eval permutes only a `-` written in the
/// rule, so a value written with `/` matches only `/`.
fn windash_slash(groups: &[Vec<Item>], _: &FieldList, ward: bool) -> bool {
    ward && groups.iter().flatten().any(|i| {
        i.modifiers.contains(&Modifier::WindAsh)
            && i.values
                .iter()
                .any(|v| matches!(v, SigmaValue::String(s) if s.original.contains('/')))
    })
}
