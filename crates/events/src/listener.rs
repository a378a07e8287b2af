//! ELBv2 listener calls: a load balancer that starts (or stops) forwarding
//! a port to a target group opens (or closes) the targets' port to
//! whoever the load balancer admits, without any firewall rule changing.
//!
//! - `CreateListener`: `loadBalancerArn`, `protocol`, `port`,
//!   `defaultActions[]` (`type: forward` with `targetGroupArn`, or
//!   `forwardConfig.targetGroups[].targetGroupArn`); the response repeats
//!   the listener with its `listenerArn`
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html>).
//! - `ModifyListener`: `listenerArn` and the fields it changes; the
//!   response holds the whole listener after the change
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyListener.html>).
//! - `DeleteListener`: `listenerArn`
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteListener.html>).
//!
//! The call names the load balancer and the target groups, not the port
//! the targets receive on (the target group's) nor who the load balancer
//! admits (its scheme and security groups). So a listener is judged as
//! one rule of the listener's own: it admits the load balancer's sources
//! on the target groups' ports. Without a snapshot both are unknown and
//! the change is `undetermined`, saying what would decide it; with
//! `--state`, [`resolve`] fills them in from the snapshot's load balancers
//! and target groups, read as `scan` reads them (docs/events.md).

use crate::event::{Effect, Event, RuleChange, Stated};
use crate::read::{field, integer, items, text_at, Doc};
use portcullis_engine::{eval_layer, Bound};
use portcullis_ingest::providers::aws::facts::parse_protocol;
use portcullis_model::named::public;
use portcullis_model::topology::{AddressFamilies, LoadBalancer, Scheme, TargetGroup};
use portcullis_model::{Action, AddrSet, Estate, InternalSource, Known, PortSet, ProtoMatch, Sources, Span, Unknown};
use portcullis_syntax::json::Node;

/// The calls read here.
pub const CALLS: &[&str] = &["CreateListener", "ModifyListener", "DeleteListener"];

/// The key of a listener's one rule in the judge's history.
const KEY: &str = "listener";

/// What a listener call says, kept on the event for [`resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenerCall {
    /// The load balancer's ARN (not in a `ModifyListener` request; its
    /// response has it).
    pub load_balancer: Option<String>,
    pub port: Option<u16>,
    /// `TCP`, `TLS`, `HTTP`, `HTTPS`, `UDP`, `TCP_UDP`.
    pub protocol: Option<String>,
    /// The target groups its forward actions name (ARNs).
    pub target_groups: Vec<String>,
}

impl ListenerCall {
    /// The IP protocols the listener carries.
    fn protocols(&self) -> Vec<ProtoMatch> {
        let name = self.protocol.as_deref().unwrap_or("TCP").to_ascii_uppercase();
        let names: &[&str] = match name.as_str() {
            "UDP" => &["udp"],
            "TCP_UDP" => &["tcp", "udp"],
            // GENEVE is a Gateway Load Balancer's: it forwards packets to
            // appliances, it opens no port of a target.
            "GENEVE" => &[],
            _ => &["tcp"],
        };
        names.iter().filter_map(|n| parse_protocol(n)).collect()
    }

    fn label(&self) -> String {
        let on = match (&self.protocol, self.port) {
            (Some(p), Some(port)) => format!("{p}:{port}"),
            (None, Some(port)) => format!("port {port}"),
            _ => "a port".to_string(),
        };
        let to = if self.target_groups.is_empty() {
            "no target group named in the call".to_string()
        } else {
            self.target_groups.iter().map(|t| last_name(t)).collect::<Vec<_>>().join(", ")
        };
        format!("listener {on} forwarding to {to}")
    }
}

/// `my-targets` for `arn:…:targetgroup/my-targets/73e2d6bc24d8a067`,
/// `my-nlb` for `arn:…:loadbalancer/net/my-nlb/50dc6c495c0c9188`: the
/// names the snapshot's readers give load balancers and target groups.
fn last_name(arn: &str) -> &str {
    let resource = arn.rsplit(':').next().unwrap_or(arn);
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        ["loadbalancer", _kind, name, _id] => name,
        ["targetgroup", name, _] | ["listener", _, name, _, _] => name,
        _ => resource,
    }
}

fn same(id: &str, arn: &str) -> bool {
    id == arn || id == last_name(arn)
}

/// The snapshot's load balancer the call names.
fn balancer<'e>(snapshot: &'e Estate, call: &ListenerCall) -> Option<&'e LoadBalancer> {
    let arn = call.load_balancer.as_deref()?;
    snapshot.topology.load_balancers.iter().find(|b| same(&b.id, arn))
}

