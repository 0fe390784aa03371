//! From the parser's AST to [`Detection`]s: modifiers resolved, values encoded, field names
//! renamed for one mapping target and interned.

use std::collections::HashMap;

use rsigma_parser::{Detection as AstDetection, DetectionItem, Detections, Modifier, SigmaValue};

use crate::condition::condition;
use crate::detection::{Cmp, Cond, Det, Detection, FieldId, Item, RefHow, Test};
use crate::error::{CompileError, ProblemKind};
use crate::mapping::Target;
use crate::pattern::{self, Part, Parts, Utf16};

/// Interned field names shared by all rules of a set; a field may have several spellings.
#[derive(Debug, Default)]
pub(crate) struct FieldTable {
    ids: HashMap<Vec<Box<str>>, FieldId>,
    pub names: Vec<Box<[Box<str>]>>,
}

impl FieldTable {
    pub(crate) fn intern(&mut self, name: &str) -> FieldId {
        self.intern_spellings(&[name])
    }

    pub(crate) fn intern_spellings(&mut self, spellings: &[&str]) -> FieldId {
        let key: Vec<Box<str>> = spellings.iter().map(|s| Box::from(*s)).collect();
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.names.len() as FieldId;
        self.names.push(key.clone().into_boxed_slice());
        self.ids.insert(key, id);
        id
    }
}

/// What compiling one rule under one target needs.
pub(crate) struct Compiler<'a> {
    pub target: &'a Target,
    pub fields: &'a mut FieldTable,
    pub placeholders: &'a HashMap<String, Vec<String>>,
}

