//! `gcloud compute firewall-rules list --format=json` (an array) and
//! `gcloud compute firewall-rules describe NAME --format=json` (one
//! object). Fields are the Compute API's `Firewall` resource
//! (<https://cloud.google.com/compute/docs/reference/rest/v1/firewalls>).
//! The dumps of what decides paths (instances, routes, forwarding rules…)
//! are read by [`network`].
//!
//! A rule that applies to no instance in the input stands for the
//! instances it applies to (see `assemble`).

pub mod network;

use super::facts::network_key;
use super::rule::{build, RawFirewall, RawPerm};
use super::GcpItems;
use crate::context::Context;
use crate::error::ErrorKind;
use crate::providers::fields::{from_json, from_json_list};
use portcullis_model::Action;
use portcullis_syntax::json::{Node, Value};

fn is_firewall(n: &Node) -> bool {
    n.get("kind").and_then(Node::as_str) == Some("compute#firewall")
        || (n.get("network").is_some() && (n.get("allowed").is_some() || n.get("denied").is_some()))
}

/// Which dump a document is.
pub fn kind_of(root: &Node) -> Option<&'static str> {
    let first = match &root.value {
        Value::Array(items) => items.iter().find(|n| n.as_object().is_some())?,
        Value::Object(_) => root,
        _ => return None,
    };
    if is_firewall(first) {
        return Some("gcp-firewall-rules");
    }
    network::resource_of(first).map(network::Resource::format)
}

pub fn read(ctx: &mut Context, root: &Node) -> GcpItems {
    let mut items = GcpItems::default();
    let objects: Vec<&Node> = match &root.value {
        Value::Array(a) => a.iter().collect(),
        _ => vec![root],
    };
    let first = objects.iter().find(|n| n.as_object().is_some()).and_then(|n| network::resource_of(n));
    if let Some(what) = first.filter(|_| !objects.iter().any(|n| is_firewall(n))) {
        network::mark(what, &mut items);
        for n in objects {
            match (n.as_object(), network::resource_of(n)) {
                (Some(_), Some(w)) => {
                    network::mark(w, &mut items);
                    network::read_element(ctx, n, w, &mut items);
                }
                _ => ctx.error(
                    n.offset,
                    ErrorKind::Invalid,
                    format!("expected an object of the same kind ({})", what.format()),
                ),
            }
        }
        return items;
    }
    for n in objects {
        if n.as_object().is_none() {
            ctx.error(n.offset, ErrorKind::Invalid, "expected a firewall rule object");
            continue;
        }
        let Some(name) = ctx.str_field(n, "name").map(str::to_string) else {
            ctx.error(n.offset, ErrorKind::Invalid, "firewall rule without `name`: skipped");
            continue;
        };
        let mut rf = RawFirewall::new(ctx.span(n.offset));
        rf.name = Some(name.clone());
        if let Some(net) = ctx.str_field(n, "network") {
            rf.network = vec![network_key(net)];
        }
        let scalar = |ctx: &mut Context, k: &str| n.get(k).and_then(|v| from_json(ctx, v, k));
        rf.priority = scalar(ctx, "priority");
        rf.direction = scalar(ctx, "direction");
        rf.disabled = scalar(ctx, "disabled");
        let list = |ctx: &mut Context, k: &str| n.get(k).map(|v| from_json_list(ctx, v, k)).unwrap_or_default();
        rf.source_ranges = list(ctx, "sourceRanges");
        rf.source_tags = list(ctx, "sourceTags");
        rf.source_service_accounts = list(ctx, "sourceServiceAccounts");
        rf.target_tags = list(ctx, "targetTags");
        rf.target_service_accounts = list(ctx, "targetServiceAccounts");
        rf.destination_ranges = list(ctx, "destinationRanges");
        for (k, act) in [("allowed", Action::Allow), ("denied", Action::Deny)] {
            for p in ctx.array_field(n, k) {
                if p.as_object().is_none() {
                    ctx.error(p.offset, ErrorKind::Invalid, format!("an element of `{k}` should be an object"));
                    rf.perms_unknown
                        .push((act, portcullis_syntax::Value::unknown("invalid value", ctx.span(p.offset))));
                    continue;
                }
                let perm = RawPerm {
                    protocol: p.get("IPProtocol").and_then(|v| from_json(ctx, v, "IPProtocol")),
                    ports: p.get("ports").map(|v| from_json_list(ctx, v, "ports")).unwrap_or_default(),
                    span: ctx.span(p.offset),
                };
                if act == Action::Allow {
                    rf.allowed.push(perm);
                } else {
                    rf.denied.push(perm);
                }
            }
        }
        if let Some(fw) = build(&rf, &name, &mut ctx.errors) {
            items.firewalls.push(fw);
        }
    }
    items
}
