//! The events crate's one error type: an input that could not be read as
//! change events, or a part of one, with the file, line and column. What
//! is wrong in one event never stops the others: each is an error of its
//! own and reading goes on.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Error {
    /// The input as named or found by walking.
    pub file: String,
    /// 1-based; 0 for the whole file.
    pub line: u32,
    /// 1-based, in characters; 0 for no column.
    pub column: u32,
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The file could not be opened or read (`portcullis_files` says why).
    Io(String),
    /// Not JSON, or JSON cut short.
    Syntax(String),
    /// JSON, but not change events portcullis reads (a named file only:
    /// files found by walking a directory are skipped).
    NotEvents,
    /// An event of a kind portcullis judges, with a field it cannot read.
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io(m) | ErrorKind::Syntax(m) | ErrorKind::Invalid(m) => f.write_str(m),
            ErrorKind::NotEvents => f.write_str(
                "not change events portcullis reads (CloudTrail records or lookup-events output, Azure Activity Log, GCP Cloud Audit Logs)",
            ),
        }
    }
}

impl std::error::Error for Error {}
