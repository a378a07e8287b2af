//! AWS CloudTrail events that change who may reach a port.
//!
//! Provider facts (each call's parameters as CloudTrail logs them, in the
//! API's own shape, described by the EC2 API reference):
//! - Record fields (`eventTime`, `eventName`, `userIdentity.arn`,
//!   `sourceIPAddress`, `userAgent`, `errorCode`, `requestParameters`,
//!   `responseElements`, `eventID`, `recipientAccountId`, `awsRegion`):
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>.
//! - `AuthorizeSecurityGroupIngress` / `RevokeSecurityGroupIngress`:
//!   `groupId` (or `groupName` in a default VPC) and `ipPermissions.items[]`
//!   of `IpPermission` (`ipProtocol`, `fromPort`, `toPort`,
//!   `ipRanges.items[].cidrIp`, `ipv6Ranges.items[].cidrIpv6`,
//!   `groups.items[].groupId`, `prefixListIds.items[].prefixListId`);
//!   Revoke may name `securityGroupRuleIds` instead. Authorize's response
//!   lists each new rule with its `securityGroupRuleId`
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html>,
//!   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>).
//!   A security group's rules are a union: each (protocol, ports, source) is
//!   one rule, added or revoked on its own.
//! - `ModifySecurityGroupRules`: `GroupId` and `SecurityGroupRule` entries
//!   naming a `SecurityGroupRuleId` and its new `SecurityGroupRule`
//!   (`IpProtocol`, `FromPort`, `ToPort`, `CidrIpv4`, `CidrIpv6`,
//!   `PrefixListId`, `ReferencedGroupId`), logged as
//!   `requestParameters.ModifySecurityGroupRulesRequest`
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySecurityGroupRules.html>).
//!   The request does not say whether the rule is inbound; it is judged as
//!   inbound unless an earlier event named it as an egress rule.
//! - `CreateNetworkAclEntry` / `ReplaceNetworkAclEntry` / `DeleteNetworkAclEntry`:
//!   `networkAclId`, `ruleNumber`, `egress`, `ruleAction`, `aclProtocol`
//!   (a protocol number, `-1` for all), `portRange.{from,to}`, `cidrBlock`,
//!   `ipv6CidrBlock` (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html>).
//!   An entry is known by its number and direction.
//! - `CreateSecurityGroup` takes no rules: a new group admits nothing
//!   inbound until rules are authorized
//!   (<https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html>,
//!   "Custom security groups"). Its event makes the group's earlier state
//!   known (empty), so the first rule authorized on it is surely an opening.
//! - ELBv2 `CreateListener` / `ModifyListener` / `DeleteListener`: read in
//!   [`crate::listener`] (a listener opens the targets' port through the
//!   load balancer's path).

use crate::event::{Actor, Effect, Event, Outcome, Provider, RuleChange, Stated};
use crate::read::{self, field, integer, items, path, text, text_at, Doc, FileOutcome};
use portcullis_ingest::providers::aws::facts::{parse_protocol, ports_for};
use portcullis_model::{Action, Cidr, InternalSource, Known, ProtoMatch, Sources, Span, Unknown};
use portcullis_syntax::json::Node;

/// The calls judged, and what each changes.
pub const CALLS: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupIngress",
    "ModifySecurityGroupRules",
    "CreateSecurityGroup",
    "CreateNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "DeleteNetworkAclEntry",
];

/// A CloudTrail record: it has an event source and an event name.
pub(crate) fn is_event(node: &Node) -> bool {
    field(node, "eventSource").is_some() && field(node, "eventName").is_some()
}

