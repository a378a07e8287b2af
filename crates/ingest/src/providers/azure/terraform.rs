//! Azure resources in Terraform (plan or configuration) → Azure items.
//!
//! Argument names follow the azurerm provider
//! (the Terraform Registry docs of hashicorp/azurerm):
//! `azurerm_network_security_group` (inline `security_rule` blocks),
//! `azurerm_network_security_rule`, `azurerm_subnet_network_security_group_association`,
//! `azurerm_network_interface_security_group_association`,
//! `azurerm_network_interface` (its `ip_configuration` blocks: `subnet_id`,
//! `private_ip_address`, `public_ip_address_id`) and `azurerm_subnet` (to
//! tie a subnet's id to its address, its `virtual_network_name`); for
//! paths `azurerm_public_ip`, `azurerm_lb` (`frontend_ip_configuration`),
//! `azurerm_lb_rule`, `azurerm_lb_nat_rule`, `azurerm_lb_backend_address_pool`
//! and `_address`, `azurerm_network_interface_backend_address_pool_association`,
//! `azurerm_network_interface_nat_rule_association`, `azurerm_route_table`
//! (`route` blocks), `azurerm_route` and
//! `azurerm_subnet_route_table_association` ([`super::network`]).

use super::facts::{key, name_key};
use super::rule::{build, RawRule};
use super::{network, Association, Attach, AzureItems, Nic, Nsg, NsgRule, Subnet};
use crate::error::IngestError;
use crate::languages::terraform::refs::{aliases, blocks, candidates, nested_candidates};
use crate::languages::terraform::resource::{integer, type_name, Resource};
use crate::providers::fields::{error, from_value, list_from_value};
use portcullis_model::topology::Described;
use portcullis_model::{AddrSet, Cidr, Entry, Known, Span, Unknown};
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
            from_template: false,
        }),
        "azurerm_subnet" => {
            let mut a = aliases(r);
            if let Some(id) = str_of(r, "id") {
                a.push(key(&id));
            }
            items.network.subnets.push(network::SubnetItem {
                keys: a.clone(),
                name: str_of(r, "name").unwrap_or_else(|| r.address.clone()),
                network: str_of(r, "virtual_network_name")
                    .or_else(|| candidates(r, "virtual_network_name").into_iter().next()),
                span: r.span.clone(),
                cidrs: cidrs_of(r.values.get("address_prefixes")),
            });
            items.subnets.push(Subnet { aliases: a });
        }
        _ => read_path_resource(r, &mut items.network),
    }
    if r.ty == "azurerm_network_interface" {
        read_interface(r, &mut items.network);
    }
}

/// Known address blocks of a list (`address_prefixes`).
fn cidrs_of(v: Option<&Value>) -> Option<AddrSet> {
    let list = v?.as_list()?;
    let mut out = AddrSet::empty();
    for c in list {
        out.union_in_place(&Cidr::parse(c.as_str()?).ok()?.to_set());
    }
    Some(out)
}

/// A port argument, or why it is unknown.
fn port_arg(r: &Resource, node: &Value, k: &str) -> Known<u16> {
    let what = format!("`{k}` of {}", r.address);
    match node.get(k) {
        Some(v) => match (v.unknown_reason(), integer(v).and_then(|i| u16::try_from(i).ok())) {
            (_, Some(p)) => Known::Known(p),
            (Some(reason), _) => Known::from_unknown(Unknown { what, reason: reason.into(), span: v.span.clone() }),
            _ => Known::from_unknown(Unknown { what, reason: "not a port number".into(), span: v.span.clone() }),
        },
        None => Known::from_unknown(Unknown { what, reason: "not set".into(), span: r.span.clone() }),
    }
}

/// The SKU as written; `None` when not set (the provider's default depends
/// on its version) or unknown.
fn sku_arg(r: &Resource) -> Option<network::Sku> {
    str_of(r, "sku").as_deref().and_then(network::Sku::parse)
}

