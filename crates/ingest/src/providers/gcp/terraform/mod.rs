//! Google Cloud resources in Terraform (plan or configuration) → GCP items.
//!
//! Argument names follow the google provider
//! (the Terraform Registry docs of hashicorp/google):
//! `google_compute_firewall` (`allow` / `deny` blocks), `google_compute_instance`
//! (`network_interface`, `tags`, `service_account`), and
//! `google_compute_network` / `google_compute_subnetwork` (to tie an
//! address to a network's name). What decides paths (routes, forwarding
//! rules, target pools, backend services, instance groups, proxies, URL
//! maps, addresses) is read by [`network`].

pub mod network;

use super::facts::network_key;
use super::network::{key, nics, Source};
use super::rule::{build, RawFirewall, RawPerm};
use super::{GcpItems, Instance, Network};
use crate::error::IngestError;
use crate::languages::terraform::refs::{first_block, is_resource_address, type_of};
use crate::languages::terraform::resource::{type_name, Resource};
use crate::providers::fields::{error, from_value, list_from_value};
use portcullis_model::{Action, Known, Unknown};
use portcullis_syntax::{Kind, Value};

/// Ways to name the network (or subnetwork) an argument points at: its
/// known value as a network key, then the addresses of type `ty` it refers
/// to.
fn network_candidates(r: &Resource, v: Option<&Value>, ref_keys: &[&str], ty: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
        out.push(network_key(s));
    }
    for k in ref_keys {
        for a in r.refs.get(*k).into_iter().flatten() {
            if is_resource_address(a) && type_of(a).as_deref() == Some(ty) {
                let a = crate::languages::terraform::refs::strip_indexes(a).to_ascii_lowercase();
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

fn unknown(what: &str, reason: &str, v: &Value) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: v.span.clone() }
}

fn list(errors: &mut Vec<IngestError>, r: &Resource, k: &str) -> Vec<Value> {
    r.values.get(k).map(|v| list_from_value(errors, v, k)).unwrap_or_default()
}

fn network_aliases(r: &Resource) -> Vec<String> {
    let mut a = Vec::new();
    if let Some(n) = r.values.get("name").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        a.push(n.to_ascii_lowercase());
    }
    a.push(r.address.to_ascii_lowercase());
    a.push(crate::languages::terraform::refs::strip_indexes(&r.address).to_ascii_lowercase());
    for k in ["self_link", "id"] {
        if let Some(s) = r.values.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            a.push(network_key(s));
        }
    }
    a.dedup();
    a
}

