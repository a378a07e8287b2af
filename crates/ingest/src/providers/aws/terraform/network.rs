//! AWS resources in Terraform (plan or configuration) that decide paths:
//! VPCs, subnets, route tables and routes with their associations,
//! internet, egress-only and NAT gateways, Elastic IPs, the public
//! addresses of instances and interfaces, and load balancers with their
//! listeners, rules, target groups and attachments.
//!
//! Argument names follow the hashicorp/aws provider's resource docs
//! (registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/…):
//! `aws_vpc`, `aws_subnet`, `aws_route_table`, `aws_default_route_table`,
//! `aws_route`, `aws_route_table_association`,
//! `aws_main_route_table_association`, `aws_internet_gateway`,
//! `aws_internet_gateway_attachment`, `aws_egress_only_internet_gateway`,
//! `aws_nat_gateway`, `aws_eip`, `aws_eip_association`, `aws_lb` (`aws_alb`),
//! `aws_lb_listener`, `aws_lb_listener_rule`, `aws_lb_target_group`,
//! `aws_lb_target_group_attachment`, `aws_elb`. Instances and interfaces
//! are hosts (`super::read_resource`); here they gain their interface.
//!
//! A reference the configuration makes (`subnet_id = aws_subnet.a.id`) is
//! kept as the address it names, which is one of the aliases of the item
//! it points at: the assembly joins them as it joins ids.

use super::{aliases_of, resolve_ref};
use crate::languages::terraform::refs::{self, is_resource_address, type_of};
use crate::languages::terraform::resource::{integer, Resource};
use crate::providers::aws::network::{
    AddressItem, AssociationItem, ClassicListener, Destination, GatewayItem, LaunchTemplateItem, ListenerItem,
    LoadBalancerItem, NicAttachment, NicItem, RouteItem, RouteTableItem, RouteTarget, SubnetItem, TargetGroupItem,
    TargetItem, TargetsItem, VpcItem,
};
use crate::providers::aws::AwsItems;
use portcullis_model::topology::{Described, GatewayKind, LoadBalancerKind, PublicAddress, Scheme};
use portcullis_model::{AddrSet, Cidr, Known, Span, Unknown};
use portcullis_syntax::Value;

