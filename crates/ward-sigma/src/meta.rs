//! What a loaded rule is, for reports: identity, severity, tags, log source, origin.

use ward_event::Level;

/// Index of a rule (detection or correlation) in its [`crate::RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleIdx(pub u32);

impl RuleIdx {
    /// The index as a `usize`.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// Detection rule or correlation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// Matches single events.
    Detection,
    /// Matches groups of detections over time.
    Correlation,
}

/// A rule's Sigma logsource as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleLogSource {
    /// `product`.
    pub product: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `service`.
    pub service: Option<String>,
}

/// What a loaded rule is.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    /// Detection or correlation.
    pub kind: RuleKind,
    /// `id`.
    pub id: Option<String>,
    /// `name` (what correlations may refer to).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level` (informational when absent).
    pub level: Level,
    /// `status`, lower-case.
    pub status: Option<String>,
    /// `tags`, e.g. `attack.t1021.002`.
    pub tags: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `references`.
    pub references: Vec<String>,
    /// `author`.
    pub author: Option<String>,
    /// `date` (as written).
    pub date: Option<String>,
    /// `logsource` (empty for correlations).
    pub logsource: RuleLogSource,
    /// File (or name given to `add_yaml`) it was read from.
    pub origin: String,
    /// False for a rule that only feeds correlations (`generate: false`, the default): its
    /// matches (or, for a correlation, its hits) should not be reported on their own.
    pub standalone: bool,
}

pub(crate) fn level(l: Option<rsigma_parser::Level>) -> Level {
    use rsigma_parser::Level as L;
    match l {
        Some(L::Low) => Level::Low,
        Some(L::Medium) => Level::Medium,
        Some(L::High) => Level::High,
        Some(L::Critical) => Level::Critical,
        Some(L::Informational) | None => Level::Informational,
    }
}

pub(crate) fn status(s: Option<rsigma_parser::Status>) -> Option<String> {
    use rsigma_parser::Status as S;
    s.map(|s| {
        match s {
            S::Stable => "stable",
            S::Test => "test",
            S::Experimental => "experimental",
            S::Deprecated => "deprecated",
            S::Unsupported => "unsupported",
        }
        .to_string()
    })
}

impl RuleMeta {
    /// Metadata of a detection rule.
    pub(crate) fn from_rule(r: &rsigma_parser::SigmaRule, origin: &str) -> Self {
        RuleMeta {
            kind: RuleKind::Detection,
            id: r.id.clone(),
            name: r.name.clone(),
            title: r.title.clone(),
            level: level(r.level),
            status: status(r.status),
            tags: r.tags.clone(),
            description: r.description.clone(),
            falsepositives: r.falsepositives.clone(),
            references: r.references.clone(),
            author: r.author.clone(),
            date: r.date.clone(),
            logsource: RuleLogSource {
                product: r.logsource.product.clone(),
                category: r.logsource.category.clone(),
                service: r.logsource.service.clone(),
            },
            origin: origin.to_string(),
            standalone: true,
        }
    }

    /// Metadata of a correlation rule.
    pub(crate) fn from_correlation(c: &rsigma_parser::CorrelationRule, origin: &str) -> Self {
        RuleMeta {
            kind: RuleKind::Correlation,
            id: c.id.clone(),
            name: c.name.clone(),
            title: c.title.clone(),
            level: level(c.level),
            status: status(c.status),
            tags: c.tags.clone(),
            description: c.description.clone(),
            falsepositives: c.falsepositives.clone(),
            references: c.references.clone(),
            author: c.author.clone(),
            date: c.date.clone(),
            logsource: RuleLogSource::default(),
            origin: origin.to_string(),
            standalone: true,
        }
    }

    /// True when `reference` is this rule's id or name.
    pub fn answers_to(&self, reference: &str) -> bool {
        self.id.as_deref() == Some(reference) || self.name.as_deref() == Some(reference)
    }
}
