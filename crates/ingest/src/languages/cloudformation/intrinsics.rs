//! Evaluates CloudFormation intrinsic functions as far as the template
//! itself can tell, the rest becoming unknown with the reason.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>.
//!
//! - `Ref` to a parameter is its value: the one given by the user, else the
//!   parameter's `Default` (what the stack gets when nobody overrides it;
//!   the peers read templates the same way). `List<…>` and
//!   `CommaDelimitedList` parameters are lists. Without either, unknown.
//!   SSM parameter types (`AWS::SSM::Parameter::Value<…>`) are read from
//!   Parameter Store at deployment: unknown.
//! - `Ref` to a resource, and `Fn::GetAtt`, name that resource
//!   ([`Kind::Resource`]): an adapter that expects a reference (a group id, a
//!   network ACL id) resolves it to the resource; where text is needed
//!   (a CIDR), it is unknown — the value exists only after deployment.
//! - `AWS::NoValue` removes the property or list element; other pseudo
//!   parameters (`AWS::Region`, `AWS::AccountId`…) are unknown.
//! - `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`,
//!   `Fn::If` and the condition functions (`Fn::Equals`, `Fn::Not`,
//!   `Fn::And`, `Fn::Or`, `Condition`) are evaluated when their inputs are
//!   known. `Fn::And` with one false input is false, `Fn::Or` with one true
//!   input is true, whatever the others.
//! - `Fn::ImportValue`, `Fn::GetAZs`, `Fn::Cidr`, `Fn::Base64` and every
//!   other function are unknown, with the reason.

use super::template::intrinsic;
use crate::error::IngestError;
use portcullis_model::Span;
use portcullis_syntax::{Kind, Member, Value};
use std::collections::BTreeMap;

/// A whole number, from a number or a numeric string (CloudFormation
/// converts between them).
pub fn integer(v: &Value) -> Option<i64> {
    match &v.kind {
        Kind::Number(s) | Kind::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Why a value is not text: its reason when unknown; a resource named by
/// `Ref` or `Fn::GetAtt` exists only after deployment.
pub fn why_unknown(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Unknown { reason, .. } => Some(reason.clone()),
        Kind::Resource { id, attribute: None } => Some(format!("`Ref` to resource {id}: known only after deployment")),
        Kind::Resource { id, attribute: Some(a) } => {
            Some(format!("`Fn::GetAtt` {id}.{a}: known only after deployment"))
        }
        _ => None,
    }
}

/// The parts of a template the evaluator needs.
pub struct Evaluator<'a> {
    params: BTreeMap<&'a str, &'a Value>,
    /// Values given by the user (a parameters file), by name.
    given: BTreeMap<String, String>,
    mappings: Option<&'a Value>,
    conditions: BTreeMap<&'a str, &'a Value>,
    /// Resource logical ids and their types.
    pub resources: BTreeMap<&'a str, &'a str>,
    /// Resources that expand into others the template does not show: Rain
    /// modules (`Type: !Rain::Module path`, named by prefix), and whether
    /// `Fn::ForEach` loops generate resources.
    modules: Vec<&'a str>,
    loops: bool,
    cond_cache: BTreeMap<String, Result<bool, String>>,
    cond_stack: Vec<String>,
    depth: usize,
    pub errors: Vec<IngestError>,
}

/// `Fn::GetAtt` attributes that are one resource id, the same as the
/// resource's `Ref` for the types read here.
pub const SINGLE_ID_ATTRS: &[&str] = &["GroupId", "Id", "SubnetId", "VpcId", "PrefixListId", "NetworkAclId"];

/// Deepest nesting of function calls evaluated.
const MAX_DEPTH: usize = 64;

fn section<'a>(root: &'a Value, key: &str) -> Vec<(&'a str, &'a Value)> {
    root.get(key)
        .and_then(Value::as_map)
        .map(|m| m.iter().map(|m| (m.key.as_str(), &m.value)).collect())
        .unwrap_or_default()
}