/// Reads one GCP resource; other types are ignored.
pub fn read_resource(errors: &mut Vec<IngestError>, r: &Resource, items: &mut GcpItems) {
    match r.ty.as_str() {
        "google_compute_firewall" => {
            let mut rf = RawFirewall::new(r.span.clone());
            rf.name = Some(
                r.values
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&r.address)
                    .to_string(),
            );
            rf.network = network_candidates(r, r.values.get("network"), &["network"], "google_compute_network");
            let scalar =
                |errors: &mut Vec<IngestError>, k: &str| r.values.get(k).and_then(|v| from_value(errors, v, k));
            rf.priority = scalar(errors, "priority");
            rf.direction = scalar(errors, "direction");
            rf.disabled = scalar(errors, "disabled");
            rf.source_ranges = list(errors, r, "source_ranges");
            rf.source_tags = list(errors, r, "source_tags");
            rf.source_service_accounts = list(errors, r, "source_service_accounts");
            rf.target_tags = list(errors, r, "target_tags");
            rf.target_service_accounts = list(errors, r, "target_service_accounts");
            rf.destination_ranges = list(errors, r, "destination_ranges");
            for (k, act) in [("allow", Action::Allow), ("deny", Action::Deny)] {
                let Some(v) = r.values.get(k) else { continue };
                let blocks: Vec<&Value> = match &v.kind {
                    Kind::List(l) => l.iter().collect(),
                    Kind::Map(_) => vec![v],
                    Kind::Null => Vec::new(),
                    Kind::Unknown { reason, .. } => {
                        rf.perms_unknown.push((act, Value::unknown(reason.clone(), v.span.clone())));
                        continue;
                    }
                    _ => {
                        error(errors, &v.span, format!("`{k}` should be blocks, found {}", type_name(v)));
                        rf.perms_unknown.push((act, Value::unknown(format!("`{k}` is not a block"), v.span.clone())));
                        continue;
                    }
                };
                for b in blocks {
                    if let Some(reason) = b.unknown_reason() {
                        rf.perms_unknown.push((act, Value::unknown(reason.to_string(), b.span.clone())));
                        continue;
                    }
                    let perm = RawPerm {
                        protocol: b.get("protocol").and_then(|p| from_value(errors, p, "protocol")),
                        ports: b.get("ports").map(|p| list_from_value(errors, p, "ports")).unwrap_or_default(),
                        span: b.span.clone(),
                    };
                    if act == Action::Allow {
                        rf.allowed.push(perm);
                    } else {
                        rf.denied.push(perm);
                    }
                }
            }
            if let Some(fw) = build(&rf, &r.address, errors) {
                items.firewalls.push(fw);
            }
        }
        "google_compute_instance" => {
            let ni = first_block(r.values.get("network_interface"));
            let network = network_candidates(
                r,
                ni.and_then(|b| b.get("network")),
                &["network_interface.network", "network_interface.0.network", "network_interface"],
                "google_compute_network",
            );
            let subnetwork = network_candidates(
                r,
                ni.and_then(|b| b.get("subnetwork")),
                &["network_interface.subnetwork", "network_interface.0.subnetwork", "network_interface"],
                "google_compute_subnetwork",
            );
            let tags = match r.values.get("tags") {
                None => Known::Known(Vec::new()),
                Some(v) => match &v.kind {
                    Kind::Unknown { reason, .. } => Known::from_unknown(unknown("tags", reason, v)),
                    Kind::List(l) => {
                        let mut out = Vec::new();
                        let mut unk = None;
                        for t in l {
                            match (&t.kind, t.as_str()) {
                                (Kind::Unknown { reason, .. }, _) => unk = Some(unknown("tags", reason, t)),
                                (_, Some(s)) => out.push(s.to_string()),
                                _ => {}
                            }
                        }
                        match unk {
                            Some(u) => Known::from_unknown(u),
                            None => Known::Known(out),
                        }
                    }
                    _ => Known::Known(Vec::new()),
                },
            };
            // Without a `service_account` block the instance runs without
            // one; a block without `email` is the project's default compute
            // service account, whose address the input does not give.
            let service_account = first_block(r.values.get("service_account")).map(|b| match b.get("email") {
                Some(v) => match (&v.kind, v.as_str()) {
                    (Kind::Unknown { reason, .. }, _) => {
                        Known::from_unknown(unknown("service_account.email", reason, v))
                    }
                    (_, Some(s)) if !s.is_empty() => Known::Known(s.to_string()),
                    _ => Known::from_unknown(unknown(
                        "service_account.email",
                        "the project's default compute service account",
                        b,
                    )),
                },
                None => Known::from_unknown(unknown(
                    "service_account.email",
                    "the project's default compute service account",
                    b,
                )),
            });
            let mut aliases = vec![key(&r.address)];
            if let Some(n) = r.values.get("name").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                aliases.push(key(n));
            }
            items.instances.push(Instance {
                id: r.address.clone(),
                span: r.span.clone(),
                network,
                subnetwork,
                tags,
                service_account,
                aliases,
                nics: nics(&Source::terraform(r)),
                created_by: None,
                location: Source::terraform(r).location(),
            });
        }
        "google_compute_network" => {
            // GCP creates the default route with the network unless told
            // not to (docs/semantics.md, "GCP").
            let default_route = match r.values.get("delete_default_routes_on_create") {
                None => Known::Known(true),
                Some(v) => match (&v.kind, v.as_bool()) {
                    (Kind::Unknown { reason, .. }, _) => {
                        Known::from_unknown(unknown("delete_default_routes_on_create", reason, v))
                    }
                    (_, Some(b)) => Known::Known(!b),
                    _ => Known::Known(true),
                },
            };
            items.networks.push(Network {
                aliases: network_aliases(r),
                network: Vec::new(),
                declared: Some((r.span.clone(), default_route)),
            })
        }
        "google_compute_subnetwork" => items.subnetworks.push(Network {
            aliases: network_aliases(r),
            network: network_candidates(r, r.values.get("network"), &["network"], "google_compute_network"),
            declared: None,
        }),
        _ => network::read_resource(r, items),
    }
}
