//! Puts each node's files together into one host firewall layer and a
//! target for the node.
//!
//! Every ruleset of a node runs: their base chains are ordered as the
//! kernel orders them (ingress, prerouting, input; then priority; then the
//! order read), each must accept. A family no input describes (an
//! iptables-save dump without its ip6tables-save twin) is unknown for that
//! family: what the node does with IPv6 is not in the input.

use crate::ipset::{self, Dim, IpSet, Value};
use crate::node::Node;
use crate::ruleset::{Direction, IpsetUse, PlacedHook, Ruleset};
use crate::Items;
use portcullis_model::topology::{AddressMatch, Attachment};
use portcullis_model::{
    AddrSet, Chain, Cond, Estate, Hook, Layer, LayerKind, Program, Rule, Span, Step, Target, Then, Unknown, Verdict,
};
use std::collections::BTreeMap;

/// What the user told about the nodes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The interface the network reaches the nodes through (`--interface`).
    pub interface: Option<String>,
}

/// A node's assembled firewall, before it joins an estate.
#[derive(Clone, Debug)]
pub struct NodeFirewall {
    pub node: Node,
    pub layer: Layer,
    pub program: Program,
    pub notes: Vec<String>,
    /// The addresses that say which machine it is ([`crate::addresses`]).
    pub addresses: AddrSet,
}

/// A node in the estate: its target and its firewall's layer.
#[derive(Clone, Debug)]
pub struct Placed {
    pub node: Node,
    pub layer: usize,
    pub target: usize,
    pub addresses: AddrSet,
}

/// Applies `f` to every condition, depth first, where it can replace it.
fn rewrite_conds(c: &mut Cond, f: &mut impl FnMut(&mut Cond)) {
    match c {
        Cond::Any(alts) => alts.iter_mut().flatten().for_each(|x| rewrite_conds(x, f)),
        Cond::Not(inner) => rewrite_conds(inner, f),
        _ => {}
    }
    f(c);
}

fn rewrite_program_conds(chains: &mut [Chain], f: &mut impl FnMut(&mut Cond)) {
    for r in chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
        for c in &mut r.when {
            rewrite_conds(c, f);
        }
        if let Then::Map(arms) = &mut r.then {
            for a in arms {
                rewrite_conds(&mut a.when, f);
            }
        }
    }
}

/// The condition an ipset match stands for, when the set is known.
fn ipset_cond(u: &IpsetUse, sets: &[&IpSet], span: &Span, depth: usize) -> Result<Cond, String> {
    let Some(set) = sets.iter().find(|s| s.name == u.name) else {
        return Err("the set's members (`ipset save`) are not in the input".into());
    };
    if set.type_name == "list:set" {
        if depth > 8 {
            return Err("list:set nests too deep".into());
        }
        let mut alts = Vec::new();
        for m in &set.lists {
            let inner = IpsetUse { name: m.clone(), fields: u.fields.clone() };
            alts.push(vec![ipset_cond(&inner, sets, span, depth + 1)?]);
        }
        return Ok(Cond::Any(alts));
    }
    let Some(dims) = &set.dims else {
        return Err(format!("sets of type {} are not read", set.type_name));
    };
    if dims.len() != u.fields.len() {
        return Err(format!("the rule names {} fields of a {}-part set", u.fields.len(), dims.len()));
    }
    let dest = |what: &str| {
        Cond::Unknown(Unknown {
            what: format!("ipset {} {what}", u.name),
            reason: "the node's own addresses are not in the input".into(),
            span: span.clone(),
        })
    };
    if dims.len() == 1 && matches!(dims[0], Dim::Ip | Dim::Net) {
        return Ok(match u.fields[0] {
            Direction::Source => Cond::Source(ipset::addresses(set)),
            Direction::Destination => dest("destination"),
        });
    }
    if set.members.iter().any(|(_, nomatch)| *nomatch) {
        return Err("exceptions (nomatch) in a set of several parts are not read".into());
    }
    let mut alts = Vec::new();
    for (vals, _) in &set.members {
        let mut conj = Vec::new();
        for (v, field) in vals.iter().zip(&u.fields) {
            match (v, field) {
                (Value::Addrs(a, _), Direction::Source) => conj.push(Cond::Source(a.clone())),
                (Value::Addrs(..), Direction::Destination) => conj.push(dest("destination")),
                (Value::Port(p, ports), dir) => {
                    if let Some(p) = p {
                        conj.push(Cond::Protocol(vec![*p]));
                    }
                    conj.push(match dir {
                        Direction::Source => Cond::SourcePort(ports.clone()),
                        Direction::Destination => Cond::DestPort(ports.clone()),
                    });
                }
            }
        }
        alts.push(conj);
    }
    Ok(Cond::Any(alts))
}

