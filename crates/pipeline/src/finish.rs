//! The policy every command applies to its run, in one order:
//! suppressions, the baseline, the report, the exit code.
//!
//! - Suppressions mark the findings they cover (kept in the report, never
//!   failing the run) and add findings about themselves (expired, matching
//!   nothing).
//! - Baselines hold and compare only what is not suppressed: a suppression
//!   that expires brings its finding back as new. Against a baseline the
//!   report's findings are the new ones; `--write-baseline` records the
//!   current ones (after the comparison, so one file can be both).
//! - The exit code: 2 when an input could not be read, 1 when a finding
//!   that is not suppressed is at or above the `--fail-on` severity, else 0.

use crate::error::{Error, ErrorKind};
use crate::{Body, Destination, Format, Run};
use portcullis_files::{InputKind, Origin};
use portcullis_model::Date;
use portcullis_report::baseline::{Baseline, BaselineDiff, BaselineEntry};
use portcullis_report::events::{EventsJson, EventsText};
use portcullis_report::flows::{FlowsJson, FlowsText};
use portcullis_report::{Emitter, Report, TextOptions};
use portcullis_rules::suppressions::Waiver;
use portcullis_rules::{Finding, Severity};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a command applies to its run.
#[derive(Default)]
pub struct Policy {
    /// Suppressions apply (`scan`); `None`: they are not read (`probe`,
    /// `flows`).
    pub suppressions: Option<Suppressions>,
    /// Report only what is not in this baseline, and what it has that is
    /// fixed now.
    pub baseline: Option<Baseline>,
    /// Record the findings (not suppressed) as a baseline in this file.
    pub write_baseline: Option<PathBuf>,
    /// Exit 1 when a finding that is not suppressed is at least this severe.
    pub fail_on: Option<Severity>,
}

/// The suppressions of a run besides those written in its inputs.
#[derive(Default)]
pub struct Suppressions {
    /// `[[suppress]]` entries of the config file.
    pub config: Vec<Waiver>,
    /// The day that judges expiry; `None`: [`crate::suppressions::today`],
    /// read only when a suppression has to be judged.
    pub today: Option<Date>,
}

/// Where and how the reports are written.
pub struct Output<'a> {
    /// Each report: a format, and a file or standard output
    /// (`portcullis_report::destinations` checks them).
    pub destinations: &'a [Destination],
    /// ANSI colors in text on standard output.
    pub color: bool,
    /// `--quiet`: text prints findings and errors only.
    pub quiet: bool,
}

/// A run the policy has judged: what its report says, and its exit code.
/// A process about to exit may leak it (`std::mem::forget`) rather than
/// free it piece by piece: freeing a large estate took half a second on a
/// 50,000-group account.
pub struct Finished {
    /// 0, 1 or 2 (see the module docs).
    pub code: u8,
    /// The run, its findings now the ones the report lists: suppressed ones
    /// marked, findings about suppressions added, and against a baseline
    /// only the new ones.
    pub run: Run,
    /// Findings already in the baseline.
    pub unchanged: Vec<Finding>,
    /// Baseline entries no finding matches any more.
    pub fixed: Vec<BaselineEntry>,
    /// The baseline to record, when one is to be written.
    pub new_baseline: Option<Baseline>,
}

/// Reads a baseline file, before the run starts (a bad one fails fast).
pub fn read_baseline(path: &Path) -> Result<Baseline, Error> {
    let shown = path.to_string_lossy();
    let text = portcullis_files::read_text(path, &shown, Origin::Named, InputKind::Json.limit())
        .map_err(ErrorKind::ReadBaseline)?;
    if let Some(e) = text.not_utf8 {
        return Err(ErrorKind::BaselineNotText(e).into());
    }
    Baseline::parse(&text.text).map_err(|error| ErrorKind::MalformedBaseline { path: path.to_path_buf(), error }.into())
}

/// Splits `findings` against `baseline`: (new, unchanged, fixed entries).
fn compare(findings: Vec<Finding>, baseline: &Baseline) -> (Vec<Finding>, Vec<Finding>, Vec<BaselineEntry>) {
    let known = baseline.fingerprints();
    let current: HashSet<String> = findings.iter().map(Finding::fingerprint).collect();
    let fixed = baseline.findings.iter().filter(|e| !current.contains(&e.fingerprint)).cloned().collect();
    let (unchanged, new) = findings.into_iter().partition(|f| known.contains(f.fingerprint().as_str()));
    (new, unchanged, fixed)
}

/// Applies the policy to the run, writes its report and, when asked, the
/// new baseline.
pub fn finish(run: Run, policy: &Policy, output: &Output) -> Result<Finished, Error> {
    let finished = judge(run, policy)?;
    write(&finished, policy, output)?;
    Ok(finished)
}

