//! portcullis report: renders findings as text, JSON (contract version 1),
//! SARIF 2.1.0, JUnit XML, GitHub workflow commands, Markdown or one HTML
//! page. Output formats sit behind one small trait ([`Emitter`]) and see
//! only findings, errors and a way to read source lines for snippets;
//! [`Format`] names them.

pub mod baseline;
pub mod error;
pub mod events;
pub mod explain;
pub mod flows;
pub mod format;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod snippet;
pub mod text;

pub use error::{Error, ErrorKind};
pub use format::{destinations, emitter, Destination, DestinationError, Format, TextOptions};
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
    /// `--fail-on`: findings at or above it fail the run (JUnit marks them
    /// failed, the others pass); `None`, none does.
    pub fail_on: Option<Severity>,
}

impl Report<'_> {
    /// Whether `finding` fails the run: not suppressed, and at or above
    /// `--fail-on`.
    pub fn fails(&self, finding: &Finding) -> bool {
        finding.suppressed.is_none() && self.fail_on.is_some_and(|t| finding.severity >= t)
    }
}

/// One output format.
pub trait Emitter {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// A finding's head line: `PC100 unrestricted tcp/10257` (rule, exposure
/// class, port), as the text report's first line shows it.
pub fn headline(f: &Finding) -> String {
    match (&f.protocol, f.port) {
        (Some(protocol), Some(port)) => match f.exposure {
            Some(e) => format!("{} {} {protocol}/{port}", f.rule, e.as_str()),
            None => format!("{} {protocol}/{port}", f.rule),
        },
        _ => f.rule.clone(),
    }
}

/// A finding's reach as the one-line formats show it (GitHub annotations,
/// JUnit, markdown): the verdict with its reason (`none: rtb-1 sends
/// 0.0.0.0/0 to nat-1: …`), and the path drawn on one line as the text
/// report draws it ([`text::draw_path`]), when there is one. `None` when
/// the finding has no path (flows, probes, inputs without a topology).
pub fn reach_lines(f: &Finding) -> Option<(String, Option<String>)> {
    let r = f.reach.as_ref()?;
    let verdict = match &r.reason {
        Some(reason) => format!("{}: {reason}", r.reach.as_str()),
        None => r.reach.as_str().to_string(),
    };
    let via = (!r.via.is_empty()).then(|| text::draw_path(r.reach, &r.via));
    Some((verdict, via))
}

/// `file:line:column`, `file:line` without a column, or the file alone
/// when the finding is about a whole file (line 0).
pub fn position(file: &str, line: u32, column: u32) -> String {
    match (line, column) {
        (0, _) => file.to_string(),
        (l, 0) => format!("{file}:{l}"),
        (l, c) => format!("{file}:{l}:{c}"),
    }
}

/// Counts of findings by rule, in the registry's (code) order, then any
/// rule the registry does not know, by code.
pub fn rule_counts<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Vec<(&'f str, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in findings {
        *counts.entry(f.rule.as_str()).or_default() += 1;
    }
    let rank = |code: &str| portcullis_rules::RULES.iter().position(|r| r.code == code).unwrap_or(usize::MAX);
    let mut out: Vec<(&str, usize)> = counts.into_iter().collect();
    out.sort_by_key(|(code, _)| rank(code));
    out
}

/// The name of the rule with `code` (`controller-manager-port-reachable`),
/// or empty for a code the registry does not know.
pub fn rule_name(code: &str) -> &'static str {
    portcullis_rules::RULES.iter().find(|r| r.code == code).map_or("", |r| r.name)
}

/// The one-line summary every human format ends or opens with: `4
/// findings (1 critical, 1 high, 1 medium, 1 low) in 4 input files, 2 input
/// errors`, then what a baseline or suppressions changed. Suppressed
/// findings are counted apart. `head` styles the count, `severity` each
/// severity's name (colours in text; as they are elsewhere).
pub fn summary(report: &Report, head: impl Fn(&str) -> String, severity: impl Fn(Severity) -> String) -> String {
    let shown: Vec<&Finding> = report.findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let suppressed = report.findings.len() - shown.len();
    let counts = severity_counts(shown.iter().copied());
    let n = shown.len();
    let by = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.iter().map(|(s, c)| format!("{c} {}", severity(*s))).collect::<Vec<_>>().join(", "))
    };
    let errs = match report.errors.len() {
        0 => String::new(),
        1 => ", 1 input error".to_string(),
        k => format!(", {k} input errors"),
    };
    let files = report.sources.describe_inputs(report.files_read);
    let (new, against) = match report.baseline {
        Some(b) => ("new ", format!("; {} unchanged, {} fixed since the baseline", b.unchanged.len(), b.fixed.len())),
        None => ("", String::new()),
    };
    let count = format!("{n} {new}finding{}", if n == 1 { "" } else { "s" });
    let sup = if suppressed == 0 { String::new() } else { format!("; {suppressed} suppressed") };
    format!("{}{by} in {files}{errs}{against}{sup}", head(&count))
}

/// The findings that are not suppressed, worst first; the report's order
/// within a severity (the sort is stable).
pub fn worst_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut shown: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    shown.sort_by_key(|f| std::cmp::Reverse(f.severity));
    shown
}

/// Counts of findings by severity, worst first, for summaries.
pub fn severity_counts<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Vec<(Severity, usize)> {
    let mut counts = [0usize; 5];
    for f in findings {
        counts[f.severity as usize] += 1;
    }
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .into_iter()
        .map(|s| (s, counts[s as usize]))
        .filter(|(_, n)| *n > 0)
        .collect()
}
