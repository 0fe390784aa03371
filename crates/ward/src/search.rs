//! `ward search`: the events of every format Ward reads that hold a keyword, match a regular
//! expression, or pass a Sigma-style field condition (`--where`), narrowed by time, host,
//! channel and EventID. Files are read in parallel; the output is in input order.
//!
//! `--where 'Image|endswith: "\wmiapsrvex.exe" and EventID: 1'` is turned into a one-rule Sigma
//! document (one selection per `field: value` term, the `and`/`or`/`not`/parentheses kept as
//! its condition) and compiled by Ward's own Sigma engine, so it matches exactly what that rule
//! matches in a hunt.

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use regex::{Regex, RegexBuilder};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use ward_event::{Event, Fields, Timestamp, Value};
use ward_sigma::{Mapping, RuleSet, RuleSetBuilder};

use crate::cli::{SearchArgs, SearchFormat};
use crate::exit;
use crate::prefilter::FilePrefilter;

/// Compiled regexes (and their lazy DFAs) may use this much memory each: a hostile pattern is
/// refused instead of exhausting memory.
const REGEX_SIZE_LIMIT: usize = 10 << 20;

/// What an event must satisfy to be listed.
pub struct Query {
    matcher: Matcher,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    host: Option<String>,
    channel: Option<String>,
    event_ids: Vec<u32>,
}

enum Matcher {
    /// Any field value matches one of the patterns (keywords are escaped into patterns).
    Text(Vec<Regex>),
    /// The one-rule set compiled from `--where`.
    Rule(Box<RuleSet>),
}

/// One event that matched, as listed.
#[derive(serde::Serialize)]
pub struct Hit {
    pub time: Timestamp,
    pub host: String,
    pub source: String,
    pub event_id: Option<u32>,
    pub record_id: Option<u64>,
    pub file: String,
    pub position: u64,
    pub fields: ward_event::FieldList,
}

impl Query {
    /// A query from the command line's pattern options: keywords and `-e` regexes (any of them
    /// matches a value), or one `--where` condition.
    pub fn new(
        keywords: &[String],
        regexes: &[String],
        condition: Option<&str>,
        case_sensitive: bool,
    ) -> Result<Self> {
        let matcher = match condition {
            Some(expr) => {
                if !keywords.is_empty() || !regexes.is_empty() {
                    bail!("--where cannot be combined with a keyword or -e");
                }
                Matcher::Rule(Box::new(compile_where(expr)?))
            }
            None => {
                let mut patterns = Vec::new();
                for k in keywords {
                    patterns.push(pattern(&regex::escape(k), case_sensitive)?);
                }
                for r in regexes {
                    patterns.push(pattern(r, case_sensitive)?);
                }
                if patterns.is_empty() {
                    bail!("give a keyword, -e REGEX or --where EXPR to search for");
                }
                Matcher::Text(patterns)
            }
        };
        Ok(Query {
            matcher,
            from: None,
            to: None,
            host: None,
            channel: None,
            event_ids: Vec::new(),
        })
    }

    /// Only events in `[from, to)`, from `host` (short name or FQDN, any case), from a channel
    /// or source label equal to `channel` (any case), with one of `event_ids` (when not empty).
    pub fn narrowed(
        mut self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        host: Option<&str>,
        channel: Option<&str>,
        event_ids: &[u32],
    ) -> Self {
        self.from = from;
        self.to = to;
        self.host = host.map(str::to_lowercase);
        self.channel = channel.map(str::to_lowercase);
        self.event_ids = event_ids.to_vec();
        self
    }

    /// The literals a matching event's raw record must contain (one of them), when the matcher
    /// is plain keywords: lets a reader skip what cannot match.
    fn literals(&self, keywords: &[String]) -> Option<Vec<String>> {
        match &self.matcher {
            Matcher::Text(p) if p.len() == keywords.len() => Some(keywords.to_vec()),
            _ => None,
        }
    }

