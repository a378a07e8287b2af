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
    /// The baseline file could not be read (the file layer says why).
    ReadBaseline(portcullis_files::Error),
    /// The baseline file is not UTF-8 text.
    BaselineNotText(portcullis_files::Error),
    /// The baseline file is not a baseline this build reads.
    MalformedBaseline { path: PathBuf, error: portcullis_report::Error },
    /// The report could not be written to its file.
    Write(portcullis_files::Error),
    /// The report could not be written to standard output.
    Stdout(std::io::Error),
    /// The baseline could not be written.
    WriteBaseline { path: PathBuf, error: portcullis_files::Error },
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

/// Each message carries its cause (the file layer's message names the
/// file and says why), as the command line prints it.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::ReadBaseline(e) => write!(f, "cannot read baseline {e}"),
            ErrorKind::BaselineNotText(e) => write!(f, "malformed baseline {e}"),
            ErrorKind::MalformedBaseline { path, error } => write!(f, "malformed baseline {}: {error}", path.display()),
            ErrorKind::Write(e) => write!(f, "{e}"),
            ErrorKind::Stdout(e) => write!(f, "{e}"),
            ErrorKind::WriteBaseline { path, error } => write!(f, "cannot write baseline {}: {error}", path.display()),
            ErrorKind::Today(text) => write!(f, "PORTCULLIS_TODAY=`{text}` is not a date written YYYY-MM-DD"),
            ErrorKind::NoSuchTarget { target, targets } => {
                write!(f, "no target `{target}` in the inputs (targets: {})", targets.join(", "))
            }
            ErrorKind::NothingToProbe => write!(f, "nothing to probe: name HOST[:PORT] endpoints or a --targets FILE"),
        }
    }
}

impl std::error::Error for Error {}
