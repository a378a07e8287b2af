//! firewalld: zone files (`/etc/firewalld/zones/*.xml`), service files,
//! `firewalld.conf`'s default zone, and `firewall-cmd --list-all-zones`
//! output, put together into the chains firewalld writes.
//!
//! The chains follow firewalld's nftables backend
//! (`src/firewall/core/nftables.py`, <https://github.com/firewalld/firewalld>;
//! the zone and rich-rule documentation: firewalld.zone(5),
//! firewalld.richlanguage(5), <https://firewalld.org/documentation/>):
//!
//! - `filter_INPUT` (input hook, priority filter + 10): established and
//!   related accepted, `lo` accepted, invalid dropped, then the zone
//!   dispatch, then a final reject.
//! - Dispatch: zones bound to source addresses before zones bound to
//!   interfaces, each group by `ingress-priority` then zone name; the
//!   default zone last, for every interface. Each is a `goto`.
//! - A zone's chain runs its rich rules with a negative priority
//!   (ascending), then priority-0 denies (reject, drop), then its allows
//!   (services, ports, protocols, source ports, priority-0 accepts), then
//!   rich rules with a positive priority, then its target: `default`,
//!   `REJECT` and `%%REJECT%%` reject, `DROP` drops, `ACCEPT` accepts.
//!
//! Interfaces are bound in zone files or by NetworkManager; a facing
//! interface no zone file names goes to the default zone, and a note says
//! so (`firewall-cmd --list-all-zones` shows NetworkManager's bindings).

pub mod running;
pub mod services;
pub mod text;
pub mod xml;

use crate::error::{ErrorKind, HostfwError};
use crate::node::Node;
use crate::ruleset::{PlacedHook, Ruleset, Stage};
use crate::values;
use portcullis_model::{Action, AddrSet, Cond, CtStates, Family, Hook, IfaceName, Rule, Span, Then, Unknown, Verdict};
use std::collections::BTreeMap;

/// What a zone does with what its rules leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `default`: reject (firewalld lets ICMP through, which a TCP question
    /// never is).
    Default,
    Accept,
    Reject,
    Drop,
}

/// A source of a rich rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Address(String),
    Ipset(String),
    Mac(String),
}

