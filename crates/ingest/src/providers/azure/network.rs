//! Azure paths: public IP addresses, network interfaces' IP configurations,
//! load balancers (frontends, load-balancing rules, inbound NAT rules,
//! backend pools) and route tables, as every Azure input describes them,
//! and their assembly onto the model's topology
//! (`portcullis_model::topology`).
//!
//! Readers fill [`NetworkItems`] with references written as the input
//! writes them: an ARM id (`az` output and the REST documents `scan
//! --azure` saves), a template's `resourceId(…)`, a Bicep symbolic name, a
//! Terraform address. [`ref_keys`] turns each into the keys [`assemble`]
//! resolves across files; provider facts are in [`super::facts`]
//! (the `path` section) with their links.
//!
//! ARM-shaped objects (`az` output with flattened properties, REST and
//! template objects under `properties`, in either key casing: the CLI
//! prints `privateIpAddress`, the REST API `privateIPAddress`) are read
//! here once ([`read_arm_object`]); Terraform's arguments are read in
//! [`super::terraform`].

use super::facts;
use portcullis_model::topology::{
    AddressFamilies, Attachment, Described, Forward, Interface, InterfaceId, Listener, LoadBalancer, LoadBalancerKind,
    Member, Network, NetworkId, NextHop, Provider, PublicAddress, Route, RouteTable, RouteTableId, Scheme, SeenSource,
    Subnet, SubnetId, TargetGroup, TargetGroupId,
};
use portcullis_model::{AddrSet, Cidr, Estate, Known, Origin, PortSet, Protocol, Span, Unknown};
use portcullis_syntax::{Kind, Value};
use std::collections::BTreeMap;

/// A public IP address or load balancer SKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sku {
    Basic,
    Standard,
}

impl Sku {
    pub fn parse(s: &str) -> Option<Sku> {
        if s.eq_ignore_ascii_case("basic") {
            Some(Sku::Basic)
        } else if s.eq_ignore_ascii_case("standard") || s.eq_ignore_ascii_case("gateway") {
            Some(Sku::Standard)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sku::Basic => "Basic",
            Sku::Standard => "Standard",
        }
    }
}

/// A public IP address resource.
#[derive(Clone, Debug)]
pub struct PublicIpItem {
    pub name: String,
    pub keys: Vec<String>,
    pub span: Span,
    /// The address, once allocated (`ipAddress`).
    pub address: Option<String>,
    /// `None` when the input does not say (see [`facts::default_public_ip_sku`]).
    pub sku: Option<Sku>,
    pub v6: bool,
}

/// One IP configuration of a network interface.
#[derive(Clone, Debug)]
pub struct IpConfigItem {
    pub name: String,
    pub span: Span,
    pub subnet: Vec<String>,
    pub private: Vec<String>,
    /// The public IP it names: `Known(None)` when it names none.
    pub public_ip: Known<Option<Vec<String>>>,
}

/// The IP configurations of one network interface.
#[derive(Clone, Debug)]
pub struct NicNetItem {
    /// The interface's first alias (as [`super::Nic::aliases`]): joins it to
    /// its target.
    pub nic: String,
    /// Keys load balancer members name it by.
    pub keys: Vec<String>,
    pub configs: Vec<IpConfigItem>,
}

/// A load balancer frontend IP configuration.
#[derive(Clone, Debug)]
pub struct FrontendItem {
    pub keys: Vec<String>,
    pub name: String,
    /// The public IP it uses; empty for a private frontend.
    pub public_ip: Vec<String>,
    /// Whether it is public is unknown (an unresolved value).
    pub unknown: Option<Unknown>,
}

/// A load-balancing rule or an inbound NAT rule.
#[derive(Clone, Debug)]
pub struct RuleItem {
    /// The load balancer it belongs to (Terraform: `loadbalancer_id`).
    pub load_balancer: Vec<String>,
    pub keys: Vec<String>,
    pub name: String,
    pub span: Span,
    pub nat: bool,
    pub frontend: Vec<String>,
    /// Backend pools (a load-balancing rule, a NAT rule for a pool).
    pub pools: Vec<Vec<String>>,
    /// `Tcp`, `Udp`, `All`.
    pub protocol: String,
    /// 0 for HA ports (every port).
    pub frontend_ports: Known<(u16, u16)>,
    pub backend_port: Known<u16>,
}

/// A backend pool.
#[derive(Clone, Debug)]
pub struct PoolItem {
    pub load_balancer: Vec<String>,
    pub keys: Vec<String>,
    pub name: String,
    pub span: Span,
}

/// What a pool or NAT rule member names.
#[derive(Clone, Debug)]
pub enum MemberRef {
    /// A network interface (by its keys).
    Nic(Vec<String>),
    /// A private address (pool addresses by IP).
    Address(String),
}

/// A load balancer.
#[derive(Clone, Debug)]
pub struct LoadBalancerItem {
    pub name: String,
    pub keys: Vec<String>,
    pub span: Span,
    pub sku: Option<Sku>,
    pub frontends: Vec<FrontendItem>,
}

/// A route.
#[derive(Clone, Debug)]
pub struct RouteItem {
    pub name: String,
    pub prefix: Known<Cidr>,
    pub prefix_label: String,
    /// `Internet`, `VnetLocal`, `VirtualAppliance`, `VirtualNetworkGateway`, `None`.
    pub next_hop: Known<String>,
    pub next_hop_ip: Option<String>,
    pub span: Span,
}

/// A route table.
#[derive(Clone, Debug)]
pub struct RouteTableItem {
    pub name: String,
    pub keys: Vec<String>,
    pub span: Span,
    pub routes: Vec<RouteItem>,
}

/// A subnet described by the input (a `virtualNetworks` subnet, an
/// `azurerm_subnet`).
#[derive(Clone, Debug)]
pub struct SubnetItem {
    pub keys: Vec<String>,
    pub name: String,
    pub network: Option<String>,
    pub span: Span,
    pub cidrs: Option<AddrSet>,
}

/// Everything about Azure paths one input contributed.
#[derive(Clone, Debug, Default)]
pub struct NetworkItems {
    pub public_ips: Vec<PublicIpItem>,
    pub nics: Vec<NicNetItem>,
    pub load_balancers: Vec<LoadBalancerItem>,
    pub rules: Vec<RuleItem>,
    pub pools: Vec<PoolItem>,
    /// Pool members: pool keys, member, where it is written.
    pub pool_members: Vec<(Vec<String>, MemberRef, Span)>,
    /// NAT rule members: rule keys, interface keys.
    pub nat_members: Vec<(Vec<String>, MemberRef, Span)>,
    pub route_tables: Vec<RouteTableItem>,
    /// Routes written apart from their table (`azurerm_route`).
    pub routes: Vec<(Vec<String>, RouteItem)>,
    /// Route table associations: subnet keys, table keys.
    pub associations: Vec<(Vec<String>, Vec<String>)>,
    pub subnets: Vec<SubnetItem>,
    /// Public IPs, load balancers and route tables a template deploys only
    /// under a condition it cannot decide (ARM `condition`, Bicep `if`):
    /// their keys and why. What depends on them is unknown.
    pub conditional: Vec<(Vec<String>, Unknown)>,
    /// Keys of path resources a template does not deploy (a false
    /// condition): a reference to one names nothing.
    pub not_deployed: Vec<Vec<String>>,
    /// Kinds of input present, even when they listed nothing.
    pub described: Vec<Described>,
}

