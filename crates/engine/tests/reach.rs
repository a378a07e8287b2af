//! Reachability on small estates built by hand, one semantic point each
//! (docs/semantics.md, "Reachability"): the verdict, the reason that names
//! the missing piece, and the hops of the path.

use portcullis_engine::reach::{Reach, Reachability, Verdict};
use portcullis_engine::{evaluate, Exposure};
use portcullis_model::topology::{
    AddressFamilies, Attachment, Described, Forward, Gateway, GatewayId, GatewayKind, Interface, InterfaceId, Listener,
    LoadBalancer, LoadBalancerKind, Member, Network, NetworkId, NextHop, Provider, PublicAddress, Route, RouteTable,
    RouteTableId, Scheme, SeenSource, Subnet, SubnetId, TargetGroup, TargetGroupId,
};
use portcullis_model::{
    Action, AddrSet, Cidr, Entry, Estate, InternalSource, Known, Layer, LayerId, LayerKind, Origin, PortSet,
    ProtoMatch, Protocol, Sources, Span, Step, Target, Unknown,
};
use std::sync::Arc;

fn span(line: u32) -> Span {
    Span::new(Arc::from("estate.json"), line, 1)
}

fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).expect("a valid CIDR")
}

fn set(s: &str) -> AddrSet {
    cidr(s).to_set()
}

