//! One reader per GCP path resource, for dumps and Terraform alike
//! ([`Source`] gives each the field names of its format).

use super::{
    key, refs_in, unknown, AddressItem, BackendItem, External, ForwardingRuleItem, GroupItem, Hop, Nic, PoolItem,
    ProxyItem, RouteItem, Source, UrlMapItem,
};
use crate::languages::terraform::refs::type_of;
use crate::providers::gcp::facts;
use portcullis_model::{Cidr, Known, PortSet, Span, Unknown};
use portcullis_syntax::{Kind, Value};

/// The network interfaces of an instance (`networkInterfaces` /
/// `network_interface`).
pub fn nics(src: &Source) -> Vec<Nic> {
    let Some(list) = src.field("networkInterfaces", "network_interface") else { return Vec::new() };
    let blocks: Vec<&Value> = match &list.kind {
        Kind::List(l) => l.iter().collect(),
        Kind::Map(_) => vec![list],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (i, b) in blocks.into_iter().enumerate() {
        let nic = Source { value: b, resource: None };
        let tf = src.resource.is_some();
        let name = b.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("nic{i}"));
        let mut network = Vec::new();
        let mut subnetwork = Vec::new();
        refs_in(b.get("network"), &mut network);
        refs_in(b.get("subnetwork"), &mut subnetwork);
        if let Some(r) = src.resource {
            let at = |a: &str| {
                vec![
                    format!("network_interface.{a}"),
                    format!("network_interface.{i}.{a}"),
                    format!("network_interface[{i}].{a}"),
                    "network_interface".to_string(),
                ]
            };
            src.addresses(r, &at("network"), &["google_compute_network"], &mut network);
            src.addresses(r, &at("subnetwork"), &["google_compute_subnetwork"], &mut subnetwork);
        }
        let private = b.get(if tf { "network_ip" } else { "networkIP" }).and_then(Value::as_str).map(str::to_string);
        let external_v4 = external(src, &nic, i, false);
        let external_v6 = external(src, &nic, i, true);
        out.push(Nic { name, span: b.span.clone(), network, subnetwork, private, external_v4, external_v6 });
    }
    out
}

/// An interface's external address of one family: `accessConfigs` /
/// `access_config` (IPv4, `natIP` / `nat_ip`; present without one, an
/// ephemeral address) and `ipv6AccessConfigs` / `ipv6_access_config`
/// (`externalIpv6` / `external_ipv6`).
fn external(src: &Source, nic: &Source, i: usize, v6: bool) -> Known<Option<External>> {
    let tf = src.resource.is_some();
    let (block, field) = match (v6, tf) {
        (false, false) => ("accessConfigs", "natIP"),
        (false, true) => ("access_config", "nat_ip"),
        (true, false) => ("ipv6AccessConfigs", "externalIpv6"),
        (true, true) => ("ipv6_access_config", "external_ipv6"),
    };
    let Some(v) = nic.value.get(block).filter(|v| !v.is_null()) else { return Known::Known(None) };
    let configs: Vec<&Value> = match &v.kind {
        Kind::List(l) => l.iter().collect(),
        Kind::Map(_) => vec![v],
        Kind::Unknown { reason, .. } => {
            return Known::from_unknown(unknown(&format!("network_interface.{i}.{block}"), reason, &v.span))
        }
        _ => Vec::new(),
    };
    let Some(c) = configs.first() else { return Known::Known(None) };
    let family = if v6 { "IPv6" } else { "IPv4" };
    let addr = c.get(field).filter(|x| !x.is_null());
    let (address, what) = match addr.map(|a| (&a.kind, a.as_str())) {
        // A reserved address named by its URL (`…/addresses/NAME`), as
        // Config Connector and some exports write it.
        Some((_, Some(s))) if s.contains('/') => (None, format!("external {family} address {}", key(s))),
        Some((_, Some(s))) if !s.is_empty() => (Some(s.to_string()), format!("external {family} address")),
        // An address known only after apply (a reserved address's
        // `address`): external all the same.
        Some((Kind::Unknown { .. }, _)) => {
            let mut named = Vec::new();
            if let Some(r) = src.resource {
                let keys = [
                    format!("network_interface.{i}.{block}.0.{field}"),
                    format!("network_interface.{block}.{field}"),
                    format!("network_interface.{i}.{block}.{field}"),
                    "network_interface".to_string(),
                ];
                src.addresses(r, &keys, &["google_compute_address"], &mut named);
            }
            match named.first() {
                Some(n) => (None, format!("external {family} address {n}")),
                None => (None, format!("external {family} address (known after apply)")),
            }
        }
        _ if v6 => (None, "external IPv6 address".to_string()),
        _ => (None, "ephemeral external IPv4 address".to_string()),
    };
    Known::Known(Some(External { address, what, span: c.span.clone() }))
}