impl NetworkItems {
    pub fn extend(&mut self, o: NetworkItems) {
        self.public_ips.extend(o.public_ips);
        self.nics.extend(o.nics);
        self.load_balancers.extend(o.load_balancers);
        self.rules.extend(o.rules);
        self.pools.extend(o.pools);
        self.pool_members.extend(o.pool_members);
        self.nat_members.extend(o.nat_members);
        self.route_tables.extend(o.route_tables);
        self.routes.extend(o.routes);
        self.associations.extend(o.associations);
        self.subnets.extend(o.subnets);
        self.conditional.extend(o.conditional);
        self.not_deployed.extend(o.not_deployed);
        for d in o.described {
            self.mark(d);
        }
    }

    pub fn mark(&mut self, d: Described) {
        if !self.described.contains(&d) {
            self.described.push(d);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.public_ips.is_empty()
            && self.nics.is_empty()
            && self.load_balancers.is_empty()
            && self.rules.is_empty()
            && self.pools.is_empty()
            && self.route_tables.is_empty()
            && self.routes.is_empty()
            && self.associations.is_empty()
            && self.subnets.is_empty()
            && self.described.is_empty()
    }
}

/// The keys a reference goes by, best first. An ARM id
/// (`/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/p`)
/// gives `rg/loadbalancers/lb/backendaddresspools/p` and
/// `loadbalancers/lb/backendaddresspools/p` (templates' `resourceId` names
/// no resource group); a template's `resourceId(…)` stand-in the second;
/// a Bicep `{sym.id}` stand-in `bicep:sym`; anything else itself, lower-cased.
pub fn ref_keys(text: &str) -> Vec<String> {
    let t = text.trim().to_ascii_lowercase();
    const NET: &str = "/providers/microsoft.network/";
    if let Some(i) = t.find(NET) {
        let suffix = t[i + NET.len()..].trim_end_matches('/').to_string();
        let mut out = Vec::new();
        if let Some(rg) = super::dumps::resource_group_of(&t) {
            out.push(format!("{rg}/{suffix}"));
        }
        out.push(suffix);
        return out;
    }
    if let Some(rest) = t.strip_prefix("{resourceid:microsoft.network/") {
        // `concat(resourceId(…lb), '/backendAddressPools/p')` keeps the
        // text after the stand-in's closing brace.
        return vec![rest.replacen('}', "", 1)];
    }
    if let Some(rest) = t.strip_prefix('{') {
        if let Some((sym, after)) = rest.split_once(".id}") {
            if !sym.contains(['(', ' ', '.']) {
                return vec![format!("bicep:{sym}{after}")];
            }
        }
    }
    vec![t]
}

/// The keys of a resource of ARM type `ty` (`loadBalancers`) named `name`,
/// with `id` when the input has it: what [`ref_keys`] gives for references
/// to it.
pub fn own_keys(id: Option<&str>, ty: &str, name: &str) -> Vec<String> {
    let mut out = id.map(ref_keys).unwrap_or_default();
    let k = format!("{}/{}", ty.to_ascii_lowercase(), name.to_ascii_lowercase());
    if !out.contains(&k) {
        out.push(k);
    }
    out
}

/// Keys of a child (`backendAddressPools/p`) of a resource with `parent` keys.
pub fn child_keys(id: Option<&str>, parent: &[String], collection: &str, name: &str) -> Vec<String> {
    let mut out = id.map(ref_keys).unwrap_or_default();
    for p in parent {
        let k = format!("{p}/{}/{}", collection.to_ascii_lowercase(), name.to_ascii_lowercase());
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The interface part of an IP configuration's keys
/// (`…/networkinterfaces/nic/ipconfigurations/c` → `…/networkinterfaces/nic`).
pub fn nic_of_config(keys: &[String]) -> Vec<String> {
    keys.iter().map(|k| k.split("/ipconfigurations/").next().unwrap_or(k).to_string()).collect()
}

// ---------------------------------------------------------------------------
// ARM-shaped objects (az output, REST documents, templates)
// ---------------------------------------------------------------------------

/// A property of an ARM object, flattened (`az`) or under `properties`, in
/// any key casing.
pub fn prop<'v>(obj: &'v Value, k: &str) -> Option<&'v Value> {
    obj.get_any_case(k).or_else(|| obj.get_any_case("properties").and_then(|p| p.get_any_case(k)))
}

fn list<'v>(obj: &'v Value, k: &str) -> &'v [Value] {
    prop(obj, k).and_then(Value::as_list).unwrap_or_default()
}

/// The keys of a reference value: `{"id": …}` or the id itself (text, or
/// an unknown whose stand-in names it).
pub fn reference(v: &Value) -> Option<Vec<String>> {
    let id = match &v.kind {
        Kind::Map(_) => v.get_any_case("id")?,
        _ => v,
    };
    match &id.kind {
        Kind::String(s) if !s.is_empty() => Some(ref_keys(s)),
        Kind::Unknown { stand_in: Some(s), .. } => Some(ref_keys(s)),
        _ => None,
    }
}

fn text_of(obj: &Value, k: &str) -> Option<String> {
    prop(obj, k).and_then(Value::text).filter(|s| !s.is_empty())
}

fn port_of(obj: &Value, k: &str, what: &str) -> Known<u16> {
    match prop(obj, k) {
        Some(v) => match (&v.kind, v.as_text().and_then(|t| t.parse::<u16>().ok())) {
            (_, Some(p)) => Known::Known(p),
            (Kind::Unknown { reason, .. }, _) => {
                Known::from_unknown(Unknown { what: what.to_string(), reason: reason.clone(), span: v.span.clone() })
            }
            _ => Known::from_unknown(Unknown {
                what: what.to_string(),
                reason: format!("`{k}` is not a port number"),
                span: v.span.clone(),
            }),
        },
        None => Known::from_unknown(Unknown {
            what: what.to_string(),
            reason: format!("`{k}` is not in the input"),
            span: obj.span.clone(),
        }),
    }
}

