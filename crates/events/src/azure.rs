//! Azure Activity Log entries that change a network security group's rules.
//!
//! Provider facts:
//! - The entry as exported to a storage account or event hub (`time`,
//!   `resourceId`, `operationName`, `resultType`, `callerIpAddress`,
//!   `correlationId`, `identity.claims`, `properties`):
//!   <https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs-schema>
//!   and <https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema>
//!   ("Schema from storage account and event hubs"); as the REST API and
//!   `az monitor activity-log list` return it (`operationName.value`,
//!   `status.value`, `caller`, `eventTimestamp`, `httpRequest.clientIpAddress`);
//!   in Log Analytics' `AzureActivity` table (`OperationNameValue`,
//!   `ActivityStatusValue`, `Caller`, `CallerIpAddress`, `TimeGenerated`,
//!   `Properties_d`): <https://learn.microsoft.com/azure/azure-monitor/reference/tables/azureactivity>.
//! - One call writes several entries under one `correlationId`: `Start`
//!   (or `Accept`) and then `Success` or `Failure`. The request body
//!   (`properties.requestbody`, JSON as text) is on the start entry, the
//!   response body on the success entry when logged.
//! - Operations: `Microsoft.Network/networkSecurityGroups/securityRules/write`
//!   (one rule created or replaced whole), `…/securityRules/delete`,
//!   `Microsoft.Network/networkSecurityGroups/write` (the group with its
//!   `securityRules` list, which replaces the rules it had):
//!   <https://learn.microsoft.com/azure/role-based-access-control/permissions/networking>.
//! - A rule's fields are the REST `SecurityRule` properties (see
//!   `portcullis_ingest::providers::azure::facts` for their meaning).

use crate::event::{Actor, Effect, Event, Outcome, Provider, RuleChange, Stated};
use crate::read::{field, text, text_at, Doc, FileOutcome};
use portcullis_ingest::providers::azure::facts::{
    parse_port_range, parse_prefix, parse_protocol, service_tag_reason, service_tag_what, Prefix,
};
use portcullis_model::{Action, InternalSource, Known, PortSet, Sources, Span, Unknown};
use portcullis_syntax::json::Node;

const RULE_WRITE: &str = "microsoft.network/networksecuritygroups/securityrules/write";
const RULE_DELETE: &str = "microsoft.network/networksecuritygroups/securityrules/delete";
const GROUP_WRITE: &str = "microsoft.network/networksecuritygroups/write";

/// The operations judged, as Azure names them.
pub const OPERATIONS: &[&str] = &[
    "Microsoft.Network/networkSecurityGroups/securityRules/write",
    "Microsoft.Network/networkSecurityGroups/securityRules/delete",
    "Microsoft.Network/networkSecurityGroups/write",
];

fn operation(node: &Node) -> Option<String> {
    text_at(node, &["operationName.value", "operationName", "OperationNameValue"])
}

/// An Activity Log entry: an operation name and a resource id.
pub(crate) fn is_event(node: &Node) -> bool {
    operation(node).is_some() && text_at(node, &["resourceId", "_ResourceId", "ResourceId"]).is_some()
}

