//! AWS paths: VPCs, subnets, route tables, gateways, public addresses,
//! interfaces and load balancers as every AWS input describes them, and
//! their assembly onto the model's topology (`portcullis_model::topology`).
//!
//! Readers (CLI dumps, Terraform, CloudFormation) fill [`NetworkItems`] with
//! references written as the input writes them (`subnet-0abc`, an ARN, a
//! Terraform address); [`assemble`] resolves them across files, applies the
//! provider facts of [`super::facts`], and attaches each estate target to
//! its interfaces.

use super::facts;
use super::Host;
use portcullis_model::topology::{
    AddressFamilies, Attachment, Described, Forward, Gateway, GatewayId, GatewayKind, Interface, InterfaceId, Listener,
    LoadBalancer, LoadBalancerId, LoadBalancerKind, Member, Network, NetworkId, NextHop, Provider, PublicAddress,
    Route, RouteTable, RouteTableId, Scheme, SeenSource, Subnet, SubnetId, TargetGroup, TargetGroupId,
};
use portcullis_model::{AddrSet, Cidr, Known, LayerId, Origin, PortSet, Protocol, Span, Unknown};
use std::collections::BTreeMap;

/// Tables of ids: FNV-hashed (ids are short; SipHash showed in profiles).
type HashMap<K, V> = std::collections::HashMap<K, V, portcullis_syntax::json::BuildFnv>;

/// A VPC.
#[derive(Clone, Debug)]
pub struct VpcItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
}

/// A subnet.
#[derive(Clone, Debug)]
pub struct SubnetItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub vpc: Option<String>,
    pub cidrs: Known<AddrSet>,
    /// `MapPublicIpOnLaunch` / `map_public_ip_on_launch`: what an instance
    /// launched here gets unless it says otherwise.
    pub map_public_ip: Known<bool>,
    /// `AssignIpv6AddressOnCreation` / `assign_ipv6_address_on_creation`.
    pub assign_ipv6: Known<bool>,
}

/// Where a route sends traffic, as written.
#[derive(Clone, Debug)]
pub enum RouteTarget {
    /// `GatewayId`: `local`, `igw-`, `vgw-`, `vpce-` (the prefix tells).
    Gateway(String),
    EgressOnly(String),
    Nat(String),
    TransitGateway(String),
    Peering(String),
    Instance(String),
    Interface(String),
    LocalGateway(String),
    CarrierGateway(String),
    CoreNetwork(String),
    /// A route whose target the input cannot tell.
    Unknown(Unknown),
}

/// Builds a route target from the id a field holds.
pub type MakeTarget = fn(String) -> RouteTarget;

/// The target fields of a route in the EC2 API's names (CLI dumps and
/// CloudFormation use them alike), the more specific first: a route to an
/// instance also names its interface.
pub const ROUTE_TARGET_FIELDS: &[(&str, MakeTarget)] = &[
    ("EgressOnlyInternetGatewayId", RouteTarget::EgressOnly),
    ("NatGatewayId", RouteTarget::Nat),
    ("TransitGatewayId", RouteTarget::TransitGateway),
    ("VpcPeeringConnectionId", RouteTarget::Peering),
    ("InstanceId", RouteTarget::Instance),
    ("NetworkInterfaceId", RouteTarget::Interface),
    ("LocalGatewayId", RouteTarget::LocalGateway),
    ("CarrierGatewayId", RouteTarget::CarrierGateway),
    ("CoreNetworkArn", RouteTarget::CoreNetwork),
    ("GatewayId", RouteTarget::Gateway),
];

/// Where a route goes to.
#[derive(Clone, Debug)]
pub enum Destination {
    Block(Cidr),
    PrefixList(String),
    Unknown(Unknown),
}

/// One route.
#[derive(Clone, Debug)]
pub struct RouteItem {
    pub destination: Destination,
    pub target: RouteTarget,
    /// `State: blackhole`: the target no longer exists or is detached.
    pub blackhole: bool,
    /// `Origin: EnableVgwRoutePropagation`: loses to a static route of the
    /// same block.
    pub propagated: bool,
    pub span: Span,
}

/// A route table with its routes and associations.
#[derive(Clone, Debug)]
pub struct RouteTableItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub vpc: Option<String>,
    pub routes: Vec<RouteItem>,
}

/// An association of a route table.
#[derive(Clone, Debug)]
pub enum AssociationItem {
    Subnet {
        table: String,
        subnet: String,
    },
    /// The VPC's main route table.
    Main {
        table: String,
        vpc: Option<String>,
    },
    /// A gateway route table (edge association).
    Gateway {
        table: String,
        gateway: String,
    },
}

/// A gateway a route can name.
#[derive(Clone, Debug)]
pub struct GatewayItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub kind: GatewayKind,
    pub span: Span,
    pub vpcs: Known<Vec<String>>,
}

/// An Elastic IP and what it is associated with.
#[derive(Clone, Debug)]
pub struct AddressItem {
    pub public_ip: Option<String>,
    pub allocation: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub interface: Option<String>,
    pub instance: Option<String>,
}

/// One network interface of a host, as the input describes it.
#[derive(Clone, Debug)]
pub struct NicItem {
    /// The host it belongs to (its id or an alias).
    pub host: String,
    pub id: String,
    pub span: Span,
    pub subnet: Option<String>,
    pub private: Vec<String>,
    pub public_v4: Known<Option<PublicAddress>>,
    pub public_v6: Known<Option<PublicAddress>>,
    /// 0 for an instance's primary interface.
    pub device_index: Option<u32>,
    /// A load balancer's own interface (`ELB app/name/id`): names it.
    pub balancer: Option<String>,
    /// Other names of the interface (a Terraform address and its id), by
    /// which a host's attachment may name it.
    pub aliases: Vec<String>,
    /// The input leaves the public IPv4 / IPv6 address to the subnet's
    /// launch setting (a Terraform or CloudFormation instance that does not
    /// say): the assembly reads the subnet's.
    pub v4_by_subnet: bool,
    pub v6_by_subnet: bool,
}

impl NicItem {
    /// The interfaces of an Auto Scaling group's instances: one per subnet
    /// they may launch in (one without a subnet when none is named), each
    /// its primary interface, public addresses left to the launch
    /// template or the subnet. `label` shows a subnet in the interface id.
    pub fn scaling_group(
        host: &str,
        shown: &str,
        span: &Span,
        subnets: &[String],
        label: fn(&str) -> &str,
    ) -> Vec<NicItem> {
        let one = |subnet: Option<&String>| NicItem {
            host: host.to_string(),
            id: match subnet {
                Some(s) if subnets.len() > 1 => format!("{shown} in {}", label(s)),
                _ => shown.to_string(),
            },
            span: span.clone(),
            subnet: subnet.cloned(),
            private: Vec::new(),
            public_v4: Known::Known(None),
            public_v6: Known::Known(None),
            device_index: Some(0),
            balancer: None,
            aliases: Vec::new(),
            v4_by_subnet: true,
            v6_by_subnet: true,
        };
        if subnets.is_empty() {
            return vec![one(None)];
        }
        subnets.iter().map(|s| one(Some(s))).collect()
    }
}

