//! Azure network security group facts, written once, each with its source.
//!
//! - Rules: <https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules>
//!   (priority 100–4096, lower first, processing stops at the first match;
//!   protocols TCP, UDP, ICMP, ESP, AH or Any; ports a single port, a
//!   range, or `*`).
//! - Default rules: same page, "Default security rules" (65000
//!   AllowVnetInBound, 65001 AllowAzureLoadBalancerInBound, 65500
//!   DenyAllInBound; they cannot be removed, only overridden by a rule with
//!   a lower number).
//! - Service tags: <https://learn.microsoft.com/azure/virtual-network/service-tags-overview>
//!   (`VirtualNetwork`, `AzureLoadBalancer`, `Internet` and the per-service
//!   tags whose ranges Microsoft publishes as "Azure IP Ranges and Service
//!   Tags" JSON, also returned by `az network list-service-tags`).
//! - REST shape of a rule (`SecurityRule` properties, the field names of
//!   `az network nsg list`):
//!   <https://learn.microsoft.com/rest/api/virtualnetwork/security-rules/get>.

use portcullis_model::named::public;
use portcullis_model::{
    Action, AddrSet, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Protocol, Sources, Span,
};

/// The lowest and highest priority a user rule may have.
pub const USER_PRIORITIES: std::ops::RangeInclusive<i64> = 100..=4096;

/// What a source address prefix means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// Addresses, and what to call them in labels.
    Addrs(AddrSet),
    /// Not an address on the internet (`AzureLoadBalancer`).
    Internal(InternalSource),
    /// A service tag whose ranges come from the service-tags JSON, when
    /// the input has it.
    ServiceTag(String),
    /// Not a prefix Azure accepts; the message says why.
    Invalid(String),
}

/// Reads one source (or destination) address prefix.
///
/// - `*` and `Any`: every address ("Any" is how the portal shows `*`).
/// - `Internet`: "the IP address space that's outside the virtual network
///   and reachable by the public internet", i.e. the public space (see
///   `portcullis_model::named::public`).
/// - `VirtualNetwork`: the virtual network's address space, peered
///   networks and on-premises networks behind a gateway. The input does not
///   say which ranges those are; they are the network's own, so it is an
///   internal source named `VirtualNetwork`, never the internet (a user can
///   authorize it by that name). A deny of some private CIDRs before the
///   default AllowVnetInBound therefore does not narrow it: this can only
///   over-report private peers, never hide a public one.
/// - `AzureLoadBalancer`: the platform's health probe, from the host's
///   virtual IP 168.63.129.16. No peer on the internet or in the network
///   can connect with that source address, so it admits no one a finding
///   could be about: an empty set (the rule is still listed by `explain`).
/// - A bare `0.0.0.0` is the whole IPv4 space. Azure's own reading of a
///   bare address is a single host; this follows the convention of the
///   conformance corpus (`../shared/conformance/README.md`, convention 2),
///   which counts it as the internet, as Checkov and KICS do.
/// - A CIDR or a bare address (one host); host bits are masked.
/// - Any other word (`AzureCloud`, `Storage.WestEurope`) is a service tag.
pub fn parse_prefix(s: &str) -> Prefix {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "*" | "any" => return Prefix::Addrs(AddrSet::all()),
        "internet" => return Prefix::Addrs(public().clone()),
        "virtualnetwork" => return Prefix::Internal(InternalSource { name: "VirtualNetwork".into() }),
        "azureloadbalancer" => return Prefix::Addrs(AddrSet::empty()),
        "0.0.0.0" => return Prefix::Addrs(AddrSet::all_v4()),
        _ => {}
    }
    if t.contains(',') {
        return Prefix::Invalid(format!(
            "`{t}` is a comma list: Azure takes one prefix per field (use source_address_prefixes)"
        ));
    }
    match Cidr::parse(t) {
        Ok(c) => Prefix::Addrs(c.to_set()),
        Err(e) => {
            let tag_like = t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if tag_like {
                Prefix::ServiceTag(t.to_string())
            } else {
                Prefix::Invalid(e.to_string())
            }
        }
    }
}

/// Whether a destination prefix names every address a rule could guard
/// (`*`, `Any`, `VirtualNetwork`, `0.0.0.0/0`): then the rule applies to
/// every target behind the NSG.
pub fn destination_is_everything(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    matches!(t.as_str(), "*" | "any" | "virtualnetwork" | "0.0.0.0/0" | "0.0.0.0" | "::/0")
}

/// The unknown reason for a service tag without its ranges in the input.
pub fn service_tag_reason(tag: &str) -> String {
    format!(
        "service tag {tag}: its address ranges are not in the input (add the output of \
         `az network list-service-tags --location <region>` or Microsoft's ServiceTags_Public JSON)"
    )
}

/// The `what` of an unresolved service tag, used to resolve it later.
pub fn service_tag_what(tag: &str) -> String {
    format!("service tag {tag}")
}

