//! Exact sets of IPv4 and IPv6 addresses, CIDR parsing and minimal printing.
//!
//! A set is two interval sets, one per family. Every operation is exact;
//! printing gives the shortest list of CIDR blocks that covers exactly the
//! set (per interval, the classic greedy split is optimal, and intervals are
//! non-adjacent so no block can span two of them).

use crate::error::{Error, ErrorKind};
use crate::interval::IntervalSet;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Which address family a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

/// An exact set of IPv4 and IPv6 addresses.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct AddrSet {
    pub v4: IntervalSet<u32>,
    pub v6: IntervalSet<u128>,
}

/// One CIDR block, already masked to its network address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cidr {
    V4 { addr: u32, len: u8 },
    V6 { addr: u128, len: u8 },
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x:y::/n`, or a bare address (a single host).
    /// IPv4-mapped IPv6 (`::ffff:a.b.c.d/n`, n >= 96) is the IPv4 block.
    ///
    /// Host bits are masked off: EC2 stores `10.0.0.1/0` as `0.0.0.0/0`
    /// (seen in hashicorp/terraform#2200), so that is what such a block
    /// means wherever it is written.
    pub fn parse(s: &str) -> Result<Cidr, Error> {
        let err = |reason| Error::new(s, ErrorKind::Cidr(reason));
        let t = s.trim();
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        let (addr, len) = match t.split_once('/') {
            Some((a, l)) => {
                if l.is_empty() || !l.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("the prefix length is not a number"));
                }
                // All digits, so the only parse failure is overflow: a length
                // too large for either family, reported as such below.
                (a, Some(l.parse::<u16>().unwrap_or(u16::MAX)))
            }
            None => (t, None),
        };
        if addr.is_empty() {
            return Err(err("there is no address before the prefix length"));
        }
        if let Some(v4) = dotted_quad(addr).map(Ipv4Addr::from).or_else(|| addr.parse::<Ipv4Addr>().ok()) {
            let len = len.unwrap_or(32);
            if len > 32 {
                return Err(err("an IPv4 prefix length is at most 32"));
            }
            let len = len as u8;
            return Ok(Cidr::V4 { addr: u32::from(v4) & mask4(len), len });
        }
        if let Ok(v6) = addr.parse::<Ipv6Addr>() {
            let len = len.unwrap_or(128);
            if len > 128 {
                return Err(err("an IPv6 prefix length is at most 128"));
            }
            // An IPv4-mapped block (`::ffff:a.b.c.d/n`, n >= 96: RFC 4291
            // §2.5.5.2) is how dual-stack software writes IPv4 addresses:
            // the same addresses, judged as IPv4 wherever they are read.
            if let (Some(mapped), true) = (v6.to_ipv4_mapped(), len >= 96) {
                let len = (len - 96) as u8;
                return Ok(Cidr::V4 { addr: u32::from(mapped) & mask4(len), len });
            }
            let len = len as u8;
            return Ok(Cidr::V6 { addr: u128::from(v6) & mask6(len), len });
        }
        if addr.contains(':') {
            Err(err("the address is not a valid IPv6 address"))
        } else {
            Err(err("the address is not a valid IPv4 address (four numbers 0-255)"))
        }
    }

    pub fn family(&self) -> Family {
        match self {
            Cidr::V4 { .. } => Family::V4,
            Cidr::V6 { .. } => Family::V6,
        }
    }

    pub fn to_set(self) -> AddrSet {
        match self {
            Cidr::V4 { addr, len } => {
                AddrSet { v4: IntervalSet::range(addr, addr | !mask4(len)), v6: IntervalSet::empty() }
            }
            Cidr::V6 { addr, len } => {
                AddrSet { v4: IntervalSet::empty(), v6: IntervalSet::range(addr, addr | !mask6(len)) }
            }
        }
    }
}

/// A plain dotted quad (`10.0.0.1`) read directly: a dump holds hundreds of
/// thousands, and the standard parser cost five times as much. `None` for
/// anything else, which then goes to `Ipv4Addr`'s parser (and its errors);
/// what this accepts is exactly what that parser accepts for four decimal
/// parts: 0-255, no leading zeros.
fn dotted_quad(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let (mut value, mut part, mut digits, mut dots) = (0u32, 0u32, 0u32, 0u32);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                // A leading zero is only allowed as the whole part.
                if digits == 1 && part == 0 {
                    return None;
                }
                part = part * 10 + u32::from(c - b'0');
                digits += 1;
                if part > 255 {
                    return None;
                }
            }
            b'.' if digits > 0 && dots < 3 => {
                value = value << 8 | part;
                (part, digits, dots) = (0, 0, dots + 1);
            }
            _ => return None,
        }
    }
    (dots == 3 && digits > 0).then_some(value << 8 | part)
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cidr::V4 { addr, len } => {
                let (buf, n) = v4_text(addr, len);
                f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
            }
            Cidr::V6 { addr, len } => write!(f, "{}/{}", Ipv6Addr::from(addr), len),
        }
    }
}

/// `a.b.c.d/len` in ASCII, by hand: `Ipv4Addr`'s Display goes through the
/// padding machinery, and findings print hundreds of thousands of blocks.
fn v4_text(addr: u32, len: u8) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut n = 0;
    for (k, octet) in addr.to_be_bytes().into_iter().chain([len]).enumerate() {
        if k > 0 {
            buf[n] = if k == 4 { b'/' } else { b'.' };
            n += 1;
        }
        n += write_decimal(octet, &mut buf[n..]);
    }
    (buf, n)
}

/// Writes `v` in decimal at the start of `out` (at least 3 bytes long);
/// returns how many bytes it wrote.
fn write_decimal(v: u8, out: &mut [u8]) -> usize {
    let digits = [v / 100, v / 10 % 10, v % 10];
    let skip = if v >= 100 {
        0
    } else if v >= 10 {
        1
    } else {
        2
    };
    for (o, d) in out.iter_mut().zip(&digits[skip..]) {
        *o = b'0' + d;
    }
    3 - skip
}

/// Splits `[lo, hi]` into the fewest aligned blocks, largest first.
fn split_range(mut lo: u128, hi: u128, bits: u32, out: &mut Vec<(u128, u8)>) {
    loop {
        // Largest block aligned at `lo`...
        let align = if lo == 0 { bits } else { lo.trailing_zeros().min(bits) };
        // ...that does not pass `hi`.
        let remaining = hi - lo; // size - 1
        let fit = if remaining == u128::MAX { 128 } else { 128 - (remaining + 1).leading_zeros() - 1 };
        let k = align.min(fit);
        out.push((lo, (bits - k) as u8));
        let last = if k == 128 { u128::MAX } else { lo + ((1u128 << k) - 1) };
        if last >= hi {
            return;
        }
        lo = last + 1;
    }
}

impl AddrSet {
    pub fn empty() -> Self {
        AddrSet::default()
    }

    /// Every IPv4 and IPv6 address.
    pub fn all() -> Self {
        AddrSet { v4: IntervalSet::full(), v6: IntervalSet::full() }
    }

    pub fn all_v4() -> Self {
        AddrSet { v4: IntervalSet::full(), v6: IntervalSet::empty() }
    }

    pub fn all_v6() -> Self {
        AddrSet { v4: IntervalSet::empty(), v6: IntervalSet::full() }
    }

    pub fn from_cidrs<I: IntoIterator<Item = Cidr>>(cidrs: I) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for c in cidrs {
            match c {
                Cidr::V4 { addr, len } => v4.push((addr, addr | !mask4(len))),
                Cidr::V6 { addr, len } => v6.push((addr, addr | !mask6(len))),
            }
        }
        AddrSet { v4: IntervalSet::from_ranges(v4), v6: IntervalSet::from_ranges(v6) }
    }

    /// Parses a list of CIDR strings; the first bad one is the error.
    pub fn parse_list<'a, I: IntoIterator<Item = &'a str>>(items: I) -> Result<Self, Error> {
        let mut cidrs = Vec::new();
        for s in items {
            cidrs.push(Cidr::parse(s)?);
        }
        Ok(Self::from_cidrs(cidrs))
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn union(&self, o: &Self) -> Self {
        AddrSet { v4: self.v4.union(&o.v4), v6: self.v6.union(&o.v6) }
    }

    pub fn union_in_place(&mut self, o: &Self) {
        self.v4.union_in_place(&o.v4);
        self.v6.union_in_place(&o.v6);
    }

    pub fn intersect(&self, o: &Self) -> Self {
        AddrSet { v4: self.v4.intersect(&o.v4), v6: self.v6.intersect(&o.v6) }
    }

    pub fn difference(&self, o: &Self) -> Self {
        AddrSet { v4: self.v4.difference(&o.v4), v6: self.v6.difference(&o.v6) }
    }

    pub fn intersects(&self, o: &Self) -> bool {
        self.v4.intersects(&o.v4) || self.v6.intersects(&o.v6)
    }

    pub fn contains_set(&self, o: &Self) -> bool {
        self.v4.contains_set(&o.v4) && self.v6.contains_set(&o.v6)
    }

    pub fn contains_v4(&self, a: Ipv4Addr) -> bool {
        self.v4.contains(u32::from(a))
    }

    pub fn contains_v6(&self, a: Ipv6Addr) -> bool {
        self.v6.contains(u128::from(a))
    }

    /// Number of IPv4 addresses.
    pub fn len_v4(&self) -> u128 {
        self.v4.len()
    }

    /// Number of IPv6 addresses (saturates only for `::/0`, 2^128).
    pub fn len_v6(&self) -> u128 {
        self.v6.len()
    }

    /// The shortest list of CIDR blocks covering exactly this set, IPv4
    /// first, each family in address order.
    pub fn to_cidrs(&self) -> Vec<Cidr> {
        let mut out = Vec::new();
        let mut tmp = Vec::new();
        for &(lo, hi) in self.v4.runs() {
            tmp.clear();
            split_range(u128::from(lo), u128::from(hi), 32, &mut tmp);
            out.extend(tmp.iter().map(|&(a, l)| Cidr::V4 { addr: a as u32, len: l }));
        }
        for &(lo, hi) in self.v6.runs() {
            tmp.clear();
            split_range(lo, hi, 128, &mut tmp);
            out.extend(tmp.iter().map(|&(a, l)| Cidr::V6 { addr: a, len: l }));
        }
        out
    }

    pub fn to_cidr_strings(&self) -> Vec<String> {
        self.to_cidrs()
            .iter()
            .map(|c| match *c {
                Cidr::V4 { addr, len } => {
                    let (buf, n) = v4_text(addr, len);
                    String::from_utf8_lossy(&buf[..n]).into_owned()
                }
                Cidr::V6 { .. } => c.to_string(),
            })
            .collect()
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cidrs = self.to_cidrs();
        if cidrs.is_empty() {
            return f.write_str("(none)");
        }
        for (i, c) in cidrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::dotted_quad;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    /// Whatever the fast reader accepts, the standard parser accepts with
    /// the same address.
    fn agrees(s: &str) -> Result<(), TestCaseError> {
        if let Some(v) = dotted_quad(s) {
            prop_assert_eq!(s.parse::<Ipv4Addr>().ok().map(u32::from), Some(v), "{:?}", s);
        }
        Ok(())
    }

    #[test]
    fn dotted_quad_edges() {
        for (s, want) in [
            ("0.0.0.0", Some(0)),
            ("255.255.255.255", Some(u32::MAX)),
            ("10.0.0.1", Some(0x0A00_0001)),
            ("01.0.0.1", None),
            ("1.00.0.1", None),
            ("256.0.0.1", None),
            ("1.2.3", None),
            ("1.2.3.4.5", None),
            ("1..2.3", None),
            (".1.2.3", None),
            ("1.2.3.", None),
            ("", None),
            (" 1.2.3.4", None),
        ] {
            assert_eq!(dotted_quad(s), want, "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

        #[test]
        fn every_address_reads_back(v in any::<u32>()) {
            prop_assert_eq!(dotted_quad(&Ipv4Addr::from(v).to_string()), Some(v));
        }

        #[test]
        fn nothing_the_standard_parser_rejects(s in "[0-9.]{0,16}") {
            agrees(&s)?;
        }
    }
}
