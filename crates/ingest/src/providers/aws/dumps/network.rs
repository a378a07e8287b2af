//! `aws ec2` and `aws elbv2`/`aws elb` dumps that decide paths: VPCs,
//! subnets, route tables, gateways, Elastic IPs, the public addresses of
//! instances and interfaces, load balancers, listeners, rules, target
//! groups and their registered targets.
//!
//! Field names follow the EC2 and Elastic Load Balancing API references
//! (`Vpc`, `Subnet`, `RouteTable`, `Route`, `InternetGateway`,
//! `NatGateway`, `Address`, `NetworkInterface`, `LoadBalancer`, `Listener`,
//! `Rule`, `TargetGroup`, `TargetHealthDescription`,
//! `LoadBalancerDescription`).

use crate::context::Context;
use crate::error::ErrorKind;
use crate::providers::aws::facts;
use crate::providers::aws::network::{
    AddressItem, AssociationItem, ClassicListener, Destination, GatewayItem, ListenerItem, LoadBalancerItem,
    NetworkItems, NicItem, RouteItem, RouteTableItem, RouteTarget, SubnetItem, TargetGroupItem, TargetItem,
    TargetsItem, VpcItem, ROUTE_TARGET_FIELDS,
};
use portcullis_model::named::public;
use portcullis_model::topology::{Described, GatewayKind, LoadBalancerKind, PublicAddress, Scheme};
use portcullis_model::{AddrSet, Cidr, Known, Span, Unknown};
use portcullis_syntax::json::Node;

/// Which path dump a document is, from its top-level keys.
pub fn kind_of(root: &Node) -> Option<&'static str> {
    const KINDS: &[(&str, &str)] = &[
        ("RouteTables", "aws-route-tables"),
        ("Subnets", "aws-subnets"),
        ("Vpcs", "aws-vpcs"),
        ("InternetGateways", "aws-internet-gateways"),
        ("EgressOnlyInternetGateways", "aws-egress-only-internet-gateways"),
        ("NatGateways", "aws-nat-gateways"),
        ("Addresses", "aws-addresses"),
        ("LoadBalancers", "aws-elbv2-load-balancers"),
        ("Listeners", "aws-elbv2-listeners"),
        ("Rules", "aws-elbv2-rules"),
        ("TargetGroups", "aws-elbv2-target-groups"),
        ("TargetHealthDescriptions", "aws-elbv2-target-health"),
        ("LoadBalancerDescriptions", "aws-elb-load-balancers"),
    ];
    KINDS.iter().find(|(key, _)| root.get(key).is_some_and(|n| n.as_array().is_some())).map(|(_, kind)| *kind)
}

/// Top-level arrays large enough to stream (a 10,000-table account's
/// route tables are tens of megabytes).
pub const STREAMED_KEYS: &[&str] = &["RouteTables", "Subnets"];

/// What a kind of dump says about the input as a whole, even when empty:
/// "no load balancers" is a fact only when the load balancers were listed.
pub fn mark(kind: &str, items: &mut NetworkItems) {
    let d = match kind {
        "aws-route-tables" => Described::RouteTables,
        "aws-elbv2-listeners" => Described::Listeners,
        "aws-elbv2-target-health" => Described::LoadBalancerTargets,
        "aws-elbv2-load-balancers" => {
            items.listed_elbv2 = true;
            return;
        }
        "aws-elb-load-balancers" => {
            items.listed_classic = true;
            return;
        }
        _ => return,
    };
    if !items.described.contains(&d) {
        items.described.push(d);
    }
}

/// Adapts one element of a streamed top-level array; `false` when the key
/// is not a path dump's.
pub fn read_element(ctx: &mut Context, key: &str, n: &Node, items: &mut NetworkItems) -> bool {
    match key {
        "RouteTables" => read_route_table(ctx, n, items),
        "Subnets" => items.subnets.extend(read_subnet(ctx, n)),
        _ => return false,
    }
    true
}

