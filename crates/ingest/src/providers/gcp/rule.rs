//! One VPC firewall rule, whatever it was read from, turned into model
//! entries: for each `allow`/`deny` block, one entry per source range
//! (pointing at it) and one for its source tags and service accounts.
//!
//! As for Azure rules, a rule whose applicability is unknown (direction,
//! `disabled`, priority known only after apply) gets an unknown protocol,
//! and one whose priority is unknown is placed first, which bounds every
//! place it could really have.

use super::facts::{parse_ports, parse_protocol, DEFAULT_PRIORITY, PRIORITIES};
use super::{Applies, Firewall};
use crate::error::IngestError;
use crate::providers::fields::{error, read, shown, unknown};
use portcullis_model::{
    format_ports, Action, AddrSet, Cidr, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span,
    Unknown,
};
use portcullis_syntax::Value;

/// One `allow` / `deny` block (`allowed[]` / `denied[]` in the API).
#[derive(Clone, Debug)]
pub struct RawPerm {
    pub protocol: Option<Value>,
    pub ports: Vec<Value>,
    pub span: Span,
}

/// A firewall rule's fields, as an adapter found them.
#[derive(Clone, Debug)]
pub struct RawFirewall {
    pub name: Option<String>,
    pub span: Span,
    /// Ways to name its network (lower-cased).
    pub network: Vec<String>,
    pub priority: Option<Value>,
    pub direction: Option<Value>,
    pub disabled: Option<Value>,
    pub source_ranges: Vec<Value>,
    pub source_tags: Vec<Value>,
    pub source_service_accounts: Vec<Value>,
    pub target_tags: Vec<Value>,
    pub target_service_accounts: Vec<Value>,
    pub destination_ranges: Vec<Value>,
    pub allowed: Vec<RawPerm>,
    pub denied: Vec<RawPerm>,
    /// `allow` / `deny` blocks that cannot be read (known only after
    /// apply, or not blocks at all), with the action they would have.
    pub perms_unknown: Vec<(Action, Value)>,
}

impl RawFirewall {
    pub fn new(span: Span) -> Self {
        RawFirewall {
            name: None,
            span,
            network: Vec::new(),
            priority: None,
            direction: None,
            disabled: None,
            source_ranges: Vec::new(),
            source_tags: Vec::new(),
            source_service_accounts: Vec::new(),
            target_tags: Vec::new(),
            target_service_accounts: Vec::new(),
            destination_ranges: Vec::new(),
            allowed: Vec::new(),
            denied: Vec::new(),
            perms_unknown: Vec::new(),
        }
    }
}

fn texts(list: &[Value], what: &str) -> Result<Vec<String>, Unknown> {
    let mut out = Vec::new();
    for r in list {
        match read(r).0 {
            Ok(t) => out.push(t.trim().to_string()),
            Err(reason) => return Err(unknown(what, reason, &r.span)),
        }
    }
    Ok(out)
}

