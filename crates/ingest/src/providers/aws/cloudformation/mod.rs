//! CloudFormation EC2 resources → the AWS items every AWS input produces,
//! so a template means what the same rules mean in a CLI dump or a plan.
//!
//! Resource types and property names follow the CloudFormation reference
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_EC2.html>):
//! `AWS::EC2::SecurityGroup` (`SecurityGroupIngress`),
//! `AWS::EC2::SecurityGroupIngress`, `AWS::EC2::NetworkAcl`,
//! `AWS::EC2::NetworkAclEntry` (`Egress` defaults to false),
//! `AWS::EC2::SubnetNetworkAclAssociation`, `AWS::EC2::Instance`,
//! `AWS::EC2::NetworkInterface` and `AWS::EC2::PrefixList`; what decides
//! paths (route tables, gateways, public addresses, load balancers) in
//! [`network`].
//! `AWS::EC2::SecurityGroupEgress` decides what leaves, not who connects:
//! not read. Protocols and ports mean what [`crate::providers::aws::facts`] says.
//!
//! Resources are named by their logical id. References between them
//! (`!Ref Group`, `!GetAtt Group.GroupId`) are keyed by file and logical id,
//! so two templates in one scan that both say `WebSG` stay apart; a
//! literal id or name (`sg-0abc`, a `GroupName`) joins whatever the other
//! inputs call that.

use crate::error::IngestError;
use crate::languages::cloudformation::intrinsics::{integer, why_unknown, Evaluator, SINGLE_ID_ATTRS};
use crate::languages::cloudformation::load;
use crate::languages::cloudformation::template::intrinsic;
use crate::languages::parameters::Parameters;
use crate::providers::aws::dumps::label;
use crate::providers::aws::facts::{parse_protocol, ports_for};
use crate::providers::aws::{AclRule, AwsItems, GroupRule, Host, NetworkAcl, PrefixList, SecurityGroup};
use crate::FileOutcome;
use portcullis_model::{
    Action, AddrSet, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span, Unknown,
};
use portcullis_syntax::{Kind, Value};
use std::sync::Arc;

mod network;

/// What a reference property resolved to.
enum Target {
    /// A key other items are known by.
    Key(String),
    Unknown(String),
    Absent,
}

pub struct Reader<'a, 'e> {
    pub ev: &'e mut Evaluator<'a>,
    pub file: Arc<str>,
    pub items: AwsItems,
}

fn unknown(what: &str, reason: impl Into<String>, span: &Span) -> Unknown {
    Unknown { what: what.into(), reason: reason.into(), span: span.clone() }
}

/// An entry for rules the template cannot show: it may admit anything.
fn unknown_entry(resource: &str, what: &str, reason: &str, span: &Span, order: i64) -> Entry {
    Entry::unknown_allow(resource, format!("{what} ({reason})"), unknown(what, reason, span), order)
}

/// A resource's `Properties`: a literal mapping is evaluated key by key (a
/// broken `Tags` must not hide the rules); anything else as a whole.
enum Properties<'n> {
    Literal(&'n Value),
    Evaluated(Value),
}

impl Reader<'_, '_> {
    /// The key a resource of this template is referred to by.
    pub fn key(&self, logical: &str) -> String {
        format!("{}#{logical}", self.file)
    }

    fn prop(&mut self, props: &Properties, k: &str) -> Option<Value> {
        let v = match props {
            Properties::Literal(n) => self.ev.eval(n.get(k)?),
            Properties::Evaluated(v) => v.get(k)?.clone(),
        };
        (!v.is_absent()).then_some(v)
    }

    fn prop_target(&mut self, props: &Properties, k: &str) -> Target {
        let v = self.prop(props, k);
        self.target(v.as_ref(), k)
    }

    fn error(&mut self, span: &Span, message: String) {
        self.ev.error(span, message);
    }