    /// True when `event` passes the narrowing options and the pattern or condition.
    pub fn matches(&self, event: &Event) -> bool {
        if self.from.is_some_and(|from| event.time < from)
            || self.to.is_some_and(|to| event.time >= to)
        {
            return false;
        }
        if !self.event_ids.is_empty()
            && !event
                .source
                .event_id
                .is_some_and(|id| self.event_ids.contains(&id))
        {
            return false;
        }
        if let Some(host) = &self.host {
            let short = event.host.short().to_lowercase();
            let fqdn = event.host.fqdn().map(str::to_lowercase);
            if &short != host && fqdn.as_deref() != Some(host.as_str()) {
                return false;
            }
        }
        if let Some(channel) = &self.channel
            && &event.source.label().to_lowercase() != channel
        {
            return false;
        }
        match &self.matcher {
            Matcher::Rule(rules) => {
                let mut hit = false;
                rules.matches(event, &mut |_| hit = true);
                hit
            }
            Matcher::Text(patterns) => {
                let mut buf = String::new();
                let mut hit = false;
                event.fields.for_each_field(&mut |_, value| {
                    if !hit {
                        let text = value.text(&mut buf);
                        hit = patterns.iter().any(|p| p.is_match(text));
                    }
                });
                hit
            }
        }
    }
}

fn pattern(source: &str, case_sensitive: bool) -> Result<Regex> {
    RegexBuilder::new(source)
        .case_insensitive(!case_sensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .with_context(|| format!("invalid regular expression `{source}`"))
}

/// The log sources a `--where` condition is also compiled for, besides Windows.
const NETWORK_LOGSOURCES: [&str; 4] = [
    "{product: zeek}",
    "{category: firewall}",
    "{category: proxy}",
    "{category: dns}",
];

/// Compiles `--where EXPR` into a rule set: the same condition as a Windows rule
/// (`logsource: {product: windows}`, so Windows field names apply) and as a rule for each
/// network log source; an event matches when any does.
pub fn compile_where(expr: &str) -> Result<RuleSet> {
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    builder.add_yaml("--where", &where_rule_yaml(expr, "{product: windows}")?);
    for logsource in NETWORK_LOGSOURCES {
        builder.add_yaml("--where", &where_rule_yaml(expr, logsource)?);
    }
    let (rules, report) = builder.build();
    // The condition only has to compile for one kind of log.
    if rules.is_empty() {
        match report.problems.first() {
            Some(p) => bail!("--where `{expr}`: {}: {}", p.reason, p.detail),
            None => bail!("--where `{expr}` gives no rule"),
        }
    }
    Ok(rules)
}

/// The Sigma rule document `--where EXPR` stands for: each `field[|modifiers]: value` term is a
/// selection `t1`, `t2`, …; the condition keeps the expression's `and`/`or`/`not`/parentheses.
pub fn where_rule_yaml(expr: &str, logsource: &str) -> Result<String> {
    let mut condition = String::new();
    let mut selections = String::new();
    let mut rest = expr.trim();
    let mut n = 0;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('(').or_else(|| rest.strip_prefix(')')) {
            condition.push_str(&rest[..1]);
            condition.push(' ');
            rest = r.trim_start();
            continue;
        }
        if let Some((word, r)) = ["and ", "or ", "not "]
            .iter()
            .find_map(|w| strip_word(rest, w).map(|r| (w.trim(), r)))
        {
            condition.push_str(word);
            condition.push(' ');
            rest = r.trim_start();
            continue;
        }
        let (field, value, r) = term(rest)?;
        n += 1;
        condition.push_str(&format!("t{n} "));
        selections.push_str(&format!(
            "    t{n}:\n      {}: {}\n",
            json_string(field),
            value
        ));
        rest = r.trim_start();
    }
    if n == 0 {
        bail!("--where `{expr}` holds no `field: value` term");
    }
    Ok(format!(
        "title: ward search --where\nlogsource: {logsource}\ndetection:\n{selections}    condition: {}\nlevel: informational\n",
        condition.trim()
    ))
}

/// `rest` after a leading keyword (any case) followed by a space.
fn strip_word<'a>(rest: &'a str, word: &str) -> Option<&'a str> {
    let head = rest.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &rest[word.len()..])
}

