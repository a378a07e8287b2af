//! `aws ec2 describe-*` JSON dumps: security groups, security-group rules
//! ([`rules`]), network ACLs, instances, network interfaces and managed
//! prefix lists.
//!
//! Field names and meanings follow the EC2 API reference
//! (docs.aws.amazon.com/AWSEC2/latest/APIReference/): `IpPermission`,
//! `NetworkAclEntry`, `Instance`, `NetworkInterface`, `PrefixListEntry`.
//! The dumps that decide paths (route tables, gateways, load balancers) are
//! read by [`network`].

use super::facts::{parse_protocol, ports_for};
use super::{AwsItems, Host, NetworkAcl, PrefixList, SecurityGroup};
use crate::context::{Context, Reported};
use crate::error::ErrorKind;
use portcullis_model::{
    format_ports, Action, AddrSet, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span,
    Unknown,
};
use portcullis_syntax::json::Node;

pub mod network;
pub mod rules;

/// Which dump a document is, from its top-level keys.
pub fn kind_of(root: &Node) -> Option<&'static str> {
    if root.get("SecurityGroups").is_some() {
        Some("aws-security-groups")
    } else if root.get("SecurityGroupRules").is_some() {
        Some("aws-security-group-rules")
    } else if root.get("NetworkAcls").is_some() {
        Some("aws-network-acls")
    } else if root.get("Reservations").is_some() {
        Some("aws-instances")
    } else if root.get("NetworkInterfaces").is_some() {
        Some("aws-network-interfaces")
    } else if root
        .get("Entries")
        .and_then(Node::as_array)
        .is_some_and(|a| a.first().is_none_or(|e| e.get("Cidr").is_some()))
    {
        Some("aws-prefix-lists")
    } else {
        network::kind_of(root)
    }
}

/// Top-level arrays of the dumps, streamed element by element.
pub const STREAMED_KEYS: &[&str] = &[
    "SecurityGroups",
    "SecurityGroupRules",
    "NetworkAcls",
    "Reservations",
    "NetworkInterfaces",
    "RouteTables",
    "Subnets",
];

/// Adapts one element of a streamed top-level array.
pub fn read_element(ctx: &mut Context, key: &str, n: &Node, items: &mut AwsItems) {
    match key {
        "SecurityGroups" => items.groups.extend(read_group(ctx, n)),
        "SecurityGroupRules" => items.listed_rules.extend(rules::read_rule(ctx, n)),
        "NetworkAcls" => items.acls.extend(read_acl(ctx, n)),
        "Reservations" => {
            for i in ctx.array_field(n, "Instances") {
                items.hosts.extend(read_instance(ctx, i));
                items.network.nics.extend(network::nics_of_instance(ctx, i));
            }
        }
        "NetworkInterfaces" => {
            items.hosts.extend(read_interface(ctx, n));
            items.network.nics.extend(network::nic_of_interface(ctx, n));
        }
        _ => {
            network::read_element(ctx, key, n, &mut items.network);
        }
    }
}

pub fn read(ctx: &mut Context, root: &Node, kind: &str) -> AwsItems {
    let mut items = AwsItems::default();
    match kind {
        "aws-security-groups" => {
            for g in ctx.array_field(root, "SecurityGroups") {
                if let Some(sg) = read_group(ctx, g) {
                    items.groups.push(sg);
                }
            }
        }
        "aws-security-group-rules" => {
            for r in ctx.array_field(root, "SecurityGroupRules") {
                read_element(ctx, "SecurityGroupRules", r, &mut items);
            }
        }
        "aws-network-acls" => {
            for a in ctx.array_field(root, "NetworkAcls") {
                if let Some(acl) = read_acl(ctx, a) {
                    items.acls.push(acl);
                }
            }
        }
        "aws-instances" => {
            for r in ctx.array_field(root, "Reservations") {
                read_element(ctx, "Reservations", r, &mut items);
            }
        }
        "aws-network-interfaces" => {
            for n in ctx.array_field(root, "NetworkInterfaces") {
                read_element(ctx, "NetworkInterfaces", n, &mut items);
            }
        }
        "aws-prefix-lists" => read_prefix_lists(ctx, root, &mut items),
        other => network::read(ctx, root, other, &mut items.network),
    }
    items
}

