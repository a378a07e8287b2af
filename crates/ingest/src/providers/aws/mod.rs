//! AWS: security groups, network ACLs, prefix lists and what they guard
//! (instances, network interfaces), read from every format that describes
//! them and assembled into layers and targets.
//!
//! One file per format: [`dumps`] (EC2 CLI JSON), [`terraform`] (plans and
//! configurations), [`cloudformation`] (templates); one assembly step
//! ([`assemble`]) joins what all files contributed. Paths (routes, gateways,
//! public addresses, load balancers) have their own items and assembly in
//! [`network`], read from dumps by [`dumps::network`]. Provider facts
//! (protocol numbers, port conventions) are written once, in [`facts`].

pub mod assemble;
pub mod cloudformation;
pub mod dumps;
pub mod facts;
pub mod network;
pub mod terraform;

pub use assemble::assemble;

use portcullis_model::{Entry, Span};

/// A security group as read from any AWS input.
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    /// `sg-…` id, or the Terraform address when the id is not known.
    pub id: String,
    /// Other names the group is referred to by (Terraform address, id, name).
    pub aliases: Vec<String>,
    pub vpc: Option<String>,
    pub span: Span,
    pub entries: Vec<Entry>,
    /// Prefix lists referenced by entries, resolved at assembly: (entry, pl-id).
    pub prefix_lists: Vec<(usize, String)>,
}

/// A standalone security-group rule resource (Terraform), attached to its
/// group at assembly when the group is found.
#[derive(Clone, Debug)]
pub struct GroupRule {
    /// The group reference as written (`sg-…` or a Terraform address).
    pub group: Option<String>,
    pub resource: String,
    pub span: Span,
    pub entries: Vec<Entry>,
    pub prefix_lists: Vec<(usize, String)>,
}

/// One inbound rule of `aws ec2 describe-security-group-rules`, joined to
/// its group at assembly (or made into a group of its own when no input
/// describes the group).
#[derive(Clone, Debug)]
pub struct ListedRule {
    /// The `GroupId` the rule belongs to.
    pub group: String,
    /// `sgr-…`, when the dump has it.
    pub rule_id: Option<String>,
    /// The rule's object in the dump.
    pub span: Span,
    pub entry: Entry,
    /// The prefix list the entry's source is, resolved at assembly.
    pub prefix_list: Option<String>,
}

/// A network ACL.
#[derive(Clone, Debug)]
pub struct NetworkAcl {
    pub id: String,
    pub aliases: Vec<String>,
    pub vpc: Option<String>,
    pub is_default: bool,
    pub span: Span,
    pub entries: Vec<Entry>,
    pub subnets: Vec<String>,
}

/// A standalone NACL entry or association (Terraform).
#[derive(Clone, Debug)]
pub struct AclRule {
    pub acl: Option<String>,
    pub resource: String,
    pub span: Span,
    pub entries: Vec<Entry>,
}

/// An instance or network interface: what listens.
#[derive(Clone, Debug)]
pub struct Host {
    pub id: String,
    /// `instance` or `network interface`.
    pub kind: &'static str,
    pub aliases: Vec<String>,
    pub span: Span,
    pub groups: Vec<String>,
    pub subnet: Option<String>,
    pub vpc: Option<String>,
    /// Network interface ids, to avoid listing an attached ENI twice.
    pub interfaces: Vec<String>,
    /// The launch template (or launch configuration) it is launched from,
    /// by id or alias: what the host leaves unsaid comes from it.
    pub launch_template: Option<String>,
}

/// A managed prefix list with its entries.
#[derive(Clone, Debug)]
pub struct PrefixList {
    pub id: String,
    pub cidrs: portcullis_model::AddrSet,
}

/// Everything AWS one file contributed.
#[derive(Clone, Debug, Default)]
pub struct AwsItems {
    pub groups: Vec<SecurityGroup>,
    pub group_rules: Vec<GroupRule>,
    /// Rules from `describe-security-group-rules`, in the order read.
    pub listed_rules: Vec<ListedRule>,
    pub acls: Vec<NetworkAcl>,
    pub acl_rules: Vec<AclRule>,
    /// (acl reference, subnet reference, span) from association resources.
    pub acl_associations: Vec<(String, String)>,
    pub hosts: Vec<Host>,
    pub prefix_lists: Vec<PrefixList>,
    /// Paths: routes, gateways, interfaces, load balancers.
    pub network: network::NetworkItems,
}

/// `TYPE { field, … }` whose listed fields are each item's, concatenated
/// in order at their total length, with the other fields as given.
macro_rules! concat_fields {
    ($list:ident, $ty:ident { $($field:ident),* $(,)? } $($rest:tt)*) => {
        $ty {
            $($field: crate::providers::concat($list.iter_mut().map(|x| std::mem::take(&mut x.$field)).collect()),)*
            $($rest)*
        }
    };
}
pub(crate) use concat_fields;

impl AwsItems {
    /// Every file's items, in order: [`AwsItems::extend`] over all of them,
    /// with each list allocated once.
    pub fn concat(mut list: Vec<AwsItems>) -> AwsItems {
        concat_fields!(list, AwsItems { groups, group_rules, listed_rules, acls, acl_rules, acl_associations, hosts, prefix_lists }
            network: network::NetworkItems::concat(list.iter_mut().map(|x| std::mem::take(&mut x.network)).collect()),
        )
    }

    pub fn extend(&mut self, o: AwsItems) {
        use crate::providers::append;
        append(&mut self.groups, o.groups);
        append(&mut self.group_rules, o.group_rules);
        append(&mut self.listed_rules, o.listed_rules);
        append(&mut self.acls, o.acls);
        append(&mut self.acl_rules, o.acl_rules);
        append(&mut self.acl_associations, o.acl_associations);
        append(&mut self.hosts, o.hosts);
        append(&mut self.prefix_lists, o.prefix_lists);
        self.network.extend(o.network);
    }
}
