//! Terraform's IP network functions, computed exactly: `cidrsubnet`,
//! `cidrsubnets`, `cidrhost`, `cidrnetmask`.
//!
//! These decide which addresses a firewall rule admits, so they follow
//! Terraform's definitions to the bit
//! (developer.hashicorp.com/terraform/language/functions/cidrsubnet and
//! siblings; the implementation is go-cidr): the prefix's host bits are
//! ignored, `cidrhost` counts from the end for negative numbers, and
//! `cidrsubnets` aligns each subnet to its own size after the previous one.

//!
//! Networks are the model's [`Cidr`]; the prefix is parsed as Terraform
//! parses it (Go's `net.ParseCIDR`: a length is required, no spaces), which
//! is stricter than the forms cloud APIs accept ([`Cidr::parse`]).

use portcullis_model::Cidr;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Address bits of the network's family.
fn bits(n: &Cidr) -> u32 {
    match n {
        Cidr::V4 { .. } => 32,
        Cidr::V6 { .. } => 128,
    }
}

/// Prefix length.
fn length(n: &Cidr) -> u32 {
    match *n {
        Cidr::V4 { len, .. } | Cidr::V6 { len, .. } => u32::from(len),
    }
}

/// First address, IPv4 in the low 32 bits.
fn first(n: &Cidr) -> u128 {
    match *n {
        Cidr::V4 { addr, .. } => u128::from(addr),
        Cidr::V6 { addr, .. } => addr,
    }
}

fn is_v6(n: &Cidr) -> bool {
    matches!(n, Cidr::V6 { .. })
}

/// Number of addresses, `None` for all of IPv6 (2^128).
fn size(n: &Cidr) -> Option<u128> {
    1u128.checked_shl(bits(n) - length(n))
}

