//! A span-preserving JSON parser for the inputs portcullis reads: AWS CLI
//! dumps (often tens of megabytes), Terraform plan JSON, and ARM templates
//! (JSON with comments).
//!
//! Every value and every object key remembers the byte offset it starts at,
//! so a finding can point at the line that caused it (turn offsets into line
//! and column with `portcullis_model::LineIndex`). Strict RFC 8259 is the
//! default; [`Options`] turns on comments and trailing commas for ARM
//! templates. Numbers are kept as their literal text so nothing is lost to
//! floating point before a rule decides how to read them.
//!
//! We parse ourselves rather than use `serde_json` because serde's value
//! tree has no positions, and we need positions for every value. The parser
//! never panics on any input and never recurses deeper than [`MAX_DEPTH`]
//! containers, so hostile input cannot overflow the stack.

use compact_str::CompactString;
use std::fmt;

/// The deepest nesting of arrays and objects that [`parse`] accepts. Real
/// inputs nest a few dozen levels at most; the cap keeps the recursive
/// parser (and the recursive `Drop` of the tree) well inside any stack.
pub const MAX_DEPTH: usize = 512;

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
    pub key: std::sync::Arc<str>,
    /// Byte offset of the key's opening `"`.
    pub key_offset: u32,
    pub value: Node,
}

/// Why a text is not (the accepted dialect of) JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the offending byte; the length of the text when the
    /// input ends too early.
    pub offset: u32,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// Extensions to strict RFC 8259. The default accepts strict JSON only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept `// line` and `/* block */` comments wherever whitespace may
    /// appear (ARM templates).
    pub comments: bool,
    /// Accept one comma after the last element of an array or object.
    pub trailing_commas: bool,
}

impl Options {
    /// Strict RFC 8259.
    pub const STRICT: Options = Options { comments: false, trailing_commas: false };
    /// JSON with comments and trailing commas, as ARM templates and VS Code
    /// settings files are written.
    pub const LENIENT: Options = Options { comments: true, trailing_commas: true };
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
}

/// Parses one JSON value, surrounded only by whitespace (and comments, when
/// enabled).
///
/// A leading UTF-8 byte order mark is skipped: RFC 8259 §8.1 lets parsers
/// ignore it, and Windows PowerShell's `Out-File` writes one in front of
/// `aws ... > dump.json`. Offsets still count it.
pub fn parse(text: &str, opts: Options) -> Result<Node, JsonError> {
    run(text, opts, None, None)
}

/// Receives the elements of a streamed top-level array: the member's key
/// and one element at a time.
pub type ElementSink<'s> = &'s mut dyn FnMut(&str, Node);

/// Parses like [`parse`], but hands the elements of the arrays found under
/// `keys` in the top-level object to `sink` one by one instead of keeping
/// them (those arrays come back empty). A 300 MB CLI dump then never
/// exists as one tree: each element is adapted and dropped while the
/// parser moves on, which bounds memory by the largest element.
pub fn parse_streaming(text: &str, opts: Options, keys: &[&str], sink: ElementSink) -> Result<Node, JsonError> {
    run(text, opts, Some((keys, sink)), None)
}

/// Receives the elements of one part of a streamed array read in parallel
/// (see [`parse_streaming_parts`]).
pub trait PartSink: Send {
    fn element(&mut self, key: &str, node: Node);
}

/// The sinks of the parts after the first, and how many parts were used.
struct Parts<'a> {
    sinks: &'a mut [&'a mut dyn PartSink],
    used: usize,
}

/// Like [`parse_streaming`], with the streamed array read in up to
/// `1 + rest.len()` parts on as many threads: `first` receives the first
/// part's elements (and any other streamed array's) on the calling thread,
/// `rest[i]` those of part `i + 1`. Returns the root (or the error) and how
/// many parts hold elements: the caller keeps `first` and
/// `rest[..used - 1]`, in order, and drops the others (a part that began at
/// a wrong guess holds nothing valid). After an error, the kept parts hold
/// the elements before it, as a sequential parse's sink would.
///
/// Parts begin at guesses: in indented text, a line indented like the
/// array's first element and starting the same way, after a comma. A guess
/// is confirmed only when the part before it, parsed in full, ends exactly
/// there; otherwise that part reads on to the end of the array and the
/// later parts are dropped. The elements, their order and any error are
/// therefore exactly those of a sequential parse.
pub fn parse_streaming_parts<'a>(
    text: &'a str,
    opts: Options,
    keys: &'a [&'a str],
    first: ElementSink<'a>,
    rest: &'a mut [&'a mut dyn PartSink],
) -> (Result<Node, JsonError>, usize) {
    let parts = Parts { sinks: rest, used: 1 };
    let mut used = 1;
    let node = run_parts(text, opts, keys, first, parts, &mut used);
    (node, used)
}

