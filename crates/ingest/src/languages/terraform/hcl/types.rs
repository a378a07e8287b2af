//! Variable type constraints (`list(object({ port = number, cidrs =
//! optional(list(string), []) }))`) and the conversions Terraform applies
//! with them.
//!
//! They matter to us because `optional(…, default)` fills in attributes a
//! caller left out, and modules commonly read those defaults into firewall
//! rules; and because a `number` variable given as `"10257"` on the command
//! line is a number. Rules: developer.hashicorp.com/terraform/language/expressions/type-constraints.

use super::value::{fmt_num, make_set, parse_num, K, MAX_WALK, V};
use hcl_edit::expr::{Expression, ObjectKey};

#[derive(Clone, Debug)]
pub(crate) enum Ty {
    Any,
    Str,
    Num,
    Bool,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
    Tuple(Vec<Ty>),
    Obj(Vec<Attr>),
}

#[derive(Clone, Debug)]
pub(crate) struct Attr {
    pub name: String,
    pub ty: Ty,
    pub optional: bool,
    /// The expression of an `optional(type, default)` default.
    pub default: Option<Expression>,
}

impl Ty {
    /// Whether a `--var` value for this type is taken literally as a
    /// string (primitive types) or parsed as an expression.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Ty::Str | Ty::Num | Ty::Bool | Ty::Any)
    }
}

/// Reads a type expression. Unrecognised syntax reads as `any`: the value
/// then passes through unconverted, which is what an absent type does.
pub(crate) fn parse_type(e: &Expression) -> Ty {
    parse_type_depth(e, 0)
}

fn parse_type_depth(e: &Expression, depth: u32) -> Ty {
    if depth > 64 {
        return Ty::Any;
    }
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ty::Str,
            "number" => Ty::Num,
            "bool" => Ty::Bool,
            _ => Ty::Any,
        },
        Expression::Parenthesis(p) => parse_type_depth(p.inner(), depth + 1),
        Expression::FuncCall(c) => {
            let arg = |i: usize| c.args.get(i).map_or(Ty::Any, |a| parse_type_depth(a, depth + 1));
            match c.name.name.as_str() {
                "list" => Ty::List(Box::new(arg(0))),
                "set" => Ty::Set(Box::new(arg(0))),
                "map" => Ty::Map(Box::new(arg(0))),
                "tuple" => match c.args.get(0) {
                    Some(Expression::Array(a)) => Ty::Tuple(a.iter().map(|x| parse_type_depth(x, depth + 1)).collect()),
                    _ => Ty::Any,
                },
                "object" => match c.args.get(0) {
                    Some(Expression::Object(o)) => {
                        let mut attrs = Vec::new();
                        for (k, v) in o.iter() {
                            let name = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                                ObjectKey::Expression(Expression::Variable(s)) => s.as_str().to_string(),
                                _ => continue,
                            };
                            let (ty, optional, default) = match v.expr() {
                                Expression::FuncCall(f) if f.name.name.as_str() == "optional" => (
                                    f.args.get(0).map_or(Ty::Any, |a| parse_type_depth(a, depth + 1)),
                                    true,
                                    f.args.get(1).cloned(),
                                ),
                                other => (parse_type_depth(other, depth + 1), false, None),
                            };
                            attrs.push(Attr { name, ty, optional, default });
                        }
                        Ty::Obj(attrs)
                    }
                    _ => Ty::Any,
                },
                _ => Ty::Any,
            }
        }
        _ => Ty::Any,
    }
}

/// Converts `v` to `ty`. `default_of` evaluates an optional attribute's
/// default expression. Errors are Terraform's "Invalid value for variable".
pub(crate) fn convert(v: V, ty: &Ty, default_of: &dyn Fn(&Expression) -> V) -> Result<V, String> {
    let mut steps = MAX_WALK;
    conv(v, ty, default_of, 0, &mut steps)
}

