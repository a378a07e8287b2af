//! Terraform: resources from plans and configurations, read by one adapter
//! per provider.

pub mod aws;
pub mod value;

pub use value::{TfKind, TfResource, TfValue};

use crate::aws::AwsItems;
use crate::error::IngestError;

/// Adapts resources onto the per-provider items.
pub fn adapt(resources: &[TfResource], errors: &mut Vec<IngestError>, aws: &mut AwsItems) {
    let mut sink = aws::Sink { errors };
    for r in resources {
        aws::read_resource(&mut sink, r, aws);
    }
}