/// The SKU of an object: `sku.name` (REST, templates) or `sku` (some CLI
/// output prints it as text).
fn sku_of(obj: &Value) -> Option<Sku> {
    let s = obj.get_any_case("sku")?;
    match s.as_str() {
        Some(t) => Sku::parse(t),
        None => s.get_any_case("name").and_then(Value::as_str).and_then(Sku::parse),
    }
}

/// Which Azure network resource an ARM type names, lower-cased.
pub fn arm_kind(ty: &str) -> Option<&'static str> {
    match ty.to_ascii_lowercase().as_str() {
        "microsoft.network/publicipaddresses" => Some("publicIPAddresses"),
        "microsoft.network/networkinterfaces" => Some("networkInterfaces"),
        "microsoft.network/loadbalancers" => Some("loadBalancers"),
        "microsoft.network/routetables" => Some("routeTables"),
        "microsoft.network/virtualnetworks" => Some("virtualNetworks"),
        _ => None,
    }
}

/// Reads one ARM-shaped object of `kind` ([`arm_kind`]) named `name`
/// (with its ARM `id` when the input has one, `extra` keys it is also
/// referred to by: a Bicep symbolic name). `nic` is the interface's first
/// alias, for interfaces.
pub fn read_arm_object(
    items: &mut NetworkItems,
    kind: &str,
    obj: &Value,
    name: &str,
    id: Option<&str>,
    extra: &[String],
    nic: Option<&str>,
) {
    let mut keys = own_keys(id, kind, name);
    for e in extra {
        if !keys.contains(e) {
            keys.push(e.clone());
        }
    }
    match kind {
        "publicIPAddresses" => {
            let v6 = text_of(obj, "publicIPAddressVersion").is_some_and(|v| v.eq_ignore_ascii_case("ipv6"));
            items.public_ips.push(PublicIpItem {
                name: name.to_string(),
                keys,
                span: obj.span.clone(),
                address: text_of(obj, "ipAddress"),
                sku: sku_of(obj),
                v6,
            });
        }
        "networkInterfaces" => {
            let mut configs = Vec::new();
            for c in list(obj, "ipConfigurations") {
                let cname = text_of(c, "name").unwrap_or_default();
                let ckeys = child_keys(text_of(c, "id").as_deref(), &keys, "ipConfigurations", &cname);
                let public_ip = match prop(c, "publicIPAddress") {
                    None => Known::Known(None),
                    Some(v) if v.is_null() => Known::Known(None),
                    Some(v) => match reference(v) {
                        Some(r) => Known::Known(Some(r)),
                        None => Known::from_unknown(Unknown {
                            what: format!("the public IP of {name}"),
                            reason: v.unknown_reason().unwrap_or("the reference cannot be read").to_string(),
                            span: v.span.clone(),
                        }),
                    },
                };
                let mut subnet = prop(c, "subnet").and_then(reference).unwrap_or_default();
                subnet.dedup();
                for p in list(c, "loadBalancerBackendAddressPools") {
                    if let Some(r) = reference(p) {
                        items.pool_members.push((r, MemberRef::Nic(ckeys.clone()), p.span.clone()));
                    }
                }
                for p in list(c, "loadBalancerInboundNatRules") {
                    if let Some(r) = reference(p) {
                        items.nat_members.push((r, MemberRef::Nic(ckeys.clone()), p.span.clone()));
                    }
                }
                configs.push(IpConfigItem {
                    name: cname,
                    span: c.span.clone(),
                    subnet,
                    private: text_of(c, "privateIPAddress").into_iter().collect(),
                    public_ip,
                });
            }
            items.nics.push(NicNetItem { nic: nic.unwrap_or(&keys[0]).to_string(), keys, configs });
        }
        "loadBalancers" => read_load_balancer(items, obj, name, keys),
        "routeTables" => {
            let mut routes = Vec::new();
            for r in list(obj, "routes") {
                routes.push(route_of(r));
            }
            for s in list(obj, "subnets") {
                if let Some(r) = reference(s) {
                    items.associations.push((r, keys.clone()));
                }
            }
            items.route_tables.push(RouteTableItem { name: name.to_string(), keys, span: obj.span.clone(), routes });
        }
        "virtualNetworks" => {
            for s in list(obj, "subnets") {
                let sname = text_of(s, "name").unwrap_or_default();
                let skeys = child_keys(text_of(s, "id").as_deref(), &keys, "subnets", &sname);
                if let Some(rt) = prop(s, "routeTable").and_then(reference) {
                    items.associations.push((skeys.clone(), rt));
                }
                let mut cidrs = AddrSet::empty();
                let mut any = false;
                let prefixes = prop(s, "addressPrefix").into_iter().chain(list(s, "addressPrefixes"));
                for p in prefixes {
                    if let Some(c) = p.as_str().and_then(|t| Cidr::parse(t).ok()) {
                        cidrs.union_in_place(&c.to_set());
                        any = true;
                    }
                }
                items.subnets.push(SubnetItem {
                    keys: skeys,
                    name: sname,
                    network: Some(name.to_string()),
                    span: s.span.clone(),
                    cidrs: any.then_some(cidrs),
                });
            }
        }
        _ => {}
    }
}

/// A route object (`routes[]`): `addressPrefix`, `nextHopType`,
/// `nextHopIpAddress`.
pub fn route_of(r: &Value) -> RouteItem {
    let name = text_of(r, "name").unwrap_or_default();
    let (prefix, prefix_label) = match prop(r, "addressPrefix") {
        Some(v) => match (&v.kind, v.as_str()) {
            (_, Some(t)) => match Cidr::parse(t) {
                Ok(c) => (Known::Known(c), t.to_string()),
                // A service tag (`AzureCloud`): its ranges are not in the input.
                Err(_) => (
                    Known::from_unknown(Unknown {
                        what: format!("the destination {t} of route {name}"),
                        reason: "a service tag's ranges are not evaluated in routes".into(),
                        span: v.span.clone(),
                    }),
                    t.to_string(),
                ),
            },
            (Kind::Unknown { reason, .. }, _) => (
                Known::from_unknown(Unknown {
                    what: format!("the destination of route {name}"),
                    reason: reason.clone(),
                    span: v.span.clone(),
                }),
                "(unknown)".into(),
            ),
            _ => (
                Known::from_unknown(Unknown {
                    what: format!("the destination of route {name}"),
                    reason: "`addressPrefix` is not text".into(),
                    span: v.span.clone(),
                }),
                "(unknown)".into(),
            ),
        },
        None => (
            Known::from_unknown(Unknown {
                what: format!("the destination of route {name}"),
                reason: "`addressPrefix` is not in the input".into(),
                span: r.span.clone(),
            }),
            "(unknown)".into(),
        ),
    };
    let next_hop = match prop(r, "nextHopType") {
        Some(v) => match (&v.kind, v.as_str()) {
            (_, Some(t)) => Known::Known(t.to_string()),
            (Kind::Unknown { reason, .. }, _) => Known::from_unknown(Unknown {
                what: format!("the next hop of route {name}"),
                reason: reason.clone(),
                span: v.span.clone(),
            }),
            _ => Known::from_unknown(Unknown {
                what: format!("the next hop of route {name}"),
                reason: "`nextHopType` is not text".into(),
                span: v.span.clone(),
            }),
        },
        None => Known::from_unknown(Unknown {
            what: format!("the next hop of route {name}"),
            reason: "`nextHopType` is not in the input".into(),
            span: r.span.clone(),
        }),
    };
    RouteItem {
        name,
        prefix,
        prefix_label,
        next_hop,
        next_hop_ip: text_of(r, "nextHopIpAddress"),
        span: r.span.clone(),
    }
}

