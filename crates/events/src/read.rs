//! Reading change-event files: plain or gzip (CloudTrail delivers
//! `…_CloudTrail_<region>_<time>_<id>.json.gz`), one JSON document or one
//! document per line, events found by their shape wherever they sit
//! (`{"Records":[…]}` as CloudTrail and Azure's storage export write
//! them, `{"Events":[…]}` from `aws cloudtrail lookup-events`, CloudTrail
//! Lake query rows, an array of Log Analytics rows, Cloud Logging entries
//! one per line). Every event keeps its file, line and column.

use crate::error::{Error, ErrorKind};
use crate::event::Event;
use crate::{aws, azure, gcp};
use portcullis_files::{InputKind, Origin};
use portcullis_syntax::json::{self, Member, Node, Options, Value};
use portcullis_syntax::LineIndex;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    /// The path as the user wrote it, or as walking found it.
    pub display: String,
    /// Named on the command line: a file that holds no events is then an
    /// error; one found by walking is skipped.
    pub named: bool,
}

/// What one file gave.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub events: Vec<Event>,
    pub errors: Vec<Error>,
    /// Events of any kind in the file (judged or not).
    pub seen: u64,
    /// Whether the file held change events at all.
    pub recognized: bool,
    /// A CloudTrail file as delivered (`{"Records": [...]}` of events):
    /// what the DuckDB and Spark queries read.
    pub delivered: bool,
    /// An Azure Activity Log file as exported to a storage account: one
    /// record per line, the first one an Activity Log entry (what the
    /// DuckDB query reads).
    pub activity_export: bool,
}

/// Where positions come from: the document's text, or one fixed place
/// for everything inside a JSON string (lookup-events' `CloudTrailEvent`,
/// Azure's `requestbody`), whose escapes make inner offsets meaningless.
pub(crate) struct Doc<'t> {
    pub file: Arc<str>,
    text: &'t str,
    index: &'t LineIndex,
    /// Added to lines (a document that is one line of a file).
    line_base: u32,
    fixed: Option<(u32, u32)>,
}

impl Doc<'_> {
    /// Line and column of a node.
    pub fn at(&self, node: &Node) -> (u32, u32) {
        if let Some(p) = self.fixed {
            return p;
        }
        let (line, column) = self.index.line_column(self.text, node.offset as usize);
        (line + self.line_base, column)
    }

    /// Parses a string node that holds JSON; everything inside is placed
    /// at the string.
    pub fn embedded(&self, node: &Node) -> Option<(Node, Doc<'_>)> {
        let text = node.as_str()?;
        let t = text.trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            return None;
        }
        let inner = json::parse(text, Options::STRICT).ok()?;
        let doc = Doc {
            file: self.file.clone(),
            text: self.text,
            index: self.index,
            line_base: 0,
            fixed: Some(self.at(node)),
        };
        Some((inner, doc))
    }

    pub fn error(&self, node: &Node, message: String) -> Error {
        let (line, column) = self.at(node);
        Error { file: self.file.to_string(), line, column, kind: ErrorKind::Invalid(message) }
    }
}

/// A member by name, ignoring ASCII case (CloudTrail writes `eventName`,
/// Lake results and `ModifySecurityGroupRules` `EventName`-style names,
/// Log Analytics `OperationNameValue`).
pub(crate) fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(key)).map(|m| &m.value).filter(|n| !n.is_null())
}

/// The first of several paths (`a.b.c`) that leads to a value.
/// A key that holds a dot itself (a CloudTrail Lake column named
/// `userIdentity.arn`) is found too.
pub(crate) fn path<'n>(node: &'n Node, paths: &[&str]) -> Option<&'n Node> {
    paths.iter().find_map(|p| field(node, p).or_else(|| p.split('.').try_fold(node, |n, k| field(n, k))))
}

/// A string, or a number's text.
pub(crate) fn text(node: &Node) -> Option<&str> {
    node.as_str().or_else(|| node.as_number_str())
}

/// The text at the first path that has one.
pub(crate) fn text_at(node: &Node, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| path(node, &[p]).and_then(text)).map(str::to_string).filter(|s| !s.is_empty())
}

