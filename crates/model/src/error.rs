//! The model's one error type: what was read, and which kind of problem
//! it has. Every parser of this crate (CIDR blocks, dates, times, ports) returns
//! it; the message names the input and says what is wrong with it.

use std::fmt;

/// A value this crate could not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The text as it was given.
    pub input: String,
    pub kind: ErrorKind,
}

/// What is wrong with the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not a CIDR block, for this reason (`an IPv4 prefix length is at most 32`).
    Cidr(&'static str),
    /// Not a date written `YYYY-MM-DD`.
    DateShape,
    /// Not a time as RFC 3339 writes it (`2024-05-06T12:00:00Z`), nor a date.
    TimeShape,
    /// Written as a date, but the calendar has no such day (`2024-02-31`).
    NoSuchDay { year: i32, month: u8, day: u8 },
    /// Not a port (`22`) nor a range of ports (`10000-20000`).
    PortShape,
    /// A port number past 65535; the field holds the number as written.
    PortOutOfRange(String),
    /// A range whose start is past its end (`10258-10256`): every provider
    /// rejects it, so it is an error rather than an empty set.
    PortRangeBackwards,
}

impl Error {
    pub(crate) fn new(input: &str, kind: ErrorKind) -> Error {
        Error { input: input.to_string(), kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = &self.input;
        match &self.kind {
            ErrorKind::Cidr(reason) => write!(f, "`{input}` is not a CIDR block: {reason}"),
            ErrorKind::DateShape => write!(f, "`{input}` is not a date written YYYY-MM-DD"),
            ErrorKind::TimeShape => write!(f, "`{input}` is not a time written as RFC 3339 (2024-05-06T12:00:00Z)"),
            ErrorKind::NoSuchDay { year, month, day } => {
                let name = crate::date::month_name(*month);
                match crate::date::days_in_month(*year, *month) {
                    Some(days) => {
                        write!(f, "`{input}` is not a day of the calendar: {name} {year} has {days} days, not {day}")
                    }
                    None => write!(f, "`{input}` is not a day of the calendar: there is no month {month}"),
                }
            }
            ErrorKind::PortShape => write!(f, "`{input}` is not a port or a range A-B"),
            ErrorKind::PortOutOfRange(port) => write!(f, "port `{port}` is outside 0-65535"),
            ErrorKind::PortRangeBackwards => write!(f, "range `{input}` runs backwards (the provider rejects it)"),
        }
    }
}

impl std::error::Error for Error {}