impl Compiler<'_> {
    /// Compiles a detection section (a rule's or a filter's).
    pub(crate) fn detections(&mut self, d: &Detections) -> Result<Detection, CompileError> {
        let mut names: Vec<&String> = d.named.keys().collect();
        names.sort();
        let mut dets = Vec::with_capacity(names.len());
        let mut index = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let det = d.named.get(*name).map(|x| self.detection(x)).transpose()?;
            dets.push(det.unwrap_or(Det::All(Vec::new())));
            index.insert(name.as_str(), i);
        }
        let conds = d
            .conditions
            .iter()
            .map(|c| condition(c, &index))
            .collect::<Result<Vec<_>, _>>()?;
        let cond = match conds.len() {
            0 => return Err(CompileError::new(ProblemKind::BadCondition, "no condition")),
            1 => conds.into_iter().next().unwrap_or(Cond::Or(Vec::new())),
            _ => Cond::Or(conds),
        };
        Ok(Detection { dets, cond })
    }

    fn detection(&mut self, d: &AstDetection) -> Result<Det, CompileError> {
        Ok(match d {
            AstDetection::AllOf(items) => Det::All(
                items
                    .iter()
                    .map(|i| self.item(i))
                    .collect::<Result<_, _>>()?,
            ),
            AstDetection::AnyOf(ds) => Det::Any(
                ds.iter()
                    .map(|x| self.detection(x))
                    .collect::<Result<_, _>>()?,
            ),
            AstDetection::And(ds) => Det::And(
                ds.iter()
                    .map(|x| self.detection(x))
                    .collect::<Result<_, _>>()?,
            ),
            AstDetection::Keywords(values) => {
                let item = DetectionItem {
                    field: rsigma_parser::FieldSpec::new(None, Vec::new()),
                    values: values.clone(),
                };
                Det::All(vec![self.item(&item)?])
            }
            AstDetection::ArrayMatch { .. } | AstDetection::Conditional { .. } => {
                return Err(CompileError::new(
                    ProblemKind::Unsupported,
                    "array matching (Sigma v3) is not supported",
                ));
            }
        })
    }

    /// Compiles the target's own `where` conditions (e.g. Sysmon `EventType: SetValue`).
    pub(crate) fn target_conditions(&mut self) -> Result<Vec<Item>, CompileError> {
        let mut items = Vec::new();
        for (field, values) in &self.target.conditions {
            let tests = values
                .as_slice()
                .iter()
                .map(|v| {
                    let pat = pattern::compile(&vec![Part::Lit(v.clone().into_bytes())], false)?;
                    Ok(Test::Str { pat, cased: false })
                })
                .collect::<Result<_, CompileError>>()?;
            items.push(Item {
                field: Some(self.fields.intern(field)),
                tests,
                all: false,
                exists: None,
            });
        }
        Ok(items)
    }

    fn item(&mut self, item: &DetectionItem) -> Result<Item, CompileError> {
        let mods = &item.field.modifiers;
        let has = |m: Modifier| mods.contains(&m);
        for m in mods {
            if matches!(
                m,
                Modifier::Minute
                    | Modifier::Hour
                    | Modifier::Day
                    | Modifier::Week
                    | Modifier::Month
                    | Modifier::Year
            ) {
                return Err(CompileError::new(
                    ProblemKind::UnsupportedModifier,
                    format!("{m:?}").to_lowercase(),
                ));
            }
        }
        let field = match &item.field.name {
            Some(n) => Some(self.fields.intern_spellings(&self.target.field(n))),
            None => None,
        };
        if has(Modifier::Exists) {
            let want = match item.values.as_slice() {
                [SigmaValue::Bool(b)] => *b,
                [SigmaValue::String(s)] if s.original.eq_ignore_ascii_case("true") => true,
                [SigmaValue::String(s)] if s.original.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(CompileError::new(
                        ProblemKind::BadValue,
                        "`exists` needs true or false",
                    ));
                }
            };
            return Ok(Item {
                field,
                tests: Vec::new(),
                all: false,
                exists: Some(want),
            });
        }
        let mut tests = Vec::with_capacity(item.values.len());
        // Keywords are searched for inside field values, as full-text search does.
        let keyword_mods: Vec<Modifier>;
        let mods = if field.is_none()
            && !mods
                .iter()
                .any(|m| matches!(m, Modifier::StartsWith | Modifier::EndsWith | Modifier::Re))
        {
            keyword_mods = mods.iter().copied().chain([Modifier::Contains]).collect();
            &keyword_mods
        } else {
            mods
        };
        for v in &item.values {
            let t = self.value(v, mods)?;
            tests.push(if has(Modifier::Neq) {
                Test::Not(Box::new(t))
            } else {
                t
            });
        }
        if field.is_none() && tests.iter().any(|t| matches!(t, Test::FieldRef { .. })) {
            return Err(CompileError::new(
                ProblemKind::BadValue,
                "`fieldref` needs a field",
            ));
        }
        Ok(Item {
            field,
            tests,
            all: has(Modifier::All),
            exists: None,
        })
    }

    fn value(&mut self, v: &SigmaValue, mods: &[Modifier]) -> Result<Test, CompileError> {
        let has = |m: Modifier| mods.contains(&m);
        if matches!(v, SigmaValue::Null) {
            return Ok(Test::Null);
        }
        let text = match v {
            SigmaValue::String(s) => s.original.clone(),
            other => other.to_string(),
        };
        if has(Modifier::Re) {
            return regex_test(&text, mods);
        }
        if has(Modifier::Cidr) {
            return text
                .trim()
                .parse::<ipnet::IpNet>()
                .or_else(|_| {
                    text.trim()
                        .parse::<std::net::IpAddr>()
                        .map(ipnet::IpNet::from)
                })
                .map(Test::Cidr)
                .map_err(|_| {
                    CompileError::new(ProblemKind::BadValue, format!("bad CIDR `{text}`"))
                });
        }
        for (m, op) in [
            (Modifier::Gt, Cmp::Gt),
            (Modifier::Gte, Cmp::Gte),
            (Modifier::Lt, Cmp::Lt),
            (Modifier::Lte, Cmp::Lte),
        ] {
            if has(m) {
                let n = text.trim().parse::<f64>().map_err(|_| {
                    CompileError::new(ProblemKind::BadValue, format!("`{text}` is not a number"))
                })?;
                return Ok(Test::Compare(op, n));
            }
        }
        if has(Modifier::FieldRef) {
            let how = if has(Modifier::Contains) {
                RefHow::Contains
            } else if has(Modifier::StartsWith) {
                RefHow::Prefix
            } else if has(Modifier::EndsWith) {
                RefHow::Suffix
            } else {
                RefHow::Equal
            };
            let other = self.fields.intern_spellings(&self.target.field(&text));
            return Ok(Test::FieldRef {
                other,
                how,
                cased: has(Modifier::Cased),
            });
        }
        let transforms = mods.iter().any(|m| {
            matches!(
                m,
                Modifier::Contains
                    | Modifier::StartsWith
                    | Modifier::EndsWith
                    | Modifier::Base64
                    | Modifier::Base64Offset
                    | Modifier::Wide
                    | Modifier::Utf16
                    | Modifier::Utf16be
                    | Modifier::WindAsh
                    | Modifier::Expand
                    | Modifier::Cased
            )
        });
        match v {
            SigmaValue::Integer(n) if !transforms => return Ok(Test::Int(*n)),
            SigmaValue::Float(x) if !transforms => return Ok(Test::Float(*x)),
            SigmaValue::Bool(b) if !transforms => return Ok(Test::Bool(*b)),
            _ => {}
        }
        let parsed = match v {
            SigmaValue::String(_) => pattern::parse_value(&text),
            _ => vec![Part::Lit(text.clone().into_bytes())],
        };
        let variants = self.encode(parsed, mods)?;
        // Base64 text is case-sensitive: folding it would match other bytes.
        let cased = has(Modifier::Cased) || has(Modifier::Base64) || has(Modifier::Base64Offset);
        let mut tests = Vec::with_capacity(variants.len());
        for mut parts in variants {
            if has(Modifier::Contains) || has(Modifier::StartsWith) && has(Modifier::EndsWith) {
                parts.insert(0, Part::Star);
                parts.push(Part::Star);
            } else if has(Modifier::StartsWith) {
                parts.push(Part::Star);
            } else if has(Modifier::EndsWith) {
                parts.insert(0, Part::Star);
            }
            tests.push(Test::Str {
                pat: pattern::compile(&parts, cased)?,
                cased,
            });
        }
        Ok(match tests.len() {
            1 => tests.pop().unwrap_or(Test::Null),
            _ => Test::AnyOf(tests),
        })
    }

    /// Applies expand, windash and the encodings in the order the rule wrote them.
    fn encode(&self, parsed: Parts, mods: &[Modifier]) -> Result<Vec<Parts>, CompileError> {
        let mut variants = vec![parsed];
        for m in mods {
            variants = match m {
                Modifier::Expand => variants
                    .iter()
                    .map(|p| self.expand(p))
                    .collect::<Result<Vec<_>, _>>()?
                    .concat(),
                Modifier::WindAsh => variants.iter().flat_map(pattern::windash).collect(),
                Modifier::Wide => variants
                    .iter()
                    .map(|p| pattern::utf16(p, Utf16::Le, true))
                    .collect(),
                Modifier::Utf16be => variants
                    .iter()
                    .map(|p| pattern::utf16(p, Utf16::Be, true))
                    .collect(),
                Modifier::Utf16 => variants
                    .iter()
                    .map(|p| pattern::utf16(p, Utf16::LeBom, true))
                    .collect(),
                Modifier::Base64 => variants
                    .iter()
                    .map(pattern::base64)
                    .collect::<Result<_, _>>()?,
                Modifier::Base64Offset => variants
                    .iter()
                    .map(pattern::base64_offsets)
                    .collect::<Result<Vec<_>, _>>()?
                    .concat(),
                _ => variants,
            };
        }
        Ok(variants)
    }

    /// `%name%` placeholders replaced by each configured value.
    fn expand(&self, parts: &Parts) -> Result<Vec<Parts>, CompileError> {
        let mut out: Vec<Parts> = vec![Vec::new()];
        for part in parts {
            let Part::Lit(bytes) = part else {
                out.iter_mut().for_each(|p| p.push(part.clone()));
                continue;
            };
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut rest = text.as_str();
            while let Some(start) = rest.find('%') {
                let Some(len) = rest[start + 1..].find('%') else {
                    break;
                };
                let name = &rest[start + 1..start + 1 + len];
                let values = self.placeholders.get(name).ok_or_else(|| {
                    CompileError::new(ProblemKind::UnknownPlaceholder, format!("%{name}%"))
                })?;
                let head = &rest[..start];
                out = out
                    .iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            let mut p = p.clone();
                            p.push(Part::Lit(head.as_bytes().to_vec()));
                            p.extend(pattern::parse_value(v));
                            p
                        })
                    })
                    .collect();
                rest = &rest[start + len + 2..];
            }
            out.iter_mut()
                .for_each(|p| p.push(Part::Lit(rest.as_bytes().to_vec())));
        }
        Ok(out)
    }
}

fn regex_test(text: &str, mods: &[Modifier]) -> Result<Test, CompileError> {
    let mut flags = String::new();
    for (m, f) in [
        (Modifier::IgnoreCase, 'i'),
        (Modifier::Multiline, 'm'),
        (Modifier::DotAll, 's'),
    ] {
        if mods.contains(&m) {
            flags.push(f);
        }
    }
    let source = if flags.is_empty() {
        text.to_string()
    } else {
        format!("(?{flags}){text}")
    };
    regex::RegexBuilder::new(&source)
        .size_limit(1 << 22)
        .build()
        .map(Test::Regex)
        .map_err(|e| CompileError::new(ProblemKind::UnsupportedRegex, first_line(&e.to_string())))
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_string()
}
