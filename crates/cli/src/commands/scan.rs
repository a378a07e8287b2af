//! `portcullis scan`: read inputs, evaluate every target for every port,
//! report findings (only the new ones, against a `--baseline`).

use crate::args::ScanArgs;
use crate::live::Inputs;
use crate::progress::{Bar, Unit};
use crate::settings;
use anyhow::{bail, Result};
use portcullis_files::ReadSet;
use portcullis_pipeline::{
    finish, read_baseline, scan_showing, Destination, Output, Policy, ScanRequest, Suppressions,
};

/// Refuses outputs that would replace a file the run read (a report onto
/// an input, the config file, a baseline; `--write-baseline` onto an input
/// other than the `--baseline` it updates), or each other.
fn check_outputs(
    args: &ScanArgs,
    settings: &settings::Settings,
    read: &ReadSet,
    destinations: &[Destination],
) -> Result<()> {
    let mut read = read.clone();
    for (path, shown) in settings::files_read(&args.common, settings) {
        read.insert(&path, &shown);
    }
    if let Some(baseline) = &args.write_baseline {
        read.check_output("--write-baseline", baseline)?;
    }
    for (flag, path) in [("--baseline", &args.baseline), ("--write-baseline", &args.write_baseline)] {
        if let Some(p) = path {
            read.insert(p, &format!("{flag} {}", p.display()));
            for d in destinations {
                let Some(output) = &d.path else { continue };
                if std::path::absolute(p).ok() == std::path::absolute(output).ok() {
                    bail!("{}: --format {}: this file is also {flag}: choose another file", output.display(), d.format);
                }
            }
        }
    }
    super::check_outputs(destinations, &read)
}

pub fn run(args: ScanArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    let destinations = super::destinations(&args.reports, "scan")?;
    // Read before scanning: a bad baseline fails fast.
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let terraform = settings::terraform_inputs(&args.common)?;
    let options = settings::read_options(&args.common)?;
    let inputs = Inputs::read(&args.common, args.reports.quiet)?;
    let progress = Bar::new(Unit::Inputs, args.reports.quiet, &destinations);
    let request = ScanRequest {
        reading: inputs.reading(&terraform, &options, &args.common.parameters),
        queries: &settings.queries,
        authorized: &settings.authorized,
        timings: std::env::var_os("PORTCULLIS_TIMINGS").is_some(),
    };
    let run = scan_showing(&request, Some(&progress));
    check_outputs(&args, &settings, &run.read, &destinations)?;
    let policy = Policy {
        suppressions: Some(Suppressions { config: settings.config_waivers, today: None }),
        baseline,
        write_baseline: args.write_baseline.clone(),
        fail_on: settings.fail_on,
    };
    let output =
        Output { destinations: &destinations, color: super::use_color(args.common.color), quiet: args.reports.quiet };
    let finished = finish(run, &policy, &output)?;
    let code = finished.code;
    // The process ends right after this: freeing a large estate piece by
    // piece took half a second on the 50k-group benchmark, for nothing.
    std::mem::forget(finished);
    std::mem::forget(inputs);
    Ok(code)
}