pub(crate) fn read(node: &Node, doc: &Doc, out: &mut FileOutcome) {
    let Some(name) = field(node, "eventName").and_then(text) else { return };
    if !CALLS.contains(&name) && !crate::listener::CALLS.contains(&name) {
        return;
    }
    let (line, column) = doc.at(node);
    let outcome = match text_at(node, &["errorCode"]) {
        Some(code) => Outcome::Failed(match text_at(node, &["errorMessage"]) {
            Some(m) => format!("{code}: {m}"),
            None => code,
        }),
        None => Outcome::Succeeded,
    };
    let mut event = Event {
        file: doc.file.clone(),
        line,
        column,
        provider: Provider::Aws,
        name: name.to_string(),
        id: text_at(node, &["eventID"]).unwrap_or_default(),
        time: field(node, "eventTime").and_then(read::time),
        actor: Actor {
            principal: text_at(
                node,
                &["userIdentity.arn", "userIdentity.principalId", "userIdentity.type", "userIdentity", "Username"],
            )
            .unwrap_or_default(),
            source_ip: text_at(node, &["sourceIPAddress"]),
            user_agent: text_at(node, &["userAgent"]),
        },
        account: text_at(node, &["recipientAccountId", "userIdentity.accountId"]),
        region: text_at(node, &["awsRegion"]),
        outcome,
        correlation: None,
        resource: String::new(),
        resource_kind: "security group",
        new_resource: false,
        whole: false,
        changes: Vec::new(),
        listener: None,
    };
    // Lake rows and some exports hold the parameters as JSON text.
    let embedded_params = field(node, "requestParameters").and_then(|p| doc.embedded(p));
    let embedded_response = field(node, "responseElements").and_then(|p| doc.embedded(p));
    let (params, params_doc) = match &embedded_params {
        Some((n, d)) => (Some(n), d),
        None => (field(node, "requestParameters"), doc),
    };
    let response = match &embedded_response {
        Some((n, _)) => Some(n),
        None => field(node, "responseElements"),
    };
    let Some(params) = params else {
        if event.outcome == Outcome::Succeeded {
            out.errors
                .push(doc.error(node, format!("{name} without requestParameters: what it changed is not in the log")));
        }
        return;
    };
    if crate::listener::CALLS.contains(&name) {
        if crate::listener::read(params_doc, params, response, &mut event, &mut out.errors) {
            out.events.push(event);
        }
        return;
    }
    let reader = Reader { doc: params_doc, errors: &mut out.errors };
    let ok = match name {
        "AuthorizeSecurityGroupIngress" | "RevokeSecurityGroupIngress" => {
            reader.permissions(params, response, name.starts_with("Revoke"), &mut event)
        }
        "ModifySecurityGroupRules" => reader.modify(params, &mut event),
        "CreateSecurityGroup" => {
            event.new_resource = true;
            event.resource = text_at(response.unwrap_or(params), &["groupId"])
                .or_else(|| text_at(params, &["groupName"]).map(|n| format!("group name {n}")))
                .unwrap_or_default();
            !event.resource.is_empty() || event.outcome != Outcome::Succeeded
        }
        _ => reader.acl_entry(params, name, &mut event),
    };
    if ok {
        out.events.push(event);
    }
}

struct Reader<'d, 'o> {
    doc: &'d Doc<'d>,
    errors: &'o mut Vec<crate::Error>,
}

/// `tcp 10257-10257 0.0.0.0/0`: a security-group rule's identity.
fn permission_key(proto: &ProtoMatch, from: Option<i64>, to: Option<i64>, source: &str) -> String {
    let p = match proto {
        ProtoMatch::All => "all".to_string(),
        ProtoMatch::One(p) => p.to_string(),
    };
    match (from, to) {
        (Some(f), Some(t)) if !matches!(proto, ProtoMatch::All) => format!("{p} {f}-{t} {source}"),
        _ => format!("{p} {source}"),
    }
}

impl Reader<'_, '_> {
    fn span(&self, node: &Node) -> Span {
        let (line, column) = self.doc.at(node);
        Span::new(self.doc.file.clone(), line, column)
    }

    fn invalid(&mut self, node: &Node, message: String) {
        self.errors.push(self.doc.error(node, message));
    }

