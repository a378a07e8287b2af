//! The network topology: what decides whether a packet from the internet
//! can arrive at a target at all, beside the guard layers that filter it.
//!
//! Guard layers ([`crate::estate`]) say which sources the rules *admit*;
//! this module says which sources have a *path*: a public address on the
//! target's interface and a route back to an internet gateway, or a load
//! balancer that listens on the internet and forwards to the target. Every
//! provider's topology is adapted onto the same items (a VPC, a VNet and a
//! GCP network are all a [`Network`]; a security group, a network ACL, an
//! NSG stay layers), with the provider's facts decided by the adapter and
//! written here as plain values ([`NextHop`], [`SeenSource`]).
//!
//! Every item keeps the line it was read from, so each hop of a path can
//! name it. An item that is only *referred to* (a subnet named by an
//! interface but not described) exists with no span: references resolve to
//! indices, and what the input does not say stays [`Known::Unknown`] with
//! the reason, never a default that would decide the answer.

use crate::addr::{AddrSet, Cidr};
use crate::estate::{Known, LayerId};
use crate::ports::{PortSet, Protocol};
use crate::provenance::{Origin, Span};

macro_rules! index_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in its [`Topology`] list.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the item at position `i`.
            pub fn at(i: usize) -> Self {
                $name(u32::try_from(i).unwrap_or(u32::MAX))
            }
        }
    )*};
}

index_type!(
    /// Index of a [`Network`] in [`Topology::networks`].
    NetworkId,
    /// Index of a [`Subnet`] in [`Topology::subnets`].
    SubnetId,
    /// Index of a [`RouteTable`] in [`Topology::route_tables`].
    RouteTableId,
    /// Index of a [`Gateway`] in [`Topology::gateways`].
    GatewayId,
    /// Index of an [`Interface`] in [`Topology::interfaces`].
    InterfaceId,
    /// Index of a [`LoadBalancer`] in [`Topology::load_balancers`].
    LoadBalancerId,
    /// Index of a [`TargetGroup`] in [`Topology::target_groups`].
    TargetGroupId,
    /// Index of a [`Node`] in [`Topology::nodes`].
    NodeId,
    /// Index of a [`NodePorts`] in [`Topology::node_ports`].
    NodePortsId,
);

/// Which cloud an item belongs to: what "the input has no route tables"
/// means is asked per provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    Aws,
    Azure,
    Gcp,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Aws => "AWS",
            Provider::Azure => "Azure",
            Provider::Gcp => "GCP",
        }
    }
}

/// A kind of input whose absence leaves a path undecided. The assembler
/// records which kinds each provider's inputs held (even when they listed
/// nothing), so the engine can tell "no route to an internet gateway" from
/// "no route tables in the input".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Described {
    /// Route tables (AWS `describe-route-tables`, Azure route tables, GCP
    /// routes).
    RouteTables,
    /// Load balancers of every kind the provider has (ELBv2 and classic on
    /// AWS).
    LoadBalancers,
    /// Which targets each load balancer forwards to (ELBv2
    /// `describe-target-health`, Terraform attachments).
    LoadBalancerTargets,
    /// Load balancer listeners (ELBv2 `describe-listeners`).
    Listeners,
    /// Public addresses of interfaces (Elastic IPs, public IP resources).
    PublicAddresses,
}

impl Described {
    /// What to add to the input, for reasons: `route tables`.
    pub fn name(self) -> &'static str {
        match self {
            Described::RouteTables => "route tables",
            Described::LoadBalancers => "load balancers",
            Described::LoadBalancerTargets => "load balancer targets",
            Described::Listeners => "load balancer listeners",
            Described::PublicAddresses => "public addresses",
        }
    }
}

/// A VPC, a virtual network (VNet) or a GCP VPC network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// `vpc-0abc…`, a VNet name, a GCP network name, a Terraform address.
    pub id: String,
    pub provider: Provider,
    /// Where it is described; `None` when only referred to.
    pub span: Option<Span>,
    /// The route table of subnets without an explicit association (the
    /// VPC's main route table; GCP's network-wide routes; Azure's system
    /// routes, built by the adapter). `None` when the input does not show it.
    pub main_route_table: Option<RouteTableId>,
}

