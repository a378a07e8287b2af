//! Builds Azure layers and targets: joins standalone rules to their NSG,
//! resolves service tags, and gives each network interface its path —
//! the subnet's NSG, then the interface's NSG, intersected (Azure
//! evaluates both for inbound traffic:
//! <https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works>).
//!
//! An interface no NSG guards gets its SKU's default when the input shows
//! its public IP or load balancer (Standard closed, Basic open:
//! [`super::facts::no_nsg_default`]); its paths from the internet are
//! assembled by [`super::network`].
//!
//! What stands in for a target when the input does not show one: a subnet
//! with an NSG and no interface in the input is a target; an NSG attached
//! to nothing is its own target; a standalone rule whose NSG is not in the
//! input is its own target (with the default rules after it).

use crate::providers::azure::facts::{default_inbound_rules, key, no_nsg_default};
use crate::providers::azure::network;
use crate::providers::azure::{Attach, AzureItems, Nic};
use portcullis_model::topology::{Attachment, InterfaceId};
use portcullis_model::{
    Action, AddrSet, Entry, Estate, Known, Layer, LayerKind, Origin, Sources, Span, Step, Target, Unknown,
};
use std::collections::{BTreeMap, BTreeSet};

const NSG: &str = "network security group";

/// Replaces unresolved service tags by their ranges, when the input has them.
fn resolve_service_tags(entries: &mut [Entry], tags: &BTreeMap<String, AddrSet>) {
    if tags.is_empty() {
        return;
    }
    for e in entries {
        let mut found = AddrSet::empty();
        e.sources.unknown.retain(|u| {
            let Some(tag) = u.what.strip_prefix("service tag ") else { return true };
            match tags.get(&key(tag)) {
                Some(set) => {
                    found.union_in_place(set);
                    false
                }
                None => true,
            }
        });
        e.sources.addrs.union_in_place(&found);
    }
}

fn first_resolved(cands: &[String], map: &BTreeMap<String, usize>) -> Option<usize> {
    cands.iter().find_map(|c| map.get(c).copied())
}

/// A layer that may admit anything: what guards a target is not known.
fn unknown_layer(id: &str, span: &Span, reason: &str) -> Layer {
    let u = Unknown { what: format!("guard of {id}"), reason: reason.to_string(), span: span.clone() };
    Layer {
        id: id.to_string(),
        kind_name: NSG.into(),
        kind: LayerKind::AllowUnion,
        span: span.clone(),
        entries: vec![Entry {
            resource: id.to_string(),
            label: format!("no {NSG} ({reason})"),
            span: span.clone(),
            origin: Origin::Default("Azure admits what no NSG denies".into()),
            action: Action::Allow,
            protocol: Known::from_unknown(u.clone()),
            ports: Known::from_unknown(u.clone()),
            sources: Sources { unknown: vec![u], ..Default::default() },
            order: 0,
        }],
    }
}

/// Notes for rules that share a priority once standalone rules are joined.
fn shared_priorities(entries: &[Entry]) -> Vec<String> {
    let mut by: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    for e in entries {
        if e.origin == Origin::Explicit && e.order != i64::MIN {
            by.entry(e.order).or_default().insert(&e.resource);
        }
    }
    by.into_iter()
        .filter(|(_, rs)| rs.len() > 1)
        .map(|(p, rs)| {
            format!(
                "{} share priority {p}, which Azure rejects; they are evaluated in input order",
                rs.into_iter().collect::<Vec<_>>().join(" and ")
            )
        })
        .collect()
}

