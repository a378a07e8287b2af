//! Exact evaluation of host firewall programs on address sets.
//!
//! For one protocol and destination port, every other thing a rule can
//! test is fixed (a new connection's SYN: conntrack `NEW`, flags SYN)
//! except the interface and the client's source port, which the engine
//! enumerates (one representative per class of names or ports the rules
//! tell apart). What is left is the source address, and a packet's fate
//! depends on its own address only: so each chain is evaluated once, on
//! every address at the same time, into a [`Summary`] (who it accepts,
//! drops, rejects, or hands back), and a jump restricts the callee's
//! summary to the addresses that took the jump. That is linear in the
//! rules, whatever the call graph, and exact.
//!
//! Conditions the input cannot decide (an ipset without its members) are
//! handled three-valued: every set is a pair *(must, may)*, what surely
//! and what possibly gets there. Without unknowns the two are equal and
//! the answer is exact; with them, the real answer lies between.

use crate::{Bound, EntryRef, LayerAdmit, Piece};
use portcullis_model::{AddrSet, Cond, IfaceName, Program, Protocol, Rule, Then, Unknown, Verdict};
use std::collections::BTreeMap;

/// A set of addresses under three-valued logic: `must` surely, `may`
/// possibly (`must` ⊆ `may`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tri {
    pub must: AddrSet,
    pub may: AddrSet,
}

impl Tri {
    pub fn all() -> Tri {
        Tri { must: AddrSet::all(), may: AddrSet::all() }
    }

    pub fn none() -> Tri {
        Tri::default()
    }

    pub fn exact(s: AddrSet) -> Tri {
        Tri { must: s.clone(), may: s }
    }

    fn constant(b: bool) -> Tri {
        if b {
            Tri::all()
        } else {
            Tri::none()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.may.is_empty()
    }

    pub fn and(&self, o: &Tri) -> Tri {
        Tri { must: self.must.intersect(&o.must), may: self.may.intersect(&o.may) }
    }

    pub fn or(&self, o: &Tri) -> Tri {
        Tri { must: self.must.union(&o.must), may: self.may.union(&o.may) }
    }

    fn or_in_place(&mut self, o: &Tri) {
        self.must.union_in_place(&o.must);
        self.may.union_in_place(&o.may);
    }

    pub fn not(&self) -> Tri {
        let all = AddrSet::all();
        Tri { must: all.difference(&self.may), may: all.difference(&self.must) }
    }

    /// What of `self` surely / possibly does not satisfy `cond`: the flow
    /// that goes on past a rule whose conditions are `cond`.
    fn minus(&self, cond: &Tri) -> Tri {
        Tri { must: self.must.difference(&cond.may), may: self.may.difference(&cond.must) }
    }

    pub fn pick(&self, bound: Bound) -> &AddrSet {
        match bound {
            Bound::Lower => &self.must,
            Bound::Upper => &self.may,
        }
    }
}

/// The packet being asked about, besides its source address.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    pub protocol: Protocol,
    pub port: u16,
    pub interface: &'a str,
    pub source_port: u16,
    /// Whether connection tracking has seen the packet (the hook being
    /// evaluated runs after it).
    pub tracked: bool,
}

/// The addresses for which `cond` holds, for `packet`.
pub fn eval_cond(cond: &Cond, packet: &Packet) -> Tri {
    match cond {
        Cond::Source(s) => Tri::exact(s.clone()),
        Cond::Protocol(ps) => Tri::constant(ps.contains(&packet.protocol)),
        Cond::DestPort(ps) => Tri::constant(packet.protocol.has_ports() && ps.contains(packet.port)),
        Cond::SourcePort(ps) => Tri::constant(packet.protocol.has_ports() && ps.contains(packet.source_port)),
        Cond::InInterface(names) => Tri::constant(names.iter().any(|n| n.matches(packet.interface))),
        Cond::CtState(states) => {
            Tri::constant(if packet.tracked { states.holds_for_new() } else { states.holds_untracked() })
        }
        Cond::TcpFlags { mask, value } => Tri::constant(
            packet.protocol == Protocol::TCP && (portcullis_model::program::tcp_flags::SYN & mask) == *value,
        ),
        Cond::Const(b) => Tri::constant(*b),
        Cond::Unknown(_) => Tri { must: AddrSet::empty(), may: AddrSet::all() },
        Cond::Any(alternatives) => {
            let mut out = Tri::none();
            for conj in alternatives {
                out.or_in_place(&eval_all(conj, packet));
            }
            out
        }
        Cond::Not(inner) => eval_cond(inner, packet).not(),
    }
}

