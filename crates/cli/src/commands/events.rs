//! `portcullis events`: change events against the watched ports. Every
//! call that opened or widened a port to unauthorized sources is a finding
//! (PC500), every one that closed or narrowed it an `info` one (PC501);
//! with `--state`, whether each opening is still in effect. `--emit-sql`
//! prints the same search as a query instead.

use crate::args::EventsArgs;
use crate::settings;
use anyhow::Result;
use portcullis_events::Watch;
use portcullis_model::named::non_public;
use portcullis_pipeline::{events, events_sql, finish, write_to, EventsRequest, Output, Policy, Reading};

pub fn run(args: EventsArgs) -> Result<u8> {
    let common = args.logs.common(&args.paths);
    let settings = settings::resolve(&common, args.logs.fail_on.as_deref())?;
    let ports = settings::watched_ports(&settings);
    let explicit = settings.authorized.explicit;
    let watch = Watch {
        ports,
        authorized: if explicit { settings.authorized.addrs.clone() } else { non_public().clone() },
        authorized_internal: settings.authorized.internal.clone(),
        explicit,
    };
    if let Some(d) = args.emit_sql {
        let dialect = d.into();
        let sql = events_sql(&args.paths, &watch, dialect);
        if let Some(out) = &args.reports.output {
            sql.read.check_output("-o", out)?;
        }
        write_to(args.reports.output.as_deref(), |out| out.write_all(sql.text.as_bytes()))?;
        for e in &sql.errors {
            eprintln!("portcullis: {}: {}", e.file, e.message);
        }
        return Ok(if sql.errors.is_empty() { 0 } else { 2 });
    }
    let terraform = portcullis_ingest::languages::terraform::hcl::Inputs::default();
    let options = portcullis_ingest::ReadOptions::default();
    let state = (!args.state.is_empty()).then(|| Reading {
        paths: &args.state,
        terraform: &terraform,
        options: &options,
        parameter_files: &[],
        documents: &[],
        cloud: None,
    });
    let destinations = super::destinations(&args.reports, "events")?;
    let run = events(&EventsRequest { paths: &args.paths, watch: &watch, state });
    super::check_outputs(&destinations, &run.read)?;
    // No suppressions or baselines: events are what happened.
    let policy = Policy { fail_on: settings.fail_on, ..Policy::default() };
    let output =
        Output { destinations: &destinations, color: super::use_color(args.logs.color), quiet: args.reports.quiet };
    Ok(finish(run, &policy, &output)?.code)
}
