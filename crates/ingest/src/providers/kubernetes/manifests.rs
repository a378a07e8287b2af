//! Kubernetes manifests in YAML (one file or Helm/kustomize output):
//! Services that reach outside the cluster, the pods they select (to
//! resolve named target ports and to know when they select
//! kube-controller-manager), and NetworkPolicies.
//!
//! A Service is read here and resolved against every pod of the scan in
//! [`resolve`], since a Service and its pods are often in different files.
//! Facts (<https://kubernetes.io/docs/concepts/services-networking/service/>):
//! - `type: LoadBalancer` admits `spec.loadBalancerSourceRanges`, or the
//!   [`SOURCE_RANGES_ANNOTATION`] when the field is absent, or every source
//!   when neither is set; an internal-load-balancer annotation
//!   ([`super::facts::INTERNAL_LB_ANNOTATIONS`]) keeps it on the private
//!   network.
//! - `type: NodePort` (and the node ports of a LoadBalancer) and
//!   `spec.externalIPs` are reachable by whoever reaches the nodes or those
//!   addresses: the input does not tell who that is.
//! - `targetPort` defaults to `port`; a name is looked up in the selected
//!   pods' container ports.

use super::configs::{labels_of, ports_of};
use super::facts::{is_internal_annotation, SOURCE_RANGES_ANNOTATION};
use super::Service;
use crate::error::IngestError;
use portcullis_model::{
    format_ports, named::non_public, Action, AddrSet, Cidr, Entry, Known, NetworkPolicy, Origin, PortSet, ProtoMatch,
    Protocol, Sources, Span, Unknown,
};
use portcullis_syntax::{Kind, Value};

/// A pod (or pod template) of the scan: what a Service can select.
#[derive(Clone, Debug)]
pub struct Pod {
    pub id: String,
    pub namespace: String,
    pub labels: Vec<(String, String)>,
    pub named_ports: Vec<(String, u16)>,
    pub host_network: bool,
    pub is_controller_manager: bool,
}

#[derive(Clone, Debug)]
pub enum TargetPort {
    Unset,
    Number(u16),
    Name(String),
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    /// The port's `name` (what an Ingress backend may name).
    pub name: Option<String>,
    pub protocol: Known<ProtoMatch>,
    pub port: Option<u16>,
    pub target: TargetPort,
    pub node_port: Option<u16>,
    pub span: Span,
}

/// Who a Service admits, before ports are known.
#[derive(Clone, Debug)]
pub struct Admit {
    pub span: Span,
    pub label: String,
    pub sources: Sources,
    pub default: Option<String>,
}

/// A Service manifest waiting for its pods.
#[derive(Clone, Debug)]
pub struct ManifestService {
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// Whether it reaches outside the cluster by itself (LoadBalancer,
    /// NodePort, externalIPs). Other Services matter only as Ingress
    /// backends.
    pub external: bool,
    pub span: Span,
    pub kind: String,
    pub selector: Option<Vec<(String, String)>>,
    pub ports: Vec<ServicePort>,
    pub admits: Vec<Admit>,
    pub notes: Vec<String>,
    /// `status.loadBalancer.ingress[].ip`: the cloud load balancer's
    /// address, as the cloud controller wrote it back.
    pub ingress: Vec<String>,
    /// `metadata.uid`: the cloud controller names the load balancer after it.
    pub uid: Option<String>,
    /// Whether it opens node ports: a NodePort Service, or a LoadBalancer
    /// one unless `allocateLoadBalancerNodePorts: false`
    /// (<https://kubernetes.io/docs/concepts/services-networking/service/#load-balancer-nodeport-allocation>).
    pub opens_node_ports: bool,
}

/// The label of a NodePort Service's admit: who reaches the nodes.
pub const NODES_ADMIT: &str = "whoever reaches the nodes";

