//! AWS resources in Terraform (plan or configuration) → model items.
//!
//! Argument names follow the provider's docs
//! (the Terraform Registry docs of hashicorp/aws): resources
//! `aws_security_group` (inline `ingress` blocks or the attribute-list
//! form), `aws_default_security_group`, `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule`, `aws_network_acl`,
//! `aws_default_network_acl`, `aws_network_acl_rule`,
//! `aws_network_acl_association`, `aws_instance`, `aws_network_interface`;
//! what decides paths (route tables, gateways, public addresses, load
//! balancers) in [`network`].

use crate::error::IngestError;
use crate::languages::terraform::refs::{self, is_resource_address, strip_indexes, type_of};
use crate::languages::terraform::resource::{integer, type_name, Resource};
use crate::providers::aws::dumps::label;
use crate::providers::aws::facts::{parse_protocol, ports_for};
use crate::providers::aws::{AclRule, AwsItems, GroupRule, Host, NetworkAcl, SecurityGroup};
use portcullis_model::{
    Action, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span, Unknown,
};
use portcullis_syntax::{Kind, Value};

pub mod network;

/// Collects errors for one resource.
pub struct Sink<'a> {
    pub errors: &'a mut Vec<IngestError>,
}

impl Sink<'_> {
    pub fn error(&mut self, span: &Span, message: String) {
        self.errors.push(IngestError::invalid(span, message));
    }
}

fn unknown(what: &str, reason: &str, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

/// A reference to another resource: its known value (an id) wins, then the
/// configuration's reference (`aws_security_group.cp.id` → the address).
fn resolve_ref(r: &Resource, attr: &str, idx: Option<usize>) -> Option<String> {
    let v = r.values.get(attr);
    let known = match (v, idx) {
        (Some(v), None) => v.as_str().map(str::to_string),
        (Some(v), Some(i)) => v.as_list().and_then(|l| l.get(i)).and_then(|x| x.as_str().map(str::to_string)),
        _ => None,
    };
    if known.as_deref().is_some_and(|s| !s.is_empty()) {
        return known;
    }
    let refs = r.refs.get(attr)?;
    let targets: Vec<&String> = refs.iter().filter(|s| is_resource_address(s)).collect();
    match idx {
        None => targets.first().map(|s| (*s).clone()),
        Some(i) => targets.get(i).map(|s| (*s).clone()),
    }
}

/// Describes a rule's fields: which keys hold what.
struct RuleShape<'a> {
    proto_key: &'a str,
    v4_keys: &'a [&'a str],
    v6_keys: &'a [&'a str],
    pl_keys: &'a [&'a str],
    sg_keys: &'a [&'a str],
    self_key: Option<&'a str>,
}

const SG_INLINE: RuleShape = RuleShape {
    proto_key: "protocol",
    v4_keys: &["cidr_blocks"],
    v6_keys: &["ipv6_cidr_blocks"],
    pl_keys: &["prefix_list_ids"],
    sg_keys: &["security_groups"],
    self_key: Some("self"),
};
const SG_RULE: RuleShape = RuleShape {
    proto_key: "protocol",
    v4_keys: &["cidr_blocks"],
    v6_keys: &["ipv6_cidr_blocks"],
    pl_keys: &["prefix_list_ids"],
    sg_keys: &["source_security_group_id"],
    self_key: Some("self"),
};
const VPC_INGRESS: RuleShape = RuleShape {
    proto_key: "ip_protocol",
    v4_keys: &["cidr_ipv4"],
    v6_keys: &["cidr_ipv6"],
    pl_keys: &["prefix_list_id"],
    sg_keys: &["referenced_security_group_id"],
    self_key: None,
};
const ACL: RuleShape = RuleShape {
    proto_key: "protocol",
    v4_keys: &["cidr_block"],
    v6_keys: &["ipv6_cidr_block"],
    pl_keys: &[],
    sg_keys: &[],
    self_key: None,
};

/// An attribute that takes one value or a list of them, as its items.
fn items_of(v: Option<&Value>) -> Vec<&Value> {
    match v.map(|v| (&v.kind, v)) {
        Some((Kind::List(l), _)) => l.iter().collect(),
        Some((Kind::Null, _)) | None => Vec::new(),
        Some((_, v)) => vec![v],
    }
}