/// The addresses for which every condition holds.
pub fn eval_all(conds: &[Cond], packet: &Packet) -> Tri {
    let mut out = Tri::all();
    for c in conds {
        out = out.and(&eval_cond(c, packet));
        if out.is_empty() {
            break;
        }
    }
    out
}

/// Addresses credited to layer entries, merged by entry.
#[derive(Clone, Debug, Default)]
struct Credits(BTreeMap<usize, Tri>);

impl Credits {
    fn add(&mut self, entry: usize, t: &Tri) {
        if t.is_empty() {
            return;
        }
        self.0.entry(entry).or_default().or_in_place(t);
    }

    /// Adds `other`'s credits restricted to `within`.
    fn add_within(&mut self, other: &Credits, within: &Tri) {
        for (&e, t) in &other.0 {
            self.add(e, &t.and(within));
        }
    }
}

/// Which kind of stop a denial is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stop {
    Drop,
    Reject,
}

/// What a chain does with the addresses that enter it.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub accept: Tri,
    pub drop: Tri,
    pub reject: Tri,
    /// Handed back to the caller (a `RETURN`, or the end of a chain that is
    /// not a base chain).
    pub back: Tri,
    accepted_by: Credits,
    /// Entries that stopped addresses, and how.
    stopped_by: BTreeMap<(usize, Stop), Tri>,
}

impl Summary {
    fn credit_stop(&mut self, entry: usize, stop: Stop, t: &Tri) {
        if !t.is_empty() {
            self.stopped_by.entry((entry, stop)).or_default().or_in_place(t);
        }
    }

    /// Takes in what `callee` does with `hit`, crediting `via` (the jump)
    /// too. Returns the part handed back.
    fn absorb(&mut self, callee: &Summary, hit: &Tri, via: usize) -> Tri {
        let acc = hit.and(&callee.accept);
        self.accept.or_in_place(&acc);
        self.accepted_by.add_within(&callee.accepted_by, hit);
        self.accepted_by.add(via, &acc);
        for (stop, set) in [(Stop::Drop, &callee.drop), (Stop::Reject, &callee.reject)] {
            let s = hit.and(set);
            match stop {
                Stop::Drop => self.drop.or_in_place(&s),
                Stop::Reject => self.reject.or_in_place(&s),
            }
            self.credit_stop(via, stop, &s);
        }
        for (&(e, stop), t) in &callee.stopped_by {
            self.credit_stop(e, stop, &t.and(hit));
        }
        hit.and(&callee.back)
    }

    /// Applies a final verdict to `hit` (not a jump or goto). Returns the
    /// part that goes on to the next rule.
    fn settle(&mut self, verdict: Verdict, hit: &Tri, entry: usize) -> Option<Tri> {
        match verdict {
            Verdict::Accept => {
                self.accept.or_in_place(hit);
                self.accepted_by.add(entry, hit);
            }
            Verdict::Drop => {
                self.drop.or_in_place(hit);
                self.credit_stop(entry, Stop::Drop, hit);
            }
            Verdict::Reject => {
                self.reject.or_in_place(hit);
                self.credit_stop(entry, Stop::Reject, hit);
            }
            Verdict::Return => self.back.or_in_place(hit),
            Verdict::Continue => return Some(hit.clone()),
            Verdict::Jump(_) | Verdict::Goto(_) => unreachable!("jumps are handled by the caller"),
        }
        None
    }
}

/// Calls deeper than this are not followed: the kernel refuses such a
/// ruleset (nftables allows 16 nested jumps), so only a malformed input
/// gets here, and its answer becomes unknown rather than a stack overflow.
const MAX_DEPTH: usize = 64;

