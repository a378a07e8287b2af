//! `az` CLI JSON dumps: `az network nsg list` / `az network nsg show`,
//! `az network nic list` / `show`, service tags (`az network
//! list-service-tags`, or Microsoft's ServiceTags_Public download), and
//! for paths `az network public-ip list`, `az network lb list`, `az network
//! route-table list` and `az network vnet list` (the same documents `scan
//! --azure` saves from the REST API, which keep `properties` and the API's
//! key casing: both are read).
//!
//! The CLI prints resources with their properties flattened
//! (`securityRules[].sourceAddressPrefix`); ARM-shaped output (`az resource
//! show`, older CLI versions) keeps them under `properties`. Both are read:
//! every field is looked up on the object first, then under `properties`.
//! Field names: <https://learn.microsoft.com/rest/api/virtualnetwork/network-security-groups/get>
//! and <https://learn.microsoft.com/rest/api/virtualnetwork/network-interfaces/get>.

use super::facts::{key, name_key};
use super::rule::{build, RawRule};
use super::{network, AzureItems, Nic, Nsg, ServiceTag};
use crate::context::Context;
use crate::error::ErrorKind;
use crate::providers::fields::text;
use crate::providers::fields::{from_json, from_json_list};
use portcullis_model::topology::Described;
use portcullis_model::{AddrSet, Cidr};
use portcullis_syntax::json::{Node, Value};

/// A field of an ARM object, flattened or under `properties`.
fn field<'n>(obj: &'n Node, k: &str) -> Option<&'n Node> {
    obj.get(k).or_else(|| obj.get("properties").and_then(|p| p.get(k)))
}

fn is_type(obj: &Node, ty: &str) -> bool {
    obj.get("type").and_then(Node::as_str).is_some_and(|t| t.eq_ignore_ascii_case(ty))
}

fn is_nsg(n: &Node) -> bool {
    is_type(n, "Microsoft.Network/networkSecurityGroups")
        || field(n, "securityRules").is_some()
        || field(n, "defaultSecurityRules").is_some()
}

fn is_nic(n: &Node) -> bool {
    is_type(n, "Microsoft.Network/networkInterfaces") || field(n, "ipConfigurations").is_some()
}

/// A field in any key casing (`az` prints `frontendIpConfigurations`,
/// the REST API `frontendIPConfigurations`).
fn field_any_case<'n>(obj: &'n Node, k: &str) -> Option<&'n Node> {
    let find = |o: &'n Node| o.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(k)).map(|m| &m.value);
    find(obj).or_else(|| obj.get("properties").and_then(find))
}

/// Which path dump an object belongs to, by its type or its fields.
fn network_kind(n: &Node) -> Option<&'static str> {
    if let Some(k) = n.get("type").and_then(Node::as_str).and_then(network::arm_kind) {
        return match k {
            "publicIPAddresses" => Some("azure-public-ips"),
            "loadBalancers" => Some("azure-load-balancers"),
            "routeTables" => Some("azure-route-tables"),
            "virtualNetworks" => Some("azure-vnets"),
            _ => None,
        };
    }
    if field_any_case(n, "frontendIPConfigurations").is_some() || field_any_case(n, "loadBalancingRules").is_some() {
        Some("azure-load-balancers")
    } else if field_any_case(n, "publicIPAllocationMethod").is_some() {
        Some("azure-public-ips")
    } else if field_any_case(n, "routes").is_some() && field_any_case(n, "disableBgpRoutePropagation").is_some() {
        Some("azure-route-tables")
    } else if field_any_case(n, "addressSpace").is_some() {
        Some("azure-vnets")
    } else {
        None
    }
}

fn is_service_tags(n: &Node) -> bool {
    n.get("values")
        .and_then(Node::as_array)
        .and_then(|a| a.first())
        .is_some_and(|v| v.get("properties").and_then(|p| p.get("addressPrefixes")).is_some())
}

/// Which dump a document is: an array of NSGs or NICs, one of them, or a
/// service-tags document.
pub fn kind_of(root: &Node) -> Option<&'static str> {
    match &root.value {
        Value::Array(items) => {
            let first = items.iter().find(|n| n.as_object().is_some())?;
            if is_nsg(first) {
                Some("azure-nsgs")
            } else if is_nic(first) {
                Some("azure-nics")
            } else {
                network_kind(first)
            }
        }
        Value::Object(_) => {
            if is_service_tags(root) {
                Some("azure-service-tags")
            } else if is_nsg(root) && root.get("id").is_some() {
                Some("azure-nsgs")
            } else if is_nic(root) && root.get("id").is_some() {
                Some("azure-nics")
            } else if root.get("id").is_some() {
                network_kind(root)
            } else {
                None
            }
        }
        _ => None,
    }
}

