//! The documents the CLIs print, built in memory and printed byte for byte
//! as they print them.
//!
//! All three CLIs are Python programs that end in `json.dump`: the AWS CLI
//! with `indent=4, ensure_ascii=False` and keys in the service model's
//! member order; `az` and `gcloud` with `indent=2, sort_keys=True`. So a
//! document is an ordered tree ([`Doc`]) and one printer that writes what
//! Python's encoder writes for it (separators `,` and `: `, empty
//! containers as `[]`/`{}`, only `"`, `\` and control characters escaped,
//! floats as Python's `repr`). Findings point at lines of these documents,
//! so a live read and a scan of the saved files must see the same lines.

/// A JSON value with its object keys in a chosen order.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    Null,
    Bool(bool),
    /// An integer, as its decimal digits (Python's integers are unbounded).
    Integer(String),
    Float(f64),
    String(String),
    List(Vec<Doc>),
    Object(Vec<(String, Doc)>),
}

impl Doc {
    pub fn get(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc> {
        match self {
            Doc::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Removes a member of an object, returning it.
    pub fn remove(&mut self, key: &str) -> Option<Doc> {
        match self {
            Doc::Object(members) => {
                let at = members.iter().position(|(k, _)| k == key)?;
                Some(members.remove(at).1)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Doc]> {
        match self {
            Doc::List(items) => Some(items),
            _ => None,
        }
    }
}

/// How a CLI prints JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub indent: usize,
    pub sort_keys: bool,
}

/// The AWS CLI: `json.dump(response, indent=4, ensure_ascii=False)`.
pub const AWS_CLI: Style = Style { indent: 4, sort_keys: false };
/// `az` (knack's JSON output) and `gcloud --format=json`: two spaces, keys
/// sorted.
pub const AZ_GCLOUD_CLI: Style = Style { indent: 2, sort_keys: true };

/// Prints `doc` as the CLI would, with the newline the CLIs end with.
pub fn print(doc: &Doc, style: Style) -> String {
    let mut out = String::new();
    write_value(doc, style, 0, &mut out);
    out.push('\n');
    out
}

fn newline(out: &mut String, spaces: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', spaces));
}

fn write_value(doc: &Doc, style: Style, depth: usize, out: &mut String) {
    match doc {
        Doc::Null => out.push_str("null"),
        Doc::Bool(true) => out.push_str("true"),
        Doc::Bool(false) => out.push_str("false"),
        Doc::Integer(digits) => out.push_str(digits),
        Doc::Float(f) => out.push_str(&python_float(*f)),
        Doc::String(s) => write_string(s, out),
        Doc::List(items) if items.is_empty() => out.push_str("[]"),
        Doc::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, (depth + 1) * style.indent);
                write_value(item, style, depth + 1, out);
            }
            newline(out, depth * style.indent);
            out.push(']');
        }
        Doc::Object(members) if members.is_empty() => out.push_str("{}"),
        Doc::Object(members) => {
            let mut order: Vec<&(String, Doc)> = members.iter().collect();
            if style.sort_keys {
                // Python sorts str keys by code point: the same order as
                // comparing their UTF-8 bytes.
                order.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (key, value)) in order.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, (depth + 1) * style.indent);
                write_string(key, out);
                out.push_str(": ");
                write_value(value, style, depth + 1, out);
            }
            newline(out, depth * style.indent);
            out.push('}');
        }
    }
}

/// A string as `json.dumps(..., ensure_ascii=False)` writes it.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// positional for exponents -4 ≤ e < 16, else `d.ddde+XX`.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    // `{:e}` gives the shortest round-trip digits: "1.2345e3", "-5e-7".
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let mut body = digits[..1].to_string();
        if digits.len() > 1 {
            body.push('.');
            body.push_str(&digits[1..]);
        }
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{body}e{esign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_python_json_dumps() {
        let doc = Doc::Object(vec![
            ("b".into(), Doc::List(vec![])),
            ("a".into(), Doc::Object(vec![])),
            ("c".into(), Doc::List(vec![Doc::Integer("1".into()), Doc::String("é\"\\\n\u{1}".into())])),
            ("d".into(), Doc::Bool(true)),
        ]);
        assert_eq!(
            print(&doc, AWS_CLI),
            "{\n    \"b\": [],\n    \"a\": {},\n    \"c\": [\n        1,\n        \"é\\\"\\\\\\n\\u0001\"\n    ],\n    \"d\": true\n}\n"
        );
        assert_eq!(
            print(&doc, AZ_GCLOUD_CLI),
            "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    \"é\\\"\\\\\\n\\u0001\"\n  ],\n  \"d\": true\n}\n"
        );
    }

    #[test]
    fn floats_as_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (100.25, "100.25"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.0, "123456789012345.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (0.0, "0.0"),
        ] {
            assert_eq!(python_float(f), want, "{f}");
        }
    }
}

/// Parsed JSON keeps its keys in the order they came (gcloud prints an
/// aggregated list's scopes in the order the API gave them) and its
/// integers as digits.
impl<'de> serde::Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Doc, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Doc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Doc, E> {
                Ok(Doc::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Doc, E> {
                Ok(Doc::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Doc, E> {
                Ok(Doc::Integer(n.to_string()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Doc, E> {
                Ok(Doc::Integer(n.to_string()))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Doc, E> {
                Ok(Doc::Float(f))
            }
            fn visit_str<E>(self, s: &str) -> Result<Doc, E> {
                Ok(Doc::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Doc, E> {
                Ok(Doc::String(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Doc::List(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
                let mut members: Vec<(String, Doc)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Doc>()? {
                    // A repeated key: the last value in the first place, as
                    // Python's json module keeps it.
                    match members.iter_mut().find(|(have, _)| *have == k) {
                        Some(slot) => slot.1 = v,
                        None => members.push((k, v)),
                    }
                }
                Ok(Doc::Object(members))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_keeping_order_and_integers() {
        let doc: Doc =
            serde_json::from_str(r#"{"b": [1, -2, 2.5, true, null], "a": {"z": "x", "y": 18446744073709551615}}"#)
                .unwrap();
        assert_eq!(
            print(&doc, AWS_CLI),
            "{\n    \"b\": [\n        1,\n        -2,\n        2.5,\n        true,\n        null\n    ],\n    \"a\": {\n        \"z\": \"x\",\n        \"y\": 18446744073709551615\n    }\n}\n"
        );
    }
}
