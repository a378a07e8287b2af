//! Builds the estate from what every file contributed: resolves references
//! between files (an instance's groups, a subnet's network ACL, a rule's
//! group), then gives each target its path of layers.

use crate::error::IngestError;
use crate::providers::alias_index;
use crate::providers::aws::{AwsItems, Host};
use portcullis_model::{AddrSet, Entry, Estate, Layer, LayerKind, Span, Step, Target, Unknown};
use std::collections::BTreeMap;

type HashMap<K, V> = std::collections::HashMap<K, V, portcullis_syntax::json::BuildFnv>;
type HashSet<K> = std::collections::HashSet<K, portcullis_syntax::json::BuildFnv>;

fn unknown_layer(id: &str, kind_name: &str, span: &Span, reason: &str) -> Layer {
    let u = Unknown { what: format!("{kind_name} {id}"), reason: reason.to_string(), span: span.clone() };
    Layer {
        id: id.to_string(),
        kind_name: kind_name.to_string(),
        kind: LayerKind::AllowUnion,
        span: span.clone(),
        entries: vec![Entry::unknown_allow(id, format!("{kind_name} {id} (rules unknown: {reason})"), u, 0)],
    }
}

fn resolve_prefix_lists(entries: &mut [Entry], pls: &[(usize, String)], known: &BTreeMap<String, AddrSet>) {
    for (i, id) in pls {
        if let (Some(e), Some(set)) = (entries.get_mut(*i), known.get(id)) {
            e.sources.unknown.retain(|u| u.what != format!("prefix list {id}"));
            e.sources.addrs.union_in_place(set);
        }
    }
}

/// Hosts whose interface or launch settings live in other resources take
/// what they leave unsaid from there: an instance built from existing
/// interfaces (Terraform `network_interface` blocks, CloudFormation
/// `NetworkInterfaceId`) has their security groups and the primary one's
/// subnet, and those interfaces are not targets of their own; one launched
/// from a launch template has the template's groups and subnet.
fn borrow_settings(items: &mut AwsItems) {
    let net = &items.network;
    if net.nic_attachments.is_empty() && !items.hosts.iter().any(|h| h.launch_template.is_some()) {
        return;
    }
    let hosts = alias_index(&items.hosts, |h| &h.aliases);
    let templates = alias_index(&net.launch_templates, |t| &t.aliases);
    let attachments = crate::providers::aws::network::Attachments::new(&net.nic_attachments);
    let mut changes = Vec::new();
    for (hi, h) in items.hosts.iter().enumerate() {
        let mut attached: Vec<(u32, usize)> = attachments
            .of(&h.aliases)
            .into_iter()
            .filter_map(|a| hosts.get(&a.interface).map(|&e| (a.device_index.unwrap_or(u32::MAX), e)))
            .filter(|&(_, e)| items.hosts[e].kind == "network interface")
            .collect();
        let template = h.launch_template.as_ref().and_then(|t| templates.get(t)).map(|&t| &net.launch_templates[t]);
        if let (Some(name), None, true) = (&h.launch_template, template, h.groups.is_empty()) {
            // Its groups are the template's, and the template is not here.
            changes.push((hi, vec![format!("the security groups of launch template {name}")], None, Vec::new()));
            continue;
        }
        if attached.is_empty() && template.is_none() {
            continue;
        }
        attached.sort_unstable();
        let mut groups: Vec<String> = Vec::new();
        let mut interfaces = Vec::new();
        for &(_, e) in &attached {
            for g in &items.hosts[e].groups {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
            interfaces.extend(items.hosts[e].aliases.iter().cloned());
        }
        let mut subnet = attached.first().and_then(|&(_, e)| items.hosts[e].subnet.clone());
        if let Some(t) = template {
            if groups.is_empty() {
                groups = t.groups.clone();
            }
            subnet = subnet.or_else(|| t.subnet.clone());
        }
        changes.push((hi, groups, subnet, interfaces));
    }
    for (hi, groups, subnet, interfaces) in changes {
        let h = &mut items.hosts[hi];
        if h.groups.is_empty() {
            h.groups = groups;
        }
        if h.subnet.is_none() {
            h.subnet = subnet;
        }
        h.interfaces.extend(interfaces);
    }
}

/// What guards a host: its subnet's network ACL and its security groups,
/// looked up by name (hash maps of borrowed names: these lookups run once
/// per host, where ordered maps of owned names spent their time comparing).
struct Guards<'x> {
    /// Each group's index and layer, by every name it goes by.
    groups: HashMap<&'x str, (usize, usize)>,
    /// Each subnet's ACL index, by subnet name; a VPC's default ACL.
    acls: HashMap<&'x str, usize>,
    default_acls: &'x BTreeMap<String, usize>,
    acl_layer: &'x [usize],
}