/// Entries for one Terraform-shaped rule. `prefix` starts the label
/// (`ingress `, `rule 100 `).
#[allow(clippy::too_many_arguments)]
fn rule_entries(
    sink: &mut Sink,
    node: &Value,
    shape: &RuleShape,
    action: Action,
    order: i64,
    resource: &str,
    prefix: &str,
    group_hint: Option<&str>,
    pls: &mut Vec<(usize, String)>,
    out: &mut Vec<Entry>,
) {
    let span = node.span.clone();
    let proto: Known<ProtoMatch> = match node.get(shape.proto_key) {
        None => Known::from_unknown(unknown(shape.proto_key, "no protocol given", &span)),
        Some(v) => match (&v.kind, v.text()) {
            (Kind::Unknown { reason: r, .. }, _) => Known::from_unknown(unknown(shape.proto_key, r, &v.span)),
            (_, Some(s)) => match parse_protocol(&s) {
                Some(p) => Known::Known(p),
                None => {
                    sink.error(&v.span, format!("`{}`: unknown protocol `{s}`", shape.proto_key));
                    Known::from_unknown(unknown(shape.proto_key, &format!("unknown protocol `{s}`"), &v.span))
                }
            },
            (_, None) => Known::from_unknown(unknown(shape.proto_key, "no protocol given", &span)),
        },
    };
    let port_of = |sink: &mut Sink, key: &str| -> Result<Option<i64>, Unknown> {
        match node.get(key) {
            None => Ok(None),
            Some(v) => match &v.kind {
                Kind::Null => Ok(None),
                Kind::Unknown { reason: r, .. } => Err(unknown(key, r, &v.span)),
                _ => match integer(v) {
                    Some(i) => Ok(Some(i)),
                    None => {
                        sink.error(&v.span, format!("`{key}` should be a whole number, found {}", type_name(v)));
                        Err(unknown(key, "invalid port", &v.span))
                    }
                },
            },
        }
    };
    // Protocol -1/all ignores the ports whatever they say (even "").
    let all_protocols = matches!(proto, Known::Known(ProtoMatch::All));
    let from = if all_protocols { Ok(None) } else { port_of(sink, "from_port") };
    let to = if all_protocols { Ok(None) } else { port_of(sink, "to_port") };
    let ports: Known<PortSet> = match (&proto, from, to) {
        (Known::Unknown(u), _, _) => Known::Unknown(u.clone()),
        (_, Err(u), _) | (_, _, Err(u)) => Known::from_unknown(u),
        (Known::Known(pm), Ok(f), Ok(t)) => match ports_for(pm, f, t) {
            Ok(p) => Known::Known(p),
            Err(m) => {
                // At the value, as the dumps' reader does: from_port is
                // where a range starts (and where a reversed one goes wrong).
                let at = node.get("from_port").map_or(&span, |v| &v.span);
                sink.error(at, m.clone());
                Known::from_unknown(unknown("from_port/to_port", &m, at))
            }
        },
    };
    let show_action = prefix.starts_with("rule");
    let push = |out: &mut Vec<Entry>, span: Span, src: String, sources: Sources| {
        out.push(Entry {
            resource: resource.to_string(),
            label: format!("{prefix}{}", label(show_action.then_some(action), &proto, &ports, &src)),
            span,
            origin: Origin::Explicit,
            action,
            protocol: proto.clone(),
            ports: ports.clone(),
            sources,
            order,
        });
    };
    for &k in shape.v4_keys.iter().chain(shape.v6_keys) {
        let items = items_of(node.get(k));
        for item in items {
            match &item.kind {
                Kind::Unknown { reason: r, .. } => {
                    let u = unknown(k, r, &item.span);
                    push(
                        out,
                        item.span.clone(),
                        format!("{k} (unknown)"),
                        Sources { unknown: vec![u], ..Default::default() },
                    );
                }
                // Plans write an unset single CIDR as "".
                Kind::String(s) if s.is_empty() => {}
                Kind::String(c) => {
                    let sources = match Cidr::parse(c) {
                        Ok(cidr) => Sources { addrs: cidr.to_set(), ..Default::default() },
                        Err(e) => {
                            sink.error(&item.span, format!("`{k}`: {e}"));
                            let u = unknown(k, &format!("invalid CIDR `{c}`"), &item.span);
                            Sources { unknown: vec![u], ..Default::default() }
                        }
                    };
                    push(out, item.span.clone(), c.clone(), sources);
                }
                Kind::Null => {}
                _ => sink.error(&item.span, format!("`{k}` should hold CIDR strings, found {}", type_name(item))),
            }
        }
    }
    for &k in shape.pl_keys {
        let items = items_of(node.get(k));
        for item in items {
            let (what, reason) = match &item.kind {
                Kind::String(s) if s.is_empty() => continue,
                Kind::String(id) => {
                    pls.push((out.len(), id.clone()));
                    (format!("prefix list {id}"), "its entries are not in the input".to_string())
                }
                Kind::Unknown { reason: r, .. } => (format!("{k} (unknown)"), r.clone()),
                _ => continue,
            };
            let u = unknown(&what, &reason, &item.span);
            push(out, item.span.clone(), what.clone(), Sources { unknown: vec![u], ..Default::default() });
        }
    }
    for &k in shape.sg_keys {
        let items = items_of(node.get(k));
        for item in items {
            // A group reference is internal whether or not its id is known.
            let name = match &item.kind {
                Kind::String(s) if s.is_empty() => continue,
                Kind::String(s) => s.clone(),
                // A configuration's reference names the group's address
                // (the key a load balancer's groups are known by too).
                Kind::Unknown { .. } => network::address_in_reason(item)
                    .filter(|a| type_of(a).is_some_and(|t| t.ends_with("security_group")))
                    .or_else(|| group_hint.map(str::to_string))
                    .unwrap_or_else(|| format!("{k} (a security group)")),
                _ => continue,
            };
            push(
                out,
                item.span.clone(),
                name.clone(),
                Sources { internal: vec![InternalSource { name }], ..Default::default() },
            );
        }
    }
    if let Some(k) = shape.self_key {
        if let Some(v) = node.get(k) {
            if v.as_bool() == Some(true) {
                let s = Sources { internal: vec![InternalSource { name: "self".into() }], ..Default::default() };
                push(out, v.span.clone(), "self".into(), s);
            }
        }
    }
}

