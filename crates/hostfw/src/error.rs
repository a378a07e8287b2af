//! Errors about host firewall inputs, each at a file, line and column.

use portcullis_model::Span;
use std::fmt;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not well-formed: a line the format cannot have, an unclosed brace.
    Syntax,
    /// Well-formed, but a value is wrong (an address, a port, a chain that
    /// does not exist).
    Invalid,
}

/// An error about one place in one input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostfwError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub kind: ErrorKind,
    pub message: String,
}

impl HostfwError {
    pub fn at(span: &Span, kind: ErrorKind, message: impl Into<String>) -> Self {
        HostfwError { file: span.file.to_string(), line: span.line, column: span.column, kind, message: message.into() }
    }
}

impl fmt::Display for HostfwError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl std::error::Error for HostfwError {}