/// What a launch template (or launch configuration) says about the
/// interface of the instances launched from it, for what the instance
/// itself leaves unsaid
/// (docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html:
/// parameters given at launch override the template's).
#[derive(Clone, Debug)]
pub struct LaunchTemplateItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    /// `associate_public_ip_address` of its primary interface; `None` when
    /// the template does not say (the subnet's launch setting decides).
    pub public_v4: Option<Known<Option<PublicAddress>>>,
    /// The subnet of its primary interface.
    pub subnet: Option<String>,
    /// The primary interface's security groups, else the template's.
    pub groups: Vec<String>,
}

/// An existing interface attached to a host by reference (Terraform's
/// `network_interface { network_interface_id, device_index }`,
/// CloudFormation's `NetworkInterfaces[].NetworkInterfaceId`): the host's
/// interface is that one, with its own subnet, groups and Elastic IP.
#[derive(Clone, Debug)]
pub struct NicAttachment {
    /// The host by id or alias.
    pub host: String,
    /// The interface by id or alias.
    pub interface: String,
    pub device_index: Option<u32>,
}

/// Network-interface attachments by the host they name: scanning every
/// attachment for every host was quadratic.
pub(crate) struct Attachments<'a> {
    all: &'a [NicAttachment],
    by_host: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Attachments<'a> {
    pub(crate) fn new(all: &'a [NicAttachment]) -> Self {
        let mut by_host: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, a) in all.iter().enumerate() {
            by_host.entry(a.host.as_str()).or_default().push(i);
        }
        Attachments { all, by_host }
    }

    /// The attachments naming a host by any of `aliases`, each once, in
    /// input order.
    pub(crate) fn of(&self, aliases: &[String]) -> Vec<&'a NicAttachment> {
        let mut named: Vec<usize> =
            aliases.iter().filter_map(|a| self.by_host.get(a.as_str())).flatten().copied().collect();
        named.sort_unstable();
        named.dedup();
        named.into_iter().map(|i| &self.all[i]).collect()
    }
}