/// One `field: value` term at the start of `s`: the field, the value as a YAML scalar, and
/// what follows. Values are single- or double-quoted (quotes doubled inside) or a bare word.
fn term(s: &str) -> Result<(&str, String, &str)> {
    let Some(colon) = s.find(':') else {
        bail!("expected `field: value` at `{s}`");
    };
    let field = s[..colon].trim();
    if field.is_empty() || field.contains(char::is_whitespace) || field.contains(['(', ')']) {
        bail!("expected a field name before `:` at `{s}`");
    }
    let after = s[colon + 1..].trim_start();
    let (value, rest) = match after.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let mut value = String::new();
            let mut chars = after[1..].char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == q {
                    if after[1 + i + 1..].starts_with(q) {
                        value.push(q);
                        chars.next();
                        continue;
                    }
                    end = Some(1 + i + 1);
                    break;
                }
                value.push(c);
            }
            let Some(end) = end else {
                bail!("unclosed quote in `{s}`");
            };
            (json_string(&value), &after[end..])
        }
        Some(_) => {
            let end = after
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(after.len());
            let word = &after[..end];
            // A bare number stays a number (EventID: 1); anything else is a string.
            let value = if word.parse::<i64>().is_ok() {
                word.to_string()
            } else {
                json_string(word)
            };
            (value, &after[end..])
        }
        None => bail!("missing value after `{field}:`"),
    };
    Ok((field, value, rest))
}

/// A YAML scalar that reads back as exactly `s` (JSON strings are valid YAML).
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The events of `inputs` that `query` matches, per input in input order. `literals`, when
/// given, lets whole inputs that cannot hold any of them be skipped unread.
pub fn search(
    inputs: &[PathBuf],
    query: &Query,
    literals: Option<&[String]>,
    case_sensitive: bool,
) -> Vec<(Vec<Hit>, Vec<ward_ingest::FileReport>)> {
    let prefilter = literals.and_then(|l| FilePrefilter::new(l, case_sensitive));
    inputs
        .par_iter()
        .map(|path| search_one(path, query, prefilter.as_ref()))
        .collect()
}

fn search_one(
    path: &Path,
    query: &Query,
    prefilter: Option<&FilePrefilter>,
) -> (Vec<Hit>, Vec<ward_ingest::FileReport>) {
    if prefilter.is_some_and(|p| p.rules_out(path)) {
        return (Vec::new(), Vec::new());
    }
    let mut hits = Vec::new();
    let reports = ward_ingest::read_path(path, &mut |event: Event| {
        if query.matches(&event) {
            hits.push(Hit {
                time: event.time,
                host: event.host.short().to_string(),
                source: event.source.label(),
                event_id: event.source.event_id,
                record_id: event.record_id,
                file: event.origin.file.to_string(),
                position: event.origin.position,
                fields: event.fields,
            });
        }
    });
    (hits, reports)
}

/// Runs `ward search`.
pub fn run(args: SearchArgs) -> Result<u8> {
    let (paths, keywords) = split_positionals(&args)?;
    let inputs = ward_ingest::discover(&paths)?;
    if inputs.is_empty() {
        bail!(
            "no input files under {}",
            crate::hunt::display_paths(&paths)
        );
    }
    if let Some(n) = args.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let query = Query::new(
        &keywords,
        &args.regex,
        args.condition.as_deref(),
        args.case_sensitive,
    )?
    .narrowed(
        args.from,
        args.to,
        args.host.as_deref(),
        args.channel.as_deref(),
        &args.event_id,
    );
    let literals = query.literals(&keywords);
    let results = search(&inputs, &query, literals.as_deref(), args.case_sensitive);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let hits = results.iter().flat_map(|(hits, _)| hits);
    let total = results.iter().map(|(h, _)| h.len()).sum::<usize>();
    if args.count {
        write_counts(hits, &mut out)?;
    } else {
        match args.format {
            SearchFormat::Table => write_table(hits, &mut out)?,
            SearchFormat::Jsonl => {
                for hit in hits {
                    serde_json::to_writer(&mut out, hit)?;
                    out.write_all(b"\n")?;
                }
            }
            SearchFormat::Csv => write_csv(hits, &mut out)?,
        }
    }
    out.flush()?;
    if !args.quiet {
        let read = results.iter().flat_map(|(_, r)| r);
        let (mut events, mut bad) = (0, 0);
        for report in read {
            events += report.events;
            bad += report.bad_records;
        }
        eprintln!("ward: search: {total} matching events of {events} read ({bad} bad records)");
    }
    Ok(exit::OK)
}

