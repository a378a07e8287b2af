//! `portcullis scan`: read inputs, evaluate every target for every port,
//! report findings (only the new ones, against a `--baseline`).

use crate::args::ScanArgs;
use crate::settings;
use anyhow::Result;
use portcullis_pipeline::{finish, read_baseline, scan, Output, Policy, ScanRequest, Suppressions};

pub fn run(args: ScanArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    // Read before scanning: a bad baseline fails fast.
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let run = scan(&ScanRequest {
        paths: &args.common.paths,
        terraform: &settings::terraform_inputs(&args.common)?,
        read: &settings::read_options(&args.common)?,
        queries: &settings.queries,
        authorized: &settings.authorized,
        timings: std::env::var_os("PORTCULLIS_TIMINGS").is_some(),
    });
    let policy = Policy {
        suppressions: Some(Suppressions { config: settings.config_waivers, today: None }),
        baseline,
        write_baseline: args.write_baseline.clone(),
        fail_on: settings.fail_on,
    };
    let output = Output {
        format: args.format.into(),
        path: args.output.as_deref(),
        color: args.output.is_none() && super::use_color(args.common.color),
    };
    let finished = finish(run, &policy, &output)?;
    let code = finished.code;
    // The process ends right after this: freeing a large estate piece by
    // piece took half a second on the 50k-group benchmark, for nothing.
    std::mem::forget(finished);
    Ok(code)
}
