//! Kubernetes Services that reach outside the cluster: a `LoadBalancer`
//! Service admits its load balancer's source ranges to its ports; a
//! `NodePort` Service opens a port on every node, to whoever the nodes'
//! firewalls admit. Read from Terraform ([`terraform`]) and from YAML
//! manifests ([`manifest`]).
//!
//! The same YAML files carry kube-controller-manager's configuration:
//! [`kcm`] finds its flags wherever they are written ([`flags`] parses a
//! command line), for the hardening rules.
//!
//! Facts (<https://kubernetes.io/docs/concepts/services-networking/service/>):
//! - `spec.loadBalancerSourceRanges` restricts who the cloud load balancer
//!   admits; without it, every source is admitted
//!   (<https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#restricting-source-ranges>).
//! - The load balancer forwards `port` to the pods' `targetPort` (which
//!   defaults to `port`); both are counted as reachable, so a Service that
//!   puts kube-controller-manager's 10257 behind any port is found.
//! - A `NodePort` Service listens on `nodePort` (allocated from
//!   30000-32767 unless set) on every node and forwards to `targetPort`;
//!   the `Node` objects of the input ([`nodes`]) say which machines those
//!   are, so the port is reached where they are.
//! - `ipFamilies` decides the address families: the cluster's primary
//!   family when unset, read here as IPv4 (the default on every major
//!   cloud); `::/0` is added when `ipFamilies` names IPv6.

pub mod assemble;
pub mod configs;
pub mod facts;
pub mod flags;
pub mod manifests;
pub mod nodes;
pub mod terraform;

pub use assemble::assemble;

use crate::FileOutcome;
use portcullis_model::{ControllerManager, Entry, NetworkPolicy, Span};
use portcullis_syntax::{Kind, Value};
use std::sync::Arc;

/// A Service with the entries that say who reaches which of its ports.
#[derive(Clone, Debug)]
pub struct Service {
    /// The Terraform address (or `Service namespace/name`).
    pub id: String,
    pub span: Span,
    /// `load balancer source ranges` or `node firewalls`.
    pub layer_name: String,
    pub entries: Vec<Entry>,
    pub notes: Vec<String>,
}

/// Everything Kubernetes one file contributed.
#[derive(Clone, Debug, Default)]
pub struct KubernetesItems {
    pub services: Vec<Service>,
    /// Service manifests, resolved against the pods of every file.
    pub manifest_services: Vec<manifests::ManifestService>,
    pub ingresses: Vec<manifests::ManifestIngress>,
    pub pods: Vec<manifests::Pod>,
    pub controller_managers: Vec<ControllerManager>,
    pub network_policies: Vec<NetworkPolicy>,
    /// `Node` objects: where node ports are reached.
    pub nodes: Vec<nodes::NodeItem>,
    /// kube-apiserver's `--service-node-port-range`, where a pod runs it.
    pub node_port_ranges: Vec<nodes::NodePortRange>,
}

impl KubernetesItems {
    pub fn extend(&mut self, o: KubernetesItems) {
        self.services.extend(o.services);
        self.manifest_services.extend(o.manifest_services);
        self.ingresses.extend(o.ingresses);
        self.pods.extend(o.pods);
        self.controller_managers.extend(o.controller_managers);
        self.network_policies.extend(o.network_policies);
        self.nodes.extend(o.nodes);
        self.node_port_ranges.extend(o.node_port_ranges);
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
            && self.manifest_services.is_empty()
            && self.ingresses.is_empty()
            && self.pods.is_empty()
            && self.controller_managers.is_empty()
            && self.network_policies.is_empty()
            && self.nodes.is_empty()
            && self.node_port_ranges.is_empty()
    }
}

/// Words that say a YAML file holds kube-controller-manager configuration:
/// a YAML syntax error in such a file is reported. Other YAML (a Helm
/// chart's templates, CI files) is read only when it parses.
const KCM_MARKERS: &[&str] =
    &["kube-controller-manager", "KubeControllerManagerConfiguration", "kubeControllerManager", "controllerManager"];

/// Whether a YAML text may hold something read here: a Kubernetes object
/// (`apiVersion:` and `kind:` lines), or one of the controller-manager
/// configuration files that are not objects (k3s/RKE2, RKE, Talos).
fn looks_like_kubernetes_yaml(text: &str) -> bool {
    let has_line = |p: &str| text.lines().any(|l| l.trim_start_matches("- ").starts_with(p));
    (has_line("apiVersion:") && has_line("kind:"))
        || text.contains("kube-controller-manager-arg")
        || text.contains("kube-controller:")
        || text.contains("controllerManager:")
}