fn read_load_balancer(items: &mut NetworkItems, obj: &Value, name: &str, keys: Vec<String>) {
    let mut frontends = Vec::new();
    for f in list(obj, "frontendIPConfigurations") {
        let fname = text_of(f, "name").unwrap_or_default();
        let fkeys = child_keys(text_of(f, "id").as_deref(), &keys, "frontendIPConfigurations", &fname);
        let (public_ip, unknown) = match prop(f, "publicIPAddress") {
            None => (Vec::new(), None),
            Some(v) if v.is_null() => (Vec::new(), None),
            Some(v) => match reference(v) {
                Some(r) => (r, None),
                None => (
                    Vec::new(),
                    Some(Unknown {
                        what: format!("whether frontend {fname} of {name} is public"),
                        reason: v.unknown_reason().unwrap_or("its public IP reference cannot be read").into(),
                        span: v.span.clone(),
                    }),
                ),
            },
        };
        frontends.push(FrontendItem { keys: fkeys, name: fname, public_ip, unknown });
    }
    for p in list(obj, "backendAddressPools") {
        let pname = text_of(p, "name").unwrap_or_default();
        let pkeys = child_keys(text_of(p, "id").as_deref(), &keys, "backendAddressPools", &pname);
        for c in list(p, "backendIPConfigurations") {
            if let Some(r) = reference(c) {
                items.pool_members.push((pkeys.clone(), MemberRef::Nic(r), c.span.clone()));
            }
        }
        for a in list(p, "loadBalancerBackendAddresses") {
            if let Some(ip) = text_of(a, "ipAddress") {
                items.pool_members.push((pkeys.clone(), MemberRef::Address(ip), a.span.clone()));
            }
        }
        items.pools.push(PoolItem { load_balancer: keys.clone(), keys: pkeys, name: pname, span: p.span.clone() });
    }
    for (collection, nat) in [("loadBalancingRules", false), ("inboundNatRules", true)] {
        for r in list(obj, collection) {
            let rname = text_of(r, "name").unwrap_or_default();
            let rkeys = child_keys(text_of(r, "id").as_deref(), &keys, collection, &rname);
            let mut pools: Vec<Vec<String>> = Vec::new();
            pools.extend(prop(r, "backendAddressPool").and_then(reference));
            pools.extend(list(r, "backendAddressPools").iter().filter_map(reference));
            if nat {
                if let Some(c) = prop(r, "backendIPConfiguration").and_then(reference) {
                    items.nat_members.push((rkeys.clone(), MemberRef::Nic(c), r.span.clone()));
                }
            }
            let frontend_ports = match (prop(r, "frontendPortRangeStart"), prop(r, "frontendPortRangeEnd")) {
                (Some(_), Some(_)) => {
                    let lo = port_of(r, "frontendPortRangeStart", &format!("the frontend ports of {rname}"));
                    let hi = port_of(r, "frontendPortRangeEnd", &format!("the frontend ports of {rname}"));
                    match (lo, hi) {
                        (Known::Known(a), Known::Known(b)) => Known::Known((a.min(b), a.max(b))),
                        (Known::Unknown(u), _) | (_, Known::Unknown(u)) => Known::Unknown(u),
                    }
                }
                _ => match port_of(r, "frontendPort", &format!("the frontend port of {rname}")) {
                    Known::Known(p) => Known::Known((p, p)),
                    Known::Unknown(u) => Known::Unknown(u),
                },
            };
            items.rules.push(RuleItem {
                load_balancer: keys.clone(),
                keys: rkeys,
                name: rname.clone(),
                span: r.span.clone(),
                nat,
                frontend: prop(r, "frontendIPConfiguration").and_then(reference).unwrap_or_default(),
                pools,
                protocol: text_of(r, "protocol").unwrap_or_else(|| "Tcp".into()),
                frontend_ports,
                backend_port: port_of(r, "backendPort", &format!("the backend port of {rname}")),
            });
        }
    }
    items.load_balancers.push(LoadBalancerItem {
        name: name.to_string(),
        keys,
        span: obj.span.clone(),
        sku: sku_of(obj),
        frontends,
    });
}

// ---------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------

/// Index of keys to positions; the first item to claim a key keeps it.
fn index<'a>(entries: impl Iterator<Item = (usize, &'a [String])>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (i, keys) in entries {
        for k in keys {
            out.entry(k.clone()).or_insert(i);
        }
    }
    out
}

fn find(index: &BTreeMap<String, usize>, keys: &[String]) -> Option<usize> {
    keys.iter().find_map(|k| index.get(k).copied())
}

