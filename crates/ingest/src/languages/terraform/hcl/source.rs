//! Configuration files as the evaluator sees them: parsed once, with a line
//! index for spans, and one view over both syntaxes (native HCL and
//! Terraform's JSON syntax) so the evaluator walks bodies and expressions
//! without caring which one it reads.
//!
//! JSON syntax is described at
//! developer.hashicorp.com/terraform/language/syntax/json: strings are
//! templates (`"${var.x}"`), and whether a key is an attribute or a nested
//! block depends on the provider schema, which we do not have. Both forms
//! give the same shape here (a block type becomes a list of objects, and
//! `"ingress": [{…}]` is already one), so the ambiguity does not matter.

use crate::error::{ErrorKind, IngestError};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body as HclBody, Structure};
use hcl_edit::template::Template;
use hcl_edit::Span as _;
use portcullis_model::Span;
use portcullis_syntax::json::{self, Node, Value};
use portcullis_syntax::LineIndex;
use std::collections::HashMap;
use std::sync::Arc;

/// Deepest bracket nesting a native file may have before we refuse to hand
/// it to the (recursive) parser. Real configurations nest a dozen levels.
const MAX_NESTING: usize = 400;

pub(crate) enum Tree {
    Hcl(HclBody),
    Json(Node),
    /// Did not parse; the error was reported.
    None,
}

/// One parsed file.
pub(crate) struct SourceFile {
    /// Path as shown in spans and errors.
    pub display: Arc<str>,
    text: String,
    lines: LineIndex,
    pub ast: Tree,
    /// JSON syntax: templates parsed from strings, by the string's offset.
    pub templates: HashMap<u32, Template>,
    /// JSON syntax: type constraints parsed from `"type"` strings.
    pub type_exprs: HashMap<u32, Expression>,
}

impl SourceFile {
    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn span(&self, off: usize) -> Span {
        let (line, column) = self.lines.line_column(&self.text, off);
        Span::new(self.display.clone(), line, column)
    }

    pub fn error(&self, off: usize, kind: ErrorKind, message: String) -> IngestError {
        let s = self.span(off);
        IngestError { file: self.display.to_string(), line: s.line, column: s.column, kind, message }
    }

    /// A text that is not a file (a `--var` value): spans only.
    pub fn detached(display: Arc<str>, text: String) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile { display, text, lines, ast: Tree::None, templates: HashMap::new(), type_exprs: HashMap::new() }
    }

    /// Parses `text` as native syntax (`json == false`) or JSON syntax.
    pub fn parse(display: Arc<str>, text: String, json_syntax: bool) -> (SourceFile, Option<IngestError>) {
        let lines = LineIndex::new(&text);
        let mut f =
            SourceFile { display, text, lines, ast: Tree::None, templates: HashMap::new(), type_exprs: HashMap::new() };
        let err = if json_syntax { f.parse_json() } else { f.parse_hcl() };
        (f, err)
    }

    fn parse_hcl(&mut self) -> Option<IngestError> {
        if let Some(off) = too_deep(&self.text) {
            return Some(self.error(off, ErrorKind::Syntax, format!("nested more than {MAX_NESTING} levels deep")));
        }
        // hcl-edit is a third-party parser; a panic in it must not take the
        // whole scan down, so it becomes a syntax error on this file.
        let text = self.text.as_str();
        let parsed = std::panic::catch_unwind(|| hcl_edit::parser::parse_body(text));
        match parsed {
            Ok(Ok(body)) => {
                self.ast = Tree::Hcl(body);
                None
            }
            Ok(Err(e)) => {
                let loc = e.location();
                let msg = format!("not valid HCL: {}", e.message());
                Some(IngestError {
                    file: self.display.to_string(),
                    line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
                    column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
                    kind: ErrorKind::Syntax,
                    message: msg,
                })
            }
            Err(_) => Some(self.error(0, ErrorKind::Syntax, "not valid HCL: the parser failed".into())),
        }
    }

    fn parse_json(&mut self) -> Option<IngestError> {
        let bom = if self.text.starts_with('\u{feff}') { 3 } else { 0 };
        let text = &self.text[bom..];
        let keep = json::Options { keep_duplicate_keys: true, ..json::Options::STRICT };
        match json::parse(text, keep) {
            Ok(n) => {
                if let Some((first, again)) = repeated_argument(&n) {
                    let e = json::duplicate_key_error(text, first, again);
                    return Some(self.error(again.key_offset as usize + bom, ErrorKind::Syntax, e.message));
                }
                let mut n = shift(n, bom as u32);
                merge_repeated_blocks(&mut n);
                let mut templates = HashMap::new();
                let mut types = HashMap::new();
                collect_templates(&n, false, &mut templates, &mut types);
                self.templates = templates;
                self.type_exprs = types;
                self.ast = Tree::Json(n);
                None
            }
            Err(e) => Some(self.error(
                e.offset().unwrap_or(0) as usize + bom,
                ErrorKind::Syntax,
                format!("not valid JSON: {}", e.message),
            )),
        }
    }
}

