//! Values shared by the readers: addresses, ranges, ports, protocol and
//! service names, each parsed the way iptables and nft read them.
//!
//! Protocol numbers are IANA's "Assigned Internet Protocol Numbers"
//! (<https://www.iana.org/assignments/protocol-numbers/>), the names the
//! ones in netbase's `/etc/protocols`, which iptables and nft resolve.
//! Service names are the IANA "Service Name and Transport Protocol Port
//! Number Registry" (<https://www.iana.org/assignments/service-names-port-numbers/>)
//! entries netbase's `/etc/services` carries, for the ports a control
//! plane cares about and the common ones written by hand.

use portcullis_model::{AddrSet, Cidr, Family, IntervalSet, PortSet, Protocol};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Protocol names, with their IANA numbers.
const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("ipencap", 4),
    ("tcp", 6),
    ("egp", 8),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("icmp6", 58),
    ("ospf", 89),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
    ("mh", 135),
    ("ipv6-mh", 135),
    ("udplite", 136),
    ("dccp", 33),
];

/// A protocol name or number; `all` / `0` is `None` (every protocol).
pub fn protocol(s: &str) -> Result<Option<Protocol>, String> {
    let l = s.to_ascii_lowercase();
    if l == "all" || l == "0" {
        return Ok(None);
    }
    if let Some(&(_, n)) = PROTOCOLS.iter().find(|(name, _)| *name == l) {
        return Ok(Some(Protocol(n)));
    }
    l.parse::<u8>().map(|n| Some(Protocol(n))).map_err(|_| format!("`{s}` is not a protocol name or number"))
}

/// Service names (IANA) iptables and nft accept for ports.
const SERVICES: &[(&str, u16)] = &[
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("http", 80),
    ("www", 80),
    ("kerberos", 88),
    ("pop3", 110),
    ("sunrpc", 111),
    ("ntp", 123),
    ("imap", 143),
    ("imap2", 143),
    ("snmp", 161),
    ("bgp", 179),
    ("ldap", 389),
    ("https", 443),
    ("microsoft-ds", 445),
    ("submission", 587),
    ("ldaps", 636),
    ("imaps", 993),
    ("pop3s", 995),
    ("mysql", 3306),
    ("postgresql", 5432),
    ("http-alt", 8080),
    ("webcache", 8080),
];

/// A port number or service name.
pub fn port(s: &str) -> Result<u16, String> {
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
        return s.parse::<u16>().map_err(|_| format!("port `{s}` is outside 0-65535"));
    }
    let l = s.to_ascii_lowercase();
    SERVICES
        .iter()
        .find(|(n, _)| *n == l)
        .map(|&(_, p)| p)
        .ok_or_else(|| format!("`{s}` is not a port number or a service name portcullis knows"))
}

/// A port or a range with `sep` between the ends (`:` in iptables, `-` in
/// nft). iptables lets either end go (`:1024`, `1024:`).
pub fn port_range(s: &str, sep: char, open_ends: bool) -> Result<PortSet, String> {
    match s.split_once(sep) {
        None => port(s).map(PortSet::point),
        Some((a, b)) => {
            let lo = if a.is_empty() && open_ends { 0 } else { port(a)? };
            let hi = if b.is_empty() && open_ends { 65535 } else { port(b)? };
            if lo > hi {
                // iptables and nft both refuse it ("invalid portrange (min > max)").
                return Err(format!("range `{s}` runs backwards"));
            }
            Ok(PortSet::range(lo, hi))
        }
    }
}

fn mask_len_v4(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// One address, prefix or dotted-mask block of `family` (when given).
/// Host names are refused: the tools resolve them when the rules are
/// loaded, which a saved file cannot tell.
pub fn block(s: &str, family: Option<Family>) -> Result<AddrSet, String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let cidr = match len {
        Some(l) if l.contains('.') => {
            let mask: Ipv4Addr = l.parse().map_err(|_| format!("`{l}` is not a netmask"))?;
            let len = mask_len_v4(mask)
                .ok_or_else(|| format!("netmask `{l}` is not contiguous (portcullis reads prefix masks only)"))?;
            Cidr::parse(&format!("{addr}/{len}")).map_err(|e| e.to_string())?
        }
        _ => Cidr::parse(s).map_err(|e| {
            if addr.chars().any(|c| c.is_ascii_alphabetic()) && !addr.contains(':') {
                format!("`{addr}` is a host name: it is resolved when the rules are loaded, write the address")
            } else {
                e.to_string()
            }
        })?,
    };
    if let Some(f) = family {
        // An IPv4-mapped IPv6 block (`::ffff:0.0.0.0/96`, firewalld writes
        // one in every ruleset) is IPv6 text the model reads as the IPv4
        // addresses it maps, as everywhere else addresses are read.
        let mapped = f == Family::V6 && cidr.family() == Family::V4 && s.contains(':');
        if cidr.family() != f && !mapped {
            return Err(format!("`{s}` is not an {} address", family_name(f)));
        }
    }
    Ok(cidr.to_set())
}

pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// An address range `a-b` (both of one family).
pub fn addr_range(s: &str, family: Option<Family>) -> Result<AddrSet, String> {
    let (a, b) = s.split_once('-').ok_or_else(|| format!("`{s}` is not a range `first-last`"))?;
    if let (Ok(x), Ok(y)) = (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>()) {
        if family == Some(Family::V6) {
            return Err(format!("`{s}` is not an IPv6 range"));
        }
        let (x, y) = (u32::from(x), u32::from(y));
        if x > y {
            return Err(format!("range `{s}` runs backwards"));
        }
        return Ok(AddrSet { v4: IntervalSet::range(x, y), v6: IntervalSet::empty() });
    }
    if let (Ok(x), Ok(y)) = (a.parse::<Ipv6Addr>(), b.parse::<Ipv6Addr>()) {
        if family == Some(Family::V4) {
            return Err(format!("`{s}` is not an IPv4 range"));
        }
        let (x, y) = (u128::from(x), u128::from(y));
        if x > y {
            return Err(format!("range `{s}` runs backwards"));
        }
        return Ok(AddrSet { v4: IntervalSet::empty(), v6: IntervalSet::range(x, y) });
    }
    Err(format!("`{s}` is not an address range"))
}

/// Every address of a family.
pub fn family_all(f: Family) -> AddrSet {
    match f {
        Family::V4 => AddrSet::all_v4(),
        Family::V6 => AddrSet::all_v6(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_masks_and_ranges() {
        assert_eq!(block("10.0.0.0/255.0.0.0", None).unwrap(), block("10.0.0.0/8", None).unwrap());
        assert!(block("10.0.0.0/255.0.255.0", None).unwrap_err().contains("contiguous"));
        assert!(block("example.com", None).unwrap_err().contains("host name"));
        assert!(block("fd00::/8", Some(Family::V4)).is_err());
        assert_eq!(addr_range("10.0.0.1-10.0.0.9", None).unwrap().len_v4(), 9);
        assert!(addr_range("10.0.0.9-10.0.0.1", None).is_err());
        assert_eq!(port_range(":1024", ':', true).unwrap(), PortSet::range(0, 1024));
        assert_eq!(port_range("1024:", ':', true).unwrap(), PortSet::range(1024, 65535));
        assert_eq!(port_range("ssh", ':', true).unwrap(), PortSet::point(22));
        assert!(port_range("30:20", ':', true).is_err());
        assert!(port_range("20-10", '-', false).is_err());
        assert_eq!(protocol("ipv6-icmp").unwrap(), Some(Protocol(58)));
        assert_eq!(protocol("all").unwrap(), None);
    }
}
