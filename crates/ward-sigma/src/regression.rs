//! SigmaHQ regression data: `regression_data/**/info.yml` names a rule and the EVTX file (and
//! its JSON twin) the rule must match.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::SigmaError;

/// One positive test: this rule must match events of this file.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionCase {
    /// The `info.yml` the case came from.
    pub info: PathBuf,
    /// Id of the rule under test.
    pub rule_id: String,
    /// Title of the rule under test.
    pub rule_title: String,
    /// The EVTX file (resolved against the folder holding `regression_data`).
    pub evtx: PathBuf,
    /// The evtx_dump-style JSON twin of the EVTX file (same stem, `.json`).
    pub json: PathBuf,
    /// Exact number of matching events, when the test states it.
    pub match_count: Option<u64>,
}

#[derive(Deserialize)]
struct Info {
    rule_metadata: Vec<RuleRef>,
    /// Absent (commented out) for cases that have no test file yet.
    #[serde(default)]
    regression_tests_info: Vec<TestInfo>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: String,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize)]
struct TestInfo {
    #[serde(rename = "type", default)]
    kind: String,
    path: String,
    #[serde(default)]
    match_count: Option<u64>,
}

/// Reads every `info.yml` under `root` (a `regression_data` folder), sorted by path; only
/// EVTX cases are returned.
pub fn regression_tests(root: &Path) -> Result<Vec<RegressionCase>, SigmaError> {
    let mut infos = Vec::new();
    find_infos(root, &mut infos)?;
    infos.sort();
    // Paths inside info.yml start with `regression_data/`: resolve them from its parent.
    let base = root.parent().unwrap_or(root);
    let mut out = Vec::new();
    for info in infos {
        let bad = |detail: String| SigmaError::Regression {
            path: info.display().to_string(),
            detail,
        };
        let text = std::fs::read_to_string(&info).map_err(|e| bad(e.to_string()))?;
        let parsed: Info = yaml_serde::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let rule = parsed
            .rule_metadata
            .first()
            .ok_or_else(|| bad("no rule_metadata".into()))?;
        for t in parsed
            .regression_tests_info
            .iter()
            .filter(|t| t.kind == "evtx")
        {
            let evtx = base.join(&t.path);
            out.push(RegressionCase {
                info: info.clone(),
                rule_id: rule.id.clone(),
                rule_title: rule.title.clone(),
                json: evtx.with_extension("json"),
                evtx,
                match_count: t.match_count,
            });
        }
    }
    Ok(out)
}

fn find_infos(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SigmaError> {
    let io = |e| SigmaError::Io {
        path: dir.display().to_string(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            find_infos(&path, out)?;
        } else if path.file_name().is_some_and(|n| n == "info.yml") {
            out.push(path);
        }
    }
    Ok(())
}
