//! `portcullis flows`: flow logs against the authorized sources. Accepted
//! flows from unauthorized sources are critical findings; every destination
//! gets a summary per verdict (JSON `observations`). `--emit-sql` prints the
//! same report as a query instead.

use crate::args::{Common, FlowsArgs, Format, SqlDialect};
use crate::settings;
use anyhow::{anyhow, bail, Result};
use portcullis_files::ReadSet;
use portcullis_flows::aws::Layout;
use portcullis_flows::read::{read_all, Input, ReadOptions};
use portcullis_flows::report::{build, Observation, Stats};
use portcullis_flows::sql::{self, Dialect};
use portcullis_flows::time::parse_instant;
use portcullis_flows::Watch;
use portcullis_model::named::non_public;
use portcullis_report::{sarif::Sarif, Emitter, NoSources, Report, ReportError};
use portcullis_rules::Finding;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The flagship port, always watched.
const CONTROLLER_MANAGER: (u8, u16) = (6, 10257);

/// The flow logs under `paths`, each file once.
fn collect(paths: &[std::path::PathBuf], errors: &mut Vec<ReportError>) -> Vec<Input> {
    let (found, walk_errors) = portcullis_files::walk(paths);
    errors.extend(walk_errors.iter().map(|e| err(&e.path, 0, &e.message)));
    let mut seen = std::collections::HashSet::new();
    let mut inputs = Vec::with_capacity(found.len());
    for f in found {
        let display = f.path.to_string_lossy().into_owned();
        if let Some(id) = f.identity {
            if !seen.insert(id) {
                continue;
            }
        }
        inputs.push(Input { display, path: f.path, named: f.origin == portcullis_files::Origin::Named });
    }
    inputs
}