/// A subnet: where an interface or a load balancer node sits, which route
/// table answers for it, and which subnet-level guard it passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub span: Option<Span>,
    pub network: Option<NetworkId>,
    /// Its address ranges, when described: a load balancer node has one of
    /// these addresses.
    pub cidrs: Known<AddrSet>,
    /// The explicitly associated route table; `None` means the network's
    /// main route table answers.
    pub route_table: Option<RouteTableId>,
    /// Subnet-level guard layers (its network ACL, an Azure subnet NSG): a
    /// load balancer node in this subnet is behind them.
    pub guards: Vec<LayerId>,
}

/// A route table: routes by longest prefix match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub span: Option<Span>,
    pub network: Option<NetworkId>,
    pub routes: Vec<Route>,
}

/// One route: a destination and where packets to it go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination blocks. A prefix list is one route per entry, each
    /// block competing by its own length; unknown when the list's entries
    /// are not in the input.
    pub destination: Known<Vec<Cidr>>,
    /// How the destination was written, for people: `0.0.0.0/0`, `pl-0abc`.
    pub destination_label: String,
    pub next_hop: NextHop,
    /// Breaks ties between routes with the same block, lower first (AWS:
    /// static before prefix-list before propagated routes; Azure:
    /// user-defined before BGP before system routes; GCP: the route's
    /// priority). Routes with equal block and preference share the traffic.
    pub preference: u32,
    /// Network tags the route applies to (GCP); empty for every interface.
    pub tags: Vec<String>,
    pub span: Option<Span>,
    /// Written in the input, or a provider default (the local route, Azure's
    /// system routes).
    pub origin: Origin,
}

/// Where a route sends packets, as it decides an inbound connection: the
/// reply to a source follows the route for that source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextHop {
    /// Within the network (a VPC's `local` route, Azure's `VnetLocal`):
    /// not the internet for a source; in a gateway route table, delivery
    /// to the subnet as addressed.
    Local { name: String },
    /// To the internet: an internet gateway, Azure's `Internet` next hop,
    /// GCP's `default-internet-gateway`. `gateway` is the described gateway,
    /// whose attachment is then checked.
    Internet { name: String, gateway: Option<GatewayId> },
    /// Somewhere that is not the internet for an inbound connection: the
    /// local network, a NAT gateway, an egress-only gateway, a VPN,
    /// peering, a transit gateway, a blackhole. `why` says so in words.
    Elsewhere { name: String, why: String },
    /// An AWS service's own addresses (a gateway endpoint's prefix list):
    /// no client connects from them, so even an unresolved list takes no
    /// client away from the internet.
    Service { name: String },
    /// A middlebox (a firewall endpoint, a Gateway Load Balancer endpoint,
    /// a virtual appliance) that may forward to the internet: unknown,
    /// unless the input describes it.
    Middlebox { name: String, what: String },
}

impl NextHop {
    pub fn name(&self) -> &str {
        match self {
            NextHop::Local { name }
            | NextHop::Internet { name, .. }
            | NextHop::Elsewhere { name, .. }
            | NextHop::Service { name }
            | NextHop::Middlebox { name, .. } => name,
        }
    }
}

/// What kind of gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatewayKind {
    /// An internet gateway: both directions.
    Internet,
    /// An egress-only internet gateway (IPv6): admits no inbound connection.
    EgressOnly,
    /// A NAT gateway: admits no inbound connection.
    Nat,
}

/// A gateway a route can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gateway {
    pub id: String,
    pub kind: GatewayKind,
    pub span: Option<Span>,
    /// The networks it is attached to; unknown when the input cannot tell.
    pub attached_to: Known<Vec<NetworkId>>,
    /// A gateway route table (AWS edge association): inbound traffic is
    /// routed by it before it reaches a subnet.
    pub ingress_route_table: Option<RouteTableId>,
}