/// Evaluates every chain of a program for one packet, each once.
pub struct Evaluator<'p> {
    program: &'p Program,
    packet: Packet<'p>,
    memo: Vec<Option<Summary>>,
    visiting: Vec<bool>,
}

impl<'p> Evaluator<'p> {
    pub fn new(program: &'p Program, packet: Packet<'p>) -> Self {
        let n = program.chains.len();
        Evaluator { program, packet, memo: vec![None; n], visiting: vec![false; n] }
    }

    /// What chain `id` does with every address.
    pub fn summary(&mut self, id: usize) -> Summary {
        self.summary_at(id, 0)
    }

    fn summary_at(&mut self, id: usize, depth: usize) -> Summary {
        if let Some(Some(s)) = self.memo.get(id) {
            return s.clone();
        }
        if id >= self.program.chains.len() || depth > MAX_DEPTH || self.visiting[id] {
            // A missing chain or a loop: the reader reports it; here it may
            // do anything.
            return Summary::unknown_fate();
        }
        self.visiting[id] = true;
        let s = self.compute(id, depth);
        self.visiting[id] = false;
        self.memo[id] = Some(s.clone());
        s
    }

    fn compute(&mut self, id: usize, depth: usize) -> Summary {
        let chain = &self.program.chains[id];
        let mut out = Summary::default();
        let mut flow = Tri::all();
        for rule in &chain.rules {
            if flow.is_empty() {
                break;
            }
            flow = self.apply_rule(rule, flow, &mut out, depth);
        }
        match chain.end {
            Verdict::Jump(_) | Verdict::Goto(_) | Verdict::Continue => {
                out.back.or_in_place(&flow);
            }
            v => {
                out.settle(v, &flow, chain.end_entry);
            }
        }
        out
    }

    /// Runs `rule` on `flow`; returns what goes on to the next rule.
    fn apply_rule(&mut self, rule: &Rule, flow: Tri, out: &mut Summary, depth: usize) -> Tri {
        let m = eval_all(&rule.when, &self.packet);
        let hit = flow.and(&m);
        let mut rest = flow.minus(&m);
        if hit.is_empty() {
            return rest;
        }
        match &rule.then {
            Then::Verdict(v) => {
                if let Some(on) = self.apply_verdict(*v, &hit, rule.entry, out, depth) {
                    rest.or_in_place(&on);
                }
            }
            Then::Map(arms) => {
                let mut left = hit;
                for arm in arms {
                    let am = eval_cond(&arm.when, &self.packet);
                    let arm_hit = left.and(&am);
                    left = left.minus(&am);
                    if !arm_hit.is_empty() {
                        if let Some(on) = self.apply_verdict(arm.verdict, &arm_hit, arm.entry, out, depth) {
                            rest.or_in_place(&on);
                        }
                    }
                }
                rest.or_in_place(&left);
            }
        }
        rest
    }

    /// Applies one verdict to `hit`; returns the part that goes on.
    fn apply_verdict(&mut self, v: Verdict, hit: &Tri, entry: usize, out: &mut Summary, depth: usize) -> Option<Tri> {
        match v {
            Verdict::Jump(callee) => {
                let s = self.summary_at(callee, depth + 1);
                Some(out.absorb(&s, hit, entry))
            }
            Verdict::Goto(callee) => {
                let s = self.summary_at(callee, depth + 1);
                let back = out.absorb(&s, hit, entry);
                out.back.or_in_place(&back);
                None
            }
            v => out.settle(v, hit, entry),
        }
    }
}

impl Summary {
    /// A chain that may do anything: every fate possible, none sure.
    fn unknown_fate() -> Summary {
        let maybe = Tri { must: AddrSet::empty(), may: AddrSet::all() };
        Summary { accept: maybe.clone(), drop: maybe.clone(), reject: maybe.clone(), back: maybe, ..Default::default() }
    }
}

/// The fate of every address at one hook chain: its policy applied to
/// what comes back, addresses it does not see passed.
#[derive(Clone, Debug, Default)]
pub struct HookFate {
    pub accept: Tri,
    pub drop: Tri,
    pub reject: Tri,
    accepted_by: Credits,
    stopped_by: BTreeMap<(usize, Stop), Tri>,
}

