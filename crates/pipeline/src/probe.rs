//! `probe`: ask the endpoints the user names, and only those, what a
//! client without credentials gets, and run the probe rules on the answers.

use crate::error::{Error, ErrorKind};
use crate::{sorted_errors, Body, Run};
use portcullis_files::{InputKind, Origin as FileOrigin, ReadSet};
use portcullis_probe::{target, Options, Origin, Target};
use portcullis_report::{ReportError, Sources};
use std::path::PathBuf;
use std::sync::Arc;

/// What to probe and how.
pub struct ProbeRequest<'a> {
    /// `HOST[:PORT]` as written.
    pub targets: &'a [String],
    /// Files of targets, one a line.
    pub target_files: &'a [PathBuf],
    pub options: &'a Options,
    /// How many endpoints at once.
    pub concurrency: usize,
    /// Told how many targets there are, then each one probed.
    pub progress: Option<&'a dyn crate::Progress>,
}

/// Shows targets files in text snippets; counts endpoints in summaries.
struct TargetFiles {
    files: Vec<(String, Arc<str>)>,
}

impl Sources for TargetFiles {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        self.files.iter().find(|(f, _)| f == file).map(|(_, t)| t.clone())
    }

    fn describe_inputs(&self, n: usize) -> String {
        if n == 1 {
            "1 endpoint".to_string()
        } else {
            format!("{n} endpoints")
        }
    }
}

fn report_error(e: &portcullis_probe::Error, named_in: &str) -> ReportError {
    let at = e.at.clone().unwrap_or(Origin { file: named_in.to_string(), line: 0, column: 0 });
    ReportError { file: at.file, line: at.line, column: at.column, message: e.to_string() }
}

/// Probes every target. A target that cannot be read or resolved is an
/// error of the run; the others are probed.
pub fn probe(request: &ProbeRequest) -> Result<Run, Error> {
    let mut targets: Vec<Target> = Vec::new();
    let mut errors: Vec<ReportError> = Vec::new();
    for raw in request.targets {
        match target::parse(raw, target::DEFAULT_PORT) {
            Ok(t) => targets.push(t),
            Err(e) => errors.push(report_error(&e, raw)),
        }
    }
    let mut sources = TargetFiles { files: Vec::new() };
    let mut read = ReadSet::default();
    for path in request.target_files {
        let name = path.display().to_string();
        // As portcullis_files reads inputs: a pipe as a stream, a size
        // limit, a byte-order mark dropped.
        let contents = portcullis_files::open(path, &name, FileOrigin::Named)
            .and_then(|input| input.contents(InputKind::Settings.limit()))
            .and_then(|contents| contents.unchanged().map(|_| contents));
        match contents {
            Ok(contents) => {
                read.insert(path, &name);
                // A line with a byte that is not UTF-8 is an error at that
                // byte; the other lines are still read and probed.
                let (text, invalid) = portcullis_files::read::valid_lines(contents.bytes());
                errors.extend(invalid.into_iter().map(|(line, column)| ReportError {
                    file: name.clone(),
                    line,
                    column,
                    message: "not UTF-8 text: this target is not read".into(),
                }));
                let (found, bad) = target::parse_file(&name, &text, target::DEFAULT_PORT);
                targets.extend(found);
                errors.extend(bad.iter().map(|e| report_error(e, &name)));
                sources.files.push((name, Arc::from(text)));
            }
            Err(e) => errors.push(ReportError { file: name, line: 0, column: 0, message: e.message }),
        }
    }
    if targets.is_empty() && errors.is_empty() {
        return Err(ErrorKind::NothingToProbe.into());
    }
    if let Some(p) = request.progress {
        p.start(targets.len() as u64);
    }
    let done = || {
        if let Some(p) = request.progress {
            p.advance(1);
        }
    };
    let observations = portcullis_probe::probe_all_with(&targets, request.options, request.concurrency, &done);
    if let Some(p) = request.progress {
        p.finish();
    }
    let mut findings = Vec::new();
    for o in &observations {
        if let Some(e) = o.not_probed() {
            let (file, line, column) = match &o.target.origin {
                Some(or) => (or.file.clone(), or.line, or.column),
                None => (o.target.to_string(), 0, 0),
            };
            errors.push(ReportError { file, line, column, message: e.to_string() });
        }
        findings.extend(portcullis_rules::probe::findings(o));
    }
    portcullis_rules::finding::sort_findings(&mut findings);
    // Two targets on one host share its legacy port: one finding, naming
    // every line that led to it.
    findings.dedup_by(|later, first| {
        let same = later.fingerprint() == first.fingerprint() && later.message == first.message;
        if same {
            let mut merged = first.because.to_vec();
            for b in later.because.iter() {
                if !merged.contains(b) {
                    merged.push(b.clone());
                }
            }
            first.because = merged.into();
        }
        same
    });
    Ok(Run {
        findings,
        errors: sorted_errors(errors),
        files_read: targets.len(),
        sources: Box::new(sources),
        waivers: Vec::new(),
        read,
        body: Body::Findings,
        timer: crate::scan::Timer::new(false),
        estate: None,
        moves: Vec::new(),
    })
}
