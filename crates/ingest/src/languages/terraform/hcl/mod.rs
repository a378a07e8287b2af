//! Terraform configurations (`.tf`, `.tf.json`) evaluated into the same
//! [`Resource`]s a plan gives, so one adapter per provider reads both.
//!
//! [`evaluate_dir`] reads one root module: every configuration file directly
//! in the directory, variable values in Terraform's precedence, and the
//! local modules it calls (recursively). It evaluates what Terraform would
//! know at plan time and nothing more: a value that depends on a data
//! source, a computed attribute, a file or a remote module is
//! [`Kind::Unknown`](crate::languages::terraform::Kind::Unknown) with the reason,
//! never a guess. Errors (syntax, a reference cycle, a bad function
//! argument) are reported with file, line and column, and the rest of the
//! directory is still evaluated.
//!
//! Choices worth knowing:
//! - A resource whose `count` or `for_each` is unknown yields one resource
//!   at its base address (`aws_security_group.x`), evaluated with
//!   `count.index` / `each.*` unknown, so the parts that do not depend on
//!   them still count.
//! - A `dynamic` block whose `for_each` is unknown contributes one unknown
//!   element to its block list; static blocks of the same type stay known.
//! - `refs` records managed-resource instance addresses only (not data
//!   sources), under the top-level attribute (or block type) whose
//!   expression led to them, through locals, module inputs and outputs.
//! - `path.module` is relative to the root (`.`, `modules/x`), `path.cwd`
//!   is the root as displayed.
//! - Override files (`override.tf`, `*_override.tf`) are skipped: their
//!   merge semantics are not implemented.
//!
//! Parsing is hcl-edit's (it keeps byte spans); the evaluator is ours
//! because hcl-rs's has no Terraform functions and no unknown values.

mod cidr;
mod eval;
pub mod files;
mod funcs;
mod module;
mod source;
mod types;
mod value;

use crate::error::{ErrorKind, IngestError};
use crate::languages::terraform::resource::Resource;
use eval::{Evaluator, Iteration, Refs, Scope};
pub use files::{Files, MemoryTree};
use module::{declare, is_local_source, module_sources, moved_blocks, LoadedDirectory, ModuleDeclaration, Source};
use portcullis_files::Origin;
use source::{Expr, Item, SourceFile, Tree};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use value::HclValue;

/// Variable values given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `--var-file`, in the order given (later wins).
    pub var_files: Vec<PathBuf>,
    /// `--var name=value`, in the order given (later wins).
    pub vars: Vec<(String, String)>,
}

/// What evaluating one root module produced.
#[derive(Clone, Debug, Default)]
pub struct ModuleResult {
    pub resources: Vec<Resource>,
    pub errors: Vec<IngestError>,
    /// Every configuration file read (root and local modules), as displayed.
    pub files: Vec<String>,
    /// Canonical directories of the local modules called, so a caller
    /// walking a tree does not evaluate them again as roots.
    pub module_dirs_called: Vec<PathBuf>,
    /// Inline suppressions in the `.tf` files read.
    pub suppressions: Vec<crate::suppress::Inline>,
    /// The root module's `moved` blocks, `(from, to)`.
    pub moves: Vec<(String, String)>,
}

/// Stack for the evaluation thread: evaluation and hcl-edit's parser are
/// recursive, and depth limits are sized for this, not for a test
/// harness's 2 MiB threads.
const STACK: usize = 256 << 20;
/// Directories (root plus local modules) read for one root.
const MAX_DIRS: usize = 500;

/// Evaluates the root module in `dir`: every `*.tf` / `*.tf.json` directly
/// in it; follows local module calls. `display` is how `dir` is shown in
/// spans and errors (paths in spans are `display` joined with the file
/// name, e.g. `infra/main.tf`).
pub fn evaluate_dir(dir: &Path, display: &str, inputs: &Inputs) -> ModuleResult {
    evaluate_dir_in(Files::Disk, dir, display, inputs)
}

/// [`evaluate_dir`] over the given files (on disk, or held in memory).
pub fn evaluate_dir_in(files: Files, dir: &Path, display: &str, inputs: &Inputs) -> ModuleResult {
    let run = || evaluate(files, dir, display, inputs);
    let joined = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("portcullis-tf-eval".into())
            .stack_size(STACK)
            .spawn_scoped(s, run)
            .map(|h| h.join())
    });
    match joined {
        Ok(Ok(r)) => r,
        // A panic is a bug of ours; report it on the directory rather than
        // take the whole scan down.
        Ok(Err(_)) => ModuleResult {
            errors: vec![IngestError {
                file: display.to_string(),
                line: 0,
                column: 0,
                kind: ErrorKind::Invalid,
                message: "internal error: the Terraform evaluator panicked on this directory".into(),
            }],
            ..Default::default()
        },
        // No thread could be started: evaluate here.
        Err(_) => evaluate(files, dir, display, inputs),
    }
}

fn join_path(display: &str, name: &str) -> String {
    if display.is_empty() || display == "." {
        name.to_string()
    } else if display.ends_with('/') {
        format!("{display}{name}")
    } else {
        format!("{display}/{name}")
    }
}

