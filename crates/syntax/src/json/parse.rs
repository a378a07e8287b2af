//! The recursive descent over one text: values, strings, numbers, arrays
//! and objects, whitespace and comments, and the error messages.

use super::keys::{duplicate_key_error, first_duplicate, Keys};
use super::parts::{Ended, Parts};
use super::tree::{Member, Node, Value};
use super::{ElementSink, Options, MAX_DEPTH, MAX_TOKEN_BYTES};
use compact_str::CompactString;
use std::sync::Arc;

/// Byte offsets fit in `u32`: [`super::parse`] rejects longer inputs up front.
pub(super) fn off(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

/// Why the text is not JSON, inside the parser: kept small (an offset and
/// a message) because every recursive call returns it, and the recursion
/// must fit its stack at [`MAX_DEPTH`] levels. It becomes a [`crate::Error`]
/// when the parse returns.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) offset: u32,
    pub(super) message: String,
    /// The first of two equal keys, when the failure is the second one.
    pub(super) first: Option<u32>,
}

impl From<Failure> for crate::Error {
    fn from(f: Failure) -> Self {
        match f.first {
            Some(first) => {
                crate::Error { kind: crate::ErrorKind::DuplicateKey { offset: f.offset, first }, message: f.message }
            }
            None => crate::Error::json(f.offset, f.message),
        }
    }
}

pub(super) fn err(pos: usize, message: impl Into<String>) -> Failure {
    Failure { offset: off(pos), message: message.into(), first: None }
}

pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    /// 1-based line of `pos`: newlines occur only in whitespace and
    /// comments (a raw one in a string is an error), both skipped here.
    pub(super) line: u32,
    pub(super) opts: Options,
    pub(super) depth: usize,
    /// Elements of the arrays being parsed, innermost last. A finished array
    /// splits its elements off the top, which allocates the result exactly
    /// once at its final size instead of growing a `Vec` per array.
    nodes: Vec<Node>,
    /// The same for object members.
    members: Vec<Member>,
    /// Reused buffer for strings that contain escapes.
    buf: String,
    /// Top-level arrays to stream, and where their elements go.
    pub(super) stream: Option<(&'a [&'a str], ElementSink<'a>)>,
    /// Sinks for reading the (first) streamed array in parallel parts.
    pub(super) parts: Option<Parts<'a>>,
    /// Object keys, shared between members.
    keys: Keys<'a>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, opts: Options, stream: Option<(&'a [&'a str], ElementSink<'a>)>) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            opts,
            depth: 0,
            nodes: Vec::new(),
            members: Vec::new(),
            buf: String::new(),
            stream,
            parts: None,
            keys: Keys::new(),
        }
    }

    /// The whole text: one value and whitespace around it.
    pub(super) fn document(&mut self) -> Result<Node, Failure> {
        if self.bytes.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.skip_ws()?;
        if self.pos >= self.bytes.len() {
            return Err(err(self.pos, "expected a JSON value, found end of input (the input is empty)"));
        }
        let node = self.value("expected a JSON value")?;
        self.skip_ws()?;
        if self.pos < self.bytes.len() {
            return Err(self.unexpected(self.pos, "expected end of input after the top-level value"));
        }
        Ok(node)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The text between two byte positions. Both are always ASCII
    /// delimiters, hence char boundaries; the error arm is unreachable but
    /// keeps the parser free of panicking slices.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Failure> {
        self.text.get(start..end).ok_or_else(|| err(start, "internal error: not a char boundary"))
    }

    /// Most tokens are not preceded by whitespace, or by one space: decide
    /// that inline and leave the loop out of line.
    #[inline]
    fn skip_ws(&mut self) -> Result<(), Failure> {
        match self.bytes.get(self.pos) {
            Some(b' ') if !matches!(self.bytes.get(self.pos + 1), Some(b' ' | b'\n' | b'\r' | b'\t' | b'/')) => {
                self.pos += 1;
                Ok(())
            }
            Some(b' ' | b'\n' | b'\r' | b'\t' | b'/') => self.skip_ws_run(),
            _ => Ok(()),
        }
    }

    #[inline(never)]
    fn skip_ws_run(&mut self) -> Result<(), Failure> {
        loop {
            match self.bytes.get(self.pos) {
                Some(b' ' | b'\r' | b'\t') => self.pos += 1,
                Some(b'\n') => {
                    self.line = self.line.saturating_add(1);
                    self.pos = skip_indent(self.bytes, self.pos + 1);
                }
                Some(b'/') if self.opts.comments => self.skip_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// Skips the comment starting at `self.pos` (a `/`), counting the lines
    /// it ends or spans.
    fn skip_comment(&mut self) -> Result<(), Failure> {
        let start = self.pos;
        self.skip_comment_body()?;
        let newlines = memchr::memchr_iter(b'\n', self.bytes.get(start..self.pos).unwrap_or_default()).count();
        self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        Ok(())
    }

    fn skip_comment_body(&mut self) -> Result<(), Failure> {
        let start = self.pos;
        let body = start + 2;
        match self.bytes.get(start + 1) {
            Some(b'/') => {
                let rest = self.bytes.get(body..).unwrap_or_default();
                self.pos = match rest.iter().position(|&b| b == b'\n') {
                    Some(i) => body + i + 1,
                    None => self.bytes.len(),
                };
                Ok(())
            }
            Some(b'*') => {
                let rest = self.bytes.get(body..).unwrap_or_default();
                match rest.windows(2).position(|w| w == b"*/") {
                    Some(i) => {
                        self.pos = body + i + 2;
                        Ok(())
                    }
                    None => Err(err(start, "unterminated block comment (no closing `*/`)")),
                }
            }
            _ => Err(self.unexpected(start + 1, "expected `/` or `*` after `/` to start a comment")),
        }
    }

    fn enter(&mut self, open: usize) -> Result<(), Failure> {
        if self.depth >= MAX_DEPTH {
            return Err(err(open, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    /// Parses the value at `self.pos`, which is not whitespace. `expected`
    /// describes what was wanted here, for the error message.
    fn value(&mut self, expected: &str) -> Result<Node, Failure> {
        let start = self.pos;
        let line = self.line;
        let value = match self.bytes.get(start) {
            Some(b'"') => Value::String(self.string()?),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't') => self.literal(b"true", Value::Bool(true), expected)?,
            Some(b'f') => self.literal(b"false", Value::Bool(false), expected)?,
            Some(b'n') => self.literal(b"null", Value::Null, expected)?,
            _ => return Err(self.unexpected(start, expected)),
        };
        Ok(Node { value, offset: off(start), line })
    }

    fn literal(&mut self, word: &[u8], value: Value, expected: &str) -> Result<Value, Failure> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.unexpected(self.pos, expected))
        }
    }

    fn number(&mut self) -> Result<Value, Failure> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if matches!(b.get(i), Some(b'0'..=b'9')) {
                    return Err(err(i - 1, "leading zeros are not allowed in numbers"));
                }
            }
            Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
            _ => return Err(self.unexpected(i, "expected a digit after `-`")),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return Err(self.unexpected(i, "expected a digit after the decimal point"));
            }
            i = skip_digits(b, i + 1);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return Err(self.unexpected(i, "expected a digit in the exponent"));
            }
            i = skip_digits(b, i + 1);
        }
        if i - start > MAX_TOKEN_BYTES {
            return Err(too_long(start, "number"));
        }
        self.pos = i;
        Ok(Value::Number(CompactString::new(self.slice(start, i)?)))
    }

    /// An object key: shared with earlier equal keys when it has no escapes.
    fn key(&mut self) -> Result<Arc<str>, Failure> {
        let start = self.pos + 1;
        let end = scan_plain(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') && end - start <= MAX_TOKEN_BYTES {
            let k = self.slice(start, end)?;
            self.pos = end + 1;
            return Ok(self.keys.share(k));
        }
        self.string().map(Arc::from)
    }

    /// Parses the string whose opening quote is at `self.pos`.
    fn string(&mut self) -> Result<CompactString, Failure> {
        let open = self.pos;
        let start = open + 1;
        let end = scan_plain(self.bytes, start);
        if end - start > MAX_TOKEN_BYTES {
            return Err(too_long(open, "string"));
        }
        if self.bytes.get(end) == Some(&b'"') {
            // Fast path: no escapes, at most one allocation.
            self.pos = end + 1;
            return Ok(CompactString::new(self.slice(start, end)?));
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let result = self.string_with_escapes(open, start, end, &mut buf);
        let out = result.map(|()| CompactString::new(&buf));
        self.buf = buf;
        out
    }

    /// The slow path of [`Parser::string`]: plain runs are copied whole,
    /// escapes decoded one by one. `run` starts the current plain run and
    /// `i` is where it stopped.
    fn string_with_escapes(
        &mut self,
        open: usize,
        mut run: usize,
        mut i: usize,
        buf: &mut String,
    ) -> Result<(), Failure> {
        loop {
            if buf.len() + (i - run) > MAX_TOKEN_BYTES {
                return Err(too_long(open, "string"));
            }
            buf.push_str(self.slice(run, i)?);
            match self.bytes.get(i) {
                None => return Err(err(open, "unterminated string")),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => i = self.escape(open, i, buf)?,
                Some(&c) => {
                    let hint = if c == b'\n' { " (is a closing `\"` missing?)" } else { "" };
                    return Err(err(i, format!("control character U+{c:04X} in string must be escaped{hint}")));
                }
            }
            run = i;
            i = scan_plain(self.bytes, i);
        }
    }

    /// Decodes the escape whose backslash is at `i` into `buf`; returns the
    /// position after it.
    fn escape(&self, open: usize, i: usize, buf: &mut String) -> Result<usize, Failure> {
        let c = match self.bytes.get(i + 1) {
            None => return Err(err(open, "unterminated string")),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (c, next) = self.unicode_escape(open, i)?;
                buf.push(c);
                return Ok(next);
            }
            Some(_) => {
                let found = describe(self.text, i + 1);
                return Err(err(
                    i,
                    format!(
                        "invalid escape in string: expected one of \
                         `\\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\u` after `\\`, found {found}"
                    ),
                ));
            }
        };
        buf.push(c);
        Ok(i + 2)
    }

    /// Decodes `\uXXXX` at `i`, joining a UTF-16 surrogate pair written as
    /// two escapes. A surrogate without its partner is not a character and
    /// cannot be put in a Rust string, so it is an error.
    fn unicode_escape(&self, open: usize, i: usize) -> Result<(char, usize), Failure> {
        let first = self.hex4(open, i + 2)?;
        let unpaired = || err(i, format!("unpaired UTF-16 surrogate `\\u{first:04X}` in string"));
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(i + 6..i + 8) != Some(b"\\u") {
                    return Err(unpaired());
                }
                let second = self.hex4(open, i + 8)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(unpaired());
                }
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(code).map(|c| (c, i + 12)).ok_or_else(unpaired);
            }
            0xDC00..=0xDFFF => return Err(unpaired()),
            code => code,
        };
        char::from_u32(code).map(|c| (c, i + 6)).ok_or_else(unpaired)
    }

    /// Reads four hex digits at `at`.
    fn hex4(&self, open: usize, at: usize) -> Result<u32, Failure> {
        let mut code = 0u32;
        for k in at..at + 4 {
            let digit = match self.bytes.get(k) {
                None => return Err(err(open, "unterminated string")),
                Some(&b) => (b as char).to_digit(16),
            };
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(self.unexpected(k, "expected 4 hex digits after `\\u` in string"));
                }
            }
        }
        Ok(code)
    }

    fn array(&mut self) -> Result<Value, Failure> {
        let base = self.nodes.len();
        self.elements(&mut |p, node| p.nodes.push(node))?;
        Ok(Value::Array(self.nodes.split_off(base)))
    }

    /// An array at `self.pos` whose elements go to the stream sink; the
    /// returned node is the (empty) array.
    /// Array elements from `self.pos` (an element's first byte) until the
    /// element that starts at `stop` (the next part's guess), or the
    /// array's `]`. Part `me` (0 is the first) gives up when an earlier
    /// part finds that `me`'s guess was wrong; passing `stop` without
    /// landing on it marks every later part so.
    pub(super) fn elements_until(
        &mut self,
        mut stop: Option<usize>,
        me: usize,
        cancel: &[std::sync::atomic::AtomicBool],
        each: &mut dyn FnMut(&mut Self, Node),
    ) -> Result<Ended, Failure> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut expected = "expected a value or `]`";
        loop {
            if me > 0 && cancel.get(me - 1).is_some_and(|c| c.load(Relaxed)) {
                return Ok(Ended::Cancelled);
            }
            if let Some(s) = stop {
                if self.pos == s {
                    return Ok(Ended::Landed);
                }
                if self.pos > s {
                    cancel.iter().skip(me).for_each(|c| c.store(true, Relaxed));
                    stop = None;
                }
            }
            let node = self.value(expected)?;
            each(self, node);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        if !self.opts.trailing_commas {
                            return Err(err(comma, "trailing comma before `]` is not allowed"));
                        }
                        self.pos += 1;
                        return Ok(Ended::Closed { pos: self.pos, line: self.line });
                    }
                    expected = "expected a value after `,` in array";
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Ended::Closed { pos: self.pos, line: self.line });
                }
                _ => return Err(self.unexpected(self.pos, "expected `,` or `]` after array element")),
            }
        }
    }

    /// The elements of the array whose `[` is at `self.pos`, one by one.
    pub(super) fn elements(&mut self, each: &mut dyn FnMut(&mut Self, Node)) -> Result<(), Failure> {
        if self.open(b']')? {
            self.elements_until(None, 0, &[], each)?;
            self.depth -= 1;
        }
        Ok(())
    }

    /// Steps into the array or object whose opening bracket is at
    /// `self.pos`, to its first element: `false` (and past `close`) when it
    /// is empty. A non-empty one is left one level deeper, for the caller
    /// to close.
    pub(super) fn open(&mut self, close: u8) -> Result<bool, Failure> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        self.skip_ws()?;
        if self.peek() == Some(close) {
            self.pos += 1;
            self.depth -= 1;
            return Ok(false);
        }
        Ok(true)
    }

    fn object(&mut self) -> Result<Value, Failure> {
        if !self.open(b'}')? {
            return Ok(Value::Object(Vec::new()));
        }
        let base = self.members.len();
        let mut expected = "expected a string key or `}` in object";
        loop {
            let key_offset = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.unexpected_key(key_offset, expected));
            }
            let key = self.key()?;
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                return Err(self.unexpected(self.pos, "expected `:` after object key"));
            }
            self.pos += 1;
            self.skip_ws()?;
            let streamed = self.depth == 1
                && self.peek() == Some(b'[')
                && self.stream.as_ref().is_some_and(|(keys, _)| keys.contains(&&*key));
            let value = if streamed { self.stream_array(&key)? } else { self.value("expected a value after `:`")? };
            self.members.push(Member { key, key_offset: off(key_offset), value });
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        if !self.opts.trailing_commas {
                            return Err(err(comma, "trailing comma before `}` is not allowed"));
                        }
                        self.pos += 1;
                        break;
                    }
                    expected = "expected a string key after `,` in object";
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected(self.pos, "expected `,` or `}` after object member")),
            }
        }
        self.depth -= 1;
        // Most objects of a dump have a handful of keys: the check is a few
        // comparisons of shared keys (see `first_duplicate`).
        if !self.opts.keep_duplicate_keys && self.members.len() - base > 1 {
            if let Some((first, again)) = first_duplicate(&self.members[base..]) {
                return Err(self.duplicate(&self.members[base + first], &self.members[base + again]));
            }
        }
        Ok(Value::Object(self.members.split_off(base)))
    }

    #[cold]
    #[inline(never)]
    fn duplicate(&self, first: &Member, again: &Member) -> Failure {
        let e = duplicate_key_error(self.text, first, again);
        Failure { offset: again.key_offset, message: e.message, first: Some(first.key_offset) }
    }

    /// "expected X, found Y" for the token at `pos`, with a hint for the
    /// usual non-JSON suspects. Errors are rare; keep them out of line so
    /// the recursive parse functions keep small stack frames.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, pos: usize, expected: &str) -> Failure {
        if pos >= self.bytes.len() {
            return err(pos, format!("unexpected end of input (the file looks truncated); {expected}"));
        }
        let found = describe(self.text, pos);
        let hint = match self.bytes.get(pos) {
            Some(b'\'') => " (strings must use double quotes)",
            Some(b'/') if !self.opts.comments => " (comments are not allowed)",
            Some(b'+') => " (numbers may not start with `+`)",
            Some(b'.') => " (numbers must have a digit before the decimal point)",
            Some(b'N' | b'I') if found == "`NaN`" || found == "`Infinity`" => {
                " (NaN and Infinity are not valid JSON numbers)"
            }
            _ => "",
        };
        err(pos, format!("{expected}, found {found}{hint}"))
    }

    #[cold]
    #[inline(never)]
    fn unexpected_key(&self, pos: usize, expected: &str) -> Failure {
        let mut e = self.unexpected(pos, expected);
        let bare_word = self.bytes.get(pos).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if bare_word {
            e.message.push_str(" (object keys must be double-quoted strings)");
        }
        e
    }
}

