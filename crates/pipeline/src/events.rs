//! `events`: read change events (CloudTrail, Activity Log, Cloud Audit
//! Logs), judge what each did to the watched ports, and run the event rules
//! on the changes; with a snapshot of the estate (`--state`), say whether
//! each opening is still in effect. Or, for engines that hold the logs,
//! print the same search as SQL.

use crate::inputs::Reading;
use crate::{Body, Run};
use portcullis_engine::evaluate;
use portcullis_events::judge::InEffect;
use portcullis_events::listener::{self, ListenerCall};
use portcullis_events::sql::{self, Dialect};
use portcullis_events::{judge, read_input, Change, ErrorKind, Input, Stats, Verdict, Watch};
use portcullis_files::ReadSet;
use portcullis_model::{AddrSet, Cidr, Estate, Protocol};
use portcullis_report::{NoSources, ReportError};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// What to read and what to judge against.
pub struct EventsRequest<'a> {
    /// Files and directories (plain or gzip; directories walked, as
    /// CloudTrail's S3 key layout `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`).
    pub paths: &'a [PathBuf],
    pub watch: &'a Watch,
    /// `--state`: inputs read as `scan` reads them, to tell whether an
    /// opening is still in effect.
    pub state: Option<Reading<'a>>,
}

/// The event files under `paths`, each once.
fn collect(paths: &[PathBuf], errors: &mut Vec<ReportError>) -> Vec<Input> {
    crate::log_files(paths, errors)
        .into_iter()
        .map(|f| Input { path: f.path, display: f.display, named: f.named })
        .collect()
}

/// Reads the events, judges them and returns the run: the event rules'
/// findings, every change, the totals, and every unreadable file or event
/// as an error.
pub fn events(request: &EventsRequest) -> Run {
    let mut errors = Vec::new();
    let inputs = collect(request.paths, &mut errors);
    let outcomes: Vec<_> = inputs.par_iter().map(read_input).collect();
    // No output may replace a file named, or a walked file that held events.
    let mut read = ReadSet::default();
    let mut stats = Stats::default();
    let mut all = Vec::new();
    for (input, outcome) in inputs.iter().zip(outcomes) {
        if input.named || outcome.recognized {
            read.insert(&input.path, &input.display);
        }
        stats.events += outcome.seen;
        if outcome.recognized {
            stats.files += 1;
        } else if input.named && outcome.errors.is_empty() {
            let e = portcullis_events::Error {
                file: input.display.clone(),
                line: 0,
                column: 0,
                kind: ErrorKind::NotEvents,
            };
            errors.push(report_error(&e));
        }
        errors.extend(outcome.errors.iter().map(report_error));
        all.extend(outcome.events);
    }
    // The snapshot first: a listener call's rule (the target port, who the
    // load balancer admits) is decided by it.
    let snapshot = request.state.as_ref().map(|state| {
        let mut loaded = state.load();
        let snapshot = portcullis_ingest::assemble(&mut loaded.outcomes);
        errors.extend(crate::scan::errors_of(&loaded));
        read.merge(std::mem::take(&mut loaded.read));
        snapshot
    });
    // Each listener call by where its event is, as the changes say it.
    let mut listeners: HashMap<(String, u32), ListenerCall> = HashMap::new();
    if let Some(snapshot) = &snapshot {
        listener::resolve(&mut all, snapshot);
        for e in &all {
            if let Some(call) = &e.listener {
                listeners.insert((e.file.to_string(), e.line), call.clone());
            }
        }
    }
    let mut changes = judge(all, request.watch, &mut stats);
    if let Some(snapshot) = &snapshot {
        for c in changes.iter_mut().filter(|c| matches!(c.verdict, Verdict::Opened | Verdict::Widened)) {
            c.in_effect = Some(match listeners.get(&(c.file.clone(), c.event_line)) {
                Some(call) => listener::in_effect(snapshot, call, c),
                None => in_effect(snapshot, c, request.watch),
            });
        }
    }
    let estate = snapshot;
    let findings = portcullis_rules::events::findings(&changes);
    Run {
        findings,
        errors: crate::sorted_errors(errors),
        files_read: stats.files,
        sources: Box::new(NoSources),
        waivers: Vec::new(),
        read,
        body: Body::Events { changes, stats },
        timer: crate::scan::Timer::new(false),
        estate,
        moves: Vec::new(),
    }
}