    /// A property that names another resource or an id.
    fn target(&mut self, v: Option<&Value>, what: &str) -> Target {
        let Some(v) = v else { return Target::Absent };
        match &v.kind {
            Kind::Null | Kind::Removed => Target::Absent,
            Kind::String(s) | Kind::Number(s) => Target::Key(s.clone()),
            Kind::Resource { id, attribute: None } => Target::Key(self.key(id)),
            Kind::Resource { id, attribute: Some(a) } if SINGLE_ID_ATTRS.contains(&a.as_str()) => {
                Target::Key(self.key(id))
            }
            Kind::Resource { .. } | Kind::Unknown { .. } => Target::Unknown(why_unknown(v).unwrap_or_default()),
            _ => {
                self.error(&v.span, format!("`{what}` should be an id or a reference, found {}", v.type_name()));
                Target::Unknown(format!("invalid `{what}`"))
            }
        }
    }

    /// The elements of a list property (a single value is a list of one).
    fn list(&mut self, v: Option<Value>, what: &str) -> Result<Vec<Value>, (String, Span)> {
        let Some(v) = v else { return Ok(Vec::new()) };
        match v.kind {
            Kind::List(l) => Ok(l),
            Kind::Unknown { reason: r, .. } => Err((r, v.span)),
            Kind::Null | Kind::Removed => Ok(Vec::new()),
            Kind::Map(_) => {
                self.error(&v.span, format!("`{what}` should be a list, found a mapping"));
                Err((format!("invalid `{what}`"), v.span))
            }
            _ => Ok(vec![v]),
        }
    }

