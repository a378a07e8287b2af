//! Specification of the JSON parser: what it accepts, what each error says
//! and where it points, and property tests that it never panics and reads
//! back what a serializer wrote, offsets included.

use portcullis_syntax::json::{parse, testing, Member, Node, Options, Value, MAX_DEPTH};
use portcullis_syntax::Error;
use proptest::prelude::*;

const STRICT: Options = Options::STRICT;
const LENIENT: Options = Options::LENIENT;
const COMMENTS_ONLY: Options = Options { comments: true, trailing_commas: false, keep_duplicate_keys: false };
const TRAILING_ONLY: Options = Options { comments: false, trailing_commas: true, keep_duplicate_keys: false };
/// Terraform's JSON syntax: repeated keys kept.
const KEEP: Options = Options { keep_duplicate_keys: true, ..Options::STRICT };

/// A position-free picture of a JSON value, to compare structure.
#[derive(Clone, Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn shape(node: &Node) -> J {
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => J::Num(n.to_string()),
        Value::String(s) => J::Str(s.to_string()),
        Value::Array(items) => J::Arr(items.iter().map(shape).collect()),
        Value::Object(members) => J::Obj(members.iter().map(|m| (m.key.to_string(), shape(&m.value))).collect()),
    }
}

fn ok(text: &str, opts: Options) -> Node {
    match parse(text, opts) {
        Ok(node) => node,
        Err(e) => panic!("{text:?} should parse with {opts:?}: {e}"),
    }
}

fn fails(text: &str, opts: Options) -> Error {
    match parse(text, opts) {
        Ok(node) => panic!("{text:?} should fail with {opts:?}, parsed {node:?}"),
        Err(e) => e,
    }
}

fn num(n: &str) -> J {
    J::Num(n.into())
}

fn s(v: &str) -> J {
    J::Str(v.into())
}