fn report_error(e: &portcullis_events::Error) -> ReportError {
    ReportError { file: e.file.clone(), line: e.line, column: e.column, message: e.to_string() }
}

/// Whether a name in the snapshot is the event's resource: the same id
/// (any case: ARM ids), or the same last segment of a path (an NSG by name,
/// a firewall rule by its URL).
fn same_resource(snapshot_name: &str, resource: &str) -> bool {
    let last = |s: &str| s.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    snapshot_name.eq_ignore_ascii_case(resource)
        || ((snapshot_name.contains('/') || resource.contains('/')) && last(snapshot_name) == last(resource))
}

/// Whether the snapshot still admits, through the event's resource, any
/// of the unauthorized sources the event added.
fn in_effect(estate: &Estate, change: &Change, watch: &Watch) -> InEffect {
    let added = AddrSet::from_cidrs(change.added.iter().filter_map(|s| Cidr::parse(s).ok()));
    let protocol = Protocol::parse_name(&change.protocol).unwrap_or(Protocol::TCP);
    let mut behind = false;
    let mut still = AddrSet::empty();
    let mut targets = Vec::new();
    for (index, target) in estate.targets.iter().enumerate() {
        let on_path = target.path.iter().flat_map(|s| s.layers.iter()).filter_map(|&l| estate.layers.get(l)).any(|l| {
            same_resource(&l.id, &change.resource)
                || l.entries.iter().any(|e| same_resource(&e.resource, &change.resource))
        });
        if !on_path {
            continue;
        }
        behind = true;
        let Some(exposure) = evaluate(estate, index, protocol, change.port) else { continue };
        // Shown as the finding shows sources; judged on the unauthorized part.
        let hit = exposure.lower.addrs.intersect(&added);
        let internal = exposure.lower.internal.iter().any(|s| change.added.contains(&s.name));
        if !hit.difference(&watch.authorized).is_empty() || internal {
            still.union_in_place(&hit);
            targets.push(target.id.clone());
        }
    }
    targets.sort();
    targets.dedup();
    let status = if !behind {
        "unknown"
    } else if targets.is_empty() {
        "no"
    } else {
        "yes"
    };
    InEffect { status, sources: still.to_cidr_strings(), targets }
}

/// The same search as a query, for an engine that holds the events.
pub struct Sql {
    pub text: String,
    pub errors: Vec<ReportError>,
    pub read: ReadSet,
}

/// The query for `dialect`: DuckDB reads the CloudTrail files and the
/// Azure Activity Log exports found under `paths` (each read first, to
/// know which is which), Spark the paths as named; Athena and BigQuery
/// name the providers' tables.
pub fn events_sql(paths: &[PathBuf], watch: &Watch, dialect: Dialect) -> Sql {
    let mut errors = Vec::new();
    let inputs = collect(paths, &mut errors);
    // Every file the query may read is an input of the engine's.
    let mut read = ReadSet::default();
    for i in &inputs {
        read.insert(&i.path, &i.display);
    }
    let mut files = sql::Files::default();
    if dialect == Dialect::DuckDb {
        let kinds: Vec<(bool, bool)> = inputs
            .par_iter()
            .map(|i| {
                let outcome = read_input(i);
                (outcome.delivered, outcome.activity_export)
            })
            .collect();
        for (input, (delivered, activity_export)) in inputs.iter().zip(kinds) {
            if delivered {
                files.cloudtrail.push(input.display.clone());
            } else if activity_export {
                files.azure.push(input.display.clone());
            }
        }
    }
    let named: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    Sql { text: sql::emit(dialect, watch, &files, &named), errors, read }
}