fn text_of(n: &Value) -> Option<String> {
    match &n.kind {
        Kind::String(s) | Kind::Number(s) => Some(s.clone()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn unknown(what: &str, reason: &str, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

/// Reads a pod or workload document as a selectable pod.
pub fn pod(doc: &Value, is_kcm: bool) -> Option<Pod> {
    let kind = doc.get("kind")?.as_str()?;
    let (meta, spec) = if kind == "Pod" {
        (doc.get("metadata"), doc.get("spec")?)
    } else {
        let t = doc.get("spec")?.get("template")?;
        (t.get("metadata"), t.get("spec")?)
    };
    let meta_top = doc.get("metadata");
    let name = meta_top.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("(unnamed)");
    let namespace = meta_top.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("default").to_string();
    let mut named_ports = Vec::new();
    if let Some(Kind::List(cs)) = spec.get("containers").map(|c| &c.kind) {
        for c in cs {
            named_ports.extend(ports_of(c));
        }
    }
    Some(Pod {
        id: format!("{kind} {namespace}/{name}"),
        namespace,
        labels: meta.map(labels_of).unwrap_or_default(),
        named_ports,
        host_network: matches!(spec.get("hostNetwork").map(|n| &n.kind), Some(Kind::Bool(true))),
        is_controller_manager: is_kcm,
    })
}

/// Reads a NetworkPolicy document.
pub fn network_policy(doc: &Value) -> Option<NetworkPolicy> {
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("(unnamed)");
    let namespace = meta.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("default").to_string();
    let sel = doc.get("spec").and_then(|s| s.get("podSelector"));
    let match_labels = sel
        .and_then(|s| s.get("matchLabels"))
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|m| Some((m.key.clone(), text_of(&m.value)?))).collect())
        .unwrap_or_default();
    let match_expressions = match sel.and_then(|s| s.get("matchExpressions")).map(|e| &e.kind) {
        Some(Kind::List(l)) => l
            .iter()
            .filter_map(|e| {
                let key = e.get("key").and_then(text_of)?;
                let op = e.get("operator").and_then(text_of)?;
                let values = match e.get("values").map(|v| &v.kind) {
                    Some(Kind::List(vs)) => vs.iter().filter_map(text_of).collect(),
                    _ => Vec::new(),
                };
                Some((key, op, values))
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(NetworkPolicy {
        id: format!("NetworkPolicy {namespace}/{name}"),
        namespace,
        span: doc.span.clone(),
        match_labels,
        match_expressions,
    })
}

/// Reads a Service document (`external` says whether it reaches outside
/// the cluster by itself).
pub fn service(doc: &Value, errors: &mut Vec<IngestError>) -> Option<ManifestService> {
    let spec = doc.get("spec")?;
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("(unnamed)");
    let namespace = meta.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("default").to_string();
    let id = format!("Service {namespace}/{name}");
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
    let external_ips: Vec<&Value> = match spec.get("externalIPs").map(|e| &e.kind) {
        Some(Kind::List(l)) => l.iter().collect(),
        _ => Vec::new(),
    };
    let external = kind == "LoadBalancer" || kind == "NodePort" || !external_ips.is_empty();
    let annotations: Vec<(String, String, Span)> = meta
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|m| Some((m.key.clone(), text_of(&m.value)?, m.span.clone()))).collect())
        .unwrap_or_default();
    let families: Vec<String> = match spec.get("ipFamilies").map(|f| &f.kind) {
        Some(Kind::List(l)) => l.iter().filter_map(text_of).map(|s| s.to_ascii_lowercase()).collect(),
        _ => Vec::new(),
    };
    let mut everyone = AddrSet::empty();
    if families.is_empty() || families.iter().any(|f| f == "ipv4") {
        everyone.union_in_place(&AddrSet::all_v4());
    }
    if families.iter().any(|f| f == "ipv6") {
        everyone.union_in_place(&AddrSet::all_v6());
    }
    let mut admits = Vec::new();
    let mut notes = Vec::new();
    if kind == "LoadBalancer" {
        let internal = annotations.iter().find(|(k, v, _)| is_internal_annotation(k, v));
        let field: Vec<&Value> = match spec.get("loadBalancerSourceRanges").map(|r| &r.kind) {
            Some(Kind::List(l)) => l.iter().collect(),
            _ => Vec::new(),
        };
        let mut ranges: Vec<(String, Span)> =
            field.iter().filter_map(|n| Some((text_of(n)?, n.span.clone()))).collect();
        let mut from_annotation = false;
        if ranges.is_empty() {
            if let Some((_, v, s)) = annotations.iter().find(|(k, _, _)| k == SOURCE_RANGES_ANNOTATION) {
                from_annotation = true;
                ranges =
                    v.split(',').map(str::trim).filter(|r| !r.is_empty()).map(|r| (r.to_string(), s.clone())).collect();
            }
        }
        if let Some((k, v, s)) = internal {
            // An internal load balancer gets a private address of the
            // cluster's network: whoever that network admits, read here as
            // private address space (the network's own ranges are not in
            // the input).
            let mut set = non_public().clone();
            if !ranges.is_empty() {
                let mut r = AddrSet::empty();
                for (t, _) in &ranges {
                    if let Ok(c) = Cidr::parse(t) {
                        r.union_in_place(&c.to_set());
                    }
                }
                set = set.intersect(&r);
            }
            admits.push(Admit {
                span: s.clone(),
                label: format!("internal load balancer ({k}: {v}): private addresses only"),
                sources: Sources { addrs: set, ..Default::default() },
                default: None,
            });
        } else if !ranges.is_empty() {
            for (t, s) in ranges {
                let sources = match Cidr::parse(&t) {
                    Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
                    Err(e) => {
                        errors.push(IngestError::invalid(&s, format!("{id}: load balancer source range: {e}")));
                        Sources {
                            unknown: vec![unknown("loadBalancerSourceRanges", &format!("invalid range `{t}`"), &s)],
                            ..Default::default()
                        }
                    }
                };
                let via = if from_annotation { SOURCE_RANGES_ANNOTATION } else { "loadBalancerSourceRanges" };
                admits.push(Admit { span: s, label: format!("{via} {t}"), sources, default: None });
            }
        } else {
            let shown = everyone.to_cidr_strings().join(" and ");
            admits.push(Admit {
                span: spec.span.clone(),
                label: format!("{shown} (no loadBalancerSourceRanges, no internal-load-balancer annotation)"),
                sources: Sources { addrs: everyone.clone(), ..Default::default() },
                default: Some("a load balancer without source ranges admits every source".into()),
            });
        }
        notes.push(
            "the node ports a LoadBalancer Service also opens are governed by the nodes' firewalls: not evaluated"
                .into(),
        );
    }
    if kind == "NodePort" {
        let u = unknown(
            "node firewall",
            "a NodePort Service listens on every node: who reaches it is decided by the nodes' firewalls, and the input has no Node objects (kubectl get nodes -o json) to say which machines they are",
            &spec.span,
        );
        admits.push(Admit {
            span: spec.span.clone(),
            label: NODES_ADMIT.into(),
            sources: Sources { unknown: vec![u], ..Default::default() },
            default: None,
        });
    }
    for ip in external_ips {
        let t = text_of(ip).unwrap_or_default();
        let u = unknown(
            "externalIPs",
            &format!("traffic for external IP {t} is accepted on the nodes from whoever the network routes there, not in this input"),
            &ip.span,
        );
        admits.push(Admit {
            span: ip.span.clone(),
            label: format!("externalIPs {t}"),
            sources: Sources { unknown: vec![u], ..Default::default() },
            default: None,
        });
    }
    let mut ports = Vec::new();
    if let Some(Kind::List(ps)) = spec.get("ports").map(|p| &p.kind) {
        for p in ps {
            let protocol = match p.get("protocol").and_then(text_of) {
                None => Known::Known(ProtoMatch::One(Protocol::TCP)),
                Some(t) => match t.to_ascii_uppercase().as_str() {
                    "TCP" => Known::Known(ProtoMatch::One(Protocol::TCP)),
                    "UDP" => Known::Known(ProtoMatch::One(Protocol::UDP)),
                    "SCTP" => Known::Known(ProtoMatch::One(Protocol(132))),
                    _ => {
                        errors.push(IngestError::invalid(
                            &p.span,
                            format!("{id}: protocol should be TCP, UDP or SCTP, found `{t}`"),
                        ));
                        Known::from_unknown(unknown("protocol", &format!("invalid protocol `{t}`"), &p.span))
                    }
                },
            };
            let num = |k: &str, errors: &mut Vec<IngestError>| -> Option<u16> {
                let n = p.get(k)?;
                let t = text_of(n)?;
                match t.trim().parse::<u16>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        errors.push(IngestError::invalid(
                            &n.span,
                            format!("{id}: `{k}` should be a port number 0-65535, found `{t}`"),
                        ));
                        None
                    }
                }
            };
            let port = num("port", errors);
            let node_port = num("nodePort", errors);
            let target = match p.get("targetPort") {
                None => TargetPort::Unset,
                Some(n) => match &n.kind {
                    Kind::Number(t) => match t.parse::<u16>() {
                        Ok(v) => TargetPort::Number(v),
                        Err(_) => {
                            errors.push(IngestError::invalid(
                                &n.span,
                                format!("{id}: `targetPort` should be a port number 0-65535 or a name, found `{t}`"),
                            ));
                            TargetPort::Unset
                        }
                    },
                    Kind::String(s) => match s.parse::<u16>() {
                        Ok(v) => TargetPort::Number(v),
                        Err(_) => TargetPort::Name(s.clone()),
                    },
                    _ => TargetPort::Unset,
                },
            };
            let pname = p.get("name").and_then(text_of);
            ports.push(ServicePort { name: pname, protocol, port, target, node_port, span: p.span.clone() });
        }
    }
    let selector = spec
        .get("selector")
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|m| Some((m.key.clone(), text_of(&m.value)?))).collect::<Vec<_>>())
        .filter(|s| !s.is_empty());
    let ingress = doc
        .get("status")
        .and_then(|s| s.get("loadBalancer"))
        .and_then(|l| l.get("ingress"))
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(|i| i.get("ip").and_then(text_of)).collect())
        .unwrap_or_default();
    let uid = meta.and_then(|m| m.get("uid")).and_then(text_of);
    let allocate = spec.get("allocateLoadBalancerNodePorts").map(|a| &a.kind);
    let opens_node_ports =
        kind == "NodePort" || (kind == "LoadBalancer" && !matches!(allocate, Some(Kind::Bool(false))));
    Some(ManifestService {
        id,
        name: name.to_string(),
        namespace,
        external,
        span: doc.span.clone(),
        kind,
        selector,
        ports,
        admits,
        notes,
        ingress,
        uid,
        opens_node_ports,
    })
}

