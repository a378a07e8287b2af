//! Errors about inputs: always with the file, line and column they are about.

use std::fmt;

/// What went wrong with an input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read at all.
    Io,
    /// Not well-formed (JSON syntax, truncated file).
    Syntax,
    /// Well-formed, but a field has the wrong type or an invalid value.
    Invalid,
}

/// An error about one place in one input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IngestError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub kind: ErrorKind,
    pub message: String,
}

impl IngestError {
    /// A well-formed value that is wrong, at `span`.
    pub fn invalid(span: &portcullis_model::Span, message: String) -> Self {
        IngestError {
            file: span.file.to_string(),
            line: span.line,
            column: span.column,
            kind: ErrorKind::Invalid,
            message,
        }
    }
}

impl IngestError {
    /// An error of the YAML loader, which knows its place: a text that is
    /// not YAML is a syntax error, a part it skipped an invalid value.
    pub fn from_yaml(e: portcullis_syntax::Error) -> Self {
        use portcullis_syntax::ErrorKind as Syntax;
        let kind = match e.kind {
            Syntax::Skipped { .. } => ErrorKind::Invalid,
            _ => ErrorKind::Syntax,
        };
        match e.span() {
            Some(s) => {
                IngestError { file: s.file.to_string(), line: s.line, column: s.column, kind, message: e.message }
            }
            // JSON errors are placed by the reader that holds the text.
            None => IngestError { file: String::new(), line: 0, column: 0, kind, message: e.to_string() },
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for IngestError {}
