//! YAML documents as [`Value`]s: every node and every mapping key keeps
//! its position.
//!
//! CloudFormation's short-form tags are rewritten into the JSON long form
//! as they are read (`!Ref x` → `{"Ref": x}`, `!GetAtt a.b` →
//! `{"Fn::GetAtt": "a.b"}`, `!Condition c` → `{"Condition": c}`, `!Sub …`
//! → `{"Fn::Sub": …}`), so a template reads the same in either syntax
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>).
//!
//! YAML is read with `saphyr` (line and column on every node, tags kept,
//! anchors resolved with a node budget, duplicate keys rejected, nesting
//! capped). Scalars are loaded as written and typed here by the YAML 1.2
//! core schema, so `'22'`, `22` and `1.50` keep their text. `saphyr` does
//! not apply merge keys (`<<: *base`); they are applied here, explicit keys
//! winning, as YAML 1.1's merge-key type specifies
//! (<https://yaml.org/type/merge.html>).

use crate::value::{Kind, Member, Value};
use crate::{Error, ErrorKind, Span};
use saphyr::{MarkedYaml, ScalarStyle, Tag, YamlData, YamlLoader};
use saphyr_parser::Parser;
use std::sync::Arc;

/// Deepest nesting converted. `saphyr` caps parser recursion; aliases can
/// still stack anchors, so the conversion (which recurses) has its own cap.
const MAX_DEPTH: usize = 400;

/// Loads the first document of a YAML text. `Err` when the text is not
/// well-formed; parts that are not read are reported in `skipped`.
pub fn load_first(file: &Arc<str>, text: &str, skipped: &mut Vec<Error>) -> Result<Option<Value>, Error> {
    Ok(load_documents(file, text, skipped, 1)?.into_iter().next())
}

/// Loads every document of a YAML stream (`---`-separated, as Helm and
/// kustomize print).
pub fn load_all(file: &Arc<str>, text: &str, skipped: &mut Vec<Error>) -> Result<Vec<Value>, Error> {
    load_documents(file, text, skipped, usize::MAX)
}

fn load_documents(file: &Arc<str>, text: &str, skipped: &mut Vec<Error>, max_docs: usize) -> Result<Vec<Value>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    // Scalars as written: typed below, and tags on scalars survive only in
    // this mode (the early parse drops them).
    loader.early_parse(false);
    let result = parser.load(&mut loader, true);
    if let Some(e) = result.err().or_else(|| loader.error().cloned()) {
        let m = e.marker();
        let span = Span::new(file.clone(), m.line() as u32, m.col() as u32 + 1);
        return Err(Error { kind: ErrorKind::Yaml { span }, message: format!("not valid YAML: {}", e.info()) });
    }
    let docs = loader.into_documents();
    let mut conv = Converter { file, skipped };
    Ok(docs.iter().take(max_docs).filter_map(|d| conv.node(d, 0)).collect())
}

/// Turns saphyr's nodes into [`Value`]s, reporting what it skips.
struct Converter<'a> {
    file: &'a Arc<str>,
    skipped: &'a mut Vec<Error>,
}

impl Converter<'_> {
    fn span(&self, n: &MarkedYaml) -> Span {
        Span::new(self.file.clone(), n.span.start.line() as u32, n.span.start.col() as u32 + 1)
    }

    fn skip(&mut self, span: &Span, message: String) {
        self.skipped.push(Error { kind: ErrorKind::Skipped { span: span.clone() }, message });
    }

    fn node(&mut self, n: &MarkedYaml, depth: usize) -> Option<Value> {
        let span = self.span(n);
        if depth > MAX_DEPTH {
            self.skip(&span, format!("nested more than {MAX_DEPTH} levels deep: not read"));
            return None;
        }
        let kind = match &n.data {
            YamlData::Representation(text, style, tag) => scalar(text, *style, tag.as_deref(), &span)?,
            YamlData::Tagged(tag, inner) => {
                let inner = self.node(inner, depth + 1)?;
                return Some(tagged(tag, inner, span));
            }
            YamlData::Sequence(items) => Kind::List(items.iter().filter_map(|i| self.node(i, depth + 1)).collect()),
            YamlData::Mapping(m) => {
                let mut out: Vec<Member> = Vec::with_capacity(m.len());
                let mut merges: Vec<Value> = Vec::new();
                for (k, v) in m {
                    let kspan = self.span(k);
                    let key = match &k.data {
                        YamlData::Representation(t, _, _) => t.to_string(),
                        _ => {
                            self.skip(&kspan, "a mapping key that is not a scalar is not supported: skipped".into());
                            continue;
                        }
                    };
                    let Some(value) = self.node(v, depth + 1) else { continue };
                    if key == "<<" && matches!(&k.data, YamlData::Representation(_, ScalarStyle::Plain, None)) {
                        merges.push(value);
                    } else {
                        out.push(Member { key, span: kspan, value });
                    }
                }
                // Merge keys: the mappings named (a list: earlier wins) add
                // the keys the mapping does not set itself.
                for m in merges {
                    let sources: Vec<Value> = match m.kind {
                        Kind::List(l) => l,
                        _ => vec![m],
                    };
                    for s in sources {
                        match s.kind {
                            Kind::Map(entries) => {
                                for member in entries {
                                    if !out.iter().any(|e| e.key == member.key) {
                                        out.push(member);
                                    }
                                }
                            }
                            _ => self.skip(&s.span, "a merge key (`<<`) must name a mapping".into()),
                        }
                    }
                }
                Kind::Map(out)
            }
            YamlData::Value(_) | YamlData::Alias(_) | YamlData::BadValue => Kind::Null,
        };
        Some(Value { kind, span })
    }
}