fn run_parts<'a>(
    text: &'a str,
    opts: Options,
    keys: &'a [&'a str],
    sink: ElementSink<'a>,
    parts: Parts<'a>,
    used: &mut usize,
) -> Result<Node, JsonError> {
    let mut p = Parser::new(text, opts, Some((keys, sink)));
    p.parts = Some(parts);
    let node = p.document();
    *used = p.parts.as_ref().map_or(1, |q| q.used);
    node
}

fn run<'a>(
    text: &'a str,
    opts: Options,
    stream: Option<(&'a [&'a str], ElementSink<'a>)>,
    parts: Option<Parts<'a>>,
) -> Result<Node, JsonError> {
    if u32::try_from(text.len()).is_err() {
        return Err(JsonError {
            offset: 0,
            message: "input is larger than 4 GiB, which JSON offsets cannot address".into(),
        });
    }
    let mut p = Parser::new(text, opts, stream);
    p.parts = parts;
    p.document()
}

/// Byte offsets fit in `u32`: [`parse`] rejects longer inputs up front.
fn off(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

fn err(pos: usize, message: impl Into<String>) -> JsonError {
    JsonError { offset: off(pos), message: message.into() }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// 1-based line of `pos`: newlines occur only in whitespace and
    /// comments (a raw one in a string is an error), both skipped here.
    line: u32,
    opts: Options,
    depth: usize,
    /// Elements of the arrays being parsed, innermost last. A finished array
    /// splits its elements off the top, which allocates the result exactly
    /// once at its final size instead of growing a `Vec` per array.
    nodes: Vec<Node>,
    /// The same for object members.
    members: Vec<Member>,
    /// Reused buffer for strings that contain escapes.
    buf: String,
    /// Top-level arrays to stream, and where their elements go.
    stream: Option<(&'a [&'a str], ElementSink<'a>)>,
    /// Sinks for reading the (first) streamed array in parallel parts.
    parts: Option<Parts<'a>>,
    /// Object keys seen so far (up to [`MAX_INTERNED`] distinct ones).
    keys: std::collections::HashMap<&'a str, std::sync::Arc<str>, BuildFnv>,
    /// The most recent key for each of a few slots, checked before `keys`:
    /// a document repeats a few dozen keys, nearly always found here.
    recent: Box<[Option<RecentKey<'a>>; RECENT]>,
}

/// A key as written and its shared copy.
type RecentKey<'a> = (&'a str, std::sync::Arc<str>);

/// Slots of [`Parser::recent`] (a power of two).
const RECENT: usize = 256;

/// A slot of [`Parser::recent`] for a key: its length and first bytes.
#[inline]
fn recent_slot(k: &[u8]) -> usize {
    let mut w = [0u8; 8];
    let n = k.len().min(8);
    w[..n].copy_from_slice(&k[..n]);
    let h = (u64::from_le_bytes(w) ^ (k.len() as u64).rotate_left(56)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 56) as usize % RECENT
}

/// String equality for object keys, which are short: compared as machine
/// words where a `memcmp` call cost more than the comparison (profiles).
#[inline]
pub(crate) fn key_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    match n {
        // Two overlapping words cover 8 to 16 bytes.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        0..=7 => a == b,
        _ => word(a, 0) == word(b, 0) && a == b,
    }
}

/// Distinct keys kept for sharing; past this, keys are allocated each time
/// (a document with unbounded distinct keys must not grow the table).
const MAX_INTERNED: usize = 4096;

/// FNV-1a: keys are short, and SipHash's setup cost showed in profiles.
/// Also for the adapters' tables of ids (`HashMap<String, _, BuildFnv>`):
/// nothing hashed here comes from an adversary who could aim collisions at
/// a table (an input crafted that way only slows its own scan).
#[derive(Default, Clone, Copy)]
pub struct BuildFnv;

pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, opts: Options, stream: Option<(&'a [&'a str], ElementSink<'a>)>) -> Self {
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
            keys: std::collections::HashMap::with_hasher(BuildFnv),
            recent: Box::new([const { None }; RECENT]),
        }
    }

    /// The whole text: one value and whitespace around it.
    fn document(&mut self) -> Result<Node, JsonError> {
        if self.bytes.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.skip_ws()?;
        if self.pos >= self.bytes.len() {
            return Err(JsonError {
                offset: off(self.pos),
                message: "expected a JSON value, found end of input (the input is empty)".into(),
            });
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
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        self.text.get(start..end).ok_or_else(|| err(start, "internal error: not a char boundary"))
    }

    /// Most tokens are not preceded by whitespace, or by one space: decide
    /// that inline and leave the loop out of line.
    #[inline]
    fn skip_ws(&mut self) -> Result<(), JsonError> {
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
    fn skip_ws_run(&mut self) -> Result<(), JsonError> {
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
    fn skip_comment(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        self.skip_comment_body()?;
        let newlines = memchr::memchr_iter(b'\n', self.bytes.get(start..self.pos).unwrap_or_default()).count();
        self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        Ok(())
    }

    fn skip_comment_body(&mut self) -> Result<(), JsonError> {
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

    fn enter(&mut self, open: usize) -> Result<(), JsonError> {
        if self.depth >= MAX_DEPTH {
            return Err(err(open, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    /// Parses the value at `self.pos`, which is not whitespace. `expected`
    /// describes what was wanted here, for the error message.
    fn value(&mut self, expected: &str) -> Result<Node, JsonError> {
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

    fn literal(&mut self, word: &[u8], value: Value, expected: &str) -> Result<Value, JsonError> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.unexpected(self.pos, expected))
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
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
        self.pos = i;
        Ok(Value::Number(CompactString::new(self.slice(start, i)?)))
    }

    /// An object key: shared with earlier equal keys when it has no escapes.
    fn key(&mut self) -> Result<std::sync::Arc<str>, JsonError> {
        let start = self.pos + 1;
        let end = scan_plain(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            let k = self.slice(start, end)?;
            self.pos = end + 1;
            let slot = recent_slot(k.as_bytes());
            if let Some((seen, shared)) = &self.recent[slot] {
                if key_eq(seen, k) {
                    return Ok(shared.clone());
                }
            }
            let shared = match self.keys.get(k) {
                Some(shared) => shared.clone(),
                None => {
                    let shared: std::sync::Arc<str> = std::sync::Arc::from(k);
                    if self.keys.len() < MAX_INTERNED {
                        self.keys.insert(k, shared.clone());
                    }
                    shared
                }
            };
            self.recent[slot] = Some((k, shared.clone()));
            return Ok(shared);
        }
        self.string().map(std::sync::Arc::from)
    }

    /// Parses the string whose opening quote is at `self.pos`.
    fn string(&mut self) -> Result<CompactString, JsonError> {
        let open = self.pos;
        let start = open + 1;
        let end = scan_plain(self.bytes, start);
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
    ) -> Result<(), JsonError> {
        loop {
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
    fn escape(&self, open: usize, i: usize, buf: &mut String) -> Result<usize, JsonError> {
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
    fn unicode_escape(&self, open: usize, i: usize) -> Result<(char, usize), JsonError> {
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
    fn hex4(&self, open: usize, at: usize) -> Result<u32, JsonError> {
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

    fn array(&mut self) -> Result<Value, JsonError> {
        let base = self.nodes.len();
        self.elements(&mut |p, node| p.nodes.push(node))?;
        Ok(Value::Array(self.nodes.split_off(base)))
    }

    /// An array at `self.pos` whose elements go to the stream sink; the
    /// returned node is the (empty) array.
    fn stream_array(&mut self, key: &str) -> Result<Node, JsonError> {
        let open = self.pos;
        let line = self.line;
        // Only the first streamed array is read in parts: its sinks are
        // taken (and `used` recorded) by `stream_parts`.
        match self.parts.take() {
            Some(mut parts) if !parts.sinks.is_empty() => {
                let r = self.stream_parts(key, &mut parts);
                self.parts = Some(parts);
                r?;
            }
            other => {
                self.parts = other;
                self.elements(&mut |p, node| {
                    if let Some((_, sink)) = p.stream.as_mut() {
                        sink(key, node);
                    }
                })?;
            }
        }
        Ok(Node { value: Value::Array(Vec::new()), offset: off(open), line })
    }

    /// The streamed array whose `[` is at `self.pos`, read in parts on as
    /// many threads (see [`parse_streaming_parts`]).
    fn stream_parts(&mut self, key: &str, parts: &mut Parts<'a>) -> Result<(), JsonError> {
        use std::sync::atomic::AtomicBool;
        if !self.open(b']')? {
            return Ok(());
        }
        let sinks = std::mem::take(&mut parts.sinks);
        let starts = part_starts(self.bytes, self.pos, sinks.len());
        let cancel: Vec<AtomicBool> = starts.iter().map(|_| AtomicBool::new(false)).collect();
        let (text, opts, depth) = (self.text, self.opts, self.depth);
        let mut main_sink = |p: &mut Parser<'a>, node: Node| {
            if let Some((_, sink)) = p.stream.as_mut() {
                sink(key, node);
            }
        };
        let (main, others) = std::thread::scope(|scope| {
            let handles: Vec<_> = sinks
                .iter_mut()
                .zip(starts.iter().enumerate())
                .map(|(sink, (i, &start))| {
                    let (stop, cancel) = (starts.get(i + 1).copied(), &cancel);
                    scope.spawn(move || {
                        let mut p = Parser::new(text, opts, None);
                        p.pos = start;
                        p.depth = depth;
                        let before = text.as_bytes().get(..start).unwrap_or_default();
                        let lines = bytecount::count(before, b'\n');
                        p.line = u32::try_from(lines).map_or(u32::MAX, |n| n.saturating_add(1));
                        p.elements_until(stop, i + 1, cancel, &mut |_, node| sink.element(key, node))
                    })
                })
                .collect();
            let main = self.elements_until(starts.first().copied(), 0, &cancel, &mut main_sink);
            let others: Vec<Result<Ended, JsonError>> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            (main, others)
        });
        // Follow the parts that were confirmed, in order, to the one that
        // closed the array.
        let mut others = others.into_iter();
        let mut current = main;
        let mut used = 1;
        loop {
            // Elements read before an error stand, as in a sequential parse.
            parts.used = used;
            match current? {
                Ended::Closed { pos, line } => {
                    self.pos = pos;
                    self.line = line;
                    break;
                }
                Ended::Landed => {
                    used += 1;
                    current = others.next().unwrap_or_else(|| Err(err(self.pos, "internal error: a part is missing")));
                }
                Ended::Cancelled => return Err(err(self.pos, "internal error: a confirmed part was cancelled")),
            }
        }
        parts.used = used;
        self.depth -= 1;
        Ok(())
    }

    /// Array elements from `self.pos` (an element's first byte) until the
    /// element that starts at `stop` (the next part's guess), or the
    /// array's `]`. Part `me` (0 is the first) gives up when an earlier
    /// part finds that `me`'s guess was wrong; passing `stop` without
    /// landing on it marks every later part so.
    fn elements_until(
        &mut self,
        mut stop: Option<usize>,
        me: usize,
        cancel: &[std::sync::atomic::AtomicBool],
        each: &mut dyn FnMut(&mut Self, Node),
    ) -> Result<Ended, JsonError> {
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
    fn elements(&mut self, each: &mut dyn FnMut(&mut Self, Node)) -> Result<(), JsonError> {
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
    fn open(&mut self, close: u8) -> Result<bool, JsonError> {
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

    fn object(&mut self) -> Result<Value, JsonError> {
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
        Ok(Value::Object(self.members.split_off(base)))
    }

    /// "expected X, found Y" for the token at `pos`, with a hint for the
    /// usual non-JSON suspects. Errors are rare; keep them out of line so
    /// the recursive parse functions keep small stack frames.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, pos: usize, expected: &str) -> JsonError {
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
    fn unexpected_key(&self, pos: usize, expected: &str) -> JsonError {
        let mut e = self.unexpected(pos, expected);
        let bare_word = self.bytes.get(pos).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if bare_word {
            e.message.push_str(" (object keys must be double-quoted strings)");
        }
        e
    }
}

/// How a part of a streamed array ended.
enum Ended {
    /// At the `]`; `pos` and `line` are just after it.
    Closed { pos: usize, line: u32 },
    /// At the next part's first element: that part goes on from there.
    Landed,
    /// Given up: an earlier part found this part's start was a wrong guess.
    Cancelled,
}

/// Guesses where `extra` more parts of the array whose first element is at
/// `first` could begin, spread over the rest of the text: the first line
/// after each share that is indented like the first element, starts with
/// the same byte, and follows a comma. None in text without line breaks.
/// A guess may be wrong (a nested element indented the same way); the
/// parts confirm or drop it.
fn part_starts(b: &[u8], first: usize, extra: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(line_start) = memchr::memrchr(b'\n', b.get(..first).unwrap_or_default()).map(|i| i + 1) else {
        return out;
    };
    let (Some(indent), Some(&lead)) = (b.get(line_start..first), b.get(first)) else { return out };
    if !indent.iter().all(|&c| c == b' ' || c == b'\t') {
        return out;
    }
    let share = (b.len() - first) / (extra + 1);
    for k in 1..=extra {
        let mut at = (first + share * k).max(out.last().map_or(0, |&l| l + 1));
        let found = loop {
            let Some(nl) = b.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)).map(|i| at + i) else {
                break None;
            };
            let e = nl + 1 + indent.len();
            let after_comma = b[..nl].iter().rev().find(|c| !matches!(c, b' ' | b'\t' | b'\r')) == Some(&b',');
            if b.get(nl + 1..e) == Some(indent) && b.get(e) == Some(&lead) && after_comma {
                break Some(e);
            }
            at = nl + 1;
        };
        match found {
            Some(e) => out.push(e),
            None => break,
        }
    }
    out
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

/// Sequential and parallel streamed parses side by side, collected, for
/// the tests and the fuzz target that compare them.
pub mod testing {
    use super::{parse_streaming, parse_streaming_parts, JsonError, Node, Options, PartSink};

    /// A parse's result and the elements its sink received, in order.
    pub type Streamed = (Result<Node, JsonError>, Vec<(String, Node)>);

    /// Collects a streamed array's elements.
    #[derive(Default)]
    pub struct Collect(pub Vec<(String, Node)>);

    impl PartSink for Collect {
        fn element(&mut self, key: &str, node: Node) {
            self.0.push((key.to_string(), node));
        }
    }

    /// [`parse_streaming`], collected.
    pub fn sequentially(text: &str, opts: Options, keys: &[&str]) -> Streamed {
        let mut got = Collect::default();
        let root = parse_streaming(text, opts, keys, &mut |k: &str, n: Node| got.element(k, n));
        (root, got.0)
    }

    /// [`parse_streaming_parts`] with `1 + extra` parts, the used parts'
    /// elements joined in order. Panics if it reports an impossible count.
    pub fn in_parts(text: &str, opts: Options, keys: &[&str], extra: usize) -> Streamed {
        let mut first = Collect::default();
        let mut others: Vec<Collect> = (0..extra).map(|_| Collect::default()).collect();
        let (root, used) = {
            let mut refs: Vec<&mut dyn PartSink> = others.iter_mut().map(|c| c as &mut dyn PartSink).collect();
            let mut sink = |k: &str, n: Node| first.element(k, n);
            parse_streaming_parts(text, opts, keys, &mut sink, &mut refs)
        };
        assert!((1..=extra + 1).contains(&used), "{used} parts used of {}", extra + 1);
        let mut all = first.0;
        for c in others.into_iter().take(used - 1) {
            all.extend(c.0);
        }
        (root, all)
    }
}

#[cfg(test)]
mod tests {
    use super::key_eq;

    #[test]
    fn key_eq_agrees_with_string_equality() {
        // Every length up to 40, equal and differing at each position, and
        // differing lengths with a common prefix.
        for n in 0..40usize {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(key_eq(&a, &a.clone()), "equal, length {n}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).expect("ASCII");
                assert!(!key_eq(&a, &b), "length {n}, differing at {at}");
            }
            let longer = format!("{a}x");
            assert!(!key_eq(&a, &longer) && !key_eq(&longer, &a), "lengths {n} and {}", n + 1);
        }
    }
}