/// Top-level names of Terraform's JSON syntax that are block types: each
/// may be repeated (several blocks of one type), and the object levels
/// under it (labels) may repeat names too.
const BLOCK_TYPES: &[(&str, usize)] = &[
    ("resource", 2),
    ("data", 2),
    ("ephemeral", 2),
    ("variable", 1),
    ("output", 1),
    ("module", 1),
    ("provider", 1),
    ("locals", 0),
    ("terraform", 0),
    ("moved", 0),
    ("import", 0),
    ("removed", 0),
    ("check", 1),
];

/// The first name repeated where Terraform's JSON syntax gives a repeat no
/// meaning, as (first, repeat). HCL's JSON syntax keeps repeated property
/// names because a repeated block type is several blocks
/// (github.com/hashicorp/hcl, `json/spec.md`), so top-level block types and
/// the label levels under them may repeat. Inside a block's body, a name
/// repeated with an object (or a list of objects) each time is a nested
/// block type written as several blocks (`"ingress": {…}, "ingress": {…}`):
/// Terraform reads every one, and so does this reader
/// ([`merge_repeated_blocks`]). A name repeated with any other value is an
/// argument written twice, Terraform's "Duplicate argument" error, where
/// the first would win silently. Everything else (a variables file's
/// names, the values inside a body) must not repeat a key.
fn repeated_argument(root: &Node) -> Option<(&json::Member, &json::Member)> {
    let members = root.as_object()?;
    let loose: Vec<&json::Member> =
        members.iter().filter(|m| !BLOCK_TYPES.iter().any(|(t, _)| *t == &*m.key)).collect();
    for (j, later) in loose.iter().enumerate() {
        if let Some(earlier) = loose[..j].iter().find(|m| m.key == later.key) {
            return Some((earlier, later));
        }
    }
    members.iter().find_map(|m| match BLOCK_TYPES.iter().find(|(t, _)| *t == &*m.key) {
        Some(&(_, labels)) => repeated_below_labels(&m.value, labels),
        None => repeated_anywhere(&m.value),
    })
}

/// Past `labels` object levels (arrays are transparent: a list of blocks),
/// the first repeat inside any body.
fn repeated_below_labels(n: &Node, labels: usize) -> Option<(&json::Member, &json::Member)> {
    match &n.value {
        Value::Array(items) => items.iter().find_map(|i| repeated_below_labels(i, labels)),
        Value::Object(members) if labels > 0 => {
            members.iter().find_map(|m| repeated_below_labels(&m.value, labels - 1))
        }
        _ => repeated_anywhere(n),
    }
}

/// The first repeated key of any object in `n` that is not a nested block
/// type written as several blocks.
fn repeated_anywhere(n: &Node) -> Option<(&json::Member, &json::Member)> {
    match &n.value {
        Value::Array(items) => items.iter().find_map(repeated_anywhere),
        Value::Object(members) => json::first_duplicate(members)
            .and_then(|_| {
                // Some name repeats: find the first repeat that is not blocks.
                members.iter().enumerate().find_map(|(j, later)| {
                    members[..j]
                        .iter()
                        .find(|earlier| earlier.key == later.key)
                        .filter(|earlier| !(block_like(&earlier.value) && block_like(&later.value)))
                        .map(|earlier| (earlier, later))
                })
            })
            .or_else(|| members.iter().find_map(|m| repeated_anywhere(&m.value))),
        _ => None,
    }
}

