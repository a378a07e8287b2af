//! Longest prefix match over a route table, for whole sets of addresses at
//! once: which part of the address space each route takes, and so which
//! sources a reply can reach through an internet gateway.
//!
//! A route table answers per destination address: the most specific block
//! that holds it wins; between routes with the same block, the lower
//! preference wins; equal blocks and preferences share the traffic (GCP's
//! equal-cost routes). Processing blocks from the longest prefix down and
//! giving each the part no longer block has claimed computes exactly that
//! answer for every address at once (`tests/routes_props.rs` checks it
//! against a per-address lookup).
//!
//! A route whose destination is unknown (a prefix list whose entries are
//! not in the input) may take any part: when it goes elsewhere, no source
//! is surely routed to the internet; when it goes to the internet, any may
//! be. A gateway endpoint's prefix list only holds the service's own
//! addresses and takes no client away (docs/semantics.md).

use portcullis_model::topology::{GatewayKind, NextHop, Route, RouteTable, Topology};
use portcullis_model::{AddrSet, Cidr, IntervalSet, Known};

/// What a share of the address space gets from its route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replies reach the internet through a gateway.
    Internet,
    /// Replies go somewhere that is not the internet (or nowhere): `why`.
    Elsewhere(String),
    /// Delivered within the network (a `local` route).
    Local,
    /// The input does not decide it: `why`.
    Unknown(String),
}

/// The part of the address space one route takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub addrs: AddrSet,
    /// Index in the table's routes; `None` for what no route matches.
    pub route: Option<usize>,
    pub outcome: Outcome,
}

/// A route table's answer for every address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteSplit {
    /// Disjoint; together they cover every address.
    pub shares: Vec<Share>,
    /// Surely routed to the internet.
    pub internet_lower: AddrSet,
    /// Possibly routed to the internet.
    pub internet_upper: AddrSet,
    /// Why the two differ beyond the shares themselves (unknown
    /// destinations), in words.
    pub unknowns: Vec<String>,
}

impl RouteSplit {
    /// The shares that hold any of `set`, with the part of `set` each holds.
    pub fn shares_of<'s>(&'s self, set: &'s AddrSet) -> impl Iterator<Item = (&'s Share, AddrSet)> + 's {
        self.shares.iter().filter_map(move |s| {
            let part = s.addrs.intersect(set);
            (!part.is_empty()).then_some((s, part))
        })
    }
}

/// How a next hop decides an inbound connection, given the table's network.
pub fn outcome_of(topology: &Topology, table: &RouteTable, hop: &NextHop) -> Outcome {
    match hop {
        NextHop::Local { .. } => Outcome::Local,
        NextHop::Elsewhere { name, why } => Outcome::Elsewhere(format!("{name}: {why}")),
        NextHop::Service { name } => Outcome::Elsewhere(format!("{name}: an AWS service's own addresses")),
        NextHop::Middlebox { name, what } => Outcome::Unknown(format!(
            "{name}, {what} the input does not describe, may or may not forward to the internet"
        )),
        NextHop::Internet { name, gateway } => {
            let Some(g) = gateway.and_then(|g| topology.gateway(g)) else { return Outcome::Internet };
            match g.kind {
                GatewayKind::Internet => {}
                GatewayKind::EgressOnly => {
                    return Outcome::Elsewhere(format!(
                        "{name}: an egress-only internet gateway admits no inbound connection"
                    ))
                }
                GatewayKind::Nat => {
                    return Outcome::Elsewhere(format!("{name}: a NAT gateway admits no inbound connection"))
                }
            }
            match (&g.attached_to, table.network) {
                (Known::Known(nets), Some(n)) if !nets.contains(&n) => {
                    let vpc = topology.network(n).map(|x| x.id.as_str()).unwrap_or("its network");
                    Outcome::Elsewhere(format!("{name} is not attached to {vpc}"))
                }
                (Known::Unknown(u), _) => Outcome::Unknown(format!("whether {name} is attached: {}", u.reason)),
                _ => Outcome::Internet,
            }
        }
    }
}

/// One destination block competing in the match.
struct Candidate {
    cidr: Cidr,
    preference: u32,
    route: usize,
}

fn prefix_len(c: &Cidr) -> u8 {
    match *c {
        Cidr::V4 { len, .. } | Cidr::V6 { len, .. } => len,
    }
}

