//! One NSG security rule, whatever it was read from, turned into model
//! entries: one entry per source prefix, each pointing at that prefix.
//!
//! What cannot be known or is invalid becomes an unknown (and, when the
//! input is wrong, an error with its position): a broken rule never passes
//! silently. When a rule's *applicability* is unknown (its direction, its
//! action or its priority), its protocol is made unknown: the engine then
//! lets it match under the bound it helps and not under the other. A rule
//! whose priority is unknown is placed first: an allow placed earlier only
//! admits more and a deny placed earlier only admits less, so "first, or
//! not at all" bounds every place it could really have. A rule with no
//! priority at all (which Azure rejects) is reported and read as written,
//! after the rules that have one.

use super::facts::{
    action_word, destination_is_everything, parse_port_range, parse_prefix, parse_protocol, service_tag_reason,
    service_tag_what, Prefix, USER_PRIORITIES,
};
use crate::error::IngestError;
use crate::providers::fields::{error, read, shown, unknown};
use portcullis_model::{
    format_ports, Action, Entry, InternalSource, Known, Origin, PortSet, ProtoMatch, Sources, Span, Unknown,
};
use portcullis_syntax::Value;

/// A security rule's fields, as an adapter found them. Singular and plural
/// fields (`source_address_prefix` and `source_address_prefixes`) are
/// merged into one list by the adapter.
#[derive(Clone, Debug)]
pub struct RawRule {
    pub name: Option<String>,
    /// The rule object (block, JSON object, resource).
    pub span: Span,
    /// One of the NSG's `defaultSecurityRules`: priorities 65000+ are fine.
    pub is_default: bool,
    pub priority: Option<Value>,
    pub direction: Option<Value>,
    pub access: Option<Value>,
    pub protocol: Option<Value>,
    pub src_prefixes: Vec<Value>,
    /// Application security groups (ids or references).
    pub src_asgs: Vec<Value>,
    pub src_ports: Vec<Value>,
    pub dst_ports: Vec<Value>,
    pub dst_prefixes: Vec<Value>,
    pub dst_asgs: Vec<Value>,
}

impl RawRule {
    pub fn new(span: Span) -> Self {
        RawRule {
            name: None,
            span,
            is_default: false,
            priority: None,
            direction: None,
            access: None,
            protocol: None,
            src_prefixes: Vec::new(),
            src_asgs: Vec::new(),
            src_ports: Vec::new(),
            dst_ports: Vec::new(),
            dst_prefixes: Vec::new(),
            dst_asgs: Vec::new(),
        }
    }
}

/// What a rule became.
#[derive(Clone, Debug, Default)]
pub struct Built {
    pub entries: Vec<Entry>,
    /// Facts about the rule a reader needs (a deny that is not counted).
    pub notes: Vec<String>,
    /// The priority when known, to find two rules that share one.
    pub priority: Option<i64>,
}

/// Where a rule without a priority is placed: after every valid user rule
/// (100-4096), before the default rules (65000+).
pub const AFTER_USER_RULES: i64 = 4097;