    /// The group an event names: its id, or its name in a default VPC.
    fn group(&mut self, params: &Node, event: &mut Event) -> bool {
        event.resource = match (text_at(params, &["groupId", "GroupId"]), text_at(params, &["groupName"])) {
            (Some(id), _) => id,
            (None, Some(name)) => format!("group name {name}"),
            (None, None) => {
                self.invalid(params, format!("{} names no security group (groupId or groupName)", event.name));
                return false;
            }
        };
        true
    }

    /// Authorize / Revoke: one rule change per permission and source.
    fn permissions(mut self, params: &Node, response: Option<&Node>, revoke: bool, event: &mut Event) -> bool {
        if !self.group(params, event) {
            return false;
        }
        // Revoke by rule id.
        for id in items(field(params, "securityGroupRuleIds")) {
            let Some(rule) = text_at(id, &["securityGroupRuleId"]).or_else(|| text(id).map(str::to_string)) else {
                continue;
            };
            let (line, column) = self.doc.at(id);
            event.changes.push(RuleChange { key: rule, line, column, effect: Effect::Remove(None), aliases: vec![] });
        }
        let created: Vec<&Node> = items(response.and_then(|r| field(r, "securityGroupRuleSet")));
        for perm in items(field(params, "ipPermissions")) {
            let Some(proto_text) = field(perm, "ipProtocol").and_then(text) else {
                self.invalid(perm, "a permission without ipProtocol".into());
                continue;
            };
            let Some(proto) = parse_protocol(proto_text) else {
                self.invalid(perm, format!("ipProtocol `{proto_text}` is not a protocol"));
                continue;
            };
            let (from, to) = (field(perm, "fromPort").and_then(integer), field(perm, "toPort").and_then(integer));
            let ports = match ports_for(&proto, from, to) {
                Ok(p) => p,
                Err(e) => {
                    self.invalid(perm, e);
                    continue;
                }
            };
            let mut sources: Vec<(String, Sources, &Node)> = Vec::new();
            for r in items(field(perm, "ipRanges")) {
                if let Some(c) = text_at(r, &["cidrIp"]) {
                    sources.push((c.clone(), self.cidr(r, &c), r));
                }
            }
            for r in items(field(perm, "ipv6Ranges")) {
                if let Some(c) = text_at(r, &["cidrIpv6"]) {
                    sources.push((c.clone(), self.cidr(r, &c), r));
                }
            }
            for g in items(field(perm, "groups")) {
                if let Some(id) = text_at(g, &["groupId", "groupName"]) {
                    let s = Sources { internal: vec![InternalSource { name: id.clone() }], ..Default::default() };
                    sources.push((id, s, g));
                }
            }
            for p in items(field(perm, "prefixListIds")) {
                if let Some(id) = text_at(p, &["prefixListId"]) {
                    let unknown = Unknown {
                        what: format!("prefix list {id}"),
                        reason: "a prefix list's entries are not in the event".into(),
                        span: self.span(p),
                    };
                    sources.push((id, Sources { unknown: vec![unknown], ..Default::default() }, p));
                }
            }
            if sources.is_empty() {
                self.invalid(
                    perm,
                    "a permission with no source (ipRanges, ipv6Ranges, groups or prefixListIds)".into(),
                );
                continue;
            }
            for (written, source, at) in sources {
                let as_written = if source.addrs.is_empty() { vec![] } else { vec![written.clone()] };
                let key = permission_key(&proto, from, to, &written);
                let label = format!("allow {} from {written}", describe_ports(&proto, &ports));
                let stated = Stated {
                    action: Some(Action::Allow),
                    permits: Some(vec![(proto.clone(), Known::Known(ports.clone()))]),
                    sources: Some(source),
                    order: Some(0),
                    disabled: Some(false),
                    label: Some(label),
                    written: as_written,
                };
                let aliases = created
                    .iter()
                    .filter(|c| created_matches(c, &proto, from, to, &written))
                    .filter_map(|c| text_at(c, &["securityGroupRuleId"]))
                    .collect();
                let (line, column) = self.doc.at(at);
                let effect = if revoke { Effect::Remove(Some(stated)) } else { Effect::Set(stated) };
                event.changes.push(RuleChange { key, line, column, effect, aliases });
            }
        }
        if event.changes.is_empty() && event.outcome == Outcome::Succeeded {
            self.invalid(params, format!("{} changes no rule portcullis can read", event.name));
            return false;
        }
        true
    }