/// Adapts a whole path dump of `kind`.
pub fn read(ctx: &mut Context, root: &Node, kind: &str, items: &mut NetworkItems) {
    let key = match kind {
        "aws-route-tables" => "RouteTables",
        "aws-subnets" => "Subnets",
        "aws-vpcs" => "Vpcs",
        "aws-internet-gateways" => "InternetGateways",
        "aws-egress-only-internet-gateways" => "EgressOnlyInternetGateways",
        "aws-nat-gateways" => "NatGateways",
        "aws-addresses" => "Addresses",
        "aws-elbv2-load-balancers" => "LoadBalancers",
        "aws-elbv2-listeners" => "Listeners",
        "aws-elbv2-rules" => "Rules",
        "aws-elbv2-target-groups" => "TargetGroups",
        "aws-elbv2-target-health" => return read_target_health(ctx, root, items),
        "aws-elb-load-balancers" => "LoadBalancerDescriptions",
        _ => return,
    };
    for n in ctx.array_field(root, key) {
        match key {
            "RouteTables" | "Subnets" => {
                read_element(ctx, key, n, items);
            }
            "Vpcs" => items.vpcs.extend(read_vpc(ctx, n)),
            "InternetGateways" => {
                items.gateways.extend(read_gateway(ctx, n, "InternetGatewayId", GatewayKind::Internet))
            }
            "EgressOnlyInternetGateways" => {
                items.gateways.extend(read_gateway(ctx, n, "EgressOnlyInternetGatewayId", GatewayKind::EgressOnly))
            }
            "NatGateways" => items.gateways.extend(read_nat_gateway(ctx, n)),
            "Addresses" => items.addresses.extend(read_address(ctx, n)),
            "LoadBalancers" => items.load_balancers.extend(read_load_balancer(ctx, n)),
            "Listeners" => items.listeners.extend(read_listener(ctx, n)),
            "Rules" => read_rule(ctx, n, items),
            "TargetGroups" => items.target_groups.extend(read_target_group(ctx, n)),
            "LoadBalancerDescriptions" => items.load_balancers.extend(read_classic(ctx, n)),
            _ => {}
        }
    }
}

/// The value of `key` with its span, or an error naming the element kind
/// when it is missing.
fn required<'n>(ctx: &mut Context, n: &'n Node, key: &str, what: &str) -> Option<&'n str> {
    let v = ctx.str_field(n, key);
    if v.is_none() {
        ctx.error(n.offset, ErrorKind::Invalid, format!("{what} without `{key}`: skipped"));
    }
    v
}

fn span_of(ctx: &Context, n: &Node, key: &str) -> Span {
    ctx.node_span(n.get(key).unwrap_or(n))
}

fn cidr(ctx: &mut Context, n: &Node, key: &str) -> Option<Cidr> {
    let s = ctx.str_field(n, key)?;
    match Cidr::parse(s) {
        Ok(c) => Some(c),
        Err(e) => {
            let off = n.get(key).map_or(n.offset, |v| v.offset);
            ctx.error(off, ErrorKind::Invalid, format!("field `{key}`: {e}"));
            None
        }
    }
}

fn read_vpc(ctx: &mut Context, n: &Node) -> Option<VpcItem> {
    let id = required(ctx, n, "VpcId", "VPC")?.to_string();
    Some(VpcItem { aliases: vec![id.clone()], id, span: span_of(ctx, n, "VpcId") })
}

fn read_subnet(ctx: &mut Context, n: &Node) -> Option<SubnetItem> {
    let id = required(ctx, n, "SubnetId", "subnet")?.to_string();
    let mut cidrs = AddrSet::empty();
    if let Some(c) = cidr(ctx, n, "CidrBlock") {
        cidrs.union_in_place(&c.to_set());
    }
    for a in ctx.array_field(n, "Ipv6CidrBlockAssociationSet") {
        if let Some(c) = cidr(ctx, a, "Ipv6CidrBlock") {
            cidrs.union_in_place(&c.to_set());
        }
    }
    let map_public_ip = Known::Known(ctx.bool_field(n, "MapPublicIpOnLaunch").unwrap_or(false));
    Some(SubnetItem {
        aliases: vec![id.clone()],
        id,
        span: span_of(ctx, n, "SubnetId"),
        vpc: ctx.str_field(n, "VpcId").map(str::to_string),
        cidrs: Known::Known(cidrs),
        map_public_ip,
        assign_ipv6: Known::Known(ctx.bool_field(n, "AssignIpv6AddressOnCreation").unwrap_or(false)),
    })
}