fn hook_fate(program: &Program, hook: usize, eval: &mut Evaluator) -> HookFate {
    let h = &program.hooks[hook];
    let mut s = eval.summary(h.chain);
    // A RETURN at the top of a base chain (or a goto that comes back)
    // meets the policy.
    let back = std::mem::take(&mut s.back);
    let (policy, entry) = match program.chains.get(h.chain) {
        Some(c) => (c.end, c.end_entry),
        None => (Verdict::Accept, 0),
    };
    match policy {
        Verdict::Drop | Verdict::Reject => {
            s.settle(policy, &back, entry);
        }
        // A base chain's policy is accept or drop; anything else reaching
        // here (a malformed input) lets the packet on, as the kernel's
        // default policy does.
        _ => {
            s.settle(Verdict::Accept, &back, entry);
        }
    }
    let unseen = Tri::exact(AddrSet::all().difference(&h.sees));
    let seen = Tri::exact(h.sees.clone());
    let mut accepted_by = Credits::default();
    accepted_by.add_within(&s.accepted_by, &seen);
    let stopped_by = s.stopped_by.iter().map(|(k, t)| (*k, t.and(&seen))).filter(|(_, t)| !t.is_empty()).collect();
    HookFate {
        accept: s.accept.and(&seen).or(&unseen),
        drop: s.drop.and(&seen),
        reject: s.reject.and(&seen),
        accepted_by,
        stopped_by,
    }
}

/// The whole program's answer for one packet: admitted when every hook
/// accepts; stopped at the first hook that drops or rejects.
#[derive(Clone, Debug, Default)]
pub struct Fate {
    pub accept: Tri,
    pub drop: Tri,
    pub reject: Tri,
    accepted_by: Credits,
    stopped_by: BTreeMap<(usize, Stop), Tri>,
}

/// Evaluates `program` for one packet.
pub fn fate(program: &Program, packet: Packet) -> Fate {
    // One evaluator per conntrack situation: chains summarised before
    // conntrack differ from the same chains after it.
    let mut tracked = Evaluator::new(program, Packet { tracked: true, ..packet });
    let mut untracked = Evaluator::new(program, Packet { tracked: false, ..packet });
    let mut out = Fate { accept: Tri::all(), ..Default::default() };
    // `reach` is what gets to the current hook: accepted by every one
    // before it.
    for h in 0..program.hooks.len() {
        let eval = if program.hooks[h].tracked { &mut tracked } else { &mut untracked };
        let f = hook_fate(program, h, eval);
        let reach = out.accept.clone();
        out.drop.or_in_place(&f.drop.and(&reach));
        out.reject.or_in_place(&f.reject.and(&reach));
        for (k, t) in &f.stopped_by {
            let t = t.and(&reach);
            if !t.is_empty() {
                out.stopped_by.entry(*k).or_default().or_in_place(&t);
            }
        }
        out.accepted_by.add_within(&f.accepted_by, &reach);
        out.accept = reach.and(&f.accept);
    }
    // Credits only for what made it through every hook.
    let admitted = out.accept.clone();
    let mut credited = Credits::default();
    credited.add_within(&out.accepted_by, &admitted);
    out.accepted_by = credited;
    out
}

/// Interface names that stand for every case the rules tell apart: each
/// name they spell out, one name under each prefix they match and no
/// longer one, and one name they never mention. Loopback is never the
/// interface the network comes in on. With `--interface`, that one.
pub fn interface_cases(program: &Program) -> Vec<String> {
    if let Some(f) = &program.facing {
        return vec![f.clone()];
    }
    let mut names: Vec<IfaceName> = Vec::new();
    program.walk_conds(&mut |c| {
        if let Cond::InInterface(n) = c {
            names.extend(n.iter().cloned());
        }
    });
    // A NUL ends each made-up name: no pattern or name in a ruleset has
    // one, so `P\0` matches prefix P (and its own prefixes) and nothing
    // longer, and `\0` alone matches only the empty prefix.
    let mut cases: Vec<String> = vec!["\0".to_string()];
    for n in names {
        match n {
            IfaceName::Exact(s) if s != "lo" => cases.push(s),
            IfaceName::Exact(_) => {}
            IfaceName::Prefix(p) => cases.push(format!("{p}\0")),
        }
    }
    cases.sort();
    cases.dedup();
    cases
}

