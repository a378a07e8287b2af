//! The one positioned value every language front-end produces: a
//! CloudFormation template or Kubernetes manifest as loaded, a Terraform
//! resource as planned or evaluated, a CloudFormation property after its
//! intrinsic functions, an ARM or Bicep property after its expressions.
//!
//! Every value keeps the [`Span`] it came from, so a provider adapter can
//! point a finding at the line that caused it whatever the input language.
//! What the input cannot tell is [`Kind::Unknown`] with the reason (and
//! never a guess); numbers keep their literal text so nothing is lost to
//! floating point before an adapter decides how to read them.
//!
//! A front-end's working values may differ while it computes (Terraform's
//! evaluator shares collections and keeps resource handles); what it hands
//! to the adapters is this type.

use crate::Span;

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub span: Span,
}

/// What a value is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// As written (`6`, `10257`, `1e3`, `1.50`); YAML's hexadecimal and
    /// octal integers are rewritten in decimal.
    Number(String),
    String(String),
    /// Lists, sets, tuples, arrays, sequences.
    List(Vec<Value>),
    /// Objects, maps and mappings: members in source order.
    Map(Vec<Member>),
    /// A resource of the same template, named by CloudFormation's `Ref` or
    /// `Fn::GetAtt` (`attribute`): an adapter that expects a reference
    /// resolves it; where text is needed it is unknown (the value exists
    /// only after deployment).
    Resource {
        id: String,
        attribute: Option<String>,
    },
    /// CloudFormation's `AWS::NoValue`: the property or list element that
    /// holds it is removed (a list keeps a null, not this).
    Removed,
    /// Cannot be known from the input; `reason` says why. `stand_in` is a
    /// text that stands for the value where names are built from it (ARM:
    /// `{parameters('nsg')}`), so two names built from the same unknown
    /// still match.
    Unknown {
        reason: String,
        stand_in: Option<String>,
    },
}

/// One member of a map: its key, where the key is written, its value.
/// Computed maps (a Terraform object) have no key of their own in the
/// text: their members' `span` is the value's.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    pub span: Span,
    pub value: Value,
}

impl Value {
    pub fn new(kind: Kind, span: Span) -> Self {
        Value { kind, span }
    }

    /// An unknown value, for the reason given.
    pub fn unknown(reason: impl Into<String>, span: Span) -> Self {
        Value { kind: Kind::Unknown { reason: reason.into(), stand_in: None }, span }
    }

    /// The value of the first member named `key`, if this is a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The first member named `key` exactly, else the first whose name
    /// differs only in ASCII case (ARM's property names are
    /// case-insensitive).
    pub fn get_any_case(&self, key: &str) -> Option<&Value> {
        let members = self.as_map()?;
        members
            .iter()
            .find(|m| m.key == key)
            .or_else(|| members.iter().find(|m| m.key.eq_ignore_ascii_case(key)))
            .map(|m| &m.value)
    }

    /// A member's value and the position of its key.
    pub fn entry(&self, key: &str) -> Option<(&Span, &Value)> {
        self.as_map()?.iter().find(|m| m.key == key).map(|m| (&m.span, &m.value))
    }

    pub fn as_map(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string or a number, as written.
    pub fn as_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s),
            _ => None,
        }
    }

    /// A string, number or boolean as text (`true`, `6`, `tcp`): what every
    /// input language converts a primitive to where text is wanted.
    pub fn text(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean, or the string `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::String(s) if s == "true" => Some(true),
            Kind::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// Null or removed: nothing for a reader.
    pub fn is_absent(&self) -> bool {
        matches!(self.kind, Kind::Null | Kind::Removed)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown { .. })
    }

    /// Why the value is unknown, if it is.
    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.kind {
            Kind::Unknown { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The type, as a sentence names it ("found a mapping"), in the words
    /// of YAML documents. Terraform and ARM name their types their own way
    /// in their messages; their front-ends say so.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null | Kind::Removed => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Resource { .. } => "a resource reference",
            Kind::Unknown { .. } => "an unknown value",
        }
    }
}
