//! Azure Resource Manager (ARM) templates: network security groups and
//! their rules, read onto the Azure items ([`crate::providers::azure`]) and built by
//! the same rule builder as every other Azure input ([`crate::providers::azure::rule`]),
//! so priorities, default rules, service tags and port forms mean the same.
//!
//! Read: `Microsoft.Network/networkSecurityGroups` with
//! `properties.securityRules`, and `…/securityRules` child resources, at
//! the top level (named `nsg/rule`) or nested in the NSG's `resources`
//! (named `rule`). A resource whose `condition` is false is not deployed;
//! one whose condition is unknown makes its rules' match unknown. Values
//! go through the expression evaluator ([`crate::languages::arm`]):
//! parameters take their `defaultValue`, or the value a parameter file
//! (`--parameters`, [`crate::languages::parameters`]) gives.
//!
//! Names: a resource is named by the name it deploys, evaluated
//! (`[variables('nsgName')]` is reported as `prod-eu1-cp-nsg`), as the
//! portal, the CLI and flow logs name it; a child rule as `nsg/rule`. An
//! expression as written stays as a note (`… is written [variables(…)]`). When
//! the name depends on a value the template cannot tell, it is named as
//! written and a note says why.
//!
//! `copy` loops ([`crate::languages::arm::copy`]): a resource's loop makes
//! one instance per iteration, and a property loop of `securityRules` one
//! rule per iteration; their entries' labels say which iteration. A count
//! that is not known makes one instance whose existence is unknown (or an
//! unknown `securityRules`).
//!
//! Paths: `networkInterfaces` (targets, guarded by the NSG they name and
//! their subnet's), `publicIPAddresses`, `loadBalancers`, `routeTables` and
//! `virtualNetworks` (subnets' NSGs and route tables) are evaluated and
//! read by [`crate::providers::azure::network`]; `resourceId(…)` joins a
//! reference to what it names. An NSG no interface or subnet of the
//! template names is its own target.
//!
//! A path resource whose `condition` is false is not deployed; a public
//! IP, load balancer or route table whose condition the template cannot
//! decide makes what depends on it unknown, naming the condition.
//!
//! Not read yet: nested deployments (`Microsoft.Resources/deployments`).
//!
//! Template reference: <https://learn.microsoft.com/azure/templates/microsoft.network/networksecuritygroups>.

use crate::context::Context;
use crate::error::IngestError;
use crate::languages::arm::copy::property_loop;
use crate::languages::arm::{
    expression_of, looks_like_template, name_text, parse_template, type_name, unknown_reason, ArmEval,
};
use crate::languages::parameters::Parameters;
use crate::providers::azure::facts::key;
use crate::providers::azure::rule::{build, RawRule};
use crate::providers::azure::{network, Association, Attach, AzureItems, Nic, Nsg, NsgRule, Subnet};
use crate::providers::fields::{from_value, list_from_value, text};
use crate::FileOutcome;
use portcullis_model::topology::Described;
use portcullis_model::{Entry, Known, Span, Unknown};
use portcullis_syntax::json::{self, Node};
use portcullis_syntax::{Kind, Member, Value};
use std::sync::Arc;

/// Reads `text` when it is an ARM template; `None` otherwise.
pub fn read_input(path: &str, text: &str, head: &str, given: &Parameters) -> Option<FileOutcome> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') || !looks_like_template(head) {
        return None;
    }
    let file: Arc<str> = Arc::from(path);
    let ctx = Context::new(file, text);
    let mut out = FileOutcome { path: path.to_string(), format: Some("arm"), ..Default::default() };
    match parse_template(text) {
        Ok(root) => {
            let lookup = |name: &str| given.any_case(name);
            let mut ev = ArmEval::new(&ctx, &root).with_given(&lookup);
            let mut r = Reader { ev: &mut ev, ctx: &ctx, items: AzureItems::default() };
            r.template(&root);
            out.azure = r.items;
            // In file order: values are evaluated before their rules are built.
            ev.errors.sort_by_key(|e| (e.line, e.column));
            out.errors.append(&mut ev.errors);
        }
        Err(e) => out.errors.push(ctx.json_error(&e)),
    }
    Some(out)
}

const NSG_TYPE: &str = "microsoft.network/networksecuritygroups";
const RULE_TYPE: &str = "microsoft.network/networksecuritygroups/securityrules";

