//! Why a text could not be read, and where: the one error type of the
//! syntax layer.
//!
//! The JSON parser knows byte offsets only (a reader turns them into lines
//! with its [`crate::LineIndex`], the one it already has); the YAML loader
//! knows lines and columns, and the file they are in.

use crate::Span;
use std::fmt;

/// A text that is not well-formed, or a part of it that is not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// What is wrong, for a person ("expected `,` or `]` after array element, found `}`").
    pub message: String,
}

/// What kind of problem, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not (the accepted dialect of) JSON. `offset` is the byte offset of
    /// the offending byte, or the length of the text when it ends too early.
    Json { offset: u32 },
    /// A JSON object that repeats a key: `offset` is the repeated key's
    /// opening `"`, `first` the first one's. JSON parsers disagree on which
    /// value counts (the first, the last, or an error), so the text has no
    /// one meaning and is refused, as the YAML loader refuses it.
    DuplicateKey { offset: u32, first: u32 },
    /// Not YAML.
    Yaml { span: Span },
    /// Well-formed, but a part that is not read (a mapping key that is not
    /// a scalar, a merge key that names no mapping, nesting too deep): the
    /// rest of the document is read.
    Skipped { span: Span },
}

impl Error {
    /// A JSON syntax error at a byte offset.
    pub fn json(offset: u32, message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Json { offset }, message: message.into() }
    }

    /// The byte offset of a JSON error (of the repeated key, for a
    /// duplicate).
    pub fn offset(&self) -> Option<u32> {
        match self.kind {
            ErrorKind::Json { offset } | ErrorKind::DuplicateKey { offset, .. } => Some(offset),
            _ => None,
        }
    }

    /// Where the error is, when the reader knew the line.
    pub fn span(&self) -> Option<&Span> {
        match &self.kind {
            ErrorKind::Json { .. } | ErrorKind::DuplicateKey { .. } => None,
            ErrorKind::Yaml { span } | ErrorKind::Skipped { span } => Some(span),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Json { offset } | ErrorKind::DuplicateKey { offset, .. } => {
                write!(f, "{} at byte {offset}", self.message)
            }
            ErrorKind::Yaml { span } | ErrorKind::Skipped { span } => write!(f, "{span}: {}", self.message),
        }
    }
}

impl std::error::Error for Error {}
