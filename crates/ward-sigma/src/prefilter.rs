//! A literal prefilter shared by all rules: most rules can only match when some field contains
//! one of a few literals (`CommandLine` contains `sekurlsa`, `Image` ends with `\rundll32.exe`).
//! Those literals are collected per field into one Aho-Corasick automaton; per event each such
//! field is scanned once, and a rule whose literals are all absent is skipped without evaluation.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::detection::{Cond, Ctx, Det, Detection, FieldId, Item, Test};
use crate::pattern::{StrPat, lower_into};

/// Literals a rule needs: it can only match if one of them occurs (lower-cased) in its field.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    lits: Vec<(FieldId, String)>,
}

impl Guard {
    fn weight(&self) -> (usize, usize) {
        let shortest = self.lits.iter().map(|(_, l)| l.len()).min().unwrap_or(0);
        // Longer literals are rarer; fewer literals are cheaper to check.
        (usize::MAX - shortest.min(6), self.lits.len())
    }

    fn union(guards: impl Iterator<Item = Option<Guard>>) -> Option<Guard> {
        let mut out = Guard::default();
        for g in guards {
            out.lits.extend(g?.lits);
        }
        (!out.lits.is_empty()).then_some(out)
    }

    fn best(guards: impl Iterator<Item = Option<Guard>>) -> Option<Guard> {
        guards.flatten().min_by_key(Guard::weight)
    }
}

/// The guard of a detection's condition, when one exists.
pub(crate) fn guard(d: &Detection) -> Option<Guard> {
    cond_guard(&d.cond, &d.dets)
}

fn cond_guard(c: &Cond, dets: &[Det]) -> Option<Guard> {
    match c {
        Cond::Det(i) => dets.get(*i).and_then(det_guard),
        Cond::And(cs) => Guard::best(cs.iter().map(|c| cond_guard(c, dets))),
        Cond::Or(cs) => Guard::union(cs.iter().map(|c| cond_guard(c, dets))),
        Cond::Not(_) => None,
        Cond::AtLeast(_, ids) => Guard::union(ids.iter().map(|i| dets.get(*i).and_then(det_guard))),
        Cond::All(ids) => Guard::best(ids.iter().map(|i| dets.get(*i).and_then(det_guard))),
    }
}

fn det_guard(d: &Det) -> Option<Guard> {
    match d {
        Det::All(items) => Guard::best(items.iter().map(item_guard)),
        Det::Any(ds) => Guard::union(ds.iter().map(det_guard)),
        Det::And(ds) => Guard::best(ds.iter().map(det_guard)),
    }
}

fn item_guard(item: &Item) -> Option<Guard> {
    let field = item.field?;
    if item.exists.is_some() || item.tests.is_empty() {
        return None;
    }
    let per_test = item
        .tests
        .iter()
        .map(|t| test_literals(t).map(|ls| ls.into_iter().map(|l| (field, l)).collect()));
    let guards =
        per_test.map(|lits: Option<Vec<(FieldId, String)>>| lits.map(|lits| Guard { lits }));
    if item.all {
        Guard::best(guards)
    } else {
        Guard::union(guards)
    }
}

