//! Severity levels, as Sigma names them.

use std::fmt;
use std::str::FromStr;

/// How serious a detection is, lowest first (so levels compare with `<`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Context, not an alert.
    #[default]
    Informational,
    /// Worth a look.
    Low,
    /// Likely suspicious.
    Medium,
    /// Likely malicious.
    High,
    /// Act now.
    Critical,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" => Ok(Level::Informational),
            "low" => Ok(Level::Low),
            "medium" | "med" => Ok(Level::Medium),
            "high" => Ok(Level::High),
            "critical" | "crit" => Ok(Level::Critical),
            other => Err(format!(
                "unknown level `{other}` (expected informational, low, medium, high or critical)"
            )),
        }
    }
}
