//! The pipeline's one error type: what stops a run before or after its
//! report (a baseline that cannot be read, a report that cannot be
//! written, a request that names nothing to do). Problems with the inputs
//! themselves are not errors of the run: they are reported (`errors` of the
//! report) and the run goes on.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
}

#[derive(Debug)]
pub enum ErrorKind {
    /// The baseline file could not be read.
    ReadBaseline { path: PathBuf, error: std::io::Error },
    /// The baseline file is not a baseline this build reads.
    MalformedBaseline { path: PathBuf, error: portcullis_report::Error },
    /// The report could not be written to this file.
    Write { path: PathBuf, error: std::io::Error },
    /// The report could not be written to standard output.
    Stdout(std::io::Error),
    /// The baseline could not be written.
    WriteBaseline { path: PathBuf, error: std::io::Error },
    /// `PORTCULLIS_TODAY` is not a day.
    Today(String),
    /// `explain --target` names no target of the inputs.
    NoSuchTarget { target: String, targets: Vec<String> },
    /// `probe` was given no endpoint at all.
    NothingToProbe,
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            // The cause is the error's source (`{:#}` of anyhow prints both).
            ErrorKind::ReadBaseline { path, .. } => write!(f, "cannot read baseline {}", path.display()),
            ErrorKind::MalformedBaseline { path, .. } => write!(f, "malformed baseline {}", path.display()),
            ErrorKind::Write { path, .. } => write!(f, "cannot write {}", path.display()),
            ErrorKind::Stdout(_) => write!(f, "cannot write the report to standard output"),
            ErrorKind::WriteBaseline { path, .. } => write!(f, "cannot write baseline {}", path.display()),
            ErrorKind::Today(text) => write!(f, "PORTCULLIS_TODAY=`{text}` is not a date written YYYY-MM-DD"),
            ErrorKind::NoSuchTarget { target, targets } => {
                write!(f, "no target `{target}` in the inputs (targets: {})", targets.join(", "))
            }
            ErrorKind::NothingToProbe => write!(f, "nothing to probe: name HOST[:PORT] endpoints or a --targets FILE"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::ReadBaseline { error, .. }
            | ErrorKind::Write { error, .. }
            | ErrorKind::Stdout(error)
            | ErrorKind::WriteBaseline { error, .. } => Some(error),
            ErrorKind::MalformedBaseline { error, .. } => Some(error),
            _ => None,
        }
    }
}
