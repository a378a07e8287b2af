//! Kubernetes nodes: `Node` objects (a manifest, `kubectl get node NAME
//! -o json`, or the `List` that `kubectl get nodes -o json` prints), tied
//! to the machine each runs on, so that a port a Service opens on every
//! node is reached where the nodes are.
//!
//! A node is tied to its machine's interface by its `spec.providerID`
//! (the instance or VM the cloud controller wrote there,
//! [`ProviderMachine`]), else by its `InternalIP` being the private
//! address of exactly one interface of the input (the topology's one join
//! by address, which host firewalls use too). Two interfaces with that
//! address, or a machine the input does not describe, leave the node
//! unknown with the reason: a node is never guessed.

use super::configs::labels_of;
use super::facts::{ProviderMachine, CONTROL_PLANE_LABELS};
use portcullis_model::topology::{AddressIndex, AddressMatch, Attachment, InterfaceId, Node, NodeMachine, Provider};
use portcullis_model::{AddrSet, Cidr, Estate, Known, Span, Unknown};
use portcullis_syntax::{Kind, Value};
use std::collections::HashMap;

/// A `Node` object as read.
#[derive(Clone, Debug)]
pub struct NodeItem {
    pub name: String,
    pub span: Span,
    /// `spec.providerID` and where it is written.
    pub provider_id: Option<(String, Span)>,
    /// `status.addresses` of type `InternalIP`.
    pub internal_ips: Vec<String>,
    /// `status.addresses` of type `ExternalIP` (shown; the cloud input
    /// decides the public address).
    pub external_ips: Vec<String>,
    /// Labelled as a control-plane node.
    pub control_plane: bool,
}

/// Reads a `Node` object.
pub fn node(doc: &Value) -> Option<NodeItem> {
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("(unnamed)").to_string();
    let provider_id = doc
        .get("spec")
        .and_then(|s| s.get("providerID"))
        .and_then(|p| Some((p.as_str()?.to_string(), p.span.clone())))
        .filter(|(p, _)| !p.trim().is_empty());
    let mut internal_ips = Vec::new();
    let mut external_ips = Vec::new();
    if let Some(Kind::List(addresses)) = doc.get("status").and_then(|s| s.get("addresses")).map(|a| &a.kind) {
        for a in addresses {
            let (Some(kind), Some(address)) =
                (a.get("type").and_then(Value::as_str), a.get("address").and_then(Value::as_str))
            else {
                continue;
            };
            match kind {
                "InternalIP" => internal_ips.push(address.to_string()),
                "ExternalIP" => external_ips.push(address.to_string()),
                _ => {}
            }
        }
    }
    let labels = meta.map(labels_of).unwrap_or_default();
    let control_plane = labels.iter().any(|(k, _)| CONTROL_PLANE_LABELS.contains(&k.as_str()));
    Some(NodeItem { name, span: doc.span.clone(), provider_id, internal_ips, external_ips, control_plane })
}

/// kube-apiserver's `--service-node-port-range` as a pod or workload of
/// the input runs it (a kubeadm static pod): the range unset `nodePort`s
/// are chosen from. Written `30000-32767`, or `30000+2768` (a start and a
/// size; `net.ParsePortRange` in Kubernetes' apimachinery).
#[derive(Clone, Debug)]
pub struct NodePortRange {
    pub low: u16,
    pub high: u16,
    pub span: Span,
}