impl Guards<'_> {
    /// The target `h` is: its path through its network ACL and security
    /// groups (a group not in the input, an unknown layer). Marks the
    /// ACLs and groups used.
    fn target(&self, h: &Host, estate: &mut Estate, used_acls: &mut [bool], used_groups: &mut [bool]) -> Target {
        let mut path = Vec::new();
        let mut notes = Vec::new();
        let acl = h
            .subnet
            .as_deref()
            .and_then(|s| self.acls.get(s))
            .or_else(|| h.vpc.as_ref().and_then(|v| self.default_acls.get(v)))
            .copied();
        match acl {
            Some(ai) => {
                used_acls[ai] = true;
                path.push(Step { layers: vec![self.acl_layer[ai]] });
            }
            None => notes.push(match &h.subnet {
                Some(s) => format!("no network ACL for {s} in the input: not applied"),
                None => "subnet unknown: network ACL not applied".to_string(),
            }),
        }
        let mut layers = Vec::new();
        for g in &h.groups {
            match self.groups.get(g.as_str()) {
                Some(&(gi, layer)) => {
                    used_groups[gi] = true;
                    layers.push(layer);
                }
                None => {
                    let l = unknown_layer(g, "security group", &h.span, "not in the input");
                    layers.push(estate.add_layer(l));
                }
            }
        }
        if h.groups.is_empty() {
            let l = unknown_layer(
                "(default)",
                "security group",
                &h.span,
                "no security group named: the VPC's default group applies, and it is not in the input",
            );
            layers.push(estate.add_layer(l));
        }
        path.push(Step { layers });
        Target { id: h.id.clone(), kind_name: h.kind.to_string(), span: h.span.clone(), path, notes }
    }
}

