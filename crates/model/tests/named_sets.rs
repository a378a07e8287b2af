//! The named sets: the public internet, and what "unrestricted" means.
//!
//! The registry tables are constants parsed lazily; a typo would silently
//! become an empty set (see `parse_static`), so the first tests here make
//! sure every entry parses and means what its row says.

use portcullis_model::named::{
    is_unrestricted, non_public, public, unrestricted_thresholds, Special, IPV4_SPECIAL, IPV6_SPECIAL,
};
use portcullis_model::{AddrSet, Cidr, Family};
use std::collections::BTreeSet;
use std::net::IpAddr;

fn set(cidrs: &[&str]) -> AddrSet {
    AddrSet::parse_list(cidrs.iter().copied()).expect("test CIDRs are valid")
}

fn check_table(table: &[Special], family: Family) {
    let mut seen = BTreeSet::new();
    for s in table {
        let c = Cidr::parse(s.cidr).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.family(), family, "{} is in the wrong table", s.cidr);
        // Written without host bits: parsing masks them, so `192.0.0.9/24`
        // would quietly mean the whole /24.
        let (addr, _) = s.cidr.split_once('/').expect("every entry has a prefix length");
        let written = match (addr.parse::<IpAddr>().expect("address"), c) {
            (IpAddr::V4(a), Cidr::V4 { addr, .. }) => u32::from(a) == addr,
            (IpAddr::V6(a), Cidr::V6 { addr, .. }) => u128::from(a) == addr,
            _ => false,
        };
        assert!(written, "{} has host bits set", s.cidr);
        assert!(!s.name.is_empty(), "{} has no name", s.cidr);
        assert!(s.rfc.starts_with("RFC "), "{} cites {:?}", s.cidr, s.rfc);
        assert!(seen.insert(c), "{} is listed twice", s.cidr);
    }
}

#[test]
fn every_ipv4_registry_entry_parses() {
    check_table(IPV4_SPECIAL, Family::V4);
}

#[test]
fn every_ipv6_registry_entry_parses() {
    check_table(IPV6_SPECIAL, Family::V6);
}

/// Each row holds in `public()`: a reachable block is public; of a
/// non-reachable one, only the reachable rows carved out of it are.
#[test]
fn public_follows_every_registry_row() {
    for table in [IPV4_SPECIAL, IPV6_SPECIAL] {
        let reachable =
            table.iter().filter(|s| s.globally_reachable).fold(AddrSet::empty(), |acc, s| acc.union(&set(&[s.cidr])));
        for s in table {
            let block = set(&[s.cidr]);
            if s.globally_reachable {
                assert!(public().contains_set(&block), "{} ({}) should be public", s.cidr, s.name);
            } else {
                assert_eq!(
                    block.intersect(public()),
                    block.intersect(&reachable),
                    "{} ({}) should be public only where carved out",
                    s.cidr,
                    s.name
                );
            }
        }
    }
}

#[test]
fn private_and_local_space_is_not_public() {
    for c in [
        "10.0.0.0/8",
        "192.168.0.0/16",
        "172.16.0.0/12",
        "127.0.0.0/8",
        "169.254.169.254",
        "100.64.0.0/10",
        "224.0.0.0/4",
        "255.255.255.255",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1",
        "::",
        // Mapped, a private IPv4 block is that private block.
        "::ffff:10.0.0.0/104",
        "ff00::/8",
        "2001:db8::/32",
    ] {
        assert!(!public().intersects(&set(&[c])), "{c} should not be public");
        assert!(non_public().contains_set(&set(&[c])), "{c} should be non-public");
    }
}

#[test]
fn internet_addresses_are_public() {
    for c in [
        "8.8.8.8",
        "1.1.1.1",
        "52.94.76.0/24",
        "2606:4700::1",
        "2a00:1450::/32",
        // NAT64 embeds public IPv4 addresses.
        "64:ff9b::8.8.8.8",
        // Carved back out of 192.0.0.0/24 and 2001::/23.
        "192.0.0.9",
        "192.0.0.10",
        "2001:1::1",
        "2001:3::/32",
    ] {
        assert!(public().contains_set(&set(&[c])), "{c} should be public");
    }
    // Its neighbours in 192.0.0.0/24 are not.
    assert!(!public().intersects(&set(&["192.0.0.8", "192.0.0.11"])));
}

#[test]
fn public_and_non_public_split_the_address_space() {
    assert!(!public().intersects(non_public()));
    assert_eq!(public().union(non_public()), AddrSet::all());
}

/// IPv4 public space: 2^32 minus the non-reachable blocks, plus the two
/// reachable /32s carved out of 192.0.0.0/24.
const PUBLIC_V4: u128 = (1 << 32)
    - (3 << 24) // 0/8, 10/8, 127/8
    - (1 << 22) // 100.64/10
    - (1 << 20) // 172.16/12
    - (1 << 17) // 198.18/15
    - (2 << 16) // 169.254/16, 192.168/16
    - (5 << 8) // 192.0.0/24, 192.0.2/24, 192.88.99/24, 198.51.100/24, 203.0.113/24
    - (2 << 28) // 224/4 and 240/4 (which holds 255.255.255.255)
    + 2; // 192.0.0.9, 192.0.0.10

/// What 2001::/23 and 2001:db8::/32 take from 2000::/4 (see
/// `the_lower_half_of_global_unicast_is_unrestricted`).
const BLOCKED_IN_2000_4: u128 = (1 << 105) // 2001::/23
    - (2 << 100) // 2001:20::/28, 2001:30::/28 carved back
    - (1 << 96) // 2001:3::/32 carved back
    - (1 << 80) // 2001:4:112::/48 carved back
    - 3 // 2001:1::1, ::2, ::3 carved back
    + (1 << 96); // 2001:db8::/32

