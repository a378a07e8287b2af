//! Provider adapters: what each input format says about a provider's
//! guards (security groups, NSGs, firewall rules, Services), read onto that
//! provider's items, then assembled into the model's layers and targets.
//!
//! One folder per provider, one file per format inside it (`dumps`,
//! `terraform`, `cloudformation`, `arm`, `bicep`, `manifests`…) and one
//! `assemble` step that joins what every file contributed. A format's
//! file reads what the language front-end ([`crate::languages`]) produced;
//! a provider's facts are written once, in its `facts`.

pub mod aws;
pub mod azure;
pub mod fields;
pub mod gcp;
pub mod host;
pub mod kubernetes;

use crate::error::IngestError;
use crate::languages::terraform::Resource;
use std::collections::BTreeMap;

/// Adapts Terraform resources (from a plan or a configuration) onto the
/// per-provider items. Each adapter ignores the resource types it does not
/// know.
pub fn adapt_terraform(
    resources: &[Resource],
    errors: &mut Vec<IngestError>,
    aws: &mut aws::AwsItems,
    azure: &mut azure::AzureItems,
    gcp: &mut gcp::GcpItems,
    kubernetes: &mut kubernetes::KubernetesItems,
) {
    for r in resources {
        let mut sink = aws::terraform::Sink { errors: &mut *errors };
        aws::terraform::read_resource(&mut sink, r, aws);
        azure::terraform::read_resource(errors, r, azure);
        gcp::terraform::read_resource(errors, r, gcp);
        kubernetes::terraform::read_resource(errors, r, kubernetes);
    }
}

/// Appends `from` to `into`, moving the whole vector when `into` is empty:
/// a large dump's items come mostly from one file or one part, and copying
/// them into a growing vector cost a reallocation (fresh pages, a copy)
/// per doubling.
pub(crate) fn append<T>(into: &mut Vec<T>, from: Vec<T>) {
    if into.is_empty() {
        *into = from;
    } else {
        into.extend(from);
    }
}

/// The vectors one after the other, allocated once at their total length
/// (or the one non-empty vector itself).
pub(crate) fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let total = parts.iter().map(Vec::len).sum();
    let mut parts = parts.into_iter().filter(|p| !p.is_empty());
    let Some(first) = parts.next() else { return Vec::new() };
    if first.len() == total {
        return first;
    }
    let mut out = Vec::with_capacity(total);
    out.extend(first);
    for p in parts {
        out.extend(p);
    }
    out
}

/// Index of each item by every name it is known by; the first item to
/// claim a name keeps it.
pub(crate) fn alias_index<T>(items: &[T], aliases: impl Fn(&T) -> &[String]) -> BTreeMap<String, usize> {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        for a in aliases(item) {
            by.entry(a.clone()).or_insert(i);
        }
    }
    by
}