/// Lower-cased literals one of which the value must contain for `t` to hold.
fn test_literals(t: &Test) -> Option<Vec<String>> {
    let lit = |s: &str| {
        let mut out = String::new();
        lower_into(s, &mut out);
        (!out.is_empty()).then_some(vec![out])
    };
    match t {
        Test::Str { pat, .. } => match pat {
            StrPat::Exact(s) | StrPat::Prefix(s) | StrPat::Suffix(s) => lit(s),
            StrPat::Contains(f) => lit(std::str::from_utf8(f.needle()).ok()?),
            StrPat::Glob(_) | StrPat::Any => None,
        },
        Test::AnyOf(ts) => {
            let mut all = Vec::new();
            for t in ts {
                all.extend(test_literals(t)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// Per-field automata over every guard literal, and each variant's guard as literal ids.
#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// By field: the automaton and, per pattern, the global literal id.
    fields: Vec<Option<(AhoCorasick, Vec<u32>)>>,
    literal_count: usize,
}

/// A variant's guard, compiled: the fields to scan and the literal ids, any of which suffices.
#[derive(Debug, Clone)]
pub(crate) struct CompiledGuard {
    fields: Box<[FieldId]>,
    lits: Box<[u32]>,
}

/// Per-event prefilter state, reused across events.
#[derive(Debug, Default)]
pub(crate) struct PrefilterScratch {
    generation: u64,
    scanned: Vec<u64>,
    present: Vec<u64>,
}

impl PrefilterScratch {
    pub(crate) fn begin(&mut self, generation: u64, fields: usize, literals: usize) {
        self.generation = generation;
        if self.scanned.len() < fields {
            self.scanned.resize(fields, 0);
        }
        if self.present.len() < literals {
            self.present.resize(literals, 0);
        }
    }
}

impl Prefilter {
    /// Builds the automata from each variant's guard; returns the compiled guards in order.
    pub(crate) fn build(
        guards: &[Option<Guard>],
        field_count: usize,
    ) -> (Prefilter, Vec<Option<CompiledGuard>>) {
        let mut per_field: Vec<Vec<String>> = vec![Vec::new(); field_count];
        let mut ids: std::collections::HashMap<(FieldId, &str), u32> = Default::default();
        let mut compiled = Vec::with_capacity(guards.len());
        for g in guards {
            let Some(g) = g else {
                compiled.push(None);
                continue;
            };
            let mut lits = Vec::with_capacity(g.lits.len());
            let mut fields: Vec<FieldId> = Vec::new();
            for (f, l) in &g.lits {
                let next = ids.len() as u32;
                let id = *ids.entry((*f, l.as_str())).or_insert_with(|| {
                    if let Some(v) = per_field.get_mut(*f as usize) {
                        v.push(l.clone());
                    }
                    next
                });
                lits.push(id);
                if !fields.contains(f) {
                    fields.push(*f);
                }
            }
            lits.sort_unstable();
            lits.dedup();
            compiled.push(Some(CompiledGuard {
                fields: fields.into(),
                lits: lits.into(),
            }));
        }
        let mut prefilter = Prefilter {
            fields: Vec::with_capacity(field_count),
            literal_count: ids.len(),
        };
        for (f, patterns) in per_field.iter().enumerate() {
            if patterns.is_empty() {
                prefilter.fields.push(None);
                continue;
            }
            let map: Vec<u32> = patterns
                .iter()
                .map(|p| ids.get(&(f as FieldId, p.as_str())).copied().unwrap_or(0))
                .collect();
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns);
            prefilter.fields.push(ac.ok().map(|ac| (ac, map)));
        }
        (prefilter, compiled)
    }

    /// Number of distinct literals.
    pub(crate) fn literal_count(&self) -> usize {
        self.literal_count
    }

    /// Whether one of the guard's literals occurs in the event.
    pub(crate) fn passes(
        &self,
        g: &CompiledGuard,
        scratch: &mut PrefilterScratch,
        cx: &mut Ctx<'_>,
    ) -> bool {
        let generation = scratch.generation;
        for &f in g.fields.iter() {
            let Some(stamp) = scratch.scanned.get_mut(f as usize) else {
                return true;
            };
            if *stamp == generation {
                continue;
            }
            *stamp = generation;
            let (Some(Some((ac, map))), Some(values)) =
                (self.fields.get(f as usize), cx.lowered(f))
            else {
                continue;
            };
            // A field with several values passes when any value holds the literal.
            for text in values {
                for m in ac.find_overlapping_iter(text.as_str()) {
                    if let Some(slot) = map
                        .get(m.pattern().as_usize())
                        .and_then(|id| scratch.present.get_mut(*id as usize))
                    {
                        *slot = generation;
                    }
                }
            }
        }
        g.lits.iter().any(|id| {
            scratch
                .present
                .get(*id as usize)
                .is_none_or(|s| *s == generation)
        })
    }
}
