//! The engine against a naive reference: every address of a small space is
//! decided one by one, the way the provider documents it, and the engine's
//! exact sets must agree. Plus the bound semantics for unknown values.

use portcullis_engine::{eval_layer, evaluate, Bound};
use portcullis_model::{
    Action, AddrSet, Cidr, Entry, Estate, Known, Layer, LayerKind, Origin, PortSet, ProtoMatch, Protocol, Sources,
    Span, Step, Target, Unknown,
};
use proptest::prelude::*;
use std::sync::Arc;

fn span() -> Span {
    Span::new(Arc::from("t.json"), 1, 1)
}

fn entry(action: Action, order: i64, cidr: &str, proto: ProtoMatch, ports: PortSet) -> Entry {
    Entry {
        resource: "r".into(),
        label: format!("{action:?} {cidr}"),
        span: span(),
        origin: Origin::Explicit,
        action,
        protocol: Known::Known(proto),
        ports: Known::Known(ports),
        sources: Sources { addrs: Cidr::parse(cidr).expect("cidr").to_set(), ..Default::default() },
        order,
    }
}

fn layer(kind: LayerKind, entries: Vec<Entry>) -> Layer {
    Layer { id: "l".into(), kind_name: "layer".into(), kind, span: span(), entries }
}

/// Addresses 10.0.0.0–10.0.0.63 and the blocks that cover them.
const BASE: u32 = 0x0a00_0000;

fn arb_entry() -> impl Strategy<Value = Entry> {
    (any::<bool>(), 0i64..8, 26u8..=32, 0u32..64, 0u8..3, 0u16..4, 0u16..4).prop_map(
        |(allow, order, len, off, p, a, b)| {
            let addr = BASE + off;
            let cidr = format!("{}/{}", std::net::Ipv4Addr::from(addr), len);
            let proto = match p {
                0 => ProtoMatch::All,
                1 => ProtoMatch::One(Protocol::TCP),
                _ => ProtoMatch::One(Protocol::UDP),
            };
            let ports = PortSet::range(10255 + a.min(b), 10255 + a.max(b));
            entry(if allow { Action::Allow } else { Action::Deny }, order, &cidr, proto, ports)
        },
    )
}

fn matches(e: &Entry, addr: u32, proto: Protocol, port: u16) -> bool {
    let Known::Known(p) = &e.protocol else { return false };
    let Known::Known(ps) = &e.ports else { return false };
    p.matches(proto) && ps.contains(port) && e.sources.addrs.v4.contains(addr)
}

/// Provider semantics, one address at a time.
fn naive(kind: LayerKind, entries: &[Entry], addr: u32, proto: Protocol, port: u16) -> bool {
    match kind {
        LayerKind::AllowUnion => entries.iter().any(|e| e.action == Action::Allow && matches(e, addr, proto, port)),
        LayerKind::FirstMatch => {
            let mut sorted: Vec<&Entry> = entries.iter().collect();
            sorted.sort_by_key(|e| e.order); // stable: file order breaks ties
            sorted.iter().find(|e| matches(e, addr, proto, port)).is_some_and(|e| e.action == Action::Allow)
        }
        LayerKind::GcpPriority => {
            // Lowest priority number wins; at equal priority a deny wins.
            let best = entries.iter().filter(|e| matches(e, addr, proto, port)).map(|e| e.order).min();
            match best {
                None => false,
                Some(p) => entries
                    .iter()
                    .filter(|e| e.order == p && matches(e, addr, proto, port))
                    .all(|e| e.action == Action::Allow),
            }
        }
        LayerKind::Program(_) => unreachable!("programs have their own reference in tests/program.rs"),
    }
}

proptest! {
    #[test]
    fn layers_agree_with_per_address_reference(
        entries in prop::collection::vec(arb_entry(), 0..8),
        kind in prop_oneof![Just(LayerKind::AllowUnion), Just(LayerKind::FirstMatch), Just(LayerKind::GcpPriority)],
        port in 10254u16..10260,
        udp in any::<bool>(),
    ) {
        let proto = if udp { Protocol::UDP } else { Protocol::TCP };
        let l = layer(kind, entries.clone());
        let got = eval_layer(0, &l, proto, port, Bound::Lower);
        // With no unknowns both bounds are the same exact answer.
        prop_assert_eq!(&got, &eval_layer(0, &l, proto, port, Bound::Upper));
        for off in 0..64u32 {
            let a = BASE + off;
            prop_assert_eq!(got.addrs.v4.contains(a), naive(kind, &entries, a, proto, port), "address {}", off);
        }
        // Nothing outside the space is admitted, and pieces partition the set.
        let space = Cidr::parse("10.0.0.0/26").unwrap().to_set();
        prop_assert!(space.contains_set(&got.addrs));
        let mut union = AddrSet::empty();
        for p in &got.pieces {
            union.union_in_place(&p.addrs);
        }
        prop_assert_eq!(union, got.addrs);
    }
}

