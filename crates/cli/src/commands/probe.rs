//! `portcullis probe HOST[:PORT]… [--targets FILE]`: connect to the
//! endpoints the user names, and only those, and report what a client
//! without credentials gets, through the same reports as `scan`.

use crate::args::ProbeArgs;
use crate::progress::{Bar, Unit};
use crate::settings::parse_fail_on;
use anyhow::{bail, Result};
use portcullis_pipeline::{finish, probe, Output, Policy, ProbeRequest};
use portcullis_probe::{Options, LEGACY_PORT};
use std::time::Duration;

/// The most endpoints probed at once: each holds a socket and a thread.
const MAX_CONCURRENCY: usize = 256;

pub fn run(args: ProbeArgs) -> Result<u8> {
    let fail_on = parse_fail_on(&args.fail_on)?;
    let destinations = super::destinations(&args.reports, "probe")?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 600.0) {
        bail!("--timeout {}: expected seconds between 0 and 600", args.timeout);
    }
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        bail!("--concurrency {}: expected 1 to {MAX_CONCURRENCY}", args.concurrency);
    }
    if args.legacy_port == 0 {
        bail!("--legacy-port 0: expected a port 1-65535 (the default is {LEGACY_PORT})");
    }
    let options = Options {
        timeout: Duration::from_secs_f64(args.timeout),
        legacy_port: args.legacy.then_some(args.legacy_port),
    };
    let progress = Bar::new(Unit::Targets, args.reports.quiet, &destinations);
    let run = probe(&ProbeRequest {
        targets: &args.targets,
        target_files: &args.target_files,
        options: &options,
        concurrency: args.concurrency,
        progress: Some(&progress),
    })?;
    // No report onto a targets file.
    super::check_outputs(&destinations, &run.read)?;
    // No suppressions or baselines: a probe reports what it saw now.
    let policy = Policy { fail_on, ..Policy::default() };
    let output = Output { destinations: &destinations, color: super::use_color(args.color), quiet: args.reports.quiet };
    Ok(finish(run, &policy, &output)?.code)
}
