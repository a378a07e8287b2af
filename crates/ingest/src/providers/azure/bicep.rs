//! Bicep source (`.bicep`): network security groups and their rules, read
//! onto the same Azure items as ARM templates ([`super::arm`]) and built by
//! the same rule builder ([`super::rule`]), so priorities, default rules,
//! service tags and port forms mean what they mean everywhere.
//!
//! Read: `resource` declarations of `Microsoft.Network/networkSecurityGroups`
//! with `properties.securityRules`, and of
//! `Microsoft.Network/networkSecurityGroups/securityRules`, joined to their
//! NSG by `parent:`, by nesting (`resource r 'securityRules' = {…}` inside
//! the NSG), or by a `nsg/rule` name. `existing` NSGs are not deployed by
//! the file: their own rules are not in the input, so a rule added to one is
//! its own target. Resource loops (`[for …]`) and conditions (`if (…)`)
//! are expanded or evaluated as far as their inputs are known, by the
//! Bicep evaluator ([`crate::languages::bicep`]).
//!
//! Path resources (`networkInterfaces`, `publicIPAddresses`,
//! `loadBalancers`, `routeTables`, `virtualNetworks`) are read as ARM
//! templates' are ([`super::arm::path_resource`]); a reference `sym.id`
//! joins the resource declared as `sym`.
//!
//! Resources are named by the name they deploy (`name: '${prefix}-cp-nsg'`
//! evaluated), as the portal, the CLI and flow logs name them; a child rule
//! as `nsg/rule`. The symbolic name (`nsg`, `nsgs[1]` for a loop), which is
//! how the file refers to them, is a note on the target. When the name
//! cannot be evaluated (a parameter without a default), the resource is
//! named by its symbol and the note says why.

use super::arm::{
    add_security_rules, build_child_rule, mark_conditional, path_resource, unknown_entry, unnamed_note, RuleNames,
};
use super::facts::key;
use super::network;
use super::{AzureItems, Nsg, NsgRule};
use crate::context::Context;
use crate::error::IngestError;
use crate::languages::arm::{name_text, num, truth, type_name, unknown_reason, unknown_val};
use crate::languages::bicep::parse::{Declaration, Expression, ExpressionKind, Resource};
use crate::languages::bicep::{declarations, Evaluator};
use crate::languages::parameters::Parameters;
use crate::FileOutcome;
use portcullis_model::Unknown;
use portcullis_syntax::{Kind, Member, Value};
use std::sync::Arc;

const NSG_TYPE: &str = "microsoft.network/networksecuritygroups";
const RULE_TYPE: &str = "microsoft.network/networksecuritygroups/securityrules";