    /// Reads one resource of the template.
    pub fn resource(&mut self, logical: &str, span: &Span, def: &Value) {
        let Some(ty) = def.get("Type").and_then(Value::as_str) else { return };
        if !matches!(
            ty,
            "AWS::EC2::SecurityGroup"
                | "AWS::EC2::SecurityGroupIngress"
                | "AWS::EC2::NetworkAcl"
                | "AWS::EC2::NetworkAclEntry"
                | "AWS::EC2::SubnetNetworkAclAssociation"
                | "AWS::EC2::Instance"
                | "AWS::EC2::NetworkInterface"
                | "AWS::EC2::PrefixList"
        ) && !network::TYPES.contains(&ty)
        {
            return;
        }
        // A resource with a condition exists only when it holds.
        let mut exists: Option<Unknown> = None;
        if let Some(c) = def.get("Condition") {
            match c.as_str() {
                Some(name) => match self.ev.condition(name, &c.span) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(reason) => {
                        exists = Some(unknown(&format!("whether {logical} exists"), reason, &c.span));
                    }
                },
                None => self.error(&c.span, format!("resource {logical}: `Condition` should be a condition name")),
            }
        }
        let props = match def.get("Properties") {
            None => Properties::Evaluated(Value { kind: Kind::Map(Vec::new()), span: span.clone() }),
            Some(p) if intrinsic(p).is_none() => {
                if p.as_map().is_none() && p.kind != portcullis_syntax::Kind::Null {
                    self.error(&p.span, format!("resource {logical}: `Properties` should be a mapping"));
                }
                Properties::Literal(p)
            }
            Some(p) => Properties::Evaluated(self.ev.eval(p)),
        };
        if let Properties::Evaluated(Value { kind: Kind::Unknown { reason, .. }, span: s }) = &props {
            // Properties chosen by an unknown condition: the rules are unknown.
            let (reason, s) = (reason.clone(), s.clone());
            self.unknown_properties(ty, logical, span, &reason, &s);
            return;
        }
        let before = self.entry_counts();
        match ty {
            "AWS::EC2::SecurityGroup" => self.security_group(logical, span, &props),
            "AWS::EC2::SecurityGroupIngress" => self.group_ingress(logical, span, &props),
            "AWS::EC2::NetworkAcl" => self.network_acl(logical, span, &props),
            "AWS::EC2::NetworkAclEntry" => self.acl_entry(logical, span, &props),
            "AWS::EC2::SubnetNetworkAclAssociation" => self.acl_association(&props),
            "AWS::EC2::Instance" | "AWS::EC2::NetworkInterface" => self.host(ty, logical, span, &props),
            "AWS::EC2::PrefixList" => self.prefix_list(logical, &props),
            _ => self.network_resource(ty, logical, span, &props),
        }
        if let Some(u) = exists {
            self.mark_conditional(before, &u);
        }
    }

    /// Counts of entry-holding items, to find what one resource added.
    fn entry_counts(&self) -> (usize, usize, usize) {
        (self.items.groups.len(), self.items.group_rules.len(), self.items.acl_rules.len())
    }

    /// The rules of a resource that may not exist match only when it does:
    /// their match is unknown, which bounds both readings.
    fn mark_conditional(&mut self, (g, gr, ar): (usize, usize, usize), u: &Unknown) {
        let entries = self.items.groups[g..]
            .iter_mut()
            .flat_map(|x| x.entries.iter_mut())
            .chain(self.items.group_rules[gr..].iter_mut().flat_map(|x| x.entries.iter_mut()))
            .chain(self.items.acl_rules[ar..].iter_mut().flat_map(|x| x.entries.iter_mut()));
        for e in entries {
            e.protocol = Known::from_unknown(u.clone());
        }
    }

    fn unknown_properties(&mut self, ty: &str, logical: &str, span: &Span, reason: &str, at: &Span) {
        match ty {
            "AWS::EC2::SecurityGroup" => self.items.groups.push(SecurityGroup {
                id: logical.to_string(),
                aliases: vec![self.key(logical)],
                vpc: None,
                span: span.clone(),
                entries: vec![unknown_entry(logical, "Properties", reason, at, 0)],
                prefix_lists: Vec::new(),
            }),
            "AWS::EC2::SecurityGroupIngress" => self.items.group_rules.push(GroupRule {
                group: None,
                resource: logical.to_string(),
                span: span.clone(),
                entries: vec![unknown_entry(logical, "Properties", reason, at, 0)],
                prefix_lists: Vec::new(),
            }),
            "AWS::EC2::NetworkAclEntry" => self.items.acl_rules.push(AclRule {
                acl: None,
                resource: logical.to_string(),
                span: span.clone(),
                entries: vec![unknown_entry(logical, "Properties", reason, at, i64::MIN)],
            }),
            "AWS::EC2::NetworkAcl" => self.network_acl(
                logical,
                span,
                &Properties::Evaluated(Value { kind: Kind::Map(Vec::new()), span: span.clone() }),
            ),
            _ => {}
        }
    }

    fn security_group(&mut self, logical: &str, span: &Span, props: &Properties) {
        let mut aliases = vec![self.key(logical)];
        if let Some(name) = self.prop(props, "GroupName").and_then(|v| v.text()) {
            aliases.push(name);
        }
        let vpc = match self.prop_target(props, "VpcId") {
            Target::Key(k) => Some(k),
            _ => None,
        };
        let mut sg = SecurityGroup {
            id: logical.to_string(),
            aliases,
            vpc,
            span: span.clone(),
            entries: Vec::new(),
            prefix_lists: Vec::new(),
        };
        let ingress = self.prop(props, "SecurityGroupIngress");
        if let Some(Value { kind: Kind::String(_) | Kind::Number(_) | Kind::Bool(_) | Kind::Map(_), span: s }) =
            &ingress
        {
            let s = s.clone();
            self.error(&s, format!("security group {logical}: `SecurityGroupIngress` should be a list of rules"));
            sg.entries.push(unknown_entry(logical, "SecurityGroupIngress", "not a list of rules", &s, 0));
        } else {
            match self.list(ingress, "SecurityGroupIngress") {
                Err((reason, s)) => sg.entries.push(unknown_entry(logical, "SecurityGroupIngress", &reason, &s, 0)),
                Ok(rules) => {
                    for r in &rules {
                        self.sg_rule(r, logical, logical, &mut sg.prefix_lists, &mut sg.entries);
                    }
                }
            }
        }
        self.items.groups.push(sg);
    }

    fn group_ingress(&mut self, logical: &str, span: &Span, props: &Properties) {
        let group = match self.prop_target(props, "GroupId") {
            Target::Key(k) => Some(k),
            Target::Unknown(_) => None,
            Target::Absent => match self.prop(props, "GroupName").and_then(|v| v.text()) {
                Some(n) => Some(n),
                None => {
                    self.error(span, format!("{logical}: `GroupId` or `GroupName` is required"));
                    None
                }
            },
        };
        let mut gr = GroupRule {
            group,
            resource: logical.to_string(),
            span: span.clone(),
            entries: Vec::new(),
            prefix_lists: Vec::new(),
        };
        let rule = match props {
            Properties::Literal(n) => self.ev.eval(n),
            Properties::Evaluated(v) => v.clone(),
        };
        // The group's own logical id (or literal id), to recognize `self`.
        let prefix = format!("{}#", self.file);
        let group_id = gr.group.as_deref().map_or("", |k| k.strip_prefix(&prefix).unwrap_or(k)).to_string();
        self.sg_rule(&rule, &group_id, logical, &mut gr.prefix_lists, &mut gr.entries);
        self.items.group_rules.push(gr);
    }

    /// One ingress rule (an `Ingress` property type, or the properties of
    /// `AWS::EC2::SecurityGroupIngress`): one entry per source.
    fn sg_rule(
        &mut self,
        rule: &Value,
        group: &str,
        resource: &str,
        pls: &mut Vec<(usize, String)>,
        out: &mut Vec<Entry>,
    ) {
        match &rule.kind {
            Kind::Map(_) => {}
            Kind::Unknown { reason: r, .. } => {
                out.push(unknown_entry(resource, "ingress rule", r, &rule.span, 0));
                return;
            }
            _ => {
                self.error(&rule.span, format!("an ingress rule should be a mapping, found {}", rule.type_name()));
                return;
            }
        }
        let span = rule.span.clone();
        let proto = self.protocol(rule.get("IpProtocol"), "IpProtocol", &span);
        let all = matches!(proto, Known::Known(ProtoMatch::All));
        let from = if all { Ok(None) } else { self.port(rule.get("FromPort"), "FromPort") };
        let to = if all { Ok(None) } else { self.port(rule.get("ToPort"), "ToPort") };
        // A wrong range is reported at its first value, as in the dumps.
        let at = rule.get("FromPort").map_or(&span, |v| &v.span);
        let ports = self.ports(&proto, from, to, at, "FromPort/ToPort");
        let head = format!("ingress {}", label(None, &proto, &ports, ""));
        let head = head.strip_suffix(" from ").unwrap_or(&head).to_string();
        let push = |out: &mut Vec<Entry>, span: &Span, src: &str, sources: Sources| {
            out.push(Entry {
                resource: resource.to_string(),
                label: format!("{head} from {src}"),
                span: span.clone(),
                origin: Origin::Explicit,
                action: Action::Allow,
                protocol: proto.clone(),
                ports: ports.clone(),
                sources,
                order: 0,
            });
        };
        for k in ["CidrIp", "CidrIpv6"] {
            if let Some(v) = rule.get(k).filter(|v| !v.is_absent()) {
                let (shown, sources) = self.cidr(v, k);
                push(out, &v.span, &shown, sources);
            }
        }
        if let Some(v) = rule.get("SourcePrefixListId").filter(|v| !v.is_absent()) {
            let (shown, key, reason) = match self.target(Some(v), "SourcePrefixListId") {
                Target::Key(k) => {
                    let shown = k.rsplit_once('#').map_or(k.clone(), |(_, id)| id.to_string());
                    (shown, Some(k), "its entries are not in the input".to_string())
                }
                Target::Unknown(r) => ("(unknown prefix list)".to_string(), None, r),
                Target::Absent => ("(none)".to_string(), None, String::new()),
            };
            let what = format!("prefix list {}", key.as_deref().unwrap_or("SourcePrefixListId"));
            if let Some(k) = key {
                pls.push((out.len(), k));
            }
            push(
                out,
                &v.span,
                &shown,
                Sources { unknown: vec![unknown(&what, reason, &v.span)], ..Default::default() },
            );
        }
        for k in ["SourceSecurityGroupId", "SourceSecurityGroupName"] {
            let Some(v) = rule.get(k).filter(|v| !v.is_absent()) else { continue };
            // A group is internal whether or not its id is known.
            let name = match &v.kind {
                Kind::Resource { id, .. } if id == group => "self".to_string(),
                Kind::Resource { id, .. } => id.clone(),
                _ => match v.text() {
                    Some(t) if t == group => "self".to_string(),
                    Some(t) => t,
                    None => format!("{k} (a security group)"),
                },
            };
            push(
                out,
                &v.span,
                &name,
                Sources { internal: vec![InternalSource { name: name.clone() }], ..Default::default() },
            );
        }
    }

    /// A protocol property: a name or number; `-1` is every protocol.
    fn protocol(&mut self, v: Option<&Value>, k: &str, span: &Span) -> Known<ProtoMatch> {
        let Some(v) = v.filter(|v| !v.is_absent()) else {
            self.error(span, format!("`{k}` is required"));
            return Known::from_unknown(unknown(k, "not given", span));
        };
        match v.text() {
            Some(t) => match parse_protocol(&t) {
                Some(p) => Known::Known(p),
                None => {
                    self.error(
                        &v.span,
                        format!(
                            "`{k}`: unknown protocol `{t}` (expected tcp, udp, icmp, icmpv6, -1 or a number 0-255)"
                        ),
                    );
                    Known::from_unknown(unknown(k, format!("unknown protocol `{t}`"), &v.span))
                }
            },
            None => {
                let reason = why_unknown(v)
                    .unwrap_or_else(|| format!("a protocol should be a name or a number, found {}", v.type_name()));
                if why_unknown(v).is_none() {
                    self.error(&v.span, format!("`{k}`: {reason}"));
                }
                Known::from_unknown(unknown(k, reason, &v.span))
            }
        }
    }

    fn port(&mut self, v: Option<&Value>, k: &str) -> Result<Option<i64>, Unknown> {
        let Some(v) = v.filter(|v| !v.is_absent()) else { return Ok(None) };
        if let Some(n) = integer(v) {
            return Ok(Some(n));
        }
        match why_unknown(v) {
            Some(r) => Err(unknown(k, r, &v.span)),
            None => {
                let shown = v.text().map_or_else(|| v.type_name().to_string(), |t| format!("\"{t}\""));
                self.error(&v.span, format!("`{k}` should be a whole number, found {shown}"));
                Err(unknown(k, "invalid port", &v.span))
            }
        }
    }

    fn ports(
        &mut self,
        proto: &Known<ProtoMatch>,
        from: Result<Option<i64>, Unknown>,
        to: Result<Option<i64>, Unknown>,
        span: &Span,
        what: &str,
    ) -> Known<PortSet> {
        match (proto, from, to) {
            (Known::Unknown(u), _, _) => Known::Unknown(u.clone()),
            (_, Err(u), _) | (_, _, Err(u)) => Known::from_unknown(u),
            (Known::Known(pm), Ok(f), Ok(t)) => match ports_for(pm, f, t) {
                Ok(p) => Known::Known(p),
                Err(m) => {
                    self.error(span, format!("`{what}`: {m}"));
                    Known::from_unknown(unknown(what, m, span))
                }
            },
        }
    }

    /// A CIDR source: its addresses, or an unknown with the reason.
    fn cidr(&mut self, v: &Value, k: &str) -> (String, Sources) {
        match v.text() {
            Some(c) => match Cidr::parse(&c) {
                Ok(cidr) => (c, Sources { addrs: cidr.to_set(), ..Default::default() }),
                Err(e) => {
                    self.error(&v.span, format!("`{k}`: {e}"));
                    let u = unknown(k, format!("invalid CIDR `{c}`"), &v.span);
                    (c, Sources { unknown: vec![u], ..Default::default() })
                }
            },
            None => {
                let reason =
                    why_unknown(v).unwrap_or_else(|| format!("a CIDR should be text, found {}", v.type_name()));
                if why_unknown(v).is_none() {
                    self.error(&v.span, format!("`{k}`: {reason}"));
                }
                (format!("{k} (unknown)"), Sources { unknown: vec![unknown(k, reason, &v.span)], ..Default::default() })
            }
        }
    }

    fn network_acl(&mut self, logical: &str, span: &Span, props: &Properties) {
        let vpc = match self.prop_target(props, "VpcId") {
            Target::Key(k) => Some(k),
            _ => None,
        };
        self.items.acls.push(NetworkAcl {
            id: logical.to_string(),
            aliases: vec![self.key(logical)],
            vpc,
            is_default: false,
            span: span.clone(),
            entries: Vec::new(),
            subnets: Vec::new(),
        });
    }

    fn acl_entry(&mut self, logical: &str, span: &Span, props: &Properties) {
        // Egress entries decide what leaves the subnet (see docs/semantics.md).
        let mut applies: Option<Unknown> = None;
        if let Some(e) = self.prop(props, "Egress") {
            match (&e.kind, e.text().map(|t| t.to_ascii_lowercase())) {
                (_, Some(t)) if t == "true" => return,
                (_, Some(t)) if t == "false" => {}
                (Kind::Unknown { reason: r, .. }, _) => applies = Some(unknown("Egress", r.clone(), &e.span)),
                _ => {
                    self.error(&e.span, format!("{logical}: `Egress` should be true or false"));
                    applies = Some(unknown("Egress", "invalid value", &e.span));
                }
            }
        }
        let acl = match self.prop_target(props, "NetworkAclId") {
            Target::Key(k) => Some(k),
            Target::Unknown(_) => None,
            Target::Absent => {
                self.error(span, format!("{logical}: `NetworkAclId` is required"));
                None
            }
        };
        let mut rule = AclRule { acl, resource: logical.to_string(), span: span.clone(), entries: Vec::new() };
        let number = self.prop(props, "RuleNumber");
        let order = match number.as_ref().map(|v| (integer(v), v)) {
            Some((Some(n), _)) => n,
            Some((None, v)) if why_unknown(v).is_some() => {
                // Its place in the order is unknown: first, or not at all,
                // bounds every place it could have.
                let r = why_unknown(v).unwrap_or_default();
                rule.entries.push(unknown_entry(logical, "RuleNumber", &r, &v.span, i64::MIN));
                self.items.acl_rules.push(rule);
                return;
            }
            other => {
                let s = other.map_or(span, |(_, v)| &v.span).clone();
                self.error(&s, format!("{logical}: `RuleNumber` should be a whole number: read as the last rule"));
                32766
            }
        };
        let action = match self.prop(props, "RuleAction") {
            Some(v) => match v.text().map(|t| t.to_ascii_lowercase()) {
                Some(a) if a == "allow" => Action::Allow,
                Some(a) if a == "deny" => Action::Deny,
                _ => {
                    let reason = why_unknown(&v).unwrap_or_else(|| "not allow or deny".into());
                    if why_unknown(&v).is_none() {
                        self.error(&v.span, format!("{logical}: `RuleAction` should be allow or deny"));
                    }
                    // An unknown action: an allow whose match is unknown.
                    applies.get_or_insert(unknown("RuleAction", reason, &v.span));
                    Action::Allow
                }
            },
            None => {
                self.error(span, format!("{logical}: `RuleAction` is required"));
                applies.get_or_insert(unknown("RuleAction", "not given", span));
                Action::Allow
            }
        };
        let protocol = self.prop(props, "Protocol");
        let mut proto = self.protocol(protocol.as_ref(), "Protocol", span);
        let ports = match &proto {
            Known::Unknown(u) => Known::Unknown(u.clone()),
            Known::Known(ProtoMatch::All) => Known::Known(PortSet::full()),
            Known::Known(_) => {
                let range = self.prop(props, "PortRange");
                let (f, t) = match &range {
                    Some(r) if matches!(r.kind, Kind::Map(_)) => {
                        (self.port(r.get("From"), "From"), self.port(r.get("To"), "To"))
                    }
                    Some(r) if why_unknown(r).is_some() => {
                        let u = unknown("PortRange", why_unknown(r).unwrap_or_default(), &r.span);
                        (Err(u.clone()), Err(u))
                    }
                    Some(r) => {
                        self.error(&r.span, format!("{logical}: `PortRange` should be a mapping of From and To"));
                        let u = unknown("PortRange", "invalid value", &r.span);
                        (Err(u.clone()), Err(u))
                    }
                    None => (Ok(None), Ok(None)),
                };
                let from = range.as_ref().and_then(|r| r.get("From"));
                let at = from.map_or(span, |v| &v.span);
                self.ports(&proto, f, t, at, "PortRange")
            }
        };
        let source = match self.prop(props, "CidrBlock") {
            Some(v) => Some(("CidrBlock", v)),
            None => self.prop(props, "Ipv6CidrBlock").map(|v| ("Ipv6CidrBlock", v)),
        };
        let (shown, sources, at) = match &source {
            Some((k, v)) => {
                let (shown, s) = self.cidr(v, k);
                (shown, s, v.span.clone())
            }
            None => {
                self.error(span, format!("{logical}: `CidrBlock` or `Ipv6CidrBlock` is required"));
                ("(nothing)".to_string(), Sources::default(), span.clone())
            }
        };
        let shown_label = label(Some(action), &proto, &ports, &shown);
        if let Some(u) = applies {
            proto = Known::from_unknown(u);
        }
        rule.entries.push(Entry {
            resource: logical.to_string(),
            label: format!("rule {order} {shown_label}"),
            span: at,
            origin: Origin::Explicit,
            action,
            protocol: proto,
            ports,
            sources,
            order,
        });
        self.items.acl_rules.push(rule);
    }

    fn acl_association(&mut self, props: &Properties) {
        let acl = self.prop_target(props, "NetworkAclId");
        let subnet = self.prop_target(props, "SubnetId");
        if let (Target::Key(a), Target::Key(s)) = (acl, subnet) {
            self.items.acl_associations.push((a, s));
        }
    }

    /// Group references of a list property; an unknown list or element is
    /// a group the input does not show (its layer is unknown).
    fn group_refs(&mut self, v: Option<Value>, what: &str, out: &mut Vec<String>) {
        match self.list(v, what) {
            Err((reason, _)) => out.push(format!("{what} ({reason})")),
            Ok(items) => {
                for i in &items {
                    match self.target(Some(i), what) {
                        Target::Key(k) => out.push(k),
                        Target::Unknown(r) => out.push(format!("{what} ({r})")),
                        Target::Absent => {}
                    }
                }
            }
        }
    }

    fn host(&mut self, ty: &str, logical: &str, span: &Span, props: &Properties) {
        let key = self.key(logical);
        let mut groups = Vec::new();
        let mut interfaces = Vec::new();
        let mut subnet = None;
        let mut launch_template = None;
        let is_instance = ty == "AWS::EC2::Instance";
        if is_instance {
            let ids = self.prop(props, "SecurityGroupIds");
            self.group_refs(ids, "SecurityGroupIds", &mut groups);
            let names = self.prop(props, "SecurityGroups");
            self.group_refs(names, "SecurityGroups", &mut groups);
            let nics = self.prop(props, "NetworkInterfaces");
            match self.list(nics, "NetworkInterfaces") {
                Err((reason, _)) => groups.push(format!("NetworkInterfaces ({reason})")),
                Ok(nics) => {
                    for n in &nics {
                        if let Target::Key(k) = self.target(n.get("NetworkInterfaceId"), "NetworkInterfaceId") {
                            interfaces.push(k);
                        }
                        self.group_refs(n.get("GroupSet").cloned(), "GroupSet", &mut groups);
                        if subnet.is_none() {
                            if let Target::Key(k) = self.target(n.get("SubnetId"), "SubnetId") {
                                subnet = Some(k);
                            }
                        }
                    }
                }
            }
            launch_template = self.launch_template_of(props);
            if groups.is_empty() && launch_template.is_none() && self.prop(props, "LaunchTemplate").is_some() {
                groups.push("LaunchTemplate (its security groups are not evaluated)".to_string());
            }
        } else {
            let set = self.prop(props, "GroupSet");
            self.group_refs(set, "GroupSet", &mut groups);
            interfaces.push(key.clone());
        }
        if let Target::Key(k) = self.prop_target(props, "SubnetId") {
            subnet = Some(k);
        }
        groups.dedup();
        self.network_interfaces(is_instance, logical, span, props);
        self.items.hosts.push(Host {
            id: logical.to_string(),
            kind: if is_instance { "instance" } else { "network interface" },
            aliases: vec![key],
            span: span.clone(),
            groups,
            subnet,
            vpc: None,
            interfaces,
            launch_template,
        });
    }

    fn prefix_list(&mut self, logical: &str, props: &Properties) {
        let entries = self.prop(props, "Entries");
        let Ok(entries) = self.list(entries, "Entries") else { return };
        let mut cidrs = AddrSet::empty();
        for e in &entries {
            let Some(c) = e.get("Cidr") else { continue };
            let (_, s) = self.cidr(c, "Cidr");
            if !s.unknown.is_empty() {
                // One entry unknown: the list stays unresolved.
                return;
            }
            cidrs.union_in_place(&s.addrs);
        }
        let id = self.key(logical);
        self.items.prefix_lists.push(PrefixList { id, cidrs });
    }
}