/// Turns AWS items from all files into layers and targets. Returns what
/// the inputs disagree on (each error at the place it is about).
pub fn assemble(mut items: AwsItems, estate: &mut Estate) -> Vec<IngestError> {
    let errors = crate::providers::aws::dumps::rules::join(&mut items);
    borrow_settings(&mut items);
    let pl: BTreeMap<String, AddrSet> = items.prefix_lists.iter().map(|p| (p.id.clone(), p.cidrs.clone())).collect();

    // Security groups, with standalone rules attached to their group.
    let group_by_alias = alias_index(&items.groups, |x| &x.aliases);
    let mut orphan_rules = Vec::new();
    for gr in std::mem::take(&mut items.group_rules) {
        match gr.group.as_ref().and_then(|g| group_by_alias.get(g)) {
            Some(&gi) => {
                let g = &mut items.groups[gi];
                let base = g.entries.len();
                g.prefix_lists.extend(gr.prefix_lists.iter().map(|(i, p)| (base + i, p.clone())));
                g.entries.extend(gr.entries);
            }
            None => orphan_rules.push(gr),
        }
    }
    let mut group_layer: Vec<usize> = Vec::new();
    for g in &mut items.groups {
        let pls = std::mem::take(&mut g.prefix_lists);
        resolve_prefix_lists(&mut g.entries, &pls, &pl);
        group_layer.push(estate.add_layer(Layer {
            id: g.id.clone(),
            kind_name: "security group".into(),
            kind: LayerKind::AllowUnion,
            span: g.span.clone(),
            entries: std::mem::take(&mut g.entries),
        }));
    }

    // Network ACLs, with standalone entries and associations.
    let acl_by_alias = alias_index(&items.acls, |x| &x.aliases);
    // Standalone NACL rules join their ACL, unless that ACL also has inline
    // rules or the numbers clash: the provider cannot hold both ("you cannot
    // use a Network ACL with in-line rules in conjunction with any Network
    // ACL Rule resources", aws_network_acl_rule docs), so the order between
    // them is undefined and each standalone rule is judged on its own.
    // An ACL whose rules cannot all exist together has no defined order:
    // inline rules plus standalone ones, or two standalone rules with one
    // number. Then each standalone rule is judged on its own.
    let mut standalone: BTreeMap<usize, Vec<crate::providers::aws::AclRule>> = BTreeMap::new();
    let mut orphan_acl_rules = Vec::new();
    for ar in std::mem::take(&mut items.acl_rules) {
        match ar.acl.as_ref().and_then(|a| acl_by_alias.get(a)) {
            Some(&ai) => standalone.entry(ai).or_default().push(ar),
            None => orphan_acl_rules.push((ar, None)),
        }
    }
    for (ai, rules) in standalone {
        let mut numbers: Vec<i64> = rules.iter().flat_map(|r| r.entries.first().map(|e| e.order)).collect();
        numbers.sort_unstable();
        let clash = numbers.windows(2).any(|w| w[0] == w[1]);
        if clash || !items.acls[ai].entries.is_empty() {
            let acl = items.acls[ai].id.clone();
            orphan_acl_rules.extend(rules.into_iter().map(|r| (r, Some(acl.clone()))));
        } else {
            for r in rules {
                items.acls[ai].entries.extend(r.entries);
            }
        }
    }
    for (a, s) in &items.acl_associations {
        if let Some(&ai) = acl_by_alias.get(a) {
            items.acls[ai].subnets.push(s.clone());
        }
    }
    let mut acl_layer = Vec::new();
    let mut acl_for_subnet: BTreeMap<String, usize> = BTreeMap::new();
    let mut default_acl_for_vpc: BTreeMap<String, usize> = BTreeMap::new();
    for (i, a) in items.acls.iter_mut().enumerate() {
        for s in &a.subnets {
            acl_for_subnet.insert(s.clone(), i);
        }
        if a.is_default {
            if let Some(v) = &a.vpc {
                default_acl_for_vpc.insert(v.clone(), i);
            }
        }
        acl_layer.push(estate.add_layer(Layer {
            id: a.id.clone(),
            kind_name: "network ACL".into(),
            kind: LayerKind::FirstMatch,
            span: a.span.clone(),
            entries: std::mem::take(&mut a.entries),
        }));
    }

    // Hosts: an interface already listed under its instance is one host; a
    // load balancer's own interface is a node of its path, not a target.
    // A hash set of borrowed names: it is asked once per host.
    let attached: HashSet<&str> = items
        .hosts
        .iter()
        .filter(|h| h.kind == "instance")
        .flat_map(|h| h.interfaces.iter().map(String::as_str))
        .collect();
    let balancer_nodes = items.network.balancer_nodes();
    let hosts: Vec<&Host> = items
        .hosts
        .iter()
        .filter(|h| {
            h.kind == "instance" || !h.interfaces.iter().chain(&h.aliases).any(|i| attached.contains(i.as_str()))
        })
        .filter(|h| !h.aliases.iter().any(|a| balancer_nodes.contains(a.as_str())))
        .collect();
    let mut used_groups = vec![false; items.groups.len()];
    // A load balancer's security groups guard it: not targets of their own.
    for g in items.network.balancer_groups() {
        if let Some(&gi) = group_by_alias.get(g) {
            used_groups[gi] = true;
        }
    }
    let mut used_acls = vec![false; items.acls.len()];
    // Each host becomes one target, in order, after the targets already
    // there: the paths can be built knowing that, on a thread of their own
    // while the targets are (on the estate benchmark both are a third of
    // the assembly).
    let first_target = estate.targets.len();
    let targets_of_hosts: Vec<(usize, &Host)> = hosts.iter().enumerate().map(|(i, &h)| (first_target + i, h)).collect();
    // Paths: routes, gateways, public addresses, load balancers.
    let mut group_names: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut groups = BTreeMap::new();
    for (alias, &gi) in &group_by_alias {
        groups.insert(alias.clone(), group_layer[gi]);
        group_names.entry(group_layer[gi]).or_default().push(alias.clone());
    }
    // A template's rule names a group of the same template by its logical
    // id, which is the group's id but not one of its aliases.
    for (gi, g) in items.groups.iter().enumerate() {
        group_names.entry(group_layer[gi]).or_default().push(g.id.clone());
    }
    let built = crate::providers::aws::network::Built {
        hosts: targets_of_hosts,
        groups,
        group_names,
        acl_for_subnet: acl_for_subnet.iter().map(|(s, &ai)| (s.clone(), acl_layer[ai])).collect(),
        default_acl_for_vpc: default_acl_for_vpc.iter().map(|(v, &ai)| (v.clone(), acl_layer[ai])).collect(),
        prefix_lists: pl.clone(),
    };
    let network = std::mem::take(&mut items.network);
    let mut topology = std::mem::take(&mut estate.topology);
    let guards = Guards {
        groups: group_by_alias.iter().map(|(a, &gi)| (a.as_str(), (gi, group_layer[gi]))).collect(),
        acls: acl_for_subnet.iter().map(|(s, &ai)| (s.as_str(), ai)).collect(),
        default_acls: &default_acl_for_vpc,
        acl_layer: &acl_layer,
    };
    rayon::join(
        || crate::providers::aws::network::assemble(network, built, &mut topology),
        || {
            for h in &hosts {
                let target = guards.target(h, estate, &mut used_acls, &mut used_groups);
                estate.targets.push(target);
            }
        },
    );
    estate.topology = topology;

    // Rule sets not attached to anything are their own targets.
    for (gi, g) in items.groups.iter().enumerate() {
        if !used_groups[gi] {
            estate.targets.push(Target {
                id: g.id.clone(),
                kind_name: "security group".into(),
                span: g.span.clone(),
                path: vec![Step { layers: vec![group_layer[gi]] }],
                notes: Vec::new(),
            });
        }
    }
    for gr in orphan_rules {
        let mut entries = gr.entries;
        resolve_prefix_lists(&mut entries, &gr.prefix_lists, &pl);
        let l = estate.add_layer(Layer {
            id: gr.resource.clone(),
            kind_name: "security group rule".into(),
            kind: LayerKind::AllowUnion,
            span: gr.span.clone(),
            entries,
        });
        let mut notes = Vec::new();
        if let Some(g) = &gr.group {
            notes.push(format!("its group {g} is not in the input"));
        }
        estate.targets.push(Target {
            id: gr.resource,
            kind_name: "security group rule".into(),
            span: gr.span,
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
    // A network ACL stands in for a target only when it is the only guard
    // the input shows: with security groups present, NACLs are path layers
    // (every VPC's default NACL admits everything, by design).
    if items.groups.is_empty() {
        for (ai, a) in items.acls.iter().enumerate() {
            if !used_acls[ai] {
                estate.targets.push(Target {
                    id: a.id.clone(),
                    kind_name: "network ACL".into(),
                    span: a.span.clone(),
                    path: vec![Step { layers: vec![acl_layer[ai]] }],
                    notes: Vec::new(),
                });
            }
        }
        for (ar, conflict) in orphan_acl_rules {
            let mut notes = Vec::new();
            if let Some(acl) = conflict {
                notes.push(format!("evaluated alone: {acl} also has inline rules, or two rules with one number, so its order is undefined"));
            }
            let l = estate.add_layer(Layer {
                id: ar.resource.clone(),
                kind_name: "network ACL rule".into(),
                kind: LayerKind::FirstMatch,
                span: ar.span.clone(),
                entries: ar.entries,
            });
            estate.targets.push(Target {
                id: ar.resource,
                kind_name: "network ACL rule".into(),
                span: ar.span,
                path: vec![Step { layers: vec![l] }],
                notes,
            });
        }
    }
    errors
}
