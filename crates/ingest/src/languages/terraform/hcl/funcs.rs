//! Terraform's built-in functions
//! (developer.hashicorp.com/terraform/language/functions), as far as a
//! firewall evaluation needs them, exact where implemented.
//!
//! Unknowns: a function whose answer depends on an unknown argument returns
//! unknown; one whose answer does not (`length` of a list with an unknown
//! element, `concat`, `lookup` of a known key, `coalesce` whose first
//! argument is known and non-empty) returns the answer. Functions that read
//! files, the clock or randomness are unknown by design; functions we do
//! not implement are unknown with the reason "function `x` is not
//! supported", never an error.

use super::cidr;
use super::eval::{fail, Evaluated, Evaluator, MAX_ELEMS};
use super::value::{as_int, equals, fmt_num, make_set, parse_num, quote, sorted_entries, HclKind, HclValue};
use base64::Engine as _;
use portcullis_model::Span;
use portcullis_syntax::json;
use std::rc::Rc;

/// Functions whose value is not known before apply, or that read outside
/// the configuration.
const UNKNOWABLE: &[(&str, &str)] = &[
    ("file", "reads a file"),
    ("fileexists", "reads a file"),
    ("fileset", "reads a directory"),
    ("filebase64", "reads a file"),
    ("filebase64sha256", "reads a file"),
    ("filebase64sha512", "reads a file"),
    ("filemd5", "reads a file"),
    ("filesha1", "reads a file"),
    ("filesha256", "reads a file"),
    ("filesha512", "reads a file"),
    ("templatefile", "reads a file"),
    ("timestamp", "is known only at apply time"),
    ("plantimestamp", "is known only at plan time"),
    ("uuid", "is random"),
    ("bcrypt", "is random"),
    ("abspath", "depends on the machine it runs on"),
    ("pathexpand", "depends on the machine it runs on"),
];

/// Longest string a function may build.
pub(crate) const MAX_STR: usize = 16 << 20;

fn check_str(n: usize, span: &Span) -> Evaluated<()> {
    if n > MAX_STR {
        return fail("result would be longer than 16 MiB", span);
    }
    Ok(())
}

fn arity(name: &str, args: &[HclValue], min: usize, max: usize, span: &Span) -> Evaluated<()> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return fail(format!("`{name}` takes {want} argument(s), {} given", args.len()), span);
    }
    Ok(())
}

/// The first unknown anywhere in the arguments.
fn deep_unknown(args: &[HclValue]) -> Option<Rc<str>> {
    args.iter().find_map(HclValue::first_unknown)
}

/// The first argument that is itself unknown (not merely containing one).
fn top_unknown(args: &[HclValue]) -> Option<Rc<str>> {
    args.iter().find_map(|v| match &v.kind {
        HclKind::Unknown(r) => Some(r.clone()),
        HclKind::Resource(r) => Some(Rc::from(format!("{} is known only after apply", r.addr))),
        _ => None,
    })
}

fn string(name: &str, v: &HclValue) -> Evaluated<String> {
    match &v.kind {
        HclKind::Null => fail(format!("`{name}`: argument must not be null"), &v.span),
        _ => v
            .to_str()
            .ok_or(())
            .or_else(|_| fail(format!("`{name}`: a string is required, found {}", v.type_name()), &v.span)),
    }
}

fn number(name: &str, v: &HclValue) -> Evaluated<f64> {
    v.to_num().ok_or(()).or_else(|_| fail(format!("`{name}`: a number is required, found {}", v.type_name()), &v.span))
}

fn int(name: &str, v: &HclValue) -> Evaluated<i64> {
    let n = number(name, v)?;
    as_int(n)
        .ok_or(())
        .or_else(|_| fail(format!("`{name}`: a whole number is required, found {}", fmt_num(n)), &v.span))
}

fn list<'v>(name: &str, v: &'v HclValue) -> Evaluated<&'v [HclValue]> {
    match &v.kind {
        HclKind::List(l) => Ok(l),
        _ => fail(format!("`{name}`: a list is required, found {}", v.type_name()), &v.span),
    }
}

fn obj<'v>(name: &str, v: &'v HclValue) -> Evaluated<&'v [(String, HclValue)]> {
    match &v.kind {
        HclKind::Object(o) => Ok(o),
        _ => fail(format!("`{name}`: a map or object is required, found {}", v.type_name()), &v.span),
    }
}

fn check_len(n: usize, span: &Span) -> Evaluated<()> {
    if n > MAX_ELEMS {
        return fail(format!("result would have more than {MAX_ELEMS} elements"), span);
    }
    Ok(())
}

fn regex_of(name: &str, pat: &str, span: &Span) -> Evaluated<regex::Regex> {
    regex::RegexBuilder::new(pat)
        .size_limit(1 << 20)
        .build()
        .or_else(|e| fail(format!("`{name}`: invalid regular expression: {e}"), span))
}

