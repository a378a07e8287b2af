//! `kubernetes_service` and `kubernetes_service_v1` (Terraform kubernetes
//! provider, the Terraform Registry docs of hashicorp/kubernetes)
//! → Services that reach outside the cluster. See the module above for
//! the facts.

use super::facts::{is_internal_annotation, SOURCE_RANGES_ANNOTATION};
use super::{KubernetesItems, Service};
use crate::error::IngestError;
use crate::languages::terraform::refs::{blocks, first_block};
use crate::languages::terraform::resource::Resource;
use crate::providers::fields::{error, from_value, list_from_value, read, unknown};
use portcullis_model::named::non_public;
use portcullis_model::{
    format_ports, Action, AddrSet, Cidr, Entry, Known, Origin, PortSet, ProtoMatch, Protocol, Sources, Span, Unknown,
};
use portcullis_syntax::{Kind, Value};

fn port_number(errors: &mut Vec<IngestError>, r: Option<Value>, what: &str) -> Option<Result<u16, Unknown>> {
    let r = r?;
    Some(match read(&r).0 {
        Err(reason) => Err(unknown(what, reason, &r.span)),
        Ok(t) => match t.trim().parse::<u16>() {
            Ok(p) => Ok(p),
            Err(_) => {
                error(errors, &r.span, format!("`{what}` should be a port number 0-65535, found `{t}`"));
                Err(unknown(what, format!("invalid port `{t}`"), &r.span))
            }
        },
    })
}

fn label_of(r: &Resource) -> String {
    let md = first_block(r.values.get("metadata"));
    let get = |k: &str| md.and_then(|m| m.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty());
    match get("name") {
        Some(n) => format!("Service {}/{n}", get("namespace").unwrap_or("default")),
        None => format!("Service {}", r.address),
    }
}