/// Whether the rules test the interface at all (when they do and no
/// `--interface` was given, the answer depends on which one faces the
/// network).
pub fn tests_interface(program: &Program) -> bool {
    let mut found = false;
    program.walk_conds(&mut |c| found |= matches!(c, Cond::InInterface(_)));
    found
}

/// One source port for each stretch of ports the rules tell apart (a
/// client picks its port from 1-65535).
pub fn source_port_cases(program: &Program) -> Vec<u16> {
    let mut bounds: Vec<u32> = vec![1];
    program.walk_conds(&mut |c| {
        if let Cond::SourcePort(ps) = c {
            for &(lo, hi) in ps.runs() {
                bounds.push(u32::from(lo));
                bounds.push(u32::from(hi) + 1);
            }
        }
    });
    bounds.retain(|&b| (1..=65535).contains(&b));
    bounds.sort_unstable();
    bounds.dedup();
    bounds.into_iter().map(|b| b as u16).collect()
}

/// Destination port boundaries of every condition: ports between two
/// consecutive boundaries get the same answer.
pub fn port_boundaries(program: &Program) -> Vec<u32> {
    let mut b = Vec::new();
    program.walk_conds(&mut |c| {
        if let Cond::DestPort(ps) = c {
            for &(lo, hi) in ps.runs() {
                b.push(u32::from(lo));
                b.push(u32::from(hi) + 1);
            }
        }
    });
    b.sort_unstable();
    b.dedup();
    b
}

/// The chains a packet can reach from the hooks.
fn reachable(program: &Program) -> Vec<bool> {
    let mut seen = vec![false; program.chains.len()];
    let mut todo: Vec<usize> = program.hooks.iter().map(|h| h.chain).collect();
    while let Some(c) = todo.pop() {
        if c >= seen.len() || seen[c] {
            continue;
        }
        seen[c] = true;
        for r in &program.chains[c].rules {
            let mut push = |v: Verdict| {
                if let Verdict::Jump(x) | Verdict::Goto(x) = v {
                    todo.push(x);
                }
            };
            match &r.then {
                Then::Verdict(v) => push(*v),
                Then::Map(arms) => arms.iter().for_each(|a| push(a.verdict)),
            }
        }
    }
    seen
}

/// The conditions of `program` the input cannot decide, each with the
/// entry of its rule (only in chains a packet can reach).
pub fn unknowns(program: &Program) -> Vec<(usize, Unknown)> {
    let mut out = Vec::new();
    let live = reachable(program);
    for r in program.chains.iter().zip(&live).filter(|(_, l)| **l).flat_map(|(c, _)| c.rules.iter()) {
        r.walk_conds(&mut |c| {
            if let Cond::Unknown(u) = c {
                out.push((r.entry, u.clone()));
            }
        });
    }
    out
}

/// The first rule that tests the interface (where an answer that depends
/// on it points).
pub fn first_interface_rule(program: &Program) -> Option<usize> {
    program.rules().find_map(|r| {
        let mut found = false;
        r.walk_conds(&mut |c| found |= matches!(c, Cond::InInterface(_)));
        found.then_some(r.entry)
    })
}

/// The fates over every interface and source-port case, combined:
/// a source is surely admitted when some port gets it in on every
/// interface the network may face, possibly admitted when some port gets
/// it in on some interface.
pub fn combined_fate(program: &Program, protocol: Protocol, port: u16) -> Fate {
    let ports = source_port_cases(program);
    let mut out: Option<Fate> = None;
    for iface in interface_cases(program) {
        let mut per_iface: Option<Fate> = None;
        for &sp in &ports {
            let f = fate(program, Packet { protocol, port, interface: &iface, source_port: sp, tracked: true });
            per_iface = Some(match per_iface {
                None => f,
                Some(acc) => merge(acc, f, Join::Union),
            });
        }
        let f = per_iface.unwrap_or_default();
        out = Some(match out {
            None => f,
            Some(acc) => merge(acc, f, Join::Interfaces),
        });
    }
    out.unwrap_or_default()
}

