//! The flows crate's one error type: a value of the user's that cannot be
//! read (a `--fields` layout, a `--since`/`--until` time). What is wrong
//! in a log itself is not an error of the run: it is counted and listed
//! per file (`read::FileOutcome`).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A `--fields` value that names no field.
    NoFields,
    /// More fields than any AWS layout has.
    TooManyFields { count: usize, most: usize },
    /// A name that is not an AWS flow log field.
    UnknownField(String),
    /// A time that is neither Unix seconds nor RFC 3339 (nor a day).
    Time(portcullis_model::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NoFields => write!(f, "no field names"),
            ErrorKind::TooManyFields { count, most } => write!(f, "{count} fields; at most {most}"),
            ErrorKind::UnknownField(name) => write!(f, "`{name}` is not an AWS flow log field"),
            ErrorKind::Time(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind }
    }
}