/// The NSG a child rule belongs to, when nested in its `resources`.
struct Parent {
    ty: String,
    /// The NSG's key (see [`Reader::nsg_key`]), when it is one.
    nsg: Option<String>,
    shown: String,
}

struct Reader<'e, 'a, 'c> {
    ev: &'e mut ArmEval<'a, 'c>,
    ctx: &'c Context<'c>,
    items: AzureItems,
}

fn member<'n>(obj: &'n Node, k: &str) -> Option<&'n Node> {
    obj.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(k)).map(|m| &m.value)
}

/// A field of a rule object, flattened or under `properties`.
fn field<'v>(obj: &'v Value, k: &str) -> Option<&'v Value> {
    obj.get_any_case(k).or_else(|| obj.get_any_case("properties").and_then(|p| p.get_any_case(k)))
}

fn raw(errors: &mut Vec<IngestError>, obj: &Value, k: &str) -> Option<Value> {
    from_value(errors, field(obj, k)?, k)
}

fn raw_list(errors: &mut Vec<IngestError>, obj: &Value, one: &str, many: &str) -> Vec<Value> {
    let mut out: Vec<Value> = raw(errors, obj, one).into_iter().collect();
    if let Some(v) = field(obj, many) {
        out.extend(list_from_value(errors, v, many));
    }
    out
}

/// `[{"id": …}]` lists of application security groups.
fn id_list(obj: &Value, k: &str) -> Vec<Value> {
    let Some(v) = field(obj, k) else { return Vec::new() };
    match &v.kind {
        Kind::List(a) => a
            .iter()
            .filter_map(|g| {
                let id = g.get_any_case("id")?;
                Some(match id.text() {
                    Some(t) => text(t, id.span.clone()),
                    None => Value::unknown(name_text(id).unwrap_or_default(), id.span.clone()),
                })
            })
            .collect(),
        Kind::Unknown { reason, .. } => vec![Value::unknown(reason.clone(), v.span.clone())],
        _ => Vec::new(),
    }
}

fn raw_rule(errors: &mut Vec<IngestError>, r: &Value, span: Span) -> RawRule {
    let mut rr = RawRule::new(span);
    rr.name = r.get_any_case("name").and_then(name_text);
    rr.priority = raw(errors, r, "priority");
    rr.direction = raw(errors, r, "direction");
    rr.access = raw(errors, r, "access");
    rr.protocol = raw(errors, r, "protocol");
    rr.src_prefixes = raw_list(errors, r, "sourceAddressPrefix", "sourceAddressPrefixes");
    rr.src_ports = raw_list(errors, r, "sourcePortRange", "sourcePortRanges");
    rr.dst_ports = raw_list(errors, r, "destinationPortRange", "destinationPortRanges");
    rr.dst_prefixes = raw_list(errors, r, "destinationAddressPrefix", "destinationAddressPrefixes");
    rr.src_asgs = id_list(r, "sourceApplicationSecurityGroups");
    rr.dst_asgs = id_list(r, "destinationApplicationSecurityGroups");
    rr
}

/// An entry for rules the template cannot show: it may admit anything,
/// first.
pub(crate) fn unknown_entry(resource: &str, what: &str, reason: &str, span: &Span) -> Entry {
    let u = Unknown { what: what.into(), reason: reason.into(), span: span.clone() };
    Entry::unknown_allow(resource, format!("{what} ({reason})"), u, i64::MIN)
}

