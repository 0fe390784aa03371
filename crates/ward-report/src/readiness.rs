//! Readiness checks as every sink shows them: one reading of `status`, one order.

use ward_analytics::case::{CheckStatus, Readiness, ReadinessCheck};

/// A check's status as the sinks show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    /// The control is missing: act on it first.
    Fail,
    /// The data could not settle it.
    Unknown,
    /// The control is in place.
    Pass,
}

impl Status {
    /// The status of `check`.
    pub(crate) fn of(check: &ReadinessCheck) -> Status {
        match check.status {
            CheckStatus::Fail => Status::Fail,
            CheckStatus::Pass => Status::Pass,
            CheckStatus::Unknown => Status::Unknown,
        }
    }

    /// `fail`, `unknown` or `pass` (also the CSS class).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
        }
    }

    /// A mark that reads without colour, for terminals and print.
    pub(crate) fn mark(self) -> &'static str {
        match self {
            Status::Fail => "✗ FAIL",
            Status::Unknown => "? UNKNOWN",
            Status::Pass => "✓ PASS",
        }
    }
}

/// Failures first, then unknowns, then passes; within each, the more severe first, then by id
/// so the order is stable.
pub(crate) fn ordered(readiness: &Readiness) -> Vec<&ReadinessCheck> {
    let mut checks: Vec<_> = readiness.checks.iter().collect();
    checks.sort_by(|a, b| {
        Status::of(a)
            .cmp(&Status::of(b))
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_event::Level;

    fn check(id: &str, status: CheckStatus, severity: Level) -> ReadinessCheck {
        ReadinessCheck {
            id: id.into(),
            status,
            severity,
            ..Default::default()
        }
    }

    #[test]
    fn failures_come_first_then_unknowns_by_severity() {
        let r = Readiness {
            score: 50,
            checks: vec![
                check("a", CheckStatus::Pass, Level::Critical),
                check("b", CheckStatus::Unknown, Level::Low),
                check("c", CheckStatus::Fail, Level::Medium),
                check("d", CheckStatus::Unknown, Level::High),
                check("e", CheckStatus::Fail, Level::High),
            ],
        };
        let ids: Vec<&str> = ordered(&r).iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["e", "c", "d", "b", "a"]);
        assert_eq!(Status::of(&r.checks[3]), Status::Unknown);
    }
}
