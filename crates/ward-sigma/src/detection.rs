//! Compiled detections and their evaluation against an event.
//!
//! Field names are interned to [`FieldId`]s at compile time. While one event is matched, the
//! lower-cased text of each field is computed at most once and kept in a [`Scratch`] that is
//! reused from event to event, so case-insensitive matching allocates nothing in steady state.
//!
//! A field may have several values (see [`ward_event::Fields`]); a test of the field holds when
//! any value passes it. So `|all` means every listed value matches some value of the field (not
//! necessarily the same one), `|neq` and `not` hold when no value matches, `null` when the field
//! is absent or one value is null, and `|exists` when the field has a value at all.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;
use ward_event::{Fields, Value};

use crate::pattern::{StrPat, lower_into};

/// An interned field name.
pub(crate) type FieldId = u32;

/// Numeric comparison for `gt`/`gte`/`lt`/`lte`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// How a `fieldref` compares the two fields.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RefHow {
    Equal,
    Prefix,
    Suffix,
    Contains,
}

/// One test of one field value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// Wildcard/literal text; on lowered text unless `cased`.
    Str { pat: StrPat, cased: bool },
    /// `re`: a regular expression over the text as logged.
    Regex(Regex),
    /// An integer in the rule: equal as a number (so `"4688"` and `4688` both match).
    Int(i64),
    /// A float in the rule.
    Float(f64),
    /// A boolean in the rule: `true`, or text `"true"` in any case.
    Bool(bool),
    /// `null`: the field is absent or null.
    Null,
    /// `gt`/`gte`/`lt`/`lte`.
    Compare(Cmp, f64),
    /// `cidr`: an IP address inside the network.
    Cidr(IpNet),
    /// `fieldref`: compared with another field of the same event.
    FieldRef {
        other: FieldId,
        how: RefHow,
        cased: bool,
    },
    /// Any of several encodings of one value (windash, base64offset, expand).
    AnyOf(Vec<Test>),
    /// `neq`: the field is present and the test fails.
    Not(Box<Test>),
}

/// A `field|modifiers: values` line, or keywords when `field` is `None`.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub field: Option<FieldId>,
    pub tests: Vec<Test>,
    /// `all` modifier: every value must match (default: any).
    pub all: bool,
    /// `exists` modifier: presence alone decides.
    pub exists: Option<bool>,
}

/// A named detection: a map (all items) or a list of maps (any).
#[derive(Debug, Clone)]
pub(crate) enum Det {
    All(Vec<Item>),
    Any(Vec<Det>),
    And(Vec<Det>),
}

/// A compiled condition over detections of one rule.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Det(usize),
    /// `N of x*` / `1 of them`: at least `n` of these detections.
    AtLeast(usize, Vec<usize>),
    /// `all of x*`: every one of these detections (false when none match the pattern).
    All(Vec<usize>),
}

/// The detections of a rule and the condition over them.
#[derive(Debug, Clone)]
pub(crate) struct Detection {
    pub dets: Vec<Det>,
    pub cond: Cond,
}

/// Per-thread, per-event cache of lowered field text.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    generation: u64,
    slots: Vec<Slot>,
    tmp: String,
    /// Every field's (text, lowered text), for keyword searches; filled once per event.
    keywords_generation: u64,
    keyword_text: Vec<(String, String)>,
    keyword_len: usize,
}

#[derive(Debug, Default)]
struct Slot {
    generation: u64,
    /// How many values the field has in this event (0: absent).
    count: usize,
    /// The lowered text of each value; only the first `count` belong to this event.
    lower: Vec<String>,
}

impl Scratch {
    /// Starts a new event: every cached value becomes stale. Returns the event's generation.
    pub(crate) fn begin(&mut self, fields: usize) -> u64 {
        self.generation = self.generation.wrapping_add(1);
        if self.slots.len() < fields {
            self.slots.resize_with(fields, Slot::default);
        }
        self.generation
    }
}

/// Everything evaluation needs for one event.
pub(crate) struct Ctx<'a> {
    pub event: &'a dyn Fields,
    pub names: &'a [Box<[Box<str>]>],
    pub scratch: &'a mut Scratch,
}