/// A public address of an interface or a load balancer frontend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicAddress {
    /// The address when the input has it (`54.12.0.7`).
    pub address: Option<String>,
    /// What it is, for people: `public IPv4 address`, `Elastic IP
    /// eipalloc-0abc`, `IPv6 address`, `public IP pip-web (Standard SKU)`.
    pub what: String,
    pub span: Option<Span>,
}

/// A network interface: an ENI, an Azure NIC's IP configuration, a GCP
/// instance's network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub id: String,
    pub provider: Provider,
    pub span: Option<Span>,
    /// Unknown when the input does not name its subnet.
    pub subnet: Known<SubnetId>,
    /// Its private addresses (what an IP target names).
    pub private: AddrSet,
    /// Its public IPv4 address: `None` when it has none.
    pub public_v4: Known<Option<PublicAddress>>,
    /// An IPv6 address the internet can reach: `None` when it has none.
    pub public_v6: Known<Option<PublicAddress>>,
    /// Network tags (GCP): which tagged routes apply.
    pub tags: Vec<String>,
}

/// What kind of load balancer, for people and for the provider facts the
/// adapter already applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadBalancerKind {
    AwsApplication,
    AwsNetwork,
    AwsGateway,
    AwsClassic,
    AzureStandard,
    AzureBasic,
    GcpPassthrough,
    GcpProxy,
}

impl LoadBalancerKind {
    pub fn name(self) -> &'static str {
        match self {
            LoadBalancerKind::AwsApplication => "application load balancer",
            LoadBalancerKind::AwsNetwork => "network load balancer",
            LoadBalancerKind::AwsGateway => "gateway load balancer",
            LoadBalancerKind::AwsClassic => "classic load balancer",
            LoadBalancerKind::AzureStandard => "Standard load balancer",
            LoadBalancerKind::AzureBasic => "Basic load balancer",
            LoadBalancerKind::GcpPassthrough => "passthrough network load balancer",
            LoadBalancerKind::GcpProxy => "proxy load balancer",
        }
    }

    pub fn provider(self) -> Provider {
        match self {
            LoadBalancerKind::AwsApplication
            | LoadBalancerKind::AwsNetwork
            | LoadBalancerKind::AwsGateway
            | LoadBalancerKind::AwsClassic => Provider::Aws,
            LoadBalancerKind::AzureStandard | LoadBalancerKind::AzureBasic => Provider::Azure,
            LoadBalancerKind::GcpPassthrough | LoadBalancerKind::GcpProxy => Provider::Gcp,
        }
    }
}

/// Whether a load balancer listens on the internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    InternetFacing,
    Internal,
}

/// Which address families a load balancer's frontend has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressFamilies {
    Ipv4,
    DualStack,
}

/// A load balancer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    /// As findings name it: a name, an ARN's last part, a Terraform address.
    pub id: String,
    pub kind: LoadBalancerKind,
    pub span: Option<Span>,
    pub scheme: Known<Scheme>,
    pub families: AddressFamilies,
    pub network: Option<NetworkId>,
    /// The subnets its nodes are in. A client's packets reach a node in
    /// one of them, and the reply leaves by that subnet's route table.
    /// Empty when the frontend is not in a subnet (Azure and GCP public
    /// frontends): then no route decides the load balancer's side.
    pub subnets: Vec<SubnetId>,
    /// Its own guard layers (security groups), evaluated on the listener
    /// port. Empty means it filters nothing itself.
    pub guards: Vec<LayerId>,
    /// The names a target's rule can use for its security groups (ids,
    /// names, Terraform addresses).
    pub group_names: Vec<String>,
    /// Its nodes' private addresses when the input has them; otherwise a
    /// node has some address of its subnet.
    pub node_addresses: AddrSet,
    /// Public frontend addresses, when the input has them.
    pub public: Vec<PublicAddress>,
    pub listeners: Vec<Listener>,
    /// Whether replies from a target leave by the target's own subnet
    /// routes (Azure, GCP passthrough: direct server return) rather than
    /// back through the load balancer (ELB).
    pub replies_by_target_routes: bool,
}

