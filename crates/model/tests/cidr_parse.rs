//! `Cidr::parse`: what is a CIDR block, what is not and why, and how a
//! block prints.

use portcullis_model::{AddrSet, Cidr, Error, ErrorKind, Family};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn v4(a: [u8; 4], len: u8) -> Cidr {
    Cidr::V4 { addr: u32::from(Ipv4Addr::from(a)), len }
}

fn v6(s: &str, len: u8) -> Cidr {
    Cidr::V6 { addr: u128::from(s.parse::<Ipv6Addr>().expect("test address")), len }
}

/// Parses `s`, expecting an error, and returns its reason.
fn reason(s: &str) -> &'static str {
    match Cidr::parse(s) {
        Ok(c) => panic!("`{s}` parsed as {c}"),
        Err(e) => {
            assert_eq!(e.input, s, "the error names its input");
            match e.kind {
                ErrorKind::Cidr(reason) => reason,
                other => panic!("`{s}`: a CIDR error, not {other:?}"),
            }
        }
    }
}

#[test]
fn prefix_longer_than_the_family_is_an_error() {
    assert_eq!(reason("10.0.0.0/33"), "an IPv4 prefix length is at most 32");
    assert_eq!(reason("::/129"), "an IPv6 prefix length is at most 128");
    assert_eq!(reason("2001:db8::/200"), "an IPv6 prefix length is at most 128");
    // Long digit strings are still numbers, just too large ones.
    assert_eq!(reason("10.0.0.0/1000"), "an IPv4 prefix length is at most 32");
    assert_eq!(reason("10.0.0.0/99999999999999999999"), "an IPv4 prefix length is at most 32");
    assert_eq!(reason("::/1000"), "an IPv6 prefix length is at most 128");
}

#[test]
fn octet_out_of_range_is_an_error() {
    assert_eq!(reason("300.1.1.1/32"), "the address is not a valid IPv4 address (four numbers 0-255)");
    assert_eq!(reason("1.2.3.256"), "the address is not a valid IPv4 address (four numbers 0-255)");
}

#[test]
fn missing_prefix_length_is_an_error() {
    assert_eq!(reason("1.2.3.4/"), "the prefix length is not a number");
    assert_eq!(reason("::/"), "the prefix length is not a number");
}

#[test]
fn missing_address_is_an_error() {
    assert_eq!(reason("/0"), "there is no address before the prefix length");
    assert_eq!(reason("/"), "the prefix length is not a number");
}

#[test]
fn words_are_not_addresses() {
    assert_eq!(reason("abc"), "the address is not a valid IPv4 address (four numbers 0-255)");
    assert_eq!(reason("any"), "the address is not a valid IPv4 address (four numbers 0-255)");
    assert_eq!(reason("abc::xyz"), "the address is not a valid IPv6 address");
    assert_eq!(reason(""), "it is empty");
    assert_eq!(reason("   "), "it is empty");
}

#[test]
fn malformed_prefix_lengths_are_errors() {
    for s in ["10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/9", "10.0.0.0/ 8", "10.0.0.0/8a", "10.0.0.0/0x8"] {
        assert_eq!(reason(s), "the prefix length is not a number", "{s}");
    }
}

#[test]
fn malformed_addresses_are_errors() {
    for s in ["1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4 /8", "-1.2.3.4"] {
        assert!(reason(s).contains("not a valid IPv4 address"), "{s}");
    }
    // A leading zero could be read as octal (inet_aton takes 010 as 8), so
    // such an address is refused rather than guessed at.
    assert!(reason("010.0.0.1/32").contains("not a valid IPv4 address"));
    for s in ["1::2::3", "12345::/16", "fe80::1%eth0", ":::/0", "2001:db8:/32"] {
        assert_eq!(reason(s), "the address is not a valid IPv6 address", "{s}");
    }
}

#[test]
fn the_error_message_names_input_and_reason() {
    let e: Error = Cidr::parse("10.0.0.0/33").expect_err("too long");
    assert_eq!(e.to_string(), "`10.0.0.0/33` is not a CIDR block: an IPv4 prefix length is at most 32");
    // It is an ordinary error type.
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().contains("at most 32"));
}

