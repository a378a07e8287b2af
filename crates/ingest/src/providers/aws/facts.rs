//! AWS provider facts, written once, each with its source.

use portcullis_model::{PortSet, ProtoMatch, Protocol};

/// A security-group or NACL protocol value, normalized.
///
/// - `-1` (and Terraform's `all`) means every protocol, and then ports are
///   ignored: "If you specify -1 ... traffic on all ports is allowed,
///   regardless of any ports you specify"
///   (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html,
///   and API_CreateNetworkAclEntry.html for NACLs).
/// - Names `tcp`, `udp`, `icmp`, `icmpv6` and protocol numbers `0`–`255`
///   (IANA) are both accepted; `6` is TCP.
pub fn parse_protocol(s: &str) -> Option<ProtoMatch> {
    let t = s.trim();
    if t == "-1" || t.eq_ignore_ascii_case("all") {
        return Some(ProtoMatch::All);
    }
    Protocol::parse_name(t).map(ProtoMatch::One)
}

/// The ports a rule matches, given its protocol and from/to values.
///
/// - Protocol `-1`: all ports whatever from/to say (see above).
/// - TCP/UDP: the inclusive range from..=to. `0`/`0` is port 0 only: AWS
///   reads 0-0 as "all" only for protocol -1 (hashicorp/terraform-provider-aws
///   #27525, #4178). An inverted range (23-21) is empty. `-1` on either end,
///   or an absent range, is read as all ports: the API uses -1 for "all
///   ICMP types", and reading it as all ports never hides an exposure.
/// - Other protocols have no ports: "traffic on all ports is allowed".
pub(crate) fn ports_for(proto: &ProtoMatch, from: Option<i64>, to: Option<i64>) -> Result<PortSet, String> {
    let has_ports = match proto {
        ProtoMatch::All => false,
        ProtoMatch::One(p) => p.has_ports(),
    };
    if !has_ports {
        return Ok(PortSet::full());
    }
    match (from, to) {
        (None, None) | (Some(-1), _) | (_, Some(-1)) => Ok(PortSet::full()),
        (Some(f), None) | (None, Some(f)) => port(f).map(PortSet::point),
        (Some(f), Some(t)) => Ok(PortSet::range(port(f)?, port(t)?)),
    }
}

fn port(n: i64) -> Result<u16, String> {
    u16::try_from(n).map_err(|_| format!("port {n} is outside 0-65535"))
}
