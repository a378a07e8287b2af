//! Builds GCP layers and targets.
//!
//! Firewall rules apply per network. Paths (external addresses, routes,
//! forwarding rules) are put on the topology by [`network::assemble`],
//! which attaches each instance target to its interfaces.
//! An instance in the input is a target
//! whose path is one GCP-priority layer: the rules of its network that
//! apply to it (by target tags or service account).
//!
//! A rule that applies to no instance in the input (a `gcloud` dump has
//! none) stands for the instances it applies to, and is its own target —
//! so findings name the rule, as a reviewer and the conformance corpus
//! expect. Its layer holds the rule and the deny rules of the same network
//! that apply to *every* instance it applies to (a deny with no targets, or
//! target tags / service accounts that include all of the rule's), so the
//! engine decides by priority exactly as GCP does. A deny that covers only some of
//! those instances is not counted (the others stay exposed) and the target
//! says so. Other allow rules are not in the layer: what they admit is
//! their own finding, so each finding names the rule that admits.

use crate::providers::gcp::network::{self, Placed};
use crate::providers::gcp::{Applies, Firewall, GcpItems, Instance};
use portcullis_model::{Action, Entry, Estate, Known, Layer, LayerKind, Step, Target, Unknown};
use std::collections::{BTreeMap, BTreeSet};

const LAYER: &str = "VPC firewall rules";

enum Tri {
    Yes,
    No,
    Unknown(Unknown),
}

fn contains_ci(list: &[String], s: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(s))
}

