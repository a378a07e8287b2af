//! Variable type constraints (`list(object({ port = number, cidrs =
//! optional(list(string), []) }))`) and the conversions Terraform applies
//! with them.
//!
//! They matter to us because `optional(…, default)` fills in attributes a
//! caller left out, and modules commonly read those defaults into firewall
//! rules; and because a `number` variable given as `"10257"` on the command
//! line is a number. Rules: developer.hashicorp.com/terraform/language/expressions/type-constraints.

use super::value::{fmt_num, make_set, parse_num, HclKind, HclValue, MAX_WALK};
use hcl_edit::expr::{Expression, ObjectKey};

#[derive(Clone, Debug)]
pub(crate) enum Type {
    Any,
    Str,
    Num,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Obj(Vec<Attr>),
}

#[derive(Clone, Debug)]
pub(crate) struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    /// The expression of an `optional(type, default)` default.
    pub default: Option<Expression>,
}

impl Type {
    /// Whether a `--var` value for this type is taken literally as a
    /// string (primitive types) or parsed as an expression.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Str | Type::Num | Type::Bool | Type::Any)
    }
}

/// Reads a type expression. Unrecognised syntax reads as `any`: the value
/// then passes through unconverted, which is what an absent type does.
pub(crate) fn parse_type(e: &Expression) -> Type {
    parse_type_depth(e, 0)
}

fn parse_type_depth(e: &Expression, depth: u32) -> Type {
    if depth > 64 {
        return Type::Any;
    }
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Type::Str,
            "number" => Type::Num,
            "bool" => Type::Bool,
            _ => Type::Any,
        },
        Expression::Parenthesis(p) => parse_type_depth(p.inner(), depth + 1),
        Expression::FuncCall(c) => {
            let arg = |i: usize| c.args.get(i).map_or(Type::Any, |a| parse_type_depth(a, depth + 1));
            match c.name.name.as_str() {
                "list" => Type::List(Box::new(arg(0))),
                "set" => Type::Set(Box::new(arg(0))),
                "map" => Type::Map(Box::new(arg(0))),
                "tuple" => match c.args.get(0) {
                    Some(Expression::Array(a)) => {
                        Type::Tuple(a.iter().map(|x| parse_type_depth(x, depth + 1)).collect())
                    }
                    _ => Type::Any,
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
                                    f.args.get(0).map_or(Type::Any, |a| parse_type_depth(a, depth + 1)),
                                    true,
                                    f.args.get(1).cloned(),
                                ),
                                other => (parse_type_depth(other, depth + 1), false, None),
                            };
                            attrs.push(Attr { name, ty, optional, default });
                        }
                        Type::Obj(attrs)
                    }
                    _ => Type::Any,
                },
                _ => Type::Any,
            }
        }
        _ => Type::Any,
    }
}

/// Converts `v` to `ty`. `default_of` evaluates an optional attribute's
/// default expression. Errors are Terraform's "Invalid value for variable".
pub(crate) fn convert(
    v: HclValue,
    ty: &Type,
    default_of: &dyn Fn(&Expression) -> HclValue,
) -> Result<HclValue, String> {
    let mut steps = MAX_WALK;
    conv(v, ty, default_of, 0, &mut steps)
}

fn conv(
    v: HclValue,
    ty: &Type,
    default_of: &dyn Fn(&Expression) -> HclValue,
    depth: u32,
    steps: &mut u64,
) -> Result<HclValue, String> {
    if depth > 64 {
        return Ok(v);
    }
    if *steps == 0 {
        return Err("value too large to convert".into());
    }
    *steps -= 1;
    let span = v.span.clone();
    match (&v.kind, ty) {
        (_, Type::Any) | (HclKind::Unknown(_), _) | (HclKind::Null, _) | (HclKind::Resource(_), _) => Ok(v),
        (HclKind::String(_), Type::Str) | (HclKind::Number(_), Type::Num) | (HclKind::Bool(_), Type::Bool) => Ok(v),
        (HclKind::Number(n), Type::Str) => Ok(HclValue::str(fmt_num(*n), span)),
        (HclKind::Bool(b), Type::Str) => Ok(HclValue::str(b.to_string(), span)),
        (HclKind::String(s), Type::Num) => match parse_num(s) {
            Some(n) => Ok(HclValue::num(n, span)),
            None => Err(format!("a number is required, found \"{s}\"")),
        },
        (HclKind::String(s), Type::Bool) => match &**s {
            "true" => Ok(HclValue::bool(true, span)),
            "false" => Ok(HclValue::bool(false, span)),
            _ => Err(format!("a bool is required, found \"{s}\"")),
        },
        (HclKind::List(l), Type::List(t)) => {
            let items =
                l.iter().map(|x| conv(x.clone(), t, default_of, depth + 1, steps)).collect::<Result<Vec<_>, _>>()?;
            Ok(HclValue::list(items, span))
        }
        (HclKind::List(l), Type::Set(t)) => {
            let items =
                l.iter().map(|x| conv(x.clone(), t, default_of, depth + 1, steps)).collect::<Result<Vec<_>, _>>()?;
            match make_set(&items) {
                Some(s) => Ok(HclValue::list(s, span)),
                None => Ok(HclValue::list(items, span)),
            }
        }
        (HclKind::List(l), Type::Tuple(ts)) => {
            if l.len() != ts.len() {
                return Err(format!("a tuple of {} elements is required, found {}", ts.len(), l.len()));
            }
            let items = l
                .iter()
                .zip(ts)
                .map(|(x, t)| conv(x.clone(), t, default_of, depth + 1, steps))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(HclValue::list(items, span))
        }
        (HclKind::Object(o), Type::Map(t)) => {
            let items = o
                .iter()
                .map(|(k, x)| Ok((k.clone(), conv(x.clone(), t, default_of, depth + 1, steps)?)))
                .collect::<Result<Vec<_>, String>>()?;
            Ok(HclValue::obj(items, span))
        }
        (HclKind::Object(_), Type::Obj(attrs)) => {
            let mut out = Vec::with_capacity(attrs.len());
            for a in attrs {
                let given = v.get(&a.name).filter(|x| !matches!(x.kind, HclKind::Null)).cloned();
                let val = match (given, &a.default) {
                    (Some(x), _) => conv(x, &a.ty, default_of, depth + 1, steps)?,
                    (None, Some(d)) if a.optional => conv(default_of(d), &a.ty, default_of, depth + 1, steps)?,
                    (None, _) if a.optional => HclValue::null(span.clone()),
                    (None, _) => match v.get(&a.name) {
                        Some(x) => x.clone(),
                        None => return Err(format!("attribute \"{}\" is required", a.name)),
                    },
                };
                out.push((a.name.clone(), val));
            }
            Ok(HclValue::obj(out, span))
        }
        (HclKind::Object(o), Type::List(_) | Type::Set(_)) if o.is_empty() => Ok(HclValue::list(Vec::new(), span)),
        (_, t) => Err(format!("{} is required, found {}", ty_name(t), v.type_name())),
    }
}

fn ty_name(t: &Type) -> &'static str {
    match t {
        Type::Any => "any value",
        Type::Str => "a string",
        Type::Num => "a number",
        Type::Bool => "a bool",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Tuple(_) => "a tuple",
        Type::Obj(_) => "an object",
    }
}
