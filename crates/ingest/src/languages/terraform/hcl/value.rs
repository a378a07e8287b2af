//! The evaluator's own values: Terraform's value model while it computes,
//! turned into [`Value`]s only at the end.
//!
//! They differ from [`Value`] in two ways that matter during evaluation:
//! collections are shared (`Rc`), so reading a local a thousand times costs
//! nothing, and a reference to a managed resource instance stays a handle
//! ([`HclKind::Resource`]) until an attribute is read from it, because only then can we
//! tell a value written in configuration from one known only after apply.

use portcullis_model::Span;
use portcullis_syntax::{Kind, Member, Value};
use std::cmp::Ordering;
use std::rc::Rc;

/// One value and the expression that produced it.
#[derive(Clone, Debug)]
pub(crate) struct HclValue {
    pub kind: HclKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(crate) enum HclKind {
    Null,
    Bool(bool),
    /// Terraform numbers are arbitrary-precision decimals; `f64` is exact
    /// for every port, protocol number and count that configurations hold.
    Number(f64),
    String(Rc<str>),
    /// Lists, tuples and sets (sets are kept sorted and without duplicates).
    List(Rc<Vec<HclValue>>),
    /// Objects and maps, in the order they were built.
    Object(Rc<Vec<(String, HclValue)>>),
    /// Not known before apply, or not evaluable here; the string says why.
    Unknown(Rc<str>),
    /// A managed resource instance, read attribute by attribute.
    Resource(Rc<ResourceHandle>),
}

/// A handle on one instance of a managed resource.
#[derive(Debug)]
pub(crate) struct ResourceHandle {
    /// The module instance the resource lives in.
    pub inst: usize,
    /// Index of the resource in that module's declarations.
    pub res: usize,
    /// Full address (`module.m.aws_security_group.x[0]`).
    pub addr: String,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum InstanceKey {
    None,
    Int(i64),
    Str(String),
    /// count/for_each not known: one instance stands for all of them.
    Unknown,
}

impl InstanceKey {
    /// Terraform's address suffix: `[0]`, `["a"]`, or nothing.
    pub fn suffix(&self) -> String {
        match self {
            InstanceKey::None | InstanceKey::Unknown => String::new(),
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{}]", quote(s)),
        }
    }
}

/// A string as Terraform writes it in addresses and `%q`: double quotes,
/// backslash escapes.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl HclValue {
    pub fn new(k: HclKind, span: Span) -> HclValue {
        HclValue { kind: k, span }
    }
    pub fn null(span: Span) -> HclValue {
        HclValue::new(HclKind::Null, span)
    }
    pub fn unknown(reason: impl Into<String>, span: Span) -> HclValue {
        let r: String = reason.into();
        HclValue::new(HclKind::Unknown(Rc::from(r)), span)
    }
    pub fn str(s: impl Into<String>, span: Span) -> HclValue {
        let s: String = s.into();
        HclValue::new(HclKind::String(Rc::from(s)), span)
    }
    pub fn num(n: f64, span: Span) -> HclValue {
        HclValue::new(HclKind::Number(n), span)
    }
    pub fn bool(b: bool, span: Span) -> HclValue {
        HclValue::new(HclKind::Bool(b), span)
    }
    pub fn list(items: Vec<HclValue>, span: Span) -> HclValue {
        HclValue::new(HclKind::List(Rc::new(items)), span)
    }
    pub fn obj(items: Vec<(String, HclValue)>, span: Span) -> HclValue {
        HclValue::new(HclKind::Object(Rc::new(items)), span)
    }
    pub fn with_span(mut self, span: Span) -> HclValue {
        self.span = span;
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, HclKind::Unknown(_))
    }

    /// The reason of the first unknown inside this value (depth-first), if
    /// any part of it is unknown. A resource handle counts as unknown: its
    /// identity is only known after apply. Values share structure, so a
    /// small configuration can describe a huge value; past [`MAX_WALK`]
    /// nodes the value counts as unknown rather than being walked.
    pub fn first_unknown(&self) -> Option<Rc<str>> {
        let mut steps = MAX_WALK;
        self.first_unknown_in(&mut steps)
    }

    fn first_unknown_in(&self, steps: &mut u64) -> Option<Rc<str>> {
        if *steps == 0 {
            return Some(Rc::from("value too large to evaluate"));
        }
        *steps -= 1;
        match &self.kind {
            HclKind::Unknown(r) => Some(r.clone()),
            HclKind::Resource(r) => Some(Rc::from(format!("{} is known only after apply", r.addr))),
            HclKind::List(l) => l.iter().find_map(|v| v.first_unknown_in(steps)),
            HclKind::Object(o) => o.iter().find_map(|(_, v)| v.first_unknown_in(steps)),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            HclKind::Null => "null",
            HclKind::Bool(_) => "bool",
            HclKind::Number(_) => "number",
            HclKind::String(_) => "string",
            HclKind::List(_) => "list",
            HclKind::Object(_) => "object",
            HclKind::Unknown(_) => "unknown value",
            HclKind::Resource(_) => "resource",
        }
    }

    /// The value as a string, converting numbers and bools as Terraform does.
    pub fn to_str(&self) -> Option<String> {
        match &self.kind {
            HclKind::String(s) => Some(s.to_string()),
            HclKind::Number(n) => Some(fmt_num(*n)),
            HclKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value as a number, converting numeric strings.
    pub fn to_num(&self) -> Option<f64> {
        match &self.kind {
            HclKind::Number(n) => Some(*n),
            HclKind::String(s) => parse_num(s),
            _ => None,
        }
    }

    pub fn to_bool(&self) -> Option<bool> {
        match &self.kind {
            HclKind::Bool(b) => Some(*b),
            HclKind::String(s) if &**s == "true" => Some(true),
            HclKind::String(s) if &**s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&HclValue> {
        match &self.kind {
            HclKind::Object(o) => o.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Nodes a single walk over a value (unknown search, equality, type
/// conversion) may visit.
pub(crate) const MAX_WALK: u64 = 1_000_000;

/// Parses a number the way Terraform converts a string to a number.
pub(crate) fn parse_num(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Prints a number as Terraform does: integers without a fraction.
pub(crate) fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// An integer, if the number is one and fits.
pub(crate) fn as_int(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() <= 9.007_199_254_740_992e15).then_some(n as i64)
}

/// Terraform's `==`: same type and same value, deeply. `None` when an
/// unknown part decides the answer.
pub(crate) fn equals(a: &HclValue, b: &HclValue) -> Option<bool> {
    let mut steps = MAX_WALK;
    equals_in(a, b, &mut steps)
}

fn equals_in(a: &HclValue, b: &HclValue, steps: &mut u64) -> Option<bool> {
    if *steps == 0 {
        return None;
    }
    *steps -= 1;
    match (&a.kind, &b.kind) {
        (HclKind::Unknown(_), _) | (_, HclKind::Unknown(_)) => None,
        (HclKind::Resource(x), HclKind::Resource(y)) => {
            if x.addr == y.addr {
                Some(true)
            } else {
                None
            }
        }
        (HclKind::Resource(_), _) | (_, HclKind::Resource(_)) => None,
        (HclKind::Null, HclKind::Null) => Some(true),
        (HclKind::Bool(x), HclKind::Bool(y)) => Some(x == y),
        (HclKind::Number(x), HclKind::Number(y)) => Some(x == y),
        (HclKind::String(x), HclKind::String(y)) => Some(x == y),
        (HclKind::List(x), HclKind::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y.iter()) {
                match equals_in(p, q, steps) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        (HclKind::Object(x), HclKind::Object(y)) => {
            let xs = sorted_entries(x);
            let ys = sorted_entries(y);
            if xs.len() != ys.len() || xs.iter().zip(ys.iter()).any(|(p, q)| p.0 != q.0) {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in xs.iter().zip(ys.iter()) {
                match equals_in(p.1, q.1, steps) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        _ => Some(false),
    }
}

/// An object's entries in Terraform's iteration order (keys sorted), the
/// last of duplicate keys winning.
pub(crate) fn sorted_entries(o: &[(String, HclValue)]) -> Vec<(&str, &HclValue)> {
    let mut out: Vec<(&str, &HclValue)> = Vec::with_capacity(o.len());
    for (k, v) in o {
        if let Some(slot) = out.iter_mut().find(|(x, _)| *x == k.as_str()) {
            slot.1 = v;
        } else {
            out.push((k.as_str(), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// Order for set elements and `sort`: numbers numerically, strings
/// lexically (Terraform sorts sets of primitives this way).
pub(crate) fn cmp_prim(a: &HclValue, b: &HclValue) -> Ordering {
    match (&a.kind, &b.kind) {
        (HclKind::Number(x), HclKind::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        _ => a.to_str().unwrap_or_default().cmp(&b.to_str().unwrap_or_default()),
    }
}

/// Makes a set: duplicates removed; primitives sorted as Terraform orders
/// set elements. `None` when an unknown element makes the set unknowable.
pub(crate) fn make_set(items: &[HclValue]) -> Option<Vec<HclValue>> {
    if items.iter().any(|v| v.first_unknown().is_some()) {
        return None;
    }
    let mut out: Vec<HclValue> = Vec::new();
    // Mixed primitives unify to strings, as Terraform's set conversion does.
    let all_num = items.iter().all(|v| matches!(v.kind, HclKind::Number(_)));
    let all_prim = items.iter().all(|v| matches!(v.kind, HclKind::Number(_) | HclKind::String(_) | HclKind::Bool(_)));
    for v in items {
        let v = if all_prim && !all_num && !matches!(v.kind, HclKind::String(_)) {
            HclValue::str(v.to_str().unwrap_or_default(), v.span.clone())
        } else {
            v.clone()
        };
        if !out.iter().any(|x| equals(x, &v) == Some(true)) {
            out.push(v);
        }
    }
    if all_prim {
        out.sort_by(cmp_prim);
    }
    Some(out)
}

/// Converts to the shared [`Value`], charging `budget` one unit per node;
/// a value too large to convert becomes unknown rather than exhausting memory.
pub(crate) fn to_tf(v: &HclValue, budget: &mut u64) -> Value {
    if *budget == 0 {
        return Value::unknown("value too large to evaluate", v.span.clone());
    }
    *budget -= 1;
    let kind = match &v.kind {
        HclKind::Null => Kind::Null,
        HclKind::Bool(b) => Kind::Bool(*b),
        HclKind::Number(n) => Kind::Number(fmt_num(*n)),
        HclKind::String(s) => Kind::String(s.to_string()),
        HclKind::List(l) => Kind::List(l.iter().map(|x| to_tf(x, budget)).collect()),
        HclKind::Object(o) => {
            // A computed object has no key in the text: members are placed
            // at their values.
            let mut out: Vec<Member> = Vec::with_capacity(o.len());
            for (k, x) in o.iter() {
                let value = to_tf(x, budget);
                if let Some(slot) = out.iter_mut().find(|m| m.key == *k) {
                    slot.span = value.span.clone();
                    slot.value = value;
                } else {
                    out.push(Member { key: k.clone(), span: value.span.clone(), value });
                }
            }
            Kind::Map(out)
        }
        HclKind::Unknown(r) => Kind::Unknown { reason: r.to_string(), stand_in: None },
        HclKind::Resource(r) => {
            Kind::Unknown { reason: format!("{} is known only after apply", r.addr), stand_in: None }
        }
    };
    Value::new(kind, v.span.clone())
}
