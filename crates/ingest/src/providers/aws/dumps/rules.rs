//! `aws ec2 describe-security-group-rules`: one object per rule, each
//! naming its group (`GroupId`), direction (`IsEgress`), protocol and
//! ports, and exactly one source (`CidrIpv4`, `CidrIpv6`, `PrefixListId`
//! or `ReferencedGroupInfo`), as the EC2 API's `SecurityGroupRule`
//! describes (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html).
//!
//! The rules are kept per rule here and joined to their group at assembly
//! ([`super::super::assemble`]): a group also described by
//! `describe-security-groups` (or any other input) is counted once, and
//! the two listings are compared (docs/semantics.md, "Security-group
//! rules listed twice").

use super::{label, perm_proto_ports, source_of_group_pair};
use crate::context::Context;
use crate::error::{ErrorKind, IngestError};
use crate::providers::alias_index;
use crate::providers::aws::{AwsItems, ListedRule, SecurityGroup};
use portcullis_model::{Action, Entry, Origin, Sources, Unknown};
use portcullis_syntax::json::Node;
use std::collections::{BTreeMap, BTreeSet};

/// Reads one element of `SecurityGroupRules`; egress rules are not read
/// (they do not decide who can open a connection to the group's members).
pub fn read_rule(ctx: &mut Context, r: &Node) -> Option<ListedRule> {
    let Some(group) = ctx.str_field(r, "GroupId").map(str::to_string) else {
        ctx.error(r.offset, ErrorKind::Invalid, "security group rule without `GroupId`: skipped");
        return None;
    };
    if ctx.bool_field(r, "IsEgress").unwrap_or(false) {
        return None;
    }
    let rule_id = ctx.str_field(r, "SecurityGroupRuleId").map(str::to_string);
    let rspan = ctx.node_span(r);
    let (proto, ports) = perm_proto_ports(ctx, r, "IpProtocol", &rspan);
    let cidr = |ctx: &mut Context, field: &str| {
        let at = r.get(field)?;
        let text = ctx.str_field(r, field)?.to_string();
        let sources = super::cidr_source(ctx, &text, at.offset, field);
        Some((at, text, sources, None))
    };
    let source = cidr(ctx, "CidrIpv4").or_else(|| cidr(ctx, "CidrIpv6")).or_else(|| {
        let at = r.get("PrefixListId")?;
        let id = ctx.str_field(r, "PrefixListId")?.to_string();
        let sources = Sources {
            unknown: vec![Unknown {
                what: format!("prefix list {id}"),
                reason: "its entries are not in the input (add `aws ec2 get-managed-prefix-list-entries` output)"
                    .into(),
                span: ctx.node_span(at),
            }],
            ..Default::default()
        };
        Some((at, id.clone(), sources, Some(id)))
    });
    let source = source.or_else(|| {
        let info = r.get("ReferencedGroupInfo")?;
        let at = info.get("GroupId")?;
        let referenced = ctx.str_field(info, "GroupId")?;
        let (name, sources) = source_of_group_pair(referenced, &group);
        Some((at, name, sources, None))
    });
    let Some((at, shown, sources, prefix_list)) = source else {
        ctx.error(
            r.offset,
            ErrorKind::Invalid,
            "security group rule without a source (`CidrIpv4`, `CidrIpv6`, `PrefixListId` or `ReferencedGroupInfo`): skipped",
        );
        return None;
    };
    let entry = Entry {
        resource: group.clone(),
        label: format!("inbound {}", label(None, &proto, &ports, &shown)),
        span: ctx.node_span(at),
        origin: Origin::Explicit,
        action: Action::Allow,
        protocol: proto,
        ports,
        sources,
        order: 0,
    };
    Some(ListedRule { group, rule_id, span: rspan, entry, prefix_list })
}

/// Joins the listed rules to their groups, before anything refers to the
/// groups. A group that some input describes keeps its own entries; a
/// listed rule equal to one of them (same protocol, ports and source) is
/// the same rule and is dropped, so nothing counts twice. Where the two
/// disagree (dumps taken at different times, a configuration against the
/// account), every rule only one side has is reported at its own place
/// and counted: the union is judged, so a finding is never lost to the
/// older listing. A group no input describes becomes a group of its own,
/// made of its listed rules (its own target unless something uses it).
pub fn join(items: &mut AwsItems) -> Vec<IngestError> {
    let listed = std::mem::take(&mut items.listed_rules);
    let mut errors = Vec::new();
    if listed.is_empty() {
        return errors;
    }
    // Per group, in the order the groups first appear.
    let mut order: Vec<String> = Vec::new();
    let mut by_group: BTreeMap<String, Vec<ListedRule>> = BTreeMap::new();
    for rule in listed {
        if !by_group.contains_key(&rule.group) {
            order.push(rule.group.clone());
        }
        by_group.entry(rule.group.clone()).or_default().push(rule);
    }
    let described = alias_index(&items.groups, |g| &g.aliases);
    for id in order {
        let mut rules = by_group.remove(&id).unwrap_or_default().into_iter();
        let Some(first) = rules.next() else { continue };
        match described.get(&id) {
            Some(&gi) => compare(&mut items.groups[gi], std::iter::once(first).chain(rules).collect(), &mut errors),
            None => items.groups.push(group_of(id, first, rules.collect())),
        }
    }
    errors
}

/// The listed rules of a group that no input describes, as that group.
/// (`first` is the group's first listed rule: where the group is shown.)
fn group_of(id: String, first: ListedRule, rest: Vec<ListedRule>) -> SecurityGroup {
    let span = first.span.clone();
    let mut group = SecurityGroup {
        id: id.clone(),
        aliases: vec![id],
        vpc: None,
        span,
        entries: Vec::new(),
        prefix_lists: Vec::new(),
    };
    for rule in std::iter::once(first).chain(rest) {
        push(&mut group, rule);
    }
    group
}

fn push(group: &mut SecurityGroup, rule: ListedRule) {
    if let Some(pl) = rule.prefix_list {
        group.prefix_lists.push((group.entries.len(), pl));
    }
    group.entries.push(rule.entry);
}

/// A group described by another input and listed by
/// `describe-security-group-rules`: one rule per (protocol, ports,
/// source), differences reported on both sides.
fn compare(group: &mut SecurityGroup, rules: Vec<ListedRule>, errors: &mut Vec<IngestError>) {
    // Labels say protocol, ports and source in one canonical text (both
    // readers build them with `label`).
    let own: BTreeSet<String> = group.entries.iter().map(|e| e.label.clone()).collect();
    let listed: BTreeSet<String> = rules.iter().map(|r| r.entry.label.clone()).collect();
    let listing = rules.first().map(|r| r.span.file.to_string()).unwrap_or_default();
    for entry in &group.entries {
        if !listed.contains(&entry.label) {
            errors.push(IngestError::invalid(
                &entry.span,
                format!(
                    "security group {}: `{}` is not among the group's rules listed in {listing} \
                     (describe-security-group-rules): the inputs disagree (taken at different times?); it is counted",
                    group.id, entry.label
                ),
            ));
        }
    }
    let described_at = group.span.clone();
    for rule in rules {
        if own.contains(&rule.entry.label) {
            continue;
        }
        let id = rule.rule_id.as_deref().map(|r| format!("rule {r} ")).unwrap_or_default();
        errors.push(IngestError::invalid(
            &rule.entry.span,
            format!(
                "security group {}: {id}`{}` is not among the group's rules as described at {described_at}: \
                 the inputs disagree (taken at different times?); it is counted",
                group.id, rule.entry.label
            ),
        ));
        push(group, rule);
    }
}