/// The `--service-node-port-range` of a kube-apiserver container in a
/// Pod or workload document.
pub fn node_port_range(doc: &Value) -> Option<NodePortRange> {
    let spec = match doc.get("kind").and_then(Value::as_str)? {
        "Pod" => doc.get("spec")?,
        _ => doc.get("spec")?.get("template")?.get("spec")?,
    };
    let Kind::List(containers) = &spec.get("containers")?.kind else { return None };
    for c in containers {
        let words: Vec<&Value> = ["command", "args"]
            .iter()
            .filter_map(|k| c.get(k).and_then(Value::as_list))
            .flat_map(|l| l.iter())
            .collect();
        if !words.iter().any(|w| w.as_str().is_some_and(|t| t.rsplit('/').next() == Some("kube-apiserver"))) {
            continue;
        }
        for (i, w) in words.iter().enumerate() {
            let Some(text) = w.as_str() else { continue };
            let value = match text.strip_prefix("--service-node-port-range") {
                Some(rest) if rest.starts_with('=') => rest[1..].to_string(),
                Some("") => words.get(i + 1).and_then(|n| n.as_str()).unwrap_or("").to_string(),
                _ => continue,
            };
            let (low, high) = match value.split_once('+') {
                Some((start, size)) => {
                    let (start, size) = (start.trim().parse::<u16>().ok()?, size.trim().parse::<u16>().ok()?);
                    (start, start.checked_add(size.checked_sub(1)?)?)
                }
                None => {
                    let set = portcullis_model::ports::parse_port_range(&value).ok()?;
                    *set.runs().first()?
                }
            };
            return Some(NodePortRange { low, high, span: w.span.clone() });
        }
    }
    None
}

/// A candidate machine: its interface and the target guarding it.
type Candidate = (InterfaceId, usize);

/// What ties nodes to machines, indexed once for every node of a cluster.
pub struct Lookup {
    /// Cloud targets by id or name (lower-cased), with their interfaces.
    by_name: HashMap<String, Vec<(InterfaceId, usize, Provider)>>,
    /// The cloud targets attached to each interface, lowest index first
    /// (an ENI dumped beside its instance is two targets with the same
    /// guards).
    targets: HashMap<InterfaceId, Vec<usize>>,
    /// Azure VMs (resource ids, lower-cased) and their NICs.
    machines: HashMap<String, Vec<InterfaceId>>,
    addresses: AddressIndex,
}

impl Lookup {
    pub fn new(estate: &Estate) -> Lookup {
        let topology = &estate.topology;
        let mut by_name: HashMap<String, Vec<(InterfaceId, usize, Provider)>> = HashMap::new();
        let mut targets: HashMap<InterfaceId, Vec<usize>> = HashMap::new();
        for &(t, a) in &topology.attachments {
            let Attachment::Interface(i) = a else { continue };
            let Some(target) = estate.targets.get(t).filter(|t| t.kind_name != "node") else { continue };
            let Some(provider) = topology.interface(i).map(|it| it.provider) else { continue };
            let named = by_name.entry(target.id.to_ascii_lowercase()).or_default();
            if !named.contains(&(i, t, provider)) {
                named.push((i, t, provider));
            }
            targets.entry(i).or_default().push(t);
        }
        for list in targets.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let mut machines: HashMap<String, Vec<InterfaceId>> = HashMap::new();
        for (vm, i) in &topology.machines {
            machines.entry(vm.clone()).or_default().push(*i);
        }
        Lookup { by_name, targets, machines, addresses: topology.address_index() }
    }

    fn first_target(&self, interface: InterfaceId) -> Option<usize> {
        self.targets.get(&interface).and_then(|t| t.first()).copied()
    }

    /// The interfaces of the machine a providerID names, each with a
    /// target guarding it. AWS and GCP instances are targets named by
    /// their id or name; an Azure VM is known through its NICs
    /// (`Topology::machines`).
    fn machine_candidates(&self, machine: &ProviderMachine) -> Vec<Candidate> {
        let by_target = |provider: Provider, name: &str| -> Vec<Candidate> {
            let list = self.by_name.get(&name.to_ascii_lowercase()).map(Vec::as_slice).unwrap_or_default();
            list.iter().filter(|(_, _, p)| *p == provider).map(|&(i, t, _)| (i, t)).collect()
        };
        match machine {
            ProviderMachine::Aws { instance } => by_target(Provider::Aws, instance),
            ProviderMachine::Gcp { name, .. } => by_target(Provider::Gcp, name),
            ProviderMachine::Azure { resource_id } => {
                let mut out = Vec::new();
                for &i in self.machines.get(resource_id).map(Vec::as_slice).unwrap_or_default() {
                    if let Some(t) = self.first_target(i) {
                        if !out.contains(&(i, t)) {
                            out.push((i, t));
                        }
                    }
                }
                out
            }
        }
    }
}

