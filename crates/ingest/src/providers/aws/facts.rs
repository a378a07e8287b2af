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

// ---------------------------------------------------------------------
// Paths (docs/semantics.md, "Reachability"). Each phrase below is what a
// reason says about a route's target.

use super::network::{Destination, RouteTarget};
use portcullis_model::topology::{LoadBalancerKind, SeenSource};
use portcullis_model::{AddrSet, Known};

/// A route whose target is gone or detached (`State: blackhole`).
pub const BLACKHOLE: &str = "the route is a blackhole (its target no longer exists or is detached)";
/// "An egress-only internet gateway ... prevents the internet from
/// initiating an IPv6 connection with your instances"
/// (docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html).
pub const EGRESS_ONLY: &str = "an egress-only internet gateway admits no inbound connection";
/// "Instances in private subnets can connect to the internet through a
/// public NAT gateway, but the instances can't receive unsolicited inbound
/// connections from the internet"
/// (docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html).
pub const NAT: &str = "a NAT gateway admits no inbound connection";
pub const TRANSIT_GATEWAY: &str = "a transit gateway, not the internet";
pub const PEERING: &str = "a VPC peering connection, not the internet";
pub const VIRTUAL_PRIVATE_GATEWAY: &str = "a virtual private gateway (VPN), not the internet";
pub const LOCAL_GATEWAY: &str = "an Outposts local gateway, not the internet";
pub const CARRIER_GATEWAY: &str = "a Wavelength carrier gateway, not the internet";
pub const CORE_NETWORK: &str = "a Cloud WAN core network, not the internet";
/// A Gateway Load Balancer or Network Firewall endpoint: traffic goes
/// through an appliance that may forward to the internet gateway
/// (docs.aws.amazon.com/network-firewall/latest/developerguide/vpc-config-route-tables.html).
pub const ENDPOINT_MIDDLEBOX: &str = "a Gateway Load Balancer or Network Firewall endpoint";
/// An instance or network interface as a route target: a NAT instance or an
/// appliance, which may forward to the internet.
pub const INSTANCE_MIDDLEBOX: &str = "an instance or interface (a NAT instance or an appliance)";

/// A route target's id, as reasons name it.
pub fn route_target_name(t: &RouteTarget) -> String {
    match t {
        RouteTarget::Gateway(s)
        | RouteTarget::EgressOnly(s)
        | RouteTarget::Nat(s)
        | RouteTarget::TransitGateway(s)
        | RouteTarget::Peering(s)
        | RouteTarget::Instance(s)
        | RouteTarget::Interface(s)
        | RouteTarget::LocalGateway(s)
        | RouteTarget::CarrierGateway(s)
        | RouteTarget::CoreNetwork(s) => s.clone(),
        RouteTarget::Unknown(u) => format!("({})", u.what),
    }
}

/// Between routes of the same block: static before prefix-list before
/// propagated (docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html).
pub fn route_preference(destination: &Destination, propagated: bool) -> u32 {
    match (destination, propagated) {
        (_, true) => 2,
        (Destination::PrefixList(_), false) => 1,
        _ => 0,
    }
}

/// A listener or target group protocol as an IP protocol: everything but
/// UDP runs over TCP (`TCP_UDP` listens on both; TCP is what is asked).
pub fn listener_protocol(p: &str) -> portcullis_model::Protocol {
    if p.eq_ignore_ascii_case("UDP") {
        portcullis_model::Protocol::UDP
    } else {
        portcullis_model::Protocol::TCP
    }
}

/// What source address a target sees through a load balancer
/// (docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation):
/// ALB and classic ELB connect from their own addresses; an NLB preserves
/// the client's address for instance targets, and for IP targets over UDP
/// or TCP_UDP, unless `preserve_client_ip.enabled` says otherwise (IP
/// targets over TCP or TLS default to off).
pub fn seen_source(
    kind: LoadBalancerKind,
    target_type: &str,
    protocol: &str,
    preserve: Option<&Known<bool>>,
) -> Known<SeenSource> {
    let proxy = || SeenSource::LoadBalancer { addresses: AddrSet::empty() };
    if kind != LoadBalancerKind::AwsNetwork {
        return Known::Known(proxy());
    }
    let default = target_type.eq_ignore_ascii_case("instance")
        || protocol.eq_ignore_ascii_case("UDP")
        || protocol.eq_ignore_ascii_case("TCP_UDP");
    match preserve {
        None => Known::Known(if default { SeenSource::Client } else { proxy() }),
        Some(Known::Known(true)) => Known::Known(SeenSource::Client),
        Some(Known::Known(false)) => Known::Known(proxy()),
        Some(Known::Unknown(u)) => Known::Unknown(u.clone()),
    }
}

/// A load balancer's own interface, from its description: `ELB
/// app/NAME/ID` and `ELB net/NAME/ID` (ELBv2, the suffix of its ARN),
/// `ELB NAME` (classic). `None` for other interfaces.
pub fn balancer_of_interface(description: &str, requester: Option<&str>) -> Option<String> {
    let rest = description.strip_prefix("ELB ")?;
    if requester.is_some_and(|r| r != "amazon-elb") {
        return None;
    }
    Some(rest.to_string())
}