/// Reads a template's resources.
pub fn read(file: &Arc<str>, root: &Value, errors: &mut Vec<IngestError>) -> AwsItems {
    read_with(file, root, &Parameters::default(), errors)
}

/// [`read`], with parameter values given by the user.
pub fn read_with(file: &Arc<str>, root: &Value, given: &Parameters, errors: &mut Vec<IngestError>) -> AwsItems {
    let mut ev = Evaluator::new(root, given.cloudformation_text());
    let mut reader = Reader { ev: &mut ev, file: file.clone(), items: AwsItems::default() };
    if let Some(res) = root.get("Resources").and_then(Value::as_map) {
        for portcullis_syntax::Member { key: id, span, value: def } in res {
            // `Fn::ForEach` (the AWS::LanguageExtensions transform) expands
            // at deployment: not evaluated.
            if id.starts_with("Fn::ForEach") {
                continue;
            }
            if def.as_map().is_none() {
                reader.ev.error(span, format!("resource {id} should be a mapping, found {}", def.type_name()));
                continue;
            }
            if def.get("Type").is_none() {
                reader.ev.error(span, format!("resource {id} has no `Type`"));
                continue;
            }
            reader.resource(id, span, def);
        }
    }
    let items = std::mem::take(&mut reader.items);
    // In file order: values are evaluated before their rules are read.
    ev.errors.sort_by_key(|e| (e.line, e.column));
    errors.append(&mut ev.errors);
    items
}

/// Reads `text` when it is a CloudFormation template; `None` otherwise.
pub fn read_input(path: &str, text: &str, head: &str, given: &Parameters) -> Option<FileOutcome> {
    let (tree, errors) = load(path, text, head)?;
    let mut out = FileOutcome { path: path.to_string(), format: Some("cloudformation"), errors, ..Default::default() };
    if let Some(tree) = tree {
        out.aws = read_with(&Arc::from(path), &tree, given, &mut out.errors);
    }
    Some(out)
}