fn aliases_of(r: &Resource) -> Vec<String> {
    let mut a = vec![r.address.clone(), strip_indexes(&r.address)];
    for k in ["id", "name", "arn"] {
        if let Some(v) = r.values.get(k).and_then(Value::as_str) {
            if !v.is_empty() {
                a.push(v.to_string());
            }
        }
    }
    a.dedup();
    a
}

fn unknown_entry(resource: &str, what: &str, reason: &str, span: &Span) -> Entry {
    Entry::unknown_allow(resource, format!("{what} ({reason})"), unknown(what, reason, span), 0)
}

/// The blocks of a nested-block attribute (`ingress`), or why they are
/// unknown. A value of another kind holds no blocks.
fn blocks<'v>(r: &'v Resource, key: &str) -> Result<Vec<&'v Value>, (String, Span)> {
    match refs::blocks(r.values.get(key)) {
        Ok(b) => Ok(b),
        Err(v) => match v.unknown_reason() {
            Some(reason) => Err((reason.to_string(), v.span.clone())),
            None => Ok(Vec::new()),
        },
    }
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v.map(|v| &v.kind) {
        Some(Kind::List(l)) => l.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Kind::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The one security group `key`'s expression refers to, when it refers to
/// exactly one: what a group reference known only after apply names (a
/// plan keeps the references of a whole block together, so with two
/// groups in it which is which is not said).
fn only_group_ref(r: &Resource, key: &str) -> Option<String> {
    let mut found: Vec<String> = r
        .refs
        .get(key)
        .into_iter()
        .flatten()
        .filter(|a| is_resource_address(a) && type_of(a).is_some_and(|t| t.ends_with("security_group")))
        .map(|a| strip_indexes(a))
        .collect();
    found.dedup();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A standalone security-group rule resource, to join its group later.
fn group_rule(sink: &mut Sink, r: &Resource, shape: &RuleShape) -> GroupRule {
    let mut gr = GroupRule {
        group: resolve_ref(r, "security_group_id", None),
        resource: r.address.clone(),
        span: r.span.clone(),
        entries: Vec::new(),
        prefix_lists: Vec::new(),
    };
    let hint = shape.sg_keys.iter().find_map(|k| only_group_ref(r, k));
    rule_entries(
        sink,
        &r.values,
        shape,
        Action::Allow,
        0,
        &r.address,
        "ingress ",
        hint.as_deref(),
        &mut gr.prefix_lists,
        &mut gr.entries,
    );
    gr
}

/// Reads one AWS resource; other types are ignored.
pub fn read_resource(sink: &mut Sink, r: &Resource, items: &mut AwsItems) {
    network::read_resource(r, items);
    let span = r.span.clone();
    match r.ty.as_str() {
        "aws_security_group" | "aws_default_security_group" => {
            let mut sg = SecurityGroup {
                id: r.address.clone(),
                aliases: aliases_of(r),
                vpc: r.values.get("vpc_id").and_then(Value::as_str).map(str::to_string),
                span: span.clone(),
                entries: Vec::new(),
                prefix_lists: Vec::new(),
            };
            match blocks(r, "ingress") {
                Err((reason, s)) => sg.entries.push(unknown_entry(&r.address, "ingress", &reason, &s)),
                Ok(bs) => {
                    let hint = only_group_ref(r, "ingress");
                    for b in bs {
                        if let Some(reason) = b.unknown_reason() {
                            sg.entries.push(unknown_entry(&r.address, "ingress", reason, &b.span));
                            continue;
                        }
                        rule_entries(
                            sink,
                            b,
                            &SG_INLINE,
                            Action::Allow,
                            0,
                            &r.address,
                            "ingress ",
                            hint.as_deref(),
                            &mut sg.prefix_lists,
                            &mut sg.entries,
                        );
                    }
                }
            }
            items.groups.push(sg);
        }
        "aws_security_group_rule" => {
            match r.values.get("type").map(|v| &v.kind) {
                Some(Kind::String(t)) if t == "ingress" => {}
                Some(Kind::Unknown { .. }) => {}
                _ => return,
            }
            items.group_rules.push(group_rule(sink, r, &SG_RULE));
        }
        "aws_vpc_security_group_ingress_rule" => items.group_rules.push(group_rule(sink, r, &VPC_INGRESS)),
        "aws_network_acl" | "aws_default_network_acl" => {
            let mut acl = NetworkAcl {
                id: r.address.clone(),
                aliases: aliases_of(r),
                vpc: r.values.get("vpc_id").and_then(Value::as_str).map(str::to_string),
                is_default: r.ty == "aws_default_network_acl",
                span: span.clone(),
                entries: Vec::new(),
                subnets: str_list(r.values.get("subnet_ids")),
            };
            if let Some(refs) = r.refs.get("subnet_ids") {
                acl.subnets.extend(refs.iter().filter(|s| is_resource_address(s)).cloned());
            }
            match blocks(r, "ingress") {
                Err((reason, s)) => acl.entries.push(unknown_entry(&r.address, "ingress", &reason, &s)),
                Ok(bs) => {
                    for b in bs {
                        acl_rule(sink, r, b, "rule_no", "action", &mut acl.entries);
                    }
                }
            }
            items.acls.push(acl);
        }
        "aws_network_acl_rule" => {
            if r.values.get("egress").and_then(Value::as_bool) == Some(true) {
                return;
            }
            let mut ar = AclRule {
                acl: resolve_ref(r, "network_acl_id", None),
                resource: r.address.clone(),
                span,
                entries: Vec::new(),
            };
            acl_rule(sink, r, &r.values, "rule_number", "rule_action", &mut ar.entries);
            items.acl_rules.push(ar);
        }
        "aws_network_acl_association" => {
            if let (Some(a), Some(s)) = (resolve_ref(r, "network_acl_id", None), resolve_ref(r, "subnet_id", None)) {
                items.acl_associations.push((a, s));
            }
        }
        "aws_instance" | "aws_network_interface" => {
            let mut groups: Vec<String> = Vec::new();
            let attrs: &[&str] = if r.ty == "aws_instance" {
                &["vpc_security_group_ids", "security_groups"]
            } else {
                &["security_groups"]
            };
            for &attr in attrs {
                let n = r.values.get(attr).and_then(Value::as_list).map_or(0, <[Value]>::len);
                for i in 0..n {
                    if let Some(g) = resolve_ref(r, attr, Some(i)) {
                        groups.push(g);
                    }
                }
                if n == 0 {
                    let before = groups.len();
                    if let Some(refs) = r.refs.get(attr) {
                        groups.extend(refs.iter().filter(|s| is_resource_address(s)).cloned());
                    }
                    // Set, but to groups known only after apply that no
                    // reference names: unknown groups, not the VPC's
                    // default one.
                    if let Some(reason) = r.values.get(attr).and_then(Value::unknown_reason) {
                        if groups.len() == before {
                            groups.push(format!("`{attr}` of {} ({reason})", r.address));
                        }
                    }
                }
            }
            groups.dedup();
            let is_instance = r.ty == "aws_instance";
            items.hosts.push(Host {
                id: r.address.clone(),
                kind: if is_instance { "instance" } else { "network interface" },
                aliases: aliases_of(r),
                span,
                groups,
                subnet: resolve_ref(r, "subnet_id", None),
                vpc: None,
                // An interface answers to every name an instance's
                // `network_interface` block may use for it.
                interfaces: if is_instance { Vec::new() } else { aliases_of(r) },
                launch_template: if is_instance { network::launch_template_of(r) } else { None },
            });
        }
        "aws_autoscaling_group" => {
            let subnets = network::list_refs(r, "vpc_zone_identifier");
            items.hosts.push(Host {
                id: r.address.clone(),
                kind: "Auto Scaling group",
                aliases: aliases_of(r),
                span,
                groups: Vec::new(),
                // Its instances launch in any of its subnets: one subnet
                // decides their network ACL, several leave it open.
                subnet: if subnets.len() == 1 { subnets.first().cloned() } else { None },
                vpc: None,
                interfaces: Vec::new(),
                launch_template: network::launch_template_of(r),
            });
        }
        _ => {}
    }
}

fn acl_rule(sink: &mut Sink, r: &Resource, node: &Value, num_key: &str, act_key: &str, out: &mut Vec<Entry>) {
    if let Some(reason) = node.unknown_reason() {
        out.push(unknown_entry(&r.address, "ingress", reason, &node.span));
        return;
    }
    let order = match node.get(num_key).map(|v| (integer(v), v)) {
        Some((Some(n), _)) => n,
        Some((None, v)) if v.unknown_reason().is_some() => {
            // An unknown rule number: the rule's place in the order is
            // unknown, which the engine cannot express; report it.
            sink.error(&v.span, format!("`{num_key}` is unknown: the rule's order cannot be evaluated"));
            out.push(unknown_entry(&r.address, num_key, "rule number unknown", &v.span));
            return;
        }
        other => {
            // AWS requires a number; the rule is still read as written
            // (after every numbered rule) so a broken rule never passes.
            let s = other.map_or(&node.span, |(_, v)| &v.span);
            sink.error(s, format!("network ACL rule without a valid `{num_key}`: read as the last rule"));
            32766
        }
    };
    let action = match node.get(act_key).map(|v| (&v.kind, v)) {
        Some((Kind::String(a), _)) if a.eq_ignore_ascii_case("allow") => Action::Allow,
        Some((Kind::String(a), _)) if a.eq_ignore_ascii_case("deny") => Action::Deny,
        Some((Kind::Unknown { reason, .. }, v)) => {
            let mut e = unknown_entry(&r.address, act_key, reason, &v.span);
            e.order = order;
            out.push(e);
            return;
        }
        other => {
            let s = other.map_or(&node.span, |(_, v)| &v.span);
            sink.error(s, format!("`{act_key}` should be allow or deny"));
            return;
        }
    };
    let prefix = format!("rule {order} ");
    let mut pls = Vec::new();
    rule_entries(sink, node, &ACL, action, order, &r.address, &prefix, None, &mut pls, out);
}