/// The SKU that decides inbound traffic to each network interface (by its
/// first alias) when no NSG guards it: its public IPs' and its load
/// balancers' (Azure does not mix SKUs on one interface). Absent when the
/// input does not tell, or the interface has neither.
pub fn nic_skus(net: &NetworkItems) -> BTreeMap<String, Sku> {
    let pips = index(net.public_ips.iter().enumerate().map(|(i, p)| (i, p.keys.as_slice())));
    let lbs = index(net.load_balancers.iter().enumerate().map(|(i, l)| (i, l.keys.as_slice())));
    let pools = index(net.pools.iter().enumerate().map(|(i, p)| (i, p.keys.as_slice())));
    let rules = index(net.rules.iter().enumerate().map(|(i, r)| (i, r.keys.as_slice())));
    // The load balancers each interface key or private address is a member of.
    let mut lb_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let members = net
        .pool_members
        .iter()
        .filter_map(|(pool, m, _)| Some((m, find(&lbs, &net.pools[find(&pools, pool)?].load_balancer)?)))
        .chain(
            net.nat_members
                .iter()
                .filter_map(|(rule, m, _)| Some((m, find(&lbs, &net.rules[find(&rules, rule)?].load_balancer)?))),
        );
    let mut config_keys: Vec<(Vec<String>, usize)> = Vec::new();
    for (m, lb) in members {
        match m {
            MemberRef::Nic(k) => config_keys.push((nic_of_config(k), lb)),
            MemberRef::Address(a) => lb_of.entry(a.as_str()).or_default().push(lb),
        }
    }
    for (keys, lb) in &config_keys {
        for k in keys {
            lb_of.entry(k.as_str()).or_default().push(*lb);
        }
    }
    let mut out = BTreeMap::new();
    for n in &net.nics {
        let mut skus = Vec::new();
        let mut unknown = false;
        for c in &n.configs {
            match &c.public_ip {
                Known::Known(Some(r)) => match find(&pips, r).and_then(|i| net.public_ips[i].sku) {
                    Some(s) => skus.push(s),
                    None => unknown = true,
                },
                Known::Known(None) => {}
                Known::Unknown(_) => unknown = true,
            }
        }
        let mut lbs_here: Vec<usize> = n.keys.iter().filter_map(|k| lb_of.get(k.as_str())).flatten().copied().collect();
        for c in &n.configs {
            lbs_here.extend(c.private.iter().filter_map(|a| lb_of.get(a.as_str())).flatten());
        }
        lbs_here.sort_unstable();
        lbs_here.dedup();
        for l in lbs_here {
            match net.load_balancers[l].sku {
                Some(s) => skus.push(s),
                None => unknown = true,
            }
        }
        let sku = if skus.contains(&Sku::Standard) {
            Some(Sku::Standard)
        } else if !unknown && !skus.is_empty() {
            Some(Sku::Basic)
        } else {
            None
        };
        if let Some(s) = sku {
            out.entry(n.nic.clone()).or_insert(s);
        }
    }
    out
}

struct Builder<'a> {
    t: portcullis_model::Topology,
    net: &'a NetworkItems,
    network_by: BTreeMap<String, NetworkId>,
    subnet_by: BTreeMap<String, SubnetId>,
    subnet_items: BTreeMap<String, usize>,
    system: Option<RouteTableId>,
    public_ips: BTreeMap<String, usize>,
    interfaces: BTreeMap<String, InterfaceId>,
    interface_by_address: BTreeMap<String, InterfaceId>,
    /// [`NetworkItems::conditional`] by key.
    conditional: BTreeMap<String, usize>,
    /// [`NetworkItems::not_deployed`] by key.
    not_deployed: BTreeMap<String, usize>,
}

/// The network key of a subnet key (`virtualnetworks/v/subnets/s` →
/// `virtualnetworks/v`), and its display name.
fn network_of_subnet(key: &str) -> Option<(String, String)> {
    let (net, _) = key.rsplit_once("/subnets/")?;
    let name = net.rsplit('/').next().unwrap_or(net).to_string();
    Some((net.to_string(), name))
}

