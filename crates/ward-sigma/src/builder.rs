//! Loading rules: YAML in, problems recorded, one [`RuleSet`] out.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use rsigma_parser::{CorrelationRule, FilterRule, FilterRuleTarget, SigmaRule};

use crate::analysis::{required_event_ids, required_fields};
use crate::compile::{Compiler, FieldTable};
use crate::correlation;
use crate::detection::Det;
use crate::error::{CompileError, LoadReport, ProblemKind, RuleProblem, SigmaError};
use crate::index::Index;
use crate::mapping::{Mapping, Resolved, Target};
use crate::meta::{RuleIdx, RuleMeta};
use crate::prefilter::{self, Prefilter};
use crate::ruleset::{RuleSet, Variant};

/// Collects rule files, then compiles them all at once with [`RuleSetBuilder::build`].
#[derive(Debug)]
pub struct RuleSetBuilder {
    mapping: Mapping,
    placeholders: HashMap<String, Vec<String>>,
    rules: Vec<(String, SigmaRule)>,
    correlations: Vec<(String, CorrelationRule)>,
    filters: Vec<(String, FilterRule)>,
    problems: Vec<RuleProblem>,
    prefilter: bool,
}

impl RuleSetBuilder {
    /// A builder using `mapping` (usually [`Mapping::builtin`]).
    pub fn new(mapping: Mapping) -> Self {
        RuleSetBuilder {
            mapping,
            placeholders: HashMap::new(),
            rules: Vec::new(),
            correlations: Vec::new(),
            filters: Vec::new(),
            problems: Vec::new(),
            prefilter: true,
        }
    }

    /// Turns the literal prefilter off (on by default); results are the same, only slower.
    /// Meant for checking the prefilter itself.
    pub fn set_prefilter(&mut self, enabled: bool) {
        self.prefilter = enabled;
    }

    /// Values for `expand` placeholders (`%Admins%` → names); an unknown one is a problem.
    pub fn set_placeholder(&mut self, name: &str, values: Vec<String>) {
        self.placeholders.insert(name.to_string(), values);
    }

    /// Adds the rules of one YAML text (multi-document allowed); problems are recorded.
    pub fn add_yaml(&mut self, origin: &str, text: &str) {
        match rsigma_parser::parse_sigma_yaml(text) {
            Ok(c) => self.add_collection(origin, text, c),
            Err(e) => self.problem_in_text(origin, text, e.to_string()),
        }
    }

    fn add_collection(
        &mut self,
        origin: &str,
        text: &str,
        collection: rsigma_parser::SigmaCollection,
    ) {
        for e in &collection.errors {
            self.problem_in_text(origin, text, e.clone());
        }
        self.rules.extend(
            collection
                .rules
                .into_iter()
                .map(|r| (origin.to_string(), r)),
        );
        self.correlations.extend(
            collection
                .correlations
                .into_iter()
                .map(|c| (origin.to_string(), c)),
        );
        self.filters.extend(
            collection
                .filters
                .into_iter()
                .map(|f| (origin.to_string(), f)),
        );
    }

    /// Adds a rule file, or every `.yml`/`.yaml` file under a folder (sorted, recursive).
    /// Files are read and parsed in parallel; rules are added in path order, so the result does
    /// not depend on the thread count.
    pub fn add_path(&mut self, path: &Path) -> Result<(), SigmaError> {
        let meta = std::fs::metadata(path).map_err(|e| SigmaError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let mut files = Vec::new();
        if meta.is_file() {
            files.push(path.to_path_buf());
        } else {
            collect_rule_files(path, &mut files)?;
        }
        let parsed: Vec<(String, RuleFile)> = files
            .par_iter()
            .map(|p| (p.display().to_string(), RuleFile::read(p)))
            .collect();
        for (origin, file) in parsed {
            match file {
                RuleFile::Parsed(text, collection) => {
                    self.add_collection(&origin, &text, collection)
                }
                RuleFile::Invalid(text, detail) => self.problem_in_text(&origin, &text, detail),
                RuleFile::Unreadable(detail) => self.problem_in_text(&origin, "", detail),
            }
        }
        Ok(())
    }

    fn problem_in_text(&mut self, origin: &str, text: &str, detail: String) {
        let top = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
        };
        self.problems.push(RuleProblem {
            origin: origin.to_string(),
            rule_id: top("id:"),
            title: top("title:"),
            reason: ProblemKind::ParseError,
            detail,
        });
    }

