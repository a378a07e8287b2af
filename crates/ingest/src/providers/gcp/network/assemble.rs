//! GCP path items onto the model's topology: a network per VPC network
//! (its routes one table, since GCP routes belong to the network), an
//! interface per instance network interface, a load balancer per
//! forwarding rule, a target group per target pool or backend service.

use super::{key, External, ForwardingRuleItem, Hop, Location, NetworkItems};
use crate::providers::alias_index;
use crate::providers::gcp::{facts, Instance};
use portcullis_model::topology::{
    AddressFamilies, Attachment, Described, Forward, Interface, InterfaceId, Listener, LoadBalancer, LoadBalancerKind,
    Member, Network, NetworkId, NextHop, Provider, PublicAddress, Route, RouteTable, RouteTableId, Scheme, SeenSource,
    Subnet, SubnetId, TargetGroup, TargetGroupId,
};
use portcullis_model::{AddrSet, Cidr, Estate, Known, Origin, Protocol, Span, Unknown};
use std::collections::BTreeMap;

/// What [`assemble`] needs from the firewall assembly: each instance's
/// estate target and the canonical key of its network.
pub struct Placed<'a> {
    pub instance: &'a Instance,
    pub target: usize,
    pub network: Option<String>,
}

struct Builder<'a> {
    items: &'a NetworkItems,
    estate: &'a mut Estate,
    networks: BTreeMap<String, NetworkId>,
    subnets: BTreeMap<NetworkId, SubnetId>,
    tables: BTreeMap<NetworkId, RouteTableId>,
    /// Instance key → its interfaces (nic0 first).
    interfaces: BTreeMap<String, Vec<InterfaceId>>,
    /// Managed group key → interfaces of the instances it created (nic0).
    created: BTreeMap<String, Vec<(InterfaceId, Span)>>,
    /// Every placed instance's first interface and where it lives: the
    /// candidates of a forward the input leaves open.
    placed: Vec<(InterfaceId, Location)>,
}