/// A block's body, or a list of them: how a nested block is written.
fn block_like(n: &Node) -> bool {
    match &n.value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().all(|i| matches!(i.value, Value::Object(_))),
        _ => false,
    }
}

/// Joins a nested block type written several times in one body into one
/// list of its blocks, in the order written, so readers that take a name's
/// first value see every block. Only below the top-level block types'
/// labels (which [`repeated_argument`] lets repeat as they are), and only
/// names [`repeated_anywhere`] let through (blocks each time).
fn merge_repeated_blocks(root: &mut Node) {
    let Value::Object(members) = &mut root.value else { return };
    for m in members.iter_mut() {
        if let Some(&(_, labels)) = BLOCK_TYPES.iter().find(|(t, _)| *t == &*m.key) {
            merge_below_labels(&mut m.value, labels);
        }
    }
}

fn merge_below_labels(n: &mut Node, labels: usize) {
    match &mut n.value {
        Value::Array(items) => items.iter_mut().for_each(|i| merge_below_labels(i, labels)),
        Value::Object(members) if labels > 0 => {
            members.iter_mut().for_each(|m| merge_below_labels(&mut m.value, labels - 1))
        }
        _ => merge_in_bodies(n),
    }
}

fn merge_in_bodies(n: &mut Node) {
    match &mut n.value {
        Value::Array(items) => items.iter_mut().for_each(merge_in_bodies),
        Value::Object(members) => {
            if json::first_duplicate(members).is_some() {
                let mut joined: Vec<json::Member> = Vec::with_capacity(members.len());
                for m in std::mem::take(members) {
                    match joined.iter_mut().find(|j| j.key == m.key) {
                        Some(first) => {
                            let blocks = |v: Node| match v.value {
                                Value::Array(items) => items,
                                _ => vec![v],
                            };
                            let (offset, line) = (first.value.offset, first.value.line);
                            let earlier =
                                std::mem::replace(&mut first.value, Node { value: Value::Null, offset, line });
                            let mut all = blocks(earlier);
                            all.extend(blocks(m.value));
                            first.value = Node { value: Value::Array(all), offset, line };
                        }
                        None => joined.push(m),
                    }
                }
                *members = joined;
            }
            members.iter_mut().for_each(|m| merge_in_bodies(&mut m.value));
        }
        _ => {}
    }
}

fn shift(n: Node, by: u32) -> Node {
    if by == 0 {
        return n;
    }
    let value = match n.value {
        Value::Array(a) => Value::Array(a.into_iter().map(|c| shift(c, by)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|m| json::Member { key: m.key, key_offset: m.key_offset + by, value: shift(m.value, by) })
                .collect(),
        ),
        v => v,
    };
    // Lines counted in the embedded text are not the file's: unknown.
    Node { value, offset: n.offset + by, line: 0 }
}

