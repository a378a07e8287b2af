//! ARM template expressions (`"[concat(parameters('nsg'), '/ssh')]"`):
//! parsed, and evaluated as far as the template can tell.
//!
//! Syntax and functions: <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions>
//! and <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>.
//! A string that starts with `[` and ends with `]` is an expression; `[[`
//! escapes a literal `[`. Function and parameter names are case-insensitive.
//!
//! Evaluated: `parameters` (the `defaultValue`), `variables`, `concat`,
//! `format`, `string`, `int`, `bool`, `toLower`, `toUpper`, `trim`,
//! `replace`, `length`, `empty`, `equals`, `not`, `and`, `or`, `if`,
//! `greater(OrEquals)`, `less(OrEquals)`, `createArray`, `split`, `first`,
//! `last`, `coalesce`, `contains`, `range`, `join`, `true`, `false`, `null`, property access
//! and indexing. Everything else (`resourceGroup()`, `resourceId()`,
//! `uniqueString()`, `reference()`…) is known only at deployment: unknown,
//! with the reason. An unknown keeps a stand-in text (`{parameters('nsg')}`)
//! so that names built from the same unknown parameter still match: a
//! child rule `[concat(parameters('nsg'), '/ssh')]` finds the NSG named
//! `[parameters('nsg')]`.

use crate::ctx::Ctx;
use crate::error::IngestError;
use portcullis_model::Span;
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Member, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Call { name: String, args: Vec<Expr> },
    Prop(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

impl fmt::Display for Expr {
    /// A canonical form (no spaces, lower-case function names), the same
    /// however the expression was spaced or cased.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Call { name, args } => {
                write!(f, "{}(", name.to_ascii_lowercase())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Prop(e, p) => write!(f, "{e}.{p}"),
            Expr::Index(e, i) => write!(f, "{e}[{i}]"),
        }
    }
}

/// Deepest nesting parsed or evaluated: real templates nest a few levels.
const MAX_DEPTH: usize = 64;

struct P<'s> {
    s: &'s [u8],
    src: &'s str,
    pos: usize,
    depth: usize,
}

/// Parses the text between the brackets.
pub fn parse(src: &str) -> Result<Expr, String> {
    let mut p = P { s: src.as_bytes(), src, pos: 0, depth: 0 };
    let e = p.expr()?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(format!("unexpected `{}` at character {}", p.rest_char(), p.pos + 1));
    }
    Ok(e)
}

