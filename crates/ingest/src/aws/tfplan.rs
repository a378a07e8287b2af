//! Terraform plan JSON (`terraform show -json plan.out`), AWS resources.
//!
//! Values come from `planned_values` (the root module and nested
//! `child_modules`); `resource_changes[].change.after_unknown` marks values
//! known only after apply, which become unknowns (never a pass); references
//! between resources come from the values when the plan knows the ids and
//! from `configuration` expressions (`references`) when it does not.
//! Format: developer.hashicorp.com/terraform/internals/json-format.

use super::facts::{parse_protocol, ports_for};
use super::{AclRule, AwsItems, GroupRule, Host, NetworkAcl, SecurityGroup};
use crate::ctx::{Ctx, Reported};
use crate::error::ErrorKind;
use crate::json::{Node, Value};
use portcullis_model::{
    Action, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span, Unknown,
};
use std::collections::BTreeMap;

pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

/// One planned resource instance.
struct Res<'a> {
    address: String,
    ty: String,
    values: &'a Node,
    after_unknown: Option<&'a Node>,
    /// attribute → referenced addresses, from `configuration`.
    refs: BTreeMap<String, Vec<String>>,
}

/// Whether `attr` (or its element `idx`, or the field `sub` of that
/// element) is unknown until apply.
fn unknown_at(au: Option<&Node>, path: &[PathPart]) -> bool {
    let mut cur = match au {
        Some(n) => n,
        None => return false,
    };
    for p in path {
        if cur.as_bool() == Some(true) {
            return true;
        }
        let next = match p {
            PathPart::Key(k) => cur.get(k),
            PathPart::Idx(i) => cur.as_array().and_then(|a| a.get(*i)),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    cur.as_bool() == Some(true)
}

#[derive(Clone, Copy)]
enum PathPart<'s> {
    Key(&'s str),
    Idx(usize),
}
use PathPart::{Idx, Key};

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

/// `aws_security_group.x["a"]` → `aws_security_group.x`; module instance
/// keys are dropped too (`module.m[0].aws_…` → `module.m.aws_…`).
fn strip_indexes(addr: &str) -> String {
    let mut out = String::with_capacity(addr.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut prev = '\0';
    for ch in addr.chars() {
        match ch {
            '"' if depth > 0 && prev != '\\' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
        prev = ch;
    }
    out
}

pub fn read(ctx: &mut Ctx, root: &Node) -> AwsItems {
    let mut items = AwsItems::default();
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
    for n in nodes {
        if n.get("mode").and_then(Node::as_str) == Some("data") {
            continue;
        }
        let (Some(address), Some(ty)) = (ctx.str_field(n, "address"), ctx.str_field(n, "type")) else { continue };
        let Some(values) = n.get("values") else { continue };
        let res = Res {
            address: address.to_string(),
            ty: ty.to_string(),
            values,
            after_unknown: au.get(address).copied(),
            refs: config.get(&strip_indexes(address)).cloned().unwrap_or_default(),
        };
        read_resource(ctx, &res, &mut items);
    }
    items
}

fn resolve_ref(ctx: &mut Ctx, r: &Res, attr: &str, idx: Option<usize>) -> Option<String> {
    // A known value in the plan wins: it is what will be applied.
    let v = r.values.get(attr);
    let known = match (v, idx) {
        (Some(n), None) => n.as_str().map(str::to_string),
        (Some(n), Some(i)) => n.as_array().and_then(|a| a.get(i)).and_then(Node::as_str).map(str::to_string),
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    let _ = ctx;
    // Otherwise the configuration's reference (`aws_security_group.cp.id`
    // → `aws_security_group.cp`). With a list attribute we cannot tell
    // which reference is which element, so only single references resolve.
    let refs = r.refs.get(attr)?;
    let targets: Vec<&String> = refs.iter().filter(|s| !s.ends_with(".id") && s.contains('.')).collect();
    match (idx, targets.as_slice()) {
        (None, [one, ..]) => Some((*one).clone()),
        (Some(i), list) => list.get(i).map(|s| (*s).clone()),
        _ => None,
    }
}

fn span_of(ctx: &Ctx, n: Option<&Node>, fallback: &Node) -> Span {
    ctx.span(n.map_or(fallback.offset, |n| n.offset))
}

fn tf_unknown(what: &str, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: "known only after apply".into(), span: span.clone() }
}

/// A Terraform-shaped rule: security-group or NACL, inline or standalone.
struct TfRule<'a> {
    node: &'a Node,
    /// Path of this rule inside the resource's `after_unknown`.
    au_path: Vec<PathPart<'a>>,
    proto_key: &'a str,
    action: Action,
    order: i64,
    /// Field names for the single or list CIDR fields.
    v4_keys: &'a [&'a str],
    v6_keys: &'a [&'a str],
    pl_keys: &'a [&'a str],
    sg_keys: &'a [&'a str],
    resource: String,
    group_self: bool,
    prefix: &'a str,
}