enum Join {
    /// Either case is the client's to choose: admitted in one is admitted.
    Union,
    /// Not ours to choose: surely admitted needs both, possibly one.
    Interfaces,
}

fn merge(a: Fate, b: Fate, join: Join) -> Fate {
    let accept = match join {
        Join::Union => a.accept.or(&b.accept),
        Join::Interfaces => {
            Tri { must: a.accept.must.intersect(&b.accept.must), may: a.accept.may.union(&b.accept.may) }
        }
    };
    let mut accepted_by = a.accepted_by;
    for (e, t) in b.accepted_by.0 {
        accepted_by.add(e, &t);
    }
    let mut stopped_by = a.stopped_by;
    for (k, t) in b.stopped_by {
        stopped_by.entry(k).or_default().or_in_place(&t);
    }
    // A stop is reported where the source is not admitted in the other
    // case either.
    Fate {
        drop: a.drop.or(&b.drop).minus(&accept),
        reject: a.reject.or(&b.reject).minus(&accept),
        accept,
        accepted_by,
        stopped_by,
    }
}

/// Entries whose own verdict accepts: accept rules, accept arms of verdict
/// maps, and accepting policies.
fn accepting_entries(program: &Program) -> std::collections::BTreeSet<usize> {
    let mut out = std::collections::BTreeSet::new();
    for c in &program.chains {
        if c.end == Verdict::Accept {
            out.insert(c.end_entry);
        }
        for r in &c.rules {
            match &r.then {
                Then::Verdict(Verdict::Accept) => {
                    out.insert(r.entry);
                }
                Then::Map(arms) => {
                    out.extend(arms.iter().filter(|a| a.verdict == Verdict::Accept).map(|a| a.entry));
                }
                _ => {}
            }
        }
    }
    out
}

/// The layer's answer under one bound, in the engine's terms.
pub fn eval_program(layer: usize, program: &Program, protocol: Protocol, port: u16, bound: Bound) -> LayerAdmit {
    let f = combined_fate(program, protocol, port);
    let addrs = f.accept.pick(bound).clone();
    let mut pieces = Vec::new();
    for (&entry, t) in &f.accepted_by.0 {
        let a = t.pick(bound).intersect(&addrs);
        if !a.is_empty() {
            pieces.push(Piece { by: EntryRef { layer, entry }, addrs: a, internal: Vec::new() });
        }
    }
    // The lines that accept come first (a finding points at its first
    // line: the rule to edit), then the jumps that led there.
    let accepting = accepting_entries(program);
    pieces.sort_by_key(|p| (!accepting.contains(&p.by.entry), p.by.entry));
    let mut denied = Vec::new();
    let mut by_entry: BTreeMap<usize, AddrSet> = BTreeMap::new();
    for (&(entry, _), t) in &f.stopped_by {
        by_entry.entry(entry).or_default().union_in_place(&t.pick(bound).difference(&addrs));
    }
    for (entry, a) in by_entry {
        if !a.is_empty() {
            denied.push(Piece { by: EntryRef { layer, entry }, addrs: a, internal: Vec::new() });
        }
    }
    LayerAdmit { addrs, internal: Vec::new(), pieces, denied }
}

impl Fate {
    /// Entries that stopped addresses, with how, under `bound`.
    pub fn stops(&self, bound: Bound) -> Vec<(usize, Stop, AddrSet)> {
        self.stopped_by.iter().map(|(&(e, s), t)| (e, s, t.pick(bound).clone())).collect()
    }

    /// Entries that let addresses in (accepts, policies, and the jumps on
    /// the way), under `bound`.
    pub fn admitted_by(&self, bound: Bound) -> Vec<(usize, AddrSet)> {
        self.accepted_by.0.iter().map(|(&e, t)| (e, t.pick(bound).clone())).collect()
    }
}
