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
