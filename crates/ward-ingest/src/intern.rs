//! Per-input string interning, so a million events share one copy of each field name,
//! channel and provider.

use std::collections::HashSet;
use std::sync::Arc;

/// Hands out one shared `Arc<str>` per distinct string seen in one input.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    seen: HashSet<Arc<str>>,
}

impl Interner {
    /// The shared copy of `s`, allocating only the first time it is seen.
    pub(crate) fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(found) = self.seen.get(s) {
            return Arc::clone(found);
        }
        let shared: Arc<str> = Arc::from(s);
        self.seen.insert(Arc::clone(&shared));
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation() {
        let mut i = Interner::default();
        let a = i.get("CommandLine");
        let b = i.get("CommandLine");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &i.get("Image")));
    }
}
