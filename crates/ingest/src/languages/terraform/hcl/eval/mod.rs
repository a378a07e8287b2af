//! The expression evaluator: Terraform's semantics over hcl-edit's syntax
//! tree, with unknowns instead of guesses.
//!
//! Everything named (variables, locals, outputs, resources, module calls)
//! is evaluated on demand and memoized per module instance, so locals come
//! out in dependency order without sorting them and a reference cycle shows
//! up as a re-entered slot (reported, and unknown). Each named value keeps
//! the managed-resource addresses its expression referred to, so a
//! resource attribute that reads `local.sg_id` still records
//! `aws_security_group.cp` in its `refs`, through any number of locals,
//! module inputs and module outputs.
//!
//! Limits keep hostile input harmless: evaluation depth ([`MAX_DEPTH`]),
//! collection sizes ([`MAX_ELEMS`]) and a total work budget.

mod expressions;
mod references;
mod resources;

use super::funcs;
use super::module::{ModuleDeclaration, Source};
use super::source::{Expr, ExprKind, Item, SourceBody};
use super::types::convert;
use super::value::{
    as_int, equals, fmt_num, quote, sorted_entries, to_tf, HclKind, HclValue, InstanceKey, ResourceHandle,
};
use crate::error::{ErrorKind, IngestError};
use crate::languages::terraform::resource::Resource;
pub(crate) use expressions::iterate;
use expressions::show_key;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use portcullis_model::Span;
use portcullis_syntax::json::{Node, Value};
use resources::unreachable_key;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// Deepest nesting of evaluation (expressions inside expressions, plus
/// references followed through locals and modules).
pub(crate) const MAX_DEPTH: u32 = 512;
/// Largest collection an expression may build (`range`, `count`, `for`).
pub(crate) const MAX_ELEMS: usize = 100_000;
/// Total evaluation steps for one root directory.
const BUDGET: u64 = 5_000_000;
const BUDGET_EXHAUSTED: &str = "evaluation budget exhausted";
/// Module instances for one root directory.
const MAX_INSTANCES: usize = 10_000;

/// An evaluation error: Terraform would stop here; we report it and carry
/// on with an unknown.
#[derive(Debug)]
pub(crate) struct EvaluationError {
    pub msg: String,
    pub span: Span,
}

pub(crate) type Evaluated<T> = Result<T, EvaluationError>;

pub(crate) fn fail<T>(msg: impl Into<String>, span: &Span) -> Evaluated<T> {
    Err(EvaluationError { msg: msg.into(), span: span.clone() })
}

/// Resource addresses an expression referred to, in order, without repeats.
#[derive(Default, Debug, Clone)]
pub(crate) struct Refs(pub Vec<String>);

impl Refs {
    pub fn push(&mut self, a: &str) {
        if !self.0.iter().any(|x| x == a) {
            self.0.push(a.to_string());
        }
    }
    pub fn extend(&mut self, other: &[String]) {
        for a in other {
            self.push(a);
        }
    }
}

/// count.index / each.key / each.value of the instance being evaluated.
#[derive(Clone, Default, Debug)]
pub(crate) struct Iteration {
    pub count: Option<HclValue>,
    pub each: Option<(HclValue, HclValue)>,
}

/// Where an expression is evaluated: which module instance, which
/// count/for_each instance, and the names bound by `for` expressions,
/// `dynamic` iterators and template `for` directives.
#[derive(Clone)]
pub(crate) struct Scope<'s> {
    pub inst: usize,
    pub iter: &'s Iteration,
    pub binds: Vec<(Rc<str>, HclValue)>,
}

impl<'s> Scope<'s> {
    pub fn new(inst: usize, iter: &'s Iteration) -> Scope<'s> {
        Scope { inst, iter, binds: Vec::new() }
    }
    fn bind(&self, name: &str, v: HclValue) -> Scope<'s> {
        let mut s = self.clone();
        s.binds.push((Rc::from(name), v));
        s
    }
    fn lookup(&self, name: &str) -> Option<&HclValue> {
        self.binds.iter().rev().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }
}

enum Slot<T> {
    Busy,
    Done(T),
}

