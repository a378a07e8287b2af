//! `diff`: the two sides of a change read as `scan` reads its inputs, the
//! same rules run on each, and the findings compared by
//! `portcullis_diff::compare`. A side is files and directories on disk, a
//! git revision read from the repository's objects ([`crate::git`], held in
//! memory and read through [`crate::Reading`]'s documents: the one way text
//! that is not on disk becomes input), or one side of a Terraform plan's
//! `resource_changes`. Suppressions written in a side's inputs, and the
//! configuration's, apply to that side: a suppressed finding takes no part.

use crate::finish::{judge, Policy, Suppressions};
use crate::inputs::Document;
use crate::scan::check;
use crate::{scan, Error, ErrorKind, Reading, Run, ScanRequest};
use portcullis_diff::formats::{Side, SideError};
use portcullis_diff::Change;
use portcullis_files::{InputKind, Origin};
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::languages::terraform::plan;
use portcullis_ingest::ReadOptions;
use portcullis_report::ReportError;
use portcullis_rules::suppressions::Waiver;
use portcullis_rules::{Authorized, Finding, PortQuery, Severity};
use std::path::{Path, PathBuf};

/// What the two sides are.
pub enum DiffInputs {
    /// Two inputs as `scan` takes them (a file or a directory each).
    Paths { base: PathBuf, head: PathBuf },
    /// Two revisions of a git repository, `REV1..REV2`.
    Git { repository: PathBuf, range: String },
    /// One Terraform plan JSON: `before` against `after`.
    Plan { path: PathBuf },
}

pub struct DiffRequest<'a> {
    pub inputs: DiffInputs,
    pub terraform: &'a TerraformInputs,
    pub options: &'a ReadOptions,
    /// The `--parameters` files.
    pub parameter_files: &'a [PathBuf],
    pub queries: &'a [PortQuery],
    pub authorized: &'a Authorized,
    /// Suppressions from the configuration file.
    pub waivers: &'a [Waiver],
    /// Exit 1 when a change that lets more in is at least this severe.
    pub fail_on: Option<Severity>,
    /// Phase timings and resident memory on standard error (as `scan`'s).
    pub timings: bool,
}

/// What a diff found, and its exit code.
pub struct DiffOutcome {
    pub changes: Vec<Change>,
    pub errors: Vec<SideError>,
    pub base_label: String,
    pub head_label: String,
    /// 2 when an input could not be read, else 1 when a change that lets
    /// more in is at or above `--fail-on`, else 0.
    pub code: u8,
    /// The two sides' estates and findings, freed when the outcome is. A
    /// process about to exit may leak the outcome (`std::mem::forget`)
    /// instead: freeing two large sides piece by piece took a tenth of a
    /// 500,000-permission diff's CPU time, for nothing.
    _held: Held,
}

/// The memory of both sides that the outcome keeps (see [`DiffOutcome`]).
struct Held {
    _findings: [Vec<Finding>; 2],
    _estates: [Option<Box<portcullis_model::Estate>>; 2],
}

/// One side, read and checked.
struct Checked {
    findings: Vec<Finding>,
    errors: Vec<ReportError>,
    moves: Vec<(String, String)>,
    /// The side's estate, kept to be freed with the outcome.
    estate: Option<Box<portcullis_model::Estate>>,
}