fn tf_rule_entries(ctx: &mut Ctx, au: Option<&Node>, t: TfRule, pls: &mut Vec<(usize, String)>, out: &mut Vec<Entry>) {
    let node = t.node;
    let span = ctx.span(node.offset);
    let key_unknown = |k: &str| {
        let mut p = t.au_path.clone();
        p.push(Key(k));
        unknown_at(au, &p)
    };
    let proto: Known<ProtoMatch> = if key_unknown(t.proto_key) {
        Known::Unknown(tf_unknown(t.proto_key, &span))
    } else {
        let pn = node.get(t.proto_key);
        let s = pn.and_then(|n| n.as_str().map(str::to_string).or_else(|| n.as_i64().map(|i| i.to_string())));
        match s.as_deref().map(|s| (s, parse_protocol(s))) {
            Some((_, Some(p))) => Known::Known(p),
            Some((s, None)) => {
                ctx.error(
                    pn.map_or(node.offset, |n| n.offset),
                    ErrorKind::Invalid,
                    format!("field `{}`: unknown protocol `{s}`", t.proto_key),
                );
                Known::Unknown(Unknown {
                    what: t.proto_key.into(),
                    reason: format!("unknown protocol `{s}`"),
                    span: span.clone(),
                })
            }
            None => Known::Unknown(Unknown {
                what: t.proto_key.into(),
                reason: "no protocol given".into(),
                span: span.clone(),
            }),
        }
    };
    let ports: Known<PortSet> = if key_unknown("from_port") || key_unknown("to_port") {
        Known::Unknown(tf_unknown("from_port/to_port", &span))
    } else {
        match (&proto, ctx.int_field(node, "from_port"), ctx.int_field(node, "to_port")) {
            (Known::Unknown(u), _, _) => Known::Unknown(u.clone()),
            (_, Err(Reported), _) | (_, _, Err(Reported)) => Known::Unknown(Unknown {
                what: "from_port/to_port".into(),
                reason: "invalid port".into(),
                span: span.clone(),
            }),
            (Known::Known(pm), Ok(f), Ok(tp)) => match ports_for(pm, f, tp) {
                Ok(p) => Known::Known(p),
                Err(m) => {
                    ctx.error(node.offset, ErrorKind::Invalid, m.clone());
                    Known::Unknown(Unknown { what: "from_port/to_port".into(), reason: m, span: span.clone() })
                }
            },
        }
    };
    let push = |out: &mut Vec<Entry>, span: Span, src: String, sources: Sources| {
        out.push(Entry {
            resource: t.resource.clone(),
            label: format!(
                "{}{}",
                t.prefix,
                super::dumps::label(
                    if t.prefix.starts_with("rule") { Some(t.action) } else { None },
                    &proto,
                    &ports,
                    &src
                )
            ),
            span,
            origin: Origin::Explicit,
            action: t.action,
            protocol: proto.clone(),
            ports: ports.clone(),
            sources,
            order: t.order,
        });
    };
    for keys in [t.v4_keys, t.v6_keys] {
        for &k in keys {
            if key_unknown(k) {
                let s = span_of(ctx, node.get(k), node);
                push(
                    out,
                    s.clone(),
                    format!("{k} (unknown)"),
                    Sources { unknown: vec![tf_unknown(k, &s)], ..Default::default() },
                );
                continue;
            }
            let Some(v) = node.get(k) else { continue };
            let list: Vec<(usize, &Node)> = match &v.value {
                Value::Array(a) => a.iter().enumerate().collect(),
                Value::Null => Vec::new(),
                _ => vec![(0, v)],
            };
            for (i, n) in list {
                let mut p = t.au_path.clone();
                p.push(Key(k));
                p.push(Idx(i));
                let s = ctx.span(n.offset);
                if v.as_array().is_some() && unknown_at(au, &p) {
                    push(
                        out,
                        s.clone(),
                        format!("{k}[{i}] (unknown)"),
                        Sources { unknown: vec![tf_unknown(k, &s)], ..Default::default() },
                    );
                    continue;
                }
                // The plan writes an unset single CIDR as "".
                if n.as_str() == Some("") {
                    continue;
                }
                let Some(c) = n.as_str() else {
                    if !n.is_null() {
                        ctx.error(
                            n.offset,
                            ErrorKind::Invalid,
                            format!("field `{k}` should hold CIDR strings, found {}", n.type_name()),
                        );
                    }
                    continue;
                };
                let sources = match Cidr::parse(c) {
                    Ok(cidr) => Sources { addrs: cidr.to_set(), ..Default::default() },
                    Err(e) => {
                        ctx.error(n.offset, ErrorKind::Invalid, format!("field `{k}`: {e}"));
                        Sources {
                            unknown: vec![Unknown {
                                what: k.into(),
                                reason: format!("invalid CIDR `{c}`"),
                                span: s.clone(),
                            }],
                            ..Default::default()
                        }
                    }
                };
                push(out, s, c.to_string(), sources);
            }
        }
    }
    for &k in t.pl_keys {
        let v = node.get(k);
        let mut ids: Vec<(Option<String>, Span)> = Vec::new();
        if key_unknown(k) {
            ids.push((None, span_of(ctx, v, node)));
        } else if let Some(v) = v {
            match &v.value {
                Value::Array(a) => ids.extend(a.iter().map(|n| (n.as_str().map(str::to_string), ctx.span(n.offset)))),
                Value::String(s) => ids.push((Some(s.to_string()), ctx.span(v.offset))),
                _ => {}
            }
        }
        for (id, s) in ids {
            let what = match &id {
                Some(id) => format!("prefix list {id}"),
                None => format!("{k} (known only after apply)"),
            };
            if let Some(id) = &id {
                pls.push((out.len(), id.clone()));
            }
            let reason = if id.is_some() { "its entries are not in the input" } else { "known only after apply" };
            push(
                out,
                s.clone(),
                what.clone(),
                Sources { unknown: vec![Unknown { what, reason: reason.into(), span: s }], ..Default::default() },
            );
        }
    }
    for &k in t.sg_keys {
        let Some(v) = node.get(k) else { continue };
        let names: Vec<(String, u32)> = match &v.value {
            Value::Array(a) => a.iter().filter_map(|n| n.as_str().map(|s| (s.to_string(), n.offset))).collect(),
            Value::String(s) => vec![(s.to_string(), v.offset)],
            _ => Vec::new(),
        };
        for (name, off) in names {
            push(
                out,
                ctx.span(off),
                name.clone(),
                Sources { internal: vec![InternalSource { name }], ..Default::default() },
            );
        }
        if key_unknown(k) {
            // An unknown group reference is still a group: internal.
            let s = span_of(ctx, Some(v), node);
            push(
                out,
                s,
                format!("{k} (group known after apply)"),
                Sources {
                    internal: vec![InternalSource { name: format!("{k} (known after apply)") }],
                    ..Default::default()
                },
            );
        }
    }
    if t.group_self && ctx.bool_field(node, "self") == Some(true) {
        let s = span_of(ctx, node.get("self"), node);
        push(
            out,
            s,
            "self".into(),
            Sources { internal: vec![InternalSource { name: "self".into() }], ..Default::default() },
        );
    }
}

