//! Reachability: which internet sources have a complete path to a target,
//! through which hops, and — where none or only some do — what is missing.
//!
//! Two kinds of path reach a target's interface (docs/semantics.md,
//! "Reachability"):
//!
//! - **direct**: the interface has a public address of the source's
//!   family, and its subnet's route table sends the source back to an
//!   internet gateway (longest prefix match, [`crate::routes`]); then the
//!   target's own guard layers decide, as [`crate::evaluate`] computes;
//! - **through a load balancer**: an internet-facing load balancer whose
//!   subnets route the source to an internet gateway, whose guards admit it
//!   on a listener port, forwards to a target group holding the interface on
//!   the asked port; the target's guards must then admit whatever source
//!   the target sees (the client, or the load balancer).
//!
//! Everything is computed under the two bounds of [`crate::Bound`]: an
//! unknown value the path depends on makes the upper bound hold more than
//! the lower one, and the answer for sources between them is unknown.
//! Absence is never read as "no path": a missing input makes the part it
//! would decide unknown, with the piece named.

use crate::routes::{self, Outcome, RouteSplit};
use crate::{eval_layer, Bound, Exposure, Piece};
use portcullis_model::named::public;
use portcullis_model::topology::{
    AddressFamilies, Attachment, Described, Gateway, GatewayId, Interface, InterfaceId, Listener, LoadBalancer,
    LoadBalancerId, NetworkId, NextHop, Provider, RouteTableId, Scheme, SeenSource, SubnetId, TargetGroupId, Topology,
};
use portcullis_model::{AddrSet, Estate, InternalSource, Known, Protocol, Span, Target, Unknown};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

mod nodes;

/// One hop of a path, as findings show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// `internet gateway`, `route`, `network ACL`, `public address`,
    /// `load balancer`, `listener`, `target group`, `interface`,
    /// `security group`, or another layer kind.
    pub kind: String,
    pub resource: String,
    /// Where it is written; `None` when the input only refers to it.
    pub span: Option<Span>,
    pub detail: String,
}

/// Why some sources have no path (`unknown: false`), or may have one the
/// input does not decide (`unknown: true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub unknown: bool,
    pub text: String,
    /// The sources it concerns (a family, a route's share).
    pub scope: AddrSet,
}

impl Missing {
    fn none(text: String, scope: AddrSet) -> Missing {
        Missing { unknown: false, text, scope }
    }
    fn unknown(text: String, scope: AddrSet) -> Missing {
        Missing { unknown: true, text, scope }
    }
}

/// Sources of one family that a subnet's routes send back to the
/// internet: the same for every interface of the subnet, so shared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoutePart {
    pub lower: AddrSet,
    pub upper: AddrSet,
    /// The gateway and route hops that carry each part.
    pub legs: Vec<(AddrSet, Vec<Hop>)>,
    pub missing: Vec<Missing>,
}

impl RoutePart {
    fn unknown(missing: Missing) -> Arc<RoutePart> {
        Arc::new(RoutePart { upper: missing.scope.clone(), missing: vec![missing], ..Default::default() })
    }

    /// Both families' parts as one.
    fn join(parts: &[Arc<RoutePart>]) -> RoutePart {
        let mut out = RoutePart::default();
        for p in parts {
            out.lower.union_in_place(&p.lower);
            out.upper.union_in_place(&p.upper);
            out.legs.extend(p.legs.iter().cloned());
            out.missing.extend(p.missing.iter().cloned());
        }
        out
    }
}

/// Internet sources routed to one interface through its public addresses,
/// before the target's guard layers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectPath {
    pub interface: Option<InterfaceId>,
    pub lower: AddrSet,
    pub upper: AddrSet,
    /// The routes of each family that has (or may have) a public address.
    pub routes: Vec<Arc<RoutePart>>,
    /// The public address hop of each family that has one.
    pub public: Vec<(AddrSet, Hop)>,
    /// What the interface itself lacks (a public address).
    pub missing: Vec<Missing>,
}

impl DirectPath {
    /// The gateway and route hops that carry each part.
    pub fn legs(&self) -> impl Iterator<Item = &(AddrSet, Vec<Hop>)> {
        self.routes.iter().flat_map(|r| r.legs.iter())
    }

    /// Everything missing on this path.
    pub fn all_missing(&self) -> impl Iterator<Item = &Missing> {
        self.missing.iter().chain(self.routes.iter().flat_map(|r| r.missing.iter()))
    }
}

/// Internet sources that reach the target through one load balancer
/// listener, with the target's guards already applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BalancedPath {
    pub load_balancer: Option<LoadBalancerId>,
    /// What the load balancer admits on its listener (its guards, its
    /// subnets' guards) that the target then admits: what the exposure class
    /// counts.
    pub admitted_lower: AddrSet,
    pub admitted_upper: AddrSet,
    /// Of those, the sources whose replies are routed to the internet.
    pub reach_lower: AddrSet,
    pub reach_upper: AddrSet,
    /// The rules that let them in: the load balancer's side, and the
    /// target's rules that admit the load balancer (with the sources they
    /// pass on).
    pub pieces: Vec<Piece>,
    /// Unknown values these depend on.
    pub unknowns: Vec<Unknown>,
    pub hops: Vec<Hop>,
    pub missing: Vec<Missing>,
    /// A path through a Kubernetes node's port ([`nodes`]), not a load
    /// balancer: without a path, its hops are what the input shows.
    pub node: bool,
}

/// Every internet path to one target on one port.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paths {
    pub direct: Vec<DirectPath>,
    pub balanced: Vec<BalancedPath>,
    /// Pieces missing for the target as a whole (not attached, no load
    /// balancers in the input).
    pub missing: Vec<Missing>,
}

/// The answer about a path for a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// A complete path exists for at least part of the sources.
    Internet,
    /// The rules admit them, but no path exists today.
    None,
    /// The input does not decide it.
    Unknown,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Internet => "internet",
            Reach::None => "none",
            Reach::Unknown => "unknown",
        }
    }
}

/// The path verdict for a set of sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub reach: Reach,
    /// One sentence for `none` and `unknown`.
    pub reason: Option<String>,
    /// The hops of the path, in order (for `none`, as far as it goes).
    pub via: Vec<Hop>,
}

/// Where an interface is a target of a load balancer.
#[derive(Clone, Copy, Debug)]
struct Membership {
    lb: LoadBalancerId,
    listener: usize,
    forward: usize,
    group: TargetGroupId,
    member: usize,
}

/// A forward whose targets the input does not list: any interface of its
/// network may be one.
#[derive(Clone, Debug)]
struct OpenForward {
    lb: LoadBalancerId,
    network: Option<NetworkId>,
    what: String,
    /// The only interfaces it may reach, when the input narrows them
    /// ([`Topology::candidates`]); sorted.
    among: Option<Vec<InterfaceId>>,
    /// The addresses a target sees it connect from when they are the
    /// provider's own ranges (Google's front ends): a target whose rules
    /// admit none of them on the port is not reached through it.
    peers: AddrSet,
}

