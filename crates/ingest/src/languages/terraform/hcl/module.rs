//! A module directory's declarations: variables, locals, outputs, managed
//! resources, data sources and module calls, indexed by name.
//!
//! Declarations borrow the parsed files; evaluation (`eval.rs`) reads them
//! for every instance of the module, so a module called with `count = 3`
//! is parsed and indexed once.

use super::source::{top_blocks, Expr, SourceBody, SourceFile};
use super::types::{parse_type, Type};
use crate::error::{ErrorKind, IngestError};
use portcullis_model::Span;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// A directory's files, parsed.
pub(crate) struct LoadedDirectory {
    /// Canonical path.
    pub dir: PathBuf,
    pub display: String,
    pub files: Vec<SourceFile>,
}

pub(crate) struct VariableDeclaration<'a> {
    /// The declaring file, where `optional()` defaults are evaluated.
    pub file: &'a SourceFile,
    /// JSON syntax: the `"type"` string's offset, for spans.
    pub pin: Option<u32>,
    pub default: Option<Expr<'a>>,
    pub ty: Type,
    pub nullable: bool,
}

pub(crate) struct ResourceDeclaration<'a> {
    pub ty: &'a str,
    pub name: &'a str,
    pub body: SourceBody<'a>,
    pub span: Span,
}

/// Where a module call's code is.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// Index of the loaded directory.
    Local(usize),
    /// Registry, git, http…: not readable offline.
    Remote,
    /// Local path that could not be read, or no `source`.
    Missing(String),
}

pub(crate) struct ModuleCall<'a> {
    pub name: &'a str,
    pub body: SourceBody<'a>,
    /// The `source` string as written.
    pub source_text: String,
    pub source: Source,
}

#[derive(Default)]
pub(crate) struct ModuleDeclaration<'a> {
    pub display: String,
    pub vars: HashMap<&'a str, VariableDeclaration<'a>>,
    pub locals: HashMap<&'a str, Expr<'a>>,
    pub outputs: HashMap<&'a str, Expr<'a>>,
    pub resources: Vec<ResourceDeclaration<'a>>,
    pub res_idx: HashMap<(&'a str, &'a str), usize>,
    pub datas: HashSet<(&'a str, &'a str)>,
    pub calls: Vec<ModuleCall<'a>>,
    pub call_idx: HashMap<&'a str, usize>,
}

/// Whether a module `source` is a local path (Terraform: it starts with
/// `./` or `../`; developer.hashicorp.com/terraform/language/modules/sources).
pub(crate) fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// The literal `source` of every module block in `files`.
pub(crate) fn module_sources(files: &[SourceFile]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for (ty, _labels, body, _) in top_blocks(f) {
            if ty == "module" {
                if let Some(s) = body.attr("source").and_then(|e| e.static_str()) {
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}

/// Builds the declarations of one directory. `resolve` maps a call's
/// source string to where its code is.
pub(crate) fn declare<'a>(
    d: &'a LoadedDirectory,
    resolve: &dyn Fn(&str) -> Source,
    errors: &mut Vec<IngestError>,
) -> ModuleDeclaration<'a> {
    let mut m = ModuleDeclaration { display: d.display.clone(), ..Default::default() };
    for f in &d.files {
        for (ty, labels, body, off) in top_blocks(f) {
            let dup = |errors: &mut Vec<IngestError>, what: String| {
                errors.push(f.error(off, ErrorKind::Invalid, format!("duplicate {what}; the first one is used")));
            };
            match (ty, labels.as_slice()) {
                ("variable", [name]) => {
                    let (ty, pin) = match body.attr("type") {
                        Some(Expr { expression: super::source::ExprKind::Hcl(e), .. }) => (parse_type(e), None),
                        Some(Expr { expression: super::source::ExprKind::Json(n), file: f, .. }) => {
                            (f.type_exprs.get(&n.offset).map_or(Type::Any, parse_type), Some(n.offset))
                        }
                        None => (Type::Any, None),
                    };
                    let nullable = match body.attr("nullable").map(|e| e.expression) {
                        Some(super::source::ExprKind::Hcl(hcl_edit::expr::Expression::Bool(b))) => *b.value(),
                        Some(super::source::ExprKind::Json(n)) => n.as_bool().unwrap_or(true),
                        _ => true,
                    };
                    if m.vars.contains_key(name) {
                        dup(errors, format!("variable `{name}`"));
                        continue;
                    }
                    m.vars.insert(
                        name,
                        VariableDeclaration { file: f, pin, default: body.attr("default"), ty, nullable },
                    );
                }
                ("locals", []) => {
                    for item in body.items() {
                        if let super::source::Item::Attr { name, ex, .. } = item {
                            if m.locals.contains_key(name) {
                                dup(errors, format!("local value `{name}`"));
                                continue;
                            }
                            m.locals.insert(name, ex);
                        }
                    }
                }
                ("output", [name]) => {
                    if let Some(ex) = body.attr("value") {
                        if m.outputs.contains_key(name) {
                            dup(errors, format!("output `{name}`"));
                            continue;
                        }
                        m.outputs.insert(name, ex);
                    }
                }
                ("resource", [t, n]) => {
                    if m.res_idx.contains_key(&(*t, *n)) {
                        dup(errors, format!("resource `{t}.{n}`"));
                        continue;
                    }
                    m.res_idx.insert((t, n), m.resources.len());
                    m.resources.push(ResourceDeclaration { ty: t, name: n, body, span: f.span(off) });
                }
                ("data", [t, n]) => {
                    m.datas.insert((t, n));
                }
                ("module", [name]) => {
                    if m.call_idx.contains_key(name) {
                        dup(errors, format!("module `{name}`"));
                        continue;
                    }
                    let text = body.attr("source").and_then(|e| e.static_str()).map(str::to_string);
                    let source = match &text {
                        None => Source::Missing(format!("module `{name}` has no literal `source`")),
                        Some(s) => resolve(s),
                    };
                    m.call_idx.insert(name, m.calls.len());
                    m.calls.push(ModuleCall { name, body, source_text: text.unwrap_or_default(), source });
                }
                _ => {}
            }
        }
    }
    m
}
