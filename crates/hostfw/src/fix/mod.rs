//! Commands that restrict a TCP port on a node to the authorized sources,
//! for `portcullis fix` to print beside a host firewall finding.
//!
//! Each snippet only ever takes away: it drops what is not authorized and
//! leaves every other decision of the node's firewall as it was, so an
//! authorized source the node refused before is still refused.
//!
//! - iptables / ip6tables: a chain of its own, jumped to first from
//!   `INPUT`, that `RETURN`s for loopback and each authorized block and
//!   drops the rest (`RETURN` goes on with `INPUT`, so nothing is opened).
//! - nftables: a table of its own with a base chain on the input hook
//!   just before the usual filter priority (`filter - 1`). An accept in one
//!   base chain does not skip another, so its accepts open nothing; its
//!   drop is final (nft(8), "Base chain" and "Verdict statement").
//! - firewalld: an ipset of the authorized blocks and a rich rule with the
//!   lowest priority that drops the port from every source NOT in it
//!   (firewalld.richlanguage(5): `source NOT ipset=`, `priority`), in every
//!   zone that receives traffic.
//! - ufw: ufw has no "from all but", so its snippet prepends a deny of the
//!   port for every block of the complement of the authorized sources
//!   (`ufw prepend`, ufw 0.36 and later): denies only, so nothing a later
//!   rule refused becomes allowed.
//!
//! [`saved`] writes the same rules into a saved `iptables-save` file or
//! nftables ruleset (the file a node loads at boot), and [`check`] reads a
//! node's files before and after a fix and says whether it closes the port
//! and widens nothing. `crates/kernelcheck` runs the commands themselves in
//! a network namespace and probes the result.

pub mod check;
pub mod saved;

use portcullis_model::{AddrSet, Cidr};

/// What a snippet is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// `iptables`, `nftables`, `firewalld`, `ufw`.
    pub tool: &'static str,
    /// Shell commands, run as root in order.
    pub commands: Vec<String>,
    /// What the commands do not do: how to keep the change over a reboot,
    /// and what a reader should know.
    pub notes: Vec<String>,
}

/// The name of the chain, table or set a snippet adds for `port`.
pub fn name(port: u16) -> String {
    format!("portcullis-{port}")
}

fn blocks(authorized: &AddrSet, v6: bool) -> Vec<String> {
    authorized.to_cidrs().into_iter().filter(|c| matches!(c, Cidr::V6 { .. }) == v6).map(|c| c.to_string()).collect()
}

/// The blocks of one family that are NOT authorized.
fn complement(authorized: &AddrSet, v6: bool) -> Vec<String> {
    let all = if v6 { AddrSet::all_v6() } else { AddrSet::all_v4() };
    blocks(&all.difference(authorized), v6)
}

/// The iptables rules (for `ip6tables` when `v6`) as `iptables-save`
/// lines: the chain declaration, then the rules, then the jump that goes
/// first in `INPUT`.
pub fn iptables_save_lines(port: u16, authorized: &AddrSet, v6: bool) -> (String, Vec<String>, String) {
    let chain = name(port);
    let mut rules = vec![format!("-A {chain} -i lo -j RETURN")];
    rules.extend(blocks(authorized, v6).into_iter().map(|b| format!("-A {chain} -s {b} -j RETURN")));
    rules.push(format!("-A {chain} -j DROP"));
    (format!(":{chain} - [0:0]"), rules, format!("-A INPUT -p tcp -m tcp --dport {port} -j {chain}"))
}

/// iptables and ip6tables commands restricting `port` to `authorized`.
pub fn iptables(port: u16, authorized: &AddrSet) -> Snippet {
    let chain = name(port);
    let mut commands = Vec::new();
    for (tool, v6) in [("iptables", false), ("ip6tables", true)] {
        let (_, rules, _) = iptables_save_lines(port, authorized, v6);
        commands.push(format!("{tool} -N {chain}"));
        commands.extend(rules.iter().map(|r| format!("{tool} {r}")));
        commands.push(format!("{tool} -I INPUT 1 -p tcp -m tcp --dport {port} -j {chain}"));
    }
    Snippet {
        tool: "iptables",
        commands,
        notes: vec!["save the rules the way the node loads them at boot (iptables-save > /etc/iptables/rules.v4 and \
             ip6tables-save > /etc/iptables/rules.v6 with iptables-persistent)"
            .into()],
    }
}