pub fn read(ctx: &mut Context, root: &Node, kind: &str) -> AzureItems {
    let mut items = AzureItems::default();
    let objects: Vec<&Node> = match &root.value {
        Value::Array(a) => a.iter().collect(),
        _ => vec![root],
    };
    match kind {
        "azure-nsgs" => {
            for n in objects {
                if let Some(nsg) = read_nsg(ctx, n) {
                    items.nsgs.push(nsg);
                }
            }
        }
        "azure-nics" => {
            for n in objects {
                if let Some(nic) = read_nic(ctx, n) {
                    read_network(ctx, n, "networkInterfaces", Some(&nic.aliases[0]), &mut items.network);
                    items.nics.push(nic);
                }
            }
        }
        "azure-public-ips" | "azure-load-balancers" | "azure-route-tables" | "azure-vnets" => {
            let (arm, described): (&str, &[Described]) = match kind {
                "azure-public-ips" => ("publicIPAddresses", &[Described::PublicAddresses]),
                "azure-load-balancers" => {
                    ("loadBalancers", &[Described::LoadBalancers, Described::LoadBalancerTargets, Described::Listeners])
                }
                _ if kind == "azure-route-tables" => ("routeTables", &[Described::RouteTables]),
                _ => ("virtualNetworks", &[Described::RouteTables]),
            };
            for n in objects {
                read_network(ctx, n, arm, None, &mut items.network);
            }
            for d in described {
                items.network.mark(*d);
            }
        }
        "azure-service-tags" => read_service_tags(ctx, root, &mut items),
        _ => {}
    }
    items
}

/// A scalar field as written; a wrong type is reported and unknown.
fn raw(ctx: &mut Context, obj: &Node, k: &str) -> Option<portcullis_syntax::Value> {
    from_json(ctx, field(obj, k)?, k)
}

/// A singular field and its plural twin, merged.
fn raw_list(ctx: &mut Context, obj: &Node, one: &str, many: &str) -> Vec<portcullis_syntax::Value> {
    let mut out: Vec<portcullis_syntax::Value> = raw(ctx, obj, one).into_iter().collect();
    if let Some(v) = field(obj, many) {
        out.extend(from_json_list(ctx, v, many));
    }
    out
}

/// `[{"id": …}]` lists (subnets, interfaces, application security groups).
fn id_list(ctx: &mut Context, obj: &Node, k: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let Some(v) = field(obj, k) else { return out };
    match &v.value {
        Value::Array(a) => {
            for n in a {
                match n.get("id").and_then(Node::as_str) {
                    Some(id) => out.push((id.to_string(), n.offset)),
                    None => ctx.error(n.offset, ErrorKind::Invalid, format!("an element of `{k}` has no `id`")),
                }
            }
        }
        Value::Null => {}
        other => ctx.error(
            v.offset,
            ErrorKind::Invalid,
            format!("field `{k}` should be a list, found {}", other.type_name()),
        ),
    }
    out
}

/// The resource group of an ARM id (`…/resourceGroups/<rg>/…`).
pub fn resource_group_of(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourceGroups") {
            return parts.next();
        }
    }
    None
}

fn raw_rule(ctx: &mut Context, r: &Node, is_default: bool) -> RawRule {
    let mut rr = RawRule::new(ctx.span(r.offset));
    rr.is_default = is_default;
    rr.name = field(r, "name").and_then(Node::as_str).map(str::to_string);
    rr.priority = raw(ctx, r, "priority");
    rr.direction = raw(ctx, r, "direction");
    rr.access = raw(ctx, r, "access");
    rr.protocol = raw(ctx, r, "protocol");
    rr.src_prefixes = raw_list(ctx, r, "sourceAddressPrefix", "sourceAddressPrefixes");
    rr.src_ports = raw_list(ctx, r, "sourcePortRange", "sourcePortRanges");
    rr.dst_ports = raw_list(ctx, r, "destinationPortRange", "destinationPortRanges");
    rr.dst_prefixes = raw_list(ctx, r, "destinationAddressPrefix", "destinationAddressPrefixes");
    for (id, off) in id_list(ctx, r, "sourceApplicationSecurityGroups") {
        rr.src_asgs.push(text(id, ctx.span(off)));
    }
    for (id, off) in id_list(ctx, r, "destinationApplicationSecurityGroups") {
        rr.dst_asgs.push(text(id, ctx.span(off)));
    }
    rr
}