impl OpenForward {
    /// Whether it may reach `interface` (in `network`).
    fn may_reach(&self, interface: InterfaceId, network: Option<NetworkId>) -> bool {
        match &self.among {
            Some(list) => list.binary_search(&interface).is_ok(),
            None => self.network.is_none() || network.is_none() || self.network == network,
        }
    }
}

/// A load balancer, one of its listeners, the port it listens on, the
/// protocol.
type FrontKey = (LoadBalancerId, usize, u16, Protocol);

/// Reachability over one estate: indexes built once, route tables split
/// once each (lazily, from any thread).
pub struct Reachability<'e> {
    estate: &'e Estate,
    attachments: Vec<Vec<Attachment>>,
    splits: Vec<OnceLock<Arc<RouteSplit>>>,
    /// Tables with routes that apply to tagged interfaces only: split per
    /// interface, not cached.
    tagged: Vec<bool>,
    members: HashMap<InterfaceId, Vec<Membership>>,
    open: Vec<OpenForward>,
    /// Each route table's part for each family (IPv4, IPv6), computed once:
    /// most interfaces share a handful of tables.
    parts: Vec<[OnceLock<Arc<RoutePart>>; 2]>,
    /// Whether some gateway routes inbound traffic by its own table: then
    /// a part depends on the interface's address and is not shared.
    ingress_routing: bool,
    /// A load balancer's side of the path per listener and port, computed
    /// once for all its targets.
    fronts: Mutex<HashMap<FrontKey, Arc<BalancedPath>>>,
}

fn v4() -> &'static AddrSet {
    static S: OnceLock<AddrSet> = OnceLock::new();
    S.get_or_init(AddrSet::all_v4)
}

fn v6() -> &'static AddrSet {
    static S: OnceLock<AddrSet> = OnceLock::new();
    S.get_or_init(AddrSet::all_v6)
}

fn family_name(fam: &AddrSet) -> &'static str {
    if fam.v6.is_empty() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// An interface's addresses for a hop: `10.0.2.20`, not `10.0.2.20/32`.
fn addresses(set: &AddrSet) -> String {
    let all: Vec<String> = set
        .to_cidr_strings()
        .into_iter()
        .map(|c| c.strip_suffix("/32").or_else(|| c.strip_suffix("/128")).map(str::to_string).unwrap_or(c))
        .collect();
    all.join(", ")
}

/// A short list of blocks for a reason: `0.0.0.0/0`, `a, b and 3 more`.
fn blocks(set: &AddrSet) -> String {
    let all = set.to_cidr_strings();
    match all.len() {
        0 => "no address".into(),
        1..=3 => all.join(", "),
        n => format!("{} and {} more", all[..3].join(", "), n - 3),
    }
}

fn provider_hint(p: Provider, what: Described) -> &'static str {
    match (p, what) {
        (Provider::Aws, Described::RouteTables) => " (add `aws ec2 describe-route-tables`)",
        (Provider::Aws, Described::LoadBalancers) => {
            " (add `aws elbv2 describe-load-balancers` and `aws elb describe-load-balancers`)"
        }
        (Provider::Aws, Described::LoadBalancerTargets) => " (add `aws elbv2 describe-target-health`)",
        (Provider::Azure, Described::RouteTables) => " (add `az network route-table list`)",
        (Provider::Azure, Described::LoadBalancers) => " (add `az network lb list`)",
        (Provider::Gcp, Described::RouteTables) => " (add `gcloud compute routes list`)",
        (Provider::Gcp, Described::LoadBalancers) => " (add `gcloud compute forwarding-rules list`)",
        _ => "",
    }
}

impl<'e> Reachability<'e> {
    pub fn new(estate: &'e Estate) -> Self {
        let topology = &estate.topology;
        let mut attachments = vec![Vec::new(); estate.targets.len()];
        for &(t, a) in &topology.attachments {
            if let Some(list) = attachments.get_mut(t) {
                if !list.contains(&a) {
                    list.push(a);
                }
            }
        }
        let mut members: HashMap<InterfaceId, Vec<Membership>> = HashMap::new();
        let mut open = Vec::new();
        for (li_b, lb) in topology.load_balancers.iter().enumerate() {
            let lb_id = LoadBalancerId::at(li_b);
            for (li, listener) in lb.listeners.iter().enumerate() {
                for (fi, forward) in listener.forwards.iter().enumerate() {
                    let group = match &forward.group {
                        Known::Known(g) => *g,
                        Known::Unknown(u) => {
                            open.push(OpenForward {
                                lb: lb_id,
                                network: lb.network,
                                what: format!("where {} {} sends traffic: {}", lb.id, listener.label, u.reason),
                                among: None,
                                peers: AddrSet::empty(),
                            });
                            continue;
                        }
                    };
                    let Some(tg) = topology.target_group(group) else { continue };
                    match &tg.members {
                        Known::Known(list) => {
                            for (mi, m) in list.iter().enumerate() {
                                members.entry(m.interface).or_default().push(Membership {
                                    lb: lb_id,
                                    listener: li,
                                    forward: fi,
                                    group,
                                    member: mi,
                                });
                            }
                        }
                        Known::Unknown(u) => open.push(OpenForward {
                            lb: lb_id,
                            network: tg.network.or(lb.network),
                            what: format!("the targets of {} ({}): {}", tg.id, lb.id, u.reason),
                            among: topology.candidates.iter().find(|(g, _)| *g == group).map(|(_, list)| {
                                let mut list = list.clone();
                                list.sort_unstable();
                                list
                            }),
                            peers: match &tg.seen_source {
                                Known::Known(SeenSource::LoadBalancer { addresses }) => addresses.clone(),
                                _ => AddrSet::empty(),
                            },
                        }),
                    }
                }
            }
        }
        Reachability {
            estate,
            attachments,
            splits: (0..topology.route_tables.len()).map(|_| OnceLock::new()).collect(),
            tagged: topology.route_tables.iter().map(|t| t.routes.iter().any(|r| !r.tags.is_empty())).collect(),
            members,
            open,
            parts: (0..topology.route_tables.len()).map(|_| [OnceLock::new(), OnceLock::new()]).collect(),
            ingress_routing: topology.gateways.iter().any(|g| g.ingress_route_table.is_some()),
            fronts: Mutex::new(HashMap::new()),
        }
    }