/// Builds each node's firewall from every file's items; errors found only
/// with all of a node's files together come back beside them.
pub fn nodes(items: Vec<Items>, opts: &Options) -> (Vec<NodeFirewall>, Vec<crate::HostfwError>) {
    let mut rulesets: BTreeMap<Node, Vec<Ruleset>> = BTreeMap::new();
    let mut sets: Vec<IpSet> = Vec::new();
    let mut firewalld: BTreeMap<String, crate::firewalld::Items> = BTreeMap::new();
    let mut ufw: BTreeMap<String, crate::ufw::Items> = BTreeMap::new();
    let mut addresses = Vec::new();
    let mut errors = Vec::new();
    for i in items {
        addresses.extend(i.addresses);
        for rs in i.rulesets {
            rulesets.entry(rs.node.clone()).or_default().push(rs);
        }
        sets.extend(i.ipsets);
        for f in i.firewalld {
            let Some(node) = &f.node else { continue };
            firewalld.entry(node.key.clone()).or_default().extend(f);
        }
        for u in i.ufw {
            let Some(node) = &u.node else { continue };
            ufw.entry(node.key.clone()).or_default().extend(u);
        }
    }
    for (_, u) in ufw {
        for rs in crate::ufw::build(u, &mut errors) {
            errors.extend(rs.loop_errors());
            rulesets.entry(rs.node.clone()).or_default().push(rs);
        }
    }
    // firewalld's configuration, where the node's nftables listing shows
    // the table firewalld is running: compared with it, not run beside it.
    let mut saved: BTreeMap<String, Ruleset> = BTreeMap::new();
    for (_, f) in firewalld {
        if let Some(rs) = crate::firewalld::build(f, &mut errors) {
            let running = rulesets
                .iter()
                .any(|(n, list)| n.key == rs.node.key && list.iter().any(|r| !r.firewalld_hooks.is_empty()));
            if running {
                saved.insert(rs.node.key.clone(), rs);
            } else {
                rulesets.entry(rs.node.clone()).or_default().push(rs);
            }
        }
    }
    // Group by directory: the node's name is the one of its first file.
    let mut by_key: BTreeMap<String, (Node, Vec<Ruleset>)> = BTreeMap::new();
    for (node, list) in rulesets {
        let slot = by_key.entry(node.key.clone()).or_insert_with(|| (node.clone(), Vec::new()));
        slot.1.extend(list);
    }
    let mut out = Vec::new();
    for (key, (node, mut list)) in by_key {
        list.sort_by(|a, b| a.span.file.cmp(&b.span.file));
        let node_sets: Vec<&IpSet> = sets.iter().filter(|s| s.node.key == key).collect();
        let check = saved.remove(&key).map(|config| {
            let config = build(node.clone(), vec![config], &node_sets, opts).program;
            let running =
                build(node.clone(), list.iter().filter_map(firewalld_table).collect(), &node_sets, opts).program;
            (config, running)
        });
        let mut nf = build(node, list, &node_sets, opts);
        nf.addresses = crate::addresses::of_node(&nf.node, &addresses);
        if let Some((config, running)) = check {
            match crate::firewalld::running::compare(&nf.node.name, &config, &running) {
                Some(note) => nf.notes.push(note),
                None => nf.notes.push(format!(
                    "node {}: firewalld's saved configuration and the ruleset it is running (table inet firewalld) agree on every TCP port",
                    nf.node.name
                )),
            }
        }
        out.push(nf);
    }
    (out, errors)
}

/// The part of an nftables ruleset that is firewalld's table: its hooks
/// only (the chains they reach come along; the others are unreachable).
fn firewalld_table(rs: &Ruleset) -> Option<Ruleset> {
    if rs.firewalld_hooks.is_empty() {
        return None;
    }
    let mut part = rs.clone();
    part.hooks = rs.firewalld_hooks.iter().filter_map(|&h| rs.hooks.get(h).cloned()).collect();
    part.firewalld_hooks = (0..part.hooks.len()).collect();
    Some(part)
}