/// Pre-parses every JSON string that holds a template sequence, and every
/// `"type"` string, so evaluation borrows them like native expressions.
fn collect_templates(n: &Node, is_type: bool, out: &mut HashMap<u32, Template>, types: &mut HashMap<u32, Expression>) {
    match &n.value {
        Value::String(s) => {
            if is_type {
                if let Ok(e) = hcl_edit::parser::parse_expr(s) {
                    types.insert(n.offset, e);
                }
            } else if s.contains("${") || s.contains("%{") {
                if let Ok(t) = hcl_edit::parser::parse_template(s) {
                    out.insert(n.offset, t);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| collect_templates(c, false, out, types)),
        Value::Object(m) => m.iter().for_each(|m| collect_templates(&m.value, &*m.key == "type", out, types)),
        _ => {}
    }
}

/// Offset where bracket nesting first exceeds [`MAX_NESTING`], counting
/// naively (brackets in strings count too, which only errs on the safe side).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// An expression in either syntax. `pin` fixes the span of everything in a
/// template parsed out of a JSON string to that string's position.
#[derive(Clone, Copy)]
pub(crate) struct Expr<'a> {
    pub file: &'a SourceFile,
    pub expression: ExprKind<'a>,
    pub pin: Option<u32>,
}

#[derive(Clone, Copy)]
pub(crate) enum ExprKind<'a> {
    Hcl(&'a Expression),
    Json(&'a Node),
}

impl<'a> Expr<'a> {
    pub fn hcl(f: &'a SourceFile, e: &'a Expression) -> Expr<'a> {
        Expr { file: f, expression: ExprKind::Hcl(e), pin: None }
    }
    pub fn json(f: &'a SourceFile, n: &'a Node) -> Expr<'a> {
        Expr { file: f, expression: ExprKind::Json(n), pin: None }
    }
    /// A sub-expression of this one (same file, same pin).
    pub fn sub(&self, e: &'a Expression) -> Expr<'a> {
        Expr { file: self.file, expression: ExprKind::Hcl(e), pin: self.pin }
    }
    pub fn span(&self) -> Span {
        match (self.pin, self.expression) {
            (Some(p), _) => self.file.span(p as usize),
            (None, ExprKind::Hcl(e)) => self.file.span(e.span().map_or(0, |r| r.start)),
            (None, ExprKind::Json(n)) => self.file.span(n.offset as usize),
        }
    }
    /// Span of any spanned hcl-edit node inside this expression.
    pub fn span_of(&self, node: &dyn hcl_edit::Span) -> Span {
        match self.pin {
            Some(p) => self.file.span(p as usize),
            None => self.file.span(node.span().map_or(0, |r| r.start)),
        }
    }
    /// The static text of a bare identifier or literal string (used for
    /// `iterator = name`, type keywords and module `source`).
    pub fn static_str(&self) -> Option<&'a str> {
        match self.expression {
            ExprKind::Hcl(Expression::Variable(v)) => Some(v.as_str()),
            ExprKind::Hcl(Expression::String(s)) => Some(s.as_str()),
            ExprKind::Json(n) => n.as_str(),
            _ => None,
        }
    }
}

/// A body (file, block) in either syntax.
#[derive(Clone, Copy)]
pub(crate) struct SourceBody<'a> {
    pub file: &'a SourceFile,
    pub kind: SourceBodyKind<'a>,
}

#[derive(Clone, Copy)]
pub(crate) enum SourceBodyKind<'a> {
    Hcl(&'a HclBody),
    Json(&'a Node),
}

/// One item of a body: an attribute or a block.
pub(crate) enum Item<'a> {
    Attr { name: &'a str, ex: Expr<'a>, span: Span },
    Block { ty: &'a str, labels: Vec<&'a str>, body: SourceBody<'a>, span: Span },
}

impl<'a> SourceBody<'a> {
    pub fn items(&self) -> Vec<Item<'a>> {
        let f = self.file;
        match self.kind {
            SourceBodyKind::Hcl(b) => b
                .iter()
                .map(|s| match s {
                    Structure::Attribute(a) => Item::Attr {
                        name: a.key.as_str(),
                        ex: Expr::hcl(f, &a.value),
                        span: f.span(a.value.span().map_or(0, |r| r.start)),
                    },
                    Structure::Block(b) => Item::Block {
                        ty: b.ident.as_str(),
                        labels: b.labels.iter().map(|l| l.as_str()).collect(),
                        body: SourceBody { file: f, kind: SourceBodyKind::Hcl(&b.body) },
                        span: f.span(b.span().map_or(0, |r| r.start)),
                    },
                })
                .collect(),
            SourceBodyKind::Json(n) => {
                let mut out = Vec::new();
                for m in n.as_object().unwrap_or(&[]) {
                    // `"//"` keys are comments in Terraform's JSON syntax.
                    if &*m.key == "//" {
                        continue;
                    }
                    if &*m.key == "dynamic" {
                        // {"dynamic": {"ingress": {…}}} or a list of such.
                        for (label, body, off) in json_labeled(&m.value) {
                            out.push(Item::Block {
                                ty: "dynamic",
                                labels: vec![label],
                                body: SourceBody { file: f, kind: SourceBodyKind::Json(body) },
                                span: f.span(off as usize),
                            });
                        }
                        continue;
                    }
                    out.push(Item::Attr {
                        name: &m.key,
                        ex: Expr::json(f, &m.value),
                        span: f.span(m.value.offset as usize),
                    });
                }
                out
            }
        }
    }

    pub fn attr(&self, name: &str) -> Option<Expr<'a>> {
        match self.kind {
            SourceBodyKind::Hcl(b) => b.get_attribute(name).map(|a| Expr::hcl(self.file, &a.value)),
            SourceBodyKind::Json(n) => n.get(name).map(|v| Expr::json(self.file, v)),
        }
    }

    /// Whether the body sets `name` as an attribute, a block or a dynamic block.
    pub fn sets(&self, name: &str) -> bool {
        self.items().iter().any(|i| match i {
            Item::Attr { name: n, .. } => *n == name,
            Item::Block { ty, labels, .. } => *ty == name || (*ty == "dynamic" && labels.first() == Some(&name)),
        })
    }
}

