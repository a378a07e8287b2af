//! Paths through the ports a Kubernetes Service opens on every node
//! (docs/semantics.md, "Reachability", Kubernetes).
//!
//! A finding on a port the Service delivers to (its `port`, a
//! `targetPort` such as 10257) is reached through the node port that
//! carries it: for each node, the direct path to the node's interface (a
//! public address, a route back to the internet) and what the node's own
//! guards (security groups and network ACL, NSGs, firewall rules, its host
//! firewall) admit **on the node port**, not on the port of the finding.
//! An unset `nodePort` is one port of the range, chosen when the Service
//! is applied: a source is surely admitted only when every port of the
//! range admits it, possibly when one does. Each node is one path; the
//! finding's `via` shows the first node with one, and the last hop counts
//! the others.

use super::{target_hops, BalancedPath, Hop, Missing, Reachability};
use crate::{evaluate, port_boundaries, port_segment, Piece};
use portcullis_model::topology::{Node, NodePort, NodePortsId};
use portcullis_model::{format_ports, AddrSet, Known, PortSet, Protocol, Target, Unknown};

/// What a node's guards admit on each stretch of the node ports that their
/// rules treat alike.
struct Stretch {
    low: u16,
    high: u16,
    lower: AddrSet,
    upper: AddrSet,
}

/// The last hop of a node path: the Service's port on the node.
fn port_hop(service: &Target, port: &NodePort, node: Option<&Node>) -> Hop {
    let on = node.map(|n| format!(" on node {}", n.name)).unwrap_or_default();
    Hop {
        kind: "node port".into(),
        resource: service.id.clone(),
        span: port.span.clone(),
        detail: format!("{}{on}", port.label),
    }
}

/// `0.0.0.0/0 on 30000-30999`, for a reason.
fn stretch_text(s: &Stretch) -> String {
    let ports = format_ports(&PortSet::range(s.low, s.high));
    let who = if s.upper.is_empty() { "nothing".to_string() } else { super::blocks(&s.upper) };
    if s.lower == s.upper {
        format!("{who} on {ports}")
    } else {
        format!("possibly {who} on {ports}")
    }
}