fn conv(v: V, ty: &Ty, default_of: &dyn Fn(&Expression) -> V, depth: u32, steps: &mut u64) -> Result<V, String> {
    if depth > 64 {
        return Ok(v);
    }
    if *steps == 0 {
        return Err("value too large to convert".into());
    }
    *steps -= 1;
    let span = v.span.clone();
    match (&v.k, ty) {
        (_, Ty::Any) | (K::Unknown(_), _) | (K::Null, _) | (K::Res(_), _) => Ok(v),
        (K::Str(_), Ty::Str) | (K::Num(_), Ty::Num) | (K::Bool(_), Ty::Bool) => Ok(v),
        (K::Num(n), Ty::Str) => Ok(V::str(fmt_num(*n), span)),
        (K::Bool(b), Ty::Str) => Ok(V::str(b.to_string(), span)),
        (K::Str(s), Ty::Num) => match parse_num(s) {
            Some(n) => Ok(V::num(n, span)),
            None => Err(format!("a number is required, found \"{s}\"")),
        },
        (K::Str(s), Ty::Bool) => match &**s {
            "true" => Ok(V::bool(true, span)),
            "false" => Ok(V::bool(false, span)),
            _ => Err(format!("a bool is required, found \"{s}\"")),
        },
        (K::List(l), Ty::List(t)) => {
            let items =
                l.iter().map(|x| conv(x.clone(), t, default_of, depth + 1, steps)).collect::<Result<Vec<_>, _>>()?;
            Ok(V::list(items, span))
        }
        (K::List(l), Ty::Set(t)) => {
            let items =
                l.iter().map(|x| conv(x.clone(), t, default_of, depth + 1, steps)).collect::<Result<Vec<_>, _>>()?;
            match make_set(&items) {
                Some(s) => Ok(V::list(s, span)),
                None => Ok(V::list(items, span)),
            }
        }
        (K::List(l), Ty::Tuple(ts)) => {
            if l.len() != ts.len() {
                return Err(format!("a tuple of {} elements is required, found {}", ts.len(), l.len()));
            }
            let items = l
                .iter()
                .zip(ts)
                .map(|(x, t)| conv(x.clone(), t, default_of, depth + 1, steps))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(V::list(items, span))
        }
        (K::Obj(o), Ty::Map(t)) => {
            let items = o
                .iter()
                .map(|(k, x)| Ok((k.clone(), conv(x.clone(), t, default_of, depth + 1, steps)?)))
                .collect::<Result<Vec<_>, String>>()?;
            Ok(V::obj(items, span))
        }
        (K::Obj(_), Ty::Obj(attrs)) => {
            let mut out = Vec::with_capacity(attrs.len());
            for a in attrs {
                let given = v.get(&a.name).filter(|x| !matches!(x.k, K::Null)).cloned();
                let val = match (given, &a.default) {
                    (Some(x), _) => conv(x, &a.ty, default_of, depth + 1, steps)?,
                    (None, Some(d)) if a.optional => conv(default_of(d), &a.ty, default_of, depth + 1, steps)?,
                    (None, _) if a.optional => V::null(span.clone()),
                    (None, _) => match v.get(&a.name) {
                        Some(x) => x.clone(),
                        None => return Err(format!("attribute \"{}\" is required", a.name)),
                    },
                };
                out.push((a.name.clone(), val));
            }
            Ok(V::obj(out, span))
        }
        (K::Obj(o), Ty::List(_) | Ty::Set(_)) if o.is_empty() => Ok(V::list(Vec::new(), span)),
        (_, t) => Err(format!("{} is required, found {}", ty_name(t), v.type_name())),
    }
}

fn ty_name(t: &Ty) -> &'static str {
    match t {
        Ty::Any => "any value",
        Ty::Str => "a string",
        Ty::Num => "a number",
        Ty::Bool => "a bool",
        Ty::List(_) => "a list",
        Ty::Set(_) => "a set",
        Ty::Map(_) => "a map",
        Ty::Tuple(_) => "a tuple",
        Ty::Obj(_) => "an object",
    }
}
