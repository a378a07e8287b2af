//! Port sets and protocols.
//!
//! Provider spellings (`-1`, `all`, `6`, `Tcp`, `*`) are normalized by each
//! input adapter; this module only knows IANA protocol numbers.

use crate::error::{Error, ErrorKind};
use crate::interval::IntervalSet;
use std::fmt;

/// A set of TCP/UDP ports, 0–65535.
pub type PortSet = IntervalSet<u16>;

/// Renders a port set as `10257`, `10250-10260`, `all`, or a comma list.
pub fn format_ports(p: &PortSet) -> String {
    if p.is_full() {
        return "all".into();
    }
    if p.is_empty() {
        return "none".into();
    }
    // Digits pushed by hand: a dump labels every rule with its ports, and
    // the formatting machinery cost more than the rest of the label.
    fn push_port(out: &mut String, mut n: u16) {
        let mut digits = [0u8; 5];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        digits[i..].iter().for_each(|&d| out.push(char::from(d)));
    }
    let mut out = String::with_capacity(12 * p.runs().len());
    for (k, &(a, b)) in p.runs().iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        push_port(&mut out, a);
        if a != b {
            out.push('-');
            push_port(&mut out, b);
        }
    }
    out
}

/// Parses one port field: `"22"` or `"10000-20000"`. Errors name what is
/// wrong; providers reject an inverted range, so it is an error here too.
pub fn parse_port_range(text: &str) -> Result<PortSet, Error> {
    let text = text.trim();
    let port = |part: &str| -> Result<u16, Error> {
        let part = part.trim();
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::new(text, ErrorKind::PortShape));
        }
        part.parse::<u16>().map_err(|_| Error::new(text, ErrorKind::PortOutOfRange(part.to_string())))
    };
    match text.split_once('-') {
        None => port(text).map(PortSet::point),
        Some((start, end)) => {
            let (start, end) = (port(start)?, port(end)?);
            if start > end {
                return Err(Error::new(text, ErrorKind::PortRangeBackwards));
            }
            Ok(PortSet::range(start, end))
        }
    }
}

/// An IP protocol by its IANA number (6 = TCP, 17 = UDP, 1 = ICMP, 58 = ICMPv6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Protocol(pub u8);

impl Protocol {
    pub const TCP: Protocol = Protocol(6);
    pub const UDP: Protocol = Protocol(17);
    pub const ICMP: Protocol = Protocol(1);
    pub const ICMPV6: Protocol = Protocol(58);

    /// Whether the protocol has ports (a rule's port range applies).
    pub fn has_ports(self) -> bool {
        matches!(self.0, 6 | 17 | 132) // TCP, UDP, SCTP
    }

    pub fn name(self) -> String {
        self.to_string()
    }

    /// Parses `tcp`, `udp`, `icmp`, `icmpv6`, `sctp` (any case) or a number 0–255.
    pub fn parse_name(s: &str) -> Option<Protocol> {
        let l = s.trim().to_ascii_lowercase();
        match l.as_str() {
            "tcp" => Some(Protocol::TCP),
            "udp" => Some(Protocol::UDP),
            "icmp" => Some(Protocol::ICMP),
            "icmpv6" | "ipv6-icmp" | "58" => Some(Protocol::ICMPV6),
            "sctp" => Some(Protocol(132)),
            _ => l.parse::<u8>().ok().map(Protocol),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            6 => f.write_str("tcp"),
            17 => f.write_str("udp"),
            1 => f.write_str("icmp"),
            58 => f.write_str("icmpv6"),
            132 => f.write_str("sctp"),
            n => write!(f, "{n}"),
        }
    }
}

/// Which protocols a rule matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProtoMatch {
    /// Every protocol, and for those with ports every port.
    All,
    One(Protocol),
}

impl ProtoMatch {
    pub fn matches(&self, p: Protocol) -> bool {
        match self {
            ProtoMatch::All => true,
            ProtoMatch::One(q) => *q == p,
        }
    }
}

impl fmt::Display for ProtoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoMatch::All => f.write_str("all"),
            ProtoMatch::One(p) => write!(f, "{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{format_ports, parse_port_range, PortSet};
    use crate::ErrorKind;

    #[test]
    fn format_ports_prints_points_ranges_and_lists() {
        assert_eq!(format_ports(&PortSet::point(0)), "0");
        assert_eq!(format_ports(&PortSet::point(9)), "9");
        assert_eq!(format_ports(&PortSet::point(10257)), "10257");
        assert_eq!(format_ports(&PortSet::range(65534, 65535)), "65534-65535");
        assert_eq!(format_ports(&PortSet::from_ranges([(22, 22), (100, 109), (6443, 6443)])), "22,100-109,6443");
        assert_eq!(format_ports(&PortSet::range(0, 65535)), "all");
        assert_eq!(format_ports(&PortSet::from_ranges([])), "none");
    }

    #[test]
    fn parse_port_range_reads_points_and_ranges_and_names_each_error_kind() {
        assert_eq!(parse_port_range(" 10257 "), Ok(PortSet::point(10257)));
        assert_eq!(parse_port_range("10250-10260"), Ok(PortSet::range(10250, 10260)));
        let kind = |text: &str| parse_port_range(text).unwrap_err().kind;
        assert_eq!(kind("http"), ErrorKind::PortShape);
        assert_eq!(kind("10-"), ErrorKind::PortShape);
        assert_eq!(kind("1-65536"), ErrorKind::PortOutOfRange("65536".into()));
        assert_eq!(kind("10258-10256"), ErrorKind::PortRangeBackwards);
        assert_eq!(
            parse_port_range("10258-10256").unwrap_err().to_string(),
            "range `10258-10256` runs backwards (the provider rejects it)"
        );
    }
}
