//! Which compiled rule variants an event can meet: Windows events by (channel, EventID), other
//! events by product / service / category. An event is only tested against its candidates.

use std::collections::{BTreeSet, HashMap};

use ward_event::LogSource;

use crate::mapping::Target;

/// Variants for one Windows channel.
#[derive(Debug, Default)]
struct Channel {
    by_event_id: HashMap<u32, Vec<u32>>,
    any_event_id: Vec<u32>,
}

/// Candidate lists of variant numbers.
#[derive(Debug, Default)]
pub(crate) struct Index {
    channel_slot: HashMap<Box<str>, usize>,
    channels: Vec<(Box<str>, Channel)>,
    windows_any: Vec<u32>,
    others: Vec<(Target, Vec<u32>)>,
}

impl Index {
    /// Files variant `v` under its target; `event_ids` are those the rule itself requires.
    pub(crate) fn add(&mut self, v: u32, target: &Target, required: Option<&BTreeSet<u32>>) {
        if target.channel.is_empty() {
            if target
                .product
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
                && target.service.is_none()
                && target.category.is_none()
            {
                self.windows_any.push(v);
                return;
            }
            match self
                .others
                .iter_mut()
                .find(|(t, _)| same_selector(t, target))
            {
                Some((_, list)) => list.push(v),
                None => self.others.push((target.clone(), vec![v])),
            }
            return;
        }
        let ids: Option<Vec<u32>> = match (target.event_id.is_empty(), required) {
            (true, None) => None,
            (true, Some(r)) => Some(r.iter().copied().collect()),
            (false, None) => Some(target.event_id.clone()),
            (false, Some(r)) => Some(
                target
                    .event_id
                    .iter()
                    .copied()
                    .filter(|e| r.contains(e))
                    .collect(),
            ),
        };
        for name in &target.channel {
            let channel = self.channel_mut(name);
            match &ids {
                None => channel.any_event_id.push(v),
                Some(ids) => ids
                    .iter()
                    .for_each(|e| channel.by_event_id.entry(*e).or_default().push(v)),
            }
        }
    }

    fn channel_mut(&mut self, name: &str) -> &mut Channel {
        let key = name.to_ascii_lowercase();
        let slot = match self.channel_slot.get(key.as_str()) {
            Some(s) => *s,
            None => {
                self.channels.push((name.into(), Channel::default()));
                let s = self.channels.len() - 1;
                self.channel_slot.insert(key.into(), s);
                s
            }
        };
        &mut self.channels[slot].1
    }

    /// Calls `f` with each candidate list for an event from `source`.
    pub(crate) fn candidates<'a>(
        &'a self,
        source: &LogSource,
        event_id: Option<u32>,
        f: &mut dyn FnMut(&'a [u32]),
    ) {
        if source.is_windows() {
            f(&self.windows_any);
            if let Some(ch) = source.channel.as_deref().and_then(|c| self.channel(c)) {
                f(&ch.any_event_id);
                if let Some(list) = event_id.and_then(|e| ch.by_event_id.get(&e)) {
                    f(list);
                }
            }
            return;
        }
        for (target, list) in &self.others {
            if target.admits_source(source) {
                f(list);
            }
        }
    }

    fn channel(&self, name: &str) -> Option<&Channel> {
        // Channel names are ASCII; compare without allocating on the common exact spelling.
        if let Some((_, c)) = self.channels.iter().find(|(n, _)| &**n == name) {
            return Some(c);
        }
        self.channels
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| c)
    }
}

fn same_selector(a: &Target, b: &Target) -> bool {
    let eq = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    };
    eq(&a.product, &b.product) && eq(&a.service, &b.service) && eq(&a.category, &b.category)
}