/// `{"label": {body}}` (or a list of bodies, or a list of such objects) →
/// (label, body, offset) triples.
pub(crate) fn json_labeled(n: &Node) -> Vec<(&str, &Node, u32)> {
    let mut out = Vec::new();
    let objs: Vec<&Node> = match &n.value {
        Value::Array(a) => a.iter().collect(),
        _ => vec![n],
    };
    for o in objs {
        for m in o.as_object().unwrap_or(&[]) {
            match &m.value.value {
                Value::Array(a) => out.extend(a.iter().map(|b| (&*m.key, b, m.key_offset))),
                _ => out.push((&*m.key, &m.value, m.key_offset)),
            }
        }
    }
    out
}

/// Top-level blocks of a file, in either syntax: (type, labels, body, span
/// offset). JSON nests one object level per label.
pub(crate) fn top_blocks(f: &SourceFile) -> Vec<(&str, Vec<&str>, SourceBody<'_>, usize)> {
    let mut out = Vec::new();
    match &f.ast {
        Tree::None => {}
        Tree::Hcl(b) => {
            for s in b.iter() {
                if let Structure::Block(b) = s {
                    out.push((
                        b.ident.as_str(),
                        b.labels.iter().map(|l| l.as_str()).collect(),
                        SourceBody { file: f, kind: SourceBodyKind::Hcl(&b.body) },
                        b.span().map_or(0, |r| r.start),
                    ));
                }
            }
        }
        Tree::Json(root) => {
            for m in root.as_object().unwrap_or(&[]) {
                let depth = match &*m.key {
                    "resource" | "data" => 2,
                    "variable" | "output" | "module" | "provider" => 1,
                    "locals" | "terraform" => 0,
                    _ => continue,
                };
                let mut found = Vec::new();
                json_nest(&m.value, depth, &mut Vec::new(), m.key_offset, &mut found);
                for (labels, body, off) in found {
                    out.push((&*m.key, labels, SourceBody { file: f, kind: SourceBodyKind::Json(body) }, off as usize));
                }
            }
        }
    }
    out
}

type Nested<'n> = Vec<(Vec<&'n str>, &'n Node, u32)>;

fn json_nest<'n>(n: &'n Node, depth: usize, labels: &mut Vec<&'n str>, off: u32, out: &mut Nested<'n>) {
    match &n.value {
        Value::Array(a) => {
            for c in a {
                json_nest(c, depth, labels, c.offset, out);
            }
        }
        Value::Object(ms) if depth > 0 => {
            for m in ms {
                labels.push(&m.key);
                json_nest(&m.value, depth - 1, labels, m.key_offset, out);
                labels.pop();
            }
        }
        Value::Object(_) => out.push((labels.clone(), n, off)),
        _ => {}
    }
}
