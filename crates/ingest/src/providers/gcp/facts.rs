//! Google Cloud VPC firewall facts, written once, each with its source.
//!
//! - Rules and their evaluation: <https://cloud.google.com/firewall/docs/firewalls>
//!   ("Priority order for firewall rules": the lowest number wins; at equal
//!   priority a deny rule overrides an allow rule; "Implied rules": an
//!   implied deny for ingress at the lowest priority; "Disabled rules" are
//!   not enforced).
//! - Fields and defaults: <https://cloud.google.com/compute/docs/reference/rest/v1/firewalls>
//!   (`priority` 0–65535, default 1000; `direction` default INGRESS;
//!   `IPProtocol` a name — tcp, udp, icmp, esp, ah, sctp, ipip, all — or a
//!   number; `ports` only for tcp, udp and sctp, each a port or a range
//!   "A-B"; no `ports` means every port).
//! - Sources: "If you don't specify a source for an ingress rule, Google
//!   Cloud uses the default source IPv4 range 0.0.0.0/0"; source ranges and
//!   source tags or service accounts combine with OR
//!   (<https://cloud.google.com/firewall/docs/firewalls#sources_for_rules>;
//!   the same default in Terraform: hashicorp/terraform-provider-google#6789).
//! - Targets: no target tags or service accounts means every instance in
//!   the network; target tags match an instance that has any of them; one
//!   rule cannot mix target tags and target service accounts
//!   (<https://cloud.google.com/firewall/docs/firewalls#rule_assignment>).
//!
//! Paths (docs/semantics.md, "GCP"):
//! - Routes: <https://cloud.google.com/vpc/docs/routes> (routes belong to
//!   the network; a route with network tags applies only to instances with
//!   one of them; the most specific destination wins, then the lowest
//!   priority, default 1000; the default route's next hop is
//!   `default-internet-gateway`; an instance with an external address
//!   reaches the internet only through a route to that gateway,
//!   <https://cloud.google.com/vpc/docs/vpc#internet_access_reqs>).
//! - External addresses: an access config without `natIP` gets an
//!   ephemeral external IPv4 address
//!   (<https://cloud.google.com/compute/docs/reference/rest/v1/instances>,
//!   `accessConfigs[].natIP`; `ipv6AccessConfigs[].externalIpv6`).
//! - Forwarding rules: <https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules>
//!   (`loadBalancingScheme` default `EXTERNAL`, `IPProtocol` default
//!   `TCP`; no `portRange`/`ports` means every port). An external
//!   passthrough Network Load Balancer delivers the client's packets
//!   unchanged and the backends reply directly (direct server return,
//!   <https://cloud.google.com/load-balancing/docs/network>); a target
//!   pool sends to each instance's `nic0`.
//! - Proxy load balancers connect to backends from Google Front End ranges
//!   130.211.0.0/22 and 35.191.0.0/16
//!   (<https://cloud.google.com/load-balancing/docs/firewall-rules>), on the
//!   backend service's named port (`portName`, default `http`,
//!   <https://cloud.google.com/compute/docs/reference/rest/v1/backendServices>).

use portcullis_model::{AddrSet, PortSet, ProtoMatch, Protocol};

/// The next hop of a route to the internet.
pub const DEFAULT_INTERNET_GATEWAY: &str = "default-internet-gateway";
/// A route's `priority` when it does not say.
pub const DEFAULT_ROUTE_PRIORITY: u32 = 1000;
/// A forwarding rule's or backend service's `loadBalancingScheme` default.
pub const DEFAULT_SCHEME: &str = "EXTERNAL";
/// A forwarding rule's `IPProtocol` default.
pub const DEFAULT_FORWARDING_PROTOCOL: &str = "TCP";
/// A backend service's `portName` default.
pub const DEFAULT_PORT_NAME: &str = "http";

/// Google Front End and health check ranges proxies connect from.
pub fn front_end_ranges() -> AddrSet {
    AddrSet::parse_list(["130.211.0.0/22", "35.191.0.0/16"]).unwrap_or_else(|_| AddrSet::empty())
}

/// Terraform types a forwarding rule's `target` can name.
pub const TARGET_TYPES: &[&str] = &[
    "google_compute_target_pool",
    "google_compute_target_http_proxy",
    "google_compute_target_https_proxy",
    "google_compute_target_tcp_proxy",
    "google_compute_target_ssl_proxy",
    "google_compute_region_target_http_proxy",
    "google_compute_region_target_https_proxy",
    "google_compute_region_target_tcp_proxy",
    "google_compute_target_instance",
];