/// A route's next-hop field: its dump name, its Terraform name, the hop.
type NextHopField = (&'static str, &'static str, fn(String) -> Hop);

/// A route (`gcloud compute routes list`, `google_compute_route`).
pub fn route(src: &Source) -> Option<RouteItem> {
    let id = src.id()?;
    let span = src.span();
    let network = src.refs("network", "network", &["google_compute_network"]);
    let (destination, destination_label) = match src.text("destRange", "dest_range") {
        Some(Ok(s)) => match Cidr::parse(&s) {
            Ok(c) => (Known::Known(c), s),
            Err(e) => (Known::from_unknown(unknown("destRange", &e.to_string(), &span)), s),
        },
        Some(Err(u)) => (Known::from_unknown(u), "(unknown)".into()),
        None => (Known::from_unknown(unknown("destRange", "not in the input", &span)), "(unknown)".into()),
    };
    let priority = match src.text("priority", "priority") {
        Some(Ok(s)) => s.parse().unwrap_or(facts::DEFAULT_ROUTE_PRIORITY),
        _ => facts::DEFAULT_ROUTE_PRIORITY,
    };
    let mut tags = Vec::new();
    if let Some(l) = src.field("tags", "tags").and_then(Value::as_list) {
        tags.extend(l.iter().filter_map(Value::as_str).map(str::to_string));
    }
    let hops: [NextHopField; 8] = [
        ("nextHopGateway", "next_hop_gateway", Hop::Gateway),
        ("nextHopInstance", "next_hop_instance", Hop::Instance),
        ("nextHopIlb", "next_hop_ilb", Hop::Ilb),
        ("nextHopIp", "next_hop_ip", Hop::Ip),
        ("nextHopVpnTunnel", "next_hop_vpn_tunnel", Hop::VpnTunnel),
        ("nextHopPeering", "next_hop_peering", Hop::Peering),
        ("nextHopHub", "next_hop_hub", Hop::Hub),
        ("nextHopNetwork", "next_hop_network", Hop::Network),
    ];
    let mut hop = None;
    for (d, t, make) in hops {
        match src.text(d, t) {
            Some(Ok(s)) => {
                hop = Some(make(s));
                break;
            }
            Some(Err(u)) => {
                hop = Some(Hop::Unknown(u));
                break;
            }
            None => {}
        }
    }
    let hop = hop.unwrap_or_else(|| Hop::Unknown(unknown("next hop", "the route names none the input shows", &span)));
    Some(RouteItem { id, span, network, destination, destination_label, priority, tags, hop })
}