/// The target of a route, from whichever target field it has.
fn route_target(ctx: &mut Context, r: &Node, span: &Span) -> RouteTarget {
    for (key, make) in ROUTE_TARGET_FIELDS {
        if let Some(v) = ctx.str_field(r, key) {
            return make(v.to_string());
        }
    }
    ctx.error(r.offset, ErrorKind::Invalid, "route without a target (no `GatewayId`, `NatGatewayId`, …)");
    RouteTarget::Unknown(Unknown {
        what: "the route's target".into(),
        reason: "no target field".into(),
        span: span.clone(),
    })
}

fn read_route(ctx: &mut Context, r: &Node) -> Option<RouteItem> {
    let anchor = ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"]
        .iter()
        .find_map(|k| r.get(k))
        .unwrap_or(r);
    let span = ctx.node_span(anchor);
    let destination = if r.get("DestinationCidrBlock").is_some() {
        Destination::Block(cidr(ctx, r, "DestinationCidrBlock")?)
    } else if r.get("DestinationIpv6CidrBlock").is_some() {
        Destination::Block(cidr(ctx, r, "DestinationIpv6CidrBlock")?)
    } else if let Some(pl) = ctx.str_field(r, "DestinationPrefixListId") {
        Destination::PrefixList(pl.to_string())
    } else {
        ctx.error(r.offset, ErrorKind::Invalid, "route without a destination: skipped");
        return None;
    };
    let target = route_target(ctx, r, &span);
    let blackhole = ctx.str_field(r, "State").is_some_and(|s| s.eq_ignore_ascii_case("blackhole"));
    let propagated = ctx.str_field(r, "Origin") == Some("EnableVgwRoutePropagation");
    Some(RouteItem { destination, target, blackhole, propagated, span })
}

fn read_route_table(ctx: &mut Context, n: &Node, items: &mut NetworkItems) {
    let Some(id) = required(ctx, n, "RouteTableId", "route table").map(str::to_string) else { return };
    let vpc = ctx.str_field(n, "VpcId").map(str::to_string);
    let mut routes = Vec::new();
    for r in ctx.array_field(n, "Routes") {
        routes.extend(read_route(ctx, r));
    }
    for a in ctx.array_field(n, "Associations") {
        // A disassociated entry decides nothing.
        let state = a.get("AssociationState").and_then(|s| s.get("State")).and_then(Node::as_str);
        if state.is_some_and(|s| s != "associated" && s != "associating") {
            continue;
        }
        if ctx.bool_field(a, "Main") == Some(true) {
            items.associations.push(AssociationItem::Main { table: id.clone(), vpc: vpc.clone() });
        } else if let Some(s) = ctx.str_field(a, "SubnetId") {
            items.associations.push(AssociationItem::Subnet { table: id.clone(), subnet: s.to_string() });
        } else if let Some(g) = ctx.str_field(a, "GatewayId") {
            items.associations.push(AssociationItem::Gateway { table: id.clone(), gateway: g.to_string() });
        }
    }
    let span = span_of(ctx, n, "RouteTableId");
    items.route_tables.push(RouteTableItem { aliases: vec![id.clone()], id, span, vpc, routes });
}