/// `azurerm_network_interface`: its `ip_configuration` blocks.
fn read_interface(r: &Resource, net: &mut network::NetworkItems) {
    let keys = aliases(r);
    let mut configs = Vec::new();
    for (i, b) in blocks(r.values.get("ip_configuration")).unwrap_or_default().into_iter().enumerate() {
        let public_ip = match b.get("public_ip_address_id") {
            None => Known::Known(None),
            Some(v) if v.is_null() || v.as_str() == Some("") => Known::Known(None),
            Some(v) => {
                let mut refs: Vec<String> = v.as_str().map(|s| s.trim().to_ascii_lowercase()).into_iter().collect();
                if i == 0 {
                    refs.extend(nested_candidates(r, "ip_configuration", "public_ip_address_id", "azurerm_public_ip"));
                }
                refs.dedup();
                if refs.is_empty() {
                    Known::from_unknown(Unknown {
                        what: format!("the public IP of {}", r.address),
                        reason: v.unknown_reason().unwrap_or("the reference cannot be resolved").to_string(),
                        span: v.span.clone(),
                    })
                } else {
                    Known::Known(Some(refs))
                }
            }
        };
        let mut subnet: Vec<String> = b.get("subnet_id").and_then(Value::as_str).map(key).into_iter().collect();
        if i == 0 {
            subnet.extend(nested_candidates(r, "ip_configuration", "subnet_id", "azurerm_subnet"));
        }
        configs.push(network::IpConfigItem {
            name: b.get("name").and_then(Value::text).unwrap_or_default(),
            span: b.span.clone(),
            subnet,
            private: b.get("private_ip_address").and_then(Value::text).filter(|s| !s.is_empty()).into_iter().collect(),
            public_ip,
        });
    }
    net.nics.push(network::NicNetItem { nic: keys[0].clone(), keys, configs });
}

/// The keys of a load balancer's frontend named by `frontend_ip_configuration_name`.
fn frontend_keys(r: &Resource, lb: &[String]) -> Vec<String> {
    let Some(name) = str_of(r, "frontend_ip_configuration_name") else { return Vec::new() };
    network::child_keys(None, lb, "frontendIPConfigurations", &name)
}

/// The other path resources: public IPs, load balancers and their parts,
/// route tables, routes and associations.
fn read_path_resource(r: &Resource, net: &mut network::NetworkItems) {
    let name = || str_of(r, "name").unwrap_or_else(|| r.address.clone());
    match r.ty.as_str() {
        "azurerm_public_ip" => net.public_ips.push(network::PublicIpItem {
            name: name(),
            keys: aliases(r),
            span: r.span.clone(),
            address: str_of(r, "ip_address"),
            sku: sku_arg(r),
            v6: str_of(r, "ip_version").is_some_and(|v| v.eq_ignore_ascii_case("ipv6")),
        }),
        "azurerm_lb" => {
            let keys = aliases(r);
            let mut frontends = Vec::new();
            for b in blocks(r.values.get("frontend_ip_configuration")).unwrap_or_default() {
                let fname = b.get("name").and_then(Value::text).unwrap_or_default();
                let mut public_ip: Vec<String> = Vec::new();
                let mut unknown = None;
                if let Some(v) = b.get("public_ip_address_id").filter(|v| !v.is_null() && v.as_str() != Some("")) {
                    public_ip.extend(v.as_str().map(key));
                    public_ip.extend(nested_candidates(
                        r,
                        "frontend_ip_configuration",
                        "public_ip_address_id",
                        "azurerm_public_ip",
                    ));
                    if public_ip.is_empty() {
                        unknown = Some(Unknown {
                            what: format!("whether frontend {fname} of {} is public", r.address),
                            reason: v.unknown_reason().unwrap_or("the reference cannot be resolved").into(),
                            span: v.span.clone(),
                        });
                    }
                }
                frontends.push(network::FrontendItem {
                    keys: network::child_keys(None, &keys, "frontendIPConfigurations", &fname),
                    name: fname,
                    public_ip,
                    unknown,
                });
            }
            net.load_balancers.push(network::LoadBalancerItem {
                name: name(),
                keys,
                span: r.span.clone(),
                sku: sku_arg(r),
                frontends,
            });
        }
        "azurerm_lb_rule" | "azurerm_lb_nat_rule" => {
            let nat = r.ty == "azurerm_lb_nat_rule";
            let lb = candidates(r, "loadbalancer_id");
            let mut pools = Vec::new();
            for k in ["backend_address_pool_ids", "backend_address_pool_id"] {
                let c = candidates(r, k);
                if !c.is_empty() {
                    pools.push(c);
                }
            }
            let frontend_ports = if r.values.get("frontend_port_start").is_some() {
                match (port_arg(r, &r.values, "frontend_port_start"), port_arg(r, &r.values, "frontend_port_end")) {
                    (Known::Known(a), Known::Known(b)) => Known::Known((a.min(b), a.max(b))),
                    (Known::Unknown(u), _) | (_, Known::Unknown(u)) => Known::Unknown(u),
                }
            } else {
                match port_arg(r, &r.values, "frontend_port") {
                    Known::Known(p) => Known::Known((p, p)),
                    Known::Unknown(u) => Known::Unknown(u),
                }
            };
            net.rules.push(network::RuleItem {
                frontend: frontend_keys(r, &lb),
                load_balancer: lb,
                keys: aliases(r),
                name: name(),
                span: r.span.clone(),
                nat,
                pools,
                protocol: str_of(r, "protocol").unwrap_or_else(|| "Tcp".into()),
                frontend_ports,
                backend_port: port_arg(r, &r.values, "backend_port"),
            });
        }
        "azurerm_lb_backend_address_pool" => net.pools.push(network::PoolItem {
            load_balancer: candidates(r, "loadbalancer_id"),
            keys: aliases(r),
            name: name(),
            span: r.span.clone(),
        }),
        "azurerm_lb_backend_address_pool_address" => {
            if let Some(ip) = str_of(r, "ip_address") {
                net.pool_members.push((
                    candidates(r, "backend_address_pool_id"),
                    network::MemberRef::Address(ip),
                    r.span.clone(),
                ));
            }
        }
        "azurerm_network_interface_backend_address_pool_association" => net.pool_members.push((
            candidates(r, "backend_address_pool_id"),
            network::MemberRef::Nic(candidates(r, "network_interface_id")),
            r.span.clone(),
        )),
        "azurerm_network_interface_nat_rule_association" => net.nat_members.push((
            candidates(r, "nat_rule_id"),
            network::MemberRef::Nic(candidates(r, "network_interface_id")),
            r.span.clone(),
        )),
        "azurerm_route_table" => {
            let mut routes = Vec::new();
            for b in blocks(r.values.get("route")).unwrap_or_default() {
                routes.push(route_block(r, b));
            }
            net.route_tables.push(network::RouteTableItem {
                name: name(),
                keys: aliases(r),
                span: r.span.clone(),
                routes,
            });
            net.mark(Described::RouteTables);
        }
        "azurerm_route" => {
            let mut table = candidates(r, "route_table_name");
            if let (Some(rg), Some(t)) = (str_of(r, "resource_group_name"), str_of(r, "route_table_name")) {
                table.push(format!("{}/routetables/{}", key(&rg), key(&t)));
            }
            net.routes.push((table, route_block(r, &r.values)));
            net.mark(Described::RouteTables);
        }
        "azurerm_subnet_route_table_association" => {
            net.associations.push((candidates(r, "subnet_id"), candidates(r, "route_table_id")));
            net.mark(Described::RouteTables);
        }
        _ => {}
    }
}