/// Turns Azure items from all files into layers and targets.
pub fn assemble(mut items: AzureItems, estate: &mut Estate) {
    let tags: BTreeMap<String, AddrSet> = items.service_tags.iter().map(|t| (key(&t.name), t.addrs.clone())).collect();

    let nsg_by = crate::providers::alias_index(&items.nsgs, |x| &x.aliases);

    // Standalone rules join their NSG.
    let mut orphans = Vec::new();
    for r in std::mem::take(&mut items.rules) {
        match first_resolved(&r.nsg, &nsg_by) {
            Some(i) => {
                items.nsgs[i].entries.extend(r.entries);
                items.nsgs[i].notes.extend(r.notes);
            }
            None => orphans.push(r),
        }
    }

    // Subnets and interfaces by every name they go by.
    let mut subnet_canon: BTreeMap<String, String> = BTreeMap::new();
    for s in &items.subnets {
        if let Some(first) = s.aliases.first() {
            for a in &s.aliases {
                subnet_canon.entry(a.clone()).or_insert_with(|| first.clone());
            }
        }
    }
    let canon_subnet = |cands: &[String]| -> Option<String> {
        cands.iter().find_map(|c| subnet_canon.get(c).cloned()).or_else(|| cands.first().cloned())
    };
    let nic_by = crate::providers::alias_index(&items.nics, |x| &x.aliases);
    let canon_nic = |cands: &[String]| -> Option<String> {
        cands
            .iter()
            .find_map(|c| nic_by.get(c).map(|&i| items.nics[i].aliases[0].clone()))
            .or_else(|| cands.first().cloned())
    };

    // What each subnet and interface has attached; the display name of
    // interfaces and subnets known only by reference.
    let mut subnet_nsg: BTreeMap<String, usize> = BTreeMap::new();
    let mut nic_nsg: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    for (i, n) in items.nsgs.iter().enumerate() {
        for s in &n.subnets {
            if let Some(k) = canon_subnet(&[key(s)]) {
                shown.entry(k.clone()).or_insert_with(|| s.clone());
                subnet_nsg.entry(k).or_insert(i);
            }
        }
        for s in &n.nics {
            if let Some(k) = canon_nic(&[key(s)]) {
                shown.entry(k.clone()).or_insert_with(|| s.clone());
                nic_nsg.entry(k).or_insert(i);
            }
        }
    }
    for a in &items.associations {
        let Some(nsg) = first_resolved(&a.nsg, &nsg_by) else { continue };
        match a.kind {
            Attach::Subnet => {
                if let Some(k) = canon_subnet(&a.member) {
                    subnet_nsg.entry(k).or_insert(nsg);
                }
            }
            Attach::Nic => {
                if let Some(k) = canon_nic(&a.member) {
                    nic_nsg.entry(k).or_insert(nsg);
                }
            }
        }
    }
    for n in &items.nics {
        if let Some(g) = first_resolved(&n.nsg, &nsg_by) {
            nic_nsg.entry(n.aliases[0].clone()).or_insert(g);
        }
    }

    // One layer per NSG, the default rules after its own.
    let mut layer_of = Vec::new();
    for n in &mut items.nsgs {
        let mut entries = std::mem::take(&mut n.entries);
        n.notes.extend(shared_priorities(&entries));
        if !n.has_defaults {
            entries.extend(default_inbound_rules(&n.id, &n.span));
        }
        resolve_service_tags(&mut entries, &tags);
        layer_of.push(estate.add_layer(Layer {
            id: n.id.clone(),
            kind_name: NSG.into(),
            kind: LayerKind::FirstMatch,
            span: n.span.clone(),
            entries,
        }));
    }

    // Interfaces: the subnet's NSG, then the interface's.
    let mut used_nsgs = BTreeSet::new();
    let mut subnets_with_nics = BTreeSet::new();
    let mut nic_keys: Vec<(String, Option<usize>)> =
        items.nics.iter().enumerate().map(|(i, n)| (n.aliases[0].clone(), Some(i))).collect();
    let known: BTreeSet<String> = nic_keys.iter().map(|(k, _)| k.clone()).collect();
    nic_keys.extend(nic_nsg.keys().filter(|k| !known.contains(*k)).map(|k| (k.clone(), None)));
    let mut nic_targets = BTreeMap::new();
    let skus = network::nic_skus(&items.network);
    for (k, idx) in nic_keys {
        let nic = idx.map(|i| &items.nics[i]);
        let id = nic.map(|n| n.id.clone()).or_else(|| shown.get(&k).cloned()).unwrap_or_else(|| k.clone());
        let span = nic.map(|n| n.span.clone()).or_else(|| nic_nsg.get(&k).map(|&g| items.nsgs[g].span.clone()));
        let Some(span) = span else { continue };
        let mut path = Vec::new();
        let mut notes = Vec::new();
        let subnet = nic.and_then(|n| canon_subnet(&n.subnet));
        match &subnet {
            Some(s) => {
                subnets_with_nics.insert(s.clone());
                match subnet_nsg.get(s) {
                    Some(&g) => {
                        used_nsgs.insert(g);
                        path.push(Step { layers: vec![layer_of[g]] });
                        notes.extend(items.nsgs[g].notes.iter().cloned());
                    }
                    None => notes.push(format!("no {NSG} for subnet {} in the input", shown.get(s).unwrap_or(s))),
                }
            }
            None => notes.push(format!("subnet not in the input: a subnet {NSG}, if any, is not applied")),
        }
        if let Some(&g) = nic_nsg.get(&k) {
            used_nsgs.insert(g);
            path.push(Step { layers: vec![layer_of[g]] });
            notes.extend(items.nsgs[g].notes.iter().cloned());
        }
        if path.is_empty() {
            // The SKU of its public IP or load balancer decides what
            // reaches an interface no NSG guards.
            if let Some(&sku) = skus.get(&k) {
                let l = estate.add_layer(Layer {
                    id: id.clone(),
                    kind_name: "SKU default".into(),
                    kind: LayerKind::FirstMatch,
                    span: span.clone(),
                    entries: vec![no_nsg_default(&id, &span, sku)],
                });
                path.push(Step { layers: vec![l] });
            }
        }
        if path.is_empty() && nic.is_some_and(|n| n.from_template) {
            continue;
        }
        if path.is_empty() {
            let l = unknown_layer(
                &id,
                &span,
                "no network security group on the interface or its subnet in the input: what reaches it is \
                 admitted or not by the SKU of its public IP or load balancer (Basic open, Standard closed), \
                 which the input does not show",
            );
            path.push(Step { layers: vec![estate.add_layer(l)] });
        }
        nic_targets.insert(k.clone(), (estate.targets.len(), id.clone(), span.clone()));
        estate.targets.push(Target { id, kind_name: "network interface".into(), span, path, notes });
    }
    network::assemble(&items.network, &nic_targets, estate);
    record_machines(&items.nics, &nic_targets, estate);

    // Subnets with an NSG and no interface in the input.
    for (s, &g) in &subnet_nsg {
        if subnets_with_nics.contains(s) {
            continue;
        }
        used_nsgs.insert(g);
        estate.targets.push(Target {
            id: shown.get(s).cloned().unwrap_or_else(|| s.clone()),
            kind_name: "subnet".into(),
            span: items.nsgs[g].span.clone(),
            path: vec![Step { layers: vec![layer_of[g]] }],
            notes: items.nsgs[g].notes.clone(),
        });
    }

    // NSGs attached to nothing, and standalone rules without their NSG.
    for (i, n) in items.nsgs.iter().enumerate() {
        if !used_nsgs.contains(&i) {
            estate.targets.push(Target {
                id: n.id.clone(),
                kind_name: NSG.into(),
                span: n.span.clone(),
                path: vec![Step { layers: vec![layer_of[i]] }],
                notes: n.notes.clone(),
            });
        }
    }
    for r in orphans {
        let mut entries = r.entries;
        entries.extend(default_inbound_rules(&r.resource, &r.span));
        resolve_service_tags(&mut entries, &tags);
        let l = estate.add_layer(Layer {
            id: r.resource.clone(),
            kind_name: "network security rule".into(),
            kind: LayerKind::FirstMatch,
            span: r.span.clone(),
            entries,
        });
        let mut notes = r.notes;
        notes.push(match &r.nsg_shown {
            Some(n) => format!("its {NSG} {n} is not in the input: evaluated on its own, before the default rules"),
            None => format!("its {NSG} is not known: evaluated on its own, before the default rules"),
        });
        estate.targets.push(Target {
            id: r.resource,
            kind_name: "network security rule".into(),
            span: r.span,
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
}

/// Records the virtual machine each interface belongs to (a NIC's
/// `virtualMachine.id`, kept among its aliases), so a Kubernetes Node
/// whose providerID names the VM finds its interface
/// (`Topology::machines`).
fn record_machines(nics: &[Nic], nic_targets: &BTreeMap<String, (usize, String, Span)>, estate: &mut Estate) {
    for nic in nics {
        let Some((target, _, _)) = nic.aliases.first().and_then(|k| nic_targets.get(k)) else { continue };
        let interfaces: Vec<InterfaceId> = estate
            .topology
            .attachments
            .iter()
            .filter(|(t, _)| t == target)
            .filter_map(|(_, a)| match a {
                Attachment::Interface(i) => Some(*i),
                _ => None,
            })
            .collect();
        for vm in nic.aliases.iter().filter(|a| a.contains("/microsoft.compute/virtualmachine")) {
            for &i in &interfaces {
                estate.topology.machines.push((vm.clone(), i));
            }
        }
    }
}
