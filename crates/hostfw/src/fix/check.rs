//! What a node's fix is made of, and the check that it does what it says:
//! the node's files read before and after (the saved form with the fix in
//! it), the fixed port admitting no source outside the authorized ones,
//! no authorized source the node admitted before refused, and no other
//! port changed.

use super::{saved, Snippet};
use crate::assemble::{nodes, NodeFirewall, Options};
use portcullis_engine::program::combined_fate;
use portcullis_model::{AddrSet, Protocol};

/// Which tool manages a node's firewall, from its files: the fix is
/// written for that tool (firewalld and ufw rewrite the kernel's rules
/// from their own configuration, so their generated rules are not edited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `iptables-save` files: edited, and `iptables`/`ip6tables` commands.
    Iptables,
    /// An nftables ruleset as text: edited, and `nft` commands.
    Nftables,
    /// `nft -j list ruleset` output: a listing, not what a node loads at
    /// boot, so commands only.
    NftablesJson,
    /// firewalld's configuration: `firewall-cmd` commands for these zones.
    Firewalld { zones: Vec<String> },
    /// ufw's files or status: `ufw` commands.
    Ufw,
}

impl Tool {
    pub fn name(&self) -> &'static str {
        match self {
            Tool::Iptables => "iptables",
            Tool::Nftables => "nftables",
            Tool::NftablesJson => "nftables",
            Tool::Firewalld { .. } => "firewalld",
            Tool::Ufw => "ufw",
        }
    }

    /// The commands that make the fix on the running node.
    pub fn snippet(&self, port: u16, authorized: &AddrSet) -> Snippet {
        match self {
            Tool::Iptables => super::iptables(port, authorized),
            Tool::Nftables | Tool::NftablesJson => super::nftables(port, authorized),
            Tool::Firewalld { zones } => super::firewalld(port, authorized, zones),
            Tool::Ufw => super::ufw(port, authorized),
        }
    }
}

/// The tool of a node whose files are `files` (`(path, text)`), or why
/// none can be told.
pub fn tool_of(files: &[(String, String)]) -> Result<Tool, String> {
    let formats: Vec<&str> = files.iter().filter_map(|(p, t)| crate::read(p, t).map(|o| o.format)).collect();
    let has = |f: &dyn Fn(&str) -> bool| formats.iter().any(|x| f(x));
    if has(&|x| x.starts_with("ufw")) {
        Ok(Tool::Ufw)
    } else if has(&|x| x.starts_with("firewall")) {
        Ok(Tool::Firewalld { zones: firewalld_zones(files) })
    } else if has(&|x| x == "nftables") {
        Ok(Tool::Nftables)
    } else if has(&|x| x.ends_with("tables-save")) {
        Ok(Tool::Iptables)
    } else if has(&|x| x == "nftables JSON") {
        Ok(Tool::NftablesJson)
    } else {
        Err("none of the node's files is a ruleset a fix can be written for".into())
    }
}

/// The zones that receive traffic on a firewalld node: those bound to a
/// source or an interface, those `firewall-cmd` listed as active, and the
/// default zone (`public` when `firewalld.conf` is not in the input:
/// firewalld.conf(5)).
pub fn firewalld_zones(files: &[(String, String)]) -> Vec<String> {
    let mut items = crate::firewalld::Items::default();
    for (p, t) in files {
        if let Some(o) = crate::read(p, t) {
            o.items.firewalld.into_iter().for_each(|f| items.extend(f));
        }
    }
    let mut zones: Vec<String> = items
        .zones
        .iter()
        .filter(|z| z.active || !z.interfaces.is_empty() || !z.sources.is_empty())
        .map(|z| z.name.clone())
        .collect();
    zones.push(items.default_zone.map(|(z, _)| z).unwrap_or_else(|| "public".into()));
    zones.sort();
    zones.dedup();
    zones
}

/// The node's files with the fix for `port` in their saved form: the
/// `iptables-save` files and nftables text edited, or (for a tool whose
/// files are not edited) the nftables table the commands amount to beside
/// them, `<node directory>/portcullis-PORT.nft`.
pub fn with_fix(
    files: &[(String, String)],
    tool: &Tool,
    port: u16,
    authorized: &AddrSet,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::with_capacity(files.len() + 1);
    for (path, text) in files {
        let format = crate::read(path, text).map(|o| o.format);
        let fixed = match (tool, format) {
            (Tool::Iptables, Some("iptables-save")) => saved::iptables_save(text, port, authorized, false),
            (Tool::Iptables, Some("ip6tables-save")) => saved::iptables_save(text, port, authorized, true),
            (Tool::Nftables, Some("nftables")) => saved::nft(text, port, authorized),
            _ => Ok(text.clone()),
        }
        .map_err(|e| format!("{path}: {e}"))?;
        out.push((path.clone(), fixed));
    }
    if !matches!(tool, Tool::Iptables | Tool::Nftables) {
        let dir = files.first().map(|(p, _)| crate::node::node_of(p).key).unwrap_or_else(|| ".".into());
        out.push((format!("{dir}/{}.nft", super::name(port)), super::nft_table(port, authorized)));
    }
    Ok(out)
}

/// What a fix does to a node, read from its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The fixed port admits nothing outside the authorized sources.
    pub closes: bool,
    /// Why not, when it does not (what the input leaves unknown).
    pub open_because: Option<String>,
}