    /// Compiles everything added so far.
    pub fn build(self) -> (RuleSet, LoadReport) {
        let RuleSetBuilder {
            mapping,
            placeholders,
            rules,
            correlations,
            filters,
            mut problems,
            prefilter: use_prefilter,
        } = self;
        let mut fields = FieldTable::default();
        let mut metas: Vec<RuleMeta> = Vec::new();
        let mut variants: Vec<Variant> = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        let mut logsources = Vec::new();
        for (origin, rule) in &rules {
            let ls = &rule.logsource;
            let resolved = mapping.resolve(
                ls.product.as_deref(),
                ls.category.as_deref(),
                ls.service.as_deref(),
            );
            let Resolved::Targets(ts) = resolved else {
                let detail = format!(
                    "no mapping for product={} category={} service={}",
                    ls.product.as_deref().unwrap_or("-"),
                    ls.category.as_deref().unwrap_or("-"),
                    ls.service.as_deref().unwrap_or("-")
                );
                problems.push(rule_problem(
                    origin,
                    rule,
                    CompileError::new(ProblemKind::UnmappedLogsource, detail),
                ));
                continue;
            };
            let idx = RuleIdx(metas.len() as u32);
            let compiled = match compile_rule(rule, idx, ts, &mut fields, &placeholders) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(rule_problem(origin, rule, e));
                    continue;
                }
            };
            metas.push(RuleMeta::from_rule(rule, origin));
            logsources.push(ls.clone());
            for (v, t) in compiled {
                variants.push(v);
                targets.push(t);
            }
        }
        apply_filters(
            &filters,
            &metas,
            &logsources,
            &mut variants,
            &targets,
            &mut fields,
            &placeholders,
            &mut problems,
        );
        let event_id = fields.intern("EventID");
        let mut index = Index::default();
        for (i, (v, t)) in variants.iter().zip(&targets).enumerate() {
            index.add(
                i as u32,
                t,
                required_event_ids(&v.detection, event_id).as_ref(),
            );
        }
        let guards: Vec<_> = variants
            .iter()
            .map(|v| {
                use_prefilter
                    .then(|| prefilter::guard(&v.detection))
                    .flatten()
            })
            .collect();
        let (prefilter, compiled_guards) = Prefilter::build(&guards, fields.names.len());
        for (v, g) in variants.iter_mut().zip(compiled_guards) {
            v.guard = g;
        }
        let (compiled, needed) = correlation::compile(&correlations, &mut metas, &mut problems);
        let loaded = metas.len();
        let set = RuleSet {
            rules: metas,
            variants,
            index,
            prefilter,
            field_names: fields.names,
            correlations: compiled,
            correlation_fields: needed,
        };
        (set, LoadReport { loaded, problems })
    }
}

