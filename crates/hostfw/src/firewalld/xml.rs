//! firewalld's XML files: zones (`<zone>`), services (`<service>`), and
//! policies (`<policy>`, recognised and noted), as firewalld.zone(5) and
//! firewalld.service(5) describe them.

use super::{Element, Items, RichAction, RichRule, ServiceDef, Source, Target, Zone};
use crate::error::{ErrorKind, HostfwError};
use crate::node::node_of;
use portcullis_model::{Family, Span};
use roxmltree::{Document, Node};
use std::sync::Arc;

/// The root element's name when the text is a firewalld XML file.
pub fn detect(text: &str) -> Option<&'static str> {
    let head = crate::words::head(text, 4096);
    let body = head.trim_start_matches('\u{feff}').trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r.trim_start()).unwrap_or(""),
        None => body,
    };
    // Comments before the root element.
    let mut body = body;
    while let Some(rest) = body.strip_prefix("<!--") {
        body = rest.split_once("-->").map(|(_, r)| r.trim_start()).unwrap_or("");
    }
    for (tag, kind) in [("<zone", "firewalld zone"), ("<service", "firewalld service"), ("<policy", "firewalld policy")]
    {
        if let Some(rest) = body.strip_prefix(tag) {
            if rest.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
                return Some(kind);
            }
        }
    }
    None
}

struct Ctx<'a> {
    doc: &'a Document<'a>,
    file: Arc<str>,
    errors: Vec<HostfwError>,
}

impl Ctx<'_> {
    fn span(&self, n: Node) -> Span {
        let p = self.doc.text_pos_at(n.range().start);
        Span::new(self.file.clone(), p.row, p.col)
    }

    fn err(&mut self, n: Node, msg: impl Into<String>) {
        let s = self.span(n);
        self.errors.push(HostfwError::at(&s, ErrorKind::Invalid, msg));
    }

    fn attr(&mut self, n: Node, name: &str) -> Option<String> {
        match n.attribute(name) {
            Some(v) => Some(v.to_string()),
            None => {
                self.err(n, format!("<{}> needs a `{name}` attribute", n.tag_name().name()));
                None
            }
        }
    }
}

fn is_true(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes"))
}

/// The one line a rich rule element starts on, for its label.
fn rule_text(text: &str, n: Node) -> String {
    let r = n.range();
    let raw = &text[r.start..r.end.min(text.len())];
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn rich_rule(cx: &mut Ctx, text: &str, n: Node) -> RichRule {
    let family = match n.attribute("family") {
        Some("ipv4") => Some(Family::V4),
        Some("ipv6") => Some(Family::V6),
        Some(other) => {
            cx.err(n, format!("a rule's family is ipv4 or ipv6, not `{other}`"));
            None
        }
        None => None,
    };
    let priority = match n.attribute("priority").map(str::parse::<i32>) {
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            cx.err(n, "a rule's priority is a number");
            0
        }
        None => 0,
    };
    let mut r = RichRule {
        family,
        priority,
        source: None,
        destination: None,
        element: Element::None,
        action: RichAction::NoVerdict,
        span: cx.span(n),
        text: rule_text(text, n),
    };
    for c in n.children().filter(Node::is_element) {
        match c.tag_name().name() {
            "source" => {
                let invert = is_true(c.attribute("invert"));
                let s = if let Some(a) = c.attribute("address") {
                    Source::Address(a.to_string())
                } else if let Some(i) = c.attribute("ipset") {
                    Source::Ipset(i.to_string())
                } else if let Some(m) = c.attribute("mac") {
                    Source::Mac(m.to_string())
                } else {
                    cx.err(c, "a rule's source needs an address, an ipset or a mac");
                    continue;
                };
                r.source = Some((s, invert));
            }
            "destination" => {
                let invert = is_true(c.attribute("invert"));
                let a = c.attribute("address").or(c.attribute("ipset")).unwrap_or_default().to_string();
                r.destination = Some((a, invert));
            }
            "service" => r.element = Element::Service(cx.attr(c, "name").unwrap_or_default()),
            "port" => {
                let (p, proto) = (cx.attr(c, "port").unwrap_or_default(), cx.attr(c, "protocol").unwrap_or_default());
                r.element = Element::Port(p, proto);
            }
            "protocol" => r.element = Element::Protocol(cx.attr(c, "value").unwrap_or_default()),
            "source-port" => {
                let (p, proto) = (cx.attr(c, "port").unwrap_or_default(), cx.attr(c, "protocol").unwrap_or_default());
                r.element = Element::SourcePort(p, proto);
            }
            e @ ("icmp-block" | "icmp-type" | "masquerade" | "forward-port" | "tcp-mss-clamp") => {
                r.element = Element::Other(e.to_string())
            }
            "accept" => r.action = RichAction::Accept,
            "reject" => r.action = RichAction::Reject,
            "drop" => r.action = RichAction::Drop,
            "mark" | "log" | "audit" | "nflog" => {}
            other => cx.err(c, format!("<{other}> is not part of a rich rule")),
        }
    }
    r
}

