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
use std::collections::{BTreeMap, BTreeSet};

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

/// The references of one `expressions` entry. An attribute's expression
/// holds them itself (`{"references": [...]}`); a nested block is an array
/// of objects whose fields are expressions (`default_action: [{
/// "target_group_arn": {"references": [...]}}]`), at any depth. A block's
/// references are all gathered under its top-level name, as the `.tf`
/// evaluator records them: a reader picks the one of the type it wants
/// (the plan leaves `target_group_arn` unknown when the group is created
/// by the same plan, and only the reference joins the two).
fn expression_refs(n: &Node, prefix: &str, out: &mut Vec<String>) {
    if let Some(refs) = n.get("references").and_then(Node::as_array) {
        out.extend(refs.iter().filter_map(Node::as_str).map(|s| format!("{prefix}{s}")));
        return;
    }
    match &n.value {
        json::Value::Array(items) => items.iter().for_each(|i| expression_refs(i, prefix, out)),
        json::Value::Object(members) => {
            for m in members.iter().filter(|m| *m.key != *"constant_value") {
                expression_refs(&m.value, prefix, out);
            }
        }
        _ => {}
    }
}

/// What the `configuration` says of one resource: the references of each
/// argument, and which arguments it sets at all.
#[derive(Default)]
struct Configured {
    refs: BTreeMap<String, Vec<String>>,
    set: BTreeSet<String>,
}

/// `configuration` resources by address (with module prefix).
type Configuration = BTreeMap<String, Configured>;

/// `configuration` resources: address (with module prefix) → attr → refs.
fn collect_config(m: &Node, prefix: &str, out: &mut Configuration) {
    if let Some(rs) = m.get("resources").and_then(Node::as_array) {
        for r in rs {
            let Some(addr) = r.get("address").and_then(Node::as_str) else { continue };
            let mut c = Configured::default();
            if let Some(ex) = r.get("expressions").and_then(Node::as_object) {
                for mem in ex {
                    c.set.insert(mem.key.to_string());
                    let mut refs: Vec<String> = Vec::new();
                    expression_refs(&mem.value, prefix, &mut refs);
                    if !refs.is_empty() {
                        c.refs.insert(mem.key.to_string(), refs);
                    }
                }
            }
            out.insert(format!("{prefix}{addr}"), c);
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

/// One planned resource. A top-level argument the configuration does not
/// set but the plan marks known only after apply is computed by the
/// provider: its default, as when a `.tf` file leaves it out (an NLB target
/// group's `preserve_client_ip`, an instance's `associate_public_ip_address`
/// are unknown in every first plan). It is left out the same way, so the
/// AWS default the readers apply for an absent argument decides.
fn resource(
    ctx: &mut Context,
    address: &str,
    ty: &str,
    offset: u32,
    values: &Node,
    unknown: Option<&Node>,
    config: &Configuration,
) -> Resource {
    let configured = config.get(&strip_indexes(address));
    let mut values = to_tf(ctx, values, unknown);
    if let (Some(c), Kind::Map(members)) = (configured, &mut values.kind) {
        let computed = |m: &Member| {
            !c.set.contains(&m.key)
                && matches!(&m.value.kind, Kind::Unknown { reason, .. } if reason == AFTER_APPLY)
                && !matches!(m.key.as_str(), "id" | "arn" | "name")
        };
        members.retain(|m| !computed(m));
    }
    Resource {
        address: address.to_string(),
        ty: ty.to_string(),
        span: ctx.span(offset),
        values,
        refs: configured.map(|c| c.refs.clone()).unwrap_or_default(),
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
        out.push(resource(ctx, address, ty, n.offset, values, au.get(address).copied(), &config));
    }
    // A resource the plan changes but `planned_values` does not list (a
    // plan JSON trimmed to `resource_changes`, as some pipelines keep it):
    // its `after`, with `after_unknown`, is what it will be. A resource the
    // plan destroys has no `after` and is not read.
    let listed: std::collections::BTreeSet<String> = out.iter().map(|r| r.address.clone()).collect();
    out.extend(resources_at(ctx, root, Side::After).into_iter().filter(|r| !listed.contains(&r.address)));
    out
}

/// Which state of a plan [`resources_at`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `resource_changes[].change.before`: the state the plan starts from.
    Before,
    /// `resource_changes[].change.after`, with `after_unknown`: the state
    /// the plan leads to.
    After,
}

/// The managed resources of one side of a plan's `resource_changes`
/// (`portcullis diff plan.json`). A resource the plan creates has no
/// `before`, one it destroys no `after`: it is absent on that side.
/// Data sources are read in neither (they are no firewall).
pub fn resources_at(ctx: &mut Context, root: &Node, side: Side) -> Vec<Resource> {
    let mut config = BTreeMap::new();
    if let Some(rm) = root.get("configuration").and_then(|c| c.get("root_module")) {
        collect_config(rm, "", &mut config);
    }
    let mut out = Vec::new();
    for rc in root.get("resource_changes").and_then(Node::as_array).unwrap_or(&[]) {
        if rc.get("mode").and_then(Node::as_str) == Some("data") {
            continue;
        }
        let (Some(address), Some(ty)) = (ctx.str_field(rc, "address"), ctx.str_field(rc, "type")) else { continue };
        let Some(change) = rc.get("change") else { continue };
        let (values, unknown) = match side {
            Side::Before => (change.get("before"), None),
            Side::After => (change.get("after"), change.get("after_unknown")),
        };
        let Some(values) = values.filter(|v| v.as_object().is_some()) else { continue };
        out.push(resource(ctx, address, ty, rc.offset, values, unknown, &config));
    }
    out
}

/// The plan's moves: `(previous_address, address)` of every resource
/// change Terraform followed from a `moved` block.
pub fn moves(root: &Node) -> Vec<(String, String)> {
    root.get("resource_changes")
        .and_then(Node::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|rc| {
            let previous = rc.get("previous_address")?.as_str()?;
            let address = rc.get("address")?.as_str()?;
            Some((previous.to_string(), address.to_string()))
        })
        .collect()
}
