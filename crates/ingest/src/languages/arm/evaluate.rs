//! A template's values, evaluated: literals as written, expressions in
//! strings applied, parameters and variables looked up (and cached).

use super::copy::{Scope, COPY_VALUE_BUDGET};
use super::expression::{parse, Expression};
use super::functions::{apply, truth, unknown_reason};
use super::{type_name, Given, MAX_DEPTH};
use crate::context::Context;
use crate::error::IngestError;
use portcullis_model::Span;
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Member, Value};
use std::collections::BTreeMap;

/// Evaluates a template's values.
pub struct ArmEval<'a, 'c> {
    pub(super) ctx: &'c Context<'c>,
    params: BTreeMap<String, &'a Node>,
    vars: BTreeMap<String, &'a Node>,
    /// Variables built by a `copy` loop in `variables`, by lower-cased
    /// name: the loop's element (`{name, count, input}`).
    copy_vars: BTreeMap<String, &'a Node>,
    var_cache: BTreeMap<String, Value>,
    param_cache: BTreeMap<String, Value>,
    stack: Vec<String>,
    depth: usize,
    /// Values from parameter files, which win over `defaultValue`.
    given: Option<Given<'c>>,
    /// The copy loops around what is evaluated now, innermost last.
    pub(super) loops: Vec<Scope>,
    /// How many more values copy loops may make (see [`super::copy`]).
    pub(super) copy_budget: usize,
    /// Where each property or variable copy loop is written (line and
    /// column), and its name: what an array it made is labelled with.
    pub(super) copy_loops: BTreeMap<(u32, u32), String>,
    pub errors: Vec<IngestError>,
}

fn section<'n>(root: &'n Node, key: &str) -> BTreeMap<String, &'n Node> {
    root.as_object()
        .into_iter()
        .flatten()
        .filter(|m| m.key.eq_ignore_ascii_case(key))
        .flat_map(|m| m.value.as_object().into_iter().flatten())
        .map(|m| (m.key.to_ascii_lowercase(), &m.value))
        .collect()
}

pub(super) fn member<'n>(obj: &'n Node, key: &str) -> Option<&'n Node> {
    obj.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(key)).map(|m| &m.value)
}

pub(super) fn member_str<'n>(obj: &'n Node, key: &str) -> Option<&'n str> {
    member(obj, key).and_then(Node::as_str)
}

/// A parameter's value where it is used: findings point at the use, where
/// the rule is written, also for the parts of an array or object (a rule's
/// source read from `parameters('rules')[0].source`), never into a
/// parameter file or at the default.
fn used_at(mut v: Value, span: &Span) -> Value {
    fn walk(v: &mut Value, span: &Span) {
        v.span = span.clone();
        match &mut v.kind {
            Kind::List(items) => items.iter_mut().for_each(|i| walk(i, span)),
            Kind::Map(members) => members.iter_mut().for_each(|m| {
                m.span = span.clone();
                walk(&mut m.value, span)
            }),
            _ => {}
        }
    }
    walk(&mut v, span);
    v
}