/// Builds the inbound entries of one rule. Outbound rules give nothing.
pub fn build(raw: &RawRule, resource: &str, errors: &mut Vec<IngestError>) -> Built {
    let mut out = Built::default();
    let name = raw.name.clone().unwrap_or_else(|| "(unnamed)".into());
    // Whether the rule applies at all; unknown parts are collected.
    let mut applies: Vec<Unknown> = Vec::new();

    match raw.direction.as_ref().map(read) {
        None => {
            error(errors, &raw.span, format!("security rule {name}: `direction` is required (Inbound or Outbound)"));
            applies.push(unknown("direction", "not given", &raw.span));
        }
        Some((Err(r), span)) => applies.push(unknown("direction", r, span)),
        Some((Ok(t), span)) => match t.trim().to_ascii_lowercase().as_str() {
            "inbound" => {}
            // Outbound rules decide what leaves, not who can connect.
            "outbound" => return out,
            _ => {
                error(
                    errors,
                    span,
                    format!("security rule {name}: `direction` should be Inbound or Outbound, found `{t}`"),
                );
                applies.push(unknown("direction", format!("invalid direction `{t}`"), span));
            }
        },
    }

    // An unknown action is read as an allow whose match is unknown, as for
    // AWS network ACL entries.
    let action = match raw.access.as_ref().map(read) {
        None => {
            error(errors, &raw.span, format!("security rule {name}: `access` is required (Allow or Deny)"));
            applies.push(unknown("access", "not given", &raw.span));
            Action::Allow
        }
        Some((Err(r), span)) => {
            applies.push(unknown("access", r, span));
            Action::Allow
        }
        Some((Ok(t), span)) => match t.trim().to_ascii_lowercase().as_str() {
            "allow" => Action::Allow,
            "deny" => Action::Deny,
            _ => {
                error(errors, span, format!("security rule {name}: `access` should be Allow or Deny, found `{t}`"));
                applies.push(unknown("access", format!("invalid access `{t}`"), span));
                Action::Allow
            }
        },
    };

    let mut order_unknown = false;
    let order = match raw.priority.as_ref().map(read) {
        // Azure rejects a rule without a priority; the rule is still read
        // as written (conformance convention 9: what it says about sources,
        // protocol, ports, direction and action), after every rule that has
        // one and before the default rules. Alone in its NSG, that is exact.
        None => {
            error(
                errors,
                &raw.span,
                format!("security rule {name}: `priority` is required (100-4096); evaluated after the other rules"),
            );
            order_unknown = true;
            AFTER_USER_RULES
        }
        Some((Err(r), span)) => {
            applies.push(unknown("priority", format!("{r}: the rule's place in the order is unknown"), span));
            order_unknown = true;
            i64::MIN
        }
        Some((Ok(t), span)) => match t.trim().parse::<i64>() {
            Ok(p) => {
                if !raw.is_default && !USER_PRIORITIES.contains(&p) {
                    error(errors, span, format!("security rule {name}: priority {p} is outside 100-4096"));
                }
                out.priority = Some(p);
                p
            }
            Err(_) => {
                error(errors, span, format!("security rule {name}: `priority` should be a whole number, found `{t}`"));
                applies.push(unknown("priority", format!("invalid priority `{t}`"), span));
                order_unknown = true;
                i64::MIN
            }
        },
    };

    let mut protocol: Known<ProtoMatch> = match raw.protocol.as_ref().map(read) {
        None => {
            error(errors, &raw.span, format!("security rule {name}: `protocol` is required"));
            Known::from_unknown(unknown("protocol", "not given", &raw.span))
        }
        Some((Err(r), span)) => Known::from_unknown(unknown("protocol", r, span)),
        Some((Ok(t), span)) => match parse_protocol(t) {
            Some(p) => Known::Known(p),
            None => {
                error(
                    errors,
                    span,
                    format!("security rule {name}: unknown protocol `{t}` (expected Tcp, Udp, Icmp, Esp, Ah or *)"),
                );
                Known::from_unknown(unknown("protocol", format!("unknown protocol `{t}`"), span))
            }
        },
    };
    let proto_shown = match &protocol {
        Known::Known(p) => p.to_string(),
        Known::Unknown(_) => "(unknown protocol)".into(),
    };
    if let Some(u) = applies.first() {
        protocol = Known::from_unknown(u.clone());
    }

    let ports: Known<PortSet> = if raw.dst_ports.is_empty() {
        error(errors, &raw.span, format!("security rule {name}: no destination port (destination_port_range(s))"));
        Known::from_unknown(unknown("destination port", "not given", &raw.span))
    } else {
        let mut set = PortSet::empty();
        let mut unk: Option<Unknown> = None;
        for p in &raw.dst_ports {
            match read(p).0 {
                Err(r) => {
                    unk.get_or_insert_with(|| unknown("destination port", r, &p.span));
                }
                Ok(t) => match parse_port_range(t) {
                    Ok(ps) => set.union_in_place(&ps),
                    Err(msg) => {
                        error(errors, &p.span, format!("security rule {name}: destination port: {msg}"));
                        unk.get_or_insert_with(|| unknown("destination port", msg, &p.span));
                    }
                },
            }
        }
        match unk {
            Some(u) => Known::from_unknown(u),
            None => Known::Known(set),
        }
    };

    // A client picks its source port, so a source-port condition never
    // stops a connection: an allow with one still admits (counted), a deny
    // with one can be walked around (not counted).
    let mut src_ports_limited = None;
    for p in &raw.src_ports {
        match read(p).0 {
            Ok(t) if t.trim() == "*" => {}
            Ok(t) => {
                if let Err(msg) = parse_port_range(t) {
                    error(errors, &p.span, format!("security rule {name}: source port: {msg}"));
                }
                src_ports_limited.get_or_insert_with(|| t.trim().to_string());
            }
            Err(_) => {
                src_ports_limited.get_or_insert_with(|| "(unknown)".to_string());
            }
        }
    }
    // A destination narrower than everything behind the NSG: the target's
    // own address is not in the input, so an allow is counted (it may
    // apply) and a deny is not (it may not).
    let mut dst_limited: Option<String> = None;
    for p in &raw.dst_prefixes {
        let narrow = match read(p).0 {
            Ok(t) => !destination_is_everything(t),
            Err(_) => true,
        };
        if narrow {
            dst_limited.get_or_insert_with(|| shown(p));
        }
    }
    if let Some(a) = raw.dst_asgs.first() {
        dst_limited.get_or_insert_with(|| format!("application security group {}", shown(a)));
    }

    let prio_shown = if order_unknown { "(none)".to_string() } else { order.to_string() };
    if action == Action::Deny {
        if let Some(sp) = &src_ports_limited {
            out.notes.push(format!(
                "deny rule {name} (priority {prio_shown}) is not counted: it matches only source ports {sp}, \
                 and a client picks its source port"
            ));
            return out;
        }
        if let Some(d) = &dst_limited {
            out.notes.push(format!(
                "deny rule {name} (priority {prio_shown}) is not counted: it applies only to destination {d}, \
                 and the target's address is not in the input"
            ));
            return out;
        }
    } else if let Some(d) = &dst_limited {
        out.notes.push(format!(
            "allow rule {name} (priority {prio_shown}) applies only to destination {d}: counted for every target \
             behind the NSG, as the target's address is not in the input"
        ));
    }

    let ports_shown = match &ports {
        Known::Known(ps) => format_ports(ps),
        Known::Unknown(_) => "(unknown ports)".into(),
    };
    let origin = if raw.is_default { Origin::Default(format!("Azure default rule {name}")) } else { Origin::Explicit };
    let push = |out: &mut Built, span: &Span, src: &str, sources: Sources| {
        out.entries.push(Entry {
            resource: resource.to_string(),
            label: format!(
                "priority {prio_shown} {name}: {} {proto_shown} {ports_shown} from {src}",
                action_word(action)
            ),
            span: span.clone(),
            origin: origin.clone(),
            action,
            protocol: protocol.clone(),
            ports: ports.clone(),
            sources,
            order,
        });
    };

    for p in &raw.src_prefixes {
        let sources = match read(p).0 {
            Err(r) => Sources { unknown: vec![unknown("source address prefix", r, &p.span)], ..Default::default() },
            Ok(t) => match parse_prefix(t) {
                Prefix::Addrs(addrs) => Sources { addrs, ..Default::default() },
                Prefix::Internal(i) => Sources { internal: vec![i], ..Default::default() },
                Prefix::ServiceTag(tag) => Sources {
                    unknown: vec![unknown(&service_tag_what(&tag), service_tag_reason(&tag), &p.span)],
                    ..Default::default()
                },
                Prefix::Invalid(msg) => {
                    error(errors, &p.span, format!("security rule {name}: source address prefix: {msg}"));
                    Sources {
                        unknown: vec![unknown("source address prefix", format!("invalid prefix `{t}`"), &p.span)],
                        ..Default::default()
                    }
                }
            },
        };
        push(&mut out, &p.span, &shown(p), sources);
    }
    for a in &raw.src_asgs {
        // An application security group is a set of interfaces in the
        // network: internal, whatever its id.
        let id = match read(a).0 {
            Ok(t) => t.rsplit('/').next().unwrap_or(t).to_string(),
            Err(_) => "(unknown)".into(),
        };
        let name = format!("asg:{id}");
        let s = Sources { internal: vec![InternalSource { name: name.clone() }], ..Default::default() };
        push(&mut out, &a.span, &name, s);
    }
    if raw.src_prefixes.is_empty() && raw.src_asgs.is_empty() {
        error(errors, &raw.span, format!("security rule {name}: no source (source_address_prefix(es))"));
        let s =
            Sources { unknown: vec![unknown("source address prefix", "not given", &raw.span)], ..Default::default() };
        push(&mut out, &raw.span, "(no source)", s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fields::text;
    use portcullis_model::named::public;
    use portcullis_model::{AddrSet, Protocol};
    use std::sync::Arc;

    fn sp(line: u32) -> Span {
        Span::new(Arc::from("t.json"), line, 1)
    }

    fn rule(prio: &str, access: &str, proto: &str, port: &str, src: &str) -> RawRule {
        let mut r = RawRule::new(sp(1));
        r.name = Some("r".into());
        r.priority = Some(text(prio, sp(2)));
        r.direction = Some(text("Inbound", sp(3)));
        r.access = Some(text(access, sp(4)));
        r.protocol = Some(text(proto, sp(5)));
        r.dst_ports = vec![text(port, sp(6))];
        r.src_prefixes = vec![text(src, sp(7))];
        r
    }

    #[test]
    fn allow_internet_tcp_port() {
        let mut errs = Vec::new();
        let b = build(&rule("100", "Allow", "Tcp", "10257", "Internet"), "nsg", &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(b.entries.len(), 1);
        let e = &b.entries[0];
        assert_eq!(e.order, 100);
        assert_eq!(e.action, Action::Allow);
        assert_eq!(e.protocol, Known::Known(ProtoMatch::One(Protocol::TCP)));
        assert_eq!(e.ports, Known::Known(PortSet::point(10257)));
        assert_eq!(&e.sources.addrs, public());
        assert_eq!(e.span.line, 7, "the entry points at its source prefix");
    }

    #[test]
    fn outbound_rules_give_nothing() {
        let mut r = rule("100", "Allow", "*", "*", "*");
        r.direction = Some(text("Outbound", sp(3)));
        let mut errs = Vec::new();
        assert!(build(&r, "nsg", &mut errs).entries.is_empty());
        assert!(errs.is_empty());
    }

    #[test]
    fn comma_port_list_is_an_error_and_unknown() {
        let mut errs = Vec::new();
        let b = build(&rule("100", "Allow", "Tcp", "22,10257", "*"), "nsg", &mut errs);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 6);
        assert!(errs[0].message.contains("SecurityRuleInvalidPortRange"));
        assert!(matches!(b.entries[0].ports, Known::Unknown(_)));
    }

    #[test]
    fn service_tag_is_an_unknown_source() {
        let mut errs = Vec::new();
        let b = build(&rule("100", "Allow", "Tcp", "10257", "AzureCloud"), "nsg", &mut errs);
        assert!(errs.is_empty());
        let e = &b.entries[0];
        assert!(e.sources.addrs.is_empty());
        assert_eq!(e.sources.unknown[0].what, "service tag AzureCloud");
        assert!(e.sources.unknown[0].reason.contains("address ranges are not in the input"));
    }

    #[test]
    fn deny_with_source_ports_is_not_counted() {
        let mut r = rule("100", "Deny", "Tcp", "10257", "*");
        r.src_ports = vec![text("1024-65535", sp(8))];
        let mut errs = Vec::new();
        let b = build(&r, "nsg", &mut errs);
        assert!(b.entries.is_empty());
        assert!(b.notes[0].contains("source ports"));
    }

    #[test]
    fn deny_to_one_destination_is_not_counted_allow_is() {
        let mut d = rule("100", "Deny", "Tcp", "10257", "*");
        d.dst_prefixes = vec![text("10.0.1.4", sp(9))];
        let mut errs = Vec::new();
        assert!(build(&d, "nsg", &mut errs).entries.is_empty());
        let mut a = rule("100", "Allow", "Tcp", "10257", "*");
        a.dst_prefixes = vec![text("10.0.1.4", sp(9))];
        let b = build(&a, "nsg", &mut errs);
        assert_eq!(b.entries.len(), 1);
        assert_eq!(b.notes.len(), 1);
        // `*`, VirtualNetwork: every target.
        let mut all = rule("100", "Deny", "Tcp", "10257", "*");
        all.dst_prefixes = vec![text("VirtualNetwork", sp(9))];
        assert_eq!(build(&all, "nsg", &mut errs).entries.len(), 1);
        assert!(errs.is_empty());
    }

    #[test]
    fn missing_priority_is_an_error_and_the_rule_comes_after_the_others() {
        let mut r = rule("100", "Allow", "Tcp", "10257", "*");
        r.priority = None;
        let mut errs = Vec::new();
        let b = build(&r, "nsg", &mut errs);
        assert_eq!(errs.len(), 1);
        assert_eq!(b.entries[0].order, AFTER_USER_RULES);
        assert_eq!(b.entries[0].protocol, Known::Known(ProtoMatch::One(Protocol::TCP)), "read as written");
    }

    #[test]
    fn unknown_priority_is_first_with_an_unknown_match() {
        let mut r = rule("100", "Allow", "Tcp", "10257", "*");
        r.priority = Some(Value::unknown("known after apply", sp(2)));
        let mut errs = Vec::new();
        let b = build(&r, "nsg", &mut errs);
        assert!(errs.is_empty());
        assert_eq!(b.entries[0].order, i64::MIN);
        assert!(matches!(b.entries[0].protocol, Known::Unknown(_)));
        assert_eq!(b.entries[0].ports, Known::Known(PortSet::point(10257)), "ports stay exact");
    }

    #[test]
    fn lower_case_enums_are_read() {
        let mut errs = Vec::new();
        let mut r = rule("100", "allow", "tcp", "22", "internet");
        r.direction = Some(text("inbound", sp(3)));
        let b = build(&r, "nsg", &mut errs);
        assert!(errs.is_empty());
        assert_eq!(b.entries[0].action, Action::Allow);
    }

    #[test]
    fn application_security_groups_are_internal() {
        let mut r = rule("100", "Allow", "Tcp", "10257", "*");
        r.src_prefixes.clear();
        r.src_asgs = vec![text("/subscriptions/s/resourceGroups/rg/providers/x/applicationSecurityGroups/cp", sp(9))];
        let mut errs = Vec::new();
        let b = build(&r, "nsg", &mut errs);
        assert!(errs.is_empty());
        assert_eq!(b.entries[0].sources.internal[0].name, "asg:cp");
        assert_eq!(b.entries[0].sources.addrs, AddrSet::empty());
    }
}