/// A listener, load-balancing rule, inbound NAT rule or forwarding rule:
/// traffic to `ports` goes to target groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// Unknown when the input shows that some listener forwards to a group
    /// but not which (an ALB rule not in the input).
    pub ports: Known<PortSet>,
    pub protocol: Protocol,
    /// `listener HTTPS:443`, `rule lbrule-web`, `forwarding rule fr-1`.
    pub label: String,
    pub span: Option<Span>,
    pub forwards: Vec<Forward>,
}

/// Where a listener sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    pub group: Known<TargetGroupId>,
    /// The port on the target when this rule sets it (an Azure rule's
    /// backend port); otherwise the group's.
    pub port: Option<u16>,
    pub span: Option<Span>,
}

/// What source address a target sees for a connection that came through a
/// load balancer: the provider fact the adapter decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeenSource {
    /// The client's own address (NLB with client IP preservation, Azure,
    /// GCP passthrough): the target's rules must admit the client.
    Client,
    /// The load balancer's own addresses (ALB, classic ELB, NLB without
    /// preservation, GCP proxies): the target's rules must admit the load
    /// balancer. `addresses` are what it connects from when they are not
    /// its nodes' subnet addresses (Google front-end ranges).
    LoadBalancer { addresses: AddrSet },
}

/// A target group, backend pool or target pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetGroup {
    pub id: String,
    pub span: Option<Span>,
    pub network: Option<NetworkId>,
    /// The port targets receive on; `None` means the port the client asked
    /// for (passthrough).
    pub port: Option<u16>,
    pub protocol: Protocol,
    pub seen_source: Known<SeenSource>,
    /// Its members; unknown when the input lists the group but not them.
    pub members: Known<Vec<Member>>,
}

/// One registered target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub interface: InterfaceId,
    /// The port registered for this target when it overrides the group's.
    pub port: Option<u16>,
    pub span: Option<Span>,
}

/// What an estate target is on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attachment {
    /// It listens on this interface (an instance has one per ENI).
    Interface(InterfaceId),
    /// It stands for what this load balancer forwards to (a Kubernetes
    /// LoadBalancer Service): reached through the load balancer's frontend.
    Frontend(LoadBalancerId),
    /// It is reached through ports opened on every node of a cluster (a
    /// Kubernetes NodePort Service, the node ports of a LoadBalancer one).
    NodePorts(NodePortsId),
}

/// A Kubernetes node, as the network sees it: the machine it runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The Node object's name.
    pub name: String,
    /// Where the Node object is written.
    pub span: Option<Span>,
    /// Its machine's interface and the estate target whose layers guard
    /// that interface (security groups and network ACL, NSGs, firewall
    /// rules, and later the node's host firewall); unknown, with why,
    /// when the input does not tie the node to one.
    pub machine: Known<NodeMachine>,
    /// How it was tied, for people: `providerID aws:///us-east-1a/i-0abc`,
    /// `InternalIP 10.0.1.5`.
    pub matched: String,
}

/// Where a node's traffic arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeMachine {
    pub interface: InterfaceId,
    /// The estate target guarding the interface.
    pub target: usize,
}

/// The ports a Service opens on every node of its cluster, and where each
/// delivers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePorts {
    /// The Service, as findings name it.
    pub service: String,
    /// The nodes the ports are open on (every node the input lists).
    pub nodes: Vec<NodeId>,
    pub ports: Vec<NodePort>,
    /// Why no node is listed, when none is: the piece to add.
    pub no_nodes: Option<String>,
}

/// One Service port as the nodes open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePort {
    pub protocol: Protocol,
    /// The port the nodes listen on: one `nodePort`, or the whole range it
    /// will be chosen from when unset (`chosen` then says so).
    pub node_ports: PortSet,
    /// For an unset `nodePort`: where the range comes from, for people.
    pub chosen: Option<String>,
    /// What it delivers to on the pods: the Service port and its
    /// `targetPort`s. A finding on one of these follows this node port.
    pub delivers: PortSet,
    /// `nodePort 30257 → port 10257 → targetPort 10257`.
    pub label: String,
    pub span: Option<Span>,
}