fn obj(members: &[(&str, J)]) -> J {
    J::Obj(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

// ---------------------------------------------------------------- valid input

#[test]
fn scalars_at_top_level() {
    assert_eq!(shape(&ok("null", STRICT)), J::Null);
    assert_eq!(shape(&ok("true", STRICT)), J::Bool(true));
    assert_eq!(shape(&ok(" false ", STRICT)), J::Bool(false));
    assert_eq!(shape(&ok("\t\r\n0\n", STRICT)), num("0"));
    assert_eq!(shape(&ok(r#""hi""#, STRICT)), s("hi"));
    assert_eq!(shape(&ok("[]", STRICT)), J::Arr(vec![]));
    assert_eq!(shape(&ok("{}", STRICT)), J::Obj(vec![]));
    assert_eq!(shape(&ok("[ ]", STRICT)), J::Arr(vec![]));
    assert_eq!(shape(&ok("{ \n }", STRICT)), J::Obj(vec![]));
}

#[test]
fn numbers_keep_their_literal_text() {
    for n in ["0", "-0", "7", "-12", "1.50", "0.0", "1e5", "1E+05", "-2.5e-3", "123456789012345678901234567890"] {
        assert_eq!(shape(&ok(n, STRICT)), num(n), "{n}");
    }
}

#[test]
fn aws_dump_structure_and_accessors() {
    let text = r#"{
    "SecurityGroups": [
        {
            "Description": "web tier",
            "GroupId": "sg-0123456789abcdef0",
            "IpPermissions": [
                {
                    "FromPort": 443,
                    "IpProtocol": "tcp",
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS from anywhere"}],
                    "ToPort": 443
                },
                {"IpProtocol": "-1", "IpRanges": [], "UserIdGroupPairs": [{"GroupId": "sg-1"}]}
            ],
            "Tags": null,
            "Default": false
        }
    ]
}"#;
    let root = ok(text, STRICT);
    let groups = root.get("SecurityGroups").and_then(Node::as_array).unwrap();
    assert_eq!(groups.len(), 1);
    let sg = &groups[0];
    assert_eq!(sg.get("GroupId").and_then(Node::as_str), Some("sg-0123456789abcdef0"));
    assert!(sg.get("Tags").unwrap().is_null());
    assert_eq!(sg.get("Default").and_then(Node::as_bool), Some(false));
    assert_eq!(sg.get("Missing"), None);
    let perms = sg.get("IpPermissions").and_then(Node::as_array).unwrap();
    assert_eq!(perms[0].get("FromPort").and_then(Node::as_i64), Some(443));
    assert_eq!(perms[0].get("ToPort").and_then(Node::as_u64), Some(443));
    assert_eq!(perms[1].get("IpProtocol").and_then(Node::as_str), Some("-1"));
    let range = &perms[0].get("IpRanges").and_then(Node::as_array).unwrap()[0];
    assert_eq!(range.get("CidrIp").and_then(Node::as_str), Some("0.0.0.0/0"));
    // get() only looks into objects.
    assert_eq!(perms[0].get("IpRanges").unwrap().get("CidrIp"), None);

    // Offsets point at the first byte of each value and key.
    let at = |needle: &str| text.find(needle).unwrap() as u32;
    assert_eq!(root.offset, 0);
    assert_eq!(sg.get("GroupId").unwrap().offset, at(r#""sg-0123"#));
    assert_eq!(perms[0].get("FromPort").unwrap().offset, at("443"));
    assert_eq!(perms[1].offset, at(r#"{"IpProtocol""#));
    assert_eq!(sg.member("Tags").unwrap().key_offset, at(r#""Tags""#));
    assert_eq!(sg.get("Tags").unwrap().offset, at("null"));
    assert_eq!(sg.get("Default").unwrap().offset, at("false"));
}

#[test]
fn offsets_of_every_value_and_key() {
    let text = r#"{"a": [1, "x", {"b": null}], "c": -2.5}"#;
    let root = ok(text, STRICT);
    let Value::Object(members) = &root.value else { panic!("object expected") };
    assert_eq!(members[0].key_offset, 1);
    assert_eq!(members[0].value.offset, 6);
    let items = members[0].value.as_array().unwrap();
    assert_eq!(items.iter().map(|n| n.offset).collect::<Vec<_>>(), [7, 10, 15]);
    let inner = items[2].as_object().unwrap();
    assert_eq!((inner[0].key_offset, inner[0].value.offset), (16, 21));
    assert_eq!((members[1].key_offset, members[1].value.offset), (29, 34));
}

#[test]
fn duplicate_keys_are_kept_in_order_when_asked_and_get_returns_the_first() {
    let root = ok(r#"{"a": 1, "b": 2, "a": 3}"#, KEEP);
    assert_eq!(root.get("a").and_then(Node::as_i64), Some(1));
    let keys: Vec<&str> = root.as_object().unwrap().iter().map(|m: &Member| &*m.key).collect();
    assert_eq!(keys, ["a", "b", "a"]);
    assert_eq!(root.as_object().unwrap()[2].value.as_i64(), Some(3));
}

#[test]
fn a_repeated_key_is_an_error_naming_both_places() {
    use portcullis_syntax::ErrorKind;
    // The issue's case: the first CIDR would win silently.
    let text = "{\"IpRanges\": [\n  {\"CidrIp\": \"10.0.0.0/8\",\n   \"CidrIp\": \"0.0.0.0/0\"}]}";
    for opts in [STRICT, LENIENT, COMMENTS_ONLY, TRAILING_ONLY] {
        let e = parse(text, opts).expect_err("a repeated key");
        let first = text.find("\"CidrIp\"").unwrap() as u32;
        let again = text.rfind("\"CidrIp\"").unwrap() as u32;
        assert_eq!(e.kind, ErrorKind::DuplicateKey { offset: again, first }, "{opts:?}");
        assert_eq!(e.offset(), Some(again));
        assert!(e.message.contains("`CidrIp` appears twice") && e.message.contains("line 2, column 4"), "{e}");
    }
    // Every position of the repeat, every object size (the pair-by-pair
    // check and the hash set), nested and at the top, escaped spellings.
    for n in 2..40usize {
        for again in 1..n {
            for first in 0..again {
                let keys: Vec<String> =
                    (0..n).map(|i| if i == again { format!("k{first}") } else { format!("k{i}") }).collect();
                let body: Vec<String> = keys.iter().map(|k| format!("\"{k}\": {n}")).collect();
                let text = format!("[{{\"x\": {{{}}}}}]", body.join(", "));
                let e = parse(&text, STRICT).expect_err(&text);
                let want_first = text.find(&format!("\"k{first}\"")).unwrap() as u32;
                let want_again = text.rfind(&format!("\"k{first}\"")).unwrap() as u32;
                assert_eq!(e.kind, ErrorKind::DuplicateKey { offset: want_again, first: want_first }, "{text}");
                assert_eq!(parse(&text, KEEP).map(|r| r.as_array().map(<[Node]>::len)), Ok(Some(1)));
            }
        }
        let distinct: Vec<String> = (0..n).map(|i| format!("\"k{i}\": 1")).collect();
        ok(&format!("{{{}}}", distinct.join(",")), STRICT);
    }
    let escaped = r#"{"a\u0062": 1, "ab": 2}"#;
    assert!(matches!(parse(escaped, STRICT).map_err(|e| e.kind), Err(ErrorKind::DuplicateKey { .. })));
    // Equal keys in different objects are fine.
    ok(r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, STRICT);
}

#[test]
fn accessors_check_types() {
    let root =
        ok(r#"[null, true, 6, 6.0, 1e3, -9223372036854775808, 9223372036854775808, "s", [], {}, 1e400, -0]"#, STRICT);
    let v = root.as_array().unwrap();
    let names: Vec<&str> = v.iter().map(Node::type_name).collect();
    assert_eq!(
        names,
        [
            "null", "boolean", "number", "number", "number", "number", "number", "string", "array", "object", "number",
            "number"
        ]
    );
    assert!(v[0].is_null() && !v[1].is_null());
    assert_eq!(v[1].as_bool(), Some(true));
    assert_eq!(v[2].as_i64(), Some(6));
    assert_eq!(v[3].as_i64(), None, "6.0 is not an integer literal");
    assert_eq!(v[3].as_f64(), Some(6.0));
    assert_eq!(v[4].as_i64(), None, "1e3 is not an integer literal");
    assert_eq!(v[4].as_f64(), Some(1000.0));
    assert_eq!(v[5].as_i64(), Some(i64::MIN));
    assert_eq!(v[5].as_u64(), None);
    assert_eq!(v[6].as_i64(), None, "overflows i64");
    assert_eq!(v[6].as_u64(), Some(9_223_372_036_854_775_808));
    assert_eq!(v[7].as_str(), Some("s"));
    assert_eq!(v[7].as_i64(), None);
    assert_eq!(v[7].as_number_str(), None);
    assert_eq!(v[8].as_array().map(<[Node]>::len), Some(0));
    assert_eq!(v[8].as_object(), None);
    assert_eq!(v[9].as_object().map(<[Member]>::len), Some(0));
    assert_eq!(v[9].as_array(), None);
    assert_eq!(v[10].as_f64(), Some(f64::INFINITY));
    assert_eq!(v[11].as_i64(), Some(0));
    assert_eq!(v[11].as_u64(), Some(0));
    assert_eq!(v[11].as_number_str(), Some("-0"));
    assert_eq!(v[2].as_str(), None);
    assert_eq!(v[2].as_bool(), None);
    assert_eq!(v[0].as_f64(), None);
}

// ------------------------------------------------------------------- strings

#[test]
fn string_escapes() {
    let root = ok(r#""q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u00E9 \u0000 end""#, STRICT);
    assert_eq!(root.as_str(), Some("q\" b\\ s/ \u{8}\u{c}\n\r\t A\u{e9}\u{e9} \0 end"));
    // Raw non-ASCII, DEL and escapes next to each other.
    let root = ok("\"caf\u{e9} \u{7f} \u{1F600}\\n\\n\"", STRICT);
    assert_eq!(root.as_str(), Some("caf\u{e9} \u{7f} \u{1F600}\n\n"));
    // Strings long enough to exercise the eight-bytes-at-a-time scanner,
    // with the delimiter at every position within a word.
    for len in 0..40 {
        let body = "x".repeat(len);
        assert_eq!(ok(&format!("\"{body}\""), STRICT).as_str(), Some(body.as_str()));
        let escaped = format!("\"{body}\\\"{body}\"");
        assert_eq!(ok(&escaped, STRICT).as_str(), Some(format!("{body}\"{body}").as_str()));
    }
}

#[test]
fn surrogate_pairs_join_into_one_character() {
    assert_eq!(ok(r#""\uD83D\uDE00""#, STRICT).as_str(), Some("\u{1F600}"));
    assert_eq!(ok(r#""\ud83d\ude00""#, STRICT).as_str(), Some("\u{1F600}"));
    assert_eq!(ok(r#""a\uD800\uDC00b""#, STRICT).as_str(), Some("a\u{10000}b"));
    assert_eq!(ok(r#""\uDBFF\uDFFF""#, STRICT).as_str(), Some("\u{10FFFF}"));
    assert_eq!(ok(r#"{"\uD83D\uDE00": 1}"#, STRICT).get("\u{1F600}").and_then(Node::as_i64), Some(1));
}

#[test]
fn lone_surrogates_are_errors() {
    let cases = [
        (r#""\uD83D""#, 1),
        (r#""ab\uD83Dx""#, 3),
        (r#""\uD83D\u0041""#, 1),
        (r#""\uD83D\uD83D""#, 1),
        (r#""\uD83D\uE000""#, 1),
        (r#""\uDBFF\uDBFF""#, 1),
        (r#""\uDE00""#, 1),
        (r#""\uDE00\uD83D""#, 1),
        (r#""\uD83D\n""#, 1),
    ];
    for (text, offset) in cases {
        let e = fails(text, STRICT);
        assert_eq!(e.offset().expect("a JSON error"), offset, "{text}: {e}");
        assert!(e.message.starts_with("unpaired UTF-16 surrogate `\\u"), "{text}: {e}");
    }
}

// -------------------------------------------------------------------- errors

/// Every error class: input, options, offset of the offending byte, and the
/// exact message.
#[test]
fn error_messages_and_offsets() {
    let truncated = "unexpected end of input (the file looks truncated)";
    let cases: &[(&str, Options, u32, &str)] = &[
        // Empty and truncated input.
        ("", STRICT, 0, "expected a JSON value, found end of input (the input is empty)"),
        (" \n ", STRICT, 3, "expected a JSON value, found end of input (the input is empty)"),
        ("/* only */", LENIENT, 10, "expected a JSON value, found end of input (the input is empty)"),
        (r#"{"a": 1"#, STRICT, 7, &format!("{truncated}; expected `,` or `}}` after object member")),
        (r#"{"a": "#, STRICT, 6, &format!("{truncated}; expected a value after `:`")),
        (r#"{"a""#, STRICT, 4, &format!("{truncated}; expected `:` after object key")),
        ("{", STRICT, 1, &format!("{truncated}; expected a string key or `}}` in object")),
        (r#"{"a":1,"#, STRICT, 7, &format!("{truncated}; expected a string key after `,` in object")),
        ("[1, 2", STRICT, 5, &format!("{truncated}; expected `,` or `]` after array element")),
        ("[", STRICT, 1, &format!("{truncated}; expected a value or `]`")),
        ("[1,", STRICT, 3, &format!("{truncated}; expected a value after `,` in array")),
        ("-", STRICT, 1, &format!("{truncated}; expected a digit after `-`")),
        ("1.", STRICT, 2, &format!("{truncated}; expected a digit after the decimal point")),
        ("1e", STRICT, 2, &format!("{truncated}; expected a digit in the exponent")),
        ("1e+", STRICT, 3, &format!("{truncated}; expected a digit in the exponent")),
        // Structure.
        (r#"{"a": 1]"#, STRICT, 7, "expected `,` or `}` after object member, found `]`"),
        ("[1 2]", STRICT, 3, "expected `,` or `]` after array element, found `2`"),
        ("[1}", STRICT, 2, "expected `,` or `]` after array element, found `}`"),
        (r#"{"a" 1}"#, STRICT, 5, "expected `:` after object key, found `1`"),
        (r#"{"a"= 1}"#, STRICT, 4, "expected `:` after object key, found `=`"),
        (r#"{"a":}"#, STRICT, 5, "expected a value after `:`, found `}`"),
        (
            "{a: 1}",
            STRICT,
            1,
            "expected a string key or `}` in object, found `a` (object keys must be double-quoted strings)",
        ),
        ("{1: 1}", STRICT, 1, "expected a string key or `}` in object, found `1`"),
        (
            r#"{"a": 1, b: 2}"#,
            STRICT,
            9,
            "expected a string key after `,` in object, found `b` (object keys must be double-quoted strings)",
        ),
        (
            "{'a': 1}",
            STRICT,
            1,
            "expected a string key or `}` in object, found `'` (strings must use double quotes)",
        ),
        ("['a']", STRICT, 1, "expected a value or `]`, found `'` (strings must use double quotes)"),
        ("[1] x", STRICT, 4, "expected end of input after the top-level value, found `x`"),
        ("1 2", STRICT, 2, "expected end of input after the top-level value, found `2`"),
        ("{} {}", STRICT, 3, "expected end of input after the top-level value, found `{`"),
        ("truex", STRICT, 4, "expected end of input after the top-level value, found `x`"),
        ("]", STRICT, 0, "expected a JSON value, found `]`"),
        // Literals.
        ("tru", STRICT, 0, "expected a JSON value, found `tru`"),
        ("True", STRICT, 0, "expected a JSON value, found `True`"),
        ("[nul]", STRICT, 1, "expected a value or `]`, found `nul`"),
        ("undefined", STRICT, 0, "expected a JSON value, found `undefined`"),
        (
            "[abcdefghijklmnopqrstuvwxyz]",
            STRICT,
            1,
            "expected a value or `]`, found `abcdefghijklmnopqrstuvwx...`",
        ),
        // Numbers.
        ("01", STRICT, 0, "leading zeros are not allowed in numbers"),
        ("-01", STRICT, 1, "leading zeros are not allowed in numbers"),
        ("[1, 007]", STRICT, 4, "leading zeros are not allowed in numbers"),
        ("-a", STRICT, 1, "expected a digit after `-`, found `a`"),
        ("- 1", STRICT, 1, "expected a digit after `-`, found ` `"),
        ("1.e5", STRICT, 2, "expected a digit after the decimal point, found `e5`"),
        ("1ex", STRICT, 2, "expected a digit in the exponent, found `x`"),
        ("1.5.5", STRICT, 3, "expected end of input after the top-level value, found `.` (numbers must have a digit before the decimal point)"),
        (".5", STRICT, 0, "expected a JSON value, found `.` (numbers must have a digit before the decimal point)"),
        ("+1", STRICT, 0, "expected a JSON value, found `+` (numbers may not start with `+`)"),
        ("NaN", STRICT, 0, "expected a JSON value, found `NaN` (NaN and Infinity are not valid JSON numbers)"),
        ("[Infinity]", STRICT, 1, "expected a value or `]`, found `Infinity` (NaN and Infinity are not valid JSON numbers)"),
        (
            "-Infinity",
            STRICT,
            1,
            "expected a digit after `-`, found `Infinity` (NaN and Infinity are not valid JSON numbers)",
        ),
        ("0x1F", STRICT, 1, "expected end of input after the top-level value, found `x1F`"),
        // Strings.
        (r#""abc"#, STRICT, 0, "unterminated string"),
        (r#"["a", "bc"#, STRICT, 6, "unterminated string"),
        (r#""ab\"#, STRICT, 0, "unterminated string"),
        (r#""ab\""#, STRICT, 0, "unterminated string"),
        (r#""a\u12"#, STRICT, 0, "unterminated string"),
        (r#""a\uD83D\uDE"#, STRICT, 0, "unterminated string"),
        (
            r#""a\x""#,
            STRICT,
            2,
            "invalid escape in string: expected one of `\\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\u` after `\\`, found `x`",
        ),
        (
            "\"a\\\u{e9}\"",
            STRICT,
            2,
            "invalid escape in string: expected one of `\\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\u` after `\\`, found `\u{e9}` (U+00E9)",
        ),
        (r#""\u12G4""#, STRICT, 5, "expected 4 hex digits after `\\u` in string, found `G4`"),
        (r#""\u""#, STRICT, 3, "expected 4 hex digits after `\\u` in string, found `\"`"),
        (
            "\"line\nnext\"",
            STRICT,
            5,
            "control character U+000A in string must be escaped (is a closing `\"` missing?)",
        ),
        ("\"a\tb\"", STRICT, 2, "control character U+0009 in string must be escaped"),
        ("\"\u{0}\"", STRICT, 1, "control character U+0000 in string must be escaped"),
        ("\"0123456789\u{1f}\"", STRICT, 11, "control character U+001F in string must be escaped"),
        // Characters outside JSON's grammar.
        ("\u{e9}", STRICT, 0, "expected a JSON value, found `\u{e9}` (U+00E9)"),
        ("\u{1}", STRICT, 0, "expected a JSON value, found control character U+0001"),
        ("`x`", STRICT, 0, "expected a JSON value, found a backtick"),
        ("1\u{feff}", STRICT, 1, "expected end of input after the top-level value, found `\u{feff}` (U+FEFF)"),
        // Comments.
        ("// c\n1", STRICT, 0, "expected a JSON value, found `/` (comments are not allowed)"),
        ("1 // c", STRICT, 2, "expected end of input after the top-level value, found `/` (comments are not allowed)"),
        ("[1 /* c */]", TRAILING_ONLY, 3, "expected `,` or `]` after array element, found `/` (comments are not allowed)"),
        ("/* x", LENIENT, 0, "unterminated block comment (no closing `*/`)"),
        ("[1, /* x */ 2 /* y", LENIENT, 14, "unterminated block comment (no closing `*/`)"),
        ("/*/ 1", LENIENT, 0, "unterminated block comment (no closing `*/`)"),
        ("/x 1", LENIENT, 1, "expected `/` or `*` after `/` to start a comment, found `x`"),
        ("[1 /]", LENIENT, 4, "expected `/` or `*` after `/` to start a comment, found `]`"),
        ("1 /", LENIENT, 3, &format!("{truncated}; expected `/` or `*` after `/` to start a comment")),
        // Trailing commas.
        ("[1,]", STRICT, 2, "trailing comma before `]` is not allowed"),
        ("[1, \n ]", COMMENTS_ONLY, 2, "trailing comma before `]` is not allowed"),
        (r#"{"a":1,}"#, STRICT, 6, "trailing comma before `}` is not allowed"),
        ("[,]", LENIENT, 1, "expected a value or `]`, found `,`"),
        ("[,1]", LENIENT, 1, "expected a value or `]`, found `,`"),
        ("[1,,2]", LENIENT, 3, "expected a value after `,` in array, found `,`"),
        ("[1,,]", LENIENT, 3, "expected a value after `,` in array, found `,`"),
        ("{,}", LENIENT, 1, "expected a string key or `}` in object, found `,`"),
        (r#"{"a":1,,}"#, LENIENT, 7, "expected a string key after `,` in object, found `,`"),
        ("1,", LENIENT, 1, "expected end of input after the top-level value, found `,`"),
    ];
    for (text, opts, offset, message) in cases {
        let e = fails(text, *opts);
        assert_eq!((e.offset().expect("a JSON error"), e.message.as_str()), (*offset, *message), "input {text:?}");
    }
}

#[test]
fn error_display_and_trait() {
    let e = fails("[1 2]", STRICT);
    assert_eq!(e.to_string(), "expected `,` or `]` after array element, found `2` at byte 3");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().ends_with("at byte 3"));
}

#[test]
fn byte_order_mark_is_skipped_but_counted_in_offsets() {
    let node = ok("\u{feff}{\"a\": 1}", STRICT);
    assert_eq!(node.offset, 3);
    assert_eq!(node.get("a").unwrap().offset, 9);
    let e = fails("\u{feff}", STRICT);
    assert_eq!(e.offset().expect("a JSON error"), 3);
    let e = fails("\u{feff}\u{feff}1", STRICT);
    assert_eq!(e.offset().expect("a JSON error"), 3, "only one leading BOM is skipped");
}

// ------------------------------------------------------------------- nesting

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let text = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    let mut node = &ok(&text, STRICT);
    let mut depth = 1;
    while let Some([inner]) = node.as_array() {
        node = inner;
        depth += 1;
    }
    assert_eq!(depth, MAX_DEPTH);

    let objects = format!("{}1{}", r#"{"k":"#.repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
    ok(&objects, STRICT);
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow() {
    assert_eq!(MAX_DEPTH, 512);
    let text = format!("{}{}", "[".repeat(513), "]".repeat(513));
    let e = fails(&text, STRICT);
    assert_eq!((e.offset().expect("a JSON error"), e.message.as_str()), (512, "nesting deeper than 512 levels"));

    let mixed = r#"{"a":["#.repeat(300);
    let e = fails(&mixed, STRICT);
    assert_eq!(e.message, "nesting deeper than 512 levels");
    assert_eq!(e.offset().expect("a JSON error") as usize, 256 * r#"{"a":["#.len());

    // Far deeper than any stack could recurse.
    for text in ["[".repeat(1_000_000), "{\"a\":".repeat(200_000), "[{\"a\":".repeat(200_000)] {
        assert_eq!(fails(&text, STRICT).message, "nesting deeper than 512 levels");
    }
    // Siblings do not add up: depth is per path.
    let wide = format!("[{}]", vec!["[[[]]]"; 10_000].join(","));
    assert_eq!(ok(&wide, STRICT).as_array().map(<[Node]>::len), Some(10_000));
}

// ------------------------------------------------ comments and trailing commas

#[test]
fn comments_anywhere_whitespace_may_appear() {
    let commented = r#"// ARM template
/* leading */ {
  "a" /* before colon */ : /* after colon */ [1 /* after element */, // line
    2, /***/ 3 /* a * b / c ** / */],
  // between members
  "url": "http://example.com/*not a comment*/", "b": {/* empty */}, "c": []//end
}
// trailing comment at end of file"#;
    let plain = r#"{"a": [1, 2, 3], "url": "http://example.com/*not a comment*/", "b": {}, "c": []}"#;
    assert_eq!(shape(&ok(commented, COMMENTS_ONLY)), shape(&ok(plain, STRICT)));
    assert_eq!(shape(&ok(commented, LENIENT)), shape(&ok(plain, STRICT)));
    let e = fails(commented, STRICT);
    assert_eq!(
        (e.offset().expect("a JSON error"), e.message.as_str()),
        (0, "expected a JSON value, found `/` (comments are not allowed)")
    );
    let e = fails(commented, TRAILING_ONLY);
    assert_eq!(e.offset().expect("a JSON error"), 0);
    // A line comment ending the file has no newline.
    assert_eq!(shape(&ok("1//", LENIENT)), num("1"));
    assert_eq!(shape(&ok("1/**/", LENIENT)), num("1"));
    // Offsets are unaffected by comments before them.
    let node = ok("/* x */ [/*y*/ 7]", LENIENT);
    assert_eq!((node.offset, node.as_array().unwrap()[0].offset), (8, 15));
}

#[test]
fn trailing_commas_only_when_enabled() {
    let text = r#"{"a": [1, 2,], "b": {"c": [],}, "d": [[],],}"#;
    let expected = obj(&[
        ("a", J::Arr(vec![num("1"), num("2")])),
        ("b", obj(&[("c", J::Arr(vec![]))])),
        ("d", J::Arr(vec![J::Arr(vec![])])),
    ]);
    assert_eq!(shape(&ok(text, TRAILING_ONLY)), expected);
    assert_eq!(shape(&ok(text, LENIENT)), expected);
    assert_eq!(fails(text, STRICT).offset().expect("a JSON error"), 11);
    assert_eq!(fails(text, COMMENTS_ONLY).offset().expect("a JSON error"), 11);
    // With comments and whitespace between the comma and the bracket.
    assert_eq!(shape(&ok("[1, /* c */\n]", LENIENT)), J::Arr(vec![num("1")]));
    assert_eq!(fails("[1, /* c */\n]", COMMENTS_ONLY).offset().expect("a JSON error"), 2);
}

#[test]
fn default_options_are_strict() {
    assert_eq!(Options::default(), Options { comments: false, trailing_commas: false, keep_duplicate_keys: false });
    assert_eq!(Options::default(), STRICT);
    assert!(parse("[1,]", Options::default()).is_err());
    assert!(parse("1 // c", Options::default()).is_err());
}

// ----------------------------------------------------------------- properties

/// Serializes `j` as JSON, recording the offsets of values and keys in
/// pre-order, the way the parser should report them.
struct Writer {
    out: String,
    values: Vec<u32>,
    keys: Vec<u32>,
    style: Style,
}

#[derive(Clone, Copy, Debug)]
struct Style {
    pretty: bool,
    escape_non_ascii: bool,
    upper_hex: bool,
    escape_slash: bool,
    comments: bool,
    trailing_commas: bool,
}

impl Writer {
    fn gap(&mut self, depth: usize) {
        if self.style.comments {
            self.out.push_str(if depth & 1 == 0 { "/* c */" } else { "// c\n" });
        }
        if self.style.pretty {
            self.out.push('\n');
            self.out.push_str(&"  ".repeat(depth));
        }
    }

    fn string(&mut self, v: &str) {
        self.out.push('"');
        for c in v.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '/' if self.style.escape_slash => self.out.push_str("\\/"),
                '\n' => self.out.push_str("\\n"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 || (self.style.escape_non_ascii && !c.is_ascii()) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if self.style.upper_hex {
                            self.out.push_str(&format!("\\u{unit:04X}"));
                        } else {
                            self.out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, j: &J, depth: usize) {
        self.values.push(self.out.len() as u32);
        match j {
            J::Null => self.out.push_str("null"),
            J::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => self.out.push_str(n),
            J::Str(v) => self.string(v),
            J::Arr(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.gap(depth + 1);
                    self.value(item, depth + 1);
                }
                if self.style.trailing_commas && !items.is_empty() {
                    self.out.push(',');
                }
                self.gap(depth);
                self.out.push(']');
            }
            J::Obj(members) => {
                self.out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.gap(depth + 1);
                    self.keys.push(self.out.len() as u32);
                    self.string(k);
                    self.gap(depth + 1);
                    self.out.push(':');
                    if self.style.pretty {
                        self.out.push(' ');
                    }
                    self.value(v, depth + 1);
                }
                if self.style.trailing_commas && !members.is_empty() {
                    self.out.push(',');
                }
                self.gap(depth);
                self.out.push('}');
            }
        }
    }
}

fn write(j: &J, style: Style) -> Writer {
    let mut w = Writer { out: String::new(), values: vec![], keys: vec![], style };
    w.gap(0);
    w.value(j, 0);
    w.gap(0);
    w
}

fn offsets(node: &Node, values: &mut Vec<u32>, keys: &mut Vec<u32>) {
    values.push(node.offset);
    match &node.value {
        Value::Array(items) => items.iter().for_each(|n| offsets(n, values, keys)),
        Value::Object(members) => {
            for m in members {
                keys.push(m.key_offset);
                offsets(&m.value, values, keys);
            }
        }
        _ => {}
    }
}

/// Checks every node's line against a count of the newlines before it.
fn check_lines(node: &Node, text: &str) -> Result<(), String> {
    let want = 1 + text.as_bytes()[..node.offset as usize].iter().filter(|&&b| b == b'\n').count() as u32;
    if node.line != want {
        return Err(format!("node at byte {} has line {}, expected {want}", node.offset, node.line));
    }
    match &node.value {
        Value::Array(items) => items.iter().try_for_each(|n| check_lines(n, text)),
        Value::Object(members) => members.iter().try_for_each(|m| check_lines(&m.value, text)),
        _ => Ok(()),
    }
}

#[test]
fn lines_are_counted_through_comments_crlf_and_a_byte_order_mark() {
    let text = "\u{feff}{\r\n  \"a\": /* one\n two\n */ [1,\n 2], // end\n  \"b\":\n\n \"x\"\r\n}";
    let root = ok(text, LENIENT);
    check_lines(&root, text).unwrap_or_else(|e| panic!("{e}"));
    let b = root.get("b").expect("b");
    assert_eq!(b.line, 8);
}

const STREAMED: &[&str] = &["Items"];

fn streamed_sequentially(text: &str, opts: Options) -> testing::Streamed {
    testing::sequentially(text, opts, STREAMED)
}

fn streamed_in_parts(text: &str, opts: Options, extra: usize) -> testing::Streamed {
    testing::in_parts(text, opts, STREAMED, extra)
}

#[test]
fn parts_confirm_their_guesses_and_drop_wrong_ones() {
    // Element lines are indented by four spaces. The nested arrays below
    // also put `{` after a comma at four spaces: a guess landing there is
    // wrong, and the result must still be the sequential one.
    let mut text = String::from("{\n  \"Before\": [1],\n  \"Items\": [\n");
    for i in 0..400 {
        if i > 0 {
            text.push_str(",\n");
        }
        if i % 3 == 0 {
            text.push_str(&format!("    {{\"n\": {i}, \"inner\": [\n{{\"a\": 1}},\n    {{\"b\": 2}}\n]}}"));
        } else {
            text.push_str(&format!("    {{\"n\": {i},\n      \"s\": \"x\"}}"));
        }
    }
    text.push_str("\n  ],\n  \"After\": {\"k\": true}\n}\n");
    let want = streamed_sequentially(&text, STRICT);
    assert!(want.0.is_ok());
    assert_eq!(want.1.len(), 400);
    for extra in 0..6 {
        let got = streamed_in_parts(&text, STRICT, extra);
        assert_eq!(got, want, "{} parts", extra + 1);
        for (_, n) in &got.1 {
            check_lines(n, &text).unwrap_or_else(|e| panic!("{} parts: {e}", extra + 1));
        }
    }
    // An error in the second half is the sequential parse's error, after
    // the same elements.
    let bad = text.replacen("\"n\": 350,", "\"n\": 350,,", 1);
    assert!(bad != text);
    let want = streamed_sequentially(&bad, STRICT);
    assert!(want.0.is_err() && want.1.len() == 350);
    for extra in 1..6 {
        assert_eq!(streamed_in_parts(&bad, STRICT, extra), want, "{} parts", extra + 1);
    }
}

fn repeats_a_key(j: &J) -> bool {
    match j {
        J::Arr(items) => items.iter().any(repeats_a_key),
        J::Obj(members) => {
            members.iter().enumerate().any(|(i, (k, _))| members[..i].iter().any(|(earlier, _)| earlier == k))
                || members.iter().any(|(_, v)| repeats_a_key(v))
        }
        _ => false,
    }
}

fn has_nonempty_container(j: &J) -> bool {
    match j {
        J::Arr(items) => !items.is_empty(),
        J::Obj(members) => !members.is_empty(),
        _ => false,
    }
}

fn arb_number() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?"
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof!["[a-c]{0,2}", "[ -~]{0,12}", any::<String>(), "[\"\\\\/\\x00-\\x1f\u{e9}\u{1F600}a]{0,12}",]
}

fn arb_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        arb_number().prop_map(J::Num),
        arb_string().prop_map(J::Str),
    ];
    leaf.prop_recursive(8, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(J::Arr),
            prop::collection::vec((arb_string(), inner), 0..8).prop_map(J::Obj),
        ]
    })
}

fn arb_style() -> impl Strategy<Value = Style> {
    (any::<[bool; 4]>(), any::<bool>(), any::<bool>()).prop_map(|(f, comments, trailing_commas)| Style {
        pretty: f[0],
        escape_non_ascii: f[1],
        upper_hex: f[2],
        escape_slash: f[3],
        comments,
        trailing_commas,
    })
}

/// Parses with every option set, checking the invariants that hold for any
/// input: no panic, error offsets within the text, and anything strict JSON
/// accepts the extensions accept identically.
fn check_any(text: &str) {
    let mut strict_result = None;
    for opts in [STRICT, COMMENTS_ONLY, TRAILING_ONLY, LENIENT] {
        let result = parse(text, opts);
        if let Err(e) = &result {
            assert!(
                e.offset().expect("a JSON error") as usize <= text.len(),
                "{text:?}: offset {} past end",
                e.offset().expect("a JSON error")
            );
            assert!(!e.message.is_empty());
        }
        match &strict_result {
            None => strict_result = Some(result),
            Some(Ok(strict)) => assert_eq!(result.as_ref(), Ok(strict), "{text:?} with {opts:?}"),
            Some(Err(_)) => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(text in any::<String>()) {
        check_any(&text);
    }

    #[test]
    fn never_panics_on_json_like_soup(
        text in "[\\[\\]{}\":,0-9eE.+\\-tfrunlas\\\\/* \n\tuD8Cd\u{e9}]{0,80}"
    ) {
        check_any(&text);
    }

    #[test]
    fn round_trips_what_a_serializer_wrote(j in arb_json(), mut style in arb_style()) {
        style.comments = false;
        style.trailing_commas = false;
        let w = write(&j, style);
        let node = parse(&w.out, KEEP).map_err(|e| TestCaseError::fail(format!("{}: {e}", w.out)))?;
        prop_assert_eq!(shape(&node), j.clone());
        let (mut values, mut keys) = (vec![], vec![]);
        offsets(&node, &mut values, &mut keys);
        prop_assert_eq!(values, w.values);
        prop_assert_eq!(keys, w.keys);
        prop_assert_eq!(parse(&w.out, Options { keep_duplicate_keys: true, ..LENIENT }), Ok(node.clone()));
        // Without `keep_duplicate_keys`, exactly the texts with a repeated
        // key in some object are refused.
        match (repeats_a_key(&j), parse(&w.out, STRICT)) {
            (false, Ok(strict)) => prop_assert_eq!(strict, node),
            (true, Err(e)) => prop_assert!(e.message.contains("appears twice"), "{}", e),
            (repeats, got) => prop_assert!(false, "repeats a key: {}, parse: {:?}", repeats, got),
        }
    }

    #[test]
    fn round_trips_comments_and_trailing_commas(j in arb_json(), style in arb_style()) {
        let w = write(&j, style);
        let opts = Options { comments: style.comments, trailing_commas: style.trailing_commas, keep_duplicate_keys: true };
        let node = parse(&w.out, opts).map_err(|e| TestCaseError::fail(format!("{}: {e}", w.out)))?;
        prop_assert_eq!(shape(&node), j.clone());
        let (mut values, mut keys) = (vec![], vec![]);
        offsets(&node, &mut values, &mut keys);
        prop_assert_eq!(values, w.values);
        prop_assert_eq!(keys, w.keys);
        check_lines(&node, &w.out).map_err(TestCaseError::fail)?;
        if style.comments || (style.trailing_commas && has_nonempty_container(&j)) {
            prop_assert!(parse(&w.out, STRICT).is_err(), "strict accepted {}", w.out);
        }
    }

    #[test]
    fn never_panics_on_mutated_json(
        j in arb_json(),
        style in arb_style(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..4),
    ) {
        let mut text = write(&j, style).out;
        for (at, kind, c) in edits {
            let boundaries: Vec<usize> =
                text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let i = boundaries[at.index(boundaries.len())];
            match kind {
                0 => text.insert(i, c),
                1 if i < text.len() => { text.remove(i); }
                _ => text.truncate(i),
            }
        }
        check_any(&text);
    }
}

proptest! {
    // Each case starts threads: fewer cases than the parser's other properties.
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn parts_read_what_a_sequential_parse_reads(
        items in prop::collection::vec(arb_json(), 0..24),
        mut style in arb_style(),
        pretty in any::<bool>(),
        extra in 1usize..4,
        edit in prop::option::of((any::<prop::sample::Index>(), any::<char>())),
    ) {
        style.pretty = pretty;
        let doc = J::Obj(vec![("Items".into(), J::Arr(items)), ("After".into(), J::Num("1".into()))]);
        let mut text = write(&doc, style).out;
        if let Some((at, c)) = edit {
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let i = boundaries[at.index(boundaries.len())];
            text.insert(i, c);
        }
        let opts = Options { comments: style.comments, trailing_commas: style.trailing_commas, keep_duplicate_keys: true };
        prop_assert_eq!(streamed_in_parts(&text, opts, extra), streamed_sequentially(&text, opts));
    }
}

#[test]
fn a_string_or_number_longer_than_the_token_limit_is_an_error_at_its_start() {
    use portcullis_syntax::json::MAX_TOKEN_BYTES;
    let limit_mib = MAX_TOKEN_BYTES >> 20;
    // Exactly at the limit: read.
    let text = format!(r#"{{"k": "{}"}}"#, "a".repeat(MAX_TOKEN_BYTES));
    assert_eq!(ok(&text, STRICT).get("k").and_then(Node::as_str).map(str::len), Some(MAX_TOKEN_BYTES));
    drop(text);
    // One byte more, plain, with escapes, as a key, as a number (each text
    // made when it is parsed: they are large).
    let over = || "a".repeat(MAX_TOKEN_BYTES + 1);
    let cases: [(&dyn Fn() -> String, u32, &str); 4] = [
        (&|| format!(r#"{{"k": "{}"}}"#, over()), 6, "string"),
        (&|| format!(r#"{{"k": "\n{}"}}"#, over()), 6, "string"),
        (&|| format!(r#"{{"{}": 1}}"#, over()), 1, "string"),
        (&|| format!("[1{}]", "0".repeat(MAX_TOKEN_BYTES)), 1, "number"),
    ];
    for (text, offset, what) in cases {
        let e = parse(&text(), STRICT).expect_err("over the limit");
        assert_eq!(e.offset(), Some(offset), "{what}: {}", e.message);
        assert_eq!(
            e.message,
            format!(
                "a {what} longer than {limit_mib} MiB: longer than any value an input of ours holds, so it is not read"
            )
        );
    }
}