impl Reader<'_, '_, '_> {
    fn nsg_key(&self, name: &str) -> String {
        format!("arm-nsg:{}:{}", self.ctx.file, key(name))
    }

    fn template(&mut self, root: &Node) {
        let Some(res) = member(root, "resources") else { return };
        self.resources(res, None);
    }

    /// A `resources` list (or, in language version 2.0, an object of
    /// resources by symbolic name).
    fn resources(&mut self, list: &Node, parent: Option<&Parent>) {
        let items: Vec<&Node> = match &list.value {
            json::Value::Array(a) => a.iter().collect(),
            json::Value::Object(m) => m.iter().map(|m| &m.value).collect(),
            _ => return,
        };
        for r in items {
            if r.as_object().is_some() {
                self.resource(r, parent);
            }
        }
    }

    /// A resource, over its `copy` loop when it has one: each iteration is
    /// an instance, its entries labelled with the iteration.
    fn resource(&mut self, r: &Node, parent: Option<&Parent>) {
        let Some(ty) = member(r, "type").and_then(Node::as_str) else { return };
        let ty = match parent {
            Some(p) if !ty.contains('/') => format!("{}/{}", p.ty, ty.to_ascii_lowercase()),
            _ => ty.to_ascii_lowercase(),
        };
        let path_kind = network::arm_kind(&ty).filter(|_| parent.is_none());
        if ty != NSG_TYPE && ty != RULE_TYPE && path_kind.is_none() {
            return;
        }
        let Some(copy) = member(r, "copy").filter(|c| c.as_object().is_some()) else {
            self.instance(r, &ty, parent, None);
            return;
        };
        let span = self.ctx.span(copy.offset);
        let name = member(copy, "name").and_then(Node::as_str).unwrap_or("(unnamed)").to_string();
        if parent.is_some() {
            let msg = format!(
                "copy loop {name} is on a nested child resource, which Azure rejects: make it a top-level resource"
            );
            self.ev.error(&span, msg);
        }
        match self.ev.copy_count(&name, member(copy, "count"), &span) {
            Ok(count) => {
                for i in 0..count {
                    let before = (self.items.nsgs.len(), self.items.rules.len());
                    self.ev.push_loop(&name, Ok(i), true);
                    self.instance(r, &ty, parent, None);
                    self.ev.pop_loop();
                    let label = iteration_label(&name, i, count);
                    let entries = self.items.nsgs[before.0..].iter_mut().flat_map(|n| n.entries.iter_mut());
                    let rule_entries = self.items.rules[before.1..].iter_mut().flat_map(|r| r.entries.iter_mut());
                    for e in entries.chain(rule_entries) {
                        e.label.push_str(&label);
                    }
                }
            }
            Err(reason) => {
                // One instance stands for all: whether it exists is unknown.
                let u = Unknown {
                    what: format!("how many instances copy loop {name} deploys"),
                    reason: reason.clone(),
                    span,
                };
                self.ev.push_loop(&name, Err(reason), true);
                self.instance(r, &ty, parent, Some(u));
                self.ev.pop_loop();
            }
        }
    }

    /// One instance of a resource: an NSG (and the children nested in it)
    /// or a child rule, named by the name it deploys.
    fn instance(&mut self, r: &Node, ty: &str, parent: Option<&Parent>, mut exists: Option<Unknown>) {
        let name_node = member(r, "name");
        let written = name_node.and_then(Node::as_str).unwrap_or("(unnamed)").to_string();
        let span = self.ctx.span(name_node.map_or(r.offset, |n| n.offset));
        let name = name_node.map(|n| self.ev.value(n));
        // A resource deploys only when its condition holds.
        if let Some(c) = member(r, "condition") {
            let v = self.ev.value(c);
            let skipped = |items: &mut AzureItems| {
                if let (Some(kind), None) = (network::arm_kind(ty), parent) {
                    let name = name.as_ref().and_then(name_text).unwrap_or_else(|| written.clone());
                    items.network.not_deployed.push(network::own_keys(None, kind, &name));
                }
            };
            match &v.kind {
                Kind::Bool(false) => return skipped(&mut self.items),
                Kind::String(s) if s.eq_ignore_ascii_case("false") => return skipped(&mut self.items),
                Kind::Bool(true) => {}
                Kind::String(s) if s.eq_ignore_ascii_case("true") => {}
                Kind::Unknown { reason, .. } => {
                    exists.get_or_insert(Unknown {
                        what: format!("whether {written} is deployed"),
                        reason: reason.clone(),
                        span: v.span.clone(),
                    });
                }
                _ => self.ev.error(&v.span, format!("{written}: `condition` should be a boolean")),
            }
        }
        // Children find their NSG by this text (an unknown's stand-in).
        let name_text = name.as_ref().and_then(name_text);
        // Interfaces, addresses, load balancers, route tables, networks.
        if let Some(kind) = network::arm_kind(ty).filter(|_| parent.is_none()) {
            let shown = name_text.clone().unwrap_or_else(|| written.clone());
            let value = self.ev.value(r);
            path_resource(&mut self.items, kind, &value, (&shown, &shown), span, &[], exists);
            return;
        }
        let deployed = match &name {
            Some(v) => v.text().ok_or_else(|| unknown_reason(v, "its name")),
            None => Err("it has no `name`".to_string()),
        };
        if ty == NSG_TYPE {
            let nsg_key = name_text.as_deref().map(|n| self.nsg_key(n));
            let (shown, note) = match deployed {
                Ok(n) => {
                    let note = as_written(&n, &written);
                    (n, note)
                }
                Err(why) => {
                    let subject = format!("network security group {written}");
                    (written.clone(), Some(unnamed_note(&subject, &why, "it is named as written")))
                }
            };
            self.nsg(r, &shown, span, nsg_key.clone(), exists.as_ref(), note);
            if let Some(children) = member(r, "resources") {
                let p = Parent { ty: ty.to_string(), nsg: nsg_key, shown };
                self.resources(children, Some(&p));
            }
        } else {
            let nsg = match parent {
                Some(p) => p.nsg.clone().map(|k| (k, p.shown.clone())),
                // `nsg/rule`: the NSG is the first segment.
                None => name_text.as_deref().and_then(|n| n.split_once('/')).map(|(n, _)| {
                    let shown = deployed.as_deref().ok().and_then(|d| d.split_once('/')).map_or(n, |(d, _)| d);
                    (self.nsg_key(n), shown.to_string())
                }),
            };
            let names = match deployed {
                // Nested in its NSG, a rule is named by its own segment.
                Ok(n) => {
                    let mut names = RuleNames::deployed(&n, parent.map(|p| p.shown.as_str()));
                    names.note = as_written(&names.resource, &written);
                    names
                }
                Err(why) => {
                    let note = unnamed_note(&format!("security rule {written}"), &why, "it is named as written");
                    RuleNames::unknown(&written, note)
                }
            };
            self.child_rule(r, names, span, nsg, exists.as_ref());
        }
    }

    fn nsg(
        &mut self,
        r: &Node,
        shown: &str,
        span: Span,
        nsg_key: Option<String>,
        exists: Option<&Unknown>,
        note: Option<String>,
    ) {
        // A network interface or subnet refers to it by `resourceId(…)`.
        let by_id = nsg_key.as_ref().map(|_| network::own_keys(None, "networkSecurityGroups", shown));
        let mut nsg = Nsg {
            id: shown.to_string(),
            aliases: nsg_key.into_iter().chain(by_id.into_iter().flatten()).collect(),
            span: span.clone(),
            entries: Vec::new(),
            has_defaults: false,
            subnets: Vec::new(),
            nics: Vec::new(),
            notes: note.into_iter().collect(),
        };
        let props = member(r, "properties");
        // The rules as written, or as a variable copy loop made them, and
        // those a property loop makes: one per iteration.
        let written = props.and_then(|p| member(p, "securityRules")).map(|rules| self.ev.value(rules));
        let looped = props.and_then(|p| property_loop(p, "securityRules")).map(|l| self.ev.copy_array(l));
        for v in written.iter().chain(&looped) {
            let copy = self.ev.copy_loop_of(v).map(str::to_string);
            add_security_rules(&mut nsg, v, shown, copy.as_deref(), &mut self.ev.errors);
        }
        if let Some(u) = exists {
            mark_conditional(&mut nsg.entries, u);
        }
        self.items.nsgs.push(nsg);
    }

    fn child_rule(
        &mut self,
        r: &Node,
        names: RuleNames,
        span: Span,
        nsg: Option<(String, String)>,
        exists: Option<&Unknown>,
    ) {
        let shown = names.resource.as_str();
        // The rule object: its name and properties, evaluated.
        let mut members = Vec::new();
        if let Some(n) = member(r, "name") {
            let value = self.ev.value(n);
            members.push(Member { key: "name".to_string(), span: value.span.clone(), value });
        }
        match member(r, "properties") {
            Some(p) => {
                let value = self.ev.value(p);
                members.push(Member { key: "properties".to_string(), span: value.span.clone(), value });
            }
            None => self.ev.error(&span, format!("security rule {shown} has no `properties`")),
        }
        let obj = Value { kind: Kind::Map(members), span: span.clone() };
        let mut rule = NsgRule {
            nsg: nsg.iter().map(|(k, _)| k.clone()).collect(),
            nsg_shown: nsg.map(|(_, s)| s),
            resource: shown.to_string(),
            span: span.clone(),
            entries: Vec::new(),
            notes: names.note.into_iter().collect(),
        };
        build_child_rule(&mut rule, &obj, shown, &names.rule, span, &mut self.ev.errors);
        if let Some(u) = exists {
            mark_conditional(&mut rule.entries, u);
        }
        self.items.rules.push(rule);
    }
}

