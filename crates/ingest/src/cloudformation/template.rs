//! A CloudFormation template as one tree, whether it was written in YAML or
//! JSON: every node and every mapping key keeps its position.
//!
//! YAML's short-form tags are rewritten into the JSON long form as they are
//! read (`!Ref x` → `{"Ref": x}`, `!GetAtt a.b` → `{"Fn::GetAtt": "a.b"}`,
//! `!Condition c` → `{"Condition": c}`, `!Sub …` → `{"Fn::Sub": …}`), so the
//! evaluator ([`super::intrinsics`]) reads one form
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>).
//!
//! YAML is read with `saphyr` (line and column on every node, tags kept,
//! anchors resolved with a node budget, duplicate keys rejected, nesting
//! capped). Scalars are loaded as written and typed here by the YAML 1.2
//! core schema, so `'22'`, `22` and `1.50` keep their text. `saphyr` does
//! not apply merge keys (`<<: *base`); they are applied here, explicit keys
//! winning, as YAML 1.1's merge-key type specifies
//! (<https://yaml.org/type/merge.html>).

use crate::ctx::Ctx;
use crate::error::{ErrorKind, IngestError};
use crate::json::{Node, Value};
use portcullis_model::Span;
use saphyr::{MarkedYaml, YamlData, YamlLoader};
use saphyr::{ScalarStyle, Tag};
use saphyr_parser::Parser;
use std::sync::Arc;

/// One value of the template.
#[derive(Clone, Debug, PartialEq)]
pub struct CNode {
    pub kind: CKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CKind {
    Null,
    Bool(bool),
    /// A number, as written (hexadecimal and octal YAML integers are
    /// rewritten in decimal).
    Number(String),
    String(String),
    List(Vec<CNode>),
    /// Keys with their positions, in source order.
    Map(Vec<(String, Span, CNode)>),
}

impl CNode {
    pub fn get(&self, key: &str) -> Option<&CNode> {
        self.entry(key).map(|(_, v)| v)
    }

    /// A member and the position of its key.
    pub fn entry(&self, key: &str) -> Option<(&Span, &CNode)> {
        match &self.kind {
            CKind::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, s, v)| (s, v)),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Span, CNode)]> {
        match &self.kind {
            CKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            CKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string or number, as text.
    pub fn as_text(&self) -> Option<&str> {
        match &self.kind {
            CKind::String(s) | CKind::Number(s) => Some(s),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            CKind::Null => "null",
            CKind::Bool(_) => "a boolean",
            CKind::Number(_) => "a number",
            CKind::String(_) => "a string",
            CKind::List(_) => "a list",
            CKind::Map(_) => "a mapping",
        }
    }

    /// The intrinsic function this node calls, if it is a one-key mapping
    /// whose key is `Ref`, `Condition` or `Fn::…`.
    pub fn intrinsic(&self) -> Option<(&str, &CNode)> {
        match &self.kind {
            CKind::Map(m) if m.len() == 1 => {
                let (k, _, v) = &m[0];
                (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k.as_str(), v))
            }
            _ => None,
        }
    }
}

/// Deepest nesting converted. `saphyr` caps parser recursion; aliases can
/// still stack anchors, so the conversion (which recurses) has its own cap.
const MAX_DEPTH: usize = 400;

/// Reads a YAML template. `None` with errors when it is not well-formed.
pub fn from_yaml(file: &Arc<str>, text: &str, errors: &mut Vec<IngestError>) -> Option<CNode> {
    from_yaml_docs(file, text, errors, 1)?.into_iter().next()
}

/// Reads every document of a YAML stream (`---`-separated, as Helm and
/// kustomize print), up to `max_docs`. `None` with errors when the stream
/// is not well-formed.
pub fn from_yaml_all(file: &Arc<str>, text: &str, errors: &mut Vec<IngestError>) -> Option<Vec<CNode>> {
    from_yaml_docs(file, text, errors, usize::MAX)
}

fn from_yaml_docs(file: &Arc<str>, text: &str, errors: &mut Vec<IngestError>, max_docs: usize) -> Option<Vec<CNode>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    // Scalars as written: typed below, and tags on scalars survive only in
    // this mode (the early parse drops them).
    loader.early_parse(false);
    let result = parser.load(&mut loader, true);
    if let Some(e) = result.err().or_else(|| loader.error().cloned()) {
        let m = e.marker();
        errors.push(IngestError {
            file: file.to_string(),
            line: m.line() as u32,
            column: m.col() as u32 + 1,
            kind: ErrorKind::Syntax,
            message: format!("not valid YAML: {}", e.info()),
        });
        return None;
    }
    let docs = loader.into_documents();
    let mut conv = YamlConv { file, errors };
    Some(docs.iter().take(max_docs).filter_map(|d| conv.node(d, 0)).collect())
}

struct YamlConv<'a> {
    file: &'a Arc<str>,
    errors: &'a mut Vec<IngestError>,
}