impl P<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn rest_char(&self) -> char {
        self.src.get(self.pos..).and_then(|r| r.chars().next()).unwrap_or(' ')
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.pos;
        while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
            self.pos += 1;
        }
        (self.pos > start && !self.s[start].is_ascii_digit()).then(|| self.src[start..self.pos].to_string())
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let mut e = self.primary()?;
        loop {
            if self.eat(b'.') {
                let name =
                    self.ident().ok_or_else(|| format!("expected a property name at character {}", self.pos + 1))?;
                if self.eat(b'(') {
                    // A user-defined function: `namespace.name(…)`.
                    let args = self.args()?;
                    e = Expr::Call { name: format!("{e}.{name}"), args };
                } else {
                    e = Expr::Prop(Box::new(e), name);
                }
            } else if self.eat(b'[') {
                let i = self.expr()?;
                if !self.eat(b']') {
                    return Err(format!("expected `]` at character {}", self.pos + 1));
                }
                e = Expr::Index(Box::new(e), Box::new(i));
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn args(&mut self) -> Result<Vec<Expr>, String> {
        let mut args = Vec::new();
        if self.eat(b')') {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(b')') {
                return Ok(args);
            }
            if !self.eat(b',') {
                return Err(format!("expected `,` or `)` at character {}", self.pos + 1));
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        self.ws();
        match self.s.get(self.pos) {
            None => Err("the expression ends too early".into()),
            Some(b'\'') => {
                self.pos += 1;
                let mut out = String::new();
                loop {
                    let rest = &self.src[self.pos..];
                    let Some(i) = rest.find('\'') else { return Err("a string is not closed".into()) };
                    out.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.s.get(self.pos) == Some(&b'\'') {
                        out.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(Expr::Str(out));
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.pos;
                self.pos += 1;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                self.src[start..self.pos]
                    .parse()
                    .map(Expr::Int)
                    .map_err(|_| format!("`{}` is not a number", &self.src[start..self.pos]))
            }
            Some(_) => {
                let name = self
                    .ident()
                    .ok_or_else(|| format!("unexpected `{}` at character {}", self.rest_char(), self.pos + 1))?;
                if self.eat(b'(') {
                    let args = self.args()?;
                    Ok(Expr::Call { name, args })
                } else {
                    match name.to_ascii_lowercase().as_str() {
                        "true" | "false" | "null" => Ok(Expr::Call { name, args: Vec::new() }),
                        _ => Err(format!("`{name}` should be a function call")),
                    }
                }
            }
        }
    }
}

/// The text of a value, or the stand-in text of an unknown: what a name
/// built from it is matched by.
pub fn name_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Unknown { stand_in, .. } => stand_in.clone(),
        _ => v.text(),
    }
}

/// The type of a value in ARM's words ("found an array").
pub fn type_name(v: &Value) -> &'static str {
    match &v.kind {
        Kind::Null | Kind::Removed => "null",
        Kind::Bool(_) => "a boolean",
        Kind::Number(_) => "a number",
        Kind::String(_) => "a string",
        Kind::List(_) => "an array",
        Kind::Map(_) => "an object",
        Kind::Resource { .. } => "a resource reference",
        Kind::Unknown { .. } => "an unknown value",
    }
}

/// Evaluates a template's values.
pub struct ArmEval<'a, 'c> {
    ctx: &'c Ctx<'c>,
    params: BTreeMap<String, &'a Node>,
    vars: BTreeMap<String, &'a Node>,
    /// Variables built by a `copy` loop in `variables`.
    copy_vars: Vec<String>,
    var_cache: BTreeMap<String, Value>,
    param_cache: BTreeMap<String, Value>,
    stack: Vec<String>,
    depth: usize,
    /// Values from parameter files, which win over `defaultValue`.
    given: Option<&'c crate::params::Parameters>,
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
    pub fn new(ctx: &'c Ctx<'c>, root: &'a Node) -> Self {
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
    pub fn with_given(mut self, given: &'c crate::params::Parameters) -> Self {
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

    fn eval(&mut self, e: &Expr, span: &Span) -> Value {
        if self.depth >= MAX_DEPTH {
            return Self::unknown(span, "expression nested too deeply to evaluate", format!("{{{e}}}"));
        }
        self.depth += 1;
        let v = self.eval_inner(e, span);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expr, span: &Span) -> Value {
        let at = |kind: Kind| Value { kind, span: span.clone() };
        match e {
            Expr::Str(s) => at(Kind::String(s.clone())),
            Expr::Int(i) => at(Kind::Number(i.to_string())),
            Expr::Prop(base, p) => {
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
            Expr::Index(base, idx) => {
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
            Expr::Call { name, args } => self.call(e, &name.to_ascii_lowercase(), args, span),
        }
    }

    fn call(&mut self, whole: &Expr, name: &str, args: &[Expr], span: &Span) -> Value {
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
        let given = self.given.and_then(|g| g.any_case(key)).cloned();
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

/// Applies a function whose arguments are evaluated (every function but
/// `if`, `parameters` and `variables`): shared by ARM expressions and Bicep.
/// `shown` names the expression in error messages; `stand_in` is the text
/// an unknown result keeps for names.
pub fn apply(
    name: &str,
    vals: Vec<Value>,
    span: &Span,
    shown: &str,
    stand_in: String,
    errors: &mut Vec<IngestError>,
) -> Value {
    let at = |kind: Kind| Value { kind, span: span.clone() };
    let first_unknown = vals.iter().find(|v| v.is_unknown()).cloned();
    let texts = || vals.iter().map(Value::text).collect::<Option<Vec<String>>>();
    match (name, vals.len()) {
        ("true", 0) => at(Kind::Bool(true)),
        ("false", 0) => at(Kind::Bool(false)),
        ("null", 0) => at(Kind::Null),
        ("concat", _) => {
            if !vals.is_empty() && vals.iter().all(|v| matches!(v.kind, Kind::List(_))) {
                let mut out = Vec::new();
                for v in vals {
                    if let Kind::List(a) = v.kind {
                        out.extend(a);
                    }
                }
                return at(Kind::List(out));
            }
            match texts() {
                Some(t) => at(Kind::String(t.concat())),
                None => partial(&vals, span, stand_in.clone()),
            }
        }
        ("format", n) if n >= 1 => {
            let Some(fmt) = vals[0].text() else { return partial(&vals, span, stand_in.clone()) };
            let mut out = String::new();
            let mut unknown: Option<Value> = None;
            let mut rest = fmt.as_str();
            while let Some(i) = rest.find(['{', '}']) {
                out.push_str(&rest[..i]);
                let c = rest.as_bytes()[i];
                let after = &rest[i + 1..];
                if after.as_bytes().first() == Some(&c) {
                    out.push(c as char);
                    rest = &after[1..];
                    continue;
                }
                if c == b'}' {
                    out.push('}');
                    rest = after;
                    continue;
                }
                let Some(end) = after.find('}') else {
                    out.push_str(&rest[i..]);
                    rest = "";
                    break;
                };
                let spec = &after[..end];
                rest = &after[end + 1..];
                let (idx, fmt_spec) = spec.split_once(':').map_or((spec, None), |(a, b)| (a, Some(b)));
                match idx.trim().parse::<usize>().ok().and_then(|i| vals.get(i + 1)) {
                    Some(v) if fmt_spec.is_none() => match name_text(&v) {
                        Some(t) => {
                            if v.is_unknown() {
                                unknown.get_or_insert_with(|| v.clone());
                            }
                            out.push_str(&t);
                        }
                        None => {
                            unknown
                                .get_or_insert_with(|| unknown_val(span, format!("`format` of {}", type_name(&v)), ""));
                        }
                    },
                    _ => {
                        unknown.get_or_insert_with(|| {
                            unknown_val(span, format!("`format` item `{{{spec}}}` is not evaluated"), "")
                        });
                        out.push_str(&format!("{{{spec}}}"));
                    }
                }
            }
            out.push_str(rest);
            match unknown {
                None => at(Kind::String(out)),
                Some(u) => unknown_val(span, unknown_reason(&u, "a `format` argument"), out),
            }
        }
        _ if first_unknown.is_some() && !matches!(name, "and" | "or" | "coalesce") => {
            let u = first_unknown.unwrap_or_else(|| unknown_val(span, "", ""));
            unknown_val(span, unknown_reason(&u, "an argument"), stand_in.clone())
        }
        ("string", 1) => match &vals[0].kind {
            Kind::Null => at(Kind::String(String::new())),
            _ => match vals[0].text() {
                Some(t) => at(Kind::String(t)),
                None => unknown_val(span, "`string` of an array or object is not evaluated", stand_in.clone()),
            },
        },
        ("int", 1) => match vals[0].text().and_then(|t| t.trim().parse::<i64>().ok()) {
            Some(i) => at(Kind::Number(i.to_string())),
            None => invalid(errors, span, shown, &stand_in, "`int` of a value that is not a whole number"),
        },
        ("bool", 1) => match vals[0].text().map(|t| t.to_ascii_lowercase()) {
            Some(t) if t == "true" || t == "1" => at(Kind::Bool(true)),
            Some(t) if t == "false" || t == "0" => at(Kind::Bool(false)),
            _ => invalid(errors, span, shown, &stand_in, "`bool` of a value that is not true or false"),
        },
        ("tolower" | "toupper" | "trim", 1) => match vals[0].text() {
            Some(t) => at(Kind::String(match name {
                "tolower" => t.to_lowercase(),
                "toupper" => t.to_uppercase(),
                _ => t.trim().to_string(),
            })),
            None => invalid(errors, span, shown, &stand_in, "a function of text given a value that is not text"),
        },
        ("replace", 3) => match texts() {
            Some(t) if !t[1].is_empty() => at(Kind::String(t[0].replace(&t[1], &t[2]))),
            Some(t) => at(Kind::String(t[0].clone())),
            None => invalid(errors, span, shown, &stand_in, "`replace` of a value that is not text"),
        },
        ("length", 1) => match &vals[0].kind {
            Kind::String(s) => at(Kind::Number(s.chars().count().to_string())),
            Kind::List(a) => at(Kind::Number(a.len().to_string())),
            Kind::Map(m) => at(Kind::Number(m.len().to_string())),
            _ => invalid(errors, span, shown, &stand_in, "`length` of a value that has none"),
        },
        ("empty", 1) => at(Kind::Bool(match &vals[0].kind {
            Kind::Null => true,
            Kind::String(s) => s.is_empty(),
            Kind::List(a) => a.is_empty(),
            Kind::Map(m) => m.is_empty(),
            _ => false,
        })),
        ("equals", 2) => at(Kind::Bool(same(&vals[0], &vals[1]))),
        ("not", 1) => match truth(&vals[0]) {
            Some(b) => at(Kind::Bool(!b)),
            None => invalid(errors, span, shown, &stand_in, "`not` of a value that is not a boolean"),
        },
        ("and" | "or", n) if n >= 1 => {
            // Kleene logic: one decisive argument settles it.
            let decisive = name == "or";
            let mut unknown = None;
            for v in &vals {
                match truth(v) {
                    Some(b) if b == decisive => return at(Kind::Bool(decisive)),
                    Some(_) => {}
                    None => {
                        unknown.get_or_insert_with(|| v.clone());
                    }
                }
            }
            match unknown {
                None => at(Kind::Bool(!decisive)),
                Some(u) => unknown_val(span, unknown_reason(&u, &format!("an argument of `{name}`")), stand_in.clone()),
            }
        }
        ("coalesce", _) => {
            for v in &vals {
                match v.kind {
                    Kind::Null => continue,
                    Kind::Unknown { .. } => {
                        return unknown_val(span, unknown_reason(v, "an argument"), stand_in.clone())
                    }
                    _ => return v.clone(),
                }
            }
            at(Kind::Null)
        }
        ("greater" | "greaterorequals" | "less" | "lessorequals", 2) => {
            let ord = match (num(&vals[0]), num(&vals[1])) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => match (&vals[0].kind, &vals[1].kind) {
                    (Kind::String(a), Kind::String(b)) => a.cmp(b),
                    _ => {
                        return invalid(
                            errors,
                            span,
                            shown,
                            &stand_in,
                            "a comparison of values that are not numbers or text",
                        )
                    }
                },
            };
            use std::cmp::Ordering::*;
            at(Kind::Bool(match name {
                "greater" => ord == Greater,
                "greaterorequals" => ord != Less,
                "less" => ord == Less,
                _ => ord != Greater,
            }))
        }
        ("createarray", _) => at(Kind::List(vals)),
        ("range", 2) => match (num(&vals[0]), num(&vals[1])) {
            (Some(a), Some(n)) if (0..=10_000).contains(&n) => {
                at(Kind::List((a..a + n).map(|i| at(Kind::Number(i.to_string()))).collect()))
            }
            _ => invalid(errors, span, shown, &stand_in, "`range` takes a start and a count up to 10000"),
        },
        ("join", 2) => match (&vals[0].kind, vals[1].text()) {
            (Kind::List(a), Some(d)) => match a.iter().map(Value::text).collect::<Option<Vec<_>>>() {
                Some(t) => at(Kind::String(t.join(&d))),
                None => invalid(errors, span, shown, &stand_in, "`join` of an array that is not all text"),
            },
            _ => invalid(errors, span, shown, &stand_in, "`join` takes an array and a delimiter"),
        },
        ("split", 2) => match (&vals[0].text(), &vals[1].kind) {
            (Some(s), Kind::String(d)) if !d.is_empty() => at(Kind::List(
                s.split(d.as_str()).map(|p| Value { kind: Kind::String(p.to_string()), span: span.clone() }).collect(),
            )),
            _ => invalid(errors, span, shown, &stand_in, "`split` takes text and a delimiter"),
        },
        ("first" | "last", 1) => match &vals[0].kind {
            Kind::List(a) => {
                let v = if name == "first" { a.first() } else { a.last() };
                v.cloned().unwrap_or_else(|| at(Kind::Null))
            }
            Kind::String(s) => {
                let c = if name == "first" { s.chars().next() } else { s.chars().last() };
                at(Kind::String(c.map(String::from).unwrap_or_default()))
            }
            _ => invalid(errors, span, shown, &stand_in, "`first`/`last` of a value that is not an array or text"),
        },
        ("contains", 2) => match (&vals[0].kind, &vals[1]) {
            (Kind::List(a), v) => at(Kind::Bool(a.iter().any(|x| same(x, v)))),
            (Kind::Map(_), v) => at(Kind::Bool(v.text().is_some_and(|k| vals[0].get_any_case(&k).is_some()))),
            (Kind::String(s), v) => {
                at(Kind::Bool(v.text().is_some_and(|t| s.to_lowercase().contains(&t.to_lowercase()))))
            }
            _ => invalid(errors, span, shown, &stand_in, "`contains` of a value that is not an array, object or text"),
        },
        _ => unknown_val(span, format!("`{name}()` is evaluated by Azure at deployment"), stand_in.clone()),
    }
}

/// A function of text where some argument is unknown: unknown, with a
/// stand-in that keeps the known text (for names).
fn partial(vals: &[Value], span: &Span, fallback: String) -> Value {
    let u = vals.iter().find(|v| v.is_unknown());
    let reason = u.map_or_else(|| "an argument is not text".to_string(), |u| unknown_reason(u, "an argument"));
    let text = vals.iter().map(name_text).collect::<Option<Vec<String>>>().map_or(fallback, |t| t.concat());
    unknown_val(span, reason, text)
}

fn invalid(errors: &mut Vec<IngestError>, span: &Span, shown: &str, stand_in: &str, why: &str) -> Value {
    errors.push(IngestError::invalid(span, format!("{shown}: {why}")));
    unknown_val(span, why, stand_in)
}

/// An unknown value at `span`.
pub fn unknown_val(span: &Span, reason: impl Into<String>, text: impl Into<String>) -> Value {
    Value { kind: Kind::Unknown { reason: reason.into(), stand_in: Some(text.into()) }, span: span.clone() }
}

/// A boolean, from a boolean or its text.
pub(crate) fn truth(v: &Value) -> Option<bool> {
    match &v.kind {
        Kind::Bool(b) => Some(*b),
        Kind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Kind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub(crate) fn num(v: &Value) -> Option<i64> {
    match &v.kind {
        Kind::Number(n) => n.parse().ok(),
        _ => None,
    }
}

/// Equality as `equals` reads it: values, not positions; text without
/// regard to case is not equal (ARM compares strings exactly).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::List(x), Kind::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len() && x.iter().all(|m| y.iter().any(|n| m.key == n.key && same(&m.value, &n.value)))
        }
        (Kind::Number(x), Kind::Number(y)) => x == y,
        _ => a.kind == b.kind,
    }
}

pub(crate) fn unknown_reason(v: &Value, what: &str) -> String {
    match &v.kind {
        Kind::Unknown { reason, .. } => reason.clone(),
        _ => format!("{what} is {}", type_name(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn eval(template: &str, expr: &str) -> Value {
        let root = portcullis_syntax::json::parse(template, portcullis_syntax::json::Options::LENIENT).expect("json");
        let ctx = Ctx::new(Arc::from("t.json"), template);
        let mut ev = ArmEval::new(&ctx, &root);
        let span = Span::new(Arc::from("t.json"), 1, 1);
        let v = ev.expression(expr, &span);
        assert!(ev.errors.is_empty(), "{:?}", ev.errors);
        v
    }

    const T: &str = r#"{
        "parameters": {"nsg": {"type": "string"}, "src": {"type": "string", "defaultValue": "*"},
                       "loc": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
        "variables": {"name": "default-NSG", "both": "[concat(variables('name'), '-', parameters('src'))]",
                      "obj": {"a": [1, 2]}}
    }"#;

    #[test]
    fn parameters_variables_concat_format() {
        assert_eq!(eval(T, "parameters('src')").kind, Kind::String("*".into()));
        assert_eq!(eval(T, "variables('both')").kind, Kind::String("default-NSG-*".into()));
        assert_eq!(eval(T, "format('{0}/{1}', variables('name'), 'ssh')").kind, Kind::String("default-NSG/ssh".into()));
        assert_eq!(eval(T, "variables('obj').a[1]").kind, Kind::Number("2".into()));
        assert_eq!(eval(T, "if(equals(parameters('src'), '*'), 'any', 'some')").kind, Kind::String("any".into()));
        assert_eq!(eval(T, "greater(length(parameters('src')), 0)").kind, Kind::Bool(true));
        assert_eq!(eval(T, "toLower( 'ABC' )").kind, Kind::String("abc".into()));
    }

    #[test]
    fn unknowns_keep_a_stand_in_for_names() {
        let nsg = eval(T, "parameters('nsg')");
        let rule = eval(T, "concat(parameters('nsg'), '/allowAll')");
        let (Kind::Unknown { stand_in: Some(a), .. }, Kind::Unknown { stand_in: Some(b), reason }) =
            (&nsg.kind, &rule.kind)
        else {
            panic!("unknown expected: {nsg:?} {rule:?}")
        };
        assert_eq!(a, "{parameters('nsg')}");
        assert_eq!(b, "{parameters('nsg')}/allowAll");
        assert!(reason.contains("no defaultValue"));
        let fmt = eval(T, "format('{0}/x', parameters('nsg'))");
        assert!(matches!(fmt.kind, Kind::Unknown { stand_in: Some(ref text), .. } if text == "{parameters('nsg')}/x"));
        let loc = eval(T, "parameters('loc')");
        assert!(matches!(loc.kind, Kind::Unknown { ref reason, .. } if reason.contains("resourcegroup()")));
    }

    #[test]
    fn parse_errors_and_escapes() {
        assert!(parse("concat('a'").is_err());
        assert!(parse("concat('it''s')").is_ok());
        assert_eq!(expression_of("[[notAnExpression]"), None);
        assert_eq!(expression_of("[variables('x')]"), Some("variables('x')"));
        assert!(parse(&"f(".repeat(1000)).is_err(), "deep nesting is refused, not a stack overflow");
    }
}
