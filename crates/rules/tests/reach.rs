//! The path on findings: an exposure finding says whether the internet
//! reaches it; an open port with no path today is latent, one severity
//! level lower, and its message says so.

use portcullis_model::topology::{
    Attachment, Described, Gateway, GatewayId, GatewayKind, Interface, InterfaceId, Network, NetworkId, NextHop,
    Provider, PublicAddress, Route, RouteTable, RouteTableId, Subnet, SubnetId,
};
use portcullis_model::{
    Action, Cidr, Entry, Estate, Known, Layer, LayerKind, Origin, PortSet, ProtoMatch, Protocol, Sources, Span, Step,
    Target,
};
use portcullis_rules::registry as catalog;
use portcullis_rules::{check_estate, Authorized, ExposureClass, PortQuery, ReachKind, Severity};
use std::sync::Arc;

fn span(line: u32) -> Span {
    Span::new(Arc::from("estate.json"), line, 3)
}

/// One VPC with an internet gateway and a subnet whose route table sends
/// 0.0.0.0/0 to it; one instance whose group opens tcp/10257 to the world,
/// with the public IPv4 address given.
fn estate(public: Option<&str>) -> Estate {
    let mut e = Estate::default();
    let sg = e.add_layer(Layer {
        id: "sg-1".into(),
        kind_name: "security group".into(),
        kind: LayerKind::AllowUnion,
        span: span(2),
        entries: vec![Entry {
            resource: "sg-1".into(),
            label: "inbound tcp 10257 from 0.0.0.0/0".into(),
            span: span(3),
            origin: Origin::Explicit,
            action: Action::Allow,
            protocol: Known::Known(ProtoMatch::One(Protocol::TCP)),
            ports: Known::Known(PortSet::point(10257)),
            sources: Sources { addrs: Cidr::parse("0.0.0.0/0").expect("cidr").to_set(), ..Default::default() },
            order: 0,
        }],
    });
    e.targets.push(Target {
        id: "i-1".into(),
        kind_name: "instance".into(),
        span: span(4),
        path: vec![Step { layers: vec![sg] }],
        notes: Vec::new(),
    });
    let t = &mut e.topology;
    for d in [Described::RouteTables, Described::LoadBalancers, Described::LoadBalancerTargets] {
        t.mark(Provider::Aws, d);
    }
    t.networks.push(Network {
        id: "vpc-1".into(),
        provider: Provider::Aws,
        span: Some(span(5)),
        main_route_table: Some(RouteTableId(0)),
    });
    t.gateways.push(Gateway {
        id: "igw-1".into(),
        kind: GatewayKind::Internet,
        span: Some(span(6)),
        attached_to: Known::Known(vec![NetworkId(0)]),
        ingress_route_table: None,
    });
    t.route_tables.push(RouteTable {
        id: "rtb-1".into(),
        span: Some(span(7)),
        network: Some(NetworkId(0)),
        routes: vec![Route {
            destination: Known::Known(vec![Cidr::parse("0.0.0.0/0").expect("cidr")]),
            destination_label: "0.0.0.0/0".into(),
            next_hop: NextHop::Internet { name: "igw-1".into(), gateway: Some(GatewayId(0)) },
            preference: 0,
            tags: Vec::new(),
            span: Some(span(8)),
            origin: Origin::Explicit,
        }],
    });
    t.subnets.push(Subnet {
        id: "subnet-1".into(),
        span: Some(span(9)),
        network: Some(NetworkId(0)),
        cidrs: Known::Known(Cidr::parse("10.0.1.0/24").expect("cidr").to_set()),
        route_table: None,
        guards: Vec::new(),
    });
    t.interfaces.push(Interface {
        id: "eni-1".into(),
        provider: Provider::Aws,
        span: Some(span(10)),
        subnet: Known::Known(SubnetId(0)),
        private: Cidr::parse("10.0.1.5").expect("cidr").to_set(),
        public_v4: Known::Known(public.map(|a| PublicAddress {
            address: Some(a.into()),
            what: "public IPv4".into(),
            span: Some(span(11)),
        })),
        public_v6: Known::Known(None),
        tags: Vec::new(),
    });
    t.attach(0, Attachment::Interface(InterfaceId(0)));
    e
}

fn pc100(e: &Estate) -> portcullis_rules::Finding {
    let rule = catalog::for_port(10257).expect("the controller-manager rule");
    let q = [PortQuery { port: 10257, protocol: Protocol::TCP, rule }];
    let mut found = check_estate(e, &q, &Authorized::default());
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

#[test]
fn a_reachable_open_port_keeps_its_severity_and_shows_its_path() {
    let f = pc100(&estate(Some("54.1.2.3")));
    assert_eq!(f.exposure, Some(ExposureClass::Unrestricted));
    assert_eq!(f.severity, catalog::for_port(10257).expect("rule").severity);
    let reach = f.reach.as_ref().expect("an exposure finding on a target says its path");
    assert_eq!(reach.reach, ReachKind::Internet);
    assert_eq!(reach.reason, None);
    let hops: Vec<(&str, &str, u32)> =
        reach.via.iter().map(|v| (v.hop.as_str(), v.resource.as_str(), v.line)).collect();
    assert_eq!(
        hops,
        [
            ("internet gateway", "igw-1", 6),
            ("route", "rtb-1", 8),
            ("public address", "eni-1", 11),
            ("security group", "sg-1", 3)
        ]
    );
    assert!(!f.message.contains("latent"), "{}", f.message);
}

#[test]
fn an_open_port_without_a_path_is_latent_and_one_level_lower() {
    let f = pc100(&estate(None));
    let rule = catalog::for_port(10257).expect("rule");
    assert_eq!(f.exposure, Some(ExposureClass::Unrestricted), "the class is still what the rules admit");
    assert_eq!(f.severity, rule.severity.lower());
    assert!(f.severity < rule.severity || rule.severity == Severity::Low);
    let reach = f.reach.as_ref().expect("a path answer");
    assert_eq!(reach.reach, ReachKind::None);
    let reason = reach.reason.as_deref().expect("a reason");
    assert!(reason.contains("eni-1 has no public IPv4 address"), "{reason}");
    assert!(f.message.contains("latent: one public address or load balancer away"), "{}", f.message);
    assert!(f.message.contains(reason), "{}", f.message);
    // The sources are still what the rules admit.
    assert_eq!(&*f.sources, ["0.0.0.0/0".to_string()]);
}
