//! The crate's one error type: what failed, where (cloud, account or
//! subscription or project, region) and in which call.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's configuration: a missing profile, an unreadable file, a
    /// malformed option.
    Config,
    /// No credentials could be found, or the ones found were refused.
    Credentials,
    /// The call was refused for these credentials (access denied, a region
    /// not enabled for the account).
    Denied,
    /// Throttled on every attempt.
    Throttled,
    /// The service failed on every attempt (5xx).
    Server,
    /// No answer: connection refused, reset, timed out.
    Transport,
    /// An answer that is not what the API documents.
    Malformed,
    /// Any other refusal by the API.
    Api,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveError {
    pub kind: ErrorKind,
    /// Where: `aws 123456789012 eu-west-1`, `azure subscription …`.
    pub place: Option<String>,
    /// Which call: `ec2:DescribeSecurityGroups`.
    pub call: Option<String>,
    pub message: String,
}

impl LiveError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        LiveError { kind, place: None, call: None, message: message.into() }
    }

    pub fn at(mut self, place: impl Into<String>) -> Self {
        self.place.get_or_insert_with(|| place.into());
        self
    }

    pub fn in_call(mut self, call: impl Into<String>) -> Self {
        self.call.get_or_insert_with(|| call.into());
        self
    }
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.place, &self.call) {
            (Some(p), Some(c)) => write!(f, "{p}: {c}: {}", self.message),
            (Some(p), None) => write!(f, "{p}: {}", self.message),
            (None, Some(c)) => write!(f, "{c}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LiveError {}
