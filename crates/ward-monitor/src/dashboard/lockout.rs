//! Login lockout: after a few wrong passwords in a row the login refuses every attempt, right
//! or wrong, for a while that doubles with each further failure. The dashboard has one account,
//! so the count is global; API callers with the bearer token are not affected.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords allowed in a row before the first lock.
pub(crate) const FREE_FAILURES: u32 = 5;
/// The first lock; each further failure doubles it.
const FIRST_LOCK: Duration = Duration::from_secs(30);
/// The longest lock.
const LONGEST_LOCK: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
struct State {
    failures: u32,
    until: Option<Instant>,
}

/// Failures in a row and the lock they earned.
#[derive(Default)]
pub(crate) struct Lockout {
    state: Mutex<State>,
}

impl Lockout {
    /// How long the login stays locked, if it is locked at `now`.
    pub(crate) fn locked_for(&self, now: Instant) -> Option<Duration> {
        let state = self.state.lock().ok()?;
        state
            .until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|left| !left.is_zero())
    }

    /// Counts a wrong password at `now`; returns the lock it starts, if any.
    pub(crate) fn failed(&self, now: Instant) -> Option<Duration> {
        let mut state = self.state.lock().ok()?;
        state.failures = state.failures.saturating_add(1);
        let over = state.failures.checked_sub(FREE_FAILURES)?;
        let lock = FIRST_LOCK
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(LONGEST_LOCK)
            .min(LONGEST_LOCK);
        state.until = Some(now + lock);
        Some(lock)
    }

    /// A right password: the count starts again.
    pub(crate) fn succeeded(&self) {
        if let Ok(mut state) = self.state.lock() {
            *state = State::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_free_failures_and_doubles_up_to_the_longest() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for _ in 1..FREE_FAILURES {
            assert_eq!(lockout.failed(t0), None);
            assert_eq!(lockout.locked_for(t0), None);
        }
        assert_eq!(lockout.failed(t0), Some(FIRST_LOCK));
        assert_eq!(lockout.locked_for(t0), Some(FIRST_LOCK));
        assert_eq!(lockout.locked_for(t0 + FIRST_LOCK), None, "the lock ends");
        assert_eq!(lockout.failed(t0), Some(FIRST_LOCK * 2));
        for _ in 0..40 {
            lockout.failed(t0);
        }
        assert_eq!(lockout.locked_for(t0), Some(LONGEST_LOCK));
        lockout.succeeded();
        assert_eq!(lockout.locked_for(t0), None);
        assert_eq!(lockout.failed(t0), None, "the count starts again");
    }
}