pub(crate) fn call(ev: &Evaluator, name: &str, args: Vec<HclValue>, span: Span) -> Evaluated<HclValue> {
    if let Some((_, why)) = UNKNOWABLE.iter().find(|(n, _)| *n == name) {
        return Ok(HclValue::unknown(format!("function `{name}` {why}"), span));
    }
    // Structural functions: an unknown element does not hide the answer.
    match name {
        "length" | "concat" | "flatten" | "keys" | "values" | "merge" | "lookup" | "element" | "slice" | "reverse"
        | "tolist" | "tomap" | "coalescelist" | "coalesce" | "zipmap" | "one" | "chunklist" | "nonsensitive"
        | "sensitive" | "type" => return structural(ev, name, args, span),
        _ => {}
    }
    if !is_known_function(name) {
        return Ok(HclValue::unknown(format!("function `{name}` is not supported"), span));
    }
    if let Some(r) = deep_unknown(&args) {
        return Ok(HclValue::unknown(r.to_string(), span));
    }
    scalar(ev, name, args, span)
}

fn is_known_function(name: &str) -> bool {
    matches!(
        name,
        "distinct"
            | "compact"
            | "toset"
            | "contains"
            | "format"
            | "formatlist"
            | "join"
            | "split"
            | "replace"
            | "lower"
            | "upper"
            | "title"
            | "trimspace"
            | "trim"
            | "trimprefix"
            | "trimsuffix"
            | "chomp"
            | "strrev"
            | "startswith"
            | "endswith"
            | "strcontains"
            | "substr"
            | "indent"
            | "cidrsubnet"
            | "cidrsubnets"
            | "cidrhost"
            | "cidrnetmask"
            | "range"
            | "jsondecode"
            | "jsonencode"
            | "tostring"
            | "tonumber"
            | "tobool"
            | "max"
            | "min"
            | "abs"
            | "ceil"
            | "floor"
            | "signum"
            | "pow"
            | "parseint"
            | "sort"
            | "sum"
            | "setunion"
            | "setintersection"
            | "setsubtract"
            | "setproduct"
            | "regex"
            | "regexall"
            | "alltrue"
            | "anytrue"
            | "index"
            | "basename"
            | "dirname"
            | "base64encode"
            | "base64decode"
            | "urlencode"
            | "matchkeys"
            | "transpose"
    )
}

