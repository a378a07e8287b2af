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

use super::funcs;
use super::module::{ModuleDeclaration, Source};
use super::source::{Expr, ExprKind, Item, SourceBody};
use super::types::convert;
use super::value::{
    as_int, equals, fmt_num, quote, sorted_entries, to_tf, HclKind, HclValue, InstanceKey, ResourceHandle,
};
use crate::error::{ErrorKind, IngestError};
use crate::languages::terraform::resource::Resource;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use portcullis_model::Span;
use portcullis_syntax::json::{Node, Value};
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

    fn eval_json(&self, sc: &Scope, ex: Expr<'_>, n: &Node, refs: &mut Refs) -> Evaluated<HclValue> {
        let span = ex.span();
        Ok(match &n.value {
            Value::Null => HclValue::null(span),
            Value::Bool(b) => HclValue::bool(*b, span),
            Value::Number(s) => match s.parse::<f64>() {
                Ok(f) if f.is_finite() => HclValue::num(f, span),
                _ => return fail(format!("number {s} is out of range"), &span),
            },
            Value::String(s) => match ex.file.templates.get(&n.offset) {
                Some(t) => {
                    let tex = Expr { file: ex.file, expression: ex.expression, pin: Some(n.offset) };
                    self.template(sc, tex, t, refs)?.with_span(span)
                }
                None => HclValue::str(s.to_string(), span),
            },
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for c in a {
                    out.push(self.eval(sc, Expr::json(ex.file, c), refs)?);
                }
                HclValue::list(out, span)
            }
            Value::Object(ms) => {
                let mut out = Vec::with_capacity(ms.len());
                for m in ms {
                    out.push((m.key.to_string(), self.eval(sc, Expr::json(ex.file, &m.value), refs)?));
                }
                HclValue::obj(out, span)
            }
        })
    }

    fn eval_hcl(&self, sc: &Scope, ex: Expr<'_>, e: &Expression, span: Span, refs: &mut Refs) -> Evaluated<HclValue> {
        Ok(match e {
            Expression::Null(_) => HclValue::null(span),
            Expression::Bool(b) => HclValue::bool(*b.value(), span),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) if f.is_finite() => HclValue::num(f, span),
                _ => return fail("number out of range", &span),
            },
            Expression::String(s) => HclValue::str(s.as_str(), span),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a.iter() {
                    out.push(self.eval(sc, ex.sub(x), refs)?);
                }
                HclValue::list(out, span)
            }
            Expression::Object(o) => {
                let mut out: Vec<(String, HclValue)> = Vec::with_capacity(o.len());
                let mut unknown: Option<HclValue> = None;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            // A bare name in parentheses-less position is
                            // literal (`{ (var.kind) = 1 }` evaluates).
                            let kv = match ke {
                                Expression::Variable(v) => HclValue::str(v.as_str(), ex.sub(ke).span()),
                                _ => self.eval(sc, ex.sub(ke), refs)?,
                            };
                            match &kv.kind {
                                HclKind::Unknown(_) => {
                                    unknown.get_or_insert(kv.clone());
                                    continue;
                                }
                                _ => match kv.to_str() {
                                    Some(s) => s,
                                    None => {
                                        return fail(
                                            format!("object key must be a string, found {}", kv.type_name()),
                                            &kv.span,
                                        )
                                    }
                                },
                            }
                        }
                    };
                    let val = self.eval(sc, ex.sub(v.expr()), refs)?;
                    out.retain(|(k, _)| *k != key);
                    out.push((key, val));
                }
                if let Some(u) = unknown {
                    return Ok(u.with_span(span));
                }
                HclValue::obj(out, span)
            }
            Expression::StringTemplate(t) => {
                let tpl: &Template = t;
                self.template(sc, ex, tpl, refs)?.with_span(span)
            }
            Expression::HeredocTemplate(h) => self.template(sc, ex, &h.template, refs)?.with_span(span),
            Expression::Parenthesis(p) => self.eval(sc, ex.sub(p.inner()), refs)?.with_span(span),
            Expression::Variable(v) => match sc.lookup(v.as_str()) {
                Some(x) => x.clone().with_span(span),
                None => self.root_ref(sc, ex, v.as_str(), &[], span, refs)?,
            },
            Expression::Conditional(c) => {
                let cond = self.eval(sc, ex.sub(&c.cond_expr), refs)?;
                match &cond.kind {
                    HclKind::Unknown(r) => {
                        // Both branches may be taken: keep their references.
                        let _ = self.eval(sc, ex.sub(&c.true_expr), refs);
                        let _ = self.eval(sc, ex.sub(&c.false_expr), refs);
                        HclValue::unknown(r.to_string(), span)
                    }
                    _ => match cond.to_bool() {
                        Some(true) => self.eval(sc, ex.sub(&c.true_expr), refs)?,
                        Some(false) => self.eval(sc, ex.sub(&c.false_expr), refs)?,
                        None => {
                            return fail(format!("condition must be a bool, found {}", cond.type_name()), &cond.span)
                        }
                    },
                }
            }
            Expression::FuncCall(c) => {
                let name = if c.name.is_namespaced() {
                    let mut s: Vec<&str> = c.name.namespace.iter().map(|n| n.as_str()).collect();
                    s.push(c.name.name.as_str());
                    s.join("::")
                } else {
                    c.name.name.as_str().to_string()
                };
                let args: Vec<Expr> = c.args.iter().map(|a| ex.sub(a)).collect();
                self.call(sc, &name, &args, c.args.expand_final(), span, refs)?
            }
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                match &t.expr {
                    Expression::Variable(v) if sc.lookup(v.as_str()).is_none() => {
                        self.root_ref(sc, ex, v.as_str(), &ops, span, refs)?
                    }
                    other => {
                        let base = self.eval(sc, ex.sub(other), refs)?;
                        self.apply_ops(sc, ex, base, &ops, refs)?.with_span(span)
                    }
                }
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(sc, ex.sub(&u.expr), refs)?;
                if let HclKind::Unknown(_) = v.kind {
                    return Ok(v.with_span(span));
                }
                match u.operator.value() {
                    UnaryOperator::Neg => match v.to_num() {
                        Some(n) => HclValue::num(-n, span),
                        None => return fail(format!("`-` needs a number, found {}", v.type_name()), &span),
                    },
                    UnaryOperator::Not => match v.to_bool() {
                        Some(b) => HclValue::bool(!b, span),
                        None => return fail(format!("`!` needs a bool, found {}", v.type_name()), &span),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(sc, ex, b, span, refs)?,
            Expression::ForExpr(f) => self.for_expr(sc, ex, f, span, refs)?,
        })
    }

    fn binary(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        b: &hcl_edit::expr::BinaryOp,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        use BinaryOperator as B;
        let l = self.eval(sc, ex.sub(&b.lhs_expr), refs)?;
        let r = self.eval(sc, ex.sub(&b.rhs_expr), refs)?;
        let op = *b.operator.value();
        match op {
            B::And | B::Or => {
                // A known operand can decide the answer alone (HCL's
                // logical operators short-circuit on known values).
                let lb = if l.is_unknown() { None } else { Some(bool_operand(&l)?) };
                let rb = if r.is_unknown() { None } else { Some(bool_operand(&r)?) };
                let decided = if op == B::And { Some(false) } else { Some(true) };
                if lb == decided || rb == decided {
                    return Ok(HclValue::bool(decided == Some(true), span));
                }
                match (lb, rb) {
                    (Some(x), Some(y)) => Ok(HclValue::bool(if op == B::And { x && y } else { x || y }, span)),
                    _ => Ok(unknown_of(&[&l, &r], span)),
                }
            }
            B::Eq | B::NotEq => match equals(&l, &r) {
                Some(x) => Ok(HclValue::bool(if op == B::Eq { x } else { !x }, span)),
                None => Ok(unknown_of(&[&l, &r], span)),
            },
            _ => {
                if l.is_unknown()
                    || r.is_unknown()
                    || matches!(l.kind, HclKind::Resource(_))
                    || matches!(r.kind, HclKind::Resource(_))
                {
                    return Ok(unknown_of(&[&l, &r], span));
                }
                let (Some(x), Some(y)) = (l.to_num(), r.to_num()) else {
                    return fail(
                        format!("`{}` needs numbers, found {} and {}", op.as_str(), l.type_name(), r.type_name()),
                        &span,
                    );
                };
                let n = match op {
                    B::Plus => x + y,
                    B::Minus => x - y,
                    B::Mul => x * y,
                    B::Div => {
                        if y == 0.0 {
                            return fail("division by zero", &span);
                        }
                        x / y
                    }
                    B::Mod => {
                        if y == 0.0 {
                            return fail("modulo by zero", &span);
                        }
                        x % y
                    }
                    B::Less => return Ok(HclValue::bool(x < y, span)),
                    B::LessEq => return Ok(HclValue::bool(x <= y, span)),
                    B::Greater => return Ok(HclValue::bool(x > y, span)),
                    B::GreaterEq => return Ok(HclValue::bool(x >= y, span)),
                    _ => return fail("unsupported operator", &span),
                };
                if !n.is_finite() {
                    return fail("arithmetic overflow", &span);
                }
                Ok(HclValue::num(n, span))
            }
        }
    }

    fn for_expr(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        f: &hcl_edit::expr::ForExpr,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let coll = self.eval(sc, ex.sub(&f.intro.collection_expr), refs)?;
        let items = match iterate(&coll)? {
            Some(items) => items,
            None => {
                // Unknown collection: evaluate the body once for its references.
                let u = coll.clone();
                let mut s2 = sc.bind(f.intro.value_var.as_str(), u.clone());
                if let Some(k) = &f.intro.key_var {
                    s2 = s2.bind(k.as_str(), u.clone());
                }
                let _ = self.eval(&s2, ex.sub(&f.value_expr), refs);
                return Ok(u.with_span(span));
            }
        };
        self.tick(items.len() as u64, &span)?;
        let mut list: Vec<HclValue> = Vec::new();
        let mut obj: Vec<(String, HclValue)> = Vec::new();
        let mut groups: Vec<(String, Vec<HclValue>)> = Vec::new();
        let mut unknown: Option<HclValue> = None;
        for (k, v) in items {
            let mut s2 = sc.bind(f.intro.value_var.as_str(), v);
            if let Some(kv) = &f.intro.key_var {
                s2 = s2.bind(kv.as_str(), k);
            }
            if let Some(c) = &f.cond {
                let cv = self.eval(&s2, ex.sub(&c.expr), refs)?;
                if cv.is_unknown() {
                    unknown.get_or_insert(cv);
                    continue;
                }
                match cv.to_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return fail(format!("`if` condition must be a bool, found {}", cv.type_name()), &cv.span),
                }
            }
            let val = self.eval(&s2, ex.sub(&f.value_expr), refs)?;
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let kv = self.eval(&s2, ex.sub(ke), refs)?;
                    if kv.is_unknown() {
                        unknown.get_or_insert(kv);
                        continue;
                    }
                    let Some(key) = kv.to_str() else {
                        return fail(format!("object key must be a string, found {}", kv.type_name()), &kv.span);
                    };
                    if f.grouping {
                        match groups.iter_mut().find(|(g, _)| *g == key) {
                            Some((_, g)) => g.push(val),
                            None => groups.push((key, vec![val])),
                        }
                    } else {
                        if obj.iter().any(|(x, _)| *x == key) {
                            return fail(
                                format!(
                                    "duplicate object key {}; add `...` after the value to group them",
                                    quote(&key)
                                ),
                                &kv.span,
                            );
                        }
                        obj.push((key, val));
                    }
                }
            }
        }
        if let Some(u) = unknown {
            return Ok(u.with_span(span));
        }
        Ok(match &f.key_expr {
            None => HclValue::list(list, span),
            Some(_) if f.grouping => {
                HclValue::obj(groups.into_iter().map(|(k, vs)| (k, HclValue::list(vs, span.clone()))).collect(), span)
            }
            Some(_) => HclValue::obj(obj, span),
        })
    }

    /// A template: literal text, interpolations and directives. A template
    /// that is one interpolation and nothing else returns that value as is
    /// (Terraform's `"${var.list}"` is the list).
    pub fn template(&self, sc: &Scope, ex: Expr<'_>, t: &Template, refs: &mut Refs) -> Evaluated<HclValue> {
        let span = ex.span_of(t);
        let elems: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(sc, ex.sub(&i.expr), refs);
        }
        let mut out = String::new();
        let mut unknown: Option<HclValue> = None;
        let mut strip_next = false;
        self.template_into(sc, ex, &elems, &mut out, &mut unknown, &mut strip_next, refs)?;
        if let Some(u) = unknown {
            return Ok(u.with_span(span));
        }
        Ok(HclValue::str(out, span))
    }

    #[allow(clippy::too_many_arguments)]
    fn template_into(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        elems: &[&Element],
        out: &mut String,
        unknown: &mut Option<HclValue>,
        strip_next: &mut bool,
        refs: &mut Refs,
    ) -> Evaluated<()> {
        let _g = self.enter(&ex.span())?;
        for el in elems {
            match el {
                Element::Literal(s) => {
                    let s: &str = s.value();
                    let s = if std::mem::take(strip_next) { s.trim_start() } else { s };
                    self.tick(1 + s.len() as u64 / 16, &ex.span())?;
                    out.push_str(s);
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    *strip_next = i.strip.strip_end();
                    let v = self.eval(sc, ex.sub(&i.expr), refs)?;
                    let before = out.len();
                    push_interp(&v, out, unknown)?;
                    self.tick((out.len() - before) as u64 / 16, &ex.span())?;
                }
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        *strip_next = d.if_expr.strip.strip_end();
                        let c = self.eval(sc, ex.sub(&d.if_expr.cond_expr), refs)?;
                        let chosen = if c.is_unknown() {
                            unknown.get_or_insert(c.clone());
                            None
                        } else {
                            match c.to_bool() {
                                Some(b) => Some(b),
                                None => {
                                    return fail(
                                        format!("`if` condition must be a bool, found {}", c.type_name()),
                                        &c.span,
                                    )
                                }
                            }
                        };
                        match chosen {
                            Some(true) => {
                                let els: Vec<&Element> = d.if_expr.template.iter().collect();
                                self.template_into(sc, ex, &els, out, unknown, strip_next, refs)?;
                            }
                            Some(false) => {
                                if let Some(e) = &d.else_expr {
                                    *strip_next = e.strip.strip_end();
                                    let els: Vec<&Element> = e.template.iter().collect();
                                    self.template_into(sc, ex, &els, out, unknown, strip_next, refs)?;
                                }
                            }
                            None => {}
                        }
                        if d.endif_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        *strip_next = d.endif_expr.strip.strip_end();
                    }
                    Directive::For(d) => {
                        let fe = &d.for_expr;
                        if fe.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let coll = self.eval(sc, ex.sub(&fe.collection_expr), refs)?;
                        match iterate(&coll)? {
                            None => {
                                unknown.get_or_insert(coll.clone());
                            }
                            Some(items) => {
                                let els: Vec<&Element> = fe.template.iter().collect();
                                for (k, v) in items {
                                    *strip_next = fe.strip.strip_end();
                                    let mut s2 = sc.bind(fe.value_var.as_str(), v);
                                    if let Some(kv) = &fe.key_var {
                                        s2 = s2.bind(kv.as_str(), k);
                                    }
                                    self.template_into(&s2, ex, &els, out, unknown, strip_next, refs)?;
                                    if d.endfor_expr.strip.strip_start() {
                                        trim_end_in_place(out);
                                    }
                                }
                            }
                        }
                        *strip_next = d.endfor_expr.strip.strip_end();
                    }
                },
            }
            if out.len() > funcs::MAX_STR {
                return fail("template result larger than 16 MiB", &ex.span());
            }
        }
        Ok(())
    }

    /// Applies traversal operators (`.a`, `[0]`, `[*]`, `.*`) to a value.
    fn apply_ops(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        mut v: HclValue,
        ops: &[&TraversalOperator],
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            match op {
                TraversalOperator::GetAttr(name) => v = self.get_attr(v, name.as_str(), &ex.span_of(name))?,
                TraversalOperator::Index(ie) => {
                    let k = self.eval(sc, ex.sub(ie), refs)?;
                    v = self.index_lenient(v, &k)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let k = HclValue::num(*n.value() as f64, ex.span_of(n));
                    v = self.index_lenient(v, &k)?;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // `.*` applies the following attribute accesses to each
                    // element; `[*]` applies everything that follows.
                    let full = matches!(op, TraversalOperator::FullSplat(_));
                    let mut j = i + 1;
                    while j < ops.len() && (full || matches!(ops[j], TraversalOperator::GetAttr(_))) {
                        j += 1;
                    }
                    let rest = &ops[i + 1..j];
                    let elems: Vec<HclValue> = match &v.kind {
                        HclKind::Unknown(_) => return Ok(v),
                        HclKind::Null => Vec::new(),
                        HclKind::List(l) => l.to_vec(),
                        _ => vec![v.clone()],
                    };
                    let span = v.span.clone();
                    let mut out = Vec::with_capacity(elems.len());
                    for e in elems {
                        out.push(self.apply_ops(sc, ex, e, rest, refs)?);
                    }
                    v = HclValue::list(out, span);
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    /// `v[k]`, where an element missing from a resource's configured
    /// block list is one the provider may add: unknown.
    fn index_lenient(&self, v: HclValue, k: &HclValue) -> Evaluated<HclValue> {
        let ptr = match &v.kind {
            HclKind::List(l) => Rc::as_ptr(l) as *const () as usize,
            HclKind::Object(o) => Rc::as_ptr(o) as *const () as usize,
            _ => 0,
        };
        match index(v, k) {
            Err(e) if ptr != 0 && self.from_resources.borrow().contains(&ptr) => {
                Ok(HclValue::unknown(format!("this element is known only after apply ({})", e.msg), e.span))
            }
            r => r,
        }
    }

    fn get_attr(&self, v: HclValue, name: &str, span: &Span) -> Evaluated<HclValue> {
        match &v.kind {
            HclKind::Unknown(_) => Ok(v),
            HclKind::Object(o) => match v.get(name) {
                Some(x) => Ok(x.clone()),
                None if self.from_resources.borrow().contains(&(Rc::as_ptr(o) as *const () as usize)) => {
                    Ok(HclValue::unknown(format!("nested attribute `{name}` is known only after apply"), span.clone()))
                }
                None => fail(format!("this object does not have an attribute named \"{name}\""), span),
            },
            HclKind::Resource(r) => self.res_attr(r, name, span),
            HclKind::Null => fail(format!("cannot read attribute \"{name}\" from a null value"), span),
            _ => fail(format!("cannot read attribute \"{name}\" from a {}", v.type_name()), span),
        }
    }

    /// An attribute of a managed resource instance: the configured value
    /// when configuration sets it, otherwise known only after apply.
    fn res_attr(&self, r: &ResourceHandle, name: &str, span: &Span) -> Evaluated<HclValue> {
        let inst = self.inst(r.inst);
        let decl = self.decl(&inst);
        let Some(rd) = decl.resources.get(r.res) else { return fail("internal: resource index", span) };
        let after_apply = || HclValue::unknown(format!("{}.{name} is known only after apply", r.addr), span.clone());
        if !rd.body.sets(name) || META_ATTRS.contains(&name) {
            return Ok(after_apply());
        }
        let outs = self.resource(r.inst, r.res, span)?;
        let found = outs.iter().find(|o| o.addr == r.addr).or_else(|| outs.first());
        // A configured null leaves an optional attribute to the provider,
        // which may compute it: unknown, not null.
        Ok(found
            .and_then(|o| o.values.get(name))
            .filter(|v| !matches!(v.kind, HclKind::Null))
            .cloned()
            .unwrap_or_else(after_apply))
    }

    /// A reference that starts with a name not bound in scope: `var.x`,
    /// `local.x`, `module.m.o`, `data.t.n.a`, `count.index`, `each.key`,
    /// `path.module`, `terraform.workspace`, or `TYPE.NAME` of a resource.
    fn root_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        root: &str,
        ops: &[&TraversalOperator],
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let need = |i: usize, what: &str| -> Evaluated<&str> {
            match attr(i) {
                Some(a) => Ok(a),
                None => fail(format!("`{root}` must be followed by {what}"), &span),
            }
        };
        let inst = self.inst(sc.inst);
        let (base, used) = match root {
            "var" => {
                let name = need(0, "a variable name")?;
                let (n, missing) = self.var(sc.inst, name, &span)?;
                refs.extend(&n.refs);
                let v = if missing { n.value.with_span(span.clone()) } else { n.value };
                (v, 1)
            }
            "local" => {
                let name = need(0, "a local value name")?;
                let n = self.local(sc.inst, name, &span)?;
                refs.extend(&n.refs);
                (n.value, 1)
            }
            "module" => {
                let name = need(0, "a module name")?;
                let (v, used) = self.module_ref(sc, ex, name, &ops[1..], &span, refs)?;
                (v, 1 + used)
            }
            "data" => {
                let t = need(0, "a data source type")?;
                let n = need(1, "a data source name")?;
                let decl = self.decl(&inst);
                if !decl.datas.contains(&(t, n)) {
                    return fail(format!("reference to undeclared data source data.{t}.{n}"), &span);
                }
                return Ok(HclValue::unknown(format!("data source data.{t}.{n} is read at plan/apply time"), span));
            }
            "count" => {
                let a = need(0, "`.index`")?;
                match (a, &sc.iter.count) {
                    ("index", Some(v)) => (v.clone().with_span(span.clone()), 1),
                    _ => return fail("`count.index` is only available in a resource or module with `count`", &span),
                }
            }
            "each" => {
                let a = need(0, "`.key` or `.value`")?;
                match (a, &sc.iter.each) {
                    ("key", Some((k, _))) => (k.clone().with_span(span.clone()), 1),
                    ("value", Some((_, v))) => (v.clone(), 1),
                    _ => return fail("`each.key` and `each.value` are only available with `for_each`", &span),
                }
            }
            "path" => {
                let a = need(0, "`.module`, `.root` or `.cwd`")?;
                let s = match a {
                    "module" => inst.path_module.clone(),
                    "root" => ".".to_string(),
                    "cwd" => self.cwd.clone(),
                    _ => return fail(format!("unknown attribute path.{a}"), &span),
                };
                (HclValue::str(s, span.clone()), 1)
            }
            "terraform" => match attr(0) {
                Some("workspace") => (HclValue::str("default", span.clone()), 1),
                _ => return Ok(HclValue::unknown("terraform.* other than workspace is not evaluated", span)),
            },
            "self" => return Ok(HclValue::unknown("`self` is known only after apply", span)),
            "null" | "true" | "false" => return fail(format!("`{root}` cannot be traversed"), &span),
            ty => {
                let name = need(0, "a resource name")?;
                let (v, used) = self.resource_ref(sc, ex, ty, name, &ops[1..], &span, refs)?;
                (v, 1 + used)
            }
        };
        self.apply_ops(sc, ex, base, &ops[used..], refs).map(|v| v.with_span(span))
    }

    #[allow(clippy::too_many_arguments)]
    fn resource_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        ty: &str,
        name: &str,
        rest: &[&TraversalOperator],
        span: &Span,
        refs: &mut Refs,
    ) -> Evaluated<(HclValue, usize)> {
        let inst = self.inst(sc.inst);
        let decl = self.decl(&inst);
        let Some(&ri) = decl.res_idx.get(&(ty, name)) else {
            return fail(format!("reference to undeclared resource {ty}.{name}"), span);
        };
        let base = format!("{}{ty}.{name}", inst.prefix);
        let exp = self.expansion(sc.inst, ri, span)?;
        let handle = |_key: InstanceKey, addr: String| {
            HclValue::new(HclKind::Resource(Rc::new(ResourceHandle { inst: sc.inst, res: ri, addr })), span.clone())
        };
        // An index right after the name picks one instance: record it.
        if let (Some(TraversalOperator::Index(ie)), Expansion::Count(_) | Expansion::Keys(_)) = (rest.first(), &*exp) {
            let k = self.eval(sc, ex.sub(ie), refs)?;
            refs.push(&base);
            if k.is_unknown() {
                return Ok((k.with_span(span.clone()), 1));
            }
            let key = match (&*exp, &k.kind) {
                (Expansion::Count(n), _) => match k.to_num().and_then(as_int) {
                    Some(i) if i >= 0 && i < *n => InstanceKey::Int(i),
                    _ => return fail(format!("{base} has no instance [{}]", show_key(&k)), span),
                },
                (Expansion::Keys(ks), _) => match k.to_str() {
                    Some(s) if ks.iter().any(|(x, _)| *x == s) => InstanceKey::Str(s),
                    _ => return fail(format!("{base} has no instance [{}]", show_key(&k)), span),
                },
                _ => unreachable_key(),
            };
            let addr = format!("{base}{}", key.suffix());
            // The instance address is more precise than the base: keep it.
            refs.0.retain(|x| *x != base);
            refs.push(&addr);
            return Ok((handle(key, addr), 1));
        }
        refs.push(&base);
        let v = match &*exp {
            Expansion::One => handle(InstanceKey::None, base.clone()),
            Expansion::Count(n) => HclValue::list(
                (0..*n).map(|i| handle(InstanceKey::Int(i), format!("{base}[{i}]"))).collect(),
                span.clone(),
            ),
            Expansion::Keys(ks) => HclValue::obj(
                ks.iter()
                    .map(|(k, _)| (k.clone(), handle(InstanceKey::Str(k.clone()), format!("{base}[{}]", quote(k)))))
                    .collect(),
                span.clone(),
            ),
            Expansion::Unknown(r) => HclValue::unknown(format!("{base}: {r}"), span.clone()),
        };
        Ok((v, 0))
    }

    fn module_ref(
        &self,
        sc: &Scope,
        ex: Expr<'_>,
        name: &str,
        rest: &[&TraversalOperator],
        span: &Span,
        refs: &mut Refs,
    ) -> Evaluated<(HclValue, usize)> {
        let inst = self.inst(sc.inst);
        let decl = self.decl(&inst);
        let Some(&ci) = decl.call_idx.get(name) else {
            return fail(format!("reference to undeclared module `{name}`"), span);
        };
        let ch = self.children(sc.inst, ci, span)?;
        let (list, unknown) = match &*ch {
            Children::Opaque(reason) => return Ok((HclValue::unknown(reason.clone(), span.clone()), rest.len())),
            Children::Insts(l, u) => (l, u),
        };
        if let Some(r) = unknown {
            return Ok((HclValue::unknown(format!("module `{name}`: {r}"), span.clone()), rest.len()));
        }
        let out_attr = |i: usize| match rest.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let select = |key: &InstanceKey| list.iter().find(|(k, _)| k == key).map(|(_, id)| *id);
        match list.first() {
            Some((InstanceKey::None, id)) => {
                if let Some(o) = out_attr(0) {
                    let n = self.output(*id, o, span)?;
                    refs.extend(&n.refs);
                    return Ok((n.value, 1));
                }
                Ok((self.all_outputs(*id, span, refs)?, 0))
            }
            _ => {
                if let Some(TraversalOperator::Index(ie)) = rest.first() {
                    let k = self.eval(sc, ex.sub(ie), refs)?;
                    if k.is_unknown() {
                        return Ok((k, rest.len()));
                    }
                    let key = match &k.kind {
                        HclKind::Number(n) => as_int(*n).map(InstanceKey::Int),
                        _ => k.to_str().map(InstanceKey::Str),
                    };
                    let Some(id) = key.as_ref().and_then(select) else {
                        return fail(format!("module `{name}` has no instance [{}]", show_key(&k)), span);
                    };
                    if let Some(o) = out_attr(1) {
                        let n = self.output(id, o, span)?;
                        refs.extend(&n.refs);
                        return Ok((n.value, 2));
                    }
                    return Ok((self.all_outputs(id, span, refs)?, 1));
                }
                let mut items = Vec::new();
                let mut keyed = Vec::new();
                for (k, id) in list.iter() {
                    let o = self.all_outputs(*id, span, refs)?;
                    match k {
                        InstanceKey::Str(s) => keyed.push((s.clone(), o)),
                        _ => items.push(o),
                    }
                }
                if keyed.is_empty() {
                    Ok((HclValue::list(items, span.clone()), 0))
                } else {
                    Ok((HclValue::obj(keyed, span.clone()), 0))
                }
            }
        }
    }

    fn all_outputs(&self, id: usize, span: &Span, refs: &mut Refs) -> Evaluated<HclValue> {
        let inst = self.inst(id);
        let decl = self.decl(&inst);
        let mut names: Vec<&str> = decl.outputs.keys().copied().collect();
        names.sort_unstable();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let named = self.output(id, n, span)?;
            refs.extend(&named.refs);
            out.push((n.to_string(), named.value));
        }
        Ok(HclValue::obj(out, span.clone()))
    }

    fn cycle(&self, what: String, span: &Span) -> Named {
        let msg = format!("{what} depends on itself (a reference cycle)");
        self.report(EvaluationError { msg: msg.clone(), span: span.clone() }, ErrorKind::Invalid);
        Named { value: HclValue::unknown(msg, span.clone()), refs: Rc::new(Vec::new()) }
    }

    pub fn local(&self, id: usize, name: &str, span: &Span) -> Evaluated<Named> {
        self.memoized(
            id,
            name,
            span,
            |i| &i.locals,
            |d| &d.locals,
            "local value",
            |n| format!("reference to undeclared local value `{n}`"),
        )
    }

    pub fn output(&self, id: usize, name: &str, span: &Span) -> Evaluated<Named> {
        self.memoized(
            id,
            name,
            span,
            |i| &i.outputs,
            |d| &d.outputs,
            "output",
            |n| format!("module has no output named `{n}`"),
        )
    }

    /// A named expression of an instance (a local or an output), evaluated
    /// once and remembered; asking for it while it is being evaluated is a
    /// reference cycle.
    #[allow(clippy::too_many_arguments)]
    fn memoized(
        &self,
        id: usize,
        name: &str,
        span: &Span,
        slots: fn(&Instance) -> &NamedSlots,
        decls: fn(&'a ModuleDeclaration<'a>) -> &'a HashMap<&'a str, Expr<'a>>,
        kind: &str,
        missing: fn(&str) -> String,
    ) -> Evaluated<Named> {
        let inst = self.inst(id);
        match slots(&inst).borrow().get(name) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::Busy) => return Ok(self.cycle(format!("{kind} `{name}`"), span)),
            None => {}
        }
        let Some(ex) = decls(self.decl(&inst)).get(name).copied() else {
            return fail(missing(name), span);
        };
        slots(&inst).borrow_mut().insert(name.to_string(), Slot::Busy);
        let iter = Iteration::default();
        let mut refs = Refs::default();
        let v = self.eval_top(&Scope::new(id, &iter), ex, &mut refs);
        let n = Named { value: v, refs: Rc::new(refs.0) };
        slots(&inst).borrow_mut().insert(name.to_string(), Slot::Done(n.clone()));
        Ok(n)
    }

    /// A variable's value; the flag says it has none (the unknown is then
    /// re-spanned to the reference).
    pub fn var(&self, id: usize, name: &str, span: &Span) -> Evaluated<(Named, bool)> {
        let inst = self.inst(id);
        match inst.vars.borrow().get(name) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::Busy) => return Ok((self.cycle(format!("variable `{name}`"), span), false)),
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(vd) = decl.vars.get(name) else {
            return fail(format!("reference to undeclared input variable `{name}`"), span);
        };
        inst.vars.borrow_mut().insert(name.to_string(), Slot::Busy);
        let empty = Iteration::default();
        let mut refs = Refs::default();
        let given: Option<HclValue> = match &inst.parent {
            Some(p) => {
                let pinst = self.inst(p.inst);
                let call = &self.decl(&pinst).calls[p.call];
                call.body.attr(name).map(|ex| self.eval_top(&Scope::new(p.inst, &p.iter), ex, &mut refs))
            }
            None => self.root_given.get(name).cloned(),
        };
        let default = |refs: &mut Refs| vd.default.map(|d| self.eval_top(&Scope::new(id, &empty), d, refs));
        let (value, missing) = match given {
            Some(v) if matches!(v.kind, HclKind::Null) && !vd.nullable => match default(&mut refs) {
                Some(d) => (d, false),
                None => (v, false),
            },
            Some(v) => (v, false),
            None => match default(&mut refs) {
                Some(d) => (d, false),
                None => (
                    HclValue::unknown(
                        format!("variable `{name}` has no value: no default and none given"),
                        span.clone(),
                    ),
                    true,
                ),
            },
        };
        let default_of = |e: &Expression| -> HclValue {
            // Defaults inside type constraints are constants, evaluated
            // where the variable is declared.
            let ex = Expr { file: vd.file, expression: ExprKind::Hcl(e), pin: vd.pin };
            let mut r = Refs::default();
            self.eval_top(&Scope::new(id, &empty), ex, &mut r)
        };
        let value = match convert(value.clone(), &vd.ty, &default_of) {
            Ok(v) => v,
            Err(msg) => {
                let msg = format!("invalid value for variable `{name}`: {msg}");
                self.report(EvaluationError { msg: msg.clone(), span: value.span.clone() }, ErrorKind::Invalid);
                HclValue::unknown(msg, value.span.clone())
            }
        };
        let n = (Named { value, refs: Rc::new(refs.0) }, missing);
        inst.vars.borrow_mut().insert(name.to_string(), Slot::Done(n.clone()));
        Ok(n)
    }

    /// Evaluates `count` / `for_each` of a body in module instance `id`.
    fn expand_body(&self, id: usize, body: SourceBody<'_>, span: &Span) -> Expansion {
        let iter = Iteration::default();
        let sc = Scope::new(id, &iter);
        let mut refs = Refs::default();
        if let Some(ex) = body.attr("count") {
            let v = self.eval_top(&sc, ex, &mut refs);
            if let HclKind::Unknown(r) = &v.kind {
                return Expansion::Unknown(format!("`count` is not known ({r})"));
            }
            return match v.to_num().and_then(as_int) {
                Some(n) if (0..=MAX_ELEMS as i64).contains(&n) => Expansion::Count(n),
                Some(n) if n >= 0 => {
                    let msg = format!("`count` of {n} is more than the {MAX_ELEMS} instances evaluated");
                    self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                    Expansion::Unknown(msg)
                }
                _ => {
                    let msg = format!("`count` must be a non-negative whole number, found {}", v.type_name());
                    self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                    Expansion::Unknown(msg)
                }
            };
        }
        if let Some(ex) = body.attr("for_each") {
            let v = self.eval_top(&sc, ex, &mut refs);
            let bad = |msg: String| {
                self.report(EvaluationError { msg: msg.clone(), span: v.span.clone() }, ErrorKind::Invalid);
                Expansion::Unknown(msg)
            };
            return match &v.kind {
                HclKind::Unknown(r) => Expansion::Unknown(format!("`for_each` is not known ({r})")),
                HclKind::Object(o) => {
                    if o.len() > MAX_ELEMS {
                        return bad(format!("`for_each` has more than {MAX_ELEMS} elements"));
                    }
                    Expansion::Keys(sorted_entries(o).into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
                }
                HclKind::List(l) => {
                    // Terraform wants a set of strings here; a list reads as
                    // the set it would convert to.
                    if let Some(r) = l.iter().find_map(HclValue::first_unknown) {
                        return Expansion::Unknown(format!("`for_each` is not known ({r})"));
                    }
                    if l.len() > MAX_ELEMS {
                        return bad(format!("`for_each` has more than {MAX_ELEMS} elements"));
                    }
                    let mut keys = Vec::new();
                    for x in l.iter() {
                        match x.to_str() {
                            Some(s) => keys.push((s.clone(), HclValue::str(s, x.span.clone()))),
                            None => {
                                return bad(format!("`for_each` set elements must be strings, found {}", x.type_name()))
                            }
                        }
                    }
                    keys.sort_by(|a, b| a.0.cmp(&b.0));
                    keys.dedup_by(|a, b| a.0 == b.0);
                    Expansion::Keys(keys)
                }
                HclKind::Null => bad("`for_each` must not be null".into()),
                _ => bad(format!("`for_each` must be a map or a set of strings, found {}", v.type_name())),
            };
        }
        let _ = span;
        Expansion::One
    }

    pub fn expansion(&self, id: usize, ri: usize, span: &Span) -> Evaluated<Rc<Expansion>> {
        let inst = self.inst(id);
        match inst.expansions.borrow().get(&ri) {
            Some(Slot::Done(e)) => return Ok(e.clone()),
            Some(Slot::Busy) => {
                let n = self.cycle("the count/for_each of a resource".into(), span);
                return Ok(Rc::new(Expansion::Unknown(
                    n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                )));
            }
            None => {}
        }
        let Some(rd) = self.decl(&inst).resources.get(ri) else { return fail("internal: resource index", span) };
        inst.expansions.borrow_mut().insert(ri, Slot::Busy);
        let e = Rc::new(self.expand_body(id, rd.body, &rd.span));
        inst.expansions.borrow_mut().insert(ri, Slot::Done(e.clone()));
        Ok(e)
    }

    /// Every instance of resource `ri` of module instance `id`, evaluated.
    pub fn resource(&self, id: usize, ri: usize, span: &Span) -> Evaluated<Rc<Vec<InstanceOutputs>>> {
        let inst = self.inst(id);
        match inst.resources.borrow().get(&ri) {
            Some(Slot::Done(e)) => return Ok(e.clone()),
            Some(Slot::Busy) => {
                let rd = &self.decl(&inst).resources[ri];
                let what = format!("{}{}.{}", inst.prefix, rd.ty, rd.name);
                let n = self.cycle(what, span);
                return fail(n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(), span);
            }
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(rd) = decl.resources.get(ri) else { return fail("internal: resource index", span) };
        let exp = self.expansion(id, ri, &rd.span)?;
        inst.resources.borrow_mut().insert(ri, Slot::Busy);
        let mut outs = Vec::new();
        for (key, iter) in exp.instances() {
            let addr = format!("{}{}.{}{}", inst.prefix, rd.ty, rd.name, key.suffix());
            let sc = Scope::new(id, &iter);
            let (values, refs) = self.resource_body(&sc, rd.body, &rd.span);
            outs.push(InstanceOutputs { addr, values, refs });
        }
        {
            let mut marks = self.from_resources.borrow_mut();
            let mut steps = super::value::MAX_WALK;
            for o in &outs {
                mark_collections(&o.values, &mut marks, 0, &mut steps);
            }
        }
        let outs = Rc::new(outs);
        inst.resources.borrow_mut().insert(ri, Slot::Done(outs.clone()));
        Ok(outs)
    }

    /// A resource body as one object; refs per top-level attribute (a
    /// nested block's references go to its block type).
    fn resource_body(
        &self,
        sc: &Scope,
        body: SourceBody<'_>,
        span: &Span,
    ) -> (HclValue, BTreeMap<String, Vec<String>>) {
        let mut vals: Vec<(String, HclValue)> = Vec::new();
        let mut refmap: BTreeMap<String, Refs> = BTreeMap::new();
        let mut groups: Vec<(String, Vec<HclValue>, Span)> = Vec::new();
        for item in body.items() {
            match item {
                Item::Attr { name, ex, span } => {
                    if META_ATTRS.contains(&name) {
                        continue;
                    }
                    let mut refs = Refs::default();
                    let v = self.eval_top(sc, ex, &mut refs).with_span(span);
                    refmap.entry(name.to_string()).or_default().extend(&refs.0);
                    vals.retain(|(k, _)| k != name);
                    vals.push((name.to_string(), v));
                }
                Item::Block { ty, labels, body, span } => {
                    if META_BLOCKS.contains(&ty) {
                        continue;
                    }
                    let mut refs = Refs::default();
                    let (g, items) = self.block_items(sc, ty, &labels, body, &span, &mut refs);
                    refmap.entry(g.to_string()).or_default().extend(&refs.0);
                    match groups.iter_mut().find(|(x, _, _)| x == g) {
                        Some((_, l, _)) => l.extend(items),
                        None => groups.push((g.to_string(), items, span)),
                    }
                }
            }
        }
        for (g, items, span) in groups {
            vals.push((g, HclValue::list(items, span)));
        }
        let refmap = refmap.into_iter().filter(|(_, r)| !r.0.is_empty()).map(|(k, r)| (k, r.0)).collect();
        (HclValue::obj(vals, span.clone()), refmap)
    }

    /// The objects one block (or one `dynamic` block) contributes, and the
    /// block type they belong to.
    fn block_items<'b>(
        &self,
        sc: &Scope,
        ty: &'b str,
        labels: &[&'b str],
        body: SourceBody<'_>,
        span: &Span,
        refs: &mut Refs,
    ) -> (&'b str, Vec<HclValue>) {
        if ty != "dynamic" {
            return (ty, vec![self.block_obj(sc, body, span, refs)]);
        }
        let Some(&name) = labels.first() else {
            self.report(
                EvaluationError { msg: "`dynamic` block without a label".into(), span: span.clone() },
                ErrorKind::Invalid,
            );
            return (ty, Vec::new());
        };
        (name, self.dynamic(sc, name, body, span, refs))
    }

    fn dynamic(&self, sc: &Scope, name: &str, body: SourceBody<'_>, span: &Span, refs: &mut Refs) -> Vec<HclValue> {
        let Some(fe) = body.attr("for_each") else {
            self.report(
                EvaluationError { msg: format!("dynamic \"{name}\" has no `for_each`"), span: span.clone() },
                ErrorKind::Invalid,
            );
            return Vec::new();
        };
        let iter_name = body.attr("iterator").and_then(|e| e.static_str()).unwrap_or(name).to_string();
        let content = body.items().into_iter().find_map(|i| match i {
            Item::Block { ty: "content", body, span, .. } => Some((body, span)),
            Item::Attr { name: "content", ex, span } => match ex.expression {
                ExprKind::Json(n) => {
                    Some((SourceBody { file: ex.file, kind: super::source::SourceBodyKind::Json(n) }, span))
                }
                ExprKind::Hcl(_) => None,
            },
            _ => None,
        });
        let Some((content, cspan)) = content else {
            self.report(
                EvaluationError { msg: format!("dynamic \"{name}\" has no `content` block"), span: span.clone() },
                ErrorKind::Invalid,
            );
            return Vec::new();
        };
        let coll = self.eval_top(sc, fe, refs);
        let items = match iterate(&coll) {
            Ok(Some(items)) => items,
            Ok(None) => {
                let r = coll.first_unknown().map(|r| r.to_string()).unwrap_or_default();
                // Evaluate the content once for its references.
                let u = HclValue::unknown(r.clone(), coll.span.clone());
                let s2 = sc.bind(
                    &iter_name,
                    HclValue::obj(vec![("key".into(), u.clone()), ("value".into(), u)], cspan.clone()),
                );
                let _ = self.block_obj(&s2, content, &cspan, refs);
                return vec![HclValue::unknown(format!("dynamic \"{name}\" blocks are not known: {r}"), span.clone())];
            }
            Err(e) => {
                self.report(e, ErrorKind::Invalid);
                return Vec::new();
            }
        };
        if self.tick(items.len() as u64, span).is_err() {
            return vec![HclValue::unknown(BUDGET_EXHAUSTED, span.clone())];
        }
        let mut out = Vec::with_capacity(items.len());
        for (k, v) in items {
            let it = HclValue::obj(vec![("key".into(), k), ("value".into(), v)], cspan.clone());
            let s2 = sc.bind(&iter_name, it);
            out.push(self.block_obj(&s2, content, &cspan, refs));
        }
        out
    }

    /// A nested block's body as an object; nested blocks become lists.
    fn block_obj(&self, sc: &Scope, body: SourceBody<'_>, span: &Span, refs: &mut Refs) -> HclValue {
        if self.enter(span).is_err() {
            return HclValue::unknown(format!("blocks nested more than {MAX_DEPTH} levels deep"), span.clone());
        }
        let _g = DepthGuard(&self.depth);
        let mut vals: Vec<(String, HclValue)> = Vec::new();
        let mut groups: Vec<(String, Vec<HclValue>, Span)> = Vec::new();
        for item in body.items() {
            match item {
                Item::Attr { name, ex, span } => {
                    let v = self.eval_top(sc, ex, refs).with_span(span);
                    vals.retain(|(k, _)| k != name);
                    vals.push((name.to_string(), v));
                }
                Item::Block { ty, labels, body, span } => {
                    let (g, items) = self.block_items(sc, ty, &labels, body, &span, refs);
                    match groups.iter_mut().find(|(x, _, _)| x == g) {
                        Some((_, l, _)) => l.extend(items),
                        None => groups.push((g.to_string(), items, span)),
                    }
                }
            }
        }
        for (g, items, span) in groups {
            vals.push((g, HclValue::list(items, span)));
        }
        HclValue::obj(vals, span.clone())
    }

    /// The instances of module call `ci` in module instance `id`.
    pub fn children(&self, id: usize, ci: usize, span: &Span) -> Evaluated<Rc<Children>> {
        let inst = self.inst(id);
        match inst.children.borrow().get(&ci) {
            Some(Slot::Done(c)) => return Ok(c.clone()),
            Some(Slot::Busy) => {
                let n = self.cycle("a module's count/for_each".into(), span);
                return Ok(Rc::new(Children::Opaque(
                    n.value.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                )));
            }
            None => {}
        }
        let decl = self.decl(&inst);
        let Some(call) = decl.calls.get(ci) else { return fail("internal: module call index", span) };
        inst.children.borrow_mut().insert(ci, Slot::Busy);
        let ch = match &call.source {
            Source::Remote => Children::Opaque(format!(
                "module `{}` comes from `{}`, which cannot be read offline",
                call.name, call.source_text
            )),
            Source::Missing(m) => Children::Opaque(m.clone()),
            Source::Local(d) if inst.stack.contains(d) => {
                let msg = format!("module `{}` calls itself (through `{}`)", call.name, call.source_text);
                let cs = call.body.attr("source").map_or_else(|| span.clone(), |e| e.span());
                self.report(EvaluationError { msg: msg.clone(), span: cs }, ErrorKind::Invalid);
                Children::Opaque(msg)
            }
            Source::Local(_) if self.insts.borrow().len() >= MAX_INSTANCES => {
                let msg = format!("more than {MAX_INSTANCES} module instances; module `{}` not evaluated", call.name);
                self.report(EvaluationError { msg: msg.clone(), span: span.clone() }, ErrorKind::Invalid);
                Children::Opaque(msg)
            }
            Source::Local(d) => {
                let exp = self.expand_body(id, call.body, span);
                let unknown = match &exp {
                    Expansion::Unknown(r) => Some(r.clone()),
                    _ => None,
                };
                let mut list = Vec::new();
                let path_module = join_display(&inst.path_module, &call.source_text);
                for (key, iter) in exp.instances() {
                    let prefix = format!("{}module.{}{}.", inst.prefix, call.name, key.suffix());
                    let mut stack = inst.stack.clone();
                    stack.push(*d);
                    let child = Instance::new(
                        *d,
                        prefix,
                        path_module.clone(),
                        Some(Parent { inst: id, call: ci, iter }),
                        stack,
                    );
                    let mut insts = self.insts.borrow_mut();
                    insts.push(Rc::new(child));
                    list.push((key, insts.len() - 1));
                }
                Children::Insts(list, unknown)
            }
        };
        let ch = Rc::new(ch);
        inst.children.borrow_mut().insert(ci, Slot::Done(ch.clone()));
        Ok(ch)
    }

    /// Calls a function. `try` and `can` see their arguments' errors; every
    /// other function gets evaluated arguments.
    fn call(
        &self,
        sc: &Scope,
        name: &str,
        args: &[Expr<'_>],
        expand: bool,
        span: Span,
        refs: &mut Refs,
    ) -> Evaluated<HclValue> {
        match name {
            "try" => {
                let mut last: Option<EvaluationError> = None;
                for a in args {
                    match self.eval(sc, *a, refs) {
                        // An unknown result might still fail once known.
                        Ok(v) => match v.first_unknown() {
                            Some(r) => return Ok(HclValue::unknown(r.to_string(), span)),
                            None => return Ok(v),
                        },
                        Err(e) => last = Some(e),
                    }
                }
                return match last {
                    Some(e) => {
                        fail(format!("no expression given to `try` succeeded; the last failed with: {}", e.msg), &span)
                    }
                    None => fail("`try` needs at least one argument", &span),
                };
            }
            "can" => {
                let [a] = args else { return fail("`can` takes one argument", &span) };
                return Ok(match self.eval(sc, *a, refs) {
                    Ok(v) => match v.first_unknown() {
                        Some(r) => HclValue::unknown(r.to_string(), span),
                        None => HclValue::bool(true, span),
                    },
                    Err(_) => HclValue::bool(false, span),
                });
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(sc, *a, refs)?);
        }
        if expand {
            // f(xs...): the last argument's elements become arguments.
            match vals.pop() {
                Some(HclValue { kind: HclKind::List(l), .. }) => vals.extend(l.iter().cloned()),
                Some(v @ HclValue { kind: HclKind::Unknown(_), .. }) => return Ok(v.with_span(span)),
                Some(v) => return fail(format!("`...` needs a list, found {}", v.type_name()), &v.span),
                None => {}
            }
        }
        funcs::call(self, name, vals, span)
    }
}

impl Evaluator<'_> {
    /// Appends the resources of module instance `id` and of the local
    /// modules it calls, in declaration order.
    /// `budget` caps the nodes converted for all resources together, so a
    /// value built by sharing (`[local.a, local.a]`, sixty times over)
    /// cannot be expanded into memory.
    pub fn produce(&self, id: usize, out: &mut Vec<Resource>, budget: &mut u64) {
        let inst = self.inst(id);
        let decl = self.decl(&inst);
        for (ri, rd) in decl.resources.iter().enumerate() {
            match self.resource(id, ri, &rd.span) {
                Ok(list) => {
                    for o in list.iter() {
                        // No one resource may take the whole budget.
                        let mut mine = (*budget).min(1_000_000);
                        let before = mine;
                        let values = to_tf(&o.values, &mut mine);
                        *budget -= before - mine;
                        out.push(Resource {
                            address: o.addr.clone(),
                            ty: rd.ty.to_string(),
                            span: rd.span.clone(),
                            values,
                            refs: o.refs.clone(),
                        });
                    }
                }
                Err(e) => self.report(e, ErrorKind::Invalid),
            }
        }
        for (ci, c) in decl.calls.iter().enumerate() {
            let span =
                c.body.attr("source").map_or_else(|| Span::new(decl.display.as_str().into(), 0, 0), |e| e.span());
            match self.children(id, ci, &span) {
                Ok(ch) => {
                    if let Children::Insts(list, _) = &*ch {
                        for (_, child) in list {
                            self.produce(*child, out, budget);
                        }
                    }
                }
                Err(e) => self.report(e, ErrorKind::Invalid),
            }
        }
    }
}

impl Instance {
    fn new(decl: usize, prefix: String, path_module: String, parent: Option<Parent>, stack: Vec<usize>) -> Instance {
        Instance {
            decl,
            prefix,
            path_module,
            parent,
            stack,
            vars: RefCell::default(),
            locals: RefCell::default(),
            outputs: RefCell::default(),
            expansions: RefCell::default(),
            resources: RefCell::default(),
            children: RefCell::default(),
        }
    }
}

/// Records the collections inside a resource's values (see
/// `Evaluator::from_resources`).
fn mark_collections(v: &HclValue, marks: &mut HashSet<usize>, depth: u32, steps: &mut u64) {
    if depth > 64 || *steps == 0 {
        return;
    }
    *steps -= 1;
    match &v.kind {
        HclKind::List(l) => {
            marks.insert(Rc::as_ptr(l) as *const () as usize);
            l.iter().for_each(|x| mark_collections(x, marks, depth + 1, steps));
        }
        HclKind::Object(o) => {
            marks.insert(Rc::as_ptr(o) as *const () as usize);
            o.iter().for_each(|(_, x)| mark_collections(x, marks, depth + 1, steps));
        }
        _ => {}
    }
}

fn unreachable_key() -> InstanceKey {
    InstanceKey::Unknown
}

fn show_key(k: &HclValue) -> String {
    match &k.kind {
        HclKind::String(s) => quote(s),
        HclKind::Number(n) => fmt_num(*n),
        _ => k.type_name().to_string(),
    }
}

fn bool_operand(v: &HclValue) -> Evaluated<bool> {
    match v.to_bool() {
        Some(b) => Ok(b),
        None => fail(format!("a bool is required, found {}", v.type_name()), &v.span),
    }
}

/// The unknown among operands, for an operator whose result it decides.
fn unknown_of(vs: &[&HclValue], span: Span) -> HclValue {
    let r = vs.iter().find_map(|v| v.first_unknown()).map(|r| r.to_string()).unwrap_or_default();
    HclValue::unknown(r, span)
}

/// (key, value) pairs of a collection: lists by index, objects by sorted
/// key. `None` when the collection is unknown.
pub(crate) fn iterate(v: &HclValue) -> Evaluated<Option<Vec<(HclValue, HclValue)>>> {
    match &v.kind {
        HclKind::Unknown(_) | HclKind::Resource(_) => Ok(None),
        HclKind::List(l) => {
            Ok(Some(l.iter().enumerate().map(|(i, x)| (HclValue::num(i as f64, x.span.clone()), x.clone())).collect()))
        }
        HclKind::Object(o) => Ok(Some(
            sorted_entries(o).into_iter().map(|(k, x)| (HclValue::str(k, x.span.clone()), x.clone())).collect(),
        )),
        HclKind::Null => fail("cannot iterate over a null value", &v.span),
        _ => fail(format!("cannot iterate over a {}", v.type_name()), &v.span),
    }
}

/// `v[k]`.
pub(crate) fn index(v: HclValue, k: &HclValue) -> Evaluated<HclValue> {
    if k.is_unknown() {
        return Ok(k.clone());
    }
    match &v.kind {
        HclKind::Unknown(_) => Ok(v),
        HclKind::List(l) => {
            let Some(i) = k.to_num().and_then(as_int) else {
                return fail(format!("a list index must be a whole number, found {}", k.type_name()), &k.span);
            };
            match usize::try_from(i).ok().and_then(|i| l.get(i)) {
                Some(x) => Ok(x.clone()),
                None => fail(format!("index {i} is out of range for a list of {} elements", l.len()), &k.span),
            }
        }
        HclKind::Object(_) => {
            let Some(s) = k.to_str() else {
                return fail(format!("a map key must be a string, found {}", k.type_name()), &k.span);
            };
            match v.get(&s) {
                Some(x) => Ok(x.clone()),
                None => fail(format!("the map has no element for key {}", quote(&s)), &k.span),
            }
        }
        HclKind::Null => fail("cannot index a null value", &k.span),
        _ => fail(format!("cannot index a {}", v.type_name()), &k.span),
    }
}

fn push_interp(v: &HclValue, out: &mut String, unknown: &mut Option<HclValue>) -> Evaluated<()> {
    match &v.kind {
        HclKind::Unknown(_) | HclKind::Resource(_) => {
            if unknown.is_none() {
                *unknown = Some(HclValue::unknown(
                    v.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                    v.span.clone(),
                ));
            }
            Ok(())
        }
        HclKind::Null => fail("a null value cannot be used in a string template", &v.span),
        _ => match v.to_str() {
            Some(s) => {
                out.push_str(&s);
                Ok(())
            }
            None => fail(format!("a {} cannot be used in a string template", v.type_name()), &v.span),
        },
    }
}

fn trim_end_in_place(s: &mut String) {
    let n = s.trim_end().len();
    s.truncate(n);
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