/// Each port a Service listens on (its `port`) with the ports it forwards
/// to on its pods, resolved as [`resolve`] resolves them: what a cloud load
/// balancer in front of it listens on and where that arrives.
pub fn front_ports(s: &ManifestService, pods: &[Pod]) -> Vec<(Known<ProtoMatch>, u16, PortSet)> {
    let selected = selected_pods(s, pods);
    let mut notes = Vec::new();
    s.ports
        .iter()
        .filter_map(|p| {
            let (set, _) = backend_ports(p, &selected, &mut notes);
            Some((p.protocol.clone(), p.port?, set))
        })
        .collect()
}

/// Whether `labels` carry every pair of `selector`.
pub fn selects(selector: &[(String, String)], labels: &[(String, String)]) -> bool {
    selector.iter().all(|s| labels.contains(s))
}

/// The pods a Service selects among every pod of the scan.
pub(super) fn selected_pods<'p>(s: &ManifestService, pods: &'p [Pod]) -> Vec<&'p Pod> {
    match &s.selector {
        Some(sel) => pods.iter().filter(|p| p.namespace == s.namespace && selects(sel, &p.labels)).collect(),
        None => Vec::new(),
    }
}

/// The ports a Service port forwards to on its pods: `targetPort`
/// (default `port`; a name resolved through the selected pods' container
/// ports, every match). Without the pods in the input, the front port
/// counts too (what the Terraform reader does), so a Service that listens
/// on 10257 is flagged whatever it forwards to, and a name is unknown.
pub(super) fn backend_ports(p: &ServicePort, selected: &[&Pod], notes: &mut Vec<String>) -> (PortSet, Option<Unknown>) {
    let mut set = PortSet::empty();
    let mut unk: Option<Unknown> = None;
    match &p.target {
        TargetPort::Number(n) => set.union_in_place(&PortSet::point(*n)),
        TargetPort::Unset => {
            if let Some(fp) = p.port {
                set.union_in_place(&PortSet::point(fp));
            }
        }
        TargetPort::Name(name) => {
            let found: Vec<u16> = selected
                .iter()
                .flat_map(|pod| pod.named_ports.iter())
                .filter(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .collect();
            for f in &found {
                set.union_in_place(&PortSet::point(*f));
            }
            if found.is_empty() && selected.is_empty() {
                notes.push(format!(
                    "targetPort `{name}`: the selected pods are not in the input, so the name is not resolved"
                ));
                unk = Some(unknown("targetPort", &format!("named port `{name}` of pods not in the input"), &p.span));
            } else if found.is_empty() {
                notes.push(format!("targetPort `{name}`: no selected pod declares a port of that name"));
            }
        }
    }
    if selected.is_empty() {
        if let Some(fp) = p.port {
            set.union_in_place(&PortSet::point(fp));
        }
    }
    (set, unk)
}

fn note_kcm(s: &ManifestService, selected: &[&Pod], notes: &mut Vec<String>) {
    let names: Vec<&str> = selected.iter().filter(|p| p.is_controller_manager).map(|p| p.id.as_str()).collect();
    if !names.is_empty() {
        notes.push(format!("selects kube-controller-manager ({})", names.join(", ")));
    } else if selected.is_empty()
        && s.selector.as_ref().is_some_and(|sel| sel.iter().any(|(_, v)| v == "kube-controller-manager"))
    {
        notes.push("selects pods labelled kube-controller-manager, which are not in the input".into());
    }
}

/// Turns a Service manifest into a target, resolving its pods among
/// every pod of the scan.
pub fn resolve(s: ManifestService, pods: &[Pod]) -> Service {
    let mut notes = s.notes.clone();
    let selected = selected_pods(&s, pods);
    note_kcm(&s, &selected, &mut notes);
    let mut entries = Vec::new();
    for p in &s.ports {
        let (mut set, unk) = backend_ports(p, &selected, &mut notes);
        if s.kind == "NodePort" {
            match p.node_port {
                None | Some(0) => set
                    .union_in_place(&PortSet::range(super::facts::NODE_PORT_RANGE.0, super::facts::NODE_PORT_RANGE.1)),
                Some(n) => set.union_in_place(&PortSet::point(n)),
            }
        }
        let ports = match unk {
            Some(u) if set.is_empty() => Known::from_unknown(u),
            _ => Known::Known(set),
        };
        let ports_shown = match &ports {
            Known::Known(ps) => format_ports(ps),
            Known::Unknown(_) => "(unknown ports)".into(),
        };
        let proto_shown = match &p.protocol {
            Known::Known(pr) => pr.to_string(),
            Known::Unknown(_) => "(unknown protocol)".into(),
        };
        for a in &s.admits {
            entries.push(Entry {
                resource: s.id.clone(),
                label: format!("{} {}: {proto_shown} {ports_shown} from {}", s.id, s.kind, a.label),
                span: a.span.clone(),
                origin: match &a.default {
                    Some(d) => Origin::Default(d.clone()),
                    None => Origin::Explicit,
                },
                action: Action::Allow,
                protocol: p.protocol.clone(),
                ports: ports.clone(),
                sources: a.sources.clone(),
                order: 0,
            });
        }
    }
    let layer_name = match s.kind.as_str() {
        "LoadBalancer" => "load balancer source ranges",
        "NodePort" => "node firewalls",
        _ => "external IPs",
    };
    Service { id: s.id, span: s.span, layer_name: layer_name.into(), entries, notes }
}

/// How an Ingress backend names its Service's port.
#[derive(Clone, Debug)]
pub enum BackendPort {
    Number(u16),
    Name(String),
}

/// An Ingress: the Services it sends traffic to.
#[derive(Clone, Debug)]
pub struct ManifestIngress {
    pub id: String,
    pub namespace: String,
    pub span: Span,
    /// (Service name, its port, where the backend is written).
    pub backends: Vec<(String, BackendPort, Span)>,
}

/// One `backend` of an Ingress: `service.name` and `service.port.number`
/// or `.name` (`networking.k8s.io/v1`), or `serviceName`/`servicePort`
/// (`v1beta1`, removed in 1.22).
fn backend(b: &Value) -> Option<(String, BackendPort, Span)> {
    let (name, port) = match b.get("service") {
        Some(svc) => {
            let name = svc.get("name").and_then(text_of)?;
            let port = svc.get("port")?;
            let p = match port.get("number").and_then(text_of) {
                Some(n) => BackendPort::Number(n.parse().ok()?),
                None => BackendPort::Name(port.get("name").and_then(text_of)?),
            };
            (name, p)
        }
        None => {
            let name = b.get("serviceName").and_then(text_of)?;
            let port = b.get("servicePort").and_then(text_of)?;
            let p = match port.parse::<u16>() {
                Ok(n) => BackendPort::Number(n),
                Err(_) => BackendPort::Name(port),
            };
            (name, p)
        }
    };
    Some((name, port, b.span.clone()))
}

/// Reads an Ingress document.
pub fn ingress(doc: &Value) -> Option<ManifestIngress> {
    let spec = doc.get("spec")?;
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("(unnamed)");
    let namespace = meta.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("default").to_string();
    let mut backends = Vec::new();
    for key in ["defaultBackend", "backend"] {
        if let Some(b) = spec.get(key).and_then(backend) {
            backends.push(b);
        }
    }
    if let Some(Kind::List(rules)) = spec.get("rules").map(|r| &r.kind) {
        for r in rules {
            let Some(Kind::List(paths)) = r.get("http").and_then(|h| h.get("paths")).map(|p| &p.kind) else {
                continue;
            };
            for p in paths {
                if let Some(b) = p.get("backend").and_then(backend) {
                    backends.push(b);
                }
            }
        }
    }
    Some(ManifestIngress { id: format!("Ingress {namespace}/{name}"), namespace, span: doc.span.clone(), backends })
}

/// An Ingress as a target: the ports its backends forward to on their pods,
/// reachable by whoever reaches the ingress controller, which the input
/// does not tell (the controller's own Service decides). Backends whose
/// Service is not in the scan are left out (their ports are not known);
/// `None` when no backend is.
pub fn resolve_ingress(ing: &ManifestIngress, services: &[ManifestService], pods: &[Pod]) -> Option<Service> {
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for (svc_name, port, span) in &ing.backends {
        let Some(svc) = services.iter().find(|s| s.namespace == ing.namespace && s.name == *svc_name) else {
            notes.push(format!("backend Service {}/{svc_name} is not in the input", ing.namespace));
            continue;
        };
        let selected = selected_pods(svc, pods);
        note_kcm(svc, &selected, &mut notes);
        let Some(sp) = svc.ports.iter().find(|p| match port {
            BackendPort::Number(n) => p.port == Some(*n),
            BackendPort::Name(n) => p.name.as_deref() == Some(n.as_str()),
        }) else {
            let shown = match port {
                BackendPort::Number(n) => n.to_string(),
                BackendPort::Name(n) => format!("named `{n}`"),
            };
            notes.push(format!("backend Service {}: no port {shown}", svc.id));
            continue;
        };
        let (set, unk) = backend_ports(sp, &selected, &mut notes);
        let ports = match unk {
            Some(u) if set.is_empty() => Known::from_unknown(u),
            _ => Known::Known(set),
        };
        let shown = match &ports {
            Known::Known(ps) => format_ports(ps),
            Known::Unknown(_) => "(unknown ports)".into(),
        };
        let u = unknown(
            "ingress controller",
            "an Ingress is served by the ingress controller: who reaches it is decided by the controller's own Service and firewall, not in this input",
            span,
        );
        entries.push(Entry {
            resource: ing.id.clone(),
            label: format!("{} backend {}: tcp {shown} from whoever reaches the ingress controller", ing.id, svc.id),
            span: span.clone(),
            origin: Origin::Explicit,
            action: Action::Allow,
            protocol: Known::Known(ProtoMatch::One(Protocol::TCP)),
            ports,
            sources: Sources { unknown: vec![u], ..Default::default() },
            order: 0,
        });
    }
    if entries.is_empty() {
        return None;
    }
    Some(Service {
        id: ing.id.clone(),
        span: ing.span.clone(),
        layer_name: "ingress controller".into(),
        entries,
        notes,
    })
}