/// A named value and the resources its expression referred to.
#[derive(Clone)]
pub(crate) struct Named {
    pub value: HclValue,
    pub refs: Rc<Vec<String>>,
}

/// How many instances a resource or module call has.
#[derive(Debug)]
pub(crate) enum Expansion {
    One,
    Count(i64),
    /// for_each: keys in Terraform's order, with `each.value`.
    Keys(Vec<(String, HclValue)>),
    /// Not known; the reason.
    Unknown(String),
}

impl Expansion {
    /// Instance keys with their count.index / each values.
    pub fn instances(&self) -> Vec<(InstanceKey, Iteration)> {
        match self {
            Expansion::One => vec![(InstanceKey::None, Iteration::default())],
            Expansion::Count(n) => (0..*n)
                .map(|i| {
                    let span = Span::new("".into(), 0, 0);
                    (InstanceKey::Int(i), Iteration { count: Some(HclValue::num(i as f64, span)), each: None })
                })
                .collect(),
            Expansion::Keys(ks) => ks
                .iter()
                .map(|(k, v)| {
                    (
                        InstanceKey::Str(k.clone()),
                        Iteration { count: None, each: Some((HclValue::str(k.clone(), v.span.clone()), v.clone())) },
                    )
                })
                .collect(),
            Expansion::Unknown(r) => {
                let span = Span::new("".into(), 0, 0);
                let u = |what: &str| HclValue::unknown(format!("{what} is unknown because {r}"), span.clone());
                vec![(
                    InstanceKey::Unknown,
                    Iteration { count: Some(u("count.index")), each: Some((u("each.key"), u("each.value"))) },
                )]
            }
        }
    }
}

/// One evaluated resource instance.
pub(crate) struct InstanceOutputs {
    pub addr: String,
    pub values: HclValue,
    pub refs: BTreeMap<String, Vec<String>>,
}

pub(crate) enum Children {
    /// Instances of a local module, with their keys.
    Insts(Vec<(InstanceKey, usize)>, Option<String>),
    /// Not evaluable: registry module, missing directory, recursion.
    Opaque(String),
}

struct Parent {
    inst: usize,
    call: usize,
    iter: Iteration,
}

/// Locals or outputs of an instance, by name, as they get evaluated.
type NamedSlots = RefCell<HashMap<String, Slot<Named>>>;

/// One instance of a module: the root, or one call (one count/for_each
/// key of it).
pub(crate) struct Instance {
    pub decl: usize,
    /// `module.a.module.b[0].`, empty for the root.
    pub prefix: String,
    path_module: String,
    parent: Option<Parent>,
    /// Declarations of this instance and its callers, against recursion.
    stack: Vec<usize>,
    vars: RefCell<HashMap<String, Slot<(Named, bool)>>>,
    locals: NamedSlots,
    outputs: NamedSlots,
    expansions: RefCell<HashMap<usize, Slot<Rc<Expansion>>>>,
    resources: RefCell<HashMap<usize, Slot<Rc<Vec<InstanceOutputs>>>>>,
    children: RefCell<HashMap<usize, Slot<Rc<Children>>>>,
}

pub(crate) struct Evaluator<'a> {
    pub decls: &'a [ModuleDeclaration<'a>],
    insts: RefCell<Vec<Rc<Instance>>>,
    pub errors: RefCell<Vec<IngestError>>,
    budget: Cell<u64>,
    budget_reported: Cell<bool>,
    depth: Cell<u32>,
    /// Values given for the root module's variables (tfvars, --var).
    pub root_given: HashMap<String, HclValue>,
    pub cwd: String,
    /// Collections (by `Rc` address) that came out of resource
    /// configurations: an attribute they lack, or an element past their
    /// end, is one the provider computes (a nested block's computed
    /// attribute), so reading it is unknown rather than an error. The
    /// resource memo keeps them alive, so the addresses stay unique.
    from_resources: RefCell<HashSet<usize>>,
}

struct DepthGuard<'e>(&'e Cell<u32>);
impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// Meta-arguments of resources and module calls: not attributes.
const META_ATTRS: &[&str] = &["count", "for_each", "provider", "providers", "depends_on", "source", "version"];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