fn build(node: Node, list: Vec<Ruleset>, sets: &[&IpSet], opts: &Options) -> NodeFirewall {
    let mut entries = Vec::new();
    let mut chains: Vec<Chain> = Vec::new();
    let mut hooks: Vec<(PlacedHook, usize)> = Vec::new();
    let mut notes = Vec::new();
    let mut covered = AddrSet::empty();
    let span = list.first().map(|r| r.span.clone()).unwrap_or_else(|| Span::new("".into(), 0, 0));
    for s in sets.iter().filter(|s| s.timeouts) {
        notes.push(format!(
            "ipset {} has members with a timeout: the dump is a snapshot of who was in it ({})",
            s.name, s.span
        ));
    }
    for mut rs in list {
        let entry_base = entries.len();
        let chain_base = chains.len();
        // Resolve ipset matches against the node's sets.
        let uses = std::mem::take(&mut rs.ipset_uses);
        rewrite_program_conds(&mut rs.chains, &mut |c| {
            if let Cond::Unknown(u) = c {
                if let Some(use_) = uses.get(&u.what) {
                    match ipset_cond(use_, sets, &u.span, 0) {
                        Ok(resolved) => *c = resolved,
                        Err(reason) => u.reason = reason,
                    }
                }
            }
        });
        for mut c in rs.chains {
            c.end_entry += entry_base;
            for r in &mut c.rules {
                offset_rule(r, entry_base, chain_base);
            }
            chains.push(c);
        }
        entries.extend(rs.entries);
        for mut h in rs.hooks {
            h.hook.chain += chain_base;
            let seq = hooks.len();
            hooks.push((h, seq));
        }
        covered.union_in_place(&rs.covers);
        notes.extend(rs.notes);
    }
    hooks.sort_by_key(|(h, order)| (h.stage, h.priority, *order));
    let mut hooks: Vec<Hook> = hooks.into_iter().map(|(h, _)| h.hook).collect();
    // A family no file describes: unknown.
    let missing = AddrSet::all().difference(&covered);
    if !missing.is_empty() {
        let fam = if missing == AddrSet::all_v6() {
            "IPv6 (ip6tables-save)"
        } else if missing == AddrSet::all_v4() {
            "IPv4 (iptables-save)"
        } else {
            "IPv4 and IPv6"
        };
        let reason = format!("the node's {fam} rules are not in the input");
        let u = Unknown {
            what: format!("{fam} firewall of node {}", node.name),
            reason: reason.clone(),
            span: span.clone(),
        };
        entries.push(crate::ruleset::default_line(span.clone(), node.name.clone(), &reason, &reason));
        let e = entries.len() - 1;
        chains.push(Chain {
            name: format!("{fam} (not in the input)"),
            rules: vec![Rule { entry: e, when: vec![Cond::Unknown(u)], then: Then::Verdict(Verdict::Accept) }],
            end: Verdict::Drop,
            end_entry: e,
        });
        hooks.push(Hook {
            chain: chains.len() - 1,
            sees: missing,
            name: format!("{fam}: not in the input"),
            tracked: true,
        });
        notes.push(reason);
    }
    let program = Program { chains, hooks, facing: opts.interface.clone() };
    let layer =
        Layer { id: node.name.clone(), kind_name: "host firewall".into(), kind: LayerKind::AllowUnion, span, entries };
    NodeFirewall { node, layer, program, notes, addresses: AddrSet::empty() }
}

fn offset_rule(r: &mut Rule, entry_base: usize, chain_base: usize) {
    r.entry += entry_base;
    let shift = |v: &mut Verdict| match v {
        Verdict::Jump(c) | Verdict::Goto(c) => *c += chain_base,
        _ => {}
    };
    match &mut r.then {
        Then::Verdict(v) => shift(v),
        Then::Map(arms) => {
            for a in arms {
                a.entry += entry_base;
                shift(&mut a.verdict);
            }
        }
    }
}

