//! The probe crate's one error type: a target that cannot be probed as
//! written, or a certificate that cannot be read, with what was read and,
//! for a line of a targets file, where.

use crate::target::Origin;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The text as written (a target), or empty (a certificate).
    pub input: String,
    /// The line of the targets file that names it, when one does.
    pub at: Option<Origin>,
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing to probe on the line or argument.
    EmptyTarget,
    /// A URL of another scheme than `https://`.
    NotHttps,
    /// A URL with a path.
    UrlWithPath,
    /// `[` without `]`.
    UnclosedBracket,
    /// Something other than `:PORT` after `[ADDRESS]`.
    NoPortAfterBracket,
    /// `[HOST]` where HOST is not an IPv6 address.
    NotIpv6(String),
    /// Several colons without brackets, and not an IPv6 address.
    BareIpv6,
    /// `:PORT` alone.
    NoHost,
    /// Neither an IP address nor a DNS name.
    NotAHost(String),
    /// A port outside 1-65535, or not a number.
    BadPort(String),
    /// Two words on one line of a targets file.
    TwoTargetsOnALine,
    /// A served certificate that is not DER X.509: the parser's reason.
    Certificate(String),
}

impl Error {
    pub(crate) fn new(input: &str, kind: ErrorKind) -> Error {
        Error { input: input.to_string(), at: None, kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = &self.input;
        match &self.kind {
            ErrorKind::EmptyTarget => write!(f, "empty target"),
            ErrorKind::NotHttps => write!(f, "`{raw}`: only https:// URLs are probed (10257 speaks TLS)"),
            ErrorKind::UrlWithPath => write!(f, "`{raw}`: a target is HOST[:PORT], not a URL with a path"),
            ErrorKind::UnclosedBracket => write!(f, "`{raw}`: `[` without a closing `]`"),
            ErrorKind::NoPortAfterBracket => write!(f, "`{raw}`: expected `:PORT` after `]`"),
            ErrorKind::NotIpv6(host) => write!(f, "`{raw}`: `{host}` is not an IPv6 address"),
            ErrorKind::BareIpv6 => {
                write!(f, "`{raw}`: not an IPv6 address; write IPv6 with a port as [ADDRESS]:PORT")
            }
            ErrorKind::NoHost => write!(f, "`{raw}`: no host"),
            ErrorKind::NotAHost(host) => write!(f, "`{raw}`: `{host}` is neither an IP address nor a host name"),
            ErrorKind::BadPort(port) => write!(f, "`{raw}`: `{port}` is not a port number 1-65535"),
            ErrorKind::TwoTargetsOnALine => write!(f, "`{raw}`: one target a line (start comments with `#`)"),
            ErrorKind::Certificate(reason) => write!(f, "unreadable certificate: {reason}"),
        }
    }
}

impl std::error::Error for Error {}