/// Skips the spaces that indent a line, eight at a time. Pretty-printed
/// CLI dumps are about a third indentation, and testing it byte by byte
/// was the parser's largest single cost.
fn skip_indent(b: &[u8], mut i: usize) -> usize {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    while let Some(chunk) = b.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
        // Bytes equal to a space become zero: the zero bytes below the
        // first other byte are the spaces left (little-endian order).
        let rest = u64::from_le_bytes(chunk) ^ SPACES;
        if rest != 0 {
            return i + (rest.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// A string or number longer than [`MAX_TOKEN_BYTES`], at its start.
#[cold]
#[inline(never)]
fn too_long(at: usize, what: &str) -> Failure {
    let limit = MAX_TOKEN_BYTES >> 20;
    err(
        at,
        format!("a {what} longer than {limit} MiB: longer than any value an input of ours holds, so it is not read"),
    )
}

fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// Returns the position of the first byte at or after `i` that ends a plain
/// string run: `"`, `\` or a control character (or `bytes.len()`).
///
/// Strings are most of a cloud dump's bytes, so this checks eight bytes per
/// step with the "has zero byte" bit trick (Hacker's Delight §6.1;
/// <https://graphics.stanford.edu/~seander/bithacks.html#HasLessInWord>).
/// Borrows only travel towards higher bytes, so the lowest flagged byte is
/// always a true match and its index is exact.
#[inline]
fn scan_plain(bytes: &[u8], mut i: usize) -> usize {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const HI: u64 = u64::from_le_bytes([0x80; 8]);
    const QUOTE: u64 = LO * b'"' as u64;
    const BACKSLASH: u64 = LO * b'\\' as u64;
    const SPACE: u64 = LO * 0x20;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let v = u64::from_le_bytes(word);
        let q = v ^ QUOTE;
        let s = v ^ BACKSLASH;
        let hits = (q.wrapping_sub(LO) & !q) | (s.wrapping_sub(LO) & !s) | (v.wrapping_sub(SPACE) & !v);
        let hits = hits & HI;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Describes the token at `pos` for "found ..." in error messages: a whole
/// word for letters (`NaN`, `True`), the character otherwise.
fn describe(text: &str, pos: usize) -> String {
    let Some(rest) = text.get(pos..) else {
        return format!("byte 0x{:02X}", text.as_bytes().get(pos).copied().unwrap_or(0));
    };
    let Some(c) = rest.chars().next() else {
        return "end of input".into();
    };
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if is_word(c) {
        const MAX: usize = 24;
        let word: String = rest.chars().take_while(|&c| is_word(c)).take(MAX + 1).collect();
        if word.len() > MAX {
            let word = word.get(..MAX).unwrap_or_default();
            return format!("`{word}...`");
        }
        return format!("`{word}`");
    }
    if c.is_control() {
        return format!("control character U+{:04X}", c as u32);
    }
    if c == '`' {
        return "a backtick".into();
    }
    if c.is_ascii() {
        return format!("`{c}`");
    }
    format!("`{c}` (U+{:04X})", c as u32)
}
