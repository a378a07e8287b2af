//! Google Cloud inputs: VPC firewall rules and the instances they guard,
//! and what decides whether the internet reaches them (external addresses,
//! routes, forwarding rules and what they forward to), from `gcloud` JSON
//! dumps ([`dumps`]) and Terraform ([`terraform`]).
//!
//! Both adapters describe each rule as a [`rule::RawFirewall`] and one
//! builder ([`rule::build`]) turns it into model entries; paths are read
//! onto [`network::NetworkItems`] and assembled onto the model's topology
//! by [`network::assemble`]. Provider facts are in [`facts`].

pub mod assemble;
pub mod dumps;
pub mod facts;
pub mod network;
pub mod rule;
pub mod terraform;

pub use assemble::assemble;

use portcullis_model::{Action, Entry, Known, Span, Unknown};

/// Which instances of its network a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applies {
    /// Every instance in the network.
    All,
    /// Instances with any of these network tags.
    Tags(Vec<String>),
    /// Instances running as one of these service accounts.
    ServiceAccounts(Vec<String>),
    /// The input cannot tell (target tags known only after apply).
    Unknown(Unknown),
}

/// An enabled ingress firewall rule.
#[derive(Clone, Debug)]
pub struct Firewall {
    /// The Terraform address, or the rule's name in a dump.
    pub id: String,
    pub span: Span,
    /// Ways to name its network (lower-cased), best first.
    pub network: Vec<String>,
    /// `None` when the priority is unknown.
    pub priority: Option<i64>,
    pub action: Action,
    pub applies: Applies,
    pub entries: Vec<Entry>,
    pub notes: Vec<String>,
}

/// A VM instance: what listens.
#[derive(Clone, Debug)]
pub struct Instance {
    pub id: String,
    pub span: Span,
    /// Its first interface's network, then subnetwork (lower-cased names).
    pub network: Vec<String>,
    pub subnetwork: Vec<String>,
    pub tags: Known<Vec<String>>,
    /// `None`: the instance runs without a service account.
    pub service_account: Option<Known<String>>,
    /// Names a target pool or instance group uses for it (lower-cased:
    /// its name, its Terraform address).
    pub aliases: Vec<String>,
    /// Its network interfaces, `nic0` first.
    pub nics: Vec<network::Nic>,
    /// The managed instance group that created it (its `created-by`
    /// metadata), lower-cased name.
    pub created_by: Option<String>,
    /// Its project and region (its zone's).
    pub location: network::Location,
}

/// A network or subnetwork resource: ties a Terraform address to the
/// network's name. The first alias is the canonical key.
#[derive(Clone, Debug)]
pub struct Network {
    pub aliases: Vec<String>,
    /// For a subnetwork: its network (lower-cased names).
    pub network: Vec<String>,
    /// For a network declared in Terraform: where, and whether GCP gives
    /// it the default route to the internet
    /// (`delete_default_routes_on_create` not true).
    pub declared: Option<(Span, Known<bool>)>,
}

/// Everything GCP one file contributed.
#[derive(Clone, Debug, Default)]
pub struct GcpItems {
    pub firewalls: Vec<Firewall>,
    pub instances: Vec<Instance>,
    pub networks: Vec<Network>,
    pub subnetworks: Vec<Network>,
    /// What decides paths: routes, forwarding rules, pools, services.
    pub network: network::NetworkItems,
}

impl GcpItems {
    pub fn extend(&mut self, o: GcpItems) {
        self.firewalls.extend(o.firewalls);
        self.instances.extend(o.instances);
        self.networks.extend(o.networks);
        self.subnetworks.extend(o.subnetworks);
        self.network.extend(o.network);
    }

    pub fn is_empty(&self) -> bool {
        self.firewalls.is_empty()
            && self.instances.is_empty()
            && self.networks.is_empty()
            && self.subnetworks.is_empty()
            && self.network.is_empty()
    }
}