/// An NSG rule protocol: `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*` (any
/// case; `Any` as the portal writes it). ESP is IP protocol 50, AH 51.
pub fn parse_protocol(s: &str) -> Option<ProtoMatch> {
    match s.trim().to_ascii_lowercase().as_str() {
        "*" | "any" => Some(ProtoMatch::All),
        "tcp" => Some(ProtoMatch::One(Protocol::TCP)),
        "udp" => Some(ProtoMatch::One(Protocol::UDP)),
        "icmp" => Some(ProtoMatch::One(Protocol::ICMP)),
        "esp" => Some(ProtoMatch::One(Protocol(50))),
        "ah" => Some(ProtoMatch::One(Protocol(51))),
        _ => None,
    }
}

/// One port field: `*`, `N` or `A-B` (0–65535, A ≤ B).
///
/// A comma list in one field (`"22,24"`) is rejected by Azure with
/// SecurityRuleInvalidPortRange (hashicorp/terraform-provider-azurerm#1530);
/// lists belong in `destination_port_ranges`.
pub fn parse_port_range(s: &str) -> Result<PortSet, String> {
    let t = s.trim();
    if t == "*" {
        return Ok(PortSet::full());
    }
    if t.contains(',') {
        return Err(format!(
            "`{t}` is a comma list in one port field, which Azure rejects (SecurityRuleInvalidPortRange): \
             use destination_port_ranges"
        ));
    }
    portcullis_model::ports::parse_port_range(t).map_err(|error| error.to_string())
}

/// The three inbound default rules every NSG ends with, as entries of
/// `resource`. They point at the NSG's own span: they are not written
/// anywhere.
pub fn default_inbound_rules(resource: &str, span: &Span) -> Vec<Entry> {
    let mk = |order: i64, name: &str, action: Action, src: &str, sources: Sources| Entry {
        resource: resource.to_string(),
        label: format!("priority {order} {name} (default): {} all from {src}", action_word(action)),
        span: span.clone(),
        origin: Origin::Default(format!("Azure default rule {name}")),
        action,
        protocol: Known::Known(ProtoMatch::All),
        ports: Known::Known(PortSet::full()),
        sources,
        order,
    };
    vec![
        mk(
            65000,
            "AllowVnetInBound",
            Action::Allow,
            "VirtualNetwork",
            Sources { internal: vec![InternalSource { name: "VirtualNetwork".into() }], ..Default::default() },
        ),
        mk(65001, "AllowAzureLoadBalancerInBound", Action::Allow, "AzureLoadBalancer", Sources::default()),
        mk(65500, "DenyAllInBound", Action::Deny, "*", Sources { addrs: AddrSet::all(), ..Default::default() }),
    ]
}

pub fn action_word(a: Action) -> &'static str {
    match a {
        Action::Allow => "allow",
        Action::Deny => "deny",
    }
}

