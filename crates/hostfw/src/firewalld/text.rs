//! `firewall-cmd --list-all-zones` (and `--list-all`) output: every zone
//! as firewalld holds it, builtin zones and NetworkManager's interface
//! bindings included, with rich rules in the rich language
//! (firewalld.richlanguage(5)).

use super::{Element, Items, RichAction, RichRule, Source, Target, Zone};
use crate::error::{ErrorKind, HostfwError};
use crate::node::node_of;
use portcullis_model::{Family, Span};
use std::sync::Arc;

pub fn detect(text: &str) -> bool {
    let head = crate::words::head(text, 16 * 1024);
    head.contains("\n  target: ") && head.contains("\n  services:") && head.contains("\n  rich rules:")
}

fn words(s: &str) -> Vec<(String, u32)> {
    // `key="value with spaces"` stays one word; columns are 1-based.
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut w = String::new();
        let mut quoted = false;
        while i < chars.len() && (quoted || !chars[i].is_whitespace()) {
            if chars[i] == '"' {
                quoted = !quoted;
            } else {
                w.push(chars[i]);
            }
            i += 1;
        }
        out.push((w, start as u32 + 1));
    }
    out
}

/// Parses one rich rule in the rich language.
pub fn rich_rule(line: &str, span: Span, errors: &mut Vec<HostfwError>) -> Option<RichRule> {
    let ws = words(line);
    let at = |c: u32| Span::new(span.file.clone(), span.line, span.column + c - 1);
    if ws.first().map(|w| w.0.as_str()) != Some("rule") {
        errors.push(HostfwError::at(&span, ErrorKind::Syntax, "a rich rule starts with `rule`"));
        return None;
    }
    let mut r = RichRule {
        family: None,
        priority: 0,
        source: None,
        destination: None,
        element: Element::None,
        action: RichAction::NoVerdict,
        span: span.clone(),
        text: line.trim().to_string(),
    };
    let value = |w: &str, key: &str| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')).map(str::to_string);
    let mut i = 1;
    while i < ws.len() {
        let (w, c) = (&ws[i].0, ws[i].1);
        if let Some(f) = value(w, "family") {
            r.family = match f.as_str() {
                "ipv4" => Some(Family::V4),
                "ipv6" => Some(Family::V6),
                _ => {
                    errors.push(HostfwError::at(
                        &at(c),
                        ErrorKind::Invalid,
                        format!("family `{f}` is not ipv4 or ipv6"),
                    ));
                    None
                }
            };
        } else if let Some(p) = value(w, "priority") {
            match p.parse() {
                Ok(p) => r.priority = p,
                Err(_) => errors.push(HostfwError::at(&at(c), ErrorKind::Invalid, "a priority is a number")),
            }
        } else if w == "source" || w == "destination" {
            let dest = w == "destination";
            let mut invert = false;
            i += 1;
            // firewall-cmd prints `NOT`, the rich language documents `not`.
            if ws.get(i).is_some_and(|x| x.0.eq_ignore_ascii_case("not")) {
                invert = true;
                i += 1;
            }
            let Some((spec, sc)) = ws.get(i).cloned() else { break };
            let src = if let Some(a) = value(&spec, "address") {
                Source::Address(a)
            } else if let Some(s) = value(&spec, "ipset") {
                Source::Ipset(s)
            } else if let Some(m) = value(&spec, "mac") {
                Source::Mac(m)
            } else {
                errors.push(HostfwError::at(
                    &at(sc),
                    ErrorKind::Syntax,
                    format!("`{spec}` is not address=, ipset= or mac="),
                ));
                i += 1;
                continue;
            };
            if dest {
                let a = match src {
                    Source::Address(a) | Source::Ipset(a) | Source::Mac(a) => a,
                };
                r.destination = Some((a, invert));
            } else {
                r.source = Some((src, invert));
            }
        } else {
            match w.as_str() {
                "service" => {
                    r.element = Element::Service(ws.get(i + 1).and_then(|x| value(&x.0, "name")).unwrap_or_default())
                }
                "port" | "source-port" => {
                    let mut port = String::new();
                    let mut proto = String::new();
                    for x in ws.iter().skip(i + 1).take(2) {
                        if let Some(v) = value(&x.0, "port") {
                            port = v;
                        }
                        if let Some(v) = value(&x.0, "protocol") {
                            proto = v;
                        }
                    }
                    r.element = if w == "port" { Element::Port(port, proto) } else { Element::SourcePort(port, proto) };
                }
                "protocol" => {
                    r.element = Element::Protocol(ws.get(i + 1).and_then(|x| value(&x.0, "value")).unwrap_or_default())
                }
                "icmp-block" | "icmp-type" | "masquerade" | "forward-port" | "tcp-mss-clamp" => {
                    r.element = Element::Other(w.clone())
                }
                "accept" => r.action = RichAction::Accept,
                "reject" => r.action = RichAction::Reject,
                "drop" => r.action = RichAction::Drop,
                _ => {}
            }
        }
        i += 1;
    }
    Some(r)
}