fn estate_of(layers: Vec<Layer>) -> Estate {
    let mut e = Estate::default();
    let ids: Vec<usize> = layers.into_iter().map(|l| e.add_layer(l)).collect();
    e.targets.push(Target {
        id: "t".into(),
        kind_name: "instance".into(),
        span: span(),
        path: ids.into_iter().map(|l| Step { layers: vec![l] }).collect(),
        notes: vec![],
    });
    e
}

fn unknown_sources(action: Action, order: i64) -> Entry {
    let mut e = entry(action, order, "10.0.0.0/32", ProtoMatch::All, PortSet::full());
    e.sources = Sources {
        unknown: vec![Unknown { what: "cidr".into(), reason: "after apply".into(), span: span() }],
        ..Default::default()
    };
    e
}

#[test]
fn unknown_allow_widens_only_the_upper_bound() {
    let e = estate_of(vec![layer(LayerKind::AllowUnion, vec![unknown_sources(Action::Allow, 0)])]);
    let x = evaluate(&e, 0, Protocol::TCP, 10257).expect("target");
    assert!(x.lower.addrs.is_empty());
    assert_eq!(x.upper().addrs, AddrSet::all());
    assert_eq!(x.unknowns.len(), 1);
}

#[test]
fn unknown_deny_before_allow_all_narrows_only_the_lower_bound() {
    let acl = layer(
        LayerKind::FirstMatch,
        vec![
            unknown_sources(Action::Deny, 100),
            entry(Action::Allow, 200, "0.0.0.0/0", ProtoMatch::All, PortSet::full()),
        ],
    );
    let e = estate_of(vec![acl]);
    let x = evaluate(&e, 0, Protocol::TCP, 10257).expect("target");
    assert!(x.lower.addrs.is_empty(), "the deny may match everything");
    assert_eq!(x.upper().addrs, Cidr::parse("0.0.0.0/0").unwrap().to_set());
}

#[test]
fn path_is_the_intersection_of_its_steps() {
    let acl = layer(
        LayerKind::FirstMatch,
        vec![
            entry(Action::Deny, 100, "0.0.0.0/0", ProtoMatch::One(Protocol::TCP), PortSet::point(10257)),
            entry(Action::Allow, 200, "0.0.0.0/0", ProtoMatch::All, PortSet::full()),
            entry(Action::Allow, 201, "::/0", ProtoMatch::All, PortSet::full()),
        ],
    );
    let sg = layer(
        LayerKind::AllowUnion,
        vec![
            entry(Action::Allow, 0, "0.0.0.0/0", ProtoMatch::One(Protocol::TCP), PortSet::range(10250, 10260)),
            entry(Action::Allow, 0, "::/0", ProtoMatch::One(Protocol::TCP), PortSet::point(10257)),
        ],
    );
    let e = estate_of(vec![acl, sg]);
    let x = evaluate(&e, 0, Protocol::TCP, 10257).expect("target");
    assert_eq!(x.lower.addrs.to_cidr_strings(), vec!["::/0"]);
    let y = evaluate(&e, 0, Protocol::TCP, 10258).expect("target");
    assert_eq!(y.lower.addrs.to_cidr_strings(), vec!["0.0.0.0/0"]);
    // The pieces name the rules on both layers.
    let by: Vec<(usize, usize)> = x.because(&x.lower.addrs, false).iter().map(|r| (r.layer, r.entry)).collect();
    assert_eq!(by, vec![(0, 2), (1, 1)]);
    // The NACL deny is the mitigation for IPv4: the group would admit it.
    let m: Vec<(usize, usize, Vec<String>)> =
        x.lower.mitigations().into_iter().map(|(r, a)| (r.layer, r.entry, a.to_cidr_strings())).collect();
    assert_eq!(m, vec![(0, 0, vec!["0.0.0.0/0".to_string()])]);
}

#[test]
fn gcp_deny_beats_allow_at_equal_priority_and_lower_number_wins() {
    let fw = layer(
        LayerKind::GcpPriority,
        vec![
            entry(Action::Allow, 1000, "0.0.0.0/0", ProtoMatch::All, PortSet::full()),
            entry(Action::Deny, 1000, "10.0.0.0/8", ProtoMatch::One(Protocol::TCP), PortSet::point(10257)),
            entry(Action::Allow, 900, "10.1.0.0/16", ProtoMatch::One(Protocol::TCP), PortSet::point(10257)),
        ],
    );
    let got = eval_layer(0, &fw, Protocol::TCP, 10257, Bound::Lower);
    let want = Cidr::parse("0.0.0.0/0")
        .unwrap()
        .to_set()
        .difference(&Cidr::parse("10.0.0.0/8").unwrap().to_set())
        .union(&Cidr::parse("10.1.0.0/16").unwrap().to_set());
    assert_eq!(got.addrs, want);
}
