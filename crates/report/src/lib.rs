//! portcullis report: renders findings as text, JSON (contract version 1)
//! or SARIF 2.1.0. Output formats sit behind one small trait and see only
//! findings, errors and a way to read source lines for snippets.

pub mod baseline;
pub mod error;
pub mod events;
pub mod flows;
pub mod json;
pub mod sarif;
pub mod text;

pub use error::{Error, ErrorKind};
use portcullis_rules::{Finding, Severity};
use serde::Serialize;
use std::io::{self, Write};

/// An input problem, as reported to users (JSON `errors`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReportError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Gives the text of an input file for snippets (`None` when unreadable).
pub trait Sources {
    fn text(&self, file: &str) -> Option<std::sync::Arc<str>>;

    /// What was read, counted, for the text summary (`3 input files`); a
    /// probe counts endpoints instead.
    fn describe_inputs(&self, n: usize) -> String {
        if n == 1 {
            "1 input file".to_string()
        } else {
            format!("{n} input files")
        }
    }
}

/// No snippets.
pub struct NoSources;

impl Sources for NoSources {
    fn text(&self, _file: &str) -> Option<std::sync::Arc<str>> {
        None
    }
}

/// What one run produced.
pub struct Report<'a> {
    /// Findings in canonical order (`portcullis_rules::finding::sort_findings`;
    /// `check_estate` returns them so). Emitters print them as given.
    pub findings: &'a [Finding],
    pub errors: &'a [ReportError],
    /// How many input files were read as a known format.
    pub files_read: usize,
    pub sources: &'a dyn Sources,
    /// Set when the run was compared against a baseline (`--baseline`):
    /// `findings` are then only the new ones.
    pub baseline: Option<baseline::BaselineDiff<'a>>,
}

/// One output format.
pub trait Emitter {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Counts of findings by severity, worst first, for summaries.
pub fn severity_counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    let mut out = Vec::new();
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
        let n = findings.iter().filter(|f| f.severity == s).count();
        if n > 0 {
            out.push((s, n));
        }
    }
    out
}
