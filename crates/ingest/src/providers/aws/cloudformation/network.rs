//! CloudFormation resources that decide paths: `AWS::EC2::VPC`, `Subnet`,
//! `RouteTable`, `Route`, `SubnetRouteTableAssociation`,
//! `GatewayRouteTableAssociation`, `InternetGateway`,
//! `EgressOnlyInternetGateway`, `NatGateway`, `VPCGatewayAttachment`,
//! `EIP`, `EIPAssociation`, the public addresses of `Instance` and
//! `NetworkInterface`, and `AWS::ElasticLoadBalancingV2::LoadBalancer`,
//! `Listener`, `ListenerRule`, `TargetGroup`, the classic
//! `AWS::ElasticLoadBalancing::LoadBalancer`, and what launches instances
//! behind them: `AWS::EC2::LaunchTemplate`,
//! `AWS::AutoScaling::LaunchConfiguration` and
//! `AWS::AutoScaling::AutoScalingGroup`.
//!
//! Property names follow the CloudFormation resource reference
//! (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-route.html
//! and its neighbours). A `Ref` or `Fn::GetAtt` to a resource of the
//! template becomes that resource's key (`FILE#Logical`), which is how the
//! assembly joins items across the template.

use super::{Properties, Reader};
use crate::languages::cloudformation::intrinsics::{integer, why_unknown, SINGLE_ID_ATTRS};
use crate::providers::aws::network::{
    AddressItem, AssociationItem, ClassicListener, Destination, GatewayItem, LaunchTemplateItem, ListenerItem,
    LoadBalancerItem, MakeTarget, NicAttachment, NicItem, RouteItem, RouteTableItem, RouteTarget, SubnetItem,
    TargetGroupItem, TargetItem, TargetsItem, VpcItem, ROUTE_TARGET_FIELDS,
};
use crate::providers::aws::Host;
use portcullis_model::topology::{Described, GatewayKind, LoadBalancerKind, PublicAddress, Scheme};
use portcullis_model::{AddrSet, Cidr, Known, Span, Unknown};
use portcullis_syntax::{Kind, Value};

/// The resource types read here.
pub const TYPES: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::GatewayRouteTableAssociation",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::EIP",
    "AWS::EC2::EIPAssociation",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::AutoScaling::AutoScalingGroup",
];

/// Attributes of `Fn::GetAtt` that name the resource itself.
const ID_ATTRS: &[&str] = &["AllocationId", "LoadBalancerArn", "TargetGroupArn", "ListenerArn", "RouteTableId"];