/// Gives each cloud target that is the same machine as a node the node's
/// firewall as the last step of its path (after the cloud layers). The
/// same machine is a target whose id is the node's name (an instance id,
/// a VM or instance name), else the targets on the one network interface
/// whose private addresses include one of the node's
/// ([`crate::addresses`]). Two interfaces with the node's address (the
/// same private address in two networks) join neither, and the node's
/// target says so. Returns how many targets gained a layer.
pub fn attach_to_cloud_targets(estate: &mut Estate, nodes: &[Placed]) -> usize {
    let mut n = 0;
    let clouds = estate.targets.iter().any(|t| t.kind_name != "node");
    for p in nodes {
        let by_name: Vec<usize> = (0..estate.targets.len())
            .filter(|&t| estate.targets[t].kind_name != "node" && estate.targets[t].id == p.node.name)
            .collect();
        let (matched, how) = if !by_name.is_empty() {
            (by_name, "its name".to_string())
        } else {
            match by_address(estate, &p.addresses) {
                Joined::One(targets, how) => (targets, how),
                Joined::Ambiguous(why) => {
                    let note = format!("node {} is not joined to a cloud target: {why}", p.node.name);
                    estate.targets[p.target].notes.push(note);
                    continue;
                }
                Joined::None => (Vec::new(), String::new()),
            }
        };
        if matched.is_empty() {
            if clouds {
                let addrs = if p.addresses.is_empty() {
                    String::new()
                } else {
                    format!(" or address {}", p.addresses.to_cidr_strings().join(", "))
                };
                estate.targets[p.target].notes.push(format!(
                    "node {}: no cloud target in the input has its name{addrs}: it is a target of its own only",
                    p.node.name
                ));
            }
            continue;
        }
        for t in matched {
            let target = &mut estate.targets[t];
            target.path.push(Step { layers: vec![p.layer] });
            target.notes.push(format!(
                "the host firewall of node {} ({}) is the last layer of its path (matched by {how})",
                p.node.name, p.node.key
            ));
            n += 1;
        }
    }
    n
}

enum Joined {
    One(Vec<usize>, String),
    Ambiguous(String),
    None,
}

/// The cloud targets on the one interface whose private addresses include
/// one of `addresses` (the topology's one join by address, which the
/// Kubernetes nodes use too).
fn by_address(estate: &Estate, addresses: &AddrSet) -> Joined {
    let topology = &estate.topology;
    match topology.interfaces_with_address(addresses) {
        AddressMatch::None => Joined::None,
        AddressMatch::One(indexes) => {
            let mut targets: Vec<usize> = topology
                .attachments
                .iter()
                .filter(|(_, a)| matches!(a, Attachment::Interface(i) if indexes.contains(i)))
                .map(|(t, _)| *t)
                .filter(|&t| estate.targets.get(t).is_some_and(|t| t.kind_name != "node"))
                .collect();
            targets.sort_unstable();
            targets.dedup();
            let Some(first) = indexes.first().and_then(|&i| topology.interface(i)) else { return Joined::None };
            let addr = first.private.intersect(addresses).to_cidr_strings().join(", ");
            Joined::One(targets, format!("its address {addr} on interface {}", first.id))
        }
        AddressMatch::Ambiguous(groups) => {
            let list: Vec<String> =
                groups.iter().filter_map(|g| g.first()).map(|&i| topology.interface_in_network(i)).collect();
            Joined::Ambiguous(format!(
                "its address {} is the private address of {} interfaces: {}; name the node's directory after the \
                 instance to say which",
                addresses.to_cidr_strings().join(", "),
                list.len(),
                list.join(", ")
            ))
        }
    }
}

/// The options the items were read with (the first that has some), else
/// `fallback`.
pub fn options_of(items: &[Items], fallback: &Options) -> Options {
    items.iter().find_map(|i| i.options.clone()).unwrap_or_else(|| fallback.clone())
}

/// Adds every node as a target of its own, guarded by its firewall.
/// Returns each node with its layer, and the errors only assembly finds.
pub fn assemble(items: Vec<Items>, opts: &Options, estate: &mut Estate) -> (Vec<Placed>, Vec<crate::HostfwError>) {
    let mut out = Vec::new();
    let (nodes, errors) = nodes(items, opts);
    for nf in nodes {
        let span = nf.layer.span.clone();
        let lid = estate.add_program_layer(nf.layer, nf.program);
        estate.targets.push(Target {
            id: nf.node.name.clone(),
            kind_name: "node".into(),
            span,
            path: vec![Step { layers: vec![lid] }],
            notes: nf.notes,
        });
        let target = estate.targets.len() - 1;
        out.push(Placed { node: nf.node, layer: lid, target, addresses: nf.addresses });
    }
    (out, errors)
}
