//! Parameter files (`--parameters FILE`): the values a deployment gives a
//! template's parameters, which override the template's defaults.
//!
//! Three shapes are read, told apart by their content:
//!
//! - CloudFormation, as `aws cloudformation create-stack --parameters
//!   file://params.json` takes them: `[{"ParameterKey": "k",
//!   "ParameterValue": "v"}]`
//!   (<https://docs.aws.amazon.com/cli/latest/reference/cloudformation/create-stack.html>).
//! - CloudFormation template configuration files (CodePipeline):
//!   `{"Parameters": {"k": "v"}}`
//!   (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-cfn-artifacts.html>).
//! - ARM deployment parameter files, also used for Bicep:
//!   `{"parameters": {"k": {"value": …}}}`; a `reference` (a Key Vault
//!   secret) is known only at deployment
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files>).
//! - Bicep parameter files (`.bicepparam`: `using '…'` and `param k = …`),
//!   recognised by their extension
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files>).
//!
//! Every file's values apply to every template that declares a parameter of
//! that name (CloudFormation names exactly, ARM and Bicep without regard to
//! case); a later file overrides an earlier one. Values keep the position
//! where the parameter file writes them.

use crate::context::Context;
use crate::error::{ErrorKind, IngestError};
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One given value.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    pub name: String,
    pub value: Value,
}

/// Every value given on the command line, in order (later wins).
#[derive(Clone, Debug, Default)]
pub struct Parameters {
    pub values: Vec<Given>,
}

impl Parameters {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of a parameter, by exact name (CloudFormation).
    pub fn exact(&self, name: &str) -> Option<&Value> {
        self.values.iter().rev().find(|g| g.name == name).map(|g| &g.value)
    }

    /// The value of a parameter, without regard to case (ARM, Bicep).
    pub fn any_case(&self, name: &str) -> Option<&Value> {
        self.values.iter().rev().find(|g| g.name.eq_ignore_ascii_case(name)).map(|g| &g.value)
    }

    /// The values as CloudFormation text: lists are comma-joined, as a
    /// `CommaDelimitedList` is written; objects and unknowns are left out.
    pub fn cloudformation_text(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for g in &self.values {
            let text = match &g.value.kind {
                Kind::List(items) => items.iter().map(Value::text).collect::<Option<Vec<_>>>().map(|t| t.join(",")),
                _ => g.value.text(),
            };
            if let Some(t) = text {
                out.insert(g.name.clone(), t);
            }
        }
        out
    }

