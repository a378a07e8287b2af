//! Azure inputs: network security groups, their rules and what they are
//! attached to, from `az` CLI dumps ([`dumps`]), Terraform ([`terraform`]),
//! ARM templates ([`arm`]) and Bicep ([`bicep`]); and the paths from the
//! internet to network interfaces ([`network`]).
//!
//! Both adapters describe each rule as a [`rule::RawRule`] (its fields as
//! written, with spans) and one builder ([`rule::build`]) turns that into
//! model entries, so a rule means the same from either input. Provider facts
//! are in [`facts`].

pub mod arm;
pub mod assemble;
pub mod bicep;
pub mod dumps;
pub mod facts;
pub mod network;
pub mod rule;
pub mod terraform;

pub use assemble::assemble;

use portcullis_model::{AddrSet, Entry, Span};

/// A network security group as read from any Azure input.
#[derive(Clone, Debug)]
pub struct Nsg {
    /// The ARM id, or the Terraform address when the id is not known.
    pub id: String,
    /// Lower-cased names it is referred to by: ARM id, Terraform address,
    /// and `nsg-name:<resource group>/<name>` (see [`facts::name_key`]).
    pub aliases: Vec<String>,
    pub span: Span,
    /// Inbound rules (user rules, and the default rules when the input
    /// lists them).
    pub entries: Vec<Entry>,
    /// Whether the input listed the default rules (`defaultSecurityRules`);
    /// otherwise they are appended at assembly.
    pub has_defaults: bool,
    /// Subnets and interfaces the input says it is attached to (ARM ids).
    pub subnets: Vec<String>,
    pub nics: Vec<String>,
    /// Facts a reader needs about its rules (a deny not counted, and why).
    pub notes: Vec<String>,
}

/// A standalone rule resource (`azurerm_network_security_rule`), joined to
/// its NSG at assembly when the NSG is in the input.
#[derive(Clone, Debug)]
pub struct NsgRule {
    /// Ways to find its NSG (lower-cased keys), best first.
    pub nsg: Vec<String>,
    /// How the NSG was named, for notes.
    pub nsg_shown: Option<String>,
    pub resource: String,
    pub span: Span,
    pub entries: Vec<Entry>,
    pub notes: Vec<String>,
}

/// A network interface: what listens.
#[derive(Clone, Debug)]
pub struct Nic {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    /// Ways to find its subnet (lower-cased keys), best first.
    pub subnet: Vec<String>,
    /// Ways to find its NSG, when the interface itself names one.
    pub nsg: Vec<String>,
    /// Declared in a template (ARM, Bicep): a target only when something
    /// decides what reaches it (an NSG, or its public IP's or load
    /// balancer's SKU), as templates' interfaces were before their paths
    /// were read.
    pub from_template: bool,
}

/// A subnet resource: only to tie its id to its Terraform address.
#[derive(Clone, Debug)]
pub struct Subnet {
    pub aliases: Vec<String>,
}

/// What an association resource attaches an NSG to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    Subnet,
    Nic,
}

/// `azurerm_subnet_network_security_group_association` or
/// `azurerm_network_interface_security_group_association`.
#[derive(Clone, Debug)]
pub struct Association {
    pub kind: Attach,
    pub nsg: Vec<String>,
    pub member: Vec<String>,
}

/// A service tag with its address ranges (service-tags JSON).
#[derive(Clone, Debug)]
pub struct ServiceTag {
    pub name: String,
    pub addrs: AddrSet,
}

/// Everything Azure one file contributed.
#[derive(Clone, Debug, Default)]
pub struct AzureItems {
    pub nsgs: Vec<Nsg>,
    pub rules: Vec<NsgRule>,
    pub nics: Vec<Nic>,
    pub subnets: Vec<Subnet>,
    pub associations: Vec<Association>,
    pub service_tags: Vec<ServiceTag>,
    /// Paths: public IPs, interfaces' IP configurations, load balancers,
    /// route tables ([`network`]).
    pub network: network::NetworkItems,
}

impl AzureItems {
    pub fn extend(&mut self, o: AzureItems) {
        self.nsgs.extend(o.nsgs);
        self.rules.extend(o.rules);
        self.nics.extend(o.nics);
        self.subnets.extend(o.subnets);
        self.associations.extend(o.associations);
        self.service_tags.extend(o.service_tags);
        self.network.extend(o.network);
    }

    pub fn is_empty(&self) -> bool {
        self.nsgs.is_empty()
            && self.rules.is_empty()
            && self.nics.is_empty()
            && self.subnets.is_empty()
            && self.associations.is_empty()
            && self.service_tags.is_empty()
            && self.network.is_empty()
    }
}
