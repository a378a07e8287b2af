//! The planner against the engine: hand-made estates with known answers,
//! and a property test over random rule sets that a plan never widens any
//! answer, closes every finding it does not report as unfixable, and
//! leaves the ports nobody asked about exactly as they were.

use super::*;
use portcullis_model::{Cidr, Layer, Protocol, Sources, Step, Target};
use portcullis_rules::check_estate;
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest, ProptestConfig};
use proptest::strategy::Strategy as _;
use std::sync::Arc;

const TCP: Protocol = Protocol(6);

fn span(line: u32) -> Span {
    Span::new(Arc::from("test.tf"), line, 1)
}

fn cidrs(list: &[&str]) -> AddrSet {
    AddrSet::from_cidrs(list.iter().map(|c| Cidr::parse(c).expect("a CIDR")))
}

fn allow(line: u32, sources: &[&str], ports: (u16, u16), order: i64) -> Entry {
    rule(line, Action::Allow, ProtoMatch::One(TCP), sources, ports, order)
}

fn rule(line: u32, action: Action, protocol: ProtoMatch, sources: &[&str], ports: (u16, u16), order: i64) -> Entry {
    Entry {
        resource: "r".into(),
        label: format!("line {line}"),
        span: span(line),
        origin: Origin::Explicit,
        action,
        protocol: Known::Known(protocol),
        ports: Known::Known(PortSet::range(ports.0, ports.1)),
        sources: Sources { addrs: cidrs(sources), ..Default::default() },
        order,
    }
}

fn estate(kind: LayerKind, entries: Vec<Entry>) -> Estate {
    let mut e = Estate::default();
    let l = e.add_layer(Layer { id: "g".into(), kind_name: "group".into(), kind, span: span(1), entries });
    e.targets.push(Target {
        id: "g".into(),
        kind_name: "group".into(),
        span: span(1),
        path: vec![Step { layers: vec![l] }],
        notes: Vec::new(),
    });
    e
}

fn queries() -> Vec<PortQuery> {
    PortQuery::builtin()
}

fn only(code: &str) -> Vec<PortQuery> {
    queries().into_iter().filter(|q| q.rule.code == code).collect()
}

fn authorized(list: &[&str]) -> Authorized {
    Authorized { addrs: cidrs(list), internal: Vec::new(), explicit: true }
}