/// The nftables table restricting `port` to `authorized`, as `nft -f`
/// reads it.
pub fn nft_table(port: u16, authorized: &AddrSet) -> String {
    let mut rules = vec!["iifname \"lo\" accept".to_string()];
    for (family, v6) in [("ip", false), ("ip6", true)] {
        let b = blocks(authorized, v6);
        if !b.is_empty() {
            rules.push(format!("tcp dport {port} {family} saddr {{ {} }} accept", b.join(", ")));
        }
    }
    rules.push(format!("tcp dport {port} drop"));
    let body: String = rules.iter().map(|r| format!("\t\t{r}\n")).collect();
    format!(
        "table inet {} {{\n\tchain input {{\n\t\ttype filter hook input priority filter - 1; policy accept;\n{body}\t}}\n}}\n",
        name(port)
    )
}

/// nftables commands restricting `port` to `authorized`.
pub fn nftables(port: u16, authorized: &AddrSet) -> Snippet {
    let file = format!("/etc/nftables.d/{}.nft", name(port));
    Snippet {
        tool: "nftables",
        commands: vec![
            "mkdir -p /etc/nftables.d".into(),
            format!("cat > {file} <<'EOF'\n{}EOF", nft_table(port, authorized)),
            format!("nft -f {file}"),
        ],
        notes: vec![format!("to keep it over a reboot, include it from /etc/nftables.conf (include \"{file}\")")],
    }
}

/// firewalld commands restricting `port` to `authorized` in each of
/// `zones` (the zones that receive traffic: see [`check::firewalld_zones`]).
pub fn firewalld(port: u16, authorized: &AddrSet, zones: &[String]) -> Snippet {
    let mut commands = Vec::new();
    let sets = [("ipv4", "inet", false), ("ipv6", "inet6", true)];
    for (_, inet, v6) in sets {
        let set = firewalld_set(port, v6);
        commands.push(format!("firewall-cmd --permanent --new-ipset={set} --type=hash:net --option=family={inet}"));
        for b in blocks(authorized, v6) {
            commands.push(format!("firewall-cmd --permanent --ipset={set} --add-entry={b}"));
        }
    }
    for zone in zones {
        for (family, _, v6) in sets {
            commands.push(format!(
                "firewall-cmd --permanent --zone={zone} --add-rich-rule='rule priority=\"-32768\" family=\"{family}\" \
                 source NOT ipset=\"{}\" port port=\"{port}\" protocol=\"tcp\" drop'",
                firewalld_set(port, v6)
            ));
        }
    }
    commands.push("firewall-cmd --reload".into());
    Snippet {
        tool: "firewalld",
        commands,
        notes: vec![format!(
            "the rule goes in every zone that receives traffic ({}): a zone bound to a source takes that source's \
             traffic before the interface's zone; --permanent keeps it over a reboot",
            zones.join(", ")
        )],
    }
}

/// The ipset a firewalld snippet names for one family.
fn firewalld_set(port: u16, v6: bool) -> String {
    format!("{}-{}", name(port), if v6 { "v6" } else { "v4" })
}

