//! Named address sets: the public internet and the special-purpose space.
//!
//! Sources:
//! - IANA IPv4 Special-Purpose Address Registry,
//!   <https://www.iana.org/assignments/iana-ipv4-special-registry/> (RFC 6890
//!   and its updates: RFC 8190 and the per-entry RFCs named below).
//! - IANA IPv6 Special-Purpose Address Registry,
//!   <https://www.iana.org/assignments/iana-ipv6-special-registry/>.
//! - IPv4 multicast, 224.0.0.0/4 (RFC 5771), is not in the special-purpose
//!   registry but is never a unicast TCP source, so it is not public either.
//!
//! "Public" means: an address a TCP peer on the internet can have. For IPv4
//! that is every address outside the blocks whose registry entry says
//! *Globally Reachable: False* (and outside multicast). For IPv6 it is the
//! global unicast space 2000::/3 (RFC 4291) minus its non-reachable
//! special-purpose blocks, plus the NAT64 well-known prefix 64:ff9b::/96
//! (RFC 6052; globally reachable: it embeds public IPv4 addresses).
//!
//! Entries marked globally reachable inside a larger non-reachable block
//! (192.0.0.9/32, 192.0.0.10/32, and the reachable parts of 2001::/23) are
//! carved back out, as the registry's footnotes direct.

use crate::addr::{AddrSet, Cidr};
use std::sync::OnceLock;

/// One registry entry we rely on.
pub struct Special {
    pub cidr: &'static str,
    pub name: &'static str,
    pub rfc: &'static str,
    pub globally_reachable: bool,
}