/// The API collection of a Terraform target type (`targetPools`).
pub fn collection_of_type(ty: &str) -> &'static str {
    match ty {
        "google_compute_target_pool" => "targetPools",
        "google_compute_target_http_proxy" | "google_compute_region_target_http_proxy" => "targetHttpProxies",
        "google_compute_target_https_proxy" | "google_compute_region_target_https_proxy" => "targetHttpsProxies",
        "google_compute_target_tcp_proxy" | "google_compute_region_target_tcp_proxy" => "targetTcpProxies",
        "google_compute_target_ssl_proxy" => "targetSslProxies",
        "google_compute_target_instance" => "targetInstances",
        _ => "",
    }
}

/// Whether a key is a Terraform target pool address.
pub fn is_pool_key(k: &str) -> bool {
    k.starts_with("google_compute_target_pool.") || k.contains(".google_compute_target_pool.")
}

/// The `gcloud compute` list that holds a target proxy collection's
/// resources.
pub fn list_command(collection: &str) -> &'static str {
    match collection {
        "targetHttpProxies" => "target-http-proxies",
        "targetHttpsProxies" => "target-https-proxies",
        "targetTcpProxies" => "target-tcp-proxies",
        "targetSslProxies" => "target-ssl-proxies",
        _ => "",
    }
}

/// Whether a forwarding rule's target collection is a target proxy.
pub fn is_proxy_collection(c: &str) -> bool {
    matches!(c, "targetHttpProxies" | "targetHttpsProxies" | "targetTcpProxies" | "targetSslProxies")
}

/// `priority` when the rule does not say.
pub const DEFAULT_PRIORITY: i64 = 1000;
/// The range the API accepts.
pub const PRIORITIES: std::ops::RangeInclusive<i64> = 0..=65535;

/// An `IPProtocol` / `protocol` value.
pub fn parse_protocol(s: &str) -> Option<ProtoMatch> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "all" => Some(ProtoMatch::All),
        "tcp" => Some(ProtoMatch::One(Protocol::TCP)),
        "udp" => Some(ProtoMatch::One(Protocol::UDP)),
        "icmp" => Some(ProtoMatch::One(Protocol::ICMP)),
        "esp" => Some(ProtoMatch::One(Protocol(50))),
        "ah" => Some(ProtoMatch::One(Protocol(51))),
        "sctp" => Some(ProtoMatch::One(Protocol(132))),
        "ipip" => Some(ProtoMatch::One(Protocol(4))),
        _ if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<u8>().ok().map(|n| ProtoMatch::One(Protocol(n)))
        }
        _ => None,
    }
}

/// One `ports` element: `"22"` or `"10000-20000"`.
pub fn parse_ports(s: &str) -> Result<PortSet, String> {
    portcullis_model::ports::parse_port_range(s).map_err(|error| error.to_string())
}

/// The network a firewall rule or interface names, as a comparable key:
/// the last segment of a URL or path (`…/global/networks/default` →
/// `default`), lower-cased. Network names are unique in a project.
pub fn network_key(s: &str) -> String {
    let t = s.trim().trim_end_matches('/');
    let last = match t.rfind("/networks/") {
        Some(i) => &t[i + "/networks/".len()..],
        None => t.strip_prefix("networks/").unwrap_or(t),
    };
    last.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols() {
        assert_eq!(parse_protocol("all"), Some(ProtoMatch::All));
        assert_eq!(parse_protocol("TCP"), Some(ProtoMatch::One(Protocol::TCP)));
        assert_eq!(parse_protocol("6"), Some(ProtoMatch::One(Protocol::TCP)));
        assert_eq!(parse_protocol("ipip"), Some(ProtoMatch::One(Protocol(4))));
        assert_eq!(parse_protocol("sctp"), Some(ProtoMatch::One(Protocol(132))));
        assert_eq!(parse_protocol("256"), None);
        assert_eq!(parse_protocol("tcpp"), None);
    }

    #[test]
    fn ports() {
        assert_eq!(parse_ports("22"), Ok(PortSet::point(22)));
        assert_eq!(parse_ports("10000-20000"), Ok(PortSet::range(10000, 20000)));
        assert!(parse_ports("20-10").is_err());
        assert!(parse_ports("ssh").is_err());
    }

    #[test]
    fn network_keys() {
        assert_eq!(network_key("https://www.googleapis.com/compute/v1/projects/p/global/networks/Default"), "default");
        assert_eq!(network_key("projects/p/global/networks/vpc"), "vpc");
        assert_eq!(network_key("vpc"), "vpc");
    }
}
