//! Host firewall programs against a naive reference: one packet at a time,
//! walking the chains with a call stack the way netfilter does, and the
//! engine's set answers must agree for every address of a small space,
//! every interface and every source port tried. With undecidable
//! conditions, every way of deciding them must land between the engine's
//! two bounds.

use portcullis_engine::program::{combined_fate, fate, Packet};
use portcullis_engine::{evaluate, Bound};
use portcullis_model::{
    AddrSet, Arm, Chain, Cidr, Cond, CtStates, Entry, Estate, Hook, IfaceName, Known, Layer, LayerKind, Origin,
    PortSet, Program, ProtoMatch, Protocol, Rule, Sources, Span, Step, Target, Then, Unknown, Verdict,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

const V4_BASE: u32 = 0x0a00_0000;
const V6_BASE: u128 = 0xfd00_0000_0000_0000_0000_0000_0000_0000;
/// Addresses per family in the test space.
const SPACE: u32 = 64;

fn span() -> Span {
    Span::new(Arc::from("rules.txt"), 1, 1)
}

fn addr(i: u32, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(V6_BASE + u128::from(i)))
    } else {
        IpAddr::V4(Ipv4Addr::from(V4_BASE + i))
    }
}

fn contains(set: &AddrSet, a: IpAddr) -> bool {
    match a {
        IpAddr::V4(x) => set.contains_v4(x),
        IpAddr::V6(x) => set.contains_v6(x),
    }
}

fn arb_source() -> impl Strategy<Value = AddrSet> {
    (any::<bool>(), 26u8..=32, 0u32..SPACE, any::<bool>()).prop_map(|(v6, len, off, negate)| {
        let c = if v6 {
            Cidr::parse(&format!("{}/{}", Ipv6Addr::from(V6_BASE + u128::from(off)), u32::from(len) + 96))
        } else {
            Cidr::parse(&format!("{}/{len}", Ipv4Addr::from(V4_BASE + off)))
        }
        .expect("cidr");
        let set = c.to_set();
        // A negated match stays within its family, as `! -s` and `!=` do.
        if negate {
            let fam = if v6 { AddrSet::all_v6() } else { AddrSet::all_v4() };
            fam.difference(&set)
        } else {
            set
        }
    })
}

fn arb_ports() -> impl Strategy<Value = PortSet> {
    (10255u16..10260, 0u16..3).prop_map(|(lo, n)| PortSet::range(lo, lo + n))
}

fn arb_iface() -> impl Strategy<Value = IfaceName> {
    prop_oneof![
        Just(IfaceName::Exact("eth0".into())),
        Just(IfaceName::Exact("eth1".into())),
        Just(IfaceName::Exact("lo".into())),
        Just(IfaceName::Prefix("eth".into())),
        Just(IfaceName::Prefix("e".into())),
        Just(IfaceName::Prefix("".into())),
    ]
}

fn unknown(n: u8) -> Cond {
    Cond::Unknown(Unknown { what: format!("set u{n}"), reason: "test".into(), span: span() })
}

fn arb_leaf() -> impl Strategy<Value = Cond> {
    prop_oneof![
        4 => arb_source().prop_map(Cond::Source),
        1 => prop_oneof![Just(vec![6u8]), Just(vec![17]), Just(vec![6, 17])]
            .prop_map(|v| Cond::Protocol(v.into_iter().map(Protocol).collect())),
        2 => arb_ports().prop_map(Cond::DestPort),
        1 => (1u16..4, 0u16..2).prop_map(|(lo, n)| Cond::SourcePort(PortSet::range(lo * 20000, lo * 20000 + n))),
        2 => prop::collection::vec(arb_iface(), 1..3).prop_map(Cond::InInterface),
        1 => (0u8..32).prop_map(|s| Cond::CtState(CtStates(s))),
        1 => (0u8..=255, 0u8..=255).prop_map(|(m, v)| Cond::TcpFlags { mask: m, value: v & m }),
        1 => any::<bool>().prop_map(Cond::Const),
    ]
}

fn arb_cond(with_unknowns: bool) -> impl Strategy<Value = Cond> {
    let unknown_weight = if with_unknowns { 1 } else { 0 };
    let leaf = prop_oneof![
        10 => arb_leaf(),
        unknown_weight => (0u8..3).prop_map(unknown),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(prop::collection::vec(inner, 1..3), 1..3).prop_map(Cond::Any),
        ]
    })
}