fn is_override(name: &str) -> bool {
    let stem = name.trim_end_matches(".json").trim_end_matches(".tf");
    stem == "override" || stem.ends_with("_override")
}

/// Reads and parses the configuration files directly in `dir`.
fn load_dir(files: Files, dir: &Path, display: &str, errors: &mut Vec<IngestError>) -> Vec<SourceFile> {
    let mut names: Vec<String> = match files.list(dir) {
        Ok(names) => {
            names.into_iter().filter(|n| (n.ends_with(".tf") || n.ends_with(".tf.json")) && !is_override(n)).collect()
        }
        Err(e) => {
            errors.push(io_error(display, &e));
            return Vec::new();
        }
    };
    names.sort();
    let mut loaded = Vec::new();
    for name in names {
        let shown = join_path(display, &name);
        // Read as portcullis_files decides (size limit, no pipes, byte-order
        // mark dropped, bad bytes located and replaced).
        match files.read(&dir.join(&name), &shown, Origin::Walked) {
            Ok(read) => {
                errors.extend(read.not_utf8.as_ref().map(file_error));
                let json = name.ends_with(".json");
                let (f, err) = SourceFile::parse(Arc::from(shown.as_str()), read.text, json);
                errors.extend(err);
                loaded.push(f);
            }
            Err(e) => errors.push(e),
        }
    }
    loaded
}

fn file_error(e: &portcullis_files::Error) -> IngestError {
    let kind = if e.line() > 0 { ErrorKind::Syntax } else { ErrorKind::Io };
    IngestError { file: e.path.clone(), line: e.line(), column: e.column(), kind, message: e.message.clone() }
}

fn io_error(file: &str, e: &std::io::Error) -> IngestError {
    IngestError {
        file: file.to_string(),
        line: 0,
        column: 0,
        kind: ErrorKind::Io,
        message: format!("cannot read: {e}"),
    }
}

fn evaluate(files: Files, dir: &Path, display: &str, inputs: &Inputs) -> ModuleResult {
    let mut errors = Vec::new();
    let root_canon = files.canonical_dir(dir).unwrap_or_else(|| dir.to_path_buf());
    let mut dirs: Vec<LoadedDirectory> = vec![LoadedDirectory {
        dir: root_canon.clone(),
        display: display.to_string(),
        files: load_dir(files, dir, display, &mut errors),
    }];
    let mut index: HashMap<PathBuf, usize> = HashMap::from([(root_canon.clone(), 0)]);
    let mut called: Vec<PathBuf> = Vec::new();
    // Load every local module reachable from the root: module sources must
    // be literal strings, so the tree is known before evaluation.
    let mut next = 0;
    while next < dirs.len() {
        let (base, base_display) = (dirs[next].dir.clone(), dirs[next].display.clone());
        for src in module_sources(&dirs[next].files) {
            if !is_local_source(&src) {
                continue;
            }
            let Some(canon) = files.canonical_dir(&base.join(&src)) else { continue };
            if canon != root_canon && !called.contains(&canon) {
                called.push(canon.clone());
            }
            if index.contains_key(&canon) || dirs.len() >= MAX_DIRS {
                continue;
            }
            let shown = eval::join_display(&base_display, &src);
            let loaded = load_dir(files, &canon, &shown, &mut errors);
            index.insert(canon.clone(), dirs.len());
            dirs.push(LoadedDirectory { dir: canon, display: shown, files: loaded });
        }
        next += 1;
    }
    let decls: Vec<ModuleDeclaration> = dirs
        .iter()
        .map(|d| {
            let resolve = |src: &str| -> Source {
                if !is_local_source(src) {
                    return Source::Remote;
                }
                match files.canonical_dir(&d.dir.join(src)).and_then(|c| index.get(&c).copied()) {
                    Some(i) => Source::Local(i),
                    None => Source::Missing(format!("module directory `{src}` cannot be read")),
                }
            };
            declare(d, &resolve, &mut errors)
        })
        .collect();
    let given = root_values(files, &dirs[0], &decls, display, inputs, &mut errors);
    let ev = Evaluator::new(&decls, given, display.to_string());
    let mut resources = Vec::new();
    let mut budget = 4_000_000u64;
    ev.produce(0, &mut resources, &mut budget);
    let instances = ev.instances();
    errors.extend(ev.errors.into_inner());
    let read = dirs.iter().flat_map(|d| d.files.iter().map(|f| f.display.to_string())).collect();
    let mut suppressions = Vec::new();
    for f in dirs.iter().flat_map(|d| d.files.iter()).filter(|f| f.display.ends_with(".tf")) {
        let (found, errs) = crate::suppress::scan(&f.display, f.text(), crate::suppress::Syntax::Hcl);
        suppressions.extend(found);
        errors.extend(errs);
    }
    // A `moved` block in a child module speaks of addresses inside it
    // (developer.hashicorp.com/terraform/language/modules/develop/refactoring#moved-block-syntax):
    // it moves them in every instance of every call of that module, so it
    // is written out once per instance with the instance's prefix.
    let relative: Vec<Vec<(String, String)>> = dirs.iter().map(|d| moved_blocks(&d.files)).collect();
    let mut moves = Vec::new();
    for (decl, prefix) in instances {
        for (from, to) in relative.get(decl).into_iter().flatten() {
            moves.push((format!("{prefix}{from}"), format!("{prefix}{to}")));
        }
    }
    ModuleResult { resources, errors, files: read, module_dirs_called: called, suppressions, moves }
}