/// Builds an enabled ingress rule. Egress and disabled rules give `None`,
/// as do rules with nothing to allow or deny (reported).
pub fn build(raw: &RawFirewall, id: &str, errors: &mut Vec<IngestError>) -> Option<Firewall> {
    let name = raw.name.clone().unwrap_or_else(|| id.to_string());
    let mut applies_unknown: Vec<Unknown> = Vec::new();
    let mut notes = Vec::new();

    match raw.direction.as_ref().map(read) {
        None => {}
        Some((Err(r), span)) => applies_unknown.push(unknown("direction", r, span)),
        Some((Ok(t), span)) => match t.trim().to_ascii_uppercase().as_str() {
            "INGRESS" => {}
            // Egress rules decide what leaves; the implied allow-egress
            // rule does not matter to who can connect.
            "EGRESS" => return None,
            _ => {
                error(errors, span, format!("firewall {name}: `direction` should be INGRESS or EGRESS, found `{t}`"));
                applies_unknown.push(unknown("direction", format!("invalid direction `{t}`"), span));
            }
        },
    }
    match raw.disabled.as_ref().map(read) {
        None => {}
        Some((Err(r), span)) => applies_unknown.push(unknown("disabled", r, span)),
        Some((Ok(t), span)) => match t.trim().to_ascii_lowercase().as_str() {
            "false" => {}
            // A disabled rule is not enforced.
            "true" => return None,
            _ => {
                error(errors, span, format!("firewall {name}: `disabled` should be true or false, found `{t}`"));
                applies_unknown.push(unknown("disabled", format!("invalid value `{t}`"), span));
            }
        },
    }
    let priority: Option<i64> = match raw.priority.as_ref().map(read) {
        None => Some(DEFAULT_PRIORITY),
        Some((Err(r), span)) => {
            applies_unknown.push(unknown("priority", format!("{r}: the rule's place in the order is unknown"), span));
            None
        }
        Some((Ok(t), span)) => match t.trim().parse::<i64>() {
            Ok(p) => {
                if !PRIORITIES.contains(&p) {
                    error(errors, span, format!("firewall {name}: priority {p} is outside 0-65535"));
                }
                Some(p)
            }
            Err(_) => {
                error(errors, span, format!("firewall {name}: `priority` should be a whole number, found `{t}`"));
                applies_unknown.push(unknown("priority", format!("invalid priority `{t}`"), span));
                None
            }
        },
    };
    let order = priority.unwrap_or(i64::MIN);
    let prio_shown = priority.map_or("?".to_string(), |p| p.to_string());

    let applies = match (
        texts(&raw.target_tags, "target_tags"),
        texts(&raw.target_service_accounts, "target_service_accounts"),
    ) {
        (Err(u), _) | (_, Err(u)) => Applies::Unknown(u),
        (Ok(t), Ok(s)) if !t.is_empty() && !s.is_empty() => {
            error(
                errors,
                &raw.span,
                format!("firewall {name}: target tags and target service accounts cannot be combined"),
            );
            Applies::Unknown(unknown("targets", "both target tags and target service accounts", &raw.span))
        }
        (Ok(t), Ok(_)) if !t.is_empty() => Applies::Tags(t),
        (Ok(_), Ok(s)) if !s.is_empty() => Applies::ServiceAccounts(s),
        _ => Applies::All,
    };

    if raw.allowed.is_empty() && raw.denied.is_empty() && raw.perms_unknown.is_empty() {
        error(errors, &raw.span, format!("firewall {name}: no `allow` or `deny` block: it matches nothing"));
        return None;
    }
    if !raw.allowed.is_empty() && !raw.denied.is_empty() {
        error(errors, &raw.span, format!("firewall {name}: a rule has either `allow` or `deny` blocks, not both"));
    }
    let action = if raw.denied.is_empty() && !raw.perms_unknown.iter().any(|(a, _)| *a == Action::Deny) {
        Action::Allow
    } else {
        Action::Deny
    };

    // Destination ranges narrow which of the network's addresses the rule
    // guards; the target's own address is not in the input.
    if let Some(d) = raw.destination_ranges.first() {
        if action == Action::Deny {
            notes.push(format!(
                "deny rule {name} (priority {prio_shown}) is not counted: it applies only to destination {}, \
                 and the target's address is not in the input",
                shown(d)
            ));
            return Some(Firewall {
                id: id.to_string(),
                span: raw.span.clone(),
                network: raw.network.clone(),
                priority,
                action,
                applies,
                entries: Vec::new(),
                notes,
            });
        }
        notes.push(format!(
            "allow rule {name} (priority {prio_shown}) applies only to destination {}: counted for every target",
            shown(d)
        ));
    }

    // Sources: ranges OR tags OR service accounts; none at all is 0.0.0.0/0.
    let mut sources: Vec<(Span, String, Sources, bool)> = Vec::new();
    for r in &raw.source_ranges {
        let s = match read(r).0 {
            Err(reason) => Sources { unknown: vec![unknown("source_ranges", reason, &r.span)], ..Default::default() },
            Ok(t) => match Cidr::parse(t) {
                Ok(c) => Sources { addrs: c.to_set(), ..Default::default() },
                Err(e) => {
                    error(errors, &r.span, format!("firewall {name}: source range: {e}"));
                    let u = unknown("source_ranges", format!("invalid range `{t}`"), &r.span);
                    Sources { unknown: vec![u], ..Default::default() }
                }
            },
        };
        sources.push((r.span.clone(), shown(r), s, false));
    }
    let mut internal = Vec::new();
    for (list, prefix) in [(&raw.source_tags, "tag:"), (&raw.source_service_accounts, "serviceAccount:")] {
        for r in list {
            let n = match read(r).0 {
                Ok(t) => t.trim().to_string(),
                Err(_) => "(unknown)".into(),
            };
            internal.push((r.span.clone(), InternalSource { name: format!("{prefix}{n}") }));
        }
    }
    if let Some((span, _)) = internal.first() {
        let names: Vec<String> = internal.iter().map(|(_, i)| i.name.clone()).collect();
        let s = Sources { internal: internal.iter().map(|(_, i)| i.clone()).collect(), ..Default::default() };
        sources.push((span.clone(), names.join(", "), s, false));
    }
    if sources.is_empty() {
        let s = Sources { addrs: AddrSet::all_v4(), ..Default::default() };
        sources.push((raw.span.clone(), "0.0.0.0/0 (no source given: the default)".into(), s, true));
    }

    let mut entries = Vec::new();
    let mut perms: Vec<(Action, Known<ProtoMatch>, Known<PortSet>, Span)> = Vec::new();
    for (act, list) in [(Action::Allow, &raw.allowed), (Action::Deny, &raw.denied)] {
        for p in list {
            let proto = match p.protocol.as_ref().map(read) {
                None => {
                    error(errors, &p.span, format!("firewall {name}: a block without `protocol`"));
                    Known::from_unknown(unknown("protocol", "not given", &p.span))
                }
                Some((Err(r), span)) => Known::from_unknown(unknown("protocol", r, span)),
                Some((Ok(t), span)) => match parse_protocol(t) {
                    Some(pm) => Known::Known(pm),
                    None => {
                        error(errors, span, format!("firewall {name}: unknown protocol `{t}`"));
                        Known::from_unknown(unknown("protocol", format!("unknown protocol `{t}`"), span))
                    }
                },
            };
            let mut set = PortSet::empty();
            let mut unk = None;
            for r in &p.ports {
                match read(r).0 {
                    Err(reason) => {
                        unk.get_or_insert_with(|| unknown("ports", reason, &r.span));
                    }
                    Ok(t) => match parse_ports(t) {
                        Ok(ps) => set.union_in_place(&ps),
                        Err(msg) => {
                            error(errors, &r.span, format!("firewall {name}: ports: {msg}"));
                            unk.get_or_insert_with(|| unknown("ports", msg, &r.span));
                        }
                    },
                }
            }
            let ports = match unk {
                Some(u) => Known::from_unknown(u),
                None if p.ports.is_empty() => Known::Known(PortSet::full()),
                None => Known::Known(set),
            };
            perms.push((act, proto, ports, p.span.clone()));
        }
    }
    for (act, r) in &raw.perms_unknown {
        let reason = match read(r).0 {
            Err(reason) => reason.to_string(),
            Ok(t) => format!("not a block: `{t}`"),
        };
        let u = unknown(if *act == Action::Allow { "allow" } else { "deny" }, reason, &r.span);
        perms.push((*act, Known::from_unknown(u.clone()), Known::from_unknown(u), r.span.clone()));
    }
    for (act, proto, ports, _) in perms {
        let proto_shown = match &proto {
            Known::Known(p) => p.to_string(),
            Known::Unknown(_) => "(unknown protocol)".into(),
        };
        let ports_shown = match (&proto, &ports) {
            (Known::Known(ProtoMatch::All), _) => String::new(),
            (_, Known::Known(ps)) => format!(" {}", format_ports(ps)),
            (_, Known::Unknown(_)) => " (unknown ports)".into(),
        };
        let protocol = match applies_unknown.first() {
            Some(u) => Known::from_unknown(u.clone()),
            None => proto,
        };
        let word = if act == Action::Allow { "allow" } else { "deny" };
        for (span, shown, s, default) in &sources {
            entries.push(Entry {
                resource: id.to_string(),
                label: format!("priority {prio_shown} {name}: {word} {proto_shown}{ports_shown} from {shown}"),
                span: span.clone(),
                origin: if *default {
                    Origin::Default("GCP's default source for an ingress rule, 0.0.0.0/0".into())
                } else {
                    Origin::Explicit
                },
                action: act,
                protocol: protocol.clone(),
                ports: ports.clone(),
                sources: s.clone(),
                order,
            });
        }
    }
    Some(Firewall {
        id: id.to_string(),
        span: raw.span.clone(),
        network: raw.network.clone(),
        priority,
        action,
        applies,
        entries,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fields::text;
    use portcullis_model::Protocol;
    use std::sync::Arc;

    fn sp(line: u32) -> Span {
        Span::new(Arc::from("t.json"), line, 1)
    }

    fn fw(proto: &str, ports: &[&str], ranges: &[&str]) -> RawFirewall {
        let mut r = RawFirewall::new(sp(1));
        r.name = Some("fw".into());
        r.allowed.push(RawPerm {
            protocol: Some(text(proto, sp(2))),
            ports: ports.iter().map(|p| text(*p, sp(3))).collect(),
            span: sp(2),
        });
        r.source_ranges = ranges.iter().map(|c| text(*c, sp(4))).collect();
        r
    }

    #[test]
    fn defaults_priority_1000_ingress_all_instances() {
        let mut errs = Vec::new();
        let f = build(&fw("tcp", &["10257"], &["0.0.0.0/0"]), "fw", &mut errs).expect("a rule");
        assert!(errs.is_empty());
        assert_eq!(f.priority, Some(1000));
        assert_eq!(f.applies, Applies::All);
        assert_eq!(f.entries[0].order, 1000);
        assert_eq!(f.entries[0].ports, Known::Known(PortSet::point(10257)));
        assert_eq!(f.entries[0].span.line, 4);
    }

    #[test]
    fn no_ports_is_every_port_and_all_ignores_ports() {
        let mut errs = Vec::new();
        let f = build(&fw("tcp", &[], &["10.0.0.0/8"]), "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries[0].ports, Known::Known(PortSet::full()));
        let f = build(&fw("all", &[], &["10.0.0.0/8"]), "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries[0].protocol, Known::Known(ProtoMatch::All));
        let f = build(&fw("6", &["10250-10260"], &["10.0.0.0/8"]), "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries[0].protocol, Known::Known(ProtoMatch::One(Protocol::TCP)));
        assert!(errs.is_empty());
    }

    #[test]
    fn egress_and_disabled_rules_give_nothing() {
        let mut errs = Vec::new();
        let mut r = fw("tcp", &["10257"], &["0.0.0.0/0"]);
        r.direction = Some(text("EGRESS", sp(5)));
        assert!(build(&r, "fw", &mut errs).is_none());
        let mut r = fw("tcp", &["10257"], &["0.0.0.0/0"]);
        r.disabled = Some(text("true", sp(5)));
        assert!(build(&r, "fw", &mut errs).is_none());
        assert!(errs.is_empty());
    }

    #[test]
    fn ranges_or_tags_and_tags_alone_are_internal() {
        let mut errs = Vec::new();
        let mut r = fw("tcp", &["10257"], &["0.0.0.0/0"]);
        r.source_tags = vec![text("web", sp(6))];
        let f = build(&r, "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries.len(), 2, "one entry for the range, one for the tags");
        assert_eq!(f.entries[0].sources.addrs, AddrSet::all_v4());
        assert_eq!(f.entries[1].sources.internal[0].name, "tag:web");
        let mut r = fw("tcp", &["10257"], &[]);
        r.source_tags = vec![text("web", sp(6))];
        let f = build(&r, "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries.len(), 1);
        assert!(f.entries[0].sources.addrs.is_empty());
    }

    #[test]
    fn no_source_is_the_ipv4_internet() {
        let mut errs = Vec::new();
        let f = build(&fw("tcp", &["10257"], &[]), "fw", &mut errs).expect("a rule");
        assert_eq!(f.entries[0].sources.addrs, AddrSet::all_v4());
        assert!(matches!(f.entries[0].origin, Origin::Default(_)));
    }

    #[test]
    fn target_tags_narrow_instances_not_sources() {
        let mut errs = Vec::new();
        let mut r = fw("tcp", &["10257"], &["0.0.0.0/0"]);
        r.target_tags = vec![text("cp", sp(7))];
        let f = build(&r, "fw", &mut errs).expect("a rule");
        assert_eq!(f.applies, Applies::Tags(vec!["cp".into()]));
        assert_eq!(f.entries[0].sources.addrs, AddrSet::all_v4());
    }

    #[test]
    fn invalid_values_are_errors_and_unknowns() {
        let mut errs = Vec::new();
        let f = build(&fw("tcpp", &["ten"], &["10.0.0.0/33"]), "fw", &mut errs).expect("a rule");
        assert_eq!(errs.len(), 3);
        assert!(matches!(f.entries[0].protocol, Known::Unknown(_)));
        assert!(matches!(f.entries[0].ports, Known::Unknown(_)));
        assert!(!f.entries[0].sources.unknown.is_empty());
    }

    #[test]
    fn unknown_priority_is_first_with_unknown_match() {
        let mut errs = Vec::new();
        let mut r = fw("tcp", &["10257"], &["0.0.0.0/0"]);
        r.priority = Some(Value::unknown("known only after apply", sp(8)));
        let f = build(&r, "fw", &mut errs).expect("a rule");
        assert_eq!(f.priority, None);
        assert_eq!(f.entries[0].order, i64::MIN);
        assert!(matches!(f.entries[0].protocol, Known::Unknown(_)));
    }
}
