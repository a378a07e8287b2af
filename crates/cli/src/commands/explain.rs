//! `portcullis explain`: for every target, the exact set of sources that
//! reaches a port and the rule lines responsible.

use crate::args::ExplainArgs;
use crate::settings;
use anyhow::Result;
use portcullis_model::Protocol;
use portcullis_pipeline::{explain, write_to, ExplainRequest, Reading};
use portcullis_rules::PortQuery;

pub fn run(args: ExplainArgs) -> Result<u8> {
    let s = settings::resolve(&args.common, Some("none"))?;
    // The ports named, or kube-controller-manager's.
    let queries: Vec<PortQuery> = if s.user_queries.is_empty() {
        s.queries.iter().filter(|q| q.port == 10257 && q.protocol == Protocol::TCP).copied().collect()
    } else {
        s.user_queries.clone()
    };
    let explanation = explain(&ExplainRequest {
        reading: Reading {
            paths: &args.common.paths,
            terraform: &settings::terraform_inputs(&args.common)?,
            options: &settings::read_options(&args.common)?,
            parameter_files: &args.common.parameters,
        },
        queries: &queries,
        authorized: &s.authorized,
        target: args.target.as_deref(),
    })?;
    write_to(None, |out| explanation.write(args.format.into(), out))?;
    Ok(explanation.code())
}