    fn cidr(&mut self, at: &Node, written: &str) -> Sources {
        match Cidr::parse(written) {
            Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
            Err(e) => {
                self.invalid(at, e.to_string());
                Sources {
                    unknown: vec![Unknown { what: written.to_string(), reason: e.to_string(), span: self.span(at) }],
                    ..Default::default()
                }
            }
        }
    }

    /// ModifySecurityGroupRules: each rule named by id, replaced whole.
    fn modify(mut self, params: &Node, event: &mut Event) -> bool {
        let request = field(params, "ModifySecurityGroupRulesRequest").unwrap_or(params);
        if !self.group(request, event) {
            return false;
        }
        for entry in items(field(request, "SecurityGroupRule")) {
            let Some(id) = text_at(entry, &["SecurityGroupRuleId"]) else {
                self.invalid(entry, "a SecurityGroupRule without SecurityGroupRuleId".into());
                continue;
            };
            let Some(rule) = field(entry, "SecurityGroupRule") else {
                self.invalid(entry, format!("rule {id}: no new SecurityGroupRule"));
                continue;
            };
            let Some(proto) = field(rule, "IpProtocol").and_then(text).and_then(parse_protocol) else {
                self.invalid(rule, format!("rule {id}: no IpProtocol portcullis can read"));
                continue;
            };
            let (from, to) = (field(rule, "FromPort").and_then(integer), field(rule, "ToPort").and_then(integer));
            let ports = match ports_for(&proto, from, to) {
                Ok(p) => p,
                Err(e) => {
                    self.invalid(rule, e);
                    continue;
                }
            };
            let (written, sources) = if let Some(c) = text_at(rule, &["CidrIpv4", "CidrIpv6"]) {
                let s = self.cidr(rule, &c);
                (c, s)
            } else if let Some(g) = text_at(rule, &["ReferencedGroupId"]) {
                (g.clone(), Sources { internal: vec![InternalSource { name: g }], ..Default::default() })
            } else if let Some(p) = text_at(rule, &["PrefixListId"]) {
                let unknown = Unknown {
                    what: format!("prefix list {p}"),
                    reason: "a prefix list's entries are not in the event".into(),
                    span: self.span(rule),
                };
                (p, Sources { unknown: vec![unknown], ..Default::default() })
            } else {
                self.invalid(
                    rule,
                    format!("rule {id}: no source (CidrIpv4, CidrIpv6, ReferencedGroupId or PrefixListId)"),
                );
                continue;
            };
            let sources_are_addrs = !sources.addrs.is_empty();
            let stated = Stated {
                action: Some(Action::Allow),
                permits: Some(vec![(proto.clone(), Known::Known(ports.clone()))]),
                sources: Some(sources),
                order: Some(0),
                disabled: Some(false),
                label: Some(format!("allow {} from {written}", describe_ports(&proto, &ports))),
                written: if sources_are_addrs { vec![written.clone()] } else { vec![] },
            };
            let (line, column) = self.doc.at(entry);
            event.changes.push(RuleChange { key: id, line, column, effect: Effect::Set(stated), aliases: vec![] });
        }
        !event.changes.is_empty() || event.outcome != Outcome::Succeeded
    }