/// Reads a listener call into `event` (its resource, the listener rule and
/// the call's facts). False when the call names no listener to judge.
pub(crate) fn read(
    doc: &Doc,
    params: &Node,
    response: Option<&Node>,
    event: &mut Event,
    errors: &mut Vec<crate::Error>,
) -> bool {
    // The response states the listener whole; the request only what it sets.
    let stated = response.and_then(|r| items(field(r, "listeners")).into_iter().next());
    let from_either = |paths: &[&str]| stated.and_then(|s| text_at(s, paths)).or_else(|| text_at(params, paths));
    let listener_arn = from_either(&["listenerArn"]);
    let mut call = ListenerCall {
        load_balancer: from_either(&["loadBalancerArn"]),
        port: stated
            .and_then(|s| field(s, "port"))
            .or_else(|| field(params, "port"))
            .and_then(integer)
            .and_then(|p| u16::try_from(p).ok()),
        protocol: from_either(&["protocol"]),
        target_groups: Vec::new(),
    };
    let actions = stated.and_then(|s| field(s, "defaultActions")).or_else(|| field(params, "defaultActions"));
    for action in items(actions) {
        if let Some(arn) = text_at(action, &["targetGroupArn"]) {
            call.target_groups.push(arn);
        }
        for group in items(field(action, "forwardConfig").and_then(|f| field(f, "targetGroups"))) {
            if let Some(arn) = text_at(group, &["targetGroupArn"]) {
                call.target_groups.push(arn);
            }
        }
    }
    call.target_groups.sort();
    call.target_groups.dedup();
    event.resource =
        match (&listener_arn, &call.load_balancer, call.port) {
            (Some(arn), _, _) => arn.clone(),
            (None, Some(lb), Some(port)) => format!("{lb} port {port}"),
            _ => {
                errors.push(doc.error(
                    params,
                    format!("{} names no listener (listenerArn, or loadBalancerArn and port)", event.name),
                ));
                return false;
            }
        };
    event.resource_kind = "load balancer listener";
    let (line, column) = doc.at(params);
    let span = Span::new(doc.file.clone(), line, column);
    let effect = if event.name == "DeleteListener" {
        Effect::Remove(None)
    } else {
        // A new listener did not exist before; a modified one did.
        event.new_resource = event.name == "CreateListener";
        Effect::Set(unresolved(&call, &span))
    };
    event.changes.push(RuleChange { key: KEY.into(), line, column, effect, aliases: vec![] });
    event.listener = Some(call);
    true
}

/// The listener's rule as far as the call tells it: the target port and
/// the load balancer's sources unknown.
fn unresolved(call: &ListenerCall, span: &Span) -> Stated {
    let unknown = |what: &str, reason: &str| Unknown { what: what.into(), reason: reason.into(), span: span.clone() };
    let ports = Known::from_unknown(unknown(
        "the target port",
        "the call names target groups, not the port their targets receive on: --state with the target groups decides it",
    ));
    let sources = Sources {
        unknown: vec![unknown(
            "who the load balancer admits",
            "its scheme and security groups are not in the call: --state with the load balancers decides it",
        )],
        ..Default::default()
    };
    Stated {
        action: Some(Action::Allow),
        permits: Some(call.protocols().into_iter().map(|p| (p, ports.clone())).collect()),
        sources: Some(sources),
        order: Some(0),
        disabled: Some(false),
        label: Some(call.label()),
        written: Vec::new(),
    }
}

/// Fills each listener call's rule in from the snapshot: the ports its
/// target groups send to, and the sources its load balancer admits on the
/// listener port (none but private ones for an internal load balancer).
/// What the snapshot does not have stays unknown, named.
pub fn resolve(events: &mut [Event], snapshot: &Estate) {
    for event in events.iter_mut() {
        let Some(call) = &event.listener else { continue };
        for change in &mut event.changes {
            let Effect::Set(stated) = &mut change.effect else { continue };
            let span = Span::new(event.file.clone(), change.line, change.column);
            resolve_rule(stated, call, &span, snapshot);
        }
    }
}

