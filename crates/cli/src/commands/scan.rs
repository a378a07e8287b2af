//! `portcullis scan`: read inputs, evaluate every target for every port,
//! report findings.

use crate::args::{Format, ScanArgs};
use crate::{inputs, settings};
use anyhow::{Context, Result};
use portcullis_report::{json::Json, sarif::Sarif, text::Text, Emitter, Report, ReportError};
use std::io::Write;

/// Input errors, sorted, in the report's shape.
pub fn report_errors(loaded: &inputs::Loaded) -> Vec<ReportError> {
    let mut errors: Vec<ReportError> = loaded
        .outcomes
        .iter()
        .flat_map(|o| o.errors.iter())
        .map(|e| ReportError { file: e.file.clone(), line: e.line, column: e.column, message: e.message.clone() })
        .collect();
    errors.sort();
    errors.dedup();
    errors
}

pub fn run(args: ScanArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    let mut loaded = inputs::load(&args.common.paths);
    let estate = portcullis_ingest::assemble(&mut loaded.outcomes);
    let findings = portcullis_rules::check_estate(&estate, &settings.queries, &settings.authorized);
    let errors = report_errors(&loaded);
    let report = Report { findings: &findings, errors: &errors, files_read: loaded.files_read(), sources: &loaded };
    let emitter: Box<dyn Emitter> = match args.format {
        Format::Text => Box::new(Text { color: args.output.is_none() && super::use_color(args.common.color) }),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
    };
    let mut buf = Vec::new();
    emitter.emit(&report, &mut buf)?;
    match &args.output {
        Some(p) => std::fs::write(p, &buf).with_context(|| format!("cannot write {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            if let Err(e) = out.write_all(&buf).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok(2);
    }
    let failing = settings.fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
}