    /// A network ACL entry created, replaced or deleted.
    fn acl_entry(mut self, params: &Node, name: &str, event: &mut Event) -> bool {
        event.resource_kind = "network ACL";
        let Some(acl) = text_at(params, &["networkAclId"]) else {
            self.invalid(params, format!("{name} names no networkAclId"));
            return false;
        };
        event.resource = acl;
        let Some(number) = field(params, "ruleNumber").and_then(integer) else {
            self.invalid(params, format!("{name} without a ruleNumber"));
            return false;
        };
        if field(params, "egress").and_then(read::boolean).unwrap_or(false) {
            // Outbound entries decide nothing about who connects in.
            return false;
        }
        let key = format!("ingress {number}");
        let (line, column) = self.doc.at(params);
        if name == "DeleteNetworkAclEntry" {
            event.changes.push(RuleChange { key, line, column, effect: Effect::Remove(None), aliases: vec![] });
            return true;
        }
        let action = match text_at(params, &["ruleAction"]).map(|a| a.to_ascii_lowercase()).as_deref() {
            Some("allow") => Action::Allow,
            Some("deny") => Action::Deny,
            other => {
                self.invalid(params, format!("ruleAction {:?} is neither allow nor deny", other.unwrap_or("")));
                return false;
            }
        };
        let Some(proto) = text_at(params, &["aclProtocol", "protocol"]).as_deref().and_then(parse_protocol) else {
            self.invalid(params, format!("{name}: no protocol portcullis can read"));
            return false;
        };
        let range = path(params, &["portRange"]);
        let (from, to) = (
            range.and_then(|r| field(r, "from")).and_then(integer),
            range.and_then(|r| field(r, "to")).and_then(integer),
        );
        let ports = match ports_for(&proto, from, to) {
            Ok(p) => p,
            Err(e) => {
                self.invalid(params, e);
                return false;
            }
        };
        let Some(written) = text_at(params, &["cidrBlock", "ipv6CidrBlock"]) else {
            self.invalid(params, format!("{name}: no cidrBlock or ipv6CidrBlock"));
            return false;
        };
        let sources = self.cidr(params, &written);
        let word = if action == Action::Allow { "allow" } else { "deny" };
        let stated = Stated {
            action: Some(action),
            permits: Some(vec![(proto.clone(), Known::Known(ports.clone()))]),
            sources: Some(sources),
            order: Some(number),
            disabled: Some(false),
            label: Some(format!("rule {number} {word} {} from {written}", describe_ports(&proto, &ports))),
            written: vec![written.clone()],
        };
        event.changes.push(RuleChange { key, line, column, effect: Effect::Set(stated), aliases: vec![] });
        true
    }
}

/// Whether a rule of Authorize's response is the permission and source read.
fn created_matches(c: &Node, proto: &ProtoMatch, from: Option<i64>, to: Option<i64>, source: &str) -> bool {
    let same_proto = field(c, "ipProtocol").and_then(text).and_then(parse_protocol).as_ref() == Some(proto);
    let ports_agree = matches!(proto, ProtoMatch::All)
        || (field(c, "fromPort").and_then(integer) == from && field(c, "toPort").and_then(integer) == to);
    let same_source = ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedGroupInfo.groupId"]
        .iter()
        .any(|p| path(c, &[p]).and_then(text) == Some(source));
    let egress = field(c, "isEgress").and_then(read::boolean).unwrap_or(false);
    same_proto && ports_agree && same_source && !egress
}

/// `tcp 10257`, `tcp 0-65535`, `all`: a rule's protocol and ports for labels.
pub(crate) fn describe_ports(proto: &ProtoMatch, ports: &portcullis_model::PortSet) -> String {
    match proto {
        ProtoMatch::All => "all".into(),
        ProtoMatch::One(p) if p.has_ports() => format!("{p} {}", portcullis_model::format_ports(ports)),
        ProtoMatch::One(p) => p.to_string(),
    }
}
