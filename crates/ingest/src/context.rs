//! Reading context for one JSON input: spans, typed field access, and the
//! errors found on the way (reported, never fatal).

use crate::error::{ErrorKind, IngestError};
use portcullis_model::Span;
use portcullis_syntax::json::{Node, Value};
use portcullis_syntax::LineIndex;
use std::sync::Arc;

/// Marks a field whose bad value was already reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported;

pub struct Context<'a> {
    pub file: Arc<str>,
    pub text: &'a str,
    /// Positions walk from the last one: adapters ask for them in nearly
    /// increasing order, and a 300 MB dump needs no line table.
    lines: LineIndex,
    pub errors: Vec<IngestError>,
}

impl<'a> Context<'a> {
    pub fn new(file: Arc<str>, text: &'a str) -> Self {
        Context { file, text, lines: LineIndex::walking(), errors: Vec::new() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        self.lines.line_column(self.text, offset)
    }

    /// The span of a node: its line as the parser counted it, the column
    /// from the start of that line (no walk through the text before it).
    pub fn node_span(&self, node: &Node) -> Span {
        if node.line == 0 {
            return self.span(node.offset);
        }
        // The line's start, looked for nearby only: on a long line (a dump
        // printed on one line) the walking lookup counts incrementally.
        match LineIndex::column_near(self.text, node.offset as usize) {
            Some(column) => Span::new(self.file.clone(), node.line, column),
            None => self.span(node.offset),
        }
    }

    /// A node as a positioned value (templates and manifests in JSON).
    pub fn value(&self, node: &Node) -> portcullis_syntax::Value {
        node.to_value(&self.file, self.text, &self.lines)
    }

    pub fn span(&self, offset: u32) -> Span {
        let (line, column) = self.line_col(offset as usize);
        Span::new(self.file.clone(), line, column)
    }

    /// The error for a text that is not (the accepted dialect of) JSON, at
    /// the parser's offset.
    pub fn json_error(&self, e: &portcullis_syntax::Error) -> IngestError {
        let (line, column) = self.line_col(e.offset().unwrap_or(0) as usize);
        IngestError {
            file: self.file.to_string(),
            line,
            column,
            kind: ErrorKind::Syntax,
            message: format!("not valid JSON: {}", e.message),
        }
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

#[cfg(test)]
mod tests {
    use super::Context;
    use portcullis_syntax::json::{parse, Node, Options};
    use portcullis_syntax::LineIndex;
    use std::sync::Arc;

    #[test]
    fn node_spans_match_on_short_and_long_lines() {
        let pretty = "{\n  \"a\": [1,\n    \"é\", {\"b\": null}]\n}";
        let one_line = format!("{{\"pad\": \"{}\", \"a\": [1, \"é\", {{\"b\": null}}]}}", "x".repeat(2000));
        for text in [pretty.to_string(), one_line] {
            let root = parse(&text, Options::STRICT).expect("valid");
            let ctx = Context::new(Arc::from("f"), &text);
            fn each(n: &Node, f: &mut dyn FnMut(&Node)) {
                f(n);
                n.as_array().into_iter().flatten().for_each(|c| each(c, f));
                n.as_object().into_iter().flatten().for_each(|m| each(&m.value, f));
            }
            // The line table, checked against a count by hand in the syntax
            // crate, is the reference.
            let table = LineIndex::new(&text);
            each(&root, &mut |n| {
                let s = ctx.node_span(n);
                assert_eq!((s.line, s.column), table.line_column(&text, n.offset as usize), "at {}", n.offset);
            });
        }
    }
}