/// How a child rule resource is named: `nsg/rule` (what findings and
/// `because` lines name), its own name (what its label names), and a note
/// when the name it deploys is not known.
pub(crate) struct RuleNames {
    pub resource: String,
    pub rule: String,
    pub note: Option<String>,
}

impl RuleNames {
    /// From the name it deploys: `nsg/rule` at the top level, or the
    /// rule's own segment nested in (or `parent:` of) the NSG `nsg`.
    pub fn deployed(name: &str, nsg: Option<&str>) -> RuleNames {
        let rule = name.rsplit('/').next().unwrap_or(name).to_string();
        let resource = match nsg {
            Some(n) => format!("{n}/{name}"),
            None => name.to_string(),
        };
        RuleNames { resource, rule, note: None }
    }

    /// When the name is not known: `fallback` (as written, or the Bicep
    /// symbol), with a note that says so (see [`unnamed_note`]).
    pub fn unknown(fallback: &str, note: String) -> RuleNames {
        RuleNames { resource: fallback.to_string(), rule: fallback.to_string(), note: Some(note) }
    }
}

/// The note for a resource whose deployed name is not known: `subject`
/// (`Bicep resource nsg`), and how it is named instead.
pub(crate) fn unnamed_note(subject: &str, why: &str, instead: &str) -> String {
    format!("the name {subject} deploys is not known ({why}): {instead}")
}