/// A source of a rule: an address block, or another group by name.
enum Source<'a> {
    Block(&'a str),
    Group(&'a str),
}

/// An estate under construction.
struct World {
    estate: Estate,
    line: u32,
}

impl World {
    fn new() -> World {
        World { estate: Estate::default(), line: 1 }
    }

    fn next_span(&mut self) -> Span {
        self.line += 1;
        span(self.line)
    }

    fn vpc(&mut self, id: &str) -> NetworkId {
        let s = self.next_span();
        let t = &mut self.estate.topology;
        t.networks.push(Network { id: id.into(), provider: Provider::Aws, span: Some(s), main_route_table: None });
        t.mark(Provider::Aws, Described::RouteTables);
        t.mark(Provider::Aws, Described::LoadBalancers);
        t.mark(Provider::Aws, Described::LoadBalancerTargets);
        NetworkId::at(t.networks.len() - 1)
    }

    fn igw(&mut self, id: &str, vpc: NetworkId) -> GatewayId {
        let s = self.next_span();
        let t = &mut self.estate.topology;
        t.gateways.push(Gateway {
            id: id.into(),
            kind: GatewayKind::Internet,
            span: Some(s),
            attached_to: Known::Known(vec![vpc]),
            ingress_route_table: None,
        });
        GatewayId::at(t.gateways.len() - 1)
    }

    fn table(&mut self, id: &str, vpc: NetworkId, routes: Vec<(&str, NextHop)>) -> RouteTableId {
        let s = self.next_span();
        let mut list = vec![Route {
            destination: Known::Known(vec![cidr("10.0.0.0/16")]),
            destination_label: "10.0.0.0/16".into(),
            next_hop: NextHop::Local { name: "local".into() },
            preference: 0,
            tags: Vec::new(),
            span: Some(s.clone()),
            origin: Origin::Explicit,
        }];
        for (dest, hop) in routes {
            let s = self.next_span();
            list.push(Route {
                destination: Known::Known(vec![cidr(dest)]),
                destination_label: dest.into(),
                next_hop: hop,
                preference: 0,
                tags: Vec::new(),
                span: Some(s),
                origin: Origin::Explicit,
            });
        }
        let t = &mut self.estate.topology;
        t.route_tables.push(RouteTable { id: id.into(), span: Some(span(1)), network: Some(vpc), routes: list });
        RouteTableId::at(t.route_tables.len() - 1)
    }

    fn main(&mut self, vpc: NetworkId, table: RouteTableId) {
        self.estate.topology.networks[vpc.index()].main_route_table = Some(table);
    }

    fn subnet(&mut self, id: &str, vpc: NetworkId, block: &str, table: Option<RouteTableId>) -> SubnetId {
        let s = self.next_span();
        let t = &mut self.estate.topology;
        t.subnets.push(Subnet {
            id: id.into(),
            span: Some(s),
            network: Some(vpc),
            cidrs: Known::Known(set(block)),
            route_table: table,
            guards: Vec::new(),
        });
        SubnetId::at(t.subnets.len() - 1)
    }

    /// A security group: an allow rule per (port, source).
    fn group(&mut self, id: &str, rules: Vec<(u16, Source)>) -> LayerId {
        let mut entries = Vec::new();
        for (port, source) in rules {
            let s = self.next_span();
            let (label, sources) = match source {
                Source::Block(b) => (b.to_string(), Sources { addrs: set(b), ..Default::default() }),
                Source::Group(g) => {
                    (g.to_string(), Sources { internal: vec![InternalSource { name: g.into() }], ..Default::default() })
                }
            };
            entries.push(Entry {
                resource: id.into(),
                label: format!("inbound tcp {port} from {label}"),
                span: s,
                origin: Origin::Explicit,
                action: Action::Allow,
                protocol: Known::Known(ProtoMatch::One(Protocol::TCP)),
                ports: Known::Known(PortSet::point(port)),
                sources,
                order: 0,
            });
        }
        let s = self.next_span();
        self.estate.add_layer(Layer {
            id: id.into(),
            kind_name: "security group".into(),
            kind: LayerKind::AllowUnion,
            span: s,
            entries,
        })
    }

    /// An instance with one interface in `subnet`, guarded by `groups`.
    fn instance(
        &mut self,
        id: &str,
        subnet: SubnetId,
        private: &str,
        public_v4: Known<Option<&str>>,
        groups: Vec<LayerId>,
    ) -> (usize, InterfaceId) {
        let s = self.next_span();
        self.estate.targets.push(Target {
            id: id.into(),
            kind_name: "instance".into(),
            span: s.clone(),
            path: vec![Step { layers: groups }],
            notes: Vec::new(),
        });
        let target = self.estate.targets.len() - 1;
        let public_v4 = match public_v4 {
            Known::Known(p) => Known::Known(p.map(|a| PublicAddress {
                address: Some(a.into()),
                what: "public IPv4".into(),
                span: Some(s.clone()),
            })),
            Known::Unknown(u) => Known::Unknown(u),
        };
        let t = &mut self.estate.topology;
        t.interfaces.push(Interface {
            id: format!("eni-{id}"),
            provider: Provider::Aws,
            span: Some(s),
            subnet: Known::Known(subnet),
            private: set(private),
            public_v4,
            public_v6: Known::Known(None),
            tags: Vec::new(),
        });
        let i = InterfaceId::at(t.interfaces.len() - 1);
        t.attach(target, Attachment::Interface(i));
        (target, i)
    }

    /// A load balancer in `subnets` with one listener on `listen` that
    /// forwards to a new target group holding `members` on `port`.
    #[allow(clippy::too_many_arguments)]
    fn load_balancer(
        &mut self,
        id: &str,
        kind: LoadBalancerKind,
        scheme: Scheme,
        subnets: Vec<SubnetId>,
        guards: Vec<LayerId>,
        listen: u16,
        port: u16,
        seen: SeenSource,
        members: Vec<InterfaceId>,
    ) -> (LoadBalancerId, TargetGroupId) {
        let s = self.next_span();
        let names: Vec<String> = guards.iter().map(|&l| self.estate.layers[l].id.clone()).collect();
        let t = &mut self.estate.topology;
        t.target_groups.push(TargetGroup {
            id: format!("tg-{id}"),
            span: Some(s.clone()),
            network: None,
            port: Some(port),
            protocol: Protocol::TCP,
            seen_source: Known::Known(seen),
            members: Known::Known(
                members.into_iter().map(|interface| Member { interface, port: None, span: Some(s.clone()) }).collect(),
            ),
        });
        let group = TargetGroupId::at(t.target_groups.len() - 1);
        t.load_balancers.push(LoadBalancer {
            id: id.into(),
            kind,
            span: Some(s.clone()),
            scheme: Known::Known(scheme),
            families: AddressFamilies::Ipv4,
            network: None,
            subnets,
            guards,
            group_names: names,
            node_addresses: AddrSet::empty(),
            public: Vec::new(),
            listeners: vec![Listener {
                ports: Known::Known(PortSet::point(listen)),
                protocol: Protocol::TCP,
                label: format!("TCP:{listen}"),
                span: Some(s.clone()),
                forwards: vec![Forward { group: Known::Known(group), port: None, span: Some(s) }],
            }],
            replies_by_target_routes: false,
        });
        (LoadBalancerId::at(t.load_balancers.len() - 1), group)
    }
}

use portcullis_model::topology::LoadBalancerId;

fn igw_hop(g: GatewayId) -> NextHop {
    NextHop::Internet { name: format!("igw-{}", g.0), gateway: Some(g) }
}

/// The verdict for the whole internet on tcp/`port`, and the exposure the
/// target's own rules give.
fn ask(estate: &Estate, target: usize, port: u16) -> (Verdict, Exposure) {
    let reach = Reachability::new(estate);
    let exp = evaluate(estate, target, Protocol::TCP, port).expect("the target exists");
    let paths = reach.paths(target, Protocol::TCP, port, &exp);
    let widened = paths.widen(&exp).unwrap_or_else(|| exp.clone());
    let problem = widened.upper().addrs.clone();
    (paths.verdict(estate, target, &exp, &problem), widened)
}

fn kinds(v: &Verdict) -> Vec<&str> {
    v.via.iter().map(|h| h.kind.as_str()).collect()
}

/// A VPC with an internet gateway, a public subnet (0.0.0.0/0 to it) and
/// a private one (0.0.0.0/0 to a NAT gateway).
fn two_subnets() -> (World, SubnetId, SubnetId, GatewayId) {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    let igw = w.igw("igw-1", vpc);
    let public = w.table("rtb-public", vpc, vec![("0.0.0.0/0", igw_hop(igw))]);
    let nat = NextHop::Elsewhere { name: "nat-1".into(), why: "a NAT gateway admits no inbound connection".into() };
    let private = w.table("rtb-private", vpc, vec![("0.0.0.0/0", nat)]);
    let a = w.subnet("subnet-public", vpc, "10.0.1.0/24", Some(public));
    let b = w.subnet("subnet-private", vpc, "10.0.2.0/24", Some(private));
    (w, a, b, igw)
}

#[test]
fn public_address_and_a_route_to_the_internet_gateway() {
    let (mut w, public, _, _) = two_subnets();
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", public, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Internet, "{v:?}");
    assert_eq!(kinds(&v), ["internet gateway", "route", "public address", "security group"]);
    assert_eq!(v.via[1].resource, "rtb-public");
    assert_eq!(v.via[1].detail, "0.0.0.0/0 → igw-0");
    assert!(v.via.iter().all(|h| h.span.is_some()), "every hop names its line: {v:?}");
}

#[test]
fn no_public_address_and_no_load_balancer_is_no_path() {
    let (mut w, public, _, _) = two_subnets();
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", public, "10.0.1.5", Known::Known(None), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("eni-i-1 has no public IPv4 address"), "{reason}");
    assert!(reason.contains("no internet-facing load balancer forwards to i-1 on tcp/10257"), "{reason}");
}

#[test]
fn without_load_balancers_in_the_input_the_answer_is_unknown() {
    let (mut w, public, _, _) = two_subnets();
    w.estate.topology.described.retain(|(_, d)| *d != Described::LoadBalancers);
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", public, "10.0.1.5", Known::Known(None), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    assert!(v.reason.expect("a reason").contains("the input has no AWS load balancers"));
}

#[test]
fn public_address_without_a_route_to_the_internet_gateway() {
    let (mut w, _, private, _) = two_subnets();
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", private, "10.0.2.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(
        reason.contains("rtb-private sends 0.0.0.0/0 to nat-1: a NAT gateway admits no inbound connection"),
        "{reason}"
    );
}

#[test]
fn the_main_route_table_answers_for_a_subnet_without_an_association() {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    let igw = w.igw("igw-1", vpc);
    let main = w.table("rtb-main", vpc, vec![("0.0.0.0/0", igw_hop(igw))]);
    w.main(vpc, main);
    let subnet = w.subnet("subnet-1", vpc, "10.0.1.0/24", None);
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", subnet, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Internet, "{v:?}");
    assert_eq!(v.via[1].resource, "rtb-main");
}

#[test]
fn no_route_table_in_the_input_is_unknown_and_named() {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    w.estate.topology.described.retain(|(_, d)| *d != Described::RouteTables);
    let subnet = w.subnet("subnet-1", vpc, "10.0.1.0/24", None);
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", subnet, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("the input has no AWS route tables") && reason.contains("subnet-1"), "{reason}");
}

#[test]
fn a_more_specific_route_elsewhere_takes_its_sources_away() {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    let igw = w.igw("igw-1", vpc);
    let tgw = NextHop::Elsewhere { name: "tgw-1".into(), why: "a transit gateway".into() };
    let rt = w.table("rtb-1", vpc, vec![("0.0.0.0/0", igw_hop(igw)), ("52.0.0.0/8", tgw)]);
    let subnet = w.subnet("subnet-1", vpc, "10.0.1.0/24", Some(rt));
    // Only sources inside the more specific route: no path.
    let narrow = w.group("sg-narrow", vec![(10257, Source::Block("52.1.0.0/16"))]);
    let (t, _) = w.instance("i-1", subnet, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![narrow]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    assert!(v.reason.expect("a reason").contains("rtb-1 sends 52.0.0.0/8 to tgw-1"));
    // The whole internet: the rest still arrives.
    let wide = w.group("sg-wide", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-2", subnet, "10.0.1.6", Known::Known(Some("54.1.2.4")), vec![wide]);
    assert_eq!(ask(&w.estate, t, 10257).0.reach, Reach::Internet);
}

#[test]
fn an_egress_only_gateway_admits_no_inbound_ipv6_connection() {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    let eigw = {
        let s = w.next_span();
        let t = &mut w.estate.topology;
        t.gateways.push(Gateway {
            id: "eigw-1".into(),
            kind: GatewayKind::EgressOnly,
            span: Some(s),
            attached_to: Known::Known(vec![vpc]),
            ingress_route_table: None,
        });
        GatewayId::at(t.gateways.len() - 1)
    };
    let rt = w.table("rtb-1", vpc, vec![("::/0", NextHop::Internet { name: "eigw-1".into(), gateway: Some(eigw) })]);
    let subnet = w.subnet("subnet-1", vpc, "10.0.1.0/24", Some(rt));
    let sg = w.group("sg-v6", vec![(10257, Source::Block("::/0"))]);
    let (t, i) = w.instance("i-1", subnet, "10.0.1.5", Known::Known(None), vec![sg]);
    w.estate.topology.interfaces[i.index()].public_v6 =
        Known::Known(Some(PublicAddress { address: Some("2600:1f18::5".into()), what: "IPv6".into(), span: None }));
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("egress-only internet gateway admits no inbound connection"), "{reason}");
    // The IPv4 reasons are not about these sources.
    assert!(!reason.contains("IPv4"), "{reason}");
}

#[test]
fn a_middlebox_route_is_unknown() {
    let mut w = World::new();
    let vpc = w.vpc("vpc-1");
    let fw = NextHop::Middlebox { name: "vpce-fw".into(), what: "a Network Firewall endpoint".into() };
    let rt = w.table("rtb-1", vpc, vec![("0.0.0.0/0", fw)]);
    let subnet = w.subnet("subnet-1", vpc, "10.0.1.0/24", Some(rt));
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", subnet, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    assert!(v.reason.expect("a reason").contains("vpce-fw, a Network Firewall endpoint the input does not describe"));
}

#[test]
fn a_gateway_route_table_to_an_appliance_is_unknown() {
    let (mut w, public, _, igw) = two_subnets();
    let vpc = NetworkId(0);
    let appliance = NextHop::Middlebox { name: "vpce-gwlb".into(), what: "a Gateway Load Balancer endpoint".into() };
    let edge = w.table("rtb-edge", vpc, vec![("10.0.1.0/24", appliance)]);
    w.estate.topology.gateways[igw.index()].ingress_route_table = Some(edge);
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, _) = w.instance("i-1", public, "10.0.1.5", Known::Known(Some("54.1.2.3")), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("rtb-edge") && reason.contains("vpce-gwlb"), "{reason}");
}

#[test]
fn an_unknown_public_address_is_unknown() {
    let (mut w, public, _, _) = two_subnets();
    let sg = w.group("sg-open", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let u =
        Unknown { what: "associate_public_ip_address".into(), reason: "known only after apply".into(), span: span(9) };
    let (t, _) = w.instance("i-1", public, "10.0.1.5", Known::from_unknown(u), vec![sg]);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    assert!(v.reason.expect("a reason").contains("associate_public_ip_address is unknown"));
}

#[test]
fn a_target_tied_to_no_interface_is_unknown() {
    let mut w = World::new();
    let sg = w.group("sg-alone", vec![(10257, Source::Block("0.0.0.0/0"))]);
    w.estate.targets.push(Target {
        id: "sg-alone".into(),
        kind_name: "security group".into(),
        span: span(1),
        path: vec![Step { layers: vec![sg] }],
        notes: Vec::new(),
    });
    let (v, _) = ask(&w.estate, 0, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    assert!(v.reason.expect("a reason").contains("security group sg-alone is tied to no network interface"));
}

/// An instance in the private subnet whose group admits `source` on
/// tcp/10257, behind an internet-facing ALB in the public subnet whose
/// group opens 443 to the world.
fn behind_alb(source: Source) -> (World, usize) {
    let (mut w, public, private, _) = two_subnets();
    let alb_sg = w.group("sg-alb", vec![(443, Source::Block("0.0.0.0/0"))]);
    let sg = w.group("sg-app", vec![(10257, source)]);
    let (t, i) = w.instance("i-1", private, "10.0.2.5", Known::Known(None), vec![sg]);
    let proxy = SeenSource::LoadBalancer { addresses: AddrSet::empty() };
    let kind = LoadBalancerKind::AwsApplication;
    w.load_balancer("alb-1", kind, Scheme::InternetFacing, vec![public], vec![alb_sg], 443, 10257, proxy, vec![i]);
    (w, t)
}

/// An instance in the private subnet open to the world on tcp/10257,
/// behind an NLB that preserves client addresses, in the public subnet or
/// (with `in_public` false) in the private one.
fn behind_nlb(scheme: Scheme, in_public: bool) -> (World, usize) {
    let (mut w, public, private, _) = two_subnets();
    let sg = w.group("sg-app", vec![(10257, Source::Block("0.0.0.0/0"))]);
    let (t, i) = w.instance("i-1", private, "10.0.2.5", Known::Known(None), vec![sg]);
    let at = if in_public { public } else { private };
    let kind = LoadBalancerKind::AwsNetwork;
    w.load_balancer("nlb-1", kind, scheme, vec![at], Vec::new(), 10257, 10257, SeenSource::Client, vec![i]);
    (w, t)
}

/// ALB 443 → target port 10257, the instance admitting only the ALB's
/// group: the port is reached, from what the ALB admits.
#[test]
fn an_application_load_balancer_reaches_a_port_the_instance_opens_only_to_it() {
    let (w, t) = behind_alb(Source::Group("sg-alb"));
    let (v, widened) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Internet, "{v:?}");
    assert!(widened.lower.addrs.contains_set(&AddrSet::all_v4()), "the class counts what the ALB admits");
    assert_eq!(
        kinds(&v),
        [
            "internet gateway",
            "route",
            "load balancer",
            "security group",
            "listener",
            "target group",
            "interface",
            "security group"
        ]
    );
    assert_eq!(v.via[3].detail, "inbound tcp 443 from 0.0.0.0/0");
    assert_eq!(v.via[7].resource, "sg-app");
    assert_eq!(v.via[7].detail, "inbound tcp 10257 from sg-alb");
    // The ALB forwards to 10257 only: another port is not reached through it.
    let other = evaluate(&w.estate, t, Protocol::TCP, 8080).expect("target");
    let paths = Reachability::new(&w.estate).paths(t, Protocol::TCP, 8080, &other);
    assert!(paths.widen(&other).is_none());
}

#[test]
fn an_instance_that_does_not_admit_the_load_balancer_is_not_reached_through_it() {
    let (w, t) = behind_alb(Source::Group("sg-other"));
    let reach = Reachability::new(&w.estate);
    let exp = evaluate(&w.estate, t, Protocol::TCP, 10257).expect("target");
    let paths = reach.paths(t, Protocol::TCP, 10257, &exp);
    assert!(paths.widen(&exp).is_none());
    let v = paths.verdict(&w.estate, t, &exp, &AddrSet::all());
    assert_eq!(v.reach, Reach::None);
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("the rules of i-1 admit neither alb-1's security groups nor its addresses"), "{reason}");
}

#[test]
fn an_instance_admitting_the_load_balancer_subnet_is_reached_too() {
    // The VPC's range holds the ALB's subnet: every node is admitted.
    let (w, t) = behind_alb(Source::Block("10.0.0.0/16"));
    assert_eq!(ask(&w.estate, t, 10257).0.reach, Reach::Internet);
}

#[test]
fn an_instance_admitting_part_of_the_load_balancer_subnet_is_unknown() {
    // Which address of 10.0.1.0/24 a node has is not in the input.
    let (w, t) = behind_alb(Source::Block("10.0.1.0/25"));
    assert_eq!(ask(&w.estate, t, 10257).0.reach, Reach::Unknown);
}

#[test]
fn a_network_load_balancer_preserving_clients_needs_the_instance_to_admit_them() {
    let (w, t) = behind_nlb(Scheme::InternetFacing, true);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Internet, "{v:?}");
    assert_eq!(
        kinds(&v),
        ["internet gateway", "route", "load balancer", "listener", "target group", "interface", "security group"]
    );
}