fn zone(cx: &mut Ctx, text: &str, root: Node, path: &str) -> Zone {
    let name = std::path::Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut z = Zone { name, span: Some(cx.span(root)), ..Default::default() };
    if let Some(t) = root.attribute("target") {
        let target = match t {
            "ACCEPT" => Some(Target::Accept),
            "DROP" => Some(Target::Drop),
            "%%REJECT%%" | "REJECT" => Some(Target::Reject),
            "default" | "" => Some(Target::Default),
            other => {
                cx.err(root, format!("a zone's target is ACCEPT, DROP, %%REJECT%% or default, not `{other}`"));
                None
            }
        };
        if let Some(t) = target {
            z.target = Some((t, cx.span(root)));
        }
    }
    for key in ["ingress-priority", "priority"] {
        if let Some(p) = root.attribute(key) {
            match p.parse::<i32>() {
                Ok(p) => z.ingress_priority = p,
                Err(_) => cx.err(root, format!("`{key}` is a number")),
            }
        }
    }
    for c in root.children().filter(Node::is_element) {
        let s = cx.span(c);
        match c.tag_name().name() {
            "interface" => {
                if let Some(n) = cx.attr(c, "name") {
                    z.interfaces.push((n, s));
                }
            }
            "source" => {
                if let Some(a) = c.attribute("address") {
                    z.sources.push((a.to_string(), s));
                } else if let Some(i) = c.attribute("ipset") {
                    z.sources.push((format!("ipset:{i}"), s));
                } else {
                    cx.err(c, "a zone source needs an address or an ipset");
                }
            }
            "service" => {
                if let Some(n) = cx.attr(c, "name") {
                    z.services.push((n, s));
                }
            }
            "port" => {
                if let (Some(p), Some(proto)) = (cx.attr(c, "port"), cx.attr(c, "protocol")) {
                    z.ports.push((p, proto, s));
                }
            }
            "protocol" => {
                if let Some(v) = cx.attr(c, "value") {
                    z.protocols.push((v, s));
                }
            }
            "source-port" => {
                if let (Some(p), Some(proto)) = (cx.attr(c, "port"), cx.attr(c, "protocol")) {
                    z.source_ports.push((p, proto, s));
                }
            }
            "rule" => {
                let r = rich_rule(cx, text, c);
                z.rules.push(r);
            }
            "short"
            | "description"
            | "icmp-block"
            | "icmp-block-inversion"
            | "masquerade"
            | "forward-port"
            | "forward" => {}
            other => cx.err(c, format!("<{other}> is not part of a zone")),
        }
    }
    z
}

fn service(cx: &mut Ctx, root: Node, path: &str) -> ServiceDef {
    let name = std::path::Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut s = ServiceDef { name, span: Some(cx.span(root)), ..Default::default() };
    for c in root.children().filter(Node::is_element) {
        match c.tag_name().name() {
            "port" => {
                if let (Some(p), Some(proto)) = (cx.attr(c, "port"), cx.attr(c, "protocol")) {
                    s.ports.push((proto, p));
                }
            }
            "protocol" => s.protocols.extend(cx.attr(c, "value")),
            "source-port" => {
                if let (Some(p), Some(proto)) = (cx.attr(c, "port"), cx.attr(c, "protocol")) {
                    s.source_ports.push((proto, p));
                }
            }
            "include" => s.includes.extend(cx.attr(c, "service")),
            "destination" => s.destination = true,
            _ => {}
        }
    }
    s
}

/// Reads one zone, service or policy file.
pub fn read(path: &str, text: &str) -> (Items, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut items =
        Items { node: Some(node_of(path)), first_span: Some(Span::new(file.clone(), 1, 1)), ..Default::default() };
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let p = e.pos();
            let err =
                HostfwError::at(&Span::new(file, p.row, p.col), ErrorKind::Syntax, format!("not well-formed XML: {e}"));
            return (items, vec![err]);
        }
    };
    let mut cx = Ctx { doc: &doc, file, errors: Vec::new() };
    let root = doc.root_element();
    match root.tag_name().name() {
        "zone" => {
            let z = zone(&mut cx, text, root, path);
            items.zones.push(z);
        }
        "service" => {
            let s = service(&mut cx, root, path);
            items.services.push(s);
        }
        "policy" => {
            let name =
                std::path::Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let s = cx.span(root);
            items.policies.push((name, s));
        }
        _ => {}
    }
    (items, cx.errors)
}