    fn topology(&self) -> &'e Topology {
        &self.estate.topology
    }

    /// Whether any of the target's ports can depend on the port itself
    /// through a load balancer (so answers cannot be shared between ports
    /// that match the same rules).
    pub fn port_dependent(&self, target: usize) -> bool {
        self.attachments.get(target).is_some_and(|list| {
            list.iter().any(|a| match a {
                Attachment::Interface(i) => self.members.contains_key(i),
                Attachment::Frontend(_) | Attachment::NodePorts(_) => true,
            })
        })
    }

    /// The split of `table` as it applies to an interface with `tags`.
    fn split(&self, table: RouteTableId, tags: &[String]) -> Option<Arc<RouteSplit>> {
        let t = self.topology().route_table(table)?;
        if self.tagged.get(table.index()).copied().unwrap_or(false) {
            return Some(Arc::new(routes::split(self.topology(), t, |r| {
                r.tags.is_empty() || r.tags.iter().any(|x| tags.contains(x))
            })));
        }
        let cell = self.splits.get(table.index())?;
        Some(cell.get_or_init(|| Arc::new(routes::split(self.topology(), t, |_| true))).clone())
    }

    /// Sources of family `fam` (one family, or every address) routed to the
    /// internet from `subnet`, the hops that carry them, and what is
    /// missing. `to` is where inbound traffic is delivered (for a gateway
    /// route table), `who` names it.
    fn route_part(
        &self,
        provider: Provider,
        subnet: &Known<SubnetId>,
        tags: &[String],
        to: &AddrSet,
        who: &str,
        fam: &AddrSet,
    ) -> Arc<RoutePart> {
        let topology = self.topology();
        let subnet = match subnet {
            Known::Known(s) => *s,
            Known::Unknown(u) => {
                let text = format!("the subnet of {who} is unknown: {}", u.reason);
                return RoutePart::unknown(Missing::unknown(text, fam.clone()));
            }
        };
        let subnet_name = topology.subnet(subnet).map(|s| s.id.as_str()).unwrap_or("its subnet");
        let Some(table) = topology.route_table_of(subnet) else {
            let text = if topology.has(provider, Described::RouteTables) {
                let network = topology.subnet(subnet).and_then(|s| s.network).and_then(|n| topology.network(n));
                match network {
                    Some(n) => format!(
                        "the route table of {subnet_name} is not in the input (no explicit association, and the main route table of {} is not described)",
                        n.id
                    ),
                    None => format!("the route table of {subnet_name} is not in the input"),
                }
            } else {
                format!(
                    "the input has no {} route tables, so the route from {subnet_name} back to the internet is unknown{}",
                    provider.name(),
                    provider_hint(provider, Described::RouteTables)
                )
            };
            return RoutePart::unknown(Missing::unknown(text, fam.clone()));
        };
        let shared = !self.ingress_routing && !self.tagged.get(table.index()).copied().unwrap_or(false);
        let mut parts = Vec::with_capacity(2);
        for (k, f) in [v4(), v6()].into_iter().enumerate() {
            if !fam.intersects(f) {
                continue;
            }
            let part = match self.parts.get(table.index()).filter(|_| shared) {
                Some(cells) => cells[k].get_or_init(|| Arc::new(self.table_part(table, tags, to, who, f))).clone(),
                None => Arc::new(self.table_part(table, tags, to, who, f)),
            };
            parts.push(part);
        }
        match parts.len() {
            1 => parts.pop().unwrap_or_default(),
            _ => Arc::new(RoutePart::join(&parts)),
        }
    }

    /// What `table` does with sources of family `fam`.
    fn table_part(&self, table: RouteTableId, tags: &[String], to: &AddrSet, who: &str, fam: &AddrSet) -> RoutePart {
        let topology = self.topology();
        let mut out = RoutePart::default();
        let Some(split) = self.split(table, tags) else { return out };
        let Some(rt) = topology.route_table(table) else { return out };
        out.lower = split.internet_lower.intersect(fam);
        out.upper = split.internet_upper.intersect(fam);
        for u in &split.unknowns {
            out.missing.push(Missing::unknown(u.clone(), fam.clone()));
        }
        for (share, part) in split.shares_of(fam) {
            let route = share.route.and_then(|r| rt.routes.get(r));
            let dest = route.map(|r| r.destination_label.as_str()).unwrap_or("");
            match &share.outcome {
                Outcome::Internet => {
                    let Some(route) = route else { continue };
                    let gateway = match &route.next_hop {
                        NextHop::Internet { gateway, .. } => *gateway,
                        _ => None,
                    };
                    if let Some(m) = gateway.and_then(|g| self.ingress(g, to, who)) {
                        out.lower = out.lower.difference(&part);
                        if !m.unknown {
                            out.upper = out.upper.difference(&part);
                        }
                        out.missing.push(Missing { scope: part.clone(), ..m });
                    }
                    let g = gateway.and_then(|g| topology.gateway(g));
                    let mut hops = vec![Hop {
                        kind: "internet gateway".into(),
                        resource: route.next_hop.name().to_string(),
                        span: g.and_then(|g| g.span.clone()),
                        detail: rt
                            .network
                            .and_then(|n| topology.network(n))
                            .map(|n| format!("attached to {}", n.id))
                            .unwrap_or_default(),
                    }];
                    hops.push(Hop {
                        kind: "route".into(),
                        resource: rt.id.clone(),
                        span: route.span.clone().or_else(|| rt.span.clone()),
                        detail: format!("{dest} → {}", route.next_hop.name()),
                    });
                    out.legs.push((part, hops));
                }
                Outcome::Unknown(why) => {
                    let text = match route {
                        Some(_) => format!("{} sends {dest} to {why}", rt.id),
                        None => why.clone(),
                    };
                    out.missing.push(Missing::unknown(text, part));
                }
                Outcome::Elsewhere(why) => {
                    let text = match route {
                        Some(_) => format!("{} sends {dest} to {why}", rt.id),
                        None => format!("{} has no route back to {}", rt.id, blocks(&part)),
                    };
                    out.missing.push(Missing::none(text, part));
                }
                Outcome::Local => {
                    out.missing.push(Missing::none(format!("{} keeps {dest} within the network", rt.id), part));
                }
            }
        }
        out
    }

    /// What a gateway's own route table does with inbound traffic to `to`
    /// (AWS edge association): `None` when it delivers it as addressed.
    fn ingress(&self, gateway: GatewayId, to: &AddrSet, who: &str) -> Option<Missing> {
        let topology = self.topology();
        let g: &Gateway = topology.gateway(gateway)?;
        let table = g.ingress_route_table?;
        let split = self.split(table, &[])?;
        let rt = topology.route_table(table)?;
        if to.is_empty() {
            return Some(Missing::unknown(
                format!("{} routes inbound traffic by {}, and the address of {who} is not in the input", g.id, rt.id),
                AddrSet::empty(),
            ));
        }
        for (share, _) in split.shares_of(to) {
            let dest = share.route.and_then(|r| rt.routes.get(r)).map(|r| r.destination_label.as_str()).unwrap_or("");
            match &share.outcome {
                Outcome::Local | Outcome::Internet => {}
                Outcome::Unknown(why) => {
                    return Some(Missing::unknown(
                        format!(
                            "{} routes inbound traffic for {who} ({dest}, gateway route table {}) to {why}",
                            g.id, rt.id
                        ),
                        AddrSet::empty(),
                    ))
                }
                Outcome::Elsewhere(why) => {
                    return Some(Missing::none(
                        format!("{} routes inbound traffic for {who} (gateway route table {}) to {why}", g.id, rt.id),
                        AddrSet::empty(),
                    ))
                }
            }
        }
        None
    }

    /// The direct path to one interface.
    fn direct(&self, id: InterfaceId) -> DirectPath {
        let Some(it) = self.topology().interface(id) else { return DirectPath::default() };
        let mut out = DirectPath { interface: Some(id), ..Default::default() };
        for (fam, public) in [(v4(), &it.public_v4), (v6(), &it.public_v6)] {
            let name = family_name(fam);
            let (sure, hop) = match public {
                Known::Known(None) => {
                    let text = if fam.v6.is_empty() {
                        format!("{} has no public IPv4 address", it.id)
                    } else {
                        format!("{} has no IPv6 address", it.id)
                    };
                    out.missing.push(Missing::none(text, fam.clone()));
                    continue;
                }
                Known::Unknown(u) => {
                    out.missing.push(Missing::unknown(
                        format!("whether {} has a public {name} address: {} is unknown ({})", it.id, u.what, u.reason),
                        fam.clone(),
                    ));
                    (false, None)
                }
                Known::Known(Some(p)) => {
                    let detail = match &p.address {
                        Some(a) => format!("{} {a}", p.what),
                        None => p.what.clone(),
                    };
                    let hop = Hop {
                        kind: "public address".into(),
                        resource: it.id.clone(),
                        span: p.span.clone().or_else(|| it.span.clone()),
                        detail,
                    };
                    (true, Some(hop))
                }
            };
            let part = self.route_part(it.provider, &it.subnet, &it.tags, &it.private, &it.id, fam);
            if sure {
                out.lower.union_in_place(&part.lower);
            }
            out.upper.union_in_place(&part.upper);
            out.routes.push(part);
            if let Some(h) = hop {
                out.public.push((fam.clone(), h));
            }
        }
        out
    }

    /// Every internet path to `target` for `proto`/`port`; `exposure` is
    /// what its guard layers admit there ([`crate::evaluate`]).
    pub fn paths(&self, target: usize, proto: Protocol, port: u16, exposure: &Exposure) -> Paths {
        let mut out = self.through_load_balancers(target, proto, port, exposure);
        self.complete(target, proto, port, &mut out);
        out
    }

    /// The paths through load balancers only: what they add to the
    /// exposure class ([`Paths::widen`]). Nothing to compute for a target no
    /// load balancer forwards to, so a caller can classify first and ask for
    /// the rest ([`Reachability::complete`]) only when there is a finding.
    pub fn through_load_balancers(&self, target: usize, proto: Protocol, port: u16, exposure: &Exposure) -> Paths {
        let mut out = Paths::default();
        let Some(t) = self.estate.targets.get(target) else { return out };
        for a in self.attachments.get(target).map(Vec::as_slice).unwrap_or_default() {
            match *a {
                Attachment::Interface(i) => {
                    for m in self.members.get(&i).map(Vec::as_slice).unwrap_or_default() {
                        out.balanced.extend(self.balanced(t, i, m, proto, port, exposure));
                    }
                    if !self.open.is_empty() {
                        self.open_paths(t, i, proto, port, &mut out);
                    }
                }
                Attachment::Frontend(lb) => out.balanced.extend(self.frontend(lb, proto, port)),
                Attachment::NodePorts(id) => out.balanced.extend(self.through_nodes(t, id, proto, port)),
            }
        }
        out
    }

    /// Adds the direct paths and what is missing for the target as a whole
    /// to `paths` (from [`Reachability::through_load_balancers`]).
    pub fn complete(&self, target: usize, proto: Protocol, port: u16, out: &mut Paths) {
        let Some(t) = self.estate.targets.get(target) else { return };
        let list = self.attachments.get(target).map(Vec::as_slice).unwrap_or_default();
        if list.is_empty() {
            out.missing.push(Missing::unknown(
                format!(
                    "{} {} is tied to no network interface in the input: where it applies, and whether that has a public address, is unknown",
                    t.kind_name, t.id
                ),
                AddrSet::all(),
            ));
            return;
        }
        let mut providers = Vec::new();
        let mut networks = Vec::new();
        let mut interfaces = Vec::new();
        for a in list {
            let Attachment::Interface(i) = *a else { continue };
            out.direct.push(self.direct(i));
            if let Some(it) = self.topology().interface(i) {
                if !providers.contains(&it.provider) {
                    providers.push(it.provider);
                }
                networks.push(self.network_of(it));
                interfaces.push(i);
            }
        }
        if providers.is_empty() {
            return;
        }
        let mut lb_input = true;
        for p in providers {
            if !self.topology().has(p, Described::LoadBalancers) {
                lb_input = false;
                // A template or configuration shows its own load balancers,
                // never that there are no others.
                let some = self.topology().load_balancers.iter().any(|lb| lb.kind.provider() == p);
                let listed = if some { "does not list every" } else { "has no" };
                let plural = if some { "load balancer" } else { "load balancers" };
                out.missing.push(Missing::unknown(
                    format!(
                        "whether a load balancer forwards to {} is unknown: the input {listed} {} {plural}{}",
                        t.id,
                        p.name(),
                        provider_hint(p, Described::LoadBalancers)
                    ),
                    AddrSet::all(),
                ));
            }
        }
        for f in &self.open {
            let same = interfaces.iter().zip(&networks).any(|(&i, &n)| f.may_reach(i, n));
            let internal = self
                .topology()
                .load_balancer(f.lb)
                .is_some_and(|lb| matches!(lb.scheme, Known::Known(Scheme::Internal)));
            // Connecting from the provider's own ranges, it reaches only a
            // target whose rules may admit them on this port.
            let peers_admitted = f.peers.is_empty()
                || peer_admits(self.estate, t, proto, port, &[Known::Known(f.peers.clone())], &[], Bound::Upper).0;
            if same && !internal && peers_admitted {
                out.missing.push(Missing::unknown(format!("{} is unknown", f.what), AddrSet::all()));
            }
        }
        if lb_input && !out.balanced.iter().any(|b| !b.admitted_upper.is_empty()) {
            out.missing.push(Missing::none(
                format!("no internet-facing load balancer forwards to {} on {}/{port}", t.id, proto.name()),
                AddrSet::all(),
            ));
        }
    }

    /// Paths through a load balancer whose forwards the input leaves open
    /// (targets not listed, wiring known only after apply), for a target
    /// whose rules admit that load balancer by its security group: it may
    /// be one of the targets, and then it is reached by whatever the load
    /// balancer admits. Without this the target's finding would vanish
    /// (its rules admit no internet source themselves) where the input
    /// does not decide it. Only the upper bound: nothing is sure.
    fn open_paths(&self, target: &Target, interface: InterfaceId, proto: Protocol, port: u16, out: &mut Paths) {
        let topology = self.topology();
        let network = topology.interface(interface).and_then(|it| self.network_of(it));
        let mut seen: Vec<LoadBalancerId> = Vec::new();
        for f in &self.open {
            if seen.contains(&f.lb) || !f.may_reach(interface, network) {
                continue;
            }
            seen.push(f.lb);
            let Some(lb) = topology.load_balancer(f.lb) else { continue };
            if lb.group_names.is_empty() || matches!(lb.scheme, Known::Known(Scheme::Internal)) {
                continue;
            }
            if self.members.get(&interface).is_some_and(|ms| ms.iter().any(|m| m.lb == f.lb)) {
                continue;
            }
            let names = &lb.group_names[..];
            let (maybe, pieces) = peer_admits(self.estate, target, proto, port, &[], names, Bound::Upper);
            let by_group = |p: &Piece| p.internal.iter().any(|s| names.contains(&s.name));
            if !maybe || !pieces.iter().any(by_group) {
                continue;
            }
            let families = match lb.families {
                AddressFamilies::Ipv4 => v4().clone(),
                AddressFamilies::DualStack => AddrSet::all(),
            };
            let mut hops = vec![Hop {
                kind: "load balancer".into(),
                resource: lb.id.clone(),
                span: lb.span.clone(),
                detail: lb.kind.name().into(),
            }];
            hops.extend(target_hops(self.estate, target, &pieces, &AddrSet::all(), names, 0..target.path.len()));
            out.balanced.push(BalancedPath {
                load_balancer: Some(f.lb),
                pieces: pieces
                    .iter()
                    .map(|p| Piece { by: p.by, addrs: families.clone(), internal: Vec::new() })
                    .collect(),
                admitted_upper: families.clone(),
                reach_upper: families,
                missing: vec![Missing::unknown(format!("{} is unknown", f.what), AddrSet::all())],
                hops,
                ..Default::default()
            });
        }
    }

    fn network_of(&self, it: &Interface) -> Option<NetworkId> {
        it.subnet.known().and_then(|s| self.topology().subnet(*s)).and_then(|s| s.network)
    }

    /// The load balancer's side for `listener` on `listen`, computed once.
    fn front(&self, lb: LoadBalancerId, listener: usize, proto: Protocol, listen: u16) -> BalancedPath {
        let key = (lb, listener, listen, proto);
        if let Some(f) = self.fronts.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return (*f).clone();
        }
        let (Some(l), Some(li)) = (
            self.topology().load_balancer(lb),
            self.topology().load_balancer(lb).and_then(|l| l.listeners.get(listener)),
        ) else {
            return BalancedPath::default();
        };
        let f = Arc::new(self.front_side(l, proto, listen, li));
        if let Ok(mut m) = self.fronts.lock() {
            m.insert(key, f.clone());
        }
        (*f).clone()
    }

    /// What `lb` admits on `listen` (its guards, its subnets' guards) and
    /// which of that its subnets route back to the internet, with the hops
    /// up to the listener.
    fn front_side(&self, lb: &LoadBalancer, proto: Protocol, listen: u16, listener: &Listener) -> BalancedPath {
        let topology = self.topology();
        let mut out = BalancedPath::default();
        let families = match lb.families {
            AddressFamilies::Ipv4 => v4().clone(),
            AddressFamilies::DualStack => AddrSet::all(),
        };
        // Its own guards (security groups): the union of their rules.
        let mut own = [families.clone(), families.clone()];
        let mut own_pieces = Vec::new();
        if !lb.guards.is_empty() {
            for (k, bound) in [Bound::Lower, Bound::Upper].into_iter().enumerate() {
                let mut admitted = AddrSet::empty();
                for &l in &lb.guards {
                    let Some(layer) = self.estate.layers.get(l) else { continue };
                    let a = eval_layer(l, layer, proto, listen, bound);
                    admitted.union_in_place(&a.addrs);
                    if bound == Bound::Upper {
                        own_pieces.extend(a.pieces);
                        out.unknowns.extend(layer_unknowns(layer, proto, listen));
                    }
                }
                own[k] = admitted.intersect(&families);
            }
        }
        let lb_hop = Hop {
            kind: "load balancer".into(),
            resource: lb.id.clone(),
            span: lb.span.clone(),
            detail: {
                let scheme = match lb.scheme {
                    Known::Known(Scheme::InternetFacing) => "internet-facing ",
                    Known::Known(Scheme::Internal) => "internal ",
                    Known::Unknown(_) => "",
                };
                let addrs: Vec<&str> = lb.public.iter().filter_map(|p| p.address.as_deref()).collect();
                let mut d = format!("{scheme}{}", lb.kind.name());
                if !addrs.is_empty() {
                    d.push(' ');
                    d.push_str(&addrs.join(", "));
                }
                d
            },
        };
        let mut own_hops = Vec::new();
        for &l in &lb.guards {
            if let Some(h) = layer_hop(self.estate, l, &own_pieces, &own[1], &[]) {
                own_hops.push(h);
            }
        }
        if own[1].is_empty() {
            out.missing.push(Missing::none(
                format!("the security groups of {} admit no source on {}/{listen}", lb.id, proto.name()),
                AddrSet::all(),
            ));
        }
        out.pieces.extend(own_pieces.iter().filter(|p| p.addrs.intersects(&own[1])).cloned());
        let listener_hop = Hop {
            kind: "listener".into(),
            resource: lb.id.clone(),
            span: listener.span.clone(),
            detail: listener.label.clone(),
        };
        if lb.subnets.is_empty() {
            // A public frontend outside any subnet (Azure, GCP): no route of
            // the load balancer's side decides.
            out.admitted_lower = own[0].clone();
            out.admitted_upper = own[1].clone();
            out.reach_lower = own[0].clone();
            out.reach_upper = own[1].clone();
            out.hops = vec![lb_hop];
            out.hops.extend(own_hops);
            out.hops.push(listener_hop);
            return out;
        }
        // The hops of the first subnet that routes an admitted source to the
        // internet (else of the first subnet).
        let mut chosen: Option<(bool, Vec<Hop>)> = None;
        for &s in &lb.subnets {
            let Some(subnet) = topology.subnet(s) else { continue };
            // The subnet's guards (its network ACL), each a step.
            let mut through = own.clone();
            let mut guard_hops = Vec::new();
            for &l in &subnet.guards {
                let Some(layer) = self.estate.layers.get(l) else { continue };
                for (k, bound) in [Bound::Lower, Bound::Upper].into_iter().enumerate() {
                    let a = eval_layer(l, layer, proto, listen, bound);
                    through[k] = through[k].intersect(&a.addrs);
                    if bound == Bound::Upper {
                        guard_hops.extend(layer_hop(self.estate, l, &a.pieces, &through[1], &[]));
                        out.pieces.extend(a.pieces.into_iter().filter(|p| p.addrs.intersects(&through[1])));
                        out.unknowns.extend(layer_unknowns(layer, proto, listen));
                    }
                }
            }
            out.admitted_lower.union_in_place(&through[0]);
            out.admitted_upper.union_in_place(&through[1]);
            let nodes = match &subnet.cidrs {
                Known::Known(c) if lb.node_addresses.intersects(c) => lb.node_addresses.intersect(c),
                Known::Known(c) => c.clone(),
                Known::Unknown(_) => lb.node_addresses.clone(),
            };
            let who = format!("{} in {}", lb.id, subnet.id);
            let provider = lb.kind.provider();
            let route = self.route_part(provider, &Known::Known(s), &[], &nodes, &who, &families);
            out.reach_lower.union_in_place(&through[0].intersect(&route.lower));
            out.reach_upper.union_in_place(&through[1].intersect(&route.upper));
            let leg = route.legs.iter().find(|(p, _)| p.intersects(&through[1])).map(|(_, h)| h.clone());
            if chosen.as_ref().is_none_or(|(has, _)| !has && leg.is_some()) {
                let has = leg.is_some();
                let mut hops = leg.unwrap_or_default();
                hops.extend(guard_hops);
                chosen = Some((has, hops));
            }
            out.missing.extend(
                route.missing.iter().map(|m| Missing { text: format!("for {}: {}", lb.id, m.text), ..m.clone() }),
            );
        }
        out.hops = chosen.map(|(_, h)| h).unwrap_or_default();
        out.hops.push(lb_hop);
        out.hops.extend(own_hops);
        out.hops.push(listener_hop);
        out
    }

    /// The path through the load balancer `m` names, for `port` on the
    /// target; `None` when that forward does not deliver to this port.
    fn balanced(
        &self,
        target: &Target,
        interface: InterfaceId,
        m: &Membership,
        proto: Protocol,
        port: u16,
        exposure: &Exposure,
    ) -> Option<BalancedPath> {
        let topology = self.topology();
        let lb = topology.load_balancer(m.lb)?;
        let listener = lb.listeners.get(m.listener)?;
        let forward = listener.forwards.get(m.forward)?;
        let group = topology.target_group(m.group)?;
        let member = group.members.known()?.get(m.member)?;
        if listener.protocol != proto {
            return None;
        }
        // The listener port, or why it is unknown.
        let listen = match (&listener.ports, forward.port.or(member.port).or(group.port)) {
            (_, Some(p)) if p != port => return None,
            (Known::Known(ports), Some(_)) => Ok(ports.runs().first()?.0),
            (Known::Known(ports), None) if ports.contains(port) => Ok(port),
            (Known::Known(_), None) => return None,
            (Known::Unknown(u), _) => Err(u.as_ref().clone()),
        };
        let on = format!("{}/{port}", proto.name());
        let facing = match &lb.scheme {
            Known::Known(Scheme::Internal) => {
                return Some(BalancedPath {
                    load_balancer: Some(m.lb),
                    missing: vec![Missing::none(
                        format!(
                            "internal {} {} forwards to {} on {on}, which is not an internet path",
                            lb.kind.name(),
                            lb.id,
                            target.id
                        ),
                        AddrSet::all(),
                    )],
                    ..Default::default()
                })
            }
            Known::Known(Scheme::InternetFacing) => true,
            Known::Unknown(_) => false,
        };
        let mut out = match listen {
            Ok(listen) => self.front(m.lb, m.listener, proto, listen),
            Err(u) => unknown_front(lb, u),
        };
        out.load_balancer = Some(m.lb);
        if let Known::Unknown(u) = &lb.scheme {
            out.unknowns.push(u.as_ref().clone());
            out.missing.push(Missing::unknown(
                format!("whether {} is internet-facing: {} is unknown ({})", lb.id, u.what, u.reason),
                AddrSet::all(),
            ));
        }
        if !facing {
            out.admitted_lower = AddrSet::empty();
            out.reach_lower = AddrSet::empty();
        }
        out.hops.push(Hop {
            kind: "target group".into(),
            resource: group.id.clone(),
            span: member.span.clone().or_else(|| group.span.clone()),
            detail: format!("to port {port}"),
        });
        // The target's side: its guards must admit what it sees.
        let it = topology.interface(interface);
        let last = target.path.len().saturating_sub(1);
        let no_names: &[String] = &[];
        let (target_pieces, layer_set, names) = match &group.seen_source {
            Known::Known(SeenSource::Client) => {
                out.admitted_lower = out.admitted_lower.intersect(&exposure.lower.addrs);
                out.admitted_upper = out.admitted_upper.intersect(&exposure.upper().addrs);
                if out.admitted_upper.is_empty() {
                    out.missing.push(Missing::none(
                        format!(
                            "{} preserves client addresses, and the rules of {} admit none of the clients it admits on {on}",
                            lb.id, target.id
                        ),
                        AddrSet::all(),
                    ));
                }
                (exposure.upper().pieces.clone(), out.admitted_upper.clone(), no_names)
            }
            Known::Known(SeenSource::LoadBalancer { addresses }) => {
                let ranges = self.peer_ranges(lb, addresses);
                let names = &lb.group_names[..];
                let (sure, _) = peer_admits(self.estate, target, proto, port, &ranges, names, Bound::Lower);
                let (maybe, pieces) = peer_admits(self.estate, target, proto, port, &ranges, names, Bound::Upper);
                if !sure {
                    out.admitted_lower = AddrSet::empty();
                }
                if !maybe {
                    out.admitted_upper = AddrSet::empty();
                    out.missing.push(Missing::none(
                        format!(
                            "the rules of {} admit neither {}'s security groups nor its addresses on {on}",
                            target.id, lb.id
                        ),
                        AddrSet::all(),
                    ));
                }
                // Through the load balancer, the rule that admits it lets in
                // whatever it passes on.
                let passed = out.admitted_upper.clone();
                out.pieces.extend(pieces.iter().map(|p| Piece {
                    by: p.by,
                    addrs: passed.clone(),
                    internal: Vec::new(),
                }));
                (pieces, AddrSet::all(), names)
            }
            Known::Unknown(u) => {
                out.admitted_lower = AddrSet::empty();
                out.unknowns.push(u.as_ref().clone());
                out.missing.push(Missing::unknown(
                    format!("which source {} sees through {}: {} is unknown ({})", target.id, lb.id, u.what, u.reason),
                    AddrSet::all(),
                ));
                (Vec::new(), AddrSet::empty(), no_names)
            }
        };
        out.hops.extend(target_hops(self.estate, target, &target_pieces, &layer_set, names, 0..last));
        if let Some(it) = it {
            out.hops.push(Hop {
                kind: "interface".into(),
                resource: it.id.clone(),
                span: it.span.clone(),
                detail: addresses(&it.private),
            });
            if lb.replies_by_target_routes {
                // Replies leave by the target's own routes (direct server return).
                let route = self.route_part(it.provider, &it.subnet, &it.tags, &it.private, &it.id, &AddrSet::all());
                out.reach_lower = out.reach_lower.intersect(&route.lower);
                out.reach_upper = out.reach_upper.intersect(&route.upper);
                out.missing.extend(route.missing.iter().cloned());
            }
        }
        out.hops.extend(target_hops(self.estate, target, &target_pieces, &layer_set, names, last..target.path.len()));
        out.reach_lower = out.reach_lower.intersect(&out.admitted_lower);
        out.reach_upper = out.reach_upper.intersect(&out.admitted_upper);
        Some(out)
    }

    /// The address ranges a load balancer connects to targets from: each
    /// node's (its known addresses, else one range per subnet), or the
    /// provider's ranges (Google front ends).
    fn peer_ranges(&self, lb: &LoadBalancer, addresses: &AddrSet) -> Vec<Known<AddrSet>> {
        if !addresses.is_empty() {
            return vec![Known::Known(addresses.clone())];
        }
        let topology = self.topology();
        lb.subnets
            .iter()
            .filter_map(|&s| topology.subnet(s))
            .map(|s| match &s.cidrs {
                Known::Known(c) if lb.node_addresses.intersects(c) => Known::Known(lb.node_addresses.intersect(c)),
                other => other.clone(),
            })
            .collect()
    }

    /// A target that stands for what `lb` forwards to: the load balancer's
    /// side of the path, on listeners that accept `port`.
    fn frontend(&self, lb_id: LoadBalancerId, proto: Protocol, port: u16) -> Option<BalancedPath> {
        let lb = self.topology().load_balancer(lb_id)?;
        let listens = |l: &&portcullis_model::topology::Listener| {
            l.protocol == proto && l.ports.known().is_some_and(|p| p.contains(port))
        };
        let mut out = match lb.listeners.iter().find(listens) {
            Some(listener) => self.front_side(lb, proto, port, listener),
            None => {
                let u = lb.listeners.iter().find_map(|l| l.ports.unknown())?;
                unknown_front(lb, u.clone())
            }
        };
        out.load_balancer = Some(lb_id);
        match &lb.scheme {
            Known::Known(Scheme::InternetFacing) => {}
            Known::Known(Scheme::Internal) => {
                return Some(BalancedPath {
                    load_balancer: Some(lb_id),
                    missing: vec![Missing::none(
                        format!("{} is an internal {}: not an internet path", lb.id, lb.kind.name()),
                        AddrSet::all(),
                    )],
                    ..Default::default()
                })
            }
            Known::Unknown(u) => {
                out.admitted_lower = AddrSet::empty();
                out.reach_lower = AddrSet::empty();
                out.unknowns.push(u.as_ref().clone());
                out.missing.push(Missing::unknown(
                    format!("whether {} is internet-facing: {} is unknown ({})", lb.id, u.what, u.reason),
                    AddrSet::all(),
                ));
            }
        }
        Some(out)
    }
}