/// Label for one rule, for people: `inbound tcp 10257 from 0.0.0.0/0`.
pub fn label(action: Option<Action>, proto: &Known<ProtoMatch>, ports: &Known<PortSet>, src: &str) -> String {
    use std::fmt::Write;
    // Built piece by piece rather than with `format!`: one label per rule of
    // a dump, and the formatting machinery showed in profiles.
    let mut out = String::with_capacity(32 + src.len());
    out.push_str(match action {
        Some(Action::Allow) => "allow ",
        Some(Action::Deny) => "deny ",
        None => "",
    });
    match proto {
        Known::Known(p) => {
            let _ = write!(out, "{p}");
        }
        Known::Unknown(_) => out.push_str("(unknown protocol)"),
    }
    match (proto, ports) {
        (Known::Known(ProtoMatch::All), _) => {}
        (_, Known::Known(ps)) => {
            out.push(' ');
            out.push_str(&format_ports(ps));
        }
        (_, Known::Unknown(_)) => out.push_str(" (unknown ports)"),
    }
    out.push_str(" from ");
    out.push_str(src);
    out
}

/// Protocol and ports of an `IpPermission`-shaped object.
fn perm_proto_ports(ctx: &mut Context, p: &Node, proto_key: &str, span: &Span) -> (Known<ProtoMatch>, Known<PortSet>) {
    let unknown = |what: &str, reason: String| Unknown { what: what.into(), reason, span: span.clone() };
    let proto = match p.get(proto_key) {
        None => Known::from_unknown(unknown(proto_key, "the field is missing".into())),
        Some(n) => {
            let s = match (n.as_str(), n.as_i64()) {
                (Some(s), _) => Some(s.to_string()),
                (None, Some(i)) => Some(i.to_string()),
                _ => None,
            };
            match s.as_deref().and_then(parse_protocol) {
                Some(pm) => Known::Known(pm),
                None => {
                    let shown = s.unwrap_or_else(|| n.type_name().to_string());
                    ctx.error(n.offset, ErrorKind::Invalid, format!("field `{proto_key}`: unknown protocol `{shown}` (expected tcp, udp, icmp, icmpv6, -1 or a number 0-255)"));
                    Known::from_unknown(unknown(proto_key, format!("unknown protocol `{shown}`")))
                }
            }
        }
    };
    // Protocol -1 ignores the ports whatever they say.
    let all_protocols = matches!(proto, Known::Known(ProtoMatch::All));
    let from = if all_protocols { Ok(None) } else { ctx.int_field(p, "FromPort") };
    let to = if all_protocols { Ok(None) } else { ctx.int_field(p, "ToPort") };
    let ports = match (&proto, from, to) {
        (_, Err(Reported), _) | (_, _, Err(Reported)) => {
            Known::from_unknown(unknown("FromPort/ToPort", "invalid port value".into()))
        }
        (Known::Unknown(_), _, _) => Known::from_unknown(unknown("FromPort/ToPort", "protocol unknown".into())),
        (Known::Known(pm), Ok(f), Ok(t)) => match ports_for(pm, f, t) {
            Ok(ps) => Known::Known(ps),
            Err(msg) => {
                let off = p.get("FromPort").map(|n| n.offset).unwrap_or(p.offset);
                ctx.error(off, ErrorKind::Invalid, format!("field `FromPort`/`ToPort`: {msg}"));
                Known::from_unknown(unknown("FromPort/ToPort", msg))
            }
        },
    };
    (proto, ports)
}

/// A CIDR string, or an unknown source with the reason (reported too).
fn cidr_source(ctx: &mut Context, s: &str, node_off: u32, field: &str) -> Sources {
    match Cidr::parse(s) {
        Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
        Err(e) => {
            ctx.error(node_off, ErrorKind::Invalid, format!("field `{field}`: {e}"));
            Sources {
                unknown: vec![Unknown {
                    what: field.into(),
                    reason: format!("invalid CIDR `{s}`"),
                    span: ctx.span(node_off),
                }],
                ..Default::default()
            }
        }
    }
}

fn read_group(ctx: &mut Context, g: &Node) -> Option<SecurityGroup> {
    let span = ctx.node_span(g);
    let Some(id) = ctx.str_field(g, "GroupId").map(str::to_string) else {
        ctx.error(g.offset, ErrorKind::Invalid, "security group without `GroupId`: skipped");
        return None;
    };
    let mut aliases = vec![id.clone()];
    if let Some(n) = ctx.str_field(g, "GroupName") {
        aliases.push(n.to_string());
    }
    let vpc = ctx.str_field(g, "VpcId").map(str::to_string);
    // One entry per source: size the vector once instead of growing it
    // (regrowing copied every rule several times on large dumps).
    let perms = ctx.array_field(g, "IpPermissions");
    let sources: usize = perms
        .iter()
        .map(|p| {
            ["IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"]
                .iter()
                .map(|k| p.get(k).and_then(Node::as_array).map_or(0, <[Node]>::len))
                .sum::<usize>()
        })
        .sum();
    let mut sg = SecurityGroup {
        id: id.clone(),
        aliases,
        vpc,
        span,
        entries: Vec::with_capacity(sources),
        prefix_lists: Vec::new(),
    };
    for p in perms {
        read_permission(ctx, p, &id, &mut sg.entries, &mut sg.prefix_lists);
    }
    Some(sg)
}