fn unknown(what: impl Into<String>, reason: impl Into<String>, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

impl Reader<'_, '_> {
    /// What a property names: an id, or a resource of this template by its
    /// key. `Err` with the reason when it cannot be known.
    fn name_of(&mut self, v: Option<&Value>) -> Option<Result<String, (String, Span)>> {
        let v = v?;
        Some(match &v.kind {
            Kind::Null | Kind::Removed => return None,
            Kind::String(s) | Kind::Number(s) if !s.is_empty() => Ok(s.clone()),
            Kind::Resource { id, attribute: None } => Ok(self.key(id)),
            Kind::Resource { id, attribute: Some(a) }
                if SINGLE_ID_ATTRS.contains(&a.as_str()) || ID_ATTRS.contains(&a.as_str()) =>
            {
                Ok(self.key(id))
            }
            _ => Err((why_unknown(v).unwrap_or_else(|| "not an id".into()), v.span.clone())),
        })
    }

    fn name_prop(&mut self, props: &Properties, k: &str) -> Option<String> {
        let v = self.prop(props, k);
        self.name_of(v.as_ref()).and_then(Result::ok)
    }

    /// The names of a list property (`Subnets`, `SecurityGroups`), or why
    /// the list is unknown.
    fn names_prop(&mut self, props: &Properties, k: &str) -> Result<Vec<String>, (String, Span)> {
        let v = self.prop(props, k);
        let list = self.list(v, k)?;
        let mut out = Vec::new();
        for i in &list {
            match self.name_of(Some(i)) {
                Some(Ok(n)) => out.push(n),
                Some(Err(e)) => return Err(e),
                None => {}
            }
        }
        Ok(out)
    }

    fn flag_prop(&mut self, props: &Properties, k: &str, logical: &str) -> Option<Known<bool>> {
        let v = self.prop(props, k)?;
        if let Some(reason) = why_unknown(&v) {
            return Some(Known::from_unknown(unknown(format!("`{k}` of {logical}"), reason, &v.span)));
        }
        match v.as_bool() {
            Some(b) => Some(Known::Known(b)),
            None => {
                self.error(&v.span, format!("`{k}` should be true or false, found {}", v.type_name()));
                Some(Known::from_unknown(unknown(format!("`{k}` of {logical}"), "not a boolean", &v.span)))
            }
        }
    }

    fn port_prop(&mut self, v: Option<&Value>, k: &str) -> Option<Known<u16>> {
        let v = v?;
        if let Some(reason) = why_unknown(v) {
            return Some(Known::from_unknown(unknown(format!("`{k}`"), reason, &v.span)));
        }
        match integer(v).and_then(|p| u16::try_from(p).ok()) {
            Some(p) => Some(Known::Known(p)),
            None => {
                self.error(&v.span, format!("`{k}` should be a port number (0-65535)"));
                None
            }
        }
    }

    fn text_prop(&mut self, props: &Properties, k: &str) -> Option<String> {
        self.prop(props, k).and_then(|v| v.text()).filter(|s| !s.is_empty())
    }

    /// Reads one resource whose type is in [`TYPES`].
    pub(super) fn network_resource(&mut self, ty: &str, logical: &str, span: &Span, props: &Properties) {
        let key = self.key(logical);
        let aliases = vec![key.clone()];
        match ty {
            "AWS::EC2::VPC" => {
                self.items.network.vpcs.push(VpcItem { id: logical.into(), aliases, span: span.clone() })
            }
            "AWS::EC2::LaunchTemplate" => self.launch_template(logical, aliases, span, props),
            "AWS::AutoScaling::LaunchConfiguration" => self.launch_configuration(logical, aliases, span, props),
            "AWS::AutoScaling::AutoScalingGroup" => self.auto_scaling_group(logical, key, span, props),
            "AWS::EC2::Subnet" => {
                let vpc = self.name_prop(props, "VpcId");
                let mut cidrs = Known::Known(AddrSet::empty());
                for k in ["CidrBlock", "Ipv6CidrBlock"] {
                    let Some(v) = self.prop(props, k) else { continue };
                    match (why_unknown(&v), v.text().map(|t| Cidr::parse(&t))) {
                        (Some(reason), _) => {
                            cidrs = Known::from_unknown(unknown(format!("`{k}` of {logical}"), reason, &v.span))
                        }
                        (None, Some(Ok(c))) => {
                            if let Known::Known(set) = &mut cidrs {
                                set.union_in_place(&c.to_set());
                            }
                        }
                        _ => self.error(&v.span, format!("`{k}` should be a CIDR block")),
                    }
                }
                let map_public_ip =
                    self.flag_prop(props, "MapPublicIpOnLaunch", logical).unwrap_or(Known::Known(false));
                let assign_ipv6 =
                    self.flag_prop(props, "AssignIpv6AddressOnCreation", logical).unwrap_or(Known::Known(false));
                self.items.network.subnets.push(SubnetItem {
                    id: logical.into(),
                    aliases,
                    span: span.clone(),
                    vpc,
                    cidrs,
                    map_public_ip,
                    assign_ipv6,
                });
            }
            "AWS::EC2::RouteTable" => {
                let vpc = self.name_prop(props, "VpcId");
                self.items.network.route_tables.push(RouteTableItem {
                    id: logical.into(),
                    aliases,
                    span: span.clone(),
                    vpc,
                    routes: Vec::new(),
                });
                let d = &mut self.items.network.described;
                if !d.contains(&Described::RouteTables) {
                    d.push(Described::RouteTables);
                }
            }
            "AWS::EC2::Route" => {
                let Some(table) = self.name_prop(props, "RouteTableId") else { return };
                if let Some(route) = self.route(logical, span, props) {
                    self.items.network.routes.push((table, route));
                }
            }
            "AWS::EC2::SubnetRouteTableAssociation" => {
                if let (Some(table), Some(subnet)) =
                    (self.name_prop(props, "RouteTableId"), self.name_prop(props, "SubnetId"))
                {
                    self.items.network.associations.push(AssociationItem::Subnet { table, subnet });
                }
            }
            "AWS::EC2::GatewayRouteTableAssociation" => {
                if let (Some(table), Some(gateway)) =
                    (self.name_prop(props, "RouteTableId"), self.name_prop(props, "GatewayId"))
                {
                    self.items.network.associations.push(AssociationItem::Gateway { table, gateway });
                }
            }
            "AWS::EC2::InternetGateway" | "AWS::EC2::EgressOnlyInternetGateway" | "AWS::EC2::NatGateway" => {
                let (kind, vpcs) = match ty {
                    // Attached by an `AWS::EC2::VPCGatewayAttachment`.
                    "AWS::EC2::InternetGateway" => (GatewayKind::Internet, Known::Known(Vec::new())),
                    "AWS::EC2::EgressOnlyInternetGateway" => {
                        (GatewayKind::EgressOnly, Known::Known(self.name_prop(props, "VpcId").into_iter().collect()))
                    }
                    _ => (GatewayKind::Nat, Known::Known(Vec::new())),
                };
                self.items.network.gateways.push(GatewayItem {
                    id: logical.into(),
                    aliases,
                    kind,
                    span: span.clone(),
                    vpcs,
                });
            }
            "AWS::EC2::VPCGatewayAttachment" => {
                if let (Some(g), Some(v)) = (self.name_prop(props, "InternetGatewayId"), self.name_prop(props, "VpcId"))
                {
                    self.items.network.attachments.push((g, v));
                }
            }
            "AWS::EC2::EIP" | "AWS::EC2::EIPAssociation" => {
                let instance = self.name_prop(props, "InstanceId");
                let interface = self.name_prop(props, "NetworkInterfaceId");
                let allocation = match ty {
                    "AWS::EC2::EIP" => key,
                    _ => self.name_prop(props, "AllocationId").or_else(|| self.name_prop(props, "EIP")).unwrap_or(key),
                };
                self.items.network.addresses.push(AddressItem {
                    public_ip: None,
                    allocation,
                    aliases,
                    span: span.clone(),
                    interface,
                    instance,
                });
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" | "AWS::ElasticLoadBalancing::LoadBalancer" => {
                self.load_balancer(ty, logical, span, props)
            }
            "AWS::ElasticLoadBalancingV2::Listener" => {
                let Some(load_balancer) = self.name_prop(props, "LoadBalancerArn") else { return };
                let v = self.prop(props, "Port");
                let Some(port) = self.port_prop(v.as_ref(), "Port") else { return };
                let protocol = self.text_prop(props, "Protocol").unwrap_or_else(|| "HTTP".into()).to_ascii_uppercase();
                let actions = self.prop(props, "DefaultActions");
                let forwards = self.forwards(actions);
                self.items.network.listeners.push(ListenerItem {
                    load_balancer,
                    port,
                    protocol,
                    span: span.clone(),
                    forwards,
                    arn: Some(key),
                });
            }
            "AWS::ElasticLoadBalancingV2::ListenerRule" => {
                let Some(listener) = self.name_prop(props, "ListenerArn") else { return };
                let actions = self.prop(props, "Actions");
                let forwards = self.forwards(actions);
                self.items.network.rules.push((listener, forwards));
            }
            "AWS::ElasticLoadBalancingV2::TargetGroup" => self.target_group(logical, span, props),
            _ => {}
        }
    }

    /// The public addresses of an instance or an interface: `NIC` items
    /// whose addresses the template says, or leaves to the subnet.
    pub(super) fn network_interfaces(&mut self, is_instance: bool, logical: &str, span: &Span, props: &Properties) {
        let key = self.key(logical);
        let subnet = self.name_prop(props, "SubnetId");
        let v6 = self.ipv6(props, logical);
        if !is_instance {
            // An interface created on its own has no automatic public IPv4
            // address; an Elastic IP gives it one.
            self.push_nic(&key, &key, span, subnet, (Known::Known(None), false), v6, 0);
            return;
        }
        let nics = self.prop(props, "NetworkInterfaces");
        let nics = match self.list(nics, "NetworkInterfaces") {
            Ok(n) => n,
            Err((reason, at)) => {
                let u = unknown(format!("the interfaces of {logical}"), reason, &at);
                self.push_nic(&key, &key, span, subnet, (Known::from_unknown(u), false), v6, 0);
                return;
            }
        };
        if nics.is_empty() {
            self.push_nic(&key, &key, span, subnet, (Known::Known(None), true), v6, 0);
            return;
        }
        for n in &nics {
            let index = n.get("DeviceIndex").and_then(integer).and_then(|i| u32::try_from(i).ok()).unwrap_or(0);
            // An existing interface is its own resource: its addresses are
            // read there, and it becomes this instance's at the assembly.
            if n.get("NetworkInterfaceId").is_some() {
                if let Some(Ok(interface)) = self.name_of(n.get("NetworkInterfaceId")) {
                    self.items.network.nic_attachments.push(NicAttachment {
                        host: key.clone(),
                        interface,
                        device_index: Some(index),
                    });
                }
                continue;
            }
            let nic_subnet = self.name_of(n.get("SubnetId")).and_then(Result::ok).or_else(|| subnet.clone());
            let v4 = match n.get("AssociatePublicIpAddress") {
                Some(v) if why_unknown(v).is_some() => (
                    Known::from_unknown(unknown(
                        format!("`AssociatePublicIpAddress` of {logical}"),
                        why_unknown(v).unwrap_or_default(),
                        &v.span,
                    )),
                    false,
                ),
                Some(v) => match v.as_bool() {
                    Some(true) => (
                        Known::Known(Some(PublicAddress {
                            address: None,
                            what: "public IPv4 (AssociatePublicIpAddress)".into(),
                            span: Some(v.span.clone()),
                        })),
                        false,
                    ),
                    Some(false) => (Known::Known(None), false),
                    None => (Known::Known(None), true),
                },
                None => (Known::Known(None), true),
            };
            let id = if index == 0 { key.clone() } else { format!("{key} interface {index}") };
            let v6 = if index == 0 { v6.clone() } else { (Known::Known(None), false) };
            self.push_nic(&key, &id, &n.span, nic_subnet, v4, v6, index);
        }
    }

    /// The launch template an instance names (`LaunchTemplate`:
    /// `LaunchTemplateId` or `LaunchTemplateName`).
    pub(super) fn launch_template_of(&mut self, props: &Properties) -> Option<String> {
        let spec = self.prop(props, "LaunchTemplate")?;
        let by = spec.get("LaunchTemplateId").or_else(|| spec.get("LaunchTemplateName")).cloned();
        self.name_of(by.as_ref()).and_then(Result::ok)
    }

    /// An `AssociatePublicIpAddress` value as the public address it gives:
    /// `None` when not set (the subnet's launch setting decides).
    fn associate_public(&mut self, v: Option<&Value>, logical: &str) -> Option<Known<Option<PublicAddress>>> {
        let v = v.filter(|v| !v.is_absent())?;
        Some(match why_unknown(v) {
            Some(reason) => {
                Known::from_unknown(unknown(format!("`AssociatePublicIpAddress` of {logical}"), reason, &v.span))
            }
            None if v.as_bool() == Some(true) => Known::Known(Some(PublicAddress {
                address: None,
                what: format!("public IPv4 (AssociatePublicIpAddress of {logical})"),
                span: Some(v.span.clone()),
            })),
            None => Known::Known(None),
        })
    }

    /// The security groups a launch template or configuration's list `k`
    /// names. A list the template cannot tell (a parameter without a
    /// default) is unknown groups, not the VPC's default one: its name
    /// joins no group.
    fn launch_groups(&mut self, v: Option<Value>, k: &str, logical: &str, out: &mut Vec<String>) {
        match self.list(v, k) {
            Ok(list) => {
                for g in list {
                    out.extend(self.name_of(Some(&g)).and_then(Result::ok));
                }
            }
            Err((reason, _)) => out.push(format!("`{k}` of {logical} ({reason})")),
        }
    }

    /// `AWS::AutoScaling::LaunchConfiguration`: `AssociatePublicIpAddress`
    /// and `SecurityGroups`, read as a launch template's
    /// ([launch configurations](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-launchconfiguration.html)).
    fn launch_configuration(&mut self, logical: &str, mut aliases: Vec<String>, span: &Span, props: &Properties) {
        let v = self.prop(props, "AssociatePublicIpAddress");
        let public_v4 = self.associate_public(v.as_ref(), logical);
        let mut groups = Vec::new();
        let v = self.prop(props, "SecurityGroups");
        self.launch_groups(v, "SecurityGroups", logical, &mut groups);
        aliases.extend(self.text_prop(props, "LaunchConfigurationName"));
        self.items.network.launch_templates.push(LaunchTemplateItem {
            id: logical.into(),
            aliases,
            span: span.clone(),
            public_v4,
            subnet: None,
            groups,
        });
    }

    /// `AWS::AutoScaling::AutoScalingGroup`: its instances are one target
    /// with one interface per subnet of `VPCZoneIdentifier` (an instance
    /// may launch in any), launched from `LaunchTemplate`,
    /// `MixedInstancesPolicy`'s launch template or
    /// `LaunchConfigurationName`; `TargetGroupARNs` registers them with
    /// target groups and `LoadBalancerNames` with classic load balancers
    /// ([Auto Scaling groups](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-autoscalinggroup.html)).
    fn auto_scaling_group(&mut self, logical: &str, key: String, span: &Span, props: &Properties) {
        let subnets = match self.names_prop(props, "VPCZoneIdentifier") {
            Ok(list) => list,
            Err((reason, at)) => {
                self.items.network.unresolved.push(unknown(format!("`VPCZoneIdentifier` of {logical}"), reason, &at));
                Vec::new()
            }
        };
        let template = self.launch_template_of(props).or_else(|| self.mixed_template(props)).or_else(|| {
            let v = self.prop(props, "LaunchConfigurationName");
            self.name_of(v.as_ref()).and_then(Result::ok)
        });
        self.items.hosts.push(Host {
            id: logical.into(),
            kind: "Auto Scaling group",
            aliases: vec![key.clone()],
            span: span.clone(),
            groups: Vec::new(),
            // Its instances launch in any of its subnets: one subnet
            // decides their network ACL, several leave it open.
            subnet: if subnets.len() == 1 { subnets.first().cloned() } else { None },
            vpc: None,
            interfaces: Vec::new(),
            launch_template: template,
        });
        // A subnet shows by its logical id (`FILE#Logical` → `Logical`).
        let label: fn(&str) -> &str = |s| s.rsplit('#').next().unwrap_or(s);
        let nics = NicItem::scaling_group(&key, logical, span, &subnets, label);
        self.items.network.nics.extend(nics);
        let member = || TargetItem { id: key.clone(), port: None, span: span.clone() };
        match self.names_prop(props, "TargetGroupARNs") {
            Ok(groups) => {
                for group in groups {
                    self.items.network.targets.push(TargetsItem { group, targets: vec![member()], span: span.clone() });
                }
            }
            Err((reason, at)) => {
                self.items.network.unresolved.push(unknown(format!("`TargetGroupARNs` of {logical}"), reason, &at))
            }
        }
        match self.names_prop(props, "LoadBalancerNames") {
            Ok(names) => {
                for name in names {
                    self.items.network.classic_members.push((name, member()));
                }
            }
            Err((reason, at)) => {
                self.items.network.unresolved.push(unknown(format!("`LoadBalancerNames` of {logical}"), reason, &at))
            }
        }
    }

    /// `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification`'s
    /// template.
    fn mixed_template(&mut self, props: &Properties) -> Option<String> {
        let policy = self.prop(props, "MixedInstancesPolicy")?;
        let spec = policy.get("LaunchTemplate")?.get("LaunchTemplateSpecification")?;
        let by = spec.get("LaunchTemplateId").or_else(|| spec.get("LaunchTemplateName")).cloned();
        self.name_of(by.as_ref()).and_then(Result::ok)
    }

    /// `AWS::EC2::LaunchTemplate`: its `LaunchTemplateData`'s primary
    /// network interface (device index 0, or the only one) says the
    /// subnet, the groups and `AssociatePublicIpAddress`;
    /// `SecurityGroupIds` otherwise.
    fn launch_template(&mut self, logical: &str, aliases: Vec<String>, span: &Span, props: &Properties) {
        let data = self.prop(props, "LaunchTemplateData");
        let nics = self.list(data.as_ref().and_then(|d| d.get("NetworkInterfaces")).cloned(), "NetworkInterfaces");
        let nics = nics.unwrap_or_default();
        let primary =
            nics.iter().find(|n| n.get("DeviceIndex").and_then(integer).is_none_or(|i| i == 0)).or(nics.first());
        let mut public_v4 = None;
        let mut subnet = None;
        let mut groups = Vec::new();
        if let Some(n) = primary {
            public_v4 = self.associate_public(n.get("AssociatePublicIpAddress"), logical);
            subnet = self.name_of(n.get("SubnetId")).and_then(Result::ok);
            for g in self.list(n.get("Groups").cloned(), "Groups").unwrap_or_default() {
                groups.extend(self.name_of(Some(&g)).and_then(Result::ok));
            }
        }
        if groups.is_empty() {
            // `SecurityGroupIds`, or `SecurityGroups` (names in a default
            // VPC, or ids): a template may use either.
            for k in ["SecurityGroupIds", "SecurityGroups"] {
                let ids = data.as_ref().and_then(|d| d.get(k)).cloned();
                self.launch_groups(ids, k, logical, &mut groups);
            }
        }
        let mut aliases = aliases;
        // `LaunchTemplateName` is how an Auto Scaling group or an instance
        // may name it.
        aliases.extend(self.text_prop(props, "LaunchTemplateName"));
        self.items.network.launch_templates.push(LaunchTemplateItem {
            id: logical.into(),
            aliases,
            span: span.clone(),
            public_v4,
            subnet,
            groups,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn push_nic(
        &mut self,
        host: &str,
        id: &str,
        span: &Span,
        subnet: Option<String>,
        v4: (Known<Option<PublicAddress>>, bool),
        v6: (Known<Option<PublicAddress>>, bool),
        index: u32,
    ) {
        self.items.network.nics.push(NicItem {
            host: host.into(),
            id: id.into(),
            span: span.clone(),
            subnet,
            private: Vec::new(),
            public_v4: v4.0,
            public_v6: v6.0,
            device_index: Some(index),
            balancer: None,
            aliases: Vec::new(),
            v4_by_subnet: v4.1,
            v6_by_subnet: v6.1,
        });
    }

    /// `Ipv6AddressCount` / `Ipv6Addresses`; neither: the subnet's setting.
    fn ipv6(&mut self, props: &Properties, logical: &str) -> (Known<Option<PublicAddress>>, bool) {
        for k in ["Ipv6AddressCount", "Ipv6Addresses"] {
            let Some(v) = self.prop(props, k) else { continue };
            if let Some(reason) = why_unknown(&v) {
                return (Known::from_unknown(unknown(format!("`{k}` of {logical}"), reason, &v.span)), false);
            }
            let some = match &v.kind {
                Kind::List(l) => !l.is_empty(),
                _ => integer(&v).is_some_and(|n| n > 0),
            };
            let address =
                some.then(|| PublicAddress { address: None, what: format!("IPv6 ({k})"), span: Some(v.span.clone()) });
            return (Known::Known(address), false);
        }
        (Known::Known(None), true)
    }

    fn route(&mut self, logical: &str, span: &Span, props: &Properties) -> Option<RouteItem> {
        let mut destination = None;
        let mut at = span.clone();
        for k in ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"] {
            let Some(v) = self.prop(props, k) else { continue };
            at = v.span.clone();
            destination = Some(match (why_unknown(&v), v.text()) {
                (Some(reason), _) => Destination::Unknown(unknown(format!("`{k}` of {logical}"), reason, &v.span)),
                (None, Some(t)) if k == "DestinationPrefixListId" => Destination::PrefixList(t),
                (None, Some(t)) => match Cidr::parse(&t) {
                    Ok(c) => Destination::Block(c),
                    Err(e) => {
                        self.error(&v.span, format!("`{k}`: {e}"));
                        return None;
                    }
                },
                (None, None) => {
                    self.error(&v.span, format!("`{k}` should be a string, found {}", v.type_name()));
                    return None;
                }
            });
            break;
        }
        let Some(destination) = destination else {
            self.error(span, format!("route {logical} has no destination (`DestinationCidrBlock`, …)"));
            return None;
        };
        let mut target = None;
        // An endpoint is a property of its own here; in the API it is a
        // `GatewayId` starting `vpce-`. A route sets one target.
        let endpoint = [("VpcEndpointId", RouteTarget::Gateway as MakeTarget)];
        for (k, make) in ROUTE_TARGET_FIELDS.iter().chain(&endpoint) {
            let v = self.prop(props, k);
            match self.name_of(v.as_ref()) {
                None => continue,
                // An endpoint is never an internet gateway: keep the prefix
                // by which the assembly reads it as a middlebox.
                Some(Ok(n)) if *k == "VpcEndpointId" && !n.starts_with("vpce-") => {
                    target = Some(make(format!("vpce-{n}")))
                }
                Some(Ok(n)) => target = Some(make(n)),
                Some(Err((reason, s))) => {
                    target = Some(RouteTarget::Unknown(unknown(format!("`{k}` of {logical}"), reason, &s)))
                }
            }
            break;
        }
        let target = target.unwrap_or_else(|| {
            RouteTarget::Unknown(unknown(format!("the target of {logical}"), "the route sets no target property", span))
        });
        Some(RouteItem { destination, target, blackhole: false, propagated: false, span: at })
    }

    fn load_balancer(&mut self, ty: &str, logical: &str, span: &Span, props: &Properties) {
        let classic = ty == "AWS::ElasticLoadBalancing::LoadBalancer";
        let kind = match self.text_prop(props, "Type").as_deref() {
            _ if classic => LoadBalancerKind::AwsClassic,
            Some("network") => LoadBalancerKind::AwsNetwork,
            Some("gateway") => LoadBalancerKind::AwsGateway,
            _ => LoadBalancerKind::AwsApplication,
        };
        let scheme = match self.prop(props, "Scheme") {
            Some(v) if why_unknown(&v).is_some() => Known::from_unknown(unknown(
                format!("the scheme of {logical}"),
                why_unknown(&v).unwrap_or_default(),
                &v.span,
            )),
            Some(v) if v.as_str() == Some("internal") => Known::Known(Scheme::Internal),
            _ => Known::Known(Scheme::InternetFacing),
        };
        let mut subnets = self.names_prop(props, "Subnets").unwrap_or_default();
        let mappings = self.prop(props, "SubnetMappings");
        for m in self.list(mappings, "SubnetMappings").unwrap_or_default() {
            if let Some(Ok(s)) = self.name_of(m.get("SubnetId")) {
                subnets.push(s);
            }
        }
        let groups = match self.names_prop(props, "SecurityGroups") {
            Err((reason, at)) => Known::from_unknown(unknown(format!("the security groups of {logical}"), reason, &at)),
            // An ALB or classic ELB in a VPC without groups gets the VPC's
            // default security group, which the template does not name.
            Ok(g) if g.is_empty() && kind != LoadBalancerKind::AwsNetwork => Known::from_unknown(unknown(
                format!("the security groups of {logical}"),
                "none is set, so AWS uses the VPC's default security group",
                span,
            )),
            Ok(g) => Known::Known(g),
        };
        let mut classic_listeners = Vec::new();
        let mut classic_instances = Vec::new();
        if classic {
            let listeners = self.prop(props, "Listeners");
            for l in self.list(listeners, "Listeners").unwrap_or_default() {
                let port = self.port_prop(l.get("LoadBalancerPort"), "LoadBalancerPort");
                let instance_port = self.port_prop(l.get("InstancePort"), "InstancePort");
                if let (Some(Known::Known(port)), Some(Known::Known(instance_port))) = (port, instance_port) {
                    classic_listeners.push(ClassicListener {
                        port,
                        instance_port,
                        protocol: l
                            .get("Protocol")
                            .and_then(Value::text)
                            .unwrap_or_else(|| "TCP".into())
                            .to_ascii_uppercase(),
                        span: l.span.clone(),
                    });
                }
            }
            let instances = self.prop(props, "Instances");
            for i in self.list(instances, "Instances").unwrap_or_default() {
                if let Some(Ok(n)) = self.name_of(Some(&i)) {
                    classic_instances.push((n, i.span.clone()));
                }
            }
        }
        let dual_stack = self.text_prop(props, "IpAddressType").is_some_and(|t| t.starts_with("dualstack"));
        let key = self.key(logical);
        let mut aliases = vec![key];
        // A classic load balancer is named by its name (`LoadBalancerNames`
        // of an Auto Scaling group).
        aliases.extend(self.text_prop(props, "LoadBalancerName").filter(|_| classic));
        self.items.network.load_balancers.push(LoadBalancerItem {
            id: logical.into(),
            aliases,
            kind,
            span: span.clone(),
            scheme,
            dual_stack,
            vpc: None,
            subnets,
            groups,
            classic_listeners,
            classic_instances,
        });
    }

    /// Target groups that `forward` actions name.
    fn forwards(&mut self, actions: Option<Value>) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        for a in self.list(actions, "Actions").unwrap_or_default() {
            if a.get("Type").and_then(Value::as_str).is_some_and(|t| t != "forward") {
                continue;
            }
            if let Some(Ok(g)) = self.name_of(a.get("TargetGroupArn")) {
                out.push((g, a.span.clone()));
            }
            let groups = a.get("ForwardConfig").and_then(|f| f.get("TargetGroups")).and_then(Value::as_list);
            for g in groups.into_iter().flatten() {
                if let Some(Ok(n)) = self.name_of(g.get("TargetGroupArn")) {
                    out.push((n, g.span.clone()));
                }
            }
        }
        out
    }

    fn target_group(&mut self, logical: &str, span: &Span, props: &Properties) {
        let v = self.prop(props, "Port");
        let port = match self.port_prop(v.as_ref(), "Port") {
            Some(Known::Known(p)) => Some(p),
            _ => None,
        };
        let mut preserve_client_ip = None;
        let attributes = self.prop(props, "TargetGroupAttributes");
        for a in self.list(attributes, "TargetGroupAttributes").unwrap_or_default() {
            if a.get("Key").and_then(Value::as_str) != Some("preserve_client_ip.enabled") {
                continue;
            }
            preserve_client_ip = a.get("Value").map(|v| match (why_unknown(v), v.as_bool()) {
                (Some(reason), _) => {
                    Known::from_unknown(unknown(format!("preserve_client_ip.enabled of {logical}"), reason, &v.span))
                }
                (None, Some(b)) => Known::Known(b),
                (None, None) => Known::from_unknown(unknown(
                    format!("preserve_client_ip.enabled of {logical}"),
                    "not true or false",
                    &v.span,
                )),
            });
        }
        let listed = self.prop(props, "Targets");
        let targets = match self.list(listed, "Targets") {
            Ok(list) if !list.is_empty() => Some(
                list.iter()
                    .filter_map(|t| {
                        let id = self.name_of(t.get("Id"))?.ok()?;
                        let port = t.get("Port").and_then(integer).and_then(|p| u16::try_from(p).ok());
                        Some(TargetItem { id, port, span: t.span.clone() })
                    })
                    .collect(),
            ),
            // No `Targets`: registered by something else (an Auto Scaling
            // group, ECS), which the template does not show.
            _ => None,
        };
        let key = self.key(logical);
        let protocol = self.text_prop(props, "Protocol").unwrap_or_else(|| "HTTP".into()).to_ascii_uppercase();
        let target_type = self.text_prop(props, "TargetType").unwrap_or_else(|| "instance".into());
        let vpc = self.name_prop(props, "VpcId");
        self.items.network.target_groups.push(TargetGroupItem {
            id: logical.into(),
            aliases: vec![key],
            span: span.clone(),
            port,
            protocol,
            target_type,
            vpc,
            preserve_client_ip,
            targets,
            load_balancers: Vec::new(),
        });
    }
}
