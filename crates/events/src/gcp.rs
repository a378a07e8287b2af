//! Google Cloud Audit Logs entries that change a VPC firewall rule.
//!
//! Provider facts:
//! - The entry: a Cloud Logging `LogEntry` whose `protoPayload` is an
//!   `AuditLog` (`methodName`, `resourceName`,
//!   `authenticationInfo.principalEmail`, `requestMetadata.callerIp`,
//!   `requestMetadata.callerSuppliedUserAgent`, `request`, `status`):
//!   <https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog>;
//!   `timestamp`, `insertId`, `operation.{id,first,last}`, `resource.labels.project_id`:
//!   <https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry>.
//! - Compute Engine logs a long-running call twice under one `operation.id`:
//!   the first entry carries the request, the last the outcome
//!   (<https://cloud.google.com/compute/docs/logging/audit-logging>).
//! - Methods: `v1.compute.firewalls.insert` (a new rule), `…update` (the
//!   rule replaced whole), `…patch` (the fields given replace the rule's,
//!   the others stay), `…delete`; `beta.` methods alike. The request is the
//!   REST `Firewall` as the audit log writes it, with repeated fields in the
//!   plural (`alloweds`, `denieds`; `allowed`/`denied` are read too):
//!   <https://cloud.google.com/compute/docs/reference/rest/v1/firewalls>.
//!   Defaults and meaning: `portcullis_ingest::providers::gcp::facts`.

use crate::event::{Actor, Effect, Event, Outcome, Provider, RuleChange, Stated};
use crate::read::{field, integer, text, text_at, Doc, FileOutcome};
use portcullis_ingest::providers::gcp::facts::{parse_ports, parse_protocol, DEFAULT_PRIORITY};
use portcullis_model::{Action, AddrSet, Cidr, InternalSource, Known, PortSet, ProtoMatch, Sources, Span, Unknown};
use portcullis_syntax::json::Node;

/// The methods judged (without the `v1.`/`beta.` prefix).
pub const METHODS: &[&str] =
    &["compute.firewalls.insert", "compute.firewalls.update", "compute.firewalls.patch", "compute.firewalls.delete"];

fn payload(node: &Node) -> Option<&Node> {
    field(node, "protoPayload").or_else(|| field(node, "protopayload_auditlog"))
}

/// A Cloud Logging entry with an audit-log payload.
pub(crate) fn is_event(node: &Node) -> bool {
    payload(node).is_some_and(|p| field(p, "methodName").is_some())
}

pub(crate) fn read(node: &Node, doc: &Doc, out: &mut FileOutcome) {
    let Some(p) = payload(node) else { return };
    let Some(method) = text_at(p, &["methodName"]) else { return };
    let Some(short) = METHODS.iter().find(|m| method.ends_with(*m)) else { return };
    let verb = short.rsplit('.').next().unwrap_or_default();
    let resource_name = text_at(p, &["resourceName"]).unwrap_or_default();
    let name = resource_name.rsplit('/').next().unwrap_or_default().to_string();
    let code = field(p, "status").and_then(|s| field(s, "code")).and_then(integer).unwrap_or(0);
    let outcome = if code != 0 {
        Outcome::Failed(
            text_at(p, &["status.message"]).map_or_else(|| format!("status {code}"), |m| format!("status {code}: {m}")),
        )
    } else if field(node, "operation").and_then(|o| field(o, "last")).and_then(crate::read::boolean) == Some(true)
        || field(node, "operation").is_none()
    {
        Outcome::Succeeded
    } else {
        Outcome::Unknown
    };
    let (line, column) = doc.at(node);
    let project = text_at(node, &["resource.labels.project_id"])
        .or_else(|| resource_name.strip_prefix("projects/").and_then(|r| r.split('/').next()).map(str::to_string));
    let mut event = Event {
        file: doc.file.clone(),
        line,
        column,
        provider: Provider::Gcp,
        name: method.clone(),
        id: text_at(node, &["insertId"]).unwrap_or_default(),
        time: field(node, "timestamp").and_then(crate::read::time),
        actor: Actor {
            principal: text_at(p, &["authenticationInfo.principalEmail"]).unwrap_or_default(),
            source_ip: text_at(p, &["requestMetadata.callerIp"]),
            user_agent: text_at(p, &["requestMetadata.callerSuppliedUserAgent"]),
        },
        account: project,
        region: None,
        outcome,
        correlation: text_at(node, &["operation.id"]),
        resource: name.clone(),
        resource_kind: "firewall rule",
        new_resource: verb == "insert",
        whole: false,
        changes: Vec::new(),
        listener: None,
    };
    if name.is_empty() {
        out.errors.push(doc.error(node, format!("{method} without a resourceName")));
        return;
    }
    let request = field(p, "request").or_else(|| field(p, "requestJson")).map(|r| match doc.embedded(r) {
        Some((n, _)) => n,
        None => r.clone(),
    });
    if verb == "delete" {
        event.changes.push(RuleChange {
            key: String::new(),
            line,
            column,
            effect: Effect::Remove(None),
            aliases: vec![],
        });
        out.events.push(event);
        return;
    }
    let Some(request) = request else {
        // The operation's last entry: its outcome, for the entry with the request.
        if event.correlation.is_some() {
            out.events.push(event);
        }
        return;
    };
    let span = {
        let (l, c) = doc.at(field(p, "request").unwrap_or(node));
        Span::new(doc.file.clone(), l, c)
    };
    match stated(&request, verb == "patch", &span) {
        Ok(Some(s)) => {
            let effect = if verb == "patch" { Effect::Merge(s) } else { Effect::Set(s) };
            event.changes.push(RuleChange {
                key: String::new(),
                line: span.line,
                column: span.column,
                effect,
                aliases: vec![],
            });
            out.events.push(event);
        }
        Ok(None) => {}
        Err(m) => out.errors.push(doc.error(node, format!("{method} {name}: {m}"))),
    }
}

