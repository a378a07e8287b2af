//! A field as an adapter found it, before a provider's rules read it: a
//! [`Value`] holding its text (numbers as their literal) or the reason it
//! cannot be known, and where it is. Shared by the Azure, GCP and
//! Kubernetes readers so CLI dumps, templates and Terraform feed one
//! builder per provider.

use crate::context::Context;
use crate::error::{ErrorKind, IngestError};
use crate::languages::terraform::resource::type_name;
use portcullis_model::{Span, Unknown};
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Value};

/// A field known as text, at `span`.
pub fn text(s: impl Into<String>, span: Span) -> Value {
    Value::new(Kind::String(s.into()), span)
}

/// A field as a builder reads it: its text, or why it cannot be known;
/// and where it is. Fields are made by the functions below, which keep
/// only text and unknowns (anything else was reported and is unknown).
pub fn read(v: &Value) -> (Result<&str, &str>, &Span) {
    let found = match &v.kind {
        Kind::String(t) | Kind::Number(t) => Ok(t.as_str()),
        Kind::Unknown { reason, .. } => Err(reason.as_str()),
        _ => Err("invalid value"),
    };
    (found, &v.span)
}

/// The text, or `(unknown)`, for labels.
pub fn shown(v: &Value) -> String {
    match read(v).0 {
        Ok(t) => t.to_string(),
        Err(_) => "(unknown)".into(),
    }
}

/// Records an error about a value at `span`.
pub fn error(errors: &mut Vec<IngestError>, span: &Span, message: String) {
    errors.push(IngestError::invalid(span, message));
}

pub fn unknown(what: &str, reason: impl Into<String>, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

/// A Terraform value as a [`Raw`]: `None` when null or an empty string
/// (plans write an unset optional string as `""`); a list or object where
/// one value belongs is reported and unknown.
pub fn from_value(errors: &mut Vec<IngestError>, v: &Value, k: &str) -> Option<Value> {
    match &v.kind {
        Kind::Null => None,
        Kind::String(s) if s.is_empty() => None,
        Kind::Unknown { reason: r, .. } => Some(Value::unknown(r.clone(), v.span.clone())),
        _ => match v.text() {
            Some(s) => Some(text(s, v.span.clone())),
            None => {
                error(errors, &v.span, format!("`{k}` should be a single value, found {}", type_name(v)));
                Some(Value::unknown("invalid value", v.span.clone()))
            }
        },
    }
}

/// The elements of a list argument (a single value is read as a list of
/// one; an unknown list is one unknown element).
pub fn list_from_value(errors: &mut Vec<IngestError>, v: &Value, k: &str) -> Vec<Value> {
    match &v.kind {
        Kind::List(l) => l.iter().filter_map(|item| from_value(errors, item, k)).collect(),
        Kind::Null => Vec::new(),
        Kind::Unknown { reason: r, .. } => vec![Value::unknown(r.clone(), v.span.clone())],
        _ => from_value(errors, v, k).into_iter().collect(),
    }
}

/// A JSON value as a field (see [`from_value`]).
pub fn from_json(ctx: &mut Context, v: &Node, k: &str) -> Option<Value> {
    let span = ctx.span(v.offset);
    match &v.value {
        json::Value::Null => None,
        json::Value::String(s) if s.is_empty() => None,
        json::Value::String(s) => Some(text(s.to_string(), span)),
        json::Value::Number(n) => Some(text(n.to_string(), span)),
        json::Value::Bool(b) => Some(text(b.to_string(), span)),
        other => {
            ctx.error(
                v.offset,
                ErrorKind::Invalid,
                format!("field `{k}` should be a single value, found {}", other.type_name()),
            );
            Some(Value::unknown("invalid value", span))
        }
    }
}

/// The elements of a JSON list field (see [`list_from_value`]).
pub fn from_json_list(ctx: &mut Context, v: &Node, k: &str) -> Vec<Value> {
    match &v.value {
        json::Value::Array(a) => a.iter().filter_map(|n| from_json(ctx, n, k)).collect(),
        json::Value::Null => Vec::new(),
        other => {
            ctx.error(
                v.offset,
                ErrorKind::Invalid,
                format!("field `{k}` should be a list, found {}", other.type_name()),
            );
            vec![Value::unknown("invalid value", ctx.span(v.offset))]
        }
    }
}
