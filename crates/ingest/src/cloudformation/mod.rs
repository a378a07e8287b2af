//! CloudFormation templates, in YAML (with the short-form tags) or JSON:
//! the EC2 security groups, network ACLs and instances they declare, read
//! onto the AWS items ([`crate::aws`]) so they mean what the same rules
//! mean in any other AWS input.
//!
//! Reading is three steps: [`template`] builds one tree with positions from
//! either syntax, [`intrinsics`] evaluates intrinsic functions as far as the
//! template can tell (parameters take their `Default`), and [`ec2`] adapts
//! the resources. Resources are named by their logical id.
//!
//! Parameter values given in a parameters file (`--parameters`,
//! [`crate::params`]) override the defaults.

pub mod ec2;
pub mod intrinsics;
pub mod template;

use crate::aws::AwsItems;
use crate::ctx::Ctx;
use crate::error::IngestError;
use crate::params::Parameters;
use crate::FileOutcome;
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

/// Reads a template's resources.
pub fn read(file: &Arc<str>, root: &Value, errors: &mut Vec<IngestError>) -> AwsItems {
    read_with(file, root, &Parameters::default(), errors)
}

/// [`read`], with parameter values given by the user.
pub fn read_with(file: &Arc<str>, root: &Value, given: &Parameters, errors: &mut Vec<IngestError>) -> AwsItems {
    let mut ev = intrinsics::Eval::new(root, given.cloudformation_text());
    let mut reader = ec2::Reader { ev: &mut ev, file: file.clone(), items: AwsItems::default() };
    if let Some(res) = root.get("Resources").and_then(Value::as_map) {
        for portcullis_syntax::Member { key: id, span, value: def } in res {
            // `Fn::ForEach` (the AWS::LanguageExtensions transform) expands
            // at deployment: not evaluated.
            if id.starts_with("Fn::ForEach") {
                continue;
            }
            if def.as_map().is_none() {
                reader.ev.error(span, format!("resource {id} should be a mapping, found {}", def.type_name()));
                continue;
            }
            if def.get("Type").is_none() {
                reader.ev.error(span, format!("resource {id} has no `Type`"));
                continue;
            }
            reader.resource(id, span, def);
        }
    }
    let items = std::mem::take(&mut reader.items);
    // In file order: values are evaluated before their rules are read.
    ev.errors.sort_by_key(|e| (e.line, e.column));
    errors.append(&mut ev.errors);
    items
}

/// Reads `text` when it is a CloudFormation template; `None` otherwise.
pub fn read_input(path: &str, text: &str, head: &str, given: &Parameters) -> Option<FileOutcome> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let file: Arc<str> = Arc::from(path);
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    let tree = if t.starts_with('{') {
        if !looks_like_json_template(head) {
            return None;
        }
        let ctx = Ctx::new(file.clone(), text);
        match portcullis_syntax::json::parse(text, portcullis_syntax::json::Options::STRICT) {
            Ok(root) => ctx.value(&root),
            Err(e) => {
                out.format = Some("cloudformation");
                out.errors.push(ctx.json_error(&e));
                return Some(out);
            }
        }
    } else if t.starts_with('[') || !looks_like_yaml_template(head) {
        return None;
    } else {
        let mut skipped = Vec::new();
        let loaded = portcullis_syntax::yaml::load_first(&file, text, &mut skipped);
        out.errors.extend(skipped.into_iter().map(IngestError::from_yaml));
        match loaded {
            Ok(Some(tree)) => tree,
            Ok(None) => {
                out.format = Some("cloudformation");
                return Some(out);
            }
            Err(e) => {
                out.errors.push(IngestError::from_yaml(e));
                out.format = Some("cloudformation");
                return Some(out);
            }
        }
    };
    if !is_template(&tree) {
        return None;
    }
    out.format = Some("cloudformation");
    out.aws = read_with(&file, &tree, given, &mut out.errors);
    Some(out)
}