impl Reachability<'_> {
    /// The node paths of `service` (attached to node ports `id`) for a
    /// finding on `proto`/`port`: one per node and node port that carries
    /// it, none when no node port does.
    pub(super) fn through_nodes(
        &self,
        service: &Target,
        id: NodePortsId,
        proto: Protocol,
        port: u16,
    ) -> Vec<BalancedPath> {
        let topology = self.topology();
        let Some(opened) = topology.node_ports_of(id) else { return Vec::new() };
        // A finding on a port the Service delivers to follows its node port;
        // a finding on the node port itself is that port.
        let carrying: Vec<(&NodePort, PortSet)> = opened
            .ports
            .iter()
            .filter(|p| p.protocol == proto)
            .filter_map(|p| {
                if p.delivers.contains(port) {
                    Some((p, p.node_ports.clone()))
                } else {
                    p.node_ports.contains(port).then(|| (p, PortSet::point(port)))
                }
            })
            .collect();
        let Some((first, _)) = carrying.first() else { return Vec::new() };
        if opened.nodes.is_empty() {
            let why = opened.no_nodes.clone().unwrap_or_else(|| "no node of the cluster is in the input".into());
            return vec![BalancedPath {
                reach_upper: AddrSet::all(),
                missing: vec![Missing::unknown(why, AddrSet::all())],
                hops: vec![port_hop(service, first, None)],
                node: true,
                ..Default::default()
            }];
        }
        let mut per_node: Vec<Vec<BalancedPath>> = Vec::new();
        for &n in &opened.nodes {
            let Some(node) = topology.node(n) else { continue };
            per_node.push(carrying.iter().map(|(p, ports)| self.node_path(service, node, p, ports, proto)).collect());
        }
        let total = per_node.len();
        let sure = per_node.iter().filter(|paths| paths.iter().any(|b| !b.reach_lower.is_empty())).count();
        let maybe = per_node.iter().filter(|paths| paths.iter().any(|b| !b.reach_upper.is_empty())).count() - sure;
        let plural = if total == 1 { "" } else { "s" };
        let count = match maybe {
            0 => format!("{total} node{plural}: {sure} with a path"),
            _ => format!("{total} node{plural}: {sure} with a path, {maybe} possibly"),
        };
        let mut out: Vec<BalancedPath> = per_node.into_iter().flatten().collect();
        for b in &mut out {
            if let Some(h) = b.hops.last_mut() {
                h.detail.push_str(&format!(" ({count})"));
            }
        }
        out
    }

    /// One node's path on node port(s) `ports` of `port`.
    fn node_path(
        &self,
        service: &Target,
        node: &Node,
        port: &NodePort,
        ports: &PortSet,
        proto: Protocol,
    ) -> BalancedPath {
        let estate = self.estate;
        let node_hop =
            |detail: String| Hop { kind: "node".into(), resource: node.name.clone(), span: node.span.clone(), detail };
        let machine = match &node.machine {
            Known::Known(m) => *m,
            Known::Unknown(u) => {
                // A node the input does not tie to a machine: its guards
                // may admit anyone, and whether it has a path is unknown.
                return BalancedPath {
                    admitted_upper: AddrSet::all(),
                    reach_upper: AddrSet::all(),
                    unknowns: vec![u.as_ref().clone()],
                    missing: vec![Missing::unknown(format!("node {}: {}", node.name, u.reason), AddrSet::all())],
                    hops: vec![
                        node_hop("not tied to a machine of the input".into()),
                        port_hop(service, port, Some(node)),
                    ],
                    node: true,
                    ..Default::default()
                };
            }
        };
        let Some(target) = estate.targets.get(machine.target) else { return BalancedPath::default() };
        let on = format!("{}/{}", proto.name(), format_ports(ports));
        // The node's guards on the node ports, one evaluation per stretch
        // their rules treat alike.
        let boundaries = port_boundaries(estate, target);
        let mut stretches: Vec<Stretch> = Vec::new();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut unknowns: Vec<Unknown> = Vec::new();
        for &(low, high) in ports.runs() {
            let mut start = low;
            loop {
                let next = boundaries.get(port_segment(&boundaries, start)).copied();
                let end = next.and_then(|b| u16::try_from(b - 1).ok()).map_or(high, |e| e.min(high));
                if let Some(exp) = evaluate(estate, machine.target, proto, start) {
                    for p in &exp.upper().pieces {
                        if !pieces.iter().any(|q| q.by == p.by) {
                            pieces.push(p.clone());
                        }
                    }
                    for (_, u) in &exp.unknowns {
                        if !unknowns.contains(u) {
                            unknowns.push(u.clone());
                        }
                    }
                    stretches.push(Stretch {
                        low: start,
                        high: end,
                        lower: exp.lower.addrs.clone(),
                        upper: exp.upper().addrs.clone(),
                    });
                }
                if end >= high {
                    break;
                }
                start = end + 1;
            }
        }
        let mut admitted_lower: Option<AddrSet> = None;
        let mut admitted_upper = AddrSet::empty();
        for s in &stretches {
            admitted_lower = Some(match admitted_lower {
                None => s.lower.clone(),
                Some(l) => l.intersect(&s.lower),
            });
            admitted_upper.union_in_place(&s.upper);
        }
        let admitted_lower = admitted_lower.unwrap_or_default();
        let mut missing = Vec::new();
        let uneven = stretches.windows(2).any(|w| w[0].lower != w[1].lower || w[0].upper != w[1].upper);
        if let (Some(chosen), true) = (&port.chosen, uneven) {
            let mut parts: Vec<String> = stretches.iter().take(4).map(stretch_text).collect();
            if stretches.len() > 4 {
                parts.push(format!("and {} more stretches", stretches.len() - 4));
            }
            let text = format!(
                "{chosen}, and the rules of {} do not admit alike across it ({}): which port, so who is admitted, is unknown",
                target.id,
                parts.join(", ")
            );
            if let Some(span) = port.span.clone() {
                unknowns.push(Unknown { what: format!("the nodePort of {}", service.id), reason: text.clone(), span });
            }
            missing.push(Missing::unknown(text, AddrSet::all()));
        }
        if admitted_upper.is_empty() {
            missing.push(Missing::none(
                format!("the rules of {} (node {}) admit no source on {on}", target.id, node.name),
                AddrSet::all(),
            ));
        }
        let direct = self.direct(machine.interface);
        let reach_lower = admitted_lower.intersect(&direct.lower);
        let reach_upper = admitted_upper.intersect(&direct.upper);
        missing.extend(
            direct.all_missing().map(|m| Missing { text: format!("node {}: {}", node.name, m.text), ..m.clone() }),
        );
        let reached = if reach_upper.is_empty() { admitted_upper.clone() } else { reach_upper.clone() };
        let last = target.path.len().saturating_sub(1);
        let mut hops: Vec<Hop> =
            direct.legs().find(|(part, _)| part.intersects(&reached)).map(|(_, h)| h.clone()).unwrap_or_default();
        hops.extend(target_hops(estate, target, &pieces, &reached, &[], 0..last));
        if let Some((_, h)) = direct.public.iter().find(|(family, _)| family.intersects(&reached)) {
            hops.push(h.clone());
        }
        hops.push(node_hop(format!("{} {}, by {}", target.kind_name, target.id, node.matched)));
        hops.extend(target_hops(estate, target, &pieces, &reached, &[], last..target.path.len()));
        hops.push(port_hop(service, port, Some(node)));
        pieces.retain(|p| p.addrs.intersects(&admitted_upper));
        BalancedPath {
            load_balancer: None,
            admitted_lower,
            admitted_upper,
            reach_lower,
            reach_upper,
            pieces,
            unknowns,
            hops,
            missing,
            node: true,
        }
    }
}