/// Reads one Kubernetes Service; other types are ignored.
pub fn read_resource(errors: &mut Vec<IngestError>, r: &Resource, items: &mut KubernetesItems) {
    if !matches!(r.ty.as_str(), "kubernetes_service" | "kubernetes_service_v1") {
        return;
    }
    let Some(spec) = first_block(r.values.get("spec")) else { return };
    let shown = label_of(r);
    let mut notes = Vec::new();
    // Whether the Service reaches outside at all.
    let (kind, kind_unknown) = match spec.get("type").and_then(|v| from_value(errors, v, "type")).as_ref().map(read) {
        None => return,
        Some((Err(reason), span)) => ("LoadBalancer", Some(unknown("spec.type", reason, span))),
        Some((Ok(t), _)) => match t {
            "LoadBalancer" => ("LoadBalancer", None),
            "NodePort" => ("NodePort", None),
            _ => return,
        },
    };
    let families: Vec<String> = spec
        .get("ip_families")
        .map(|v| list_from_value(errors, v, "ip_families"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| match read(&r).0 {
            Ok(t) => Some(t.to_ascii_lowercase()),
            Err(_) => None,
        })
        .collect();
    let mut everyone = AddrSet::empty();
    if families.is_empty() || families.iter().any(|f| f == "ipv4") {
        everyone.union_in_place(&AddrSet::all_v4());
    }
    if families.iter().any(|f| f == "ipv6") {
        everyone.union_in_place(&AddrSet::all_v6());
    }

    // Who: the load balancer's source ranges, or the nodes' firewalls.
    let mut sources: Vec<(Span, String, Sources, bool)> = Vec::new();
    if kind == "LoadBalancer" {
        let ranges =
            spec.get("load_balancer_source_ranges").map(|v| list_from_value(errors, v, "load_balancer_source_ranges"));
        for rr in ranges.into_iter().flatten() {
            let s = match read(&rr).0 {
                Err(reason) => Sources {
                    unknown: vec![unknown("load_balancer_source_ranges", reason, &rr.span)],
                    ..Default::default()
                },
                Ok(t) => match Cidr::parse(t) {
                    Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
                    Err(e) => {
                        error(errors, &rr.span, format!("{shown}: load_balancer_source_ranges: {e}"));
                        let u = unknown("load_balancer_source_ranges", format!("invalid range `{t}`"), &rr.span);
                        Sources { unknown: vec![u], ..Default::default() }
                    }
                },
            };
            sources.push((rr.span.clone(), crate::providers::fields::shown(&rr), s, false));
        }
        // The annotations a manifest can carry mean the same here
        // (see [`super::facts`]): source ranges when the field is absent,
        // and an internal load balancer.
        let annotations: Vec<(String, String, Span)> = first_block(r.values.get("metadata"))
            .and_then(|m| m.get("annotations"))
            .map(|a| match &a.kind {
                Kind::Map(m) => {
                    m.iter().filter_map(|m| Some((m.key.clone(), m.value.text()?, m.value.span.clone()))).collect()
                }
                _ => Vec::new(),
            })
            .unwrap_or_default();
        if sources.is_empty() {
            if let Some((_, v, span)) = annotations.iter().find(|(k, _, _)| k == SOURCE_RANGES_ANNOTATION) {
                for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    let s = match Cidr::parse(t) {
                        Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
                        Err(e) => {
                            error(errors, span, format!("{shown}: {SOURCE_RANGES_ANNOTATION}: {e}"));
                            let u = unknown("load balancer source range", format!("invalid range `{t}`"), span);
                            Sources { unknown: vec![u], ..Default::default() }
                        }
                    };
                    sources.push((span.clone(), format!("{SOURCE_RANGES_ANNOTATION} {t}"), s, false));
                }
            }
        }
        if let Some((k, v, span)) = annotations.iter().find(|(k, v, _)| is_internal_annotation(k, v)) {
            // Internal: the network's private addresses, within the ranges
            // when there are any (as for a manifest).
            let mut set = non_public().clone();
            if !sources.is_empty() {
                let mut within = AddrSet::empty();
                for (_, _, s, _) in &sources {
                    within.union_in_place(&s.addrs);
                }
                set = set.intersect(&within);
            }
            sources = vec![(
                span.clone(),
                format!("internal load balancer ({k}: {v}): private addresses only"),
                Sources { addrs: set, ..Default::default() },
                false,
            )];
        }
        if sources.is_empty() {
            let shown_all = everyone.to_cidr_strings().join(" and ");
            let s = Sources { addrs: everyone.clone(), ..Default::default() };
            sources.push((spec.span.clone(), format!("{shown_all} (no load_balancer_source_ranges)"), s, true));
        }
        notes.push(
            "the node ports a LoadBalancer Service also opens are governed by the nodes' firewalls: not evaluated"
                .into(),
        );
    } else {
        let u = unknown(
            "node firewall",
            "a NodePort Service listens on every node: who reaches it is decided by the nodes' firewalls, not in this input",
            &spec.span,
        );
        sources.push((
            spec.span.clone(),
            "whoever reaches the nodes".into(),
            Sources { unknown: vec![u], ..Default::default() },
            false,
        ));
    }

    let port_blocks = match blocks(spec.get("port")) {
        Ok(b) => b,
        Err(v) => {
            let reason = v.unknown_reason().unwrap_or("not a list of ports").to_string();
            let u = unknown("spec.port", reason, &v.span);
            items.services.push(Service {
                id: r.address.clone(),
                span: r.span.clone(),
                layer_name: if kind == "LoadBalancer" { "load balancer source ranges" } else { "node firewalls" }
                    .into(),
                entries: vec![Entry {
                    resource: r.address.clone(),
                    label: format!("{shown} ports (unknown)"),
                    span: v.span.clone(),
                    origin: Origin::Explicit,
                    action: Action::Allow,
                    protocol: Known::from_unknown(u.clone()),
                    ports: Known::from_unknown(u),
                    sources: sources.first().map(|s| s.2.clone()).unwrap_or_default(),
                    order: 0,
                }],
                notes,
            });
            return;
        }
    };
    let mut entries = Vec::new();
    for b in port_blocks {
        let proto: Known<ProtoMatch> =
            match b.get("protocol").and_then(|v| from_value(errors, v, "protocol")).as_ref().map(read) {
                None => Known::Known(ProtoMatch::One(Protocol::TCP)),
                Some((Err(reason), span)) => Known::from_unknown(unknown("protocol", reason, span)),
                Some((Ok(t), span)) => match t.to_ascii_uppercase().as_str() {
                    "TCP" => Known::Known(ProtoMatch::One(Protocol::TCP)),
                    "UDP" => Known::Known(ProtoMatch::One(Protocol::UDP)),
                    "SCTP" => Known::Known(ProtoMatch::One(Protocol(132))),
                    _ => {
                        error(errors, span, format!("{shown}: protocol should be TCP, UDP or SCTP, found `{t}`"));
                        Known::from_unknown(unknown("protocol", format!("invalid protocol `{t}`"), span))
                    }
                },
            };
        let port_raw = b.get("port").and_then(|v| from_value(errors, v, "port"));
        let port = port_number(errors, port_raw, "port");
        let target_raw = b.get("target_port").and_then(|v| from_value(errors, v, "target_port"));
        let target = match target_raw.as_ref().map(read) {
            // A named port is a name in the pod's spec: its number is not
            // in the input. Documented limitation: only numbers count.
            Some((Ok(t), _)) if !t.trim().chars().all(|c| c.is_ascii_digit()) => {
                notes.push(format!("target_port `{t}` is a named port of the pods: its number is not evaluated"));
                None
            }
            _ => port_number(errors, target_raw.clone(), "target_port"),
        };
        let mut parts: Vec<Option<Result<u16, Unknown>>> = Vec::new();
        let mut set = PortSet::empty();
        if kind == "LoadBalancer" {
            parts.push(port.clone());
        } else {
            let node_raw = b.get("node_port").and_then(|v| from_value(errors, v, "node_port"));
            match port_number(errors, node_raw, "node_port") {
                None | Some(Ok(0)) => set
                    .union_in_place(&PortSet::range(super::facts::NODE_PORT_RANGE.0, super::facts::NODE_PORT_RANGE.1)),
                p => parts.push(p),
            }
        }
        // targetPort defaults to port.
        parts.push(if target_raw.is_none() { port } else { target });
        let mut unk: Option<Unknown> = None;
        for p in parts.into_iter().flatten() {
            match p {
                Ok(p) => set.union_in_place(&PortSet::point(p)),
                Err(u) => {
                    unk.get_or_insert(u);
                }
            }
        }
        let ports = match unk {
            Some(u) => Known::from_unknown(u),
            None => Known::Known(set),
        };
        let ports_shown = match &ports {
            Known::Known(ps) => format_ports(ps),
            Known::Unknown(_) => "(unknown ports)".into(),
        };
        let proto_shown = match &proto {
            Known::Known(p) => p.to_string(),
            Known::Unknown(_) => "(unknown protocol)".into(),
        };
        let protocol = match &kind_unknown {
            Some(u) => Known::from_unknown(u.clone()),
            None => proto,
        };
        for (span, src, s, default) in &sources {
            entries.push(Entry {
                resource: r.address.clone(),
                label: format!("{shown} {kind}: {proto_shown} {ports_shown} from {src}"),
                span: span.clone(),
                origin: if *default {
                    Origin::Default("a load balancer without source ranges admits every source".into())
                } else {
                    Origin::Explicit
                },
                action: Action::Allow,
                protocol: protocol.clone(),
                ports: ports.clone(),
                sources: s.clone(),
                order: 0,
            });
        }
    }
    items.services.push(Service {
        id: r.address.clone(),
        span: r.span.clone(),
        layer_name: if kind == "LoadBalancer" { "load balancer source ranges" } else { "node firewalls" }.into(),
        entries,
        notes,
    });
}
