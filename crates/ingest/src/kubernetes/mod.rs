//! Kubernetes Services that reach outside the cluster: a `LoadBalancer`
//! Service admits its load balancer's source ranges to its ports; a
//! `NodePort` Service opens a port on every node, to whoever the nodes'
//! firewalls admit. Read from Terraform ([`terraform`]) today.
//!
//! Facts (<https://kubernetes.io/docs/concepts/services-networking/service/>):
//! - `spec.loadBalancerSourceRanges` restricts who the cloud load balancer
//!   admits; without it, every source is admitted
//!   (<https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#restricting-source-ranges>).
//! - The load balancer forwards `port` to the pods' `targetPort` (which
//!   defaults to `port`); both are counted as reachable, so a Service that
//!   puts kube-controller-manager's 10257 behind any port is found.
//! - A `NodePort` Service listens on `nodePort` (allocated from
//!   30000-32767 unless set) on every node and forwards to `targetPort`.
//! - `ipFamilies` decides the address families: the cluster's primary
//!   family when unset, read here as IPv4 (the default on every major
//!   cloud); `::/0` is added when `ipFamilies` names IPv6.

pub mod terraform;

use portcullis_model::{Entry, Estate, Layer, LayerKind, Span, Step, Target};

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
}

impl KubernetesItems {
    pub fn extend(&mut self, o: KubernetesItems) {
        self.services.extend(o.services);
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

/// Each Service is a target guarded by one allow-union layer.
pub fn assemble(items: KubernetesItems, estate: &mut Estate) {
    for s in items.services {
        let l = estate.add_layer(Layer {
            id: s.id.clone(),
            kind_name: s.layer_name.clone(),
            kind: LayerKind::AllowUnion,
            span: s.span.clone(),
            entries: s.entries,
        });
        estate.targets.push(Target {
            id: s.id,
            kind_name: "Kubernetes Service".into(),
            span: s.span,
            path: vec![Step { layers: vec![l] }],
            notes: s.notes,
        });
    }
}
