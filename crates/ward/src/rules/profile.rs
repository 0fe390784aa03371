//! Rule profiles: which rules of a package Ward installs, chosen by status, level and rule type
//! as SigmaHQ's own release packages are (Releases.md in SigmaHQ/sigma).

use clap::ValueEnum;
use ward_event::Level;

/// The kind of rule, from the package folder it sits in (SigmaHQ's "rule types").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleType {
    /// `rules/`: attacker techniques, timeless.
    Core,
    /// `rules-emerging-threats/`: specific actors and exploits.
    EmergingThreats,
    /// `rules-threat-hunting/`: hunting ideas, not alerts.
    ThreatHunting,
    /// `rules-placeholder/`, `deprecated/`, `unsupported/`: never installed.
    Other,
}

impl RuleType {
    /// The type of the rule at `path` (a path inside a package, `/`-separated).
    pub fn of_path(path: &str) -> RuleType {
        let mut kind = RuleType::Core;
        for part in path.split('/') {
            match part {
                "rules-emerging-threats" => kind = RuleType::EmergingThreats,
                "rules-threat-hunting" => kind = RuleType::ThreatHunting,
                "rules-placeholder" | "deprecated" | "unsupported" | "rules-compliance"
                | "rules-dfir" => return RuleType::Other,
                _ => {}
            }
        }
        kind
    }
}

/// A named selection of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// SigmaHQ "Core": test and stable rules of level high or critical, core rules only.
    Core,
    /// SigmaHQ "Core+": test and stable rules of level medium and above, core rules only.
    #[value(name = "core+")]
    CorePlus,
    /// SigmaHQ "Core++": experimental, test and stable rules of level medium and above.
    #[value(name = "core++")]
    CorePlusPlus,
    /// Every rule of the package that is not deprecated or unsupported, at every level: core,
    /// emerging threats and threat hunting.
    All,
}

/// What a profile keeps: the one table of the profiles.
struct Selection {
    statuses: &'static [&'static str],
    min_level: Level,
    types: &'static [RuleType],
}

const STABLE: &[&str] = &["stable", "test"];
const ANY_STATUS: &[&str] = &["stable", "test", "experimental"];

impl Profile {
    fn selection(self) -> Selection {
        use RuleType::*;
        match self {
            Profile::Core => Selection {
                statuses: STABLE,
                min_level: Level::High,
                types: &[Core],
            },
            Profile::CorePlus => Selection {
                statuses: STABLE,
                min_level: Level::Medium,
                types: &[Core],
            },
            Profile::CorePlusPlus => Selection {
                statuses: ANY_STATUS,
                min_level: Level::Medium,
                types: &[Core],
            },
            Profile::All => Selection {
                statuses: ANY_STATUS,
                min_level: Level::Informational,
                types: &[Core, EmergingThreats, ThreatHunting],
            },
        }
    }

    /// The profile's name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Core => "core",
            Profile::CorePlus => "core+",
            Profile::CorePlusPlus => "core++",
            Profile::All => "all",
        }
    }

    /// Whether a rule at `path` with this `status` and `level` belongs to the profile. A rule
    /// without a status or level is kept only by `all` (as experimental, informational).
    pub fn keeps(self, path: &str, status: Option<&str>, level: Option<Level>) -> bool {
        let sel = self.selection();
        let status = status.unwrap_or("experimental").to_ascii_lowercase();
        sel.types.contains(&RuleType::of_path(path))
            && sel.statuses.contains(&status.as_str())
            && level.unwrap_or(Level::Informational) >= sel.min_level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_follow_sigmahq_packages() {
        let core = "rules/windows/process_creation/proc_creation_win_x.yml";
        let et = "rules-emerging-threats/2024/Exploits/x.yml";
        assert!(Profile::Core.keeps(core, Some("test"), Some(Level::High)));
        assert!(!Profile::Core.keeps(core, Some("test"), Some(Level::Medium)));
        assert!(!Profile::Core.keeps(core, Some("experimental"), Some(Level::Critical)));
        assert!(Profile::CorePlus.keeps(core, Some("stable"), Some(Level::Medium)));
        assert!(Profile::CorePlusPlus.keeps(core, Some("experimental"), Some(Level::Medium)));
        assert!(!Profile::CorePlusPlus.keeps(et, Some("stable"), Some(Level::High)));
        assert!(Profile::All.keeps(et, Some("experimental"), Some(Level::Low)));
        assert!(!Profile::All.keeps(core, Some("deprecated"), Some(Level::High)));
        assert!(!Profile::All.keeps("rules-placeholder/x.yml", Some("test"), Some(Level::High)));
        assert!(!Profile::All.keeps("deprecated/windows/x.yml", Some("test"), Some(Level::High)));
    }
}
