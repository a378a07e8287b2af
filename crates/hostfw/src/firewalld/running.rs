//! firewalld's saved configuration held against the ruleset it is running.
//!
//! firewalld writes its zones into one nftables table (`table inet
//! firewalld`). When a node's input has both the configuration (zone
//! files, `firewall-cmd --list-all-zones`) and an `nft list ruleset` with
//! that table, the table is what the kernel runs: findings follow it, and
//! the configuration is compared with it port by port. They differ when a
//! runtime change was not made `--permanent` (lost at the next reload) or
//! a saved change was not loaded yet; either way the user should know.

use portcullis_engine::program::{combined_fate, port_boundaries};
use portcullis_model::{Program, Protocol};

/// How many differing port stretches a note names.
const SHOWN: usize = 5;

/// The note saying where `saved` and `running` admit different sources on
/// TCP, or `None` when they agree on every port.
pub fn compare(node: &str, saved: &Program, running: &Program) -> Option<String> {
    let mut bounds: Vec<u32> = port_boundaries(saved);
    bounds.extend(port_boundaries(running));
    bounds.extend([0, 65536]);
    bounds.retain(|&b| b <= 65536);
    bounds.sort_unstable();
    bounds.dedup();
    let mut differ: Vec<(u32, u32)> = Vec::new();
    let mut first: Option<String> = None;
    for pair in bounds.windows(2) {
        let (lo, hi) = (pair[0], pair[1] - 1);
        let port = lo as u16;
        let a = combined_fate(saved, Protocol::TCP, port).accept;
        let b = combined_fate(running, Protocol::TCP, port).accept;
        if a.must == b.must && a.may == b.may {
            continue;
        }
        match differ.last_mut() {
            Some(last) if last.1 + 1 == lo => last.1 = hi,
            _ => differ.push((lo, hi)),
        }
        if first.is_none() {
            let set = |a: &portcullis_model::AddrSet| if a.is_empty() { "nothing".to_string() } else { a.to_string() };
            let show = |t: &portcullis_engine::program::Tri| {
                if t.must == t.may {
                    set(&t.must)
                } else {
                    format!("{} surely, {} possibly", set(&t.must), set(&t.may))
                }
            };
            first =
                Some(format!("on tcp/{port} the configuration admits {}, the running ruleset {}", show(&a), show(&b)));
        }
    }
    let first = first?;
    let mut ports: Vec<String> = differ
        .iter()
        .take(SHOWN)
        .map(|&(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") })
        .collect();
    if differ.len() > SHOWN {
        ports.push(format!("and {} more", differ.len() - SHOWN));
    }
    Some(format!(
        "node {node}: firewalld's saved configuration and the ruleset it is running (table inet firewalld) differ on tcp/{}: {first}. \
         A runtime change not saved with --permanent is lost at the next reload; a saved one not yet loaded waits for it. \
         Findings follow the running ruleset",
        ports.join(", ")
    ))
}