fn resolve_rule(stated: &mut Stated, call: &ListenerCall, span: &Span, snapshot: &Estate) {
    let topology = &snapshot.topology;
    let unknown = |what: String, reason: &str| Unknown { what, reason: reason.into(), span: span.clone() };
    // The ports: each named group's, or the listener's own when the group
    // passes the client's port through; a target's own port beside it.
    let mut ports = PortSet::empty();
    let mut missing: Option<Unknown> = None;
    for arn in &call.target_groups {
        match topology.target_groups.iter().find(|g| same(&g.id, arn)) {
            Some(group) => match group_ports(group, call.port) {
                Some(p) => ports.union_in_place(&p),
                None => {
                    missing.get_or_insert_with(|| {
                        unknown(format!("target group {}", last_name(arn)), "its port is not in the snapshot")
                    });
                }
            },
            None => {
                missing.get_or_insert_with(|| {
                    unknown(format!("target group {}", last_name(arn)), "not in the snapshot (--state)")
                });
            }
        }
    }
    let ports = match missing {
        // What the snapshot shows is known; the rest decides nothing.
        Some(u) if ports.is_empty() => Known::from_unknown(u),
        _ => Known::Known(ports),
    };
    let sources = match (balancer(snapshot, call), call.port) {
        (Some(b), Some(port)) => admitted(b, snapshot, call, port),
        (Some(b), None) => Sources {
            unknown: vec![unknown(format!("load balancer {}", b.id), "the listener port is not in the call")],
            ..Default::default()
        },
        (None, _) => Sources {
            unknown: vec![unknown(
                format!("load balancer {}", call.load_balancer.as_deref().map(last_name).unwrap_or("(not named)")),
                "not in the snapshot (--state)",
            )],
            ..Default::default()
        },
    };
    stated.permits = Some(call.protocols().into_iter().map(|p| (p, ports.clone())).collect());
    stated.sources = Some(sources);
}

/// The ports a target group's targets receive on.
fn group_ports(group: &TargetGroup, listener_port: Option<u16>) -> Option<PortSet> {
    let mut set = PortSet::empty();
    match group.port.or(listener_port) {
        Some(p) => set.union_in_place(&PortSet::point(p)),
        None => return None,
    }
    if let Known::Known(members) = &group.members {
        for p in members.iter().filter_map(|m| m.port) {
            set.union_in_place(&PortSet::point(p));
        }
    }
    Some(set)
}

/// Who the load balancer admits on the listener port: what its security
/// groups allow (everyone when it has none, as an NLB without security
/// groups), private addresses only when it is internal.
fn admitted(balancer: &LoadBalancer, snapshot: &Estate, call: &ListenerCall, port: u16) -> Sources {
    let mut sources = Sources::default();
    if balancer.guards.is_empty() {
        sources.addrs = AddrSet::all();
    }
    for protocol in call.protocols() {
        let ProtoMatch::One(protocol) = protocol else { continue };
        for &layer in &balancer.guards {
            let Some(guard) = snapshot.layers.get(layer) else { continue };
            let lower = eval_layer(layer, guard, protocol, port, Bound::Lower);
            let upper = eval_layer(layer, guard, protocol, port, Bound::Upper);
            sources.addrs.union_in_place(&lower.addrs);
            for s in lower.internal {
                if !sources.internal.iter().any(|i| i.name == s.name) {
                    sources.internal.push(InternalSource { name: s.name });
                }
            }
            if upper.addrs != lower.addrs {
                sources.unknown.push(Unknown {
                    what: format!("security group {} of load balancer {}", guard.id, balancer.id),
                    reason: "a value of its rules is unknown".into(),
                    span: guard.span.clone(),
                });
            }
        }
    }
    if balancer.families == AddressFamilies::Ipv4 {
        sources.addrs = sources.addrs.intersect(&AddrSet::all_v4());
    }
    if balancer.scheme == Known::Known(Scheme::Internal) {
        // Not an internet path: only addresses inside the networks it
        // serves can connect.
        sources.addrs = sources.addrs.difference(public());
    }
    sources
}

/// Whether the snapshot still has the listener an opening event created:
/// its load balancer listening on the port and forwarding to one of the
/// target groups the call named. The targets are those groups; the
/// sources, the ones the change added (the snapshot decided them).
pub fn in_effect(snapshot: &Estate, call: &ListenerCall, change: &crate::Change) -> crate::judge::InEffect {
    let topology = &snapshot.topology;
    let (Some(balancer), Some(port)) = (balancer(snapshot, call), call.port) else {
        return crate::judge::InEffect { status: "unknown", sources: Vec::new(), targets: Vec::new() };
    };
    let mut targets: Vec<String> = Vec::new();
    for l in balancer.listeners.iter().filter(|l| matches!(&l.ports, Known::Known(p) if p.contains(port))) {
        for forward in &l.forwards {
            let Known::Known(id) = &forward.group else { continue };
            let Some(group) = topology.target_groups.get(id.index()) else { continue };
            if call.target_groups.iter().any(|arn| same(&group.id, arn)) {
                targets.push(group.id.clone());
            }
        }
    }
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        crate::judge::InEffect { status: "no", sources: Vec::new(), targets }
    } else {
        crate::judge::InEffect { status: "yes", sources: change.added.clone(), targets }
    }
}
