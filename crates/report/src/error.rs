//! The report crate's one error type: what went wrong reading a file this
//! crate defines (a baseline).

use std::fmt;

/// A baseline that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not the JSON of a baseline: where (1-based) and what is wrong.
    BaselineSyntax { line: usize, column: usize, message: String },
    /// A baseline of a version this build does not read.
    BaselineVersion(u32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::BaselineSyntax { line, column, message } => write!(f, "line {line}, column {column}: {message}"),
            ErrorKind::BaselineVersion(v) => {
                write!(f, "baseline version {v} is not supported (this portcullis reads version 1)")
            }
        }
    }
}

impl std::error::Error for Error {}