fn read_gateway(ctx: &mut Context, n: &Node, key: &str, kind: GatewayKind) -> Option<GatewayItem> {
    let id = required(ctx, n, key, "gateway")?.to_string();
    let mut vpcs = Vec::new();
    for a in ctx.array_field(n, "Attachments") {
        let state = ctx.str_field(a, "State").unwrap_or("available");
        if matches!(state, "available" | "attached" | "attaching") {
            if let Some(v) = ctx.str_field(a, "VpcId") {
                vpcs.push(v.to_string());
            }
        }
    }
    Some(GatewayItem { aliases: vec![id.clone()], id, kind, span: span_of(ctx, n, key), vpcs: Known::Known(vpcs) })
}

fn read_nat_gateway(ctx: &mut Context, n: &Node) -> Option<GatewayItem> {
    let id = required(ctx, n, "NatGatewayId", "NAT gateway")?.to_string();
    let vpcs = ctx.str_field(n, "VpcId").map(|v| vec![v.to_string()]).unwrap_or_default();
    Some(GatewayItem {
        aliases: vec![id.clone()],
        id,
        kind: GatewayKind::Nat,
        span: span_of(ctx, n, "NatGatewayId"),
        vpcs: Known::Known(vpcs),
    })
}

fn read_address(ctx: &mut Context, n: &Node) -> Option<AddressItem> {
    let public_ip = ctx.str_field(n, "PublicIp").map(str::to_string);
    let allocation = ctx.str_field(n, "AllocationId").map(str::to_string).or_else(|| public_ip.clone())?;
    Some(AddressItem {
        aliases: vec![allocation.clone()],
        span: span_of(ctx, n, "PublicIp"),
        public_ip,
        allocation,
        interface: ctx.str_field(n, "NetworkInterfaceId").map(str::to_string),
        instance: ctx.str_field(n, "InstanceId").map(str::to_string),
    })
}

/// The public IPv4 address an `Association` object gives: an Elastic IP
/// when someone other than Amazon owns it.
fn association(ctx: &mut Context, n: &Node) -> Known<Option<PublicAddress>> {
    let Some(a) = n.get("Association") else { return Known::Known(None) };
    let Some(ip) = ctx.str_field(a, "PublicIp") else { return Known::Known(None) };
    let what = match (ctx.str_field(a, "IpOwnerId"), ctx.str_field(a, "AllocationId")) {
        (_, Some(alloc)) => format!("Elastic IP {alloc}"),
        (Some(owner), None) if owner != "amazon" => "Elastic IP".to_string(),
        _ => "public IPv4".to_string(),
    };
    Known::Known(Some(PublicAddress { address: Some(ip.to_string()), what, span: Some(span_of(ctx, a, "PublicIp")) }))
}

/// An IPv6 address the internet can reach, from `Ipv6Addresses`.
fn ipv6(ctx: &mut Context, n: &Node) -> Known<Option<PublicAddress>> {
    for a in ctx.array_field(n, "Ipv6Addresses") {
        let Some(addr) = ctx.str_field(a, "Ipv6Address") else { continue };
        let Ok(c) = Cidr::parse(addr) else { continue };
        if c.to_set().intersects(public()) {
            let span = span_of(ctx, a, "Ipv6Address");
            return Known::Known(Some(PublicAddress {
                address: Some(addr.to_string()),
                what: "IPv6".into(),
                span: Some(span),
            }));
        }
    }
    Known::Known(None)
}

fn private_addresses(ctx: &mut Context, n: &Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in ctx.array_field(n, "PrivateIpAddresses") {
        if let Some(a) = ctx.str_field(p, "PrivateIpAddress") {
            out.push(a.to_string());
        }
    }
    if out.is_empty() {
        out.extend(ctx.str_field(n, "PrivateIpAddress").map(str::to_string));
    }
    out
}