/// Writes the report of a judged run, and the new baseline when asked.
fn write(finished: &Finished, policy: &Policy, output: &Output) -> Result<(), Error> {
    let run = &finished.run;
    let report = Report {
        findings: &run.findings,
        errors: &run.errors,
        files_read: run.files_read,
        sources: run.sources.as_ref(),
        baseline: policy
            .baseline
            .as_ref()
            .map(|_| BaselineDiff { unchanged: &finished.unchanged, fixed: &finished.fixed }),
        fail_on: policy.fail_on,
    };
    for destination in output.destinations {
        let text = TextOptions { color: output.color && destination.path.is_none(), quiet: output.quiet };
        let emitter: Box<dyn Emitter + '_> = match (&run.body, destination.format) {
            // Flow logs add their observations to JSON and (unless quiet) to text.
            (Body::Flows { observations, stats, warnings }, Format::Json) => {
                Box::new(FlowsJson { observations, stats, warnings })
            }
            (Body::Flows { observations, stats, warnings }, Format::Text) if !output.quiet => {
                Box::new(FlowsText { observations, stats, warnings })
            }
            (Body::Events { changes, stats }, Format::Json) => Box::new(EventsJson { changes, stats }),
            (Body::Events { changes, stats }, Format::Text) if !output.quiet => {
                Box::new(EventsText { changes, stats, color: text.color })
            }
            (_, format) => portcullis_report::emitter(format, text),
        };
        write_report(emitter.as_ref(), &report, destination.path.as_deref())?;
    }
    run.timer.mark("report");
    // After the comparison: `--baseline F --write-baseline F` updates F.
    if let (Some(path), Some(b)) = (&policy.write_baseline, &finished.new_baseline) {
        portcullis_files::write_atomic(path, |w| w.write_all(b.to_json().as_bytes()))
            .map_err(|error| ErrorKind::WriteBaseline { path: path.clone(), error })?;
    }
    Ok(())
}

/// Applies the policy to the run: suppressions, the baseline, the exit
/// code. Writes nothing.
pub fn judge(mut run: Run, policy: &Policy) -> Result<Finished, Error> {
    let mut findings = std::mem::take(&mut run.findings);
    if let Some(s) = &policy.suppressions {
        let mut waivers = std::mem::take(&mut run.waivers);
        waivers.extend(s.config.iter().cloned());
        if !waivers.is_empty() {
            let today = match s.today {
                Some(day) => day,
                None => crate::suppressions::today()?,
            };
            let meta = portcullis_rules::suppressions::apply(&mut findings, &waivers, today);
            if !meta.is_empty() {
                findings.extend(meta);
                portcullis_rules::finding::sort_findings(&mut findings);
            }
        }
    }
    // Without suppressions the list is kept as it is: partitioning copies
    // every finding into a fresh vector (50 MB on a 50k-group account).
    let (suppressed, active): (Vec<Finding>, Vec<Finding>) = if findings.iter().any(|f| f.suppressed.is_some()) {
        findings.into_iter().partition(|f| f.suppressed.is_some())
    } else {
        (Vec::new(), findings)
    };
    let new_baseline = policy.write_baseline.as_ref().map(|_| Baseline::from_findings(&active));
    let (mut findings, unchanged, fixed) = match &policy.baseline {
        Some(b) => compare(active, b),
        None => (active, Vec::new(), Vec::new()),
    };
    if !suppressed.is_empty() {
        findings.extend(suppressed);
        portcullis_rules::finding::sort_findings(&mut findings);
    }
    let code = if !run.errors.is_empty() {
        2
    } else if policy.fail_on.is_some_and(|t| findings.iter().any(|f| f.suppressed.is_none() && f.severity >= t)) {
        1
    } else {
        0
    };
    run.findings = findings;
    Ok(Finished { code, run, unchanged, fixed, new_baseline })
}

/// Writes a report to `path`, or standard output. Written straight through
/// a buffer: a large report (hundreds of thousands of findings) is never
/// held twice in memory.
pub fn write_report(emitter: &dyn Emitter, report: &Report, path: Option<&Path>) -> Result<(), Error> {
    write_to(path, |w| emitter.emit(report, w))
}

/// Runs `write` on `path` (atomically: a temporary file beside it, synced,
/// then renamed over it; `portcullis_files::write_atomic`), or on standard
/// output through a buffer. A closed pipe (`| head`) is not an error worth
/// a message.
pub fn write_to(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
    match path {
        Some(p) => portcullis_files::write_atomic(p, write).map_err(ErrorKind::Write)?,
        None => {
            // Through anstream: on a Windows console without virtual-terminal
            // support the text report's colours become console calls; elsewhere
            // the bytes pass through unchanged.
            let stdout = anstream::AutoStream::new(std::io::stdout().lock(), anstream::ColorChoice::Always);
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout);
            if let Err(e) = write(&mut w).and_then(|_| w.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(ErrorKind::Stdout(e).into());
                }
            }
        }
    }
    Ok(())
}
