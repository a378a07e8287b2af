//! ARM template expressions (`"[concat(parameters('nsg'), '/ssh')]"`):
//! parsed, and evaluated as far as the template can tell.
//!
//! Syntax and functions: <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions>
//! and <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>.
//! A string that starts with `[` and ends with `]` is an expression; `[[`
//! escapes a literal `[`. Function and parameter names are case-insensitive.
//!
//! Evaluated: `parameters` (the `defaultValue`), `variables`, `concat`,
//! `format`, `string`, `int`, `bool`, `toLower`, `toUpper`, `trim`,
//! `replace`, `length`, `empty`, `equals`, `not`, `and`, `or`, `if`,
//! `greater(OrEquals)`, `less(OrEquals)`, `createArray`, `createObject`,
//! `split`, `first`, `last`, `coalesce`, `contains`, `range`, `join`,
//! `tryGet`, `add`, `sub`, `mul`, `div`, `mod`, `min`, `max`, `true`,
//! `false`, `null`, property access and indexing, and `copy` loops with
//! `copyIndex` ([`copy`]). Everything else (`resourceGroup()`, `resourceId()`,
//! `uniqueString()`, `reference()`…) is known only at deployment: unknown,
//! with the reason. An unknown keeps a stand-in text (`{parameters('nsg')}`)
//! so that names built from the same unknown parameter still match: a
//! child rule `[concat(parameters('nsg'), '/ssh')]` finds the NSG named
//! `[parameters('nsg')]`.
//!
//! [`expression`] parses the text between the brackets, [`evaluate`]
//! evaluates a template's values ([`ArmEval`]), and [`functions`] applies
//! the template functions (shared with Bicep, which compiles to ARM). What
//! comes out is the one positioned [`Value`]; an unknown keeps its
//! stand-in text in [`Kind::Unknown`]'s `stand_in`.

pub mod copy;
pub mod evaluate;
pub mod expression;
pub mod functions;

pub use evaluate::{expression_of, ArmEval};
pub use expression::Expression;
pub use functions::{apply, num, same, truth, unknown_reason, unknown_val};

use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Value};

/// Values given for a template's parameters (`--parameters`), looked up
/// by name without regard to case. A lookup, not the parameters type, so
/// the evaluators do not depend on how parameter files are read.
pub type Given<'c> = &'c dyn Fn(&str) -> Option<&'c Value>;

/// Deepest nesting parsed or evaluated: real templates nest a few levels.
const MAX_DEPTH: usize = 64;

/// Whether the first bytes of a JSON file look like an ARM template: its
/// `$schema` names a deployment template (resource group, subscription,
/// management group or tenant scope).
pub fn looks_like_template(head: &str) -> bool {
    head.contains("eploymentTemplate.json")
}

/// Parses a template: JSON with comments and trailing commas.
pub fn parse_template(text: &str) -> Result<Node, portcullis_syntax::Error> {
    let opts = json::Options::LENIENT;
    match json::parse(text, opts) {
        Err(e) if e.message.contains("control character") => {
            // Azure accepts raw line breaks and tabs inside strings (several
            // published templates have them); JSON does not. Blank them, byte
            // for byte, so every offset still points into `text`.
            json::parse(&blank_raw_controls(text), opts)
        }
        other => other,
    }
}

/// Replaces control characters inside strings with spaces; comments and
/// everything outside strings are kept.
fn blank_raw_controls(text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    let (mut i, mut in_str, mut esc) = (0, false, false);
    while i < b.len() {
        let c = b[i];
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            } else if c < 0x20 {
                b[i] = b' ';
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 1;
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    String::from_utf8(b).unwrap_or_else(|_| text.to_string())
}

/// The text of a value, or the stand-in text of an unknown: what a name
/// built from it is matched by.
pub fn name_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Unknown { stand_in, .. } => stand_in.clone(),
        _ => v.text(),
    }
}