/// The interface a `describe-network-interfaces` element describes.
pub fn nic_of_interface(ctx: &mut Context, n: &Node) -> Option<NicItem> {
    let id = ctx.str_field(n, "NetworkInterfaceId")?.to_string();
    let description = ctx.str_field(n, "Description").unwrap_or("");
    let balancer = facts::balancer_of_interface(description, ctx.str_field(n, "RequesterId"));
    let device_index = n.get("Attachment").and_then(|a| a.get("DeviceIndex")).and_then(Node::as_u64);
    Some(NicItem {
        host: id.clone(),
        span: ctx.node_span(n),
        subnet: ctx.str_field(n, "SubnetId").map(str::to_string),
        private: private_addresses(ctx, n),
        public_v4: association(ctx, n),
        public_v6: ipv6(ctx, n),
        device_index: device_index.and_then(|d| u32::try_from(d).ok()),
        balancer,
        aliases: Vec::new(),
        id,
        v4_by_subnet: false,
        v6_by_subnet: false,
    })
}

/// The interfaces of a `describe-instances` instance.
pub fn nics_of_instance(ctx: &mut Context, i: &Node) -> Vec<NicItem> {
    let Some(host) = ctx.str_field(i, "InstanceId").map(str::to_string) else { return Vec::new() };
    let mut out = Vec::new();
    for n in ctx.array_field(i, "NetworkInterfaces") {
        let Some(mut nic) = nic_of_interface(ctx, n) else { continue };
        nic.host = host.clone();
        nic.subnet = nic.subnet.or_else(|| i.get("SubnetId").and_then(Node::as_str).map(str::to_string));
        out.push(nic);
    }
    if out.is_empty() {
        // No interface list: the instance's own fields are its primary one.
        let public_v4 = match ctx.str_field(i, "PublicIpAddress") {
            Some(ip) => Known::Known(Some(PublicAddress {
                address: Some(ip.to_string()),
                what: "public IPv4".into(),
                span: Some(span_of(ctx, i, "PublicIpAddress")),
            })),
            None => Known::Known(None),
        };
        out.push(NicItem {
            host: host.clone(),
            id: host,
            span: ctx.node_span(i),
            subnet: ctx.str_field(i, "SubnetId").map(str::to_string),
            private: ctx.str_field(i, "PrivateIpAddress").map(str::to_string).into_iter().collect(),
            public_v4,
            public_v6: ipv6(ctx, i),
            device_index: Some(0),
            balancer: None,
            aliases: Vec::new(),
            v4_by_subnet: false,
            v6_by_subnet: false,
        });
    }
    out
}

/// An ELBv2 load balancer's names: its ARN, its name, and the part of the
/// ARN its interfaces' descriptions use (`app/NAME/ID`).
fn elbv2_aliases(arn: &str, name: Option<&str>) -> Vec<String> {
    let mut out = vec![arn.to_string()];
    out.extend(name.map(str::to_string));
    if let Some((_, tail)) = arn.split_once(":loadbalancer/") {
        out.push(tail.to_string());
    }
    out
}

fn scheme(ctx: &mut Context, n: &Node, key: &str) -> Known<Scheme> {
    match ctx.str_field(n, key) {
        Some("internal") => Known::Known(Scheme::Internal),
        Some("internet-facing") => Known::Known(Scheme::InternetFacing),
        other => Known::from_unknown(Unknown {
            what: format!("`{key}`"),
            reason: match other {
                Some(s) => format!("`{s}` is neither internet-facing nor internal"),
                None => "the field is missing".into(),
            },
            span: span_of(ctx, n, key),
        }),
    }
}

