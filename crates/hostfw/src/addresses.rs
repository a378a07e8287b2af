//! Which machine a node is: its own addresses, and what its name says.
//!
//! A node is joined to the cloud target that is the same machine (its
//! firewall becomes the last layer of that target's path). The user says
//! which machine a node's files come from in one of three ways:
//!
//! - the node's directory is named after the cloud target (an instance id
//!   `i-0abc…`, a VM or instance name);
//! - the directory is named after the machine's private address
//!   (`nodes/10.0.1.5/`) or its host name as EC2 gives it from that
//!   address (`ip-10-0-1-5`, `ip-10-0-1-5.ec2.internal`,
//!   `ip-10-0-1-5.eu-west-1.compute.internal`: IP-based naming,
//!   <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html>);
//! - `ip -j addr show` output is saved beside the rules (any file name: it
//!   is recognised by content), listing the machine's addresses.
//!
//! Loopback, link-local and host-scope addresses say nothing about which
//! machine it is, and are left out.

use crate::error::{ErrorKind, HostfwError};
use crate::json::{self, Node as Json};
use crate::node::{node_of, Node};
use portcullis_model::{AddrSet, Span};
use portcullis_syntax::LineIndex;
use std::net::{IpAddr, Ipv4Addr};

/// The addresses `ip -j addr show` listed for a node.
#[derive(Clone, Debug)]
pub struct Addresses {
    pub node: Node,
    pub addrs: AddrSet,
    pub span: Span,
}

/// `ip -j addr show` output: a JSON array of interfaces with `ifname` and
/// `addr_info` (iproute2's JSON output).
pub fn detect(text: &str) -> bool {
    let head = crate::words::head(text, 4096);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('[')
        && t[1..].trim_start().starts_with('{')
        && head.contains("\"ifname\"")
        && head.contains("\"addr_info\"")
}

/// Reads `ip -j addr show` output.
pub fn read(path: &str, text: &str) -> (Addresses, Vec<HostfwError>) {
    let lines = LineIndex::new(text);
    let at = |offset: u32| {
        let (l, c) = lines.line_column(text, offset as usize);
        Span::new(path.into(), l, c)
    };
    let mut out = Addresses { node: node_of(path), addrs: AddrSet::empty(), span: at(0) };
    let mut errors = Vec::new();
    let root = match json::parse(text, json::Options::default()) {
        Ok(r) => r,
        Err(e) => {
            let span = at(e.offset().unwrap_or(0));
            errors.push(HostfwError::at(&span, ErrorKind::Syntax, format!("not valid JSON: {}", e.message)));
            return (out, errors);
        }
    };
    for interface in root.as_array().unwrap_or_default() {
        for a in interface.get("addr_info").and_then(Json::as_array).unwrap_or_default() {
            let scope = a.get("scope").and_then(Json::as_str).unwrap_or("global");
            let Some(local) = a.get("local").and_then(Json::as_str) else { continue };
            match local.parse::<IpAddr>() {
                Ok(ip) if scope != "host" && scope != "link" && !ip.is_loopback() => {
                    out.addrs.union_in_place(&one(ip));
                }
                Ok(_) => {}
                Err(_) => errors.push(HostfwError::at(
                    &at(a.offset),
                    ErrorKind::Invalid,
                    format!("`{local}` is not an IP address"),
                )),
            }
        }
    }
    (out, errors)
}

fn one(ip: IpAddr) -> AddrSet {
    let text = match ip {
        IpAddr::V4(x) => format!("{x}/32"),
        IpAddr::V6(x) => format!("{x}/128"),
    };
    AddrSet::parse_list([text.as_str()]).unwrap_or_else(|_| AddrSet::empty())
}

/// The address a node's name says it has: the name itself (`10.0.1.5`),
/// or an EC2 IP-based host name (`ip-10-0-1-5[.…]`).
pub fn from_name(name: &str) -> Option<IpAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(ip);
    }
    let host = name.strip_prefix("ip-")?.split('.').next()?;
    let parts: Vec<u8> = host.split('-').map(|p| p.parse::<u8>().ok()).collect::<Option<_>>()?;
    let [a, b, c, d] = parts.as_slice() else { return None };
    Some(IpAddr::V4(Ipv4Addr::new(*a, *b, *c, *d)))
}

/// Every address that identifies `node`: those saved for it and the one
/// its name says.
pub fn of_node(node: &Node, saved: &[Addresses]) -> AddrSet {
    let mut out = AddrSet::empty();
    for a in saved.iter().filter(|a| a.node.key == node.key) {
        out.union_in_place(&a.addrs);
    }
    if let Some(ip) = from_name(&node.name) {
        out.union_in_place(&one(ip));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_addresses() {
        assert_eq!(from_name("10.0.1.5"), "10.0.1.5".parse().ok());
        assert_eq!(from_name("ip-10-0-1-5"), "10.0.1.5".parse().ok());
        assert_eq!(from_name("ip-10-0-1-5.ec2.internal"), "10.0.1.5".parse().ok());
        assert_eq!(from_name("ip-172-31-7-200.eu-west-1.compute.internal"), "172.31.7.200".parse().ok());
        assert_eq!(from_name("fd00::5"), "fd00::5".parse().ok());
        for not in ["cp-1", "ip-10-0-1", "ip-10-0-1-256", "i-0abc", "ip-a-b-c-d"] {
            assert_eq!(from_name(not), None, "{not}");
        }
    }

    #[test]
    fn ip_addr_output_gives_the_global_addresses() {
        let text = r#"[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host"}]},{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"},{"family":"inet6","local":"2600:1f18::5","prefixlen":128,"scope":"global"}]}]"#;
        assert!(detect(text));
        let (a, errors) = read("nodes/cp-1/addr.json", text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(a.node.name, "cp-1");
        assert_eq!(a.addrs.to_cidr_strings(), ["10.0.1.5/32", "2600:1f18::5/128"]);
        assert!(!detect(r#"{"nftables": []}"#));
        assert!(!detect(r#"[{"GroupId": "sg-1"}]"#));
    }
}