fn structural(ev: &Evaluator, name: &str, args: Vec<HclValue>, span: Span) -> Evaluated<HclValue> {
    match name {
        "length" => {
            arity(name, &args, 1, 1, &span)?;
            let a = &args[0];
            Ok(match &a.kind {
                HclKind::Unknown(_) | HclKind::Resource(_) => {
                    HclValue::unknown(a.first_unknown().map(|r| r.to_string()).unwrap_or_default(), span)
                }
                HclKind::List(l) => HclValue::num(l.len() as f64, span),
                HclKind::Object(o) => HclValue::num(sorted_entries(o).len() as f64, span),
                HclKind::String(s) => HclValue::num(s.chars().count() as f64, span),
                _ => return fail(format!("`length`: cannot take the length of a {}", a.type_name()), &a.span),
            })
        }
        "concat" => {
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let mut out = Vec::new();
            for a in &args {
                out.extend(list(name, a)?.iter().cloned());
                check_len(out.len(), &span)?;
            }
            ev.tick(out.len() as u64, &span)?;
            Ok(HclValue::list(out, span))
        }
        "flatten" => {
            arity(name, &args, 1, 1, &span)?;
            let mut out = Vec::new();
            if let Some(r) = flatten_into(&args[0], &mut out, 0, &span)? {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            ev.tick(out.len() as u64, &span)?;
            Ok(HclValue::list(out, span))
        }
        "keys" | "values" => {
            arity(name, &args, 1, 1, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let o = obj(name, &args[0])?;
            let entries = sorted_entries(o);
            Ok(HclValue::list(
                entries
                    .into_iter()
                    .map(|(k, v)| if name == "keys" { HclValue::str(k, v.span.clone()) } else { v.clone() })
                    .collect(),
                span,
            ))
        }
        "merge" => {
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let mut out: Vec<(String, HclValue)> = Vec::new();
            for a in &args {
                if matches!(a.kind, HclKind::Null) {
                    continue;
                }
                for (k, v) in obj(name, a)? {
                    out.retain(|(x, _)| x != k);
                    out.push((k.clone(), v.clone()));
                }
            }
            ev.tick(out.len() as u64, &span)?;
            Ok(HclValue::obj(out, span))
        }
        "lookup" => {
            arity(name, &args, 2, 3, &span)?;
            if let Some(r) = top_unknown(&args[..2]) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let o = obj(name, &args[0])?;
            let key = string(name, &args[1])?;
            match o.iter().rev().find(|(k, _)| *k == key) {
                Some((_, v)) => Ok(v.clone()),
                None => match args.get(2) {
                    Some(d) => Ok(d.clone()),
                    None => fail(format!("`lookup`: the map has no key {}", quote(&key)), &span),
                },
            }
        }
        "element" => {
            arity(name, &args, 2, 2, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let l = list(name, &args[0])?;
            let i = int(name, &args[1])?;
            if l.is_empty() {
                return fail("`element`: cannot use element function with an empty list", &span);
            }
            if i < 0 {
                return fail("`element`: the index must not be negative", &args[1].span);
            }
            Ok(l[(i as usize) % l.len()].clone())
        }
        "slice" => {
            arity(name, &args, 3, 3, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let l = list(name, &args[0])?;
            let (s, e) = (int(name, &args[1])?, int(name, &args[2])?);
            if s < 0 || e < s || e as usize > l.len() {
                return fail(format!("`slice`: indexes {s}..{e} are out of range for a list of {}", l.len()), &span);
            }
            Ok(HclValue::list(l[s as usize..e as usize].to_vec(), span))
        }
        "reverse" => {
            arity(name, &args, 1, 1, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let mut l = list(name, &args[0])?.to_vec();
            l.reverse();
            Ok(HclValue::list(l, span))
        }
        "tolist" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Unknown(_) | HclKind::List(_) | HclKind::Null => Ok(args[0].clone().with_span(span)),
                _ => fail(format!("`tolist`: cannot convert a {} to a list", args[0].type_name()), &span),
            }
        }
        "tomap" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Unknown(_) | HclKind::Object(_) | HclKind::Null => Ok(args[0].clone().with_span(span)),
                _ => fail(format!("`tomap`: cannot convert a {} to a map", args[0].type_name()), &span),
            }
        }
        "coalescelist" => {
            for a in &args {
                match &a.kind {
                    HclKind::Unknown(_) | HclKind::Resource(_) => {
                        return Ok(HclValue::unknown(
                            a.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                            span,
                        ))
                    }
                    HclKind::List(l) if l.is_empty() => {}
                    HclKind::List(_) => return Ok(a.clone()),
                    HclKind::Null => {}
                    _ => return fail(format!("`coalescelist`: a list is required, found {}", a.type_name()), &a.span),
                }
            }
            fail("`coalescelist`: no non-empty list given", &span)
        }
        "coalesce" => {
            for a in &args {
                match &a.kind {
                    HclKind::Unknown(_) | HclKind::Resource(_) => {
                        return Ok(HclValue::unknown(
                            a.first_unknown().map(|r| r.to_string()).unwrap_or_default(),
                            span,
                        ))
                    }
                    HclKind::Null => {}
                    HclKind::String(s) if s.is_empty() => {}
                    _ => return Ok(a.clone()),
                }
            }
            fail("`coalesce`: no non-null, non-empty argument given", &span)
        }
        "zipmap" => {
            arity(name, &args, 2, 2, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let ks = list(name, &args[0])?;
            let vs = list(name, &args[1])?;
            if let Some(r) = deep_unknown(ks) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            if ks.len() != vs.len() {
                return fail(format!("`zipmap`: {} keys but {} values", ks.len(), vs.len()), &span);
            }
            let mut out: Vec<(String, HclValue)> = Vec::new();
            for (k, v) in ks.iter().zip(vs.iter()) {
                let k = string(name, k)?;
                out.retain(|(x, _)| *x != k);
                out.push((k, v.clone()));
            }
            Ok(HclValue::obj(out, span))
        }
        "one" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Unknown(_) => Ok(args[0].clone()),
                HclKind::Null => Ok(HclValue::null(span)),
                HclKind::List(l) if l.is_empty() => Ok(HclValue::null(span)),
                HclKind::List(l) if l.len() == 1 => Ok(l[0].clone()),
                HclKind::List(l) => {
                    fail(format!("`one`: the list has {} elements; at most one is allowed", l.len()), &span)
                }
                _ => fail(format!("`one`: a list is required, found {}", args[0].type_name()), &span),
            }
        }
        "chunklist" => {
            arity(name, &args, 2, 2, &span)?;
            if let Some(r) = top_unknown(&args) {
                return Ok(HclValue::unknown(r.to_string(), span));
            }
            let l = list(name, &args[0])?;
            let n = int(name, &args[1])?;
            if n < 0 {
                return fail("`chunklist`: the size must not be negative", &span);
            }
            if n == 0 {
                return Ok(HclValue::list(vec![HclValue::list(l.to_vec(), span.clone())], span));
            }
            Ok(HclValue::list(l.chunks(n as usize).map(|c| HclValue::list(c.to_vec(), span.clone())).collect(), span))
        }
        "nonsensitive" | "sensitive" => {
            arity(name, &args, 1, 1, &span)?;
            Ok(args[0].clone())
        }
        _ => Ok(HclValue::unknown(format!("function `{name}` is not supported"), span)),
    }
}

/// Flattens nested lists; `Some(reason)` if an unknown might be a list.
fn flatten_into(v: &HclValue, out: &mut Vec<HclValue>, depth: u32, span: &Span) -> Evaluated<Option<Rc<str>>> {
    if depth > 64 {
        return fail("`flatten`: lists nested too deeply", span);
    }
    match &v.kind {
        HclKind::Unknown(r) => Ok(Some(r.clone())),
        HclKind::List(l) => {
            for x in l.iter() {
                match &x.kind {
                    HclKind::List(_) | HclKind::Unknown(_) => {
                        if let Some(r) = flatten_into(x, out, depth + 1, span)? {
                            return Ok(Some(r));
                        }
                    }
                    _ => {
                        out.push(x.clone());
                        check_len(out.len(), span)?;
                    }
                }
            }
            Ok(None)
        }
        _ => fail(format!("`flatten`: a list is required, found {}", v.type_name()), &v.span),
    }
}