/// A listener of an ELBv2 load balancer.
#[derive(Clone, Debug)]
pub struct ListenerItem {
    /// The load balancer, by ARN or reference.
    pub load_balancer: String,
    pub port: Known<u16>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`.
    pub protocol: String,
    pub span: Span,
    /// Target groups its default actions forward to.
    pub forwards: Vec<(String, Span)>,
    pub arn: Option<String>,
}

/// A classic load balancer's listener: port on the load balancer, port on
/// the instance.
#[derive(Clone, Debug)]
pub struct ClassicListener {
    pub port: u16,
    pub instance_port: u16,
    pub protocol: String,
    pub span: Span,
}

/// A load balancer.
#[derive(Clone, Debug)]
pub struct LoadBalancerItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub kind: LoadBalancerKind,
    pub span: Span,
    pub scheme: Known<Scheme>,
    pub dual_stack: bool,
    pub vpc: Option<String>,
    pub subnets: Vec<String>,
    /// Its security groups; `None` when it has none (an NLB created
    /// without).
    pub groups: Known<Vec<String>>,
    /// Classic load balancers hold their listeners and instances.
    pub classic_listeners: Vec<ClassicListener>,
    pub classic_instances: Vec<(String, Span)>,
}

/// A target group.
#[derive(Clone, Debug)]
pub struct TargetGroupItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub port: Option<u16>,
    pub protocol: String,
    /// `instance`, `ip`, `lambda`, `alb`.
    pub target_type: String,
    pub vpc: Option<String>,
    /// `preserve_client_ip.enabled` when the input sets it.
    pub preserve_client_ip: Option<Known<bool>>,
    /// Targets listed with the group itself (CloudFormation `Targets`).
    pub targets: Option<Vec<TargetItem>>,
    /// The load balancers that use it (by a listener's default action or a
    /// rule), by ARN or reference.
    pub load_balancers: Vec<String>,
}

/// One registered target: an instance id or an IP address, and a port.
#[derive(Clone, Debug)]
pub struct TargetItem {
    pub id: String,
    pub port: Option<u16>,
    pub span: Span,
}

/// Registered targets of one group (`describe-target-health`, Terraform
/// attachments).
#[derive(Clone, Debug)]
pub struct TargetsItem {
    /// The group by ARN, name or reference; from a dump without
    /// `TargetGroupArn`, its file's name.
    pub group: String,
    pub targets: Vec<TargetItem>,
    pub span: Span,
}

/// Everything about paths one AWS input contributed.
#[derive(Clone, Debug, Default)]
pub struct NetworkItems {
    pub vpcs: Vec<VpcItem>,
    pub subnets: Vec<SubnetItem>,
    pub route_tables: Vec<RouteTableItem>,
    /// Routes written apart from their table (`aws_route`): table, route.
    pub routes: Vec<(String, RouteItem)>,
    pub associations: Vec<AssociationItem>,
    pub gateways: Vec<GatewayItem>,
    /// Gateway attachments written apart (gateway, VPC).
    pub attachments: Vec<(String, String)>,
    pub addresses: Vec<AddressItem>,
    pub nics: Vec<NicItem>,
    pub load_balancers: Vec<LoadBalancerItem>,
    pub listeners: Vec<ListenerItem>,
    /// Listener rules' forwards, by listener ARN.
    pub rules: Vec<(String, Vec<(String, Span)>)>,
    pub target_groups: Vec<TargetGroupItem>,
    pub targets: Vec<TargetsItem>,
    pub launch_templates: Vec<LaunchTemplateItem>,
    pub nic_attachments: Vec<NicAttachment>,
    /// Instances registered with a classic load balancer by something
    /// other than its own `Instances` (an Auto Scaling group's
    /// `LoadBalancerNames`, `aws_autoscaling_attachment`'s `elb`): the
    /// load balancer by name or reference, the member.
    pub classic_members: Vec<(String, TargetItem)>,
    /// Load balancer wiring the input holds but cannot join (a listener,
    /// rule or attachment whose reference is known only after apply, with
    /// no configuration naming the resource): every load balancer may
    /// have it.
    pub unresolved: Vec<Unknown>,
    /// Kinds of input present, even when they listed nothing.
    pub described: Vec<Described>,
    /// Whether ELBv2 and classic load balancers were listed: only both say
    /// which load balancers the account has.
    pub listed_elbv2: bool,
    pub listed_classic: bool,
}

impl NetworkItems {
    /// Every file's items, in order: [`NetworkItems::extend`] over all of
    /// them, with each list allocated once.
    pub fn concat(mut list: Vec<NetworkItems>) -> NetworkItems {
        let mut described: Vec<Described> = Vec::new();
        for d in list.iter().flat_map(|x| x.described.iter()) {
            if !described.contains(d) {
                described.push(*d);
            }
        }
        let listed_elbv2 = list.iter().any(|x| x.listed_elbv2);
        let listed_classic = list.iter().any(|x| x.listed_classic);
        super::concat_fields!(list, NetworkItems {
            vpcs, subnets, route_tables, routes, associations, gateways, attachments, addresses, nics,
            load_balancers, listeners, rules, target_groups, targets, unresolved, launch_templates,
            nic_attachments, classic_members,
        } described, listed_elbv2, listed_classic)
    }

    pub fn extend(&mut self, o: NetworkItems) {
        use crate::providers::append;
        append(&mut self.vpcs, o.vpcs);
        append(&mut self.subnets, o.subnets);
        append(&mut self.route_tables, o.route_tables);
        append(&mut self.routes, o.routes);
        append(&mut self.associations, o.associations);
        append(&mut self.gateways, o.gateways);
        append(&mut self.attachments, o.attachments);
        append(&mut self.addresses, o.addresses);
        append(&mut self.nics, o.nics);
        append(&mut self.load_balancers, o.load_balancers);
        append(&mut self.listeners, o.listeners);
        append(&mut self.rules, o.rules);
        self.listed_elbv2 |= o.listed_elbv2;
        self.listed_classic |= o.listed_classic;
        append(&mut self.target_groups, o.target_groups);
        append(&mut self.targets, o.targets);
        append(&mut self.unresolved, o.unresolved);
        append(&mut self.launch_templates, o.launch_templates);
        append(&mut self.nic_attachments, o.nic_attachments);
        append(&mut self.classic_members, o.classic_members);
        for d in o.described {
            if !self.described.contains(&d) {
                self.described.push(d);
            }
        }
    }

    /// The ids of load balancers' own interfaces: nodes of a load
    /// balancer's path, not targets.
    pub fn balancer_nodes(&self) -> std::collections::HashSet<&str, portcullis_syntax::json::BuildFnv> {
        self.nics.iter().filter(|n| n.balancer.is_some()).map(|n| n.id.as_str()).collect()
    }

    /// The security groups load balancers use: they guard a load balancer,
    /// so they are not targets of their own.
    pub fn balancer_groups(&self) -> impl Iterator<Item = &str> {
        self.load_balancers.iter().flat_map(|lb| lb.groups.known().into_iter().flatten().map(String::as_str))
    }
}

/// Index of names to positions; the first item to claim a name keeps it.
fn index<'a>(names: impl Iterator<Item = (usize, &'a str)>) -> HashMap<String, usize> {
    let mut out = HashMap::default();
    for (i, n) in names {
        out.entry(n.to_string()).or_insert(i);
    }
    out
}

/// What the AWS assembly already built that paths refer to.
pub struct Built<'a> {
    /// Each host that became a target, with its target index.
    pub hosts: Vec<(usize, &'a Host)>,
    /// Security group layers by every name a group is known by.
    pub groups: BTreeMap<String, LayerId>,
    /// The names of each group layer (a rule may name a group by any).
    pub group_names: BTreeMap<LayerId, Vec<String>>,
    /// The network ACL layer of a subnet (by subnet reference), and each
    /// VPC's default one.
    pub acl_for_subnet: BTreeMap<String, LayerId>,
    pub default_acl_for_vpc: BTreeMap<String, LayerId>,
    /// Managed prefix lists whose entries are in the input.
    pub prefix_lists: BTreeMap<String, AddrSet>,
}

/// Builds the AWS part of the topology.
pub fn assemble(net: NetworkItems, built: Built, topology: &mut portcullis_model::Topology) {
    let mut b = Builder {
        t: std::mem::take(topology),
        net: &net,
        built: &built,
        network_by: HashMap::default(),
        subnet_by: HashMap::default(),
        table_by: HashMap::default(),
        gateway_by: HashMap::default(),
        interface_by: HashMap::default(),
        instance_interfaces: HashMap::default(),
        interface_by_address: HashMap::default(),
        balancer_nodes: HashMap::default(),
        addresses: HashMap::default(),
        launch: HashMap::default(),
        templates: HashMap::default(),
    };
    for t in &net.launch_templates {
        for a in &t.aliases {
            b.templates.entry(a.as_str()).or_insert(t);
        }
    }
    for a in &net.addresses {
        for to in [&a.interface, &a.instance].into_iter().flatten().filter(|s| !s.is_empty()) {
            b.addresses.entry(to.as_str()).or_insert(a);
        }
    }
    for n in &net.nics {
        if let Some(lb) = &n.balancer {
            b.balancer_nodes.entry(lb.clone()).or_default().extend(n.private.iter().cloned());
        }
    }
    // Which interfaces each host has depends on the input alone: listed
    // while the networks, subnets and route tables are built.
    let ((), listed) = rayon::join(
        || {
            b.networks();
            b.subnets();
            b.gateways();
            b.route_tables();
        },
        || Listed::of(&net, &built),
    );
    b.interfaces(&listed);
    b.load_balancers();
    for d in &net.described {
        b.t.mark(Provider::Aws, *d);
    }
    if net.listed_elbv2 && net.listed_classic {
        b.t.mark(Provider::Aws, Described::LoadBalancers);
    }
    *topology = std::mem::take(&mut b.t);
}

/// Values under one key, the first held inline: most keys of the
/// assembly's indexes (an instance's interfaces, an address's) have one,
/// and a vector for each had cost an allocation per interface.
#[derive(Clone, Debug)]
struct Several<T> {
    first: T,
    more: Vec<T>,
}

impl<T: Copy> Several<T> {
    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

/// Adds `value` under `key`, after the values already there.
fn add<'k, T>(map: &mut HashMap<&'k str, Several<T>>, key: &'k str, value: T) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().more.push(value),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Several { first: value, more: Vec::new() });
        }
    }
}

/// The names an interface is known by, borrowed from the input.
#[derive(Clone, Copy)]
struct Names<'a> {
    id: &'a str,
    private: &'a [String],
}

/// An interface the assembly makes: what it is built from, and its id.
struct NewInterface<'a> {
    nic: &'a NicItem,
    host: &'a Host,
    names: Names<'a>,
    subnet: Known<SubnetId>,
    id: InterfaceId,
}

/// Every host's interfaces, in order, each with the target it serves.
struct Listed<'a> {
    nics: Vec<(usize, &'a Host, NicSource<'a>)>,
    /// Interfaces made here: an existing one as a host's own (it takes the
    /// host and the attachment's device index), or a stand-in.
    made: Vec<NicItem>,
}

impl<'a> Listed<'a> {
    /// The interfaces of `built`'s hosts.
    fn of(net: &'a NetworkItems, built: &'a Built<'a>) -> Listed<'a> {
        let mut nics_of: HashMap<&str, Several<&NicItem>> = HashMap::default();
        nics_of.reserve(net.nics.len());
        for n in &net.nics {
            add(&mut nics_of, n.host.as_str(), n);
        }
        // Interfaces attached to a host by reference, by every name they go by.
        let mut nic_by_name: HashMap<&str, &NicItem> = HashMap::default();
        if !net.nic_attachments.is_empty() {
            for n in &net.nics {
                for name in std::iter::once(&n.id).chain(&n.aliases) {
                    nic_by_name.entry(name.as_str()).or_insert(n);
                }
            }
        }
        let attachments = Attachments::new(&net.nic_attachments);
        let mut listed = Listed { nics: Vec::with_capacity(built.hosts.len()), made: Vec::new() };
        for &(target, host) in &built.hosts {
            let before = listed.nics.len();
            if let Some(list) = host.aliases.iter().find_map(|a| nics_of.get(a.as_str())) {
                listed.nics.extend(list.iter().map(|n| (target, host, NicSource::Input(n))));
            }
            if !net.nic_attachments.is_empty() {
                listed.attached(host, target, &attachments, &nic_by_name);
            }
            // A host the input gives no interface for: one, in its subnet,
            // whose public addresses the input does not show.
            if listed.nics.len() == before {
                listed.made.push(stand_in(host));
                let names = Names { id: host.id.as_str(), private: &[] };
                listed.nics.push((target, host, NicSource::Made(listed.made.len() - 1, names)));
            }
        }
        listed
    }

    /// Existing interfaces `host` is built from: theirs, as this host's, at
    /// the device index the attachment gives.
    fn attached(
        &mut self,
        host: &'a Host,
        target: usize,
        attachments: &Attachments<'a>,
        nic_by_name: &HashMap<&str, &'a NicItem>,
    ) {
        let mut borrowed: Vec<(NicItem, &'a NicItem)> = attachments
            .of(&host.aliases)
            .into_iter()
            .filter_map(|a| {
                let nic = *nic_by_name.get(a.interface.as_str())?;
                let device_index = a.device_index.or(nic.device_index);
                Some((NicItem { host: host.id.clone(), device_index, ..nic.clone() }, nic))
            })
            .collect();
        borrowed.sort_by_key(|(n, _)| n.device_index.unwrap_or(u32::MAX));
        for (nic, original) in borrowed {
            self.made.push(nic);
            let names = Names { id: original.id.as_str(), private: original.private.as_slice() };
            self.nics.push((target, host, NicSource::Made(self.made.len() - 1, names)));
        }
    }
}

/// Where a host's interface comes from: the input as it is, or made by
/// the assembly (held aside, by position) with the names of the input's.
enum NicSource<'a> {
    Input(&'a NicItem),
    Made(usize, Names<'a>),
}

/// The interface of a host the input gives none for: one, in its subnet,
/// whose public addresses the input does not show.
fn stand_in(host: &Host) -> NicItem {
    NicItem {
        host: host.id.clone(),
        id: host.id.clone(),
        span: host.span.clone(),
        subnet: host.subnet.clone(),
        private: Vec::new(),
        public_v4: Known::from_unknown(Unknown {
            what: format!("the public IPv4 address of {}", host.id),
            reason: "the input does not show it".into(),
            span: host.span.clone(),
        }),
        public_v6: Known::from_unknown(Unknown {
            what: format!("the IPv6 address of {}", host.id),
            reason: "the input does not show it".into(),
            span: host.span.clone(),
        }),
        device_index: Some(0),
        balancer: None,
        aliases: Vec::new(),
        v4_by_subnet: false,
        v6_by_subnet: false,
    }
}

struct Builder<'a> {
    t: portcullis_model::Topology,
    net: &'a NetworkItems,
    built: &'a Built<'a>,
    network_by: HashMap<String, NetworkId>,
    subnet_by: HashMap<String, SubnetId>,
    table_by: HashMap<String, RouteTableId>,
    gateway_by: HashMap<String, GatewayId>,
    /// Interfaces by id, by instance (primary first) and by private address.
    /// The names are borrowed from the input: 100,000 interfaces cloned
    /// three names each to key these maps.
    interface_by: HashMap<&'a str, InterfaceId>,
    instance_interfaces: HashMap<&'a str, Several<(Option<u32>, InterfaceId)>>,
    interface_by_address: HashMap<&'a str, Several<(Option<NetworkId>, InterfaceId)>>,
    /// A load balancer's own interfaces' private addresses, by its name.
    balancer_nodes: HashMap<String, Vec<String>>,
    /// Elastic IPs by the interface or instance they are associated with.
    addresses: HashMap<&'a str, &'a AddressItem>,
    /// Subnets' launch settings by every name of the subnet.
    launch: HashMap<&'a str, &'a SubnetItem>,
    /// Launch templates by every name.
    templates: HashMap<&'a str, &'a LaunchTemplateItem>,
}

impl<'a> Builder<'a> {
    /// The network named `name`, created (with no span) when only referred to.
    fn network(&mut self, name: &str) -> NetworkId {
        if let Some(&n) = self.network_by.get(name) {
            return n;
        }
        self.t.networks.push(Network {
            id: name.to_string(),
            provider: Provider::Aws,
            span: None,
            main_route_table: None,
        });
        let id = NetworkId::at(self.t.networks.len() - 1);
        self.network_by.insert(name.to_string(), id);
        id
    }

    fn subnet(&mut self, name: &str) -> SubnetId {
        if let Some(&s) = self.subnet_by.get(name) {
            return s;
        }
        self.t.subnets.push(Subnet {
            id: name.to_string(),
            span: None,
            network: None,
            cidrs: Known::from_unknown(Unknown {
                what: format!("the address range of {name}"),
                reason: "the subnet is not described in the input".into(),
                span: Span::new("".into(), 0, 0),
            }),
            route_table: None,
            guards: self.built.acl_for_subnet.get(name).copied().into_iter().collect(),
        });
        let id = SubnetId::at(self.t.subnets.len() - 1);
        self.subnet_by.insert(name.to_string(), id);
        id
    }

    fn networks(&mut self) {
        for v in &self.net.vpcs {
            if self.network_by.contains_key(&v.id) {
                continue;
            }
            self.t.networks.push(Network {
                id: v.id.clone(),
                provider: Provider::Aws,
                span: Some(v.span.clone()),
                main_route_table: None,
            });
            let id = NetworkId::at(self.t.networks.len() - 1);
            for a in &v.aliases {
                self.network_by.entry(a.clone()).or_insert(id);
            }
        }
    }

    fn subnets(&mut self) {
        let net = self.net;
        for s in &net.subnets {
            for a in &s.aliases {
                self.launch.entry(a.as_str()).or_insert(s);
            }
        }
        for s in &net.subnets {
            if s.aliases.iter().any(|a| self.subnet_by.contains_key(a)) {
                continue;
            }
            let network = s.vpc.as_deref().map(|v| self.network(v));
            let acl = s
                .aliases
                .iter()
                .find_map(|a| self.built.acl_for_subnet.get(a))
                .or_else(|| s.vpc.as_ref().and_then(|v| self.built.default_acl_for_vpc.get(v)))
                .copied();
            self.t.subnets.push(Subnet {
                id: s.id.clone(),
                span: Some(s.span.clone()),
                network,
                cidrs: s.cidrs.clone(),
                route_table: None,
                guards: acl.into_iter().collect(),
            });
            let id = SubnetId::at(self.t.subnets.len() - 1);
            for a in &s.aliases {
                self.subnet_by.entry(a.clone()).or_insert(id);
            }
        }
    }

    fn gateways(&mut self) {
        let mut attached: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let by = index(
            self.net.gateways.iter().enumerate().flat_map(|(i, g)| g.aliases.iter().map(move |a| (i, a.as_str()))),
        );
        for (g, v) in &self.net.attachments {
            if let Some(&i) = by.get(g) {
                attached.entry(i).or_default().push(v.clone());
            }
        }
        for (i, g) in self.net.gateways.iter().enumerate() {
            let vpcs = match (&g.vpcs, attached.remove(&i)) {
                (Known::Known(v), extra) => Known::Known(v.iter().chain(extra.iter().flatten()).cloned().collect()),
                (Known::Unknown(_), Some(extra)) => Known::Known(extra),
                (Known::Unknown(u), None) => Known::Unknown(u.clone()),
            };
            let attached_to = match vpcs {
                Known::Known(v) => Known::Known(v.iter().map(|x| self.network(x)).collect()),
                Known::Unknown(u) => Known::Unknown(u),
            };
            self.t.gateways.push(Gateway {
                id: g.id.clone(),
                kind: g.kind,
                span: Some(g.span.clone()),
                attached_to,
                ingress_route_table: None,
            });
            let id = GatewayId::at(self.t.gateways.len() - 1);
            for a in &g.aliases {
                self.gateway_by.entry(a.clone()).or_insert(id);
            }
        }
    }

    fn next_hop(&self, target: &RouteTarget, destination: &Destination, blackhole: bool) -> NextHop {
        let name = facts::route_target_name(target);
        if blackhole {
            return NextHop::Elsewhere { name, why: facts::BLACKHOLE.into() };
        }
        match target {
            RouteTarget::Gateway(g) if g == "local" => NextHop::Local { name },
            RouteTarget::Gateway(g)
                if g.starts_with("igw-")
                    || self
                        .gateway_by
                        .get(g)
                        .is_some_and(|&x| self.t.gateways[x.index()].kind == GatewayKind::Internet) =>
            {
                NextHop::Internet { name, gateway: self.gateway_by.get(g).copied() }
            }
            RouteTarget::Gateway(g) if g.starts_with("vpce-") => match destination {
                Destination::PrefixList(_) => NextHop::Service { name },
                _ => NextHop::Middlebox { name, what: facts::ENDPOINT_MIDDLEBOX.into() },
            },
            RouteTarget::Gateway(g) if g.starts_with("vgw-") => {
                NextHop::Elsewhere { name, why: facts::VIRTUAL_PRIVATE_GATEWAY.into() }
            }
            RouteTarget::Gateway(g) => match self.gateway_by.get(g).map(|&x| self.t.gateways[x.index()].kind) {
                Some(GatewayKind::EgressOnly) => NextHop::Elsewhere { name, why: facts::EGRESS_ONLY.into() },
                Some(GatewayKind::Nat) => NextHop::Elsewhere { name, why: facts::NAT.into() },
                // A gateway the input does not show: an unresolved reference.
                _ => NextHop::Middlebox { name, what: "a gateway".into() },
            },
            RouteTarget::EgressOnly(_) => NextHop::Elsewhere { name, why: facts::EGRESS_ONLY.into() },
            RouteTarget::Nat(_) => NextHop::Elsewhere { name, why: facts::NAT.into() },
            RouteTarget::TransitGateway(_) => NextHop::Elsewhere { name, why: facts::TRANSIT_GATEWAY.into() },
            RouteTarget::Peering(_) => NextHop::Elsewhere { name, why: facts::PEERING.into() },
            RouteTarget::LocalGateway(_) => NextHop::Elsewhere { name, why: facts::LOCAL_GATEWAY.into() },
            RouteTarget::CarrierGateway(_) => NextHop::Elsewhere { name, why: facts::CARRIER_GATEWAY.into() },
            RouteTarget::CoreNetwork(_) => NextHop::Elsewhere { name, why: facts::CORE_NETWORK.into() },
            RouteTarget::Instance(_) | RouteTarget::Interface(_) => {
                NextHop::Middlebox { name, what: facts::INSTANCE_MIDDLEBOX.into() }
            }
            RouteTarget::Unknown(u) => {
                NextHop::Middlebox { name, what: format!("a target that is unknown ({})", u.reason) }
            }
        }
    }

    fn route(&self, r: &RouteItem, prefix_lists: &BTreeMap<String, AddrSet>) -> Route {
        let (destination, label) = match &r.destination {
            Destination::Block(c) => (Known::Known(vec![*c]), c.to_string()),
            Destination::PrefixList(pl) => match prefix_lists.get(pl) {
                Some(set) => (Known::Known(set.to_cidrs()), pl.clone()),
                None => (
                    Known::from_unknown(Unknown {
                        what: format!("prefix list {pl}"),
                        reason:
                            "its entries are not in the input (add `aws ec2 get-managed-prefix-list-entries` output)"
                                .into(),
                        span: r.span.clone(),
                    }),
                    pl.clone(),
                ),
            },
            Destination::Unknown(u) => (Known::Unknown(Box::new(u.clone())), format!("({})", u.what)),
        };
        let next_hop = self.next_hop(&r.target, &r.destination, r.blackhole);
        Route {
            destination,
            destination_label: label,
            preference: facts::route_preference(&r.destination, r.propagated),
            next_hop,
            tags: Vec::new(),
            span: Some(r.span.clone()),
            origin: if matches!(&r.target, RouteTarget::Gateway(g) if g == "local") {
                Origin::Default("the local route every route table has".into())
            } else {
                Origin::Explicit
            },
        }
    }

    fn route_tables(&mut self) {
        let prefix_lists = &self.built.prefix_lists;
        let net = self.net;
        for rt in &net.route_tables {
            if rt.aliases.iter().any(|a| self.table_by.contains_key(a)) {
                continue;
            }
            let network = rt.vpc.as_deref().map(|v| self.network(v));
            let routes = rt.routes.iter().map(|r| self.route(r, prefix_lists)).collect();
            self.t.route_tables.push(RouteTable { id: rt.id.clone(), span: Some(rt.span.clone()), network, routes });
            let id = RouteTableId::at(self.t.route_tables.len() - 1);
            for a in &rt.aliases {
                self.table_by.entry(a.clone()).or_insert(id);
            }
        }
        for (table, r) in &net.routes {
            if let Some(&id) = self.table_by.get(table) {
                let route = self.route(r, prefix_lists);
                self.t.route_tables[id.index()].routes.push(route);
            }
        }
        for a in &net.associations {
            match a {
                AssociationItem::Subnet { table, subnet } => {
                    let Some(&rt) = self.table_by.get(table) else { continue };
                    let s = self.subnet(subnet);
                    self.t.subnets[s.index()].route_table = Some(rt);
                }
                AssociationItem::Main { table, vpc } => {
                    let Some(&rt) = self.table_by.get(table) else { continue };
                    let network = vpc.as_deref().map(|v| self.network(v)).or(self.t.route_tables[rt.index()].network);
                    if let Some(n) = network {
                        self.t.networks[n.index()].main_route_table = Some(rt);
                    }
                }
                AssociationItem::Gateway { table, gateway } => {
                    if let (Some(&rt), Some(&g)) = (self.table_by.get(table), self.gateway_by.get(gateway)) {
                        self.t.gateways[g.index()].ingress_route_table = Some(rt);
                    }
                }
            }
        }
    }

    /// The Elastic IP associated with an interface (by its id, or its
    /// instance's for the primary interface).
    fn elastic_ip(&self, nic: &NicItem) -> Option<PublicAddress> {
        let a = self.addresses.get(nic.id.as_str()).or_else(|| {
            (nic.device_index.unwrap_or(0) == 0).then(|| self.addresses.get(nic.host.as_str())).flatten()
        })?;
        Some(PublicAddress {
            address: a.public_ip.clone(),
            what: format!("Elastic IP {}", a.allocation),
            span: Some(a.span.clone()),
        })
    }

    fn interfaces(&mut self, listed: &'a Listed<'a>) {
        // In order, each interface's id: one known by the same id (an
        // interface two hosts are built from) is the same interface. The
        // subnets named are made here too, since that changes the topology.
        let mut fresh: Vec<NewInterface<'a>> = Vec::new();
        let mut ids: Vec<(usize, InterfaceId)> = Vec::with_capacity(listed.nics.len());
        self.interface_by.reserve(listed.nics.len());
        for &(target, host, ref source) in &listed.nics {
            let (nic, names) = match source {
                NicSource::Input(n) => (*n, Names { id: n.id.as_str(), private: n.private.as_slice() }),
                NicSource::Made(i, names) => (&listed.made[*i], *names),
            };
            let id = match self.interface_by.get(names.id) {
                Some(&id) => id,
                None => {
                    let id = InterfaceId::at(self.t.interfaces.len() + fresh.len());
                    self.interface_by.insert(names.id, id);
                    let subnet = match nic.subnet.as_deref().or(host.subnet.as_deref()) {
                        Some(s) => Known::Known(self.subnet(s)),
                        None => Known::from_unknown(Unknown {
                            what: format!("the subnet of {}", nic.id),
                            reason: "the input does not name it".into(),
                            span: nic.span.clone(),
                        }),
                    };
                    fresh.push(NewInterface { nic, host, names, subnet, id });
                    id
                }
            };
            ids.push((target, id));
        }

        // The interfaces themselves, each on its own (on the estate
        // benchmark, 100,000 of them), beside the indexes of them by
        // instance and by address.
        let mut interfaces = std::mem::take(&mut self.t.interfaces);
        let mut by_instance = std::mem::take(&mut self.instance_interfaces);
        let mut by_address = std::mem::take(&mut self.interface_by_address);
        let this = &*self;
        rayon::join(
            || {
                use rayon::prelude::*;
                interfaces.par_extend(fresh.par_iter().map(|new| this.interface(new)));
            },
            || {
                rayon::join(
                    || {
                        by_instance.reserve(fresh.iter().map(|new| new.host.aliases.len()).sum());
                        for new in &fresh {
                            for a in &new.host.aliases {
                                add(&mut by_instance, a.as_str(), (new.nic.device_index, new.id));
                            }
                        }
                    },
                    || {
                        by_address.reserve(fresh.len());
                        for new in &fresh {
                            let network = new.subnet.known().and_then(|s| this.t.subnets[s.index()].network);
                            for p in new.names.private {
                                add(&mut by_address, p.as_str(), (network, new.id));
                            }
                        }
                    },
                )
            },
        );
        self.t.interfaces = interfaces;
        self.instance_interfaces = by_instance;
        self.interface_by_address = by_address;
        for (target, id) in ids {
            self.t.attach(target, Attachment::Interface(id));
        }
    }

    /// One new interface, with the public addresses its settings give it.
    fn interface(&self, new: &NewInterface) -> Interface {
        let (nic, host) = (new.nic, new.host);
        let mut private = AddrSet::empty();
        for p in &nic.private {
            if let Ok(c) = Cidr::parse(p) {
                private.union_in_place(&c.to_set());
            }
        }
        let subnet_name = nic.subnet.as_deref().or(host.subnet.as_deref());
        // Left to the launch: the launch template's setting, when it has
        // one, else the subnet's.
        let template = host.launch_template.as_deref().map(|t| (t, self.templates.get(t)));
        let public_v4 = match (nic.v4_by_subnet, template) {
            (true, Some((_, Some(t)))) if t.public_v4.is_some() => t.public_v4.clone().unwrap_or(Known::Known(None)),
            (true, Some((name, None))) => Known::from_unknown(Unknown {
                what: format!("the public IPv4 address of {}", nic.id),
                reason: format!("it is launched from launch template {name}, which is not in the input"),
                span: nic.span.clone(),
            }),
            (true, _) => self.by_subnet(subnet_name, nic, false),
            (false, _) => nic.public_v4.clone(),
        };
        let public_v6 = match nic.v6_by_subnet {
            true => self.by_subnet(subnet_name, nic, true),
            false => nic.public_v6.clone(),
        };
        // An Elastic IP replaces the address the interface had.
        let public_v4 = match (public_v4, self.elastic_ip(nic)) {
            (Known::Known(Some(p)), _) => Known::Known(Some(p)),
            (_, Some(e)) => Known::Known(Some(e)),
            (other, None) => other,
        };
        Interface {
            id: nic.id.clone(),
            provider: Provider::Aws,
            span: Some(nic.span.clone()),
            subnet: new.subnet.clone(),
            private,
            public_v4,
            public_v6,
            tags: Vec::new(),
        }
    }

    /// The public address an interface gets from its subnet's launch
    /// setting (`MapPublicIpOnLaunch`, `AssignIpv6AddressOnCreation`,
    /// docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html).
    fn by_subnet(&self, subnet: Option<&str>, nic: &NicItem, v6: bool) -> Known<Option<PublicAddress>> {
        let family = if v6 { "IPv6" } else { "public IPv4" };
        let Some(item) = subnet.and_then(|s| self.launch.get(s)) else {
            return Known::from_unknown(Unknown {
                what: format!("the {family} address of {}", nic.id),
                reason: "the instance leaves it to its subnet's launch setting, and the subnet is not described in the input"
                    .into(),
                span: nic.span.clone(),
            });
        };
        let (setting, name) = if v6 {
            (&item.assign_ipv6, "assign IPv6 on creation")
        } else {
            (&item.map_public_ip, "map public IP on launch")
        };
        match setting {
            Known::Known(true) => Known::Known(Some(PublicAddress {
                address: None,
                what: format!("{family} ({}: {name})", item.id),
                span: Some(item.span.clone()),
            })),
            Known::Known(false) => Known::Known(None),
            Known::Unknown(u) => Known::Unknown(u.clone()),
        }
    }

    /// The interfaces a registered target names: an instance's primary
    /// interface (an Auto Scaling group's instances: the primary interface
    /// in each of its subnets), or the interface that has the IP address.
    fn member(&self, target: &TargetItem, network: Option<NetworkId>) -> Vec<InterfaceId> {
        if let Some(list) = self.instance_interfaces.get(target.id.as_str()) {
            let first = list.iter().map(|(d, _)| d.unwrap_or(u32::MAX)).min();
            return list.iter().filter(|(d, _)| Some(d.unwrap_or(u32::MAX)) == first).map(|(_, i)| i).collect();
        }
        if let Some(&i) = self.interface_by.get(target.id.as_str()) {
            return vec![i];
        }
        // An IP target: the interface with that address in the group's VPC
        // (private ranges repeat across VPCs).
        let Some(list) = self.interface_by_address.get(target.id.as_str()) else { return Vec::new() };
        list.iter().find(|(n, _)| network.is_none() || *n == network).map_or(vec![list.first.1], |(_, i)| vec![i])
    }

    fn load_balancers(&mut self) {
        let net = self.net;
        let tg_by = index(
            net.target_groups.iter().enumerate().flat_map(|(i, g)| g.aliases.iter().map(move |a| (i, a.as_str()))),
        );
        // Registered targets per group.
        let mut registered: BTreeMap<usize, Vec<&TargetItem>> = BTreeMap::new();
        for t in &net.targets {
            if let Some(&g) = tg_by.get(&t.group) {
                registered.entry(g).or_default().extend(t.targets.iter());
            }
        }
        let targets_described = net.described.contains(&Described::LoadBalancerTargets);
        // Listeners by load balancer, rules by listener and groups by the
        // load balancers that use them: looked up per load balancer (a
        // scan of every listener and group per load balancer was
        // quadratic in the estate's size).
        let mut listeners_of: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, l) in net.listeners.iter().enumerate() {
            listeners_of.entry(l.load_balancer.as_str()).or_default().push(i);
        }
        let mut rules_of: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, (arn, _)) in net.rules.iter().enumerate() {
            rules_of.entry(arn.as_str()).or_default().push(i);
        }
        let mut groups_of: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, g) in net.target_groups.iter().enumerate() {
            for x in &g.load_balancers {
                groups_of.entry(x.as_str()).or_default().push(i);
            }
        }
        let of_aliases = |by: &HashMap<&str, Vec<usize>>, lb: &LoadBalancerItem| -> Vec<usize> {
            let mut out: Vec<usize> = lb.aliases.iter().filter_map(|a| by.get(a.as_str())).flatten().copied().collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        let mut classic_members: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, (lb, _)) in net.classic_members.iter().enumerate() {
            classic_members.entry(lb.as_str()).or_default().push(i);
        }
        let mut group_ids: BTreeMap<usize, TargetGroupId> = BTreeMap::new();
        let lbs: Vec<&LoadBalancerItem> = net.load_balancers.iter().collect();
        for lb in lbs {
            let lb_id = LoadBalancerId::at(self.t.load_balancers.len());
            let network = lb.vpc.as_deref().map(|v| self.network(v));
            let subnets: Vec<SubnetId> = lb.subnets.iter().map(|s| self.subnet(s)).collect();
            let (guards, group_names) = match &lb.groups {
                Known::Known(list) => {
                    let mut layers = Vec::new();
                    let mut names = Vec::new();
                    for g in list {
                        names.push(g.clone());
                        if let Some(&l) = self.built.groups.get(g) {
                            layers.push(l);
                            names.extend(self.built.group_names.get(&l).into_iter().flatten().cloned());
                        }
                    }
                    names.sort();
                    names.dedup();
                    (layers, names)
                }
                Known::Unknown(_) => (Vec::new(), Vec::new()),
            };
            let mut node_addresses = AddrSet::empty();
            for a in lb.aliases.iter().filter_map(|a| self.balancer_nodes.get(a)).flatten() {
                if let Ok(c) = Cidr::parse(a) {
                    node_addresses.union_in_place(&c.to_set());
                }
            }
            let mut listeners = Vec::new();
            if lb.kind == LoadBalancerKind::AwsClassic {
                // One group per classic load balancer: its instances, and
                // those registered with it from elsewhere.
                let registered = lb
                    .aliases
                    .iter()
                    .filter_map(|a| classic_members.get(a.as_str()))
                    .flatten()
                    .map(|&i| net.classic_members[i].1.clone());
                let listed = lb.classic_instances.iter().map(|(i, span)| TargetItem {
                    id: i.clone(),
                    port: None,
                    span: span.clone(),
                });
                let targets: Vec<TargetItem> = listed.chain(registered).collect();
                let members: Vec<Member> = targets
                    .iter()
                    .flat_map(|t| {
                        self.member(t, network).into_iter().map(|interface| Member {
                            interface,
                            port: None,
                            span: Some(t.span.clone()),
                        })
                    })
                    .collect();
                for l in &lb.classic_listeners {
                    self.t.target_groups.push(TargetGroup {
                        id: format!("{} instances", lb.id),
                        span: Some(lb.span.clone()),
                        network,
                        port: Some(l.instance_port),
                        protocol: Protocol::TCP,
                        seen_source: Known::Known(SeenSource::LoadBalancer { addresses: AddrSet::empty() }),
                        members: Known::Known(members.clone()),
                    });
                    let g = TargetGroupId::at(self.t.target_groups.len() - 1);
                    listeners.push(Listener {
                        ports: Known::Known(PortSet::point(l.port)),
                        protocol: facts::listener_protocol(&l.protocol),
                        label: format!("{}:{}", l.protocol, l.port),
                        span: Some(l.span.clone()),
                        forwards: vec![Forward { group: Known::Known(g), port: None, span: Some(l.span.clone()) }],
                    });
                }
            } else {
                let mut forwarded: Vec<usize> = Vec::new();
                for l in of_aliases(&listeners_of, lb).into_iter().map(|i| &net.listeners[i]) {
                    let mut forwards = Vec::new();
                    let by_rules = l
                        .arn
                        .as_deref()
                        .and_then(|arn| rules_of.get(arn))
                        .into_iter()
                        .flatten()
                        .map(|&i| &net.rules[i]);
                    for (g, span) in l.forwards.iter().chain(by_rules.flat_map(|(_, f)| f.iter())) {
                        forwarded.extend(tg_by.get(g).copied());
                        let group = match tg_by.get(g) {
                            Some(&i) => {
                                Known::Known(self.target_group(i, lb, &registered, targets_described, &mut group_ids))
                            }
                            None => Known::from_unknown(Unknown {
                                what: format!("target group {g}"),
                                reason: "it is not in the input (add `aws elbv2 describe-target-groups`)".into(),
                                span: span.clone(),
                            }),
                        };
                        forwards.push(Forward { group, port: None, span: Some(span.clone()) });
                    }
                    // A port known only after apply: which port it
                    // listens on is unknown, not "none".
                    let (ports, label) = match &l.port {
                        Known::Known(port) => (Known::Known(PortSet::point(*port)), format!("{}:{port}", l.protocol)),
                        Known::Unknown(u) => (Known::Unknown(u.clone()), format!("{}:(port unknown)", l.protocol)),
                    };
                    listeners.push(Listener {
                        ports,
                        protocol: facts::listener_protocol(&l.protocol),
                        label,
                        span: Some(l.span.clone()),
                        forwards,
                    });
                }
                // A group this load balancer uses that no known listener or
                // rule forwards to: some rule the input does not have does.
                for i in of_aliases(&groups_of, lb) {
                    let g = &net.target_groups[i];
                    if forwarded.contains(&i) {
                        continue;
                    }
                    let group = self.target_group(i, lb, &registered, targets_described, &mut group_ids);
                    listeners.push(Listener {
                        ports: Known::from_unknown(Unknown {
                            what: format!("which listener of {} forwards to {}", lb.id, g.id),
                            reason: "its rules are not in the input (add `aws elbv2 describe-rules`)".into(),
                            span: g.span.clone(),
                        }),
                        protocol: facts::listener_protocol(&g.protocol),
                        label: "a listener rule (not in the input)".into(),
                        span: None,
                        forwards: vec![Forward { group: Known::Known(group), port: None, span: Some(g.span.clone()) }],
                    });
                }
                if let Some(u) = net.unresolved.first() {
                    let more = match net.unresolved.len() {
                        1 => String::new(),
                        n => format!(" (and {} more such references)", n - 1),
                    };
                    let u = Unknown { reason: format!("{}{more}", u.reason), ..u.clone() };
                    listeners.push(Listener {
                        ports: Known::from_unknown(u.clone()),
                        protocol: Protocol::TCP,
                        label: "wiring known only after apply".into(),
                        span: None,
                        forwards: vec![Forward { group: Known::from_unknown(u), port: None, span: None }],
                    });
                }
                if !net.described.contains(&Described::Listeners) && listeners.is_empty() {
                    listeners.push(Listener {
                        ports: Known::Known(PortSet::empty()),
                        protocol: Protocol::TCP,
                        label: "listeners (not in the input)".into(),
                        span: None,
                        forwards: vec![Forward {
                            group: Known::from_unknown(Unknown {
                                what: format!("the listeners of {}", lb.id),
                                reason: "they are not in the input (add `aws elbv2 describe-listeners`)".into(),
                                span: lb.span.clone(),
                            }),
                            port: None,
                            span: None,
                        }],
                    });
                }
            }
            self.t.load_balancers.push(LoadBalancer {
                id: lb.id.clone(),
                kind: lb.kind,
                span: Some(lb.span.clone()),
                scheme: lb.scheme.clone(),
                families: if lb.dual_stack { AddressFamilies::DualStack } else { AddressFamilies::Ipv4 },
                network,
                subnets,
                guards,
                group_names,
                node_addresses,
                public: Vec::new(),
                listeners,
                replies_by_target_routes: false,
            });
            debug_assert_eq!(lb_id.index(), self.t.load_balancers.len() - 1);
        }
    }

    /// The target group at `i` of the items, built once.
    fn target_group(
        &mut self,
        i: usize,
        lb: &LoadBalancerItem,
        registered: &BTreeMap<usize, Vec<&TargetItem>>,
        targets_described: bool,
        built: &mut BTreeMap<usize, TargetGroupId>,
    ) -> TargetGroupId {
        if let Some(&g) = built.get(&i) {
            return g;
        }
        let g = &self.net.target_groups[i];
        let network = g.vpc.as_deref().map(|v| self.network(v)).or_else(|| lb.vpc.as_deref().map(|v| self.network(v)));
        let listed: Option<Vec<&TargetItem>> = match (&g.targets, registered.get(&i)) {
            (Some(inline), extra) => Some(inline.iter().chain(extra.into_iter().flatten().copied()).collect()),
            (None, Some(r)) => Some(r.clone()),
            (None, None) if targets_described => Some(Vec::new()),
            (None, None) => None,
        };
        let members = match listed {
            Some(list) => Known::Known(
                list.iter()
                    .flat_map(|t| {
                        self.member(t, network).into_iter().map(|interface| Member {
                            interface,
                            port: t.port,
                            span: Some(t.span.clone()),
                        })
                    })
                    .collect(),
            ),
            None => Known::from_unknown(Unknown {
                what: format!("the targets of {}", g.id),
                reason: "they are not in the input (add `aws elbv2 describe-target-health`)".into(),
                span: g.span.clone(),
            }),
        };
        self.t.target_groups.push(TargetGroup {
            id: g.id.clone(),
            span: Some(g.span.clone()),
            network,
            port: g.port,
            protocol: facts::listener_protocol(&g.protocol),
            seen_source: facts::seen_source(lb.kind, &g.target_type, &g.protocol, g.preserve_client_ip.as_ref()),
            members,
        });
        let id = TargetGroupId::at(self.t.target_groups.len() - 1);
        built.insert(i, id);
        id
    }
}