/// Puts GCP networks, routes, interfaces and load balancers onto the
/// estate's topology and attaches each placed instance to its interfaces.
/// `canon` gives a network's canonical key from any of its names.
/// `declared`: the networks a Terraform configuration declares (canonical
/// key, where, whether GCP gives it its default routes): their routes are
/// the configuration's plus those defaults.
pub fn assemble(
    items: &NetworkItems,
    declared: &[(String, Span, Known<bool>)],
    placed: &[Placed],
    canon: &dyn Fn(&[String]) -> Option<String>,
    estate: &mut Estate,
) {
    for d in &items.described {
        estate.topology.mark(Provider::Gcp, *d);
    }
    if placed.is_empty() && items.forwarding_rules.is_empty() && items.routes.is_empty() {
        return;
    }
    let mut b = Builder {
        items,
        estate,
        networks: BTreeMap::new(),
        subnets: BTreeMap::new(),
        tables: BTreeMap::new(),
        interfaces: BTreeMap::new(),
        created: BTreeMap::new(),
        placed: Vec::new(),
    };
    let routes_described = items.described.contains(&Described::RouteTables);
    for (name, span, default_route) in declared {
        let n = b.network(name);
        if let Some(x) = b.estate.topology.networks.get_mut(n.index()) {
            x.span = Some(span.clone());
        }
        let t = b.table(n);
        for dest in ["0.0.0.0/0", "::/0"] {
            let next_hop = match default_route {
                Known::Known(false) => continue,
                Known::Known(true) => NextHop::Internet { name: facts::DEFAULT_INTERNET_GATEWAY.into(), gateway: None },
                Known::Unknown(u) => NextHop::Middlebox {
                    name: facts::DEFAULT_INTERNET_GATEWAY.into(),
                    what: format!("the default route, which exists unless {} ({})", u.what, u.reason),
                },
            };
            b.estate.topology.route_tables[t.index()].routes.push(Route {
                destination: Known::Known(Cidr::parse(dest).into_iter().collect()),
                destination_label: dest.into(),
                next_hop,
                preference: facts::DEFAULT_ROUTE_PRIORITY,
                tags: Vec::new(),
                span: Some(span.clone()),
                origin: Origin::Default(format!("the default route GCP creates with network {name}")),
            });
        }
    }
    // Routes, per network: a dump of the routes describes every network's;
    // a configuration's routes complete only the networks it declares.
    for r in &items.routes {
        let Some(net) = canon(&r.network) else { continue };
        let n = b.network(&net);
        if !routes_described && !b.tables.contains_key(&n) {
            continue;
        }
        let t = b.table(n);
        let route = Route {
            destination: match &r.destination {
                Known::Known(c) => Known::Known(vec![*c]),
                Known::Unknown(u) => Known::Unknown(u.clone()),
            },
            destination_label: r.destination_label.clone(),
            next_hop: next_hop(&r.hop, &r.id),
            preference: r.priority,
            tags: r.tags.iter().map(|t| t.to_ascii_lowercase()).collect(),
            span: Some(r.span.clone()),
            origin: Origin::Explicit,
        };
        b.estate.topology.route_tables[t.index()].routes.push(route);
    }
    // Interfaces.
    for p in placed {
        let inst = p.instance;
        let tags: Vec<String> =
            inst.tags.known().map(|t| t.iter().map(|x| x.to_ascii_lowercase()).collect()).unwrap_or_default();
        let mut ids = Vec::new();
        for (i, nic) in inst.nics.iter().enumerate() {
            let net = canon(&nic.network).or_else(|| if i == 0 { p.network.clone() } else { None });
            let subnet = match &net {
                Some(n) => {
                    let id = b.network(n);
                    if routes_described {
                        // A network the routes dump lists no route of has none.
                        b.table(id);
                    }
                    Known::Known(b.subnet(id, &nic.span))
                }
                None => Known::from_unknown(Unknown {
                    what: format!("the network of {} {}", inst.id, nic.name),
                    reason: "not in the input".into(),
                    span: nic.span.clone(),
                }),
            };
            let public = |e: &Known<Option<External>>| match e {
                Known::Known(Some(x)) => Known::Known(Some(PublicAddress {
                    address: x.address.clone(),
                    what: x.what.clone(),
                    span: Some(x.span.clone()),
                })),
                Known::Known(None) => Known::Known(None),
                Known::Unknown(u) => Known::Unknown(u.clone()),
            };
            let private = nic
                .private
                .as_deref()
                .and_then(|a| Cidr::parse(a).ok())
                .map(|c| c.to_set())
                .unwrap_or_else(AddrSet::empty);
            let topology = &mut b.estate.topology;
            topology.interfaces.push(Interface {
                id: format!("{} {}", inst.id, nic.name),
                provider: Provider::Gcp,
                span: Some(nic.span.clone()),
                subnet,
                private,
                public_v4: public(&nic.external_v4),
                public_v6: public(&nic.external_v6),
                tags: tags.clone(),
            });
            let id = InterfaceId::at(topology.interfaces.len() - 1);
            topology.attach(p.target, Attachment::Interface(id));
            ids.push(id);
        }
        if let (Some(g), Some(&first)) = (&inst.created_by, ids.first()) {
            b.created.entry(g.clone()).or_default().push((first, inst.span.clone()));
        }
        if let Some(&first) = ids.first() {
            b.placed.push((first, inst.location.clone()));
        }
        for a in &inst.aliases {
            b.interfaces.entry(a.clone()).or_insert_with(|| ids.clone());
        }
    }
    b.load_balancers();
}

/// How a GCP next hop decides an inbound connection (the reply to the
/// source follows the route for the source): docs/semantics.md, "GCP".
fn next_hop(hop: &Hop, route: &str) -> NextHop {
    match hop {
        Hop::Gateway(g) if key(g) == facts::DEFAULT_INTERNET_GATEWAY => {
            NextHop::Internet { name: facts::DEFAULT_INTERNET_GATEWAY.into(), gateway: None }
        }
        Hop::Gateway(g) => NextHop::Middlebox { name: key(g), what: "a gateway".into() },
        Hop::Instance(i) => {
            NextHop::Middlebox { name: key(i), what: format!("an instance (next hop of route {route})") }
        }
        Hop::Ip(ip) => NextHop::Middlebox { name: ip.clone(), what: format!("an address (next hop of route {route})") },
        Hop::Ilb(l) => NextHop::Middlebox {
            name: key(l),
            what: format!("an internal passthrough Network Load Balancer (next hop of route {route})"),
        },
        Hop::VpnTunnel(t) => NextHop::Elsewhere {
            name: key(t),
            why: "a Cloud VPN tunnel: replies go to the peer network, not the internet".into(),
        },
        Hop::Peering(p) => NextHop::Elsewhere { name: p.clone(), why: "a peered VPC network, not the internet".into() },
        Hop::Hub(h) => {
            NextHop::Elsewhere { name: key(h), why: "a Network Connectivity Center hub, not the internet".into() }
        }
        Hop::Network(n) => NextHop::Local { name: key(n) },
        Hop::Unknown(u) => NextHop::Middlebox { name: route.to_string(), what: format!("a next hop ({})", u.reason) },
    }
}