/// A tagged node: a short-form intrinsic function, or a core-schema tag.
fn tagged(tag: &Tag, inner: Value, span: Span) -> Value {
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
    Value { kind: Kind::Map(vec![Member { key: name, span: span.clone(), value: inner }]), span }
}

/// Types a scalar by the YAML 1.2 core schema; quoted scalars are strings.
/// A tagged scalar becomes its intrinsic function call.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, span: &Span) -> Option<Kind> {
    if let Some(t) = tag {
        if t.is_yaml_core_schema() {
            return Some(match t.suffix.as_str() {
                "str" => Kind::String(text.to_string()),
                "null" => Kind::Null,
                "bool" => match text {
                    "true" | "True" | "TRUE" => Kind::Bool(true),
                    "false" | "False" | "FALSE" => Kind::Bool(false),
                    _ => Kind::String(text.to_string()),
                },
                "int" | "float" => number(text).map_or_else(|| Kind::String(text.to_string()), Kind::Number),
                _ => plain(text),
            });
        }
        let inner = Value {
            kind: if style == ScalarStyle::Plain { plain(text) } else { Kind::String(text.to_string()) },
            span: span.clone(),
        };
        return Some(tagged(t, inner, span.clone()).kind);
    }
    Some(if style == ScalarStyle::Plain { plain(text) } else { Kind::String(text.to_string()) })
}

fn plain(text: &str) -> Kind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ => number(text).map_or_else(|| Kind::String(text.to_string()), Kind::Number),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        let mut skipped = Vec::new();
        let n = load_first(&Arc::from("t.yaml"), text, &mut skipped).expect("well-formed");
        assert!(skipped.is_empty(), "{skipped:?}");
        n.expect("a document")
    }

    /// The function a one-key mapping calls (the long form of a tag).
    fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
        match v.as_map()? {
            [m] => Some((m.key.as_str(), &m.value)),
            _ => None,
        }
    }

    #[test]
    fn scalars_are_typed_by_the_core_schema() {
        let n = yaml("a: 22\nb: '22'\nc: ~\nd: true\ne: 0x1F\nf: 1.50\ng: 10.0.0.0/8\nh: 2010-09-09\ni: .5\n");
        assert_eq!(n.get("a").map(|v| &v.kind), Some(&Kind::Number("22".into())));
        assert_eq!(n.get("b").map(|v| &v.kind), Some(&Kind::String("22".into())));
        assert_eq!(n.get("c").map(|v| &v.kind), Some(&Kind::Null));
        assert_eq!(n.get("d").map(|v| &v.kind), Some(&Kind::Bool(true)));
        assert_eq!(n.get("e").map(|v| &v.kind), Some(&Kind::Number("31".into())));
        assert_eq!(n.get("f").map(|v| &v.kind), Some(&Kind::Number("1.50".into())));
        assert_eq!(n.get("g").map(|v| &v.kind), Some(&Kind::String("10.0.0.0/8".into())));
        assert_eq!(n.get("h").map(|v| &v.kind), Some(&Kind::String("2010-09-09".into())));
        assert_eq!(n.get("i").map(|v| &v.kind), Some(&Kind::Number(".5".into())));
    }

    #[test]
    fn short_tags_become_long_form() {
        let n = yaml("a: !Ref X\nb: !GetAtt R.GroupId\nc: !Join ['', [a, !Ref Y]]\nd: !Condition C\n");
        let (f, arg) = n.get("a").and_then(intrinsic).expect("Ref");
        assert_eq!((f, arg.as_str()), ("Ref", Some("X")));
        let (f, arg) = n.get("b").and_then(intrinsic).expect("GetAtt");
        assert_eq!((f, arg.as_str()), ("Fn::GetAtt", Some("R.GroupId")));
        let (f, arg) = n.get("c").and_then(intrinsic).expect("Join");
        assert_eq!(f, "Fn::Join");
        assert!(matches!(&arg.kind, Kind::List(l) if l.len() == 2));
        assert_eq!(n.get("d").and_then(intrinsic).map(|(f, _)| f), Some("Condition"));
        // Positions: line and column (1-based) of the tag.
        assert_eq!((n.get("a").map(|v| v.span.line), n.get("a").map(|v| v.span.column)), (Some(1), Some(4)));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let n = yaml("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\n");
        let u = n.get("use").expect("use");
        assert_eq!(u.get("x").map(|v| &v.kind), Some(&Kind::Number("1".into())));
        assert_eq!(u.get("y").map(|v| &v.kind), Some(&Kind::Number("3".into())), "explicit keys win");
    }

    #[test]
    fn block_scalars_and_comments() {
        let n = yaml("# c\na: |\n  l1\n  l2\nb: >-\n  f1\n  f2 # not a comment\n");
        assert_eq!(n.get("a").and_then(Value::as_str), Some("l1\nl2\n"));
        assert_eq!(n.get("b").and_then(Value::as_str), Some("f1 f2 # not a comment"));
    }

    #[test]
    fn bad_yaml_is_an_error_with_a_position() {
        let mut skipped = Vec::new();
        let e = load_first(&Arc::from("t.yaml"), "a: 1\na: 2\n", &mut skipped).expect_err("duplicate key");
        assert!(e.message.contains("duplicated key"), "{e}");
        assert!(matches!(e.kind, ErrorKind::Yaml { .. }));
        assert!(load_first(&Arc::from("t.yaml"), &"[".repeat(100_000), &mut skipped).is_err());
        assert!(skipped.is_empty());
    }
}
