//! A field as an adapter found it, before a provider's rules read it: its
//! text (numbers as their literal) or the reason it cannot be known, and
//! where it is. Shared by the Azure and GCP readers so CLI dumps and
//! Terraform feed one builder per provider.

use crate::ctx::Ctx;
use crate::error::{ErrorKind, IngestError};
use crate::terraform::value::type_name;
use portcullis_model::{Span, Unknown};
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw {
    pub value: RawValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawValue {
    Text(String),
    /// Unknown, with the reason. Adapters that found a wrong type have
    /// reported it already and pass `Unknown("invalid value")`.
    Unknown(String),
}

impl Raw {
    pub fn text(s: impl Into<String>, span: Span) -> Raw {
        Raw { value: RawValue::Text(s.into()), span }
    }

    pub fn unknown(reason: impl Into<String>, span: Span) -> Raw {
        Raw { value: RawValue::Unknown(reason.into()), span }
    }

    /// The text, or `(unknown)`, for labels.
    pub fn shown(&self) -> String {
        match &self.value {
            RawValue::Text(t) => t.clone(),
            RawValue::Unknown(_) => "(unknown)".into(),
        }
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
pub fn from_tf(errors: &mut Vec<IngestError>, v: &Value, k: &str) -> Option<Raw> {
    match &v.kind {
        Kind::Null => None,
        Kind::String(s) if s.is_empty() => None,
        Kind::Unknown { reason: r, .. } => Some(Raw::unknown(r.clone(), v.span.clone())),
        _ => match v.text() {
            Some(s) => Some(Raw::text(s, v.span.clone())),
            None => {
                error(errors, &v.span, format!("`{k}` should be a single value, found {}", type_name(v)));
                Some(Raw::unknown("invalid value", v.span.clone()))
            }
        },
    }
}

/// The elements of a Terraform list argument (a single value is read as a
/// list of one; an unknown list is one unknown element).
pub fn from_tf_list(errors: &mut Vec<IngestError>, v: &Value, k: &str) -> Vec<Raw> {
    match &v.kind {
        Kind::List(l) => l.iter().filter_map(|item| from_tf(errors, item, k)).collect(),
        Kind::Null => Vec::new(),
        Kind::Unknown { reason: r, .. } => vec![Raw::unknown(r.clone(), v.span.clone())],
        _ => from_tf(errors, v, k).into_iter().collect(),
    }
}

/// A JSON value as a [`Raw`] (see [`from_tf`]).
pub fn from_json(ctx: &mut Ctx, v: &Node, k: &str) -> Option<Raw> {
    let span = ctx.span(v.offset);
    match &v.value {
        json::Value::Null => None,
        json::Value::String(s) if s.is_empty() => None,
        json::Value::String(s) => Some(Raw::text(s.to_string(), span)),
        json::Value::Number(n) => Some(Raw::text(n.to_string(), span)),
        json::Value::Bool(b) => Some(Raw::text(b.to_string(), span)),
        other => {
            ctx.error(
                v.offset,
                ErrorKind::Invalid,
                format!("field `{k}` should be a single value, found {}", other.type_name()),
            );
            Some(Raw::unknown("invalid value", span))
        }
    }
}

/// The elements of a JSON list field (see [`from_tf_list`]).
pub fn from_json_list(ctx: &mut Ctx, v: &Node, k: &str) -> Vec<Raw> {
    match &v.value {
        json::Value::Array(a) => a.iter().filter_map(|n| from_json(ctx, n, k)).collect(),
        json::Value::Null => Vec::new(),
        other => {
            ctx.error(
                v.offset,
                ErrorKind::Invalid,
                format!("field `{k}` should be a list, found {}", other.type_name()),
            );
            vec![Raw::unknown("invalid value", ctx.span(v.offset))]
        }
    }
}