/// The NSG's resource id and the rule's name, from a rule's or a group's id.
fn split_id(id: &str) -> Option<(String, Option<String>)> {
    let lower = id.to_ascii_lowercase();
    let at = lower.find("/networksecuritygroups/")? + "/networksecuritygroups/".len();
    let rest = &id[at..];
    let (nsg_name, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let nsg = id[..at + nsg_name.len()].to_string();
    let tail_lower = tail.to_ascii_lowercase();
    let rule = tail_lower
        .strip_prefix("securityrules/")
        .map(|_| tail["securityrules/".len()..].trim_end_matches('/').to_string());
    Some((nsg, rule.filter(|r| !r.is_empty())))
}

pub(crate) fn read(node: &Node, doc: &Doc, out: &mut FileOutcome) {
    let Some(op) = operation(node) else { return };
    let op_lower = op.to_ascii_lowercase();
    if ![RULE_WRITE, RULE_DELETE, GROUP_WRITE].contains(&op_lower.as_str()) {
        return;
    }
    let id = text_at(node, &["resourceId", "_ResourceId", "ResourceId"]).unwrap_or_default();
    let Some((nsg, rule_name)) = split_id(&id) else {
        out.errors.push(doc.error(node, format!("{op} on `{id}`, which is not a network security group")));
        return;
    };
    let status = text_at(node, &["resultType", "status.value", "status", "ActivityStatusValue", "ActivityStatus"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let outcome = match status.as_str() {
        "success" | "succeeded" => Outcome::Succeeded,
        "failure" | "failed" => Outcome::Failed(
            text_at(node, &["resultSignature", "subStatus.value", "properties.statusCode"])
                .unwrap_or_else(|| "failed".into()),
        ),
        _ => Outcome::Unknown,
    };
    let (line, column) = doc.at(node);
    let principal = text_at(node, &["caller", "Caller"])
        .or_else(|| claim(node, "/upn"))
        .or_else(|| claim(node, "/name"))
        .or_else(|| claim(node, "/objectidentifier"))
        .or_else(|| claim(node, "appid"))
        .unwrap_or_default();
    let subscription = nsg.split('/').nth(2).map(str::to_string);
    let mut event = Event {
        file: doc.file.clone(),
        line,
        column,
        provider: Provider::Azure,
        name: canonical(&op_lower).to_string(),
        id: text_at(node, &["eventDataId", "EventDataId", "correlationId", "CorrelationId"]).unwrap_or_default(),
        time: ["time", "eventTimestamp", "TimeGenerated"]
            .iter()
            .find_map(|k| field(node, k))
            .and_then(crate::read::time),
        actor: Actor {
            principal,
            source_ip: text_at(node, &["callerIpAddress", "httpRequest.clientIpAddress", "CallerIpAddress"]),
            user_agent: None,
        },
        account: text_at(node, &["subscriptionId", "SubscriptionId"]).or(subscription),
        region: text_at(node, &["location", "Location"]),
        outcome,
        correlation: text_at(node, &["correlationId", "CorrelationId"]),
        resource: nsg,
        resource_kind: "network security group",
        new_resource: false,
        whole: op_lower == GROUP_WRITE,
        changes: Vec::new(),
        listener: None,
    };
    if op_lower == RULE_DELETE {
        let Some(name) = rule_name else {
            out.errors.push(doc.error(node, format!("{op} on `{id}`, which names no rule")));
            return;
        };
        event.changes.push(RuleChange {
            key: name.to_ascii_lowercase(),
            line,
            column,
            effect: Effect::Remove(None),
            aliases: vec![],
        });
        out.events.push(event);
        return;
    }
    // The body: request (start entry) or response (success entry).
    let props_embedded =
        ["properties", "Properties_d", "Properties"].iter().find_map(|k| field(node, k)).and_then(|p| doc.embedded(p));
    let (props, props_doc) = match &props_embedded {
        Some((n, d)) => (Some(n), d),
        None => (["properties", "Properties_d"].iter().find_map(|k| field(node, k)), doc),
    };
    let body_node = props.and_then(|p| field(p, "requestbody").or_else(|| field(p, "responseBody")));
    let body = body_node.and_then(|b| props_doc.embedded(b));
    let Some((body, body_doc)) = body else {
        // An entry without a body still tells the outcome of its call.
        if event.correlation.is_some() {
            out.events.push(event);
        }
        return;
    };
    let mut reader = Reader { doc: &body_doc, errors: &mut out.errors };
    if op_lower == RULE_WRITE {
        let name = rule_name.or_else(|| text_at(&body, &["name"])).unwrap_or_default();
        let rule_props = field(&body, "properties").unwrap_or(&body);
        if let Some(change) = reader.rule(&name, rule_props) {
            event.changes.push(change);
        }
    } else {
        let rules = field(&body, "properties")
            .and_then(|p| field(p, "securityRules"))
            .and_then(|r| r.as_array())
            .unwrap_or(&[]);
        for r in rules {
            let name = text_at(r, &["name"]).unwrap_or_default();
            let rule_props = field(r, "properties").unwrap_or(r);
            if let Some(change) = reader.rule(&name, rule_props) {
                event.changes.push(change);
            }
        }
    }
    out.events.push(event);
}

/// A claim whose URI ends with `suffix` (claims are keyed by URI).
fn claim(node: &Node, suffix: &str) -> Option<String> {
    let claims = field(node, "identity").and_then(|i| field(i, "claims"))?;
    claims.as_object()?.iter().find(|m| m.key.ends_with(suffix)).and_then(|m| text(&m.value)).map(str::to_string)
}

fn canonical(op_lower: &str) -> &'static str {
    match op_lower {
        RULE_WRITE => OPERATIONS[0],
        RULE_DELETE => OPERATIONS[1],
        _ => OPERATIONS[2],
    }
}

struct Reader<'d, 'o> {
    doc: &'d Doc<'d>,
    errors: &'o mut Vec<crate::Error>,
}

impl Reader<'_, '_> {
    fn span(&self, node: &Node) -> Span {
        let (line, column) = self.doc.at(node);
        Span::new(self.doc.file.clone(), line, column)
    }

    /// One rule's properties; `None` for an outbound rule or one that
    /// cannot be read (then an error says why).
    fn rule(&mut self, name: &str, p: &Node) -> Option<RuleChange> {
        let (line, column) = self.doc.at(p);
        let fail = |s: &mut Self, m: String| {
            s.errors.push(s.doc.error(p, format!("rule `{name}`: {m}")));
            None
        };
        if name.is_empty() {
            return fail(self, "no rule name".into());
        }
        let direction = text_at(p, &["direction"]).unwrap_or_default();
        if direction.eq_ignore_ascii_case("outbound") {
            return None;
        }
        let action = match text_at(p, &["access"]).unwrap_or_default().to_ascii_lowercase().as_str() {
            "allow" => Action::Allow,
            "deny" => Action::Deny,
            other => return fail(self, format!("access `{other}` is neither Allow nor Deny")),
        };
        let Some(proto) = text_at(p, &["protocol"]).as_deref().and_then(parse_protocol) else {
            return fail(self, "no protocol portcullis can read".into());
        };
        let mut port_texts: Vec<String> = Vec::new();
        port_texts.extend(text_at(p, &["destinationPortRange"]));
        port_texts.extend(
            field(p, "destinationPortRanges")
                .and_then(|r| r.as_array())
                .unwrap_or(&[])
                .iter()
                .filter_map(text)
                .map(str::to_string),
        );
        if port_texts.is_empty() {
            return fail(self, "no destinationPortRange(s)".into());
        }
        let mut ports = PortSet::default();
        for t in &port_texts {
            match parse_port_range(t) {
                Ok(set) => ports = ports.union(&set),
                Err(e) => return fail(self, e),
            }
        }
        let mut prefixes: Vec<String> = Vec::new();
        prefixes.extend(text_at(p, &["sourceAddressPrefix"]));
        prefixes.extend(
            field(p, "sourceAddressPrefixes")
                .and_then(|r| r.as_array())
                .unwrap_or(&[])
                .iter()
                .filter_map(text)
                .map(str::to_string),
        );
        let mut sources = Sources::default();
        for prefix in &prefixes {
            match parse_prefix(prefix) {
                Prefix::Addrs(a) => sources.addrs.union_in_place(&a),
                Prefix::Internal(i) => sources.internal.push(i),
                Prefix::ServiceTag(tag) => sources.unknown.push(Unknown {
                    what: service_tag_what(&tag),
                    reason: service_tag_reason(&tag),
                    span: self.span(p),
                }),
                Prefix::Invalid(m) => return fail(self, m),
            }
        }
        for group in field(p, "sourceApplicationSecurityGroups").and_then(|r| r.as_array()).unwrap_or(&[]) {
            if let Some(id) = text_at(group, &["id"]) {
                sources.internal.push(InternalSource { name: id });
            }
        }
        if prefixes.is_empty() && sources.internal.is_empty() {
            return fail(self, "no source (sourceAddressPrefix(es) or sourceApplicationSecurityGroups)".into());
        }
        let priority = field(p, "priority").and_then(crate::read::integer);
        let word = if action == Action::Allow { "allow" } else { "deny" };
        let label = format!(
            "{}{word} {} from {}",
            priority.map(|n| format!("priority {n} ")).unwrap_or_default(),
            crate::aws::describe_ports(&proto, &ports),
            prefixes.join(", ")
        );
        let stated = Stated {
            action: Some(action),
            permits: Some(vec![(proto, Known::Known(ports))]),
            sources: Some(sources),
            order: priority,
            disabled: Some(false),
            label: Some(label),
            written: prefixes.iter().filter(|p| portcullis_model::Cidr::parse(p).is_ok()).cloned().collect(),
        };
        Some(RuleChange { key: name.to_ascii_lowercase(), line, column, effect: Effect::Set(stated), aliases: vec![] })
    }
}
