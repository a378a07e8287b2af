//! Terraform: resources from plans and configurations, read by one adapter
//! per provider.

pub mod aws;
pub mod hcl;
pub mod refs;
pub mod value;

pub use value::TfResource;

use crate::aws::AwsItems;
use crate::azure::AzureItems;
use crate::error::IngestError;
use crate::gcp::GcpItems;
use crate::kubernetes::KubernetesItems;

/// Adapts resources onto the per-provider items. Each adapter ignores the
/// resource types it does not know.
pub fn adapt(
    resources: &[TfResource],
    errors: &mut Vec<IngestError>,
    aws: &mut AwsItems,
    azure: &mut AzureItems,
    gcp: &mut GcpItems,
    kubernetes: &mut KubernetesItems,
) {
    for r in resources {
        let mut sink = aws::Sink { errors: &mut *errors };
        aws::read_resource(&mut sink, r, aws);
        crate::azure::terraform::read_resource(errors, r, azure);
        crate::gcp::terraform::read_resource(errors, r, gcp);
        crate::kubernetes::terraform::read_resource(errors, r, kubernetes);
    }
}
