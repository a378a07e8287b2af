//! Kubernetes assembly: Service and Ingress manifests resolved against the
//! pods of every file, and each Service that reaches outside the cluster
//! made a target guarded by one allow-union layer.
//!
//! A `LoadBalancer` Service whose cloud load balancer is in the input (the
//! cloud providers are assembled first) is attached to it, so its findings
//! carry that load balancer's path ([`match_cloud`]).
//!
//! A Service that opens node ports (NodePort, and LoadBalancer unless
//! `allocateLoadBalancerNodePorts: false`) is attached to the nodes of the
//! input, each tied to its machine ([`super::nodes::tie`]), so its findings
//! carry each node's path on the node port ([`node_ports`]). Without
//! `Node` objects a NodePort Service says that is what is missing; a
//! LoadBalancer Service keeps its load balancer's path alone.

use super::manifests::{ManifestService, Pod, NODES_ADMIT};
use super::{facts, manifests, nodes, KubernetesItems};
use portcullis_model::topology::{
    Attachment, Listener, LoadBalancer, LoadBalancerId, NodeId, NodePort, NodePorts, NodePortsId,
};
use portcullis_model::{format_ports, Estate, Known, Layer, LayerKind, PortSet, ProtoMatch, Sources, Step, Target};

/// A LoadBalancer Service's ties to its cloud load balancer.
struct Front {
    service: String,
    ingress: Vec<String>,
    uid: Option<String>,
    ports: Vec<(Known<ProtoMatch>, u16, PortSet)>,
}