    /// Reads one parameter file; the error names the file, line and column.
    pub fn read_file(&mut self, path: &str, text: &str) -> Result<(), IngestError> {
        if path.rsplit('.').next().is_some_and(|e| e.eq_ignore_ascii_case("bicepparam")) {
            let values = crate::languages::bicep::read_bicepparam(path, text)?;
            self.values.extend(values.into_iter().map(|(name, value)| Given { name, value }));
            return Ok(());
        }
        let file: Arc<str> = Arc::from(path);
        let ctx = Context::new(file, text);
        let err = |offset: u32, kind: ErrorKind, message: String| {
            let (line, column) = ctx.line_col(offset as usize);
            IngestError { file: path.to_string(), line, column, kind, message }
        };
        let root = portcullis_syntax::json::parse(text, portcullis_syntax::json::Options::LENIENT)
            .map_err(|e| ctx.json_error(&e))?;
        let shape = "expected a parameter file: [{\"ParameterKey\", \"ParameterValue\"}] (CloudFormation), \
                     {\"Parameters\": {…}} (CloudFormation template configuration) or {\"parameters\": {\"name\": \
                     {\"value\": …}}} (ARM / Bicep)";
        match &root.value {
            json::Value::Array(items) => {
                for item in items {
                    let key = item.get("ParameterKey").and_then(Node::as_str);
                    let Some(key) = key else {
                        return Err(err(item.offset, ErrorKind::Invalid, "an entry without `ParameterKey`".into()));
                    };
                    match item.get("ParameterValue") {
                        Some(v) => self.values.push(Given { name: key.to_string(), value: ctx.value(v) }),
                        // `UsePreviousValue`: the stack's current value, not in the input.
                        None => self.values.push(Given {
                            name: key.to_string(),
                            value: unknown(&ctx, item, format!("parameter {key} keeps the stack's previous value")),
                        }),
                    }
                }
                Ok(())
            }
            json::Value::Object(_) => {
                if let Some(p) = root.get("Parameters") {
                    let Some(members) = p.as_object() else {
                        return Err(err(p.offset, ErrorKind::Invalid, "`Parameters` should be an object".into()));
                    };
                    for m in members {
                        self.values.push(Given { name: m.key.to_string(), value: ctx.value(&m.value) });
                    }
                    return Ok(());
                }
                let Some(p) = root.get("parameters") else {
                    return Err(err(root.offset, ErrorKind::Invalid, shape.into()));
                };
                let Some(members) = p.as_object() else {
                    return Err(err(p.offset, ErrorKind::Invalid, "`parameters` should be an object".into()));
                };
                for m in members {
                    let value = if let Some(v) = m.value.get("value") {
                        ctx.value(v)
                    } else if m.value.get("reference").is_some() {
                        unknown(&ctx, &m.value, format!("parameter {} is read from Key Vault at deployment", m.key))
                    } else {
                        return Err(err(
                            m.value.offset,
                            ErrorKind::Invalid,
                            format!("parameter {} should be {{\"value\": …}} or {{\"reference\": …}}", m.key),
                        ));
                    };
                    self.values.push(Given { name: m.key.to_string(), value });
                }
                Ok(())
            }
            _ => Err(err(root.offset, ErrorKind::Invalid, shape.into())),
        }
    }
}

fn unknown(ctx: &Context, at: &Node, reason: String) -> Value {
    Value { kind: Kind::Unknown { reason, stand_in: Some(String::new()) }, span: ctx.span(at.offset) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Parameters, IngestError> {
        let mut p = Parameters::default();
        p.read_file("p.json", text).map(|_| p)
    }

    #[test]
    fn three_shapes() {
        let cli = read(r#"[{"ParameterKey": "Cidr", "ParameterValue": "10.0.0.0/8"}]"#).expect("cli form");
        assert_eq!(cli.cloudformation_text().get("Cidr").map(String::as_str), Some("10.0.0.0/8"));
        let cfg = read(r#"{"Parameters": {"Ports": "22,10257"}, "Tags": {}}"#).expect("template configuration");
        assert_eq!(cfg.exact("Ports").and_then(Value::text).as_deref(), Some("22,10257"));
        let arm = read(
            r#"{"$schema": "x/deploymentParameters.json#", "parameters": {
                 "src": {"value": "*"}, "list": {"value": ["a", "b"]},
                 "secret": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}"#,
        )
        .expect("arm form");
        assert_eq!(arm.any_case("SRC").and_then(Value::text).as_deref(), Some("*"));
        assert_eq!(arm.cloudformation_text().get("list").map(String::as_str), Some("a,b"));
        assert!(arm.any_case("secret").is_some_and(Value::is_unknown));
        assert_eq!(arm.any_case("src").map(|v| (v.span.line, v.span.column)), Some((2, 35)));
    }

    #[test]
    fn later_files_win_and_bad_files_name_the_place() {
        let mut p = read(r#"{"parameters": {"a": {"value": "1"}}}"#).expect("first");
        p.read_file("q.json", r#"{"parameters": {"a": {"value": "2"}}}"#).expect("second");
        assert_eq!(p.any_case("a").and_then(Value::text).as_deref(), Some("2"));
        let e = read("{\n  \"parameters\": {\"a\": 3}\n}").expect_err("not a value object");
        assert_eq!((e.line, e.column), (2, 23));
        assert!(e.message.contains("{\"value\": …}"), "{}", e.message);
        assert!(read(r#"{"x": 1}"#).is_err());
        assert!(read("[1").is_err());
    }
}