impl Builder<'_> {
    fn network(&mut self, key: &str, shown: &str) -> NetworkId {
        if let Some(&n) = self.network_by.get(key) {
            return n;
        }
        self.t.networks.push(Network {
            id: shown.to_string(),
            provider: Provider::Azure,
            span: None,
            main_route_table: self.system,
        });
        let id = NetworkId::at(self.t.networks.len() - 1);
        self.network_by.insert(key.to_string(), id);
        id
    }

    /// The subnet a reference names, created when first seen.
    fn subnet(&mut self, keys: &[String]) -> Option<SubnetId> {
        let first = keys.first()?;
        if let Some(s) = keys.iter().find_map(|k| self.subnet_by.get(k)) {
            return Some(*s);
        }
        let item = keys.iter().find_map(|k| self.subnet_items.get(k)).map(|&i| &self.net.subnets[i]);
        let all_keys: Vec<String> = item.map(|s| s.keys.clone()).unwrap_or_else(|| keys.to_vec());
        let network = match item.and_then(|s| s.network.clone()) {
            Some(n) => Some(self.network(&format!("network:{}", n.to_ascii_lowercase()), &n)),
            None => all_keys.iter().find_map(|k| network_of_subnet(k)).map(|(k, shown)| self.network(&k, &shown)),
        };
        let shown =
            item.map(|s| s.name.clone()).unwrap_or_else(|| first.rsplit('/').next().unwrap_or(first).to_string());
        self.t.subnets.push(Subnet {
            id: shown.clone(),
            span: item.map(|s| s.span.clone()),
            network,
            cidrs: match item.and_then(|s| s.cidrs.clone()) {
                Some(c) => Known::Known(c),
                None => Known::from_unknown(Unknown {
                    what: format!("the address range of {shown}"),
                    reason: "the subnet's range is not in the input".into(),
                    span: Span::new("".into(), 0, 0),
                }),
            },
            route_table: None,
            guards: Vec::new(),
        });
        let id = SubnetId::at(self.t.subnets.len() - 1);
        for k in all_keys.iter().chain(keys) {
            self.subnet_by.entry(k.clone()).or_insert(id);
        }
        Some(id)
    }

    fn next_hop(r: &RouteItem) -> NextHop {
        let hop = match &r.next_hop {
            Known::Known(h) => h.clone(),
            Known::Unknown(u) => {
                return NextHop::Middlebox {
                    name: r.name.clone(),
                    what: format!("a next hop that is unknown ({})", u.reason),
                }
            }
        };
        let name = match &r.next_hop_ip {
            Some(ip) => format!("{hop} {ip}"),
            None => hop.clone(),
        };
        match hop.to_ascii_lowercase().as_str() {
            "internet" => NextHop::Internet { name, gateway: None },
            "vnetlocal" => NextHop::Local { name },
            "virtualappliance" => NextHop::Middlebox { name, what: facts::VIRTUAL_APPLIANCE.into() },
            "virtualnetworkgateway" => NextHop::Elsewhere { name, why: facts::VIRTUAL_NETWORK_GATEWAY.into() },
            "none" => NextHop::Elsewhere { name, why: facts::NEXT_HOP_NONE.into() },
            _ => NextHop::Middlebox { name, what: format!("a next hop type portcullis does not know ({hop})") },
        }
    }

    fn route(r: &RouteItem) -> Route {
        Route {
            destination: match &r.prefix {
                Known::Known(c) => Known::Known(vec![*c]),
                Known::Unknown(u) => Known::Unknown(u.clone()),
            },
            destination_label: r.prefix_label.clone(),
            next_hop: Self::next_hop(r),
            preference: facts::USER_ROUTE_PREFERENCE,
            tags: Vec::new(),
            span: Some(r.span.clone()),
            origin: Origin::Explicit,
        }
    }

    fn route_tables(&mut self) {
        let net = self.net;
        let system = facts::system_routes();
        if net.described.contains(&Described::RouteTables) {
            self.t.route_tables.push(RouteTable {
                id: "Azure system routes".into(),
                span: None,
                network: None,
                routes: system.clone(),
            });
            self.system = Some(RouteTableId::at(self.t.route_tables.len() - 1));
        }
        let by = index(net.route_tables.iter().enumerate().map(|(i, r)| (i, r.keys.as_slice())));
        let mut ids = Vec::new();
        for (i, rt) in net.route_tables.iter().enumerate() {
            if find(&by, &rt.keys) != Some(i) {
                ids.push(None);
                continue;
            }
            let mut routes: Vec<Route> = rt.routes.iter().map(Self::route).collect();
            for (table, r) in &net.routes {
                if find(&by, table) == Some(i) {
                    routes.push(Self::route(r));
                }
            }
            // A table that may not be deployed: each of its routes may
            // or may not take its part (the system routes stay).
            if let Some(u) = self.conditional(&rt.keys) {
                for r in &mut routes {
                    r.destination = Known::from_unknown(Unknown {
                        what: format!("route {} of {} ({})", r.destination_label, rt.name, u.what),
                        ..u.clone()
                    });
                }
            }
            // User-defined routes override the system routes of the same
            // prefix; longer prefixes win either way.
            routes.extend(system.iter().cloned());
            self.t.route_tables.push(RouteTable {
                id: rt.name.clone(),
                span: Some(rt.span.clone()),
                network: None,
                routes,
            });
            ids.push(Some(RouteTableId::at(self.t.route_tables.len() - 1)));
        }
        for (subnet, table) in &net.associations {
            let Some(rt) = find(&by, table).and_then(|i| ids[i]) else { continue };
            if let Some(s) = self.subnet(subnet) {
                self.t.subnets[s.index()].route_table = Some(rt);
            }
        }
    }

    fn public_address(&self, keys: &[String]) -> PublicAddress {
        match find(&self.public_ips, keys).map(|i| &self.net.public_ips[i]) {
            Some(p) => PublicAddress {
                address: p.address.clone(),
                what: match p.sku {
                    Some(s) => format!("public IP {} ({} SKU)", p.name, s.name()),
                    None => format!("public IP {}", p.name),
                },
                span: Some(p.span.clone()),
            },
            None => PublicAddress {
                address: None,
                what: format!("public IP {}", keys.last().map(|k| k.rsplit('/').next().unwrap_or(k)).unwrap_or("")),
                span: None,
            },
        }
    }

    /// Why the resource `keys` names may not be deployed, if it may not.
    fn conditional(&self, keys: &[String]) -> Option<&Unknown> {
        find(&self.conditional, keys).map(|i| &self.net.conditional[i].1)
    }

    fn is_v6(&self, keys: &[String]) -> bool {
        find(&self.public_ips, keys).is_some_and(|i| self.net.public_ips[i].v6)
    }

    fn interfaces(&mut self, targets: &BTreeMap<String, (usize, String, Span)>) {
        let net = self.net;
        for n in &net.nics {
            let Some((target, shown, span)) = targets.get(&n.nic) else { continue };
            if n.keys.iter().any(|k| self.interfaces.contains_key(k)) {
                continue;
            }
            let mut v4: Known<Option<PublicAddress>> = Known::Known(None);
            let mut v6: Known<Option<PublicAddress>> = Known::Known(None);
            let mut subnet_keys: Vec<String> = Vec::new();
            let mut private = AddrSet::empty();
            for c in &n.configs {
                if subnet_keys.is_empty() {
                    subnet_keys = c.subnet.clone();
                }
                for a in &c.private {
                    if let Ok(x) = Cidr::parse(a) {
                        private.union_in_place(&x.to_set());
                    }
                }
                match &c.public_ip {
                    // A public IP the template does not deploy: none.
                    Known::Known(Some(r)) if find(&self.not_deployed, r).is_some() => {}
                    Known::Known(Some(r)) => {
                        let maybe = self.conditional(r).cloned();
                        let slot = if self.is_v6(r) { &mut v6 } else { &mut v4 };
                        match maybe {
                            // Not sure to be deployed: the address is.
                            Some(u) if matches!(slot, Known::Known(None)) => *slot = Known::from_unknown(u),
                            Some(_) => {}
                            None if !matches!(slot, Known::Known(Some(_))) => {
                                *slot = Known::Known(Some(self.public_address(r)))
                            }
                            None => {}
                        }
                    }
                    Known::Known(None) => {}
                    Known::Unknown(u) => {
                        if matches!(v4, Known::Known(None)) {
                            v4 = Known::Unknown(u.clone());
                        }
                    }
                }
            }
            let subnet = match self.subnet(&subnet_keys) {
                Some(s) => Known::Known(s),
                None => Known::from_unknown(Unknown {
                    what: format!("the subnet of {shown}"),
                    reason: "the input does not name it".into(),
                    span: span.clone(),
                }),
            };
            self.t.interfaces.push(Interface {
                id: shown.clone(),
                provider: Provider::Azure,
                span: Some(span.clone()),
                subnet,
                private: private.clone(),
                public_v4: v4,
                public_v6: v6,
                tags: Vec::new(),
            });
            let id = InterfaceId::at(self.t.interfaces.len() - 1);
            for k in &n.keys {
                self.interfaces.entry(k.clone()).or_insert(id);
            }
            for c in private.to_cidr_strings() {
                let a = c.split('/').next().unwrap_or(&c).to_string();
                self.interface_by_address.entry(a).or_insert(id);
            }
            self.t.attach(*target, Attachment::Interface(id));
        }
    }

    fn member(&self, m: &MemberRef) -> Option<InterfaceId> {
        match m {
            MemberRef::Nic(k) => nic_of_config(k).iter().chain(k.iter()).find_map(|k| self.interfaces.get(k)).copied(),
            MemberRef::Address(a) => self.interface_by_address.get(a).copied(),
        }
    }

    fn load_balancers(&mut self) {
        let net = self.net;
        let lbs = index(net.load_balancers.iter().enumerate().map(|(i, l)| (i, l.keys.as_slice())));
        let pools = index(net.pools.iter().enumerate().map(|(i, p)| (i, p.keys.as_slice())));
        // Members of each pool and NAT rule.
        let mut pool_members: BTreeMap<usize, Vec<Member>> = BTreeMap::new();
        for (pool, m, span) in &net.pool_members {
            let (Some(p), Some(i)) = (find(&pools, pool), self.member(m)) else { continue };
            let list = pool_members.entry(p).or_default();
            if !list.iter().any(|x| x.interface == i) {
                list.push(Member { interface: i, port: None, span: Some(span.clone()) });
            }
        }
        let rules = index(net.rules.iter().enumerate().map(|(i, r)| (i, r.keys.as_slice())));
        let mut nat_members: BTreeMap<usize, Vec<Member>> = BTreeMap::new();
        let mut nat_named: BTreeMap<usize, bool> = BTreeMap::new();
        for (rule, m, span) in &net.nat_members {
            let Some(r) = find(&rules, rule) else { continue };
            nat_named.insert(r, true);
            let Some(i) = self.member(m) else { continue };
            let list = nat_members.entry(r).or_default();
            if !list.iter().any(|x| x.interface == i) {
                list.push(Member { interface: i, port: None, span: Some(span.clone()) });
            }
        }
        let members_listed = net.described.contains(&Described::LoadBalancerTargets);
        let mut pool_group: BTreeMap<usize, TargetGroupId> = BTreeMap::new();
        for (li, lb) in net.load_balancers.iter().enumerate() {
            if find(&lbs, &lb.keys) != Some(li) {
                continue;
            }
            // A frontend whose public IP may not be deployed is public or
            // absent: unknown.
            let public_frontends: Vec<&FrontendItem> = lb
                .frontends
                .iter()
                .filter(|f| {
                    !f.public_ip.is_empty()
                        && self.conditional(&f.public_ip).is_none()
                        && find(&self.not_deployed, &f.public_ip).is_none()
                })
                .collect();
            let unknown_front =
                lb.frontends.iter().find_map(|f| f.unknown.clone().or_else(|| self.conditional(&f.public_ip).cloned()));
            let scheme = if let Some(u) = self.conditional(&lb.keys) {
                // It may not be deployed at all.
                Known::from_unknown(u.clone())
            } else if !public_frontends.is_empty() {
                Known::Known(Scheme::InternetFacing)
            } else if let Some(u) = unknown_front {
                Known::from_unknown(u)
            } else {
                Known::Known(Scheme::Internal)
            };
            let facing = !public_frontends.is_empty();
            let public: Vec<PublicAddress> =
                public_frontends.iter().map(|f| self.public_address(&f.public_ip)).collect();
            let mut listeners = Vec::new();
            for (ri, r) in net.rules.iter().enumerate() {
                if find(&lbs, &r.load_balancer) != Some(li) {
                    continue;
                }
                // On a load balancer with public frontends, a rule on a
                // private one is not an internet path.
                if facing && !r.frontend.is_empty() {
                    let on_public = public_frontends.iter().any(|f| f.keys.iter().any(|k| r.frontend.contains(k)));
                    let on_known = lb.frontends.iter().any(|f| f.keys.iter().any(|k| r.frontend.contains(k)));
                    if on_known && !on_public {
                        continue;
                    }
                }
                let (ports, all_ports) = match &r.frontend_ports {
                    Known::Known((0, 0)) => (Known::Known(PortSet::full()), true),
                    Known::Known((a, b)) => (Known::Known(PortSet::range(*a, *b)), false),
                    Known::Unknown(u) => (Known::Unknown(u.clone()), false),
                };
                let backend = match &r.backend_port {
                    Known::Known(0) => None,
                    Known::Known(p) => Some(*p),
                    Known::Unknown(_) if all_ports => None,
                    Known::Unknown(_) => None,
                };
                let mut forwards = Vec::new();
                if r.nat && r.pools.is_empty() {
                    let members = match nat_members.remove(&ri) {
                        Some(m) => Known::Known(m),
                        None if members_listed || nat_named.contains_key(&ri) => Known::Known(Vec::new()),
                        None => Known::from_unknown(Unknown {
                            what: format!("the interfaces of inbound NAT rule {}", r.name),
                            reason: "no interface in the input names the rule".into(),
                            span: r.span.clone(),
                        }),
                    };
                    self.t.target_groups.push(TargetGroup {
                        id: format!("{}/{}", lb.name, r.name),
                        span: Some(r.span.clone()),
                        network: None,
                        port: backend,
                        protocol: Protocol::TCP,
                        seen_source: Known::Known(SeenSource::Client),
                        members,
                    });
                    let g = TargetGroupId::at(self.t.target_groups.len() - 1);
                    forwards.push(Forward { group: Known::Known(g), port: backend, span: Some(r.span.clone()) });
                }
                for pool in &r.pools {
                    let group = match find(&pools, pool) {
                        Some(p) => Known::Known(self.pool_group(
                            p,
                            &lb.name,
                            &mut pool_group,
                            &mut pool_members,
                            members_listed,
                        )),
                        None => Known::from_unknown(Unknown {
                            what: format!("the backend pool of {}", r.name),
                            reason: "the pool is not in the input".into(),
                            span: r.span.clone(),
                        }),
                    };
                    forwards.push(Forward { group, port: backend, span: Some(r.span.clone()) });
                }
                let word = if r.nat { "inbound NAT rule" } else { "load-balancing rule" };
                let shown_ports = match &r.frontend_ports {
                    Known::Known((0, 0)) => "all ports".to_string(),
                    Known::Known((a, b)) if a == b => a.to_string(),
                    Known::Known((a, b)) => format!("{a}-{b}"),
                    Known::Unknown(_) => "?".into(),
                };
                let to = match &r.backend_port {
                    Known::Known(0) => "the same port".to_string(),
                    Known::Known(p) => p.to_string(),
                    Known::Unknown(_) => "?".into(),
                };
                for protocol in protocols(&r.protocol) {
                    listeners.push(Listener {
                        ports: ports.clone(),
                        protocol,
                        label: format!("{word} {} {} {shown_ports} → {to}", r.name, r.protocol),
                        span: Some(r.span.clone()),
                        forwards: forwards.clone(),
                    });
                }
            }
            let kind = match lb.sku {
                Some(Sku::Basic) => LoadBalancerKind::AzureBasic,
                _ => LoadBalancerKind::AzureStandard,
            };
            self.t.load_balancers.push(LoadBalancer {
                id: lb.name.clone(),
                kind,
                span: Some(lb.span.clone()),
                scheme,
                families: AddressFamilies::Ipv4,
                network: None,
                subnets: Vec::new(),
                guards: Vec::new(),
                group_names: Vec::new(),
                node_addresses: AddrSet::empty(),
                public,
                listeners,
                replies_by_target_routes: true,
            });
        }
    }

    fn pool_group(
        &mut self,
        p: usize,
        lb_name: &str,
        made: &mut BTreeMap<usize, TargetGroupId>,
        members: &mut BTreeMap<usize, Vec<Member>>,
        listed: bool,
    ) -> TargetGroupId {
        if let Some(&g) = made.get(&p) {
            return g;
        }
        let pool = &self.net.pools[p];
        let list = members.remove(&p);
        let members = match list {
            Some(m) => Known::Known(m),
            None if listed => Known::Known(Vec::new()),
            None => Known::from_unknown(Unknown {
                what: format!("the members of backend pool {}", pool.name),
                reason: "no interface or pool address in the input names the pool".into(),
                span: pool.span.clone(),
            }),
        };
        self.t.target_groups.push(TargetGroup {
            id: format!("{lb_name}/{}", pool.name),
            span: Some(pool.span.clone()),
            network: None,
            port: None,
            protocol: Protocol::TCP,
            seen_source: Known::Known(SeenSource::Client),
            members,
        });
        let g = TargetGroupId::at(self.t.target_groups.len() - 1);
        made.insert(p, g);
        g
    }
}

