//! One error type for everything that can go wrong reading an input or
//! writing an output, with a kind a caller can match on (as ripgrep's
//! `globset` does) and the path as the user wrote it.

use std::fmt;

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing at the path (a dangling symbolic link included).
    NotFound,
    /// A named pipe, socket or device where only a regular file is read:
    /// found by walking a directory, or in a Terraform module directory.
    NotRegular {
        /// What it is, for people: "a named pipe", "a socket", "a device".
        what: &'static str,
    },
    /// A named pipe that no process has open for writing: reading it would
    /// wait forever.
    NoWriter,
    /// Larger than the limit for its kind of input (see [`crate::limits`]).
    TooLarge { limit: u64 },
    /// The file was truncated or rewritten while it was read (log rotation
    /// with `copytruncate`, a dump written again); what was read of it is
    /// not used.
    Changed,
    /// Not UTF-8 text: the first invalid byte, 1-based line and column (in
    /// characters, as an editor counts them).
    NotUtf8 { line: u32, column: u32 },
    /// A symbolic link that leads back to one of its own ancestors.
    Loop,
    /// An output path that is one of the run's inputs.
    OutputIsInput,
    /// Any other failure of the operating system.
    Io,
}

/// An error about one path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The path as the user wrote it (or as walking found it).
    pub path: String,
    pub kind: ErrorKind,
    /// What happened, for people, without the path.
    pub message: String,
}

impl Error {
    pub(crate) fn new(path: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { path: path.into(), kind, message: message.into() }
    }

    /// A failed read: `no such file or directory`, or `cannot read: …`.
    pub(crate) fn read(path: impl Into<String>, e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(path, ErrorKind::NotFound, "no such file or directory")
        } else {
            Error::new(path, ErrorKind::Io, format!("cannot read: {}", io_message(e)))
        }
    }

    /// A failed write: `cannot write: …`.
    pub(crate) fn write(path: impl Into<String>, e: &std::io::Error) -> Self {
        Error::new(path, ErrorKind::Io, format!("cannot write: {}", io_message(e)))
    }

    /// 1-based line of the error, 0 when it is about the whole file.
    pub fn line(&self) -> u32 {
        match self.kind {
            ErrorKind::NotUtf8 { line, .. } => line,
            _ => 0,
        }
    }

    /// 1-based column of the error, 0 when it is about the whole file.
    pub fn column(&self) -> u32 {
        match self.kind {
            ErrorKind::NotUtf8 { column, .. } => column,
            _ => 0,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::NotUtf8 { line, column } => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// `cannot read: …` without Rust's `(os error 2)` tail: people need the
/// reason, not the number.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    let reason = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut reason = reason.to_string();
    if let Some(first) = reason.get(..1) {
        let lower = first.to_lowercase();
        reason.replace_range(..1, &lower);
    }
    reason
}