/// What 3fff::/20 takes from 3000::/4.
const BLOCKED_IN_3000_4: u128 = 1 << 108;

/// IPv6 public space: 2000::/3 less the above, plus 64:ff9b::/96.
const PUBLIC_V6: u128 = (1 << 125) - BLOCKED_IN_2000_4 - BLOCKED_IN_3000_4 + (1 << 32);

#[test]
fn public_space_has_the_registry_size() {
    assert_eq!(public().len_v4(), PUBLIC_V4);
    assert_eq!(public().len_v6(), PUBLIC_V6);
    assert_eq!(unrestricted_thresholds(), (PUBLIC_V4.div_ceil(2), PUBLIC_V6.div_ceil(2)));
}

#[test]
fn any_source_is_unrestricted() {
    assert!(is_unrestricted(&set(&["0.0.0.0/0"])));
    assert!(is_unrestricted(&set(&["::/0"])));
    assert!(is_unrestricted(&AddrSet::all()));
    assert!(is_unrestricted(public()));
    // Written in halves, or in five pieces that overlap and union to /0.
    assert!(is_unrestricted(&set(&["0.0.0.0/1", "128.0.0.0/1"])));
    let five = set(&["0.0.0.0/2", "64.0.0.0/2", "100.0.0.0/8", "128.0.0.0/2", "192.0.0.0/2"]);
    assert_eq!(five, AddrSet::all_v4());
    assert!(is_unrestricted(&five));
}

#[test]
fn narrow_or_private_sources_are_not_unrestricted() {
    assert!(!is_unrestricted(&set(&["52.94.76.0/24"])));
    assert!(!is_unrestricted(&set(&["10.0.0.0/8"])));
    assert!(!is_unrestricted(&AddrSet::empty()));
    // All the non-public space together still admits no internet peer.
    assert!(!is_unrestricted(non_public()));
}

#[test]
fn the_lower_half_of_ipv4_is_unrestricted_the_upper_is_not() {
    // 0.0.0.0/1 loses only 0/8, 10/8, 127/8 and 100.64/10 to the registry;
    // 128.0.0.0/1 loses multicast and 240/4 besides, a quarter of itself.
    let low = (1u128 << 31) - (3 << 24) - (1 << 22);
    assert_eq!(set(&["0.0.0.0/1"]).intersect(public()).len_v4(), low);
    assert!(low >= PUBLIC_V4.div_ceil(2));
    assert!(is_unrestricted(&set(&["0.0.0.0/1"])));
    assert!(!is_unrestricted(&set(&["128.0.0.0/1"])));
}

#[test]
fn global_unicast_is_unrestricted() {
    assert!(is_unrestricted(&set(&["2000::/3"])));
}

/// 2000::/4 is exactly half of 2000::/3, but the public IPv6 space is not
/// split evenly between the two halves:
///
/// - the lower half, 2000::/4, loses 2001::/23 (less its reachable
///   carve-outs) and 2001:db8::/32: about 2^105 − 2^101 addresses;
/// - the upper half, 3000::/4, loses 3fff::/20: 2^108, eight times as many;
/// - 64:ff9b::/96 (2^32, outside 2000::/3) adds to the total but to
///   neither half, far too little to matter.
///
/// So 2000::/4 holds more than half of the public space: with P the
/// public total, 2 × (2^124 − L) ≥ P ⇔ L + 2^32 ≤ 2^108 (L = what the lower
/// half loses), which holds. It is unrestricted; 3000::/4 is not.
#[test]
fn the_lower_half_of_global_unicast_is_unrestricted() {
    let threshold = PUBLIC_V6.div_ceil(2);
    let lower = (1u128 << 124) - BLOCKED_IN_2000_4;
    let upper = (1u128 << 124) - BLOCKED_IN_3000_4;
    assert_eq!(set(&["2000::/4"]).intersect(public()).len_v6(), lower);
    assert_eq!(set(&["3000::/4"]).intersect(public()).len_v6(), upper);
    assert!(lower >= threshold && upper < threshold);
    assert!(is_unrestricted(&set(&["2000::/4"])));
    assert!(!is_unrestricted(&set(&["3000::/4"])));
}

/// The first `n` public addresses of one family, in address order.
fn first_public(n: u128, family: Family) -> AddrSet {
    let mut out = AddrSet::empty();
    let mut left = n;
    let runs: Vec<(u128, u128)> = match family {
        Family::V4 => public().v4.runs().iter().map(|&(a, b)| (u128::from(a), u128::from(b))).collect(),
        Family::V6 => public().v6.runs().to_vec(),
    };
    for (lo, hi) in runs {
        if left == 0 {
            break;
        }
        let take = left.min(hi - lo + 1);
        let piece = (lo, lo + (take - 1));
        match family {
            Family::V4 => out.v4.union_in_place(&portcullis_model::IntervalSet::range(piece.0 as u32, piece.1 as u32)),
            Family::V6 => out.v6.union_in_place(&portcullis_model::IntervalSet::range(piece.0, piece.1)),
        }
        left -= take;
    }
    out
}

#[test]
fn unrestricted_starts_at_exactly_half() {
    let (t4, t6) = unrestricted_thresholds();
    assert!(is_unrestricted(&first_public(t4, Family::V4)));
    assert!(!is_unrestricted(&first_public(t4 - 1, Family::V4)));
    assert!(is_unrestricted(&first_public(t6, Family::V6)));
    assert!(!is_unrestricted(&first_public(t6 - 1, Family::V6)));
    // Non-public addresses never count towards the threshold.
    let padded = first_public(t4 - 1, Family::V4).union(non_public());
    assert!(!is_unrestricted(&padded));
}