/// What a rich rule matches besides addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    None,
    Service(String),
    Port(String, String),
    Protocol(String),
    SourcePort(String, String),
    /// icmp-block, masquerade, forward-port, tcp-mss-clamp: nothing a TCP
    /// connection to this host meets (forward-port rewrites; noted).
    Other(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RichAction {
    Accept,
    Reject,
    Drop,
    /// `mark` or a log-only rule: no verdict.
    NoVerdict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RichRule {
    pub family: Option<Family>,
    pub priority: i32,
    pub source: Option<(Source, bool)>,
    pub destination: Option<(String, bool)>,
    pub element: Element,
    pub action: RichAction,
    pub span: Span,
    pub text: String,
}

impl RichRule {
    /// firewalld's own checks (`Rich_Rule.check`, `src/firewall/core/rich.py`):
    /// a rule that fails one is refused and left out of the zone.
    pub fn check(&self) -> Result<(), String> {
        let has_addr = matches!(self.source, Some((Source::Address(_), _))) || self.destination.is_some();
        if self.family.is_none() && has_addr {
            return Err("a rich rule with a source or destination address needs family=\"ipv4\" or \"ipv6\": firewalld refuses it".into());
        }
        if self.family.is_none() && matches!(&self.element, Element::Other(e) if e == "forward-port") {
            return Err("forward-port needs a family: firewalld refuses the rule".into());
        }
        if !(-32768..=32767).contains(&self.priority) {
            return Err("a rich rule's priority is between -32768 and 32767: firewalld refuses it".into());
        }
        if self.element == Element::None && self.action == RichAction::NoVerdict && self.priority == 0 {
            return Err("a rich rule with no element needs an action: firewalld refuses it".into());
        }
        if self.element == Element::None && self.source.is_none() && self.destination.is_none() && self.priority == 0 {
            return Err("a rich rule with no element, source or destination: firewalld refuses it".into());
        }
        Ok(())
    }
}

/// One zone, from a zone file or `--list-all-zones`.
#[derive(Clone, Debug, Default)]
pub struct Zone {
    pub name: String,
    pub span: Option<Span>,
    pub target: Option<(Target, Span)>,
    pub ingress_priority: i32,
    pub interfaces: Vec<(String, Span)>,
    pub sources: Vec<(String, Span)>,
    pub services: Vec<(String, Span)>,
    pub ports: Vec<(String, String, Span)>,
    pub protocols: Vec<(String, Span)>,
    pub source_ports: Vec<(String, String, Span)>,
    pub rules: Vec<RichRule>,
    /// Shown active by `--list-all-zones`.
    pub active: bool,
}

/// A service defined by a file of the node.
#[derive(Clone, Debug, Default)]
pub struct ServiceDef {
    pub name: String,
    pub span: Option<Span>,
    pub ports: Vec<(String, String)>,
    pub protocols: Vec<String>,
    pub source_ports: Vec<(String, String)>,
    pub includes: Vec<String>,
    pub destination: bool,
}

/// What firewalld files of one node hold.
#[derive(Clone, Debug, Default)]
pub struct Items {
    pub node: Option<Node>,
    pub zones: Vec<Zone>,
    pub services: Vec<ServiceDef>,
    /// `DefaultZone=` and where.
    pub default_zone: Option<(String, Span)>,
    /// Policy objects seen (not evaluated).
    pub policies: Vec<(String, Span)>,
    pub first_span: Option<Span>,
}

impl Items {
    pub fn extend(&mut self, o: Items) {
        if self.node.is_none() {
            self.node = o.node;
        }
        self.zones.extend(o.zones);
        self.services.extend(o.services);
        if o.default_zone.is_some() {
            self.default_zone = o.default_zone;
        }
        self.policies.extend(o.policies);
        if self.first_span.is_none() {
            self.first_span = o.first_span;
        }
    }
}

/// `DefaultZone=public` in `firewalld.conf`.
pub fn detect_conf(text: &str) -> bool {
    // The first 16 KiB: firewalld.conf is a few KiB, and a large dump tried
    // against every format is not scanned whole.
    crate::words::head(text, 16 * 1024).lines().any(|l| l.trim_start().starts_with("DefaultZone="))
}

pub fn read_conf(path: &str, text: &str) -> Items {
    let file: std::sync::Arc<str> = std::sync::Arc::from(path);
    let mut out = Items { node: Some(crate::node::node_of(path)), ..Default::default() };
    for (n, l) in crate::words::lines(text) {
        if let Some(v) = l.trim_start().strip_prefix("DefaultZone=") {
            let col = (l.len() - l.trim_start().len()) as u32 + 1;
            out.default_zone = Some((v.trim().to_string(), Span::new(file.clone(), n, col)));
        }
    }
    out.first_span = Some(Span::new(file, 1, 1));
    out
}

/// The nftables table firewalld's nftables backend writes its rules into
/// (`table inet firewalld`, firewalld's `src/firewall/core/nftables.py`).
pub const TABLE: &str = "firewalld";

/// firewalld's own default zone when `firewalld.conf` does not say.
const DEFAULT_ZONE: &str = "public";

fn unknown(span: &Span, what: impl Into<String>, reason: impl Into<String>) -> Cond {
    Cond::Unknown(Unknown { what: what.into(), reason: reason.into(), span: span.clone() })
}

/// The conditions of "protocol/port" as a service or zone writes it.
fn port_conds(proto: &str, port: &str, span: &Span, errors: &mut Vec<HostfwError>) -> Vec<Cond> {
    let p = match values::protocol(proto) {
        Ok(Some(p)) => p,
        _ => {
            errors.push(HostfwError::at(span, ErrorKind::Invalid, format!("`{proto}` is not a protocol")));
            return vec![unknown(span, format!("port {port}/{proto}"), "not a protocol")];
        }
    };
    match values::port_range(port, '-', false) {
        Ok(ps) => vec![Cond::Protocol(vec![p]), Cond::DestPort(ps)],
        Err(e) => {
            errors.push(HostfwError::at(span, ErrorKind::Invalid, e));
            vec![unknown(span, format!("port {port}/{proto}"), "not a port or range")]
        }
    }
}

/// A service's alternatives (each a conjunction), following includes.
fn service_conds(
    name: &str,
    defs: &BTreeMap<String, ServiceDef>,
    span: &Span,
    depth: usize,
    errors: &mut Vec<HostfwError>,
) -> Vec<Vec<Cond>> {
    if depth > 8 {
        return vec![vec![unknown(span, format!("service {name}"), "includes nest too deep")]];
    }
    let own;
    let def = match defs.get(name) {
        Some(d) => d,
        None => match services::SERVICES.iter().find(|s| s.name == name) {
            Some(s) => {
                let pairs = |v: &[&str]| -> Vec<(String, String)> {
                    v.iter().filter_map(|p| p.split_once('/')).map(|(a, b)| (a.to_string(), b.to_string())).collect()
                };
                own = ServiceDef {
                    name: name.to_string(),
                    span: None,
                    ports: pairs(s.ports),
                    protocols: s.protocols.iter().map(|p| p.to_string()).collect(),
                    source_ports: pairs(s.source_ports),
                    includes: s.includes.iter().map(|p| p.to_string()).collect(),
                    destination: s.destination,
                };
                &own
            }
            None => {
                return vec![vec![unknown(
                    span,
                    format!("service {name}"),
                    "not a service firewalld ships, and its file (/etc/firewalld/services) is not in the input",
                )]]
            }
        },
    };
    let (ports, protocols, sports, includes, destination) =
        (&def.ports, &def.protocols, &def.source_ports, &def.includes, def.destination);
    let mut alts = Vec::new();
    let dest = |mut c: Vec<Cond>| {
        if destination {
            c.push(unknown(
                span,
                format!("service {name} destination"),
                "the service holds only for some destination addresses",
            ));
        }
        c
    };
    for (proto, port) in ports {
        alts.push(dest(port_conds(proto, port, span, errors)));
    }
    for p in protocols {
        match values::protocol(p) {
            Ok(Some(p)) => alts.push(dest(vec![Cond::Protocol(vec![p])])),
            _ => alts.push(vec![unknown(span, format!("protocol {p}"), "not a protocol")]),
        }
    }
    for (proto, port) in sports {
        let mut c = port_conds(proto, port, span, errors);
        if let Some(Cond::DestPort(ps)) = c.pop() {
            c.push(Cond::SourcePort(ps));
        }
        alts.push(dest(c));
    }
    for i in includes {
        alts.extend(service_conds(i, defs, span, depth + 1, errors));
    }
    alts
}

struct Builder<'a> {
    rs: Ruleset,
    defs: BTreeMap<String, ServiceDef>,
    errors: &'a mut Vec<HostfwError>,
    resource: String,
}

impl Builder<'_> {
    fn entry(&mut self, span: &Span, label: &str, action: Action) -> usize {
        self.rs.entry(span.clone(), self.resource.clone(), label, action)
    }

    fn default_entry(&mut self, span: &Span, label: &str, action: Action) -> usize {
        self.rs.default_entry(span.clone(), self.resource.clone(), label, action, "firewalld's own rule")
    }

    fn rich_conds(&mut self, r: &RichRule) -> Vec<Cond> {
        let mut c = Vec::new();
        if let Some(f) = r.family {
            c.push(Cond::Source(values::family_all(f)));
        }
        if let Some((src, invert)) = &r.source {
            let cond = match src {
                Source::Address(a) => match values::block(a, r.family) {
                    Ok(s) => {
                        let fam = if a.contains(':') { Family::V6 } else { Family::V4 };
                        // `not` stays within the address's family.
                        c.push(Cond::Source(values::family_all(fam)));
                        Cond::Source(s)
                    }
                    Err(e) => {
                        self.errors.push(HostfwError::at(&r.span, ErrorKind::Invalid, e));
                        unknown(&r.span, format!("source {a}"), "not a valid address")
                    }
                },
                Source::Ipset(n) => unknown(&r.span, format!("ipset {n}"), "firewalld ipsets are not read"),
                Source::Mac(m) => unknown(&r.span, format!("source mac {m}"), "MAC addresses are not in the input"),
            };
            c.push(if *invert { Cond::Not(Box::new(cond)) } else { cond });
        }
        if let Some((d, invert)) = &r.destination {
            let cond = unknown(&r.span, format!("destination {d}"), "the node's own addresses are not in the input");
            c.push(if *invert { Cond::Not(Box::new(cond)) } else { cond });
        }
        match &r.element {
            Element::None | Element::Other(_) => {}
            Element::Service(s) => {
                let alts = service_conds(s, &self.defs, &r.span, 0, self.errors);
                c.push(Cond::Any(alts));
            }
            Element::Port(port, proto) => c.extend(port_conds(proto, port, &r.span, self.errors)),
            Element::Protocol(p) => match values::protocol(p) {
                Ok(Some(p)) => c.push(Cond::Protocol(vec![p])),
                Ok(None) => {}
                Err(e) => {
                    self.errors.push(HostfwError::at(&r.span, ErrorKind::Invalid, e));
                    c.push(unknown(&r.span, format!("protocol {p}"), "not a protocol"));
                }
            },
            Element::SourcePort(port, proto) => {
                let mut pc = port_conds(proto, port, &r.span, self.errors);
                if let Some(Cond::DestPort(ps)) = pc.pop() {
                    pc.push(Cond::SourcePort(ps));
                }
                c.extend(pc);
            }
        }
        c
    }

    /// A zone's chain and its sub-chains.
    fn zone_chain(&mut self, z: &Zone) -> usize {
        let zspan = z.span.clone().unwrap_or_else(|| self.rs.span.clone());
        let (target, tspan) = z.target.clone().unwrap_or((Target::Default, zspan.clone()));
        let (verdict, tlabel) = match target {
            Target::Default => (Verdict::Reject, "target default: reject"),
            Target::Reject => (Verdict::Reject, "target REJECT"),
            Target::Drop => (Verdict::Drop, "target DROP"),
            Target::Accept => (Verdict::Accept, "target ACCEPT"),
        };
        let end = if z.target.is_some() {
            self.entry(&tspan, &format!("zone {} {tlabel}", z.name), crate::ruleset::action_of(verdict))
        } else {
            self.rs.default_entry(
                zspan.clone(),
                self.resource.clone(),
                &format!("zone {} {tlabel}", z.name),
                Action::Deny,
                "a zone without a target rejects (firewalld's default target)",
            )
        };
        let chain = self.rs.add_chain(format!("firewalld zone {}", z.name), verdict, end);
        let mut pre: Vec<&RichRule> = z.rules.iter().filter(|r| r.priority < 0).collect();
        pre.sort_by_key(|r| r.priority);
        let mut post: Vec<&RichRule> = z.rules.iter().filter(|r| r.priority > 0).collect();
        post.sort_by_key(|r| r.priority);
        let deny: Vec<&RichRule> = z
            .rules
            .iter()
            .filter(|r| r.priority == 0 && matches!(r.action, RichAction::Reject | RichAction::Drop))
            .collect();
        let allow_rich: Vec<&RichRule> =
            z.rules.iter().filter(|r| r.priority == 0 && r.action == RichAction::Accept).collect();
        for r in pre.into_iter().chain(deny) {
            self.push_rich(chain, r);
        }
        for (s, span) in &z.services {
            let e = self.entry(span, &format!("zone {}: service {s}", z.name), Action::Allow);
            let alts = service_conds(s, &self.defs, span, 0, self.errors);
            self.rs
                .push_rule(chain, Rule { entry: e, when: vec![Cond::Any(alts)], then: Then::Verdict(Verdict::Accept) });
        }
        for (port, proto, span) in &z.ports {
            let e = self.entry(span, &format!("zone {}: port {port}/{proto}", z.name), Action::Allow);
            let c = port_conds(proto, port, span, self.errors);
            self.rs.push_rule(chain, Rule { entry: e, when: c, then: Then::Verdict(Verdict::Accept) });
        }
        for (p, span) in &z.protocols {
            let e = self.entry(span, &format!("zone {}: protocol {p}", z.name), Action::Allow);
            let c = match values::protocol(p) {
                Ok(Some(p)) => vec![Cond::Protocol(vec![p])],
                Ok(None) => vec![],
                Err(err) => {
                    self.errors.push(HostfwError::at(span, ErrorKind::Invalid, err));
                    vec![unknown(span, format!("protocol {p}"), "not a protocol")]
                }
            };
            self.rs.push_rule(chain, Rule { entry: e, when: c, then: Then::Verdict(Verdict::Accept) });
        }
        for (port, proto, span) in &z.source_ports {
            let e = self.entry(span, &format!("zone {}: source-port {port}/{proto}", z.name), Action::Allow);
            let mut c = port_conds(proto, port, span, self.errors);
            if let Some(Cond::DestPort(ps)) = c.pop() {
                c.push(Cond::SourcePort(ps));
            }
            self.rs.push_rule(chain, Rule { entry: e, when: c, then: Then::Verdict(Verdict::Accept) });
        }
        for r in allow_rich.into_iter().chain(post) {
            self.push_rich(chain, r);
        }
        chain
    }

    fn push_rich(&mut self, chain: usize, r: &RichRule) {
        if let Err(e) = r.check() {
            self.errors.push(HostfwError::at(&r.span, ErrorKind::Invalid, e));
            return;
        }
        let verdict = match r.action {
            RichAction::Accept => Verdict::Accept,
            RichAction::Reject => Verdict::Reject,
            RichAction::Drop => Verdict::Drop,
            RichAction::NoVerdict => Verdict::Continue,
        };
        let e = self.entry(&r.span, &r.text, crate::ruleset::action_of(verdict));
        let when = self.rich_conds(r);
        self.rs.push_rule(chain, Rule { entry: e, when, then: Then::Verdict(verdict) });
    }
}