/// An integer written as a number or a string (`"10257"` in Lake rows
/// and GCP's JSON mapping of int64).
pub(crate) fn integer(node: &Node) -> Option<i64> {
    node.as_i64().or_else(|| text(node).and_then(|s| s.trim().parse().ok()))
}

/// A boolean written as one or as `"true"`/`"false"`.
pub(crate) fn boolean(node: &Node) -> Option<bool> {
    node.as_bool().or_else(|| match text(node)?.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    })
}

/// Items of a list that CloudTrail writes as `{"items": […]}`, or as a
/// plain array, or one object.
pub(crate) fn items(node: Option<&Node>) -> Vec<&Node> {
    let Some(n) = node else { return Vec::new() };
    if let Some(a) = n.as_array() {
        return a.iter().collect();
    }
    if let Some(inner) = field(n, "items") {
        return inner.as_array().map(|a| a.iter().collect()).unwrap_or_default();
    }
    if n.as_object().is_some_and(|o| !o.is_empty()) {
        return vec![n];
    }
    Vec::new()
}

/// A time as the logs write it: RFC 3339 (any fraction), or Unix seconds
/// (lookup-events' `EventTime` as the CLI prints it, possibly fractional).
pub(crate) fn time(node: &Node) -> Option<i64> {
    if let Some(s) = node.as_str() {
        return portcullis_model::date::parse_rfc3339(s)
            .ok()
            .or_else(|| lake_time(s))
            .or_else(|| s.parse::<f64>().ok().map(|f| f as i64));
    }
    node.as_f64().map(|f| f as i64)
}

/// CloudTrail Lake's `2026-12-02 11:00:00.000`: UTC, a space for the `T`.
fn lake_time(s: &str) -> Option<i64> {
    let (day, clock) = s.trim().split_once(' ')?;
    portcullis_model::date::parse_rfc3339(&format!("{day}T{clock}Z")).ok()
}

/// How deep the search for events goes into wrappers.
const MAX_WRAPPING: usize = 8;

/// Reads one file.
pub fn read_input(input: &Input) -> FileOutcome {
    let mut out = FileOutcome::default();
    let file: Arc<str> = Arc::from(input.display.as_str());
    let whole = |kind: ErrorKind| Error { file: input.display.clone(), line: 0, column: 0, kind };
    let origin = if input.named { Origin::Named } else { Origin::Walked };
    let limit = InputKind::Json.limit();
    let mut source = match portcullis_files::open(&input.path, &input.display, origin) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(whole(ErrorKind::Io(e.message)));
            return out;
        }
    };
    let gzip = match source.head(2) {
        Ok(h) => h == [0x1f, 0x8b],
        Err(e) => {
            out.errors.push(whole(ErrorKind::Io(e.message)));
            return out;
        }
    };
    let text = if gzip {
        // Bounded like any JSON input: a small archive may inflate to
        // anything.
        let mut s = String::new();
        let decoder = flate2::read::MultiGzDecoder::new(source.into_reader());
        match decoder.take(limit + 1).read_to_string(&mut s) {
            Ok(n) if n as u64 > limit => {
                out.errors.push(whole(ErrorKind::Io(format!(
                    "gzip: more than {} once decompressed; not read",
                    portcullis_files::limits::describe(limit)
                ))));
                return out;
            }
            Ok(_) => s,
            Err(e) => {
                out.errors.push(whole(ErrorKind::Io(format!("gzip: {e}"))));
                return out;
            }
        }
    } else {
        match source.contents(limit).and_then(|c| c.text().map(str::to_string)) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(whole(ErrorKind::Io(e.message)));
                return out;
            }
        }
    };
    read_text(&file, &text, input.named, &mut out);
    out
}