impl<'a> Evaluator<'a> {
    pub fn new(root: &'a Value, given: BTreeMap<String, String>) -> Self {
        let all = section(root, "Resources");
        let loops = all.iter().any(|(k, _)| k.starts_with("Fn::ForEach"));
        let modules =
            all.iter().filter(|(_, v)| v.get("Type").is_some_and(|t| t.as_map().is_some())).map(|(k, _)| *k).collect();
        let resources = all
            .into_iter()
            .filter(|(k, _)| !k.starts_with("Fn::ForEach"))
            .map(|(k, v)| (k, v.get("Type").and_then(Value::as_str).unwrap_or("")))
            .collect();
        Evaluator {
            params: section(root, "Parameters").into_iter().collect(),
            given,
            mappings: root.get("Mappings"),
            conditions: section(root, "Conditions").into_iter().collect(),
            resources,
            modules,
            loops,
            cond_cache: BTreeMap::new(),
            cond_stack: Vec::new(),
            depth: 0,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, span: &Span, message: String) {
        self.errors.push(IngestError::invalid(span, message));
    }

    fn unknown(span: &Span, reason: impl Into<String>) -> Value {
        Value { kind: Kind::Unknown { reason: reason.into(), stand_in: None }, span: span.clone() }
    }

    /// Evaluates a node: literals stay, functions are applied.
    pub fn eval(&mut self, n: &Value) -> Value {
        if self.depth >= MAX_DEPTH {
            return Self::unknown(&n.span, "functions nested too deeply to evaluate");
        }
        self.depth += 1;
        let v = self.eval_inner(n);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, n: &Value) -> Value {
        let span = n.span.clone();
        if let Some((f, arg)) = intrinsic(n) {
            if f != "Condition" {
                return self.call(f, arg, &span);
            }
        }
        let v = match &n.kind {
            Kind::Null => Kind::Null,
            Kind::Bool(b) => Kind::Bool(*b),
            Kind::Number(s) => Kind::Number(s.clone()),
            Kind::String(s) => Kind::String(s.clone()),
            Kind::List(l) => Kind::List(l.iter().map(|i| self.eval(i)).filter(|v| v.kind != Kind::Removed).collect()),
            Kind::Map(m) => Kind::Map(
                m.iter()
                    .map(|m| Member { key: m.key.clone(), span: m.span.clone(), value: self.eval(&m.value) })
                    .filter(|m| m.value.kind != Kind::Removed)
                    .collect(),
            ),
            // Evaluated values (a loader never makes them) stand for themselves.
            Kind::Resource { .. } | Kind::Removed | Kind::Unknown { .. } => n.kind.clone(),
        };
        Value { kind: v, span }
    }

    fn call(&mut self, f: &str, arg: &Value, span: &Span) -> Value {
        match f {
            "Ref" => self.reference(arg, span),
            "Fn::GetAtt" => self.get_att(arg, span),
            "Fn::Sub" => self.sub(arg, span),
            "Fn::Join" => self.join(arg, span),
            "Fn::Select" => self.select(arg, span),
            "Fn::Split" => self.split(arg, span),
            "Fn::If" => self.conditional(arg, span),
            "Fn::FindInMap" => self.find_in_map(arg, span),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => match self.condition_call(f, arg, span) {
                Ok(b) => Value { kind: Kind::Bool(b), span: span.clone() },
                Err(r) => Self::unknown(span, r),
            },
            "Fn::ImportValue" => Self::unknown(span, "`Fn::ImportValue`: exported by another stack"),
            "Fn::GetAZs" => Self::unknown(span, "`Fn::GetAZs`: the region's zones are known only at deployment"),
            other => Self::unknown(span, format!("`{other}` is not evaluated")),
        }
    }

    fn reference(&mut self, arg: &Value, span: &Span) -> Value {
        let Some(name) = arg.as_str() else {
            self.error(span, format!("`Ref` takes the name of a parameter or resource, found {}", arg.type_name()));
            return Self::unknown(span, "invalid `Ref`");
        };
        self.ref_name(name, span)
    }

    fn ref_name(&mut self, name: &str, span: &Span) -> Value {
        if name == "AWS::NoValue" {
            return Value { kind: Kind::Removed, span: span.clone() };
        }
        if name.starts_with("AWS::") {
            return Self::unknown(span, format!("pseudo parameter {name}: known only at deployment"));
        }
        if let Some(&p) = self.params.get(name) {
            return self.parameter(name, p, span);
        }
        if self.resources.contains_key(name) {
            return Value { kind: Kind::Resource { id: name.to_string(), attribute: None }, span: span.clone() };
        }
        if let Some(reason) = self.generated(name) {
            return Self::unknown(span, reason);
        }
        self.error(span, format!("`Ref` to {name}, which is not a parameter or resource of the template"));
        Self::unknown(span, format!("`Ref` to {name}, which the template does not define"))
    }

    /// Why a name the template does not define may still exist: a module
    /// or loop the template expands at deployment.
    fn generated(&self, name: &str) -> Option<String> {
        if let Some(m) = self.modules.iter().find(|m| name.starts_with(**m)) {
            return Some(format!("{name} comes from module {m}, which is not read"));
        }
        self.loops.then(|| format!("{name} may be generated by `Fn::ForEach`, which is not evaluated"))
    }

    fn parameter(&mut self, name: &str, p: &Value, span: &Span) -> Value {
        let ty = p.get("Type").and_then(Value::as_str).unwrap_or("String");
        if ty.starts_with("AWS::SSM::Parameter::Value") {
            return Self::unknown(span, format!("parameter {name} is read from SSM Parameter Store at deployment"));
        }
        let is_list = ty.starts_with("List<") || ty == "CommaDelimitedList";
        let text = match self.given.get(name) {
            Some(t) => t.clone(),
            None => match p.get("Default") {
                Some(d) => match &d.kind {
                    Kind::String(s) | Kind::Number(s) => s.clone(),
                    Kind::Bool(b) => b.to_string(),
                    Kind::List(items) if is_list => {
                        let parts: Vec<String> = items.iter().filter_map(|i| i.as_text().map(str::to_string)).collect();
                        parts.join(",")
                    }
                    _ => {
                        self.error(&d.span, format!("parameter {name}: `Default` should be a string"));
                        return Self::unknown(span, format!("parameter {name} has an invalid `Default`"));
                    }
                },
                None => {
                    return Self::unknown(
                        span,
                        format!("parameter {name} has no `Default`: its value is given at deployment"),
                    )
                }
            },
        };
        let v = if is_list {
            Kind::List(
                text.split(',')
                    .map(|s| Value { kind: Kind::String(s.trim().to_string()), span: span.clone() })
                    .collect(),
            )
        } else {
            Kind::String(text)
        };
        Value { kind: v, span: span.clone() }
    }

    fn get_att(&mut self, arg: &Value, span: &Span) -> Value {
        let (res, attr) = match &arg.kind {
            Kind::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), Some(a.to_string())),
                None => (s.clone(), None),
            },
            Kind::List(l) if l.len() == 2 => {
                let attr = self.eval(&l[1]).text();
                match l[0].as_str() {
                    Some(r) => (r.to_string(), attr),
                    None => (String::new(), None),
                }
            }
            _ => (String::new(), None),
        };
        let Some(attr) = attr.filter(|_| !res.is_empty()) else {
            self.error(span, "`Fn::GetAtt` takes [resource, attribute] or \"resource.attribute\"".into());
            return Self::unknown(span, "invalid `Fn::GetAtt`");
        };
        if !self.resources.contains_key(res.as_str()) {
            if let Some(reason) = self.generated(&res) {
                return Self::unknown(span, reason);
            }
            self.error(span, format!("`Fn::GetAtt` names {res}, which is not a resource of the template"));
            return Self::unknown(span, format!("`Fn::GetAtt` of {res}, which the template does not define"));
        }
        Value { kind: Kind::Resource { id: res, attribute: Some(attr) }, span: span.clone() }
    }

    /// `${Name}`, `${Resource.Attr}`, `${!Literal}` in a string.
    fn sub(&mut self, arg: &Value, span: &Span) -> Value {
        let (template, vars) = match &arg.kind {
            Kind::String(s) => (s.as_str(), None),
            Kind::List(l) if l.len() == 2 && l[0].as_str().is_some() => (l[0].as_str().unwrap_or(""), Some(&l[1])),
            _ => {
                self.error(span, "`Fn::Sub` takes a string, or [string, {variables}]".into());
                return Self::unknown(span, "invalid `Fn::Sub`");
            }
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let name = name.trim();
            let value = match vars.and_then(|m| m.get(name)) {
                Some(n) => self.eval(n),
                None if self.params.contains_key(name) || name.starts_with("AWS::") => self.ref_name(name, span),
                None => match name.split_once('.') {
                    Some((r, a)) if self.resources.contains_key(r) => Value {
                        kind: Kind::Resource { id: r.to_string(), attribute: Some(a.to_string()) },
                        span: span.clone(),
                    },
                    _ if self.resources.contains_key(name) => {
                        Value { kind: Kind::Resource { id: name.to_string(), attribute: None }, span: span.clone() }
                    }
                    _ if self.generated(name).is_some() => {
                        Self::unknown(span, self.generated(name).unwrap_or_default())
                    }
                    _ => {
                        self.error(span, format!("`Fn::Sub` names ${{{name}}}, which the template does not define"));
                        Self::unknown(span, format!("`Fn::Sub` variable {name} is not defined"))
                    }
                },
            };
            match value.text() {
                Some(t) => out.push_str(&t),
                None => {
                    let reason = why_unknown(&value).unwrap_or_else(|| format!("${{{name}}} is {}", value.type_name()));
                    return Self::unknown(span, reason);
                }
            }
        }
        out.push_str(rest);
        Value { kind: Kind::String(out), span: span.clone() }
    }

    fn list_of(&mut self, n: &Value) -> Result<Vec<Value>, Value> {
        let v = self.eval(n);
        match v.kind {
            Kind::List(l) => Ok(l),
            Kind::Unknown { .. } | Kind::Resource { .. } => Err(v),
            _ => {
                let reason = format!("expected a list, found {}", v.type_name());
                Err(Value::unknown(reason, v.span))
            }
        }
    }

    fn join(&mut self, arg: &Value, span: &Span) -> Value {
        let Kind::List(l) = &arg.kind else {
            self.error(span, "`Fn::Join` takes [delimiter, [values]]".into());
            return Self::unknown(span, "invalid `Fn::Join`");
        };
        if l.len() != 2 {
            self.error(span, "`Fn::Join` takes [delimiter, [values]]".into());
            return Self::unknown(span, "invalid `Fn::Join`");
        }
        let delim = self.eval(&l[0]).text().unwrap_or_default();
        let items = match self.list_of(&l[1]) {
            Ok(items) => items,
            Err(v) => return Self::unknown(span, why_unknown(&v).unwrap_or_else(|| "not a list".into())),
        };
        let mut parts = Vec::with_capacity(items.len());
        for i in &items {
            match i.text() {
                Some(t) => parts.push(t),
                None => {
                    let r = why_unknown(i).unwrap_or_else(|| format!("a joined value is {}", i.type_name()));
                    return Self::unknown(span, r);
                }
            }
        }
        Value { kind: Kind::String(parts.join(&delim)), span: span.clone() }
    }

    fn select(&mut self, arg: &Value, span: &Span) -> Value {
        let Kind::List(l) = &arg.kind else {
            self.error(span, "`Fn::Select` takes [index, [values]]".into());
            return Self::unknown(span, "invalid `Fn::Select`");
        };
        if l.len() != 2 {
            self.error(span, "`Fn::Select` takes [index, [values]]".into());
            return Self::unknown(span, "invalid `Fn::Select`");
        }
        let idx = self.eval(&l[0]);
        let Some(i) = integer(&idx) else {
            return Self::unknown(
                span,
                why_unknown(&idx).unwrap_or_else(|| "`Fn::Select` index is not a number".into()),
            );
        };
        match self.list_of(&l[1]) {
            Ok(items) => match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                Some(v) => v.clone(),
                None => {
                    self.error(span, format!("`Fn::Select` index {i} is outside the list of {}", items.len()));
                    Self::unknown(span, format!("`Fn::Select` index {i} out of range"))
                }
            },
            Err(v) => Self::unknown(span, why_unknown(&v).unwrap_or_else(|| "not a list".into())),
        }
    }

    fn split(&mut self, arg: &Value, span: &Span) -> Value {
        let Kind::List(l) = &arg.kind else {
            self.error(span, "`Fn::Split` takes [delimiter, string]".into());
            return Self::unknown(span, "invalid `Fn::Split`");
        };
        if l.len() != 2 {
            self.error(span, "`Fn::Split` takes [delimiter, string]".into());
            return Self::unknown(span, "invalid `Fn::Split`");
        }
        let delim = self.eval(&l[0]).text().unwrap_or_default();
        let src = self.eval(&l[1]);
        // `!Split [",", !GetAtt Group.GroupId]` makes a list of one id: an
        // id has no delimiter in it.
        if let Kind::Resource { attribute, .. } = &src.kind {
            if attribute.as_deref().is_none_or(|a| SINGLE_ID_ATTRS.contains(&a)) {
                return Value::new(Kind::List(vec![src]), span.clone());
            }
        }
        let kind = match src.text() {
            Some(t) if !delim.is_empty() => Kind::List(
                t.split(delim.as_str())
                    .map(|p| Value { kind: Kind::String(p.to_string()), span: span.clone() })
                    .collect(),
            ),
            Some(t) => Kind::List(vec![Value { kind: Kind::String(t), span: span.clone() }]),
            None => {
                let reason = why_unknown(&src).unwrap_or_else(|| "`Fn::Split` of a value that is not text".into());
                Kind::Unknown { reason, stand_in: None }
            }
        };
        Value::new(kind, span.clone())
    }

    fn conditional(&mut self, arg: &Value, span: &Span) -> Value {
        let Kind::List(l) = &arg.kind else {
            self.error(span, "`Fn::If` takes [condition, value if true, value if false]".into());
            return Self::unknown(span, "invalid `Fn::If`");
        };
        if l.len() != 3 {
            self.error(span, "`Fn::If` takes [condition, value if true, value if false]".into());
            return Self::unknown(span, "invalid `Fn::If`");
        }
        let Some(name) = l[0].as_str() else {
            self.error(&l[0].span, "`Fn::If` names a condition by its name".into());
            return Self::unknown(span, "invalid `Fn::If`");
        };
        match self.condition(name, &l[0].span) {
            Ok(true) => self.eval(&l[1]),
            Ok(false) => self.eval(&l[2]),
            Err(reason) => {
                // Both branches alike: the condition does not matter.
                let (a, b) = (self.eval(&l[1]), self.eval(&l[2]));
                if a.kind == b.kind {
                    a
                } else {
                    Self::unknown(span, reason)
                }
            }
        }
    }

    fn find_in_map(&mut self, arg: &Value, span: &Span) -> Value {
        let Kind::List(l) = &arg.kind else {
            self.error(span, "`Fn::FindInMap` takes [map, top-level key, second-level key]".into());
            return Self::unknown(span, "invalid `Fn::FindInMap`");
        };
        if !(3..=4).contains(&l.len()) {
            self.error(span, "`Fn::FindInMap` takes [map, top-level key, second-level key]".into());
            return Self::unknown(span, "invalid `Fn::FindInMap`");
        }
        let mut keys = Vec::with_capacity(3);
        for k in &l[..3] {
            let v = self.eval(k);
            match v.text() {
                Some(t) => keys.push(t),
                None => {
                    let r = why_unknown(&v).unwrap_or_else(|| "`Fn::FindInMap` key is not text".into());
                    return Self::unknown(span, r);
                }
            }
        }
        let found =
            self.mappings.and_then(|m| m.get(&keys[0])).and_then(|m| m.get(&keys[1])).and_then(|m| m.get(&keys[2]));
        match found {
            Some(n) => {
                let mut v = self.eval(n);
                v.span = span.clone();
                v
            }
            None => {
                // The language extension's default value.
                if let Some(d) = l.get(3).and_then(|d| d.get("DefaultValue")) {
                    return self.eval(d);
                }
                self.error(span, format!("`Fn::FindInMap`: {}.{}.{} is not in `Mappings`", keys[0], keys[1], keys[2]));
                Self::unknown(span, format!("{}.{}.{} is not in `Mappings`", keys[0], keys[1], keys[2]))
            }
        }
    }

    /// A named condition of the `Conditions` section.
    pub(crate) fn condition(&mut self, name: &str, span: &Span) -> Result<bool, String> {
        if let Some(r) = self.cond_cache.get(name) {
            return r.clone();
        }
        let Some(&node) = self.conditions.get(name) else {
            self.error(span, format!("condition {name} is not defined in `Conditions`"));
            return Err(format!("condition {name} is not defined"));
        };
        if self.cond_stack.iter().any(|c| c == name) {
            self.error(span, format!("condition {name} refers to itself"));
            return Err(format!("condition {name} refers to itself"));
        }
        self.cond_stack.push(name.to_string());
        let r = self.cond_node(node).map_err(|r| format!("condition {name}: {r}"));
        self.cond_stack.pop();
        self.cond_cache.insert(name.to_string(), r.clone());
        r
    }

    fn cond_node(&mut self, n: &Value) -> Result<bool, String> {
        if let Some((f, arg)) = intrinsic(n) {
            return self.condition_call(f, arg, &n.span);
        }
        match &n.kind {
            Kind::Bool(b) => Ok(*b),
            Kind::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Kind::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            _ => {
                self.error(&n.span, format!("a condition should be a condition function, found {}", n.type_name()));
                Err("invalid condition".into())
            }
        }
    }

    fn condition_call(&mut self, f: &str, arg: &Value, span: &Span) -> Result<bool, String> {
        if self.depth >= MAX_DEPTH {
            return Err("conditions nested too deeply to evaluate".into());
        }
        self.depth += 1;
        let r = self.condition_call_inner(f, arg, span);
        self.depth -= 1;
        r
    }

    fn condition_call_inner(&mut self, f: &str, arg: &Value, span: &Span) -> Result<bool, String> {
        let list = match &arg.kind {
            Kind::List(l) => l.as_slice(),
            _ if f == "Condition" => &[],
            _ => {
                self.error(span, format!("`{f}` takes a list"));
                return Err(format!("invalid `{f}`"));
            }
        };
        match f {
            "Condition" => match arg.as_str() {
                Some(name) => self.condition(name, span),
                None => {
                    self.error(span, "`Condition` takes a condition name".into());
                    Err("invalid `Condition`".into())
                }
            },
            "Fn::Equals" => {
                if list.len() != 2 {
                    self.error(span, "`Fn::Equals` takes two values".into());
                    return Err("invalid `Fn::Equals`".into());
                }
                let (a, b) = (self.eval(&list[0]), self.eval(&list[1]));
                match (comparable(&a), comparable(&b)) {
                    (Some(x), Some(y)) => Ok(x == y),
                    _ => Err(why_unknown(&a)
                        .or_else(|| why_unknown(&b))
                        .unwrap_or_else(|| "values not comparable".into())),
                }
            }
            "Fn::Not" => {
                if list.len() != 1 {
                    self.error(span, "`Fn::Not` takes one condition".into());
                    return Err("invalid `Fn::Not`".into());
                }
                self.cond_node(&list[0]).map(|b| !b)
            }
            "Fn::And" | "Fn::Or" => {
                let decisive = f == "Fn::Or";
                let mut unknown = None;
                for c in list {
                    match self.cond_node(c) {
                        Ok(b) if b == decisive => return Ok(decisive),
                        Ok(_) => {}
                        Err(r) => {
                            unknown.get_or_insert(r);
                        }
                    }
                }
                unknown.map_or(Ok(!decisive), Err)
            }
            other => {
                self.error(span, format!("`{other}` is not a condition function"));
                Err(format!("`{other}` is not a condition function"))
            }
        }
    }
}

/// A value compared by `Fn::Equals`: text, or a list of texts.
fn comparable(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::List(l) => l.iter().map(Value::text).collect::<Option<Vec<_>>>().map(|t| t.join("\u{1f}")),
        Kind::Null | Kind::Removed => Some(String::new()),
        _ => v.text(),
    }
}