fn read_load_balancer(ctx: &mut Context, n: &Node) -> Option<LoadBalancerItem> {
    let arn = required(ctx, n, "LoadBalancerArn", "load balancer")?.to_string();
    let name = ctx.str_field(n, "LoadBalancerName").map(str::to_string);
    let kind = match ctx.str_field(n, "Type") {
        Some("network") => LoadBalancerKind::AwsNetwork,
        Some("gateway") => LoadBalancerKind::AwsGateway,
        _ => LoadBalancerKind::AwsApplication,
    };
    let mut subnets = Vec::new();
    for z in ctx.array_field(n, "AvailabilityZones") {
        if let Some(s) = ctx.str_field(z, "SubnetId") {
            subnets.push(s.to_string());
        }
    }
    let groups = match n.get("SecurityGroups") {
        None => Known::Known(Vec::new()),
        Some(_) => Known::Known(ctx.str_list(n, "SecurityGroups").into_iter().map(|(g, _)| g.to_string()).collect()),
    };
    let dual_stack = ctx.str_field(n, "IpAddressType").is_some_and(|t| t.starts_with("dualstack"));
    Some(LoadBalancerItem {
        id: name.clone().unwrap_or_else(|| arn.clone()),
        aliases: elbv2_aliases(&arn, name.as_deref()),
        kind,
        span: span_of(ctx, n, "LoadBalancerName"),
        scheme: scheme(ctx, n, "Scheme"),
        dual_stack,
        vpc: ctx.str_field(n, "VpcId").map(str::to_string),
        subnets,
        groups,
        classic_listeners: Vec::new(),
        classic_instances: Vec::new(),
    })
}

/// The target groups a list of actions forwards to.
fn forwards(ctx: &mut Context, n: &Node, key: &str) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for a in ctx.array_field(n, key) {
        if !ctx.str_field(a, "Type").is_some_and(|t| t.eq_ignore_ascii_case("forward")) {
            continue;
        }
        if let Some(g) = ctx.str_field(a, "TargetGroupArn") {
            out.push((g.to_string(), span_of(ctx, a, "TargetGroupArn")));
        }
        if let Some(fc) = a.get("ForwardConfig") {
            for t in ctx.array_field(fc, "TargetGroups") {
                if let Some(g) = ctx.str_field(t, "TargetGroupArn") {
                    if !out.iter().any(|(x, _)| x == g) {
                        out.push((g.to_string(), span_of(ctx, t, "TargetGroupArn")));
                    }
                }
            }
        }
    }
    out
}

fn read_listener(ctx: &mut Context, n: &Node) -> Option<ListenerItem> {
    let lb = required(ctx, n, "LoadBalancerArn", "listener")?.to_string();
    let port = match ctx.int_field(n, "Port") {
        Ok(Some(p)) => match u16::try_from(p) {
            Ok(p) => Known::Known(p),
            Err(_) => {
                ctx.error(
                    n.get("Port").map_or(n.offset, |v| v.offset),
                    ErrorKind::Invalid,
                    format!("listener port {p} is outside 0-65535"),
                );
                return None;
            }
        },
        // A Gateway Load Balancer's listener has no port: not a path here.
        Ok(None) | Err(_) => return None,
    };
    Some(ListenerItem {
        load_balancer: lb,
        port,
        protocol: ctx.str_field(n, "Protocol").unwrap_or("TCP").to_string(),
        span: span_of(ctx, n, "Port"),
        forwards: forwards(ctx, n, "DefaultActions"),
        arn: ctx.str_field(n, "ListenerArn").map(str::to_string),
    })
}

/// A listener rule (`describe-rules`): its forwards join its listener's.
fn read_rule(ctx: &mut Context, n: &Node, items: &mut NetworkItems) {
    let Some(arn) = ctx.str_field(n, "RuleArn") else { return };
    // arn:…:listener-rule/app/NAME/LB/LISTENER/RULE names its listener.
    let listener = arn.replacen(":listener-rule/", ":listener/", 1);
    let listener = listener.rsplit_once('/').map_or(listener.as_str(), |(l, _)| l).to_string();
    let found = forwards(ctx, n, "Actions");
    items.rules.push((listener, found));
}

fn read_target_group(ctx: &mut Context, n: &Node) -> Option<TargetGroupItem> {
    let arn = required(ctx, n, "TargetGroupArn", "target group")?.to_string();
    let name = ctx.str_field(n, "TargetGroupName").map(str::to_string);
    let port = ctx.int_field(n, "Port").ok().flatten().and_then(|p| u16::try_from(p).ok());
    let mut aliases = vec![arn.clone()];
    aliases.extend(name.clone());
    let load_balancers = ctx.str_list(n, "LoadBalancerArns").into_iter().map(|(s, _)| s.to_string()).collect();
    Some(TargetGroupItem {
        id: name.unwrap_or_else(|| arn.clone()),
        aliases,
        span: span_of(ctx, n, "TargetGroupName"),
        port,
        protocol: ctx.str_field(n, "Protocol").unwrap_or("TCP").to_string(),
        target_type: ctx.str_field(n, "TargetType").unwrap_or("instance").to_string(),
        vpc: ctx.str_field(n, "VpcId").map(str::to_string),
        preserve_client_ip: None,
        targets: None,
        load_balancers,
    })
}