/// Splits the address space among the routes of `table` that `applies`
/// accepts (GCP routes can apply to tagged instances only).
pub fn split(topology: &Topology, table: &RouteTable, applies: impl Fn(&Route) -> bool) -> RouteSplit {
    let mut candidates = Vec::new();
    let mut unknown_destinations = Vec::new();
    for (i, r) in table.routes.iter().enumerate() {
        if !applies(r) {
            continue;
        }
        match &r.destination {
            Known::Known(cidrs) => {
                candidates.extend(cidrs.iter().map(|&cidr| Candidate { cidr, preference: r.preference, route: i }))
            }
            Known::Unknown(u) => unknown_destinations.push((i, u.as_ref().clone())),
        }
    }
    // Longest prefix first; then the same block together, best preference
    // first. Families never compete (IPv4 and IPv6 routes are independent).
    candidates.sort_by(|a, b| {
        prefix_len(&b.cidr)
            .cmp(&prefix_len(&a.cidr))
            .then_with(|| a.cidr.cmp(&b.cidr))
            .then_with(|| a.preference.cmp(&b.preference))
            .then_with(|| a.route.cmp(&b.route))
    });
    let outcomes: Vec<Outcome> = table.routes.iter().map(|r| outcome_of(topology, table, &r.next_hop)).collect();
    let mut taken: Vec<(AddrSet, Option<usize>, Outcome)> = Vec::new();
    let mut claimed4: Vec<(u32, u32)> = Vec::new();
    let mut claimed6: Vec<(u128, u128)> = Vec::new();
    let mut claimed = AddrSet::empty();
    let mut i = 0;
    while i < candidates.len() {
        // The candidates for this exact block; only the best preference counts.
        let block = candidates[i].cidr;
        let mut j = i;
        while j < candidates.len() && candidates[j].cidr == block {
            j += 1;
        }
        let best = candidates[i].preference;
        let winners: Vec<usize> =
            candidates[i..j].iter().take_while(|c| c.preference == best).map(|c| c.route).collect();
        i = j;
        let block_set = block.to_set();
        let part = block_set.difference(&claimed);
        if !part.is_empty() {
            let first = winners[0];
            let outcome = if winners.iter().all(|&w| outcomes[w] == outcomes[first]) {
                outcomes[first].clone()
            } else {
                let names: Vec<&str> = winners.iter().map(|&w| table.routes[w].next_hop.name()).collect();
                Outcome::Unknown(format!(
                    "equal routes for {block} share the traffic among {}: which one a connection's replies take depends on its addresses and ports",
                    names.join(", ")
                ))
            };
            match taken.iter_mut().find(|(_, r, o)| *r == Some(first) && *o == outcome) {
                Some(t) => t.0.union_in_place(&part),
                None => taken.push((part, Some(first), outcome)),
            }
        }
        // Claimed blocks are kept as raw runs and normalized when the next
        // shorter prefix needs them: one sort per length instead of a copy
        // of the whole set per block.
        claimed4.extend_from_slice(block_set.v4.runs());
        claimed6.extend_from_slice(block_set.v6.runs());
        let next_differs = candidates.get(i).is_none_or(|c| prefix_len(&c.cidr) != prefix_len(&block));
        if next_differs {
            claimed.union_in_place(&AddrSet {
                v4: IntervalSet::from_ranges(std::mem::take(&mut claimed4)),
                v6: IntervalSet::from_ranges(std::mem::take(&mut claimed6)),
            });
        }
    }
    let rest = AddrSet::all().difference(&claimed);
    let mut shares: Vec<Share> =
        taken.into_iter().map(|(addrs, route, outcome)| Share { addrs, route, outcome }).collect();
    if !rest.is_empty() {
        shares.push(Share {
            addrs: rest,
            route: None,
            outcome: Outcome::Elsewhere(format!("{} has no route for it", table.id)),
        });
    }
    let mut lower = AddrSet::empty();
    let mut upper = AddrSet::empty();
    for s in &shares {
        match s.outcome {
            Outcome::Internet => {
                lower.union_in_place(&s.addrs);
                upper.union_in_place(&s.addrs);
            }
            Outcome::Unknown(_) => upper.union_in_place(&s.addrs),
            Outcome::Elsewhere(_) | Outcome::Local => {}
        }
    }
    let mut unknowns = Vec::new();
    for (i, u) in unknown_destinations {
        let r = &table.routes[i];
        match &outcomes[i] {
            // A service's own addresses hold no client (see the module docs).
            _ if matches!(r.next_hop, NextHop::Service { .. }) => continue,
            Outcome::Internet | Outcome::Unknown(_) => upper = AddrSet::all(),
            Outcome::Elsewhere(_) | Outcome::Local => lower = AddrSet::empty(),
        }
        unknowns.push(format!(
            "{} sends {} to {}, and {} is unknown: {}",
            table.id,
            r.destination_label,
            r.next_hop.name(),
            u.what,
            u.reason
        ));
    }
    RouteSplit { shares, internet_lower: lower, internet_upper: upper, unknowns }
}
