//! `portcullis flows`: flow logs against the authorized sources. Accepted
//! flows from unauthorized sources are critical findings; every destination
//! gets a summary per verdict (JSON `observations`). `--emit-sql` prints the
//! same report as a query instead.

use crate::args::FlowsArgs;
use crate::progress::{Bar, Unit};
use crate::settings;
use anyhow::{anyhow, bail, Result};
use portcullis_flows::aws::Layout;
use portcullis_flows::time::parse_instant;
use portcullis_flows::{ErrorKind, Watch};
use portcullis_model::named::non_public;
use portcullis_model::ErrorKind as Calendar;
use portcullis_pipeline::{finish, flows, flows_sql, write_to, FlowsRequest, Output, Policy};

pub fn run(args: FlowsArgs) -> Result<u8> {
    let common = args.logs.common(&args.paths);
    let settings = settings::resolve(&common, args.logs.fail_on.as_deref())?;
    let destinations = super::destinations(&args.reports, "flows")?;
    let ports = settings::watched_ports(&settings);
    if !settings.authorized.internal.is_empty() {
        bail!("--authorized {}: flow logs carry addresses only; give CIDRs", settings.authorized.internal.join(", "));
    }
    let authorized =
        if settings.authorized.explicit { settings.authorized.addrs.clone() } else { non_public().clone() };
    // A day the calendar does not have (`2024-02-31`) says so; any other
    // text gets the shapes that are accepted.
    let instant = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
        v.as_deref()
            .map(|s| {
                parse_instant(s).map_err(|e| match &e.kind {
                    ErrorKind::Time(time) if matches!(time.kind, Calendar::NoSuchDay { .. }) => anyhow!("--{flag} {e}"),
                    _ => anyhow!("--{flag} `{s}`: expected RFC 3339, YYYY-MM-DD or Unix seconds"),
                })
            })
            .transpose()
    };
    let watch =
        Watch { ports, authorized, since: instant("since", &args.since)?, until: instant("until", &args.until)? };
    let fields = args.fields.as_deref().map(Layout::parse_fields).transpose().map_err(|e| anyhow!("--fields: {e}"))?;

    // Progress only for a person watching a terminal.
    let progress = Bar::new(Unit::Bytes, args.reports.quiet, &destinations);
    let request = FlowsRequest {
        paths: &args.paths,
        watch: &watch,
        fields: fields.as_ref(),
        top: args.top,
        progress: Some(&progress),
    };
    if let Some(d) = args.emit_sql {
        let dialect = d.into();
        let sql = flows_sql(&request, dialect);
        if let Some(out) = &args.reports.output {
            sql.read.check_output("-o", out)?;
        }
        write_to(args.reports.output.as_deref(), |out| out.write_all(sql.text.as_bytes()))?;
        return Ok(if sql.errors.is_empty() { 0 } else { 2 });
    }
    let run = flows(&request);
    super::check_outputs(&destinations, &run.read)?;
    // No suppressions or baselines: flow logs are evidence of what happened.
    let policy = Policy { fail_on: settings.fail_on, ..Policy::default() };
    let output = Output { destinations: &destinations, color: false, quiet: args.reports.quiet };
    Ok(finish(run, &policy, &output)?.code)
}