fn err(file: &str, line: u64, message: &str) -> ReportError {
    ReportError {
        file: file.to_string(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: 0,
        message: message.to_string(),
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [ReportError],
    /// What was not read but loses nothing (data after the last gzip member).
    #[serde(skip_serializing_if = "<[ReportError]>::is_empty")]
    warnings: &'a [ReportError],
    observations: &'a [Observation],
    flow_stats: &'a Stats,
}

pub fn run(args: FlowsArgs) -> Result<u8> {
    let common = Common {
        paths: args.paths.clone(),
        ports: args.ports.clone(),
        authorized: args.authorized.clone(),
        config: args.config.clone(),
        no_config: args.no_config,
        var_files: Vec::new(),
        vars: Vec::new(),
        parameters: Vec::new(),
        color: args.color,
    };
    let settings = settings::resolve(&common, args.fail_on.as_deref())?;
    let mut ports = vec![CONTROLLER_MANAGER];
    for q in &settings.user_queries {
        let pair = (q.protocol.0, q.port);
        if !ports.contains(&pair) {
            ports.push(pair);
        }
    }
    if !settings.authorized.internal.is_empty() {
        bail!("--authorized {}: flow logs carry addresses only; give CIDRs", settings.authorized.internal.join(", "));
    }
    let authorized =
        if settings.authorized.explicit { settings.authorized.addrs.clone() } else { non_public().clone() };
    let instant = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
        v.as_deref()
            .map(|s| {
                parse_instant(s).ok_or_else(|| anyhow!("--{flag} `{s}`: expected RFC 3339, YYYY-MM-DD or Unix seconds"))
            })
            .transpose()
    };
    let watch =
        Watch { ports, authorized, since: instant("since", &args.since)?, until: instant("until", &args.until)? };
    let fields = args.fields.as_deref().map(Layout::parse_fields).transpose().map_err(|e| anyhow!("--fields: {e}"))?;

    let mut errors = Vec::new();
    let inputs = collect(&args.paths, &mut errors);
    // Named files are inputs whatever they hold; a walked file is one when
    // it is a flow log (checked again once they are read).
    let mut read = ReadSet::default();
    for i in inputs.iter().filter(|i| i.named) {
        read.insert(&i.path, &i.display);
    }
    if let Some(out) = &args.output {
        read.check_output("-o", out)?;
    }

    if let Some(d) = args.emit_sql {
        let dialect = match d {
            SqlDialect::Athena => Dialect::Athena,
            SqlDialect::Bigquery => Dialect::BigQuery,
            SqlDialect::Duckdb => Dialect::DuckDb,
        };
        let files: Vec<String> = inputs.iter().map(|i| i.display.clone()).collect();
        let text = sql::emit(dialect, &watch, &files, fields.as_ref());
        write_out(args.output.as_deref(), text.as_bytes())?;
        return Ok(if errors.is_empty() { 0 } else { 2 });
    }

    let total: u64 = inputs.iter().filter_map(|i| std::fs::metadata(&i.path).ok()).map(|m| m.len()).sum();
    let bar = progress_bar(total);
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let opts = ReadOptions { fields: fields.as_ref(), progress: &tick };
    let (agg, outcomes) = read_all(&inputs, &watch, &opts);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    for (input, o) in inputs.iter().zip(&outcomes) {
        if o.format.is_some() {
            read.insert(&input.path, &input.display);
        }
    }
    if let Some(out) = &args.output {
        read.check_output("-o", out)?;
    }
    let mut files_read = 0;
    let mut warnings = Vec::new();
    for (input, o) in inputs.iter().zip(&outcomes) {
        warnings.extend(o.warnings.iter().map(|w| err(&input.display, 0, w)));
        if o.format.is_some() {
            files_read += 1;
        } else if input.named && o.error.is_none() {
            errors.push(err(
                &input.display,
                0,
                "not a flow log portcullis reads (AWS VPC text with a header or in a known layout, CloudWatch, Azure NSG/VNet or GCP JSON); a headerless custom AWS format needs --fields",
            ));
        }
        if let Some((line, m)) = &o.error {
            errors.push(err(&input.display, *line, m));
        }
    }
    for (at, m) in &agg.malformed {
        let file = inputs.get(at.file as usize).map_or("?", |i| i.display.as_str());
        errors.push(err(file, at.line, &format!("malformed record: {m}")));
    }
    errors.sort();
    let stats = Stats::from_totals(&agg.totals, files_read);
    let built = build(&agg, &inputs, args.top);
    if stats.totals.malformed > agg.malformed.len() as u64 {
        let shown = agg.malformed.len();
        errors.push(err(
            "",
            0,
            &format!("{} malformed record(s) in all; the first {shown} per file are listed", stats.totals.malformed),
        ));
    }

    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        Format::Json => {
            let env = Envelope {
                version: 1,
                findings: &built.findings,
                errors: &errors,
                warnings: &warnings,
                observations: &built.observations,
                flow_stats: &stats,
            };
            serde_json::to_writer_pretty(&mut buf, &env)?;
            buf.push(b'\n');
        }
        Format::Sarif => {
            let report =
                Report { findings: &built.findings, errors: &errors, files_read, sources: &NoSources, baseline: None };
            Sarif.emit(&report, &mut buf)?;
        }
        Format::Text => {
            let lines = |list: &[ReportError]| -> Vec<String> {
                list.iter()
                    .map(|e| {
                        if e.file.is_empty() {
                            e.message.clone()
                        } else if e.line == 0 {
                            format!("{}: {}", e.file, e.message)
                        } else {
                            format!("{}:{}: {}", e.file, e.line, e.message)
                        }
                    })
                    .collect()
            };
            let text =
                portcullis_flows::text::render(&built, &stats, &lines(&errors), &lines(&warnings), &built.findings);
            buf.extend_from_slice(text.as_bytes());
        }
    }
    write_out(args.output.as_deref(), &buf)?;
    let code = if !errors.is_empty() {
        2
    } else if settings.fail_on.is_some_and(|t| built.findings.iter().any(|f| f.severity >= t)) {
        1
    } else {
        0
    };
    Ok(code)
}

fn write_out(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(p) => Ok(portcullis_files::write_atomic(p, |w| w.write_all(bytes))?),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
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