/// Values for the root module's variables, in Terraform's precedence
/// (developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence):
/// `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)` in
/// lexical order, `--var-file`s, then `--var`s; later wins.
fn root_values(
    files: Files,
    root: &LoadedDirectory,
    decls: &[ModuleDeclaration],
    display: &str,
    inputs: &Inputs,
    errors: &mut Vec<IngestError>,
) -> HashMap<String, HclValue> {
    let mut paths: Vec<(PathBuf, String)> = Vec::new();
    for n in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = root.dir.join(n);
        if files.is_file(&p) {
            paths.push((p, join_path(display, n)));
        }
    }
    let mut autos: Vec<String> = files
        .list(&root.dir)
        .map(|names| {
            names.into_iter().filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")).collect()
        })
        .unwrap_or_default();
    autos.sort();
    for n in autos {
        paths.push((root.dir.join(&n), join_path(display, &n)));
    }
    let from_root = paths.len();
    for p in &inputs.var_files {
        paths.push((p.clone(), p.display().to_string()));
    }
    // tfvars files hold constant expressions; they are evaluated by an
    // evaluator of their own so nothing they do is memoized for the root.
    let ev = Evaluator::new(decls, HashMap::new(), display.to_string());
    let iter = Iteration::default();
    let sc = Scope::new(0, &iter);
    let mut out: HashMap<String, HclValue> = HashMap::new();
    for (i, (path, shown)) in paths.into_iter().enumerate() {
        // `--var-file`s are the user's files on disk, whatever the
        // configuration is read from.
        let source = if i < from_root { files } else { Files::Disk };
        let text = match source.read(&path, &shown, Origin::Named) {
            Ok(read) => {
                errors.extend(read.not_utf8.as_ref().map(file_error));
                read.text
            }
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let json = shown.ends_with(".json");
        let (f, err) = SourceFile::parse(Arc::from(shown.as_str()), text, json);
        errors.extend(err);
        let items = match &f.ast {
            Tree::Hcl(b) => source::SourceBody { file: &f, kind: source::SourceBodyKind::Hcl(b) }.items(),
            Tree::Json(n) => source::SourceBody { file: &f, kind: source::SourceBodyKind::Json(n) }.items(),
            Tree::None => Vec::new(),
        };
        for item in items {
            if let Item::Attr { name, ex, .. } = item {
                // JSON variable files hold plain values, not templates.
                let ex = match ex.expression {
                    source::ExprKind::Json(n) => {
                        Expr { file: ex.file, expression: source::ExprKind::Json(n), pin: None }
                    }
                    _ => ex,
                };
                let v = match ex.expression {
                    source::ExprKind::Json(n) => json_literal(&f, n),
                    source::ExprKind::Hcl(_) => ev.eval_top(&sc, ex, &mut Refs::default()),
                };
                out.insert(name.to_string(), v);
            }
        }
    }
    for (name, value) in &inputs.vars {
        let span = portcullis_model::Span::new(Arc::from("--var"), 0, 0);
        let primitive = decls[0].vars.get(name.as_str()).is_none_or(|d| d.ty.is_primitive());
        let v = if primitive {
            HclValue::str(value.clone(), span)
        } else {
            let f = SourceFile::detached(Arc::from(format!("--var {name}").as_str()), value.clone());
            match hcl_edit::parser::parse_expr(value) {
                Ok(e) => ev.eval_top(&sc, Expr::hcl(&f, &e), &mut Refs::default()),
                Err(e) => {
                    errors.push(IngestError {
                        file: "--var".into(),
                        line: 0,
                        column: 0,
                        kind: ErrorKind::Syntax,
                        message: format!("value of `{name}` is not a valid expression: {}", e.message()),
                    });
                    continue;
                }
            }
        };
        out.insert(name.clone(), v);
    }
    errors.extend(ev.errors.into_inner());
    out
}

/// A JSON value taken literally (variable files in JSON).
fn json_literal(f: &SourceFile, n: &portcullis_syntax::json::Node) -> HclValue {
    use portcullis_syntax::json::Value;
    let span = f.span(n.offset as usize);
    match &n.value {
        Value::Null => HclValue::null(span),
        Value::Bool(b) => HclValue::bool(*b, span),
        Value::Number(s) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() => HclValue::num(x, span),
            _ => HclValue::unknown(format!("number {s} is out of range"), span),
        },
        Value::String(s) => HclValue::str(s.to_string(), span),
        Value::Array(a) => HclValue::list(a.iter().map(|c| json_literal(f, c)).collect(), span),
        Value::Object(ms) => {
            HclValue::obj(ms.iter().map(|m| (m.key.to_string(), json_literal(f, &m.value))).collect(), span)
        }
    }
}
