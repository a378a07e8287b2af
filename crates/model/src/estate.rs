//! The estate: guard layers, their rules, and the targets they protect.
//!
//! Input adapters build an [`Estate`]; the engine evaluates it. Nothing here
//! knows which file format a rule came from, only where it was written.

use crate::addr::AddrSet;
use crate::ports::{PortSet, ProtoMatch};
use crate::provenance::{Origin, Span, Unknown};

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    Deny,
}

/// A value the input may not be able to tell.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Known<T> {
    Known(T),
    /// Boxed: unknowns are rare, and an inline one made every rule of a
    /// 500,000-permission dump 100 bytes larger.
    Unknown(Box<Unknown>),
}

impl<T> Known<T> {
    pub fn from_unknown(u: Unknown) -> Self {
        Known::Unknown(Box::new(u))
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Known::Known(t) => Some(t),
            Known::Unknown(_) => None,
        }
    }
    pub fn unknown(&self) -> Option<&Unknown> {
        match self {
            Known::Known(_) => None,
            Known::Unknown(u) => Some(u),
        }
    }
}

/// A source that is not an address: another security group, `self`, a
/// network tag or a service account. Always inside the network, never the
/// internet (docs/semantics.md, "Sources").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InternalSource {
    /// `sg-0abc…`, `self`, `tag:web`, `serviceAccount:x@…`.
    pub name: String,
}

/// Who a rule matches as a source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sources {
    pub addrs: AddrSet,
    pub internal: Vec<InternalSource>,
    /// Parts of the source the input cannot tell (an unresolved prefix
    /// list, a value known only after apply). Non-empty means the rule may
    /// match any address.
    pub unknown: Vec<Unknown>,
}

/// One rule of a guard layer: a security-group permission, a NACL entry,
/// an NSG rule, a firewall rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The resource that carries the rule as the user names it
    /// (`sg-0123`, `aws_security_group.cp`, `aws_security_group_rule.x`).
    pub resource: String,
    /// Short human description: `rule 100 allow tcp 10257 from 0.0.0.0/0`.
    pub label: String,
    pub span: Span,
    pub origin: Origin,
    pub action: Action,
    pub protocol: Known<ProtoMatch>,
    /// Ports matched for protocols that have ports. Adapters write "all"
    /// here where the provider ignores ports (AWS protocol -1).
    pub ports: Known<PortSet>,
    pub sources: Sources,
    /// Evaluation order for ordered layers (rule number, priority).
    pub order: i64,
}

impl Entry {
    /// A rule the input cannot show (a rule list known only after apply, a
    /// group missing from a dump): an allow that may match anything, so the
    /// answer that depends on it is `undetermined`, never a pass.
    pub fn unknown_allow(resource: &str, label: String, unknown: Unknown, order: i64) -> Entry {
        Entry {
            resource: resource.to_string(),
            label,
            span: unknown.span.clone(),
            origin: Origin::Explicit,
            action: Action::Allow,
            protocol: Known::from_unknown(unknown.clone()),
            ports: Known::from_unknown(unknown.clone()),
            sources: Sources { unknown: vec![unknown], ..Default::default() },
            order,
        }
    }
}

/// How a layer combines its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LayerKind {
    /// Admitted = union of allow rules (AWS security groups, Kubernetes
    /// load balancer source ranges). Deny rules do not exist here.
    AllowUnion,
    /// Rules by ascending `order`, the first match decides, no match is a
    /// deny (AWS network ACLs, Azure NSGs, iptables chains).
    FirstMatch,
    /// GCP VPC firewall: lowest `order` (priority) wins, at equal priority
    /// deny beats allow, implied deny ingress.
    GcpPriority,
}

/// An ordered or unordered set of rules that traffic must pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// Stable identifier (`sg-0123`, `acl-0abc`, `aws_security_group.cp`).
    pub id: String,
    /// What it is, for people: `security group`, `network ACL`.
    pub kind_name: String,
    pub kind: LayerKind,
    pub span: Span,
    pub entries: Vec<Entry>,
}

/// Index of a layer in [`Estate::layers`].
pub type LayerId = usize;

/// One step of a target's path: traffic must pass the union of these
/// layers (several security groups on one interface admit the union of
/// their rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub layers: Vec<LayerId>,
}

/// Something that listens and is guarded: an instance, an interface, or a
/// rule set standing in for whatever it is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The name findings use (`i-0abc`, `sg-0123`, `aws_security_group.cp`).
    pub id: String,
    /// `instance`, `network interface`, `security group`, `network ACL`.
    pub kind_name: String,
    pub span: Span,
    /// Steps are intersected in order (NACL, then security groups).
    pub path: Vec<Step>,
    /// Facts about the path a reader needs (`no network ACL in the input
    /// for subnet-1: its rules are not applied`).
    pub notes: Vec<String>,
}

/// Everything read from the inputs of one scan.
#[derive(Clone, Debug, Default)]
pub struct Estate {
    pub layers: Vec<Layer>,
    pub targets: Vec<Target>,
    /// kube-controller-managers read from their configuration.
    pub controller_managers: Vec<crate::component::ControllerManager>,
    /// NetworkPolicies read from manifests (for the hostNetwork note).
    pub network_policies: Vec<crate::component::NetworkPolicy>,
    /// Routes, gateways, interfaces and load balancers: whether a path from
    /// the internet exists ([`crate::topology`]).
    pub topology: crate::topology::Topology,
}

impl Estate {
    pub fn add_layer(&mut self, layer: Layer) -> LayerId {
        self.layers.push(layer);
        self.layers.len() - 1
    }
}
