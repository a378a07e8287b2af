//! A CloudFormation template as one tree of [`Value`]s, whether it was
//! written in YAML or JSON: every node and every mapping key keeps its
//! position.
//!
//! YAML is loaded by the syntax layer ([`portcullis_syntax::yaml`]), which
//! rewrites the short-form tags into the JSON long form (`!Ref x` →
//! `{"Ref": x}`), so the evaluator ([`super::intrinsics`]) reads one form
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>).

use portcullis_syntax::Value;

/// The intrinsic function a node calls, if it is a one-key mapping whose
/// key is `Ref`, `Condition` or `Fn::…`.
pub fn intrinsic(node: &Value) -> Option<(&str, &Value)> {
    match node.as_map()? {
        [member] => {
            let k = member.key.as_str();
            (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k, &member.value))
        }
        _ => None,
    }
}