fn unknown(what: impl Into<String>, reason: impl Into<String>, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

/// The resource an unknown nested value refers to: the evaluator says
/// "`aws_internet_gateway.gw.id` is known only after apply".
pub(super) fn address_in_reason(v: &Value) -> Option<String> {
    let reason = v.unknown_reason()?;
    let expr = reason.split_whitespace().next()?;
    let (address, _attribute) = expr.rsplit_once('.')?;
    is_resource_address(address).then(|| address.to_string())
}

/// What a field inside a nested block (`route { gateway_id = … }`) names:
/// its known value, the address its unknown value came from, or the one
/// reference of the block of type `ty` (a plan keeps references per
/// top-level attribute only).
fn nested_ref(r: &Resource, block: &str, v: Option<&Value>, types: &[&str]) -> Option<String> {
    let v = v?;
    if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
        return Some(s.to_string());
    }
    if let Some(a) = address_in_reason(v) {
        return Some(a);
    }
    if !v.is_unknown() {
        return None;
    }
    let found: Vec<&String> = r
        .refs
        .get(block)
        .into_iter()
        .flatten()
        .filter(|a| is_resource_address(a) && type_of(a).is_some_and(|t| types.contains(&t.as_str())))
        .collect();
    match found.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A boolean attribute: known, unknown (with the reason), or not set.
fn flag(r: &Resource, key: &str) -> Option<Known<bool>> {
    let v = r.values.get(key)?;
    if let Some(reason) = v.unknown_reason() {
        return Some(Known::from_unknown(unknown(format!("`{key}` of {}", r.address), reason, &v.span)));
    }
    v.as_bool().map(Known::Known)
}

/// CIDR blocks of `keys`: the set, or why it is unknown.
fn blocks_of(r: &Resource, keys: &[&str]) -> Known<AddrSet> {
    let mut set = AddrSet::empty();
    for k in keys {
        let Some(v) = r.values.get(k) else { continue };
        if let Some(reason) = v.unknown_reason() {
            return Known::from_unknown(unknown(format!("`{k}` of {}", r.address), reason, &v.span));
        }
        if let Some(c) = v.as_str().and_then(|s| Cidr::parse(s).ok()) {
            set.union_in_place(&c.to_set());
        }
    }
    Known::Known(set)
}

/// Where a route sends traffic: the first target argument it sets
/// (`aws_route` and an inline `route` block use the same names).
fn route_target(r: &Resource, node: &Value, block: Option<&str>) -> RouteTarget {
    type Make = fn(String) -> RouteTarget;
    const FIELDS: &[(&str, Make, &[&str])] = &[
        ("egress_only_gateway_id", RouteTarget::EgressOnly, &["aws_egress_only_internet_gateway"]),
        ("nat_gateway_id", RouteTarget::Nat, &["aws_nat_gateway"]),
        ("transit_gateway_id", RouteTarget::TransitGateway, &["aws_ec2_transit_gateway"]),
        ("vpc_peering_connection_id", RouteTarget::Peering, &["aws_vpc_peering_connection"]),
        ("network_interface_id", RouteTarget::Interface, &["aws_network_interface"]),
        ("instance_id", RouteTarget::Instance, &["aws_instance"]),
        ("local_gateway_id", RouteTarget::LocalGateway, &["aws_ec2_local_gateway"]),
        ("carrier_gateway_id", RouteTarget::CarrierGateway, &["aws_ec2_carrier_gateway"]),
        ("core_network_arn", RouteTarget::CoreNetwork, &["aws_networkmanager_core_network"]),
        // A Gateway Load Balancer or Network Firewall endpoint.
        ("vpc_endpoint_id", RouteTarget::Gateway, &["aws_vpc_endpoint", "aws_networkfirewall_firewall"]),
        ("gateway_id", RouteTarget::Gateway, &["aws_internet_gateway", "aws_vpn_gateway", "aws_vpc_endpoint"]),
    ];
    for (key, make, types) in FIELDS {
        let Some(v) = node.get(key).filter(|v| !v.is_absent()) else { continue };
        if v.as_str() == Some("") {
            continue;
        }
        let name = match block {
            Some(b) => nested_ref(r, b, Some(v), types),
            None => resolve_ref(r, key, None),
        };
        return match name {
            // A `vpc_endpoint_id` is never an internet gateway: keep the
            // endpoint prefix so the assembly reads it as a middlebox.
            Some(n) if *key == "vpc_endpoint_id" && !n.starts_with("vpce-") => make(format!("vpce-{n}")),
            Some(n) => make(n),
            None => RouteTarget::Unknown(unknown(
                format!("`{key}` of a route of {}", r.address),
                v.unknown_reason().unwrap_or("it names nothing the input shows"),
                &v.span,
            )),
        };
    }
    RouteTarget::Unknown(unknown(
        format!("the target of a route of {}", r.address),
        "the route sets no target argument",
        &node.span,
    ))
}

/// One route, from an `aws_route` or an inline `route` block.
fn route(r: &Resource, node: &Value, block: Option<&str>) -> Option<RouteItem> {
    const DESTINATIONS: &[&str] =
        &["cidr_block", "ipv6_cidr_block", "destination_cidr_block", "destination_ipv6_cidr_block"];
    let mut destination = None;
    let mut span = node.span.clone();
    for k in DESTINATIONS {
        let Some(v) = node.get(k).filter(|v| !v.is_absent() && v.as_str() != Some("")) else { continue };
        span = v.span.clone();
        destination = Some(match (v.unknown_reason(), v.as_str().map(Cidr::parse)) {
            (Some(reason), _) => Destination::Unknown(unknown(format!("`{k}` of {}", r.address), reason, &v.span)),
            (None, Some(Ok(c))) => Destination::Block(c),
            _ => return None,
        });
        break;
    }
    if destination.is_none() {
        for k in ["destination_prefix_list_id"] {
            let Some(v) = node.get(k).filter(|v| !v.is_absent() && v.as_str() != Some("")) else { continue };
            span = v.span.clone();
            destination = Some(match text(Some(v)) {
                Some(pl) => Destination::PrefixList(pl.to_string()),
                None => Destination::Unknown(unknown(
                    format!("`{k}` of {}", r.address),
                    v.unknown_reason().unwrap_or("not a prefix list id"),
                    &v.span,
                )),
            });
        }
    }
    Some(RouteItem {
        destination: destination?,
        target: route_target(r, node, block),
        blackhole: false,
        propagated: false,
        span,
    })
}

/// A public address an attribute gives: `Some(address)` when it is known.
fn public(r: &Resource, key: &str, what: &str) -> Option<PublicAddress> {
    let v = r.values.get(key)?;
    let ip = text(Some(v))?;
    Some(PublicAddress { address: Some(ip.to_string()), what: what.into(), span: Some(v.span.clone()) })
}

/// Reads one resource that decides paths; other types are ignored.
pub fn read_resource(r: &Resource, items: &mut AwsItems) {
    let net = &mut items.network;
    let span = r.span.clone();
    let vpc = || resolve_ref(r, "vpc_id", None);
    match r.ty.as_str() {
        "aws_vpc" => net.vpcs.push(VpcItem { id: r.address.clone(), aliases: aliases_of(r), span }),
        "aws_subnet" => {
            let map_public_ip = flag(r, "map_public_ip_on_launch").unwrap_or(Known::Known(false));
            let assign_ipv6 = flag(r, "assign_ipv6_address_on_creation").unwrap_or(Known::Known(false));
            net.subnets.push(SubnetItem {
                id: r.address.clone(),
                aliases: aliases_of(r),
                span,
                vpc: vpc(),
                cidrs: blocks_of(r, &["cidr_block", "ipv6_cidr_block"]),
                map_public_ip,
                assign_ipv6,
            });
        }
        "aws_route_table" | "aws_default_route_table" => {
            let mut routes = Vec::new();
            if let Ok(bs) = refs::blocks(r.values.get("route")) {
                routes.extend(bs.into_iter().filter_map(|b| route(r, b, Some("route"))));
            }
            let mut aliases = aliases_of(r);
            let vpc = if r.ty == "aws_default_route_table" {
                // It adopts the VPC's main route table: routes added to
                // `aws_vpc.x.main_route_table_id` land in it too.
                let of_vpc = resolve_ref(r, "default_route_table_id", None);
                aliases.extend(of_vpc.clone());
                let vpc = vpc().or(of_vpc.filter(|a| type_of(a).as_deref() == Some("aws_vpc")));
                net.associations.push(AssociationItem::Main { table: r.address.clone(), vpc: vpc.clone() });
                vpc
            } else {
                vpc()
            };
            net.route_tables.push(RouteTableItem { id: r.address.clone(), aliases, span, vpc, routes });
            if !net.described.contains(&Described::RouteTables) {
                net.described.push(Described::RouteTables);
            }
        }
        "aws_route" => {
            if let (Some(table), Some(route)) = (resolve_ref(r, "route_table_id", None), route(r, &r.values, None)) {
                net.routes.push((table, route));
            }
        }
        "aws_route_table_association" => {
            let Some(table) = resolve_ref(r, "route_table_id", None) else { return };
            if let Some(subnet) = resolve_ref(r, "subnet_id", None) {
                net.associations.push(AssociationItem::Subnet { table, subnet });
            } else if let Some(gateway) = resolve_ref(r, "gateway_id", None) {
                net.associations.push(AssociationItem::Gateway { table, gateway });
            }
        }
        "aws_main_route_table_association" => {
            if let Some(table) = resolve_ref(r, "route_table_id", None) {
                net.associations.push(AssociationItem::Main { table, vpc: vpc() });
            }
        }
        "aws_internet_gateway" | "aws_egress_only_internet_gateway" | "aws_nat_gateway" => {
            let kind = match r.ty.as_str() {
                "aws_internet_gateway" => GatewayKind::Internet,
                "aws_egress_only_internet_gateway" => GatewayKind::EgressOnly,
                _ => GatewayKind::Nat,
            };
            // An internet gateway without `vpc_id` is attached by an
            // `aws_internet_gateway_attachment`, or not at all.
            let vpcs = match (vpc(), r.values.get("vpc_id")) {
                (Some(v), _) => Known::Known(vec![v]),
                (None, Some(v)) if v.is_unknown() => Known::from_unknown(unknown(
                    format!("the VPC {} is attached to", r.address),
                    v.unknown_reason().unwrap_or_default(),
                    &v.span,
                )),
                _ => Known::Known(Vec::new()),
            };
            net.gateways.push(GatewayItem { id: r.address.clone(), aliases: aliases_of(r), kind, span, vpcs });
        }
        "aws_internet_gateway_attachment" => {
            if let (Some(g), Some(v)) = (resolve_ref(r, "internet_gateway_id", None), vpc()) {
                net.attachments.push((g, v));
            }
        }
        "aws_eip" => {
            let interface = resolve_ref(r, "network_interface", None);
            let instance = resolve_ref(r, "instance", None);
            net.addresses.push(AddressItem {
                public_ip: text(r.values.get("public_ip")).map(str::to_string),
                allocation: r.address.clone(),
                aliases: aliases_of(r),
                span,
                interface,
                instance,
            });
        }
        "aws_eip_association" => {
            let interface = resolve_ref(r, "network_interface_id", None);
            let instance = resolve_ref(r, "instance_id", None);
            let allocation = resolve_ref(r, "allocation_id", None).unwrap_or_else(|| r.address.clone());
            net.addresses.push(AddressItem {
                public_ip: text(r.values.get("public_ip")).map(str::to_string),
                allocation,
                aliases: aliases_of(r),
                span,
                interface,
                instance,
            });
        }
        "aws_instance" => {
            // Interfaces attached with `network_interface` blocks are
            // their own resources: the instance's interfaces are those,
            // with their own subnet, groups and Elastic IPs.
            let blocks = refs::blocks(r.values.get("network_interface")).unwrap_or_default();
            if !blocks.is_empty() {
                for b in blocks {
                    const TYPES: &[&str] = &["aws_network_interface"];
                    let Some(interface) = nested_ref(r, "network_interface", b.get("network_interface_id"), TYPES)
                    else {
                        continue;
                    };
                    let device_index = b.get("device_index").and_then(integer).and_then(|i| u32::try_from(i).ok());
                    items.network.nic_attachments.push(NicAttachment {
                        host: r.address.clone(),
                        interface,
                        device_index,
                    });
                }
                return;
            }
            let public_v4 = if let Some(p) = public(r, "public_ip", "public IPv4") {
                Launch::Given(Known::Known(Some(p)))
            } else {
                match flag(r, "associate_public_ip_address") {
                    Some(Known::Known(true)) => Launch::Given(Known::Known(Some(PublicAddress {
                        address: None,
                        what: "public IPv4 (associate_public_ip_address)".into(),
                        span: r.values.get("associate_public_ip_address").map(|v| v.span.clone()),
                    }))),
                    Some(Known::Known(false)) => Launch::Given(Known::Known(None)),
                    Some(Known::Unknown(u)) => Launch::Given(Known::Unknown(u)),
                    None => Launch::Subnet,
                }
            };
            let public_v6 = ipv6(r);
            push_nic(r, items, public_v4, public_v6);
        }
        "aws_network_interface" => {
            // An interface created on its own gets no automatic public
            // IPv4 address; an Elastic IP gives it one (the assembly).
            let public_v6 = ipv6(r);
            push_nic(r, items, Launch::Given(Known::Known(None)), public_v6);
        }
        "aws_launch_template" => launch_template(r, items),
        "aws_launch_configuration" => {
            let at = r.values.get("associate_public_ip_address").map_or(&r.span, |v| &v.span).clone();
            let public_v4 = flag(r, "associate_public_ip_address").map(|k| public_setting(r, k, &at));
            net.launch_templates.push(LaunchTemplateItem {
                id: r.address.clone(),
                aliases: aliases_of(r),
                span,
                public_v4,
                subnet: None,
                groups: list_refs(r, "security_groups"),
            });
        }
        "aws_autoscaling_group" => auto_scaling_group(r, items),
        "aws_autoscaling_attachment" => {
            let Some(id) = resolve_ref(r, "autoscaling_group_name", None) else {
                return unresolved(r, "autoscaling_group_name", items);
            };
            let member = TargetItem { id, port: None, span: span.clone() };
            // `elb`: a classic load balancer by name.
            if r.values.get("elb").is_some_and(|v| !v.is_absent()) {
                let Some(elb) = resolve_ref(r, "elb", None) else { return unresolved(r, "elb", items) };
                items.network.classic_members.push((elb, member));
                return;
            }
            let Some(group) =
                resolve_ref(r, "lb_target_group_arn", None).or_else(|| resolve_ref(r, "alb_target_group_arn", None))
            else {
                return unresolved(r, "lb_target_group_arn", items);
            };
            items.network.targets.push(TargetsItem { group, targets: vec![member], span });
        }
        "aws_lb" | "aws_alb" => load_balancer(r, items),
        "aws_elb" => classic(r, items),
        "aws_lb_listener" | "aws_alb_listener" => listener(r, items),
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => {
            let Some(listener) = resolve_ref(r, "listener_arn", None) else {
                return unresolved(r, "listener_arn", items);
            };
            let forwards = forwards(r, "action", items);
            items.network.rules.push((listener, forwards));
        }
        "aws_lb_target_group" | "aws_alb_target_group" => target_group(r, items),
        "aws_lb_target_group_attachment" | "aws_alb_target_group_attachment" => {
            let Some(group) = resolve_ref(r, "target_group_arn", None) else {
                return unresolved(r, "target_group_arn", items);
            };
            let Some(id) = resolve_ref(r, "target_id", None) else { return unresolved(r, "target_id", items) };
            let port = r.values.get("port").and_then(integer).and_then(|p| u16::try_from(p).ok());
            items.network.targets.push(TargetsItem {
                group,
                targets: vec![TargetItem { id, port, span: span.clone() }],
                span,
            });
        }
        _ => {}
    }
}

/// The launch template an instance or Auto Scaling group names
/// (`launch_template { id | name }`; for a group also
/// `mixed_instances_policy`'s specification and `launch_configuration`).
pub(super) fn launch_template_of(r: &Resource) -> Option<String> {
    const TYPES: &[&str] = &["aws_launch_template", "aws_launch_configuration"];
    let spec = |b: &Value, key: &str, fields: [&str; 2]| {
        fields.into_iter().find_map(|f| nested_ref(r, key, b.get(f).filter(|v| !v.is_absent()), TYPES))
    };
    if let Some(b) = refs::blocks(r.values.get("launch_template")).unwrap_or_default().first() {
        if let Some(t) = spec(b, "launch_template", ["id", "name"]) {
            return Some(t);
        }
    }
    for policy in refs::blocks(r.values.get("mixed_instances_policy")).unwrap_or_default() {
        for lt in refs::blocks(policy.get("launch_template")).unwrap_or_default() {
            for s in refs::blocks(lt.get("launch_template_specification")).unwrap_or_default() {
                if let Some(t) = spec(s, "mixed_instances_policy", ["launch_template_id", "launch_template_name"]) {
                    return Some(t);
                }
            }
        }
    }
    resolve_ref(r, "launch_configuration", None)
}

/// Every reference a list attribute holds (`vpc_zone_identifier`,
/// `security_groups`): its known values, else the resources its
/// expression names.
pub(super) fn list_refs(r: &Resource, key: &str) -> Vec<String> {
    let n = r.values.get(key).and_then(Value::as_list).map_or(0, <[Value]>::len);
    let mut out: Vec<String> = (0..n).filter_map(|i| resolve_ref(r, key, Some(i))).collect();
    if out.is_empty() {
        out.extend(r.refs.get(key).into_iter().flatten().filter(|a| is_resource_address(a)).cloned());
    }
    out.dedup();
    out
}

/// An `associate_public_ip_address` setting as the public address it gives.
fn public_setting(r: &Resource, setting: Known<bool>, span: &Span) -> Known<Option<PublicAddress>> {
    match setting {
        Known::Known(true) => Known::Known(Some(PublicAddress {
            address: None,
            what: format!("public IPv4 (associate_public_ip_address of {})", r.address),
            span: Some(span.clone()),
        })),
        Known::Known(false) => Known::Known(None),
        Known::Unknown(u) => Known::Unknown(u),
    }
}

/// `aws_launch_template`: its primary `network_interfaces` block (device
/// index 0, or the only one) says the subnet, the groups and whether a
/// public IPv4 address is associated; `vpc_security_group_ids` otherwise.
/// The provider takes `associate_public_ip_address` there as a string
/// ("true", "false", or unset).
fn launch_template(r: &Resource, items: &mut AwsItems) {
    let blocks = refs::blocks(r.values.get("network_interfaces")).unwrap_or_default();
    let primary = blocks
        .iter()
        .find(|b| b.get("device_index").and_then(integer).is_none_or(|i| i == 0))
        .or(blocks.first())
        .copied();
    let mut public_v4 = None;
    let mut subnet = None;
    let mut groups = Vec::new();
    if let Some(b) = primary {
        if let Some(v) = b.get("associate_public_ip_address").filter(|v| !v.is_absent() && v.as_str() != Some("")) {
            let setting = match (v.unknown_reason(), v.as_bool(), v.as_str()) {
                (Some(reason), _, _) => Some(Known::from_unknown(unknown(
                    format!("`associate_public_ip_address` of {}", r.address),
                    reason,
                    &v.span,
                ))),
                (None, Some(b), _) => Some(Known::Known(b)),
                (None, None, Some("true")) => Some(Known::Known(true)),
                (None, None, Some("false")) => Some(Known::Known(false)),
                _ => None,
            };
            public_v4 = setting.map(|k| public_setting(r, k, &v.span));
        }
        subnet = nested_ref(r, "network_interfaces", b.get("subnet_id"), &["aws_subnet"]);
        for g in b.get("security_groups").and_then(Value::as_list).unwrap_or_default() {
            if let Some(name) = nested_ref(r, "network_interfaces", Some(g), &["aws_security_group"]) {
                groups.push(name);
            }
        }
        if groups.is_empty() && b.get("security_groups").is_some_and(Value::is_unknown) {
            groups.extend(
                r.refs
                    .get("network_interfaces")
                    .into_iter()
                    .flatten()
                    .filter(|a| type_of(a).as_deref() == Some("aws_security_group"))
                    .cloned(),
            );
        }
    }
    if groups.is_empty() {
        groups = list_refs(r, "vpc_security_group_ids");
    }
    groups.dedup();
    items.network.launch_templates.push(LaunchTemplateItem {
        id: r.address.clone(),
        aliases: aliases_of(r),
        span: r.span.clone(),
        public_v4,
        subnet,
        groups,
    });
}

/// `aws_autoscaling_group`: its instances are one target, with one
/// interface per subnet of `vpc_zone_identifier` (an instance may launch
/// in any), public addresses from its launch template or the subnet's
/// setting; `target_group_arns` registers them with target groups.
fn auto_scaling_group(r: &Resource, items: &mut AwsItems) {
    let subnets = list_refs(r, "vpc_zone_identifier");
    let nics = NicItem::scaling_group(&r.address, &r.address, &r.span, &subnets, |s| s);
    items.network.nics.extend(nics);
    let member = || TargetItem { id: r.address.clone(), port: None, span: r.span.clone() };
    for group in list_refs(r, "target_group_arns") {
        items.network.targets.push(TargetsItem { group, targets: vec![member()], span: r.span.clone() });
    }
    // `load_balancers`: classic load balancers by name.
    for elb in list_refs(r, "load_balancers") {
        items.network.classic_members.push((elb, member()));
    }
}

/// Where an interface's public address comes from.
enum Launch {
    /// The resource says (or its value is unknown).
    Given(Known<Option<PublicAddress>>),
    /// Not set: the subnet's launch setting decides.
    Subnet,
}

fn ipv6(r: &Resource) -> Launch {
    let listed = r.values.get("ipv6_addresses");
    if let Some(v) = listed {
        if let Some(reason) = v.unknown_reason() {
            return Launch::Given(Known::from_unknown(unknown(
                format!("the IPv6 addresses of {}", r.address),
                reason,
                &v.span,
            )));
        }
        if let Some(first) = v.as_list().and_then(|l| l.first()) {
            return Launch::Given(Known::Known(Some(PublicAddress {
                address: first.as_str().map(str::to_string),
                what: "IPv6".into(),
                span: Some(first.span.clone()),
            })));
        }
    }
    match r.values.get("ipv6_address_count") {
        Some(v) if v.is_unknown() => Launch::Given(Known::from_unknown(unknown(
            format!("the IPv6 addresses of {}", r.address),
            v.unknown_reason().unwrap_or_default(),
            &v.span,
        ))),
        Some(v) => match integer(v) {
            Some(n) if n > 0 => Launch::Given(Known::Known(Some(PublicAddress {
                address: None,
                what: "IPv6 (ipv6_address_count)".into(),
                span: Some(v.span.clone()),
            }))),
            Some(_) => Launch::Given(Known::Known(None)),
            None => Launch::Subnet,
        },
        None if listed.is_some_and(|l| l.as_list().is_some()) => Launch::Given(Known::Known(None)),
        None => Launch::Subnet,
    }
}

fn push_nic(r: &Resource, items: &mut AwsItems, v4: Launch, v6: Launch) {
    let mut private: Vec<String> = text(r.values.get("private_ip")).map(str::to_string).into_iter().collect();
    for v in r.values.get("private_ips").and_then(Value::as_list).into_iter().flatten() {
        private.extend(v.as_str().map(str::to_string));
    }
    let (public_v4, v4_by_subnet) = match v4 {
        Launch::Given(k) => (k, false),
        Launch::Subnet => (Known::Known(None), true),
    };
    let (public_v6, v6_by_subnet) = match v6 {
        Launch::Given(k) => (k, false),
        Launch::Subnet => (Known::Known(None), true),
    };
    items.network.nics.push(NicItem {
        host: r.address.clone(),
        id: r.address.clone(),
        span: r.span.clone(),
        subnet: resolve_ref(r, "subnet_id", None),
        private,
        public_v4,
        public_v6,
        device_index: Some(0),
        balancer: None,
        aliases: aliases_of(r),
        v4_by_subnet,
        v6_by_subnet,
    });
}

/// Every subnet a load balancer names: `subnets`, and `subnet_mapping`
/// blocks.
fn subnets(r: &Resource) -> Vec<String> {
    let n = r.values.get("subnets").and_then(Value::as_list).map_or(0, <[Value]>::len);
    let mut out: Vec<String> = (0..n).filter_map(|i| resolve_ref(r, "subnets", Some(i))).collect();
    if n == 0 {
        out.extend(r.refs.get("subnets").into_iter().flatten().filter(|a| is_resource_address(a)).cloned());
    }
    for b in refs::blocks(r.values.get("subnet_mapping")).unwrap_or_default() {
        out.extend(nested_ref(r, "subnet_mapping", b.get("subnet_id"), &["aws_subnet"]));
    }
    out.dedup();
    out
}

/// Security groups of a load balancer, or why they are unknown.
fn groups(r: &Resource, needs: bool) -> Known<Vec<String>> {
    let v = r.values.get("security_groups");
    let n = v.and_then(Value::as_list).map_or(0, <[Value]>::len);
    let mut out: Vec<String> = (0..n).filter_map(|i| resolve_ref(r, "security_groups", Some(i))).collect();
    if n == 0 {
        out.extend(r.refs.get("security_groups").into_iter().flatten().filter(|a| is_resource_address(a)).cloned());
    }
    if out.is_empty() {
        if let Some(reason) = v.and_then(Value::unknown_reason) {
            return Known::from_unknown(unknown(format!("the security groups of {}", r.address), reason, &r.span));
        }
        if needs {
            // "If you don't specify a security group, the default security
            // group for the VPC is used" (ALB and classic ELB in a VPC).
            return Known::from_unknown(unknown(
                format!("the security groups of {}", r.address),
                "none is set, so AWS uses the VPC's default security group",
                &r.span,
            ));
        }
    }
    Known::Known(out)
}

fn scheme(r: &Resource) -> Known<Scheme> {
    match flag(r, "internal") {
        Some(Known::Known(true)) => Known::Known(Scheme::Internal),
        Some(Known::Unknown(u)) => Known::Unknown(u),
        _ => Known::Known(Scheme::InternetFacing),
    }
}

fn load_balancer(r: &Resource, items: &mut AwsItems) {
    let ty = text(r.values.get("load_balancer_type")).unwrap_or("application");
    let kind = match ty {
        "network" => LoadBalancerKind::AwsNetwork,
        "gateway" => LoadBalancerKind::AwsGateway,
        _ => LoadBalancerKind::AwsApplication,
    };
    let dual_stack = text(r.values.get("ip_address_type")).is_some_and(|t| t.starts_with("dualstack"));
    items.network.load_balancers.push(LoadBalancerItem {
        id: r.address.clone(),
        aliases: aliases_of(r),
        kind,
        span: r.span.clone(),
        scheme: scheme(r),
        dual_stack,
        vpc: None,
        subnets: subnets(r),
        groups: groups(r, kind == LoadBalancerKind::AwsApplication),
        classic_listeners: Vec::new(),
        classic_instances: Vec::new(),
    });
}

fn classic(r: &Resource, items: &mut AwsItems) {
    let mut listeners = Vec::new();
    for b in refs::blocks(r.values.get("listener")).unwrap_or_default() {
        let port = |k: &str| b.get(k).and_then(integer).and_then(|p| u16::try_from(p).ok());
        if let (Some(port), Some(instance_port)) = (port("lb_port"), port("instance_port")) {
            listeners.push(ClassicListener {
                port,
                instance_port,
                protocol: text(b.get("lb_protocol")).unwrap_or("TCP").to_ascii_uppercase(),
                span: b.span.clone(),
            });
        }
    }
    let n = r.values.get("instances").and_then(Value::as_list).map_or(0, <[Value]>::len);
    let mut instances: Vec<(String, Span)> =
        (0..n).filter_map(|i| resolve_ref(r, "instances", Some(i)).map(|x| (x, r.span.clone()))).collect();
    if n == 0 {
        instances.extend(
            r.refs
                .get("instances")
                .into_iter()
                .flatten()
                .filter(|a| is_resource_address(a))
                .map(|a| (a.clone(), r.span.clone())),
        );
    }
    items.network.load_balancers.push(LoadBalancerItem {
        id: r.address.clone(),
        aliases: aliases_of(r),
        kind: LoadBalancerKind::AwsClassic,
        span: r.span.clone(),
        scheme: scheme(r),
        dual_stack: false,
        vpc: None,
        subnets: subnets(r),
        groups: groups(r, true),
        classic_listeners: listeners,
        classic_instances: instances,
    });
}

/// A piece of load balancer wiring (a listener's load balancer, a
/// forward's target group, an attachment's group or target) set to a value
/// the input does not resolve: known only after apply, and no
/// `configuration` reference names the resource. Dropping it would make
/// "no load balancer forwards here" look said; the assembly makes the load
/// balancers' paths unknown for it instead.
fn unresolved(r: &Resource, key: &str, items: &mut AwsItems) {
    let Some(v) = r.values.get(key).filter(|v| !v.is_absent()) else { return };
    items.network.unresolved.push(unknown(
        format!("`{key}` of {}", r.address),
        match v.unknown_reason() {
            Some(reason) => format!("{reason}, and the input has no reference that names the resource"),
            None => "it names nothing the input shows".into(),
        },
        &v.span,
    ));
}

/// Target groups a listener's or rule's `forward` actions name; a group
/// the input cannot resolve is recorded as unresolved wiring.
fn forwards(r: &Resource, key: &str, items: &mut AwsItems) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut unresolved = Vec::new();
    for a in refs::blocks(r.values.get(key)).unwrap_or_default() {
        if text(a.get("type")).is_some_and(|t| t != "forward") {
            continue;
        }
        const GROUPS: &[&str] = &["aws_lb_target_group", "aws_alb_target_group"];
        let mut group = |v: Option<&Value>, span: &Span| match nested_ref(r, key, v, GROUPS) {
            Some(g) => out.push((g, span.clone())),
            None => {
                if let Some(v) = v.filter(|v| v.is_unknown()) {
                    unresolved.push(unknown(
                        format!("a target group of {}", r.address),
                        format!(
                            "{}, and the input has no reference that names it",
                            v.unknown_reason().unwrap_or_default()
                        ),
                        &v.span,
                    ));
                }
            }
        };
        if a.get("target_group_arn").is_some_and(|v| !v.is_absent()) {
            group(a.get("target_group_arn"), &a.span);
        }
        for f in refs::blocks(a.get("forward")).unwrap_or_default() {
            for tg in refs::blocks(f.get("target_group")).unwrap_or_default() {
                group(tg.get("arn"), &tg.span);
            }
        }
    }
    items.network.unresolved.extend(unresolved);
    out
}