/// Compiles one rule for each of its targets, dropping targets that never carry a field the
/// rule needs; an error when no target is left.
fn compile_rule(
    rule: &SigmaRule,
    idx: RuleIdx,
    targets: Vec<Target>,
    fields: &mut FieldTable,
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Vec<(Variant, Target)>, CompileError> {
    let mut out = Vec::with_capacity(targets.len());
    let mut missing = Vec::new();
    for t in targets {
        let mut c = Compiler {
            target: &t,
            fields,
            placeholders,
        };
        let detection = c.detections(&rule.detection)?;
        let extra = Det::All(c.target_conditions()?);
        let absent: Vec<&str> = required_fields(&detection)
            .into_iter()
            .filter_map(|f| fields.names.get(f as usize).and_then(|n| n.first()))
            .map(|n| &**n)
            .filter(|n| t.absent.iter().any(|a| a == n))
            .collect();
        if !absent.is_empty() {
            missing.push(format!("{} (not in {})", absent.join(", "), t.describe()));
            continue;
        }
        let providers = t.provider.clone();
        let variant = Variant {
            rule: idx,
            detection,
            extra,
            providers,
            filters: Vec::new(),
            guard: None,
        };
        out.push((variant, t));
    }
    if out.is_empty() && !missing.is_empty() {
        let detail = format!(
            "needs fields no source of its logsource carries: {}",
            missing.join("; ")
        );
        return Err(CompileError::new(ProblemKind::UnmappedField, detail));
    }
    Ok(out)
}

/// Attaches each filter document to the variants of the rules it names (or, for `rules: any`,
/// of every rule whose logsource fits the filter's).
#[allow(clippy::too_many_arguments)]
fn apply_filters(
    filters: &[(String, FilterRule)],
    metas: &[RuleMeta],
    logsources: &[rsigma_parser::LogSource],
    variants: &mut [Variant],
    targets: &[Target],
    fields: &mut FieldTable,
    placeholders: &HashMap<String, Vec<String>>,
    problems: &mut Vec<RuleProblem>,
) {
    for (origin, f) in filters {
        let applies = |i: usize| -> bool {
            let fits = f.logsource.as_ref().is_none_or(|fl| {
                let ok = |a: &Option<String>, b: &Option<String>| {
                    a.is_none() || a.as_deref() == b.as_deref()
                };
                logsources.get(i).is_some_and(|rl| {
                    ok(&fl.product, &rl.product)
                        && ok(&fl.category, &rl.category)
                        && ok(&fl.service, &rl.service)
                })
            });
            fits && match &f.rules {
                FilterRuleTarget::Any => true,
                FilterRuleTarget::Specific(refs) => refs
                    .iter()
                    .any(|r| metas.get(i).is_some_and(|m| m.answers_to(r))),
            }
        };
        if let FilterRuleTarget::Specific(refs) = &f.rules {
            for r in refs
                .iter()
                .filter(|r| !metas.iter().any(|m| m.answers_to(r)))
            {
                problems.push(RuleProblem {
                    origin: origin.clone(),
                    rule_id: f.id.clone(),
                    title: Some(f.title.clone()),
                    reason: ProblemKind::UnknownReference,
                    detail: format!("filter names rule `{r}`, which is not loaded"),
                });
            }
        }
        for (v, t) in variants.iter_mut().zip(targets) {
            if !applies(v.rule.get()) {
                continue;
            }
            let mut c = Compiler {
                target: t,
                fields,
                placeholders,
            };
            match c.detections(&f.detection) {
                Ok(d) => v.filters.push(d),
                Err(e) => {
                    problems.push(RuleProblem {
                        origin: origin.clone(),
                        rule_id: f.id.clone(),
                        title: Some(f.title.clone()),
                        reason: e.kind,
                        detail: e.detail,
                    });
                    break;
                }
            }
        }
    }
}

fn rule_problem(origin: &str, rule: &SigmaRule, e: CompileError) -> RuleProblem {
    RuleProblem {
        origin: origin.to_string(),
        rule_id: rule.id.clone(),
        title: Some(rule.title.clone()),
        reason: e.kind,
        detail: e.detail,
    }
}

/// One rule file read and parsed, kept with its text for problem reports.
enum RuleFile {
    /// Parsed: its text and the documents in it.
    Parsed(String, rsigma_parser::SigmaCollection),
    /// Not valid Sigma YAML: its text and why.
    Invalid(String, String),
    /// Could not be read.
    Unreadable(String),
}

impl RuleFile {
    fn read(path: &Path) -> Self {
        match std::fs::read_to_string(path) {
            Err(e) => RuleFile::Unreadable(e.to_string()),
            Ok(text) => match rsigma_parser::parse_sigma_yaml(&text) {
                Ok(collection) => RuleFile::Parsed(text, collection),
                Err(e) => RuleFile::Invalid(text, e.to_string()),
            },
        }
    }
}

/// Every `.yml`/`.yaml` file under `dir`, recursively, in sorted order.
fn collect_rule_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), SigmaError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| SigmaError::Io {
            path: dir.display().to_string(),
            source: e,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_rule_files(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    Ok(())
}