/// IPv4 special-purpose blocks (IANA registry, as of its 2024 revision).
pub const IPV4_SPECIAL: &[Special] = &[
    Special { cidr: "0.0.0.0/8", name: "\"This network\"", rfc: "RFC 791", globally_reachable: false },
    Special { cidr: "10.0.0.0/8", name: "Private-Use", rfc: "RFC 1918", globally_reachable: false },
    Special { cidr: "100.64.0.0/10", name: "Shared Address Space", rfc: "RFC 6598", globally_reachable: false },
    Special { cidr: "127.0.0.0/8", name: "Loopback", rfc: "RFC 1122", globally_reachable: false },
    Special { cidr: "169.254.0.0/16", name: "Link Local", rfc: "RFC 3927", globally_reachable: false },
    Special { cidr: "172.16.0.0/12", name: "Private-Use", rfc: "RFC 1918", globally_reachable: false },
    Special { cidr: "192.0.0.0/24", name: "IETF Protocol Assignments", rfc: "RFC 6890", globally_reachable: false },
    Special { cidr: "192.0.0.9/32", name: "Port Control Protocol Anycast", rfc: "RFC 7723", globally_reachable: true },
    Special {
        cidr: "192.0.0.10/32",
        name: "Traversal Using Relays around NAT Anycast",
        rfc: "RFC 8155",
        globally_reachable: true,
    },
    Special { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", rfc: "RFC 5737", globally_reachable: false },
    Special { cidr: "192.31.196.0/24", name: "AS112-v4", rfc: "RFC 7535", globally_reachable: true },
    Special { cidr: "192.52.193.0/24", name: "AMT", rfc: "RFC 7450", globally_reachable: true },
    Special {
        cidr: "192.88.99.0/24",
        name: "Deprecated (6to4 Relay Anycast)",
        rfc: "RFC 7526",
        globally_reachable: false,
    },
    Special { cidr: "192.168.0.0/16", name: "Private-Use", rfc: "RFC 1918", globally_reachable: false },
    Special {
        cidr: "192.175.48.0/24",
        name: "Direct Delegation AS112 Service",
        rfc: "RFC 7534",
        globally_reachable: true,
    },
    Special { cidr: "198.18.0.0/15", name: "Benchmarking", rfc: "RFC 2544", globally_reachable: false },
    Special { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", rfc: "RFC 5737", globally_reachable: false },
    Special { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", rfc: "RFC 5737", globally_reachable: false },
    Special { cidr: "224.0.0.0/4", name: "Multicast", rfc: "RFC 5771", globally_reachable: false },
    Special { cidr: "240.0.0.0/4", name: "Reserved", rfc: "RFC 1112", globally_reachable: false },
    Special { cidr: "255.255.255.255/32", name: "Limited Broadcast", rfc: "RFC 919", globally_reachable: false },
];

/// IPv6 special-purpose blocks (IANA registry, as of its 2024 revision).
/// One row is left out: `::ffff:0:0/96` (IPv4-mapped Address, RFC 4291).
/// [`Cidr::parse`] reads a mapped address as the IPv4 address it is, so a
/// mapped source is judged by the IPv4 table, never as IPv6.
pub const IPV6_SPECIAL: &[Special] = &[
    Special { cidr: "::1/128", name: "Loopback Address", rfc: "RFC 4291", globally_reachable: false },
    Special { cidr: "::/128", name: "Unspecified Address", rfc: "RFC 4291", globally_reachable: false },
    Special { cidr: "64:ff9b::/96", name: "IPv4-IPv6 Translat.", rfc: "RFC 6052", globally_reachable: true },
    Special { cidr: "64:ff9b:1::/48", name: "IPv4-IPv6 Translat.", rfc: "RFC 8215", globally_reachable: false },
    Special { cidr: "100::/64", name: "Discard-Only Address Block", rfc: "RFC 6666", globally_reachable: false },
    Special { cidr: "2001::/23", name: "IETF Protocol Assignments", rfc: "RFC 2928", globally_reachable: false },
    Special { cidr: "2001:1::1/128", name: "Port Control Protocol Anycast", rfc: "RFC 7723", globally_reachable: true },
    Special {
        cidr: "2001:1::2/128",
        name: "Traversal Using Relays around NAT Anycast",
        rfc: "RFC 8155",
        globally_reachable: true,
    },
    Special {
        cidr: "2001:1::3/128",
        name: "DNS-SD Service Registration Protocol Anycast",
        rfc: "RFC 9665",
        globally_reachable: true,
    },
    Special { cidr: "2001:3::/32", name: "AMT", rfc: "RFC 7450", globally_reachable: true },
    Special { cidr: "2001:4:112::/48", name: "AS112-v6", rfc: "RFC 7535", globally_reachable: true },
    Special { cidr: "2001:20::/28", name: "ORCHIDv2", rfc: "RFC 7343", globally_reachable: true },
    Special {
        cidr: "2001:30::/28",
        name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
        rfc: "RFC 9374",
        globally_reachable: true,
    },
    Special { cidr: "2001:db8::/32", name: "Documentation", rfc: "RFC 3849", globally_reachable: false },
    Special { cidr: "3fff::/20", name: "Documentation", rfc: "RFC 9637", globally_reachable: false },
    Special { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs", rfc: "RFC 9602", globally_reachable: false },
    Special { cidr: "fc00::/7", name: "Unique-Local", rfc: "RFC 4193", globally_reachable: false },
    Special { cidr: "fe80::/10", name: "Link-Local Unicast", rfc: "RFC 4291", globally_reachable: false },
    Special { cidr: "ff00::/8", name: "Multicast", rfc: "RFC 4291", globally_reachable: false },
];

fn parse_static(s: &str) -> AddrSet {
    // The tables above are constants checked by the tests; a typo is a bug
    // caught there, so an empty set here is never silently used in release.
    Cidr::parse(s).map(Cidr::to_set).unwrap_or_default()
}

/// The blocks of a registry marked not globally reachable, minus the
/// reachable entries carved out of them.
fn unreachable(table: &[Special]) -> (AddrSet, AddrSet) {
    let mut blocked = AddrSet::empty();
    let mut reachable = AddrSet::empty();
    for s in table {
        let set = if s.globally_reachable { &mut reachable } else { &mut blocked };
        set.union_in_place(&parse_static(s.cidr));
    }
    (blocked, reachable)
}

fn build_public() -> AddrSet {
    let (v4_blocked, v4_reachable) = unreachable(IPV4_SPECIAL);
    let v4 = AddrSet::all_v4().difference(&v4_blocked).union(&v4_reachable);
    let (v6_blocked, v6_reachable) = unreachable(IPV6_SPECIAL);
    let v6 = parse_static("2000::/3").difference(&v6_blocked).union(&v6_reachable);
    v4.union(&v6)
}

/// Every address an internet peer can have (see the module docs).
pub fn public() -> &'static AddrSet {
    static P: OnceLock<AddrSet> = OnceLock::new();
    P.get_or_init(build_public)
}

/// Every address that is not public: private, loopback, link-local,
/// documentation, reserved, multicast, unique-local…
pub fn non_public() -> &'static AddrSet {
    static N: OnceLock<AddrSet> = OnceLock::new();
    N.get_or_init(|| AddrSet::all().difference(public()))
}

/// Half the public IPv4 space and half the public IPv6 space (rounded up):
/// at or above either, an admitted set is `unrestricted` (docs/semantics.md, "Sources").
pub fn unrestricted_thresholds() -> (u128, u128) {
    static T: OnceLock<(u128, u128)> = OnceLock::new();
    *T.get_or_init(|| {
        let p = public();
        (p.len_v4().div_ceil(2), p.len_v6().div_ceil(2))
    })
}

/// Whether `set` holds at least half the public IPv4 or IPv6 space.
pub fn is_unrestricted(set: &AddrSet) -> bool {
    let (t4, t6) = unrestricted_thresholds();
    let p = set.intersect(public());
    p.len_v4() >= t4 || p.len_v6() >= t6
}