#[test]
fn host_bits_are_masked() {
    // EC2 stores 10.0.0.1/0 as 0.0.0.0/0: that is what the block means.
    let c = Cidr::parse("10.0.0.1/0").expect("valid");
    assert_eq!(c, v4([0, 0, 0, 0], 0));
    assert_eq!(c.to_string(), "0.0.0.0/0");
    assert_eq!(Cidr::parse("192.168.1.77/24"), Ok(v4([192, 168, 1, 0], 24)));
    assert_eq!(Cidr::parse("10.255.255.255/8"), Ok(v4([10, 0, 0, 0], 8)));
    assert_eq!(Cidr::parse("255.255.255.255/31"), Ok(v4([255, 255, 255, 254], 31)));
    assert_eq!(Cidr::parse("2001:db8::1/32"), Ok(v6("2001:db8::", 32)));
    assert_eq!(Cidr::parse("ffff::1/0"), Ok(v6("::", 0)));
    assert_eq!(Cidr::parse("2001:db8:0:0:0:0:0:ff/127"), Ok(v6("2001:db8::fe", 127)));
}

#[test]
fn a_bare_address_is_a_single_host() {
    assert_eq!(Cidr::parse("8.8.8.8"), Ok(v4([8, 8, 8, 8], 32)));
    assert_eq!(Cidr::parse("0.0.0.0"), Ok(v4([0, 0, 0, 0], 32)));
    assert_eq!(Cidr::parse("::1"), Ok(v6("::1", 128)));
    assert_eq!(Cidr::parse("::"), Ok(v6("::", 128)));
    assert_eq!(Cidr::parse("8.8.8.8").map(|c| c.to_string()), Ok("8.8.8.8/32".into()));
    assert_eq!(Cidr::parse("::1").map(|c| c.to_string()), Ok("::1/128".into()));
}

#[test]
fn ipv6_forms_parse() {
    assert_eq!(Cidr::parse("::/0"), Ok(v6("::", 0)));
    assert_eq!(Cidr::parse("2000::/3"), Ok(Cidr::V6 { addr: 0x2000 << 112, len: 3 }));
    // Upper case, zero runs spelled out and leading zeros are all the same block.
    for s in ["2001:DB8::/32", "2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8:0::/32"] {
        assert_eq!(Cidr::parse(s), Ok(v6("2001:db8::", 32)), "{s}");
    }
    // An IPv4-mapped address is the IPv4 address (see below).
    let mapped = Cidr::parse("::ffff:10.0.0.1").expect("valid");
    assert_eq!(mapped, v4([10, 0, 0, 1], 32));
    assert_eq!(mapped.family(), Family::V4);
}

#[test]
fn surrounding_whitespace_is_ignored() {
    assert_eq!(Cidr::parse(" 10.0.0.0/8\n"), Ok(v4([10, 0, 0, 0], 8)));
    assert_eq!(Cidr::parse("\t::/0 "), Ok(v6("::", 0)));
}

#[test]
fn printing_is_canonical_and_round_trips() {
    for (input, printed) in [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/16", "10.1.0.0/16"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("1.2.3.4", "1.2.3.4/32"),
        ("2001:DB8:0:0::/32", "2001:db8::/32"),
        ("fe80::1/10", "fe80::/10"),
        ("::/0", "::/0"),
        ("::ffff:0:0/96", "0.0.0.0/0"),
        ("0:0:0:0:0:0:0:1", "::1/128"),
    ] {
        let c = Cidr::parse(input).expect(input);
        assert_eq!(c.to_string(), printed, "{input}");
        assert_eq!(Cidr::parse(printed), Ok(c), "{printed}");
    }
}

