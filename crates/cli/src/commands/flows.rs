//! `portcullis flows`: flow logs against the authorized sources. Accepted
//! flows from unauthorized sources are critical findings; every destination
//! gets a summary per verdict (JSON `observations`). `--emit-sql` prints the
//! same report as a query instead.

use crate::args::{FlowsArgs, SqlDialect};
use crate::settings;
use anyhow::{anyhow, bail, Result};
use portcullis_flows::aws::Layout;
use portcullis_flows::sql::Dialect;
use portcullis_flows::time::parse_instant;
use portcullis_flows::{ErrorKind, Watch};
use portcullis_model::named::non_public;
use portcullis_model::ErrorKind as Calendar;
use portcullis_pipeline::{finish, flows, flows_sql, write_to, FlowsRequest, Output, Policy, Progress};
use std::io::IsTerminal;
use std::sync::OnceLock;

pub fn run(args: FlowsArgs) -> Result<u8> {
    let common =
        settings::log_common(&args.paths, &args.ports, &args.authorized, &args.config, args.no_config, args.color);
    let settings = settings::resolve(&common, args.fail_on.as_deref())?;
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

    // Progress only for a person watching text on a terminal.
    let progress = Bar { quiet: args.reports.quiet || !super::text_on_terminal(&destinations), ..Bar::default() };
    let request = FlowsRequest {
        paths: &args.paths,
        watch: &watch,
        fields: fields.as_ref(),
        top: args.top,
        progress: Some(&progress),
    };
    if let Some(d) = args.emit_sql {
        let dialect = match d {
            SqlDialect::Athena => Dialect::Athena,
            SqlDialect::Bigquery => Dialect::BigQuery,
            SqlDialect::Duckdb => Dialect::DuckDb,
            SqlDialect::Spark => Dialect::Spark,
        };
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

/// A byte counter on standard error, only when it is a terminal and the
/// logs are large enough to wait for.
#[derive(Default)]
struct Bar {
    bar: OnceLock<Option<indicatif::ProgressBar>>,
    /// No bar at all (`--quiet`, or no text on the terminal).
    quiet: bool,
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.bar.get_or_init(|| if self.quiet { None } else { progress_bar(total) });
    }

    fn advance(&self, bytes: u64) {
        if let Some(Some(b)) = self.bar.get() {
            b.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(Some(b)) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}

/// A byte counter on standard error, only when it is a terminal.
fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || total < (64 << 20) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
