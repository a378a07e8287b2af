//! Longest prefix match over whole sets against a naive reference: every
//! address of a small space is looked up one by one, the way the providers
//! document route selection (most specific block, then preference, equal
//! routes share), and the split's share for it must agree.

use portcullis_engine::routes::{split, Outcome};
use portcullis_model::topology::{NextHop, Route, RouteTable, Topology};
use portcullis_model::{AddrSet, Cidr, Known, Origin, Unknown};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Next hops the generator picks from: two internet gateways, two places
/// that are not the internet, a middlebox.
fn hop(k: u8) -> NextHop {
    match k {
        0 => NextHop::Internet { name: "igw-1".into(), gateway: None },
        1 => NextHop::Internet { name: "igw-2".into(), gateway: None },
        2 => NextHop::Elsewhere { name: "nat-1".into(), why: "a NAT gateway admits no inbound connection".into() },
        3 => NextHop::Local { name: "local".into() },
        _ => NextHop::Middlebox { name: "vpce-1".into(), what: "a firewall endpoint".into() },
    }
}

fn route(cidrs: Vec<Cidr>, k: u8, preference: u32) -> Route {
    Route {
        destination: Known::Known(cidrs),
        destination_label: "block".into(),
        next_hop: hop(k),
        preference,
        tags: Vec::new(),
        span: None,
        origin: Origin::Explicit,
    }
}

fn table(routes: Vec<Route>) -> RouteTable {
    RouteTable { id: "rtb-1".into(), span: None, network: None, routes }
}

/// What the reference decides for one address.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Internet,
    Elsewhere,
    Local,
    Unknown,
}

fn decide(outcome: &Outcome) -> Decision {
    match outcome {
        Outcome::Internet => Decision::Internet,
        Outcome::Elsewhere(_) => Decision::Elsewhere,
        Outcome::Local => Decision::Local,
        Outcome::Unknown(_) => Decision::Unknown,
    }
}

fn reference_hop(k: u8) -> Decision {
    match k {
        0 | 1 => Decision::Internet,
        2 => Decision::Elsewhere,
        3 => Decision::Local,
        _ => Decision::Unknown,
    }
}

/// Per-address route selection, as documented.
fn naive(routes: &[(Vec<Cidr>, u8, u32)], addr: &AddrSet) -> Decision {
    let mut best: Option<u8> = None;
    let mut matching: Vec<(u8, u32)> = Vec::new();
    for (cidrs, k, pref) in routes {
        for c in cidrs {
            if c.to_set().contains_set(addr) {
                let len = match *c {
                    Cidr::V4 { len, .. } | Cidr::V6 { len, .. } => len,
                };
                match best {
                    Some(b) if b > len => {}
                    Some(b) if b == len => matching.push((*k, *pref)),
                    _ => {
                        best = Some(len);
                        matching = vec![(*k, *pref)];
                    }
                }
            }
        }
    }
    let Some(min) = matching.iter().map(|m| m.1).min() else { return Decision::Elsewhere };
    let winners: Vec<Decision> = matching.iter().filter(|m| m.1 == min).map(|m| reference_hop(m.0)).collect();
    if winners.iter().all(|w| *w == winners[0]) {
        winners.into_iter().next().unwrap_or(Decision::Elsewhere)
    } else {
        Decision::Unknown
    }
}

/// Blocks inside 10.0.0.0/26 (64 addresses), plus the default route.
fn arb_v4_cidr() -> impl Strategy<Value = Cidr> {
    prop_oneof![
        1 => Just(Cidr::parse("0.0.0.0/0").expect("cidr")),
        8 => (26u8..=32, 0u32..64).prop_map(|(len, off)| {
            let a = Ipv4Addr::from(0x0a00_0000 + off);
            Cidr::parse(&format!("{a}/{len}")).expect("cidr")
        }),
    ]
}

