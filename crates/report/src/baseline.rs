//! Baselines: the findings of an earlier run, recorded by their stable
//! fingerprints ([`Finding::fingerprint`]) so a later run reports only what
//! is new and what has been fixed since.
//!
//! The file: `{"version": 1, "findings": [{"fingerprint", "rule",
//! "resource", "port", "protocol", "message"}]}`, sorted by fingerprint.

use crate::error::{Error, ErrorKind};
use portcullis_rules::Finding;
use serde::{Deserialize, Serialize};

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default)]
    pub message: String,
}

impl BaselineEntry {
    pub fn of(f: &Finding) -> Self {
        BaselineEntry {
            fingerprint: f.fingerprint(),
            rule: f.rule.clone(),
            resource: f.resource.clone(),
            port: f.port,
            protocol: f.protocol.clone(),
            message: f.message.clone(),
        }
    }
}

/// A baseline file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    /// The baseline of `findings`: one entry per fingerprint, sorted, so the
    /// same findings always write the same bytes.
    pub fn from_findings(findings: &[Finding]) -> Self {
        let mut entries: Vec<BaselineEntry> = findings.iter().map(BaselineEntry::of).collect();
        entries.sort();
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline { version: 1, findings: entries }
    }

    /// Reads a baseline file's text. The error names the line and column
    /// of a JSON problem: `line 3, column 17: expected value`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            // serde_json appends " at line L column C"; said once, up front.
            let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m).to_string();
            Error { kind: ErrorKind::BaselineSyntax { line: e.line(), column: e.column(), message } }
        })?;
        if b.version != 1 {
            return Err(Error { kind: ErrorKind::BaselineVersion(b.version) });
        }
        Ok(b)
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a baseline always serializes");
        s.push('\n');
        s
    }

    /// The recorded fingerprints.
    pub fn fingerprints(&self) -> std::collections::HashSet<&str> {
        self.findings.iter().map(|e| e.fingerprint.as_str()).collect()
    }
}

/// What a run compared against a baseline adds to its report.
#[derive(Clone, Copy)]
pub struct BaselineDiff<'a> {
    /// Current findings already in the baseline (the report's `findings`
    /// are the new ones).
    pub unchanged: &'a [Finding],
    /// Baseline entries no current finding matches.
    pub fixed: &'a [BaselineEntry],
}
