//! Errors (fatal to a call) and problems (one rule skipped, the rest loaded).

use std::fmt;

/// A failure that stops a call: unreadable path, broken mapping file.
#[derive(Debug, thiserror::Error)]
pub enum SigmaError {
    /// A rule file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A mapping table is not valid YAML of the expected shape.
    #[error("mapping {origin} is invalid: {detail}")]
    Mapping {
        /// File name of the table.
        origin: String,
        /// What the YAML reader said.
        detail: String,
    },
    /// A regression `info.yml` could not be read.
    #[error("regression info {path} is invalid: {detail}")]
    Regression {
        /// The info file.
        path: String,
        /// What was wrong.
        detail: String,
    },
}

/// Why a rule was not loaded (or loaded but can never match).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// The YAML or the rule structure could not be parsed.
    ParseError,
    /// The condition is malformed or names a detection that does not exist.
    BadCondition,
    /// A modifier Ward does not implement, or a combination that makes no sense.
    UnsupportedModifier,
    /// A regular expression the `regex` crate cannot compile (e.g. look-around).
    UnsupportedRegex,
    /// A Windows logsource the mapping tables do not know.
    UnmappedLogsource,
    /// A field the mapping knows never exists for the rule's logsource.
    UnmappedField,
    /// A correlation or filter refers to a rule that was not loaded.
    UnknownReference,
    /// An `expand` placeholder with no values configured.
    UnknownPlaceholder,
    /// A value that cannot be used as written (bad CIDR, non-numeric comparison, ...).
    BadValue,
    /// A construct Ward does not implement yet (array matching, value_median, ...).
    Unsupported,
}

impl ProblemKind {
    /// The kebab-case name used in reports and counts.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::ParseError => "parse-error",
            ProblemKind::BadCondition => "bad-condition",
            ProblemKind::UnsupportedModifier => "unsupported-modifier",
            ProblemKind::UnsupportedRegex => "unsupported-regex",
            ProblemKind::UnmappedLogsource => "unmapped-logsource",
            ProblemKind::UnmappedField => "unmapped-field",
            ProblemKind::UnknownReference => "unknown-reference",
            ProblemKind::UnknownPlaceholder => "unknown-placeholder",
            ProblemKind::BadValue => "bad-value",
            ProblemKind::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule Ward could not load, or loaded knowing it can never match.
#[derive(Debug, Clone)]
pub struct RuleProblem {
    /// The file (or name given to `add_yaml`) the rule came from.
    pub origin: String,
    /// The rule's `id`, when it was readable.
    pub rule_id: Option<String>,
    /// The rule's `title`, when it was readable.
    pub title: Option<String>,
    /// The kind of problem, for counting.
    pub reason: ProblemKind,
    /// What exactly is wrong.
    pub detail: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.reason)?;
        if let Some(t) = &self.title {
            write!(f, " in `{t}`")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// What loading a rule set produced.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Rules (detections and correlations) loaded and usable.
    pub loaded: usize,
    /// Rules skipped or unable to match, with reasons.
    pub problems: Vec<RuleProblem>,
}

impl LoadReport {
    /// Problem counts by reason, most frequent first.
    pub fn counts(&self) -> Vec<(ProblemKind, usize)> {
        let mut counts: std::collections::BTreeMap<ProblemKind, usize> = Default::default();
        for p in &self.problems {
            *counts.entry(p.reason).or_default() += 1;
        }
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// A problem found while compiling, before origin and rule identity are attached.
#[derive(Debug, Clone)]
pub(crate) struct CompileError {
    pub kind: ProblemKind,
    pub detail: String,
}

impl CompileError {
    pub(crate) fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        CompileError {
            kind,
            detail: detail.into(),
        }
    }
}
