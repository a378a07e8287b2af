//! Terraform values with positions, whatever they were read from.
//!
//! A plan's JSON and an evaluated `.tf` configuration both end up as
//! [`TfResource`]s whose attributes are [`TfValue`]s, so one adapter per
//! provider reads both. Every value keeps the span it came from; a value
//! Terraform cannot know yet is [`TfKind::Unknown`] with the reason.

use portcullis_model::Span;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub enum TfKind {
    Null,
    Bool(bool),
    /// Kept as written (`6`, `10257`, `1e3`) so integers stay exact.
    Number(String),
    String(String),
    /// Lists, sets and tuples.
    List(Vec<TfValue>),
    /// Objects and maps, in source order.
    Object(Vec<(String, TfValue)>),
    /// Not known before apply, or not evaluable here; the string says why.
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TfValue {
    pub kind: TfKind,
    pub span: Span,
}

impl TfValue {
    pub fn new(kind: TfKind, span: Span) -> Self {
        TfValue { kind, span }
    }

    pub fn get(&self, key: &str) -> Option<&TfValue> {
        match &self.kind {
            TfKind::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, TfKind::Null)
    }

    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.kind {
            TfKind::Unknown(r) => Some(r),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            TfKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string, or a number/bool rendered as Terraform would convert it.
    pub fn to_plain_string(&self) -> Option<String> {
        match &self.kind {
            TfKind::String(s) => Some(s.clone()),
            TfKind::Number(n) => Some(n.clone()),
            TfKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            TfKind::Bool(b) => Some(*b),
            TfKind::String(s) if s == "true" => Some(true),
            TfKind::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// An integer, from a number or a numeric string (Terraform converts
    /// between them freely).
    pub fn as_i64(&self) -> Option<i64> {
        let s = match &self.kind {
            TfKind::Number(n) => n.as_str(),
            TfKind::String(s) => s.trim(),
            _ => return None,
        };
        if let Ok(i) = s.parse::<i64>() {
            return Some(i);
        }
        let f: f64 = s.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    }

    pub fn as_list(&self) -> Option<&[TfValue]> {
        match &self.kind {
            TfKind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            TfKind::Null => "null",
            TfKind::Bool(_) => "bool",
            TfKind::Number(_) => "number",
            TfKind::String(_) => "string",
            TfKind::List(_) => "list",
            TfKind::Object(_) => "object",
            TfKind::Unknown(_) => "unknown value",
        }
    }
}

/// One resource instance, as planned or as evaluated from configuration.
#[derive(Clone, Debug)]
pub struct TfResource {
    /// Full address: `module.net.aws_security_group.cp["a"]`.
    pub address: String,
    /// `aws_security_group`.
    pub ty: String,
    /// Where the resource is declared.
    pub span: Span,
    /// Its attributes and nested blocks as one object.
    pub values: TfValue,
    /// Attribute name → addresses of the resources its expression refers
    /// to (`security_group_id` → `aws_security_group.cp`), with the module
    /// prefix; used when the attribute's value itself is unknown.
    pub refs: BTreeMap<String, Vec<String>>,
}
