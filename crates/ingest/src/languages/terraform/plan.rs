//! Terraform plan JSON (`terraform show -json plan.out`).
//!
//! Values come from `planned_values` (the root module and nested
//! `child_modules`); `resource_changes[].change.after_unknown` marks values
//! known only after apply, which become unknowns (never a pass); references
//! between resources come from the values when the plan knows the ids and
//! from `configuration` expressions (`references`) when it does not.
//! Format: developer.hashicorp.com/terraform/internals/json-format.
//! Resources are then read by the same adapters as `.tf` files.

use crate::context::Context;
use crate::languages::terraform::refs::strip_indexes;
use crate::languages::terraform::resource::Resource;
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Member, Value};
use std::collections::BTreeMap;

pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

const AFTER_APPLY: &str = "known only after apply";

/// Converts a planned value, marking what `after_unknown` says is unknown.
fn to_tf(ctx: &Context, n: &Node, au: Option<&Node>) -> Value {
    let span = ctx.span(n.offset);
    if au.and_then(Node::as_bool) == Some(true) {
        return Value::new(Kind::Unknown { reason: AFTER_APPLY.into(), stand_in: None }, span);
    }
    let kind = match &n.value {
        json::Value::Null => Kind::Null,
        json::Value::Bool(b) => Kind::Bool(*b),
        json::Value::Number(s) => Kind::Number(s.to_string()),
        json::Value::String(s) => Kind::String(s.to_string()),
        json::Value::Array(a) => {
            let aus = au.and_then(Node::as_array);
            let mut items: Vec<Value> =
                a.iter().enumerate().map(|(i, c)| to_tf(ctx, c, aus.and_then(|x| x.get(i)))).collect();
            // A list that gains unknown elements on apply: the plan lists
            // them in after_unknown beyond the known ones.
            if let Some(extra) = aus {
                for x in extra.iter().skip(a.len()) {
                    if x.as_bool() == Some(true) {
                        items.push(Value::new(
                            Kind::Unknown { reason: AFTER_APPLY.into(), stand_in: None },
                            span.clone(),
                        ));
                    }
                }
            }
            Kind::List(items)
        }
        json::Value::Object(m) => {
            let mut out: Vec<Member> = m
                .iter()
                .map(|mem| {
                    let value = to_tf(ctx, &mem.value, au.and_then(|a| a.get(&mem.key)));
                    Member { key: mem.key.to_string(), span: value.span.clone(), value }
                })
                .collect();
            // Attributes absent from the planned values but unknown.
            if let Some(au_obj) = au.and_then(Node::as_object) {
                for mem in au_obj {
                    if mem.value.as_bool() == Some(true) && !out.iter().any(|o| *o.key == *mem.key) {
                        let value = Value::unknown(AFTER_APPLY, span.clone());
                        out.push(Member { key: mem.key.to_string(), span: span.clone(), value });
                    }
                }
            }
            Kind::Map(out)
        }
    };
    Value::new(kind, span)
}

fn collect_modules<'a>(m: &'a Node, out: &mut Vec<&'a Node>) {
    if let Some(rs) = m.get("resources").and_then(Node::as_array) {
        out.extend(rs.iter());
    }
    if let Some(cs) = m.get("child_modules").and_then(Node::as_array) {
        for c in cs {
            collect_modules(c, out);
        }
    }
}

/// `configuration` resources: address (with module prefix) → attr → refs.
fn collect_config(m: &Node, prefix: &str, out: &mut BTreeMap<String, BTreeMap<String, Vec<String>>>) {
    if let Some(rs) = m.get("resources").and_then(Node::as_array) {
        for r in rs {
            let Some(addr) = r.get("address").and_then(Node::as_str) else { continue };
            let mut attrs = BTreeMap::new();
            if let Some(ex) = r.get("expressions").and_then(Node::as_object) {
                for mem in ex {
                    let refs: Vec<String> = mem
                        .value
                        .get("references")
                        .and_then(Node::as_array)
                        .map(|a| a.iter().filter_map(Node::as_str).map(|s| format!("{prefix}{s}")).collect())
                        .unwrap_or_default();
                    if !refs.is_empty() {
                        attrs.insert(mem.key.to_string(), refs);
                    }
                }
            }
            out.insert(format!("{prefix}{addr}"), attrs);
        }
    }
    if let Some(calls) = m.get("module_calls").and_then(Node::as_object) {
        for c in calls {
            if let Some(module) = c.value.get("module") {
                collect_config(module, &format!("{prefix}module.{}.", c.key), out);
            }
        }
    }
}

/// The plan's managed resources as Terraform resources.
pub fn resources(ctx: &mut Context, root: &Node) -> Vec<Resource> {
    let mut nodes = Vec::new();
    if let Some(rm) = root.get("planned_values").and_then(|p| p.get("root_module")) {
        collect_modules(rm, &mut nodes);
    }
    let mut au: BTreeMap<String, &Node> = BTreeMap::new();
    for rc in root.get("resource_changes").and_then(Node::as_array).unwrap_or(&[]) {
        if let (Some(a), Some(ch)) = (rc.get("address").and_then(Node::as_str), rc.get("change")) {
            if let Some(u) = ch.get("after_unknown") {
                au.insert(a.to_string(), u);
            }
        }
    }
    let mut config = BTreeMap::new();
    if let Some(rm) = root.get("configuration").and_then(|c| c.get("root_module")) {
        collect_config(rm, "", &mut config);
    }
    let mut out = Vec::new();
    for n in nodes {
        if n.get("mode").and_then(Node::as_str) == Some("data") {
            continue;
        }
        let (Some(address), Some(ty)) = (ctx.str_field(n, "address"), ctx.str_field(n, "type")) else { continue };
        let Some(values) = n.get("values") else { continue };
        out.push(Resource {
            address: address.to_string(),
            ty: ty.to_string(),
            span: ctx.span(n.offset),
            values: to_tf(ctx, values, au.get(address).copied()),
            refs: config.get(&strip_indexes(address)).cloned().unwrap_or_default(),
        });
    }
    out
}