fn listener(r: &Resource, items: &mut AwsItems) {
    let Some(load_balancer) = resolve_ref(r, "load_balancer_arn", None) else {
        return unresolved(r, "load_balancer_arn", items);
    };
    let port = match r.values.get("port") {
        Some(v) if v.is_unknown() => Known::from_unknown(unknown(
            format!("the port of {}", r.address),
            v.unknown_reason().unwrap_or_default(),
            &v.span,
        )),
        Some(v) => match integer(v).and_then(|p| u16::try_from(p).ok()) {
            Some(p) => Known::Known(p),
            None => return,
        },
        None => return,
    };
    // "Protocol for connections from clients to the load balancer. For
    // Application Load Balancers, … a default of HTTP."
    let protocol = text(r.values.get("protocol")).unwrap_or("HTTP").to_ascii_uppercase();
    let forwards = forwards(r, "default_action", items);
    items.network.listeners.push(ListenerItem {
        load_balancer,
        port,
        protocol,
        span: r.span.clone(),
        forwards,
        // A rule names its listener by the same: the ARN when the plan
        // knows it, else the address.
        arn: Some(text(r.values.get("arn")).unwrap_or(&r.address).to_string()),
    });
}

fn target_group(r: &Resource, items: &mut AwsItems) {
    let port = r.values.get("port").and_then(integer).and_then(|p| u16::try_from(p).ok());
    let preserve_client_ip = r.values.get("preserve_client_ip").map(|v| match (v.unknown_reason(), v.as_bool()) {
        (Some(reason), _) => {
            Known::from_unknown(unknown(format!("`preserve_client_ip` of {}", r.address), reason, &v.span))
        }
        (None, Some(b)) => Known::Known(b),
        (None, None) => {
            Known::from_unknown(unknown(format!("`preserve_client_ip` of {}", r.address), "not a boolean", &v.span))
        }
    });
    items.network.target_groups.push(TargetGroupItem {
        id: r.address.clone(),
        aliases: aliases_of(r),
        span: r.span.clone(),
        port,
        protocol: text(r.values.get("protocol")).unwrap_or("HTTP").to_ascii_uppercase(),
        target_type: text(r.values.get("target_type")).unwrap_or("instance").to_string(),
        vpc: resolve_ref(r, "vpc_id", None),
        preserve_client_ip,
        targets: None,
        load_balancers: Vec::new(),
    });
}