/// The note that keeps an evaluated name's expression as context, as a
/// reader of the template (or a tool that names resources as written)
/// finds it: `prod-cp-nsg is written [variables('nsgName')]`.
fn as_written(deployed: &str, written: &str) -> Option<String> {
    expression_of(written).map(|_| format!("{deployed} is written {written}"))
}

/// What a copy loop's iteration adds to the labels of what it made.
fn iteration_label(name: &str, i: usize, count: usize) -> String {
    format!(" (copy loop {name}, iteration {} of {count})", i + 1)
}

/// The rules of an NSG's `securityRules` value, built by the Azure rule
/// builder onto `nsg` (shared by ARM templates and Bicep). With `copy`, the
/// value is what the property loop of that name made: each rule's labels
/// say its iteration.
pub(crate) fn add_security_rules(
    nsg: &mut Nsg,
    v: &Value,
    shown: &str,
    copy: Option<&str>,
    errors: &mut Vec<IngestError>,
) {
    match &v.kind {
        Kind::List(list) => {
            let mut seen: Vec<(i64, String)> = Vec::new();
            for (i, rule) in list.iter().enumerate() {
                let before = nsg.entries.len();
                add_security_rule(nsg, rule, shown, &mut seen, errors);
                if let Some(name) = copy {
                    let label = iteration_label(name, i, list.len());
                    for e in &mut nsg.entries[before..] {
                        e.label.push_str(&label);
                    }
                }
            }
        }
        Kind::Null => {}
        Kind::Unknown { reason, .. } => nsg.entries.push(unknown_entry(shown, "securityRules", reason, &v.span)),
        _ => {
            let msg = format!("{shown}: `securityRules` should be an array, found {}", type_name(v));
            errors.push(IngestError::invalid(&v.span, msg));
            nsg.entries.push(unknown_entry(shown, "securityRules", "not an array of rules", &v.span));
        }
    }
}

/// One element of `securityRules`.
fn add_security_rule(
    nsg: &mut Nsg,
    rule: &Value,
    shown: &str,
    seen: &mut Vec<(i64, String)>,
    errors: &mut Vec<IngestError>,
) {
    if let Kind::Unknown { reason, .. } = &rule.kind {
        nsg.entries.push(unknown_entry(shown, "security rule", reason, &rule.span));
        return;
    }
    let rr = raw_rule(errors, rule, rule.span.clone());
    let built = build(&rr, shown, errors);
    if let (Some(p), false) = (built.priority, built.entries.is_empty()) {
        let rname = rr.name.clone().unwrap_or_default();
        if let Some((_, other)) = seen.iter().find(|(q, _)| *q == p) {
            let msg = format!("security rules {other} and {rname} share inbound priority {p}, which Azure rejects");
            errors.push(IngestError::invalid(&rule.span, msg));
        }
        seen.push((p, rname));
    }
    nsg.entries.extend(built.entries);
    nsg.notes.extend(built.notes);
}

