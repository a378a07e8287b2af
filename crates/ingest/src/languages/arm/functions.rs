//! The template functions applied to evaluated arguments, shared by ARM
//! expressions and Bicep.

use super::{name_text, type_name};
use crate::error::IngestError;
use portcullis_model::Span;
use portcullis_syntax::{Kind, Value};

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
                    Some(v) if fmt_spec.is_none() => match name_text(v) {
                        Some(t) => {
                            if v.is_unknown() {
                                unknown.get_or_insert_with(|| v.clone());
                            }
                            out.push_str(&t);
                        }
                        None => {
                            unknown
                                .get_or_insert_with(|| unknown_val(span, format!("`format` of {}", type_name(v)), ""));
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
        ("createobject", n) if n % 2 == 0 => {
            let mut members = Vec::with_capacity(n / 2);
            for pair in vals.chunks(2) {
                let Some(key) = pair[0].text() else {
                    return invalid(errors, span, shown, &stand_in, "`createObject` keys should be text");
                };
                members.push(portcullis_syntax::Member { key, span: pair[0].span.clone(), value: pair[1].clone() });
            }
            at(Kind::Map(members))
        }
        // Whole numbers only, as ARM's numeric functions take them; `div`
        // and `mod` truncate toward zero (template-functions-numeric).
        ("add" | "sub" | "mul" | "div" | "mod", 2) => {
            let (Some(a), Some(b)) = (num(&vals[0]), num(&vals[1])) else {
                return invalid(
                    errors,
                    span,
                    shown,
                    &stand_in,
                    "a numeric function of a value that is not a whole number",
                );
            };
            let v = match name {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => a.checked_div(b),
                _ => a.checked_rem(b),
            };
            match v {
                Some(v) => at(Kind::Number(v.to_string())),
                None => invalid(errors, span, shown, &stand_in, "arithmetic overflow or division by zero"),
            }
        }
        ("min" | "max", n) if n >= 1 => {
            let items: &[Value] = match (&vals[0].kind, n) {
                (Kind::List(a), 1) => a,
                _ => &vals,
            };
            match items.iter().map(num).collect::<Option<Vec<i64>>>() {
                Some(ns) if !ns.is_empty() => {
                    let v = if name == "min" { ns.iter().min() } else { ns.iter().max() };
                    at(Kind::Number(v.copied().unwrap_or_default().to_string()))
                }
                _ => invalid(errors, span, shown, &stand_in, "`min`/`max` of values that are not whole numbers"),
            }
        }
        // `tryGet(value, key or index, …)`: null where a step is missing.
        ("tryget", n) if n >= 2 => {
            let mut cur = vals[0].clone();
            for k in &vals[1..] {
                let next = match (&cur.kind, &k.kind) {
                    (Kind::Map(_), _) => k.text().and_then(|t| cur.get_any_case(&t).cloned()),
                    (Kind::List(a), Kind::Number(i)) => i.parse::<usize>().ok().and_then(|i| a.get(i).cloned()),
                    _ => None,
                };
                match next {
                    Some(v) => cur = v,
                    None => return at(Kind::Null),
                }
            }
            cur
        }
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
        ("resourceid", n) | ("resourceId", n) if n >= 2 => match resource_path(&vals) {
            // The id itself is known only at deployment (it holds the
            // subscription and resource group), but what it names is known:
            // the stand-in says so, and references join on it.
            Some(path) => unknown_val(span, "`resourceId()` is evaluated by Azure at deployment", path),
            None => unknown_val(span, "`resourceId()` is evaluated by Azure at deployment", stand_in.clone()),
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
pub fn truth(v: &Value) -> Option<bool> {
    match &v.kind {
        Kind::Bool(b) => Some(*b),
        Kind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Kind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub fn num(v: &Value) -> Option<i64> {
    match &v.kind {
        Kind::Number(n) => n.parse().ok(),
        _ => None,
    }
}

/// Equality as `equals` reads it: values, not positions; text without
/// regard to case is not equal (ARM compares strings exactly).
pub fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::List(x), Kind::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len() && x.iter().all(|m| y.iter().any(|n| m.key == n.key && same(&m.value, &n.value)))
        }
        (Kind::Number(x), Kind::Number(y)) => x == y,
        _ => a.kind == b.kind,
    }
}

pub fn unknown_reason(v: &Value, what: &str) -> String {
    match &v.kind {
        Kind::Unknown { reason, .. } => reason.clone(),
        _ => format!("{what} is {}", type_name(v)),
    }
}

/// What `resourceId([subscriptionId,] [resourceGroupName,] type, name1,
/// name2…)` names, as a stand-in: `{resourceId:Microsoft.Network/loadBalancers/lb/backendAddressPools/pool}`
/// (the type's segments interleaved with the names). `None` when an
/// argument is unknown or the names do not match the type's segments.
/// <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource#resourceid>
fn resource_path(vals: &[Value]) -> Option<String> {
    let texts: Vec<String> = vals.iter().map(Value::text).collect::<Option<Vec<String>>>()?;
    let at = texts.iter().position(|t| t.contains('/') && t.contains('.'))?;
    let ty = &texts[at];
    let names = &texts[at + 1..];
    let mut parts = ty.split('/');
    let namespace = parts.next()?;
    let segments: Vec<&str> = parts.collect();
    if segments.len() != names.len() {
        return None;
    }
    let mut out = format!("{{resourceId:{namespace}");
    for (seg, name) in segments.iter().zip(names) {
        out.push('/');
        out.push_str(seg);
        out.push('/');
        out.push_str(name);
    }
    out.push('}');
    Some(out)
}