/// The type of a value in ARM's words ("found an array").
pub fn type_name(v: &Value) -> &'static str {
    match &v.kind {
        Kind::Null | Kind::Removed => "null",
        Kind::Bool(_) => "a boolean",
        Kind::Number(_) => "a number",
        Kind::String(_) => "a string",
        Kind::List(_) => "an array",
        Kind::Map(_) => "an object",
        Kind::Resource { .. } => "a resource reference",
        Kind::Unknown { .. } => "an unknown value",
    }
}

#[cfg(test)]
mod tests {
    use super::expression::parse;
    use super::*;
    use crate::context::Context;
    use portcullis_model::Span;
    use std::sync::Arc;

    fn eval(template: &str, expr: &str) -> Value {
        let root = portcullis_syntax::json::parse(template, portcullis_syntax::json::Options::LENIENT).expect("json");
        let ctx = Context::new(Arc::from("t.json"), template);
        let mut ev = ArmEval::new(&ctx, &root);
        let span = Span::new(Arc::from("t.json"), 1, 1);
        let v = ev.expression(expr, &span);
        assert!(ev.errors.is_empty(), "{:?}", ev.errors);
        v
    }

    const T: &str = r#"{
        "parameters": {"nsg": {"type": "string"}, "src": {"type": "string", "defaultValue": "*"},
                       "loc": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
        "variables": {"name": "default-NSG", "both": "[concat(variables('name'), '-', parameters('src'))]",
                      "obj": {"a": [1, 2]}}
    }"#;

    #[test]
    fn parameters_variables_concat_format() {
        assert_eq!(eval(T, "parameters('src')").kind, Kind::String("*".into()));
        assert_eq!(eval(T, "variables('both')").kind, Kind::String("default-NSG-*".into()));
        assert_eq!(eval(T, "format('{0}/{1}', variables('name'), 'ssh')").kind, Kind::String("default-NSG/ssh".into()));
        assert_eq!(eval(T, "variables('obj').a[1]").kind, Kind::Number("2".into()));
        assert_eq!(eval(T, "if(equals(parameters('src'), '*'), 'any', 'some')").kind, Kind::String("any".into()));
        assert_eq!(eval(T, "greater(length(parameters('src')), 0)").kind, Kind::Bool(true));
        assert_eq!(eval(T, "toLower( 'ABC' )").kind, Kind::String("abc".into()));
    }

    #[test]
    fn unknowns_keep_a_stand_in_for_names() {
        let nsg = eval(T, "parameters('nsg')");
        let rule = eval(T, "concat(parameters('nsg'), '/allowAll')");
        let (Kind::Unknown { stand_in: Some(a), .. }, Kind::Unknown { stand_in: Some(b), reason }) =
            (&nsg.kind, &rule.kind)
        else {
            panic!("unknown expected: {nsg:?} {rule:?}")
        };
        assert_eq!(a, "{parameters('nsg')}");
        assert_eq!(b, "{parameters('nsg')}/allowAll");
        assert!(reason.contains("no defaultValue"));
        let fmt = eval(T, "format('{0}/x', parameters('nsg'))");
        assert!(matches!(fmt.kind, Kind::Unknown { stand_in: Some(ref text), .. } if text == "{parameters('nsg')}/x"));
        let loc = eval(T, "parameters('loc')");
        assert!(matches!(loc.kind, Kind::Unknown { ref reason, .. } if reason.contains("resourcegroup()")));
    }

    #[test]
    fn parse_errors_and_escapes() {
        assert!(parse("concat('a'").is_err());
        assert!(parse("concat('it''s')").is_ok());
        assert_eq!(expression_of("[[notAnExpression]"), None);
        assert_eq!(expression_of("[variables('x')]"), Some("variables('x')"));
        assert!(parse(&"f(".repeat(1000)).is_err(), "deep nesting is refused, not a stack overflow");
    }
}