#[test]
fn an_open_rule_narrows_to_the_authorized_sources() {
    let e = estate(LayerKind::AllowUnion, vec![allow(3, &["0.0.0.0/0"], (10257, 10257), 0)]);
    let auth = authorized(&["10.1.0.0/16", "192.168.4.0/24"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    assert_eq!(found.len(), 1);
    let p = plan(&e, &found, &auth);
    assert!(p.unfixable.is_empty(), "{:?}", p.unfixable);
    assert_eq!(p.fixes.len(), 1);
    let f = &p.fixes[0];
    assert_eq!(f.strategy, Strategy::Narrow);
    assert_eq!(f.keep.to_cidr_strings(), ["10.1.0.0/16", "192.168.4.0/24"]);
    assert_eq!(f.safety, Safety::Safe);
    assert!(check_estate(&p.after, &q, &auth).is_empty());
    verify(&e, &p.after, &q).expect("never wider");
}

#[test]
fn a_rule_with_nothing_authorized_is_removed() {
    let e = estate(LayerKind::AllowUnion, vec![allow(3, &["203.0.113.0/24"], (10257, 10257), 0)]);
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert_eq!(p.fixes[0].strategy, Strategy::Remove);
    assert!(p.fixes[0].keep.is_empty());
}

#[test]
fn a_range_splits_into_the_ports_that_stay() {
    let e = estate(LayerKind::AllowUnion, vec![allow(3, &["0.0.0.0/0"], (10250, 10260), 0)]);
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert_eq!(p.fixes[0].strategy, Strategy::Split { stay: vec![(10250, 10256), (10258, 10260)] });
    assert!(check_estate(&p.after, &q, &auth).is_empty());
    // Port 10250 is not asked about: it still admits everyone.
    let kubelet = evaluate(&p.after, 0, TCP, 10250).expect("a target");
    assert!(kubelet.lower.addrs.contains_set(&AddrSet::all_v4()));
    verify(&e, &p.after, &queries()).expect("never wider");
}

#[test]
fn without_a_list_private_space_stays_and_the_fix_is_unsafe() {
    let e = estate(LayerKind::AllowUnion, vec![allow(3, &["0.0.0.0/0"], (10257, 10257), 0)]);
    let auth = Authorized::default();
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert_eq!(p.fixes[0].safety, Safety::Unsafe);
    assert!(p.fixes[0].keep.contains_set(&cidrs(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])));
    assert!(check_estate(&p.after, &q, &auth).is_empty());
}

#[test]
fn an_ordered_layer_narrows_the_allow_a_narrowed_rule_falls_through_to() {
    // Rule 100 admits everyone; rule 200 admits everyone too. Narrowing
    // 100 alone lets 200 decide: planning goes round again.
    let e = estate(
        LayerKind::FirstMatch,
        vec![allow(3, &["0.0.0.0/0"], (10257, 10257), 100), allow(4, &["0.0.0.0/0"], (10257, 10257), 200)],
    );
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert!(p.unfixable.is_empty(), "{:?}", p.unfixable);
    assert_eq!(p.fixes.len(), 2);
    assert!(check_estate(&p.after, &q, &auth).is_empty());
    verify(&e, &p.after, &queries()).expect("never wider");
}

/// One ordered layer of a provider (its kind and what it is called).
fn ordered(kind: LayerKind, name: &str, entries: Vec<Entry>) -> Estate {
    let mut e = estate(kind, entries);
    e.layers[0].kind_name = name.into();
    e
}

/// Plans PC100 with 10.0.0.0/8 (and `more`) authorized; checks the plan
/// never widens, closes the finding, and leaves port 22 and 10250 as
/// they were. Returns the one fix.
fn deny_ahead_of(e: &Estate, more: &[&str]) -> EntryFix {
    let mut list = vec!["10.0.0.0/8"];
    list.extend(more);
    let auth = authorized(&list);
    let found = check_estate(e, &only("PC100"), &auth);
    assert!(!found.is_empty());
    let p = plan(e, &found, &auth);
    assert!(p.unfixable.is_empty(), "{:?}", p.unfixable);
    assert!(verify(e, &p.after, &queries()).is_ok());
    assert!(still_open(&p.after, &found, &auth).is_empty());
    for port in [22u16, 10250] {
        let before = evaluate(e, 0, TCP, port).expect("a target");
        let now = evaluate(&p.after, 0, TCP, port).expect("a target");
        assert_eq!(before.lower.addrs, now.lower.addrs, "port {port} changed");
    }
    assert_eq!(p.fixes.len(), 1);
    p.fixes[0].clone()
}

#[test]
fn a_network_acl_allow_of_every_protocol_gets_a_deny_ahead() {
    let every = rule(3, Action::Allow, ProtoMatch::All, &["0.0.0.0/0"], (0, 65535), 100);
    let e = ordered(
        LayerKind::FirstMatch,
        "network ACL",
        vec![rule(2, Action::Deny, ProtoMatch::All, &["192.0.2.0/24"], (0, 65535), 50), every],
    );
    let fix = deny_ahead_of(&e, &[]);
    let Strategy::DenyAhead { deny_at, allow_at, why } = &fix.strategy else { panic!("{:?}", fix.strategy) };
    assert_eq!((*deny_at, *allow_at), (99, Some(98)));
    assert!(why.contains("every protocol"), "{why}");
    assert_eq!(fix.safety, Safety::Safe);
    // Kept sources of several CIDRs: one allow each, from 96 up.
    let one = allow(3, &["0.0.0.0/0"], (10257, 10257), 100);
    let e = ordered(LayerKind::FirstMatch, "network ACL", vec![one]);
    let fix = deny_ahead_of(&e, &["192.168.0.0/16"]);
    assert!(matches!(fix.strategy, Strategy::DenyAhead { deny_at: 99, allow_at: Some(97), .. }), "{:?}", fix.strategy);
}

#[test]
fn an_nsg_range_gets_a_deny_ahead_marked_unsafe_and_no_room_is_reported() {
    let e =
        ordered(LayerKind::FirstMatch, "network security group", vec![allow(3, &["0.0.0.0/0"], (10250, 10260), 200)]);
    let fix = deny_ahead_of(&e, &[]);
    assert!(
        matches!(fix.strategy, Strategy::DenyAhead { deny_at: 199, allow_at: Some(198), .. }),
        "{:?}",
        fix.strategy
    );
    assert_eq!(fix.safety, Safety::Unsafe, "its deny names every destination");
    // No free priority between the rule and the one before it.
    let e = ordered(
        LayerKind::FirstMatch,
        "network security group",
        vec![allow(2, &["10.9.0.0/16"], (22, 22), 199), allow(3, &["0.0.0.0/0"], (10250, 10260), 200)],
    );
    let auth = authorized(&["10.0.0.0/8"]);
    let found = check_estate(&e, &only("PC100"), &auth);
    let p = plan(&e, &found, &auth);
    assert!(p.fixes.is_empty());
    assert!(p.unfixable[0].reason.contains("free number or priority"), "{:?}", p.unfixable);
}

#[test]
fn a_gcp_range_gets_a_deny_at_its_own_priority() {
    let e = ordered(LayerKind::GcpPriority, "firewall rule", vec![allow(3, &["0.0.0.0/0"], (10250, 10260), 1000)]);
    let fix = deny_ahead_of(&e, &[]);
    assert!(
        matches!(fix.strategy, Strategy::DenyAhead { deny_at: 1000, allow_at: Some(999), .. }),
        "{:?}",
        fix.strategy
    );
}

#[test]
fn an_all_protocol_rule_is_narrowed_on_every_port_and_marked_unsafe() {
    let e = estate(LayerKind::AllowUnion, vec![rule(3, Action::Allow, ProtoMatch::All, &["0.0.0.0/0"], (0, 65535), 0)]);
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert_eq!(p.fixes[0].strategy, Strategy::NarrowWholeRule);
    assert_eq!(p.fixes[0].safety, Safety::Unsafe);
}

#[test]
fn a_default_rule_is_reported_not_changed() {
    let mut default = allow(1, &["0.0.0.0/0"], (0, 65535), 65000);
    default.origin = Origin::Default("AllowEveryone".into());
    let e = estate(LayerKind::FirstMatch, vec![default]);
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert!(p.fixes.is_empty());
    assert_eq!(p.unfixable.len(), 1);
    assert!(p.unfixable[0].reason.contains("AllowEveryone"), "{}", p.unfixable[0].reason);
}

#[test]
fn a_rule_that_admits_only_authorized_sources_is_not_touched() {
    let e = estate(
        LayerKind::AllowUnion,
        vec![allow(3, &["10.1.0.0/16"], (10257, 10257), 0), allow(4, &["0.0.0.0/0"], (10257, 10257), 0)],
    );
    let auth = authorized(&["10.0.0.0/8"]);
    let q = only("PC100");
    let found = check_estate(&e, &q, &auth);
    let p = plan(&e, &found, &auth);
    assert_eq!(p.fixes.len(), 1);
    assert_eq!(p.fixes[0].span.line, 4);
}

/// A small universe of blocks so random rules overlap each other and the
/// authorized list.
const BLOCKS: &[&str] = &[
    "0.0.0.0/0",
    "0.0.0.0/1",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "172.16.0.0/12",
    "192.168.1.0/24",
    "203.0.113.0/24",
    "52.0.0.0/8",
    "8.8.8.8/32",
    "::/0",
    "2001:db8::/32",
    "2600::/16",
];

fn arb_entry() -> impl proptest::strategy::Strategy<Value = Entry> {
    (
        prop::sample::subsequence(BLOCKS, 1..3),
        prop::sample::select(vec![(10257u16, 10257u16), (10250, 10260), (0, 65535), (2379, 2380), (10255, 10259)]),
        any::<bool>(),
        prop::sample::select(vec![100i64, 200, 300, 400]),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(sources, ports, deny, order, all)| {
            let action = if deny { Action::Deny } else { Action::Allow };
            let protocol = if all { ProtoMatch::All } else { ProtoMatch::One(TCP) };
            rule(order as u32, action, protocol, &sources, ports, order)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_plan_never_widens_and_closes_what_it_claims(
        entries in prop::collection::vec(arb_entry(), 1..6),
        kind in prop::sample::select(vec![LayerKind::AllowUnion, LayerKind::FirstMatch, LayerKind::GcpPriority]),
        auth_blocks in prop::sample::subsequence(BLOCKS, 0..3),
        explicit in any::<bool>(),
    ) {
        // Security groups have no deny rules.
        let entries: Vec<Entry> = if kind == LayerKind::AllowUnion {
            entries.into_iter().filter(|e| e.action == Action::Allow).collect()
        } else {
            entries
        };
        let e = estate(kind, entries);
        let auth = Authorized { addrs: cidrs(&auth_blocks), internal: Vec::new(), explicit };
        let asked = only("PC100");
        let all = queries();
        let found = check_estate(&e, &asked, &auth);
        let p = plan(&e, &found, &auth);
        // Never wider, on any port of any rule.
        prop_assert!(verify(&e, &p.after, &all).is_ok(), "{:?}", verify(&e, &p.after, &all));
        // Every selected finding is closed or reported with a reason.
        let after: BTreeSet<String> = check_estate(&p.after, &asked, &auth).iter().map(Finding::fingerprint).collect();
        let reported: BTreeSet<(String, String)> =
            p.unfixable.iter().map(|u| (u.rule.clone(), u.resource.clone())).collect();
        for f in &found {
            prop_assert!(
                !after.contains(&f.fingerprint()) || reported.contains(&(f.rule.clone(), f.resource.clone())),
                "{} still open and not reported", f.fingerprint()
            );
        }
        // Ports nobody asked about keep their answer, except where a rule
        // matches every protocol (its narrowing is marked unsafe).
        let whole = p.fixes.iter().any(|f| f.strategy == Strategy::NarrowWholeRule);
        if !whole {
            for port in [10250u16, 10256, 10258, 2379, 443] {
                let before = evaluate(&e, 0, TCP, port).expect("a target");
                let now = evaluate(&p.after, 0, TCP, port).expect("a target");
                prop_assert_eq!(&before.lower.addrs, &now.lower.addrs, "port {}", port);
            }
        }
        // What each fix keeps is inside what it had and inside the list.
        for f in &p.fixes {
            prop_assert!(f.before.contains_set(&f.keep));
            prop_assert!(authorized_addrs(&auth).contains_set(&f.keep));
        }
    }
}