/// A `route` block or an `azurerm_route`: `address_prefix`,
/// `next_hop_type`, `next_hop_in_ip_address`.
fn route_block(r: &Resource, b: &Value) -> network::RouteItem {
    let name = b.get("name").and_then(Value::text).unwrap_or_default();
    let unknown = |what: String, v: &Value, reason: &str| Unknown {
        what,
        reason: v.unknown_reason().unwrap_or(reason).to_string(),
        span: v.span.clone(),
    };
    let (prefix, prefix_label) = match b.get("address_prefix") {
        Some(v) => match v.as_str().map(|t| (t, Cidr::parse(t))) {
            Some((t, Ok(c))) => (Known::Known(c), t.to_string()),
            Some((t, Err(_))) => (
                Known::from_unknown(unknown(
                    format!("the destination {t} of route {name}"),
                    v,
                    "a service tag's ranges are not evaluated in routes",
                )),
                t.to_string(),
            ),
            None => (
                Known::from_unknown(unknown(format!("the destination of route {name}"), v, "not text")),
                "(unknown)".into(),
            ),
        },
        None => (
            Known::from_unknown(Unknown {
                what: format!("the destination of route {name}"),
                reason: format!("`address_prefix` is not set in {}", r.address),
                span: b.span.clone(),
            }),
            "(unknown)".into(),
        ),
    };
    let next_hop = match b.get("next_hop_type") {
        Some(v) => match v.as_str() {
            Some(t) => Known::Known(t.to_string()),
            None => Known::from_unknown(unknown(format!("the next hop of route {name}"), v, "not text")),
        },
        None => Known::from_unknown(Unknown {
            what: format!("the next hop of route {name}"),
            reason: "`next_hop_type` is not set".into(),
            span: b.span.clone(),
        }),
    };
    network::RouteItem {
        name,
        prefix,
        prefix_label,
        next_hop,
        next_hop_ip: b.get("next_hop_in_ip_address").and_then(Value::text).filter(|s| !s.is_empty()),
        span: b.span.clone(),
    }
}