/// Functions whose arguments are all known.
fn scalar(ev: &Evaluator, name: &str, args: Vec<HclValue>, span: Span) -> Evaluated<HclValue> {
    let s = |i: usize| string(name, &args[i]);
    match name {
        "distinct" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            ev.tick(l.len() as u64 * l.len() as u64 / 16 + 1, &span)?;
            let mut out: Vec<HclValue> = Vec::new();
            for x in l {
                if !out.iter().any(|y| equals(x, y) == Some(true)) {
                    out.push(x.clone());
                }
            }
            Ok(HclValue::list(out, span))
        }
        "compact" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            let mut out = Vec::new();
            for x in l {
                match &x.kind {
                    HclKind::Null => {}
                    HclKind::String(s) if s.is_empty() => {}
                    _ => out.push(HclValue::str(string(name, x)?, x.span.clone())),
                }
            }
            Ok(HclValue::list(out, span))
        }
        "toset" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            ev.tick(l.len() as u64 * l.len() as u64 / 16 + 1, &span)?;
            Ok(HclValue::list(make_set(l).unwrap_or_default(), span))
        }
        "contains" => {
            arity(name, &args, 2, 2, &span)?;
            let l = list(name, &args[0])?;
            Ok(HclValue::bool(l.iter().any(|x| equals(x, &args[1]) == Some(true)), span))
        }
        "index" => {
            arity(name, &args, 2, 2, &span)?;
            let l = list(name, &args[0])?;
            match l.iter().position(|x| equals(x, &args[1]) == Some(true)) {
                Some(i) => Ok(HclValue::num(i as f64, span)),
                None => fail("`index`: item not found", &span),
            }
        }
        "format" => {
            arity(name, &args, 1, usize::MAX, &span)?;
            let f = s(0)?;
            let out = format(&f, &args[1..], &span)?;
            ev.tick(out.len() as u64 / 16, &span)?;
            Ok(HclValue::str(out, span))
        }
        "formatlist" => {
            arity(name, &args, 1, usize::MAX, &span)?;
            let f = s(0)?;
            let mut n: Option<usize> = None;
            for a in &args[1..] {
                if let HclKind::List(l) = &a.kind {
                    match n {
                        Some(m) if m != l.len() => {
                            return fail("`formatlist`: all lists must have the same length", &span)
                        }
                        _ => n = Some(l.len()),
                    }
                }
            }
            let n = n.unwrap_or(1);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let row: Vec<HclValue> = args[1..]
                    .iter()
                    .map(|a| match &a.kind {
                        HclKind::List(l) => l[i].clone(),
                        _ => a.clone(),
                    })
                    .collect();
                let line = format(&f, &row, &span)?;
                ev.tick(1 + line.len() as u64 / 16, &span)?;
                out.push(HclValue::str(line, span.clone()));
            }
            Ok(HclValue::list(out, span))
        }
        "join" => {
            arity(name, &args, 2, usize::MAX, &span)?;
            let sep = s(0)?;
            let mut parts = Vec::new();
            for a in &args[1..] {
                for x in list(name, a)? {
                    parts.push(string(name, x)?);
                }
            }
            let total = parts.iter().map(String::len).sum::<usize>() + sep.len() * parts.len();
            check_str(total, &span)?;
            ev.tick(total as u64 / 16, &span)?;
            let out = parts.join(&sep);
            Ok(HclValue::str(out, span))
        }
        "split" => {
            arity(name, &args, 2, 2, &span)?;
            let (sep, text) = (s(0)?, s(1)?);
            let n = if sep.is_empty() { text.chars().count() } else { text.matches(sep.as_str()).count() + 1 };
            check_len(n, &span)?;
            ev.tick(n as u64, &span)?;
            let parts: Vec<HclValue> = if sep.is_empty() {
                text.chars().map(|c| HclValue::str(c.to_string(), span.clone())).collect()
            } else {
                text.split(sep.as_str()).map(|p| HclValue::str(p, span.clone())).collect()
            };
            check_len(parts.len(), &span)?;
            Ok(HclValue::list(parts, span))
        }
        "replace" => {
            arity(name, &args, 3, 3, &span)?;
            let (text, find, rep) = (s(0)?, s(1)?, s(2)?);
            // Bound the result before building it: every match could
            // expand to the whole replacement.
            if find.len() > 1 && find.starts_with('/') && find.ends_with('/') {
                let re = regex_of(name, &find[1..find.len() - 1], &span)?;
                let n = re.find_iter(&text).take(MAX_STR).count();
                check_str(text.len().saturating_add(n.saturating_mul(rep.len().saturating_mul(2))), &span)?;
                let out = re.replace_all(&text, rep.as_str()).into_owned();
                check_str(out.len(), &span)?;
                ev.tick(out.len() as u64 / 16, &span)?;
                Ok(HclValue::str(out, span))
            } else {
                let n = if find.is_empty() { text.chars().count() + 1 } else { text.matches(find.as_str()).count() };
                check_str(text.len().saturating_add(n.saturating_mul(rep.len())), &span)?;
                ev.tick(text.len() as u64 / 16, &span)?;
                Ok(HclValue::str(text.replace(&find, &rep), span))
            }
        }
        "lower" => Ok(HclValue::str(s(0)?.to_lowercase(), span)),
        "upper" => Ok(HclValue::str(s(0)?.to_uppercase(), span)),
        "title" => {
            let t = s(0)?;
            let mut out = String::with_capacity(t.len());
            let mut start = true;
            for c in t.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            Ok(HclValue::str(out, span))
        }
        "trimspace" => Ok(HclValue::str(s(0)?.trim(), span)),
        "chomp" => Ok(HclValue::str(s(0)?.trim_end_matches(['\n', '\r']), span)),
        "strrev" => Ok(HclValue::str(s(0)?.chars().rev().collect::<String>(), span)),
        "trim" => {
            arity(name, &args, 2, 2, &span)?;
            let cut = s(1)?;
            Ok(HclValue::str(s(0)?.trim_matches(|c| cut.contains(c)), span))
        }
        "trimprefix" => {
            arity(name, &args, 2, 2, &span)?;
            let (t, p) = (s(0)?, s(1)?);
            Ok(HclValue::str(t.strip_prefix(p.as_str()).unwrap_or(&t), span))
        }
        "trimsuffix" => {
            arity(name, &args, 2, 2, &span)?;
            let (t, p) = (s(0)?, s(1)?);
            Ok(HclValue::str(t.strip_suffix(p.as_str()).unwrap_or(&t), span))
        }
        "startswith" | "endswith" | "strcontains" => {
            arity(name, &args, 2, 2, &span)?;
            let (t, p) = (s(0)?, s(1)?);
            let b = match name {
                "startswith" => t.starts_with(&p),
                "endswith" => t.ends_with(&p),
                _ => t.contains(&p),
            };
            Ok(HclValue::bool(b, span))
        }
        "substr" => {
            arity(name, &args, 3, 3, &span)?;
            let t: Vec<char> = s(0)?.chars().collect();
            let (mut off, len) = (int(name, &args[1])?, int(name, &args[2])?);
            let n = t.len() as i64;
            if off < 0 {
                off += n;
            }
            if off < 0 || off > n {
                return fail("`substr`: offset out of range", &span);
            }
            let end = if len < 0 { n } else { (off.saturating_add(len)).min(n) };
            Ok(HclValue::str(t[off as usize..end as usize].iter().collect::<String>(), span))
        }
        "indent" => {
            arity(name, &args, 2, 2, &span)?;
            let n = int(name, &args[0])?.clamp(0, 1024) as usize;
            let pad = " ".repeat(n);
            let t = s(1)?;
            check_str(t.len().saturating_add(t.matches('\n').count().saturating_mul(n)), &span)?;
            Ok(HclValue::str(t.replace('\n', &format!("\n{pad}")), span))
        }
        "cidrsubnet" => {
            arity(name, &args, 3, 3, &span)?;
            cidr::cidrsubnet(&s(0)?, int(name, &args[1])?, int(name, &args[2])?)
                .map(|r| HclValue::str(r, span.clone()))
                .or_else(|e| fail(format!("`cidrsubnet`: {e}"), &span))
        }
        "cidrhost" => {
            arity(name, &args, 2, 2, &span)?;
            cidr::cidrhost(&s(0)?, int(name, &args[1])?)
                .map(|r| HclValue::str(r, span.clone()))
                .or_else(|e| fail(format!("`cidrhost`: {e}"), &span))
        }
        "cidrnetmask" => {
            arity(name, &args, 1, 1, &span)?;
            cidr::cidrnetmask(&s(0)?)
                .map(|r| HclValue::str(r, span.clone()))
                .or_else(|e| fail(format!("`cidrnetmask`: {e}"), &span))
        }
        "cidrsubnets" => {
            arity(name, &args, 1, usize::MAX, &span)?;
            let bits = args[1..].iter().map(|a| int(name, a)).collect::<Evaluated<Vec<i64>>>()?;
            cidr::cidrsubnets(&s(0)?, &bits)
                .map(|r| HclValue::list(r.into_iter().map(|x| HclValue::str(x, span.clone())).collect(), span.clone()))
                .or_else(|e| fail(format!("`cidrsubnets`: {e}"), &span))
        }
        "range" => {
            arity(name, &args, 1, 3, &span)?;
            let nums = args.iter().map(|a| number(name, a)).collect::<Evaluated<Vec<f64>>>()?;
            let (start, limit, step) = match nums.as_slice() {
                [l] => (0.0, *l, 1.0),
                [s0, l] => (*s0, *l, if l >= s0 { 1.0 } else { -1.0 }),
                [s0, l, st] => (*s0, *l, *st),
                _ => return fail("`range` takes 1 to 3 arguments", &span),
            };
            if step == 0.0 {
                return fail("`range`: step must not be zero", &span);
            }
            if (step > 0.0 && limit < start) || (step < 0.0 && limit > start) {
                return fail("`range`: step goes the wrong way", &span);
            }
            let count = ((limit - start) / step).ceil();
            if !(count.is_finite()) || count > MAX_ELEMS as f64 {
                return fail(format!("`range` would produce more than {MAX_ELEMS} elements"), &span);
            }
            let count = count.max(0.0) as usize;
            ev.tick(count as u64, &span)?;
            Ok(HclValue::list((0..count).map(|i| HclValue::num(start + step * i as f64, span.clone())).collect(), span))
        }
        "jsondecode" => {
            arity(name, &args, 1, 1, &span)?;
            let t = s(0)?;
            let n = json::parse(&t, json::Options::STRICT)
                .or_else(|e| fail(format!("`jsondecode`: {}", e.message), &span))?;
            ev.tick(t.len() as u64 / 16, &span)?;
            Ok(from_json(&n, &span))
        }
        "jsonencode" => {
            arity(name, &args, 1, 1, &span)?;
            let mut out = String::new();
            to_json(&args[0], &mut out, 0, &span)?;
            Ok(HclValue::str(out, span))
        }
        "tostring" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Null => Ok(args[0].clone()),
                _ => Ok(HclValue::str(s(0)?, span)),
            }
        }
        "tonumber" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Null => Ok(args[0].clone()),
                HclKind::Number(_) => Ok(args[0].clone()),
                HclKind::String(t) => match parse_num(t) {
                    Some(n) => Ok(HclValue::num(n, span)),
                    None => fail(format!("`tonumber`: cannot convert {} to a number", quote(t)), &span),
                },
                _ => fail(format!("`tonumber`: cannot convert a {} to a number", args[0].type_name()), &span),
            }
        }
        "tobool" => {
            arity(name, &args, 1, 1, &span)?;
            match &args[0].kind {
                HclKind::Null => Ok(args[0].clone()),
                _ => match args[0].to_bool() {
                    Some(b) => Ok(HclValue::bool(b, span)),
                    None => fail(format!("`tobool`: cannot convert a {} to a bool", args[0].type_name()), &span),
                },
            }
        }
        "max" | "min" => {
            arity(name, &args, 1, usize::MAX, &span)?;
            let nums = args.iter().map(|a| number(name, a)).collect::<Evaluated<Vec<f64>>>()?;
            let r = nums.iter().copied().fold(if name == "max" { f64::NEG_INFINITY } else { f64::INFINITY }, |a, b| {
                if name == "max" {
                    a.max(b)
                } else {
                    a.min(b)
                }
            });
            Ok(HclValue::num(r, span))
        }
        "abs" => Ok(HclValue::num(number(name, &args[0])?.abs(), span)),
        "ceil" => Ok(HclValue::num(number(name, &args[0])?.ceil(), span)),
        "floor" => Ok(HclValue::num(number(name, &args[0])?.floor(), span)),
        "signum" => {
            let n = number(name, &args[0])?;
            Ok(HclValue::num(
                if n > 0.0 {
                    1.0
                } else if n < 0.0 {
                    -1.0
                } else {
                    0.0
                },
                span,
            ))
        }
        "pow" => {
            arity(name, &args, 2, 2, &span)?;
            let r = number(name, &args[0])?.powf(number(name, &args[1])?);
            if !r.is_finite() {
                return fail("`pow`: result out of range", &span);
            }
            Ok(HclValue::num(r, span))
        }
        "parseint" => {
            arity(name, &args, 2, 2, &span)?;
            let base = int(name, &args[1])?;
            if !(2..=62).contains(&base) || base > 36 {
                return fail("`parseint`: base must be between 2 and 36", &span);
            }
            match i64::from_str_radix(&s(0)?, base as u32) {
                Ok(n) => Ok(HclValue::num(n as f64, span)),
                Err(_) => fail(format!("`parseint`: cannot parse {} in base {base}", quote(&s(0)?)), &span),
            }
        }
        "sort" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            let mut out = l
                .iter()
                .map(|x| string(name, x).map(|t| HclValue::str(t, x.span.clone())))
                .collect::<Evaluated<Vec<HclValue>>>()?;
            out.sort_by_key(HclValue::to_str);
            Ok(HclValue::list(out, span))
        }
        "sum" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            if l.is_empty() {
                return fail("`sum`: cannot sum an empty list", &span);
            }
            let mut t = 0.0;
            for x in l {
                t += number(name, x)?;
            }
            Ok(HclValue::num(t, span))
        }
        "setunion" | "setintersection" | "setsubtract" => {
            arity(name, &args, if name == "setsubtract" { 2 } else { 1 }, usize::MAX, &span)?;
            let sets = args
                .iter()
                .map(|a| list(name, a).map(<[HclValue]>::to_vec))
                .collect::<Evaluated<Vec<Vec<HclValue>>>>()?;
            let total: u64 = sets.iter().map(|x| x.len() as u64).sum();
            ev.tick(total * total / 16 + 1, &span)?;
            let has = |l: &[HclValue], x: &HclValue| l.iter().any(|y| equals(x, y) == Some(true));
            let out: Vec<HclValue> = match name {
                "setunion" => sets.concat(),
                "setintersection" => {
                    sets[0].iter().filter(|x| sets[1..].iter().all(|s2| has(s2, x))).cloned().collect()
                }
                _ => sets[0].iter().filter(|x| !has(&sets[1], x)).cloned().collect(),
            };
            Ok(HclValue::list(make_set(&out).unwrap_or_default(), span))
        }
        "setproduct" => {
            let sets = args
                .iter()
                .map(|a| list(name, a).map(<[HclValue]>::to_vec))
                .collect::<Evaluated<Vec<Vec<HclValue>>>>()?;
            let total = sets.iter().try_fold(1usize, |acc, x| acc.checked_mul(x.len()));
            match total {
                Some(n) if n <= MAX_ELEMS => {}
                _ => return fail(format!("`setproduct` would produce more than {MAX_ELEMS} elements"), &span),
            }
            let mut rows: Vec<Vec<HclValue>> = vec![Vec::new()];
            for set in &sets {
                let mut next = Vec::new();
                for r in &rows {
                    for x in set {
                        let mut r2 = r.clone();
                        r2.push(x.clone());
                        next.push(r2);
                    }
                }
                rows = next;
            }
            if sets.is_empty() {
                rows.clear();
            }
            Ok(HclValue::list(rows.into_iter().map(|r| HclValue::list(r, span.clone())).collect(), span))
        }
        "regex" | "regexall" => {
            arity(name, &args, 2, 2, &span)?;
            let re = regex_of(name, &s(0)?, &span)?;
            let text = s(1)?;
            let names: Vec<Option<&str>> = re.capture_names().collect();
            let named = names.iter().skip(1).any(Option::is_some);
            let unnamed = names.iter().skip(1).any(Option::is_none);
            if named && unnamed {
                return fail(format!("`{name}`: cannot mix named and unnamed capture groups"), &span);
            }
            let one = |c: regex::Captures| -> HclValue {
                if names.len() == 1 {
                    return HclValue::str(c.get(0).map_or("", |m| m.as_str()), span.clone());
                }
                if named {
                    HclValue::obj(
                        names
                            .iter()
                            .enumerate()
                            .skip(1)
                            .filter_map(|(i, n)| n.map(|n| (n.to_string(), cap(&c, i, &span))))
                            .collect(),
                        span.clone(),
                    )
                } else {
                    HclValue::list((1..names.len()).map(|i| cap(&c, i, &span)).collect(), span.clone())
                }
            };
            if name == "regex" {
                match re.captures(&text) {
                    Some(c) => Ok(one(c)),
                    None => fail("`regex`: pattern did not match", &span),
                }
            } else {
                let all: Vec<HclValue> = re.captures_iter(&text).take(MAX_ELEMS).map(one).collect();
                Ok(HclValue::list(all, span))
            }
        }
        "alltrue" | "anytrue" => {
            arity(name, &args, 1, 1, &span)?;
            let l = list(name, &args[0])?;
            let mut bs = Vec::with_capacity(l.len());
            for x in l {
                match x.to_bool() {
                    Some(b) => bs.push(b),
                    None => return fail(format!("`{name}`: a list of bools is required"), &x.span),
                }
            }
            Ok(HclValue::bool(if name == "alltrue" { bs.iter().all(|b| *b) } else { bs.iter().any(|b| *b) }, span))
        }
        "basename" => Ok(HclValue::str(s(0)?.rsplit('/').next().unwrap_or_default(), span)),
        "dirname" => {
            let t = s(0)?;
            Ok(HclValue::str(
                match t.rfind('/') {
                    Some(0) => "/".to_string(),
                    Some(i) => t[..i].to_string(),
                    None => ".".to_string(),
                },
                span,
            ))
        }
        "base64encode" => Ok(HclValue::str(b64_encode(s(0)?.as_bytes()), span)),
        "base64decode" => match b64_decode(&s(0)?).and_then(|b| String::from_utf8(b).ok()) {
            Some(t) => Ok(HclValue::str(t, span)),
            None => fail("`base64decode`: not valid base64 UTF-8 text", &span),
        },
        "urlencode" => {
            let mut out = String::new();
            for b in s(0)?.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            Ok(HclValue::str(out, span))
        }
        "matchkeys" => {
            arity(name, &args, 3, 3, &span)?;
            let (vals, keys, search) = (list(name, &args[0])?, list(name, &args[1])?, list(name, &args[2])?);
            if vals.len() != keys.len() {
                return fail("`matchkeys`: values and keys must have the same length", &span);
            }
            let out = vals
                .iter()
                .zip(keys)
                .filter(|(_, k)| search.iter().any(|s2| equals(k, s2) == Some(true)))
                .map(|(v, _)| v.clone())
                .collect();
            Ok(HclValue::list(out, span))
        }
        "transpose" => {
            arity(name, &args, 1, 1, &span)?;
            let mut out: Vec<(String, Vec<HclValue>)> = Vec::new();
            for (k, v) in sorted_entries(obj(name, &args[0])?) {
                for x in list(name, v)? {
                    let key = string(name, x)?;
                    let kv = HclValue::str(k, x.span.clone());
                    match out.iter_mut().find(|(a, _)| *a == key) {
                        Some((_, l)) => l.push(kv),
                        None => out.push((key, vec![kv])),
                    }
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(HclValue::obj(out.into_iter().map(|(k, l)| (k, HclValue::list(l, span.clone()))).collect(), span))
        }
        _ => Ok(HclValue::unknown(format!("function `{name}` is not supported"), span)),
    }
}