/// One `IpPermission` → one entry per source, each pointing at its source.
pub fn read_permission(
    ctx: &mut Context,
    p: &Node,
    group: &str,
    entries: &mut Vec<Entry>,
    pls: &mut Vec<(usize, String)>,
) {
    let pspan = ctx.node_span(p);
    let (proto, ports) = perm_proto_ports(ctx, p, "IpProtocol", &pspan);
    // The label's head is the same for every source of the permission:
    // format it once (formatting a million labels was a tenth of the run).
    let rest = label(None, &proto, &ports, "");
    let mut head = String::with_capacity("inbound ".len() + rest.len());
    head.push_str("inbound ");
    head.push_str(&rest);
    head.truncate(head.len() - " from ".len());
    let push = |entries: &mut Vec<Entry>, span: Span, src_label: &str, sources: Sources| {
        let mut l = String::with_capacity(head.len() + 6 + src_label.len());
        l.push_str(&head);
        l.push_str(" from ");
        l.push_str(src_label);
        entries.push(Entry {
            resource: group.to_string(),
            label: l,
            span,
            origin: Origin::Explicit,
            action: Action::Allow,
            protocol: proto.clone(),
            ports: ports.clone(),
            sources,
            order: 0,
        });
    };
    for r in ctx.array_field(p, "IpRanges") {
        let Some(c) = ctx.str_field(r, "CidrIp") else { continue };
        let at = r.get("CidrIp").unwrap_or(r);
        let src = cidr_source(ctx, c, at.offset, "CidrIp");
        push(entries, ctx.node_span(at), c, src);
    }
    for r in ctx.array_field(p, "Ipv6Ranges") {
        let Some(c) = ctx.str_field(r, "CidrIpv6") else { continue };
        let at = r.get("CidrIpv6").unwrap_or(r);
        let src = cidr_source(ctx, c, at.offset, "CidrIpv6");
        push(entries, ctx.node_span(at), c, src);
    }
    for r in ctx.array_field(p, "PrefixListIds") {
        let Some(id) = ctx.str_field(r, "PrefixListId") else { continue };
        let span = ctx.node_span(r.get("PrefixListId").unwrap_or(r));
        let sources = Sources {
            unknown: vec![Unknown {
                what: format!("prefix list {id}"),
                reason: "its entries are not in the input (add `aws ec2 get-managed-prefix-list-entries` output)"
                    .into(),
                span: span.clone(),
            }],
            ..Default::default()
        };
        pls.push((entries.len(), id.to_string()));
        push(entries, span, id, sources);
    }
    for r in ctx.array_field(p, "UserIdGroupPairs") {
        let gid = ctx.str_field(r, "GroupId").or_else(|| ctx.str_field(r, "GroupName"));
        let Some(gid) = gid else { continue };
        let (name, sources) = source_of_group_pair(gid, group);
        let at = r.get("GroupId").or_else(|| r.get("GroupName")).unwrap_or(r);
        push(entries, ctx.node_span(at), &name, sources);
    }
}

/// A source that is a security group: the group itself is shown as
/// `self`, as the console shows it.
fn source_of_group_pair(referenced: &str, group: &str) -> (String, Sources) {
    let name = if referenced == group { "self".to_string() } else { referenced.to_string() };
    let sources = Sources { internal: vec![InternalSource { name: name.clone() }], ..Default::default() };
    (name, sources)
}

