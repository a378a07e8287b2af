//! The diff's outputs, one file a format: `text` for people at a
//! terminal, `json` (contract version 1, docs/json.md "diff"), `sarif`
//! (only what got worse, for code scanning on the pull request),
//! `markdown` (a pull-request comment) and `github` (workflow
//! annotations). Each sees the same [`DiffReport`].

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::Change;
use portcullis_report::ReportError;
use serde::Serialize;
use std::io::{self, Write};

/// Which side an input problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Base,
    Head,
}

/// An input problem of one side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SideError {
    pub side: Side,
    #[serde(flatten)]
    pub error: ReportError,
}

/// What a diff writes.
pub struct DiffReport<'a> {
    /// Worst first ([`crate::compare::sort_changes`]).
    pub changes: &'a [Change],
    pub errors: &'a [SideError],
    /// How the two sides are named for people: `main`, `HEAD`, `before`.
    pub base_label: &'a str,
    pub head_label: &'a str,
}

/// The formats `diff --format` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Markdown,
    Github,
}

/// Writes the report in `format`.
pub fn write(report: &DiffReport, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Github => github::write(report, out),
    }
}

impl DiffReport<'_> {
    /// How a side is named for people.
    pub(crate) fn label(&self, side: Side) -> &str {
        match side {
            Side::Base => self.base_label,
            Side::Head => self.head_label,
        }
    }
}

/// `tcp/10257`, or `-` for a hardening check.
pub(crate) fn port_text(c: &Change) -> String {
    match (c.protocol.as_deref(), c.port) {
        (Some(p), Some(n)) => format!("{p}/{n}"),
        _ => "-".into(),
    }
}

/// `main.tf:18`, or `-`.
pub(crate) fn place_text(p: Option<&crate::Place>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{}:{}", p.file, p.line))
}

/// `+0.0.0.0/0 -10.0.0.0/8`, at most `most` entries, then how many more.
pub(crate) fn delta_text(c: &Change, most: usize) -> String {
    let all: Vec<String> =
        c.added.iter().map(|a| format!("+{a}")).chain(c.removed.iter().map(|r| format!("-{r}"))).collect();
    let mut shown: Vec<String> = all.iter().take(most).cloned().collect();
    if all.len() > most {
        shown.push(format!("(+{} more)", all.len() - most));
    }
    shown.join(" ")
}

/// `2 opened, 1 closed`.
pub(crate) fn summary(changes: &[Change]) -> String {
    use crate::ChangeKind::*;
    let parts: Vec<String> = [Opened, Widened, Path, Narrowed, Closed]
        .iter()
        .filter_map(|k| {
            let n = changes.iter().filter(|c| c.change == *k).count();
            (n > 0).then(|| format!("{n} {}", k.as_str()))
        })
        .collect();
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}