/// The node's InternalIPs as one set (what does not parse is left out).
fn internal_set(item: &NodeItem) -> AddrSet {
    let mut set = AddrSet::empty();
    for a in &item.internal_ips {
        if let Ok(c) = Cidr::parse(a) {
            set.union_in_place(&c.to_set());
        }
    }
    set
}

/// Ties a node to its machine's interface (see the module documentation).
pub fn tie(item: &NodeItem, estate: &Estate, lookup: &Lookup) -> Node {
    let topology = &estate.topology;
    let internal = internal_set(item);
    let mut why: Vec<String> = Vec::new();
    let unknown = |reason: String| Unknown { what: format!("node {}", item.name), reason, span: item.span.clone() };
    let node = |machine: Known<NodeMachine>, matched: String| Node {
        name: item.name.clone(),
        span: Some(item.span.clone()),
        machine,
        matched,
    };
    if let Some((pid, _)) = &item.provider_id {
        match ProviderMachine::parse(pid) {
            Some(m) => {
                let candidates = lookup.machine_candidates(&m);
                // A machine with several interfaces: the one holding the
                // InternalIP, else its first. Two machines by that name (a
                // GCP name in two zones): only the InternalIP decides.
                let by_address = candidates
                    .iter()
                    .find(|(i, _)| topology.interface(*i).is_some_and(|it| it.private.intersects(&internal)));
                let one_machine = candidates.iter().all(|(_, t)| *t == candidates[0].1);
                let chosen = if one_machine { by_address.or(candidates.first()) } else { by_address };
                match chosen {
                    Some(&(interface, target)) => {
                        return node(Known::Known(NodeMachine { interface, target }), format!("providerID {pid}"));
                    }
                    None if !candidates.is_empty() => why.push(format!(
                        "its providerID names {}, and more than one target of the input goes by that name",
                        m.describe()
                    )),
                    None => why.push(format!("its providerID names {}, which is not in the input", m.describe())),
                }
            }
            None => why.push(format!("its providerID {pid} names no AWS instance, Azure VM or GCP instance")),
        }
    }
    let shown = item.internal_ips.join(", ");
    match topology.interfaces_with_address_in(&lookup.addresses, &internal) {
        AddressMatch::One(interfaces) => {
            let found = interfaces.iter().find_map(|&i| lookup.first_target(i).map(|t| (i, t)));
            if let Some((interface, target)) = found {
                let iface = topology.interface(interface).map(|it| it.id.as_str()).unwrap_or("");
                return node(
                    Known::Known(NodeMachine { interface, target }),
                    format!("InternalIP {shown} (the private address of {iface})"),
                );
            }
            why.push(format!("the interface with its InternalIP {shown} guards no target of the input"));
        }
        AddressMatch::Ambiguous(groups) => {
            let list: Vec<String> =
                groups.iter().filter_map(|g| g.first()).map(|&i| topology.interface_in_network(i)).collect();
            why.push(format!(
                "its InternalIP {shown} is the private address of {} interfaces ({}): which one is the node is not guessed",
                list.len(),
                list.join(", ")
            ));
        }
        AddressMatch::None if item.internal_ips.is_empty() => {
            if item.provider_id.is_none() {
                why.push("the Node object has neither spec.providerID nor an InternalIP".into());
            }
        }
        AddressMatch::None => why.push(format!("no interface of the input has its InternalIP {shown}")),
    }
    node(Known::from_unknown(unknown(why.join("; "))), String::new())
}