/// Interfaces by private address ([`Topology::address_index`]).
#[derive(Clone, Debug, Default)]
pub struct AddressIndex {
    v4: std::collections::HashMap<u32, Vec<InterfaceId>>,
    v6: std::collections::HashMap<u128, Vec<InterfaceId>>,
    /// Interfaces with a private range wider than one address.
    wide: Vec<InterfaceId>,
}

/// What [`Topology::interfaces_with_address`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressMatch {
    /// One interface (its entries).
    One(Vec<InterfaceId>),
    /// Several interfaces with that address, each with its entries.
    Ambiguous(Vec<Vec<InterfaceId>>),
    None,
}

/// Everything the inputs say about paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    pub networks: Vec<Network>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub gateways: Vec<Gateway>,
    pub interfaces: Vec<Interface>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
    /// `(estate target index, attachment)`, in any order.
    pub attachments: Vec<(usize, Attachment)>,
    /// Target groups whose members the input does not list but narrows
    /// to some interfaces (a GCP forwarding rule whose proxy is not in the
    /// input can only reach the instances of its region's backend
    /// services): only these may be members. A group not here may hold
    /// any interface of its network.
    pub candidates: Vec<(TargetGroupId, Vec<InterfaceId>)>,
    /// Which kinds of input each provider's files held.
    pub described: Vec<(Provider, Described)>,
    /// Kubernetes nodes, tied to their machines.
    pub nodes: Vec<Node>,
    /// Ports Services open on nodes.
    pub node_ports: Vec<NodePorts>,
    /// Which machine an interface belongs to, where the interface's own
    /// target does not name it: an Azure NIC's virtual machine (its
    /// resource id, lower-cased). AWS instances and GCP instances are
    /// targets named by their id or name.
    pub machines: Vec<(String, InterfaceId)>,
}

impl Topology {
    pub fn network(&self, id: NetworkId) -> Option<&Network> {
        self.networks.get(id.index())
    }
    pub fn subnet(&self, id: SubnetId) -> Option<&Subnet> {
        self.subnets.get(id.index())
    }
    pub fn route_table(&self, id: RouteTableId) -> Option<&RouteTable> {
        self.route_tables.get(id.index())
    }
    pub fn gateway(&self, id: GatewayId) -> Option<&Gateway> {
        self.gateways.get(id.index())
    }
    pub fn interface(&self, id: InterfaceId) -> Option<&Interface> {
        self.interfaces.get(id.index())
    }
    pub fn load_balancer(&self, id: LoadBalancerId) -> Option<&LoadBalancer> {
        self.load_balancers.get(id.index())
    }
    pub fn target_group(&self, id: TargetGroupId) -> Option<&TargetGroup> {
        self.target_groups.get(id.index())
    }

    /// Whether the input had this kind of item for `provider`.
    pub fn has(&self, provider: Provider, what: Described) -> bool {
        self.described.contains(&(provider, what))
    }

    /// Records that the input had this kind of item.
    pub fn mark(&mut self, provider: Provider, what: Described) {
        if !self.has(provider, what) {
            self.described.push((provider, what));
        }
    }

    /// Records that estate target `target` is attached to `to`.
    pub fn attach(&mut self, target: usize, to: Attachment) {
        self.attachments.push((target, to));
    }

    /// The route table that answers for `subnet`: its own, else its
    /// network's main one.
    pub fn route_table_of(&self, subnet: SubnetId) -> Option<RouteTableId> {
        let s = self.subnet(subnet)?;
        s.route_table.or_else(|| s.network.and_then(|n| self.network(n)?.main_route_table))
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }
    pub fn node_ports_of(&self, id: NodePortsId) -> Option<&NodePorts> {
        self.node_ports.get(id.index())
    }