fn parse(prefix: &str) -> Result<Cidr, String> {
    let (ip, len) = prefix.split_once('/').ok_or_else(|| format!("invalid CIDR address \"{prefix}\""))?;
    let bad = || format!("invalid CIDR address \"{prefix}\"");
    let len: u32 = if len.bytes().all(|b| b.is_ascii_digit()) && !len.is_empty() && len.len() <= 3 {
        len.parse().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    // The host bits are ignored, as `net.ParseCIDR` does.
    let host_mask = |bits: u32| if len == 0 { 0 } else { u128::MAX << (bits - len) };
    if let Ok(a) = ip.parse::<Ipv4Addr>() {
        if len > 32 {
            return Err(bad());
        }
        let addr = (u128::from(u32::from(a)) & host_mask(32)) as u32;
        return Ok(Cidr::V4 { addr, len: len as u8 });
    }
    if let Ok(a) = ip.parse::<Ipv6Addr>() {
        if len > 128 {
            return Err(bad());
        }
        return Ok(Cidr::V6 { addr: u128::from(a) & host_mask(128), len: len as u8 });
    }
    Err(bad())
}

fn show_addr(a: u128, v6: bool) -> String {
    if v6 {
        Ipv6Addr::from(a).to_string()
    } else {
        Ipv4Addr::from((a & 0xffff_ffff) as u32).to_string()
    }
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(crate) fn cidrsubnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String, String> {
    let n = parse(prefix)?;
    if newbits < 0 {
        return Err("newbits must be non-negative".into());
    }
    let newlen = i64::from(length(&n)) + newbits;
    if newlen > i64::from(bits(&n)) {
        return Err(format!("insufficient address space to extend prefix of {} by {}", length(&n), newbits));
    }
    if netnum < 0 {
        return Err(format!("netnum must be non-negative, found {netnum}"));
    }
    let netnum = netnum as u128;
    let newbits = newbits as u32;
    if newbits < 128 && netnum >> newbits != 0 {
        return Err(format!("prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"));
    }
    let newlen = newlen as u32;
    let shift = bits(&n) - newlen;
    let off = netnum.checked_shl(shift).unwrap_or(0);
    Ok(format!("{}/{}", show_addr(first(&n) | off, is_v6(&n)), newlen))
}

/// `cidrhost(prefix, hostnum)`; a negative number counts back from the
/// last address.
pub(crate) fn cidrhost(prefix: &str, hostnum: i64) -> Result<String, String> {
    let n = parse(prefix)?;
    let size = size(&n);
    let too_big = || format!("prefix of {} does not accommodate a host numbered {hostnum}", length(&n));
    let off: u128 = if hostnum >= 0 {
        let h = hostnum as u128;
        if size.is_some_and(|s| h >= s) {
            return Err(too_big());
        }
        h
    } else {
        let back = hostnum.unsigned_abs() as u128;
        match size {
            Some(s) if back > s => return Err(too_big()),
            Some(s) => s - back,
            None => 0u128.wrapping_sub(back),
        }
    };
    Ok(show_addr(first(&n).wrapping_add(off), is_v6(&n)))
}

/// `cidrnetmask(prefix)`: IPv4 only, as in Terraform.
pub(crate) fn cidrnetmask(prefix: &str) -> Result<String, String> {
    let n = parse(prefix)?;
    if is_v6(&n) {
        return Err("only IPv4 networks have a netmask".into());
    }
    let mask: u32 = if length(&n) == 0 { 0 } else { u32::MAX << (32 - length(&n)) };
    Ok(Ipv4Addr::from(mask).to_string())
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned to
/// its own size.
pub(crate) fn cidrsubnets(prefix: &str, newbits: &[i64]) -> Result<Vec<String>, String> {
    let n = parse(prefix)?;
    let end = match size(&n) {
        Some(s) => first(&n) + s, // exclusive; fits: addr ≤ 2^128 - s
        None => u128::MAX,
    };
    let mut pos = first(&n);
    let mut out = Vec::with_capacity(newbits.len());
    for &nb in newbits {
        if nb < 1 {
            return Err("each newbits value must be at least 1".into());
        }
        let len = i64::from(length(&n)) + nb;
        if len > i64::from(bits(&n)) {
            return Err(format!("would extend prefix to {len} bits, which is too long for an address"));
        }
        let len = len as u32;
        let size = 1u128 << (bits(&n) - len).min(127);
        let aligned = pos.div_ceil(size).checked_mul(size).ok_or("not enough remaining address space")?;
        let last = aligned.checked_add(size - 1).ok_or("not enough remaining address space")?;
        if last >= end && !(self::size(&n).is_none() && last == u128::MAX) {
            return Err(format!("not enough remaining address space for a subnet with a prefix of {len} bits"));
        }
        out.push(format!("{}/{}", show_addr(aligned, is_v6(&n)), len));
        pos = last.wrapping_add(1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_documented_examples() {
        assert_eq!(cidrsubnet("172.16.0.0/12", 4, 2).as_deref(), Ok("172.18.0.0/16"));
        assert_eq!(cidrsubnet("10.1.2.0/24", 4, 15).as_deref(), Ok("10.1.2.240/28"));
        assert_eq!(cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162).as_deref(), Ok("fd00:fd12:3456:7800:a200::/72"));
        assert_eq!(cidrhost("10.12.112.0/20", 16).as_deref(), Ok("10.12.112.16"));
        assert_eq!(cidrhost("10.12.112.0/20", 268).as_deref(), Ok("10.12.113.12"));
        assert_eq!(cidrhost("fd00:fd12:3456:7890:00a2::/72", 34).as_deref(), Ok("fd00:fd12:3456:7890::22"));
        assert_eq!(cidrnetmask("172.16.0.0/12").as_deref(), Ok("255.240.0.0"));
        assert_eq!(
            cidrsubnets("10.1.0.0/16", &[4, 4, 8, 4]),
            Ok(vec!["10.1.0.0/20".into(), "10.1.16.0/20".into(), "10.1.32.0/24".into(), "10.1.48.0/20".into()])
        );
        assert_eq!(
            cidrsubnets("fd00:fd12:3456:7890::/56", &[16, 16, 16, 32]),
            Ok(vec![
                "fd00:fd12:3456:7800::/72".into(),
                "fd00:fd12:3456:7800:100::/72".into(),
                "fd00:fd12:3456:7800:200::/72".into(),
                "fd00:fd12:3456:7800:300::/88".into(),
            ])
        );
    }

    #[test]
    fn limits() {
        assert!(cidrsubnet("10.0.0.0/24", 4, 16).is_err());
        assert!(cidrsubnet("10.0.0.0/30", 4, 0).is_err());
        assert_eq!(cidrhost("10.0.0.0/24", -1).as_deref(), Ok("10.0.0.255"));
        assert!(cidrhost("10.0.0.0/24", 256).is_err());
        assert!(cidrhost("10.0.0.0/24", -257).is_err());
        assert!(cidrnetmask("::/0").is_err());
        assert_eq!(cidrhost("::/0", -1).as_deref(), Ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assert!(cidrsubnets("10.0.0.0/24", &[1, 1, 1]).is_err());
    }
}
