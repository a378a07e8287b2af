//! The portcullis pipeline: what every command runs, as library functions.
//! The command line parses its arguments into the requests here and calls
//! them; nothing in this crate knows about flags.
//!
//! A command first gathers a [`Run`]: [`scan()`] reads the inputs and runs
//! the port and hardening rules, [`probe()`] asks live endpoints and runs
//! the probe rules, [`flows()`] counts flow logs and runs the flow-log
//! rules. Then [`finish()`] applies one [`Policy`] to any run ([`judge()`]
//! alone applies it without writing anything), in one
//! order: suppressions (marked, never failing the run; expired and unused
//! ones reported), the baseline (only new findings reported; a new baseline
//! written), the report in the asked [`Format`], and the exit code
//! (`--fail-on`). What differs between commands is said in the policy
//! (`scan` alone has suppressions and baselines) and in the run's
//! [`Body`] (`flows` adds its observations, `events` its changes). [`explain()`] answers a
//! different question (who reaches a port, by which line) and shares the
//! reading.

pub mod diff;
pub mod error;
pub mod events;
pub mod explain;
pub mod finish;
pub mod flows;
pub mod git;
pub mod inputs;
pub mod probe;
pub mod scan;
pub mod suppressions;

pub use diff::{diff, DiffInputs, DiffOutcome, DiffRequest};
pub use error::{Error, ErrorKind};
pub use events::{events, events_sql, EventsRequest};
pub use explain::{explain, ExplainRequest, Explanation};
pub use finish::{finish, judge, read_baseline, write_to, Finished, Output, Policy, Suppressions};
pub use flows::{flows, flows_sql, FlowsRequest};
pub use inputs::Document;
pub use inputs::{CloudDocuments, Failure, Reading, Saved};
pub use probe::{probe, ProbeRequest};
pub use scan::{scan, scan_showing, ScanRequest};

use portcullis_files::ReadSet;
use portcullis_flows::{Observation, Stats};
use portcullis_report::{ReportError, Sources};
use portcullis_rules::suppressions::Waiver;
use portcullis_rules::Finding;

/// How a report is written: the report crate's list, shared with every
/// command that writes one.
pub use portcullis_report::{destinations, Destination, DestinationError, Format};

/// Something that shows how far a long step has got (a progress bar): the
/// bytes of flow logs, the inputs of a scan, the targets of a probe. The
/// caller decides whether anything is shown (only for a person watching a
/// terminal); the pipeline only counts.
pub trait Progress: Sync {
    /// The step starts with `total` units to go.
    fn start(&self, total: u64);
    /// `units` more are done.
    fn advance(&self, units: u64);
    /// The step is over.
    fn finish(&self);
}

/// What a command found, before the policy is applied.
pub struct Run {
    /// In canonical order (`portcullis_rules::finding::sort_findings`).
    pub findings: Vec<Finding>,
    /// Problems with the inputs, sorted, each once.
    pub errors: Vec<ReportError>,
    /// Inputs read as a known format (files, or endpoints for a probe).
    pub files_read: usize,
    /// The inputs' text for snippets, and how they are counted.
    pub sources: Box<dyn Sources>,
    /// Suppressions written in the inputs (comments).
    pub waivers: Vec<Waiver>,
    /// Every file the run read: no output may replace one
    /// (`ReadSet::check_output`).
    pub read: ReadSet,
    pub body: Body,
    timer: scan::Timer,
    /// What the findings were read from, kept so that the caller decides
    /// when it is freed (a process about to exit need not).
    pub estate: Option<portcullis_model::Estate>,
    /// Terraform `moved` blocks of the inputs, `(from, to)`: `diff`
    /// follows renamed resources with them.
    pub moves: Vec<(String, String)>,
}

/// What a report carries besides findings and errors.
pub enum Body {
    /// Findings alone (`scan`, `probe`).
    Findings,
    /// `flows`: every destination's summary and each unauthorized source
    /// that got through, and the run's totals.
    Flows {
        observations: Vec<Observation>,
        stats: Stats,
        /// What was not read but loses nothing (data after the last gzip
        /// member): reported, never failing the run.
        warnings: Vec<ReportError>,
    },
    /// `events`: what each change event did to the watched ports, and the
    /// run's totals.
    Events { changes: Vec<portcullis_events::Change>, stats: portcullis_events::Stats },
}

/// A log file found under the paths named (`flows`, `events`).
pub(crate) struct LogFile {
    pub path: std::path::PathBuf,
    /// As the user wrote it, or as walking found it.
    pub display: String,
    /// Named on the command line (an unrecognized named file is an error;
    /// one found by walking is skipped).
    pub named: bool,
}

/// The files under `paths`, each once (a file reached again through a
/// link is not read twice).
pub(crate) fn log_files(paths: &[std::path::PathBuf], errors: &mut Vec<ReportError>) -> Vec<LogFile> {
    let (found, walk_errors) = portcullis_files::walk(paths);
    errors.extend(walk_errors.iter().map(|e| ReportError {
        file: e.path.clone(),
        line: 0,
        column: 0,
        message: e.message.clone(),
    }));
    let mut seen = std::collections::HashSet::new();
    let mut inputs = Vec::with_capacity(found.len());
    for f in found {
        if f.identity.is_some_and(|id| !seen.insert(id)) {
            continue;
        }
        let display = f.path.to_string_lossy().into_owned();
        inputs.push(LogFile { display, path: f.path, named: f.origin == portcullis_files::Origin::Named });
    }
    inputs
}

/// Input errors in the report's shape, sorted, each once.
fn sorted_errors(mut errors: Vec<ReportError>) -> Vec<ReportError> {
    errors.sort();
    errors.dedup();
    errors
}