fn cap(c: &regex::Captures, i: usize, span: &Span) -> HclValue {
    match c.get(i) {
        Some(m) => HclValue::str(m.as_str(), span.clone()),
        None => HclValue::null(span.clone()),
    }
}

/// Terraform's `format`: verbs `%s %d %f %e %g %t %v %q %#v %x %X %o %b %%`,
/// with flags, width and precision, and explicit argument indexes `%[n]s`.
pub(crate) fn format(f: &str, args: &[HclValue], span: &Span) -> Evaluated<String> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&fc) = chars.peek() {
            if "+- #0".contains(fc) {
                flags.push(fc);
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut n = String::new();
            for d in chars.by_ref() {
                if d == ']' {
                    break;
                }
                n.push(d);
            }
            match n.parse::<usize>() {
                Ok(i) if i >= 1 => next = i - 1,
                _ => return fail(format!("`format`: invalid argument index [{n}]"), span),
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else { return fail("`format`: the format ends with a lone %", span) };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = args.get(next) else {
            return fail(format!("`format`: not enough arguments for the format {}", quote(f)), span);
        };
        next += 1;
        let piece = match verb {
            's' => match &a.kind {
                HclKind::Null => return fail("`format`: null value for %s", &a.span),
                _ => match a.to_str() {
                    Some(s) => match prec {
                        Some(p) => s.chars().take(p).collect(),
                        None => s,
                    },
                    None => return fail(format!("`format`: %s needs a string, found {}", a.type_name()), &a.span),
                },
            },
            'q' => quote(&string("format", a)?),
            'd' => {
                let n = a
                    .to_num()
                    .and_then(as_int)
                    .ok_or(())
                    .or_else(|_| fail("`format`: %d needs a whole number", &a.span))?;
                if flags.contains('+') && n >= 0 {
                    format!("+{n}")
                } else {
                    n.to_string()
                }
            }
            'f' | 'e' | 'g' => {
                let n = number("format", a)?;
                match verb {
                    'f' => format!("{:.*}", prec.unwrap_or(6), n),
                    'e' => format!("{:.*e}", prec.unwrap_or(6), n),
                    _ => fmt_num(n),
                }
            }
            'x' | 'X' | 'o' | 'b' => {
                let n = a
                    .to_num()
                    .and_then(as_int)
                    .ok_or(())
                    .or_else(|_| fail("`format`: needs a whole number", &a.span))?;
                match verb {
                    'x' => format!("{n:x}"),
                    'X' => format!("{n:X}"),
                    'o' => format!("{n:o}"),
                    _ => format!("{n:b}"),
                }
            }
            't' => match a.to_bool() {
                Some(b) => b.to_string(),
                None => return fail("`format`: %t needs a bool", &a.span),
            },
            'v' => {
                if flags.contains('#') {
                    let mut s = String::new();
                    to_json(a, &mut s, 0, span)?;
                    s
                } else {
                    match &a.kind {
                        HclKind::String(_) | HclKind::Number(_) | HclKind::Bool(_) => a.to_str().unwrap_or_default(),
                        HclKind::Null => "null".to_string(),
                        _ => {
                            let mut s = String::new();
                            to_json(a, &mut s, 0, span)?;
                            s
                        }
                    }
                }
            }
            other => return fail(format!("`format`: unsupported verb %{other}"), span),
        };
        let w: usize = width.parse().unwrap_or(0).min(4096);
        let len = piece.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&piece);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'e' | 'x' | 'X' | 'o' | 'b') {
                let (sign, digits) = match piece.strip_prefix('-') {
                    Some(d) => ("-", d.to_string()),
                    None => ("", piece.clone()),
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(&digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&piece);
            }
        } else {
            out.push_str(&piece);
        }
        if out.len() > MAX_STR {
            return fail("`format`: result larger than 16 MiB", span);
        }
    }
    Ok(out)
}

