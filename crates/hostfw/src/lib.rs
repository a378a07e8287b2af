//! portcullis hostfw: a node's own firewall, read into a host firewall
//! program (see `portcullis_model::program`).
//!
//! One entry point per phase. [`read`] looks at one file's text and says
//! whether it is a host firewall input (detected by content), returning
//! what it holds and its errors with file, line and column. [`assemble`]
//! puts each node's files together (the files of one directory are one
//! node, see [`node`]) and adds a target per node to the estate.

pub mod assemble;
pub mod error;
pub mod expect;
pub mod firewalld;
pub mod ipset;
pub mod iptables;
pub mod nftables;
pub mod node;
pub mod ruleset;
pub mod ufw;
pub mod values;
pub mod words;

pub use assemble::{assemble, Options};

pub use error::{ErrorKind, HostfwError};
/// The positioned JSON reader `nft -j` output is read with.
pub(crate) use portcullis_syntax::json;

use ruleset::Ruleset;

/// What one file held.
#[derive(Clone, Debug, Default)]
pub struct Items {
    pub rulesets: Vec<Ruleset>,
    pub ipsets: Vec<ipset::IpSet>,
    /// firewalld's files, put together per node at assembly.
    pub firewalld: Vec<firewalld::Items>,
    /// ufw's files, put together per node at assembly.
    pub ufw: Vec<ufw::Items>,
    /// What the user told when this file was read (`--interface`).
    pub options: Option<Options>,
}

/// One file's reading.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The format recognised (`iptables-save`, `nftables`, …).
    pub format: &'static str,
    pub items: Items,
    pub errors: Vec<HostfwError>,
}

/// [`read`], keeping what the user told (`--interface`) with the items, so
/// that assembly knows it without a second channel.
pub fn read_with(path: &str, text: &str, opts: &Options) -> Option<Outcome> {
    let mut o = read(path, text)?;
    o.items.options = Some(opts.clone());
    Some(o)
}

/// Reads `text` when it is a host firewall input; `None` when it is not.
pub fn read(path: &str, text: &str) -> Option<Outcome> {
    // ufw's rule files are iptables-restore text too: ufw first.
    if ufw::detect_rules(text) {
        let u = ufw::read_rules(path, text);
        return Some(Outcome {
            format: "ufw rules",
            items: Items { ufw: vec![u], ..Default::default() },
            errors: vec![],
        });
    }
    if ufw::detect_status(text) {
        let (u, errors) = ufw::read_status(path, text);
        return Some(Outcome { format: "ufw status", items: Items { ufw: vec![u], ..Default::default() }, errors });
    }
    if ufw::detect_settings(text) {
        let (u, errors) = ufw::read_settings(path, text);
        return Some(Outcome { format: "ufw settings", items: Items { ufw: vec![u], ..Default::default() }, errors });
    }
    if iptables::detect(text) {
        let (rs, mut errors) = iptables::read(path, text);
        errors.extend(rs.loop_errors());
        return Some(Outcome { format: rs.format, items: Items { rulesets: vec![rs], ..Default::default() }, errors });
    }
    if nftables::json::detect(text) {
        let (rs, mut errors) = nftables::read_json(path, text);
        errors.extend(rs.loop_errors());
        return Some(Outcome {
            format: "nftables JSON",
            items: Items { rulesets: vec![rs], ..Default::default() },
            errors,
        });
    }
    if nftables::text::detect(text) {
        let (rs, mut errors) = nftables::read_text(path, text);
        errors.extend(rs.loop_errors());
        return Some(Outcome { format: "nftables", items: Items { rulesets: vec![rs], ..Default::default() }, errors });
    }
    if let Some(kind) = firewalld::xml::detect(text) {
        let (f, errors) = firewalld::xml::read(path, text);
        return Some(Outcome { format: kind, items: Items { firewalld: vec![f], ..Default::default() }, errors });
    }
    if firewalld::text::detect(text) {
        let (f, errors) = firewalld::text::read(path, text);
        let format = "firewall-cmd --list-all-zones";
        return Some(Outcome { format, items: Items { firewalld: vec![f], ..Default::default() }, errors });
    }
    if firewalld::detect_conf(text) {
        let f = firewalld::read_conf(path, text);
        return Some(Outcome {
            format: "firewalld.conf",
            items: Items { firewalld: vec![f], ..Default::default() },
            errors: vec![],
        });
    }
    if ipset::detect(text) {
        let (ipsets, errors) = ipset::read(path, text);
        return Some(Outcome { format: "ipset", items: Items { ipsets, ..Default::default() }, errors });
    }
    None
}