/// Reads `--list-all-zones` output.
pub fn read(path: &str, text: &str) -> (Items, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut items =
        Items { node: Some(node_of(path)), first_span: Some(Span::new(file.clone(), 1, 1)), ..Default::default() };
    let mut errors = Vec::new();
    let mut zone: Option<Zone> = None;
    let mut in_rich = false;
    for (n, line) in crate::words::lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let col = line[..indent].chars().count() as u32 + 1;
        let span = Span::new(file.clone(), n, col);
        if indent == 0 {
            // `public (default, active)`
            if let Some(z) = zone.take() {
                items.zones.push(z);
            }
            let (name, flags) = match line.split_once(' ') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => (line.trim().to_string(), String::new()),
            };
            if flags.contains("default") {
                items.default_zone = Some((name.clone(), span.clone()));
            }
            zone = Some(Zone { name, span: Some(span), active: flags.contains("active"), ..Default::default() });
            in_rich = false;
            continue;
        }
        let Some(z) = zone.as_mut() else {
            errors.push(HostfwError::at(&span, ErrorKind::Syntax, "an indented line before any zone name"));
            continue;
        };
        let t = line.trim();
        if in_rich && t.starts_with("rule") {
            if let Some(r) = rich_rule(t, span, &mut errors) {
                z.rules.push(r);
            }
            continue;
        }
        let Some((key, value)) = t.split_once(':') else {
            errors.push(HostfwError::at(&span, ErrorKind::Syntax, format!("`{t}` is not `key: value`")));
            continue;
        };
        in_rich = key == "rich rules";
        let value_col = col + key.chars().count() as u32 + 2;
        let vals: Vec<(String, Span)> =
            words(value).into_iter().map(|(w, c)| (w, Span::new(file.clone(), n, value_col + c - 1))).collect();
        match key {
            "target" => {
                let tgt = match value.trim() {
                    "ACCEPT" => Some(Target::Accept),
                    "DROP" => Some(Target::Drop),
                    "%%REJECT%%" | "REJECT" => Some(Target::Reject),
                    "default" => Some(Target::Default),
                    other => {
                        errors.push(HostfwError::at(
                            &span,
                            ErrorKind::Invalid,
                            format!("target `{other}` is not ACCEPT, DROP, %%REJECT%% or default"),
                        ));
                        None
                    }
                };
                if let Some(tgt) = tgt {
                    z.target = Some((tgt, span));
                }
            }
            "interfaces" => z.interfaces.extend(vals),
            "sources" => z.sources.extend(vals),
            "services" => z.services.extend(vals),
            "protocols" => z.protocols.extend(vals),
            "ports" | "source-ports" => {
                for (v, s) in vals {
                    let Some((port, proto)) = v.split_once('/') else {
                        errors.push(HostfwError::at(&s, ErrorKind::Invalid, format!("`{v}` is not port/protocol")));
                        continue;
                    };
                    let entry = (port.to_string(), proto.to_string(), s);
                    if key == "ports" {
                        z.ports.push(entry);
                    } else {
                        z.source_ports.push(entry);
                    }
                }
            }
            "ingress-priority" | "priority" => {
                if let Ok(p) = value.trim().parse() {
                    z.ingress_priority = p;
                }
            }
            _ => {}
        }
    }
    if let Some(z) = zone.take() {
        items.zones.push(z);
    }
    (items, errors)
}