/// Whether `fw` applies to `inst`.
fn applies_to(fw: &Firewall, inst: &Instance) -> Tri {
    match &fw.applies {
        Applies::All => Tri::Yes,
        Applies::Unknown(u) => Tri::Unknown(u.clone()),
        Applies::Tags(ts) => match &inst.tags {
            Known::Known(have) => {
                if have.iter().any(|t| contains_ci(ts, t)) {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            Known::Unknown(u) => Tri::Unknown((**u).clone()),
        },
        Applies::ServiceAccounts(ss) => match &inst.service_account {
            None => Tri::No,
            Some(Known::Known(e)) => {
                if contains_ci(ss, e) {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            Some(Known::Unknown(u)) => Tri::Unknown((**u).clone()),
        },
    }
}

/// Whether deny `d` applies to every instance `r` applies to.
fn covers(d: &Applies, r: &Applies) -> bool {
    match (d, r) {
        (Applies::All, _) => true,
        (Applies::Tags(dt), Applies::Tags(rt)) => rt.iter().all(|t| contains_ci(dt, t)),
        (Applies::ServiceAccounts(ds), Applies::ServiceAccounts(rs)) => rs.iter().all(|s| contains_ci(ds, s)),
        _ => false,
    }
}

fn describe(a: &Applies) -> String {
    match a {
        Applies::All => "every instance".into(),
        Applies::Tags(t) => format!("instances tagged {}", t.join(" or ")),
        Applies::ServiceAccounts(s) => format!("instances running as {}", s.join(" or ")),
        Applies::Unknown(u) => format!("instances it targets ({u})"),
    }
}

fn unknown_layer(id: &str, inst: &Instance, reason: &str) -> Layer {
    let u = Unknown { what: format!("firewall rules for {id}"), reason: reason.to_string(), span: inst.span.clone() };
    Layer {
        id: id.to_string(),
        kind_name: LAYER.into(),
        kind: LayerKind::AllowUnion,
        span: inst.span.clone(),
        entries: vec![Entry::unknown_allow(id, format!("{LAYER} ({reason})"), u, 0)],
    }
}

/// Turns GCP items from all files into layers and targets.
pub fn assemble(items: GcpItems, estate: &mut Estate) {
    let mut canon: BTreeMap<String, String> = BTreeMap::new();
    for n in &items.networks {
        if let Some(first) = n.aliases.first() {
            for a in &n.aliases {
                canon.entry(a.clone()).or_insert_with(|| first.clone());
            }
        }
    }
    let canon_net = |cands: &[String]| -> Option<String> {
        cands.iter().find_map(|c| canon.get(c).cloned()).or_else(|| cands.first().cloned())
    };
    let subnet_by = crate::providers::alias_index(&items.subnetworks, |x| &x.aliases);

    let nets: Vec<Option<String>> = items.firewalls.iter().map(|f| canon_net(&f.network)).collect();
    let distinct: BTreeSet<&String> = nets.iter().flatten().collect();

    // Instances: one layer with the rules of their network that apply.
    let mut applied = vec![false; items.firewalls.len()];
    let mut placed = Vec::with_capacity(items.instances.len());
    for inst in &items.instances {
        let mut notes = Vec::new();
        let mut net = canon_net(&inst.network).or_else(|| {
            let s = inst.subnetwork.iter().find_map(|c| subnet_by.get(c))?;
            canon_net(&items.subnetworks[*s].network)
        });
        if net.is_none() && distinct.len() == 1 {
            net = distinct.iter().next().map(|s| (*s).clone());
            notes.push("its network is not in the input: the only network the firewall rules name is assumed".into());
        }
        let path_layer = match &net {
            None => unknown_layer(&inst.id, inst, "its network is not in the input"),
            Some(n) if !nets.iter().any(|x| x.as_ref() == Some(n)) => {
                unknown_layer(&inst.id, inst, &format!("no firewall rule for network {n} in the input"))
            }
            Some(n) => {
                let mut entries = Vec::new();
                for (i, fw) in items.firewalls.iter().enumerate() {
                    if nets[i].as_ref() != Some(n) {
                        continue;
                    }
                    match applies_to(fw, inst) {
                        Tri::No => {}
                        Tri::Yes => {
                            applied[i] = true;
                            entries.extend(fw.entries.iter().cloned());
                            notes.extend(fw.notes.iter().cloned());
                        }
                        Tri::Unknown(u) => {
                            // It may or may not apply: matching is unknown.
                            let u = Unknown {
                                what: format!("whether {} applies to {}", fw.id, inst.id),
                                reason: u.to_string(),
                                span: u.span.clone(),
                            };
                            entries.extend(fw.entries.iter().cloned().map(|mut e| {
                                e.protocol = Known::from_unknown(u.clone());
                                e
                            }));
                            notes.extend(fw.notes.iter().cloned());
                        }
                    }
                }
                Layer {
                    id: format!("network {n}"),
                    kind_name: LAYER.into(),
                    kind: LayerKind::GcpPriority,
                    span: inst.span.clone(),
                    entries,
                }
            }
        };
        let l = estate.add_layer(path_layer);
        placed.push(Placed { instance: inst, target: estate.targets.len(), network: net.clone() });
        estate.targets.push(Target {
            id: inst.id.clone(),
            kind_name: "instance".into(),
            span: inst.span.clone(),
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
    let declared: Vec<(String, portcullis_model::Span, Known<bool>)> = items
        .networks
        .iter()
        .filter_map(|n| {
            let (span, default_route) = n.declared.clone()?;
            Some((n.aliases.first()?.clone(), span, default_route))
        })
        .collect();
    network::assemble(&items.network, &declared, &placed, &|c: &[String]| canon_net(c), estate);

    // Rules that apply to no instance in the input stand for theirs.
    for (i, fw) in items.firewalls.iter().enumerate() {
        // A deny rule on its own admits nothing.
        if applied[i] || fw.entries.is_empty() || fw.action == Action::Deny {
            continue;
        }
        let mut entries = fw.entries.clone();
        let mut notes = fw.notes.clone();
        notes.push(match &nets[i] {
            Some(n) => format!("stands for the {} of network {n}", describe(&fw.applies)),
            None => format!("stands for the {} of its network (not known)", describe(&fw.applies)),
        });
        for (j, d) in items.firewalls.iter().enumerate() {
            if j == i || d.action != Action::Deny || nets[j].is_none() || nets[j] != nets[i] {
                continue;
            }
            if covers(&d.applies, &fw.applies) {
                entries.extend(d.entries.iter().cloned());
                notes.extend(d.notes.iter().cloned());
            } else if !d.entries.is_empty() {
                notes.push(format!(
                    "deny rule {} applies to {} only, not to all of these: not counted",
                    d.id,
                    describe(&d.applies)
                ));
            }
        }
        let l = estate.add_layer(Layer {
            id: fw.id.clone(),
            kind_name: LAYER.into(),
            kind: LayerKind::GcpPriority,
            span: fw.span.clone(),
            entries,
        });
        estate.targets.push(Target {
            id: fw.id.clone(),
            kind_name: "firewall rule".into(),
            span: fw.span.clone(),
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
}
