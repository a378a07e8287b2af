//! `ipset save` output: the members of the sets iptables rules name with
//! `-m set --match-set`.
//!
//! Format (ipset(8), <https://ipset.netfilter.org/ipset.man.html>): `create
//! NAME TYPE options…` then `add NAME MEMBER [options…]`. Types read:
//! `hash:ip`, `hash:net`, `bitmap:ip`, `hash:ip,port`, `hash:net,port`,
//! `hash:ip,port,ip`, `hash:ip,port,net`, `hash:net,port,net`,
//! `bitmap:port`, `list:set`. In `hash:net` types a member marked
//! `nomatch` is an exception: the most specific entry decides, as the
//! kernel looks them up. Other types (MAC addresses, interfaces) are not
//! read: a rule using one stays unknown.

use crate::error::{ErrorKind, HostfwError};
use crate::node::{node_of, Node};
use crate::values;
use crate::words;
use portcullis_model::{AddrSet, Cidr, Family, PortSet, Protocol, Span};
use std::sync::Arc;

/// What one dimension of a set holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Ip,
    Net,
    Port,
}

/// One member: a value per dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Addrs(AddrSet, u8),
    Port(Option<Protocol>, PortSet),
}

/// One set.
#[derive(Clone, Debug)]
pub struct IpSet {
    pub node: Node,
    pub name: String,
    pub span: Span,
    pub family: Family,
    /// `None` for `list:set` (its members are other sets) and for types
    /// not read.
    pub dims: Option<Vec<Dim>>,
    pub type_name: String,
    /// Members in file order, with `nomatch`.
    pub members: Vec<(Vec<Value>, bool)>,
    /// `list:set` members.
    pub lists: Vec<String>,
    /// Members added with a timeout: the dump is a snapshot of them.
    pub timeouts: bool,
}

pub fn detect(text: &str) -> bool {
    let head = crate::words::head(text, 16 * 1024);
    words::lines(head)
        .map(|(_, l)| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("create ") && l.split_whitespace().nth(2).is_some_and(|t| t.contains(':')))
}

fn dims_of(t: &str) -> Option<Vec<Dim>> {
    let (kind, parts) = t.split_once(':')?;
    if kind != "hash" && kind != "bitmap" {
        return None;
    }
    parts
        .split(',')
        .map(|p| match p {
            "ip" => Some(Dim::Ip),
            "net" => Some(Dim::Net),
            "port" => Some(Dim::Port),
            _ => None,
        })
        .collect()
}

fn member_value(dim: Dim, s: &str, family: Family) -> Result<Value, String> {
    match dim {
        Dim::Ip | Dim::Net => {
            let set = if s.contains('-') && !s.contains('/') {
                values::addr_range(s, Some(family))?
            } else {
                values::block(s, Some(family))?
            };
            let len = match Cidr::parse(s) {
                Ok(Cidr::V4 { len, .. }) | Ok(Cidr::V6 { len, .. }) => len,
                Err(_) => 0,
            };
            Ok(Value::Addrs(set, len))
        }
        Dim::Port => {
            let (proto, port) = match s.split_once(':') {
                Some((p, rest)) if !p.chars().all(|c| c.is_ascii_digit()) => (values::protocol(p)?, rest),
                _ => (Some(Protocol::TCP), s),
            };
            Ok(Value::Port(proto, values::port_range(port, '-', false)?))
        }
    }
}

/// Reads a dump; the sets are the node's.
pub fn read(path: &str, text: &str) -> (Vec<IpSet>, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let node = node_of(path);
    let mut sets: Vec<IpSet> = Vec::new();
    let mut errors = Vec::new();
    for (n, raw) in words::lines(text) {
        let (ws, _) = words::split(raw);
        let Some(cmd) = ws.first() else { continue };
        if cmd.text.starts_with('#') {
            continue;
        }
        let at = |c: u32| Span::new(file.clone(), n, c);
        match cmd.text.as_str() {
            "create" | "-N" => {
                let (Some(name), Some(t)) = (ws.get(1), ws.get(2)) else {
                    errors.push(HostfwError::at(
                        &at(cmd.column),
                        ErrorKind::Syntax,
                        "`create` needs a name and a type",
                    ));
                    continue;
                };
                let family = match ws.windows(2).find(|p| p[0].text == "family").map(|p| p[1].text.as_str()) {
                    Some("inet6") => Family::V6,
                    _ => Family::V4,
                };
                sets.push(IpSet {
                    node: node.clone(),
                    name: name.text.clone(),
                    span: at(name.column),
                    family,
                    dims: dims_of(&t.text),
                    type_name: t.text.clone(),
                    members: Vec::new(),
                    lists: Vec::new(),
                    timeouts: false,
                });
            }
            "add" | "-A" => {
                let (Some(name), Some(m)) = (ws.get(1), ws.get(2)) else {
                    errors.push(HostfwError::at(&at(cmd.column), ErrorKind::Syntax, "`add` needs a set and a member"));
                    continue;
                };
                let Some(set) = sets.iter_mut().rev().find(|s| s.name == name.text) else {
                    errors.push(HostfwError::at(
                        &at(name.column),
                        ErrorKind::Invalid,
                        format!("set `{}` is not created before this line", name.text),
                    ));
                    continue;
                };
                let nomatch = ws[3..].iter().any(|w| w.text == "nomatch");
                set.timeouts |= ws[3..].iter().any(|w| w.text == "timeout");
                if set.type_name == "list:set" {
                    set.lists.push(m.text.clone());
                    continue;
                }
                let Some(dims) = set.dims.clone() else { continue };
                let parts: Vec<&str> = m.text.split(',').collect();
                if parts.len() != dims.len() {
                    errors.push(HostfwError::at(
                        &at(m.column),
                        ErrorKind::Invalid,
                        format!("`{}` does not have the {} parts of a {}", m.text, dims.len(), set.type_name),
                    ));
                    continue;
                }
                let mut vals = Vec::new();
                for (d, p) in dims.iter().zip(parts) {
                    match member_value(*d, p, set.family) {
                        Ok(v) => vals.push(v),
                        Err(e) => {
                            errors.push(HostfwError::at(&at(m.column), ErrorKind::Invalid, e));
                            break;
                        }
                    }
                }
                if vals.len() == dims.len() {
                    set.members.push((vals, nomatch));
                }
            }
            _ => errors.push(HostfwError::at(
                &at(cmd.column),
                ErrorKind::Syntax,
                format!("`{}` is not an ipset save line (`create` or `add`)", cmd.text),
            )),
        }
    }
    (sets, errors)
}

/// The addresses of a one-dimension address set: `nomatch` members are
/// exceptions, the most specific entry deciding.
pub fn addresses(set: &IpSet) -> AddrSet {
    let mut entries: Vec<(u8, &AddrSet, bool)> = set
        .members
        .iter()
        .filter_map(|(v, nomatch)| match v.first() {
            Some(Value::Addrs(a, len)) => Some((*len, a, *nomatch)),
            _ => None,
        })
        .collect();
    entries.sort_by_key(|e| e.0);
    let mut out = AddrSet::empty();
    for (_, a, nomatch) in entries {
        if nomatch {
            out = out.difference(a);
        } else {
            out.union_in_place(a);
        }
    }
    out
}
