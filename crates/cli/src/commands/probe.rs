//! `portcullis probe HOST[:PORT]… [--targets FILE]`: connect to the
//! endpoints the user names, and only those, and report what a client
//! without credentials gets, through the same reports as `scan`.

use super::scan::emit_to;
use crate::args::{Format, ProbeArgs};
use crate::settings::parse_fail_on;
use anyhow::{bail, Result};
use portcullis_files::{InputKind, Origin};
use portcullis_probe::{target, Options, Target, LEGACY_PORT};
use portcullis_report::{json::Json, sarif::Sarif, text::Text, Emitter, Report, ReportError};
use std::sync::Arc;
use std::time::Duration;

/// Shows targets files in text snippets; counts endpoints in summaries.
struct Targets {
    files: Vec<(String, Arc<str>)>,
}

impl portcullis_report::Sources for Targets {
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

/// The most endpoints probed at once: each holds a socket and a thread.
const MAX_CONCURRENCY: usize = 256;

pub fn run(args: ProbeArgs) -> Result<u8> {
    let fail_on = parse_fail_on(&args.fail_on)?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 600.0) {
        bail!("--timeout {}: expected seconds between 0 and 600", args.timeout);
    }
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        bail!("--concurrency {}: expected 1 to {MAX_CONCURRENCY}", args.concurrency);
    }
    let mut targets: Vec<Target> = Vec::new();
    let mut errors: Vec<ReportError> = Vec::new();
    for raw in &args.targets {
        match target::parse(raw, target::DEFAULT_PORT) {
            Ok(t) => targets.push(t),
            Err(message) => errors.push(ReportError { file: raw.clone(), line: 0, column: 0, message }),
        }
    }
    let mut sources = Targets { files: Vec::new() };
    for path in &args.target_files {
        let name = path.display().to_string();
        let read = portcullis_files::open(path, &name, Origin::Named)
            .and_then(|input| input.contents(InputKind::Settings.limit()))
            .and_then(|contents| contents.unchanged().map(|_| contents));
        match read {
            Ok(contents) => {
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
                errors.extend(bad.into_iter().map(|e| ReportError {
                    file: e.file,
                    line: e.line,
                    column: e.column,
                    message: e.message,
                }));
                sources.files.push((name, Arc::from(text)));
            }
            Err(e) => errors.push(ReportError { file: name, line: 0, column: 0, message: e.message }),
        }
    }
    if args.legacy_port == 0 {
        bail!("--legacy-port 0: expected a port 1-65535 (the default is {LEGACY_PORT})");
    }
    if targets.is_empty() && errors.is_empty() {
        bail!("nothing to probe: name HOST[:PORT] endpoints or a --targets FILE");
    }
    let opts = Options {
        timeout: Duration::from_secs_f64(args.timeout),
        legacy_port: args.legacy.then_some(args.legacy_port),
    };
    let observations = portcullis_probe::probe_all(&targets, &opts, args.concurrency);
    let mut findings = Vec::new();
    for o in &observations {
        if let Some(e) = portcullis_probe::verdict::not_probed(o) {
            let (file, line, column) = match &o.target.origin {
                Some(or) => (or.file.clone(), or.line, or.column),
                None => (o.target.to_string(), 0, 0),
            };
            errors.push(ReportError { file, line, column, message: e.to_string() });
        }
        findings.extend(portcullis_probe::findings(o));
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
    errors.sort();
    errors.dedup();
    let report =
        Report { findings: &findings, errors: &errors, files_read: targets.len(), sources: &sources, baseline: None };
    let emitter: Box<dyn Emitter> = match args.format {
        Format::Text => Box::new(Text { color: args.output.is_none() && super::use_color(args.color) }),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
    };
    emit_to(emitter.as_ref(), &report, args.output.as_deref())?;
    Ok(if !errors.is_empty() {
        2
    } else if fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t)) {
        1
    } else {
        0
    })
}