/// The load balancer's side when the listener that forwards is not known:
/// it may admit anything, surely nothing.
fn unknown_front(lb: &LoadBalancer, u: Unknown) -> BalancedPath {
    let families = match lb.families {
        AddressFamilies::Ipv4 => v4().clone(),
        AddressFamilies::DualStack => AddrSet::all(),
    };
    BalancedPath {
        admitted_upper: families.clone(),
        reach_upper: families,
        missing: vec![Missing::unknown(format!("{}: {}", u.what, u.reason), AddrSet::all())],
        hops: vec![Hop {
            kind: "load balancer".into(),
            resource: lb.id.clone(),
            span: lb.span.clone(),
            detail: lb.kind.name().into(),
        }],
        unknowns: vec![u],
        ..Default::default()
    }
}

/// The unknown values of `layer`'s rules that may apply to `proto`/`port`.
fn layer_unknowns(layer: &portcullis_model::Layer, proto: Protocol, port: u16) -> Vec<Unknown> {
    let mut out = Vec::new();
    for e in &layer.entries {
        if !crate::entry_matches(e, proto, port, Bound::Upper) {
            continue;
        }
        for u in [e.protocol.unknown(), e.ports.unknown()].into_iter().flatten() {
            out.push(u.clone());
        }
        out.extend(e.sources.unknown.iter().cloned());
    }
    out
}

