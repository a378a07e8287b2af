//! A fix written into the file a node loads its rules from at boot: an
//! `iptables-save` / `ip6tables-save` file (`/etc/iptables/rules.v4` of
//! iptables-persistent, `/etc/sysconfig/iptables`, loaded with
//! `iptables-restore`) or an nftables ruleset (`/etc/nftables.conf`,
//! loaded with `nft -f`). The rules are the snippet's own
//! ([`super::iptables_save_lines`], [`super::nft_table`]); everything else
//! in the file stays byte for byte.

use super::{iptables_save_lines, name, nft_table};
use portcullis_model::AddrSet;

/// Lines of `text`, each with its line ending.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// `text` (an `iptables-save` file of the family `v6` says) with the
/// chain restricting `port` to `authorized`: declared with the filter
/// table's chains, its rules at the end of the table, and its jump ahead
/// of every other rule of `INPUT`. A file without a filter table gains
/// one (its `INPUT` policy `ACCEPT`, the kernel's own default).
pub fn iptables_save(text: &str, port: u16, authorized: &AddrSet, v6: bool) -> Result<String, String> {
    let (declaration, rules, jump) = iptables_save_lines(port, authorized, v6);
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let all = lines(text);
    let Some(start) = all.iter().position(|l| l.trim_end() == "*filter") else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        for l in
            ["*filter", ":INPUT ACCEPT [0:0]", &declaration, &jump].into_iter().chain(rules.iter().map(String::as_str))
        {
            out.push_str(l);
            out.push_str(eol);
        }
        out.push_str("COMMIT");
        out.push_str(eol);
        return Ok(out);
    };
    let Some(commit) = all[start..].iter().position(|l| l.trim_end() == "COMMIT").map(|i| start + i) else {
        return Err("its filter table has no COMMIT line".into());
    };
    let chain = format!(":{} ", name(port));
    if all[start..commit].iter().any(|l| l.starts_with(&chain)) {
        return Err(format!("its filter table already has a chain {}", name(port)));
    }
    // The chains are declared before the first rule; the jump goes first in INPUT.
    let declared = all[start..commit].iter().rposition(|l| l.starts_with(':')).map_or(start, |i| start + i);
    let first_input = all[start..commit].iter().position(|l| l.starts_with("-A INPUT ")).map(|i| start + i);
    let mut out = String::with_capacity(text.len() + 256);
    let add = |out: &mut String, l: &str| {
        out.push_str(l);
        out.push_str(eol);
    };
    for (i, l) in all.iter().enumerate() {
        if Some(i) == first_input || (first_input.is_none() && i == commit) {
            add(&mut out, &jump);
        }
        if i == commit {
            rules.iter().for_each(|r| add(&mut out, r));
        }
        // The original line, with its own ending.
        out.push_str(l);
        if i == declared {
            if !l.ends_with('\n') {
                out.push_str(eol);
            }
            add(&mut out, &declaration);
        }
    }
    Ok(out)
}

/// `text` (an nftables ruleset) with the table restricting `port` to
/// `authorized` added at the end.
pub fn nft(text: &str, port: u16, authorized: &AddrSet) -> Result<String, String> {
    let table = name(port);
    if text.lines().any(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.len() >= 3 && w[0] == "table" && w[2] == table
    }) {
        return Err(format!("it already has a table {table}"));
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&nft_table(port, authorized));
    Ok(out)
}