/// The expression in a string, if it is one (`[[` escapes a literal `[`).
pub fn expression_of(s: &str) -> Option<&str> {
    let t = s.trim();
    (t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[") && t.len() >= 2).then(|| &t[1..t.len() - 1])
}

impl<'a, 'c> ArmEval<'a, 'c> {
    pub fn new(ctx: &'c Context<'c>, root: &'a Node) -> Self {
        let vars = section(root, "variables");
        let copy_vars = vars
            .get("copy")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| Some((member_str(c, "name")?.to_ascii_lowercase(), c)))
            .collect();
        ArmEval {
            ctx,
            params: section(root, "parameters"),
            vars,
            copy_vars,
            var_cache: BTreeMap::new(),
            param_cache: BTreeMap::new(),
            stack: Vec::new(),
            depth: 0,
            given: None,
            loops: Vec::new(),
            copy_budget: COPY_VALUE_BUDGET,
            copy_loops: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// Takes parameter values from parameter files.
    pub fn with_given(mut self, given: Given<'c>) -> Self {
        self.given = Some(given);
        self
    }

    pub fn error(&mut self, span: &Span, message: String) {
        self.errors.push(IngestError::invalid(span, message));
    }

    fn unknown(span: &Span, reason: impl Into<String>, text: impl Into<String>) -> Value {
        Value { kind: Kind::Unknown { reason: reason.into(), stand_in: Some(text.into()) }, span: span.clone() }
    }

    /// Evaluates a JSON value: expressions in strings are applied, arrays
    /// and objects evaluated member by member.
    pub fn value(&mut self, n: &Node) -> Value {
        let span = self.ctx.span(n.offset);
        let kind = match &n.value {
            json::Value::Null => Kind::Null,
            json::Value::Bool(b) => Kind::Bool(*b),
            json::Value::Number(s) => Kind::Number(s.to_string()),
            json::Value::String(s) => match expression_of(s) {
                Some(src) => return self.expression(src, &span),
                None => Kind::String(s.strip_prefix("[[").map_or_else(|| s.to_string(), |r| format!("[{r}"))),
            },
            json::Value::Array(a) => Kind::List(a.iter().map(|i| self.value(i)).collect()),
            json::Value::Object(m) => {
                let mut members = Vec::with_capacity(m.len());
                for mem in m.iter() {
                    let key_span = self.ctx.span(mem.key_offset);
                    match super::copy::property_loops(mem) {
                        // `"copy": [{name, count, input}]`: each loop makes
                        // the array property it names.
                        Some(loops) => {
                            for l in loops {
                                let key = member_str(l, "name").unwrap_or_default().to_string();
                                let span = self.ctx.span(l.offset);
                                members.push(Member { key, span, value: self.copy_array(l) });
                            }
                        }
                        None => members.push(Member {
                            key: mem.key.to_string(),
                            span: key_span,
                            value: self.value(&mem.value),
                        }),
                    }
                }
                Kind::Map(members)
            }
        };
        Value { kind, span }
    }

    /// Evaluates the text of an expression written at `span`.
    pub fn expression(&mut self, src: &str, span: &Span) -> Value {
        match parse(src) {
            Ok(e) => self.eval(&e, span),
            Err(msg) => {
                self.error(span, format!("template expression `[{src}]`: {msg}"));
                Self::unknown(span, format!("invalid expression: {msg}"), format!("{{{src}}}"))
            }
        }
    }

    fn eval(&mut self, e: &Expression, span: &Span) -> Value {
        if self.depth >= MAX_DEPTH {
            return Self::unknown(span, "expression nested too deeply to evaluate", format!("{{{e}}}"));
        }
        self.depth += 1;
        let v = self.eval_inner(e, span);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expression, span: &Span) -> Value {
        let at = |kind: Kind| Value { kind, span: span.clone() };
        match e {
            Expression::String(s) => at(Kind::String(s.clone())),
            Expression::Integer(i) => at(Kind::Number(i.to_string())),
            Expression::Property(base, p) => {
                let b = self.eval(base, span);
                match (&b.kind, b.get_any_case(p)) {
                    (_, Some(v)) => v.clone(),
                    (Kind::Unknown { reason, stand_in: Some(text) }, _) => {
                        Self::unknown(span, reason.clone(), format!("{text}.{p}"))
                    }
                    _ => {
                        self.error(span, format!("`{e}`: {} has no property `{p}`", type_name(&b)));
                        Self::unknown(span, format!("no property `{p}`"), format!("{{{e}}}"))
                    }
                }
            }
            Expression::Index(base, idx) => {
                let (b, i) = (self.eval(base, span), self.eval(idx, span));
                match (&b.kind, &i.kind) {
                    (Kind::List(a), Kind::Number(n)) => match n.parse::<usize>().ok().and_then(|n| a.get(n)) {
                        Some(v) => v.clone(),
                        None => Self::unknown(span, format!("index {n} is outside the array"), format!("{{{e}}}")),
                    },
                    (Kind::Map(_), Kind::String(k)) => match b.get_any_case(k) {
                        Some(v) => v.clone(),
                        None => Self::unknown(span, format!("no property `{k}`"), format!("{{{e}}}")),
                    },
                    (Kind::Unknown { reason, .. }, _) | (_, Kind::Unknown { reason, .. }) => {
                        Self::unknown(span, reason.clone(), format!("{{{e}}}"))
                    }
                    _ => Self::unknown(span, "an index into a value that has none", format!("{{{e}}}")),
                }
            }
            Expression::Call { name, args } => self.call(e, &name.to_ascii_lowercase(), args, span),
        }
    }

    fn call(&mut self, whole: &Expression, name: &str, args: &[Expression], span: &Span) -> Value {
        let stand_in = || format!("{{{whole}}}");
        // Lazy ones first.
        match name {
            "if" if args.len() == 3 => {
                let c = self.eval(&args[0], span);
                return match truth(&c) {
                    Some(true) => self.eval(&args[1], span),
                    Some(false) => self.eval(&args[2], span),
                    None => Self::unknown(span, unknown_reason(&c, "the condition of `if`"), stand_in()),
                };
            }
            "parameters" | "variables" if args.len() == 1 => {
                let n = self.eval(&args[0], span);
                let Some(key) = n.text() else {
                    return Self::unknown(span, unknown_reason(&n, "a parameter name"), stand_in());
                };
                return if name == "parameters" {
                    self.parameter(&key, span, &stand_in())
                } else {
                    self.variable(&key, span)
                };
            }
            _ => {}
        }
        let vals: Vec<Value> = args.iter().map(|a| self.eval(a, span)).collect();
        if name == "copyindex" {
            return self.copy_index(&vals, span, stand_in());
        }
        apply(name, vals, span, &format!("template expression `[{whole}]`"), stand_in(), &mut self.errors)
    }

    fn parameter(&mut self, key: &str, span: &Span, stand_in: &str) -> Value {
        let k = key.to_ascii_lowercase();
        if let Some(v) = self.param_cache.get(&k) {
            return used_at(v.clone(), span);
        }
        let Some(&def) = self.params.get(&k) else {
            self.error(span, format!("`parameters('{key}')`: the template has no such parameter"));
            return Self::unknown(span, format!("parameter {key} is not defined"), stand_in);
        };
        if self.stack.contains(&k) {
            self.error(span, format!("parameter {key} refers to itself"));
            return Self::unknown(span, format!("parameter {key} refers to itself"), stand_in);
        }
        let default = def.as_object().into_iter().flatten().find(|m| m.key.eq_ignore_ascii_case("defaultValue"));
        let given = self.given.and_then(|g| g(key)).cloned();
        let v = match (given, default) {
            (Some(mut v), _) => {
                if let Kind::Unknown { stand_in: Some(text), .. } = &mut v.kind {
                    *text = stand_in.to_string();
                }
                v
            }
            (None, default) => match default {
                Some(d) => {
                    self.stack.push(k.clone());
                    // A default is evaluated where it is written, outside
                    // any copy loop of the place that uses it.
                    let loops = std::mem::take(&mut self.loops);
                    let mut v = self.value(&d.value);
                    self.loops = loops;
                    self.stack.pop();
                    if let Kind::Unknown { stand_in: Some(text), .. } = &mut v.kind {
                        *text = stand_in.to_string();
                    }
                    v
                }
                None => Self::unknown(
                    span,
                    format!("parameter {key} has no defaultValue: its value is given at deployment"),
                    stand_in,
                ),
            },
        };
        self.param_cache.insert(k, v.clone());
        used_at(v, span)
    }

    fn variable(&mut self, key: &str, span: &Span) -> Value {
        let k = key.to_ascii_lowercase();
        if let Some(v) = self.var_cache.get(&k) {
            return v.clone();
        }
        let stand_in = format!("{{variables('{key}')}}");
        let copy_loop = self.copy_vars.get(&k).copied();
        let Some(def) = copy_loop.or_else(|| self.vars.get(&k).copied().filter(|_| k != "copy")) else {
            self.error(span, format!("`variables('{key}')`: the template has no such variable"));
            return Self::unknown(span, format!("variable {key} is not defined"), stand_in);
        };
        if self.stack.contains(&format!("var:{k}")) {
            self.error(span, format!("variable {key} refers to itself"));
            return Self::unknown(span, format!("variable {key} refers to itself"), stand_in);
        }
        self.stack.push(format!("var:{k}"));
        // A variable is evaluated where it is defined, outside any copy
        // loop of the place that uses it.
        let loops = std::mem::take(&mut self.loops);
        let mut v = match copy_loop {
            Some(l) => self.copy_array(l),
            None => self.value(def),
        };
        self.loops = loops;
        self.stack.pop();
        if let Kind::Unknown { stand_in: Some(text), .. } = &mut v.kind {
            if text.is_empty() {
                *text = stand_in;
            }
        }
        self.var_cache.insert(k, v.clone());
        v
    }
}
