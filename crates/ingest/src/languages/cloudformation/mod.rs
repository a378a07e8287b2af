//! CloudFormation templates, in YAML (with the short-form tags) or JSON.
//!
//! Reading is two steps here: [`load`] builds one tree of positioned
//! values from either syntax ([`template`]), and [`intrinsics`] evaluates
//! intrinsic functions as far as the template can tell (parameters take
//! the value given in a parameters file, else their `Default`). The AWS
//! adapter (`providers::aws::cloudformation`) reads the resources.

pub mod intrinsics;
pub mod template;

use crate::context::Context;
use crate::error::IngestError;
use portcullis_syntax::Value;
use std::sync::Arc;

/// Whether the first bytes of a YAML file look like a template: the
/// format version, or a top-level `Resources:` and an `AWS::` type. Other
/// YAML (Kubernetes manifests, CI files) is not parsed.
pub fn looks_like_yaml_template(head: &str) -> bool {
    head.contains("AWSTemplateFormatVersion")
        || (head.contains("AWS::") && head.lines().any(|l| l.starts_with("Resources:")))
}

/// The same for a JSON file.
pub fn looks_like_json_template(head: &str) -> bool {
    head.contains("\"AWSTemplateFormatVersion\"") || (head.contains("\"Resources\"") && head.contains("\"AWS::"))
}

/// Whether a tree is a template: a mapping whose `Resources` is a mapping,
/// with the format version or a resource whose `Type` names a provider type.
pub fn is_template(root: &Value) -> bool {
    let Some(res) = root.get("Resources").and_then(Value::as_map) else { return false };
    root.get("AWSTemplateFormatVersion").is_some()
        || res.iter().any(|r| r.value.get("Type").and_then(Value::as_str).is_some_and(|t| t.contains("::")))
}

/// Reads `text` as a template: `None` when it is not one; else the tree
/// (none when the text is not well-formed) and the errors found.
pub fn load(path: &str, text: &str, head: &str) -> Option<(Option<Value>, Vec<IngestError>)> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let file: Arc<str> = Arc::from(path);
    let mut errors = Vec::new();
    let tree = if t.starts_with('{') {
        if !looks_like_json_template(head) {
            return None;
        }
        let ctx = Context::new(file.clone(), text);
        match portcullis_syntax::json::parse(text, portcullis_syntax::json::Options::STRICT) {
            Ok(root) => ctx.value(&root),
            Err(e) => return Some((None, vec![ctx.json_error(&e)])),
        }
    } else if t.starts_with('[') || !looks_like_yaml_template(head) {
        return None;
    } else {
        let mut skipped = Vec::new();
        let loaded = portcullis_syntax::yaml::load_first(&file, text, &mut skipped);
        errors.extend(skipped.into_iter().map(IngestError::from_yaml));
        match loaded {
            Ok(Some(tree)) => tree,
            Ok(None) => return Some((None, errors)),
            Err(e) => {
                errors.push(IngestError::from_yaml(e));
                return Some((None, errors));
            }
        }
    };
    if !is_template(&tree) {
        return None;
    }
    Some((Some(tree), errors))
}