/// A forwarding rule (regional or global).
pub fn forwarding_rule(src: &Source) -> Option<ForwardingRuleItem> {
    let id = src.id()?;
    let span = src.span();
    let known = |x: Option<Result<String, Unknown>>, default: &str| match x {
        Some(Ok(s)) => Known::Known(s.to_ascii_uppercase()),
        Some(Err(u)) => Known::from_unknown(u),
        None => Known::Known(default.to_string()),
    };
    let scheme = known(src.text("loadBalancingScheme", "load_balancing_scheme"), facts::DEFAULT_SCHEME);
    let protocol = known(src.text("IPProtocol", "ip_protocol"), facts::DEFAULT_FORWARDING_PROTOCOL);
    let mut ports_span = None;
    let all = src.text("allPorts", "all_ports").and_then(Result::ok).is_some_and(|s| s == "true");
    let ports = if all {
        Known::Known(PortSet::full())
    } else if let Some(v) = src.field("ports", "ports").filter(|v| v.as_list().is_some_and(|l| !l.is_empty())) {
        ports_span = Some(v.span.clone());
        port_list(v)
    } else if let Some(v) = src.field("portRange", "port_range") {
        ports_span = Some(v.span.clone());
        port_list(v)
    } else {
        // No ports: every port (target-pool-based and L3_DEFAULT rules).
        Known::Known(PortSet::full())
    };
    let target = src.field("target", "target").and_then(|v| {
        let mut keys = Vec::new();
        refs_in(Some(v), &mut keys);
        let collection = match (v.as_str(), src.resource) {
            (Some(s), _) if s.contains('/') => s.rsplit('/').nth(1).unwrap_or("").to_string(),
            (_, Some(r)) => r
                .refs
                .get("target")
                .into_iter()
                .flatten()
                .find_map(|a| type_of(a))
                .map(|t| facts::collection_of_type(&t).to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut k = keys.into_iter().next();
        if let Some(r) = src.resource {
            let mut named = Vec::new();
            src.addresses(r, &["target".into()], facts::TARGET_TYPES, &mut named);
            if let Some(n) = named.into_iter().next() {
                k = Some(n);
            }
        }
        Some((collection, k?))
    });
    let backend_service = src
        .refs(
            "backendService",
            "backend_service",
            &["google_compute_region_backend_service", "google_compute_backend_service"],
        )
        .pop();
    let address = src.text("IPAddress", "ip_address").and_then(Result::ok);
    let ipv6 = src.text("ipVersion", "ip_version").and_then(Result::ok).is_some_and(|s| s.eq_ignore_ascii_case("IPV6"))
        || address.as_deref().is_some_and(|a| a.contains(':') && !a.contains('/'));
    let description = src.text("description", "description").and_then(Result::ok);
    Some(ForwardingRuleItem {
        id,
        aliases: src.aliases(),
        span,
        scheme,
        protocol,
        ports,
        ports_span,
        target,
        backend_service,
        address,
        ipv6,
        description,
        location: src.location(),
    })
}

/// `"80"`, `"80-80"`, `["80", "8000-8080"]`.
fn port_list(v: &Value) -> Known<PortSet> {
    let items: Vec<&Value> = match &v.kind {
        Kind::List(l) => l.iter().collect(),
        _ => vec![v],
    };
    let mut set = PortSet::empty();
    for i in items {
        if let Some(reason) = i.unknown_reason() {
            return Known::from_unknown(unknown("ports", reason, &i.span));
        }
        let Some(t) = i.text() else { continue };
        match facts::parse_ports(&t) {
            Ok(p) => set = set.union(&p),
            Err(e) => return Known::from_unknown(unknown("ports", &e, &i.span)),
        }
    }
    Known::Known(set)
}

/// Members listed by key (`instances` of a target pool or group).
fn members(src: &Source, dump: &str, terraform: &str) -> Known<Vec<(String, Span)>> {
    let Some(v) = src.field(dump, terraform) else { return Known::Known(Vec::new()) };
    let mut out = Vec::new();
    // Elements known only after apply (`google_compute_instance.x.self_link`
    // in a configuration), each then named by the reference it was
    // written with.
    let mut unknown_elements: Vec<&Value> = Vec::new();
    match &v.kind {
        Kind::Unknown { .. } => unknown_elements.push(v),
        Kind::List(l) => {
            for x in l {
                match x.as_str() {
                    Some(s) if !s.is_empty() => out.push((key(s), x.span.clone())),
                    _ if x.is_unknown() => unknown_elements.push(x),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let mut named = Vec::new();
    if let Some(r) = src.resource {
        src.addresses(r, &[terraform.to_string()], &["google_compute_instance"], &mut named);
    }
    if let Some(first) = unknown_elements.first() {
        if named.len() < unknown_elements.len() && !matches!(v.kind, Kind::Unknown { .. } if !named.is_empty()) {
            let reason = first.unknown_reason().unwrap_or("not known before apply");
            return Known::from_unknown(unknown(terraform, reason, &first.span));
        }
    }
    for n in named {
        if !out.iter().any(|(k, _)| *k == n) {
            out.push((n, v.span.clone()));
        }
    }
    Known::Known(out)
}

pub fn pool(src: &Source) -> Option<PoolItem> {
    Some(PoolItem {
        id: src.id()?,
        aliases: src.aliases(),
        span: src.span(),
        instances: members(src, "instances", "instances"),
    })
}

pub fn backend(src: &Source) -> Option<BackendItem> {
    let id = src.id()?;
    let span = src.span();
    let scheme = match src.text("loadBalancingScheme", "load_balancing_scheme") {
        Some(Ok(s)) => Known::Known(s.to_ascii_uppercase()),
        Some(Err(u)) => Known::from_unknown(u),
        None => Known::Known(facts::DEFAULT_SCHEME.to_string()),
    };
    let mut groups = Vec::new();
    let mut unknown_group = None;
    let list = src.field("backends", "backend");
    let blocks: Vec<&Value> = match list.map(|v| &v.kind) {
        Some(Kind::List(l)) => l.iter().collect(),
        Some(Kind::Map(_)) => list.into_iter().collect(),
        Some(Kind::Unknown { reason, .. }) => {
            unknown_group = Some(unknown("backend", reason, &list.map(|v| v.span.clone()).unwrap_or(span.clone())));
            Vec::new()
        }
        _ => Vec::new(),
    };
    for b in blocks {
        match b.get("group") {
            Some(g) if g.is_unknown() => {
                let mut named = Vec::new();
                if let Some(r) = src.resource {
                    let keys = ["backend.group", "backend.0.group", "backend[0].group", "backend"].map(String::from);
                    src.addresses(
                        r,
                        &keys,
                        &["google_compute_instance_group", "google_compute_instance_group_manager"],
                        &mut named,
                    );
                    src.addresses(r, &keys, &["google_compute_region_instance_group_manager"], &mut named);
                }
                if named.is_empty() {
                    unknown_group = Some(unknown("backend.group", g.unknown_reason().unwrap_or(""), &g.span));
                }
                groups.extend(named.into_iter().filter(|n| !groups.contains(n)).collect::<Vec<_>>());
            }
            g => refs_in(g, &mut groups),
        }
    }
    let groups = match unknown_group {
        Some(u) => Known::from_unknown(u),
        None => Known::Known(groups),
    };
    let port_name = src.text("portName", "port_name").and_then(Result::ok);
    Some(BackendItem {
        id,
        aliases: src.aliases(),
        span,
        scheme,
        groups,
        port_name,
        location: src.location(),
        listed: src.resource.is_none(),
    })
}

pub fn group(src: &Source) -> Option<GroupItem> {
    let id = src.id()?;
    let span = src.span();
    // A dump's group (`gcloud compute instance-groups list`) does not list
    // its members; Terraform's unmanaged group does.
    let instances = if src.resource.is_some() {
        members(src, "instances", "instances")
    } else {
        Known::from_unknown(unknown("instances", "`gcloud compute instance-groups list` does not list members", &span))
    };
    Some(GroupItem { id, aliases: src.aliases(), span, instances, named_ports: named_ports(src) })
}

/// A managed instance group (Terraform): its instances are those created
/// by it, which an instance dump tells by `created-by`; Terraform cannot.
pub fn manager(src: &Source) -> Option<GroupItem> {
    let id = src.id()?;
    let span = src.span();
    let instances = Known::from_unknown(unknown(
        "instances",
        "the instances a managed instance group creates are not in a Terraform configuration",
        &span,
    ));
    Some(GroupItem { id, aliases: src.aliases(), span, instances, named_ports: named_ports(src) })
}

/// `namedPorts` / `named_port`: `(name, port)`, names lower-cased.
fn named_ports(src: &Source) -> Vec<(String, u16)> {
    let Some(v) = src.field("namedPorts", "named_port") else { return Vec::new() };
    let items: Vec<&Value> = match &v.kind {
        Kind::List(l) => l.iter().collect(),
        Kind::Map(_) => vec![v],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|p| {
            let name = p.get("name").and_then(Value::as_str)?;
            let port = p.get("port").and_then(Value::text).and_then(|t| t.parse::<u16>().ok())?;
            Some((name.to_ascii_lowercase(), port))
        })
        .collect()
}

pub fn proxy(src: &Source) -> Option<ProxyItem> {
    Some(ProxyItem {
        id: src.id()?,
        aliases: src.aliases(),
        span: src.span(),
        service: src.refs(
            "service",
            "backend_service",
            &["google_compute_backend_service", "google_compute_region_backend_service"],
        ),
        url_map: src.refs("urlMap", "url_map", &["google_compute_url_map", "google_compute_region_url_map"]),
    })
}

pub fn url_map(src: &Source) -> Option<UrlMapItem> {
    let mut services = src.refs(
        "defaultService",
        "default_service",
        &["google_compute_backend_service", "google_compute_region_backend_service"],
    );
    let tf = src.resource.is_some();
    let (matchers, rules, service) =
        if tf { ("path_matcher", "path_rule", "service") } else { ("pathMatchers", "pathRules", "service") };
    let default = if tf { "default_service" } else { "defaultService" };
    for m in src.field(matchers, matchers).and_then(Value::as_list).unwrap_or_default() {
        refs_in(m.get(default), &mut services);
        for r in m.get(rules).and_then(Value::as_list).unwrap_or_default() {
            refs_in(r.get(service), &mut services);
        }
    }
    Some(UrlMapItem { id: src.id()?, aliases: src.aliases(), span: src.span(), services })
}

pub fn address(src: &Source) -> Option<AddressItem> {
    let kind = src.text("addressType", "address_type").and_then(Result::ok);
    Some(AddressItem {
        id: src.id()?,
        aliases: src.aliases(),
        span: src.span(),
        address: src.text("address", "address").and_then(Result::ok),
        external: kind.is_none_or(|k| k.eq_ignore_ascii_case("EXTERNAL")),
    })
}
