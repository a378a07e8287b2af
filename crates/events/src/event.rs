//! What a change event says, once read: who did what to which rule of
//! which resource, when, and whether the call succeeded. Every provider's
//! reader produces these; [`crate::judge`] decides what each did to the
//! watched ports.

use portcullis_model::{Action, Known, PortSet, ProtoMatch, Sources};
use std::sync::Arc;

/// Whose log an event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    Aws,
    Azure,
    Gcp,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Azure => "azure",
            Provider::Gcp => "gcp",
        }
    }
}

/// Who made the call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    /// The principal: an IAM ARN, an Azure UPN or object id, a GCP
    /// principal email.
    pub principal: String,
    /// The address the call came from, as the log writes it (an address,
    /// or a service name such as `ec2.amazonaws.com`).
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// How the call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Refused or failed: the error code and message as logged. Nothing
    /// changed, so nothing is judged.
    Failed(String),
    /// The log holds the call's start but not its end (an Azure `Started`
    /// entry alone): judged as if it succeeded, and said so.
    Unknown,
}

/// One call that changed (or tried to change) firewall rules.
#[derive(Clone, Debug)]
pub struct Event {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub provider: Provider,
    /// The API call: `AuthorizeSecurityGroupIngress`,
    /// `Microsoft.Network/networkSecurityGroups/securityRules/write`,
    /// `v1.compute.firewalls.insert`.
    pub name: String,
    /// The log's id for it (CloudTrail `eventID`, Azure `eventDataId` or
    /// correlation id, GCP `insertId`); empty when the log has none.
    pub id: String,
    /// Unix seconds.
    pub time: Option<i64>,
    pub actor: Actor,
    /// AWS account, Azure subscription, GCP project.
    pub account: Option<String>,
    pub region: Option<String>,
    pub outcome: Outcome,
    /// What ties several log entries of one call together (Azure's
    /// `correlationId`, GCP's `operation.id`): the entry with the rule and
    /// the one with the outcome are often two.
    pub correlation: Option<String>,
    /// The rule set changed: `sg-…`, `acl-…`, the NSG's resource id, the
    /// firewall rule's name.
    pub resource: String,
    /// `security group`, `network ACL`, `network security group`, `firewall rule`.
    pub resource_kind: &'static str,
    /// The call created the resource: it had no rules before
    /// (`CreateSecurityGroup`, a GCP `insert`).
    pub new_resource: bool,
    /// The call states every rule of the resource (an NSG written whole):
    /// a rule known from an earlier event and not listed is gone.
    pub whole: bool,
    pub changes: Vec<RuleChange>,
    /// An ELBv2 listener call's facts, for resolving its rule against a
    /// snapshot ([`crate::listener::resolve`]).
    pub listener: Option<crate::listener::ListenerCall>,
}

/// What the event did to one rule.
#[derive(Clone, Debug)]
pub struct RuleChange {
    /// The rule's identity inside the resource, stable across events:
    /// `tcp 10257-10257 0.0.0.0/0` (a security-group permission),
    /// `ingress 100` (a NACL entry), the NSG rule's name. Events on the
    /// same resource and key are the same rule's history.
    pub key: String,
    /// Where in the event the rule is written.
    pub line: u32,
    pub column: u32,
    pub effect: Effect,
    /// Other keys the rule is known by from now on (AWS returns a
    /// `securityGroupRuleId` for each permission it adds, which
    /// `ModifySecurityGroupRules` names later).
    pub aliases: Vec<String>,
}

/// The change to one rule.
#[derive(Clone, Debug)]
pub enum Effect {
    /// The rule is now exactly this (created or replaced whole).
    Set(Stated),
    /// The fields given replace those of the rule; the rest stay (a GCP
    /// `patch`).
    Merge(Stated),
    /// The rule is gone; what it said, when the event says it.
    Remove(Option<Stated>),
}

/// A rule as an event states it. `None` fields are not stated (only in a
/// [`Effect::Merge`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stated {
    pub action: Option<Action>,
    /// The protocols and ports it matches: one pair per protocol (a GCP
    /// rule lists several).
    pub permits: Option<Vec<(ProtoMatch, Known<PortSet>)>>,
    pub sources: Option<Sources>,
    /// Rule number or priority.
    pub order: Option<i64>,
    /// A disabled rule (GCP `disabled`) matches nothing.
    pub disabled: Option<bool>,
    /// For people: `allow tcp 10257 from 0.0.0.0/0`.
    pub label: Option<String>,
    /// The address sources as the call writes them (`0.0.0.0/0`), for
    /// the per-block view that SQL engines can compute too.
    pub written: Vec<String>,
}

impl Stated {
    /// `self` with the fields `patch` states replaced.
    pub fn merged(&self, patch: &Stated) -> Stated {
        Stated {
            action: patch.action.or(self.action),
            permits: patch.permits.clone().or_else(|| self.permits.clone()),
            sources: patch.sources.clone().or_else(|| self.sources.clone()),
            order: patch.order.or(self.order),
            disabled: patch.disabled.or(self.disabled),
            label: patch.label.clone().or_else(|| self.label.clone()),
            written: if patch.sources.is_some() { patch.written.clone() } else { self.written.clone() },
        }
    }
}