/// Reads events from a file's text.
pub fn read_text(file: &Arc<str>, text: &str, named: bool, out: &mut FileOutcome) {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return;
    }
    let index = LineIndex::new(text);
    match json::parse(text, Options::STRICT) {
        Ok(root) => {
            out.delivered =
                field(&root, "Records").and_then(|r| r.as_array()).and_then(|r| r.first()).is_some_and(aws::is_event);
            // A one-record export is one line too.
            out.activity_export = azure::is_event(&root) && !trimmed.contains('\n');
            let doc = Doc { file: file.clone(), text, index: &index, line_base: 0, fixed: None };
            visit(&root, &doc, out, 0);
        }
        Err(whole) => {
            // One document per line (Cloud Logging and Activity Log
            // exports) when the first line is a document; a later line that
            // is not JSON is an error of its own.
            let mut bad = Vec::new();
            let mut first = true;
            for (i, line) in text.split('\n').enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() {
                    continue;
                }
                let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
                match json::parse(line, Options::STRICT) {
                    Ok(node) => {
                        if first {
                            out.activity_export = azure::is_event(&node);
                        }
                        let line_index = LineIndex::new(line);
                        let doc = Doc {
                            file: file.clone(),
                            text: line,
                            index: &line_index,
                            line_base: number - 1,
                            fixed: None,
                        };
                        visit(&node, &doc, out, 0);
                    }
                    Err(_) if first => {
                        // One document, broken: its own error.
                        if named || text.trim_start().starts_with(['{', '[']) {
                            let (line, column) = match whole.kind {
                                portcullis_syntax::error::ErrorKind::Json { offset } => {
                                    index.line_column(text, offset as usize)
                                }
                                _ => (0, 0),
                            };
                            out.errors.push(Error {
                                file: file.to_string(),
                                line,
                                column,
                                kind: ErrorKind::Syntax(whole.to_string()),
                            });
                        }
                        return;
                    }
                    Err(e) => bad.push((number, e.to_string())),
                }
                first = false;
            }
            for (line, message) in bad {
                out.errors.push(Error { file: file.to_string(), line, column: 0, kind: ErrorKind::Syntax(message) });
            }
        }
    }
}

/// Finds events in `node` by their shape.
fn visit(node: &Node, doc: &Doc, out: &mut FileOutcome, depth: usize) {
    if depth > MAX_WRAPPING {
        return;
    }
    match &node.value {
        Value::Object(members) => {
            if let Some(inner) = field(node, "CloudTrailEvent") {
                // `aws cloudtrail lookup-events`: the whole event as a string
                // (checked first: the wrapper repeats EventName and EventSource).
                out.recognized = true;
                match doc.embedded(inner) {
                    Some((event, inner_doc)) if aws::is_event(&event) => {
                        out.seen += 1;
                        aws::read(&event, &inner_doc, out);
                    }
                    _ => out.errors.push(doc.error(inner, "CloudTrailEvent is not a CloudTrail event in JSON".into())),
                }
            } else if aws::is_event(node) {
                out.recognized = true;
                out.seen += 1;
                aws::read(node, doc, out);
            } else if azure::is_event(node) {
                out.recognized = true;
                out.seen += 1;
                azure::read(node, doc, out);
            } else if gcp::is_event(node) {
                out.recognized = true;
                out.seen += 1;
                gcp::read(node, doc, out);
            } else {
                for m in members {
                    if matches!(m.value.value, Value::Array(_) | Value::Object(_)) {
                        visit(&m.value, doc, out, depth + 1);
                    }
                }
            }
        }
        Value::Array(elements) => {
            if let Some(row) = lake_row(elements, node) {
                visit(&row, doc, out, depth + 1);
                return;
            }
            for e in elements {
                visit(e, doc, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A CloudTrail Lake result row (`get-query-results`' `QueryResultRows`
/// elements): a list of one-member objects, one per selected column,
/// joined into one object placed where the row starts.
fn lake_row(elements: &[Node], row: &Node) -> Option<Node> {
    if elements.len() < 2 || !elements.iter().all(|e| e.as_object().is_some_and(|o| o.len() == 1)) {
        return None;
    }
    let members: Vec<Member> = elements.iter().filter_map(|e| e.as_object()).flat_map(|o| o.iter().cloned()).collect();
    Some(Node { value: Value::Object(members), offset: row.offset, line: row.line })
}
