//! What a compiled detection needs of an event, found by walking its condition: the EventIDs
//! it can only match (for the index) and the fields it cannot match without (to drop variants
//! whose source never carries them).

use std::collections::BTreeSet;

use crate::detection::{Cond, Det, Detection, FieldId, Item, Test};
use crate::pattern::StrPat;

/// The EventIDs a detection can only match, when its condition pins them down
/// (`EventID: 4624` in every branch); `None` when any EventID may match.
pub(crate) fn required_event_ids(d: &Detection, event_id: FieldId) -> Option<BTreeSet<u32>> {
    cond_ids(&d.cond, &d.dets, event_id)
}

fn cond_ids(c: &Cond, dets: &[Det], eid: FieldId) -> Option<BTreeSet<u32>> {
    match c {
        Cond::Det(i) => dets.get(*i).and_then(|d| det_ids(d, eid)),
        Cond::And(cs) => intersect(cs.iter().map(|c| cond_ids(c, dets, eid))),
        Cond::Or(cs) => union(cs.iter().map(|c| cond_ids(c, dets, eid))),
        Cond::Not(_) => None,
        Cond::AtLeast(_, ids) => union(
            ids.iter()
                .map(|i| dets.get(*i).and_then(|d| det_ids(d, eid))),
        ),
        Cond::All(ids) => intersect(
            ids.iter()
                .map(|i| dets.get(*i).and_then(|d| det_ids(d, eid))),
        ),
    }
}

fn det_ids(d: &Det, eid: FieldId) -> Option<BTreeSet<u32>> {
    match d {
        Det::All(items) => intersect(items.iter().map(|item| {
            if item.field != Some(eid) || item.all || item.exists.is_some() {
                return None;
            }
            item.tests
                .iter()
                .map(test_id)
                .collect::<Option<BTreeSet<u32>>>()
        })),
        Det::Any(ds) => union(ds.iter().map(|d| det_ids(d, eid))),
        Det::And(ds) => intersect(ds.iter().map(|d| det_ids(d, eid))),
    }
}

fn test_id(t: &Test) -> Option<u32> {
    match t {
        Test::Int(n) => u32::try_from(*n).ok(),
        Test::Str {
            pat: StrPat::Exact(s),
            ..
        } => s.parse().ok(),
        _ => None,
    }
}

fn intersect(sets: impl Iterator<Item = Option<BTreeSet<u32>>>) -> Option<BTreeSet<u32>> {
    sets.flatten()
        .reduce(|a, b| a.intersection(&b).copied().collect())
}

fn union(mut sets: impl Iterator<Item = Option<BTreeSet<u32>>>) -> Option<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    for s in sets.by_ref() {
        out.extend(s?);
    }
    Some(out)
}

/// Fields without which the detection cannot match (absent field ⇒ condition false).
pub(crate) fn required_fields(d: &Detection) -> BTreeSet<FieldId> {
    cond_fields(&d.cond, &d.dets).unwrap_or_default()
}

/// `None` stands for "every field" (a branch that can never be true); an empty set for "none".
fn cond_fields(c: &Cond, dets: &[Det]) -> Option<BTreeSet<FieldId>> {
    let det = |i: &usize| dets.get(*i).map_or(Some(BTreeSet::new()), det_fields);
    match c {
        Cond::Det(i) => det(i),
        Cond::And(cs) => all_of(cs.iter().map(|c| cond_fields(c, dets))),
        Cond::Or(cs) => any_of(cs.iter().map(|c| cond_fields(c, dets))),
        Cond::Not(_) => Some(BTreeSet::new()),
        Cond::AtLeast(n, ids) if *n <= 1 => any_of(ids.iter().map(det)),
        Cond::AtLeast(..) => Some(BTreeSet::new()),
        Cond::All(ids) => all_of(ids.iter().map(det)),
    }
}

fn det_fields(d: &Det) -> Option<BTreeSet<FieldId>> {
    match d {
        Det::All(items) => Some(items.iter().filter_map(item_field).collect()),
        Det::Any(ds) => any_of(ds.iter().map(det_fields)),
        Det::And(ds) => all_of(ds.iter().map(det_fields)),
    }
}

/// The item's field, when the item is false for an event lacking it.
fn item_field(item: &Item) -> Option<FieldId> {
    let field = item.field?;
    let needs_value = |t: &Test| !matches!(t, Test::Null | Test::Not(_));
    match item.exists {
        Some(want) => want.then_some(field),
        None if !item.tests.is_empty() && item.tests.iter().all(needs_value) => Some(field),
        None => None,
    }
}

fn all_of(sets: impl Iterator<Item = Option<BTreeSet<FieldId>>>) -> Option<BTreeSet<FieldId>> {
    let mut out = BTreeSet::new();
    for s in sets {
        out.extend(s?);
    }
    Some(out)
}

fn any_of(sets: impl Iterator<Item = Option<BTreeSet<FieldId>>>) -> Option<BTreeSet<FieldId>> {
    sets.flatten()
        .reduce(|a, b| a.intersection(&b).copied().collect())
}