/// The hop of one layer: the first of `pieces` in it that admits any of
/// `set` (or one of `names`).
fn layer_hop(estate: &Estate, layer: usize, pieces: &[Piece], set: &AddrSet, names: &[String]) -> Option<Hop> {
    let l = estate.layers.get(layer)?;
    let p = pieces.iter().find(|p| {
        p.by.layer == layer && (p.addrs.intersects(set) || p.internal.iter().any(|s| names.contains(&s.name)))
    })?;
    let e = l.entries.get(p.by.entry)?;
    Some(Hop { kind: l.kind_name.clone(), resource: l.id.clone(), span: Some(e.span.clone()), detail: e.label.clone() })
}

/// Hops for the target's steps in `steps`: per step, the first layer with
/// an admitting piece.
pub fn target_hops(
    estate: &Estate,
    target: &Target,
    pieces: &[Piece],
    set: &AddrSet,
    names: &[String],
    steps: std::ops::Range<usize>,
) -> Vec<Hop> {
    let mut out = Vec::new();
    for step in target.path.get(steps).unwrap_or_default() {
        if let Some(h) = step.layers.iter().find_map(|&l| layer_hop(estate, l, pieces, set, names)) {
            out.push(h);
        }
    }
    out
}

/// Whether the target's guard layers admit a peer that connects from one
/// of `ranges` (each the possible addresses of one node) or carries one of
/// the group `names`: under the lower bound some node must be admitted
/// whatever its address in the range; under the upper, some address of
/// some node. Returns the pieces that admit it.
fn peer_admits(
    estate: &Estate,
    target: &Target,
    proto: Protocol,
    port: u16,
    ranges: &[Known<AddrSet>],
    names: &[String],
    bound: Bound,
) -> (bool, Vec<Piece>) {
    if target.path.is_empty() {
        return (false, Vec::new());
    }
    let steps: Vec<(AddrSet, Vec<InternalSource>, Vec<Piece>)> = target
        .path
        .iter()
        .map(|step| {
            let mut addrs = AddrSet::empty();
            let mut internal = Vec::new();
            let mut pieces = Vec::new();
            for &l in &step.layers {
                let Some(layer) = estate.layers.get(l) else { continue };
                let a = eval_layer(l, layer, proto, port, bound);
                addrs.union_in_place(&a.addrs);
                internal.extend(a.internal);
                pieces.extend(a.pieces);
            }
            (addrs, internal, pieces)
        })
        .collect();
    let by_group = |internal: &[InternalSource]| internal.iter().any(|s| names.contains(&s.name));
    let mut candidates: Vec<Option<&AddrSet>> = ranges.iter().map(|r| r.known()).collect();
    if candidates.is_empty() {
        // No node range known: only a group reference can be checked.
        candidates.push(None);
    }
    for range in candidates {
        let ok = steps.iter().all(|(addrs, internal, _)| {
            by_group(internal)
                || match range {
                    Some(r) if bound == Bound::Lower => addrs.contains_set(r),
                    Some(r) => addrs.intersects(r),
                    None => bound == Bound::Upper && !addrs.is_empty(),
                }
        });
        if ok {
            let pieces = steps
                .iter()
                .flat_map(|(_, _, p)| p.iter())
                .filter(|p| {
                    p.internal.iter().any(|s| names.contains(&s.name)) || range.is_none_or(|r| p.addrs.intersects(r))
                })
                .cloned()
                .collect();
            return (true, pieces);
        }
    }
    (false, Vec::new())
}