/// Lower-cased key for ARM ids and names: ARM resource ids compare without
/// regard to case (`resourceGroups` and `resourcegroups` both occur).
pub fn key(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

/// The key that names an NSG by resource group and name, the way
/// `azurerm_network_security_rule` refers to its group.
pub fn name_key(resource_group: &str, name: &str) -> String {
    format!("nsg-name:{}/{}", key(resource_group), key(name))
}

// ---------------------------------------------------------------------------
// Paths (docs/semantics.md, "Reachability", Azure)
// ---------------------------------------------------------------------------

/// Route preference of a user-defined route: Azure picks the longest
/// prefix, then a user-defined route over a BGP route over a system route
/// (<https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route>).
pub const USER_ROUTE_PREFERENCE: u32 = 0;
/// Route preference of a system route (see [`USER_ROUTE_PREFERENCE`]).
pub const SYSTEM_ROUTE_PREFERENCE: u32 = 2;

/// A `VirtualAppliance` next hop: a VM or firewall that forwards as it is
/// configured, which the input does not describe.
pub const VIRTUAL_APPLIANCE: &str = "a virtual appliance (next hop type VirtualAppliance)";
/// A `VirtualNetworkGateway` next hop: a VPN or ExpressRoute gateway, to
/// on-premises networks, not the internet.
pub const VIRTUAL_NETWORK_GATEWAY: &str =
    "a virtual network gateway (VPN or ExpressRoute): replies go on-premises, not to the internet";
/// A `None` next hop: traffic is dropped.
pub const NEXT_HOP_NONE: &str = "next hop type None: Azure drops the traffic";

/// Azure's default system routes for a subnet, as they decide an inbound
/// connection's reply: 0.0.0.0/0 to `Internet`, and the reserved ranges
/// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 100.64.0.0/10 to `None`
/// (outside the virtual network's own space, which is `VnetLocal`); IPv6
/// ::/0 to `Internet`
/// (<https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#default>).
/// The network's own space is private and never an internet source, so it
/// is left to the `None` routes here.
pub fn system_routes() -> Vec<portcullis_model::topology::Route> {
    use portcullis_model::topology::{NextHop, Route};
    let mk = |block: &str, next_hop: NextHop| {
        Some(Route {
            destination: Known::Known(vec![Cidr::parse(block).ok()?]),
            destination_label: block.to_string(),
            next_hop,
            preference: SYSTEM_ROUTE_PREFERENCE,
            tags: Vec::new(),
            span: None,
            origin: Origin::Default("an Azure system route".into()),
        })
    };
    let internet = || NextHop::Internet { name: "Internet (system route)".into(), gateway: None };
    let none = || NextHop::Elsewhere { name: "None (system route)".into(), why: NEXT_HOP_NONE.into() };
    vec![
        mk("0.0.0.0/0", internet()),
        mk("::/0", internet()),
        mk("10.0.0.0/8", none()),
        mk("172.16.0.0/12", none()),
        mk("192.168.0.0/16", none()),
        mk("100.64.0.0/10", none()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The inbound default of a network interface that no NSG guards, by the
/// SKU of its public IP or load balancer: Standard is "secure by default
/// and closed to inbound traffic" until an NSG allows it; Basic is "open
/// by default"
/// (<https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#sku>,
/// <https://learn.microsoft.com/azure/load-balancer/skus>).
pub fn no_nsg_default(resource: &str, span: &Span, sku: super::network::Sku) -> Entry {
    use super::network::Sku;
    let (action, label, origin) = match sku {
        Sku::Standard => (
            Action::Deny,
            "no network security group: a Standard SKU public IP or load balancer is closed to inbound traffic unless an NSG allows it",
            "Azure Standard SKU: closed to inbound by default",
        ),
        Sku::Basic => (
            Action::Allow,
            "no network security group: a Basic SKU public IP or load balancer is open to inbound traffic",
            "Azure Basic SKU: open to inbound by default",
        ),
    };
    Entry {
        resource: resource.to_string(),
        label: label.into(),
        span: span.clone(),
        origin: Origin::Default(origin.into()),
        action,
        protocol: Known::Known(ProtoMatch::All),
        ports: Known::Known(PortSet::full()),
        sources: Sources { addrs: AddrSet::all(), ..Default::default() },
        order: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internet_spellings_and_any() {
        assert_eq!(parse_prefix("*"), Prefix::Addrs(AddrSet::all()));
        assert_eq!(parse_prefix("Any"), Prefix::Addrs(AddrSet::all()));
        assert_eq!(parse_prefix("internet"), Prefix::Addrs(public().clone()));
        assert_eq!(parse_prefix("INTERNET"), Prefix::Addrs(public().clone()));
        assert_eq!(parse_prefix("0.0.0.0"), Prefix::Addrs(AddrSet::all_v4()));
        assert_eq!(parse_prefix("0.0.0.0/0"), Prefix::Addrs(AddrSet::all_v4()));
    }

    #[test]
    fn platform_tags_are_not_public() {
        assert!(matches!(parse_prefix("VirtualNetwork"), Prefix::Internal(_)));
        assert_eq!(parse_prefix("AzureLoadBalancer"), Prefix::Addrs(AddrSet::empty()));
    }

    #[test]
    fn other_words_are_service_tags_and_junk_is_invalid() {
        assert_eq!(parse_prefix("AzureCloud"), Prefix::ServiceTag("AzureCloud".into()));
        assert_eq!(parse_prefix("Storage.WestEurope"), Prefix::ServiceTag("Storage.WestEurope".into()));
        assert!(matches!(parse_prefix("/0"), Prefix::Invalid(_)));
        assert!(matches!(parse_prefix("10.0.0.0/33"), Prefix::Invalid(_)));
        assert!(matches!(parse_prefix("10.0.0.0/8,10.1.0.0/16"), Prefix::Invalid(_)));
    }

    #[test]
    fn port_fields() {
        assert_eq!(parse_port_range("*"), Ok(PortSet::full()));
        assert_eq!(parse_port_range("10257"), Ok(PortSet::point(10257)));
        assert_eq!(parse_port_range(" 10250-10260 "), Ok(PortSet::range(10250, 10260)));
        assert!(parse_port_range("22,24").unwrap_err().contains("SecurityRuleInvalidPortRange"));
        assert!(parse_port_range("23-21").is_err());
        assert!(parse_port_range("65536").is_err());
        assert!(parse_port_range("http").is_err());
    }

    #[test]
    fn protocols() {
        assert_eq!(parse_protocol("Tcp"), Some(ProtoMatch::One(Protocol::TCP)));
        assert_eq!(parse_protocol("TCP"), Some(ProtoMatch::One(Protocol::TCP)));
        assert_eq!(parse_protocol("*"), Some(ProtoMatch::All));
        assert_eq!(parse_protocol("Any"), Some(ProtoMatch::All));
        assert_eq!(parse_protocol("Esp"), Some(ProtoMatch::One(Protocol(50))));
        assert_eq!(parse_protocol("Ah"), Some(ProtoMatch::One(Protocol(51))));
        assert_eq!(parse_protocol("6"), None);
    }
}