impl YamlConv<'_> {
    fn span(&self, n: &MarkedYaml) -> Span {
        Span::new(self.file.clone(), n.span.start.line() as u32, n.span.start.col() as u32 + 1)
    }

    fn error(&mut self, span: &Span, message: String) {
        self.errors.push(IngestError::invalid(span, message));
    }

    fn node(&mut self, n: &MarkedYaml, depth: usize) -> Option<CNode> {
        let span = self.span(n);
        if depth > MAX_DEPTH {
            self.error(&span, format!("nested more than {MAX_DEPTH} levels deep: not read"));
            return None;
        }
        let kind = match &n.data {
            YamlData::Representation(text, style, tag) => scalar(text, *style, tag.as_deref(), &span)?,
            YamlData::Tagged(tag, inner) => {
                let inner = self.node(inner, depth + 1)?;
                return Some(tagged(tag, inner, span));
            }
            YamlData::Sequence(items) => CKind::List(items.iter().filter_map(|i| self.node(i, depth + 1)).collect()),
            YamlData::Mapping(m) => {
                let mut out: Vec<(String, Span, CNode)> = Vec::with_capacity(m.len());
                let mut merges: Vec<CNode> = Vec::new();
                for (k, v) in m {
                    let kspan = self.span(k);
                    let key = match &k.data {
                        YamlData::Representation(t, _, _) => t.to_string(),
                        _ => {
                            self.error(&kspan, "a mapping key that is not a scalar is not supported: skipped".into());
                            continue;
                        }
                    };
                    let Some(value) = self.node(v, depth + 1) else { continue };
                    if key == "<<" && matches!(&k.data, YamlData::Representation(_, ScalarStyle::Plain, None)) {
                        merges.push(value);
                    } else {
                        out.push((key, kspan, value));
                    }
                }
                // Merge keys: the mappings named (a list: earlier wins) add
                // the keys the mapping does not set itself.
                for m in merges {
                    let sources: Vec<CNode> = match m.kind {
                        CKind::List(l) => l,
                        _ => vec![m],
                    };
                    for s in sources {
                        match s.kind {
                            CKind::Map(entries) => {
                                for (k, ks, v) in entries {
                                    if !out.iter().any(|(e, _, _)| *e == k) {
                                        out.push((k, ks, v));
                                    }
                                }
                            }
                            _ => self.error(&s.span, "a merge key (`<<`) must name a mapping".into()),
                        }
                    }
                }
                CKind::Map(out)
            }
            YamlData::Value(_) | YamlData::Alias(_) | YamlData::BadValue => CKind::Null,
        };
        Some(CNode { kind, span })
    }
}

/// A tagged node: a short-form intrinsic function, or a core-schema tag.
fn tagged(tag: &Tag, inner: CNode, span: Span) -> CNode {
    if tag.is_yaml_core_schema() {
        // `!!str`, `!!map`…: the value as written (collections are kept).
        return inner;
    }
    let name = match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("!", "Ref") => "Ref".to_string(),
        ("!", "Condition") => "Condition".to_string(),
        ("!", s) => format!("Fn::{s}"),
        (h, s) => format!("Fn::{h}{s}"),
    };
    CNode { kind: CKind::Map(vec![(name, span.clone(), inner)]), span }
}

/// Types a scalar by the YAML 1.2 core schema; quoted scalars are strings.
/// A tagged scalar becomes its intrinsic function call.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, span: &Span) -> Option<CKind> {
    if let Some(t) = tag {
        if t.is_yaml_core_schema() {
            return Some(match t.suffix.as_str() {
                "str" => CKind::String(text.to_string()),
                "null" => CKind::Null,
                "bool" => match text {
                    "true" | "True" | "TRUE" => CKind::Bool(true),
                    "false" | "False" | "FALSE" => CKind::Bool(false),
                    _ => CKind::String(text.to_string()),
                },
                "int" | "float" => number(text).map_or_else(|| CKind::String(text.to_string()), CKind::Number),
                _ => plain(text),
            });
        }
        let inner = CNode {
            kind: if style == ScalarStyle::Plain { plain(text) } else { CKind::String(text.to_string()) },
            span: span.clone(),
        };
        return Some(tagged(t, inner, span.clone()).kind);
    }
    Some(if style == ScalarStyle::Plain { plain(text) } else { CKind::String(text.to_string()) })
}

fn plain(text: &str) -> CKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => CKind::Null,
        "true" | "True" | "TRUE" => CKind::Bool(true),
        "false" | "False" | "FALSE" => CKind::Bool(false),
        _ => number(text).map_or_else(|| CKind::String(text.to_string()), CKind::Number),
    }
}

