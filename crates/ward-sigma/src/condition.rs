//! Sigma conditions (`sel and not 1 of filter_*`) compiled against a rule's detection names.

use std::collections::HashMap;

use rsigma_parser::{ConditionExpr, Quantifier, SelectorPattern};

use crate::detection::Cond;
use crate::error::{CompileError, ProblemKind};

/// Compiles a condition expression against the detection names of one rule.
pub(crate) fn condition(
    c: &ConditionExpr,
    index: &HashMap<&str, usize>,
) -> Result<Cond, CompileError> {
    Ok(match c {
        ConditionExpr::And(cs) => Cond::And(
            cs.iter()
                .map(|x| condition(x, index))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Or(cs) => Cond::Or(
            cs.iter()
                .map(|x| condition(x, index))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Not(x) => Cond::Not(Box::new(condition(x, index)?)),
        ConditionExpr::Identifier(name) => {
            Cond::Det(*index.get(name.as_str()).ok_or_else(|| {
                CompileError::new(
                    ProblemKind::BadCondition,
                    format!("no detection named `{name}`"),
                )
            })?)
        }
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut ids: Vec<usize> = index
                .iter()
                .filter(|(name, _)| match pattern {
                    SelectorPattern::Them => !name.starts_with('_'),
                    SelectorPattern::Pattern(p) => glob_name(p, name),
                })
                .map(|(_, i)| *i)
                .collect();
            ids.sort_unstable();
            if ids.is_empty() {
                return Err(CompileError::new(
                    ProblemKind::BadCondition,
                    format!("`{pattern}` names no detection"),
                ));
            }
            match quantifier {
                Quantifier::Any => Cond::AtLeast(1, ids),
                Quantifier::All => Cond::All(ids),
                Quantifier::Count(n) => {
                    Cond::AtLeast(usize::try_from(*n).unwrap_or(usize::MAX).max(1), ids)
                }
            }
        }
    })
}

/// Detection-name patterns use `*` only.
fn glob_name(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob_name;

    #[test]
    fn detection_name_globs() {
        assert!(glob_name("selection_*", "selection_img"));
        assert!(!glob_name("selection_*", "filter_main"));
        assert!(glob_name("*_main_*", "filter_main_x"));
        assert!(glob_name("sel", "sel"));
        assert!(!glob_name("sel", "sel2"));
        assert!(glob_name("*", "anything"));
    }
}
