//! `flows`: read flow logs against the watched ports and the authorized
//! sources, build the observations, and run the flow-log rules on them;
//! or, for engines that hold terabytes of logs, the same question as SQL.

use crate::Progress;
use crate::{Body, Run};
use portcullis_files::ReadSet;
use portcullis_flows::aws::Layout;
use portcullis_flows::read::{read_all, Input, ReadOptions};
use portcullis_flows::report::{build, Stats};
use portcullis_flows::sql::{self, Dialect};
use portcullis_flows::Watch;
use portcullis_report::{NoSources, ReportError};
use std::path::PathBuf;

/// What to read and what to count.
pub struct FlowsRequest<'a> {
    /// Files and directories (plain or gzip; directories walked).
    pub paths: &'a [PathBuf],
    /// The watched ports, the authorized sources, the time window.
    pub watch: &'a Watch,
    /// `--fields`: the layout of headerless AWS records.
    pub fields: Option<&'a Layout>,
    /// How many sources each destination summary lists.
    pub top: usize,
    /// Told the bytes to read, then the bytes read as reading goes.
    pub progress: Option<&'a dyn Progress>,
}

fn error(file: &str, line: u64, message: &str) -> ReportError {
    ReportError {
        file: file.to_string(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: 0,
        message: message.to_string(),
    }
}

/// The flow logs under `paths`, each file once.
fn collect(paths: &[PathBuf], errors: &mut Vec<ReportError>) -> Vec<Input> {
    crate::log_files(paths, errors)
        .into_iter()
        .map(|f| Input { path: f.path, display: f.display, named: f.named })
        .collect()
}

/// Reads the logs and returns the run: the flow-log rules' findings, the
/// observations and totals, and every unreadable file and malformed record
/// as an error (the first ones per file, and how many in all).
pub fn flows(request: &FlowsRequest) -> Run {
    let mut errors = Vec::new();
    let inputs = collect(request.paths, &mut errors);
    if let Some(p) = request.progress {
        p.start(inputs.iter().filter_map(|i| std::fs::metadata(&i.path).ok()).map(|m| m.len()).sum());
    }
    let tick = |n: u64| {
        if let Some(p) = request.progress {
            p.advance(n);
        }
    };
    let opts = ReadOptions { fields: request.fields, progress: &tick };
    let (agg, outcomes) = read_all(&inputs, request.watch, &opts);
    if let Some(p) = request.progress {
        p.finish();
    }
    // No output may replace a file named, or a walked file that was a flow
    // log (a report a former run wrote into the tree may be written again).
    let mut read = ReadSet::default();
    let mut warnings = Vec::new();
    let mut files_read = 0;
    for (input, o) in inputs.iter().zip(&outcomes) {
        if input.named || o.format.is_some() {
            read.insert(&input.path, &input.display);
        }
        warnings.extend(o.warnings.iter().map(|w| error(&input.display, 0, w)));
        if o.format.is_some() {
            files_read += 1;
        } else if input.named && o.error.is_none() {
            errors.push(error(
                &input.display,
                0,
                "not a flow log portcullis reads (AWS VPC text with a header or in a known layout, CloudWatch, Azure NSG/VNet or GCP JSON); a headerless custom AWS format needs --fields",
            ));
        }
        if let Some((line, m)) = &o.error {
            errors.push(error(&input.display, *line, m));
        }
    }
    for (at, m) in &agg.malformed {
        let file = inputs.get(at.file as usize).map_or("?", |i| i.display.as_str());
        errors.push(error(file, at.line, &format!("malformed record: {m}")));
    }
    errors.sort();
    let stats = Stats::from_totals(&agg.totals, files_read);
    let observations = build(&agg, &inputs, request.top);
    let findings = portcullis_rules::flows::findings(&observations);
    // Listed last, after the records it counts.
    if stats.totals.malformed > agg.malformed.len() as u64 {
        let shown = agg.malformed.len();
        errors.push(error(
            "",
            0,
            &format!("{} malformed record(s) in all; the first {shown} per file are listed", stats.totals.malformed),
        ));
    }
    Run {
        moves: Vec::new(),
        findings,
        errors,
        files_read,
        sources: Box::new(NoSources),
        waivers: Vec::new(),
        read,
        body: Body::Flows { observations, stats, warnings },
        timer: crate::scan::Timer::new(false),
        estate: None,
    }
}

/// The same report as a query, for an engine that holds the logs.
pub struct Sql {
    pub text: String,
    /// What could not be walked.
    pub errors: Vec<ReportError>,
    /// The files found (no output may replace one).
    pub read: ReadSet,
}

/// The query for `dialect` over the files under the request's paths.
pub fn flows_sql(request: &FlowsRequest, dialect: Dialect) -> Sql {
    let mut errors = Vec::new();
    let inputs = collect(request.paths, &mut errors);
    // Every file the query names is an input of the engine's.
    let mut read = ReadSet::default();
    for i in &inputs {
        read.insert(&i.path, &i.display);
    }
    let files: Vec<String> = inputs.into_iter().map(|i| i.display).collect();
    Sql { text: sql::emit(dialect, request.watch, &files, request.fields), errors, read }
}