/// Reads a YAML file of Kubernetes manifests or controller-manager
/// configuration; `None` when it holds none.
pub fn read_yaml(path: &str, text: &str, head: &str) -> Option<FileOutcome> {
    if head.starts_with('{') || head.starts_with('[') || !looks_like_kubernetes_yaml(text) {
        return None;
    }
    // An unrendered Helm (Go template) file is not the YAML that gets
    // applied: `helm template` output is what is read.
    if text.contains("{{") && text.contains("}}") {
        return None;
    }
    let file: Arc<str> = Arc::from(path);
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    let mut skipped = Vec::new();
    let loaded = portcullis_syntax::yaml::load_all(&file, text, &mut skipped);
    let mut errors: Vec<crate::IngestError> = skipped.into_iter().map(crate::IngestError::from_yaml).collect();
    let docs = match loaded {
        Ok(docs) => docs,
        Err(e) => {
            if KCM_MARKERS.iter().any(|m| text.contains(m)) {
                errors.push(crate::IngestError::from_yaml(e));
                out.format = Some("kubernetes");
                out.errors = errors;
                return Some(out);
            }
            return None;
        }
    };
    read_documents(path, text, &docs, errors)
}

/// Whether a JSON text is a Kubernetes object as `kubectl get -o json`
/// prints it: `apiVersion` is its first key (kubectl sorts them).
fn looks_like_kubernetes_json(head: &str) -> bool {
    head.strip_prefix('{').is_some_and(|rest| rest.trim_start().starts_with("\"apiVersion\""))
}

/// Reads a Kubernetes object (or `kind: List`) in JSON; `None` when the
/// text is not one.
pub fn read_json(path: &str, text: &str, head: &str) -> Option<FileOutcome> {
    if !looks_like_kubernetes_json(head) {
        return None;
    }
    let file: Arc<str> = Arc::from(path);
    let ctx = crate::context::Context::new(file, text);
    let root = match portcullis_syntax::json::parse(text, portcullis_syntax::json::Options::STRICT) {
        Ok(r) => r,
        Err(e) => {
            let mut out = FileOutcome { path: path.to_string(), format: Some("kubernetes"), ..Default::default() };
            out.errors.push(ctx.json_error(&e));
            return Some(out);
        }
    };
    let doc = ctx.value(&root);
    doc.get("kind")?;
    read_documents(path, text, std::slice::from_ref(&doc), Vec::new())
}

fn read_documents(path: &str, text: &str, docs: &[Value], mut errors: Vec<crate::IngestError>) -> Option<FileOutcome> {
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    let mut reader = configs::Reader::new(text);
    let mut items = KubernetesItems::default();
    for doc in docs {
        // `kind: List` (kubectl get -o yaml) holds objects in `items`.
        let objects: Vec<&Value> = match (doc.get("kind").and_then(|k| k.as_str()), doc.get("items")) {
            (Some("List"), Some(Value { kind: Kind::List(l), .. })) => l.iter().collect(),
            _ => vec![doc],
        };
        for obj in objects {
            let before = reader.out.len();
            let is_kcm = reader.document(obj);
            let kind = obj.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            match kind {
                "Service" => items.manifest_services.extend(manifests::service(obj, &mut errors)),
                "NetworkPolicy" => items.network_policies.extend(manifests::network_policy(obj)),
                "Ingress" => items.ingresses.extend(manifests::ingress(obj)),
                "Node" => items.nodes.extend(nodes::node(obj)),
                _ => {
                    if let Some(p) = manifests::pod(obj, is_kcm && reader.out.len() > before) {
                        items.pods.push(p);
                    }
                    items.node_port_ranges.extend(nodes::node_port_range(obj));
                }
            }
        }
    }
    errors.append(&mut reader.errors);
    items.controller_managers = reader.out;
    // YAML that holds nothing read here stays silent, even when parts of
    // it are odd: it is someone else's file.
    if items.is_empty() && !KCM_MARKERS.iter().any(|m| text.contains(m)) {
        return None;
    }
    out.format = Some("kubernetes");
    out.kubernetes = items;
    out.errors = errors;
    Some(out)
}