#[test]
fn blocks_become_the_right_address_ranges() {
    let s = Cidr::parse("10.0.0.0/8").expect("valid").to_set();
    assert_eq!(s.v4.runs(), &[(0x0a00_0000, 0x0aff_ffff)]);
    assert!(s.v6.is_empty());
    assert_eq!(Cidr::parse("0.0.0.0/0").expect("valid").to_set(), AddrSet::all_v4());
    assert_eq!(Cidr::parse("::/0").expect("valid").to_set(), AddrSet::all_v6());
    assert_eq!(Cidr::parse("::1").expect("valid").to_set().len_v6(), 1);
    assert_eq!(Cidr::parse("10.0.0.0/8").expect("valid").family(), Family::V4);
}

#[test]
fn parse_list_reports_the_first_bad_item() {
    let e = AddrSet::parse_list(["10.0.0.0/8", "nope", "10.0.0.0/99"]).expect_err("bad item");
    assert_eq!(e.input, "nope");
    let ok = AddrSet::parse_list(["10.0.0.0/9", "10.128.0.0/9", "::1"]).expect("valid");
    assert_eq!(ok.to_cidr_strings(), ["10.0.0.0/8", "::1/128"]);
}

proptest! {
    #[test]
    fn any_v4_block_round_trips(addr in any::<u32>(), len in 0u8..=32) {
        let written = format!("{}/{len}", Ipv4Addr::from(addr));
        let c = Cidr::parse(&written).expect("valid");
        let host = if len == 0 { u32::MAX } else { (1u32 << (32 - len)).wrapping_sub(1) };
        prop_assert_eq!(c, Cidr::V4 { addr: addr & !host, len });
        prop_assert_eq!(Cidr::parse(&c.to_string()), Ok(c));
        // The hand-written printer agrees with the standard library's.
        prop_assert_eq!(c.to_string(), format!("{}/{len}", Ipv4Addr::from(addr & !host)));
    }

    #[test]
    fn any_v6_block_round_trips(addr in any::<u128>(), len in 0u8..=128) {
        let written = format!("{}/{len}", Ipv6Addr::from(addr));
        let c = Cidr::parse(&written).expect("valid");
        let host = if len == 0 { u128::MAX } else { (1u128 << (128 - u32::from(len))).wrapping_sub(1) };
        prop_assert_eq!(c, Cidr::V6 { addr: addr & !host, len });
        prop_assert_eq!(Cidr::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = Cidr::parse(&s);
    }

    #[test]
    fn address_like_garbage_never_panics(s in "[0-9a-fA-F:./%]{0,45}") {
        if let Ok(c) = Cidr::parse(&s) {
            prop_assert_eq!(Cidr::parse(&c.to_string()), Ok(c));
        }
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) is how a
/// dual-stack socket writes an IPv4 peer: the same address as `a.b.c.d`,
/// so it must be judged as that IPv4 address (issue 12 item 5).
#[test]
fn ipv4_mapped_ipv6_is_the_ipv4_address() {
    assert_eq!(Cidr::parse("::ffff:1.128.0.7"), Ok(v4([1, 128, 0, 7], 32)));
    assert_eq!(Cidr::parse("::ffff:1.128.0.7/128"), Ok(v4([1, 128, 0, 7], 32)));
    assert_eq!(Cidr::parse("::FFFF:10.0.0.0/104"), Ok(v4([10, 0, 0, 0], 8)));
    assert_eq!(Cidr::parse("::ffff:0:0/96"), Ok(v4([0, 0, 0, 0], 0)));
    assert_eq!(Cidr::parse("::ffff:0a00:0001/128"), Ok(v4([10, 0, 0, 1], 32)), "hex form");
    // Shorter than /96: more than the mapped space, still IPv6.
    assert_eq!(Cidr::parse("::ffff:0:0/95"), Ok(v6("::fffe:0:0", 95)));
    // Other embeddings are not IPv4 addresses.
    assert_eq!(Cidr::parse("::1.2.3.4"), Ok(v6("::1.2.3.4", 128)), "IPv4-compatible (deprecated) stays IPv6");
    assert_eq!(Cidr::parse("64:ff9b::1.2.3.4/128"), Ok(v6("64:ff9b::102:304", 128)), "NAT64 stays IPv6");
}