impl Paths {
    /// Sources the load balancers bring in, for the exposure class: `exp`
    /// with each bound widened by them (and their rules among the pieces).
    /// `None` when no load balancer adds anything.
    pub fn widen(&self, exp: &Exposure) -> Option<Exposure> {
        if self.balanced.iter().all(|b| b.admitted_upper.is_empty()) {
            return None;
        }
        let mut lower = exp.lower.clone();
        let mut upper = exp.upper().clone();
        let mut lb_pieces = Vec::new();
        for b in &self.balanced {
            lower.addrs.union_in_place(&b.admitted_lower);
            upper.addrs.union_in_place(&b.admitted_upper);
            lb_pieces.extend(b.pieces.iter().cloned());
        }
        // Load balancer lines first: they come first on the path.
        let mut pieces = lb_pieces.clone();
        pieces.append(&mut upper.pieces);
        upper.pieces = pieces;
        let mut pieces = lb_pieces;
        pieces.append(&mut lower.pieces);
        lower.pieces = pieces;
        let upper_differs = (upper != lower).then_some(upper);
        Some(Exposure { lower, upper_differs, ..exp.clone() })
    }

    /// Unknown values the load balancer paths depend on.
    pub fn unknowns(&self) -> impl Iterator<Item = &Unknown> {
        self.balanced.iter().flat_map(|b| b.unknowns.iter())
    }

