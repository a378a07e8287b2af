//! `portcullis explain`: for every target, the exact set of sources that
//! reaches a port and the rule lines responsible.

use crate::args::ExplainArgs;
use crate::live::Inputs;
use crate::settings;
use anyhow::Result;
use portcullis_model::Protocol;
use portcullis_pipeline::{explain, write_to, ExplainRequest, Explanation};
use portcullis_rules::PortQuery;

pub fn run(args: ExplainArgs) -> Result<u8> {
    let s = settings::resolve(&args.common, Some("none"))?;
    let destinations = portcullis_pipeline::destinations(&args.format, None, "explain", Explanation::FORMATS)?;
    // The ports named, or kube-controller-manager's.
    let queries: Vec<PortQuery> = if s.user_queries.is_empty() {
        s.queries.iter().filter(|q| q.port == 10257 && q.protocol == Protocol::TCP).copied().collect()
    } else {
        s.user_queries.clone()
    };
    let terraform = settings::terraform_inputs(&args.common)?;
    let options = settings::read_options(&args.common)?;
    let inputs = Inputs::read(&args.common, args.quiet)?;
    let explanation = explain(&ExplainRequest {
        reading: inputs.reading(&terraform, &options, &args.common.parameters),
        queries: &queries,
        authorized: &s.authorized,
        target: args.target.as_deref(),
    })?;
    for d in &destinations {
        if let Some(path) = &d.path {
            explanation.read.check_output(&format!("--format {}", d.format), path)?;
        }
    }
    for d in &destinations {
        write_to(d.path.as_deref(), |out| explanation.write(d.format, out))?;
    }
    Ok(explanation.code())
}
