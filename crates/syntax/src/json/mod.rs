//! A span-preserving JSON parser for the inputs portcullis reads: AWS CLI
//! dumps (often tens of megabytes), Terraform plan JSON, and ARM templates
//! (JSON with comments).
//!
//! Every value and every object key remembers the byte offset it starts at,
//! so a finding can point at the line that caused it (turn offsets into line
//! and column with [`crate::LineIndex`]). Strict RFC 8259 is the
//! default; [`Options`] turns on comments and trailing commas for ARM
//! templates. Numbers are kept as their literal text so nothing is lost to
//! floating point before a rule decides how to read them.
//!
//! We parse ourselves rather than use `serde_json` because serde's value
//! tree has no positions, and we need positions for every value. The parser
//! never panics on any input and never recurses deeper than [`MAX_DEPTH`]
//! containers, so hostile input cannot overflow the stack.
//!
//! This tree is the parser's own, not the positioned [`crate::Value`] the
//! language front-ends produce: CLI dumps of hundreds of megabytes are read
//! straight from it (offsets instead of spans, short strings inline, keys
//! shared), and converting them would cost the time and memory the parser
//! was tuned to save. Templates convert it into [`crate::Value`] once.
//!
//! The parser is split by responsibility: [`tree`] (what a parse gives),
//! `parse` (the recursive descent over one text), `keys` (object keys
//! shared between members), `stream` (top-level arrays handed out element
//! by element) and `parts` (one streamed array read on several threads).

mod keys;
mod parse;
mod parts;
mod stream;
pub mod testing;
pub mod tree;

pub use keys::{duplicate_key_error, first_duplicate, BuildFnv, Fnv};
pub use tree::{Member, Node, Value};

use crate::Error;
use parse::Parser;
use parts::Parts;

/// The deepest nesting of arrays and objects that [`parse`] accepts. Real
/// inputs nest a few dozen levels at most; the cap keeps the recursive
/// parser (and the recursive `Drop` of the tree) well inside any stack.
pub const MAX_DEPTH: usize = 512;

/// The longest string or number [`parse`] reads, in bytes (of the text,
/// escapes included). Each one is copied out of the text, so a single
/// value as large as the input doubled what a 2 GiB dump needs and made
/// the allocation fail under an address-space limit (issue 12, item 9);
/// longer ones are an error at their start. The largest values real inputs
/// hold are a plan's file contents (`user_data`, a base64 archive: Lambda
/// takes at most 50 MB zipped, about 67 MB as base64) and a template's
/// inline scripts; 128 MiB is twice that.
pub const MAX_TOKEN_BYTES: usize = 128 << 20;

/// Extensions to strict RFC 8259. The default accepts strict JSON only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept `// line` and `/* block */` comments wherever whitespace may
    /// appear (ARM templates).
    pub comments: bool,
    /// Accept one comma after the last element of an array or object.
    pub trailing_commas: bool,
    /// Keep every member of an object that repeats a key, in order, instead
    /// of refusing the text. RFC 8259 §4 only says names "SHOULD be
    /// unique" and parsers differ on which repeated value counts, so every
    /// reader refuses them (as the YAML loader does), except Terraform's
    /// JSON syntax, which gives repeated names a meaning (several blocks of
    /// one type) and checks them itself.
    pub keep_duplicate_keys: bool,
}

impl Options {
    /// Strict RFC 8259, repeated keys refused.
    pub const STRICT: Options = Options { comments: false, trailing_commas: false, keep_duplicate_keys: false };
    /// JSON with comments and trailing commas, as ARM templates and VS Code
    /// settings files are written; repeated keys refused.
    pub const LENIENT: Options = Options { comments: true, trailing_commas: true, keep_duplicate_keys: false };
}

/// Parses one JSON value, surrounded only by whitespace (and comments, when
/// enabled).
///
/// A leading UTF-8 byte order mark is skipped: RFC 8259 §8.1 lets parsers
/// ignore it, and Windows PowerShell's `Out-File` writes one in front of
/// `aws ... > dump.json`. Offsets still count it.
pub fn parse(text: &str, opts: Options) -> Result<Node, Error> {
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
pub fn parse_streaming(text: &str, opts: Options, keys: &[&str], sink: ElementSink) -> Result<Node, Error> {
    run(text, opts, Some((keys, sink)), None)
}

/// Receives the elements of one part of a streamed array read in parallel
/// (see [`parse_streaming_parts`]).
pub trait PartSink: Send {
    fn element(&mut self, key: &str, node: Node);
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
) -> (Result<Node, Error>, usize) {
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
) -> Result<Node, Error> {
    let mut p = Parser::new(text, opts, Some((keys, sink)));
    p.parts = Some(parts);
    let node = p.document().map_err(Error::from);
    *used = p.parts.as_ref().map_or(1, |q| q.used);
    node
}

fn run<'a>(
    text: &'a str,
    opts: Options,
    stream: Option<(&'a [&'a str], ElementSink<'a>)>,
    parts: Option<Parts<'a>>,
) -> Result<Node, Error> {
    if u32::try_from(text.len()).is_err() {
        return Err(Error::json(0, "input is larger than 4 GiB, which JSON offsets cannot address"));
    }
    let mut p = Parser::new(text, opts, stream);
    p.parts = parts;
    p.document().map_err(Error::from)
}