impl Ctx<'_> {
    /// Whether field `id` has a value (under any of its spellings).
    fn present(&self, id: FieldId) -> bool {
        spellings(self.names, id).any(|n| self.event.get(n).is_some())
    }

    /// Whether `f` holds for some value of field `id`.
    fn any_value(&self, id: FieldId, f: &mut dyn FnMut(&Value) -> bool) -> bool {
        let (mut present, mut found) = (false, false);
        for name in spellings(self.names, id) {
            self.event.get_all(name, &mut |v| {
                present = true;
                found = found || f(v);
            });
            if present {
                break;
            }
        }
        found
    }

    /// Fills the per-event (text, lowered) list of all field values, once.
    fn keyword_texts(&mut self) -> &[(String, String)] {
        let s = &mut *self.scratch;
        if s.keywords_generation != s.generation {
            s.keywords_generation = s.generation;
            let mut n = 0;
            let mut buf = String::new();
            let list = &mut s.keyword_text;
            self.event.for_each_field(&mut |_, v| {
                if list.len() <= n {
                    list.push(Default::default());
                }
                if let Some((text, lower)) = list.get_mut(n) {
                    text.clear();
                    text.push_str(v.text(&mut buf));
                    lower_into(text, lower);
                }
                n += 1;
            });
            s.keyword_len = n;
        }
        s.keyword_text.get(..s.keyword_len).unwrap_or_default()
    }

    /// The lowered text of every value of field `id` (`None` when absent), computed once per
    /// event.
    pub(crate) fn lowered(&mut self, id: FieldId) -> Option<&[String]> {
        let generation = self.scratch.generation;
        let slot = self.scratch.slots.get_mut(id as usize)?;
        if slot.generation != generation {
            slot.generation = generation;
            let mut buf = std::mem::take(&mut self.scratch.tmp);
            let (mut count, lower) = (0, &mut slot.lower);
            for name in spellings(self.names, id) {
                self.event.get_all(name, &mut |v| {
                    if lower.len() <= count {
                        lower.push(String::new());
                    }
                    if let Some(out) = lower.get_mut(count) {
                        lower_into(v.text(&mut buf), out);
                    }
                    count += 1;
                });
                if count > 0 {
                    break;
                }
            }
            slot.count = count;
            self.scratch.tmp = buf;
        }
        slot.lower.get(..slot.count).filter(|l| !l.is_empty())
    }
}

/// The spellings of field `id`; the first one the event has is the field's.
fn spellings(names: &[Box<[Box<str>]>], id: FieldId) -> impl Iterator<Item = &str> {
    names.get(id as usize).into_iter().flatten().map(|n| &**n)
}

impl Detection {
    /// Whether the event satisfies the condition.
    pub(crate) fn matches(&self, cx: &mut Ctx<'_>) -> bool {
        self.eval(&self.cond, cx)
    }

    fn eval(&self, cond: &Cond, cx: &mut Ctx<'_>) -> bool {
        match cond {
            Cond::And(cs) => cs.iter().all(|c| self.eval(c, cx)),
            Cond::Or(cs) => cs.iter().any(|c| self.eval(c, cx)),
            Cond::Not(c) => !self.eval(c, cx),
            Cond::Det(i) => self.dets.get(*i).is_some_and(|d| d.matches(cx)),
            Cond::AtLeast(n, ids) => {
                let mut hits = 0;
                for i in ids {
                    if self.dets.get(*i).is_some_and(|d| d.matches(cx)) {
                        hits += 1;
                        if hits >= *n {
                            return true;
                        }
                    }
                }
                false
            }
            Cond::All(ids) => {
                !ids.is_empty()
                    && ids
                        .iter()
                        .all(|i| self.dets.get(*i).is_some_and(|d| d.matches(cx)))
            }
        }
    }
}

impl Det {
    pub(crate) fn matches(&self, cx: &mut Ctx<'_>) -> bool {
        match self {
            Det::All(items) => items.iter().all(|i| i.matches(cx)),
            Det::Any(dets) => dets.iter().any(|d| d.matches(cx)),
            Det::And(dets) => dets.iter().all(|d| d.matches(cx)),
        }
    }
}

