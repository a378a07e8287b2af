//! Flow-log rules (PC4xx): what `portcullis flows` counted in the logs,
//! judged. One rule a file in this folder; they read the observations
//! `portcullis-flows` builds, so a rule's evidence is also in the report.

pub mod pc400_unauthorized_flow_accepted;

use crate::finding::Finding;
use crate::registry::{Family, RULES};
use portcullis_flows::Observation;

/// Every finding the observations support, sorted.
pub fn findings(observations: &[Observation]) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES {
        if let Family::Flow { check } = rule.family {
            check(observations, &mut out);
        }
    }
    crate::finding::sort_findings(&mut out);
    out
}