fn read_acl(ctx: &mut Context, a: &Node) -> Option<NetworkAcl> {
    let span = ctx.node_span(a);
    let Some(id) = ctx.str_field(a, "NetworkAclId").map(str::to_string) else {
        ctx.error(a.offset, ErrorKind::Invalid, "network ACL without `NetworkAclId`: skipped");
        return None;
    };
    let vpc = ctx.str_field(a, "VpcId").map(str::to_string);
    let is_default = ctx.bool_field(a, "IsDefault").unwrap_or(false);
    let mut acl = NetworkAcl {
        id: id.clone(),
        aliases: vec![id.clone()],
        vpc,
        is_default,
        span,
        entries: Vec::new(),
        subnets: Vec::new(),
    };
    for e in ctx.array_field(a, "Entries") {
        // Egress entries govern traffic leaving the subnet, not who can
        // open a connection to it (return traffic is not modelled: see
        // docs/semantics.md).
        if ctx.bool_field(e, "Egress").unwrap_or(false) {
            continue;
        }
        if let Some(entry) = read_acl_entry(ctx, e, &id) {
            acl.entries.push(entry);
        }
    }
    for s in ctx.array_field(a, "Associations") {
        if let Some(sub) = ctx.str_field(s, "SubnetId") {
            acl.subnets.push(sub.to_string());
        }
    }
    Some(acl)
}

fn read_acl_entry(ctx: &mut Context, e: &Node, acl: &str) -> Option<Entry> {
    // Point at the source block when there is one: it is the line a
    // reader looks for; the rule number is in the label.
    let anchor = e.get("CidrBlock").or_else(|| e.get("Ipv6CidrBlock")).or_else(|| e.get("RuleNumber"));
    let span = ctx.node_span(anchor.unwrap_or(e));
    let number = match ctx.int_field(e, "RuleNumber") {
        Ok(Some(n)) => n,
        Ok(None) => {
            ctx.error(e.offset, ErrorKind::Invalid, "network ACL entry without `RuleNumber`: skipped");
            return None;
        }
        Err(Reported) => return None,
    };
    let action = match ctx.str_field(e, "RuleAction").map(|s| s.to_ascii_lowercase()) {
        Some(a) if a == "allow" => Known::Known(Action::Allow),
        Some(a) if a == "deny" => Known::Known(Action::Deny),
        other => {
            let off = e.get("RuleAction").map_or(e.offset, |n| n.offset);
            ctx.error(
                off,
                ErrorKind::Invalid,
                format!("field `RuleAction` should be allow or deny, found {}", other.as_deref().unwrap_or("nothing")),
            );
            Known::from_unknown(Unknown {
                what: "RuleAction".into(),
                reason: "not allow or deny".into(),
                span: span.clone(),
            })
        }
    };
    let (proto, _) = perm_proto_ports(ctx, &with_no_ports(e), "Protocol", &span);
    let ports = match &proto {
        Known::Unknown(u) => Known::Unknown(u.clone()),
        Known::Known(pm) => {
            let (f, t) = match e.get("PortRange") {
                Some(pr) => (ctx.int_field(pr, "From"), ctx.int_field(pr, "To")),
                None => (Ok(None), Ok(None)),
            };
            match (f, t) {
                (Ok(f), Ok(t)) => match ports_for(pm, f, t) {
                    Ok(ps) => Known::Known(ps),
                    Err(msg) => {
                        let from = e.get("PortRange").and_then(|pr| pr.get("From"));
                        ctx.error(
                            from.map_or(e.offset, |n| n.offset),
                            ErrorKind::Invalid,
                            format!("field `PortRange`: {msg}"),
                        );
                        Known::from_unknown(Unknown { what: "PortRange".into(), reason: msg, span: span.clone() })
                    }
                },
                _ => Known::from_unknown(Unknown {
                    what: "PortRange".into(),
                    reason: "invalid port value".into(),
                    span: span.clone(),
                }),
            }
        }
    };
    let (src_label, sources) = if let Some(c) = ctx.str_field(e, "CidrBlock") {
        let off = e.get("CidrBlock").map_or(e.offset, |n| n.offset);
        (c.to_string(), cidr_source(ctx, c, off, "CidrBlock"))
    } else if let Some(c) = ctx.str_field(e, "Ipv6CidrBlock") {
        let off = e.get("Ipv6CidrBlock").map_or(e.offset, |n| n.offset);
        (c.to_string(), cidr_source(ctx, c, off, "Ipv6CidrBlock"))
    } else {
        ctx.error(e.offset, ErrorKind::Invalid, "network ACL entry without `CidrBlock` or `Ipv6CidrBlock`");
        ("(nothing)".into(), Sources::default())
    };
    // An unknown action: allowing helps the upper bound, denying the lower;
    // model it as an allow whose match is unknown and report it.
    let (act, sources, proto) = match action {
        Known::Known(a) => (a, sources, proto),
        Known::Unknown(u) => (Action::Allow, sources, Known::Unknown(u)),
    };
    let origin = if number == 32767 {
        Origin::Default("the default rule every network ACL ends with".into())
    } else {
        Origin::Explicit
    };
    Some(Entry {
        resource: acl.to_string(),
        label: format!(
            "rule {} {}",
            if number == 32767 { "*".to_string() } else { number.to_string() },
            label(Some(act), &proto, &ports, &src_label)
        ),
        span,
        origin,
        action: act,
        protocol: proto,
        ports,
        sources,
        order: number,
    })
}