/// A child `securityRules` resource's entries, from an object with its
/// `name` and `properties` (shared by ARM templates and Bicep): `shown`
/// names the resource, `name` the rule in its labels.
pub(crate) fn build_child_rule(
    rule: &mut NsgRule,
    obj: &Value,
    shown: &str,
    name: &str,
    span: Span,
    errors: &mut Vec<IngestError>,
) {
    match obj.get_any_case("properties").map(|p| &p.kind) {
        Some(Kind::Unknown { reason, .. }) => {
            rule.entries.push(unknown_entry(shown, "properties", reason, &span));
        }
        Some(Kind::Map(_)) => {
            let mut rr = raw_rule(errors, obj, span);
            rr.name = Some(name.to_string());
            let built = build(&rr, shown, errors);
            rule.entries = built.entries;
            rule.notes = built.notes;
        }
        _ => {}
    }
}

/// The rules of a resource that may not be deployed match only when it is:
/// their match is unknown, which bounds both readings.
pub(crate) fn mark_conditional(entries: &mut [Entry], u: &Unknown) {
    for e in entries {
        e.protocol = Known::from_unknown(u.clone());
    }
}

/// A path resource of a template (ARM or Bicep), evaluated: a public IP, a
/// network interface (also a target, with its NSG), a load balancer, a
/// route table, or a virtual network (its subnets' NSGs and route
/// tables). `extra` are other keys it is referred to by (a Bicep symbolic
/// name).
pub(crate) fn path_resource(
    items: &mut AzureItems,
    kind: &str,
    value: &Value,
    (shown, name): (&str, &str),
    span: Span,
    extra: &[String],
    exists: Option<Unknown>,
) {
    let net = &mut items.network;
    // Deployed only under a condition the template cannot decide: what
    // depends on a public IP, a load balancer or a route table is unknown
    // (docs/semantics.md, "Azure").
    if let (Some(u), "publicIPAddresses" | "loadBalancers" | "routeTables") = (&exists, kind) {
        let keys = network::own_keys(None, kind, name).into_iter().chain(extra.iter().cloned()).collect();
        // Named with the condition's place: the line a reader decides.
        let what = format!("{} (its condition at {}:{})", u.what, u.span.file, u.span.line);
        net.conditional.push((keys, Unknown { what, ..u.clone() }));
    }
    match kind {
        "networkInterfaces" => {
            let mut aliases = network::own_keys(None, kind, name);
            aliases.extend(extra.iter().cloned());
            let configs = network::prop(value, "ipConfigurations").and_then(Value::as_list).unwrap_or_default();
            let subnet = configs
                .iter()
                .find_map(|c| network::prop(c, "subnet").and_then(network::reference))
                .unwrap_or_default();
            let nsg = network::prop(value, "networkSecurityGroup").and_then(network::reference).unwrap_or_default();
            network::read_arm_object(net, kind, value, name, None, extra, Some(&aliases[0]));
            items.nics.push(Nic { id: shown.to_string(), aliases, span, subnet, nsg, from_template: true });
        }
        "virtualNetworks" => {
            let before = net.subnets.len();
            network::read_arm_object(net, kind, value, name, None, extra, None);
            let subnets = network::prop(value, "subnets").and_then(Value::as_list).unwrap_or_default();
            for (s, item) in subnets.iter().zip(net.subnets[before..].iter()) {
                if let Some(nsg) = network::prop(s, "networkSecurityGroup").and_then(network::reference) {
                    items.associations.push(Association { kind: Attach::Subnet, nsg, member: item.keys.clone() });
                }
                items.subnets.push(Subnet { aliases: item.keys.clone() });
            }
            if !net.associations.is_empty() {
                net.mark(Described::RouteTables);
            }
        }
        _ => {
            network::read_arm_object(net, kind, value, name, None, extra, None);
            if kind == "routeTables" {
                net.mark(Described::RouteTables);
            }
        }
    }
}