impl<'a> Evaluator<'a> {
    pub fn new(
        decls: &'a [ModuleDeclaration<'a>],
        root_given: HashMap<String, HclValue>,
        cwd: String,
    ) -> Evaluator<'a> {
        let root = Instance::new(0, String::new(), ".".into(), None, vec![0]);
        Evaluator {
            decls,
            insts: RefCell::new(vec![Rc::new(root)]),
            errors: RefCell::new(Vec::new()),
            budget: Cell::new(BUDGET),
            budget_reported: Cell::new(false),
            depth: Cell::new(0),
            root_given,
            cwd,
            from_resources: RefCell::default(),
        }
    }

    fn inst(&self, id: usize) -> Rc<Instance> {
        // Ids are only ever handed out for pushed instances.
        let insts = self.insts.borrow();
        insts.get(id).cloned().unwrap_or_else(|| insts[0].clone())
    }

    /// Every module instance evaluated: its declaration and its address
    /// prefix (`module.a[0].module.b.`, empty for the root).
    pub fn instances(&self) -> Vec<(usize, String)> {
        self.insts.borrow().iter().map(|inst| (inst.decl, inst.prefix.clone())).collect()
    }

    fn decl(&self, inst: &Instance) -> &'a ModuleDeclaration<'a> {
        &self.decls[inst.decl]
    }

    pub fn report(&self, e: EvaluationError, kind: ErrorKind) {
        let mut errs = self.errors.borrow_mut();
        let ie = IngestError {
            file: e.span.file.to_string(),
            line: e.span.line,
            column: e.span.column,
            kind,
            message: e.msg,
        };
        if !errs.contains(&ie) {
            errs.push(ie);
        }
    }

    /// Charges `n` steps of work.
    pub fn tick(&self, n: u64, span: &Span) -> Evaluated<()> {
        let b = self.budget.get();
        if b < n {
            self.budget.set(0);
            if !self.budget_reported.replace(true) {
                self.report(
                    EvaluationError {
                        msg: format!("evaluation stopped: the configuration needs more than {BUDGET} steps"),
                        span: span.clone(),
                    },
                    ErrorKind::Invalid,
                );
            }
            return fail(BUDGET_EXHAUSTED, span);
        }
        self.budget.set(b - n);
        Ok(())
    }

    fn enter(&self, span: &Span) -> Evaluated<DepthGuard<'_>> {
        let d = self.depth.get() + 1;
        if d > MAX_DEPTH {
            return fail(format!("expression nested more than {MAX_DEPTH} levels deep"), span);
        }
        self.depth.set(d);
        Ok(DepthGuard(&self.depth))
    }

    /// Evaluates, reporting an error as such and returning an unknown in
    /// its place.
    pub fn eval_top(&self, sc: &Scope, ex: Expr<'_>, refs: &mut Refs) -> HclValue {
        match self.eval(sc, ex, refs) {
            Ok(v) => v,
            Err(e) => {
                let v = HclValue::unknown(e.msg.clone(), e.span.clone());
                // Running out of budget was reported once, where it happened.
                if e.msg != BUDGET_EXHAUSTED {
                    self.report(e, ErrorKind::Invalid);
                }
                v
            }
        }
    }

    pub fn eval(&self, sc: &Scope, ex: Expr<'_>, refs: &mut Refs) -> Evaluated<HclValue> {
        let span = ex.span();
        let _g = self.enter(&span)?;
        self.tick(1, &span)?;
        match ex.expression {
            ExprKind::Json(n) => self.eval_json(sc, ex, n, refs),
            ExprKind::Hcl(e) => self.eval_hcl(sc, ex, e, span, refs),
        }
    }
}

/// `display` joined with a relative module source, normalized lexically
/// (`infra` + `./modules/x` → `infra/modules/x`).
pub(crate) fn join_display(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if base == "." || base.is_empty() { Vec::new() } else { base.split('/').collect() };
    let absolute = base.starts_with('/');
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(&x) if x != ".." && !x.is_empty()) {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if joined.is_empty() {
        ".".into()
    } else if absolute && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}
