//! Terraform resources with positioned values, whatever they were read
//! from.
//!
//! A plan's JSON and an evaluated `.tf` configuration both end up as
//! [`Resource`]s whose attributes are [`Value`]s, so one adapter per
//! provider reads both. Every value keeps the span it came from; a value
//! Terraform cannot know yet is [`Kind::Unknown`] with the reason.

use portcullis_model::Span;
use portcullis_syntax::{Kind, Value};
use std::collections::BTreeMap;

/// An integer, from a number or a numeric string (Terraform converts
/// between them freely; `1e3` is 1000).
pub fn integer(v: &Value) -> Option<i64> {
    let s = match &v.kind {
        Kind::Number(n) => n.as_str(),
        Kind::String(s) => s.trim(),
        _ => return None,
    };
    if let Ok(i) = s.parse::<i64>() {
        return Some(i);
    }
    let f: f64 = s.parse().ok()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// The type of a value in Terraform's words ("found list").
pub fn type_name(v: &Value) -> &'static str {
    match &v.kind {
        Kind::Null | Kind::Removed => "null",
        Kind::Bool(_) => "bool",
        Kind::Number(_) => "number",
        Kind::String(_) => "string",
        Kind::List(_) => "list",
        Kind::Map(_) => "object",
        Kind::Resource { .. } => "resource",
        Kind::Unknown { .. } => "unknown value",
    }
}

/// One resource instance, as planned or as evaluated from configuration.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Full address: `module.net.aws_security_group.cp["a"]`.
    pub address: String,
    /// `aws_security_group`.
    pub ty: String,
    /// Where the resource is declared.
    pub span: Span,
    /// Its attributes and nested blocks as one map.
    pub values: Value,
    /// Attribute name → addresses of the resources its expression refers
    /// to (`security_group_id` → `aws_security_group.cp`), with the module
    /// prefix; used when the attribute's value itself is unknown.
    pub refs: BTreeMap<String, Vec<String>>,
}
