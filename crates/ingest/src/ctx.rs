//! Reading context for one JSON input: spans, typed field access, and the
//! errors found on the way (reported, never fatal).

use crate::error::{ErrorKind, IngestError};
use crate::json::{Node, Value};
use portcullis_model::Span;
use std::cell::Cell;
use std::sync::Arc;

/// Marks a field whose bad value was already reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported;

pub struct Ctx<'a> {
    pub file: Arc<str>,
    pub text: &'a str,
    /// Where the last position lookup ended: (byte offset, 1-based line,
    /// byte offset of that line's start). Adapters ask for positions in
    /// nearly increasing order, so walking from the last answer costs the
    /// distance between two rules, and a 300 MB dump needs no line table.
    cursor: Cell<(usize, u32, usize)>,
    pub errors: Vec<IngestError>,
}

impl<'a> Ctx<'a> {
    pub fn new(file: Arc<str>, text: &'a str) -> Self {
        Ctx { file, text, cursor: Cell::new((0, 1, 0)), errors: Vec::new() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let bytes = self.text.as_bytes();
        let off = offset.min(bytes.len());
        let (mut at, mut line, mut start) = self.cursor.get();
        if off >= at {
            for i in memchr::memchr_iter(b'\n', &bytes[at..off]) {
                line += 1;
                start = at + i + 1;
            }
        } else {
            // Walk back: lines between `off` and `at`, then find the start
            // of the line holding `off`.
            line -= memchr::memchr_iter(b'\n', &bytes[off..at]).count() as u32;
            start = memchr::memrchr(b'\n', &bytes[..off]).map_or(0, |i| i + 1);
        }
        at = off;
        self.cursor.set((at, line, start));
        let col = self.text.get(start..off).map_or(off - start, |s| s.chars().count());
        (line, col as u32 + 1)
    }

    /// The span of a node: its line as the parser counted it, the column
    /// from the start of that line (no walk through the text before it).
    pub fn node_span(&self, node: &Node) -> Span {
        if node.line == 0 {
            return self.span(node.offset);
        }
        let bytes = self.text.as_bytes();
        let off = (node.offset as usize).min(bytes.len());
        let start = memchr::memrchr(b'\n', &bytes[..off]).map_or(0, |i| i + 1);
        // Columns count characters; an indentation is ASCII, counted fast.
        let col = match self.text.get(start..off) {
            Some(s) if s.is_ascii() => s.len(),
            Some(s) => s.chars().count(),
            None => off - start,
        };
        Span::new(self.file.clone(), node.line, col as u32 + 1)
    }

    pub fn span(&self, offset: u32) -> Span {
        let (line, column) = self.line_col(offset as usize);
        Span::new(self.file.clone(), line, column)
    }

    pub fn error(&mut self, offset: u32, kind: ErrorKind, message: impl Into<String>) {
        let s = self.span(offset);
        self.errors.push(IngestError {
            file: self.file.to_string(),
            line: s.line,
            column: s.column,
            kind,
            message: message.into(),
        });
    }

    fn wrong_type(&mut self, node: &Node, key: &str, want: &str) {
        let found = node.type_name();
        self.error(node.offset, ErrorKind::Invalid, format!("field `{key}` should be {want}, found {found}"));
    }

    /// A string field; absent or null is `None`, another type is an error.
    pub fn str_field<'n>(&mut self, obj: &'n Node, key: &str) -> Option<&'n str> {
        let v = obj.get(key)?;
        match &v.value {
            Value::String(s) => Some(s),
            Value::Null => None,
            _ => {
                self.wrong_type(v, key, "a string");
                None
            }
        }
    }

    /// An integer field (also accepted as a decimal string, which the AWS
    /// CLI and plan JSON both produce for some fields). `Err(Reported)` after a
    /// reported error; `Ok(None)` when absent or null.
    pub fn int_field(&mut self, obj: &Node, key: &str) -> Result<Option<i64>, Reported> {
        let Some(v) = obj.get(key) else { return Ok(None) };
        match &v.value {
            Value::Null => Ok(None),
            Value::Number(_) => match v.as_i64() {
                Some(n) => Ok(Some(n)),
                None => {
                    self.error(v.offset, ErrorKind::Invalid, format!("field `{key}` should be a whole number"));
                    Err(Reported)
                }
            },
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => {
                    self.error(
                        v.offset,
                        ErrorKind::Invalid,
                        format!("field `{key}` should be a whole number, found \"{s}\""),
                    );
                    Err(Reported)
                }
            },
            _ => {
                self.wrong_type(v, key, "a number");
                Err(Reported)
            }
        }
    }

    pub fn bool_field(&mut self, obj: &Node, key: &str) -> Option<bool> {
        let v = obj.get(key)?;
        match &v.value {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.wrong_type(v, key, "true or false");
                None
            }
        }
    }

    /// An array field; absent or null is empty, another type is an error.
    pub fn array_field<'n>(&mut self, obj: &'n Node, key: &str) -> &'n [Node] {
        let Some(v) = obj.get(key) else { return &[] };
        match &v.value {
            Value::Array(a) => a,
            Value::Null => &[],
            _ => {
                self.wrong_type(v, key, "a list");
                &[]
            }
        }
    }

    /// Strings of an array field, with each element's offset.
    pub fn str_list<'n>(&mut self, obj: &'n Node, key: &str) -> Vec<(&'n str, u32)> {
        let mut out = Vec::new();
        for n in self.array_field(obj, key) {
            match &n.value {
                Value::String(s) => out.push((&**s, n.offset)),
                Value::Null => {}
                _ => self.wrong_type(n, key, "a list of strings"),
            }
        }
        out
    }
}