/// `describe-target-health` names no group: the file must carry
/// `TargetGroupArn` (or the group's name as `TargetGroupName`), or be
/// named after the group (`NAME.json` or `target-health-NAME.json`).
fn read_target_health(ctx: &mut Context, root: &Node, items: &mut NetworkItems) {
    let group = ctx
        .str_field(root, "TargetGroupArn")
        .or_else(|| ctx.str_field(root, "TargetGroupName"))
        .map(str::to_string)
        .or_else(|| {
            let stem = ctx.file.rsplit('/').next().unwrap_or("").trim_end_matches(".json").to_string();
            let stem = stem.strip_prefix("target-health-").map(str::to_string).unwrap_or(stem);
            (!stem.is_empty()).then_some(stem)
        });
    let Some(group) = group else {
        ctx.error(
            root.offset,
            ErrorKind::Invalid,
            "target health without a target group: add `\"TargetGroupArn\"` or name the file after the group",
        );
        return;
    };
    let mut targets = Vec::new();
    for d in ctx.array_field(root, "TargetHealthDescriptions") {
        let Some(t) = d.get("Target") else { continue };
        let Some(id) = ctx.str_field(t, "Id") else { continue };
        let port = ctx.int_field(t, "Port").ok().flatten().and_then(|p| u16::try_from(p).ok());
        targets.push(TargetItem { id: id.to_string(), port, span: span_of(ctx, t, "Id") });
    }
    items.targets.push(TargetsItem { group, targets, span: ctx.node_span(root) });
}

fn read_classic(ctx: &mut Context, n: &Node) -> Option<LoadBalancerItem> {
    let name = required(ctx, n, "LoadBalancerName", "classic load balancer")?.to_string();
    let mut listeners = Vec::new();
    for d in ctx.array_field(n, "ListenerDescriptions") {
        let Some(l) = d.get("Listener") else { continue };
        let port = ctx.int_field(l, "LoadBalancerPort").ok().flatten().and_then(|p| u16::try_from(p).ok());
        let instance_port = ctx.int_field(l, "InstancePort").ok().flatten().and_then(|p| u16::try_from(p).ok());
        if let (Some(port), Some(instance_port)) = (port, instance_port) {
            listeners.push(ClassicListener {
                port,
                instance_port,
                protocol: ctx.str_field(l, "Protocol").unwrap_or("TCP").to_ascii_uppercase(),
                span: span_of(ctx, l, "LoadBalancerPort"),
            });
        }
    }
    let mut instances = Vec::new();
    for i in ctx.array_field(n, "Instances") {
        if let Some(id) = ctx.str_field(i, "InstanceId") {
            instances.push((id.to_string(), span_of(ctx, i, "InstanceId")));
        }
    }
    let groups = ctx.str_list(n, "SecurityGroups").into_iter().map(|(g, _)| g.to_string()).collect();
    Some(LoadBalancerItem {
        aliases: vec![name.clone()],
        id: name,
        kind: LoadBalancerKind::AwsClassic,
        span: span_of(ctx, n, "LoadBalancerName"),
        scheme: scheme(ctx, n, "Scheme"),
        dual_stack: false,
        vpc: ctx.str_field(n, "VPCId").map(str::to_string),
        subnets: ctx.str_list(n, "Subnets").into_iter().map(|(s, _)| s.to_string()).collect(),
        groups: Known::Known(groups),
        classic_listeners: listeners,
        classic_instances: instances,
    })
}