/// The positionals are paths then, unless `-e` or `--where` is given, the keyword last.
fn split_positionals(args: &SearchArgs) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let mut items = args.args.clone();
    let keywords = if args.regex.is_empty() && args.condition.is_none() {
        if items.len() < 2 {
            bail!("give the paths to search, then the keyword (or -e REGEX / --where EXPR)");
        }
        vec![items.pop().unwrap_or_default()]
    } else {
        Vec::new()
    };
    Ok((items.into_iter().map(PathBuf::from).collect(), keywords))
}

/// Matching events per host, most first.
fn write_counts<'a>(hits: impl Iterator<Item = &'a Hit>, out: &mut dyn Write) -> Result<()> {
    let mut per_host: BTreeMap<&str, (u64, Timestamp, Timestamp)> = BTreeMap::new();
    for hit in hits {
        let e = per_host
            .entry(hit.host.as_str())
            .or_insert((0, hit.time, hit.time));
        e.0 += 1;
        e.1 = e.1.min(hit.time);
        e.2 = e.2.max(hit.time);
    }
    let mut rows: Vec<_> = per_host.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    writeln!(
        out,
        "{:<24} {:>10}  {:<25} {:<25}",
        "host", "events", "first", "last"
    )?;
    for (host, (n, first, last)) in rows {
        let host = if host.is_empty() { "-" } else { host };
        writeln!(
            out,
            "{:<24} {n:>10}  {:<25} {:<25}",
            crate::text::escape_control(host),
            first.to_string(),
            last.to_string()
        )?;
    }
    Ok(())
}

/// One line per event: time, host, source, EventID, then its fields as `name=value`, with
/// control characters escaped so a log line cannot drive the terminal.
fn write_table<'a>(hits: impl Iterator<Item = &'a Hit>, out: &mut dyn Write) -> Result<()> {
    let mut buf = String::new();
    for hit in hits {
        let mut line = format!(
            "{}  {}  {}  {}",
            hit.time,
            if hit.host.is_empty() { "-" } else { &hit.host },
            hit.source,
            hit.event_id.map_or("-".to_string(), |id| id.to_string())
        );
        for (name, value) in hit.fields.iter() {
            if matches!(value, Value::Null) {
                continue;
            }
            line.push_str("  ");
            line.push_str(name);
            line.push('=');
            line.push_str(value.text(&mut buf));
        }
        writeln!(out, "{}", crate::text::escape_control(&line))?;
    }
    Ok(())
}

/// The CSV timeline's shape (Timesketch): `datetime`, `timestamp_desc`, `message` first.
fn write_csv<'a>(hits: impl Iterator<Item = &'a Hit>, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "datetime",
        "timestamp",
        "timestamp_desc",
        "message",
        "host",
        "source",
        "event_id",
        "record_id",
        "file",
        "position",
    ])?;
    let mut buf = String::new();
    for hit in hits {
        let mut message = String::new();
        for (name, value) in hit.fields.iter() {
            if !message.is_empty() {
                message.push_str("; ");
            }
            message.push_str(name);
            message.push('=');
            message.push_str(value.text(&mut buf));
        }
        w.write_record([
            hit.time.to_string(),
            hit.time.to_jiff().as_microsecond().to_string(),
            "Event Time".to_string(),
            message,
            hit.host.clone(),
            hit.source.clone(),
            hit.event_id.map(|i| i.to_string()).unwrap_or_default(),
            hit.record_id.map(|i| i.to_string()).unwrap_or_default(),
            hit.file.clone(),
            hit.position.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