/// A verdict for a rule of chain `from` in a program of `n` chains: jumps
/// only go forward, as the kernel refuses loops.
fn arb_verdict(from: usize, n: usize) -> impl Strategy<Value = Verdict> {
    let later = (from + 1)..n.max(from + 2);
    let can_jump = from + 1 < n;
    prop_oneof![
        3 => Just(Verdict::Accept),
        2 => Just(Verdict::Drop),
        1 => Just(Verdict::Reject),
        1 => Just(Verdict::Return),
        1 => Just(Verdict::Continue),
        if can_jump { 3 } else { 0 } => later.clone().prop_map(Verdict::Jump),
        if can_jump { 2 } else { 0 } => later.prop_map(Verdict::Goto),
    ]
}

fn arb_rule(from: usize, n: usize, with_unknowns: bool) -> impl Strategy<Value = (Vec<Cond>, Then)> {
    let conds = prop::collection::vec(arb_cond(with_unknowns), 0..3);
    let then = prop_oneof![
        4 => arb_verdict(from, n).prop_map(Then::Verdict),
        1 => prop::collection::vec((arb_source(), arb_verdict(from, n)), 1..4).prop_map(|arms| {
            Then::Map(arms.into_iter().map(|(s, v)| Arm { when: Cond::Source(s), verdict: v, entry: 0 }).collect())
        }),
    ];
    (conds, then)
}

fn arb_program(with_unknowns: bool) -> impl Strategy<Value = (Program, usize)> {
    (1usize..5)
        .prop_flat_map(move |n| {
            let chains: Vec<_> = (0..n)
                .map(|c| {
                    let end = if c == 0 {
                        prop_oneof![Just(Verdict::Accept), Just(Verdict::Drop)].boxed()
                    } else {
                        prop_oneof![3 => Just(Verdict::Return), 1 => Just(Verdict::Accept), 1 => Just(Verdict::Drop)]
                            .boxed()
                    };
                    (prop::collection::vec(arb_rule(c, n, with_unknowns), 0..5), end)
                })
                .collect();
            let hooks = prop::collection::vec(
                (0..n, prop_oneof![Just(0u8), Just(1), Just(2)], prop::bool::weighted(0.8)),
                1..3,
            );
            let facing = prop_oneof![
                Just(None),
                Just(Some("eth0".to_string())),
                Just(Some("eth9".to_string())),
                Just(Some("wg0".to_string()))
            ];
            (chains, hooks, facing)
        })
        .prop_map(|(chains, hooks, facing)| {
            // Number the entries: each rule, each map arm, each chain end.
            let mut next = 0usize;
            let mut take = || {
                next += 1;
                next - 1
            };
            let chains: Vec<Chain> = chains
                .into_iter()
                .enumerate()
                .map(|(i, (rules, end))| Chain {
                    name: format!("c{i}"),
                    rules: rules
                        .into_iter()
                        .map(|(when, then)| {
                            let entry = take();
                            let then = match then {
                                Then::Map(arms) => {
                                    Then::Map(arms.into_iter().map(|a| Arm { entry: take(), ..a }).collect())
                                }
                                t => t,
                            };
                            Rule { entry, when, then }
                        })
                        .collect(),
                    end,
                    end_entry: take(),
                })
                .collect();
            let hooks = hooks
                .into_iter()
                .map(|(chain, fam, tracked)| Hook {
                    chain,
                    sees: match fam {
                        0 => AddrSet::all_v4(),
                        1 => AddrSet::all_v6(),
                        _ => AddrSet::all(),
                    },
                    name: format!("hook {chain}"),
                    tracked,
                })
                .collect();
            (Program { chains, hooks, facing }, next)
        })
}

/// A concrete packet.
#[derive(Clone, Copy)]
struct Concrete<'a> {
    src: IpAddr,
    protocol: Protocol,
    port: u16,
    iface: &'a str,
    sport: u16,
    tracked: bool,
    /// How each undecidable condition turns out, by name.
    unknowns: &'a BTreeMap<String, bool>,
}