/// The one node `files` make.
fn one_node(files: &[(String, String)], opts: &Options) -> Result<NodeFirewall, String> {
    let mut items = Vec::new();
    for (path, text) in files {
        if let Some(o) = crate::read(path, text) {
            items.push(o.items);
        }
    }
    let (mut list, _) = nodes(items, opts);
    match list.len() {
        1 => Ok(list.remove(0)),
        n => Err(format!("the files make {n} nodes, not one")),
    }
}

/// Reads `before` and `after` (the same node, with the fix for `port`
/// applied) and checks, for `port` and each of `others`: nothing admitted
/// after that was not before (either bound); on `port`, every authorized
/// source surely admitted before still is; on the others, the same
/// answer. Says whether the port is closed to everything unauthorized.
pub fn verify(
    before: &[(String, String)],
    after: &[(String, String)],
    port: u16,
    others: &[u16],
    authorized: &AddrSet,
    opts: &Options,
) -> Result<Checked, String> {
    let old = one_node(before, opts)?;
    let new = one_node(after, opts)?;
    let mut ports: Vec<u16> = others.to_vec();
    ports.push(port);
    ports.sort_unstable();
    ports.dedup();
    let mut checked = Checked { closes: true, open_because: None };
    for p in ports {
        let a = combined_fate(&old.program, Protocol::TCP, p);
        let b = combined_fate(&new.program, Protocol::TCP, p);
        for (what, was, now) in [("surely", &a.accept.must, &b.accept.must), ("possibly", &a.accept.may, &b.accept.may)]
        {
            let wider = now.difference(was);
            if !wider.is_empty() {
                return Err(format!(
                    "tcp/{p}: the fix would admit {} ({what}) that was not admitted before",
                    wider.to_cidr_strings().join(", ")
                ));
            }
        }
        if p == port {
            let lost = a.accept.must.intersect(authorized).difference(&b.accept.must);
            if !lost.is_empty() {
                return Err(format!(
                    "tcp/{p}: the fix would refuse authorized sources the node admitted: {}",
                    lost.to_cidr_strings().join(", ")
                ));
            }
            let left = b.accept.may.difference(authorized);
            if !left.is_empty() {
                checked.closes = false;
                checked.open_because = Some(format!(
                    "tcp/{p} may still admit {} (what the input leaves unknown: {})",
                    left.to_cidr_strings().join(", "),
                    new.notes.first().map(String::as_str).unwrap_or("see the finding")
                ));
            }
        } else if a.accept.must != b.accept.must || a.accept.may != b.accept.may {
            return Err(format!("tcp/{p}: the fix changes a port it is not about"));
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorized() -> AddrSet {
        AddrSet::parse_list(["10.0.0.0/8", "fd00::/8"]).expect("CIDRs")
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
    }

    const V4: &str = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.0/24 -j DROP\nCOMMIT\n";
    const V6: &str = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n";
    const NFT: &str =
        "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n";
    const ZONE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <short>Public</short>\n  <port port=\"10257\" protocol=\"tcp\"/>\n</zone>\n";
    const UFW: &str = "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\nTo                         Action      From\n--                         ------      ----\n10257/tcp                  ALLOW IN    Anywhere\n10257/tcp (v6)             ALLOW IN    Anywhere (v6)\n";

    fn check(list: &[(&str, &str)], want: Tool) {
        let before = files(list);
        let tool = tool_of(&before).expect("a tool");
        assert_eq!(tool, want);
        let after = with_fix(&before, &tool, 10257, &authorized()).expect("fixed");
        let opts = Options { interface: Some("eth0".into()) };
        let c = verify(&before, &after, 10257, &[10250, 10258], &authorized(), &opts).expect("no widening");
        assert!(c.closes, "{tool:?}: {c:?}");
    }

    #[test]
    fn every_tool_closes_the_port_and_widens_nothing() {
        check(&[("n/rules.v4", V4), ("n/rules.v6", V6)], Tool::Iptables);
        check(&[("n/ruleset.nft", NFT)], Tool::Nftables);
        check(&[("n/etc/firewalld/zones/public.xml", ZONE)], Tool::Firewalld { zones: vec!["public".into()] });
        check(&[("n/ufw-status.txt", UFW)], Tool::Ufw);
    }

    #[test]
    fn a_family_not_in_the_input_stays_open_and_is_said() {
        let before = files(&[("n/rules.v4", V4)]);
        let after = with_fix(&before, &Tool::Iptables, 10257, &authorized()).expect("fixed");
        let c = verify(&before, &after, 10257, &[], &authorized(), &Options::default()).expect("no widening");
        assert!(!c.closes);
        assert!(c.open_because.is_some_and(|w| w.contains("IPv6")));
    }

    #[test]
    fn a_widening_change_is_refused() {
        let closed = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n";
        let before = files(&[("n/rules.v4", closed), ("n/rules.v6", V6)]);
        let opened = files(&[("n/rules.v4", &closed.replace("192.0.2.0/24", "192.0.0.0/16")), ("n/rules.v6", V6)]);
        let e = verify(&before, &opened, 10258, &[], &authorized(), &Options::default()).expect_err("wider");
        assert!(e.contains("192.0.0.0/23") && e.contains("tcp/10258"), "{e}");
    }
}