fn read_nsg(ctx: &mut Context, n: &Node) -> Option<Nsg> {
    if n.as_object().is_none() {
        ctx.error(n.offset, ErrorKind::Invalid, "expected a network security group object");
        return None;
    }
    let name = field(n, "name").and_then(Node::as_str).map(str::to_string);
    let id = ctx.str_field(n, "id").map(str::to_string);
    let Some(id) = id.or_else(|| name.clone()) else {
        ctx.error(n.offset, ErrorKind::Invalid, "network security group without `id` or `name`: skipped");
        return None;
    };
    let mut aliases = vec![key(&id)];
    let rg =
        ctx.str_field(n, "resourceGroup").map(str::to_string).or_else(|| resource_group_of(&id).map(str::to_string));
    if let (Some(rg), Some(name)) = (&rg, &name) {
        aliases.push(name_key(rg, name));
    }
    let mut nsg = Nsg {
        id: id.clone(),
        aliases,
        span: ctx.span(n.offset),
        entries: Vec::new(),
        has_defaults: false,
        subnets: Vec::new(),
        nics: Vec::new(),
        notes: Vec::new(),
    };
    let mut seen: Vec<(i64, String)> = Vec::new();
    for (k, is_default) in [("securityRules", false), ("defaultSecurityRules", true)] {
        let Some(list) = field(n, k) else { continue };
        let Some(rules) = list.as_array() else {
            if !list.is_null() {
                ctx.error(list.offset, ErrorKind::Invalid, format!("field `{k}` should be a list"));
            }
            continue;
        };
        for r in rules {
            let rr = raw_rule(ctx, r, is_default);
            let built = build(&rr, &id, &mut ctx.errors);
            if is_default && !built.entries.is_empty() {
                nsg.has_defaults = true;
            }
            if let (Some(p), false) = (built.priority, built.entries.is_empty() || is_default) {
                let rname = rr.name.clone().unwrap_or_default();
                if let Some((_, other)) = seen.iter().find(|(q, _)| *q == p) {
                    ctx.error(
                        r.offset,
                        ErrorKind::Invalid,
                        format!("security rules {other} and {rname} share inbound priority {p}, which Azure rejects"),
                    );
                }
                seen.push((p, rname));
            }
            nsg.entries.extend(built.entries);
            nsg.notes.extend(built.notes);
        }
    }
    nsg.subnets = id_list(ctx, n, "subnets").into_iter().map(|(s, _)| s).collect();
    nsg.nics = id_list(ctx, n, "networkInterfaces").into_iter().map(|(s, _)| s).collect();
    Some(nsg)
}

fn read_nic(ctx: &mut Context, n: &Node) -> Option<Nic> {
    let Some(id) = ctx.str_field(n, "id").map(str::to_string) else {
        ctx.error(n.offset, ErrorKind::Invalid, "network interface without `id`: skipped");
        return None;
    };
    let mut aliases = vec![key(&id)];
    if let Some(vm) = field(n, "virtualMachine").and_then(|v| v.get("id")).and_then(Node::as_str) {
        aliases.push(key(vm));
    }
    let nsg: Vec<String> = field(n, "networkSecurityGroup")
        .and_then(|g| g.get("id"))
        .and_then(Node::as_str)
        .map(|s| vec![key(s)])
        .unwrap_or_default();
    let mut subnet = Vec::new();
    if let Some(cfgs) = field(n, "ipConfigurations").and_then(Node::as_array) {
        // The primary configuration's subnet; all configurations of one
        // interface sit in one subnet (Azure requires it).
        for c in cfgs {
            if let Some(s) = field(c, "subnet").and_then(|s| s.get("id")).and_then(Node::as_str) {
                subnet.push(key(s));
                break;
            }
        }
    }
    Some(Nic { id, aliases, span: ctx.span(n.offset), subnet, nsg, from_template: false })
}

/// One path object (an interface, a public IP, a load balancer, a route
/// table, a virtual network) read as a positioned value by the reader every
/// ARM-shaped input shares ([`network::read_arm_object`]).
fn read_network(ctx: &mut Context, n: &Node, kind: &str, nic: Option<&str>, items: &mut network::NetworkItems) {
    if n.as_object().is_none() {
        ctx.error(n.offset, ErrorKind::Invalid, "expected an object");
        return;
    }
    let value = ctx.value(n);
    let id = n.get("id").and_then(Node::as_str);
    let Some(name) = field(n, "name").and_then(Node::as_str).or_else(|| id.and_then(|i| i.rsplit('/').next())) else {
        ctx.error(n.offset, ErrorKind::Invalid, "a resource without `id` or `name`: skipped");
        return;
    };
    network::read_arm_object(items, kind, &value, name, id, &[], nic);
}

fn read_service_tags(ctx: &mut Context, root: &Node, items: &mut AzureItems) {
    for v in ctx.array_field(root, "values") {
        let Some(name) = v.get("name").or_else(|| v.get("id")).and_then(Node::as_str).map(str::to_string) else {
            continue;
        };
        let mut addrs = AddrSet::empty();
        if let Some(p) = v.get("properties") {
            for (c, off) in ctx.str_list(p, "addressPrefixes") {
                match Cidr::parse(c) {
                    Ok(c) => addrs.union_in_place(&c.to_set()),
                    Err(e) => ctx.error(off, ErrorKind::Invalid, format!("service tag {name}: {e}")),
                }
            }
        }
        items.service_tags.push(ServiceTag { name, addrs });
    }
}