fn arb_routes() -> impl Strategy<Value = Vec<(Vec<Cidr>, u8, u32)>> {
    prop::collection::vec((prop::collection::vec(arb_v4_cidr(), 1..3), 0u8..5, 0u32..3), 0..10)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn split_agrees_with_a_per_address_lookup(routes in arb_routes()) {
        let rt = table(routes.iter().map(|(c, k, p)| route(c.clone(), *k, *p)).collect());
        let s = split(&Topology::default(), &rt, |_| true);
        // Shares are disjoint and cover everything.
        let mut covered = AddrSet::empty();
        for sh in &s.shares {
            prop_assert!(!sh.addrs.intersects(&covered), "overlapping shares: {:?}", s.shares);
            covered.union_in_place(&sh.addrs);
        }
        prop_assert_eq!(&covered, &AddrSet::all());
        // Every address of the small space, and one outside it.
        for off in (0u32..64).chain([0x0b00_0000 - 0x0a00_0000]) {
            let a = Cidr::parse(&Ipv4Addr::from(0x0a00_0000 + off).to_string()).expect("cidr").to_set();
            let share = s.shares.iter().find(|sh| sh.addrs.contains_set(&a));
            prop_assert!(share.is_some(), "no share holds {:?}", a);
            let got = decide(&share.expect("checked").outcome);
            let want = naive(&routes, &a);
            prop_assert_eq!(&got, &want, "address 10.0.0.{} with routes {:?}", off, routes);
            // The bounds agree with the shares.
            prop_assert_eq!(s.internet_lower.contains_set(&a), want == Decision::Internet);
            prop_assert_eq!(s.internet_upper.contains_set(&a), matches!(want, Decision::Internet | Decision::Unknown));
        }
    }

    #[test]
    fn ipv6_routes_never_take_ipv4_sources(len in 0u8..=64, k in 0u8..5) {
        let v6 = Cidr::parse(&format!("{}/{len}", Ipv6Addr::UNSPECIFIED)).expect("cidr");
        let rt = table(vec![route(vec![Cidr::parse("0.0.0.0/0").expect("cidr")], 0, 0), route(vec![v6], k, 0)]);
        let s = split(&Topology::default(), &rt, |_| true);
        prop_assert!(s.internet_lower.contains_set(&AddrSet::all_v4()));
    }
}

#[test]
fn more_specific_route_elsewhere_takes_its_part_away() {
    let rt = table(vec![
        route(vec![Cidr::parse("0.0.0.0/0").expect("cidr")], 0, 0),
        route(vec![Cidr::parse("52.0.0.0/8").expect("cidr")], 2, 0),
    ]);
    let s = split(&Topology::default(), &rt, |_| true);
    let taken = Cidr::parse("52.1.2.3").expect("cidr").to_set();
    let kept = Cidr::parse("53.1.2.3").expect("cidr").to_set();
    assert!(!s.internet_upper.intersects(&taken));
    assert!(s.internet_lower.contains_set(&kept));
    // IPv6 has no route at all here.
    assert!(!s.internet_upper.intersects(&AddrSet::all_v6()));
}

/// A route to `hop` whose prefix list's entries are not in the input.
fn unknown_route(list: &str, hop: NextHop) -> Route {
    let mut r = route(Vec::new(), 2, 0);
    r.destination = Known::from_unknown(Unknown {
        what: format!("prefix list {list}"),
        reason: "its entries are not in the input".into(),
        span: portcullis_model::Span::new("t.json".into(), 1, 1),
    });
    r.destination_label = list.into();
    r.next_hop = hop;
    r
}

#[test]
fn unknown_destination_elsewhere_leaves_no_sure_internet_source() {
    let nat = hop(2);
    let rt = table(vec![route(vec![Cidr::parse("0.0.0.0/0").expect("cidr")], 0, 0), unknown_route("pl-1", nat)]);
    let s = split(&Topology::default(), &rt, |_| true);
    assert!(s.internet_lower.is_empty());
    assert!(s.internet_upper.contains_set(&AddrSet::all_v4()));
    assert_eq!(s.unknowns.len(), 1, "{:?}", s.unknowns);
    assert!(s.unknowns[0].contains("pl-1"), "{:?}", s.unknowns);
}

#[test]
fn a_gateway_endpoint_prefix_list_takes_no_client_away() {
    let endpoint = unknown_route("pl-63a5400a", NextHop::Service { name: "vpce-s3".into() });
    let rt = table(vec![route(vec![Cidr::parse("0.0.0.0/0").expect("cidr")], 0, 0), endpoint]);
    let s = split(&Topology::default(), &rt, |_| true);
    assert!(s.internet_lower.contains_set(&AddrSet::all_v4()));
    assert!(s.unknowns.is_empty());
}