/// A core-schema number, as decimal text for integers.
fn number(t: &str) -> Option<String> {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(h) = t.strip_prefix("0x") {
        return digits(h, 16).then(|| i128::from_str_radix(h, 16).map_or_else(|_| t.to_string(), |v| v.to_string()));
    }
    if let Some(o) = t.strip_prefix("0o") {
        return digits(o, 8).then(|| i128::from_str_radix(o, 8).map_or_else(|_| t.to_string(), |v| v.to_string()));
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits(body, 10) {
        return Some(t.strip_prefix('+').unwrap_or(t).to_string());
    }
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return Some(t.to_string());
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((a, b)) => {
            (a.is_empty() || digits(a, 10)) && (b.is_empty() || digits(b, 10)) && !(a.is_empty() && b.is_empty())
        }
        None => digits(mant, 10),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    (mant_ok && exp_ok && (mant.contains('.') || exp.is_some())).then(|| t.to_string())
}

/// Reads a JSON template's tree (already parsed) with positions.
pub fn from_json(ctx: &Ctx, n: &Node) -> CNode {
    let span = ctx.span(n.offset);
    let kind = match &n.value {
        Value::Null => CKind::Null,
        Value::Bool(b) => CKind::Bool(*b),
        Value::Number(s) => CKind::Number(s.to_string()),
        Value::String(s) => CKind::String(s.to_string()),
        Value::Array(a) => CKind::List(a.iter().map(|i| from_json(ctx, i)).collect()),
        Value::Object(m) => CKind::Map(
            m.iter().map(|mem| (mem.key.to_string(), ctx.span(mem.key_offset), from_json(ctx, &mem.value))).collect(),
        ),
    };
    CNode { kind, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> CNode {
        let mut errs = Vec::new();
        let n = from_yaml(&Arc::from("t.yaml"), text, &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        n.expect("a document")
    }

    #[test]
    fn scalars_are_typed_by_the_core_schema() {
        let n = yaml("a: 22\nb: '22'\nc: ~\nd: true\ne: 0x1F\nf: 1.50\ng: 10.0.0.0/8\nh: 2010-09-09\ni: .5\n");
        assert_eq!(n.get("a").map(|v| &v.kind), Some(&CKind::Number("22".into())));
        assert_eq!(n.get("b").map(|v| &v.kind), Some(&CKind::String("22".into())));
        assert_eq!(n.get("c").map(|v| &v.kind), Some(&CKind::Null));
        assert_eq!(n.get("d").map(|v| &v.kind), Some(&CKind::Bool(true)));
        assert_eq!(n.get("e").map(|v| &v.kind), Some(&CKind::Number("31".into())));
        assert_eq!(n.get("f").map(|v| &v.kind), Some(&CKind::Number("1.50".into())));
        assert_eq!(n.get("g").map(|v| &v.kind), Some(&CKind::String("10.0.0.0/8".into())));
        assert_eq!(n.get("h").map(|v| &v.kind), Some(&CKind::String("2010-09-09".into())));
        assert_eq!(n.get("i").map(|v| &v.kind), Some(&CKind::Number(".5".into())));
    }

    #[test]
    fn short_tags_become_long_form() {
        let n = yaml("a: !Ref X\nb: !GetAtt R.GroupId\nc: !Join ['', [a, !Ref Y]]\nd: !Condition C\n");
        let (f, arg) = n.get("a").and_then(CNode::intrinsic).expect("Ref");
        assert_eq!((f, arg.as_str()), ("Ref", Some("X")));
        let (f, arg) = n.get("b").and_then(CNode::intrinsic).expect("GetAtt");
        assert_eq!((f, arg.as_str()), ("Fn::GetAtt", Some("R.GroupId")));
        let (f, arg) = n.get("c").and_then(CNode::intrinsic).expect("Join");
        assert_eq!(f, "Fn::Join");
        assert!(matches!(&arg.kind, CKind::List(l) if l.len() == 2));
        assert_eq!(n.get("d").and_then(CNode::intrinsic).map(|(f, _)| f), Some("Condition"));
        // Positions: line and column (1-based) of the tag.
        assert_eq!((n.get("a").map(|v| v.span.line), n.get("a").map(|v| v.span.column)), (Some(1), Some(4)));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let n = yaml("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\n");
        let u = n.get("use").expect("use");
        assert_eq!(u.get("x").map(|v| &v.kind), Some(&CKind::Number("1".into())));
        assert_eq!(u.get("y").map(|v| &v.kind), Some(&CKind::Number("3".into())), "explicit keys win");
    }

    #[test]
    fn block_scalars_and_comments() {
        let n = yaml("# c\na: |\n  l1\n  l2\nb: >-\n  f1\n  f2 # not a comment\n");
        assert_eq!(n.get("a").and_then(CNode::as_str), Some("l1\nl2\n"));
        assert_eq!(n.get("b").and_then(CNode::as_str), Some("f1 f2 # not a comment"));
    }

    #[test]
    fn bad_yaml_is_an_error_with_a_position() {
        let mut errs = Vec::new();
        assert!(from_yaml(&Arc::from("t.yaml"), "a: 1\na: 2\n", &mut errs).is_none());
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("duplicated key"));
        let mut errs = Vec::new();
        assert!(from_yaml(&Arc::from("t.yaml"), &"[".repeat(100_000), &mut errs).is_none());
        assert_eq!(errs.len(), 1);
    }
}