/// Each Service is a target guarded by one allow-union layer.
pub fn assemble(mut items: KubernetesItems, estate: &mut Estate) {
    let pods = std::mem::take(&mut items.pods);
    let services = std::mem::take(&mut items.manifest_services);
    for ing in &items.ingresses {
        items.services.extend(manifests::resolve_ingress(ing, &services, &pods));
    }
    let lookup = (!items.nodes.is_empty()).then(|| nodes::Lookup::new(estate));
    let node_ids: Vec<NodeId> = items
        .nodes
        .iter()
        .zip(std::iter::repeat(lookup.as_ref()).flatten())
        .map(|(n, lookup)| {
            let tied = nodes::tie(n, estate, lookup);
            estate.topology.nodes.push(tied);
            NodeId::at(estate.topology.nodes.len() - 1)
        })
        .collect();
    let node_list = describe_nodes(&items.nodes, estate);
    let range = items.node_port_ranges.first().map_or_else(
        || {
            let (low, high) = facts::NODE_PORT_RANGE;
            (low, high, "kube-apiserver's default --service-node-port-range".to_string())
        },
        |r| (r.low, r.high, format!("kube-apiserver's --service-node-port-range at {}:{}", r.span.file, r.span.line)),
    );
    let mut fronts = Vec::new();
    let mut opened: Vec<(String, NodePortsId)> = Vec::new();
    for mut ms in services.into_iter().filter(|s| s.external) {
        if ms.opens_node_ports && (ms.kind == "NodePort" || !node_ids.is_empty()) {
            let ports = node_ports(&ms, &pods, &range);
            if !node_ids.is_empty() {
                through_nodes(&mut ms, &node_list);
            }
            estate.topology.node_ports.push(NodePorts {
                service: ms.id.clone(),
                nodes: node_ids.clone(),
                ports,
                no_nodes: node_ids.is_empty().then(|| {
                    "the input has no Node objects (add `kubectl get nodes -o json`), so where the node ports are open is unknown"
                        .to_string()
                }),
            });
            opened.push((ms.id.clone(), NodePortsId::at(estate.topology.node_ports.len() - 1)));
        }
        if ms.kind == "LoadBalancer" {
            fronts.push(Front {
                service: ms.id.clone(),
                ingress: ms.ingress.clone(),
                uid: ms.uid.clone(),
                ports: manifests::front_ports(&ms, &pods),
            });
        }
        items.services.push(manifests::resolve(ms, &pods));
    }
    estate.controller_managers.append(&mut items.controller_managers);
    estate.network_policies.append(&mut items.network_policies);
    for s in items.services {
        let l = estate.add_layer(Layer {
            id: s.id.clone(),
            kind_name: s.layer_name.clone(),
            kind: LayerKind::AllowUnion,
            span: s.span.clone(),
            entries: s.entries,
        });
        // A manifest Service is named `Service ns/name` already.
        let kind_name = if s.id.starts_with("Service ") || s.id.starts_with("Ingress ") {
            "Kubernetes"
        } else {
            "Kubernetes Service"
        };
        let mut notes = s.notes;
        if let Some(f) = fronts.iter().find(|f| f.service == s.id) {
            if let Some(note) = match_cloud(f, estate.targets.len(), estate) {
                notes.push(note);
            }
        }
        if let Some((_, id)) = opened.iter().find(|(service, _)| *service == s.id) {
            estate.topology.attach(estate.targets.len(), Attachment::NodePorts(*id));
        }
        estate.targets.push(Target {
            id: s.id,
            kind_name: kind_name.into(),
            span: s.span,
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
}

/// Finds the cloud load balancer a LoadBalancer Service got and attaches
/// target `target` to the Service's view of it: the load balancer listens
/// on the Service's ports and delivers to the ports the Service forwards
/// to, so a finding on a pod's port (10257 behind 443) follows the
/// listener that carries it. Matched by the address the cloud controller
/// wrote to `status.loadBalancer.ingress`, else by the name it gives the
/// load balancer ([`facts::cloud_load_balancer_name`]); the note says
/// which.
fn match_cloud(front: &Front, target: usize, estate: &mut Estate) -> Option<String> {
    let topology = &estate.topology;
    let gke_name = front.uid.as_deref().map(facts::cloud_load_balancer_name);
    let (index, how) = topology.load_balancers.iter().enumerate().find_map(|(i, lb)| {
        if let Some(ip) = front.ingress.iter().find(|ip| lb.public.iter().any(|p| p.address.as_deref() == Some(ip))) {
            return Some((i, format!("status.loadBalancer.ingress {ip}")));
        }
        let named =
            gke_name.as_deref().is_some_and(|n| lb.id.eq_ignore_ascii_case(n) || lb.id.ends_with(&format!(".{n}")));
        named.then(|| (i, format!("the name the cloud controller gives it ({})", gke_name.clone().unwrap_or_default())))
    })?;
    let lb = &topology.load_balancers[index];
    let mut listeners = Vec::new();
    for l in &lb.listeners {
        for (protocol, port, backend) in &front.ports {
            let same = match protocol {
                Known::Known(ProtoMatch::One(p)) => *p == l.protocol,
                Known::Known(ProtoMatch::All) | Known::Unknown(_) => true,
            };
            let listens = match &l.ports {
                Known::Known(ps) => ps.contains(*port),
                Known::Unknown(_) => true,
            };
            if !same || !listens {
                continue;
            }
            let mut ports = backend.clone();
            ports.union_in_place(&PortSet::point(*port));
            listeners.push(Listener {
                ports: match &l.ports {
                    Known::Known(_) => Known::Known(ports),
                    Known::Unknown(u) => Known::Unknown(u.clone()),
                },
                protocol: l.protocol,
                label: format!("{} (Service port {port})", l.label),
                span: l.span.clone(),
                forwards: Vec::new(),
            });
        }
    }
    let view = LoadBalancer { listeners, ..lb.clone() };
    let note = format!("its cloud load balancer is {}, matched by {how}", lb.id);
    estate.topology.load_balancers.push(view);
    let id = LoadBalancerId::at(estate.topology.load_balancers.len() - 1);
    estate.topology.attach(target, Attachment::Frontend(id));
    Some(note)
}

/// The nodes and how each was tied, for a Service's notes: a path shows
/// one node, the notes name the first eight and count the rest.
fn describe_nodes(items: &[nodes::NodeItem], estate: &Estate) -> String {
    let topology = &estate.topology;
    let shown: Vec<String> = topology
        .nodes
        .iter()
        .zip(items)
        .map(|(n, item)| {
            let role = if item.control_plane { ", control plane" } else { "" };
            match &n.machine {
                Known::Known(m) => {
                    let target = estate.targets.get(m.target).map(|t| t.id.as_str()).unwrap_or("");
                    format!("{} ({target}{role}, by {})", n.name, n.matched)
                }
                Known::Unknown(u) => format!("{} (not tied{role}: {})", n.name, u.reason),
            }
        })
        .collect();
    // A large cluster: the first nodes, and how many more (the paths count
    // every node).
    const SHOWN: usize = 8;
    let more = shown.len().saturating_sub(SHOWN);
    let mut list = shown.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ");
    if more > 0 {
        list.push_str(&format!("; and {more} more"));
    }
    format!("{} node{}: {list}", shown.len(), if shown.len() == 1 { "" } else { "s" })
}

/// With the nodes in the input, who reaches the node ports is what each
/// node's path admits on them (the engine's node paths), not an unknown:
/// the Service's own admit for the nodes admits nothing by itself.
fn through_nodes(ms: &mut ManifestService, node_list: &str) {
    for a in ms.admits.iter_mut().filter(|a| a.label == NODES_ADMIT) {
        a.label = "whoever each node's path admits on the node port".into();
        a.sources = Sources::default();
    }
    let old = "the node ports a LoadBalancer Service also opens are governed by the nodes' firewalls: not evaluated";
    ms.notes.retain(|n| n != old);
    ms.notes.push(format!("its node ports are open on every node of the input, {node_list}"));
}

/// The ports a Service opens on every node, each with the ports it
/// delivers to on the pods (the Service port and its `targetPort`s,
/// resolved as the Service's own entries are).
fn node_ports(ms: &ManifestService, pods: &[Pod], range: &(u16, u16, String)) -> Vec<NodePort> {
    let selected = manifests::selected_pods(ms, pods);
    let mut notes = Vec::new();
    let (low, high, from) = range;
    let (low, high) = (*low, *high);
    ms.ports
        .iter()
        .filter_map(|p| {
            let Known::Known(ProtoMatch::One(protocol)) = p.protocol else { return None };
            let (targets, _) = manifests::backend_ports(p, &selected, &mut notes);
            let mut delivers = targets.clone();
            if let Some(port) = p.port {
                delivers.union_in_place(&PortSet::point(port));
            }
            let (node_ports, chosen, shown) = match p.node_port {
                Some(n) if n != 0 => (PortSet::point(n), None, n.to_string()),
                _ => (
                    PortSet::range(low, high),
                    Some(format!(
                        "nodePort is unset: one of {low}-{high} ({from}) is chosen when the Service is applied"
                    )),
                    format!("(unset: one of {low}-{high})"),
                ),
            };
            let port = p.port.map(|x| x.to_string()).unwrap_or_else(|| "(unset)".into());
            let target = if targets.is_empty() { "(unresolved)".to_string() } else { format_ports(&targets) };
            Some(NodePort {
                protocol,
                node_ports,
                chosen,
                delivers,
                label: format!("nodePort {shown} → port {port} → targetPort {target}"),
                span: Some(p.span.clone()),
            })
        })
        .collect()
}