fn from_json(n: &json::Node, span: &Span) -> HclValue {
    use json::Value;
    match &n.value {
        Value::Null => HclValue::null(span.clone()),
        Value::Bool(b) => HclValue::bool(*b, span.clone()),
        Value::Number(s) => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => HclValue::num(f, span.clone()),
            _ => HclValue::unknown(format!("number {s} is out of range"), span.clone()),
        },
        Value::String(s) => HclValue::str(s.to_string(), span.clone()),
        Value::Array(a) => HclValue::list(a.iter().map(|c| from_json(c, span)).collect(), span.clone()),
        Value::Object(ms) => {
            HclValue::obj(ms.iter().map(|m| (m.key.to_string(), from_json(&m.value, span))).collect(), span.clone())
        }
    }
}

/// `jsonencode`: object keys sorted, as Terraform prints them.
fn to_json(v: &HclValue, out: &mut String, depth: u32, span: &Span) -> Evaluated<()> {
    if depth > 128 || out.len() > MAX_STR {
        return fail("`jsonencode`: value too large or too deep", span);
    }
    match &v.kind {
        HclKind::Null => out.push_str("null"),
        HclKind::Bool(b) => out.push_str(&b.to_string()),
        HclKind::Number(n) => out.push_str(&fmt_num(*n)),
        HclKind::String(s) => {
            // JSON's escapes are a subset of ours; Terraform also escapes
            // <, > and & for HTML safety.
            let q = quote(s).replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
            out.push_str(&q);
        }
        HclKind::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_json(x, out, depth + 1, span)?;
            }
            out.push(']');
        }
        HclKind::Object(o) => {
            out.push('{');
            for (i, (k, x)) in sorted_entries(o).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&quote(k));
                out.push(':');
                to_json(x, out, depth + 1, span)?;
            }
            out.push('}');
        }
        HclKind::Unknown(_) | HclKind::Resource(_) => return fail("`jsonencode`: unknown value", span),
    }
    Ok(())
}

/// Terraform's `base64encode`: standard alphabet, padded.
fn b64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Terraform's `base64decode`: standard alphabet, padding required, so a
/// truncated or foreign value is an error rather than silently shortened.
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_terraform_reads_it() {
        // Terraform's functions use Go's StdEncoding: standard alphabet, padded.
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(b64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(b64_decode(&b64_encode("é\u{0}>?".as_bytes())).as_deref(), Some("é\u{0}>?".as_bytes()));
        assert_eq!(b64_decode("aGVsbG8"), None, "missing padding");
        assert_eq!(b64_decode("aGV*bG8="), None, "not the alphabet");
        assert_eq!(b64_decode("A"), None, "a truncated value is not silently empty");
    }
}
