//! Bicep source (`.bicep`, `.bicepparam`): lexed ([`lex`]), parsed
//! ([`parse`]) and evaluated ([`Evaluator`]) into positioned values.
//!
//! Values: `param` defaults (or a value from `--parameters`), `var`,
//! string interpolation, `for` loops over known arrays, property access and
//! indexing, the operators, and the functions ARM templates share
//! ([`crate::languages::arm::apply`]). Anything known only at deployment
//! (`resourceGroup()`, `uniqueString()`, a resource's runtime properties,
//! a parameter without a default) is unknown with the reason, so the answer
//! that depends on it is `undetermined`, never a pass. Modules are not
//! followed: a module's file is read on its own, with its defaults.
//!
//! Resource declarations are expanded over their loops and conditions by
//! the Azure adapter (`providers::azure::bicep`), which reads the network
//! security groups among them.
//!
//! Language reference: <https://learn.microsoft.com/azure/azure-resource-manager/bicep/file>.

pub(crate) mod lex;
pub(crate) mod parse;

use crate::context::Context;
use crate::error::{ErrorKind, IngestError};
use crate::languages::arm::{apply, name_text, num, same, truth, type_name, unknown_reason, unknown_val, Given};
use parse::{Declaration, Expression, ExpressionKind, Resource, StringPart};
use portcullis_model::Span;
use portcullis_syntax::{Kind, Member, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Whether a path names Bicep source.
pub fn is_bicep_path(path: &str) -> bool {
    path.rsplit('.').next().is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

/// Lexes and parses; syntax errors are reported and the declarations that
/// parsed are kept.
pub fn declarations(ctx: &Context, text: &str, errors: &mut Vec<IngestError>) -> Vec<Declaration> {
    let syntax = |errors: &mut Vec<IngestError>, offset: u32, message: String| {
        let (line, column) = ctx.line_col(offset as usize);
        errors.push(IngestError { file: ctx.file.to_string(), line, column, kind: ErrorKind::Syntax, message });
    };
    let toks = match lex::lex(text) {
        Ok(t) => t,
        Err(e) => {
            syntax(errors, e.offset, format!("not valid Bicep: {}", e.message));
            return Vec::new();
        }
    };
    let mut p = parse::Parser::new(&toks);
    let decls = p.file();
    for e in p.errors {
        syntax(errors, e.offset, format!("not valid Bicep: {}", e.message));
    }
    decls
}

/// Values of a `.bicepparam` file (`using '…'` and `param name = value`),
/// for `--parameters`.
pub fn read_bicepparam(path: &str, text: &str) -> Result<Vec<(String, Value)>, IngestError> {
    let file: Arc<str> = Arc::from(path);
    let ctx = Context::new(file, text);
    let mut errors = Vec::new();
    let decls = declarations(&ctx, text, &mut errors);
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    let mut ev = Evaluator::new(&ctx, text, &|_| None, &decls);
    let mut out = Vec::new();
    for d in &decls {
        if let Declaration::Param { name, default: Some(v), .. } = d {
            out.push((name.clone(), ev.eval(v)));
        }
    }
    match ev.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Evaluates a file's expressions.
pub struct Evaluator<'d, 'c> {
    pub ctx: &'c Context<'c>,
    text: &'c str,
    given: Given<'c>,
    params: HashMap<&'d str, &'d Option<Expression>>,
    vars: HashMap<&'d str, &'d Expression>,
    /// Every resource declaration by symbolic name, nested ones included.
    pub resources: HashMap<&'d str, &'d Resource>,
    cache: HashMap<String, Value>,
    stack: Vec<String>,
    /// Loop variables in scope, innermost last.
    pub locals: Vec<(String, Value)>,
    depth: usize,
    pub errors: Vec<IngestError>,
}

/// Deepest evaluation: variables referring to variables, nested values.
const MAX_DEPTH: usize = 64;

fn collect_resources<'d>(r: &'d Resource, out: &mut HashMap<&'d str, &'d Resource>) {
    out.entry(r.symbol.as_str()).or_insert(r);
    let body = match &r.value.kind {
        ExpressionKind::For { body, .. } => body,
        _ => &r.value,
    };
    let body = match &body.kind {
        ExpressionKind::If(_, b) => b,
        _ => body,
    };
    if let ExpressionKind::Object(_, children) = &body.kind {
        for c in children {
            collect_resources(c, out);
        }
    }
}

impl<'d, 'c> Evaluator<'d, 'c> {
    pub fn new(ctx: &'c Context<'c>, text: &'c str, given: Given<'c>, decls: &'d [Declaration]) -> Self {
        let mut ev = Evaluator {
            ctx,
            text,
            given,
            params: HashMap::new(),
            vars: HashMap::new(),
            resources: HashMap::new(),
            cache: HashMap::new(),
            stack: Vec::new(),
            locals: Vec::new(),
            depth: 0,
            errors: Vec::new(),
        };
        for d in decls {
            match d {
                Declaration::Param { name, default, .. } => {
                    ev.params.insert(name, default);
                }
                Declaration::Var { name, value, .. } => {
                    ev.vars.insert(name, value);
                }
                Declaration::Resource(r) => collect_resources(r, &mut ev.resources),
            }
        }
        ev
    }

    pub fn span(&self, offset: u32) -> Span {
        self.ctx.span(offset)
    }

    pub fn source(&self, e: &Expression) -> &'c str {
        self.text.get(e.start as usize..e.end as usize).unwrap_or("")
    }

    pub fn unknown(&self, e: &Expression, reason: impl Into<String>) -> Value {
        unknown_val(&self.span(e.start), reason, format!("{{{}}}", self.source(e)))
    }

    pub fn error(&mut self, e: &Expression, message: String) {
        let span = self.span(e.start);
        self.errors.push(IngestError::invalid(&span, message));
    }

    pub fn eval(&mut self, e: &Expression) -> Value {
        if self.depth >= MAX_DEPTH {
            return self.unknown(e, "expression nested too deeply to evaluate");
        }
        self.depth += 1;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expression) -> Value {
        let span = self.span(e.start);
        let at = |kind: Kind| Value { kind, span: span.clone() };
        match &e.kind {
            ExpressionKind::Integer(n) => at(Kind::Number(n.clone())),
            ExpressionKind::Bool(b) => at(Kind::Bool(*b)),
            ExpressionKind::Null => at(Kind::Null),
            ExpressionKind::String(parts) => {
                let mut text = String::new();
                let mut unknown: Option<Value> = None;
                for p in parts {
                    match p {
                        StringPart::Literal(s) => text.push_str(s),
                        StringPart::Expression(x) => {
                            let v = self.eval(x);
                            match (&v.kind, name_text(&v)) {
                                (Kind::Unknown { .. }, Some(t)) => {
                                    text.push_str(&t);
                                    unknown.get_or_insert(v);
                                }
                                (Kind::Null, _) => {}
                                (_, Some(t)) => text.push_str(&t),
                                (_, None) => {
                                    let u = self.unknown(x, format!("interpolation of {}", type_name(&v)));
                                    unknown.get_or_insert(u);
                                }
                            }
                        }
                    }
                }
                match unknown {
                    None => at(Kind::String(text)),
                    Some(u) => unknown_val(&span, unknown_reason(&u, "an interpolated value"), text),
                }
            }
            ExpressionKind::Identifier(name) => self.ident(name, e),
            ExpressionKind::Array(items) => at(Kind::List(items.iter().map(|i| self.eval(i)).collect())),
            ExpressionKind::Object(props, _) => {
                let mut members: Vec<Member> = Vec::new();
                for (k, at, v) in props {
                    let value = self.eval(v);
                    if k == "..." {
                        if let Kind::Map(m) = value.kind {
                            members.extend(m);
                            continue;
                        }
                    }
                    members.push(Member { key: k.clone(), span: self.span(*at), value });
                }
                at(Kind::Map(members))
            }
            ExpressionKind::For { item, index, iter, body } => {
                let it = self.eval(iter);
                let Kind::List(list) = it.kind else {
                    return match it.kind {
                        Kind::Unknown { reason, .. } => {
                            self.unknown(e, format!("a `for` loop over a value that is unknown: {reason}"))
                        }
                        _ => {
                            self.error(iter, format!("a `for` loop needs an array, found {}", type_name(&it)));
                            self.unknown(e, "a `for` loop over a value that is not an array")
                        }
                    };
                };
                let mut out = Vec::new();
                for (i, v) in list.into_iter().enumerate() {
                    let n = self.bind(item, index.as_deref(), v, i, &span);
                    match &body.kind {
                        ExpressionKind::If(c, b) => {
                            let cv = self.eval(c);
                            match truth(&cv) {
                                Some(true) => out.push(self.eval(b)),
                                Some(false) => {}
                                None => out.push(self.unknown(
                                    b,
                                    format!("whether item {i} exists: {}", unknown_reason(&cv, "its condition")),
                                )),
                            }
                        }
                        _ => out.push(self.eval(body)),
                    }
                    self.locals.truncate(n);
                }
                at(Kind::List(out))
            }
            ExpressionKind::If(..) => self.unknown(e, "a conditional body outside a resource or loop"),
            ExpressionKind::Ternary(c, a, b) => {
                let cv = self.eval(c);
                match truth(&cv) {
                    Some(true) => self.eval(a),
                    Some(false) => self.eval(b),
                    None => {
                        let (x, y) = (self.eval(a), self.eval(b));
                        if same(&x, &y) {
                            x
                        } else {
                            unknown_val(&span, unknown_reason(&cv, "the condition"), format!("{{{}}}", self.source(e)))
                        }
                    }
                }
            }
            ExpressionKind::Unary(op, x) => {
                let v = self.eval(x);
                match (*op, &v.kind) {
                    (_, Kind::Unknown { reason, .. }) => self.unknown(e, reason.clone()),
                    ("!", _) => match truth(&v) {
                        Some(b) => at(Kind::Bool(!b)),
                        None => self.invalid(e, "`!` of a value that is not a boolean"),
                    },
                    (_, _) => match num(&v) {
                        Some(n) => at(Kind::Number((-n).to_string())),
                        None => self.invalid(e, "`-` of a value that is not a number"),
                    },
                }
            }
            ExpressionKind::Binary(op, l, r) => self.binary(op, l, r, e),
            ExpressionKind::Property { base, name, safe } => {
                // `nsg.name`, `nsgs[1].name`: the name a resource of the
                // file deploys.
                let (sym, instance) = match &base.kind {
                    ExpressionKind::Identifier(sym) => (Some(sym), None),
                    ExpressionKind::Index { base: b, index, .. } => match &b.kind {
                        ExpressionKind::Identifier(sym) => (Some(sym), Some(index.as_ref())),
                        _ => (None, None),
                    },
                    _ => (None, None),
                };
                if let Some(sym) = sym.filter(|s| self.is_resource(s)) {
                    if let Some(r) = self.resources.get(sym.as_str()).copied() {
                        if name == "name" {
                            let at = instance.map(|i| self.eval(i));
                            let mut v = self.resource_name(r, at.as_ref());
                            v.span = span;
                            return v;
                        }
                        return self
                            .unknown(e, format!("`{sym}.{name}` of resource {sym} is known only after deployment"));
                    }
                }
                let b = self.eval(base);
                match (&b.kind, b.get_any_case(name)) {
                    (_, Some(v)) => v.clone(),
                    (Kind::Unknown { reason, stand_in: Some(text) }, _) => {
                        unknown_val(&span, reason.clone(), format!("{text}.{name}"))
                    }
                    (Kind::Null, _) if *safe => at(Kind::Null),
                    (Kind::Map(_), _) if *safe => at(Kind::Null),
                    _ => {
                        self.error(e, format!("`{}`: {} has no property `{name}`", self.source(e), type_name(&b)));
                        self.unknown(e, format!("no property `{name}`"))
                    }
                }
            }
            ExpressionKind::Index { base, index, safe } => {
                let (b, i) = (self.eval(base), self.eval(index));
                match (&b.kind, &i.kind) {
                    (Kind::List(a), Kind::Number(n)) => match n.parse::<usize>().ok().and_then(|n| a.get(n)) {
                        Some(v) => v.clone(),
                        None if *safe => at(Kind::Null),
                        None => self.unknown(e, format!("index {n} is outside the array")),
                    },
                    (Kind::Map(_), Kind::String(k)) => match b.get_any_case(k) {
                        Some(v) => v.clone(),
                        None if *safe => at(Kind::Null),
                        None => self.unknown(e, format!("no property `{k}`")),
                    },
                    (Kind::Null, _) if *safe => at(Kind::Null),
                    (Kind::Unknown { reason, .. }, _) | (_, Kind::Unknown { reason, .. }) => {
                        self.unknown(e, reason.clone())
                    }
                    _ => self.unknown(e, "an index into a value that has none"),
                }
            }
            ExpressionKind::Child(..) => {
                self.unknown(e, "a nested resource's runtime properties are known only after deployment")
            }
            ExpressionKind::Call { name, args } => {
                let lower = name.to_ascii_lowercase();
                let short = lower.strip_prefix("sys.").or_else(|| lower.strip_prefix("az.")).unwrap_or(&lower);
                let vals: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                let shown = format!("Bicep expression `{}`", self.source(e));
                let stand_in = format!("{{{}}}", self.source(e));
                let mut v = apply(short, vals, &span, &shown, stand_in, &mut self.errors);
                v.span = span;
                v
            }
            ExpressionKind::Lambda => self.unknown(e, "lambda functions are not evaluated"),
        }
    }

    fn invalid(&mut self, e: &Expression, why: &str) -> Value {
        self.error(e, format!("Bicep expression `{}`: {why}", self.source(e)));
        self.unknown(e, why)
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|(n, _)| n == name)
    }

    /// Whether `name` means a resource here (not a loop variable, parameter
    /// or variable of that name).
    fn is_resource(&self, name: &str) -> bool {
        !self.is_local(name)
            && !self.params.contains_key(name)
            && !self.vars.contains_key(name)
            && self.resources.contains_key(name)
    }

    /// The `name` resource `r` deploys; of instance `index` when `r` is a
    /// loop. Unknown, with the reason, when the file cannot tell it.
    pub fn resource_name(&mut self, r: &'d Resource, index: Option<&Value>) -> Value {
        let span = self.span(r.at);
        let strip_if = |b: &'d Expression| match &b.kind {
            ExpressionKind::If(_, body) => body.as_ref(),
            _ => b,
        };
        let name_of = |b: &'d Expression| match &strip_if(b).kind {
            ExpressionKind::Object(props, _) => props.iter().find(|(k, _, _)| k == "name").map(|(_, _, v)| v),
            _ => None,
        };
        let stand_in = format!("{{{}.name}}", r.symbol);
        // Evaluated where the resource is declared, not where it is named.
        let saved = std::mem::take(&mut self.locals);
        let v = match &r.value.kind {
            ExpressionKind::For { item, index: ix, iter, body } => {
                let it = self.eval(iter);
                let i = index.and_then(num).and_then(|i| usize::try_from(i).ok());
                match (&it.kind, i, name_of(body)) {
                    (Kind::List(list), Some(i), Some(n)) => match list.get(i) {
                        Some(item_value) => {
                            self.bind(item, ix.as_deref(), item_value.clone(), i, &span);
                            self.eval(n)
                        }
                        None => unknown_val(&span, format!("{}[{i}] is outside the loop", r.symbol), stand_in),
                    },
                    (Kind::Unknown { reason, .. }, _, _) => unknown_val(&span, reason.clone(), stand_in),
                    (_, None, _) => {
                        unknown_val(&span, format!("which instance of {} is meant is not known", r.symbol), stand_in)
                    }
                    _ => unknown_val(&span, format!("{} has no name", r.symbol), stand_in),
                }
            }
            _ => match name_of(&r.value) {
                Some(n) => self.eval(n),
                None => unknown_val(&span, format!("{} has no name", r.symbol), stand_in),
            },
        };
        self.locals = saved;
        v
    }

    /// Binds a loop's item (and index); returns the length to truncate to.
    pub fn bind(&mut self, item: &str, index: Option<&str>, v: Value, i: usize, span: &Span) -> usize {
        let n = self.locals.len();
        self.locals.push((item.to_string(), v));
        if let Some(ix) = index {
            self.locals.push((ix.to_string(), Value { kind: Kind::Number(i.to_string()), span: span.clone() }));
        }
        n
    }

    fn ident(&mut self, name: &str, e: &Expression) -> Value {
        let span = self.span(e.start);
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        if self.stack.iter().any(|s| s == name) {
            self.error(e, format!("`{name}` refers to itself"));
            return self.unknown(e, format!("`{name}` refers to itself"));
        }
        if let Some(&default) = self.params.get(name) {
            if let Some(v) = (self.given)(name) {
                return Value { span, ..v.clone() };
            }
            return match default {
                Some(d) => {
                    let key = format!("param:{name}");
                    let v = match self.cache.get(&key) {
                        Some(v) => v.clone(),
                        None => {
                            self.stack.push(name.to_string());
                            let saved = std::mem::take(&mut self.locals);
                            let v = self.eval(d);
                            self.locals = saved;
                            self.stack.pop();
                            self.cache.insert(key, v.clone());
                            v
                        }
                    };
                    // Used here: findings point at the use, where the rule is.
                    Value { span, ..v }
                }
                None => unknown_val(
                    &span,
                    format!("parameter {name} has no default: its value is given at deployment"),
                    format!("{{{name}}}"),
                ),
            };
        }
        if let Some(&value) = self.vars.get(name) {
            let key = format!("var:{name}");
            if let Some(v) = self.cache.get(&key) {
                return v.clone();
            }
            self.stack.push(name.to_string());
            let saved = std::mem::take(&mut self.locals);
            let mut v = self.eval(value);
            self.locals = saved;
            self.stack.pop();
            if let Kind::Unknown { stand_in: Some(text), .. } = &mut v.kind {
                if text.is_empty() {
                    *text = format!("{{{name}}}");
                }
            }
            self.cache.insert(key, v.clone());
            return v;
        }
        if self.resources.contains_key(name) {
            return self.unknown(e, format!("resource {name}: its runtime properties are known only after deployment"));
        }
        self.unknown(e, format!("`{name}` is not a parameter, variable or resource of this file"))
    }

    fn binary(&mut self, op: &str, l: &Expression, r: &Expression, e: &Expression) -> Value {
        let span = self.span(e.start);
        let at = |kind: Kind| Value { kind, span: span.clone() };
        let a = self.eval(l);
        match op {
            "??" => {
                return match a.kind {
                    Kind::Null => self.eval(r),
                    Kind::Unknown { ref reason, .. } => self.unknown(e, reason.clone()),
                    _ => a,
                }
            }
            "||" | "&&" => {
                let decisive = op == "||";
                if truth(&a) == Some(decisive) {
                    return at(Kind::Bool(decisive));
                }
                let b = self.eval(r);
                return match (truth(&a), truth(&b)) {
                    (_, Some(x)) if x == decisive => at(Kind::Bool(decisive)),
                    (Some(_), Some(_)) => at(Kind::Bool(!decisive)),
                    _ => {
                        let u = if a.is_unknown() { &a } else { &b };
                        let reason = unknown_reason(u, &format!("an operand of `{op}`"));
                        self.unknown(e, reason)
                    }
                };
            }
            _ => {}
        }
        let b = self.eval(r);
        if let Some(u) = [&a, &b].into_iter().find(|v| v.is_unknown()) {
            let reason = unknown_reason(u, "an operand");
            return self.unknown(e, reason);
        }
        match op {
            "==" => at(Kind::Bool(same(&a, &b))),
            "!=" => at(Kind::Bool(!same(&a, &b))),
            "=~" | "!~" => match (a.text(), b.text()) {
                (Some(x), Some(y)) => at(Kind::Bool((x.to_lowercase() == y.to_lowercase()) == (op == "=~"))),
                _ => self.invalid(e, "`=~` compares text"),
            },
            "<" | "<=" | ">" | ">=" => {
                let ord = match (num(&a), num(&b), &a.kind, &b.kind) {
                    (Some(x), Some(y), _, _) => x.cmp(&y),
                    (_, _, Kind::String(x), Kind::String(y)) => x.cmp(y),
                    _ => return self.invalid(e, "a comparison of values that are not numbers or text"),
                };
                use std::cmp::Ordering::*;
                at(Kind::Bool(match op {
                    "<" => ord == Less,
                    "<=" => ord != Greater,
                    ">" => ord == Greater,
                    _ => ord != Less,
                }))
            }
            _ => {
                let (Some(x), Some(y)) = (num(&a), num(&b)) else {
                    return self.invalid(e, &format!("`{op}` of values that are not whole numbers"));
                };
                let v = match op {
                    "+" => x.checked_add(y),
                    "-" => x.checked_sub(y),
                    "*" => x.checked_mul(y),
                    "/" => x.checked_div(y),
                    _ => x.checked_rem(y),
                };
                match v {
                    Some(v) => at(Kind::Number(v.to_string())),
                    None => self.invalid(e, "arithmetic overflow or division by zero"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bicepparam_values() {
        let given = read_bicepparam(
            "main.bicepparam",
            "using './main.bicep'\nparam src = '*'\nparam ports = [\n  '10257'\n]\n",
        )
        .expect("reads");
        assert_eq!(given.len(), 2);
        assert_eq!(given[0].1.text().as_deref(), Some("*"));
        assert!(read_bicepparam("p.bicepparam", "param x = \n").is_err());
    }
}