#[test]
fn an_internal_load_balancer_is_not_an_internet_path() {
    let (w, t) = behind_nlb(Scheme::Internal, true);
    let (v, _) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    let reason = v.reason.expect("a reason");
    assert!(reason.contains("internal network load balancer nlb-1 forwards to i-1 on tcp/10257"), "{reason}");
}

#[test]
fn a_load_balancer_in_subnets_without_an_internet_route_is_no_path() {
    let (w, t) = behind_nlb(Scheme::InternetFacing, false);
    let (v, widened) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::None, "{v:?}");
    assert!(v.reason.expect("a reason").contains("for nlb-1: rtb-private sends 0.0.0.0/0 to nat-1"));
    // What the rules admit is still counted: a latent exposure.
    assert!(widened.lower.addrs.contains_set(&AddrSet::all_v4()));
}

#[test]
fn a_listener_the_input_does_not_show_is_unknown() {
    // The group is used by the ALB, but no listener or rule in the input
    // names it: some rule does, on a port the input does not say.
    let (mut w, t) = behind_alb(Source::Group("sg-alb"));
    let u = Unknown {
        what: "which listener of alb-1 forwards to tg-alb-1".into(),
        reason: "its rules are not in the input".into(),
        span: span(3),
    };
    w.estate.topology.load_balancers[0].listeners[0].ports = Known::from_unknown(u);
    let (v, widened) = ask(&w.estate, t, 10257);
    assert_eq!(v.reach, Reach::Unknown, "{v:?}");
    assert!(v.reason.expect("a reason").contains("its rules are not in the input"));
    assert!(widened.lower.addrs.is_empty() && !widened.upper().addrs.is_empty(), "only possibly admitted");
}