/// Whether a path names Bicep source.
pub fn is_bicep_path(path: &str) -> bool {
    path.rsplit('.').next().is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

/// Reads a `.bicep` file.
pub fn read_input(path: &str, text: &str, given: &Parameters) -> FileOutcome {
    let file: Arc<str> = Arc::from(path);
    let ctx = Context::new(file, text);
    let mut out = FileOutcome { path: path.to_string(), format: Some("bicep"), ..Default::default() };
    let decls = declarations(&ctx, text, &mut out.errors);
    let lookup = |name: &str| given.any_case(name);
    let mut ev = Evaluator::new(&ctx, text, &lookup, &decls);
    let mut items = AzureItems::default();
    for d in &decls {
        if let Declaration::Resource(r) = d {
            resource(&mut ev, r, None, &mut items);
        }
    }
    out.azure = items;
    ev.errors.sort_by_key(|e| (e.line, e.column));
    out.errors.append(&mut ev.errors);
    out
}

/// An NSG a child rule can be nested in.
struct Parent {
    ty: String,
    key: String,
    /// The name it deploys, or its symbol when that is not known.
    name: String,
    existing: bool,
}

/// The name a resource deploys, or why it is not known.
fn deployed(v: &Value) -> Result<String, String> {
    match v.get_any_case("name") {
        Some(n) => n.text().ok_or_else(|| unknown_reason(n, "its name")),
        None => Err("it has no `name`".to_string()),
    }
}

/// A resource declaration, expanded over its loop and condition; NSGs
/// and their rules become Azure items, nested children follow.
fn resource(ev: &mut Evaluator, r: &Resource, parent: Option<&Parent>, items: &mut AzureItems) {
    let ty = match parent {
        Some(p) if !r.ty.contains('/') => format!("{}/{}", p.ty, r.ty.to_ascii_lowercase()),
        _ => r.ty.to_ascii_lowercase(),
    };
    if ty != NSG_TYPE && ty != RULE_TYPE && (parent.is_some() || network::arm_kind(&ty).is_none()) {
        return;
    }
    match &r.value.kind {
        ExpressionKind::For { item, index, iter, body } => {
            let it = ev.eval(iter);
            match it.kind {
                Kind::List(list) => {
                    for (i, v) in list.into_iter().enumerate() {
                        let n = ev.bind(item, index.as_deref(), v, i, &it.span);
                        instance(ev, r, &ty, format!("{}[{i}]", r.symbol), body, parent, None, items);
                        ev.locals.truncate(n);
                    }
                }
                _ => {
                    let reason = match &it.kind {
                        Kind::Unknown { reason, .. } => reason.clone(),
                        _ => {
                            ev.error(iter, format!("a `for` loop needs an array, found {}", type_name(&it)));
                            "not an array".into()
                        }
                    };
                    let u = Unknown {
                        what: format!("how many {} the loop creates", r.symbol),
                        reason: reason.clone(),
                        span: it.span.clone(),
                    };
                    let span = it.span.clone();
                    let unknown_item = unknown_val(&span, format!("a loop item: {reason}"), "{item}");
                    let n = ev.bind(item, index.as_deref(), unknown_item, 0, &span);
                    if let Some(ix) = index {
                        if let Some(l) = ev.locals.iter_mut().rev().find(|(k, _)| k == ix) {
                            l.1 = unknown_val(&span, format!("a loop index: {reason}"), "{index}");
                        }
                    }
                    instance(ev, r, &ty, format!("{}[*]", r.symbol), body, parent, Some(u), items);
                    ev.locals.truncate(n);
                }
            }
        }
        _ => instance(ev, r, &ty, r.symbol.clone(), &r.value, parent, None, items),
    }
}

#[allow(clippy::too_many_arguments)]
fn instance(
    ev: &mut Evaluator,
    r: &Resource,
    ty: &str,
    shown: String,
    body: &Expression,
    parent: Option<&Parent>,
    mut exists: Option<Unknown>,
    items: &mut AzureItems,
) {
    let body = match &body.kind {
        ExpressionKind::If(c, b) => {
            let cv = ev.eval(c);
            match truth(&cv) {
                Some(true) => b.as_ref(),
                Some(false) => {
                    // Not deployed: a reference to it names nothing.
                    if let (Some(kind), None) = (network::arm_kind(ty), parent) {
                        let v = ev.eval(b);
                        let name = v.get_any_case("name").and_then(name_text).unwrap_or_else(|| shown.clone());
                        let mut keys = network::own_keys(None, kind, &name);
                        keys.push(format!("bicep:{}", key(&shown)));
                        items.network.not_deployed.push(keys);
                    }
                    return;
                }
                None => {
                    exists.get_or_insert(Unknown {
                        what: format!("whether {shown} is deployed"),
                        reason: unknown_reason(&cv, "its condition"),
                        span: cv.span.clone(),
                    });
                    b.as_ref()
                }
            }
        }
        _ => body,
    };
    let ExpressionKind::Object(_, children) = &body.kind else {
        ev.error(body, format!("resource {shown}: its body should be an object"));
        return;
    };
    let span = ev.span(r.at);
    let v = ev.eval(body);
    let file = ev.ctx.file.clone();
    if let Some(kind) = network::arm_kind(ty) {
        // An `existing` resource is not deployed by the file: what it
        // holds is not in the input.
        if parent.is_none() && !r.existing {
            // Referred to as `sym.id` (a `{sym.id}` stand-in) or by `resourceId`.
            let name = v.get_any_case("name").and_then(name_text).unwrap_or_else(|| shown.clone());
            let extra = [format!("bicep:{}", key(&shown))];
            path_resource(items, kind, &v, (&shown, &name), span, &extra, exists);
        }
        return;
    }
    let subject = format!("Bicep resource {shown}");
    if ty == NSG_TYPE {
        let nsg_key = format!("bicep-nsg:{file}:{}", key(&shown));
        // Named by the name it deploys; the symbol is a note.
        let (name, note) = match deployed(&v) {
            Ok(n) => {
                let note = format!("{n} is {subject}");
                (n, note)
            }
            Err(why) => (shown.clone(), unnamed_note(&subject, &why, "it is named by its symbol")),
        };
        if !r.existing {
            // Interfaces and subnets refer to it as `sym.id` or by `resourceId`.
            let mut aliases = vec![nsg_key.clone(), format!("bicep:{}", key(&shown))];
            if let Some(n) = v.get_any_case("name").and_then(name_text) {
                aliases.push(format!("bicep-nsg-name:{file}:{}", key(&n)));
                aliases.extend(network::own_keys(None, "networkSecurityGroups", &n));
            }
            let mut nsg = Nsg {
                id: name.clone(),
                aliases,
                span,
                entries: Vec::new(),
                has_defaults: false,
                subnets: Vec::new(),
                nics: Vec::new(),
                notes: vec![note],
            };
            match v.get_any_case("properties") {
                Some(p) if p.is_unknown() => {
                    let reason = unknown_reason(p, "properties");
                    nsg.entries.push(unknown_entry(&name, "properties", &reason, &p.span));
                }
                Some(p) => {
                    if let Some(rules) = p.get_any_case("securityRules") {
                        add_security_rules(&mut nsg, rules, &name, None, &mut ev.errors);
                    }
                }
                None => {}
            }
            if let Some(u) = &exists {
                mark_conditional(&mut nsg.entries, u);
            }
            items.nsgs.push(nsg);
        }
        let p = Parent { ty: NSG_TYPE.into(), key: nsg_key, name, existing: r.existing };
        for c in children {
            resource(ev, c, Some(&p), items);
        }
        return;
    }
    // A child rule: its NSG by nesting, `parent:`, or `nsg/rule` name.
    let mut notes = Vec::new();
    let (nsg, by_parent): (Option<(String, String)>, bool) = match parent {
        Some(p) => {
            if p.existing {
                notes.push(format!("added to the existing NSG {}, whose other rules are not in the input", p.name));
            }
            (Some((p.key.clone(), p.name.clone())), true)
        }
        None => match parent_of(ev, body, &mut notes) {
            Some(found) => (Some(found), true),
            None => {
                let by_name = v.get_any_case("name").and_then(name_text).and_then(|n| {
                    let (nsg, _) = n.split_once('/')?;
                    Some((format!("bicep-nsg-name:{file}:{}", key(nsg)), nsg.to_string()))
                });
                (by_name, false)
            }
        },
    };
    let names = match deployed(&v) {
        Ok(n) => {
            let in_nsg = nsg.as_ref().filter(|_| by_parent).map(|(_, shown)| shown.as_str());
            let mut names = RuleNames::deployed(&n, in_nsg);
            names.note = Some(format!("{} is {subject}", names.resource));
            names
        }
        Err(why) => RuleNames::unknown(&shown, unnamed_note(&subject, &why, "it is named by its symbol")),
    };
    notes.extend(names.note);
    let mut obj = Vec::new();
    if let Some(n) = v.get_any_case("name") {
        obj.push(Member { key: "name".to_string(), span: n.span.clone(), value: n.clone() });
    }
    match v.get_any_case("properties") {
        Some(p) => obj.push(Member { key: "properties".to_string(), span: p.span.clone(), value: p.clone() }),
        None => {
            ev.errors.push(IngestError::invalid(&span, format!("security rule {} has no `properties`", names.resource)))
        }
    }
    let obj = Value { kind: Kind::Map(obj), span: span.clone() };
    let mut rule = NsgRule {
        nsg: nsg.iter().map(|(k, _)| k.clone()).collect(),
        nsg_shown: nsg.map(|(_, s)| s),
        resource: names.resource.clone(),
        span: span.clone(),
        entries: Vec::new(),
        notes,
    };
    build_child_rule(&mut rule, &obj, &names.resource, &names.rule, span, &mut ev.errors);
    if let Some(u) = &exists {
        mark_conditional(&mut rule.entries, u);
    }
    items.rules.push(rule);
}

/// The NSG a `parent:` property names (a resource symbol, or an instance
/// of a resource loop, `nsgs[0]`): its key, and the name it deploys (its
/// symbol when that is not known).
fn parent_of(ev: &mut Evaluator, body: &Expression, notes: &mut Vec<String>) -> Option<(String, String)> {
    let ExpressionKind::Object(props, _) = &body.kind else { return None };
    let (_, _, p) = props.iter().find(|(k, _, _)| k == "parent")?;
    let file = ev.ctx.file.clone();
    let (sym, shown, index) = match &p.kind {
        ExpressionKind::Identifier(s) => (s.clone(), s.clone(), None),
        ExpressionKind::Index { base, index, .. } => {
            let ExpressionKind::Identifier(s) = &base.kind else { return None };
            let i = ev.eval(index);
            match num(&i) {
                Some(n) => (s.clone(), format!("{s}[{n}]"), Some(i)),
                None => (s.clone(), format!("{s}[*]"), Some(i)),
            }
        }
        _ => return None,
    };
    let r = ev.resources.get(sym.as_str()).copied()?;
    let name = ev.resource_name(r, index.as_ref()).text().unwrap_or_else(|| shown.clone());
    if r.existing {
        notes.push(format!(
            "its NSG {name} (Bicep resource {shown}) is declared `existing`: the NSG's other rules are not in the input"
        ));
    }
    Some((format!("bicep-nsg:{file}:{}", key(&shown)), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> FileOutcome {
        read_input("main.bicep", src, &Parameters::default())
    }

    #[test]
    fn values_evaluate_like_bicep() {
        let src = r#"
param prefix string = 'cp'
param ports array = [10257, 10259]
var names = [for (p, i) in ports: '${prefix}-${p}-${i}']
var picked = length(ports) > 1 ? names[1] : 'none'
var maybe = {}
var safe = maybe.?missing ?? 'fallback'
var math = (1 + 2) * 3 % 5
var cmp = 'ABC' =~ 'abc' && !(1 == 2)
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: '${picked}|${safe}|${math}|${cmp}|${toLower('X')}|${resourceGroup().location}'
}
"#;
        let out = read(src);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let nsg = &out.azure.nsgs[0];
        assert_eq!(nsg.id, "nsg");
        let name = nsg.aliases.iter().find(|a| a.starts_with("bicep-nsg-name")).expect("name alias");
        assert!(name.ends_with(":cp-10259-1|fallback|4|true|x|{resourcegroup()}.location"), "{name}");
    }

    #[test]
    fn syntax_errors_have_positions_and_do_not_stop_the_file() {
        let out = read("var a = [1 2]\nresource nsg 'Microsoft.Network/networkSecurityGroups@1' = {\n  name: 'x'\n}\n");
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert_eq!((out.errors[0].line, out.errors[0].column), (1, 12));
        assert_eq!(out.azure.nsgs.len(), 1);
        let lexed = read("var a = 'open\n");
        assert_eq!((lexed.errors[0].line, lexed.errors[0].column), (1, 9));
    }
}