    /// The verdict for `problem`, the sources a finding is about: `exp` is
    /// what the target's own guards admit (for the direct paths).
    pub fn verdict(&self, estate: &Estate, target: usize, exp: &Exposure, problem: &AddrSet) -> Verdict {
        let Some(t) = estate.targets.get(target) else {
            return Verdict { reach: Reach::Unknown, reason: None, via: Vec::new() };
        };
        let internet = problem.intersect(public());
        if internet.is_empty() {
            return Verdict {
                reach: Reach::None,
                reason: Some("no internet address is among the sources in question".into()),
                via: Vec::new(),
            };
        }
        let last = t.path.len().saturating_sub(1);
        let direct_via = |d: &DirectPath, reached: &AddrSet| -> Vec<Hop> {
            let mut via: Vec<Hop> =
                d.legs().find(|(p, _)| p.intersects(reached)).map(|(_, h)| h.clone()).unwrap_or_default();
            let pieces = &exp.upper().pieces;
            via.extend(target_hops(estate, t, pieces, reached, &[], 0..last));
            if let Some((_, h)) = d.public.iter().find(|(f, _)| f.intersects(reached)) {
                via.push(h.clone());
            }
            via.extend(target_hops(estate, t, pieces, reached, &[], last..t.path.len()));
            via
        };
        // A sure path first: direct, then through a load balancer.
        for d in &self.direct {
            let reached = d.lower.intersect(&exp.lower.addrs).intersect(&internet);
            if !reached.is_empty() {
                return Verdict { reach: Reach::Internet, reason: None, via: direct_via(d, &reached) };
            }
        }
        for b in &self.balanced {
            if b.reach_lower.intersects(&internet) {
                return Verdict { reach: Reach::Internet, reason: None, via: b.hops.clone() };
            }
        }
        // Then a possible one: unknown, with what decides it.
        let concerns = |m: &&Missing| m.scope.is_empty() || m.scope.intersects(&internet);
        let first_unknown = |ms: &[Missing]| ms.iter().filter(concerns).find(|m| m.unknown).map(|m| m.text.clone());
        for d in &self.direct {
            let reached = d.upper.intersect(&exp.upper().addrs).intersect(&internet);
            if !reached.is_empty() {
                let own: Vec<Missing> = d.all_missing().cloned().collect();
                let reason = first_unknown(&own).or_else(|| first_unknown(&self.missing));
                return Verdict { reach: Reach::Unknown, reason, via: direct_via(d, &reached) };
            }
        }
        for b in &self.balanced {
            if b.reach_upper.intersects(&internet) {
                let reason = first_unknown(&b.missing).or_else(|| first_unknown(&self.missing));
                return Verdict { reach: Reach::Unknown, reason, via: b.hops.clone() };
            }
        }
        // Without a path to draw, the hops the input shows: the target's
        // guards that admit these sources (and its public address).
        let guards_via = || {
            let pieces = &exp.upper().pieces;
            let mut via = target_hops(estate, t, pieces, &internet, &[], 0..last);
            via.extend(self.direct.iter().flat_map(|d| d.public.first()).next().map(|(_, h)| h.clone()));
            via.extend(target_hops(estate, t, pieces, &internet, &[], last..t.path.len()));
            if via.is_empty() {
                // A Service reached through its nodes: the first node's hops.
                via.extend(self.balanced.iter().find(|b| b.node).map(|b| b.hops.clone()).unwrap_or_default());
            }
            via
        };
        if let Some(reason) = first_unknown(&self.missing) {
            // What the input does show comes first: "has no public IPv4
            // address, and whether a load balancer forwards … is unknown".
            let mut why: Vec<String> = Vec::new();
            for m in self.direct.iter().flat_map(|d| d.all_missing()).filter(concerns).filter(|m| !m.unknown) {
                if !why.contains(&m.text) {
                    why.push(m.text.clone());
                }
            }
            why.push(reason);
            return Verdict { reach: Reach::Unknown, reason: Some(join_reasons(&why)), via: guards_via() };
        }
        // No path: say why, direct pieces first.
        let mut why: Vec<String> = Vec::new();
        for m in self
            .direct
            .iter()
            .flat_map(|d| d.all_missing())
            .chain(self.balanced.iter().flat_map(|b| b.missing.iter()))
            .chain(self.missing.iter())
            .filter(concerns)
        {
            if !why.contains(&m.text) {
                why.push(m.text.clone());
            }
        }
        Verdict { reach: Reach::None, reason: Some(join_reasons(&why)), via: guards_via() }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_reasons(parts: &[String]) -> String {
    match parts {
        [] => "no path from the internet was found".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}