/// Runs the diff. Input problems are the outcome's errors; a revision
/// that cannot be read, or a plan that is not one, is an [`Error`].
pub fn diff(request: &DiffRequest) -> Result<DiffOutcome, Error> {
    let timer = crate::scan::Timer::new(request.timings);
    let (mut base, mut head, base_label, head_label) = match &request.inputs {
        DiffInputs::Paths { base, head } => {
            let read = |path: &Path| scanned(request, std::slice::from_ref(&path.to_path_buf()), &[]);
            let (b, h) = rayon::join(|| read(base), || read(head));
            (b?, h?, base.display().to_string(), head.display().to_string())
        }
        DiffInputs::Git { repository, range } => {
            let git_error = |e: crate::git::GitError| Error::from(ErrorKind::Git(e.message));
            let (base_rev, head_rev) = crate::git::parse_range(range).map_err(git_error)?;
            let base_commit = crate::git::resolve(repository, &base_rev).map_err(git_error)?;
            let head_commit = crate::git::resolve(repository, &head_rev).map_err(git_error)?;
            // One revision in memory at a time: the base is read and checked
            // (and its files freed) before the head's files are read.
            let b = {
                let files = crate::git::revision_files(repository, &base_commit).map_err(git_error)?;
                scanned(request, &[], &files)?
            };
            let h = {
                let files = crate::git::revision_files(repository, &head_commit).map_err(git_error)?;
                scanned(request, &[], &files)?
            };
            (b, h, base_rev, head_rev)
        }
        DiffInputs::Plan { path } => {
            let (b, h) = plan_sides(request, path)?;
            (b, h, "before".to_string(), "after".to_string())
        }
    };
    // With two paths, each side's files start with its path: identities
    // that repeat (one address in two root modules) are told apart by
    // their folder below it.
    let roots = match &request.inputs {
        DiffInputs::Paths { .. } => (base_label.as_str(), head_label.as_str()),
        _ => ("", ""),
    };
    timer.mark("read and check both sides");
    let changes = portcullis_diff::compare(&base.findings, &head.findings, &head.moves, roots);
    timer.mark("compare");
    let mut errors: Vec<SideError> = std::mem::take(&mut base.errors)
        .into_iter()
        .map(|error| SideError { side: Side::Base, error })
        .chain(std::mem::take(&mut head.errors).into_iter().map(|error| SideError { side: Side::Head, error }))
        .collect();
    errors.sort();
    let code = if !errors.is_empty() {
        2
    } else if request.fail_on.is_some_and(|t| changes.iter().any(|c| c.is_worse() && c.severity >= t)) {
        1
    } else {
        0
    };
    let _held = Held { _findings: [base.findings, head.findings], _estates: [base.estate, head.estate] };
    Ok(DiffOutcome { changes, errors, base_label, head_label, code, _held })
}

/// A side read as `scan` reads it, with its suppressions applied.
fn scanned(request: &DiffRequest, paths: &[PathBuf], documents: &[Document]) -> Result<Checked, Error> {
    let mut run = scan(&ScanRequest {
        reading: Reading {
            paths,
            terraform: request.terraform,
            options: request.options,
            documents,
            parameter_files: request.parameter_files,
            cloud: None,
        },
        queries: request.queries,
        authorized: request.authorized,
        timings: false,
    });
    let moves = std::mem::take(&mut run.moves);
    judged(run, request, moves)
}

fn judged(run: Run, request: &DiffRequest, moves: Vec<(String, String)>) -> Result<Checked, Error> {
    let policy = Policy {
        suppressions: Some(Suppressions { config: request.waivers.to_vec(), today: None }),
        baseline: None,
        write_baseline: None,
        fail_on: None,
    };
    let mut finished = judge(run, &policy)?;
    let findings = std::mem::take(&mut finished.run.findings);
    let errors = std::mem::take(&mut finished.run.errors);
    let estate = finished.run.estate.take().map(Box::new);
    Ok(Checked { findings, errors, moves, estate })
}

/// The plan's `before` and `after`, each assembled and checked on its own.
fn plan_sides(request: &DiffRequest, path: &Path) -> Result<(Checked, Checked), Error> {
    let shown = path.display().to_string();
    let read = portcullis_files::read_text(path, &shown, Origin::Named, InputKind::Json.limit())
        .map_err(ErrorKind::ReadPlan)?;
    let side = |which: plan::Side| -> Result<Checked, Error> {
        let Some(mut read_side) = portcullis_ingest::read_plan_side(&shown, &read.text, which) else {
            return Err(ErrorKind::NotAPlan(shown.clone()).into());
        };
        if let Some(e) = &read.not_utf8 {
            read_side.outcome.errors.insert(0, crate::inputs::file_error(e));
        }
        let mut outcomes = vec![read_side.outcome];
        let estate = portcullis_ingest::assemble(&mut outcomes);
        let findings = check(&estate, request.queries, request.authorized);
        let errors = errors_of_outcomes(&outcomes);
        // Suppressions in a plan: only the configuration's (a plan has no
        // comments).
        let run = Run {
            findings,
            errors,
            files_read: 1,
            sources: Box::new(portcullis_report::NoSources),
            waivers: Vec::new(),
            read: Default::default(),
            body: crate::Body::Findings,
            timer: crate::scan::Timer::new(false),
            estate: Some(estate),
            moves: Vec::new(),
        };
        judged(run, request, if which == plan::Side::After { read_side.moves } else { Vec::new() })
    };
    Ok((side(plan::Side::Before)?, side(plan::Side::After)?))
}

fn errors_of_outcomes(outcomes: &[portcullis_ingest::FileOutcome]) -> Vec<ReportError> {
    crate::sorted_errors(
        outcomes
            .iter()
            .flat_map(|o| o.errors.iter())
            .map(|e| ReportError { file: e.file.clone(), line: e.line, column: e.column, message: e.message.clone() })
            .collect(),
    )
}