fn holds(c: &Cond, p: &Concrete) -> bool {
    match c {
        Cond::Source(s) => contains(s, p.src),
        Cond::Protocol(ps) => ps.contains(&p.protocol),
        Cond::DestPort(ps) => p.protocol.has_ports() && ps.contains(p.port),
        Cond::SourcePort(ps) => p.protocol.has_ports() && ps.contains(p.sport),
        Cond::InInterface(ns) => ns.iter().any(|n| match n {
            IfaceName::Exact(x) => x == p.iface,
            IfaceName::Prefix(x) => p.iface.starts_with(x.as_str()),
        }),
        Cond::CtState(s) => {
            if p.tracked {
                s.0 & 1 != 0
            } else {
                s.0 & 8 != 0
            }
        }
        Cond::TcpFlags { mask, value } => p.protocol == Protocol::TCP && (0x02 & mask) == *value,
        Cond::Const(b) => *b,
        Cond::Unknown(u) => p.unknowns.get(&u.what).copied().unwrap_or(false),
        Cond::Any(alts) => alts.iter().any(|conj| conj.iter().all(|c| holds(c, p))),
        Cond::Not(inner) => !holds(inner, p),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Out {
    Accept,
    Drop,
    Reject,
}

/// What a rule does with the packet: `None` when it does not match, or
/// matches a map none of whose arms holds (on to the next rule).
fn rule_verdict(r: &Rule, p: &Concrete) -> Option<Verdict> {
    if !r.when.iter().all(|x| holds(x, p)) {
        return None;
    }
    match &r.then {
        Then::Verdict(v) => Some(*v),
        Then::Map(arms) => arms.iter().find(|a| holds(&a.when, p)).map(|a| a.verdict),
    }
}

/// Walks one base chain with an explicit call stack.
fn run_chain(program: &Program, base: usize, p: &Concrete) -> Out {
    // Frames: (chain, next rule index).
    let mut stack: Vec<(usize, usize)> = vec![(base, 0)];
    loop {
        let Some(&(chain, idx)) = stack.last() else { unreachable!() };
        let c = &program.chains[chain];
        if idx >= c.rules.len() {
            // End of chain: a base chain applies its policy, others return.
            if stack.len() == 1 {
                return match c.end {
                    Verdict::Drop => Out::Drop,
                    Verdict::Reject => Out::Reject,
                    _ => Out::Accept,
                };
            }
            match c.end {
                Verdict::Accept => return Out::Accept,
                Verdict::Drop => return Out::Drop,
                Verdict::Reject => return Out::Reject,
                _ => {
                    stack.pop();
                    continue;
                }
            }
        }
        stack.last_mut().expect("frame").1 += 1;
        let r = &c.rules[idx];
        let Some(verdict) = rule_verdict(r, p) else { continue };
        match verdict {
            Verdict::Continue => {}
            Verdict::Accept => return Out::Accept,
            Verdict::Drop => return Out::Drop,
            Verdict::Reject => return Out::Reject,
            Verdict::Return => {
                if stack.len() == 1 {
                    return match c.end {
                        Verdict::Drop => Out::Drop,
                        Verdict::Reject => Out::Reject,
                        _ => Out::Accept,
                    };
                }
                stack.pop();
            }
            Verdict::Jump(t) => stack.push((t, 0)),
            Verdict::Goto(t) => {
                stack.pop();
                stack.push((t, 0));
                if stack.len() == 1 {
                    // A goto from a base chain: the callee's end is the
                    // base chain's policy.
                    return run_goto_from_base(program, t, base, p);
                }
            }
        }
    }
}

/// A goto from the top frame: run the callee; if it comes back, the base
/// chain's policy applies.
fn run_goto_from_base(program: &Program, callee: usize, base: usize, p: &Concrete) -> Out {
    match run_sub(program, callee, p) {
        Some(o) => o,
        None => match program.chains[base].end {
            Verdict::Drop => Out::Drop,
            Verdict::Reject => Out::Reject,
            _ => Out::Accept,
        },
    }
}

/// Runs a chain as a callee: `None` when it hands the packet back.
fn run_sub(program: &Program, chain: usize, p: &Concrete) -> Option<Out> {
    let c = &program.chains[chain];
    for r in &c.rules {
        let Some(verdict) = rule_verdict(r, p) else { continue };
        match verdict {
            Verdict::Continue => {}
            Verdict::Accept => return Some(Out::Accept),
            Verdict::Drop => return Some(Out::Drop),
            Verdict::Reject => return Some(Out::Reject),
            Verdict::Return => return None,
            Verdict::Jump(t) => {
                if let Some(o) = run_sub(program, t, p) {
                    return Some(o);
                }
            }
            Verdict::Goto(t) => return run_sub(program, t, p),
        }
    }
    match c.end {
        Verdict::Accept => Some(Out::Accept),
        Verdict::Drop => Some(Out::Drop),
        Verdict::Reject => Some(Out::Reject),
        _ => None,
    }
}

/// The whole program for one packet: every hook that sees it must accept.
fn naive(program: &Program, p: &Concrete) -> Out {
    for h in &program.hooks {
        if !contains(&h.sees, p.src) {
            continue;
        }
        let here = Concrete { tracked: h.tracked, ..*p };
        let o = run_chain(program, h.chain, &here);
        if o != Out::Accept {
            return o;
        }
    }
    Out::Accept
}

fn interfaces_to_try(program: &Program) -> Vec<String> {
    match &program.facing {
        Some(f) => vec![f.clone()],
        None => ["eth0", "eth1", "eth2", "ethx", "e", "em1", "wg0", "", "x"].iter().map(|s| s.to_string()).collect(),
    }
}

const SPORTS: &[u16] = &[1, 1024, 19999, 20000, 20001, 20002, 39999, 40000, 40001, 60000, 60001, 60002, 65535];

fn check_exact(program: &Program, protocol: Protocol, port: u16) -> Result<(), TestCaseError> {
    let none = BTreeMap::new();
    let ifaces = interfaces_to_try(program);
    // Per packet: the engine's fate for that very packet agrees.
    for iface in &ifaces {
        for &sport in SPORTS {
            let f = fate(program, Packet { protocol, port, interface: iface, source_port: sport, tracked: true });
            prop_assert_eq!(&f.accept.must, &f.accept.may);
            for i in 0..SPACE {
                for v6 in [false, true] {
                    let src = addr(i, v6);
                    let p = Concrete { src, protocol, port, iface, sport, tracked: true, unknowns: &none };
                    let want = naive(program, &p);
                    let got = if contains(&f.accept.must, src) {
                        Out::Accept
                    } else if contains(&f.reject.must, src) {
                        Out::Reject
                    } else {
                        prop_assert!(contains(&f.drop.must, src), "{} neither accepted nor stopped", src);
                        Out::Drop
                    };
                    prop_assert_eq!(got, want, "{} on {:?} from port {}", src, iface, sport);
                }
            }
        }
    }
    // Combined over cases: surely = on every interface some port; possibly
    // = on some interface some port.
    let c = combined_fate(program, protocol, port);
    for i in 0..SPACE {
        for v6 in [false, true] {
            let src = addr(i, v6);
            let per_iface: Vec<bool> = ifaces
                .iter()
                .map(|iface| {
                    SPORTS.iter().any(|&sport| {
                        naive(program, &Concrete { src, protocol, port, iface, sport, tracked: true, unknowns: &none })
                            == Out::Accept
                    })
                })
                .collect();
            let facing_none = program.facing.is_none();
            let any = per_iface.iter().any(|&b| b);
            let all = per_iface.iter().all(|&b| b);
            prop_assert_eq!(contains(&c.accept.may, src), any, "possibly admitted {}", src);
            if facing_none {
                // The interfaces tried include names the rules never tell
                // apart from one of the cases, so "every interface" is the
                // same whichever of them are tried.
                prop_assert_eq!(contains(&c.accept.must, src), all, "surely admitted {}", src);
            } else {
                prop_assert_eq!(contains(&c.accept.must, src), any);
            }
        }
    }
    Ok(())
}

fn check_bounds(program: &Program, protocol: Protocol, port: u16, seed: u64) -> Result<(), TestCaseError> {
    let ifaces = interfaces_to_try(program);
    let names: Vec<String> = (0..3).map(|n| format!("set u{n}")).collect();
    // Every way of deciding the three unknowns.
    for assignment in 0..8u64 {
        let mut unknowns = BTreeMap::new();
        for (k, n) in names.iter().enumerate() {
            unknowns.insert(n.clone(), (assignment ^ seed) >> k & 1 == 1);
        }
        for iface in &ifaces {
            for &sport in &SPORTS[..4] {
                let f = fate(program, Packet { protocol, port, interface: iface, source_port: sport, tracked: true });
                for i in 0..SPACE {
                    for v6 in [false, true] {
                        let src = addr(i, v6);
                        let p = Concrete { src, protocol, port, iface, sport, tracked: true, unknowns: &unknowns };
                        let want = naive(program, &p) == Out::Accept;
                        if contains(&f.accept.must, src) {
                            prop_assert!(want, "{} surely admitted, but not when {:?}", src, unknowns);
                        }
                        if want {
                            prop_assert!(contains(&f.accept.may, src), "{} admitted when {:?}", src, unknowns);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn programs_agree_with_a_packet_walk((program, _) in arb_program(false), port in 10254u16..10261, udp in any::<bool>()) {
        let protocol = if udp { Protocol::UDP } else { Protocol::TCP };
        check_exact(&program, protocol, port)?;
    }

    #[test]
    fn unknown_conditions_stay_within_the_bounds(
        (program, _) in arb_program(true),
        port in 10254u16..10261,
        seed in any::<u64>(),
    ) {
        check_bounds(&program, Protocol::TCP, port, seed)?;
    }

    /// Through the estate: the layer's lower and upper bounds are the
    /// combined fate, and every admitted address is credited to a line.
    #[test]
    fn estate_layers_evaluate_programs((program, entries) in arb_program(true), port in 10254u16..10261) {
        let mut estate = Estate::default();
        let entries: Vec<Entry> = (0..entries).map(|i| Entry {
            resource: "node".into(),
            label: format!("line {i}"),
            span: Span::new(Arc::from("rules.txt"), i as u32 + 1, 1),
            origin: Origin::Explicit,
            action: portcullis_model::Action::Allow,
            protocol: Known::Known(ProtoMatch::All),
            ports: Known::Known(PortSet::full()),
            sources: Sources::default(),
            order: i as i64,
        }).collect();
        let layer = Layer { id: "node".into(), kind_name: "host firewall".into(), kind: LayerKind::AllowUnion, span: span(), entries };
        let c = combined_fate(&program, Protocol::TCP, port);
        let lid = estate.add_program_layer(layer, program);
        estate.targets.push(Target { id: "node".into(), kind_name: "node".into(), span: span(), path: vec![Step { layers: vec![lid] }], notes: vec![] });
        let exp = evaluate(&estate, 0, Protocol::TCP, port).expect("target");
        prop_assert_eq!(&exp.lower.addrs, &c.accept.must);
        prop_assert_eq!(&exp.upper().addrs, &c.accept.may);
        for (bound, p) in [(Bound::Lower, &exp.lower), (Bound::Upper, exp.upper())] {
            let mut credited = AddrSet::empty();
            for piece in &p.pieces {
                credited.union_in_place(&piece.addrs);
            }
            // Addresses no hook sees are admitted without a line.
            let unseen = estate.programs[0].hooks.iter().fold(AddrSet::all(), |acc, h| acc.difference(&h.sees));
            prop_assert!(credited.union(&unseen).contains_set(&p.addrs), "{:?}: uncredited admission", bound);
        }
        if exp.upper_differs.is_some() {
            prop_assert!(!exp.unknowns.is_empty(), "bounds differ without a named unknown");
        }
    }
}

/// A loop (the kernel refuses one; a malformed input may have it) ends,
/// with an answer that is unknown rather than wrong.
#[test]
fn a_loop_ends_unknown() {
    let chains = vec![
        Chain {
            name: "INPUT".into(),
            rules: vec![Rule { entry: 0, when: vec![], then: Then::Verdict(Verdict::Jump(1)) }],
            end: Verdict::Drop,
            end_entry: 3,
        },
        Chain {
            name: "a".into(),
            rules: vec![Rule { entry: 1, when: vec![], then: Then::Verdict(Verdict::Jump(2)) }],
            end: Verdict::Return,
            end_entry: 4,
        },
        Chain {
            name: "b".into(),
            rules: vec![Rule { entry: 2, when: vec![], then: Then::Verdict(Verdict::Jump(1)) }],
            end: Verdict::Return,
            end_entry: 5,
        },
    ];
    let program = Program {
        chains,
        hooks: vec![Hook { chain: 0, sees: AddrSet::all(), name: "input".into(), tracked: true }],
        facing: None,
    };
    let f = combined_fate(&program, Protocol::TCP, 10257);
    assert!(f.accept.must.is_empty());
    assert_eq!(f.accept.may, AddrSet::all());
}