/// Builds a node's firewalld ruleset from its files' items.
pub fn build(items: Items, errors: &mut Vec<HostfwError>) -> Option<Ruleset> {
    let node = items.node.clone()?;
    let span = items.first_span.clone()?;
    let resource = format!("{} firewalld", node.name);
    let mut rs = Ruleset::new(node, "firewalld", span.clone(), AddrSet::all());
    let defs: BTreeMap<String, ServiceDef> = items.services.iter().map(|s| (s.name.clone(), s.clone())).collect();
    let default_zone = items.default_zone.clone();
    let mut zones: BTreeMap<String, Zone> = BTreeMap::new();
    for z in items.zones {
        zones.insert(z.name.clone(), z);
    }
    for (p, s) in &items.policies {
        rs.notes.push(format!(
            "firewalld policy {p} ({s}) is not evaluated: policies between zones and the host can admit or refuse more"
        ));
    }
    let mut b = Builder { rs, defs, errors, resource };
    // filter_INPUT.
    let fspan = span.clone();
    let final_reject = b.default_entry(&fspan, "firewalld filter_INPUT: reject what no zone took", Action::Deny);
    let input = b.rs.add_chain("firewalld filter_INPUT".into(), Verdict::Accept, final_reject);
    let e = b.default_entry(&fspan, "firewalld: ct state established,related accept", Action::Allow);
    b.rs.push_rule(
        input,
        Rule {
            entry: e,
            when: vec![Cond::CtState(CtStates::ESTABLISHED.union(CtStates::RELATED))],
            then: Then::Verdict(Verdict::Accept),
        },
    );
    let e = b.default_entry(&fspan, "firewalld: iifname lo accept", Action::Allow);
    b.rs.push_rule(
        input,
        Rule {
            entry: e,
            when: vec![Cond::InInterface(vec![IfaceName::Exact("lo".into())])],
            then: Then::Verdict(Verdict::Accept),
        },
    );
    let e = b.default_entry(&fspan, "firewalld: ct state invalid drop", Action::Deny);
    b.rs.push_rule(
        input,
        Rule { entry: e, when: vec![Cond::CtState(CtStates::INVALID)], then: Then::Verdict(Verdict::Drop) },
    );
    // Dispatch: sources first, then interfaces, each by ingress priority
    // and zone name; the default zone last.
    let mut bindings: Vec<(i32, u8, String, Cond, Span)> = Vec::new();
    for z in zones.values() {
        for (s, sp) in &z.sources {
            let cond = match values::block(s, None) {
                Ok(set) => Cond::Source(set),
                Err(_) if s.starts_with("ipset:") => {
                    unknown(sp, format!("zone source {s}"), "firewalld ipsets are not read")
                }
                Err(_) => unknown(sp, format!("zone source {s}"), "a MAC address or not an address"),
            };
            bindings.push((z.ingress_priority, 1, z.name.clone(), cond, sp.clone()));
        }
        for (i, sp) in &z.interfaces {
            // `eth+` binds every name starting with `eth`.
            let name = match i.strip_suffix('+') {
                Some(p) => IfaceName::Prefix(p.to_string()),
                None => IfaceName::Exact(i.clone()),
            };
            bindings.push((z.ingress_priority, 2, z.name.clone(), Cond::InInterface(vec![name]), sp.clone()));
        }
    }
    bindings.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let mut chain_of: BTreeMap<String, usize> = BTreeMap::new();
    for (_, kind, zname, cond, sp) in bindings {
        let Some(z) = zones.get(&zname) else { continue };
        let id = match chain_of.get(&zname) {
            Some(&id) => id,
            None => {
                let id = b.zone_chain(z);
                chain_of.insert(zname.clone(), id);
                id
            }
        };
        let what = if kind == 1 { "source" } else { "interface" };
        let e = b.entry(&sp, &format!("zone {zname} {what} binding"), Action::Allow);
        b.rs.push_rule(input, Rule { entry: e, when: vec![cond], then: Then::Verdict(Verdict::Goto(id)) });
    }
    let (dz, dspan, explicit) = match &default_zone {
        Some((n, s)) => (n.clone(), s.clone(), true),
        None => (DEFAULT_ZONE.to_string(), span.clone(), false),
    };
    let e = if explicit {
        b.entry(&dspan, &format!("DefaultZone={dz}"), Action::Allow)
    } else {
        b.rs.default_entry(
            dspan.clone(),
            b.resource.clone(),
            &format!("default zone {dz}"),
            Action::Allow,
            "firewalld's default zone when firewalld.conf does not name one",
        )
    };
    match zones.get(&dz) {
        Some(z) => {
            let id = match chain_of.get(&dz) {
                Some(&id) => id,
                None => b.zone_chain(z),
            };
            b.rs.push_rule(input, Rule { entry: e, when: vec![], then: Then::Verdict(Verdict::Goto(id)) });
        }
        None => {
            let u = Unknown {
                what: format!("zone {dz}"),
                reason: "the default zone's rules are not in the input (its file, or `firewall-cmd --list-all-zones`)"
                    .into(),
                span: dspan.clone(),
            };
            let then = crate::ruleset::undecided(&mut b.rs, &dspan, &format!("zone {dz}"), &u.reason);
            b.rs.push_rule(input, Rule { entry: e, when: vec![], then });
        }
    }
    if let Some(f) =
        zones.values().find(|z| z.interfaces.is_empty() && z.sources.is_empty() && z.name != dz && z.active)
    {
        b.rs.notes.push(format!("zone {} is shown active but binds nothing the input shows", f.name));
    }
    b.rs.notes.push(format!(
        "firewalld: a facing interface no zone binds goes to the default zone {dz} (NetworkManager may bind it elsewhere: `firewall-cmd --list-all-zones` shows it)"
    ));
    let reject_rule =
        b.default_entry(&fspan, "firewalld filter_INPUT: reject with icmpx admin-prohibited", Action::Deny);
    b.rs.push_rule(input, Rule { entry: reject_rule, when: vec![], then: Then::Verdict(Verdict::Reject) });
    b.rs.hooks.push(PlacedHook {
        hook: Hook {
            chain: input,
            sees: AddrSet::all(),
            name: "firewalld inet firewalld filter_INPUT (input priority filter + 10)".into(),
            tracked: true,
        },
        stage: Stage::Input,
        priority: 10,
    });
    Some(b.rs)
}
