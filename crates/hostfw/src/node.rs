//! Which node a file belongs to, and how a node's files become one target.
//!
//! A node's firewall is saved as several files (`iptables-save` and
//! `ip6tables-save`, `ipset save`, a firewalld zone directory, ufw's
//! files). They belong together when they sit in the same directory: the
//! node is that directory, once the well-known tails of saved system paths
//! are taken off (`cp-1/etc/firewalld/zones/public.xml` belongs to
//! `cp-1`). Its name is the directory's last component, which is how a
//! cloud instance is matched to it (its host name or private address).

use std::path::{Component, Path};

/// A node: the directory its files share, and the name findings use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    /// The directory, as the paths spell it (`.` for files given on their
    /// own in the working directory).
    pub key: String,
    pub name: String,
}

/// Directory names that are part of a saved system path, not the node's.
const SYSTEM_TAILS: &[&str] =
    &["zones", "services", "firewalld", "ufw", "default", "iptables", "nftables", "sysconfig", "etc"];

/// The node a file at `path` belongs to.
pub fn node_of(path: &str) -> Node {
    let p = Path::new(path);
    let mut parts: Vec<String> = p
        .parent()
        .map(|d| {
            d.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    Component::RootDir => Some(String::new()),
                    Component::ParentDir => Some("..".into()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    while parts.last().is_some_and(|l| SYSTEM_TAILS.contains(&l.as_str())) {
        parts.pop();
    }
    let name = match parts.last().filter(|l| !l.is_empty() && l.as_str() != "..") {
        Some(l) => l.clone(),
        // A file on its own: the node is named after the file.
        None => p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string()),
    };
    let key = if parts.is_empty() { ".".to_string() } else { parts.join("/") };
    Node { key, name }
}

#[cfg(test)]
mod tests {
    use super::node_of;

    #[test]
    fn system_tails_are_not_the_node() {
        let n = node_of("nodes/cp-1/etc/firewalld/zones/public.xml");
        assert_eq!((n.key.as_str(), n.name.as_str()), ("nodes/cp-1", "cp-1"));
        assert_eq!(node_of("nodes/cp-1/iptables.rules"), node_of("nodes/cp-1/etc/ufw/user.rules"));
        assert_eq!(node_of("nodes/cp-1/etc/default/ufw").name, "cp-1");
        assert_eq!(node_of("rules.v4").name, "rules");
        assert_eq!(node_of("/tmp/x/10.0.1.15/nft.json").name, "10.0.1.15");
    }
}