/// The rule a request states; `None` for an egress rule. In a patch only
/// the fields given are stated.
fn stated(r: &Node, patch: bool, span: &Span) -> Result<Option<Stated>, String> {
    let direction = text_at(r, &["direction"]);
    if direction.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("egress")) {
        return Ok(None);
    }
    let mut s = Stated::default();
    let allowed = ["alloweds", "allowed"].iter().find_map(|k| field(r, k));
    let denied = ["denieds", "denied"].iter().find_map(|k| field(r, k));
    let (action, list) = match (allowed, denied) {
        (Some(a), _) => (Some(Action::Allow), Some(a)),
        (None, Some(d)) => (Some(Action::Deny), Some(d)),
        (None, None) => (None, None),
    };
    if let Some(list) = list {
        let mut permits = Vec::new();
        for entry in list.as_array().unwrap_or(&[]) {
            let proto_text = text_at(entry, &["IPProtocol", "ipProtocol", "I_p_protocol"]).unwrap_or_default();
            let proto =
                parse_protocol(&proto_text).ok_or_else(|| format!("IPProtocol `{proto_text}` is not a protocol"))?;
            let mut ports = PortSet::default();
            let listed = field(entry, "ports").and_then(|p| p.as_array()).unwrap_or(&[]);
            if listed.is_empty() {
                ports = PortSet::full();
            }
            for t in listed.iter().filter_map(text) {
                ports = ports.union(&parse_ports(t)?);
            }
            permits.push((proto, Known::Known(ports)));
        }
        s.action = action;
        s.permits = Some(permits);
    }
    let ranges: Option<Vec<String>> = field(r, "sourceRanges")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(text).map(str::to_string).collect());
    let tags: Vec<String> = field(r, "sourceTags")
        .and_then(|a| a.as_array())
        .unwrap_or(&[])
        .iter()
        .filter_map(text)
        .map(|t| format!("tag:{t}"))
        .collect();
    let accounts: Vec<String> = field(r, "sourceServiceAccounts")
        .and_then(|a| a.as_array())
        .unwrap_or(&[])
        .iter()
        .filter_map(text)
        .map(|t| format!("serviceAccount:{t}"))
        .collect();
    let mut written: Vec<String> = Vec::new();
    if ranges.is_some() || !tags.is_empty() || !accounts.is_empty() || !patch {
        let mut sources = Sources::default();
        for range in ranges.iter().flatten() {
            match Cidr::parse(range) {
                Ok(c) => sources.addrs.union_in_place(&c.to_set()),
                Err(e) => {
                    sources.unknown.push(Unknown { what: range.clone(), reason: e.to_string(), span: span.clone() })
                }
            }
            written.push(range.clone());
        }
        for name in tags.iter().chain(&accounts) {
            sources.internal.push(InternalSource { name: name.clone() });
            written.push(name.clone());
        }
        if ranges.as_ref().is_none_or(|r| r.is_empty()) && tags.is_empty() && accounts.is_empty() {
            // No source: the default source range, the whole IPv4 space.
            sources.addrs = AddrSet::all_v4();
            written.push("0.0.0.0/0 (no source given)".into());
        }
        s.sources = Some(sources);
        s.written = ranges.iter().flatten().filter(|r| Cidr::parse(r).is_ok()).cloned().collect();
    }
    s.order = field(r, "priority").and_then(integer).or((!patch).then_some(DEFAULT_PRIORITY));
    s.disabled = field(r, "disabled").and_then(crate::read::boolean).or((!patch).then_some(false));
    if !patch || s.permits.is_some() || s.sources.is_some() {
        let word = match s.action {
            Some(Action::Deny) => "deny",
            _ => "allow",
        };
        let what = s
            .permits
            .as_ref()
            .map(|p| p.iter().map(|(proto, ports)| describe(proto, ports)).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| "its ports".into());
        let from = if written.is_empty() { "its sources".to_string() } else { written.join(", ") };
        s.label = Some(format!("{word} {what} from {from}"));
    }
    Ok(Some(s))
}

fn describe(proto: &ProtoMatch, ports: &Known<PortSet>) -> String {
    match ports {
        Known::Known(p) => crate::aws::describe_ports(proto, p),
        Known::Unknown(_) => format!("{proto} (ports unknown)"),
    }
}
