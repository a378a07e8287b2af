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
    /// byte offset of that line's start, characters from that start to the
    /// offset). Adapters ask for positions in nearly increasing order, so
    /// walking from the last answer costs the distance between two rules,
    /// a 300 MB dump needs no line table, and a dump printed on one line
    /// does not count its characters from the start for every rule.
    cursor: Cell<(usize, u32, usize, usize)>,
    pub errors: Vec<IngestError>,
}

/// How far back [`Ctx::node_span`] looks for the start of a node's line.
const NEAR: usize = 512;

impl<'a> Ctx<'a> {
    pub fn new(file: Arc<str>, text: &'a str) -> Self {
        Ctx { file, text, cursor: Cell::new((0, 1, 0, 0)), errors: Vec::new() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let bytes = self.text.as_bytes();
        let mut off = offset.min(bytes.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let (at, mut line, mut start, mut col) = self.cursor.get();
        let chars = |a: usize, b: usize| {
            self.text.get(a..b).map_or(b - a, |s| if s.is_ascii() { s.len() } else { s.chars().count() })
        };
        if off >= at {
            match memchr::memrchr(b'\n', &bytes[at..off]) {
                Some(last) => {
                    line += bytecount::count(&bytes[at..off], b'\n') as u32;
                    start = at + last + 1;
                    col = chars(start, off);
                }
                None => col += chars(at, off),
            }
        } else {
            // Walk back: lines between `off` and `at`, then find the start
            // of the line holding `off`.
            match bytecount::count(&bytes[off..at], b'\n') as u32 {
                0 => col = col.saturating_sub(chars(off, at)),
                n => {
                    line -= n;
                    start = memchr::memrchr(b'\n', &bytes[..off]).map_or(0, |i| i + 1);
                    col = chars(start, off);
                }
            }
        }
        self.cursor.set((off, line, start, col));
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
        // The line's start, looked for nearby only: on a long line (a dump
        // printed on one line) the walking lookup counts incrementally.
        let from = off.saturating_sub(NEAR);
        let start = match memchr::memrchr(b'\n', &bytes[from..off]) {
            Some(i) => from + i + 1,
            None if from == 0 => 0,
            None => return self.span(node.offset),
        };
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

    /// The error for a text that is not (the accepted dialect of) JSON, at
    /// the parser's offset.
    pub fn json_error(&self, e: &crate::json::JsonError) -> IngestError {
        let (line, column) = self.line_col(e.offset as usize);
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
    use super::Ctx;
    use crate::json::{parse, Node, Options};
    use std::sync::Arc;

    /// Line and column as a person counts them, the slow way.
    fn naive(text: &str, off: usize) -> (u32, u32) {
        let before = &text[..off];
        let line = before.matches('\n').count() as u32 + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, text[start..off].chars().count() as u32 + 1)
    }

    #[test]
    fn positions_in_any_order_match_a_naive_count() {
        let texts = ["", "abc", "a\nbc\n\nd", "é€\n𐍈x\ny", &"long line é ".repeat(200), "\n\n\nx"];
        for text in texts {
            let ctx = Ctx::new(Arc::from("f"), text);
            let offsets: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            // Forward, backward, and jumping around.
            let n = offsets.len();
            let order = offsets.iter().chain(offsets.iter().rev()).chain((0..n).map(|i| &offsets[(i * 7919) % n]));
            for &off in order {
                assert_eq!(ctx.line_col(off), naive(text, off), "{text:?} at {off}");
            }
        }
    }

    #[test]
    fn node_spans_match_on_short_and_long_lines() {
        let pretty = "{\n  \"a\": [1,\n    \"é\", {\"b\": null}]\n}";
        let one_line = format!("{{\"pad\": \"{}\", \"a\": [1, \"é\", {{\"b\": null}}]}}", "x".repeat(2000));
        for text in [pretty.to_string(), one_line] {
            let root = parse(&text, Options::STRICT).expect("valid");
            let ctx = Ctx::new(Arc::from("f"), &text);
            fn each(n: &Node, f: &mut dyn FnMut(&Node)) {
                f(n);
                n.as_array().into_iter().flatten().for_each(|c| each(c, f));
                n.as_object().into_iter().flatten().for_each(|m| each(&m.value, f));
            }
            each(&root, &mut |n| {
                let s = ctx.node_span(n);
                assert_eq!((s.line, s.column), naive(&text, n.offset as usize), "at {}", n.offset);
            });
        }
    }
}