impl Builder<'_> {
    fn network(&mut self, name: &str) -> NetworkId {
        if let Some(&n) = self.networks.get(name) {
            return n;
        }
        let topology = &mut self.estate.topology;
        topology.networks.push(Network {
            id: name.to_string(),
            provider: Provider::Gcp,
            span: None,
            main_route_table: None,
        });
        let id = NetworkId::at(topology.networks.len() - 1);
        self.networks.insert(name.to_string(), id);
        id
    }

    /// GCP routes belong to the network, not to subnets: every interface
    /// of a network sits in one stand-in subnet whose table is the
    /// network's routes.
    fn subnet(&mut self, network: NetworkId, span: &Span) -> SubnetId {
        if let Some(&s) = self.subnets.get(&network) {
            return s;
        }
        let topology = &mut self.estate.topology;
        let name = topology.network(network).map(|n| n.id.clone()).unwrap_or_default();
        topology.subnets.push(Subnet {
            id: format!("network {name}"),
            span: None,
            network: Some(network),
            cidrs: Known::from_unknown(Unknown {
                what: "subnet ranges".into(),
                reason: "GCP routes apply network-wide, so this stands for every subnet of the network".into(),
                span: span.clone(),
            }),
            route_table: None,
            guards: Vec::new(),
        });
        let id = SubnetId::at(topology.subnets.len() - 1);
        self.subnets.insert(network, id);
        id
    }

    fn table(&mut self, network: NetworkId) -> RouteTableId {
        if let Some(&t) = self.tables.get(&network) {
            return t;
        }
        let topology = &mut self.estate.topology;
        let name = topology.network(network).map(|n| n.id.clone()).unwrap_or_default();
        topology.route_tables.push(RouteTable {
            id: format!("routes of network {name}"),
            span: None,
            network: Some(network),
            routes: Vec::new(),
        });
        let id = RouteTableId::at(topology.route_tables.len() - 1);
        if let Some(n) = topology.networks.get_mut(network.index()) {
            n.main_route_table = Some(id);
        }
        self.tables.insert(network, id);
        id
    }

    fn load_balancers(&mut self) {
        let items = self.items;
        let pools = alias_index(&items.pools, |p| &p.aliases);
        let backends = alias_index(&items.backends, |p| &p.aliases);
        let groups = alias_index(&items.groups, |p| &p.aliases);
        let proxies = alias_index(&items.proxies, |p| &p.aliases);
        let maps = alias_index(&items.url_maps, |p| &p.aliases);
        let addresses = alias_index(&items.addresses, |p| &p.aliases);
        let mut pool_groups: BTreeMap<usize, TargetGroupId> = BTreeMap::new();
        let mut service_groups: BTreeMap<(usize, bool), TargetGroupId> = BTreeMap::new();
        for fr in &items.forwarding_rules {
            let scheme = match &fr.scheme {
                Known::Known(s) if s.starts_with("EXTERNAL") => Known::Known(Scheme::InternetFacing),
                Known::Known(_) => Known::Known(Scheme::Internal),
                Known::Unknown(u) => Known::Unknown(u.clone()),
            };
            let protocol = match &fr.protocol {
                Known::Known(p) if p == "UDP" => Protocol::UDP,
                Known::Known(p) if p == "TCP" || p == "L3_DEFAULT" => Protocol::TCP,
                Known::Known(_) => continue,
                Known::Unknown(_) => Protocol::TCP,
            };
            let address = fr.address.as_deref().map(|a| match addresses.get(&key(a)) {
                Some(&i) => items.addresses[i].address.clone().unwrap_or_else(|| items.addresses[i].id.clone()),
                None => a.to_string(),
            });
            // What the rule sends to: (target group, proxied).
            let mut forwards: Vec<(Known<TargetGroupId>, Option<Known<u16>>)> = Vec::new();
            let mut kind = LoadBalancerKind::GcpPassthrough;
            // A piece the input lacks leaves the forward open, to the
            // instances the input does not rule out.
            match (&fr.target, &fr.backend_service) {
                (_, Some(bs)) => match backends.get(bs) {
                    Some(&i) => {
                        forwards.push((Known::Known(self.service_group(i, false, &groups, &mut service_groups)), None))
                    }
                    None => forwards.push(self.open_forward(
                        fr,
                        format!("backend service {bs}"),
                        "backend-services",
                        false,
                        &groups,
                    )),
                },
                (Some((collection, t)), None) if collection == "targetPools" || facts::is_pool_key(t) => {
                    match pools.get(t) {
                        Some(&i) => {
                            let g = *pool_groups.entry(i).or_insert_with(|| self.pool_group(i));
                            forwards.push((Known::Known(g), None));
                        }
                        None => forwards.push(self.open_forward(
                            fr,
                            format!("target pool {t}"),
                            "target-pools",
                            false,
                            &groups,
                        )),
                    }
                }
                (Some((collection, t)), None) if facts::is_proxy_collection(collection) || proxies.contains_key(t) => {
                    kind = LoadBalancerKind::GcpProxy;
                    match proxies.get(t) {
                        None => {
                            let hint = facts::list_command(collection);
                            forwards.push(self.open_forward(fr, format!("target proxy {t}"), hint, true, &groups))
                        }
                        Some(&p) => {
                            let proxy = &items.proxies[p];
                            let mut services: Vec<Result<usize, (String, &str)>> = Vec::new();
                            for s in &proxy.service {
                                services.push(
                                    backends
                                        .get(s)
                                        .copied()
                                        .ok_or((format!("backend service {s}"), "backend-services")),
                                );
                            }
                            for m in &proxy.url_map {
                                match maps.get(m) {
                                    None => services.push(Err((format!("URL map {m}"), "url-maps"))),
                                    Some(&mi) => {
                                        for s in &items.url_maps[mi].services {
                                            services.push(
                                                backends
                                                    .get(s)
                                                    .copied()
                                                    .ok_or((format!("backend service {s}"), "backend-services")),
                                            );
                                        }
                                    }
                                }
                            }
                            if services.is_empty() {
                                services.push(Err((format!("what target proxy {} sends to", proxy.id), "")));
                            }
                            for s in services {
                                match s {
                                    Ok(i) => {
                                        let g = self.service_group(i, true, &groups, &mut service_groups);
                                        let port = self.named_port(i, &groups);
                                        forwards.push((Known::Known(g), Some(port)));
                                    }
                                    Err((what, hint)) => {
                                        forwards.push(self.open_forward(fr, what, hint, true, &groups))
                                    }
                                }
                            }
                        }
                    }
                }
                (Some((collection, t)), None) => {
                    // A target instance or another target this reader does
                    // not follow: where it sends is unknown.
                    forwards.push((
                        Known::from_unknown(Unknown {
                            what: format!("where {} sends traffic ({collection} {t})", fr.id),
                            reason: "this kind of target is not followed".into(),
                            span: fr.span.clone(),
                        }),
                        None,
                    ));
                }
                (None, None) => continue,
            }
            let mut listeners = Vec::new();
            for (group, port) in forwards {
                let (ports, forward_port) = match port {
                    None => (fr.ports.clone(), None),
                    Some(Known::Known(p)) => (fr.ports.clone(), Some(p)),
                    Some(Known::Unknown(u)) => (Known::Unknown(u), None),
                };
                listeners.push(Listener {
                    ports,
                    protocol,
                    label: format!("forwarding rule {}", fr.id),
                    span: fr.ports_span.clone().or_else(|| Some(fr.span.clone())),
                    forwards: vec![Forward { group, port: forward_port, span: Some(fr.span.clone()) }],
                });
            }
            let public = match (&scheme, address) {
                (Known::Known(Scheme::InternetFacing), Some(a)) => vec![PublicAddress {
                    address: Some(a),
                    what: "forwarding rule address".into(),
                    span: Some(fr.span.clone()),
                }],
                _ => Vec::new(),
            };
            self.estate.topology.load_balancers.push(LoadBalancer {
                id: fr.id.clone(),
                kind,
                span: Some(fr.span.clone()),
                scheme,
                families: if fr.ipv6 { AddressFamilies::DualStack } else { AddressFamilies::Ipv4 },
                network: None,
                subnets: Vec::new(),
                guards: Vec::new(),
                group_names: Vec::new(),
                node_addresses: AddrSet::empty(),
                public,
                listeners,
                // Passthrough: direct server return, the reply leaves by
                // the backend's own routes (docs/semantics.md, "GCP"); a
                // proxy's reply goes back through the proxy.
                replies_by_target_routes: kind == LoadBalancerKind::GcpPassthrough,
            });
        }
    }

    /// An open forward of `fr` to a piece of its path the input lacks
    /// ([`Builder::open_group`]).
    fn open_forward(
        &mut self,
        fr: &ForwardingRuleItem,
        what: String,
        hint: &str,
        proxied: bool,
        groups: &BTreeMap<String, usize>,
    ) -> (Known<TargetGroupId>, Option<Known<u16>>) {
        (Known::Known(self.open_group(fr, what, hint, proxied, groups)), None)
    }

    /// A stand-in target group for a piece of `fr`'s path the input lacks
    /// (`what`: `target proxy kcm-tcp-proxy`): its members are unknown,
    /// but only some instances can be among them, which
    /// [`Topology::candidates`](portcullis_model::topology::Topology)
    /// records: those in the rule's region (a regional load balancer's
    /// backends are in its region), and, behind a proxy, of the project's
    /// backend services with the rule's scheme when `gcloud compute
    /// backend-services list` lists them (docs/semantics.md, "GCP").
    fn open_group(
        &mut self,
        fr: &ForwardingRuleItem,
        what: String,
        hint: &str,
        proxied: bool,
        groups: &BTreeMap<String, usize>,
    ) -> TargetGroupId {
        let items = self.items;
        let mut candidates = Vec::new();
        for (interface, location) in &self.placed {
            if !fr.location.same_region(location) {
                continue;
            }
            if proxied {
                // The project's listed services with the rule's scheme:
                // the instance must be in one of them (or in a group
                // whose members the input does not show).
                let listed: Vec<usize> = (0..items.backends.len())
                    .filter(|&i| {
                        let s = &items.backends[i];
                        s.listed && s.location.project.is_some() && s.location.project == location.project
                    })
                    .collect();
                let scheme_matches = |i: &usize| match (&items.backends[*i].scheme, &fr.scheme) {
                    (Known::Known(a), Known::Known(b)) => a == b,
                    _ => true,
                };
                if !listed.is_empty()
                    && !listed.iter().filter(|i| scheme_matches(i)).any(|&i| self.may_hold(i, *interface, groups))
                {
                    continue;
                }
            }
            candidates.push(*interface);
        }
        let hint = if hint.is_empty() { String::new() } else { format!(" (add `gcloud compute {hint} list`)") };
        let scope = match &fr.location.region {
            Some(r) => format!("; it can reach only instances in region {r}"),
            None => String::new(),
        };
        let seen_source = if proxied {
            Known::Known(SeenSource::LoadBalancer { addresses: facts::front_end_ranges() })
        } else {
            Known::Known(SeenSource::Client)
        };
        let g = self.push_group(TargetGroup {
            id: what,
            span: None,
            network: None,
            port: None,
            protocol: Protocol::TCP,
            seen_source,
            members: Known::from_unknown(Unknown {
                what: "its instances".into(),
                reason: format!("not in the input{hint}{scope}"),
                span: fr.span.clone(),
            }),
        });
        self.estate.topology.candidates.push((g, candidates));
        g
    }

    /// Whether backend service `i` may send to `interface`: one of its
    /// groups holds it, or holds members the input does not show.
    fn may_hold(&self, i: usize, interface: InterfaceId, groups: &BTreeMap<String, usize>) -> bool {
        let items = self.items;
        let Known::Known(list) = &items.backends[i].groups else { return true };
        list.iter().any(|g| {
            if let Some(created) = self.created.get(g) {
                return created.iter().any(|(i, _)| *i == interface);
            }
            match groups.get(g).map(|&gi| &items.groups[gi].instances) {
                Some(Known::Known(names)) => {
                    names.iter().any(|(k, _)| self.interfaces.get(k).and_then(|v| v.first()) == Some(&interface))
                }
                _ => true,
            }
        })
    }

    /// A target pool's members as a target group: passthrough, the client's
    /// address arrives, to `nic0`.
    fn pool_group(&mut self, i: usize) -> TargetGroupId {
        let items = self.items;
        let p = &items.pools[i];
        let members = match &p.instances {
            Known::Known(list) => Known::Known(
                list.iter()
                    .filter_map(|(k, span)| {
                        let first = self.interfaces.get(k)?.first()?;
                        Some(Member { interface: *first, port: None, span: Some(span.clone()) })
                    })
                    .collect(),
            ),
            Known::Unknown(u) => Known::Unknown(u.clone()),
        };
        self.push_group(TargetGroup {
            id: p.id.clone(),
            span: Some(p.span.clone()),
            network: None,
            port: None,
            protocol: Protocol::TCP,
            seen_source: Known::Known(SeenSource::Client),
            members,
        })
    }

    /// A backend service's instance groups as a target group; `proxied`:
    /// reached through a target proxy, so Google's front ends connect.
    fn service_group(
        &mut self,
        i: usize,
        proxied: bool,
        groups: &BTreeMap<String, usize>,
        cache: &mut BTreeMap<(usize, bool), TargetGroupId>,
    ) -> TargetGroupId {
        if let Some(&g) = cache.get(&(i, proxied)) {
            return g;
        }
        let items = self.items;
        let s = &items.backends[i];
        let members = match &s.groups {
            Known::Unknown(u) => Known::Unknown(u.clone()),
            Known::Known(list) => {
                let mut out = Vec::new();
                let mut missing: Option<Unknown> = None;
                for g in list {
                    // A managed group's instances say they were created by it.
                    if let Some(created) = self.created.get(g) {
                        out.extend(created.iter().map(|(i, span)| Member {
                            interface: *i,
                            port: None,
                            span: Some(span.clone()),
                        }));
                        continue;
                    }
                    match groups.get(g).map(|&gi| &items.groups[gi].instances) {
                        Some(Known::Known(names)) => {
                            for (k, span) in names {
                                if let Some(first) = self.interfaces.get(k).and_then(|v| v.first()) {
                                    out.push(Member { interface: *first, port: None, span: Some(span.clone()) });
                                }
                            }
                        }
                        Some(Known::Unknown(u)) => {
                            missing =
                                Some(Unknown { what: format!("the instances of instance group {g}"), ..(**u).clone() })
                        }
                        None => {
                            missing = Some(Unknown {
                                what: format!("the instances of instance group {g}"),
                                reason:
                                    "the group is not in the input, and no instance in it says the group created it"
                                        .into(),
                                span: s.span.clone(),
                            })
                        }
                    }
                }
                match missing {
                    Some(u) => Known::from_unknown(u),
                    None => Known::Known(out),
                }
            }
        };
        let seen_source = if proxied {
            Known::Known(SeenSource::LoadBalancer { addresses: facts::front_end_ranges() })
        } else {
            Known::Known(SeenSource::Client)
        };
        let g = self.push_group(TargetGroup {
            id: s.id.clone(),
            span: Some(s.span.clone()),
            network: None,
            port: None,
            protocol: Protocol::TCP,
            seen_source,
            members,
        });
        cache.insert((i, proxied), g);
        g
    }

    /// The port a proxy connects to on a backend service's instances: its
    /// `portName` looked up in its groups' named ports.
    fn named_port(&self, i: usize, groups: &BTreeMap<String, usize>) -> Known<u16> {
        let s = &self.items.backends[i];
        let name = s.port_name.as_deref().unwrap_or(facts::DEFAULT_PORT_NAME).to_ascii_lowercase();
        let mut found = None;
        if let Known::Known(list) = &s.groups {
            for g in list {
                if let Some(&gi) = groups.get(g) {
                    if let Some((_, p)) = self.items.groups[gi].named_ports.iter().find(|(n, _)| *n == name) {
                        found = Some(*p);
                    }
                }
            }
        }
        match found {
            Some(p) => Known::Known(p),
            None => Known::from_unknown(Unknown {
                what: format!("the port {} connects to (named port {name})", s.id),
                reason: "the instance group's named ports are not in the input".into(),
                span: s.span.clone(),
            }),
        }
    }

    fn push_group(&mut self, g: TargetGroup) -> TargetGroupId {
        let topology = &mut self.estate.topology;
        topology.target_groups.push(g);
        TargetGroupId::at(topology.target_groups.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_hops_decide_inbound_replies() {
        let gw = "https://www.googleapis.com/compute/v1/projects/p/global/gateways/default-internet-gateway";
        assert!(matches!(next_hop(&Hop::Gateway(gw.into()), "r"), NextHop::Internet { gateway: None, .. }));
        assert!(matches!(next_hop(&Hop::Instance("zones/z/instances/nat".into()), "r"), NextHop::Middlebox { .. }));
        assert!(matches!(next_hop(&Hop::Ilb("10.0.0.9".into()), "r"), NextHop::Middlebox { .. }));
        assert!(matches!(next_hop(&Hop::VpnTunnel("t".into()), "r"), NextHop::Elsewhere { .. }));
        assert!(matches!(next_hop(&Hop::Peering("peer".into()), "r"), NextHop::Elsewhere { .. }));
        assert!(matches!(next_hop(&Hop::Network("global/networks/default".into()), "r"), NextHop::Local { .. }));
    }
}