fn aliases_of(ctx: &mut Ctx, r: &Res) -> Vec<String> {
    let mut a = vec![r.address.clone(), strip_indexes(&r.address)];
    for k in ["id", "name", "arn"] {
        if let Some(v) = ctx.str_field(r.values, k) {
            a.push(v.to_string());
        }
    }
    a.dedup();
    a
}

fn read_resource(ctx: &mut Ctx, r: &Res, items: &mut AwsItems) {
    let au = r.after_unknown;
    let span = ctx.span(r.values.offset);
    match r.ty.as_str() {
        "aws_security_group" | "aws_default_security_group" => {
            let mut sg = SecurityGroup {
                id: r.address.clone(),
                aliases: aliases_of(ctx, r),
                vpc: ctx.str_field(r.values, "vpc_id").map(str::to_string),
                span: span.clone(),
                entries: Vec::new(),
                prefix_lists: Vec::new(),
            };
            if unknown_at(au, &[Key("ingress")]) {
                sg.entries.push(unknown_entry(&r.address, "ingress", &span_of(ctx, r.values.get("ingress"), r.values)));
            }
            for (i, rule) in ctx.array_field(r.values, "ingress").iter().enumerate() {
                let t = TfRule {
                    node: rule,
                    au_path: vec![Key("ingress"), Idx(i)],
                    proto_key: "protocol",
                    action: Action::Allow,
                    order: 0,
                    v4_keys: &["cidr_blocks"],
                    v6_keys: &["ipv6_cidr_blocks"],
                    pl_keys: &["prefix_list_ids"],
                    sg_keys: &["security_groups"],
                    resource: r.address.clone(),
                    group_self: true,
                    prefix: "ingress ",
                };
                tf_rule_entries(ctx, au, t, &mut sg.prefix_lists, &mut sg.entries);
            }
            items.groups.push(sg);
        }
        "aws_security_group_rule" => {
            if ctx.str_field(r.values, "type") != Some("ingress") {
                return;
            }
            let mut gr = GroupRule {
                group: resolve_ref(ctx, r, "security_group_id", None),
                resource: r.address.clone(),
                span: span.clone(),
                entries: Vec::new(),
                prefix_lists: Vec::new(),
            };
            let t = TfRule {
                node: r.values,
                au_path: vec![],
                proto_key: "protocol",
                action: Action::Allow,
                order: 0,
                v4_keys: &["cidr_blocks"],
                v6_keys: &["ipv6_cidr_blocks"],
                pl_keys: &["prefix_list_ids"],
                sg_keys: &["source_security_group_id"],
                resource: r.address.clone(),
                group_self: true,
                prefix: "ingress ",
            };
            tf_rule_entries(ctx, au, t, &mut gr.prefix_lists, &mut gr.entries);
            items.group_rules.push(gr);
        }
        "aws_vpc_security_group_ingress_rule" => {
            let mut gr = GroupRule {
                group: resolve_ref(ctx, r, "security_group_id", None),
                resource: r.address.clone(),
                span: span.clone(),
                entries: Vec::new(),
                prefix_lists: Vec::new(),
            };
            let t = TfRule {
                node: r.values,
                au_path: vec![],
                proto_key: "ip_protocol",
                action: Action::Allow,
                order: 0,
                v4_keys: &["cidr_ipv4"],
                v6_keys: &["cidr_ipv6"],
                pl_keys: &["prefix_list_id"],
                sg_keys: &["referenced_security_group_id"],
                resource: r.address.clone(),
                group_self: false,
                prefix: "ingress ",
            };
            tf_rule_entries(ctx, au, t, &mut gr.prefix_lists, &mut gr.entries);
            items.group_rules.push(gr);
        }
        "aws_network_acl" | "aws_default_network_acl" => {
            let mut acl = NetworkAcl {
                id: r.address.clone(),
                aliases: aliases_of(ctx, r),
                vpc: ctx.str_field(r.values, "vpc_id").map(str::to_string),
                is_default: r.ty == "aws_default_network_acl",
                span: span.clone(),
                entries: Vec::new(),
                subnets: ctx.str_list(r.values, "subnet_ids").into_iter().map(|(s, _)| s.to_string()).collect(),
            };
            if let Some(refs) = r.refs.get("subnet_ids") {
                acl.subnets.extend(refs.iter().filter(|s| !s.ends_with(".id")).cloned());
            }
            if unknown_at(au, &[Key("ingress")]) {
                acl.entries.push(unknown_entry(
                    &r.address,
                    "ingress",
                    &span_of(ctx, r.values.get("ingress"), r.values),
                ));
            }
            for (i, rule) in ctx.array_field(r.values, "ingress").iter().enumerate() {
                acl_rule_entries(ctx, au, r, rule, vec![Key("ingress"), Idx(i)], "rule_no", "action", &mut acl.entries);
            }
            items.acls.push(acl);
        }
        "aws_network_acl_rule" => {
            if ctx.bool_field(r.values, "egress") == Some(true) {
                return;
            }
            let mut ar = AclRule {
                acl: resolve_ref(ctx, r, "network_acl_id", None),
                resource: r.address.clone(),
                span,
                entries: Vec::new(),
            };
            acl_rule_entries(ctx, au, r, r.values, vec![], "rule_number", "rule_action", &mut ar.entries);
            items.acl_rules.push(ar);
        }
        "aws_network_acl_association" => {
            if let (Some(a), Some(s)) =
                (resolve_ref(ctx, r, "network_acl_id", None), resolve_ref(ctx, r, "subnet_id", None))
            {
                items.acl_associations.push((a, s));
            }
        }
        "aws_instance" => {
            let mut groups: Vec<String> = Vec::new();
            for attr in ["vpc_security_group_ids", "security_groups"] {
                let n = r.values.get(attr).and_then(Node::as_array).map_or(0, <[Node]>::len);
                for i in 0..n {
                    if let Some(g) = resolve_ref(ctx, r, attr, Some(i)) {
                        groups.push(g);
                    }
                }
                if n == 0 {
                    if let Some(refs) = r.refs.get(attr) {
                        groups.extend(refs.iter().filter(|s| !s.ends_with(".id") && !s.starts_with("var.")).cloned());
                    }
                }
            }
            groups.dedup();
            let subnet = resolve_ref(ctx, r, "subnet_id", None);
            items.hosts.push(Host {
                id: r.address.clone(),
                kind: "instance",
                aliases: aliases_of(ctx, r),
                span,
                groups,
                subnet,
                vpc: None,
                interfaces: Vec::new(),
            });
        }
        _ => {}
    }
}

