//! portcullis hostfw: a node's own firewall, read into a host firewall
//! program (see `portcullis_model::program`).
//!
//! One entry point per phase. [`read`] looks at one file's text and says
//! whether it is a host firewall input (detected by content), returning
//! what it holds and its errors with file, line and column. [`assemble`]
//! puts each node's files together (the files of one directory are one
//! node, see [`node`]) and adds a target per node to the estate.

pub mod addresses;
pub mod assemble;
pub mod error;
pub mod expect;
pub mod firewalld;
pub mod fix;
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
    /// The node's own addresses (`ip -j addr show`).
    pub addresses: Vec<addresses::Addresses>,
    /// What the user told when this file was read (`--interface`).
    pub options: Option<Options>,
}

impl Items {
    /// Whether the file held nothing of a host firewall (the items of a
    /// file of another format).
    pub fn is_empty(&self) -> bool {
        self.rulesets.is_empty()
            && self.ipsets.is_empty()
            && self.firewalld.is_empty()
            && self.ufw.is_empty()
            && self.addresses.is_empty()
    }
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

/// The formats [`read`] recognises, in the order it tries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    UfwRules,
    UfwStatus,
    UfwSettings,
    Iptables,
    NftablesJson,
    Addresses,
    Nftables,
    FirewalldXml(&'static str),
    FirewalldText,
    FirewalldConf,
    Ipset,
}

/// Which host firewall format `text` is, by its content. ufw's rule files
/// are iptables-restore text too, so ufw is tried first.
fn kind_of(text: &str) -> Option<Kind> {
    if ufw::detect_rules(text) {
        Some(Kind::UfwRules)
    } else if ufw::detect_status(text) {
        Some(Kind::UfwStatus)
    } else if ufw::detect_settings(text) {
        Some(Kind::UfwSettings)
    } else if iptables::detect(text) {
        Some(Kind::Iptables)
    } else if nftables::json::detect(text) {
        Some(Kind::NftablesJson)
    } else if addresses::detect(text) {
        Some(Kind::Addresses)
    } else if nftables::text::detect(text) {
        Some(Kind::Nftables)
    } else if let Some(kind) = firewalld::xml::detect(text) {
        Some(Kind::FirewalldXml(kind))
    } else if firewalld::text::detect(text) {
        Some(Kind::FirewalldText)
    } else if firewalld::detect_conf(text) {
        Some(Kind::FirewalldConf)
    } else if ipset::detect(text) {
        Some(Kind::Ipset)
    } else {
        None
    }
}

/// Whether the first bytes of a file (a few KiB) look like a host firewall
/// input: the readers' own detection, run on the head, so that a walk
/// reads these files and leaves other text alone. Every marker the
/// detectors look for sits in a saved file's first lines.
pub fn recognises(head: &str) -> bool {
    kind_of(head).is_some()
}

/// Reads `text` when it is a host firewall input; `None` when it is not.
pub fn read(path: &str, text: &str) -> Option<Outcome> {
    let one = |format, items, errors| Some(Outcome { format, items, errors });
    match kind_of(text)? {
        Kind::UfwRules => {
            one("ufw rules", Items { ufw: vec![ufw::read_rules(path, text)], ..Default::default() }, vec![])
        }
        Kind::UfwStatus => {
            let (u, errors) = ufw::read_status(path, text);
            one("ufw status", Items { ufw: vec![u], ..Default::default() }, errors)
        }
        Kind::UfwSettings => {
            let (u, errors) = ufw::read_settings(path, text);
            one("ufw settings", Items { ufw: vec![u], ..Default::default() }, errors)
        }
        Kind::Iptables => {
            let (rs, mut errors) = iptables::read(path, text);
            errors.extend(rs.loop_errors());
            one(rs.format, Items { rulesets: vec![rs], ..Default::default() }, errors)
        }
        Kind::NftablesJson => {
            let (rs, mut errors) = nftables::read_json(path, text);
            errors.extend(rs.loop_errors());
            one("nftables JSON", Items { rulesets: vec![rs], ..Default::default() }, errors)
        }
        Kind::Addresses => {
            let (a, errors) = addresses::read(path, text);
            one("ip -j addr", Items { addresses: vec![a], ..Default::default() }, errors)
        }
        Kind::Nftables => {
            let (rs, mut errors) = nftables::read_text(path, text);
            errors.extend(rs.loop_errors());
            one("nftables", Items { rulesets: vec![rs], ..Default::default() }, errors)
        }
        Kind::FirewalldXml(kind) => {
            let (f, errors) = firewalld::xml::read(path, text);
            one(kind, Items { firewalld: vec![f], ..Default::default() }, errors)
        }
        Kind::FirewalldText => {
            let (f, errors) = firewalld::text::read(path, text);
            one("firewall-cmd --list-all-zones", Items { firewalld: vec![f], ..Default::default() }, errors)
        }
        Kind::FirewalldConf => {
            let f = firewalld::read_conf(path, text);
            one("firewalld.conf", Items { firewalld: vec![f], ..Default::default() }, vec![])
        }
        Kind::Ipset => {
            let (ipsets, errors) = ipset::read(path, text);
            one("ipset", Items { ipsets, ..Default::default() }, errors)
        }
    }
}
