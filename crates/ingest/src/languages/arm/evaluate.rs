//! A template's values, evaluated: literals as written, expressions in
//! strings applied, parameters and variables looked up (and cached).

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
    ctx: &'c Context<'c>,
    params: BTreeMap<String, &'a Node>,
    vars: BTreeMap<String, &'a Node>,
    /// Variables built by a `copy` loop in `variables`.
    copy_vars: Vec<String>,
    var_cache: BTreeMap<String, Value>,
    param_cache: BTreeMap<String, Value>,
    stack: Vec<String>,
    depth: usize,
    /// Values from parameter files, which win over `defaultValue`.
    given: Option<Given<'c>>,
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

fn member_str<'n>(obj: &'n Node, key: &str) -> Option<&'n str> {
    obj.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(key)).and_then(|m| m.value.as_str())
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
            .filter_map(|c| member_str(c, "name"))
            .map(|n| n.to_ascii_lowercase())
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
            json::Value::Object(m) => Kind::Map(
                m.iter()
                    .map(|mem| {
                        let span = self.ctx.span(mem.key_offset);
                        Member { key: mem.key.to_string(), span, value: self.value(&mem.value) }
                    })
                    .collect(),
            ),
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
        apply(name, vals, span, &format!("template expression `[{whole}]`"), stand_in(), &mut self.errors)
    }

    fn parameter(&mut self, key: &str, span: &Span, stand_in: &str) -> Value {
        let k = key.to_ascii_lowercase();
        if let Some(v) = self.param_cache.get(&k) {
            return Value { span: span.clone(), ..v.clone() };
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
                    let mut v = self.value(&d.value);
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
        // The value is used here: findings point at the use, where the
        // rule is written.
        Value { span: span.clone(), ..v }
    }

    fn variable(&mut self, key: &str, span: &Span) -> Value {
        let k = key.to_ascii_lowercase();
        if let Some(v) = self.var_cache.get(&k) {
            return v.clone();
        }
        let stand_in = format!("{{variables('{key}')}}");
        if self.copy_vars.contains(&k) {
            return Self::unknown(
                span,
                format!("variable {key} is built by a copy loop, which is not evaluated"),
                stand_in,
            );
        }
        let Some(&def) = self.vars.get(&k) else {
            self.error(span, format!("`variables('{key}')`: the template has no such variable"));
            return Self::unknown(span, format!("variable {key} is not defined"), stand_in);
        };
        if self.stack.contains(&format!("var:{k}")) {
            self.error(span, format!("variable {key} refers to itself"));
            return Self::unknown(span, format!("variable {key} refers to itself"), stand_in);
        }
        self.stack.push(format!("var:{k}"));
        let mut v = if k == "copy" {
            Self::unknown(span, "variables built by a copy loop are not evaluated", stand_in.clone())
        } else {
            self.value(def)
        };
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