    /// The interfaces whose private addresses include one of `addresses`,
    /// grouped by interface id (an interface with several IP
    /// configurations is several entries of one id): a machine known by an
    /// address is the one interface found, and two are ambiguous (the same
    /// private address in two networks), never a guess.
    pub fn interfaces_with_address(&self, addresses: &AddrSet) -> AddressMatch {
        if addresses.is_empty() {
            return AddressMatch::None;
        }
        let found = (0..self.interfaces.len())
            .map(InterfaceId::at)
            .filter(|&i| self.interface(i).is_some_and(|it| it.private.intersects(addresses)));
        self.group_by_interface(found)
    }

    /// [`Topology::interfaces_with_address`] through an index built once
    /// ([`Topology::address_index`]): the same answer without a scan of
    /// every interface, for many lookups (every node of a cluster).
    pub fn interfaces_with_address_in(&self, index: &AddressIndex, addresses: &AddrSet) -> AddressMatch {
        if addresses.is_empty() {
            return AddressMatch::None;
        }
        let small = addresses.v4.len() <= 64 && addresses.v6.len() <= 64;
        if !small {
            return self.interfaces_with_address(addresses);
        }
        let mut found: Vec<InterfaceId> = Vec::new();
        for &(low, high) in addresses.v4.runs() {
            for a in low..=high {
                found.extend(index.v4.get(&a).into_iter().flatten());
            }
        }
        for &(low, high) in addresses.v6.runs() {
            let mut a = low;
            loop {
                found.extend(index.v6.get(&a).into_iter().flatten());
                if a >= high {
                    break;
                }
                a += 1;
            }
        }
        found.extend(
            index.wide.iter().filter(|&&i| self.interface(i).is_some_and(|it| it.private.intersects(addresses))),
        );
        found.sort_unstable();
        found.dedup();
        self.group_by_interface(found.into_iter())
    }

    /// Every interface by each single private address it has, and those
    /// with a wider range apart.
    pub fn address_index(&self) -> AddressIndex {
        let mut index = AddressIndex::default();
        for (i, it) in self.interfaces.iter().enumerate() {
            let id = InterfaceId::at(i);
            let wide =
                it.private.v4.runs().iter().any(|(l, h)| l != h) || it.private.v6.runs().iter().any(|(l, h)| l != h);
            if wide {
                index.wide.push(id);
                continue;
            }
            for &(a, _) in it.private.v4.runs() {
                index.v4.entry(a).or_default().push(id);
            }
            for &(a, _) in it.private.v6.runs() {
                index.v6.entry(a).or_default().push(id);
            }
        }
        index
    }

    /// Found interface entries (in index order) grouped by interface id,
    /// the ids sorted.
    fn group_by_interface(&self, found: impl Iterator<Item = InterfaceId>) -> AddressMatch {
        let mut groups: Vec<(&str, Vec<InterfaceId>)> = Vec::new();
        for i in found {
            let Some(iface) = self.interface(i) else { continue };
            match groups.iter_mut().find(|(id, _)| *id == iface.id) {
                Some((_, list)) => list.push(i),
                None => groups.push((iface.id.as_str(), vec![i])),
            }
        }
        groups.sort_by(|a, b| a.0.cmp(b.0));
        match groups.len() {
            0 => AddressMatch::None,
            1 => AddressMatch::One(groups.pop().map(|(_, l)| l).unwrap_or_default()),
            _ => AddressMatch::Ambiguous(groups.into_iter().map(|(_, l)| l).collect()),
        }
    }

    /// An interface and its network, for people: `eni-0a1 (vpc-0b2)`.
    pub fn interface_in_network(&self, id: InterfaceId) -> String {
        let Some(iface) = self.interface(id) else { return String::new() };
        let network =
            iface.subnet.known().and_then(|s| self.subnet(*s)).and_then(|s| s.network).and_then(|n| self.network(n));
        format!("{} ({})", iface.id, network.map(|n| n.id.as_str()).unwrap_or("network not in the input"))
    }

    /// Whether nothing was read about paths at all.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty() && self.load_balancers.is_empty() && self.route_tables.is_empty()
    }
}