/// The protocols of a rule's `protocol` (`All` is TCP and UDP).
fn protocols(p: &str) -> Vec<Protocol> {
    match p.to_ascii_lowercase().as_str() {
        "udp" => vec![Protocol::UDP],
        "all" | "*" => vec![Protocol::TCP, Protocol::UDP],
        _ => vec![Protocol::TCP],
    }
}

/// Builds the Azure part of the topology. `targets` maps each interface's
/// first alias to its estate target (index, shown id, span).
pub fn assemble(net: &NetworkItems, targets: &BTreeMap<String, (usize, String, Span)>, estate: &mut Estate) {
    if net.is_empty() {
        return;
    }
    let mut b = Builder {
        t: std::mem::take(&mut estate.topology),
        net,
        network_by: BTreeMap::new(),
        subnet_by: BTreeMap::new(),
        subnet_items: index(net.subnets.iter().enumerate().map(|(i, s)| (i, s.keys.as_slice()))),
        system: None,
        public_ips: index(net.public_ips.iter().enumerate().map(|(i, p)| (i, p.keys.as_slice()))),
        interfaces: BTreeMap::new(),
        interface_by_address: BTreeMap::new(),
        conditional: index(net.conditional.iter().enumerate().map(|(i, (k, _))| (i, k.as_slice()))),
        not_deployed: index(net.not_deployed.iter().enumerate().map(|(i, k)| (i, k.as_slice()))),
    };
    b.route_tables();
    b.interfaces(targets);
    b.load_balancers();
    for d in &net.described {
        b.t.mark(Provider::Azure, *d);
    }
    estate.topology = b.t;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use std::sync::Arc;

    fn value(text: &str) -> Value {
        let ctx = Context::new(Arc::from("t.json"), text);
        let root = portcullis_syntax::json::parse(text, Default::default()).expect("valid JSON");
        ctx.value(&root)
    }

    #[test]
    fn references_give_the_keys_their_targets_have() {
        let id =
            "/subscriptions/s/resourceGroups/RG1/providers/Microsoft.Network/loadBalancers/LB/backendAddressPools/p";
        assert_eq!(
            ref_keys(id),
            vec!["rg1/loadbalancers/lb/backendaddresspools/p", "loadbalancers/lb/backendaddresspools/p"]
        );
        assert_eq!(
            ref_keys("{resourceId:Microsoft.Network/loadBalancers/lb}/backendAddressPools/p"),
            vec!["loadbalancers/lb/backendaddresspools/p"]
        );
        assert_eq!(ref_keys("{lb.id}/backendAddressPools/p"), vec!["bicep:lb/backendaddresspools/p"]);
        assert_eq!(ref_keys("{pip.id}"), vec!["bicep:pip"]);
        assert_eq!(ref_keys("azurerm_lb.web"), vec!["azurerm_lb.web"]);
        let lb = own_keys(
            Some("/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb"),
            "loadBalancers",
            "lb",
        );
        let pool = child_keys(None, &lb, "backendAddressPools", "p");
        assert!(ref_keys(id).iter().all(|k| pool.contains(k)), "{pool:?}");
    }

    /// The CLI's key casing and the REST API's (what `scan --azure` saves)
    /// read into the same items.
    #[test]
    fn az_and_rest_casings_read_the_same() {
        let az = r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n",
            "name": "n", "ipConfigurations": [{"name": "c", "privateIpAddress": "10.0.0.4",
            "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},
            "publicIpAddress": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"},
            "loadBalancerBackendAddressPools": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/l/backendAddressPools/b"}]}]}"#;
        let rest = r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n",
            "name": "n", "properties": {"ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": "10.0.0.4",
            "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},
            "publicIPAddress": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"},
            "loadBalancerBackendAddressPools": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/l/backendAddressPools/b"}]}}]}}"#;
        let read = |text: &str| {
            let mut items = NetworkItems::default();
            let v = value(text);
            let id = v.get("id").and_then(Value::as_str).map(str::to_string);
            read_arm_object(&mut items, "networkInterfaces", &v, "n", id.as_deref(), &[], Some("nic"));
            items
        };
        let (a, b) = (read(az), read(rest));
        let shape = |i: &NetworkItems| {
            let c = &i.nics[0].configs[0];
            (c.private.clone(), c.subnet.clone(), c.public_ip.known().cloned(), i.pool_members.len())
        };
        assert_eq!(shape(&a), shape(&b));
        let (private, subnet, public, members) = shape(&a);
        assert_eq!(private, vec!["10.0.0.4"]);
        assert_eq!(subnet[1], "virtualnetworks/v/subnets/s");
        assert_eq!(public.flatten().map(|p| p[1].clone()).as_deref(), Some("publicipaddresses/p"));
        assert_eq!(members, 1);
    }

    #[test]
    fn load_balancer_rules_and_nat_rules() {
        let lb = r#"{"name": "lb", "sku": {"name": "Basic"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": "[pip]"}}}],
            "backendAddressPools": [{"name": "pool"}],
            "loadBalancingRules": [{"name": "r", "properties": {"frontendPort": 443, "backendPort": 10257, "protocol": "Tcp",
                "backendAddressPool": {"id": "{resourceId:Microsoft.Network/loadBalancers/lb/backendAddressPools/pool}"}}}],
            "inboundNatRules": [{"name": "n", "properties": {"frontendPortRangeStart": 50000, "frontendPortRangeEnd": 50010,
                "backendPort": "x", "protocol": "Tcp"}}]}}"#;
        let mut items = NetworkItems::default();
        read_arm_object(&mut items, "loadBalancers", &value(lb), "lb", None, &[], None);
        assert_eq!(items.load_balancers[0].sku, Some(Sku::Basic));
        assert_eq!(items.load_balancers[0].frontends[0].public_ip, vec!["[pip]"]);
        let rule = &items.rules[0];
        assert_eq!((rule.frontend_ports.known(), rule.backend_port.known()), (Some(&(443, 443)), Some(&10257)));
        assert_eq!(rule.pools[0], vec!["loadbalancers/lb/backendaddresspools/pool"]);
        assert_eq!(items.pools[0].keys, vec!["loadbalancers/lb/backendaddresspools/pool"]);
        let nat = &items.rules[1];
        assert!(nat.nat);
        assert_eq!(nat.frontend_ports.known(), Some(&(50000, 50010)));
        assert!(nat.backend_port.unknown().is_some_and(|u| u.reason.contains("not a port")));
    }
}