impl Item {
    fn matches(&self, cx: &mut Ctx<'_>) -> bool {
        let Some(field) = self.field else {
            return self.matches_keywords(cx);
        };
        if let Some(want) = self.exists {
            return cx.present(field) == want;
        }
        // Each test holds when some value passes it, so with `all` each listed value may be
        // found in a different value of the field.
        if self.all {
            self.tests.iter().all(|t| t.matches(field, cx))
        } else {
            self.tests.iter().any(|t| t.matches(field, cx))
        }
    }

    /// Field-less values: each test looks through every field value of the event.
    fn matches_keywords(&self, cx: &mut Ctx<'_>) -> bool {
        let texts = cx.keyword_texts();
        let one = |t: &Test| match t {
            Test::Str { pat, cased } => texts
                .iter()
                .any(|(x, l)| pat.is_match(if *cased { x } else { l })),
            Test::Regex(r) => texts.iter().any(|(x, _)| r.is_match(x)),
            other => texts
                .iter()
                .any(|(x, l)| other.matches_text(&Value::from(x.as_str()), x, l)),
        };
        if self.all {
            self.tests.iter().all(one)
        } else {
            self.tests.iter().any(one)
        }
    }
}

impl Test {
    /// Whether some value of `field` passes the test.
    fn matches(&self, field: FieldId, cx: &mut Ctx<'_>) -> bool {
        match self {
            Test::Null => !cx.present(field) || cx.any_value(field, &mut |v| v.is_null()),
            Test::Str { pat, cased: false } => cx
                .lowered(field)
                .is_some_and(|values| values.iter().any(|t| pat.is_match(t))),
            Test::AnyOf(ts) => ts.iter().any(|t| t.matches(field, cx)),
            Test::Not(t) => cx.present(field) && !t.matches(field, cx),
            Test::FieldRef { other, how, cased } => {
                let fold = |text: &str| {
                    if *cased {
                        text.to_string()
                    } else {
                        text.to_lowercase()
                    }
                };
                let mut buf = String::new();
                let mut others = Vec::new();
                cx.any_value(*other, &mut |b| {
                    others.push(fold(b.text(&mut buf)));
                    false
                });
                cx.any_value(field, &mut |a| {
                    let a = fold(a.text(&mut buf));
                    others.iter().any(|b| compare_ref(&a, b, *how))
                })
            }
            _ => {
                let mut buf = String::new();
                cx.any_value(field, &mut |v| {
                    let text = v.text(&mut buf);
                    self.matches_text(v, text, "")
                })
            }
        }
    }

    /// Tests one value given its text and (for case-insensitive strings) its lowered text.
    fn matches_text(&self, v: &Value, text: &str, lower: &str) -> bool {
        match self {
            Test::Str { pat, cased } => pat.is_match(if *cased { text } else { lower }),
            Test::Regex(r) => r.is_match(text),
            Test::Int(n) => v.as_i64() == Some(*n),
            Test::Float(x) => v.as_f64() == Some(*x),
            Test::Bool(b) => match v {
                Value::Bool(x) => x == b,
                _ => text.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            },
            Test::Null => v.is_null(),
            Test::Compare(op, x) => v.as_f64().is_some_and(|y| match op {
                Cmp::Gt => y > *x,
                Cmp::Gte => y >= *x,
                Cmp::Lt => y < *x,
                Cmp::Lte => y <= *x,
            }),
            Test::Cidr(net) => text
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            Test::AnyOf(ts) => ts.iter().any(|t| t.matches_text(v, text, lower)),
            Test::Not(t) => !t.matches_text(v, text, lower),
            Test::FieldRef { .. } => false,
        }
    }
}

fn compare_ref(a: &str, b: &str, how: RefHow) -> bool {
    match how {
        RefHow::Equal => a == b,
        RefHow::Prefix => a.starts_with(b),
        RefHow::Suffix => a.ends_with(b),
        RefHow::Contains => a.contains(b),
    }
}
