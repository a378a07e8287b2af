//! Azure resources in Terraform (plan or configuration) → Azure items.
//!
//! Argument names follow the azurerm provider
//! (the Terraform Registry docs of hashicorp/azurerm):
//! `azurerm_network_security_group` (inline `security_rule` blocks),
//! `azurerm_network_security_rule`, `azurerm_subnet_network_security_group_association`,
//! `azurerm_network_interface_security_group_association`,
//! `azurerm_network_interface` (its `ip_configuration.subnet_id`) and
//! `azurerm_subnet` (to tie a subnet's id to its address).

use super::facts::{key, name_key};
use super::rule::{build, RawRule};
use super::{Association, Attach, AzureItems, Nic, Nsg, NsgRule, Subnet};
use crate::error::IngestError;
use crate::languages::terraform::refs::{aliases, blocks, candidates, nested_candidates};
use crate::languages::terraform::resource::{type_name, Resource};
use crate::providers::fields::{error, from_value, list_from_value};
use portcullis_model::{Entry, Span, Unknown};
use portcullis_syntax::Value;

/// One scalar argument as written.
fn raw(errors: &mut Vec<IngestError>, node: &Value, k: &str) -> Option<Value> {
    from_value(errors, node.get(k)?, k)
}

/// A singular argument and its plural twin, merged.
fn raw_list(errors: &mut Vec<IngestError>, node: &Value, one: &str, many: &str) -> Vec<Value> {
    let mut out: Vec<Value> = raw(errors, node, one).into_iter().collect();
    if let Some(v) = node.get(many) {
        out.extend(list_from_value(errors, v, many));
    }
    out
}

fn raw_rule(errors: &mut Vec<IngestError>, node: &Value) -> RawRule {
    let mut rr = RawRule::new(node.span.clone());
    rr.name = node.get("name").and_then(Value::text);
    rr.priority = raw(errors, node, "priority");
    rr.direction = raw(errors, node, "direction");
    rr.access = raw(errors, node, "access");
    rr.protocol = raw(errors, node, "protocol");
    rr.src_prefixes = raw_list(errors, node, "source_address_prefix", "source_address_prefixes");
    rr.src_asgs = raw_list(errors, node, "", "source_application_security_group_ids");
    rr.src_ports = raw_list(errors, node, "source_port_range", "source_port_ranges");
    rr.dst_ports = raw_list(errors, node, "destination_port_range", "destination_port_ranges");
    rr.dst_prefixes = raw_list(errors, node, "destination_address_prefix", "destination_address_prefixes");
    rr.dst_asgs = raw_list(errors, node, "", "destination_application_security_group_ids");
    rr
}

/// An entry standing for rules the input cannot show (a `security_rule`
/// list known only after apply): it may admit anything.
fn unknown_entry(resource: &str, reason: &str, span: &Span) -> Entry {
    let u = Unknown { what: "security_rule".into(), reason: reason.into(), span: span.clone() };
    Entry::unknown_allow(resource, format!("security_rule ({reason})"), u, i64::MIN)
}

fn str_of(r: &Resource, k: &str) -> Option<String> {
    r.values.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Reads one Azure resource; other types are ignored.
pub fn read_resource(errors: &mut Vec<IngestError>, r: &Resource, items: &mut AzureItems) {
    match r.ty.as_str() {
        "azurerm_network_security_group" => {
            let mut als = aliases(r);
            if let (Some(rg), Some(name)) = (str_of(r, "resource_group_name"), str_of(r, "name")) {
                als.push(name_key(&rg, &name));
            }
            let mut nsg = Nsg {
                id: r.address.clone(),
                aliases: als,
                span: r.span.clone(),
                entries: Vec::new(),
                has_defaults: false,
                subnets: Vec::new(),
                nics: Vec::new(),
                notes: Vec::new(),
            };
            match blocks(r.values.get("security_rule")) {
                Err(v) => {
                    let reason = v.unknown_reason().unwrap_or("not a list of rules").to_string();
                    if v.unknown_reason().is_none() {
                        error(errors, &v.span, format!("`security_rule` should be blocks, found {}", type_name(v)));
                    }
                    nsg.entries.push(unknown_entry(&r.address, &reason, &v.span));
                }
                Ok(bs) => {
                    let mut seen: Vec<(i64, String)> = Vec::new();
                    for b in bs {
                        if let Some(reason) = b.unknown_reason() {
                            nsg.entries.push(unknown_entry(&r.address, reason, &b.span));
                            continue;
                        }
                        let rr = raw_rule(errors, b);
                        let built = build(&rr, &r.address, errors);
                        if let (Some(p), false) = (built.priority, built.entries.is_empty()) {
                            let name = rr.name.clone().unwrap_or_default();
                            if let Some((_, other)) = seen.iter().find(|(q, _)| *q == p) {
                                error(
                                    errors,
                                    &b.span,
                                    format!("security rules {other} and {name} share inbound priority {p}, which Azure rejects"),
                                );
                            }
                            seen.push((p, name));
                        }
                        nsg.entries.extend(built.entries);
                        nsg.notes.extend(built.notes);
                    }
                }
            }
            items.nsgs.push(nsg);
        }
        "azurerm_network_security_rule" => {
            let rr = raw_rule(errors, &r.values);
            let built = build(&rr, &r.address, errors);
            let mut nsg = Vec::new();
            let name = str_of(r, "network_security_group_name");
            if let (Some(rg), Some(n)) = (str_of(r, "resource_group_name"), &name) {
                nsg.push(name_key(&rg, n));
            }
            nsg.extend(candidates(r, "network_security_group_name"));
            items.rules.push(NsgRule {
                nsg,
                nsg_shown: name,
                resource: r.address.clone(),
                span: r.span.clone(),
                entries: built.entries,
                notes: built.notes,
            });
        }
        "azurerm_subnet_network_security_group_association" => items.associations.push(Association {
            kind: Attach::Subnet,
            nsg: candidates(r, "network_security_group_id"),
            member: candidates(r, "subnet_id"),
        }),
        "azurerm_network_interface_security_group_association" => items.associations.push(Association {
            kind: Attach::Nic,
            nsg: candidates(r, "network_security_group_id"),
            member: candidates(r, "network_interface_id"),
        }),
        "azurerm_network_interface" => items.nics.push(Nic {
            id: r.address.clone(),
            aliases: aliases(r),
            span: r.span.clone(),
            subnet: nested_candidates(r, "ip_configuration", "subnet_id", "azurerm_subnet"),
            nsg: Vec::new(),
        }),
        "azurerm_subnet" => {
            let mut a = aliases(r);
            if let Some(id) = str_of(r, "id") {
                a.push(key(&id));
            }
            items.subnets.push(Subnet { aliases: a });
        }
        _ => {}
    }
}