/// ufw commands restricting `port` to `authorized`.
pub fn ufw(port: u16, authorized: &AddrSet) -> Snippet {
    let mut commands = Vec::new();
    for b in complement(authorized, false).into_iter().chain(complement(authorized, true)) {
        commands.push(format!("ufw prepend deny proto tcp from {b} to any port {port}"));
    }
    Snippet {
        tool: "ufw",
        commands,
        notes: vec![
            "ufw has no \"from all but\": each block outside the authorized sources is denied on the port, ahead \
             of the other rules (ufw prepend, ufw 0.36 and later); ufw keeps them over a reboot"
                .into(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_engine::program::combined_fate;
    use portcullis_model::Protocol;

    fn authorized() -> AddrSet {
        AddrSet::parse_list(["10.0.0.0/8", "192.168.10.0/24", "fd00::/8"]).expect("CIDRs")
    }

    /// What `port` admits on the node the files make, surely and possibly.
    fn admitted(files: &[(&str, String)], port: u16) -> (AddrSet, AddrSet) {
        let mut items = Vec::new();
        for (path, text) in files {
            let o = crate::read(path, text).expect("a host firewall file");
            assert!(o.errors.is_empty(), "{path}: {:?}\n{text}", o.errors);
            items.push(o.items);
        }
        let (nodes, errors) = crate::assemble::nodes(items, &crate::Options { interface: Some("eth0".into()) });
        assert!(errors.is_empty(), "{errors:?}");
        let f = combined_fate(&nodes[0].program, Protocol::TCP, port);
        (f.accept.must, f.accept.may)
    }

    const OPEN_V4: &str = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.168.10.128/25 -j DROP\nCOMMIT\n";
    const OPEN_V6: &str = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n";

    /// `save` with the snippet's chain, as the saved form writes it.
    fn with_fix(save: &str, port: u16, v6: bool) -> String {
        saved::iptables_save(save, port, &authorized(), v6).expect("a filter table")
    }

    #[test]
    fn the_iptables_fix_leaves_only_authorized_sources_and_opens_nothing() {
        let before = admitted(&[("n/rules.v4", OPEN_V4.into()), ("n/rules.v6", OPEN_V6.into())], 10257);
        assert_eq!(before.0, AddrSet::all().difference(&AddrSet::parse_list(["192.168.10.128/25"]).expect("CIDR")));
        let files = [("n/rules.v4", with_fix(OPEN_V4, 10257, false)), ("n/rules.v6", with_fix(OPEN_V6, 10257, true))];
        let (must, may) = admitted(&files, 10257);
        assert_eq!(must, may);
        // Authorized, less what the node refused before (192.168.10.128/25).
        assert_eq!(must, authorized().intersect(&before.0));
        // Other ports are as they were.
        assert_eq!(admitted(&files, 10258).0, before.0);
    }

    #[test]
    fn the_nft_fix_leaves_only_authorized_sources_and_opens_nothing() {
        let node = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip saddr 192.168.10.128/25 drop\n\t}\n}\n";
        let before = admitted(&[("n/ruleset.nft", node.into())], 10257);
        let fixed = format!("{node}{}", nft_table(10257, &authorized()));
        let files = [("n/ruleset.nft", fixed)];
        let (must, may) = admitted(&files, 10257);
        assert_eq!(must, may);
        assert_eq!(must, authorized().intersect(&before.0));
        assert_eq!(admitted(&files, 10258).0, before.0);
    }

    #[test]
    fn snippets_name_every_authorized_block_and_the_port() {
        let a = authorized();
        for s in [iptables(10257, &a), nftables(10257, &a), firewalld(10257, &a, &["public".to_string()])] {
            let text = s.commands.join("\n");
            for b in ["10.0.0.0/8", "192.168.10.0/24", "fd00::/8"] {
                assert!(text.contains(b), "{}: {b} missing:\n{text}", s.tool);
            }
            assert!(text.contains("10257"), "{}", s.tool);
            assert!(!s.notes.is_empty(), "{}", s.tool);
        }
    }

    #[test]
    fn the_ufw_snippet_denies_exactly_what_is_not_authorized() {
        let a = authorized();
        let s = ufw(10257, &a);
        let mut denied = AddrSet::empty();
        for c in &s.commands {
            let words: Vec<&str> = c.split_whitespace().collect();
            assert_eq!(words[..5], ["ufw", "prepend", "deny", "proto", "tcp"], "{c}");
            assert_eq!(words[7..], ["to", "any", "port", "10257"], "{c}");
            let block = AddrSet::parse_list([words[6]]).expect("a CIDR");
            assert!(!block.intersects(&denied), "{c} overlaps an earlier deny");
            denied.union_in_place(&block);
        }
        assert_eq!(denied, AddrSet::all().difference(&a));
    }

    #[test]
    fn saved_files_keep_every_other_byte() {
        let save = "# Generated by iptables-save\n*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -j DROP\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n# Completed\n";
        let fixed = with_fix(save, 10257, false);
        let (declaration, rules, jump) = iptables_save_lines(10257, &authorized(), false);
        let mut want: Vec<String> = save.lines().map(str::to_string).collect();
        want.insert(7, declaration);
        want.insert(9, jump);
        let commit = want.iter().rposition(|l| l == "COMMIT").expect("COMMIT");
        for (i, r) in rules.into_iter().enumerate() {
            want.insert(commit + i, r);
        }
        assert_eq!(fixed, want.join("\n") + "\n");
        assert!(saved::iptables_save(&fixed, 10257, &authorized(), false).is_err(), "fixed twice");
        // No filter table: one is added, INPUT accepting as the kernel's default.
        let bare = with_fix("*raw\nCOMMIT\n", 10257, false);
        assert!(bare.starts_with("*raw\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n"), "{bare}");
        let nft = saved::nft("table ip t {\n}", 10257, &authorized()).expect("appended");
        assert!(nft.starts_with("table ip t {\n}\ntable inet portcullis-10257 {"), "{nft}");
        assert!(saved::nft(&nft, 10257, &authorized()).is_err(), "fixed twice");
    }
}