fn unknown_entry(resource: &str, what: &str, span: &Span) -> Entry {
    Entry {
        resource: resource.to_string(),
        label: format!("{what} (known only after apply)"),
        span: span.clone(),
        origin: Origin::Explicit,
        action: Action::Allow,
        protocol: Known::Unknown(tf_unknown(what, span)),
        ports: Known::Unknown(tf_unknown(what, span)),
        sources: Sources { unknown: vec![tf_unknown(what, span)], ..Default::default() },
        order: 0,
    }
}

#[allow(clippy::too_many_arguments)]
fn acl_rule_entries(
    ctx: &mut Ctx,
    au: Option<&Node>,
    r: &Res,
    node: &Node,
    au_path: Vec<PathPart>,
    num_key: &str,
    act_key: &str,
    out: &mut Vec<Entry>,
) {
    let order = match ctx.int_field(node, num_key) {
        Ok(Some(n)) => n,
        _ => {
            ctx.error(node.offset, ErrorKind::Invalid, format!("network ACL rule without a valid `{num_key}`"));
            return;
        }
    };
    let action = match ctx.str_field(node, act_key).map(str::to_ascii_lowercase).as_deref() {
        Some("allow") => Action::Allow,
        Some("deny") => Action::Deny,
        other => {
            ctx.error(
                node.offset,
                ErrorKind::Invalid,
                format!("field `{act_key}` should be allow or deny, found {}", other.unwrap_or("nothing")),
            );
            return;
        }
    };
    let prefix = format!("rule {order} ");
    let t = TfRule {
        node,
        au_path,
        proto_key: "protocol",
        action,
        order,
        v4_keys: &["cidr_block"],
        v6_keys: &["ipv6_cidr_block"],
        pl_keys: &[],
        sg_keys: &[],
        resource: r.address.clone(),
        group_self: false,
        prefix: &prefix,
    };
    let mut pls = Vec::new();
    tf_rule_entries(ctx, au, t, &mut pls, out);
}
