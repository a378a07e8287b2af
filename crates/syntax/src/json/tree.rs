//! What a parse gives: [`Node`]s with their byte offset and line, numbers
//! as written, object members in document order with shared keys.

use super::keys::key_eq;
use crate::value::{Kind, Member as ValueMember};
use crate::{LineIndex, Span};
use compact_str::CompactString;
use std::sync::Arc;

/// A JSON value and the byte offset of its first byte in the parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub value: Value,
    /// Byte offset where the value starts (the `"` of a string, the `[` of
    /// an array, the `-` or first digit of a number).
    pub offset: u32,
    /// 1-based line of `offset`, counted by the parser as it goes (a
    /// position lookup then needs no walk through the text); 0 when not
    /// known (a node moved to another text), and `offset` decides.
    pub line: u32,
}

/// A JSON value. Numbers keep their literal text, exactly as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Strings and numbers up to 24 bytes live inline (no allocation):
    /// dumps are mostly short values (`tcp`, `0.0.0.0/0`, `sg-…`, port
    /// numbers), and one allocation per value was the parser's main cost.
    Number(CompactString),
    String(CompactString),
    Array(Vec<Node>),
    /// Members in document order; duplicate keys are kept.
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Shared: a dump repeats a few dozen keys millions of times, and the
    /// parser hands out one allocation per distinct key.
    pub key: Arc<str>,
    /// Byte offset of the key's opening `"`.
    pub key_offset: u32,
    pub value: Node,
}

impl Value {
    /// The JSON type name, for error messages ("expected string, found array").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

impl Node {
    /// The value of the first member named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_object()?.iter().find(|m| key_eq(&m.key, key)).map(|m| &m.value)
    }

    /// The member named `key` (first one), with its key offset.
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().find(|m| key_eq(&m.key, key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The literal text of a number, exactly as written (`"1.50"`, `"-0"`).
    pub fn as_number_str(&self) -> Option<&str> {
        match &self.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is written as an integer literal (no
    /// fraction, no exponent) that fits. `6.0` and `1e3` give `None`: a port
    /// or protocol number written that way is suspicious and rules should
    /// say so rather than silently accept it.
    pub fn as_i64(&self) -> Option<i64> {
        let n = self.as_number_str()?;
        if n.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return None;
        }
        n.parse().ok()
    }

    /// Like [`Node::as_i64`], for non-negative integers up to `u64::MAX`.
    pub fn as_u64(&self) -> Option<u64> {
        let n = self.as_number_str()?;
        if n.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return None;
        }
        // `-0` is an integer literal equal to zero.
        if n == "-0" {
            return Some(0);
        }
        n.parse().ok()
    }

    /// The number as the nearest `f64`. Literals beyond `f64`'s range give
    /// an infinity, as IEEE 754 rounding does.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number_str()?.parse().ok()
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The JSON type name: "null", "boolean", "number", "string", "array"
    /// or "object".
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// The node as a positioned [`crate::Value`] of `file`, whose text is
    /// `text`: spans of values and keys found with `lines`.
    pub fn to_value(&self, file: &Arc<str>, text: &str, lines: &LineIndex) -> crate::Value {
        let (line, column) = lines.line_column(text, self.offset as usize);
        let span = Span::new(file.clone(), line, column);
        let kind = match &self.value {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(s) => Kind::Number(s.to_string()),
            Value::String(s) => Kind::String(s.to_string()),
            Value::Array(a) => Kind::List(a.iter().map(|i| i.to_value(file, text, lines)).collect()),
            Value::Object(m) => Kind::Map(
                m.iter()
                    .map(|mem| {
                        let (line, column) = lines.line_column(text, mem.key_offset as usize);
                        let span = Span::new(file.clone(), line, column);
                        ValueMember { key: mem.key.to_string(), span, value: mem.value.to_value(file, text, lines) }
                    })
                    .collect(),
            ),
        };
        crate::Value { kind, span }
    }
}