/// A NACL entry carries ports in `PortRange`, not `FromPort`/`ToPort`; read
/// only its protocol with the shared helper.
fn with_no_ports(e: &Node) -> Node {
    use portcullis_syntax::json::{Member, Value};
    let members = e
        .as_object()
        .map(|m| m.iter().filter(|m| &*m.key == "Protocol").cloned().collect::<Vec<Member>>())
        .unwrap_or_default();
    Node { value: Value::Object(members), offset: e.offset, line: e.line }
}

fn group_ids(ctx: &mut Context, n: &Node, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for g in ctx.array_field(n, key) {
        if let Some(id) = ctx.str_field(g, "GroupId") {
            out.push(id.to_string());
        }
    }
    out
}

fn read_instance(ctx: &mut Context, i: &Node) -> Option<Host> {
    let span = ctx.node_span(i);
    let id = ctx.str_field(i, "InstanceId")?.to_string();
    let mut aliases = vec![id.clone()];
    for t in ctx.array_field(i, "Tags") {
        if ctx.str_field(t, "Key") == Some("Name") {
            if let Some(v) = ctx.str_field(t, "Value") {
                aliases.push(v.to_string());
            }
        }
    }
    let mut groups = group_ids(ctx, i, "SecurityGroups");
    let mut interfaces = Vec::new();
    let mut subnet = ctx.str_field(i, "SubnetId").map(str::to_string);
    for n in ctx.array_field(i, "NetworkInterfaces") {
        if let Some(eni) = ctx.str_field(n, "NetworkInterfaceId") {
            interfaces.push(eni.to_string());
        }
        for g in group_ids(ctx, n, "Groups") {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        if subnet.is_none() {
            subnet = ctx.str_field(n, "SubnetId").map(str::to_string);
        }
    }
    let vpc = ctx.str_field(i, "VpcId").map(str::to_string);
    Some(Host { id, kind: "instance", aliases, span, groups, subnet, vpc, interfaces, launch_template: None })
}

fn read_interface(ctx: &mut Context, n: &Node) -> Option<Host> {
    let span = ctx.node_span(n);
    let id = ctx.str_field(n, "NetworkInterfaceId")?.to_string();
    let groups = group_ids(ctx, n, "Groups");
    let subnet = ctx.str_field(n, "SubnetId").map(str::to_string);
    let vpc = ctx.str_field(n, "VpcId").map(str::to_string);
    let mut aliases = vec![id.clone()];
    if let Some(att) = n.get("Attachment") {
        if let Some(inst) = ctx.str_field(att, "InstanceId") {
            aliases.push(inst.to_string());
        }
    }
    Some(Host {
        id: id.clone(),
        kind: "network interface",
        aliases,
        span,
        groups,
        subnet,
        vpc,
        interfaces: vec![id],
        launch_template: None,
    })
}

/// `describe-managed-prefix-lists` gives ids only; the entries come from
/// `get-managed-prefix-list-entries`, whose output has no id: such a file
/// must be named after its list (`pl-0abc.json`) or carry `PrefixListId`.
fn read_prefix_lists(ctx: &mut Context, root: &Node, items: &mut AwsItems) {
    if let Some(entries) = root.get("Entries").and_then(Node::as_array) {
        let id = ctx.str_field(root, "PrefixListId").map(str::to_string).or_else(|| {
            let f = ctx.file.rsplit('/').next().unwrap_or("").to_string();
            f.strip_suffix(".json").filter(|s| s.starts_with("pl-")).map(str::to_string)
        });
        let Some(id) = id else {
            ctx.error(
                root.offset,
                ErrorKind::Invalid,
                "prefix-list entries without a list id: add `\"PrefixListId\"` or name the file pl-….json",
            );
            return;
        };
        let mut set = AddrSet::empty();
        for e in entries {
            if let Some(c) = ctx.str_field(e, "Cidr") {
                let off = e.get("Cidr").map_or(e.offset, |n| n.offset);
                let s = cidr_source(ctx, c, off, "Cidr");
                set.union_in_place(&s.addrs);
            }
        }
        items.prefix_lists.push(PrefixList { id, cidrs: set });
    }
}
